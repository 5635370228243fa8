//! From the verdict matrix to the graph: workloads and external ranges as
//! nodes, the class pairs between them merged into one edge.
//!
//! The expansion is lazy: [`Expansion`] holds the matrix, the nodes and
//! which classes each node has, and [`Expansion::edges`] produces the
//! edges one at a time, in the order the graph stores them. A writer that
//! streams them keeps no more than the classes, their distinct cells and
//! the edge at hand; [`Expansion::into_reach`] collects them into the
//! graph.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;
use std::sync::Arc;

use petgraph::graph::NodeIndex;

use super::classes::{IdentityClass, RangeRole, Workloads};
use super::matrix::{VerdictMatrix, combine};
use super::{Edge, GraphNode, GraphNodeKind, Reach};
use crate::model::policy::Direction;

/// The reachability graph before its edges are written: its nodes, and
/// its edges on demand.
pub struct Expansion {
    matrix: VerdictMatrix,
    /// Workloads with pods, then external ranges (one node per label,
    /// whether a source, a destination or both).
    nodes: Vec<GraphNode>,
    /// Per workload node (the first nodes), its classes, sorted.
    workload_classes: Vec<Vec<usize>>,
    /// Per class: its members span workloads (only then does a class
    /// talk to itself across workloads).
    spans: Vec<bool>,
    /// External range classes that have an edge, in class order, with
    /// their node.
    ranges: Vec<(usize, RangeRole, usize)>,
    /// Endpoint classes evaluated (for reporting cost).
    pub classes: usize,
    /// Flows probed through the evaluator.
    pub probes: u64,
    /// What the graph does not show and why.
    pub notes: Vec<String>,
}

impl Expansion {
    /// The graph of `workloads` (their endpoints in the classes `class_of`
    /// gives) and the matrix's external ranges.
    pub(super) fn new(
        matrix: VerdictMatrix,
        workloads: Workloads,
        class_of: &[Option<usize>],
        notes: Vec<String>,
    ) -> Self {
        let classes = matrix.classes();
        let mut classes_of_workload: Vec<Vec<usize>> = vec![Vec::new(); workloads.nodes.len()];
        for (i, c) in class_of.iter().enumerate() {
            if let (Some(c), Some(w)) = (c, workloads.of[i]) {
                classes_of_workload[w].push(*c);
            }
        }
        let spans = classes
            .iter()
            .map(|c| match c {
                IdentityClass::Endpoints { members } => {
                    let first = workloads.of[members[0]];
                    members.iter().any(|&m| workloads.of[m] != first)
                }
                IdentityClass::External { .. } => false,
            })
            .collect();
        let mut nodes = Vec::new();
        let mut workload_classes = Vec::new();
        for (n, mut cs) in workloads.nodes.into_iter().zip(classes_of_workload) {
            if n.pods > 0 {
                cs.sort_unstable();
                cs.dedup();
                nodes.push(n);
                workload_classes.push(cs);
            }
        }
        let mut expansion = Expansion {
            classes: classes
                .iter()
                .filter(|c| matches!(c, IdentityClass::Endpoints { .. }))
                .count(),
            probes: matrix.probes(),
            notes,
            matrix,
            nodes,
            workload_classes,
            spans,
            ranges: Vec::new(),
        };
        // A range is a node when some workload has an edge with it.
        let mut cache = Combined::new(&expansion.matrix);
        let mut range_nodes: HashMap<String, usize> = HashMap::new();
        let mut ranges = Vec::new();
        let mut range_node_list = Vec::new();
        for (peer, class) in expansion.matrix.classes().iter().enumerate() {
            let IdentityClass::External { role, .. } = class else {
                continue;
            };
            let has_edge = (0..expansion.workload_classes.len())
                .any(|w| expansion.range_edge(&mut cache, peer, *role, w).is_some());
            if !has_edge {
                continue;
            }
            let label = class.range_label().unwrap_or_default();
            let next = expansion.nodes.len() + range_node_list.len();
            let node = *range_nodes.entry(label.clone()).or_insert_with(|| {
                range_node_list.push(GraphNode {
                    id: label.clone(),
                    kind: GraphNodeKind::External,
                    namespace: None,
                    name: label.clone(),
                    labels: Default::default(),
                    pods: 0,
                });
                next
            });
            ranges.push((peer, *role, node));
        }
        expansion.nodes.extend(range_node_list);
        expansion.ranges = ranges;
        expansion
    }

    /// Workloads with pods, then external ranges: node `i` of the graph.
    pub fn nodes(&self) -> &[GraphNode] {
        &self.nodes
    }

    /// Every edge `(from node, to node, edge)`, in the order the graph
    /// stores them: workload pairs, then external ranges.
    pub fn edges(&self) -> impl Iterator<Item = (usize, usize, Arc<Edge>)> + '_ {
        let cache = Rc::new(RefCell::new(Combined::new(&self.matrix)));
        let w = self.workload_classes.len();
        let pairs_cache = Rc::clone(&cache);
        let pairs = (0..w)
            .flat_map(move |s| (0..w).filter(move |&d| d != s).map(move |d| (s, d)))
            .filter_map(move |(s, d)| {
                self.workload_edge(&mut pairs_cache.borrow_mut(), s, d)
                    .map(|e| (s, d, e))
            });
        let ranges = self.ranges.iter().flat_map(move |&(peer, role, node)| {
            let cache = Rc::clone(&cache);
            (0..w).filter_map(move |wi| {
                let edge = self.range_edge(&mut cache.borrow_mut(), peer, role, wi)?;
                Some(match role {
                    RangeRole::Source => (node, wi, edge),
                    RangeRole::Destination => (wi, node, edge),
                })
            })
        });
        pairs.chain(ranges)
    }

    /// How many nodes are workloads: nodes `0..workloads()`; the rest are
    /// external ranges.
    pub fn workloads(&self) -> usize {
        self.workload_classes.len()
    }

    /// The edges between workloads, asked for pair by pair in any order.
    pub fn workload_edges(&self) -> WorkloadEdges<'_> {
        WorkloadEdges {
            exp: self,
            cache: Combined::new(&self.matrix),
        }
    }

    /// The edges of external ranges, as [`edges`](Self::edges) ends with
    /// them.
    pub fn range_edges(&self) -> impl Iterator<Item = (usize, usize, Arc<Edge>)> + '_ {
        let mut cache = Combined::new(&self.matrix);
        let w = self.workload_classes.len();
        let mut out = Vec::new();
        for &(peer, role, node) in &self.ranges {
            for wi in 0..w {
                if let Some(edge) = self.range_edge(&mut cache, peer, role, wi) {
                    out.push(match role {
                        RangeRole::Source => (node, wi, edge),
                        RangeRole::Destination => (wi, node, edge),
                    });
                }
            }
        }
        out.into_iter()
    }

    /// The graph, every edge stored.
    pub fn into_reach(self) -> Reach {
        let mut reach = Reach {
            classes: self.classes,
            probes: self.probes,
            ..Reach::default()
        };
        let index: Vec<NodeIndex> = self
            .nodes
            .iter()
            .map(|n| reach.graph.add_node(n.clone()))
            .collect();
        for (s, d, e) in self.edges() {
            reach.graph.add_edge(index[s], index[d], e);
        }
        reach.notes = self.notes;
        reach
    }

    fn workload_edge(&self, cache: &mut Combined, ws: usize, wd: usize) -> Option<Arc<Edge>> {
        let (from, to) = (&self.workload_classes[ws], &self.workload_classes[wd]);
        if let ([s], [d]) = (&from[..], &to[..]) {
            // One class each: the pair's edge as it is, shared.
            if s != d || self.spans[*s] {
                return cache.between(&self.matrix, *s, *d);
            }
            return None;
        }
        let mut edges: Vec<Option<Arc<Edge>>> = Vec::with_capacity(from.len() * to.len());
        for &s in from {
            for &d in to {
                if s != d || self.spans[s] {
                    edges.push(cache.between(&self.matrix, s, d));
                }
            }
        }
        merge(edges)
    }

    fn range_edge(
        &self,
        cache: &mut Combined,
        peer: usize,
        role: RangeRole,
        w: usize,
    ) -> Option<Arc<Edge>> {
        let edges: Vec<Option<Arc<Edge>>> = self.workload_classes[w]
            .iter()
            .map(|&c| match role {
                RangeRole::Source => cache.between(&self.matrix, peer, c),
                RangeRole::Destination => cache.between(&self.matrix, c, peer),
            })
            .collect();
        merge(edges)
    }
}

/// What the edges between the workloads of two groups add up to.
#[derive(Clone, Debug, Default)]
pub struct GroupEdges {
    /// Ordered pairs of two different workloads joined by an edge.
    pub pairs: usize,
    /// Their distinct edges (most pairs share one).
    pub edges: Vec<Arc<Edge>>,
    /// The addresses of `edges` (a shared edge is known at once) and
    /// their values (an equal edge made apart is known by its hash).
    at: HashSet<usize>,
    values: HashSet<Arc<Edge>>,
}

impl GroupEdges {
    /// `pairs` more pairs, each joined by `edge`.
    pub fn add(&mut self, pairs: usize, edge: &Arc<Edge>) {
        self.pairs += pairs;
        if self.at.contains(&(Arc::as_ptr(edge) as usize)) || self.values.contains(edge) {
            return;
        }
        self.at.insert(Arc::as_ptr(edge) as usize);
        self.values.insert(edge.clone());
        self.edges.push(edge.clone());
    }
}

impl Expansion {
    /// Per ordered pair of groups (`group_of` gives each workload node's
    /// group; `usize::MAX`: in none): the pairs of two different workloads
    /// joined by an edge and their distinct edges.
    ///
    /// Workloads of one group with the same classes have the same edges,
    /// so they count as one profile. Between profiles of one class each
    /// (most workloads), a pair of groups is a block of the matrix: a
    /// source whose egress row holds one cell over the destination
    /// group's classes, facing a destination whose ingress row holds one
    /// cell over the source group's, meets it in a pair of cells counted
    /// for every such pair at once; only the other pairs are looked at one
    /// by one. The cost follows classes × groups plus the pairs whose
    /// policies tell peers of one group apart, not classes squared.
    /// Profiles of several classes are merged pair by pair, as
    /// [`workload_edges`](Self::workload_edges) does.
    pub fn group_edges(&self, group_of: &[usize]) -> HashMap<(usize, usize), GroupEdges> {
        let mut index: HashMap<(usize, &[usize]), usize> = HashMap::new();
        // (group, a workload of the profile, how many)
        let mut profiles: Vec<(usize, usize, usize)> = Vec::new();
        for (w, classes) in self.workload_classes.iter().enumerate() {
            if group_of[w] == usize::MAX {
                continue;
            }
            let at = *index
                .entry((group_of[w], classes.as_slice()))
                .or_insert_with(|| {
                    profiles.push((group_of[w], w, 0));
                    profiles.len() - 1
                });
            profiles[at].2 += 1;
        }
        let single = |w: usize| self.workload_classes[w].len() == 1;
        let mut cache = Combined::new(&self.matrix);
        let mut out: HashMap<(usize, usize), GroupEdges> = HashMap::new();
        // Pairs with a profile of several classes (or none), both ways.
        for &(g1, w1, m1) in &profiles {
            for &(g2, w2, m2) in &profiles {
                if single(w1) && single(w2) {
                    continue;
                }
                // Two workloads of one profile are a pair too, when there
                // are two.
                let pairs = if w1 == w2 { m1 * (m1 - 1) } else { m1 * m2 };
                if pairs == 0 {
                    continue;
                }
                if let Some(e) = self.workload_edge(&mut cache, w1, w2) {
                    out.entry((g1, g2)).or_default().add(pairs, &e);
                }
            }
        }
        // Per group: its one-class profiles as (class, workloads), by class.
        let mut members: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
        for &(g, w, m) in &profiles {
            if single(w) {
                members
                    .entry(g)
                    .or_default()
                    .push((self.workload_classes[w][0], m));
            }
        }
        let flat = Flat::new(&self.matrix, members.values().flatten().copied());
        let mut groups: Vec<Block> = members
            .into_iter()
            .map(|(group, members)| Block::new(group, members, &flat))
            .collect();
        groups.sort_unstable_by_key(|b| b.group);
        let mut counts: PairCounts = HashMap::default();
        for a in &groups {
            for b in &groups {
                self.block_counts(a, b, &flat, &mut counts);
                for (key, n) in counts.drain() {
                    if n == 0 {
                        continue;
                    }
                    let (eg, ig) = ((key >> 32) as u32, key as u32);
                    if let Some(e) = cache.of_cells(&self.matrix, eg, ig) {
                        out.entry((a.group, b.group)).or_default().add(n, &e);
                    }
                }
            }
        }
        out
    }

    /// Between the one-class profiles of groups `a` (sources) and `b`
    /// (destinations): per pair of cells (egress, ingress, as
    /// [`cell_pair`]; [`NO_CELL`] where the two cannot meet), how many
    /// pairs of two different workloads meet in it.
    fn block_counts(&self, a: &Block, b: &Block, flat: &Flat, counts: &mut PairCounts) {
        let same = a.group == b.group;
        // Workload pairs of class `s` in `a` and class `d` in `b`.
        let weight = |s: usize, m1: usize, d: usize, m2: usize| {
            if same && s == d {
                m1 * (m1 - 1)
            } else {
                m1 * m2
            }
        };
        // A class's cell with itself only counts where it joins two
        // workloads; elsewhere the rows may differ there.
        let skip = |c: usize, m: usize, other: &Block| {
            let joins = if same {
                m > 1
            } else {
                other.members.binary_search_by_key(&c, |x| x.0).is_ok()
            };
            (!joins).then_some(c)
        };
        // Per member: the one cell its row holds over the other group
        // (`None`: its peers there differ). Rows that hold one cell over
        // every group were found once (`flat`); the others are read here.
        let mut eg: Vec<Option<u32>> = a.members.iter().map(|&(s, _)| flat.egress[s]).collect();
        for &k in &a.varied_egress {
            let (s, m) = a.members[k];
            eg[k] = self
                .matrix
                .uniform(s, Direction::Egress, b.lo, b.hi, skip(s, m, b))
                .map(|c| c.unwrap_or(NO_CELL));
        }
        let mut ig: Vec<Option<u32>> = b.members.iter().map(|&(d, _)| flat.ingress[d]).collect();
        for &k in &b.varied_ingress {
            let (d, m) = b.members[k];
            ig[k] = self
                .matrix
                .uniform(d, Direction::Ingress, a.lo, a.hi, skip(d, m, a))
                .map(|c| c.unwrap_or(NO_CELL));
        }
        // Sources and destinations whose rows hold one cell over the
        // other group: every pair of them at once, per pair of cells.
        let mut sources = a.flat_egress.clone();
        for &k in &a.varied_egress {
            if let Some(e) = eg[k] {
                add_to(&mut sources, e, a.members[k].1);
            }
        }
        let mut dests = b.flat_ingress.clone();
        for &k in &b.varied_ingress {
            if let Some(i) = ig[k] {
                add_to(&mut dests, i, b.members[k].1);
            }
        }
        for &(e, m1) in &sources {
            for &(i, m2) in &dests {
                *counts.entry(cell_pair(e, i)).or_default() += m1 * m2;
            }
        }
        if same {
            // A workload is not its own peer.
            for ((&(_, m), e), i) in a.members.iter().zip(&eg).zip(&ig) {
                if let (Some(e), Some(i)) = (e, i) {
                    *counts.entry(cell_pair(*e, *i)).or_default() -= m;
                }
            }
        }
        // The rest pair by pair: destinations whose ingress tells the
        // sources apart, with every source; sources whose egress tells the
        // destinations apart, with the destinations whose ingress does not.
        let mut pair =
            |s: usize, m1: usize, e: Option<u32>, d: usize, m2: usize, i: Option<u32>| {
                let n = weight(s, m1, d, m2);
                if n > 0 {
                    let e = e.unwrap_or_else(|| {
                        let e = self.matrix.cell_id(s, d, Direction::Egress);
                        e.unwrap_or(NO_CELL)
                    });
                    let i = i.unwrap_or_else(|| {
                        let i = self.matrix.cell_id(d, s, Direction::Ingress);
                        i.unwrap_or(NO_CELL)
                    });
                    *counts.entry(cell_pair(e, i)).or_default() += n;
                }
            };
        for &k in &b.varied_ingress {
            if ig[k].is_some() {
                continue;
            }
            let (d, m2) = b.members[k];
            for (&(s, m1), &e) in a.members.iter().zip(&eg) {
                pair(s, m1, e, d, m2, None);
            }
        }
        for &k in &a.varied_egress {
            if eg[k].is_some() {
                continue;
            }
            let (s, m1) = a.members[k];
            for (&(d, m2), &i) in b.members.iter().zip(&ig) {
                if i.is_some() {
                    pair(s, m1, None, d, m2, i);
                }
            }
        }
    }
}

/// Per pair of cells, a count; keys by [`cell_pair`].
type PairCounts = HashMap<u64, usize, BuildHasherDefault<CellPairHasher>>;

/// An egress cell and an ingress cell as one key.
fn cell_pair(eg: u32, ig: u32) -> u64 {
    u64::from(eg) << 32 | u64::from(ig)
}

/// `m` more workloads under `cell` in a short list of cells.
fn add_to(list: &mut Vec<(u32, usize)>, cell: u32, m: usize) {
    match list.iter_mut().find(|x| x.0 == cell) {
        Some(x) => x.1 += m,
        None => list.push((cell, m)),
    }
}

/// The rows, among the classes of one-class profiles, that hold one cell
/// over all of those classes: per class and direction, that cell
/// ([`NO_CELL`]: it meets none), or `None` when its peers differ. A class
/// of one workload is not its own peer, so its cell with itself is left
/// out.
struct Flat {
    egress: Vec<Option<u32>>,
    ingress: Vec<Option<u32>>,
}

impl Flat {
    fn new(matrix: &VerdictMatrix, members: impl Iterator<Item = (usize, usize)>) -> Flat {
        let n = matrix.classes().len();
        let mut workloads = vec![0usize; n];
        for (c, m) in members {
            workloads[c] += m;
        }
        let (mut lo, mut hi) = (usize::MAX, 0);
        for (c, &m) in workloads.iter().enumerate() {
            if m > 0 {
                lo = lo.min(c);
                hi = hi.max(c);
            }
        }
        let mut flat = Flat {
            egress: vec![None; n],
            ingress: vec![None; n],
        };
        for (c, &m) in workloads.iter().enumerate() {
            if m == 0 {
                continue;
            }
            let skip = (m == 1).then_some(c);
            let one = |dir| {
                matrix
                    .uniform(c, dir, lo, hi, skip)
                    .map(|cell| cell.unwrap_or(NO_CELL))
            };
            flat.egress[c] = one(Direction::Egress);
            flat.ingress[c] = one(Direction::Ingress);
        }
        flat
    }
}

/// The one-class profiles of one group: (class, workloads), by class; the
/// first and last class; the workloads per cell of the rows that hold one
/// cell over every group ([`Flat`]), and the members whose rows do not.
struct Block {
    group: usize,
    members: Vec<(usize, usize)>,
    lo: usize,
    hi: usize,
    flat_egress: Vec<(u32, usize)>,
    flat_ingress: Vec<(u32, usize)>,
    varied_egress: Vec<usize>,
    varied_ingress: Vec<usize>,
}

impl Block {
    fn new(group: usize, mut members: Vec<(usize, usize)>, flat: &Flat) -> Block {
        members.sort_unstable();
        let mut block = Block {
            group,
            lo: members[0].0,
            hi: members[members.len() - 1].0,
            members: Vec::new(),
            flat_egress: Vec::new(),
            flat_ingress: Vec::new(),
            varied_egress: Vec::new(),
            varied_ingress: Vec::new(),
        };
        for (k, &(c, m)) in members.iter().enumerate() {
            match flat.egress[c] {
                Some(e) => add_to(&mut block.flat_egress, e, m),
                None => block.varied_egress.push(k),
            }
            match flat.ingress[c] {
                Some(i) => add_to(&mut block.flat_ingress, i, m),
                None => block.varied_ingress.push(k),
            }
        }
        block.members = members;
        block
    }
}

/// No cell: the two classes cannot meet.
const NO_CELL: u32 = u32::MAX;

/// The edge between two workloads on demand, class pairs combined once
/// ([`Expansion::workload_edges`]).
pub struct WorkloadEdges<'e> {
    exp: &'e Expansion,
    cache: Combined,
}

impl WorkloadEdges<'_> {
    /// What workload node `s` may open to workload node `d` (`None`:
    /// nothing, or `s == d`).
    pub fn edge(&mut self, s: usize, d: usize) -> Option<Arc<Edge>> {
        if s == d {
            return None;
        }
        self.exp.workload_edge(&mut self.cache, s, d)
    }
}

/// Class pairs are combined once: many share their cells. With few
/// distinct cells the pairs of them are a dense table (the hot path of a
/// cluster of bare pods: one lookup per workload pair).
struct Combined {
    n_cells: usize,
    table: Vec<Option<Option<Arc<Edge>>>>,
    map: HashMap<u64, Option<Arc<Edge>>, BuildHasherDefault<CellPairHasher>>,
}

/// Hashes a pair of cell indexes (one `u64`) by one multiplication: the
/// keys are small integers, and this lookup is the expansion's inner loop.
#[derive(Default)]
struct CellPairHasher(u64);

impl Hasher for CellPairHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = (v ^ (v >> 29)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

impl Combined {
    fn new(matrix: &VerdictMatrix) -> Self {
        let n_cells = matrix.cell_count();
        Combined {
            n_cells,
            table: if n_cells <= 4096 {
                vec![None; n_cells * n_cells]
            } else {
                Vec::new()
            },
            map: HashMap::default(),
        }
    }

    /// What passes from class `s` to class `d` (`None`: nothing).
    fn between(&mut self, matrix: &VerdictMatrix, s: usize, d: usize) -> Option<Arc<Edge>> {
        let eg = matrix.cell_id(s, d, Direction::Egress)?;
        let ig = matrix.cell_id(d, s, Direction::Ingress)?;
        self.of_cells(matrix, eg, ig)
    }

    /// What passes where the source's egress cell is `eg` and the
    /// destination's ingress cell `ig` (`None`: nothing; either is
    /// [`NO_CELL`]: they cannot meet).
    fn of_cells(&mut self, matrix: &VerdictMatrix, eg: u32, ig: u32) -> Option<Arc<Edge>> {
        if eg == NO_CELL || ig == NO_CELL {
            return None;
        }
        let make = || {
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
        if self.table.is_empty() {
            self.map
                .entry(u64::from(eg) << 32 | u64::from(ig))
                .or_insert_with(make)
                .clone()
        } else {
            self.table[eg as usize * self.n_cells + ig as usize]
                .get_or_insert_with(make)
                .clone()
        }
    }
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
