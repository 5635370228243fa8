//! Narrowing a reachability graph to what the user asked about.

use std::net::IpAddr;

use ipnet::IpNet;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::{Conns, GraphNode, Reach};
use crate::model::Proto;
use crate::selector::Expr;

/// Which nodes an end of an edge may be.
#[derive(Clone, Debug)]
pub(crate) enum NodeMatch {
    /// `namespace/name` of a workload, or a bare name in `namespace`;
    /// with a kind (`deployment/web`), only workloads of that kind.
    Name {
        namespace: Option<String>,
        kind: Option<String>,
        name: String,
    },
    /// Workloads whose labels a selector matches.
    Selector(Expr),
    /// External ranges overlapping an address range.
    Addresses(IpNet),
}

impl NodeMatch {
    pub(crate) fn matches(&self, node: &GraphNode) -> bool {
        match self {
            NodeMatch::Name {
                namespace,
                kind,
                name,
            } => {
                let kind_matches = match (&node.kind, kind) {
                    (super::GraphNodeKind::Workload { kind: k }, Some(want)) => {
                        k.eq_ignore_ascii_case(want)
                    }
                    _ => true,
                };
                !node.is_external()
                    && kind_matches
                    && node.name == *name
                    && namespace
                        .as_ref()
                        .is_none_or(|ns| node.namespace.as_ref() == Some(ns))
            }
            NodeMatch::Selector(expr) => !node.is_external() && expr.matches(&node.labels),
            NodeMatch::Addresses(net) => node.is_external() && overlaps(&node.id, net),
        }
    }
}

/// Whether the external node named `id` (a CIDR or `lo-hi`) overlaps `net`.
fn overlaps(id: &str, net: &IpNet) -> bool {
    let (lo, hi) = match id.split_once('-') {
        Some((a, b)) => match (a.parse::<IpAddr>(), b.parse::<IpAddr>()) {
            (Ok(a), Ok(b)) => (a, b),
            _ => return false,
        },
        None => match id.parse::<IpNet>() {
            Ok(n) => (n.network(), n.broadcast()),
            Err(_) => return false,
        },
    };
    let same = lo.is_ipv4() == net.network().is_ipv4();
    same && lo <= net.broadcast() && net.network() <= hi
}

/// A destination port (and protocol) an edge must allow.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PortFilter {
    pub protocol: Proto,
    pub port: u16,
}

/// What to keep.
#[derive(Clone, Debug, Default)]
pub(crate) struct Filter {
    /// Only workloads in this namespace and the edges with at least one
    /// end there (with the nodes at their other ends).
    pub namespace: Option<String>,
    pub from: Option<NodeMatch>,
    pub to: Option<NodeMatch>,
    pub port: Option<PortFilter>,
    /// Only this node and its neighbours.
    pub focus: Option<NodeMatch>,
    pub exclude_external: bool,
}

impl Filter {
    /// Whether the node may appear at all (`--exclude-external`).
    pub(super) fn admits(&self, n: &GraphNode) -> bool {
        !(n.is_external() && self.exclude_external)
    }

    /// Whether the node is in the namespace asked for (every node is when
    /// none is).
    pub(super) fn in_namespace(&self, n: &GraphNode) -> bool {
        self.namespace
            .as_ref()
            .is_none_or(|ns| !n.is_external() && n.namespace.as_ref() == Some(ns))
    }

    pub(super) fn is_narrowing(&self) -> bool {
        self.from.is_some() || self.to.is_some() || self.port.is_some() || self.focus.is_some()
    }
}

pub(super) fn allows(conns: &Conns, port: PortFilter) -> bool {
    if conns.is_all() {
        return true;
    }
    match conns.protocols.get(&port.protocol) {
        Some(set) => set.contains(port.port),
        None => conns.other && !super::conns::PORT_PROTOCOLS.contains(&port.protocol),
    }
}

impl Reach {
    /// The graph with only what `filter` keeps. Edges need one end in the
    /// namespace (when one is given), both ends admitted, and must pass
    /// `from`/`to`/`port`/`focus`. A node is kept when it is in the
    /// namespace or an edge kept touches it; with `from`/`to`/`port`/
    /// `focus` given, only when an edge touches it (or it is focused).
    pub(crate) fn filtered(&self, filter: &Filter) -> Reach {
        let g = &self.graph;
        let keep_edge = |s: NodeIndex, d: NodeIndex, conns: &Conns| {
            let (sn, dn) = (&g[s], &g[d]);
            filter.admits(sn)
                && filter.admits(dn)
                && (filter.in_namespace(sn) || filter.in_namespace(dn))
                && filter.from.as_ref().is_none_or(|m| m.matches(sn))
                && filter.to.as_ref().is_none_or(|m| m.matches(dn))
                && filter.port.is_none_or(|p| allows(conns, p))
                && filter
                    .focus
                    .as_ref()
                    .is_none_or(|m| m.matches(sn) || m.matches(dn))
        };
        let kept: Vec<bool> = g
            .edge_references()
            .map(|e| keep_edge(e.source(), e.target(), &e.weight().conns))
            .collect();
        let mut touched = vec![false; g.node_count()];
        for (e, keep) in g.edge_references().zip(&kept) {
            if *keep {
                touched[e.source().index()] = true;
                touched[e.target().index()] = true;
            }
        }
        let narrowing = filter.is_narrowing();
        let graph = g.filter_map(
            |i, n| {
                let focused = filter.focus.as_ref().is_some_and(|m| m.matches(n));
                let touched = touched[i.index()];
                let keep = filter.admits(n)
                    && (filter.in_namespace(n) || touched)
                    && (!narrowing || touched || focused);
                keep.then(|| n.clone())
            },
            |e, w| kept[e.index()].then(|| w.clone()),
        );
        Reach {
            graph,
            classes: self.classes,
            probes: self.probes,
            notes: self.notes.clone(),
        }
    }
}
