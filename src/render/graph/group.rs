//! Views of the reachability graph: adjacent external ranges that see the
//! same edges merged into one, and workloads grouped by namespace or by a
//! label's value, with one aggregated edge per pair of groups.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use petgraph::Direction;
use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;

use super::stream::Streamed;
use crate::sim::reach::{
    Conns, Edge, Expansion, Filter, GraphNode, GraphNodeKind, GroupEdges, Reach, range_label,
};

/// What a node of the view stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GroupBy {
    /// One node per namespace.
    Namespace,
    /// One node per workload (pods grouped under their owner).
    Workload,
    /// One node per value of the label `KEY` (`KEY=value`), and one for
    /// workloads without it.
    Label(String),
}

impl GroupBy {
    /// `namespace`, `workload` or `label=KEY`.
    pub fn parse(text: &str) -> Result<GroupBy, String> {
        match text {
            "namespace" | "ns" => Ok(GroupBy::Namespace),
            "workload" => Ok(GroupBy::Workload),
            _ => match text.strip_prefix("label=") {
                Some(key) if !key.is_empty() => Ok(GroupBy::Label(key.to_string())),
                _ => Err("expected `namespace`, `workload` or `label=KEY`".to_string()),
            },
        }
    }
}

/// The graph as one view shows it.
pub struct View {
    pub reach: Reach,
    pub group_by: GroupBy,
    /// Per node index: how many workloads the node stands for (1 for a
    /// workload, 0 for an external range).
    pub members: Vec<usize>,
}

impl View {
    /// `reach` (workloads and ranges) as `group_by` groups it, with
    /// adjacent external ranges merged.
    pub fn new(reach: Reach, group_by: GroupBy) -> View {
        let reach = merge_ranges(reach);
        match &group_by {
            GroupBy::Workload => {
                let members = reach
                    .graph
                    .node_weights()
                    .map(|n| usize::from(!n.is_external()))
                    .collect();
                View {
                    reach,
                    group_by,
                    members,
                }
            }
            by => {
                let (reach, members) = group(&reach, by, None);
                View {
                    reach,
                    group_by,
                    members,
                }
            }
        }
    }

    /// The namespaces of a graph whose ranges are merged already, without
    /// copying it.
    pub fn namespaces_of(reach: &Reach) -> View {
        let (reach, members) = group(reach, &GroupBy::Namespace, None);
        View {
            reach,
            group_by: GroupBy::Namespace,
            members,
        }
    }

    /// Namespaces as nodes, but the workloads of `namespace` as
    /// themselves: a namespace expanded in place.
    pub fn expanded(reach: &Reach, namespace: &str) -> View {
        let (reach, members) = group(reach, &GroupBy::Namespace, Some(namespace));
        View {
            reach,
            group_by: GroupBy::Namespace,
            members,
        }
    }

    /// `by` (namespaces or label values) over the workloads of `exp` that
    /// `filter` keeps, with adjacent ranges merged, without storing the
    /// edges between workloads: they are added up as they are produced,
    /// and when no filter narrows them, once per pair of workload profiles
    /// ([`Expansion::group_edges`]) rather than per pair of workloads.
    pub fn grouped(exp: &Expansion, filter: &Filter, by: &GroupBy) -> View {
        let st = Streamed::new(exp, filter);
        let (reach, members) = group_with(&st.view.reach, by, None, |node_of, aggregates| {
            let group_of: Vec<Option<NodeIndex>> = st
                .view_of
                .iter()
                .map(|v| v.map(|v| node_of[v.index()]))
                .collect();
            if filter.keeps_every_workload_pair() {
                let dense: Vec<usize> = group_of
                    .iter()
                    .map(|g| g.map_or(usize::MAX, NodeIndex::index))
                    .collect();
                for ((a, b), edges) in exp.group_edges(&dense) {
                    let agg = aggregates
                        .entry((NodeIndex::new(a), NodeIndex::new(b)))
                        .or_default();
                    agg.pairs += edges.pairs;
                    for e in &edges.edges {
                        agg.add(0, e);
                    }
                }
            } else {
                let _ = st.each_workload_edge(|s, d, e| -> Result<(), ()> {
                    if let (Some(a), Some(b)) = (group_of[s], group_of[d]) {
                        aggregates.entry((a, b)).or_default().add(1, &e);
                    }
                    Ok(())
                });
            }
        });
        View {
            reach,
            group_by: by.clone(),
            members,
        }
    }

    pub fn is_grouped(&self) -> bool {
        self.group_by != GroupBy::Workload
    }
}

/// `10.0.0.0/8` or `a-b` back into its first and last address.
fn parse_range(id: &str) -> Option<(IpAddr, IpAddr)> {
    if let Ok(net) = id.parse::<ipnet::IpNet>() {
        return Some((net.network(), net.broadcast()));
    }
    let (lo, hi) = id.split_once('-')?;
    Some((lo.parse().ok()?, hi.parse().ok()?))
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

/// Everything an external node is joined to: per direction, the node at
/// the other end and the edge's connections.
type Signature = Vec<(bool, NodeIndex, Arc<Edge>)>;

fn signature(reach: &Reach, i: NodeIndex) -> Signature {
    let g = &reach.graph;
    let mut sig: Signature = g
        .edges_directed(i, Direction::Outgoing)
        .map(|e| (true, e.target(), e.weight().clone()))
        .chain(
            g.edges_directed(i, Direction::Incoming)
                .map(|e| (false, e.source(), e.weight().clone())),
        )
        .collect();
    sig.sort_by_key(|(out, other, _)| (*out, *other));
    sig
}

/// Merges external ranges that are adjacent and have the same edges to the
/// same nodes: policies cut the address space at every CIDR they name on
/// any side, so ranges that one rule tells apart may all mean the same
/// here. A merged range that is exactly another node's range (a source
/// range and a destination range) becomes that one node.
pub(super) fn merge_ranges(reach: Reach) -> Reach {
    let g = &reach.graph;
    // Externals by what they are joined to, then by address.
    let mut by_signature: HashMap<Signature, Vec<(bool, u128, u128, NodeIndex)>> = HashMap::new();
    for i in g.node_indices() {
        if !g[i].is_external() {
            continue;
        }
        let Some((lo, hi)) = parse_range(&g[i].id) else {
            continue;
        };
        by_signature.entry(signature(&reach, i)).or_default().push((
            lo.is_ipv6(),
            to_u128(lo),
            to_u128(hi),
            i,
        ));
    }
    // Per node: the node it is merged into and the merged range's label.
    let mut into: HashMap<NodeIndex, (NodeIndex, String)> = HashMap::new();
    for ranges in by_signature.values_mut() {
        ranges.sort();
        let mut run: Vec<(bool, u128, u128, NodeIndex)> = Vec::new();
        let flush = |run: &mut Vec<(bool, u128, u128, NodeIndex)>,
                     into: &mut HashMap<NodeIndex, (NodeIndex, String)>| {
            if run.len() > 1 {
                let (v6, lo, _, head) = run[0];
                let hi = run[run.len() - 1].2;
                let label = range_label(from_u128(lo, v6), from_u128(hi, v6));
                for &(_, _, _, i) in run.iter() {
                    into.insert(i, (head, label.clone()));
                }
            }
            run.clear();
        };
        for &r in ranges.iter() {
            let adjacent = run
                .last()
                .is_some_and(|last| last.0 == r.0 && last.2.checked_add(1) == Some(r.1));
            if !adjacent {
                flush(&mut run, &mut into);
            }
            run.push(r);
        }
        flush(&mut run, &mut into);
    }
    if into.is_empty() {
        return reach;
    }
    let Reach {
        graph: old,
        classes,
        probes,
        notes,
    } = reach;
    let mut out = Reach {
        classes,
        probes,
        notes,
        ..Reach::default()
    };
    let mut by_id: HashMap<String, NodeIndex> = HashMap::new();
    let mut ranged: std::collections::HashSet<(NodeIndex, NodeIndex)> = Default::default();
    let mut index: Vec<NodeIndex> = Vec::with_capacity(old.node_count());
    for i in old.node_indices() {
        let node = &old[i];
        let node = match into.get(&i) {
            Some((_, label)) => GraphNode {
                id: label.clone(),
                name: label.clone(),
                ..node.clone()
            },
            None => node.clone(),
        };
        let at = if node.is_external() {
            *by_id
                .entry(node.id.clone())
                .or_insert_with(|| out.graph.add_node(node))
        } else {
            out.graph.add_node(node)
        };
        index.push(at);
    }
    for e in old.edge_references() {
        let (s, d) = (index[e.source().index()], index[e.target().index()]);
        // Only an edge of a merged range can meet another one.
        let merged = into.contains_key(&e.source()) || into.contains_key(&e.target());
        if !merged || ranged.insert((s, d)) {
            out.graph.add_edge(s, d, e.weight().clone());
        }
    }
    out
}

fn from_u128(v: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(v.into())
    } else {
        IpAddr::V4((v as u32).into())
    }
}

/// The graph with workloads grouped: per node, how many workloads it
/// stands for. An aggregated edge's `conns` is what every member pair (of
/// two different workloads) has; `some` is set when some pairs have more.
/// Workloads of the namespace `expanded` stay themselves.
fn group(reach: &Reach, by: &GroupBy, expanded: Option<&str>) -> (Reach, Vec<usize>) {
    group_with(reach, by, expanded, |_, _| {})
}

/// [`group`], with `more` adding what edges `reach` does not hold add up
/// to, given each node's group node.
fn group_with(
    reach: &Reach,
    by: &GroupBy,
    expanded: Option<&str>,
    more: impl FnOnce(&[NodeIndex], &mut BTreeMap<(NodeIndex, NodeIndex), GroupEdges>),
) -> (Reach, Vec<usize>) {
    let g = &reach.graph;
    // (whether the node stays itself, the group's name)
    let mut groups: BTreeMap<(bool, String), (GraphNode, usize)> = BTreeMap::new();
    let key_of = |n: &GraphNode| -> (bool, String) {
        if n.is_external() || (expanded.is_some() && n.namespace.as_deref() == expanded) {
            return (true, n.id.clone());
        }
        let ns = n.namespace.clone().unwrap_or_default();
        match by {
            GroupBy::Label(key) => match n.labels.get(key) {
                Some(value) => (false, format!("{key}={value}")),
                None => (false, format!("{key} unset")),
            },
            _ => (false, ns),
        }
    };
    let mut group_of: Vec<(bool, String)> = Vec::with_capacity(g.node_count());
    for n in g.node_weights() {
        let key = key_of(n);
        let entry = groups.entry(key.clone()).or_insert_with(|| {
            let node = if key.0 {
                n.clone()
            } else {
                let kind = match by {
                    GroupBy::Label(_) => "Label",
                    _ => "Namespace",
                };
                GraphNode {
                    id: key.1.clone(),
                    kind: GraphNodeKind::Workload {
                        kind: kind.to_string(),
                    },
                    namespace: match by {
                        GroupBy::Label(_) => None,
                        _ => Some(key.1.clone()),
                    },
                    name: key.1.clone(),
                    labels: Default::default(),
                    pods: 0,
                }
            };
            (node, 0)
        });
        if !n.is_external() {
            if !key.0 {
                entry.0.pods += n.pods;
            }
            entry.1 += 1;
        }
        group_of.push(key);
    }
    let mut out = Reach {
        classes: reach.classes,
        probes: reach.probes,
        notes: reach.notes.clone(),
        ..Reach::default()
    };
    let mut members = Vec::with_capacity(groups.len());
    let mut at: HashMap<&(bool, String), NodeIndex> = HashMap::new();
    for (key, (node, count)) in &groups {
        at.insert(key, out.graph.add_node(node.clone()));
        members.push(*count);
    }
    let node_of: Vec<NodeIndex> = group_of.iter().map(|k| at[k]).collect();
    let mut aggregates: BTreeMap<(NodeIndex, NodeIndex), GroupEdges> = BTreeMap::new();
    for e in g.edge_references() {
        let key = (node_of[e.source().index()], node_of[e.target().index()]);
        aggregates.entry(key).or_default().add(1, e.weight());
    }
    more(&node_of, &mut aggregates);
    for ((s, d), agg) in aggregates {
        let size = |i: NodeIndex| members[i.index()].max(1);
        let mut total = size(s) * size(d);
        if s == d {
            // A workload does not appear as its own peer.
            total -= size(s);
        }
        out.graph
            .add_edge(s, d, Arc::new(aggregate(&agg, agg.pairs < total)));
    }
    (out, members)
}

/// One edge for a group pair: what every pair has (nothing when some pair
/// has no edge at all), and what some pair has when that is more.
fn aggregate(agg: &GroupEdges, pairs_missing: bool) -> Edge {
    let mut every: Option<Conns> = None;
    let mut some = Conns::default();
    let mut out = Edge::default();
    for e in &agg.edges {
        every = Some(match every {
            None => e.conns.clone(),
            Some(c) => c.intersect(&e.conns),
        });
        some = some.union(e.some.as_ref().unwrap_or(&e.conns));
        out.l7 = out.l7.union(&e.l7);
        out.auth = out.auth.union(&e.auth);
        out.policies.extend(e.policies.iter().cloned());
    }
    out.conns = if pairs_missing {
        Conns::default()
    } else {
        every.unwrap_or_default()
    };
    out.l7 = out.l7.intersect(&some);
    out.auth = out.auth.intersect(&some);
    if some != out.conns {
        out.some = Some(some);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_by_parses_the_three_views() {
        assert_eq!(GroupBy::parse("namespace"), Ok(GroupBy::Namespace));
        assert_eq!(GroupBy::parse("workload"), Ok(GroupBy::Workload));
        assert_eq!(
            GroupBy::parse("label=app"),
            Ok(GroupBy::Label("app".to_string()))
        );
        assert!(GroupBy::parse("label=").is_err());
        assert!(GroupBy::parse("pod").is_err());
    }

    #[test]
    fn ranges_parse_back() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            parse_range("10.0.0.0/8"),
            Some((ip("10.0.0.0"), ip("10.255.255.255")))
        );
        assert_eq!(
            parse_range("0.0.0.0-10.9.255.255"),
            Some((ip("0.0.0.0"), ip("10.9.255.255")))
        );
        assert_eq!(
            parse_range("::/0").map(|r| r.1),
            Some(ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))
        );
        assert_eq!(parse_range("default/web"), None);
    }
}
