//! cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy into
//! the IR (SEMANTICS.md §C).
//!
//! Cilium has no ordering: every selecting rule's allows are a union, and
//! any matching deny beats every allow (§C5). In the IR that is two tiers:
//!
//! ```text
//! deny     (Pass by default)  every ingressDeny/egressDeny rule
//! default  (Deny by default)  every ingress/egress allow rule, together with
//!                             Cilium's translation of NetworkPolicy
//! ```
//!
//! Each spec rule becomes one policy per tier. The allow-tier policy governs
//! a direction when the rule has allow or deny entries there, and isolates
//! it unless `enableDefaultDeny` says otherwise (`RulesToPolicyEntries`,
//! pkg/policy/utils/parserules.go: every entry carries DefaultDeny). An
//! endpoint no isolating policy selects falls through to the allow-all
//! profile, which is Cilium's synthesised wildcard allow (§C4).
//!
//! Selectors are rewritten into the one label universe the evaluator reads
//! (`model::policy::implicit`): `io.kubernetes.pod.namespace` is the
//! namespace label, `io.cilium.k8s.namespace.labels.X` the `pcns.X` labels,
//! `io.cilium.k8s.policy.serviceaccount` the service account label, and a
//! label Cilium leaves out of identities can never be matched.

use std::collections::{BTreeMap, BTreeSet};

use crate::dialect::PolicyObject;
use crate::dialect::cilium::{
    self as cil, AuthenticationMode, CidrRule, CiliumNetworkPolicy, CiliumPort, EndpointSelector,
    FqdnSelector, IcmpFamily, IcmpRule, L4Proto, L7Rules, PortRule, Service,
};
use crate::dialect::common::{Cidr, LabelSelector, SelectorOperator};
use crate::dialect::lower::{Builder, scope};
use crate::model::policy::{
    Action, Alternative, AuthMode, Criterion, Entity, FqdnPattern, HeaderRule, HttpRule, Isolates,
    KafkaRule, L7Match, NetScope, Policy, PortMatch, PortSpec, Rule, Side, TierDefault, Version,
    implicit,
};
use crate::model::{Cluster, Endpoint, Labels, Proto, Span, Spanned};
use crate::selector::Expr;

/// The tier Cilium's deny rules are compiled into, ahead of every allow.
pub const DENY_TIER: &str = "deny";

/// The first Cilium release that resolves an egress named port only over
/// the destinations the rule selects (cilium#44429, merged 2026-02).
pub const EGRESS_NAMED_PORTS_PER_DESTINATION: Version = Version::new(1, 20);

/// The cluster name pods carry in `io.cilium.k8s.policy.cluster` (Cilium's
/// default `cluster-name`).
const CLUSTER_NAME: &str = "default";

/// Declares the deny tier ahead of the built-in ones.
pub fn declare_tiers(b: &mut Builder) {
    b.declare_tier(DENY_TIER, Some(0.0), TierDefault::Pass, None);
}

/// Where a policy's peer selectors are scoped.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Namespace(&'a str),
    Clusterwide,
}

pub fn lower(b: &mut Builder, policy: &PolicyObject, cnp: &CiliumNetworkPolicy) {
    let scope = match (cnp.is_clusterwide(), policy.namespace.as_deref()) {
        (false, Some(ns)) => Scope::Namespace(ns),
        (false, None) => Scope::Namespace("default"),
        (true, _) => Scope::Clusterwide,
    };
    // Rule labels name the rule's place when a policy has several.
    let several = cnp.rules().count() > 1;
    let mut index = 0;
    if let Some(rule) = &cnp.spec {
        let prefix = if several { "spec." } else { "" };
        lower_rule(b, policy, scope, prefix, index, rule);
        index += 1;
    }
    for (j, rule) in cnp.specs.iter().flatten().enumerate() {
        lower_rule(b, policy, scope, &format!("specs[{j}]."), index, rule);
        index += 1;
    }
}

fn lower_rule(
    b: &mut Builder,
    policy: &PolicyObject,
    scope: Scope,
    prefix: &str,
    index: usize,
    rule: &Spanned<cil::Rule>,
) {
    let r = &rule.value;
    let (subject, subject_text) = subject(scope, r);
    let cx = Lowering {
        scope,
        cluster: b.cluster,
        version: b
            .dataplane
            .cilium_version
            .unwrap_or(crate::dialect::lower::CILIUM_LATEST),
    };
    let mut notes = Vec::new();

    // Entries exist per direction only for the sections written; each one
    // carries DefaultDeny = enableDefaultDeny.<dir> (nil means true).
    let has_ingress = !r.ingress.is_empty() || !r.ingress_deny.is_empty();
    let has_egress = !r.egress.is_empty() || !r.egress_deny.is_empty();
    let explicit = |f: fn(&cil::DefaultDenyConfig) -> Option<&Spanned<bool>>| {
        r.enable_default_deny.as_ref().and_then(f).map(|b| b.value)
    };
    let isolates = Isolates {
        ingress: has_ingress && explicit(|d| d.ingress.as_ref()).unwrap_or(true),
        egress: has_egress && explicit(|d| d.egress.as_ref()).unwrap_or(true),
    };

    // One compiled rule per entry of a section, labelled `<section>[i]`.
    let mut section = |action, name: &str, side, entries: Vec<(Section, Span)>| -> Vec<Rule> {
        entries
            .iter()
            .enumerate()
            .map(|(i, (s, span))| {
                cx.rule(
                    action,
                    format!("{prefix}{name}[{i}]"),
                    side,
                    s,
                    *span,
                    &mut notes,
                )
            })
            .collect()
    };
    let ingress_allows = r
        .ingress
        .iter()
        .map(|e| {
            (
                ingress_section(&e.value, e.value.authentication.as_ref()),
                e.span,
            )
        })
        .collect();
    let allow_ingress = section(Action::Allow, "ingress", Side::Source, ingress_allows);
    let egress_allows = r
        .egress
        .iter()
        .map(|e| {
            (
                egress_section(&e.value, e.value.authentication.as_ref()),
                e.span,
            )
        })
        .collect();
    let allow_egress = section(Action::Allow, "egress", Side::Destination, egress_allows);
    let ingress_denies = r
        .ingress_deny
        .iter()
        .map(|e| (ingress_section(&e.value, None), e.span))
        .collect();
    let deny_ingress = section(Action::Deny, "ingressDeny", Side::Source, ingress_denies);
    let egress_denies = r
        .egress_deny
        .iter()
        .map(|e| (egress_section(&e.value, None), e.span))
        .collect();
    let deny_egress = section(Action::Deny, "egressDeny", Side::Destination, egress_denies);
    let (allow_ingress, allow_egress) = (
        has_ingress.then_some(allow_ingress),
        has_egress.then_some(allow_egress),
    );

    let namespace = match scope {
        Scope::Namespace(ns) => Some(ns.to_string()),
        Scope::Clusterwide => None,
    };
    let base = Policy {
        kind: policy.kind.clone(),
        dialect: policy.dialect().to_string(),
        namespace: namespace.clone(),
        name: policy.name.clone(),
        order: None,
        tie_break: format!(
            "{}/{}/{index:04}",
            namespace.as_deref().unwrap_or(""),
            policy.name
        ),
        subject,
        subject_text,
        ingress: None,
        egress: None,
        isolates,
        staged: None,
        enforced_kind: policy.enforced_kind(),
        origin: policy.origin,
    };
    if !deny_ingress.is_empty() || !deny_egress.is_empty() {
        let deny = Policy {
            ingress: (!deny_ingress.is_empty()).then_some(deny_ingress),
            egress: (!deny_egress.is_empty()).then_some(deny_egress),
            isolates: Isolates {
                ingress: false,
                egress: false,
            },
            ..base.clone()
        };
        b.add(DENY_TIER, deny);
    }
    let allow = Policy {
        ingress: allow_ingress,
        egress: allow_egress,
        ..base
    };
    let tier = b.tier_names().default;
    b.add(tier, allow);
    for (span, message) in notes {
        b.note(Some(span), message);
    }
}

/// The endpoints (or nodes) a rule applies to. A namespaced policy's
/// endpointSelector always gets the policy's namespace (a namespace match
/// written in it is replaced, `ParseToCiliumRule`); endpoint rules never
/// apply to the host, node rules only to it.
fn subject(scope: Scope, r: &cil::Rule) -> (Expr, String) {
    if let Some(node) = &r.node_selector {
        let expr = node_expr(&node.value);
        let text = format!("nodes {}", selector_text(&node.value));
        return (Expr::Has(implicit::HOST.to_string()).and(expr), text);
    }
    let empty = EndpointSelector::default();
    let sel = r.endpoint_selector.as_ref().map_or(&empty, |s| &s.value);
    let translated = translate(sel, true);
    let expr = match translated.peer {
        Peer::Pods(e) => e,
        // Reserved identities are not workloads a rule can be attached to.
        Peer::Reserved(_) | Peer::Nothing => never(),
    };
    match scope {
        Scope::Namespace(ns) => (
            scope::in_namespace(ns).and(scope::k8s_pods()).and(expr),
            format!("namespace {ns}: {}", selector_text(sel)),
        ),
        Scope::Clusterwide => (
            scope::k8s_pods().and(expr),
            format!("all namespaces: {}", selector_text(sel)),
        ),
    }
}

/// A selector that matches nothing.
fn never() -> Expr {
    Expr::All.negate()
}

/// The peer parts of an allow or deny rule, whatever its direction.
#[derive(Default)]
struct Section<'r> {
    endpoints: Option<&'r [Spanned<EndpointSelector>]>,
    nodes: Option<&'r [Spanned<EndpointSelector>]>,
    cidrs: Option<&'r [Spanned<Cidr>]>,
    cidr_sets: Option<&'r [Spanned<CidrRule>]>,
    entities: Option<&'r [Spanned<cil::Entity>]>,
    groups: bool,
    services: Option<&'r [Spanned<Service>]>,
    fqdns: Option<&'r [Spanned<FqdnSelector>]>,
    to_ports: Option<&'r [Spanned<PortRule>]>,
    icmps: Option<&'r [Spanned<IcmpRule>]>,
    auth: Option<AuthenticationMode>,
    /// `fromEndpoints` or `toEndpoints`, for trace labels.
    ingress: bool,
}

fn ingress_section<'r, R: IngressLike>(
    r: &'r R,
    auth: Option<&Spanned<cil::Authentication>>,
) -> Section<'r> {
    r.section(auth.map(|a| a.value.mode.value))
}

fn egress_section<'r, R: EgressLike>(
    r: &'r R,
    auth: Option<&Spanned<cil::Authentication>>,
) -> Section<'r> {
    r.section(auth.map(|a| a.value.mode.value))
}

trait IngressLike {
    fn section(&self, auth: Option<AuthenticationMode>) -> Section<'_>;
}

trait EgressLike {
    fn section(&self, auth: Option<AuthenticationMode>) -> Section<'_>;
}

macro_rules! ingress_like {
    ($t:ty) => {
        impl IngressLike for $t {
            fn section(&self, auth: Option<AuthenticationMode>) -> Section<'_> {
                Section {
                    endpoints: self.from_endpoints.as_deref(),
                    nodes: self.from_nodes.as_deref(),
                    cidrs: self.from_cidr.as_deref(),
                    cidr_sets: self.from_cidr_set.as_deref(),
                    entities: self.from_entities.as_deref(),
                    groups: self.from_groups.is_some(),
                    services: None,
                    fqdns: None,
                    to_ports: self.to_ports.as_deref(),
                    icmps: self.icmps.as_deref(),
                    auth,
                    ingress: true,
                }
            }
        }
    };
}

macro_rules! egress_like {
    ($t:ty) => {
        impl EgressLike for $t {
            fn section(&self, auth: Option<AuthenticationMode>) -> Section<'_> {
                Section {
                    endpoints: self.to_endpoints.as_deref(),
                    nodes: self.to_nodes.as_deref(),
                    cidrs: self.to_cidr.as_deref(),
                    cidr_sets: self.to_cidr_set.as_deref(),
                    entities: self.to_entities.as_deref(),
                    groups: self.to_groups.is_some(),
                    services: self.to_services.as_deref(),
                    fqdns: self.to_fqdns.as_deref(),
                    to_ports: self.to_ports.as_deref(),
                    icmps: self.icmps.as_deref(),
                    auth,
                    ingress: false,
                }
            }
        }
    };
}

ingress_like!(cil::IngressRule);
ingress_like!(cil::IngressDenyRule);
egress_like!(cil::EgressRule);
egress_like!(cil::EgressDenyRule);

/// What compiling one rule needs.
struct Lowering<'a> {
    scope: Scope<'a>,
    cluster: &'a crate::model::Cluster,
    version: Version,
}

impl Lowering<'_> {
    fn rule(
        &self,
        action: Action,
        label: String,
        side: Side,
        s: &Section,
        origin: Span,
        notes: &mut Vec<(Span, String)>,
    ) -> Rule {
        let mut criteria = Vec::new();
        let mut rule_notes = Vec::new();
        let peers = self.peers(side, s, &mut rule_notes);
        let has_l4 =
            s.to_ports.is_some_and(|p| !p.is_empty()) || s.icmps.is_some_and(|i| !i.is_empty());
        match peers {
            Some(c) => criteria.push(c),
            // No L3 field: with ports it is a wildcard over every peer, world
            // included ("nil FromEndpoints is implicitly treated as a wildcard
            // selector if ToPorts are also specified", ingress.go); without,
            // the rule allows nothing and only enables default deny.
            None if has_l4 => {}
            None => criteria.push(Criterion::Never {
                why: "a rule with no peers and no ports selects nothing; it only turns on default deny"
                    .into(),
            }),
        }
        criteria.extend(self.l4(side, s, action, &mut rule_notes, notes));
        match s.auth {
            Some(AuthenticationMode::Required) => criteria.push(Criterion::Auth {
                mode: AuthMode::Required,
            }),
            Some(AuthenticationMode::TestAlwaysFail) => criteria.push(Criterion::Auth {
                mode: AuthMode::TestAlwaysFail,
            }),
            Some(AuthenticationMode::Disabled) | None => {}
        }
        Rule {
            label,
            action,
            criteria,
            note: (!rule_notes.is_empty()).then(|| rule_notes.join("; ")),
            origin: Some(origin),
        }
    }

    /// The L3 peers as one criterion; `None` when the rule names no peer.
    fn peers(&self, side: Side, s: &Section, notes: &mut Vec<String>) -> Option<Criterion> {
        let dir = if s.ingress { "from" } else { "to" };
        // An empty list that is present selects nothing (mergeEndpointSelectors).
        let empty = [
            (s.endpoints.map(<[_]>::len), "Endpoints"),
            (s.nodes.map(<[_]>::len), "Nodes"),
            (s.entities.map(<[_]>::len), "Entities"),
            (s.cidrs.map(<[_]>::len), "CIDR"),
            (s.cidr_sets.map(<[_]>::len), "CIDRSet"),
        ]
        .into_iter()
        .find(|(n, _)| *n == Some(0));
        if let Some((_, what)) = empty {
            return Some(Criterion::Never {
                why: format!("`{dir}{what}: []` selects no peer"),
            });
        }
        let mut alternatives: Vec<Alternative> = Vec::new();
        let mut what = String::new();
        if let Some(list) = s.endpoints {
            what = format!("{dir}Endpoints");
            for (i, sel) in list.iter().enumerate() {
                alternatives.push(Alternative {
                    label: format!("{what}[{i}]"),
                    criteria: vec![self.endpoint_peer(side, &sel.value)],
                    origin: Some(sel.span),
                });
            }
        }
        if let Some(list) = s.nodes {
            what = format!("{dir}Nodes");
            for (i, sel) in list.iter().enumerate() {
                let expr = node_expr(&sel.value);
                alternatives.push(Alternative {
                    label: format!("{what}[{i}]"),
                    criteria: vec![Criterion::Nodes {
                        side,
                        expr,
                        text: selector_text(&sel.value),
                    }],
                    origin: Some(sel.span),
                });
            }
        }
        if let Some(list) = s.entities {
            what = format!("{dir}Entities");
            let entities: BTreeSet<Entity> = list.iter().filter_map(|e| entity(e.value)).collect();
            let span = list.first().map(|e| e.span);
            let criterion = if entities.is_empty() {
                Criterion::Never {
                    why: "the entity `none` selects nothing".into(),
                }
            } else {
                Criterion::Entities {
                    side,
                    entities: entities.into_iter().collect(),
                }
            };
            alternatives.push(Alternative {
                label: what.clone(),
                criteria: vec![criterion],
                origin: span,
            });
        }
        if let Some(list) = s.cidrs {
            what = format!("{dir}CIDR");
            alternatives.push(Alternative {
                label: what.clone(),
                criteria: vec![Criterion::Nets {
                    side,
                    nets: list.iter().map(|c| c.value.net).collect(),
                    negated: false,
                    scope: NetScope::ExternalOnly,
                }],
                origin: list.first().map(|c| c.span),
            });
        }
        if let Some(list) = s.cidr_sets {
            what = format!("{dir}CIDRSet");
            for (i, set) in list.iter().enumerate() {
                alternatives.push(Alternative {
                    label: format!("{what}[{i}]"),
                    criteria: cidr_rule(side, &set.value),
                    origin: Some(set.span),
                });
            }
        }
        if let Some(list) = s.services {
            what = "toServices".to_string();
            for (i, svc) in list.iter().enumerate() {
                alternatives.push(Alternative {
                    label: format!("{what}[{i}]"),
                    criteria: vec![self.service_peer(side, &svc.value)],
                    origin: Some(svc.span),
                });
            }
        }
        if let Some(list) = s.fqdns.filter(|l| !l.is_empty()) {
            what = "toFQDNs".to_string();
            let patterns = list.iter().filter_map(|f| fqdn_pattern(&f.value)).collect();
            alternatives.push(Alternative {
                label: what.clone(),
                criteria: vec![Criterion::Fqdn { side, patterns }],
                origin: list.first().map(|f| f.span),
            });
            notes.push(
                "toFQDNs allows the addresses Cilium's DNS proxy saw in answers (a `dns` rule must cover the lookups); polctl reads them from --dns/--dns-file"
                    .into(),
            );
        }
        if s.groups {
            what = format!("{dir}Groups");
            alternatives.push(Alternative {
                label: what.clone(),
                criteria: vec![Criterion::Never {
                    why: "cloud provider groups are resolved from the provider's API, which polctl cannot read"
                        .into(),
                }],
                origin: None,
            });
        }
        match alternatives.len() {
            0 => None,
            1 if alternatives[0].criteria.len() == 1 => alternatives
                .pop()
                .and_then(|a| a.criteria.into_iter().next()),
            _ => Some(Criterion::AnyOf { what, alternatives }),
        }
    }

    /// A `fromEndpoints`/`toEndpoints` selector, with the namespace Cilium
    /// adds (`getEndpointSelector`, utils.go; §C2): a namespaced policy's
    /// selector gets its namespace unless it names the namespace or a
    /// namespace label; a clusterwide one gets "any namespace" (pods only);
    /// selectors on reserved labels are left alone.
    fn endpoint_peer(&self, side: Side, sel: &EndpointSelector) -> Criterion {
        let t = translate(sel, false);
        let written = selector_text(sel);
        match t.peer {
            Peer::Nothing => Criterion::Never {
                why: format!("`{written}` can never match: {}", t.why.join("; ")),
            },
            Peer::Reserved(entities) => Criterion::Entities { side, entities },
            Peer::Pods(expr) => {
                let (expr, text) = if t.names_namespace {
                    (scope::k8s_pods().and(expr), written)
                } else {
                    match self.scope {
                        Scope::Clusterwide => (
                            scope::k8s_pods().and(expr),
                            format!("{written} in any namespace"),
                        ),
                        Scope::Namespace(_) if t.names_namespace_labels => {
                            (scope::k8s_pods().and(expr), written)
                        }
                        Scope::Namespace(ns) => (
                            scope::in_namespace(ns).and(scope::k8s_pods()).and(expr),
                            format!("{written} in namespace {ns}"),
                        ),
                    }
                };
                let mut text = text;
                if !t.why.is_empty() {
                    text = format!("{text} ({})", t.why.join("; "));
                }
                Criterion::Selector {
                    side,
                    expr,
                    text,
                    negated: false,
                }
            }
        }
    }

    /// `toServices`: a Service with a selector is its pods (its selector in
    /// its namespace, as a generated toEndpoints); a selectorless one is its
    /// EndpointSlice addresses as CIDRs, which never select pods. A
    /// reference without a namespace matches any namespace
    /// (pkg/policy/k8s/service.go `serviceRefMatches`).
    fn service_peer(&self, side: Side, svc: &Service) -> Criterion {
        let services: Vec<&crate::model::Service> = if let Some(named) = &svc.k8s_service {
            // No namespace: a Service of that name in any namespace
            // (pkg/policy/k8s/service.go).
            let name = named.service_name.as_ref().map(|n| n.value.as_str());
            let ns = named.namespace.as_ref().map(|n| n.value.as_str());
            self.cluster
                .services
                .iter()
                .filter(|s| Some(s.name.as_str()) == name && ns.is_none_or(|n| s.namespace == n))
                .collect()
        } else if let Some(by_label) = &svc.k8s_service_selector {
            let ns = by_label.namespace.as_ref().map(|n| n.value.as_str());
            let expr = by_label.selector.value.to_expr();
            self.cluster
                .services
                .iter()
                .filter(|s| ns.is_none_or(|n| s.namespace == n) && expr.matches(&s.labels))
                .collect()
        } else {
            Vec::new()
        };
        let pods: Vec<Expr> = services
            .iter()
            .filter_map(|s| {
                let sel = s.selector.as_ref()?;
                let labels = Expr::all_of(sel.iter().map(|(k, v)| Expr::Eq(k.clone(), v.clone())));
                Some(
                    scope::in_namespace(&s.namespace)
                        .and(scope::k8s_pods())
                        .and(identity_filter(&labels)),
                )
            })
            .collect();
        let names: Vec<String> = services
            .iter()
            .map(|s| format!("{}/{}", s.namespace, s.name))
            .collect();
        if pods.is_empty() {
            let why = if services.is_empty() {
                "no loaded Service matches".to_string()
            } else {
                format!(
                    "{} has no selector: Cilium allows its EndpointSlice addresses as CIDRs, which never select pods (for default/kubernetes use the kube-apiserver entity)",
                    names.join(", ")
                )
            };
            return Criterion::Never { why };
        }
        Criterion::Selector {
            side,
            expr: Expr::any_of(pods),
            text: format!("pods behind Service {}", names.join(", ")),
            negated: false,
        }
    }

    /// `toPorts` and `icmps`: the L4 entries of a rule, any of which may
    /// match (RulesToPolicyEntries appends both to one list). Nothing when
    /// there are none, i.e. every port and protocol, ICMP included.
    fn l4(
        &self,
        side: Side,
        s: &Section,
        action: Action,
        notes: &mut Vec<String>,
        warnings: &mut Vec<(Span, String)>,
    ) -> Vec<Criterion> {
        let mut alternatives = Vec::new();
        for (i, pr) in s.to_ports.unwrap_or_default().iter().enumerate() {
            let mut criteria = vec![self.ports(side, &pr.value, notes)];
            if action == Action::Allow
                && let Some(rules) = &pr.value.rules
                && let Some(m) = l7_match(&rules.value)
            {
                criteria.push(Criterion::L7(m));
            }
            if !pr.value.server_names.is_empty() {
                notes.push(format!(
                    "toPorts[{i}] limits TLS server names to {}: polctl does not check SNI",
                    pr.value
                        .server_names
                        .iter()
                        .map(|n| n.value.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if let Some(listener) = &pr.value.listener {
                warnings.push((
                    listener.span,
                    format!(
                        "traffic on these ports is redirected to Envoy listener `{}`, whose configuration polctl does not simulate",
                        listener.value.name.value
                    ),
                ));
            }
            alternatives.push(Alternative {
                label: format!("toPorts[{i}]"),
                criteria,
                origin: Some(pr.span),
            });
        }
        for (i, icmp) in s.icmps.unwrap_or_default().iter().enumerate() {
            for (j, field) in icmp.value.fields.iter().enumerate() {
                let Some(t) = field.value.type_number() else {
                    continue;
                };
                let proto = match field.value.family() {
                    IcmpFamily::IPv4 => Proto::ICMP,
                    IcmpFamily::IPv6 => Proto::ICMPV6,
                };
                alternatives.push(Alternative {
                    label: format!("icmps[{i}].fields[{j}]"),
                    criteria: vec![
                        Criterion::Protocol {
                            any_of: vec![proto],
                            negated: false,
                        },
                        Criterion::Icmp {
                            icmp_type: t,
                            code: None,
                            negated: false,
                        },
                    ],
                    origin: Some(field.span),
                });
            }
        }
        if alternatives.len() <= 1 {
            return alternatives.pop().map(|a| a.criteria).unwrap_or_default();
        }
        vec![Criterion::AnyOf {
            what: "toPorts".into(),
            alternatives,
        }]
    }

    /// One port rule's ports: no ports means every port of TCP, UDP and
    /// SCTP; `ANY` is those three (not ICMP, rule.go mergeL4Filter); port 0
    /// is every port.
    fn ports(&self, side: Side, pr: &PortRule, notes: &mut Vec<String>) -> Criterion {
        let mut any_of = Vec::new();
        if pr.ports.is_empty() {
            any_of.push(PortMatch {
                protocol: None,
                ports: PortSpec::All,
            });
        }
        for p in &pr.ports {
            let protos: Vec<Option<Proto>> = match p.value.protocol() {
                L4Proto::Any => vec![None],
                L4Proto::Tcp => vec![Some(Proto::TCP)],
                L4Proto::Udp => vec![Some(Proto::UDP)],
                L4Proto::Sctp => vec![Some(Proto::SCTP)],
                L4Proto::Vrrp => vec![Some(Proto(112))],
                L4Proto::Igmp => vec![Some(Proto(2))],
            };
            for protocol in protos {
                match p.value.port.as_ref().map(|p| &p.value) {
                    None | Some(CiliumPort::Number(0)) => any_of.push(PortMatch {
                        protocol,
                        ports: PortSpec::All,
                    }),
                    Some(CiliumPort::Number(n)) => {
                        let end = p.value.end_port.as_ref().map_or(*n, |e| e.value.0.max(*n));
                        any_of.push(PortMatch {
                            protocol,
                            ports: PortSpec::Range(*n, end),
                        });
                    }
                    Some(CiliumPort::Name(name)) => {
                        any_of.extend(self.named_port(side, name, protocol, notes));
                    }
                }
            }
        }
        Criterion::Ports {
            side: Side::Destination,
            any_of,
            negated: false,
        }
    }

    /// A named port. Ingress: the subject's own container port (resolved at
    /// evaluation on the destination). Egress before Cilium 1.20: one
    /// number from the node-wide map of every pod's named ports; a name
    /// with two different numbers is skipped ("Skipping named port ...
    /// duplicate named ports", pkg/types/portmap.go; cilium#24779). From
    /// 1.20 it is resolved on the destinations the rule selects
    /// (cilium#44429), like ingress.
    fn named_port(
        &self,
        side: Side,
        name: &str,
        protocol: Option<Proto>,
        notes: &mut Vec<String>,
    ) -> Vec<PortMatch> {
        let resolve_on_destination =
            side == Side::Source || self.version >= EGRESS_NAMED_PORTS_PER_DESTINATION;
        if resolve_on_destination {
            return vec![PortMatch {
                protocol,
                ports: PortSpec::Named(name.to_string()),
            }];
        }
        let protos = match protocol {
            Some(p) => vec![p],
            None => vec![Proto::TCP, Proto::UDP, Proto::SCTP],
        };
        let mut out = Vec::new();
        for proto in protos {
            let numbers: BTreeSet<u16> = self
                .cluster
                .endpoints
                .iter()
                .flat_map(|e| &e.ports)
                .filter(|p| p.name == name && p.protocol == proto)
                .map(|p| p.port)
                .collect();
            match numbers.len() {
                0 if protocol.is_some() => notes.push(format!(
                    "no pod declares a {proto} port named {name}: Cilium {} skips it",
                    self.version
                )),
                0 => {}
                1 => {
                    let n = numbers.into_iter().next().unwrap_or_default();
                    notes.push(format!(
                        "named port {name}/{proto} is {n} on every pod (Cilium {} resolves egress named ports cluster-wide)",
                        self.version
                    ));
                    out.push(PortMatch {
                        protocol: Some(proto),
                        ports: PortSpec::Range(n, n),
                    });
                }
                _ => notes.push(format!(
                    "named port {name}/{proto} is {} on different pods: Cilium {} skips a duplicate egress named port, so it allows nothing (cilium#24779)",
                    numbers
                        .iter()
                        .map(u16::to_string)
                        .collect::<Vec<_>>()
                        .join(" and "),
                    self.version
                )),
            }
        }
        if out.is_empty() {
            // Nothing resolved: an impossible match keeps the rule from
            // matching every port.
            out.push(PortMatch {
                protocol: Some(Proto(255)),
                ports: PortSpec::Range(0, 0),
            });
        }
        out
    }
}

/// `fromCIDRSet`/`toCIDRSet` entry: the CIDR minus its own exceptions.
/// CIDR rules never match cluster endpoints or nodes (§C7).
fn cidr_rule(side: Side, set: &CidrRule) -> Vec<Criterion> {
    let Some(cidr) = &set.cidr else {
        return vec![Criterion::Never {
            why: "CiliumCIDRGroup references are not loaded by polctl".into(),
        }];
    };
    let mut out = vec![Criterion::Nets {
        side,
        nets: vec![cidr.value.net],
        negated: false,
        scope: NetScope::ExternalOnly,
    }];
    if !set.except.is_empty() {
        out.push(Criterion::Nets {
            side,
            nets: set.except.iter().map(|c| c.value.net).collect(),
            negated: true,
            scope: NetScope::ExternalOnly,
        });
    }
    out
}

/// Entity names as reserved identities (pkg/policy/api/entity.go); `none`
/// selects nothing.
fn entity(e: cil::Entity) -> Option<Entity> {
    Some(match e {
        cil::Entity::All => Entity::All,
        cil::Entity::World => Entity::World,
        cil::Entity::WorldIpv4 => Entity::WorldIpv4,
        cil::Entity::WorldIpv6 => Entity::WorldIpv6,
        cil::Entity::Cluster => Entity::Cluster,
        cil::Entity::Host => Entity::Host,
        cil::Entity::Init => Entity::Init,
        cil::Entity::Ingress => Entity::Ingress,
        cil::Entity::Unmanaged => Entity::Unmanaged,
        cil::Entity::RemoteNode => Entity::RemoteNode,
        cil::Entity::Health => Entity::Health,
        cil::Entity::KubeApiserver => Entity::KubeApiserver,
        cil::Entity::None => return None,
    })
}

/// A `reserved:<name>` label key as an entity.
fn reserved_entity(name: &str) -> Option<Entity> {
    Some(match name {
        "host" => Entity::Host,
        "world" => Entity::World,
        "world-ipv4" => Entity::WorldIpv4,
        "world-ipv6" => Entity::WorldIpv6,
        "remote-node" => Entity::RemoteNode,
        "kube-apiserver" => Entity::KubeApiserver,
        "ingress" => Entity::Ingress,
        "init" => Entity::Init,
        "health" => Entity::Health,
        "unmanaged" => Entity::Unmanaged,
        _ => return None,
    })
}

fn fqdn_pattern(f: &FqdnSelector) -> Option<FqdnPattern> {
    if let Some(n) = &f.match_name {
        return Some(FqdnPattern::Name(n.value.clone()));
    }
    f.match_pattern
        .as_ref()
        .map(|p| FqdnPattern::Pattern(p.value.clone()))
}

/// The L7 rules of a port rule; `None` when it has none.
fn l7_match(rules: &L7Rules) -> Option<L7Match> {
    if let Some(http) = &rules.http {
        return Some(L7Match::Http(
            http.iter()
                .map(|h| {
                    let h = &h.value;
                    let mut headers: Vec<HeaderRule> = h
                        .headers
                        .iter()
                        .map(|line| header_rule(&line.value))
                        .collect();
                    headers.extend(h.header_matches.iter().map(|m| {
                        let m = &m.value;
                        HeaderRule {
                            name: m.name.value.clone(),
                            value: m.value.as_ref().map(|v| v.value.clone()),
                            secret: m.secret.as_ref().map(|s| {
                                format!("{}/{}", s.namespace.as_deref().unwrap_or(""), s.name.value)
                            }),
                            mismatch: m.mismatch.as_ref().map(|a| {
                                match a.value {
                                    cil::MismatchAction::Log => "LOG",
                                    cil::MismatchAction::Add => "ADD",
                                    cil::MismatchAction::Delete => "DELETE",
                                    cil::MismatchAction::Replace => "REPLACE",
                                }
                                .to_string()
                            }),
                        }
                    }));
                    HttpRule {
                        method: h.method.as_ref().map(|v| v.value.clone()),
                        path: h.path.as_ref().map(|v| v.value.clone()),
                        host: h.host.as_ref().map(|v| v.value.clone()),
                        headers,
                    }
                })
                .collect(),
        ));
    }
    if let Some(kafka) = &rules.kafka {
        return Some(L7Match::Kafka(
            kafka
                .iter()
                .map(|k| {
                    let k = &k.value;
                    let text = |v: &Option<Spanned<String>>| {
                        v.as_ref()
                            .map(|v| v.value.clone())
                            .filter(|v| !v.is_empty())
                    };
                    KafkaRule {
                        role: text(&k.role),
                        api_key: text(&k.api_key),
                        api_version: text(&k.api_version),
                        client_id: text(&k.client_id),
                        topic: text(&k.topic),
                    }
                })
                .collect(),
        ));
    }
    if let Some(dns) = &rules.dns {
        return Some(L7Match::Dns(
            dns.iter().filter_map(|d| fqdn_pattern(&d.value)).collect(),
        ));
    }
    if let Some(parser) = &rules.l7proto {
        return Some(L7Match::Generic {
            parser: parser.value.clone(),
            rules: rules
                .l7
                .iter()
                .flatten()
                .map(|r| {
                    r.value
                        .iter()
                        .map(|(k, v)| (k.value.clone(), v.value.clone()))
                        .collect()
                })
                .collect(),
        });
    }
    None
}

/// A `headers` entry: `Name` (present) or `Name: value` (exact). Cilium
/// splits at the first space and trims a trailing colon from the name
/// (envoy_l7_rules_translator.go), so `X-Token:abc` names a header
/// `X-Token:abc` that must be present.
fn header_rule(line: &str) -> HeaderRule {
    let line = line.trim();
    let (name, value) = match line.split_once(' ') {
        Some((name, value)) => (name.trim_end_matches(':'), Some(value.trim().to_string())),
        None => (line, None),
    };
    HeaderRule {
        name: name.to_string(),
        value,
        secret: None,
        mismatch: None,
    }
}

/// What a Cilium endpoint selector selects.
enum Peer {
    /// Pods whose labels match (over the IR label universe).
    Pods(Expr),
    /// Reserved identities (a selector on `reserved:` labels).
    Reserved(Vec<Entity>),
    Nothing,
}

struct Translated {
    peer: Peer,
    /// It mentions `io.kubernetes.pod.namespace`.
    names_namespace: bool,
    /// It mentions an `io.cilium.k8s.namespace.labels.*` key.
    names_namespace_labels: bool,
    /// Why parts of it can never match (identity label filter, sources).
    why: Vec<String>,
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
fn translate(sel: &LabelSelector, subject: bool) -> Translated {
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
fn node_expr(sel: &LabelSelector) -> Expr {
    let exprs = requirements(sel)
        .into_iter()
        .map(|r| req_expr(r.key.to_string(), r.op, &r.values));
    Expr::all_of(exprs)
}

/// Whether Cilium keeps a pod label key in identities: the default label
/// prefix configuration (pkg/labelsfilter/filter.go `defaultLabelPrefixCfg`;
/// §C2). A selector on any other key never matches, since the datapath
/// only sees identities.
pub fn in_identity(key: &str) -> bool {
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
pub fn identity_labels(cluster: &Cluster, ep: &Endpoint) -> Vec<(String, String, String)> {
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
pub fn identity_filter(expr: &Expr) -> Expr {
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
pub fn filter_policy(p: &mut Policy) {
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
pub fn selector_text(sel: &LabelSelector) -> String {
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

#[cfg(test)]
mod tests;
