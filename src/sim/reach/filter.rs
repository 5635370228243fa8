//! Narrowing a reachability graph to what the user asked about.

use std::net::IpAddr;

use ipnet::IpNet;
use petgraph::visit::EdgeRef;

use super::{Conns, GraphNode, Reach};
use crate::model::Proto;
use crate::selector::Expr;

/// Which nodes an end of an edge may be.
#[derive(Clone, Debug)]
pub enum NodeMatch {
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
    pub fn matches(&self, node: &GraphNode) -> bool {
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
pub struct PortFilter {
    pub protocol: Proto,
    pub port: u16,
}

/// What to keep.
#[derive(Clone, Debug, Default)]
pub struct Filter {
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
    pub(crate) fn admits(&self, n: &GraphNode) -> bool {
        !(n.is_external() && self.exclude_external)
    }

    /// Whether the node is in the namespace asked for (every node is when
    /// none is).
    pub(crate) fn in_namespace(&self, n: &GraphNode) -> bool {
        self.namespace
            .as_ref()
            .is_none_or(|ns| !n.is_external() && n.namespace.as_ref() == Some(ns))
    }

    pub(super) fn is_narrowing(&self) -> bool {
        self.from.is_some() || self.to.is_some() || self.port.is_some() || self.focus.is_some()
    }

    /// Whether every edge between two workloads stays (external ranges
    /// may still be left out).
    pub(crate) fn keeps_every_workload_pair(&self) -> bool {
        self.namespace.is_none() && !self.is_narrowing()
    }

    /// Whether which nodes stay depends on the edges kept (a namespace or
    /// a narrowing filter).
    pub(crate) fn needs_edges_for_nodes(&self) -> bool {
        self.namespace.is_some() || self.is_narrowing()
    }

    /// Whether an edge from `src` to `dst` allowing `conns` stays: both
    /// ends admitted, one in the namespace (when one is given), and
    /// `from`/`to`/`port`/`focus` passed.
    pub(crate) fn keeps_edge(&self, src: &GraphNode, dst: &GraphNode, conns: &Conns) -> bool {
        self.admits(src)
            && self.admits(dst)
            && (self.in_namespace(src) || self.in_namespace(dst))
            && self.from.as_ref().is_none_or(|m| m.matches(src))
            && self.to.as_ref().is_none_or(|m| m.matches(dst))
            && self.port.is_none_or(|p| allows(conns, p))
            && self
                .focus
                .as_ref()
                .is_none_or(|m| m.matches(src) || m.matches(dst))
    }

    /// Whether a node stays, given whether a kept edge touches it: it is
    /// in the namespace or touched, and with `from`/`to`/`port`/`focus`
    /// given, touched or focused.
    pub(crate) fn keeps_node(&self, n: &GraphNode, touched: bool) -> bool {
        let focused = self.focus.as_ref().is_some_and(|m| m.matches(n));
        self.admits(n)
            && (self.in_namespace(n) || touched)
            && (!self.is_narrowing() || touched || focused)
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
    pub fn filtered(&self, filter: &Filter) -> Reach {
        let g = &self.graph;
        let kept: Vec<bool> = g
            .edge_references()
            .map(|e| filter.keeps_edge(&g[e.source()], &g[e.target()], &e.weight().conns))
            .collect();
        let mut touched = vec![false; g.node_count()];
        for (e, keep) in g.edge_references().zip(&kept) {
            if *keep {
                touched[e.source().index()] = true;
                touched[e.target().index()] = true;
            }
        }
        let graph = g.filter_map(
            |i, n| filter.keeps_node(n, touched[i.index()]).then(|| n.clone()),
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
