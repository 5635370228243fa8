//! Lints on the YAML shape of Kubernetes NetworkPolicy: the peer list that
//! splits one peer into two, and rule sections `policyTypes` leaves out.

use super::{Finding, POLICY_TYPES_MISMATCH, PolicyRef, SPLIT_PEER};
use crate::dialect::PolicySource;
use crate::dialect::k8s::{NetworkPolicy, Peer, PolicyType};
use crate::load::Inventory;
use crate::model::policy::{Cni, PolicySet};
use crate::model::{Span, Spanned};

pub(super) fn lint(inventory: &Inventory, set: &PolicySet, out: &mut Vec<Finding>) {
    for object in &inventory.policies {
        let PolicySource::NetworkPolicy(np) = &object.source else {
            continue;
        };
        let pref = PolicyRef {
            kind: object.kind.clone(),
            namespace: object.namespace.clone(),
            name: object.name.clone(),
        };
        let namespace = object.namespace.as_deref().unwrap_or("default");
        for (i, rule) in np.spec.ingress.iter().flatten().enumerate() {
            let peers = rule.from.as_deref().unwrap_or_default();
            split_peers(
                inventory,
                namespace,
                &pref,
                &format!("ingress[{i}].from"),
                peers,
                out,
            );
        }
        for (i, rule) in np.spec.egress.iter().flatten().enumerate() {
            let peers = rule.to.as_deref().unwrap_or_default();
            split_peers(
                inventory,
                namespace,
                &pref,
                &format!("egress[{i}].to"),
                peers,
                out,
            );
        }
        policy_types(np, set.dataplane.cni, &pref, out);
    }
}

/// Only a namespaceSelector, or only a podSelector.
#[derive(PartialEq)]
enum Half {
    Namespaces,
    Pods,
}

fn half(peer: &Peer) -> Option<Half> {
    match (&peer.namespace_selector, &peer.pod_selector, &peer.ip_block) {
        (Some(_), None, None) => Some(Half::Namespaces),
        (None, Some(_), None) => Some(Half::Pods),
        _ => None,
    }
}

/// `- namespaceSelector: ...` next to `- podSelector: ...`: two peers
/// (OR) where one with both selectors (AND) was likely meant. Shapes like
/// this are also written on purpose ("the monitoring namespace, or the
/// frontend pods here"), so with pods loaded the pair is reported only
/// when the podSelector item selects no pod in the policy's own namespace:
/// then that half selects nothing and the pair only makes sense as one.
fn split_peers(
    inventory: &Inventory,
    namespace: &str,
    pref: &PolicyRef,
    list: &str,
    peers: &[Spanned<Peer>],
    out: &mut Vec<Finding>,
) {
    for pair in peers.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let (ns_peer, pod_peer) = match (half(a), half(b)) {
            (Some(Half::Namespaces), Some(Half::Pods)) => (a, b),
            (Some(Half::Pods), Some(Half::Namespaces)) => (b, a),
            _ => continue,
        };
        let (Some(ns_sel), Some(pod_sel)) = (&ns_peer.namespace_selector, &pod_peer.pod_selector)
        else {
            continue;
        };
        let cluster = &inventory.cluster;
        let pods = pod_sel.to_expr();
        let here = cluster
            .endpoints
            .iter()
            .any(|e| e.namespace == namespace && pods.matches(&e.labels));
        if here {
            continue;
        }
        let namespaces = ns_sel.to_expr();
        let there = cluster
            .endpoints
            .iter()
            .filter(|e| {
                cluster
                    .namespaces
                    .get(&e.namespace)
                    .is_some_and(|n| namespaces.matches(&n.labels))
                    && pods.matches(&e.labels)
            })
            .count();
        let mut message = format!(
            "{list} of {pref} has a namespaceSelector item and a podSelector item: two peers (OR), every pod of the selected namespaces plus the selected pods of namespace `{namespace}`"
        );
        if !cluster.endpoints.is_empty() {
            message.push_str(&format!(
                "; the podSelector item selects no pod in `{namespace}`"
            ));
            if there > 0 {
                message.push_str(&format!(", but {there} pod(s) in the selected namespaces"));
            }
        }
        let span = Span {
            file: a.span.file,
            start: a.span.start.min(b.span.start),
            end: a.span.end.max(b.span.end),
        };
        out.push(
            Finding::new(&SPLIT_PEER, span, message)
                .label("two list items: two peers")
                .help("for pods in those namespaces, write one item with both selectors: `- namespaceSelector: ...` with `podSelector: ...` under it, without a second `-`")
                .policy(pref.clone()),
        );
    }
}

/// Rule sections for a direction `policyTypes` does not list.
fn policy_types(np: &NetworkPolicy, cni: Cni, pref: &PolicyRef, out: &mut Vec<Finding>) {
    let Some(types) = np.spec.policy_types.as_ref().filter(|t| !t.is_empty()) else {
        return;
    };
    let listed = |t: PolicyType| types.iter().any(|x| x.value == t);
    let sections = [
        (
            PolicyType::Ingress,
            "ingress",
            np.spec.ingress.as_ref().is_some_and(|r| !r.is_empty()),
        ),
        (
            PolicyType::Egress,
            "egress",
            np.spec.egress.as_ref().is_some_and(|r| !r.is_empty()),
        ),
    ];
    let span = types
        .iter()
        .map(|t| t.span)
        .reduce(|a, b| Span {
            file: a.file,
            start: a.start.min(b.start),
            end: a.end.max(b.end),
        })
        .unwrap_or_default();
    for (t, section, has_rules) in sections {
        if !has_rules || listed(t) {
            continue;
        }
        // Cilium converts every rule section whatever policyTypes says
        // (pkg/k8s/network_policy.go ParseNetworkPolicy, cilium#48703).
        let effect = match cni {
            Cni::Cilium => format!(
                "Cilium enforces them anyway and isolates {section} (cilium#48703), unlike Calico and the API"
            ),
            Cni::Calico | Cni::K8s => format!(
                "they are ignored (Calico and the API), though Cilium would enforce them and isolate {section} (cilium#48703)"
            ),
        };
        out.push(
            Finding::new(
                &POLICY_TYPES_MISMATCH,
                span,
                format!("{pref} has {section} rules but policyTypes does not list {t:?}: {effect}"),
            )
            .label(format!("{t:?} not listed"))
            .help(format!(
                "add {t:?} to policyTypes, or remove the {section} rules"
            ))
            .policy(pref.clone()),
        );
    }
}
