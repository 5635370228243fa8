//! `polctl describe policy`: where a policy is evaluated, which endpoints
//! it selects per direction, and each rule with its peers resolved to the
//! workloads and address ranges they match.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write;
use std::net::IpAddr;

use serde::Serialize;

use super::table::{self, number};
use crate::lint::{self, Finding, Level, PolicyRef};
use crate::model::policy::{Criterion, Direction, Policy, PolicySet, PortSpec, Rule, Side};
use crate::model::{Cluster, FlowEnd, Peer, Span};
use crate::sim::eval::Evaluator;
use crate::sim::reach;

#[derive(Debug, Serialize)]
pub(crate) struct PolicyDescription {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub kind: String,
    pub dialect: String,
    pub at: String,
    /// Where the evaluator visits it.
    pub evaluated: Placement,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staged: Option<String>,
    /// The subject selector as written.
    pub selector: String,
    /// `None`: the policy does not govern that direction.
    pub ingress: Option<DirectionPart>,
    pub egress: Option<DirectionPart>,
    /// What `polctl lint` reports on the policy, at default levels.
    pub lint: Vec<LintLine>,
}

/// One lint finding on the policy.
#[derive(Debug, Serialize)]
pub(crate) struct LintLine {
    /// `polctl::lint::<name>`.
    pub code: String,
    pub level: Level,
    pub message: String,
    pub at: String,
}

/// The tier a policy is in and its place in the compiled evaluation order.
#[derive(Debug, Serialize)]
pub(crate) struct Placement {
    pub tier: String,
    /// 1-based, of `tiers`.
    pub tier_position: usize,
    pub tiers: usize,
    /// 1-based place in its tier, of `in_tier`.
    pub position: usize,
    pub in_tier: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<f64>,
}

#[derive(Debug, Serialize)]
pub(crate) struct DirectionPart {
    /// The workloads whose pods the policy selects for this direction.
    pub selects: Vec<Workload>,
    pub rules: Vec<RuleLine>,
}

/// Pods of one workload (or a lone pod) that something matches.
#[derive(Debug, Serialize)]
pub(crate) struct Workload {
    /// `namespace/name`.
    pub id: String,
    pub kind: String,
    /// Pods matched, of `of`.
    pub pods: usize,
    pub of: usize,
}

#[derive(Debug, Serialize)]
pub(crate) struct RuleLine {
    /// As traces name it (`ingress[0]`).
    pub rule: String,
    pub action: String,
    /// When the rule's criteria on the selected endpoint's own side (a
    /// Calico ingress rule's `destination`) leave some of them out: the
    /// selected workloads it applies to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applies_to: Option<Vec<Workload>>,
    /// The workloads whose pods the rule's peer criteria match.
    pub workloads: Vec<Workload>,
    /// External address ranges (addresses no loaded endpoint has) the
    /// peer criteria match, merged where adjacent.
    pub ranges: Vec<String>,
    /// Ports and protocols the rule names (`any` when it names none).
    pub ports: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// The description of `policy`, with the lint `findings` that concern it.
pub(crate) fn describe(
    evaluator: &Evaluator,
    cluster: &Cluster,
    policy: &Policy,
    findings: &[Finding],
    locate: &dyn Fn(Span) -> String,
) -> PolicyDescription {
    let me = PolicyRef::of(policy);
    let lint = lint::concerning(findings, &me)
        .map(|f| LintLine {
            code: f.lint.code(),
            level: f.level,
            message: f.message.clone(),
            at: locate(f.span),
        })
        .collect();
    let set = evaluator.policy_set();
    let evaluated = placement(set, policy);
    let pods = pod_peers(cluster);
    let ranges = external_peers(set, cluster);
    let part = |dir: Direction| -> Option<DirectionPart> {
        let rules = policy.rules(dir)?;
        let ids = evaluator.identities();
        let selected: Vec<usize> = pods
            .iter()
            .filter(|(i, _)| {
                ids.pod(*i)
                    .is_some_and(|owner| policy.subject.matches(&owner.labels))
            })
            .map(|(i, _)| *i)
            .collect();
        Some(DirectionPart {
            selects: workloads(cluster, &selected),
            rules: rules
                .iter()
                .map(|r| {
                    let mut line = rule_line(evaluator, cluster, r, dir, &pods, &ranges, locate);
                    let applies: Vec<usize> = pods
                        .iter()
                        .filter(|(i, p)| {
                            selected.contains(i) && evaluator.subject_matches(r, dir, p)
                        })
                        .map(|(i, _)| *i)
                        .collect();
                    if applies.len() < selected.len() {
                        line.applies_to = Some(workloads(cluster, &applies));
                    }
                    line
                })
                .collect(),
        })
    };
    PolicyDescription {
        name: policy.name.clone(),
        namespace: policy.namespace.clone(),
        kind: policy.kind.clone(),
        dialect: policy.dialect.clone(),
        at: locate(policy.origin),
        evaluated,
        staged: policy.staged.map(|s| format!("{s:?}").to_lowercase()),
        selector: policy.subject_text.clone(),
        ingress: part(Direction::Ingress),
        egress: part(Direction::Egress),
        lint,
    }
}

fn placement(set: &PolicySet, policy: &Policy) -> Placement {
    for (ti, tier) in set.tiers.iter().enumerate() {
        if let Some(pi) = tier.policies.iter().position(|p| std::ptr::eq(p, policy)) {
            return Placement {
                tier: tier.name.clone(),
                tier_position: ti + 1,
                tiers: set.tiers.len(),
                position: pi + 1,
                in_tier: tier.policies.len(),
                order: policy.order,
            };
        }
    }
    Placement {
        tier: String::new(),
        tier_position: 0,
        tiers: set.tiers.len(),
        position: 0,
        in_tier: 0,
        order: policy.order,
    }
}

/// Every pod with an address, as a flow end.
fn pod_peers(cluster: &Cluster) -> Vec<(usize, Peer)> {
    cluster
        .endpoints
        .iter()
        .enumerate()
        .filter_map(|(i, ep)| {
            let ip = ep
                .ips
                .iter()
                .find(|ip| ip.is_ipv4())
                .or_else(|| ep.ips.first())?;
            Some((
                i,
                Peer {
                    name: format!("{}/{}", ep.namespace, ep.name),
                    ip: *ip,
                    end: FlowEnd::Pod { index: i },
                    service: None,
                },
            ))
        })
        .collect()
}

/// The address space outside the cluster, cut at every CIDR the policies
/// and network sets name (so that every rule sees each piece alike): per
/// piece, its bounds and an address to probe it at.
fn external_peers(set: &PolicySet, cluster: &Cluster) -> Vec<(IpAddr, IpAddr, Peer)> {
    let nets = reach::rule_nets(set, cluster);
    let taken: HashSet<IpAddr> = cluster
        .endpoints
        .iter()
        .flat_map(|e| e.ips.iter())
        .chain(cluster.nodes.iter().flat_map(|n| n.ips.iter()))
        .chain(cluster.host_endpoints.iter().flat_map(|h| h.ips.iter()))
        .copied()
        .collect();
    let mut spaces: Vec<ipnet::IpNet> = vec!["0.0.0.0/0".parse().expect("a CIDR")];
    if nets.iter().any(|n| matches!(n, ipnet::IpNet::V6(_))) {
        spaces.push("::/0".parse().expect("a CIDR"));
    }
    spaces
        .into_iter()
        .flat_map(|space| reach::ranges_within(&nets, space, &taken))
        .map(|(lo, hi, probe, _)| {
            (
                lo,
                hi,
                Peer {
                    name: probe.to_string(),
                    ip: probe,
                    end: FlowEnd::External,
                    service: None,
                },
            )
        })
        .collect()
}

fn rule_line(
    evaluator: &Evaluator,
    cluster: &Cluster,
    rule: &Rule,
    dir: Direction,
    pods: &[(usize, Peer)],
    ranges: &[(IpAddr, IpAddr, Peer)],
    locate: &dyn Fn(Span) -> String,
) -> RuleLine {
    let matched: Vec<usize> = pods
        .iter()
        .filter(|(_, p)| evaluator.peer_matches(rule, dir, p))
        .map(|(i, _)| *i)
        .collect();
    // Adjacent matching ranges read as one.
    let mut merged: Vec<(IpAddr, IpAddr)> = Vec::new();
    for (lo, hi, p) in ranges {
        if !evaluator.peer_matches(rule, dir, p) {
            continue;
        }
        match merged.last_mut() {
            Some(last) if follows(last.1, *lo) => last.1 = *hi,
            _ => merged.push((*lo, *hi)),
        }
    }
    RuleLine {
        rule: rule.label.clone(),
        action: rule.action.to_string(),
        applies_to: None,
        workloads: workloads(cluster, &matched),
        ranges: merged
            .into_iter()
            .map(|(lo, hi)| reach::range_label(lo, hi))
            .collect(),
        ports: ports_text(&rule.criteria).unwrap_or_else(|| "any".into()),
        note: rule.note.clone(),
        at: rule.origin.map(locate),
    }
}

/// Whether `next` is the address right after `prev`.
fn follows(prev: IpAddr, next: IpAddr) -> bool {
    match (prev, next) {
        (IpAddr::V4(a), IpAddr::V4(b)) => u32::from(a).checked_add(1) == Some(u32::from(b)),
        (IpAddr::V6(a), IpAddr::V6(b)) => u128::from(a).checked_add(1) == Some(u128::from(b)),
        _ => false,
    }
}

/// The matched pods grouped by workload, with how many of its pods match.
fn workloads(cluster: &Cluster, pods: &[usize]) -> Vec<Workload> {
    let key = |i: usize| {
        let ep = &cluster.endpoints[i];
        match &ep.owner {
            Some(o) if o.kind != "Node" => (format!("{}/{}", ep.namespace, o.name), o.kind.clone()),
            _ => (format!("{}/{}", ep.namespace, ep.name), "Pod".to_string()),
        }
    };
    let mut all: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (i, ep) in cluster.endpoints.iter().enumerate() {
        if !ep.ips.is_empty() {
            *all.entry(key(i)).or_default() += 1;
        }
    }
    let mut matched: BTreeMap<(String, String), usize> = BTreeMap::new();
    for &i in pods {
        *matched.entry(key(i)).or_default() += 1;
    }
    matched
        .into_iter()
        .map(|((id, kind), pods)| Workload {
            of: all
                .get(&(id.clone(), kind.clone()))
                .copied()
                .unwrap_or(pods),
            id,
            kind,
            pods,
        })
        .collect()
}

/// The ports and protocols a rule names, as written in its criteria:
/// `TCP 6379`, `UDP 53, TCP 53`, `TCP named http`, `protocol ICMP`.
fn ports_text(criteria: &[Criterion]) -> Option<String> {
    let mut parts: Vec<String> = Vec::new();
    for c in criteria {
        match c {
            Criterion::Ports {
                side,
                any_of,
                negated,
            } => {
                let list: Vec<String> = any_of
                    .iter()
                    .map(|m| {
                        let proto = m
                            .protocol
                            .map_or("TCP/UDP/SCTP".to_string(), |p| p.to_string());
                        match &m.ports {
                            PortSpec::All => proto,
                            PortSpec::Range(a, b) if a == b => format!("{proto} {a}"),
                            PortSpec::Range(a, b) => format!("{proto} {a}-{b}"),
                            PortSpec::Named(n) => format!("{proto} named {n}"),
                        }
                    })
                    .collect();
                let what = if *side == Side::Source {
                    "source port "
                } else {
                    ""
                };
                let not = if *negated { "not " } else { "" };
                parts.push(format!("{not}{what}{}", list.join(", ")));
            }
            Criterion::Protocol { any_of, negated } => {
                let list: Vec<String> = any_of.iter().map(|p| p.to_string()).collect();
                let not = if *negated { "not " } else { "" };
                parts.push(format!("{not}protocol {}", list.join(", ")));
            }
            Criterion::Icmp {
                icmp_type,
                code,
                negated,
            } => {
                let not = if *negated { "not " } else { "" };
                parts.push(match code {
                    Some(c) => format!("{not}ICMP type {icmp_type} code {c}"),
                    None => format!("{not}ICMP type {icmp_type}"),
                });
            }
            Criterion::AnyOf { alternatives, .. } => {
                let alts: Vec<String> = alternatives
                    .iter()
                    .filter_map(|a| ports_text(&a.criteria))
                    .collect();
                if alts.len() == alternatives.len() && !alts.is_empty() {
                    parts.push(alts.join(" or "));
                }
            }
            Criterion::Http(_) | Criterion::L7(_) => parts.push("with L7 rules".to_string()),
            _ => {}
        }
    }
    // `protocol UDP` says nothing `UDP 53` (or `ICMP type 8`) does not.
    let has_ports = criteria
        .iter()
        .any(|c| matches!(c, Criterion::Ports { .. } | Criterion::Icmp { .. }));
    if has_ports {
        parts.retain(|p| !p.starts_with("protocol "));
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// `1st`, `2nd`, `3rd`, `4th`...
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn workload_text(w: &Workload) -> String {
    if w.kind == "Pod" && w.of == 1 {
        format!("{} (Pod)", w.id)
    } else if w.pods == w.of {
        format!(
            "{} ({}, {} pod{})",
            w.id,
            w.kind,
            w.pods,
            if w.pods == 1 { "" } else { "s" }
        )
    } else {
        format!("{} ({}, {} of {} pods)", w.id, w.kind, w.pods, w.of)
    }
}

pub(crate) fn text(d: &PolicyDescription) -> String {
    let mut out = String::new();
    let field = |out: &mut String, name: &str, value: &str| {
        let _ = writeln!(out, "{:<12}{value}", format!("{name}:"));
    };
    field(&mut out, "Name", &d.name);
    field(
        &mut out,
        "Namespace",
        d.namespace.as_deref().unwrap_or("<cluster>"),
    );
    field(&mut out, "Kind", &format!("{} ({})", d.kind, d.dialect));
    field(&mut out, "Source", &d.at);
    let e = &d.evaluated;
    field(
        &mut out,
        "Tier",
        &format!(
            "{} ({} of {} tiers)",
            e.tier,
            ordinal(e.tier_position),
            e.tiers
        ),
    );
    field(
        &mut out,
        "Position",
        &format!(
            "{} of {} in its tier (order {})",
            ordinal(e.position),
            e.in_tier,
            e.order.map_or("<none>".into(), number)
        ),
    );
    if let Some(s) = &d.staged {
        field(&mut out, "Staged", s);
    }
    field(&mut out, "Selector", &d.selector);
    for (title, part) in [("Ingress", &d.ingress), ("Egress", &d.egress)] {
        out.push('\n');
        let Some(part) = part else {
            let _ = writeln!(out, "{title}: not governed by this policy");
            continue;
        };
        let _ = writeln!(out, "{title}:");
        let selects: Vec<String> = part.selects.iter().map(workload_text).collect();
        let _ = writeln!(
            out,
            "  Selects:   {}",
            if selects.is_empty() {
                "<none>".to_string()
            } else {
                selects.join(", ")
            }
        );
        if part.rules.is_empty() {
            out.push_str("  Rules:     <none> (selected endpoints are isolated)\n");
            continue;
        }
        let peer_title = if title == "Ingress" { "FROM" } else { "TO" };
        let mut t = table::table(["  RULE", "ACTION", peer_title, "PORTS", "AT"]);
        for r in &part.rules {
            let mut peers: Vec<String> = r.workloads.iter().map(workload_text).collect();
            peers.extend(r.ranges.iter().cloned());
            if peers.is_empty() {
                peers.push("<nothing loaded>".into());
            }
            let mut rule = format!("  {}", r.rule);
            if let Some(only) = &r.applies_to {
                let names: Vec<String> = only.iter().map(|w| w.id.clone()).collect();
                rule = format!(
                    "{rule}\n  only for {}",
                    if names.is_empty() {
                        "<none selected>".to_string()
                    } else {
                        names.join(", ")
                    }
                );
            }
            if let Some(n) = &r.note {
                rule = format!("{rule}\n  ({n})");
            }
            t.add_row([
                rule,
                r.action.clone(),
                peers.join("\n"),
                r.ports.clone(),
                r.at.clone().unwrap_or_default(),
            ]);
        }
        out.push_str(&table::render(&t));
    }
    out.push('\n');
    if d.lint.is_empty() {
        out.push_str("Lint findings: <none>\n");
    } else {
        out.push_str("Lint findings:\n");
        for f in &d.lint {
            let level = if f.level == Level::Deny {
                "error"
            } else {
                "warning"
            };
            let _ = writeln!(out, "  {level}[{}]: {}\n    at {}", f.code, f.message, f.at);
        }
    }
    out
}
