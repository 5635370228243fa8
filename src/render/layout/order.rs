//! Which way each edge points in the layering, each node's rank, and the
//! order of the slots within each rank.

use super::{EdgeSpec, Slot};

/// Per edge: whether it keeps its direction in the layering. The nodes
/// are put in a sequence that leaves few edges pointing back (Eades, Lin
/// and Smyth's greedy heuristic: sinks go last, sources first, else the
/// node with the most outgoing minus incoming edges); the edges pointing
/// back are reversed.
pub(super) fn acyclic(n: usize, edges: &[EdgeSpec]) -> Vec<bool> {
    let mut out_deg = vec![0i64; n];
    let mut in_deg = vec![0i64; n];
    let mut succ = vec![Vec::new(); n];
    let mut pred = vec![Vec::new(); n];
    for &(s, t, _) in edges {
        if s != t {
            out_deg[s] += 1;
            in_deg[t] += 1;
            succ[s].push(t);
            pred[t].push(s);
        }
    }
    let mut removed = vec![false; n];
    let (mut head, mut tail) = (Vec::with_capacity(n), Vec::new());
    let mut left = n;
    let remove =
        |v: usize, removed: &mut Vec<bool>, out_deg: &mut Vec<i64>, in_deg: &mut Vec<i64>| {
            removed[v] = true;
            for &t in &succ[v] {
                in_deg[t] -= 1;
            }
            for &s in &pred[v] {
                out_deg[s] -= 1;
            }
        };
    while left > 0 {
        let mut progress = true;
        while progress {
            progress = false;
            for v in 0..n {
                if removed[v] {
                    continue;
                }
                if out_deg[v] == 0 {
                    tail.push(v);
                } else if in_deg[v] == 0 {
                    head.push(v);
                } else {
                    continue;
                }
                remove(v, &mut removed, &mut out_deg, &mut in_deg);
                left -= 1;
                progress = true;
            }
        }
        if left == 0 {
            break;
        }
        let best = (0..n)
            .filter(|&v| !removed[v])
            .max_by_key(|&v| (out_deg[v] - in_deg[v], std::cmp::Reverse(v)));
        if let Some(v) = best {
            head.push(v);
            remove(v, &mut removed, &mut out_deg, &mut in_deg);
            left -= 1;
        }
    }
    head.extend(tail.into_iter().rev());
    let mut at = vec![0; n];
    for (i, &v) in head.iter().enumerate() {
        at[v] = i;
    }
    edges.iter().map(|&(s, t, _)| at[s] <= at[t]).collect()
}

/// Longest-path ranks over the edges as `forward` points them; a node
/// without predecessors then moves next to its nearest successor, so that
/// a source does not sit far left of everything it reaches.
pub(super) fn ranks(n: usize, edges: &[EdgeSpec], forward: &[bool]) -> Vec<usize> {
    let mut succ = vec![Vec::new(); n];
    let mut indeg = vec![0usize; n];
    for (e, &(s, t, _)) in edges.iter().enumerate() {
        if s == t {
            continue;
        }
        let (a, b) = if forward[e] { (s, t) } else { (t, s) };
        succ[a].push(b);
        indeg[b] += 1;
    }
    let has_pred: Vec<bool> = indeg.iter().map(|&d| d > 0).collect();
    let mut rank = vec![0usize; n];
    let mut queue: Vec<usize> = (0..n).filter(|&v| indeg[v] == 0).collect();
    let mut topo = Vec::with_capacity(n);
    while let Some(v) = queue.pop() {
        topo.push(v);
        for &t in &succ[v] {
            rank[t] = rank[t].max(rank[v] + 1);
            indeg[t] -= 1;
            if indeg[t] == 0 {
                queue.push(t);
            }
        }
    }
    for &v in topo.iter().rev() {
        if !has_pred[v]
            && let Some(nearest) = succ[v].iter().map(|&t| rank[t]).min()
        {
            rank[v] = nearest.saturating_sub(1);
        }
    }
    rank
}

/// Per rank, per slot: its position in the rank. Slots are sorted by the
/// mean position of their neighbours in the rank before (sweeping down)
/// or after (sweeping up); the order with the fewest crossings is kept.
pub(super) fn minimise_crossings(
    ranks: &[Vec<Slot>],
    chains: &[Vec<(usize, usize)>],
    sweeps: usize,
) -> Vec<Vec<usize>> {
    // Neighbours of each slot in the rank above and below.
    let mut up: Vec<Vec<Vec<usize>>> = ranks.iter().map(|r| vec![Vec::new(); r.len()]).collect();
    let mut down = up.clone();
    for chain in chains {
        for pair in chain.windows(2) {
            let ((ra, ia), (rb, ib)) = (pair[0], pair[1]);
            down[ra][ia].push(ib);
            up[rb][ib].push(ia);
        }
    }
    let mut position: Vec<Vec<usize>> = ranks.iter().map(|r| (0..r.len()).collect()).collect();
    let mut best = (crossings(&position, &down), position.clone());
    for sweep in 0..sweeps {
        let downward = sweep % 2 == 0;
        let order: Vec<usize> = if downward {
            (1..ranks.len()).collect()
        } else {
            (0..ranks.len().saturating_sub(1)).rev().collect()
        };
        for r in order {
            let (near, other) = if downward {
                (&up[r], r - 1)
            } else {
                (&down[r], r + 1)
            };
            let mut keyed: Vec<(f64, usize, usize)> = (0..ranks[r].len())
                .map(|i| {
                    let ns = &near[i];
                    let bary = if ns.is_empty() {
                        position[r][i] as f64
                    } else {
                        ns.iter().map(|&j| position[other][j] as f64).sum::<f64>() / ns.len() as f64
                    };
                    (bary, position[r][i], i)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            for (p, &(_, _, i)) in keyed.iter().enumerate() {
                position[r][i] = p;
            }
        }
        let count = crossings(&position, &down);
        if count < best.0 {
            best = (count, position.clone());
        }
    }
    best.1
}

/// Edge crossings between consecutive ranks: inversions among the edges
/// sorted by their upper end.
fn crossings(position: &[Vec<usize>], down: &[Vec<Vec<usize>>]) -> usize {
    let mut total = 0;
    for r in 0..position.len().saturating_sub(1) {
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for (i, ns) in down[r].iter().enumerate() {
            for &j in ns {
                pairs.push((position[r][i], position[r + 1][j]));
            }
        }
        pairs.sort_unstable();
        let lower: Vec<usize> = pairs.iter().map(|p| p.1).collect();
        total += inversions(&lower, position[r + 1].len());
    }
    total
}

/// Pairs `i < j` with `v[i] > v[j]`, through a Fenwick tree over values
/// `0..size`.
fn inversions(v: &[usize], size: usize) -> usize {
    let mut tree = vec![0usize; size + 1];
    let mut count = 0;
    for (seen, &x) in v.iter().enumerate() {
        // How many earlier values are at most x.
        let (mut i, mut le) = (x + 1, 0);
        while i > 0 {
            le += tree[i];
            i &= i - 1;
        }
        count += seen - le;
        let mut i = x + 1;
        while i <= size {
            tree[i] += 1;
            i += i & i.wrapping_neg();
        }
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inversions_are_counted() {
        assert_eq!(inversions(&[0, 1, 2], 3), 0);
        assert_eq!(inversions(&[2, 1, 0], 3), 3);
        assert_eq!(inversions(&[1, 0, 1], 2), 1);
    }

    #[test]
    fn a_cycle_loses_one_edge() {
        let edges = [(0, 1, None), (1, 2, None), (2, 0, None)];
        let forward = acyclic(3, &edges);
        assert_eq!(forward.iter().filter(|f| !**f).count(), 1);
    }
}
