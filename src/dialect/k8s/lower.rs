//! networking.k8s.io/v1 NetworkPolicy into the IR.
//!
//! Calico's conversion (SEMANTICS.md §A9, `conversion.go`
//! `K8sNetworkPolicyToCalico`) is the model for every dataplane: a policy
//! of Allow rules at order 1000 in the `default` tier, whose Deny default is
//! the isolation NetworkPolicy defines. The API text (`--cni k8s`) reads the
//! same way; Cilium differs in two places, both kept in a function of their
//! own below ([`ip_block_scope`], [`governed`]).

use crate::dialect::common::{Cidr, Port};
use crate::dialect::lower::{Builder, scope, tie_break};
use crate::dialect::{PolicyObject, k8s};
use crate::model::policy::{
    Action, Alternative, Cni, Criterion, Isolates, NetScope, Policy, PortMatch, PortSpec, Rule,
    Side, Version,
};
use crate::model::{Proto, Span, Spanned};

pub(crate) fn lower(b: &mut Builder, policy: &PolicyObject, np: &k8s::NetworkPolicy) {
    let namespace = policy.namespace.as_deref().unwrap_or("default");
    let name = policy.name.as_str();
    let cni = b.dataplane.cni;
    let (ingress_governed, egress_governed) = governed(cni, &np.spec);

    let (ingress, egress) = rules(
        cni,
        namespace,
        policy.origin,
        &np.spec,
        (ingress_governed, egress_governed),
    );
    if cni == Cni::Cilium {
        note_cilium_policy_types(b, policy, np, ingress_governed, egress_governed);
    }

    // Calico ≤3.31 stores the policy as `knp.default.<name>`; 3.32 keeps the
    // name and breaks ties by kind `KubernetesNetworkPolicy` (§A3).
    let backend_name = match b.calico() {
        Some(v) if v < Version::new(3, 32) => format!("knp.default.{name}"),
        _ => name.to_string(),
    };
    let pod_selector = np.spec.pod_selector.to_expr();
    let mut lowered = Policy {
        kind: policy.kind.clone(),
        dialect: policy.dialect().to_string(),
        namespace: Some(namespace.to_string()),
        name: name.to_string(),
        // "We insert all the NetworkPolicy Policies at order 1000.0".
        order: Some(1000.0),
        tie_break: tie_break(
            b.calico(),
            "KubernetesNetworkPolicy",
            Some(namespace),
            &backend_name,
        ),
        subject: scope::in_namespace(namespace).and(scope::k8s_pod_selector(&np.spec.pod_selector)),
        subject_text: format!("namespace {namespace}: {pod_selector}"),
        ingress,
        egress,
        isolates: Isolates::BOTH,
        staged: None,
        enforced_kind: policy.enforced_kind(),
        origin: policy.origin,
    };
    if cni == Cni::Cilium {
        // Cilium matches identities, which leave some labels out (§C2).
        crate::dialect::cilium::lower::filter_policy(&mut lowered);
    }
    let tier = b.tier_names().default;
    b.add(tier, lowered);
}

/// The rules of the governed directions (`None` for the others). Shared
/// with StagedKubernetesNetworkPolicy, which Calico converts the same way.
pub(in crate::dialect) fn rules(
    cni: Cni,
    namespace: &str,
    origin: Span,
    spec: &k8s::NetworkPolicySpec,
    (ingress, egress): (bool, bool),
) -> (Option<Vec<Rule>>, Option<Vec<Rule>>) {
    let ingress = ingress.then(|| {
        let rules = spec.ingress.as_deref().unwrap_or_default();
        rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                rule(
                    cni,
                    namespace,
                    origin,
                    format!("ingress[{i}]"),
                    Peers::From(r.from.as_deref()),
                    r.ports.as_deref(),
                )
            })
            .collect()
    });
    let egress = egress.then(|| {
        let rules = spec.egress.as_deref().unwrap_or_default();
        rules
            .iter()
            .enumerate()
            .map(|(i, r)| {
                rule(
                    cni,
                    namespace,
                    origin,
                    format!("egress[{i}]"),
                    Peers::To(r.to.as_deref()),
                    r.ports.as_deref(),
                )
            })
            .collect()
    });
    (ingress, egress)
}

/// The directions the policy governs (`None` rules for the others).
///
/// The API server defaults `policyTypes` (`SetDefaults_NetworkPolicy`,
/// §F1): absent or empty means Ingress, plus Egress iff `spec.egress` has
/// rules. Calico honours the (defaulted) types and ignores the rules of an
/// ungoverned direction. Cilium converts every rule section regardless of
/// `policyTypes` and only uses the types to add an empty, isolating entry
/// (`ParseNetworkPolicy`, §C9b, cilium#48703).
fn governed(cni: Cni, spec: &k8s::NetworkPolicySpec) -> (bool, bool) {
    let has_ingress = spec.ingress.as_ref().is_some_and(|r| !r.is_empty());
    let has_egress = spec.egress.as_ref().is_some_and(|r| !r.is_empty());
    let types: Vec<k8s::PolicyType> = spec
        .policy_types
        .iter()
        .flatten()
        .map(|t| t.value)
        .collect();
    let (ingress, egress) = if types.is_empty() {
        (true, has_egress)
    } else {
        (
            types.contains(&k8s::PolicyType::Ingress),
            types.contains(&k8s::PolicyType::Egress),
        )
    };
    match cni {
        Cni::Cilium => (has_ingress || ingress || !egress, has_egress || egress),
        Cni::K8s | Cni::Calico => (ingress, egress),
    }
}

/// Cilium enforces rule sections `policyTypes` leaves out (cilium#48703):
/// say so when that changes the meaning.
fn note_cilium_policy_types(
    b: &mut Builder,
    policy: &PolicyObject,
    np: &k8s::NetworkPolicy,
    ingress: bool,
    egress: bool,
) {
    let Some(types) = np.spec.policy_types.as_ref().filter(|t| !t.is_empty()) else {
        return;
    };
    let listed = |t: k8s::PolicyType| types.iter().any(|x| x.value == t);
    for (t, governed, section) in [
        (k8s::PolicyType::Ingress, ingress, "ingress"),
        (k8s::PolicyType::Egress, egress, "egress"),
    ] {
        if governed && !listed(t) {
            b.note(
                Some(policy.origin),
                format!(
                    "NetworkPolicy {}: policyTypes leaves out {t:?}, but Cilium enforces the {section} section anyway and isolates {section} (cilium#48703)",
                    policy.key()
                ),
            );
        }
    }
}

/// Which addresses an `ipBlock` matches.
///
/// Calico renders `ipBlock` as `nets` with no selector, so pod addresses in
/// range match (§A9, §F7). Cilium's CIDR rules never match managed
/// endpoints or nodes (§C7). The Kubernetes API leaves pod IPs in an
/// `ipBlock` implementation-defined ("intended for cluster-external IPs");
/// polctl's `--cni k8s` picks the address-based reading, like Calico. To
/// make the API reading strict instead, return `ExternalOnly` for `Cni::K8s`
/// here: this is the only place that decides it.
pub(in crate::dialect) fn ip_block_scope(cni: Cni) -> NetScope {
    match cni {
        Cni::Calico | Cni::K8s => NetScope::AnyAddress,
        Cni::Cilium => NetScope::ExternalOnly,
    }
}

/// A rule's peer list with its direction.
enum Peers<'a> {
    From(Option<&'a [Spanned<k8s::Peer>]>),
    To(Option<&'a [Spanned<k8s::Peer>]>),
}

fn rule(
    cni: Cni,
    namespace: &str,
    policy_origin: Span,
    label: String,
    peers: Peers,
    ports: Option<&[Spanned<k8s::NetworkPolicyPort>]>,
) -> Rule {
    let (what, side, peers) = match peers {
        Peers::From(p) => ("from", Side::Source, p.unwrap_or_default()),
        Peers::To(p) => ("to", Side::Destination, p.unwrap_or_default()),
    };
    let ports = ports.unwrap_or_default();
    let mut criteria = Vec::new();
    // Empty or missing `from`/`to`: every peer, inside the cluster or not.
    if !peers.is_empty() {
        let alternatives = peers
            .iter()
            .enumerate()
            .map(|(j, peer)| Alternative {
                label: format!("{what}[{j}]"),
                criteria: peer_criteria(cni, namespace, side, &peer.value),
                origin: Some(peer.span),
            })
            .collect();
        criteria.push(Criterion::AnyOf {
            what: what.to_string(),
            alternatives,
        });
    }
    // Empty or missing `ports`: every protocol, ICMP included.
    if !ports.is_empty() {
        criteria.push(Criterion::Ports {
            side: Side::Destination,
            any_of: ports.iter().map(|p| port_match(&p.value)).collect(),
            negated: false,
        });
    }
    // The rule structs carry no span of their own: cover what they contain,
    // or point at the policy for an empty rule (`- {}`).
    let origin = cover(
        peers
            .iter()
            .map(|p| p.span)
            .chain(ports.iter().map(|p| p.span)),
    )
    .unwrap_or(policy_origin);
    Rule {
        label,
        action: Action::Allow,
        criteria,
        note: None,
        origin: Some(origin),
    }
}

/// One peer as criteria over the side's address (ANDed).
fn peer_criteria(cni: Cni, namespace: &str, side: Side, peer: &k8s::Peer) -> Vec<Criterion> {
    if let Some(block) = &peer.ip_block {
        return ip_block(cni, side, &block.cidr, &block.except);
    }
    let (expr, text) = match (&peer.namespace_selector, &peer.pod_selector) {
        // Pods in the policy's namespace.
        (None, Some(pods)) => (
            scope::in_namespace(namespace).and(scope::k8s_pod_selector(pods)),
            format!("podSelector: {}", pods.to_expr()),
        ),
        // Every pod of the selected namespaces; Calico still renders the
        // orchestrator term, so network sets never match (§A9).
        (Some(namespaces), None) => (
            scope::k8s_pods().and(scope::k8s_namespace_selector(namespaces)),
            format!("namespaceSelector: {}", namespaces.to_expr()),
        ),
        (Some(namespaces), Some(pods)) => (
            scope::k8s_pod_selector(pods).and(scope::k8s_namespace_selector(namespaces)),
            format!(
                "namespaceSelector: {}; podSelector: {}",
                namespaces.to_expr(),
                pods.to_expr()
            ),
        ),
        // Refused when loading ("a peer must set ..."); match nothing.
        (None, None) => {
            return vec![Criterion::Never {
                why: "the peer sets none of podSelector, namespaceSelector or ipBlock".into(),
            }];
        }
    };
    vec![Criterion::Selector {
        side,
        expr,
        text,
        negated: false,
    }]
}

/// `ipBlock`: in `cidr` and, when `except` is given, in none of those.
fn ip_block(
    cni: Cni,
    side: Side,
    cidr: &Spanned<Cidr>,
    except: &[Spanned<Cidr>],
) -> Vec<Criterion> {
    let scope = ip_block_scope(cni);
    let mut criteria = vec![Criterion::Nets {
        side,
        nets: vec![cidr.net],
        negated: false,
        scope,
    }];
    if !except.is_empty() {
        criteria.push(Criterion::Nets {
            side,
            nets: except.iter().map(|e| e.net).collect(),
            negated: true,
            scope,
        });
    }
    criteria
}

/// A `ports[]` entry: the protocol defaults to TCP (`SetDefaults_NetworkPolicyPort`,
/// §F2), so `{}` is every TCP port; a name is a container port resolved on
/// the destination (§F8); `endPort` makes an inclusive range (§F9).
fn port_match(port: &k8s::NetworkPolicyPort) -> PortMatch {
    let protocol = port
        .protocol
        .as_ref()
        .map_or(Proto::TCP, |p| proto(p.value));
    let ports = match (port.port.as_ref().map(|p| &p.value), &port.end_port) {
        (None, _) => PortSpec::All,
        (Some(Port::Number(n)), None) => PortSpec::Range(*n, *n),
        (Some(Port::Number(n)), Some(end)) => {
            let end = u16::try_from(end.value).unwrap_or(u16::MAX).max(*n);
            PortSpec::Range(*n, end)
        }
        (Some(Port::Name(name)), _) => PortSpec::Named(name.clone()),
    };
    PortMatch {
        protocol: Some(protocol),
        ports,
    }
}

pub(in crate::dialect) fn proto(p: k8s::Protocol) -> Proto {
    match p {
        k8s::Protocol::Tcp => Proto::TCP,
        k8s::Protocol::Udp => Proto::UDP,
        k8s::Protocol::Sctp => Proto::SCTP,
    }
}

/// The smallest span covering every span of the first one's file.
pub(in crate::dialect) fn cover(spans: impl IntoIterator<Item = Span>) -> Option<Span> {
    let mut spans = spans.into_iter();
    let first = spans.next()?;
    Some(spans.fold(first, |acc, s| {
        if s.file == acc.file {
            Span {
                file: acc.file,
                start: acc.start.min(s.start),
                end: acc.end.max(s.end),
            }
        } else {
            acc
        }
    }))
}

#[cfg(test)]
pub(in crate::dialect) mod tests {
    //! Helpers shared with the NPAPI tests, then NetworkPolicy behaviour.

    use std::collections::BTreeMap;

    use crate::dialect::lower::{Choice, Input, Lowered, lower};
    use crate::model::Proto;
    use crate::model::policy::{
        Action, Cni, Criterion, NetScope, Policy, PortMatch, PortSpec, Rule, Side, Version,
    };
    use crate::selector::Expr;

    pub(in crate::dialect) type Labels = BTreeMap<String, String>;

    /// Loads `yaml` and compiles it for `cni` (and a Calico version).
    pub(in crate::dialect) fn compile(yaml: &str, cni: Cni, calico: Option<Version>) -> Lowered {
        let inv = crate::load::load_text("t.yaml", yaml).unwrap_or_else(|e| panic!("{e:?}"));
        let input = Input::from(&inv);
        let choice = Choice {
            cni: Some(cni),
            calico_version: calico,
            app_layer: true,
            ..Choice::default()
        };
        lower(&input, &choice)
    }

    /// The tier and the compiled policy called `name`.
    pub(in crate::dialect) fn find<'a>(l: &'a Lowered, name: &str) -> (&'a str, &'a Policy) {
        l.set
            .policies()
            .find(|(_, p)| p.name == name)
            .map(|(t, p)| (t.name.as_str(), p))
            .unwrap_or_else(|| panic!("no policy {name}"))
    }

    pub(in crate::dialect) fn has(l: &Lowered, name: &str) -> bool {
        l.set.policies().any(|(_, p)| p.name == name)
    }

    /// A pod's label universe: its labels, the implicit ones and its
    /// namespace's labels under `pcns.`.
    pub(in crate::dialect) fn pod(
        ns: &str,
        ns_labels: &[(&str, &str)],
        labels: &[(&str, &str)],
    ) -> Labels {
        let mut l = network_set(ns, ns_labels, labels);
        l.insert("projectcalico.org/orchestrator".into(), "k8s".into());
        l
    }

    /// A namespaced Calico NetworkSet: no orchestrator label.
    pub(in crate::dialect) fn network_set(
        ns: &str,
        ns_labels: &[(&str, &str)],
        labels: &[(&str, &str)],
    ) -> Labels {
        let mut l: Labels = labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        l.insert("projectcalico.org/namespace".into(), ns.into());
        l.insert("pcns.projectcalico.org/name".into(), ns.into());
        l.insert("pcns.kubernetes.io/metadata.name".into(), ns.into());
        for (k, v) in ns_labels {
            l.insert(format!("pcns.{k}"), v.to_string());
        }
        l
    }

    /// The alternatives of the rule's `from`/`to` criterion.
    pub(in crate::dialect) fn peers(rule: &Rule) -> Vec<&[Criterion]> {
        rule.criteria
            .iter()
            .find_map(|c| match c {
                Criterion::AnyOf { what, alternatives } if what != "ports" => {
                    Some(alternatives.iter().map(|a| a.criteria.as_slice()).collect())
                }
                _ => None,
            })
            .unwrap_or_default()
    }

    /// The selector expression of a one-criterion peer.
    pub(in crate::dialect) fn selector(peer: &[Criterion]) -> &Expr {
        match peer {
            [Criterion::Selector { expr, .. }] => expr,
            other => panic!("not a selector peer: {other:?}"),
        }
    }

    /// The port items of the rule, `None` when it has no port criterion.
    pub(in crate::dialect) fn ports(rule: &Rule) -> Option<&[PortMatch]> {
        rule.criteria.iter().find_map(|c| match c {
            Criterion::Ports { any_of, .. } => Some(any_of.as_slice()),
            _ => None,
        })
    }

    fn np(spec: &str) -> String {
        format!(
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\n  namespace: prod\nspec:\n{spec}"
        )
    }

    const V331: Option<Version> = Some(Version::new(3, 31));
    const V332: Option<Version> = Some(Version::new(3, 32));

    #[test]
    fn lands_in_the_default_tier_at_order_1000_with_version_dependent_tie_breaks() {
        let yaml = np("  podSelector: {}\n");
        for (cni, v, tier, tie) in [
            (Cni::Calico, V331, "default", "prod/knp.default.web"),
            (
                Cni::Calico,
                V332,
                "default",
                "web/prod/KubernetesNetworkPolicy",
            ),
            (Cni::K8s, None, "default", "prod/web"),
        ] {
            let l = compile(&yaml, cni, v);
            let (t, p) = find(&l, "web");
            assert_eq!(t, tier);
            assert_eq!(p.order, Some(1000.0));
            assert_eq!(p.tie_break, tie);
            assert_eq!(
                (p.kind.as_str(), p.dialect.as_str(), p.namespace.as_deref()),
                ("NetworkPolicy", "k8s", Some("prod"))
            );
            assert!(p.isolates.ingress && p.isolates.egress);
        }
    }

    #[test]
    fn a_policy_without_namespace_lives_in_default() {
        let yaml = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: web\nspec:\n  podSelector: {}\n";
        let l = compile(yaml, Cni::K8s, None);
        let (_, p) = find(&l, "web");
        assert_eq!(p.namespace.as_deref(), Some("default"));
        assert!(p.subject.matches(&pod("default", &[], &[])));
        assert!(!p.subject.matches(&pod("prod", &[], &[])));
    }

    #[test]
    fn without_policy_types_egress_is_governed_only_when_it_has_rules() {
        let with_egress = np("  podSelector: {}\n  egress:\n    - {}\n");
        let p = compile(&with_egress, Cni::K8s, None);
        let (_, p) = find(&p, "web");
        assert_eq!(p.ingress.as_deref().map(<[Rule]>::len), Some(0));
        assert_eq!(p.egress.as_deref().map(<[Rule]>::len), Some(1));

        // `egress: []` is no egress isolation (§F1).
        let empty_egress = np("  podSelector: {}\n  egress: []\n");
        let l = compile(&empty_egress, Cni::Calico, V331);
        let (_, p) = find(&l, "web");
        assert!(p.ingress.as_ref().is_some_and(Vec::is_empty));
        assert!(p.egress.is_none());
    }

    #[test]
    fn policy_types_egress_ignores_ingress_rules_except_on_cilium() {
        let yaml = np(
            "  podSelector: {}\n  policyTypes: [Egress]\n  ingress:\n    - from:\n        - podSelector: {}\n",
        );
        for cni in [Cni::K8s, Cni::Calico] {
            let l = compile(
                &yaml,
                cni,
                (cni == Cni::Calico).then_some(Version::new(3, 31)),
            );
            let (_, p) = find(&l, "web");
            assert!(p.ingress.is_none(), "{cni}");
            // Governed with no rules: egress deny-all.
            assert!(p.egress.as_ref().is_some_and(Vec::is_empty), "{cni}");
        }
        // cilium#48703: the ingress section is enforced anyway.
        let l = compile(&yaml, Cni::Cilium, None);
        let (_, p) = find(&l, "web");
        assert_eq!(p.ingress.as_deref().map(<[Rule]>::len), Some(1));
        assert!(l.notes.iter().any(|n| n.message.contains("cilium#48703")));
    }

    #[test]
    fn a_null_pod_selector_selects_every_pod_of_the_namespace() {
        // `podSelector:` with no value is null; the API server decodes it as
        // the empty selector.
        let l = compile(
            &np("  podSelector:\n  policyTypes: [Ingress]\n"),
            Cni::K8s,
            None,
        );
        let (_, p) = find(&l, "web");
        assert!(p.subject.matches(&pod("prod", &[], &[("app", "anything")])));
        assert!(!p.subject.matches(&pod("other", &[], &[])));
        assert_eq!(p.ingress.as_deref(), Some(&[][..]));
    }

    #[test]
    fn subject_is_the_pod_selector_in_the_policy_namespace() {
        let yaml = np("  podSelector:\n    matchLabels:\n      app: web\n");
        let l = compile(&yaml, Cni::Calico, V331);
        let (_, p) = find(&l, "web");
        assert_eq!(
            p.subject.to_string(),
            r#"projectcalico.org/namespace == "prod" && projectcalico.org/orchestrator == "k8s" && app == "web""#
        );
        assert_eq!(p.subject_text, r#"namespace prod: app == "web""#);
        assert!(p.subject.matches(&pod("prod", &[], &[("app", "web")])));
        assert!(!p.subject.matches(&pod("staging", &[], &[("app", "web")])));
        assert!(!p.subject.matches(&pod("prod", &[], &[("app", "db")])));
        // A network set with the same labels is not a pod.
        assert!(
            !p.subject
                .matches(&network_set("prod", &[], &[("app", "web")]))
        );
    }

    #[test]
    fn peers_are_scoped_like_calico_renders_them() {
        let yaml = np(concat!(
            "  podSelector: {}\n",
            "  ingress:\n",
            "    - from:\n",
            "        - podSelector:\n",
            "            matchLabels:\n",
            "              app: db\n",
            "        - namespaceSelector:\n",
            "            matchLabels:\n",
            "              team: ops\n",
            "        - namespaceSelector: {}\n",
            "          podSelector:\n",
            "            matchLabels:\n",
            "              app: db\n",
        ));
        let l = compile(&yaml, Cni::Calico, V331);
        let (_, p) = find(&l, "web");
        let rule = &p.ingress.as_ref().unwrap()[0];
        assert_eq!(rule.label, "ingress[0]");
        assert_eq!(rule.action, Action::Allow);
        assert!(ports(rule).is_none(), "no ports: every protocol");
        let peers = peers(rule);
        assert_eq!(peers.len(), 3);
        assert!(peers.iter().all(|c| matches!(
            c,
            [Criterion::Selector {
                side: Side::Source,
                negated: false,
                ..
            }]
        )));

        // podSelector alone: the policy's namespace only.
        let same_ns = selector(peers[0]);
        assert!(same_ns.matches(&pod("prod", &[], &[("app", "db")])));
        assert!(!same_ns.matches(&pod("other", &[], &[("app", "db")])));

        // namespaceSelector alone: every pod there, but no network set.
        let ops = selector(peers[1]);
        assert!(ops.matches(&pod("mon", &[("team", "ops")], &[])));
        assert!(!ops.matches(&pod("prod", &[], &[])));
        assert!(!ops.matches(&network_set("mon", &[("team", "ops")], &[])));

        // Both in one peer: AND; `{}` is every namespace.
        let any_ns_db = selector(peers[2]);
        assert_eq!(
            any_ns_db.to_string(),
            r#"projectcalico.org/orchestrator == "k8s" && app == "db" && has(projectcalico.org/namespace)"#
        );
        assert!(any_ns_db.matches(&pod("other", &[], &[("app", "db")])));
        assert!(!any_ns_db.matches(&pod("other", &[], &[("app", "web")])));
    }

    #[test]
    fn egress_peers_inspect_the_destination_and_missing_peers_match_anything() {
        let yaml = np(concat!(
            "  podSelector: {}\n",
            "  egress:\n",
            "    - to:\n",
            "        - podSelector: {}\n",
            "    - ports:\n",
            "        - port: 53\n",
            "          protocol: UDP\n",
        ));
        let l = compile(&yaml, Cni::K8s, None);
        let (_, p) = find(&l, "web");
        let egress = p.egress.as_ref().unwrap();
        assert!(matches!(
            peers(&egress[0])[0],
            [Criterion::Selector {
                side: Side::Destination,
                ..
            }]
        ));
        assert_eq!(egress[1].label, "egress[1]");
        assert!(peers(&egress[1]).is_empty());
        assert_eq!(egress[1].criteria.len(), 1, "only the port criterion");
    }

    #[test]
    fn ports_default_to_tcp_and_keep_ranges_and_names() {
        let yaml = np(concat!(
            "  podSelector: {}\n",
            "  ingress:\n",
            "    - ports:\n",
            "        - {}\n",
            "    - ports:\n",
            "        - port: 8000\n",
            "          endPort: 8080\n",
            "        - protocol: UDP\n",
            "        - port: http\n",
            "        - port: 443\n",
            "          protocol: SCTP\n",
        ));
        let l = compile(&yaml, Cni::Calico, V332);
        let (_, p) = find(&l, "web");
        let ingress = p.ingress.as_ref().unwrap();
        // `ports: [{}]` is every TCP port, not every protocol (§F2).
        assert_eq!(
            ports(&ingress[0]),
            Some(
                &[PortMatch {
                    protocol: Some(Proto::TCP),
                    ports: PortSpec::All,
                }][..]
            )
        );
        assert_eq!(
            ports(&ingress[1]).unwrap(),
            &[
                PortMatch {
                    protocol: Some(Proto::TCP),
                    ports: PortSpec::Range(8000, 8080),
                },
                PortMatch {
                    protocol: Some(Proto::UDP),
                    ports: PortSpec::All,
                },
                PortMatch {
                    protocol: Some(Proto::TCP),
                    ports: PortSpec::Named("http".into()),
                },
                PortMatch {
                    protocol: Some(Proto::SCTP),
                    ports: PortSpec::Range(443, 443),
                },
            ]
        );
        assert!(matches!(
            ingress[1].criteria[0],
            Criterion::Ports {
                side: Side::Destination,
                negated: false,
                ..
            }
        ));
    }

    #[test]
    fn ip_block_except_is_a_negated_net_and_matches_pods_except_on_cilium() {
        let yaml = np(concat!(
            "  podSelector: {}\n",
            "  egress:\n",
            "    - to:\n",
            "        - ipBlock:\n",
            "            cidr: 10.0.0.0/8\n",
            "            except:\n",
            "              - 10.1.0.0/16\n",
            "              - 10.2.0.0/16\n",
        ));
        for (cni, v, scope) in [
            (Cni::Calico, V331, NetScope::AnyAddress),
            (Cni::K8s, None, NetScope::AnyAddress),
            (Cni::Cilium, None, NetScope::ExternalOnly),
        ] {
            let l = compile(&yaml, cni, v);
            let (_, p) = find(&l, "web");
            let rule = &p.egress.as_ref().unwrap()[0];
            let peer = peers(rule)[0];
            let expected = [
                Criterion::Nets {
                    side: Side::Destination,
                    nets: vec!["10.0.0.0/8".parse().unwrap()],
                    negated: false,
                    scope,
                },
                Criterion::Nets {
                    side: Side::Destination,
                    nets: vec![
                        "10.1.0.0/16".parse().unwrap(),
                        "10.2.0.0/16".parse().unwrap(),
                    ],
                    negated: true,
                    scope,
                },
            ];
            assert_eq!(peer, &expected[..], "{cni}");
        }
    }

    #[test]
    fn rules_and_peers_point_at_their_yaml() {
        let yaml = np("  podSelector: {}\n  ingress:\n    - from:\n        - podSelector: {}\n");
        let l = compile(&yaml, Cni::K8s, None);
        let (_, p) = find(&l, "web");
        let rule = &p.ingress.as_ref().unwrap()[0];
        let span = rule.origin.expect("rule span");
        assert_eq!(
            &yaml[span.start as usize..span.end as usize],
            "podSelector: {}"
        );
        let Criterion::AnyOf { alternatives, .. } = &rule.criteria[0] else {
            panic!()
        };
        assert_eq!(alternatives[0].label, "from[0]");
        assert_eq!(alternatives[0].origin, Some(span));
    }
}
