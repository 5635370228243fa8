//! The workload view written as it is produced: edges between workloads
//! come from the verdict matrix pair by pair, narrowed by the filter as
//! they come, and are never stored. What is stored are the nodes and the
//! edges of external ranges (one per range and workload at most, and
//! needed whole to merge adjacent ranges). JSON, YAML and the table are
//! written from it, each as the stored graph's writer writes it.

use std::cell::RefCell;
use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::Arc;

use petgraph::graph::NodeIndex;
use petgraph::visit::EdgeRef;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, Serializer};

use super::group::{GroupBy, View};
use super::{JsonEdge, JsonNodes, TableRow};
use crate::render::table;
use crate::sim::reach::{Edge, Expansion, Filter, GraphNode, Reach, WorkloadEdges};

/// The workload pairs that can pass a filter: per source workload, the
/// destinations to look at. A pair needs one end in the namespace (`-n`)
/// and one end focused (`--focus`); a source that has neither only looks
/// at destinations that have both.
pub(super) struct Candidates {
    /// Per workload: which of `lists` its destinations come from (`None`:
    /// it is no source).
    list_of: Vec<Option<usize>>,
    /// Destinations (ascending): every one, those in the namespace, those
    /// focused, those both.
    lists: [Vec<usize>; 4],
    /// The same lists ordered by node id (the table's order).
    by_id: [Vec<usize>; 4],
}

impl Candidates {
    fn new(workloads: &[GraphNode], filter: &Filter) -> Self {
        let matches = |m: &Option<crate::sim::reach::NodeMatch>, n: &GraphNode| {
            m.as_ref().is_none_or(|m| m.matches(n))
        };
        let mut lists: [Vec<usize>; 4] = Default::default();
        let mut list_of = Vec::with_capacity(workloads.len());
        for (i, n) in workloads.iter().enumerate() {
            let (in_ns, focused) = (filter.in_namespace(n), matches(&filter.focus, n));
            if matches(&filter.to, n) {
                lists[0].push(i);
                if in_ns {
                    lists[1].push(i);
                }
                if focused {
                    lists[2].push(i);
                }
                if in_ns && focused {
                    lists[3].push(i);
                }
            }
            list_of.push(matches(&filter.from, n).then_some(match (in_ns, focused) {
                (true, true) => 0,
                (true, false) => 2,
                (false, true) => 1,
                (false, false) => 3,
            }));
        }
        let by_id = lists.clone().map(|mut l| {
            l.sort_by(|a, b| workloads[*a].id.cmp(&workloads[*b].id));
            l
        });
        Candidates {
            list_of,
            lists,
            by_id,
        }
    }

    /// Every workload edge the filter keeps, in the order the stored graph
    /// holds them (by source, then destination).
    fn each<E>(
        &self,
        exp: &Expansion,
        filter: &Filter,
        edges: &mut WorkloadEdges,
        mut f: impl FnMut(usize, usize, Arc<Edge>) -> Result<(), E>,
    ) -> Result<(), E> {
        let nodes = exp.nodes();
        for (s, list) in self.list_of.iter().enumerate() {
            let Some(list) = list else { continue };
            for &d in &self.lists[*list] {
                if let Some(e) = edges.edge(s, d)
                    && filter.keeps_edge(&nodes[s], &nodes[d], &e.conns)
                {
                    f(s, d, e)?;
                }
            }
        }
        Ok(())
    }
}

/// The workload view of an expansion, narrowed by a filter.
pub struct Streamed<'e> {
    exp: &'e Expansion,
    filter: &'e Filter,
    candidates: Candidates,
    /// The nodes kept (the workloads first, in expansion order, then the
    /// external ranges, merged) and the edges of the ranges.
    pub(super) view: View,
    /// Per workload node of `view`: its index in the expansion.
    workload_at: Vec<usize>,
    /// Per workload of the expansion: its node in `view`, when kept.
    pub(super) view_of: Vec<Option<NodeIndex>>,
}

impl<'e> Streamed<'e> {
    /// The nodes `filter` keeps and the edges of external ranges; which
    /// nodes stay may depend on the edges kept, which then are produced
    /// once (and not stored) to see.
    pub fn new(exp: &'e Expansion, filter: &'e Filter) -> Self {
        let nodes = exp.nodes();
        let w = exp.workloads();
        let candidates = Candidates::new(&nodes[..w], filter);
        let mut touched = vec![false; nodes.len()];
        if filter.needs_edges_for_nodes() {
            let mut edges = exp.workload_edges();
            let _ = candidates.each(exp, filter, &mut edges, |s, d, _| -> Result<(), ()> {
                touched[s] = true;
                touched[d] = true;
                Ok(())
            });
        }
        let mut ranged = Vec::new();
        for (s, d, e) in exp.range_edges() {
            if filter.keeps_edge(&nodes[s], &nodes[d], &e.conns) {
                touched[s] = true;
                touched[d] = true;
                ranged.push((s, d, e));
            }
        }
        let mut reach = Reach {
            classes: exp.classes,
            probes: exp.probes,
            notes: exp.notes.clone(),
            ..Reach::default()
        };
        let mut at: Vec<Option<NodeIndex>> = vec![None; nodes.len()];
        let mut workload_at = Vec::new();
        for (i, n) in nodes.iter().enumerate() {
            if filter.keeps_node(n, touched[i]) {
                at[i] = Some(reach.graph.add_node(n.clone()));
                if i < w {
                    workload_at.push(i);
                }
            }
        }
        for (s, d, e) in ranged {
            if let (Some(a), Some(b)) = (at[s], at[d]) {
                reach.graph.add_edge(a, b, e);
            }
        }
        // Merging ranges keeps the workloads first and in order.
        let view = View::new(reach, GroupBy::Workload);
        at.truncate(w);
        Streamed {
            exp,
            filter,
            candidates,
            view,
            workload_at,
            view_of: at,
        }
    }

    /// The nodes kept, in graph order.
    pub fn nodes(&self) -> impl Iterator<Item = &GraphNode> {
        self.view.reach.graph.node_weights()
    }

    /// Every workload edge kept, in graph order.
    pub(super) fn each_workload_edge<E>(
        &self,
        f: impl FnMut(usize, usize, Arc<Edge>) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut edges = self.exp.workload_edges();
        self.candidates.each(self.exp, self.filter, &mut edges, f)
    }

    /// Edges kept, counted up to `limit + 1`: whether there are more than
    /// `limit`, without producing them all.
    pub fn count_edges(&self, limit: usize) -> usize {
        let mut n = self.view.reach.graph.edge_count();
        let _ = self.each_workload_edge(|_, _, _| {
            n += 1;
            if n > limit { Err(()) } else { Ok(()) }
        });
        n.min(limit + 1)
    }
}

impl Serialize for Streamed<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("nodes", &JsonNodes(&self.view))?;
        map.serialize_entry("edges", &StreamedEdges(self))?;
        if !self.view.reach.notes.is_empty() {
            map.serialize_entry("notes", &self.view.reach.notes)?;
        }
        map.end()
    }
}

struct StreamedEdges<'s, 'e>(&'s Streamed<'e>);

impl Serialize for StreamedEdges<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let st = self.0;
        let nodes = st.exp.nodes();
        let mut seq = s.serialize_seq(None)?;
        st.each_workload_edge(|a, b, e| {
            seq.serialize_element(&JsonEdge {
                src: &nodes[a].id,
                dst: &nodes[b].id,
                partial: e.some.is_some(),
                edge: &e,
            })
        })?;
        let g = &st.view.reach.graph;
        for e in g.edge_references() {
            seq.serialize_element(&JsonEdge {
                src: &g[e.source()].id,
                dst: &g[e.target()].id,
                edge: e.weight(),
                partial: e.weight().some.is_some(),
            })?;
        }
        seq.end()
    }
}

/// The table of the view, rows by FROM then TO, written as they are
/// produced (twice: once for the column widths).
pub fn write_streamed_table(out: &mut dyn Write, st: &Streamed, wide: bool) -> io::Result<()> {
    let g = &st.view.reach.graph;
    let nodes = st.exp.nodes();
    let mut order: Vec<NodeIndex> = g.node_indices().collect();
    order.sort_by(|a, b| g[*a].id.cmp(&g[*b].id));
    // Each node's range edges, by the other end's id.
    let mut ranged: HashMap<NodeIndex, Vec<(NodeIndex, &Arc<Edge>)>> = HashMap::new();
    for e in g.edge_references() {
        ranged
            .entry(e.source())
            .or_default()
            .push((e.target(), e.weight()));
    }
    for list in ranged.values_mut() {
        list.sort_by(|a, b| g[a.0].id.cmp(&g[b.0].id));
    }
    let workloads = st.workload_at.len();
    let edges = RefCell::new(st.exp.workload_edges());
    let linked = RefCell::new(vec![false; g.node_count()]);
    let mut out = io::BufWriter::new(out);
    let row = TableRow::new(wide, "pods");
    table::stream(&mut out, row.headers(), |emit| {
        let mut edges = edges.borrow_mut();
        let mut linked = linked.borrow_mut();
        let mut row = row.clone();
        for &src in &order {
            let by_range = ranged.get(&src).map_or(&[][..], Vec::as_slice);
            let (s, to_workloads) = if src.index() < workloads {
                let s = st.workload_at[src.index()];
                let list = st.candidates.list_of[s].map_or(&[][..], |l| &st.candidates.by_id[l]);
                (s, list)
            } else {
                (usize::MAX, &[][..])
            };
            let (mut i, mut j) = (0, 0);
            while i < to_workloads.len() || j < by_range.len() {
                let take_workload = match (to_workloads.get(i), by_range.get(j)) {
                    (Some(&d), Some((r, _))) => nodes[d].id < g[*r].id,
                    (Some(_), None) => true,
                    _ => false,
                };
                let (dst, edge) = if take_workload {
                    let d = to_workloads[i];
                    i += 1;
                    let Some(e) = edges.edge(s, d) else { continue };
                    if !st.filter.keeps_edge(&nodes[s], &nodes[d], &e.conns) {
                        continue;
                    }
                    let Some(dst) = st.view_of[d] else { continue };
                    (dst, e)
                } else {
                    let (r, e) = by_range[j];
                    j += 1;
                    (r, e.clone())
                };
                linked[src.index()] = true;
                linked[dst.index()] = true;
                row.emit(emit, &g[src].id, &g[dst].id, &edge)?;
            }
        }
        Ok(())
    })?;
    let linked = linked.into_inner();
    super::write_unlinked(
        &mut out,
        g.node_indices()
            .filter(|i| !linked[i.index()])
            .map(|i| &g[i]),
    )?;
    out.flush()
}
