//! AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and
//! ClusterNetworkPolicy (v1alpha2) into the IR.
//!
//! With `--cni k8s` the NPAPI text decides (SEMANTICS.md §E). With Calico
//! the conversion decides (§A10): 3.29-3.31 enforce ANP (3.30+ also BANP)
//! through `conversion.go`, 3.32+ enforce only ClusterNetworkPolicy through
//! `clusternetworkpolicy.go`. Both conversions fail closed on a rule they
//! cannot convert, and both render `namespaces` peers without the
//! orchestrator term. Cilium implements none of these APIs (§C9b).

use ipnet::IpNet;

use crate::dialect::common::{Cidr, LabelSelector};
use crate::dialect::k8s::lower::{cover, proto};
use crate::dialect::lower::{Builder, scope, tie_break};
use crate::dialect::{PolicyObject, npapi};
use crate::model::policy::{
    Action, Alternative, Cni, Criterion, Isolates, NetScope, Policy, PortMatch, PortSpec, Rule,
    Side, Version,
};
use crate::model::{Proto, Span, Spanned};
use crate::selector::Expr;

/// The rule note of Calico's namedPort widening (§A10, §G2).
const NAMED_PORT_WIDENED: &str = "Calico 3.29–3.31 does not implement namedPort: the rule applies to every port (conversion.go TODO)";

pub(crate) fn lower_anp(
    b: &mut Builder,
    policy: &PolicyObject,
    anp: &npapi::AdminNetworkPolicy,
    baseline: bool,
) {
    if let Some(why) = anp_not_enforced(b, baseline) {
        b.ignore(policy, &why);
        return;
    }
    let mode = Mode::of(b);
    let name = policy.name.as_str();
    let names = b.tier_names();
    let (tier, order, backend_name) = if baseline {
        // "treated as if it had an order of 1,000" (tiered-policy.mdx).
        (
            names.baseline,
            Some(1000.0),
            format!("kbanp.baselineadminnetworkpolicy.{name}"),
        )
    } else {
        (
            names.admin,
            anp.spec.priority.as_ref().map(|p| p.value as f64),
            format!("kanp.adminnetworkpolicy.{name}"),
        )
    };
    // Calico stores them as GlobalNetworkPolicies under the prefixed name,
    // which is what breaks priority ties (§A3).
    let tie = match mode {
        Mode::Calico(_) => tie_break(b.calico(), "GlobalNetworkPolicy", None, &backend_name),
        Mode::Api => tie_break(None, "AdminNetworkPolicy", None, name),
    };
    let handler = if baseline {
        "k8sBANPHandleFailedRules"
    } else {
        "k8sANPHandleFailedRules"
    };
    let ingress: Vec<Rule> = anp
        .spec
        .ingress
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let source = Source {
                label: format!("ingress[{i}]"),
                action: anp_action(r.action.value),
                action_span: r.action.span,
                side: Side::Source,
                peers: &r.from,
                ports: anp_ports(mode, r.ports.as_deref()),
            };
            convert(b, mode, policy, handler, &source)
        })
        .collect();
    let egress: Vec<Rule> = anp
        .spec
        .egress
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let source = Source {
                label: format!("egress[{i}]"),
                action: anp_action(r.action.value),
                action_span: r.action.span,
                side: Side::Destination,
                peers: &r.to,
                ports: anp_ports(mode, r.ports.as_deref()),
            };
            convert(b, mode, policy, handler, &source)
        })
        .collect();
    let (subject, subject_text) = subject(&anp.spec.subject.value);
    let lowered = Policy {
        kind: policy.kind.clone(),
        dialect: policy.dialect().to_string(),
        namespace: None,
        name: name.to_string(),
        order,
        tie_break: tie,
        subject,
        subject_text,
        // `calculateANPPolicyTypes`: a direction is governed iff it has a
        // (converted) rule; "ANPs with no ingress rules do not affect
        // ingress traffic" (NPAPI).
        ingress: (!ingress.is_empty()).then_some(ingress),
        egress: (!egress.is_empty()).then_some(egress),
        // The tier's default is Pass: isolation only means "Pass at the end".
        isolates: Isolates::BOTH,
        staged: None,
        enforced_kind: policy.enforced_kind(),
        origin: policy.origin,
    };
    b.add(tier, lowered);
}

/// Why the dataplane ignores an (B)ANP, if it does.
fn anp_not_enforced(b: &Builder, baseline: bool) -> Option<String> {
    match (b.dataplane.cni, b.calico()) {
        (Cni::Cilium, _) => Some("Cilium does not implement AdminNetworkPolicy".into()),
        (Cni::Calico, Some(v)) if v >= Version::new(3, 32) => Some(
            "Calico 3.32 removed AdminNetworkPolicy support in favour of ClusterNetworkPolicy (calico#11144)"
                .into(),
        ),
        (Cni::Calico, Some(v)) if baseline && v < Version::new(3, 30) => Some(
            "BaselineAdminNetworkPolicy needs Calico 3.30+ (calico#9464)".into(),
        ),
        (Cni::Calico, Some(v)) if v < Version::new(3, 29) => {
            Some("AdminNetworkPolicy needs Calico 3.29+".into())
        }
        _ => None,
    }
}

fn anp_action(a: npapi::AnpAction) -> Action {
    match a {
        npapi::AnpAction::Allow => Action::Allow,
        npapi::AnpAction::Deny => Action::Deny,
        npapi::AnpAction::Pass => Action::Pass,
    }
}

/// `ports[]` of an ANP rule. Calico 3.29-3.31 returns neither a protocol
/// nor a port for `namedPort` (`// TODO: Add support for NamedPorts`), which
/// `unpackANPPorts` reads as "no ports": the rule widens to everything.
fn anp_ports(mode: Mode, ports: Option<&[Spanned<npapi::AnpPort>]>) -> Vec<PortItem> {
    let tcp = |p: &Option<Spanned<crate::dialect::k8s::Protocol>>| {
        p.as_ref().map_or(Proto::TCP, |p| proto(p.value))
    };
    ports
        .unwrap_or_default()
        .iter()
        .map(|port| {
            let p = &port.value;
            let kind = if let Some(n) = &p.port_number {
                PortKind::Match(PortMatch {
                    protocol: Some(tcp(&n.protocol)),
                    ports: PortSpec::Range(n.port.0, n.port.0),
                })
            } else if let Some(r) = &p.port_range {
                PortKind::Match(PortMatch {
                    protocol: Some(tcp(&r.protocol)),
                    ports: PortSpec::Range(r.start.value.0, r.end.value.0),
                })
            } else if let Some(name) = &p.named_port {
                match mode {
                    Mode::Calico(_) => PortKind::Widen(NAMED_PORT_WIDENED.into()),
                    // The protocol is the container port's.
                    Mode::Api => PortKind::Match(PortMatch {
                        protocol: None,
                        ports: PortSpec::Named(name.value.clone()),
                    }),
                }
            } else {
                // Refused when loading; Calico reads it as "no ports".
                PortKind::Widen("an empty ports entry matches every protocol and port".into())
            };
            PortItem {
                kind,
                span: port.span,
            }
        })
        .collect()
}

pub(crate) fn lower_cnp(b: &mut Builder, policy: &PolicyObject, cnp: &npapi::ClusterNetworkPolicy) {
    match (b.dataplane.cni, b.calico()) {
        (Cni::Cilium, _) => {
            b.ignore(policy, "Cilium does not implement ClusterNetworkPolicy");
            return;
        }
        (Cni::Calico, Some(v)) if v < Version::new(3, 32) => {
            b.ignore(policy, "ClusterNetworkPolicy needs Calico 3.32+");
            return;
        }
        _ => {}
    }
    let mode = Mode::of(b);
    let name = policy.name.as_str();
    let names = b.tier_names();
    let tier = match cnp.spec.tier.value {
        npapi::CnpTier::Admin => names.admin,
        npapi::CnpTier::Baseline => names.baseline,
    };
    let handler = "k8sClusterNetPolHandleFailedRules";
    let ingress: Vec<Rule> = cnp
        .spec
        .ingress
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let source = Source {
                label: format!("ingress[{i}]"),
                action: cnp_action(r.action.value),
                action_span: r.action.span,
                side: Side::Source,
                peers: &r.from,
                ports: cnp_protocols(r.protocols.as_deref()),
            };
            convert(b, mode, policy, handler, &source)
        })
        .collect();
    let egress: Vec<Rule> = cnp
        .spec
        .egress
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let source = Source {
                label: format!("egress[{i}]"),
                action: cnp_action(r.action.value),
                action_span: r.action.span,
                side: Side::Destination,
                peers: &r.to,
                ports: cnp_protocols(r.protocols.as_deref()),
            };
            convert(b, mode, policy, handler, &source)
        })
        .collect();
    let (subject, subject_text) = subject(&cnp.spec.subject.value);
    let lowered = Policy {
        kind: policy.kind.clone(),
        dialect: policy.dialect().to_string(),
        namespace: None,
        name: name.to_string(),
        order: Some(cnp.spec.priority.value as f64),
        tie_break: tie_break(b.calico(), "KubernetesClusterNetworkPolicy", None, name),
        subject,
        subject_text,
        // `clusterNetPolicyTypes`: governed iff the direction has a rule.
        ingress: (!ingress.is_empty()).then_some(ingress),
        egress: (!egress.is_empty()).then_some(egress),
        isolates: Isolates::BOTH,
        staged: None,
        enforced_kind: policy.enforced_kind(),
        origin: policy.origin,
    };
    b.add(tier, lowered);
}

fn cnp_action(a: npapi::CnpAction) -> Action {
    match a {
        npapi::CnpAction::Accept => Action::Allow,
        npapi::CnpAction::Deny => Action::Deny,
        npapi::CnpAction::Pass => Action::Pass,
    }
}

/// `protocols[]` of a CNP rule: `tcp|udp|sctp` with an optional
/// `destinationPort` (absent: every port of the protocol), or
/// `destinationNamedPort` (any protocol the named port has; Calico 3.32
/// renders it without a protocol, calico#12227).
fn cnp_protocols(protocols: Option<&[Spanned<npapi::CnpProtocol>]>) -> Vec<PortItem> {
    protocols
        .unwrap_or_default()
        .iter()
        .map(|entry| {
            let p = &entry.value;
            let l4 = [
                (Proto::TCP, &p.tcp),
                (Proto::UDP, &p.udp),
                (Proto::SCTP, &p.sctp),
            ]
            .into_iter()
            .find_map(|(proto, ports)| ports.as_ref().map(|ports| (proto, ports)));
            let kind = if let Some((protocol, ports)) = l4 {
                let spec = match ports.destination_port.as_ref().map(|d| &d.value) {
                    Some(npapi::CnpPort {
                        number: Some(n), ..
                    }) => PortSpec::Range(n.0, n.0),
                    Some(npapi::CnpPort { range: Some(r), .. }) => {
                        PortSpec::Range(r.start.value.0, r.end.value.0)
                    }
                    _ => PortSpec::All,
                };
                PortKind::Match(PortMatch {
                    protocol: Some(protocol),
                    ports: spec,
                })
            } else if let Some(name) = &p.destination_named_port {
                PortKind::Match(PortMatch {
                    protocol: None,
                    ports: PortSpec::Named(name.value.clone()),
                })
            } else {
                // Refused when loading; Calico reads it as "no ports".
                PortKind::Widen("an empty protocols entry matches every protocol and port".into())
            };
            PortItem {
                kind,
                span: entry.span,
            }
        })
        .collect()
}

/// Whose conversion decides.
#[derive(Clone, Copy)]
enum Mode {
    /// Calico's `conversion.go` / `clusternetworkpolicy.go`.
    Calico(Version),
    /// The NPAPI text (`--cni k8s`).
    Api,
}

impl Mode {
    fn of(b: &Builder) -> Mode {
        match (b.dataplane.cni, b.calico()) {
            (Cni::Calico, Some(v)) => Mode::Calico(v),
            _ => Mode::Api,
        }
    }
}

/// A rule of any of the three kinds, ready to convert.
struct Source<'a> {
    label: String,
    action: Action,
    action_span: Span,
    side: Side,
    peers: &'a [Spanned<npapi::AnpPeer>],
    ports: Vec<PortItem>,
}

struct PortItem {
    kind: PortKind,
    span: Span,
}

enum PortKind {
    Match(PortMatch),
    /// The conversion drops every port and protocol condition of the rule;
    /// the text says why.
    Widen(String),
}

/// Converts one rule; `None` when the dataplane drops it.
fn convert(
    b: &mut Builder,
    mode: Mode,
    policy: &PolicyObject,
    handler: &str,
    src: &Source,
) -> Option<Rule> {
    let what = match src.side {
        Side::Source => "from",
        Side::Destination => "to",
    };
    let origin = cover(
        std::iter::once(src.action_span)
            .chain(src.peers.iter().map(|p| p.span))
            .chain(src.ports.iter().map(|p| p.span)),
    );
    let where_ = format!("{} {} {}", policy.kind, policy.key(), src.label);

    if src.peers.is_empty() {
        return match mode {
            // `combinePortsWith*Peers` loops over no peers: no Calico rule,
            // and no error, so no fail-closed replacement either.
            Mode::Calico(v) => {
                b.note(
                    origin,
                    format!("{where_} has no peers: Calico {v} converts it to nothing"),
                );
                None
            }
            // NPAPI: an empty peer list fails closed.
            Mode::Api => fail_closed(b, src, origin, &where_, "the rule has no peers", None),
        };
    }

    let mut alternatives = Vec::new();
    for (j, peer) in src.peers.iter().enumerate() {
        match peer_criteria(b, mode, src.side, &peer.value) {
            Ok((criteria, note)) => {
                if let Some(note) = note {
                    b.note(Some(peer.span), format!("{where_} {what}[{j}]: {note}"));
                }
                alternatives.push(Alternative {
                    label: format!("{what}[{j}]"),
                    criteria,
                    origin: Some(peer.span),
                });
            }
            Err(why) => {
                return fail_closed(b, src, origin, &where_, &why, Some(handler));
            }
        }
    }
    let mut criteria = vec![Criterion::AnyOf {
        what: what.to_string(),
        alternatives,
    }];

    let mut note = None;
    let widened = src.ports.iter().find_map(|p| match &p.kind {
        PortKind::Widen(why) => Some((why, p.span)),
        PortKind::Match(_) => None,
    });
    if let Some((why, span)) = widened {
        b.note(Some(span), format!("{where_}: {why}"));
        note = Some(why.clone());
    } else if !src.ports.is_empty() {
        criteria.push(Criterion::Ports {
            side: Side::Destination,
            any_of: src
                .ports
                .iter()
                .filter_map(|p| match &p.kind {
                    PortKind::Match(m) => Some(m.clone()),
                    PortKind::Widen(_) => None,
                })
                .collect(),
            negated: false,
        });
    }
    Some(Rule {
        label: src.label.clone(),
        action: src.action,
        criteria,
        note,
        origin,
    })
}

/// A rule that cannot be converted: Deny and Pass become deny-all, Allow
/// matches nothing (NPAPI "fail closed"; Calico's `*HandleFailedRules`
/// replace Deny/Pass with a bare Deny and drop Allow).
fn fail_closed(
    b: &mut Builder,
    src: &Source,
    origin: Option<Span>,
    where_: &str,
    why: &str,
    calico_handler: Option<&str>,
) -> Option<Rule> {
    let by = match calico_handler {
        Some(h) => format!("{}, {h}", b.describe_dataplane()),
        None => "NPAPI".to_string(),
    };
    match src.action {
        Action::Deny | Action::Pass => {
            let note = format!(
                "{why}: the {} rule fails closed and denies everything ({by})",
                src.action
            );
            b.note(origin, format!("{where_}: {note}"));
            Some(Rule {
                label: src.label.clone(),
                action: Action::Deny,
                criteria: Vec::new(),
                note: Some(note),
                origin,
            })
        }
        _ if calico_handler.is_some() => {
            b.note(
                origin,
                format!("{where_}: {why}: the Allow rule is dropped ({by})"),
            );
            None
        }
        _ => {
            let why = format!("{why}: an Allow rule that fails closed matches nothing ({by})");
            b.note(origin, format!("{where_}: {why}"));
            Some(Rule {
                label: src.label.clone(),
                action: src.action,
                criteria: vec![Criterion::Never { why: why.clone() }],
                note: Some(why),
                origin,
            })
        }
    }
}

/// One peer as criteria (ANDed), with a note to show; `Err` when the
/// dataplane cannot convert it (the whole rule fails).
fn peer_criteria(
    b: &Builder,
    mode: Mode,
    side: Side,
    peer: &npapi::AnpPeer,
) -> Result<(Vec<Criterion>, Option<String>), String> {
    let selector = |expr: Expr, text: String| {
        Ok((
            vec![Criterion::Selector {
                side,
                expr,
                text,
                negated: false,
            }],
            None,
        ))
    };
    if let Some(namespaces) = &peer.namespaces {
        let text = format!("namespaces: {}", namespaces.to_expr());
        let in_namespaces = scope::k8s_namespace_selector(namespaces);
        return match mode {
            // Rendered with an empty `selector`: namespaced NetworkSets in
            // those namespaces match too (§A10).
            Mode::Calico(_) => selector(in_namespaces, text),
            Mode::Api => selector(scope::k8s_pods().and(in_namespaces), text),
        };
    }
    if let Some(pods) = &peer.pods {
        let (expr, text) = namespaced_pods(pods);
        return selector(expr, format!("pods: {text}"));
    }
    if let Some(networks) = &peer.networks {
        return Ok((vec![networks_criterion(side, networks)], None));
    }
    let unsupported = |v: Version, field: &str| {
        Err(format!(
            "Calico {v} cannot convert `{field}` peers (\"none of supported fields\")"
        ))
    };
    if let Some(nodes) = &peer.nodes {
        return match mode {
            Mode::Calico(v) => unsupported(v, "nodes"),
            Mode::Api => Ok(nodes_criterion(b, side, nodes)),
        };
    }
    if peer.domain_names.is_some() {
        return match mode {
            Mode::Calico(v) => unsupported(v, "domainNames"),
            Mode::Api => {
                let why = "domainNames peers are not modelled: polctl resolves no DNS names, so the peer matches nothing";
                Ok((
                    vec![Criterion::Never { why: why.into() }],
                    Some(why.to_string()),
                ))
            }
        };
    }
    // Refused when loading ("a peer must set exactly one of ...").
    match mode {
        Mode::Calico(v) => Err(format!(
            "Calico {v} cannot convert a peer with no fields (\"none of supported fields\")"
        )),
        Mode::Api => Ok((
            vec![Criterion::Never {
                why: "the peer sets no field".into(),
            }],
            None,
        )),
    }
}

/// `pods: {namespaceSelector, podSelector}`: Kubernetes pods matching both.
fn namespaced_pods(pods: &npapi::NamespacedPod) -> (Expr, String) {
    (
        scope::k8s_namespace_selector(&pods.namespace_selector)
            .and(scope::k8s_pod_selector(&pods.pod_selector)),
        format!(
            "namespaceSelector: {}; podSelector: {}",
            pods.namespace_selector.to_expr(),
            pods.pod_selector.to_expr()
        ),
    )
}

/// `networks`: CIDRs that "cluster-internal traffic will be checked against
/// as well" (NPAPI), i.e. pod addresses match, as with Calico's `nets`.
fn networks_criterion(side: Side, networks: &[Spanned<Cidr>]) -> Criterion {
    Criterion::Nets {
        side,
        nets: networks.iter().map(|n| n.net).collect(),
        negated: false,
        scope: NetScope::AnyAddress,
    }
}

/// `nodes` (NPAPI): the addresses of the nodes the selector matches,
/// resolved against the loaded Node objects.
fn nodes_criterion(
    b: &Builder,
    side: Side,
    nodes: &LabelSelector,
) -> (Vec<Criterion>, Option<String>) {
    let expr = nodes.to_expr();
    let nets: Vec<IpNet> = b
        .cluster
        .nodes
        .iter()
        .filter(|n| expr.matches(&n.labels))
        .flat_map(|n| n.ips.iter().map(|ip| IpNet::from(*ip)))
        .collect();
    if nets.is_empty() {
        let why = format!(
            "no loaded Node with an address matches nodes {expr}, so the peer matches nothing (load the Node objects to model it)"
        );
        return (vec![Criterion::Never { why: why.clone() }], Some(why));
    }
    (
        vec![Criterion::Nets {
            side,
            nets,
            negated: false,
            scope: NetScope::AnyAddress,
        }],
        None,
    )
}

/// The subject as an endpoint selector and as text. Calico adds the
/// orchestrator term to keep host endpoints out; host-networked pods are
/// never selected (NPAPI), and are not endpoints here either.
fn subject(s: &npapi::Subject) -> (Expr, String) {
    match (&s.namespaces, &s.pods) {
        (Some(namespaces), _) => (
            scope::k8s_pods().and(scope::k8s_namespace_selector(namespaces)),
            format!("namespaces: {}", namespaces.to_expr()),
        ),
        (None, Some(pods)) => {
            let (expr, text) = namespaced_pods(pods);
            (expr, format!("pods: {text}"))
        }
        // Refused when loading; Calico 3.32 tombstones such a policy.
        (None, None) => (Expr::any_of([]), "nothing".to_string()),
    }
}

#[cfg(test)]
mod tests {
    use crate::dialect::k8s::lower::tests::{
        compile, find, has, network_set, peers, pod, ports, selector,
    };
    use crate::model::Proto;
    use crate::model::policy::{
        Action, Cni, Criterion, NetScope, PortMatch, PortSpec, Side, Version,
    };

    const V329: Option<Version> = Some(Version::new(3, 29));
    const V331: Option<Version> = Some(Version::new(3, 31));
    const V332: Option<Version> = Some(Version::new(3, 32));

    fn anp(name: &str, priority: u32, rest: &str) -> String {
        format!(
            "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: AdminNetworkPolicy\nmetadata:\n  name: {name}\nspec:\n  priority: {priority}\n{rest}"
        )
    }

    fn banp(rest: &str) -> String {
        format!(
            "apiVersion: policy.networking.k8s.io/v1alpha1\nkind: BaselineAdminNetworkPolicy\nmetadata:\n  name: default\nspec:\n{rest}"
        )
    }

    fn cnp(name: &str, tier: &str, priority: u32, rest: &str) -> String {
        format!(
            "apiVersion: policy.networking.k8s.io/v1alpha2\nkind: ClusterNetworkPolicy\nmetadata:\n  name: {name}\nspec:\n  tier: {tier}\n  priority: {priority}\n{rest}"
        )
    }

    const ALL_NAMESPACES: &str = "  subject:\n    namespaces: {}\n";

    const EGRESS_TO_MONITORING: &str = concat!(
        "  egress:\n",
        "    - action: Allow\n",
        "      to:\n",
        "        - namespaces:\n",
        "            matchLabels:\n",
        "              team: ops\n",
    );

    #[test]
    fn anp_goes_to_the_admin_tier_ordered_by_priority() {
        let yaml = anp(
            "mon",
            10,
            &format!("{ALL_NAMESPACES}{EGRESS_TO_MONITORING}"),
        );
        for (cni, v, tier, tie) in [
            (
                Cni::Calico,
                V331,
                "adminnetworkpolicy",
                "kanp.adminnetworkpolicy.mon",
            ),
            (Cni::K8s, None, "admin", "mon"),
        ] {
            let l = compile(&yaml, cni, v);
            let (t, p) = find(&l, "mon");
            assert_eq!(t, tier);
            assert_eq!(p.order, Some(10.0));
            assert_eq!(p.tie_break, tie);
            assert_eq!(
                (p.kind.as_str(), p.dialect.as_str(), p.namespace.as_deref()),
                ("AdminNetworkPolicy", "anp", None)
            );
            // No ingress rules: ingress is not touched at all.
            assert!(p.ingress.is_none());
            assert_eq!(p.egress.as_ref().map(Vec::len), Some(1));
        }
    }

    #[test]
    fn banp_is_order_1000_in_the_baseline_tier() {
        let yaml = banp(&format!("{ALL_NAMESPACES}{EGRESS_TO_MONITORING}"));
        for (cni, v, tier, tie) in [
            (
                Cni::Calico,
                Some(Version::new(3, 30)),
                "baselineadminnetworkpolicy",
                "kbanp.baselineadminnetworkpolicy.default",
            ),
            (Cni::K8s, None, "baseline", "default"),
        ] {
            let l = compile(&yaml, cni, v);
            let (t, p) = find(&l, "default");
            assert_eq!(t, tier);
            assert_eq!(p.order, Some(1000.0));
            assert_eq!(p.tie_break, tie);
            assert_eq!(p.dialect, "banp");
        }
    }

    #[test]
    fn dataplanes_that_do_not_enforce_the_kind_ignore_it_with_a_note() {
        let a = anp(
            "mon",
            10,
            &format!("{ALL_NAMESPACES}{EGRESS_TO_MONITORING}"),
        );
        let b = banp(&format!("{ALL_NAMESPACES}{EGRESS_TO_MONITORING}"));
        for (yaml, name, cni, v, why) in [
            (&a, "mon", Cni::Calico, V332, "calico#11144"),
            (&b, "default", Cni::Calico, V332, "calico#11144"),
            (&b, "default", Cni::Calico, V329, "3.30"),
            (&a, "mon", Cni::Cilium, None, "Cilium does not implement"),
        ] {
            let l = compile(yaml, cni, v);
            assert!(!has(&l, name), "{name} on {cni} {v:?}");
            assert!(
                l.notes
                    .iter()
                    .any(|n| n.message.contains("is not enforced") && n.message.contains(why)),
                "{:?}",
                l.notes
            );
        }
        // 3.29 enforces ANP, only BANP came later.
        assert!(has(&compile(&a, Cni::Calico, V329), "mon"));
    }

    #[test]
    fn subject_selects_kubernetes_pods_of_the_namespaces() {
        let yaml = anp(
            "t",
            5,
            concat!(
                "  subject:\n",
                "    namespaces:\n",
                "      matchLabels:\n",
                "        tenant: a\n",
                "  ingress:\n",
                "    - action: Deny\n",
                "      from:\n",
                "        - namespaces: {}\n",
            ),
        );
        let l = compile(&yaml, Cni::Calico, V331);
        let (_, p) = find(&l, "t");
        assert_eq!(
            p.subject.to_string(),
            r#"projectcalico.org/orchestrator == "k8s" && pcns.tenant == "a""#
        );
        assert_eq!(p.subject_text, r#"namespaces: tenant == "a""#);
        assert!(p.subject.matches(&pod("x", &[("tenant", "a")], &[])));
        assert!(!p.subject.matches(&pod("y", &[("tenant", "b")], &[])));
        assert!(
            !p.subject
                .matches(&network_set("x", &[("tenant", "a")], &[]))
        );

        let pods = anp(
            "p",
            5,
            concat!(
                "  subject:\n",
                "    pods:\n",
                "      namespaceSelector: {}\n",
                "      podSelector:\n",
                "        matchLabels:\n",
                "          app: db\n",
                "  ingress:\n",
                "    - action: Deny\n",
                "      from:\n",
                "        - namespaces: {}\n",
            ),
        );
        let l = compile(&pods, Cni::K8s, None);
        let (_, p) = find(&l, "p");
        assert_eq!(
            p.subject.to_string(),
            r#"has(projectcalico.org/namespace) && projectcalico.org/orchestrator == "k8s" && app == "db""#
        );
        assert!(p.subject.matches(&pod("any", &[], &[("app", "db")])));
        assert!(!p.subject.matches(&pod("any", &[], &[("app", "web")])));
    }

    #[test]
    fn namespace_peers_match_network_sets_only_on_calico() {
        let yaml = anp(
            "mon",
            10,
            &format!("{ALL_NAMESPACES}{EGRESS_TO_MONITORING}"),
        );
        let ops_set = network_set("mon", &[("team", "ops")], &[]);
        let ops_pod = pod("mon", &[("team", "ops")], &[]);
        for (cni, v, sets) in [(Cni::Calico, V331, true), (Cni::K8s, None, false)] {
            let l = compile(&yaml, cni, v);
            let (_, p) = find(&l, "mon");
            let rule = &p.egress.as_ref().unwrap()[0];
            assert_eq!(rule.action, Action::Allow);
            let peer = peers(rule)[0];
            assert!(matches!(
                peer,
                [Criterion::Selector {
                    side: Side::Destination,
                    ..
                }]
            ));
            let expr = selector(peer);
            assert!(expr.matches(&ops_pod));
            assert!(!expr.matches(&pod("prod", &[], &[])));
            assert_eq!(expr.matches(&ops_set), sets, "{cni}");
        }
    }

    const NAMED_PORT_RULE: &str = concat!(
        "  ingress:\n",
        "    - action: Allow\n",
        "      from:\n",
        "        - namespaces: {}\n",
        "      ports:\n",
        "        - portNumber:\n",
        "            port: 80\n",
        "        - namedPort: http\n",
    );

    #[test]
    fn calico_3_31_widens_rules_with_a_named_port_to_every_port() {
        let yaml = anp("np", 1, &format!("{ALL_NAMESPACES}{NAMED_PORT_RULE}"));
        let l = compile(&yaml, Cni::Calico, V331);
        let (_, p) = find(&l, "np");
        let rule = &p.ingress.as_ref().unwrap()[0];
        assert!(ports(rule).is_none(), "{rule:?}");
        assert_eq!(peers(rule).len(), 1, "the peers still apply");
        assert_eq!(
            rule.note.as_deref(),
            Some(
                "Calico 3.29–3.31 does not implement namedPort: the rule applies to every port (conversion.go TODO)"
            )
        );
        assert!(l.notes.iter().any(|n| n.message.contains("namedPort")));

        let l = compile(&yaml, Cni::K8s, None);
        let (_, p) = find(&l, "np");
        let rule = &p.ingress.as_ref().unwrap()[0];
        assert_eq!(rule.note, None);
        assert_eq!(
            ports(rule).unwrap(),
            &[
                PortMatch {
                    protocol: Some(Proto::TCP),
                    ports: PortSpec::Range(80, 80),
                },
                PortMatch {
                    protocol: None,
                    ports: PortSpec::Named("http".into()),
                },
            ]
        );
    }

    const NODES_RULES: &str = concat!(
        "  egress:\n",
        "    - action: Deny\n",
        "      to:\n",
        "        - nodes:\n",
        "            matchLabels:\n",
        "              role: control-plane\n",
        "    - action: Allow\n",
        "      to:\n",
        "        - nodes: {}\n",
        "    - action: Pass\n",
        "      to:\n",
        "        - namespaces: {}\n",
        "        - domainNames: [\"example.com\"]\n",
    );

    #[test]
    fn calico_3_31_fails_closed_on_nodes_and_domain_names_peers() {
        let yaml = anp("n", 1, &format!("{ALL_NAMESPACES}{NODES_RULES}"));
        let l = compile(&yaml, Cni::Calico, V331);
        let (_, p) = find(&l, "n");
        let egress = p.egress.as_ref().unwrap();
        // Deny and Pass become deny-all; the Allow is dropped.
        let labels: Vec<_> = egress.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, ["egress[0]", "egress[2]"]);
        for r in egress {
            assert_eq!(r.action, Action::Deny);
            assert!(r.criteria.is_empty());
            assert!(
                r.note
                    .as_deref()
                    .is_some_and(|n| n.contains("fails closed"))
            );
        }
        assert!(
            l.notes
                .iter()
                .any(|n| n.message.contains("egress[1]") && n.message.contains("dropped"))
        );

        // A direction whose only rule is a dropped Allow is not governed.
        let only_allow = anp(
            "a",
            1,
            concat!(
                "  subject:\n    namespaces: {}\n",
                "  egress:\n",
                "    - action: Allow\n",
                "      to:\n",
                "        - nodes: {}\n",
            ),
        );
        let l = compile(&only_allow, Cni::Calico, V331);
        assert!(find(&l, "a").1.egress.is_none());
    }

    #[test]
    fn the_api_resolves_nodes_peers_to_loaded_node_addresses() {
        let nodes = concat!(
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: cp\n  labels:\n    role: control-plane\n",
            "status:\n  addresses:\n    - type: InternalIP\n      address: 192.168.0.10\n---\n",
            "apiVersion: v1\nkind: Node\nmetadata:\n  name: w\n",
            "status:\n  addresses:\n    - type: InternalIP\n      address: 192.168.0.20\n---\n",
        );
        let yaml = format!(
            "{nodes}{}",
            anp("n", 1, &format!("{ALL_NAMESPACES}{NODES_RULES}"))
        );
        let l = compile(&yaml, Cni::K8s, None);
        let (_, p) = find(&l, "n");
        let egress = p.egress.as_ref().unwrap();
        assert_eq!(egress.len(), 3);
        assert_eq!(egress[0].action, Action::Deny);
        assert_eq!(
            peers(&egress[0])[0],
            &[Criterion::Nets {
                side: Side::Destination,
                nets: vec!["192.168.0.10/32".parse().unwrap()],
                negated: false,
                scope: NetScope::AnyAddress,
            }][..]
        );
        let Criterion::Nets { nets, .. } = &peers(&egress[1])[0][0] else {
            panic!()
        };
        assert_eq!(nets.len(), 2, "nodes: {{}} is every node");
        // domainNames: not modelled, the peer matches nothing but the
        // other peer of the rule still does.
        let pass = peers(&egress[2]);
        assert_eq!(egress[2].action, Action::Pass);
        assert!(matches!(pass[1], [Criterion::Never { .. }]));
        assert!(matches!(pass[0], [Criterion::Selector { .. }]));

        // With no Node loaded, a nodes peer matches nothing, and says so.
        let l = compile(
            &anp("n", 1, &format!("{ALL_NAMESPACES}{NODES_RULES}")),
            Cni::K8s,
            None,
        );
        let (_, p) = find(&l, "n");
        assert!(matches!(
            peers(&p.egress.as_ref().unwrap()[0])[0],
            [Criterion::Never { .. }]
        ));
        assert!(l.notes.iter().any(|n| n.message.contains("no loaded Node")));
    }

    #[test]
    fn the_api_fails_closed_on_an_empty_peer_list() {
        let yaml = anp(
            "e",
            1,
            concat!(
                "  subject:\n    namespaces: {}\n",
                "  ingress:\n",
                "    - action: Pass\n",
                "      from: []\n",
                "    - action: Allow\n",
                "      from: []\n",
            ),
        );
        let l = compile(&yaml, Cni::K8s, None);
        let ingress = find(&l, "e").1.ingress.clone().unwrap();
        assert_eq!(ingress[0].action, Action::Deny);
        assert!(ingress[0].criteria.is_empty());
        assert_eq!(ingress[1].action, Action::Allow);
        assert!(matches!(ingress[1].criteria[..], [Criterion::Never { .. }]));
    }

    #[test]
    fn networks_peers_match_any_address_in_range() {
        let yaml = anp(
            "w",
            1,
            concat!(
                "  subject:\n    namespaces: {}\n",
                "  egress:\n",
                "    - action: Deny\n",
                "      to:\n",
                "        - networks: [\"10.0.0.0/8\", \"fd00::/8\"]\n",
                "      ports:\n",
                "        - portRange:\n",
                "            protocol: UDP\n",
                "            start: 1000\n",
                "            end: 2000\n",
            ),
        );
        let l = compile(&yaml, Cni::Calico, V331);
        let rule = &find(&l, "w").1.egress.as_ref().unwrap()[0];
        assert_eq!(
            peers(rule)[0],
            &[Criterion::Nets {
                side: Side::Destination,
                nets: vec!["10.0.0.0/8".parse().unwrap(), "fd00::/8".parse().unwrap()],
                negated: false,
                scope: NetScope::AnyAddress,
            }][..]
        );
        assert_eq!(
            ports(rule).unwrap(),
            &[PortMatch {
                protocol: Some(Proto::UDP),
                ports: PortSpec::Range(1000, 2000),
            }]
        );
    }

    const CNP_RULES: &str = concat!(
        "  subject:\n",
        "    namespaces: {}\n",
        "  ingress:\n",
        "    - action: Accept\n",
        "      from:\n",
        "        - pods:\n",
        "            namespaceSelector: {}\n",
        "            podSelector:\n",
        "              matchLabels:\n",
        "                app: prom\n",
        "      protocols:\n",
        "        - tcp: {}\n",
        "        - udp:\n",
        "            destinationPort:\n",
        "              range:\n",
        "                start: 5000\n",
        "                end: 5010\n",
        "        - sctp:\n",
        "            destinationPort:\n",
        "              number: 9\n",
        "        - destinationNamedPort: metrics\n",
    );

    #[test]
    fn cluster_network_policy_needs_calico_3_32() {
        let yaml = cnp("c", "Admin", 3, CNP_RULES);
        let l = compile(&yaml, Cni::Calico, V331);
        assert!(!has(&l, "c"));
        assert!(l.notes.iter().any(|n| {
            n.message
                .contains("ClusterNetworkPolicy needs Calico 3.32+")
        }));
        assert!(!has(&compile(&yaml, Cni::Cilium, None), "c"));
    }

    #[test]
    fn cluster_network_policy_lands_in_its_tier_with_its_ports() {
        for (tier, cni, v, tier_name, tie) in [
            (
                "Admin",
                Cni::Calico,
                V332,
                "kube-admin",
                "c//KubernetesClusterNetworkPolicy",
            ),
            (
                "Baseline",
                Cni::Calico,
                V332,
                "kube-baseline",
                "c//KubernetesClusterNetworkPolicy",
            ),
            ("Admin", Cni::K8s, None, "admin", "c"),
        ] {
            let l = compile(&cnp("c", tier, 3, CNP_RULES), cni, v);
            let (t, p) = find(&l, "c");
            assert_eq!(t, tier_name);
            assert_eq!(p.order, Some(3.0));
            assert_eq!(p.tie_break, tie);
            assert_eq!(
                (p.kind.as_str(), p.dialect.as_str()),
                ("ClusterNetworkPolicy", "cnp-v1alpha2")
            );
            assert!(p.egress.is_none());
            let rule = &p.ingress.as_ref().unwrap()[0];
            assert_eq!(rule.action, Action::Allow, "Accept");
            let prom = selector(peers(rule)[0]);
            assert!(prom.matches(&pod("mon", &[], &[("app", "prom")])));
            assert!(!prom.matches(&pod("mon", &[], &[("app", "web")])));
            assert_eq!(
                ports(rule).unwrap(),
                &[
                    PortMatch {
                        protocol: Some(Proto::TCP),
                        ports: PortSpec::All,
                    },
                    PortMatch {
                        protocol: Some(Proto::UDP),
                        ports: PortSpec::Range(5000, 5010),
                    },
                    PortMatch {
                        protocol: Some(Proto::SCTP),
                        ports: PortSpec::Range(9, 9),
                    },
                    PortMatch {
                        protocol: None,
                        ports: PortSpec::Named("metrics".into()),
                    },
                ]
            );
        }
    }

    #[test]
    fn calico_3_32_fails_closed_on_cnp_nodes_peers() {
        let yaml = cnp(
            "c",
            "Baseline",
            3,
            concat!(
                "  subject:\n    namespaces: {}\n",
                "  egress:\n",
                "    - action: Pass\n",
                "      to:\n",
                "        - nodes: {}\n",
            ),
        );
        let l = compile(&yaml, Cni::Calico, V332);
        let rule = &find(&l, "c").1.egress.as_ref().unwrap()[0];
        assert_eq!(rule.action, Action::Deny);
        assert!(rule.criteria.is_empty());
        assert!(
            l.notes
                .iter()
                .any(|n| n.message.contains("k8sClusterNetPolHandleFailedRules"))
        );
    }
}
