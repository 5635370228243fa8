//! From the verdict matrix to the graph: workloads and external ranges as
//! nodes, the class pairs between them merged into one edge.

use std::collections::HashMap;
use std::sync::Arc;

use petgraph::graph::NodeIndex;

use super::classes::{IdentityClass, RangeRole, Workloads};
use super::matrix::{VerdictMatrix, combine};
use super::{Edge, GraphNode, GraphNodeKind, Reach};
use crate::model::policy::Direction;

/// The graph of `workloads` (their endpoints in the classes `class_of`
/// gives) and the matrix's external ranges.
pub(super) fn expand(
    matrix: &VerdictMatrix,
    workloads: Workloads,
    class_of: &[Option<usize>],
    notes: Vec<String>,
) -> Reach {
    let classes = matrix.classes();
    // Class pairs are combined once: many share their cells. With few
    // distinct cells the pairs of them are a dense table (the hot path of
    // a cluster of bare pods: one lookup per workload pair).
    let combine_cells = |eg: u32, ig: u32| -> Option<Arc<Edge>> {
        let a = combine(matrix.cell(eg), matrix.cell(ig));
        (!a.is_empty()).then(|| {
            Arc::new(Edge {
                conns: a.conns,
                l7: a.l7,
                auth: a.auth,
                policies: a.policies,
                some: None,
            })
        })
    };
    let n_cells = matrix.cell_count();
    let dense = n_cells <= 4096;
    let mut table: Vec<Option<Option<Arc<Edge>>>> = if dense {
        vec![None; n_cells * n_cells]
    } else {
        Vec::new()
    };
    let mut combined: HashMap<(u32, u32), Option<Arc<Edge>>> = HashMap::new();
    let mut edge_between = |s: usize, d: usize| -> Option<Arc<Edge>> {
        let eg = matrix.cell_id(s, d, Direction::Egress)?;
        let ig = matrix.cell_id(d, s, Direction::Ingress)?;
        if dense {
            table[eg as usize * n_cells + ig as usize]
                .get_or_insert_with(|| combine_cells(eg, ig))
                .clone()
        } else {
            combined
                .entry((eg, ig))
                .or_insert_with(|| combine_cells(eg, ig))
                .clone()
        }
    };

    let mut classes_of_workload: Vec<Vec<usize>> = vec![Vec::new(); workloads.nodes.len()];
    for (i, c) in class_of.iter().enumerate() {
        if let (Some(c), Some(w)) = (c, workloads.of[i]) {
            classes_of_workload[w].push(*c);
        }
    }
    for classes in &mut classes_of_workload {
        classes.sort_unstable();
        classes.dedup();
    }
    // Whether a class spans workloads: only then does it talk to itself
    // across workloads.
    let spans = |c: usize| match &classes[c] {
        IdentityClass::Endpoints { members } => {
            let first = workloads.of[members[0]];
            members.iter().any(|&m| workloads.of[m] != first)
        }
        IdentityClass::External { .. } => false,
    };

    let mut reach = Reach {
        classes: classes
            .iter()
            .filter(|c| matches!(c, IdentityClass::Endpoints { .. }))
            .count(),
        probes: matrix.probes(),
        notes,
        ..Reach::default()
    };
    let workload_index: Vec<Option<NodeIndex>> = workloads
        .nodes
        .into_iter()
        .map(|n| (n.pods > 0).then(|| reach.graph.add_node(n)))
        .collect();
    let placed: Vec<(usize, NodeIndex)> = workload_index
        .iter()
        .enumerate()
        .filter_map(|(w, i)| i.map(|i| (w, i)))
        .collect();
    for &(ws, si) in &placed {
        for &(wd, di) in &placed {
            if ws == wd {
                continue;
            }
            let (from, to) = (&classes_of_workload[ws], &classes_of_workload[wd]);
            if let ([s], [d]) = (&from[..], &to[..])
                && (s != d || spans(*s))
            {
                // One class each: the pair's edge as it is, shared.
                if let Some(edge) = edge_between(*s, *d) {
                    reach.graph.add_edge(si, di, edge);
                }
                continue;
            }
            let mut edges: Vec<Option<Arc<Edge>>> = Vec::with_capacity(from.len() * to.len());
            for &s in from {
                for &d in to {
                    if s != d || spans(s) {
                        edges.push(edge_between(s, d));
                    }
                }
            }
            if let Some(edge) = merge(edges) {
                reach.graph.add_edge(si, di, edge);
            }
        }
    }
    // One node per range, whether it is a source, a destination or both.
    let mut range_nodes: HashMap<String, NodeIndex> = HashMap::new();
    for (peer, class) in classes.iter().enumerate() {
        let IdentityClass::External { role, .. } = class else {
            continue;
        };
        let label = class.range_label().unwrap_or_default();
        for &(w, wi) in &placed {
            let edges: Vec<Option<Arc<Edge>>> = classes_of_workload[w]
                .iter()
                .map(|&c| match role {
                    RangeRole::Source => edge_between(peer, c),
                    RangeRole::Destination => edge_between(c, peer),
                })
                .collect();
            let Some(edge) = merge(edges) else { continue };
            let ni = *range_nodes.entry(label.clone()).or_insert_with(|| {
                reach.graph.add_node(GraphNode {
                    id: label.clone(),
                    kind: GraphNodeKind::External,
                    namespace: None,
                    name: label.clone(),
                    labels: Default::default(),
                    pods: 0,
                })
            });
            match role {
                RangeRole::Source => reach.graph.add_edge(ni, wi, edge),
                RangeRole::Destination => reach.graph.add_edge(wi, ni, edge),
            };
        }
    }
    reach
}

/// The edge between two workloads from the edges of their class pairs
/// (`None`: nothing allowed): what every pair has, and (when they differ)
/// what some pair has.
fn merge(edges: Vec<Option<Arc<Edge>>>) -> Option<Arc<Edge>> {
    if edges.len() == 1 {
        // One pair of classes: its edge as it is, shared.
        return edges.into_iter().next().flatten();
    }
    let empty = Arc::new(Edge::default());
    let mut iter = edges
        .into_iter()
        .map(|e| e.unwrap_or_else(|| empty.clone()));
    let first = iter.next()?;
    let mut some = first.conns.clone();
    let mut out = Arc::unwrap_or_clone(first);
    let mut differs = false;
    for e in iter {
        if e.conns != out.conns {
            differs = true;
        }
        out.conns = out.conns.intersect(&e.conns);
        out.l7 = out.l7.union(&e.l7).intersect(&out.conns);
        out.auth = out.auth.union(&e.auth).intersect(&out.conns);
        some = some.union(&e.conns);
        out.policies.extend(e.policies.iter().cloned());
    }
    if differs {
        out.some = Some(some);
    }
    (!out.conns.is_empty() || out.some.is_some()).then(|| Arc::new(out))
}
