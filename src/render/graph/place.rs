//! Where everything of a diagram goes: nodes alone or in namespace boxes,
//! laid out by the layered layout (`render::layout`) left to right or top
//! to bottom, whichever fits a page; each edge's ends spread over the
//! sides they meet, loops over what they join, labels in the room the
//! layout kept for them, so that no label covers a node or another label.
//! Dense static drawings are bundled first (`bundle`).
//!
//! Everything is computed from the drawing order alone, so the same graph
//! is placed the same way.

use std::collections::HashMap;
use std::fmt::Write;

use petgraph::graph::{EdgeIndex, NodeIndex};

use super::{Drawing, Style, bundle, caption, namespace_title};
use crate::render::layout::{self, Pt, Rect, Size};
use crate::sim::reach::Edge;

const NODE_H: f64 = 40.0;
const NODE_MIN_W: f64 = 104.0;
const NODE_MAX_W: f64 = 240.0;
pub(super) const LABEL_SIZE: f64 = 10.5;
const LABEL_H: f64 = 15.0;
/// Room kept above a node for its loop and the loop's label.
const LOOP_H: f64 = 26.0;
/// Above this many edges, edges that allow everything carry no label:
/// their grey stroke says it, and dozens of "all" bury the port labels.
const LABEL_ALL_LIMIT: usize = 60;

/// Estimated width of a line of text (no font metrics in here: a slightly
/// generous average advance for Helvetica/Arial).
pub(super) fn text_width(text: &str, size: f64, bold: bool) -> f64 {
    let per = if bold { 0.62 } else { 0.58 };
    text.chars().count() as f64 * size * per
}

/// `text`, cut with an ellipsis to fit `max` pixels.
fn fit(text: &str, max: f64, size: f64, bold: bool) -> String {
    if text_width(text, size, bold) <= max {
        return text.to_string();
    }
    let per = if bold { 0.62 } else { 0.58 } * size;
    let keep = ((max / per) as usize).saturating_sub(1).max(1);
    let mut out: String = text.chars().take(keep).collect();
    out.push('…');
    out
}

/// Coordinates with at most one decimal, no trailing `.0`.
pub(super) fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// A placed node: its box and caption.
pub(super) struct NodeBox {
    pub(super) rect: Rect,
    pub(super) title: String,
    pub(super) sub: String,
}

/// A node's caption and size. Range names are never cut: a range is only
/// read right whole.
fn node_box(d: &Drawing, n: NodeIndex, in_box: bool) -> NodeBox {
    let node = d.node(n);
    let (title, sub) = caption(node);
    let sub = match &node.namespace {
        Some(ns) if !node.is_external() && !in_box && *ns != node.name => format!("{ns} · {sub}"),
        _ => sub,
    };
    let inner = NODE_MAX_W - 20.0;
    let title = if node.is_external() {
        title
    } else {
        fit(&title, inner, 12.5, true)
    };
    let sub = fit(&sub, inner, 10.0, false);
    let w =
        (text_width(&title, 12.5, true).max(text_width(&sub, 10.0, false)) + 24.0).max(NODE_MIN_W);
    NodeBox {
        rect: Rect {
            x: 0.0,
            y: 0.0,
            w,
            h: NODE_H,
        },
        title,
        sub,
    }
}

/// An edge as drawn: a curve, an arrowhead, a label.
pub(super) struct PlacedEdge {
    pub(super) key: String,
    /// The keys of the graph's edges it stands for.
    pub(super) members: Vec<String>,
    /// The keys of its ends (a node's, or `namespace:NAME` for a box).
    pub(super) src: String,
    pub(super) dst: String,
    /// The workload pairs it stands for.
    pub(super) pairs: usize,
    pub(super) style: Style,
    /// The SVG path data.
    pub(super) path: String,
    pub(super) points: Vec<Pt>,
    pub(super) label: String,
    /// The label's box.
    pub(super) label_box: Rect,
    pub(super) tooltip: String,
}

/// The width a label takes with its halo; labels of restricted edges are
/// bold.
fn label_width(label: &str, style: Style) -> f64 {
    text_width(label, LABEL_SIZE, style != Style::All) + 10.0
}

/// The shape of the page a drawing is fitted to (a browser window).
const PAGE_ASPECT: f64 = 1.5;

/// Of the candidate layouts (each left to right, or top to bottom when
/// its flag says so; sizes in page coordinates), the one that fits a page
/// at the largest scale: returns it in page coordinates and its index.
fn layout_fitting_the_page(candidates: &[(bool, layout::Input)]) -> (layout::Layout, usize) {
    let scale = |l: &layout::Layout| (PAGE_ASPECT / l.width.max(1.0)).min(1.0 / l.height.max(1.0));
    let swap = |(w, h): (f64, f64)| (h, w);
    let mut best: Option<(f64, layout::Layout, usize)> = None;
    for (k, (down, input)) in candidates.iter().enumerate() {
        let placed = if *down {
            let transposed = layout::Input {
                nodes: input.nodes.iter().copied().map(swap).collect(),
                edges: input
                    .edges
                    .iter()
                    .map(|&(s, t, label)| (s, t, label.map(swap)))
                    .collect(),
                shared: input.shared.clone(),
            };
            let mut l = layout::layout(&transposed);
            // Back into page coordinates: x and y change places.
            let flip = |r: Rect| Rect {
                x: r.y,
                y: r.x,
                w: r.h,
                h: r.w,
            };
            for r in &mut l.nodes {
                *r = flip(*r);
            }
            for route in &mut l.edges {
                for p in &mut route.points {
                    *p = Pt { x: p.y, y: p.x };
                }
                route.label = route.label.map(flip);
            }
            std::mem::swap(&mut l.width, &mut l.height);
            l
        } else {
            layout::layout(input)
        };
        let s = scale(&placed);
        if best.as_ref().is_none_or(|b| s > b.0) {
            best = Some((s, placed, k));
        }
    }
    let (_, l, k) = best.unwrap_or_default();
    (l, k)
}

/// Above this many edges, a drawing bundles them (namespace boxes and a
/// connector, [`bundle`]); fewer read well one by one.
const BUNDLE_ABOVE: usize = 40;
/// Room inside a namespace box around its workloads.
pub(super) const BOX_PAD: f64 = 14.0;
/// Height of a box's title band.
const BOX_TITLE: f64 = 26.0;
/// Room between two workloads of a box.
const CELL_GAP: f64 = 14.0;
/// Radius of a connector mark.
pub(super) const MARK_R: f64 = 6.0;

/// What the layered layout places: a node alone, or a namespace's box.
struct Unit {
    /// Positions (in drawing order) of its nodes.
    nodes: Vec<usize>,
    /// The namespace a box holds (an index of `Drawn::namespaces`).
    ns: Option<usize>,
    /// Per node of a box: whether edges of its own arrive at it, leave it,
    /// and whether it has a loop over the box.
    ends: Vec<[bool; 3]>,
    /// Loops over it: edges between it and itself or one of its nodes.
    loops: usize,
    /// The widest label of its loops.
    loop_w: f64,
}

impl Unit {
    /// Where each node of a box sits: (column, row), and the columns and
    /// rows. Ranks run along lanes; a node that edges of its own reach
    /// sits in the first lane, one they leave in the last, so that its
    /// side towards them is free; a node with both makes the box one lane.
    /// The node with a loop sits on top.
    fn grid(&self, down: bool, cap: usize) -> (Vec<(usize, usize)>, usize, usize) {
        let n = self.nodes.len();
        let (arrive, leave, looping) = (0, 1, 2);
        let one_lane = n <= 2 || self.ends.iter().any(|e| e[arrive] && e[leave]);
        let lanes = if one_lane {
            1
        } else {
            ((n as f64).sqrt().ceil() as usize).clamp(1, cap.max(1))
        };
        let mut lists: [Vec<usize>; 2] = Default::default();
        let mut free = Vec::new();
        for (i, e) in self.ends.iter().enumerate() {
            if lanes == 1 {
                free.push(i);
            } else if e[arrive] || (e[looping] && !e[leave]) {
                lists[0].push(i);
            } else if e[leave] {
                lists[1].push(i);
            } else {
                free.push(i);
            }
        }
        // The looping node first in its list, at depth 0.
        for list in lists.iter_mut().chain([&mut free]) {
            list.sort_by_key(|&i| !self.ends[i][looping]);
        }
        // Down the page, a looping node in the last lane (the bottom row)
        // rises to the top through cells kept empty above it.
        let clear = down && lanes > 1 && lists[1].first().is_some_and(|&i| self.ends[i][looping]);
        let skip = usize::from(clear);
        let depth = (n + if clear { lanes - 1 } else { 0 })
            .div_ceil(lanes)
            .max(lists[0].len() + skip)
            .max(lists[1].len());
        let mut at = vec![(0, 0); n];
        let mut taken = vec![false; lanes * depth];
        if clear {
            for t in taken.iter_mut().take(lanes - 1) {
                *t = true;
            }
        }
        for (lane, start, list) in [(0, skip, &lists[0]), (lanes - 1, 0, &lists[1])] {
            for (d, &i) in list.iter().enumerate() {
                at[i] = (lane, start + d);
                taken[(start + d) * lanes + lane] = true;
            }
        }
        let mut cells = (0..lanes * depth).filter(|c| !taken[*c]);
        for &i in &free {
            let c = cells.next().unwrap_or(0);
            at[i] = (c % lanes, c / lanes);
        }
        if down {
            (at.into_iter().map(|(l, d)| (d, l)).collect(), depth, lanes)
        } else {
            (at, lanes, depth)
        }
    }

    /// Room above it for its loops and their labels.
    fn loop_room(&self) -> f64 {
        if self.loops == 0 {
            0.0
        } else {
            LOOP_H + LABEL_H + (self.loops - 1) as f64 * (LABEL_H + 4.0)
        }
    }
}

/// A namespace box as drawn.
pub(super) struct PlacedBox {
    pub(super) rect: Rect,
    pub(super) title: String,
    pub(super) ns: String,
}

/// A drawing's edges as drawn: bundled when there are many and the
/// drawing is static.
struct Drawn {
    bundled: bundle::Bundled,
    /// Per key: the label and style its edges share.
    labels: Vec<String>,
    styles: Vec<Style>,
    /// Per namespace that may be boxed: its name and nodes (positions).
    namespaces: Vec<(String, Vec<usize>)>,
}

fn drawn(
    d: &Drawing,
    order: &[NodeIndex],
    edges: &[(EdgeIndex, NodeIndex, NodeIndex, &Edge)],
    at: &[usize],
    bundle_them: bool,
) -> Drawn {
    let mut keys: HashMap<(Style, String), usize> = HashMap::new();
    let (mut labels, mut styles) = (Vec::new(), Vec::new());
    let edge_keys: Vec<(usize, usize, usize)> = edges
        .iter()
        .map(|&(e, s, t, w)| {
            let style = d.style(e, w);
            let label = d.label(e, w);
            let next = keys.len();
            let key = *keys.entry((style, label.clone())).or_insert_with(|| {
                labels.push(label);
                styles.push(style);
                next
            });
            (at[s.index()], at[t.index()], key)
        })
        .collect();
    // Namespaces box workloads in the workload drawing only.
    let mut namespace = vec![None; order.len()];
    let mut namespaces: Vec<(String, Vec<usize>)> = Vec::new();
    if d.view.is_none() {
        for (ns, nodes) in d.namespaces.iter().filter(|(ns, _)| !ns.is_empty()) {
            let list: Vec<usize> = nodes.iter().map(|n| at[n.index()]).collect();
            for &v in &list {
                namespace[v] = Some(namespaces.len());
            }
            namespaces.push((ns.clone(), list));
        }
    }
    let members: Vec<Vec<usize>> = namespaces.iter().map(|(_, m)| m.clone()).collect();
    let no_self_pair: Vec<bool> = order
        .iter()
        .map(|&n| d.view.is_none() && !d.node(n).is_external())
        .collect();
    let open_key = keys.get(&(Style::All, "all".to_string())).copied();
    let input = bundle::Input {
        namespace: &namespace,
        members: &members,
        edges: &edge_keys,
        no_self_pair: &no_self_pair,
        open_key: open_key.filter(|_| d.changes.is_none()),
    };
    let bundled = if bundle_them {
        bundle::bundle(&input)
    } else {
        bundle::Bundled::none(&input)
    };
    Drawn {
        bundled,
        labels,
        styles,
        namespaces,
    }
}

/// Where a drawn edge ends: a unit, or a node inside a box.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Side {
    Unit(usize),
    Cell(usize),
}

/// A connector mark.
pub(super) struct Mark {
    pub(super) at: Pt,
    /// Filled: every open edge leaves; hollow: every one arrives.
    pub(super) sends: bool,
    /// What it marks: a node's key, or `namespace:NAME` for a box.
    pub(super) key: String,
    /// The same as the page's script knows it: `n<i>`, or `ns:NAME`.
    pub(super) page_key: String,
}

/// Nodes, boxes, edges and connector marks placed by the layered layout.
pub(super) struct Placed {
    pub(super) nodes: Vec<Option<NodeBox>>,
    pub(super) boxes: Vec<PlacedBox>,
    pub(super) edges: Vec<PlacedEdge>,
    pub(super) marks: Vec<Mark>,
    /// The pairs the connector stands for.
    pub(super) connected: usize,
}

/// Nodes and edges placed by the layered layout.
pub(super) fn place(d: &Drawing) -> Placed {
    let g = &d.reach.graph;
    let order: Vec<NodeIndex> = d.nodes().collect();
    let mut at = vec![usize::MAX; g.node_count()];
    for (k, &n) in order.iter().enumerate() {
        at[n.index()] = k;
    }
    let edges: Vec<_> = d.edges().collect();
    let drawn = drawn(d, &order, &edges, &at, edges.len() > BUNDLE_ABOVE);
    let bundles = &drawn.bundled.bundles;
    let label_all = bundles.len() <= LABEL_ALL_LIMIT;
    let labels: Vec<String> = bundles
        .iter()
        .map(|b| {
            if drawn.styles[b.key] == Style::All && !label_all {
                String::new()
            } else {
                drawn.labels[b.key].clone()
            }
        })
        .collect();

    // Units in drawing order: a boxed namespace where its first node is.
    let mut unit_of = vec![usize::MAX; order.len()];
    let mut units: Vec<Unit> = Vec::new();
    let mut box_of_ns = vec![usize::MAX; drawn.namespaces.len()];
    let mut ns_of = vec![None; order.len()];
    for (ns, (_, nodes)) in drawn.namespaces.iter().enumerate() {
        if drawn.bundled.boxed[ns] {
            for &v in nodes {
                ns_of[v] = Some(ns);
            }
        }
    }
    for v in 0..order.len() {
        if unit_of[v] != usize::MAX {
            continue;
        }
        let nodes = match ns_of[v] {
            Some(ns) => drawn.namespaces[ns].1.clone(),
            None => vec![v],
        };
        for &n in &nodes {
            unit_of[n] = units.len();
        }
        if let Some(ns) = ns_of[v] {
            box_of_ns[ns] = units.len();
        }
        units.push(Unit {
            ends: vec![[false; 3]; nodes.len()],
            nodes,
            ns: ns_of[v],
            loops: 0,
            loop_w: 0.0,
        });
    }
    // An end's unit, and its node when that is inside a box.
    let end = |e: bundle::End| -> (usize, Option<usize>) {
        match e {
            bundle::End::Node(v) => (unit_of[v], ns_of[v].map(|_| v)),
            bundle::End::Namespace(ns) => (box_of_ns[ns], None),
        }
    };
    let mut loop_index = vec![0usize; bundles.len()];
    for (k, b) in bundles.iter().enumerate() {
        let ((ua, ca), (ub, cb)) = (end(b.from), end(b.to));
        if ua == ub {
            let u = &mut units[ua];
            loop_index[k] = u.loops;
            u.loops += 1;
            u.loop_w = u.loop_w.max(label_width(&labels[k], drawn.styles[b.key]));
            if let Some(v) = ca.or(cb)
                && let Some(i) = u.nodes.iter().position(|&n| n == v)
            {
                u.ends[i][2] = true;
            }
        } else {
            for (u, c, role) in [(ua, ca, 1), (ub, cb, 0)] {
                if let Some(v) = c
                    && let Some(i) = units[u].nodes.iter().position(|&n| n == v)
                {
                    units[u].ends[i][role] = true;
                }
            }
        }
    }

    let mut node_boxes: Vec<NodeBox> = order
        .iter()
        .enumerate()
        .map(|(v, &n)| node_box(d, n, ns_of[v].is_some()))
        .collect();
    // Workloads of a box share one width.
    let cell_w: Vec<f64> = units
        .iter()
        .map(|u| {
            u.nodes
                .iter()
                .map(|&v| node_boxes[v].rect.w)
                .fold(0.0, f64::max)
        })
        .collect();
    let box_title = |u: &Unit| u.ns.map(|ns| namespace_title(&drawn.namespaces[ns].0));
    let size = |k: usize, down: bool, cap: usize| -> Size {
        let u = &units[k];
        let (w, h) = match box_title(u) {
            None => (node_boxes[u.nodes[0]].rect.w, NODE_H),
            Some(title) => {
                let (_, cols, rows) = u.grid(down, cap);
                let (cols, rows) = (cols as f64, rows as f64);
                let w = (2.0 * BOX_PAD + cols * cell_w[k] + (cols - 1.0) * CELL_GAP)
                    .max(text_width(&title, 12.0, true) + 2.0 * BOX_PAD);
                (
                    w,
                    BOX_TITLE + rows * NODE_H + (rows - 1.0) * CELL_GAP + BOX_PAD,
                )
            }
        };
        (w.max(u.loop_w + 24.0), h + u.loop_room())
    };
    // Edges into one node with one label share it.
    let mut ids: HashMap<&str, u64> = HashMap::new();
    let shared: Vec<Option<u64>> = labels
        .iter()
        .map(|l| {
            let next = ids.len() as u64;
            Some(*ids.entry(l.as_str()).or_insert(next))
        })
        .collect();
    let layout_edges: Vec<layout::EdgeSpec> = bundles
        .iter()
        .zip(&labels)
        .map(|(b, label)| {
            let size =
                (!label.is_empty()).then(|| (label_width(label, drawn.styles[b.key]), LABEL_H));
            (end(b.from).0, end(b.to).0, size)
        })
        .collect();
    let input = |down: bool, cap: usize| layout::Input {
        nodes: (0..units.len()).map(|k| size(k, down, cap)).collect(),
        edges: layout_edges.clone(),
        shared: shared.clone(),
    };
    // Each way, and with boxes of up to so many lanes: boxes trade depth
    // for lanes, and the page decides.
    let widest = units
        .iter()
        .filter(|u| u.ns.is_some())
        .map(|u| (u.nodes.len() as f64).sqrt().ceil() as usize)
        .max()
        .unwrap_or(1);
    let mut caps: Vec<usize> = (1..=widest.min(4)).collect();
    if widest > 4 {
        caps.push(widest);
    }
    let choices: Vec<(bool, usize)> = caps
        .into_iter()
        .flat_map(|cap| [(false, cap), (true, cap)])
        .collect();
    let candidates: Vec<(bool, layout::Input)> = choices
        .iter()
        .map(|&(down, cap)| (down, input(down, cap)))
        .collect();
    let (placed, chosen) = layout_fitting_the_page(&candidates);
    let (down, cap) = choices[chosen];

    // A shared label is drawn once, by the first edge through it.
    let mut drawn_at: std::collections::HashSet<(i64, i64)> = Default::default();
    let labels: Vec<String> = labels
        .iter()
        .zip(&placed.edges)
        .map(|(l, route)| match route.label {
            Some(r) if !l.is_empty() => {
                if drawn_at.insert(((r.x * 10.0) as i64, (r.y * 10.0) as i64)) {
                    l.clone()
                } else {
                    String::new()
                }
            }
            _ => l.clone(),
        })
        .collect();

    // Units, boxes and the nodes in them.
    let mut unit_rect: Vec<Rect> = Vec::with_capacity(units.len());
    let mut placed_boxes = Vec::new();
    for (k, u) in units.iter().enumerate() {
        let r = placed.nodes[k];
        let room = u.loop_room();
        let rect = Rect {
            x: r.x,
            y: r.y + room,
            w: r.w,
            h: r.h - room,
        };
        unit_rect.push(rect);
        match u.ns {
            None => node_boxes[u.nodes[0]].rect = Rect { h: NODE_H, ..rect },
            Some(ns) => {
                let (at, _, _) = u.grid(down, cap);
                for (i, &v) in u.nodes.iter().enumerate() {
                    let (col, row) = (at[i].0 as f64, at[i].1 as f64);
                    node_boxes[v].rect = Rect {
                        x: rect.x + BOX_PAD + col * (cell_w[k] + CELL_GAP),
                        y: rect.y + BOX_TITLE + row * (NODE_H + CELL_GAP),
                        w: cell_w[k],
                        h: NODE_H,
                    };
                }
                placed_boxes.push(PlacedBox {
                    rect,
                    title: namespace_title(&drawn.namespaces[ns].0),
                    ns: drawn.namespaces[ns].0.clone(),
                });
            }
        }
    }
    let side_of = |e: bundle::End| -> (Side, Rect) {
        match end(e) {
            (_, Some(v)) => (Side::Cell(v), node_boxes[v].rect),
            (u, None) => (Side::Unit(u), unit_rect[u]),
        }
    };

    // The axis ranks follow (x left to right, or y top to bottom), and the
    // one across it.
    let along = |p: Pt| if down { p.y } else { p.x };
    let across = |p: Pt| if down { p.x } else { p.y };
    // Where edges meet a side: spread over it in the order of where they
    // come from, so that they do not cross there.
    // Edges through one shared label arrive as one: at one point, under
    // one arrowhead.
    type End = (bool, f64, usize, bool, Option<(i64, i64)>);
    let mut ends: HashMap<Side, (Rect, Vec<End>)> = HashMap::new();
    for (k, route) in placed.edges.iter().enumerate() {
        let p = &route.points;
        if p.len() < 2 {
            continue;
        }
        let b = &bundles[k];
        let (side, rect) = side_of(b.from);
        let after = along(p[1]) > along(p[0]);
        ends.entry(side)
            .or_insert((rect, Vec::new()))
            .1
            .push((after, across(p[1]), k, true, None));
        let (side, rect) = side_of(b.to);
        let after = along(p[p.len() - 2]) > along(p[p.len() - 1]);
        let through = route
            .label
            .map(|r| ((r.x * 10.0) as i64, (r.y * 10.0) as i64));
        ends.entry(side).or_insert((rect, Vec::new())).1.push((
            after,
            across(p[p.len() - 2]),
            k,
            false,
            through,
        ));
    }
    let mut anchor: Vec<[Pt; 2]> = vec![[Pt::default(); 2]; bundles.len()];
    for (r, list) in ends.values_mut() {
        list.sort_by(|a, b| {
            (a.0, a.1, a.4, a.2)
                .partial_cmp(&(b.0, b.1, b.4, b.2))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        for after in [false, true] {
            let side: Vec<&End> = list.iter().filter(|e| e.0 == after).collect();
            // One slot per edge, or per label its edges share.
            let mut slot = Vec::with_capacity(side.len());
            for (i, e) in side.iter().enumerate() {
                let joins = i > 0 && e.4.is_some() && e.4 == side[i - 1].4;
                let last = slot.last().copied().unwrap_or(0usize);
                slot.push(if i == 0 || joins { last } else { last + 1 });
            }
            let n = slot.last().map_or(0.0, |&s| s as f64 + 1.0);
            for (i, &&(_, _, k, start, _)) in side.iter().enumerate() {
                let share = (slot[i] as f64 + 1.0) / (n + 1.0);
                let p = if down {
                    Pt {
                        x: r.x + 10.0 + (r.w - 20.0) * share,
                        y: if after { r.y + r.h } else { r.y },
                    }
                } else {
                    Pt {
                        x: if after { r.x + r.w } else { r.x },
                        y: r.y + 8.0 + (r.h - 16.0) * share,
                    }
                };
                anchor[k][usize::from(!start)] = p;
            }
        }
    }

    let name_of = |e: bundle::End| -> String {
        match e {
            bundle::End::Node(v) => d.node(order[v]).id.clone(),
            bundle::End::Namespace(ns) => {
                format!("every workload in {}", drawn.namespaces[ns].0)
            }
        }
    };
    let key_of = |e: bundle::End| -> String {
        match e {
            bundle::End::Node(v) => d.key(order[v]).to_string(),
            bundle::End::Namespace(ns) => format!("namespace:{}", drawn.namespaces[ns].0),
        }
    };
    let mut placed_edges = Vec::with_capacity(bundles.len());
    for (k, b) in bundles.iter().enumerate() {
        let style = drawn.styles[b.key];
        let label = labels[k].clone();
        let lw = label_width(&label, style);
        let (ua, _) = end(b.from);
        let (points, path, label_box) = if ua == end(b.to).0 {
            loop_path(
                unit_rect[ua],
                loop_index[k],
                [b.from, b.to].map(|e| end(e).1.map(|v| node_boxes[v].rect)),
                lw,
            )
        } else {
            let route = &placed.edges[k];
            let mut points = route.points.clone();
            let last = points.len() - 1;
            points[0] = anchor[k][0];
            points[last] = anchor[k][1];
            let label_box = route.label.unwrap_or_default();
            let path = curve(&points, down);
            (points, path, label_box)
        };
        let mut policies: Vec<&str> = b
            .edges
            .iter()
            .flat_map(|&i| edges[i].3.policies.iter().map(String::as_str))
            .collect();
        policies.sort_unstable();
        policies.dedup();
        let mut tooltip = format!(
            "{} -> {}: {}",
            name_of(b.from),
            name_of(b.to),
            if b.edges.len() == 1 {
                super::edge_label(edges[b.edges[0]].3, d.pairs())
            } else {
                drawn.labels[b.key].clone()
            }
        );
        if b.edges.len() > 1 {
            let _ = write!(tooltip, "\n{} workload pairs", b.edges.len());
        }
        let _ = write!(
            tooltip,
            "\npolicies: {}",
            if policies.is_empty() {
                "(none: allowed by default)".to_string()
            } else {
                policies.join(", ")
            }
        );
        placed_edges.push(PlacedEdge {
            key: format!("e{}", edges[b.edges[0]].0.index()),
            members: b
                .edges
                .iter()
                .map(|&i| format!("e{}", edges[i].0.index()))
                .collect(),
            src: key_of(b.from),
            dst: key_of(b.to),
            pairs: b.edges.len(),
            style,
            path,
            points,
            label,
            label_box,
            tooltip,
        });
    }

    // Connector marks on the corners that face no edge: senders at the
    // top right, receivers at the top left.
    let mut marks = Vec::new();
    let mut connected = 0;
    if let Some(c) = &drawn.bundled.connector {
        connected = c.edges.len();
        for (list, sends) in [(&c.senders, true), (&c.receivers, false)] {
            for &e in list {
                let r = side_of(e).1;
                let x = if sends { r.x + r.w } else { r.x };
                let page_key = match e {
                    bundle::End::Node(v) => format!("n{}", order[v].index()),
                    bundle::End::Namespace(ns) => format!("ns:{}", drawn.namespaces[ns].0),
                };
                marks.push(Mark {
                    at: Pt { x, y: r.y },
                    sends,
                    key: key_of(e),
                    page_key,
                });
            }
        }
    }
    let mut nodes: Vec<Option<NodeBox>> = (0..g.node_count()).map(|_| None).collect();
    for (k, b) in node_boxes.into_iter().enumerate() {
        nodes[order[k].index()] = Some(b);
    }
    Placed {
        nodes,
        boxes: placed_boxes,
        edges: placed_edges,
        marks,
        connected,
    }
}

/// A smooth curve through `points`, leaving and entering each along the
/// ranks' axis.
fn curve(points: &[Pt], down: bool) -> String {
    let mut path = format!("M{} {}", num(points[0].x), num(points[0].y));
    for pair in points.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let (c1, c2) = if down {
            let mid = (a.y + b.y) / 2.0;
            (Pt { x: a.x, y: mid }, Pt { x: b.x, y: mid })
        } else {
            let mid = (a.x + b.x) / 2.0;
            (Pt { x: mid, y: a.y }, Pt { x: mid, y: b.y })
        };
        let _ = write!(
            path,
            " C{} {} {} {} {} {}",
            num(c1.x),
            num(c1.y),
            num(c2.x),
            num(c2.y),
            num(b.x),
            num(b.y)
        );
    }
    path
}

/// The `index`th loop over a unit (`r`, below its loop room), from and to
/// the unit itself or a node in it (`cells`): points, path and label box.
/// Loops rise to different heights, so that their labels stack.
fn loop_path(r: Rect, index: usize, cells: [Option<Rect>; 2], lw: f64) -> (Vec<Pt>, String, Rect) {
    let rise = LOOP_H + index as f64 * (LABEL_H + 4.0);
    // The unit's own ends sit right of centre, apart per loop, clear of
    // a box's title.
    let own = |second: bool| {
        let x = r.x + r.w * if second { 0.68 } else { 0.52 } + index as f64 * 8.0;
        Pt {
            x: x.min(r.x + r.w - 6.0),
            y: r.y,
        }
    };
    let [a, b] = [0, 1].map(|i| match cells[i] {
        Some(c) => Pt {
            x: c.x + c.w * if i == 0 { 0.7 } else { 0.85 },
            y: c.y,
        },
        None => own(i == 1),
    });
    let top = r.y - rise;
    let path = format!(
        "M{} {} C{} {} {} {} {} {}",
        num(a.x),
        num(a.y),
        num(a.x - 6.0),
        num(top),
        num(b.x + 6.0),
        num(top),
        num(b.x),
        num(b.y)
    );
    let mid = Pt {
        x: ((a.x + b.x) / 2.0)
            .min(r.x + r.w - lw / 2.0)
            .max(r.x + lw / 2.0),
        y: r.y - rise * 0.75 - index as f64 * 2.0,
    };
    let label_box = Rect {
        x: mid.x - lw / 2.0,
        y: mid.y - LABEL_H - 1.0,
        w: lw,
        h: LABEL_H,
    };
    (vec![a, mid, b], path, label_box)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_names_are_cut() {
        let cut = fit(&"x".repeat(100), 100.0, 10.0, false);
        assert!(cut.ends_with('…'));
        assert!(text_width(&cut, 10.0, false) <= 100.0);
    }

    #[test]
    fn numbers_are_short() {
        assert_eq!(num(12.0), "12");
        assert_eq!(num(12.345), "12.3");
        assert_eq!(num(-0.04), "0");
    }
}
