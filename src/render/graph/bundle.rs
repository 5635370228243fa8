//! Edges drawn together, so that a diagram of dozens of workloads shows
//! what their policies say rather than every pair they make.
//!
//! Two compressions, both exact (the pairs drawn are the pairs in the
//! graph, no more, no fewer):
//!
//! - *Namespace boxes.* When every workload of a namespace has the same
//!   edge to a node (or a node has it to every workload of a namespace),
//!   one edge is drawn to or from the namespace's box. This is edge
//!   compression with modules (Dwyer et al., "Edge Compression Techniques
//!   for Visualization of Dense Directed Graphs", IEEE TVCG 2013) with
//!   namespaces as the only modules, so that boxes never overlap. A
//!   namespace is boxed only when none of the edges left between its
//!   workloads is drawn pair by pair: such an edge would have to run inside
//!   the box.
//! - *Connectors.* Of the edges that allow everything, the largest set that
//!   forms a complete bipartite graph (every sender to every receiver) is
//!   drawn as a mark on each end, as flowcharts draw connectors, instead of
//!   senders × receivers lines: in a cluster where few pods are isolated
//!   these are most of the edges and say the least.
//!
//! A workload is never its own peer in the workload drawing, so a pair of
//! a node with itself needs no edge: "every workload of a namespace" means
//! every other one where the other end is in it too.

use std::collections::{BTreeMap, BTreeSet};

/// One end of a drawn edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(super) enum End {
    Node(usize),
    /// Every workload of a boxed namespace.
    Namespace(usize),
}

/// What to bundle.
pub(super) struct Input<'a> {
    /// Per node: the namespace that may box it.
    pub namespace: &'a [Option<usize>],
    /// Per namespace: its nodes.
    pub members: &'a [Vec<usize>],
    /// Source, destination and key (what the edge reads: edges bundle
    /// only with edges of the same key). At most one edge per pair.
    pub edges: &'a [(usize, usize, usize)],
    /// Per node: whether its pair with itself is never an edge (a
    /// workload of the workload drawing), so that it may be left out.
    pub no_self_pair: &'a [bool],
    /// The key of edges that allow everything, which may become
    /// connectors.
    pub open_key: Option<usize>,
}

/// Edges drawn as one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Bundle {
    pub from: End,
    pub to: End,
    pub key: usize,
    /// The input edges it stands for.
    pub edges: Vec<usize>,
}

/// Every sender reaches every receiver by an edge of the open key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Connector {
    pub senders: Vec<End>,
    pub receivers: Vec<End>,
    /// The input edges it stands for.
    pub edges: Vec<usize>,
}

#[derive(Clone, Debug)]
pub(super) struct Bundled {
    /// Per namespace: whether it is drawn as a box.
    pub boxed: Vec<bool>,
    pub bundles: Vec<Bundle>,
    pub connector: Option<Connector>,
}

/// Fewer edges than this stay as they are: a connector or a box has to
/// save more lines than it costs a reader to learn it.
const CONNECTOR_MIN_EDGES: usize = 6;

impl Bundled {
    /// Every edge drawn alone: no box, no connector.
    pub(super) fn none(input: &Input) -> Bundled {
        Bundled {
            boxed: vec![false; input.members.len()],
            bundles: input
                .edges
                .iter()
                .enumerate()
                .map(|(i, &(s, t, key))| Bundle {
                    from: End::Node(s),
                    to: End::Node(t),
                    key,
                    edges: vec![i],
                })
                .collect(),
            connector: None,
        }
    }
}

/// Bundles `input`'s edges.
pub(super) fn bundle(input: &Input) -> Bundled {
    let mut boxed: Vec<bool> = input.members.iter().map(|m| m.len() >= 2).collect();
    let bundles = loop {
        let bundles = compress(input, &boxed);
        // A namespace with an edge between two of its own workloads drawn
        // pair by pair cannot be a box.
        let mut changed = false;
        // Nor can one with edges between it and more than one of its
        // workloads: each is a loop over the box from the workload's top,
        // and only one workload of a column is at the top.
        let mut looping: Vec<Option<usize>> = vec![None; input.members.len()];
        for b in &bundles {
            let (v, ns) = match (b.from, b.to) {
                (End::Node(v), End::Namespace(ns)) | (End::Namespace(ns), End::Node(v)) => (v, ns),
                _ => continue,
            };
            if input.namespace[v] != Some(ns) || !boxed[ns] {
                continue;
            }
            match looping[ns] {
                Some(w) if w != v => {
                    boxed[ns] = false;
                    changed = true;
                }
                _ => looping[ns] = Some(v),
            }
        }
        for b in &bundles {
            if let (End::Node(s), End::Node(t)) = (b.from, b.to)
                && let (Some(a), Some(z)) = (input.namespace[s], input.namespace[t])
                && a == z
                && boxed[a]
            {
                boxed[a] = false;
                changed = true;
            }
        }
        if !changed {
            break bundles;
        }
    };
    let (bundles, connector) = match input.open_key {
        Some(key) => connect(input, bundles, key),
        None => (bundles, None),
    };
    Bundled {
        boxed,
        bundles,
        connector,
    }
}

/// Namespace boxes: first sources, then destinations.
fn compress(input: &Input, boxed: &[bool]) -> Vec<Bundle> {
    let module = |v: usize| input.namespace[v].filter(|&ns| boxed[ns]);
    // Per (source's box or source, destination, key): the edges.
    let mut by_source: BTreeMap<(End, usize, usize), Vec<usize>> = BTreeMap::new();
    for (i, &(s, t, key)) in input.edges.iter().enumerate() {
        let from = module(s).map_or(End::Node(s), End::Namespace);
        by_source.entry((from, t, key)).or_default().push(i);
    }
    // Each with its destination node.
    let mut step: Vec<(usize, Bundle)> = Vec::new();
    for ((from, t, key), edges) in by_source {
        let whole = match from {
            End::Namespace(ns) => {
                let others = input.members[ns].iter().filter(|&&m| m != t).count();
                edges.len() == others && others >= 2
            }
            End::Node(_) => false,
        };
        if whole {
            step.push((
                t,
                Bundle {
                    from,
                    to: End::Node(t),
                    key,
                    edges,
                },
            ));
        } else {
            step.extend(edges.into_iter().map(|i| {
                let (s, t, key) = input.edges[i];
                (
                    t,
                    Bundle {
                        from: End::Node(s),
                        to: End::Node(t),
                        key,
                        edges: vec![i],
                    },
                )
            }));
        }
    }
    // Per (source end, destination's box, key): the bundles.
    let mut out = Vec::new();
    let mut by_target: BTreeMap<(End, usize, usize), Vec<Bundle>> = BTreeMap::new();
    for (t, b) in step {
        match module(t) {
            Some(ns) => by_target.entry((b.from, ns, b.key)).or_default().push(b),
            None => out.push(b),
        }
    }
    for ((from, ns, key), list) in by_target {
        let inside = match from {
            End::Node(s) => input.namespace[s] == Some(ns),
            End::Namespace(_) => false,
        };
        let others = input.members[ns].len() - usize::from(inside);
        if list.len() == others && others >= 2 {
            let mut edges: Vec<usize> = list.into_iter().flat_map(|b| b.edges).collect();
            edges.sort_unstable();
            out.push(Bundle {
                from,
                to: End::Namespace(ns),
                key,
                edges,
            });
        } else {
            out.extend(list);
        }
    }
    out.sort_by(|a, b| (a.edges[0], a.from, a.to).cmp(&(b.edges[0], b.from, b.to)));
    out
}

/// The largest complete bipartite set of open bundles, found greedily,
/// taken out of `bundles` as a connector when it is worth one.
fn connect(input: &Input, bundles: Vec<Bundle>, key: usize) -> (Vec<Bundle>, Option<Connector>) {
    // Per receiving end: the ends sending to it (and itself, where its pair
    // with itself needs no edge).
    let mut senders: BTreeMap<End, BTreeSet<End>> = BTreeMap::new();
    for b in bundles.iter().filter(|b| b.key == key) {
        senders.entry(b.to).or_default().insert(b.from);
    }
    let no_self = |e: End| matches!(e, End::Node(v) if input.no_self_pair[v]);
    for (to, from) in senders.iter_mut() {
        if no_self(*to) {
            from.insert(*to);
        }
    }
    // Edges a choice stands for: one per sender and receiver, but a node's
    // pair with itself.
    let count = |s: &BTreeSet<End>, t: &[End]| -> usize {
        t.iter()
            .map(|r| s.len() - usize::from(no_self(*r) && s.contains(r)))
            .sum()
    };
    let mut candidates: Vec<(&End, &BTreeSet<End>)> = senders.iter().collect();
    candidates.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let mut best: Option<(usize, BTreeSet<End>, Vec<End>)> = None;
    // A few seeds are enough: the largest sets of senders start the best
    // bicliques in the clusters this is for, and the search stays small.
    for (seed, from) in candidates.iter().take(32) {
        let mut s: BTreeSet<End> = (*from).clone();
        let mut t: Vec<End> = vec![**seed];
        for (next, other) in &candidates {
            if *next == *seed {
                continue;
            }
            let joint: BTreeSet<End> = s.intersection(other).copied().collect();
            let mut with = t.clone();
            with.push(**next);
            if count(&joint, &with) > count(&s, &t) {
                s = joint;
                t = with;
            }
        }
        let n = count(&s, &t);
        if best.as_ref().is_none_or(|b| n > b.0) {
            best = Some((n, s, t));
        }
    }
    let Some((n, s, t)) = best else {
        return (bundles, None);
    };
    if n < CONNECTOR_MIN_EDGES || s.len() < 2 || t.len() < 2 {
        return (bundles, None);
    }
    let receivers: BTreeSet<End> = t.into_iter().collect();
    let (taken, kept): (Vec<Bundle>, Vec<Bundle>) = bundles
        .into_iter()
        .partition(|b| b.key == key && s.contains(&b.from) && receivers.contains(&b.to));
    let mut edges: Vec<usize> = taken.into_iter().flat_map(|b| b.edges).collect();
    edges.sort_unstable();
    (
        kept,
        Some(Connector {
            senders: s.into_iter().collect(),
            receivers: receivers.into_iter().collect(),
            edges,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Every (source, destination, key) a bundling draws, spelled out.
    fn drawn_pairs(input: &Input, b: &Bundled) -> BTreeSet<(usize, usize, usize)> {
        let expand = |e: End| match e {
            End::Node(v) => vec![v],
            End::Namespace(ns) => input.members[ns].clone(),
        };
        let mut out = BTreeSet::new();
        for bundle in &b.bundles {
            for s in expand(bundle.from) {
                for t in expand(bundle.to) {
                    if s != t || !input.no_self_pair[s] {
                        assert!(out.insert((s, t, bundle.key)), "({s}, {t}) drawn twice");
                    }
                }
            }
        }
        if let Some(c) = &b.connector {
            let key = input.open_key.expect("a connector has the open key");
            for &from in &c.senders {
                for &to in &c.receivers {
                    for s in expand(from) {
                        for t in expand(to) {
                            if s != t || !input.no_self_pair[s] {
                                assert!(out.insert((s, t, key)), "({s}, {t}) drawn twice");
                            }
                        }
                    }
                }
            }
        }
        out
    }

    fn input_of<'a>(
        namespace: &'a [Option<usize>],
        members: &'a [Vec<usize>],
        edges: &'a [(usize, usize, usize)],
        no_self_pair: &'a [bool],
    ) -> Input<'a> {
        Input {
            namespace,
            members,
            edges,
            no_self_pair,
            open_key: Some(0),
        }
    }

    #[test]
    fn a_namespace_that_reaches_a_namespace_alike_is_one_edge_between_boxes() {
        // web (0, 1, 2) -> api (3, 4) on key 1; 5 is alone.
        let namespace = [Some(0), Some(0), Some(0), Some(1), Some(1), None];
        let members = [vec![0, 1, 2], vec![3, 4]];
        let mut edges = Vec::new();
        for s in 0..3 {
            for t in 3..5 {
                edges.push((s, t, 1));
            }
        }
        edges.push((5, 3, 2));
        let no_self = [true; 6];
        let input = input_of(&namespace, &members, &edges, &no_self);
        let b = bundle(&input);
        assert_eq!(b.boxed, vec![true, true]);
        assert_eq!(b.bundles.len(), 2, "{:?}", b.bundles);
        assert_eq!(
            (b.bundles[0].from, b.bundles[0].to),
            (End::Namespace(0), End::Namespace(1))
        );
        assert_eq!(b.bundles[0].edges.len(), 6);
        assert_eq!(
            (b.bundles[1].from, b.bundles[1].to),
            (End::Node(5), End::Node(3))
        );
        assert_eq!(drawn_pairs(&input, &b), edges.iter().copied().collect());
    }

    #[test]
    fn an_edge_between_two_workloads_of_a_namespace_keeps_it_unboxed() {
        let namespace = [Some(0), Some(0), Some(0), None];
        let members = [vec![0, 1, 2]];
        let edges = [(0, 3, 1), (1, 3, 1), (2, 3, 1), (0, 1, 2)];
        let no_self = [true; 4];
        let input = input_of(&namespace, &members, &edges, &no_self);
        let b = bundle(&input);
        assert_eq!(b.boxed, vec![false]);
        assert_eq!(b.bundles.len(), 4);
    }

    #[test]
    fn a_workload_reaching_every_other_of_its_namespace_is_one_edge_to_its_box() {
        let namespace = [Some(0), Some(0), Some(0)];
        let members = [vec![0, 1, 2]];
        let edges = [(0, 1, 1), (0, 2, 1)];
        let no_self = [true; 3];
        let input = input_of(&namespace, &members, &edges, &no_self);
        let b = bundle(&input);
        assert_eq!(b.boxed, vec![true]);
        assert_eq!(
            b.bundles.iter().map(|b| (b.from, b.to)).collect::<Vec<_>>(),
            vec![(End::Node(0), End::Namespace(0))]
        );
    }

    #[test]
    fn open_edges_between_open_senders_and_receivers_become_a_connector() {
        // Nodes 0..4 all reach 0..4 (but themselves) and 5 allowing
        // everything; 5 is an external range; 3 reaches 0 only on a port.
        let mut edges = Vec::new();
        for s in 0..5 {
            for t in 0..6 {
                if s != t && !(s == 3 && t == 0) {
                    edges.push((s, t, 0));
                }
            }
        }
        edges.push((3, 0, 7));
        let namespace = [None; 6];
        let members: [Vec<usize>; 0] = [];
        let no_self = [true, true, true, true, true, false];
        let input = input_of(&namespace, &members, &edges, &no_self);
        let b = bundle(&input);
        let c = b.connector.as_ref().expect("a connector");
        assert!(c.edges.len() >= 20, "{c:?}");
        assert!(c.receivers.contains(&End::Node(5)));
        assert!(b.bundles.len() < 10, "{:?}", b.bundles);
        assert_eq!(drawn_pairs(&input, &b), edges.iter().copied().collect());
    }

    proptest! {
        /// Whatever the graph, the drawing spells out exactly its edges.
        #[test]
        fn bundles_and_the_connector_draw_exactly_the_edges(
            sizes in proptest::collection::vec(1usize..5, 1..4),
            loose in 0usize..3,
            density in 0u32..100,
            keys in 1usize..4,
            seed in any::<u64>(),
        ) {
            let mut namespace = Vec::new();
            let mut members = Vec::new();
            for (ns, &n) in sizes.iter().enumerate() {
                let first = namespace.len();
                namespace.extend(std::iter::repeat_n(Some(ns), n));
                members.push((first..first + n).collect::<Vec<_>>());
            }
            namespace.extend(std::iter::repeat_n(None, loose));
            let n = namespace.len();
            // Loose nodes are external ranges: their pair with themselves
            // could be an edge.
            let no_self: Vec<bool> = namespace.iter().map(Option::is_some).collect();
            let mut state = seed | 1;
            let mut next = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            let mut edges = Vec::new();
            for (s, &own) in no_self.iter().enumerate() {
                for t in 0..n {
                    if s == t && own {
                        continue;
                    }
                    let r = next();
                    if (r % 100) < u64::from(density) {
                        edges.push((s, t, (r as usize / 100) % keys));
                    }
                }
            }
            let input = Input {
                namespace: &namespace,
                members: &members,
                edges: &edges,
                no_self_pair: &no_self,
                open_key: Some(0),
            };
            let b = bundle(&input);
            prop_assert_eq!(drawn_pairs(&input, &b), edges.iter().copied().collect());
            let mut covered: Vec<usize> = b.bundles.iter().flat_map(|b| b.edges.clone())
                .chain(b.connector.iter().flat_map(|c| c.edges.clone())).collect();
            covered.sort_unstable();
            prop_assert_eq!(covered, (0..edges.len()).collect::<Vec<_>>());
            for bundle in &b.bundles {
                for end in [bundle.from, bundle.to] {
                    if let End::Namespace(ns) = end {
                        prop_assert!(b.boxed[ns]);
                    }
                }
            }
        }
    }
}
