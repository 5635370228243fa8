//! Reachability tests, answered exactly from the reachability graph: an
//! edge carries every connection at least one pod of its source workload
//! can open to one of its destination's.

use std::net::IpAddr;

use ipnet::IpNet;
use petgraph::visit::EdgeRef;

use crate::load::{ReachSpec, TargetSpec, target_label};
use crate::model::{Proto, Spanned};
use crate::selector::{Expr, parse_kubectl};
use crate::sim::reach::{Conns, GraphNode, NodeMatch, Reach};
use crate::sim::resolve::{Reference, parse_protocol};

use super::{Problem, Reached, TestKind, TestResult};

/// Graph nodes a target names: every given part must hold.
struct Target {
    label: String,
    namespace: Option<String>,
    matches: Vec<NodeMatch>,
}

impl Target {
    fn matches(&self, node: &GraphNode) -> bool {
        self.namespace
            .as_ref()
            .is_none_or(|ns| !node.is_external() && node.namespace.as_ref() == Some(ns))
            && self.matches.iter().all(|m| m.matches(node))
    }
}

/// A reachability test with its targets resolved.
pub(super) struct ReachTest {
    from: Option<Target>,
    to: Option<Target>,
    /// Only connections on this port count.
    port: Option<(Conns, String)>,
    allowed: Vec<Target>,
}

fn selector(text: &str) -> Result<Expr, String> {
    parse_kubectl(text).map_err(|e| format!("`{text}` is not a label selector: {e}"))
}

fn address(text: &str) -> Result<IpNet, String> {
    text.parse::<IpNet>()
        .or_else(|_| text.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("`{text}` is not an address or CIDR"))
}

/// `NAMESPACE/NAME`, `[NAMESPACE/]KIND/NAME` as kubectl writes it, or a
/// bare name in `namespace`. `is_namespace` tells a namespace from a kind
/// where both could be meant.
fn name_match(text: &str, namespace: &str, is_namespace: &dyn Fn(&str) -> bool) -> NodeMatch {
    let r = Reference::parse(text, is_namespace);
    NodeMatch::Name {
        namespace: Some(r.namespace.unwrap_or(namespace).to_string()),
        kind: r.kind.map(str::to_string),
        name: r.name.to_string(),
    }
}

/// A target as `polctl graph --from/--to` reads a reference, or its map
/// form; a bare name is in `namespace`.
fn target(spec: &TargetSpec, namespace: &str, graph: &Reach) -> Result<Target, String> {
    let is_namespace = |ns: &str| {
        graph
            .graph
            .node_weights()
            .any(|n| n.namespace.as_deref() == Some(ns))
    };
    let label = target_label(spec);
    let mut matches = Vec::new();
    if let Some(text) = &spec.reference {
        if let Ok(net) = address(text) {
            matches.push(NodeMatch::Addresses(net));
        } else if text.contains(['=', '!', '(', ',', ' ']) {
            matches.push(NodeMatch::Selector(selector(text)?));
        } else {
            matches.push(name_match(text, namespace, &is_namespace));
        }
    }
    if let Some(text) = &spec.selector {
        matches.push(NodeMatch::Selector(selector(text)?));
    }
    if let Some(text) = &spec.name {
        matches.push(name_match(
            text,
            spec.namespace.as_deref().unwrap_or(namespace),
            &is_namespace,
        ));
    }
    if let Some(text) = &spec.cidr {
        matches.push(NodeMatch::Addresses(address(text)?));
    }
    Ok(Target {
        label,
        namespace: spec.namespace.clone(),
        matches,
    })
}

/// `5432` (TCP) or `53/UDP`.
fn port(text: &str) -> Result<Conns, String> {
    let (num, proto) = text.split_once('/').unwrap_or((text, "TCP"));
    let port = num
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("`{text}`: the port must be a number 1-65535"))?;
    let protocol = parse_protocol(proto.trim())?;
    if ![Proto::TCP, Proto::UDP, Proto::SCTP].contains(&protocol) {
        return Err(format!("`{text}`: ports are TCP, UDP or SCTP"));
    }
    let mut conns = Conns::default();
    conns.add(protocol, port, port);
    Ok(conns)
}

pub(super) fn resolve(
    graph: &Reach,
    spec: &ReachSpec,
    namespace: &str,
) -> Result<ReachTest, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut resolve_target = |t: &Spanned<TargetSpec>| match target(&t.value, namespace, graph) {
        Ok(target) if graph.graph.node_weights().any(|n| target.matches(n)) => Some(target),
        Ok(target) => {
            problems.push(Problem {
                span: t.span,
                message: format!(
                    "`{}` matches no workload or address range in the loaded manifests",
                    target.label
                ),
                label: "this target",
                help: Some("`polctl graph -o name` lists the graph's nodes".into()),
            });
            None
        }
        Err(message) => {
            problems.push(Problem {
                span: t.span,
                message,
                label: "this target",
                help: None,
            });
            None
        }
    };
    let from = spec.from.as_ref().map(&mut resolve_target);
    let to = spec.to.as_ref().map(&mut resolve_target);
    let allowed: Vec<Option<Target>> = spec.allowed.iter().map(&mut resolve_target).collect();
    let port = match &spec.port {
        Some(p) => match port(&p.value) {
            Ok(c) => Some((c, p.value.clone())),
            Err(message) => {
                problems.push(Problem {
                    span: p.span,
                    message,
                    label: "here",
                    help: None,
                });
                None
            }
        },
        None => None,
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(ReachTest {
        from: from.flatten(),
        to: to.flatten(),
        port,
        allowed: allowed.into_iter().flatten().collect(),
    })
}

impl ReachTest {
    pub(super) fn check(self, graph: &Reach) -> TestResult {
        let g = &graph.graph;
        let mut reached = Vec::new();
        for e in g.edge_references() {
            let (s, d) = (&g[e.source()], &g[e.target()]);
            let forbidden = self.from.as_ref().is_none_or(|t| t.matches(s))
                && self.to.as_ref().is_none_or(|t| t.matches(d))
                && !self.allowed.iter().any(|t| t.matches(s));
            if !forbidden {
                continue;
            }
            // What some pod pair has: one pod reaching is enough to fail.
            let edge = e.weight();
            let mut conns = edge.some.clone().unwrap_or_else(|| edge.conns.clone());
            if let Some((port, _)) = &self.port {
                conns = conns.intersect(port);
            }
            if !conns.is_empty() {
                reached.push(Reached {
                    src: s.id.clone(),
                    dst: d.id.clone(),
                    conns,
                });
            }
        }
        reached.sort_by(|a, b| (&a.src, &a.dst).cmp(&(&b.src, &b.dst)));
        let on = self
            .port
            .as_ref()
            .map_or(String::new(), |(_, p)| format!(" on {p}"));
        let failures: Vec<String> = reached
            .iter()
            .map(|r| format!("{} reaches {}{on}: {}", r.src, r.dst, r.conns))
            .collect();
        let got = match reached.len() {
            0 => "nothing forbidden reaches".to_string(),
            1 => "1 forbidden connection".to_string(),
            n => format!("{n} forbidden connections"),
        };
        TestResult {
            name: String::new(),
            kind: TestKind::Reach,
            at: String::new(),
            passed: reached.is_empty(),
            got,
            failures,
            reached,
            outcome: None,
        }
    }
}
