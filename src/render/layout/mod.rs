//! A layered (Sugiyama) layout of a directed graph, left to right: break
//! cycles, assign ranks, give every edge a chain of virtual nodes (one of
//! them carrying its label, so labels take room like nodes do and never
//! overlap one another or a node), order each rank to cut crossings, then
//! place ranks in columns and nodes in each column as close to their
//! neighbours as the spacing allows.
//!
//! The steps follow Gansner et al., "A Technique for Drawing Directed
//! Graphs" (1993), with simpler parts where they serve: a greedy
//! feedback arc set (Eades, Lin, Smyth 1993), longest-path ranks,
//! barycenter ordering, and per column a least-squares placement under
//! spacing constraints (pool adjacent violators) instead of network
//! simplex. The layout is a pure function of its input order.

mod order;
mod place;

/// A point.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Pt {
    pub x: f64,
    pub y: f64,
}

/// A box: top-left corner and size.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn center(&self) -> Pt {
        Pt {
            x: self.x + self.w / 2.0,
            y: self.y + self.h / 2.0,
        }
    }

    /// Whether two boxes share any area.
    pub fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
}

/// Width and height.
pub type Size = (f64, f64);

/// An edge: source, target, and its label's size if it has one.
pub type EdgeSpec = (usize, usize, Option<Size>);

/// What to lay out: node sizes, and edges with the size of their label.
#[derive(Clone, Debug, Default)]
pub struct Input {
    /// Width and height per node.
    pub nodes: Vec<Size>,
    /// Source, target and label size. An edge from a node to itself is
    /// left to the caller (it needs no rank).
    pub edges: Vec<EdgeSpec>,
    /// Per edge (or empty): a key; edges into the same node with the same
    /// key share one label, next to that node, and arrive as a bundle.
    pub shared: Vec<Option<u64>>,
}

/// Where everything went.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub nodes: Vec<Rect>,
    /// Per edge: the points it passes, from its source to its target
    /// (empty for a self-loop), and its label's box.
    pub edges: Vec<Route>,
    pub width: f64,
    pub height: f64,
}

#[derive(Clone, Debug, Default)]
pub struct Route {
    pub points: Vec<Pt>,
    pub label: Option<Rect>,
}

/// Horizontal room between a column of nodes and a column of labels.
const COLUMN_GAP: f64 = 36.0;
/// Vertical room between two nodes of a column.
const NODE_GAP: f64 = 22.0;
/// Vertical room a virtual node (an edge passing a column) takes.
const LANE: f64 = 7.0;
/// Above this many virtual nodes, ordering stops after fewer sweeps.
const SWEEP_BUDGET: usize = 2_000_000;

/// One entry of a rank: a real node, or a point an edge passes (with its
/// label, if it carries it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    /// `Some(node)` for a real node.
    node: Option<usize>,
    w: f64,
    h: f64,
}

/// Lays `input` out. Every node gets a box, every edge a route.
pub fn layout(input: &Input) -> Layout {
    let n = input.nodes.len();
    if n == 0 {
        return Layout::default();
    }
    let forward = order::acyclic(n, &input.edges);
    let rank = order::ranks(n, &input.edges, &forward);
    // Slots per rank; every rank of a node is even, so that each edge
    // passes at least one odd rank where its label can sit.
    let top = rank.iter().copied().max().unwrap_or(0) * 2;
    let mut ranks: Vec<Vec<Slot>> = vec![Vec::new(); top + 1];
    let mut slot_of_node = vec![(0usize, 0usize); n];
    for (v, &(w, h)) in input.nodes.iter().enumerate() {
        slot_of_node[v] = (rank[v] * 2, ranks[rank[v] * 2].len());
        ranks[rank[v] * 2].push(Slot {
            node: Some(v),
            w,
            h,
        });
    }
    // Per edge: its chain of (rank, slot index) from the upper rank to the
    // lower, label slot included.
    let mut chains: Vec<Vec<(usize, usize)>> = vec![Vec::new(); input.edges.len()];
    let mut label_at: Vec<Option<(usize, usize)>> = vec![None; input.edges.len()];
    let mut shared_slots: std::collections::HashMap<(usize, u64, usize), usize> =
        std::collections::HashMap::new();
    for (e, &(s, t, label)) in input.edges.iter().enumerate() {
        if s == t {
            continue;
        }
        let (a, b) = if forward[e] { (s, t) } else { (t, s) };
        let (ra, rb) = (rank[a] * 2, rank[b] * 2);
        if rb <= ra + 1 {
            // Ranks keep every edge's ends apart; nothing to route if not.
            continue;
        }
        let share = input
            .shared
            .get(e)
            .copied()
            .flatten()
            .filter(|_| label.is_some());
        // A shared label sits next to the target; another mid-way.
        let at = match share {
            Some(_) if forward[e] => rb - 1,
            Some(_) => ra + 1,
            None => (((ra + rb) / 2) | 1).clamp(ra + 1, rb - 1),
        };
        let mut chain = vec![slot_of_node[a]];
        for (r, slots) in ranks.iter_mut().enumerate().take(rb).skip(ra + 1) {
            if r == at
                && let Some(key) = share
                && let Some(&slot) = shared_slots.get(&(t, key, r))
            {
                chain.push((r, slot));
                label_at[e] = Some((r, slot));
                continue;
            }
            let (w, h) = match (r == at, label) {
                (true, Some(size)) => size,
                _ => (0.0, LANE),
            };
            chain.push((r, slots.len()));
            if r == at && label.is_some() {
                label_at[e] = Some((r, slots.len()));
                if let Some(key) = share {
                    shared_slots.insert((t, key, r), slots.len());
                }
            }
            slots.push(Slot { node: None, w, h });
        }
        chain.push(slot_of_node[b]);
        chains[e] = chain;
    }
    let budget = ranks.iter().map(Vec::len).sum::<usize>();
    let sweeps = if budget * input.edges.len().max(1) > SWEEP_BUDGET * 8 {
        2
    } else {
        12
    };
    let position = order::minimise_crossings(&ranks, &chains, sweeps);
    let placed = place::place(&ranks, &chains, &position);

    let mut out = Layout {
        nodes: vec![Rect::default(); n],
        edges: vec![Route::default(); input.edges.len()],
        width: placed.width,
        height: placed.height,
    };
    for (r, slots) in ranks.iter().enumerate() {
        for (i, slot) in slots.iter().enumerate() {
            if let Some(v) = slot.node {
                out.nodes[v] = placed.rect(r, i, slot);
            }
        }
    }
    for (e, chain) in chains.iter().enumerate() {
        if chain.is_empty() {
            continue;
        }
        let mut points: Vec<Pt> = chain
            .iter()
            .map(|&(r, i)| placed.rect(r, i, &ranks[r][i]).center())
            .collect();
        if !forward[e] {
            points.reverse();
        }
        out.edges[e] = Route {
            points,
            label: label_at[e].map(|(r, i)| placed.rect(r, i, &ranks[r][i])),
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(n: usize, edges: &[(usize, usize)]) -> Input {
        Input {
            nodes: vec![(100.0, 40.0); n],
            edges: edges
                .iter()
                .map(|&(s, t)| (s, t, Some((60.0, 14.0))))
                .collect(),
            shared: Vec::new(),
        }
    }

    fn boxes(l: &Layout) -> Vec<Rect> {
        l.nodes
            .iter()
            .copied()
            .chain(l.edges.iter().filter_map(|e| e.label))
            .collect()
    }

    #[test]
    fn nothing_overlaps_in_a_dense_cyclic_graph() {
        let mut edges = Vec::new();
        for s in 0..9 {
            for t in 0..9 {
                if s != t && (s * 7 + t * 3) % 4 != 0 {
                    edges.push((s, t));
                }
            }
        }
        let l = layout(&input(9, &edges));
        let all = boxes(&l);
        for (i, a) in all.iter().enumerate() {
            assert!(a.x >= 0.0 && a.y >= 0.0 && a.x + a.w <= l.width && a.y + a.h <= l.height);
            for b in &all[i + 1..] {
                assert!(!a.overlaps(b), "{a:?} and {b:?}");
            }
        }
    }

    #[test]
    fn edges_into_one_node_with_one_key_share_their_label() {
        let mut i = input(4, &[(0, 3), (1, 3), (2, 3), (0, 1)]);
        i.shared = vec![Some(7), Some(7), Some(8), Some(7)];
        let l = layout(&i);
        assert_eq!(l.edges[0].label, l.edges[1].label);
        assert_ne!(l.edges[0].label, l.edges[2].label);
        assert_ne!(l.edges[0].label, l.edges[3].label, "another target");
        let label = l.edges[0].label.expect("a label");
        for e in [0, 1] {
            assert!(l.edges[e].points.contains(&label.center()));
        }
    }

    #[test]
    fn a_chain_runs_left_to_right_and_routes_end_at_their_nodes() {
        let l = layout(&input(3, &[(0, 1), (1, 2), (2, 0)]));
        assert!(l.nodes[0].x < l.nodes[1].x && l.nodes[1].x < l.nodes[2].x);
        for (e, &(s, t)) in [(0, 1), (1, 2), (2, 0)].iter().enumerate() {
            let p = &l.edges[e].points;
            assert_eq!(p.first().copied(), Some(l.nodes[s].center()));
            assert_eq!(p.last().copied(), Some(l.nodes[t].center()));
            assert!(l.edges[e].label.is_some());
        }
    }

    #[test]
    fn layering_removes_every_crossing_it_can_in_a_two_rank_graph() {
        // 0->3, 1->2 cross if kept in input order; ordering uncrosses them.
        let l = layout(&input(4, &[(0, 3), (1, 2)]));
        let (a, b) = (&l.edges[0].points, &l.edges[1].points);
        let above = |p: &[Pt], q: &[Pt]| p.first().map(|p| p.y) < q.first().map(|q| q.y);
        assert_eq!(above(a, b), a.last().map(|p| p.y) < b.last().map(|p| p.y));
    }
}
