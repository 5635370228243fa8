//! Coordinates: ranks become columns, and within a column each slot goes
//! as near the mean height of its neighbours as the order and spacing let
//! it.

use super::{COLUMN_GAP, NODE_GAP, Rect, Slot};

/// Rounds of moving each column towards its neighbours.
const ROUNDS: usize = 10;
/// Room between two edges passing a column side by side.
const LANE_GAP: f64 = 3.0;
/// The narrowest column (one only edges pass).
const MIN_COLUMN: f64 = 12.0;

pub(super) struct Placed {
    /// Per rank: its left edge and width.
    columns: Vec<(f64, f64)>,
    /// Per rank, per slot: the centre height.
    y: Vec<Vec<f64>>,
    pub width: f64,
    pub height: f64,
}

impl Placed {
    pub(super) fn rect(&self, r: usize, i: usize, slot: &Slot) -> Rect {
        let (x, w) = self.columns[r];
        Rect {
            x: x + (w - slot.w) / 2.0,
            y: self.y[r][i] - slot.h / 2.0,
            w: slot.w,
            h: slot.h,
        }
    }
}

fn gap(a: &Slot, b: &Slot) -> f64 {
    let room = if a.node.is_none() && a.w == 0.0 && b.node.is_none() && b.w == 0.0 {
        LANE_GAP
    } else {
        NODE_GAP
    };
    (a.h + b.h) / 2.0 + room
}

pub(super) fn place(
    ranks: &[Vec<Slot>],
    chains: &[Vec<(usize, usize)>],
    position: &[Vec<usize>],
) -> Placed {
    let mut columns = Vec::with_capacity(ranks.len());
    let mut x = 0.0;
    for slots in ranks {
        let w = slots.iter().map(|s| s.w).fold(MIN_COLUMN, f64::max);
        columns.push((x, w));
        x += w + COLUMN_GAP;
    }
    let width = (x - COLUMN_GAP).max(0.0);
    // Slot indices in order, per rank.
    let ordered: Vec<Vec<usize>> = position
        .iter()
        .map(|pos| {
            let mut o: Vec<usize> = (0..pos.len()).collect();
            o.sort_by_key(|&i| pos[i]);
            o
        })
        .collect();
    let mut neighbours: Vec<Vec<Vec<(usize, usize)>>> =
        ranks.iter().map(|r| vec![Vec::new(); r.len()]).collect();
    for chain in chains {
        for pair in chain.windows(2) {
            neighbours[pair[0].0][pair[0].1].push(pair[1]);
            neighbours[pair[1].0][pair[1].1].push(pair[0]);
        }
    }
    // Start stacked, each column centred on zero.
    let mut y: Vec<Vec<f64>> = ranks.iter().map(|r| vec![0.0; r.len()]).collect();
    for (r, order) in ordered.iter().enumerate() {
        let mut at = 0.0;
        for (k, &i) in order.iter().enumerate() {
            if k > 0 {
                at += gap(&ranks[r][order[k - 1]], &ranks[r][i]);
            }
            y[r][i] = at;
        }
        for i in 0..y[r].len() {
            y[r][i] -= at / 2.0;
        }
    }
    for round in 0..ROUNDS {
        let columns: Vec<usize> = if round % 2 == 0 {
            (0..ranks.len()).collect()
        } else {
            (0..ranks.len()).rev().collect()
        };
        for r in columns {
            let order = &ordered[r];
            let want: Vec<f64> = order
                .iter()
                .map(|&i| {
                    let ns = &neighbours[r][i];
                    if ns.is_empty() {
                        y[r][i]
                    } else {
                        ns.iter().map(|&(rr, j)| y[rr][j]).sum::<f64>() / ns.len() as f64
                    }
                })
                .collect();
            let gaps: Vec<f64> = order
                .windows(2)
                .map(|w| gap(&ranks[r][w[0]], &ranks[r][w[1]]))
                .collect();
            let weights: Vec<f64> = order
                .iter()
                .map(|&i| if ranks[r][i].node.is_some() { 4.0 } else { 1.0 })
                .collect();
            let placed = spaced(&want, &gaps, &weights);
            for (k, &i) in order.iter().enumerate() {
                y[r][i] = placed[k];
            }
        }
    }
    let mut top = f64::INFINITY;
    let mut bottom = f64::NEG_INFINITY;
    for (r, slots) in ranks.iter().enumerate() {
        for (i, s) in slots.iter().enumerate() {
            top = top.min(y[r][i] - s.h / 2.0);
            bottom = bottom.max(y[r][i] + s.h / 2.0);
        }
    }
    if !top.is_finite() {
        top = 0.0;
        bottom = 0.0;
    }
    for col in &mut y {
        for v in col.iter_mut() {
            *v -= top;
        }
    }
    Placed {
        columns,
        y,
        width,
        height: bottom - top,
    }
}

/// The heights nearest `want` (weighted least squares) that keep the
/// order and at least `gaps[k]` between slots `k` and `k + 1`: with
/// offsets taken out this is isotonic regression, solved by pooling
/// adjacent violators.
fn spaced(want: &[f64], gaps: &[f64], weights: &[f64]) -> Vec<f64> {
    let mut offset = Vec::with_capacity(want.len());
    let mut acc = 0.0;
    for k in 0..want.len() {
        if k > 0 {
            acc += gaps[k - 1];
        }
        offset.push(acc);
    }
    // Blocks of (weight, weighted mean, count).
    let mut blocks: Vec<(f64, f64, usize)> = Vec::new();
    for k in 0..want.len() {
        blocks.push((weights[k], want[k] - offset[k], 1));
        while blocks.len() > 1 {
            let (w2, m2, c2) = blocks[blocks.len() - 1];
            let (w1, m1, c1) = blocks[blocks.len() - 2];
            if m1 <= m2 {
                break;
            }
            blocks.pop();
            let last = blocks.len() - 1;
            blocks[last] = (w1 + w2, (m1 * w1 + m2 * w2) / (w1 + w2), c1 + c2);
        }
    }
    let mut out = Vec::with_capacity(want.len());
    for (_, m, c) in blocks {
        for _ in 0..c {
            let k = out.len();
            out.push(m + offset[k]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_is_kept_and_free_slots_sit_where_wanted() {
        let out = spaced(&[0.0, 0.0, 100.0], &[10.0, 10.0], &[1.0, 1.0, 1.0]);
        assert_eq!(out, vec![-5.0, 5.0, 100.0]);
    }
}
