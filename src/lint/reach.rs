//! Lints that judge the compiled policy against the loaded cluster, for
//! every dialect alike: what a policy or a peer selects, what earlier rules
//! and policies already decide (the reach engine's identity classes and
//! port pieces, see `sim::reach::Coverage`), where a Pass lands, named
//! ports, and CIDR peers that cover pod addresses.

use std::net::IpAddr;

use super::{
    Finding, IPBLOCK_COVERS_PODS, IPBLOCK_IGNORED_FOR_PODS, PASS_TO_NOTHING, PEER_SELECTS_NOTHING,
    POLICY_SELECTS_NOTHING, PolicyRef, SHADOWED_POLICY, UNKNOWN_NAMED_PORT, UNREACHABLE_RULE,
};
use crate::load::Inventory;
use crate::model::policy::{
    Action, Criterion, Direction, NetScope, Policy, PolicySet, PortSpec, Rule, Side,
};
use crate::model::{AddressSource, Span};
use crate::selector::Expr;
use crate::sim::eval::Evaluator;
use crate::sim::reach::Coverage;

/// What every lint of this file reads.
pub(super) struct Ctx<'a, 'e> {
    pub ev: &'e Evaluator<'a>,
    pub coverage: &'e Coverage,
    pub set: &'a PolicySet,
    pub inventory: &'a Inventory,
}

pub(super) fn lint(cx: &Ctx, out: &mut Vec<Finding>) {
    for (ti, tier) in cx.set.tiers.iter().enumerate() {
        for (pi, policy) in tier.policies.iter().enumerate() {
            let facts = &cx.coverage.policies[ti][pi];
            let pref = PolicyRef::of(policy);
            let name_span = name_span(cx.inventory, policy);
            let judged = policy.staged.is_none() && cx.coverage.has_endpoints;
            if judged
                && facts.selected == 0
                && !matches_hosts(cx.ev, &policy.subject, &cx.inventory.cluster)
            {
                out.push(
                    Finding::new(
                        &POLICY_SELECTS_NOTHING,
                        name_span,
                        format!(
                            "{pref} selects no endpoint: `{}` matches none of the {} pod(s) loaded",
                            policy.subject_text,
                            cx.inventory.cluster.endpoints.len()
                        ),
                    )
                    .label("this policy applies to nothing")
                    .help("compare its selector with the labels `polctl get endpoints -A -o wide` shows")
                    .policy(pref.clone()),
                );
            }
            if let Some(by) = &facts.shadowed_by {
                let names: Vec<String> = by
                    .iter()
                    .map(|&e| format!("{}", PolicyRef::of(&tier.policies[e])))
                    .collect();
                let verb = if names.len() == 1 {
                    "decides"
                } else {
                    "decide"
                };
                out.push(
                    Finding::new(
                        &SHADOWED_POLICY,
                        name_span,
                        format!(
                            "{pref} changes nothing: at every endpoint it selects, {} (tier `{}`) {verb} every flow it matches first",
                            names.join(", "),
                            tier.name
                        ),
                    )
                    .label("shadowed policy")
                    .help("remove it, or give it a lower order than the policies that shadow it")
                    .policy(pref.clone()),
                );
            }
            for dir in [Direction::Ingress, Direction::Egress] {
                let rules = policy.rules(dir).unwrap_or(&[]);
                for (ri, rule) in rules.iter().enumerate() {
                    let Some(rf) = facts.rules(dir).get(ri) else {
                        continue;
                    };
                    let span = rule.origin.unwrap_or(policy.origin);
                    if let Some(by) = &rf.covered_by {
                        let labels: Vec<String> = by
                            .iter()
                            .map(|&r| format!("`{}`", rules[r].label))
                            .collect();
                        let actions: Vec<Action> = by.iter().map(|&r| rules[r].action).collect();
                        let differs = actions.iter().any(|a| *a != rule.action);
                        let mut message = format!(
                            "rule `{}` of {pref} never fires: {} before it {} every flow it matches",
                            rule.label,
                            labels.join(", "),
                            if labels.len() == 1 {
                                "matches"
                            } else {
                                "match"
                            }
                        );
                        if differs {
                            message.push_str(&format!("; its {} never applies", rule.action));
                        }
                        out.push(
                            Finding::new(&UNREACHABLE_RULE, span, message)
                                .label("unreachable rule")
                                .help(format!(
                                    "remove it, or move it before {}",
                                    labels.first().map_or("them", String::as_str)
                                ))
                                .policy(pref.clone()),
                        );
                    }
                    if rule.action == Action::Pass && rf.fires && !rf.passes_to_a_tier {
                        out.push(
                            Finding::new(
                                &PASS_TO_NOTHING,
                                span,
                                format!(
                                    "rule `{}` of {pref} passes to no tier: no tier after `{}` has a policy for the endpoints it applies to, so their profiles decide (for pods: allow)",
                                    rule.label, tier.name
                                ),
                            )
                            .label("Pass with nothing after it")
                            .help("Allow or Deny here, or add a policy for these endpoints in a later tier")
                            .policy(pref.clone()),
                        );
                    }
                    if cx.coverage.has_endpoints {
                        peers_selecting_nothing(cx, rule, dir, span, &pref, out);
                        named_ports(cx, ti, pi, rule, dir, span, &pref, out);
                    }
                    cidr_peers(cx, rule, dir, span, &pref, out);
                }
            }
        }
    }
}

/// The span of a policy's `metadata.name`, else of the whole object.
fn name_span(inventory: &Inventory, policy: &Policy) -> Span {
    inventory
        .policies
        .iter()
        .find(|p| p.origin == policy.origin)
        .and_then(|p| p.source.metadata().name.as_ref().map(|n| n.span))
        .unwrap_or(policy.origin)
}

/// Whether a selector matches some host endpoint or node (not in the
/// endpoint classes, which are pods).
fn matches_hosts(ev: &Evaluator, expr: &Expr, cluster: &crate::model::Cluster) -> bool {
    let ids = ev.identities();
    (0..cluster.host_endpoints.len())
        .filter_map(|i| ids.host_endpoint(i))
        .chain((0..cluster.nodes.len()).filter_map(|i| ids.node(i)))
        .any(|o| expr.matches(&o.labels))
}

/// The side of a flow a rule of `dir` looks at for its peer.
fn peer_side(dir: Direction) -> Side {
    match dir {
        Direction::Ingress => Side::Source,
        Direction::Egress => Side::Destination,
    }
}

/// Criteria that look at the peer alone.
fn is_peer_leaf(c: &Criterion, side: Side) -> bool {
    match c {
        Criterion::Selector { side: s, .. }
        | Criterion::Nets { side: s, .. }
        | Criterion::Entities { side: s, .. }
        | Criterion::Nodes { side: s, .. }
        | Criterion::Fqdn { side: s, .. } => *s == side,
        _ => false,
    }
}

/// The peers of a rule: each alternative of its peer list (with its span),
/// or the rule's own criteria when it has no list. Each is a conjunction.
fn peers(rule: &Rule) -> Vec<(Vec<&Criterion>, Option<Span>)> {
    let top: Vec<&Criterion> = rule
        .criteria
        .iter()
        .filter(|c| !matches!(c, Criterion::AnyOf { .. }))
        .collect();
    let list = rule.criteria.iter().find_map(|c| match c {
        Criterion::AnyOf { what, alternatives } if what != "ports" => Some(alternatives),
        _ => None,
    });
    match list {
        Some(alternatives) => alternatives
            .iter()
            .map(|a| {
                let mut all = top.clone();
                all.extend(a.criteria.iter());
                (all, a.origin)
            })
            .collect(),
        None => vec![(top, None)],
    }
}

/// A peer whose selectors match no endpoint, host endpoint or network set.
fn peers_selecting_nothing(
    cx: &Ctx,
    rule: &Rule,
    dir: Direction,
    span: Span,
    pref: &PolicyRef,
    out: &mut Vec<Finding>,
) {
    let side = peer_side(dir);
    for (criteria, origin) in peers(rule) {
        let leaves: Vec<&Criterion> = criteria
            .iter()
            .copied()
            .filter(|c| is_peer_leaf(c, side))
            .collect();
        let selectors: Vec<(&Expr, &str)> = leaves
            .iter()
            .filter_map(|c| match c {
                Criterion::Selector {
                    expr,
                    text,
                    negated: false,
                    ..
                } => Some((expr, text.as_str())),
                _ => None,
            })
            .collect();
        // Only label selection can select nothing; nodes and entities are
        // judged elsewhere.
        if selectors.is_empty()
            || leaves
                .iter()
                .any(|c| matches!(c, Criterion::Nodes { .. } | Criterion::Entities { .. }))
        {
            continue;
        }
        if !cx.coverage.peers_matching(cx.ev, &leaves).is_empty()
            || selectors
                .iter()
                .any(|(e, _)| matches_hosts(cx.ev, e, &cx.inventory.cluster))
        {
            continue;
        }
        let text: Vec<&str> = selectors.iter().map(|(_, t)| *t).collect();
        out.push(
            Finding::new(
                &PEER_SELECTS_NOTHING,
                origin.unwrap_or(span),
                format!(
                    "a peer of rule `{}` of {pref} selects nothing: `{}` matches no endpoint, host endpoint or network set loaded",
                    rule.label,
                    text.join("` and `")
                ),
            )
            .label("this peer matches nothing")
            .help("compare the selector with the labels `polctl get endpoints -A -o wide` shows")
            .policy(pref.clone()),
        );
    }
}

/// Named ports in a rule that no pod it resolves on defines.
#[allow(clippy::too_many_arguments)]
fn named_ports(
    cx: &Ctx,
    ti: usize,
    pi: usize,
    rule: &Rule,
    dir: Direction,
    span: Span,
    pref: &PolicyRef,
    out: &mut Vec<Finding>,
) {
    let mut wanted: Vec<(&str, Option<u8>)> = Vec::new();
    walk(&rule.criteria, &mut |c| {
        if let Criterion::Ports {
            side: Side::Destination,
            any_of,
            negated: false,
        } = c
        {
            for m in any_of {
                if let PortSpec::Named(name) = &m.ports {
                    wanted.push((name, m.protocol.map(|p| p.0)));
                }
            }
        }
    });
    if wanted.is_empty() {
        return;
    }
    // Where the name resolves: the selected pods for ingress, the pods the
    // rule's peers select for egress.
    let (classes, whose) = match dir {
        Direction::Ingress => (
            cx.coverage.selected_classes(cx.ev, ti, pi, dir),
            "the pods the policy selects",
        ),
        Direction::Egress => {
            let side = peer_side(dir);
            let mut classes = Vec::new();
            for (criteria, _) in peers(rule) {
                let leaves: Vec<&Criterion> = criteria
                    .iter()
                    .copied()
                    .filter(|c| is_peer_leaf(c, side))
                    .collect();
                classes.extend(cx.coverage.peers_matching(cx.ev, &leaves));
            }
            classes.sort_unstable();
            classes.dedup();
            (classes, "the pods the rule sends to")
        }
    };
    let classes: Vec<usize> = classes
        .into_iter()
        .filter(|&c| cx.coverage.is_endpoints(c))
        .collect();
    if classes.is_empty() {
        return;
    }
    for (name, proto) in wanted {
        let defined = classes.iter().any(|&c| {
            cx.coverage
                .named_ports(c)
                .iter()
                .any(|(n, p, _)| n == name && proto.is_none_or(|x| x == *p))
        });
        if !defined {
            out.push(
                Finding::new(
                    &UNKNOWN_NAMED_PORT,
                    span,
                    format!(
                        "named port `{name}` in rule `{}` of {pref} is defined by none of {whose}: the port matches nothing",
                        rule.label
                    ),
                )
                .label("named port resolved here")
                .help("name a containerPort the destination pods declare, or use the port number")
                .policy(pref.clone()),
            );
        }
    }
}

/// CIDR peers that cover pod addresses: matched by address (Calico and
/// the API text), or not matched at all (Cilium).
fn cidr_peers(
    cx: &Ctx,
    rule: &Rule,
    dir: Direction,
    span: Span,
    pref: &PolicyRef,
    out: &mut Vec<Finding>,
) {
    let side = peer_side(dir);
    let cluster = &cx.inventory.cluster;
    for (criteria, origin) in peers(rule) {
        // A selector next to the CIDRs narrows them on purpose.
        if criteria.iter().any(|c| {
            matches!(c, Criterion::Selector { side: s, negated: false, .. } | Criterion::Entities { side: s, .. } if *s == side)
        }) {
            continue;
        }
        let mut positive: Vec<&ipnet::IpNet> = Vec::new();
        let mut negative: Vec<&ipnet::IpNet> = Vec::new();
        let mut scope = NetScope::AnyAddress;
        for c in &criteria {
            if let Criterion::Nets {
                side: s,
                nets,
                negated,
                scope: sc,
            } = c
                && *s == side
            {
                if *negated {
                    negative.extend(nets.iter());
                } else {
                    positive.extend(nets.iter());
                    scope = *sc;
                }
            }
        }
        if positive.is_empty() {
            continue;
        }
        let covers = |ip: &IpAddr| {
            positive.iter().any(|n| n.contains(ip)) && !negative.iter().any(|n| n.contains(ip))
        };
        let pods: Vec<(&crate::model::Endpoint, IpAddr)> = cluster
            .endpoints
            .iter()
            .filter(|e| !e.host_network)
            .filter_map(|e| e.ips.iter().find(|ip| covers(ip)).map(|ip| (e, *ip)))
            .collect();
        let Some((first, ip)) = pods.first() else {
            continue;
        };
        let cidrs: Vec<String> = positive.iter().map(|n| n.to_string()).collect();
        let example = format!("{}/{} at {ip}", first.namespace, first.name);
        let count = if pods.len() == 1 {
            "1 pod address".to_string()
        } else {
            format!("{} pod addresses", pods.len())
        };
        let synthetic = pods
            .iter()
            .all(|(e, _)| e.address_source == AddressSource::Synthetic);
        let finding = match scope {
            NetScope::ExternalOnly => Finding::new(
                &IPBLOCK_IGNORED_FOR_PODS,
                origin.unwrap_or(span),
                format!(
                    "{} in rule `{}` of {pref} covers {count} ({example}), which Cilium never matches by CIDR",
                    cidrs.join(", "),
                    rule.label
                ),
            )
            .label("CIDR peer")
            .help("select those pods with a podSelector/namespaceSelector (fromEndpoints/toEndpoints) instead"),
            NetScope::AnyAddress => {
                let mut message = format!(
                    "{} in rule `{}` of {pref} covers {count} ({example}): they match by address",
                    cidrs.join(", "),
                    rule.label
                );
                if synthetic {
                    message.push_str(
                        ", and polctl assigned those addresses (the manifests give no status.podIP), so the verdict rests on invented addresses",
                    );
                }
                Finding::new(&IPBLOCK_COVERS_PODS, origin.unwrap_or(span), message)
                    .label("CIDR peer")
                    .help("select pods by label; keep ipBlock for addresses outside the cluster (add `except` for the pod range)")
            }
        };
        out.push(finding.policy(pref.clone()));
    }
}

/// Calls `f` on every criterion, alternatives included.
fn walk<'c>(criteria: &'c [Criterion], f: &mut dyn FnMut(&'c Criterion)) {
    for c in criteria {
        f(c);
        if let Criterion::AnyOf { alternatives, .. } = c {
            for alt in alternatives {
                walk(&alt.criteria, f);
            }
        }
    }
}
