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
//!
//! This file compiles rules (subjects, peers, ports, named ports); `selector`
//! translates endpoint selectors and filters identity labels; `convert`
//! turns CIDR sets, entities, FQDN patterns and L7 rules into IR values.

mod convert;
mod selector;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use crate::dialect::PolicyObject;
use crate::dialect::cilium::{
    self as cil, AuthenticationMode, CidrRule, CiliumNetworkPolicy, CiliumPort, EndpointSelector,
    FqdnSelector, IcmpFamily, IcmpRule, L4Proto, PortRule, Service,
};
use crate::dialect::common::Cidr;
use crate::dialect::lower::{Builder, scope};
use crate::model::policy::{
    Action, Alternative, AuthMode, Criterion, Entity, Isolates, NetScope, Policy, PortMatch,
    PortSpec, Rule, Side, TierDefault, Version, implicit,
};
use crate::model::{Proto, Span, Spanned};
use crate::selector::Expr;
#[cfg(test)]
pub(crate) use convert::match_pattern;
pub(crate) use convert::{CompiledL7, compiled};
use convert::{cidr_rule, entity, fqdn_pattern};
use selector::{Peer, never, node_expr, translate};
pub(crate) use selector::{filter_policy, identity_filter, identity_labels, selector_text};

/// The tier Cilium's deny rules are compiled into, ahead of every allow.
pub(crate) const DENY_TIER: &str = "deny";

/// The first Cilium release that resolves an egress named port only over
/// the destinations the rule selects (cilium#44429, merged 2026-02).
pub(crate) const EGRESS_NAMED_PORTS_PER_DESTINATION: Version = Version::new(1, 20);

/// Declares the deny tier ahead of the built-in ones.
pub(crate) fn declare_tiers(b: &mut Builder) {
    b.declare_tier(DENY_TIER, Some(0.0), TierDefault::Pass, None);
}

/// Where a policy's peer selectors are scoped.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Namespace(&'a str),
    Clusterwide,
}

pub(crate) fn lower(b: &mut Builder, policy: &PolicyObject, cnp: &CiliumNetworkPolicy) {
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
                && let Some(m) = compiled(&rules.value).l7.clone()
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
