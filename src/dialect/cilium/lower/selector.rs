//! Cilium endpoint selectors rewritten into the one label universe the
//! evaluator reads, and the identity label filter (SEMANTICS.md §C2).

use std::collections::{BTreeMap, BTreeSet};

use super::convert::reserved_entity;
use crate::dialect::common::{LabelSelector, SelectorOperator};
use crate::model::policy::{Criterion, Entity, Policy, implicit};
use crate::model::{Cluster, Endpoint, Labels};
use crate::selector::Expr;

/// The cluster name pods carry in `io.cilium.k8s.policy.cluster` (Cilium's
/// default `cluster-name`).
const CLUSTER_NAME: &str = "default";

/// A selector that matches nothing.
pub(super) fn never() -> Expr {
    Expr::All.negate()
}

/// What a Cilium endpoint selector selects.
pub(super) enum Peer {
    /// Pods whose labels match (over the IR label universe).
    Pods(Expr),
    /// Reserved identities (a selector on `reserved:` labels).
    Reserved(Vec<Entity>),
    Nothing,
}

pub(super) struct Translated {
    pub(super) peer: Peer,
    /// It mentions `io.kubernetes.pod.namespace`.
    pub(super) names_namespace: bool,
    /// It mentions an `io.cilium.k8s.namespace.labels.*` key.
    pub(super) names_namespace_labels: bool,
    /// Why parts of it can never match (identity label filter, sources).
    pub(super) why: Vec<String>,
}

/// A label requirement of a Cilium selector, source split off.
struct Req<'a> {
    source: &'a str,
    key: &'a str,
    op: SelectorOperator,
    values: Vec<String>,
}

/// `src:key` split into source and key; a bare key matches any source.
fn split_source(k: &str) -> (&str, &str) {
    k.split_once(':').unwrap_or(("any", k))
}

fn requirements(sel: &LabelSelector) -> Vec<Req<'_>> {
    let split = split_source;
    let mut out: Vec<Req> = Vec::new();
    for (k, v) in &sel.match_labels {
        let (source, key) = split(&k.value);
        out.push(Req {
            source,
            key,
            op: SelectorOperator::In,
            values: vec![v.value.clone()],
        });
    }
    for e in &sel.match_expressions {
        let (source, key) = split(&e.key.value);
        out.push(Req {
            source,
            key,
            op: e.operator.value,
            values: e.values.iter().map(|v| v.value.clone()).collect(),
        });
    }
    out
}

fn req_expr(key: String, op: SelectorOperator, values: &[String]) -> Expr {
    match op {
        SelectorOperator::In if values.len() == 1 => Expr::Eq(key, values[0].clone()),
        SelectorOperator::In => Expr::In(key, sorted(values)),
        SelectorOperator::NotIn => Expr::NotIn(key, sorted(values)),
        SelectorOperator::Exists => Expr::Has(key),
        SelectorOperator::DoesNotExist => Expr::Has(key).negate(),
    }
}

fn sorted(values: &[String]) -> Vec<String> {
    let set: BTreeSet<String> = values.iter().cloned().collect();
    set.into_iter().collect()
}

/// Whether a requirement holds on an identity that lacks the label (or,
/// with `value`, has it with that value).
fn holds_on(op: SelectorOperator, values: &[String], value: Option<&str>) -> bool {
    let key = "k".to_string();
    let labels: Labels = value
        .map(|v| BTreeMap::from([(key.clone(), v.to_string())]))
        .unwrap_or_default();
    req_expr(key, op, values).matches(&labels)
}

/// Rewrites a Cilium endpoint selector into the IR label universe.
/// `subject`: an endpointSelector, whose namespace match Cilium replaces.
pub(super) fn translate(sel: &LabelSelector, subject: bool) -> Translated {
    let mut t = Translated {
        peer: Peer::Nothing,
        names_namespace: false,
        names_namespace_labels: false,
        why: Vec::new(),
    };
    let mut exprs = Vec::new();
    let mut reserved: Vec<Entity> = Vec::new();
    let mut impossible = false;
    for r in requirements(sel) {
        match r.source {
            "any" | "k8s" => {}
            "reserved" => {
                // Pods carry no reserved labels; a positive requirement picks
                // the reserved identity instead.
                if holds_on(r.op, &r.values, None) {
                    continue;
                }
                match (
                    reserved_entity(r.key),
                    matches!(r.op, SelectorOperator::In | SelectorOperator::Exists),
                ) {
                    (Some(e), true) => reserved.push(e),
                    _ => {
                        impossible = true;
                        t.why
                            .push(format!("no identity carries reserved:{}", r.key));
                    }
                }
                continue;
            }
            other => {
                // Labels of other sources (container, cni, unspec) are not on
                // Kubernetes pods' identities.
                if !holds_on(r.op, &r.values, None) {
                    impossible = true;
                    t.why.push(format!("pods carry no `{other}:` labels"));
                }
                continue;
            }
        }
        let key = match r.key {
            "io.kubernetes.pod.namespace" => {
                t.names_namespace = true;
                if subject {
                    // Replaced by the policy's namespace.
                    continue;
                }
                implicit::NAMESPACE.to_string()
            }
            "io.cilium.k8s.policy.serviceaccount" => implicit::SERVICE_ACCOUNT.to_string(),
            "io.cilium.k8s.policy.cluster" => {
                if !holds_on(r.op, &r.values, Some(CLUSTER_NAME)) {
                    impossible = true;
                    t.why.push(format!(
                        "pods of this cluster carry io.cilium.k8s.policy.cluster={CLUSTER_NAME}"
                    ));
                }
                continue;
            }
            k => match k.strip_prefix("io.cilium.k8s.namespace.labels.") {
                Some(ns_key) => {
                    t.names_namespace_labels = true;
                    format!("{}{ns_key}", implicit::NAMESPACE_PREFIX)
                }
                None if !in_identity(k) => {
                    if !holds_on(r.op, &r.values, None) {
                        impossible = true;
                        t.why.push(format!(
                            "`{k}` is not an identity label (Cilium's label filter leaves it out)"
                        ));
                    }
                    continue;
                }
                None => k.to_string(),
            },
        };
        exprs.push(req_expr(key, r.op, &r.values));
    }
    t.peer = if impossible {
        Peer::Nothing
    } else if !reserved.is_empty() {
        reserved.sort();
        reserved.dedup();
        // Reserved identities carry no pod labels: other positive terms fail.
        let plain_ok = exprs.iter().all(|e| e.matches(&Labels::new()));
        match (reserved.len(), plain_ok) {
            (1, true) => Peer::Reserved(reserved),
            _ => Peer::Nothing,
        }
    } else {
        Peer::Pods(Expr::all_of(exprs))
    };
    t
}

/// A node selector over node labels (sources stripped; `fromNodes` needs
/// `--enable-node-selector-labels`, whose labels are the node's own).
pub(super) fn node_expr(sel: &LabelSelector) -> Expr {
    let exprs = requirements(sel)
        .into_iter()
        .map(|r| req_expr(r.key.to_string(), r.op, &r.values));
    Expr::all_of(exprs)
}

/// Whether Cilium keeps a pod label key in identities: the default label
/// prefix configuration (pkg/labelsfilter/filter.go `defaultLabelPrefixCfg`;
/// §C2). A selector on any other key never matches, since the datapath
/// only sees identities.
pub(crate) fn in_identity(key: &str) -> bool {
    const INCLUDED: &[&str] = &["app.kubernetes.io", "io.cilium.k8s.policy.cluster"];
    if key == "io.kubernetes.pod.namespace"
        || key.starts_with("io.cilium.k8s.namespace.labels")
        || INCLUDED.iter().any(|p| key.starts_with(p))
    {
        return true;
    }
    const IGNORED_PREFIXES: &[&str] = &[
        "io.kubernetes",
        "kubernetes.io",
        "k8s.io",
        "statefulset.kubernetes.io/pod-name",
        "apps.kubernetes.io/pod-index",
        "batch.kubernetes.io/job-completion-index",
        "batch.kubernetes.io/controller-uid",
        "topology.kubernetes.io",
        "pod-template-generation",
        "pod-template-hash",
        "controller-revision-hash",
        "controller-uid",
        "annotation",
        "etcd_node",
    ];
    !IGNORED_PREFIXES.iter().any(|p| key.starts_with(p)) && !key.contains("beta.kubernetes.io")
}

/// The labels of a pod's security identity, as Cilium derives them
/// (pkg/k8s/utils/utils.go `SanitizePodLabels`, then the label filter
/// above): its own labels (less `io.cilium.k8s.*`), its namespace's labels
/// as `io.cilium.k8s.namespace.labels.*`, `io.kubernetes.pod.namespace`,
/// `io.cilium.k8s.policy.serviceaccount` and `io.cilium.k8s.policy.cluster`,
/// all with source `k8s:`. Each comes with where it is from. A hostNetwork
/// pod has the node's identity instead.
pub(crate) fn identity_labels(cluster: &Cluster, ep: &Endpoint) -> Vec<(String, String, String)> {
    if ep.host_network {
        return vec![(
            "reserved:host".to_string(),
            String::new(),
            "the host network: the node's identity (reserved:remote-node from other nodes)"
                .to_string(),
        )];
    }
    let ns = &ep.namespace;
    let mut out: BTreeMap<String, (String, String)> = BTreeMap::new();
    for (k, v) in &ep.labels {
        if !k.starts_with("io.cilium.k8s.") && in_identity(k) {
            out.insert(format!("k8s:{k}"), (v.clone(), "pod".to_string()));
        }
    }
    if let Some(namespace) = cluster.namespaces.get(ns) {
        for (k, v) in &namespace.labels {
            out.insert(
                format!("k8s:io.cilium.k8s.namespace.labels.{k}"),
                (v.clone(), format!("namespace {ns}")),
            );
        }
    }
    out.insert(
        "k8s:io.kubernetes.pod.namespace".to_string(),
        (ns.clone(), "namespace".to_string()),
    );
    out.insert(
        "k8s:io.cilium.k8s.policy.serviceaccount".to_string(),
        (ep.service_account.clone(), "service account".to_string()),
    );
    out.insert(
        "k8s:io.cilium.k8s.policy.cluster".to_string(),
        (
            CLUSTER_NAME.to_string(),
            "cluster (Cilium's default cluster-name)".to_string(),
        ),
    );
    out.into_iter().map(|(k, (v, from))| (k, v, from)).collect()
}

/// Rewrites an expression over the IR universe so that terms on labels
/// Cilium leaves out of identities evaluate as if the label were absent.
pub(crate) fn identity_filter(expr: &Expr) -> Expr {
    match expr {
        Expr::Not(inner) => identity_filter(inner).negate(),
        Expr::And(members) => Expr::all_of(members.iter().map(identity_filter)),
        Expr::Or(members) => Expr::any_of(members.iter().map(identity_filter)),
        leaf => match leaf.key() {
            Some(k)
                if !k.starts_with("projectcalico.org/")
                    && !k.starts_with(implicit::NAMESPACE_PREFIX)
                    && !k.starts_with(implicit::SERVICE_ACCOUNT_PREFIX)
                    && !in_identity(k) =>
            {
                if leaf.matches(&Labels::new()) {
                    Expr::All
                } else {
                    never()
                }
            }
            _ => leaf.clone(),
        },
    }
}

/// Applies [`identity_filter`] to every selector of a compiled policy
/// (Cilium's translation of NetworkPolicy sees only identities too).
pub(crate) fn filter_policy(p: &mut Policy) {
    p.subject = identity_filter(&p.subject);
    for rules in [p.ingress.as_mut(), p.egress.as_mut()]
        .into_iter()
        .flatten()
    {
        for rule in rules {
            filter_criteria(&mut rule.criteria);
        }
    }
}

fn filter_criteria(criteria: &mut [Criterion]) {
    for c in criteria {
        match c {
            Criterion::Selector { expr, .. } => *expr = identity_filter(expr),
            Criterion::AnyOf { alternatives, .. } => {
                for alt in alternatives {
                    filter_criteria(&mut alt.criteria);
                }
            }
            _ => {}
        }
    }
}

/// A selector as written, compactly: `org=empire, tier in (a, b)`.
pub(crate) fn selector_text(sel: &LabelSelector) -> String {
    let mut parts: Vec<String> = sel
        .match_labels
        .iter()
        .map(|(k, v)| format!("{}={}", k.value, v.value))
        .collect();
    for e in &sel.match_expressions {
        let values = e
            .values
            .iter()
            .map(|v| v.value.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        parts.push(match e.operator.value {
            SelectorOperator::In => format!("{} in ({values})", e.key.value),
            SelectorOperator::NotIn => format!("{} notin ({values})", e.key.value),
            SelectorOperator::Exists => e.key.value.clone(),
            SelectorOperator::DoesNotExist => format!("!{}", e.key.value),
        });
    }
    if parts.is_empty() {
        "{}".to_string()
    } else {
        format!("{{{}}}", parts.join(", "))
    }
}
