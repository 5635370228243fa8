//! A self-contained SVG drawing, laid out here so that no Graphviz is
//! needed: namespaces are boxes in a grid with their workloads inside,
//! external sources in a column on the left and external destinations on
//! the right; edges are curves (a pair of opposite edges bends apart), with
//! labels placed where they do not cover a node or another label.
//!
//! Everything is computed from the drawing order alone, so the same graph
//! gives the same bytes.

use std::fmt::Write;

use petgraph::graph::NodeIndex;

use super::{Drawing, Style, caption, namespace_title};
use crate::sim::reach::Reach;

/// The graph as a standalone SVG document.
pub fn svg(reach: &Reach) -> String {
    render(&Drawing::new(reach), false)
}

const MARGIN: f64 = 24.0;
const TITLE_H: f64 = 52.0;
const NODE_H: f64 = 40.0;
const NODE_MIN_W: f64 = 104.0;
const NODE_MAX_W: f64 = 240.0;
/// Between workloads inside a namespace: room for curves and labels.
const NODE_GAP_X: f64 = 84.0;
const NODE_GAP_Y: f64 = 64.0;
const NS_PAD: f64 = 22.0;
const NS_HEADER: f64 = 26.0;
const NS_GAP: f64 = 120.0;
/// Between the external columns and the namespaces.
const SIDE_GAP: f64 = 170.0;
const EXT_GAP: f64 = 26.0;
const LABEL_SIZE: f64 = 10.5;
const LABEL_H: f64 = 14.0;
/// Above this many edges times nodes, curves are not bent around nodes
/// (the check is quadratic and such a graph is read through the filters
/// anyway).
const AVOID_LIMIT: usize = 200_000;
/// Above this many edges, edges that allow everything carry no label:
/// their grey stroke says it, and dozens of "all" bury the port labels.
const LABEL_ALL_LIMIT: usize = 60;

#[derive(Clone, Copy, Debug, Default)]
struct Pt {
    x: f64,
    y: f64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn center(&self) -> Pt {
        Pt {
            x: self.x + self.w / 2.0,
            y: self.y + self.h / 2.0,
        }
    }

    fn contains(&self, p: Pt) -> bool {
        p.x >= self.x && p.x <= self.x + self.w && p.y >= self.y && p.y <= self.y + self.h
    }

    /// The area two rectangles share.
    fn overlap(&self, o: &Rect) -> f64 {
        let w = (self.x + self.w).min(o.x + o.w) - self.x.max(o.x);
        let h = (self.y + self.h).min(o.y + o.h) - self.y.max(o.y);
        if w > 0.0 && h > 0.0 { w * h } else { 0.0 }
    }

    fn inflate(&self, m: f64) -> Rect {
        Rect {
            x: self.x - m,
            y: self.y - m,
            w: self.w + 2.0 * m,
            h: self.h + 2.0 * m,
        }
    }

    /// Where a ray from the centre in direction `d` leaves the rectangle.
    fn border(&self, d: Pt) -> Pt {
        let c = self.center();
        let (hw, hh) = (self.w / 2.0, self.h / 2.0);
        let tx = if d.x.abs() > 1e-9 {
            hw / d.x.abs()
        } else {
            f64::INFINITY
        };
        let ty = if d.y.abs() > 1e-9 {
            hh / d.y.abs()
        } else {
            f64::INFINITY
        };
        let t = tx.min(ty);
        if t.is_finite() {
            Pt {
                x: c.x + d.x * t,
                y: c.y + d.y * t,
            }
        } else {
            c
        }
    }
}

/// Bounds of everything drawn, to size the canvas.
#[derive(Clone, Copy, Debug)]
struct Bounds {
    min: Pt,
    max: Pt,
}

impl Bounds {
    fn new() -> Self {
        Bounds {
            min: Pt {
                x: f64::INFINITY,
                y: f64::INFINITY,
            },
            max: Pt {
                x: f64::NEG_INFINITY,
                y: f64::NEG_INFINITY,
            },
        }
    }

    fn add(&mut self, p: Pt) {
        self.min.x = self.min.x.min(p.x);
        self.min.y = self.min.y.min(p.y);
        self.max.x = self.max.x.max(p.x);
        self.max.y = self.max.y.max(p.y);
    }

    fn add_rect(&mut self, r: &Rect) {
        self.add(Pt { x: r.x, y: r.y });
        self.add(Pt {
            x: r.x + r.w,
            y: r.y + r.h,
        });
    }

    fn is_empty(&self) -> bool {
        self.min.x > self.max.x
    }
}

/// Estimated width of a line of text (no font metrics in here: a slightly
/// generous average advance for Helvetica/Arial).
fn text_width(text: &str, size: f64, bold: bool) -> f64 {
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
fn num(v: f64) -> String {
    let r = (v * 10.0).round() / 10.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        format!("{r:.1}")
    }
}

/// Text for XML content and attribute values. Characters XML forbids
/// (controls other than tab and newline) are replaced.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A placed node: its box and caption.
struct NodeBox {
    rect: Rect,
    title: String,
    sub: String,
}

/// Positions of everything but edges.
struct Layout {
    /// Per node index.
    nodes: Vec<Option<NodeBox>>,
    /// Per namespace of the drawing.
    namespaces: Vec<Rect>,
    /// Headers over the external columns: (text, anchor point, side).
    headers: Vec<(&'static str, Pt, &'static str)>,
}

fn node_box(d: &Drawing, n: NodeIndex) -> NodeBox {
    let (title, sub) = caption(d.node(n));
    let inner = NODE_MAX_W - 20.0;
    let title = fit(&title, inner, 12.5, true);
    let sub = fit(&sub, inner, 10.0, false);
    let w = (text_width(&title, 12.5, true).max(text_width(&sub, 10.0, false)) + 24.0)
        .clamp(NODE_MIN_W, NODE_MAX_W);
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

fn layout(d: &Drawing) -> Layout {
    let mut nodes: Vec<Option<NodeBox>> = (0..d.reach.graph.node_count()).map(|_| None).collect();

    // Each namespace on its own, at the origin: a grid of workloads.
    let mut ns_sizes = Vec::new();
    let mut ns_members: Vec<Vec<(NodeIndex, NodeBox, f64, f64)>> = Vec::new();
    for (ns, members) in &d.namespaces {
        let cols = ((members.len() as f64).sqrt().ceil() as usize).clamp(1, 4);
        let rows = members.len().div_ceil(cols).max(1);
        let boxes: Vec<NodeBox> = members.iter().map(|&n| node_box(d, n)).collect();
        let cell_w = boxes.iter().map(|b| b.rect.w).fold(NODE_MIN_W, f64::max);
        let grid_w = cols as f64 * cell_w + (cols - 1) as f64 * NODE_GAP_X;
        let title_w = text_width(&namespace_title(ns), 13.0, true);
        let w = grid_w.max(title_w) + 2.0 * NS_PAD;
        let h = NS_HEADER + 2.0 * NS_PAD + rows as f64 * NODE_H + (rows - 1) as f64 * NODE_GAP_Y;
        let x0 = (w - grid_w) / 2.0;
        let placed = members
            .iter()
            .zip(boxes)
            .enumerate()
            .map(|(k, (&n, b))| {
                let (r, c) = (k / cols, k % cols);
                let x = x0 + c as f64 * (cell_w + NODE_GAP_X) + (cell_w - b.rect.w) / 2.0;
                let y = NS_HEADER + NS_PAD + r as f64 * (NODE_H + NODE_GAP_Y);
                (n, b, x, y)
            })
            .collect();
        ns_sizes.push((w, h));
        ns_members.push(placed);
    }

    // Namespaces in a grid, row by row.
    let count = ns_sizes.len();
    let gcols = ((count as f64).sqrt().ceil() as usize).max(1);
    let grows = count.div_ceil(gcols);
    let mut col_w = vec![0.0f64; gcols];
    let mut row_h = vec![0.0f64; grows];
    for (k, &(w, h)) in ns_sizes.iter().enumerate() {
        col_w[k % gcols] = col_w[k % gcols].max(w);
        row_h[k / gcols] = row_h[k / gcols].max(h);
    }
    let left_w = d
        .sources
        .iter()
        .map(|&n| node_box(d, n).rect.w)
        .fold(0.0, f64::max);
    let cluster_x = if d.sources.is_empty() {
        0.0
    } else {
        left_w + SIDE_GAP
    };
    let mut namespaces = Vec::new();
    for (k, ((w, h), members)) in ns_sizes.iter().zip(ns_members).enumerate() {
        let (r, c) = (k / gcols, k % gcols);
        let x = cluster_x + col_w[..c].iter().map(|w| w + NS_GAP).sum::<f64>();
        let y = row_h[..r].iter().map(|h| h + NS_GAP).sum::<f64>();
        namespaces.push(Rect { x, y, w: *w, h: *h });
        for (n, mut b, nx, ny) in members {
            b.rect.x = x + nx;
            b.rect.y = y + ny;
            nodes[n.index()] = Some(b);
        }
    }
    let cluster_w = col_w.iter().sum::<f64>() + gcols.saturating_sub(1) as f64 * NS_GAP;
    let cluster_w = if count == 0 { 0.0 } else { cluster_w };
    let cluster_h = row_h.iter().sum::<f64>() + grows.saturating_sub(1) as f64 * NS_GAP;

    // External columns, centred on the namespaces.
    let mut headers = Vec::new();
    let right_x = cluster_x + cluster_w + if count == 0 { 0.0 } else { SIDE_GAP };
    for (list, x, header, side) in [
        (&d.sources, 0.0, "from outside", "sources"),
        (&d.destinations, right_x, "to outside", "destinations"),
    ] {
        if list.is_empty() {
            continue;
        }
        let boxes: Vec<NodeBox> = list.iter().map(|&n| node_box(d, n)).collect();
        let col_w = boxes.iter().map(|b| b.rect.w).fold(0.0, f64::max);
        let col_h =
            boxes.iter().map(|b| b.rect.h).sum::<f64>() + (boxes.len() - 1) as f64 * EXT_GAP;
        let mut y = ((cluster_h - col_h) / 2.0).max(0.0);
        headers.push((
            header,
            Pt {
                x: x + col_w / 2.0,
                y: y - 12.0,
            },
            side,
        ));
        for (&n, mut b) in list.iter().zip(boxes) {
            // Sources hug the namespaces from the left, destinations from
            // the right.
            b.rect.x = if side == "destinations" {
                x
            } else {
                x + col_w - b.rect.w
            };
            b.rect.y = y;
            y += b.rect.h + EXT_GAP;
            nodes[n.index()] = Some(b);
        }
    }
    Layout {
        nodes,
        namespaces,
        headers,
    }
}

/// Where labels must not go: namespace titles and column headers.
fn reserved(d: &Drawing, layout: &Layout) -> Vec<Rect> {
    let titles = d
        .namespaces
        .iter()
        .zip(&layout.namespaces)
        .map(|((ns, _), r)| Rect {
            x: r.x + NS_PAD / 1.5,
            y: r.y + 8.0,
            w: text_width(&namespace_title(ns), 13.0, true),
            h: 17.0,
        });
    let headers = layout.headers.iter().map(|(text, p, _)| {
        let w = text_width(text, 11.0, false);
        Rect {
            x: p.x - w / 2.0,
            y: p.y - 12.0,
            w,
            h: 14.0,
        }
    });
    titles.chain(headers).collect()
}

/// An edge's curve: from `a` through control `c` to `b`; a self-loop is a
/// cubic with two controls.
enum Curve {
    Quad { a: Pt, c: Pt, b: Pt },
    Loop { a: Pt, c1: Pt, c2: Pt, b: Pt },
}

impl Curve {
    fn at(&self, t: f64) -> Pt {
        let u = 1.0 - t;
        match *self {
            Curve::Quad { a, c, b } => Pt {
                x: u * u * a.x + 2.0 * u * t * c.x + t * t * b.x,
                y: u * u * a.y + 2.0 * u * t * c.y + t * t * b.y,
            },
            Curve::Loop { a, c1, c2, b } => Pt {
                x: u * u * u * a.x
                    + 3.0 * u * u * t * c1.x
                    + 3.0 * u * t * t * c2.x
                    + t * t * t * b.x,
                y: u * u * u * a.y
                    + 3.0 * u * u * t * c1.y
                    + 3.0 * u * t * t * c2.y
                    + t * t * t * b.y,
            },
        }
    }

    fn path(&self) -> String {
        match self {
            Curve::Quad { a, c, b } => format!(
                "M{} {} Q{} {} {} {}",
                num(a.x),
                num(a.y),
                num(c.x),
                num(c.y),
                num(b.x),
                num(b.y)
            ),
            Curve::Loop { a, c1, c2, b } => format!(
                "M{} {} C{} {} {} {} {} {}",
                num(a.x),
                num(a.y),
                num(c1.x),
                num(c1.y),
                num(c2.x),
                num(c2.y),
                num(b.x),
                num(b.y)
            ),
        }
    }

    fn points(&self) -> Vec<Pt> {
        match *self {
            Curve::Quad { a, c, b } => vec![a, c, b],
            Curve::Loop { a, c1, c2, b } => vec![a, c1, c2, b],
        }
    }
}

/// The curve from `from` to `to`, bent to the right of its direction (so
/// the opposite edge bends the other way) and further when it would cross
/// another node.
fn curve(from: &Rect, to: &Rect, obstacles: Option<&[Rect]>) -> Curve {
    let (p, q) = (from.center(), to.center());
    let (dx, dy) = (q.x - p.x, q.y - p.y);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let perp = Pt {
        x: -dy / len,
        y: dx / len,
    };
    let mid = Pt {
        x: (p.x + q.x) / 2.0,
        y: (p.y + q.y) / 2.0,
    };
    // Long edges bend a little more, but never into wide arcs: crossing a
    // node is easier to read than a curve that leaves the picture.
    let base = (12.0 + 0.08 * len).min(70.0);
    let control = |k: f64| Pt {
        x: mid.x + perp.x * base * k,
        y: mid.y + perp.y * base * k,
    };
    let crossings = |c: Pt| -> usize {
        let Some(obstacles) = obstacles else { return 0 };
        let quad = Curve::Quad { a: p, c, b: q };
        (1..20)
            .map(|i| quad.at(f64::from(i) / 20.0))
            .filter(|pt| {
                obstacles.iter().any(|r| {
                    r.inflate(6.0).contains(*pt) && !from.contains(*pt) && !to.contains(*pt)
                })
            })
            .count()
    };
    let mut best = (usize::MAX, control(1.0));
    for k in [1.0, 1.7, 2.5] {
        let c = control(k);
        let n = crossings(c);
        if n < best.0 {
            best = (n, c);
        }
        if n == 0 {
            break;
        }
    }
    let c = best.1;
    let a = from.border(Pt {
        x: c.x - p.x,
        y: c.y - p.y,
    });
    let b = to.inflate(1.5).border(Pt {
        x: c.x - q.x,
        y: c.y - q.y,
    });
    Curve::Quad { a, c, b }
}

fn self_loop(r: &Rect) -> Curve {
    let (x, y) = (r.x + r.w, r.y);
    Curve::Loop {
        a: Pt { x: x - 26.0, y },
        c1: Pt {
            x: x - 26.0,
            y: y - 38.0,
        },
        c2: Pt {
            x: x + 38.0,
            y: y + 12.0,
        },
        b: Pt {
            x: x + 1.5,
            y: y + 14.0,
        },
    }
}

/// The rectangle a label centred at `p` takes.
fn label_rect(p: Pt, w: f64) -> Rect {
    Rect {
        x: p.x - w / 2.0,
        y: p.y - LABEL_H / 2.0,
        w,
        h: LABEL_H,
    }
}

struct PlacedEdge {
    key: String,
    src: NodeIndex,
    dst: NodeIndex,
    style: Style,
    curve: Curve,
    label: String,
    label_at: Pt,
    tooltip: String,
}

impl PlacedEdge {
    /// The label's width with its halo; labels of restricted edges are bold.
    fn label_width(&self) -> f64 {
        text_width(&self.label, LABEL_SIZE, self.style != Style::All) + 8.0
    }
}

fn place_edges(d: &Drawing, layout: &Layout) -> Vec<PlacedEdge> {
    let rect = |n: NodeIndex| {
        layout.nodes[n.index()]
            .as_ref()
            .map(|b| b.rect)
            .unwrap_or_default()
    };
    let obstacles: Vec<Rect> = d.nodes().map(rect).collect();
    let avoid = d.edges.len().saturating_mul(obstacles.len()) <= AVOID_LIMIT;
    let label_all = d.edges.len() <= LABEL_ALL_LIMIT;
    let mut edges: Vec<PlacedEdge> = d
        .edges()
        .map(|(e, s, t, w)| {
            let curve = if s == t {
                self_loop(&rect(s))
            } else {
                curve(&rect(s), &rect(t), avoid.then_some(obstacles.as_slice()))
            };
            let policies: Vec<&str> = w.policies.iter().map(String::as_str).collect();
            let tooltip = format!(
                "{} -> {}: {}\npolicies: {}",
                d.node(s).id,
                d.node(t).id,
                super::edge_label(w, "pods"),
                if policies.is_empty() {
                    "(none: allowed by default)".to_string()
                } else {
                    policies.join(", ")
                }
            );
            let style = d.style(e, w);
            PlacedEdge {
                key: format!("e{}", e.index()),
                src: s,
                dst: t,
                style,
                label: if style == Style::All && !label_all {
                    String::new()
                } else {
                    d.label(e, w)
                },
                label_at: curve.at(0.5),
                curve,
                tooltip,
            }
        })
        .collect();

    // Labels: the restricted edges (the interesting ones) choose first.
    let mut order: Vec<usize> = (0..edges.len()).collect();
    order.sort_by_key(|&i| (edges[i].style == Style::All, i));
    let mut taken: Vec<Rect> = obstacles.iter().map(|r| r.inflate(2.0)).collect();
    taken.extend(reserved(d, layout));
    let check = taken.len() + edges.len() <= 20_000;
    for i in order {
        let e = &mut edges[i];
        if e.label.is_empty() {
            continue;
        }
        let w = e.label_width();
        if let Curve::Loop { c2, .. } = e.curve {
            e.label_at = Pt {
                x: c2.x - 4.0 + w / 2.0,
                y: c2.y - 22.0,
            };
            taken.push(label_rect(e.label_at, w));
            continue;
        }
        // Along the curve from its middle outwards, then the same spots
        // nudged off the stroke; the first free spot wins, else the one
        // covering least.
        let mid = e.curve.at(0.5);
        if !check {
            e.label_at = mid;
            taken.push(label_rect(mid, w));
            continue;
        }
        let mut best = (f64::INFINITY, mid);
        'search: for shift in [0.0, -LABEL_H * 0.7, LABEL_H * 0.7] {
            for t in [0.5, 0.4, 0.6, 0.3, 0.7, 0.22, 0.78] {
                let mut p = e.curve.at(t);
                p.y += shift;
                let r = label_rect(p, w);
                let covered: f64 = taken.iter().map(|o| o.overlap(&r)).sum();
                if covered < best.0 {
                    best = (covered, p);
                }
                if covered == 0.0 {
                    break 'search;
                }
            }
        }
        e.label_at = best.1;
        taken.push(label_rect(e.label_at, w));
    }
    edges
}

fn marker_id(style: Style) -> String {
    format!("arrow-{}", style.name())
}

/// Stroke attributes of an edge of a style.
fn stroke(style: Style) -> String {
    let (width, dash) = match style {
        Style::All => (1.0, None),
        Style::Ports => (1.8, None),
        Style::L7 => (1.8, Some("7 4")),
        Style::Auth => (2.0, Some("2 3")),
        Style::Gained => (2.2, None),
        Style::Lost => (2.2, Some("7 4")),
        Style::Marks => (2.0, Some("2 3")),
    };
    let mut out = format!(
        "fill=\"none\" stroke=\"{}\" stroke-width=\"{}\"",
        style.color(),
        num(width)
    );
    if let Some(dash) = dash {
        out.push_str(&format!(" stroke-dasharray=\"{dash}\""));
    }
    out
}

/// The SVG document; `interactive` adds wide invisible strokes so that
/// edges are easy to click in the HTML page.
pub(super) fn render(d: &Drawing, interactive: bool) -> String {
    let layout = layout(d);
    let edges = place_edges(d, &layout);

    let mut bounds = Bounds::new();
    for r in &layout.namespaces {
        bounds.add_rect(r);
    }
    for b in layout.nodes.iter().flatten() {
        bounds.add_rect(&b.rect);
    }
    for (text, p, _) in &layout.headers {
        let w = text_width(text, 11.0, false);
        bounds.add_rect(&Rect {
            x: p.x - w / 2.0,
            y: p.y - 12.0,
            w,
            h: 14.0,
        });
    }
    for e in &edges {
        for p in e.curve.points() {
            bounds.add(p);
        }
        if !e.label.is_empty() {
            let w = e.label_width();
            bounds.add_rect(&label_rect(e.label_at, w));
        }
    }
    if bounds.is_empty() {
        bounds.add(Pt::default());
        bounds.add(Pt { x: 320.0, y: 40.0 });
    }
    let content_w = bounds.max.x - bounds.min.x;
    let content_h = bounds.max.y - bounds.min.y;
    // The page around an interactive drawing has its own heading.
    let title_h = if interactive { 0.0 } else { TITLE_H };
    let (tx, ty) = (MARGIN - bounds.min.x, MARGIN + title_h - bounds.min.y);

    let summary = d.summary();
    let title_w = text_width(&summary, 12.0, false).max(text_width(d.title(), 17.0, true));
    // The page shows its own legend beside the drawing.
    let legend = if interactive {
        Legend {
            body: String::new(),
            width: 0.0,
            height: 0.0,
        }
    } else {
        legend(false, d.styles())
    };
    let width = (content_w.max(title_w).max(legend.width) + 2.0 * MARGIN).ceil();
    let legend_y = MARGIN + title_h + content_h + if interactive { 0.0 } else { 30.0 };
    let height = (legend_y + legend.height + MARGIN).ceil();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"polctl-graph\" width=\"{w}\" \
         height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"Helvetica, Arial, sans-serif\">",
        w = num(width),
        h = num(height)
    );
    let _ = writeln!(out, "<title>{}: {}</title>", d.title(), esc(&summary));
    out.push_str("<defs>\n");
    for &style in d.styles() {
        let _ = writeln!(
            out,
            "<marker id=\"{}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"9\" \
             markerHeight=\"9\" markerUnits=\"userSpaceOnUse\" orient=\"auto\">\
             <path d=\"M0 0 L10 5 L0 10 z\" fill=\"{}\"/></marker>",
            marker_id(style),
            style.color()
        );
    }
    out.push_str("</defs>\n");
    out.push_str("<rect class=\"background\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
    if !interactive {
        let _ = writeln!(
            out,
            "<text x=\"{m}\" y=\"{y1}\" font-size=\"17\" font-weight=\"bold\" \
             fill=\"#1d2939\">{}</text>\n<text x=\"{m}\" y=\"{y2}\" \
             font-size=\"12\" fill=\"#475467\">{}</text>",
            d.title(),
            esc(&summary),
            m = num(MARGIN),
            y1 = num(MARGIN + 14.0),
            y2 = num(MARGIN + 32.0)
        );
    }
    let _ = writeln!(
        out,
        "<g class=\"content\" transform=\"translate({} {})\">",
        num(tx),
        num(ty)
    );

    out.push_str("<g class=\"namespaces\">\n");
    for ((ns, _), r) in d.namespaces.iter().zip(&layout.namespaces) {
        let _ = writeln!(
            out,
            "<rect class=\"namespace\" data-ns=\"{}\" x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\" rx=\"12\" fill=\"#f4f6fa\" stroke=\"#c5cdd8\"/>",
            esc(ns),
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h),
        );
    }
    out.push_str("</g>\n");

    for (text, p, side) in &layout.headers {
        let _ = writeln!(
            out,
            "<text class=\"column-title\" data-side=\"{side}\" x=\"{}\" y=\"{}\" \
             font-size=\"11\" text-anchor=\"middle\" fill=\"#8a6d00\">{text}</text>",
            num(p.x),
            num(p.y)
        );
    }

    out.push_str("<g class=\"edges\">\n");
    for e in &edges {
        let _ = write!(
            out,
            "<g class=\"edge {}\" data-key=\"{}\" data-src=\"{}\" data-dst=\"{}\"><title>{}</title>",
            e.style.name(),
            e.key,
            esc(d.key(e.src)),
            esc(d.key(e.dst)),
            esc(&e.tooltip)
        );
        let path = e.curve.path();
        if interactive {
            let _ = write!(
                out,
                "<path class=\"hit\" d=\"{path}\" fill=\"none\" stroke=\"transparent\" \
                 stroke-width=\"12\"/>"
            );
        }
        let _ = writeln!(
            out,
            "<path d=\"{path}\" {} marker-end=\"url(#{})\"/></g>",
            stroke(e.style),
            marker_id(e.style)
        );
    }
    out.push_str("</g>\n");

    // Namespace titles over the edges, which may pass behind them.
    out.push_str("<g class=\"namespace-titles\">\n");
    for ((ns, _), r) in d.namespaces.iter().zip(&layout.namespaces) {
        let _ = writeln!(
            out,
            "<text class=\"namespace-title\" data-ns=\"{}\" x=\"{}\" y=\"{}\" \
             font-size=\"13\" font-weight=\"bold\" fill=\"#344054\" stroke=\"#f4f6fa\" \
             stroke-width=\"4\" stroke-linejoin=\"round\" paint-order=\"stroke\">{}</text>",
            esc(ns),
            num(r.x + NS_PAD / 1.5),
            num(r.y + 21.0),
            esc(&namespace_title(ns))
        );
    }
    out.push_str("</g>\n");

    out.push_str("<g class=\"nodes\">\n");
    for n in d.nodes() {
        let Some(b) = &layout.nodes[n.index()] else {
            continue;
        };
        let node = d.node(n);
        let r = b.rect;
        let mut tip = node.id.clone();
        for (k, v) in &node.labels {
            tip.push_str(&format!("\n{k}={v}"));
        }
        let (kind, shape) = if node.is_external() {
            (
                "external",
                format!(
                    "rx=\"{}\" fill=\"#fff4d6\" stroke=\"#b08800\" stroke-dasharray=\"4 3\"",
                    num(r.h / 2.0)
                ),
            )
        } else {
            (
                "workload",
                "rx=\"6\" fill=\"#ffffff\" stroke=\"#4a6fa5\" stroke-width=\"1.2\"".to_string(),
            )
        };
        let _ = writeln!(
            out,
            "<g class=\"node {kind}\" data-key=\"n{}\" data-id=\"{}\" data-ns=\"{}\">\
             <title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {shape}/>\
             <text x=\"{cx}\" y=\"{}\" font-size=\"12.5\" font-weight=\"bold\" \
             text-anchor=\"middle\" fill=\"#101828\">{}</text><text x=\"{cx}\" y=\"{}\" \
             font-size=\"10\" text-anchor=\"middle\" fill=\"#667085\">{}</text></g>",
            n.index(),
            esc(&node.id),
            esc(node.namespace.as_deref().unwrap_or("")),
            esc(&tip),
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h),
            num(r.y + 17.0),
            esc(&b.title),
            num(r.y + 31.0),
            esc(&b.sub),
            cx = num(r.x + r.w / 2.0),
        );
    }
    out.push_str("</g>\n");

    out.push_str("<g class=\"labels\">\n");
    for e in edges.iter().filter(|e| !e.label.is_empty()) {
        let weight = if e.style == Style::All {
            ""
        } else {
            " font-weight=\"bold\""
        };
        // A light backing keeps the stroke under the label (and between
        // its words) from showing through.
        let r = label_rect(e.label_at, e.label_width() - 2.0);
        let _ = writeln!(
            out,
            "<g class=\"edge-label\" data-key=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.85\"/><text x=\"{}\" \
             y=\"{}\" font-size=\"{}\"{weight} text-anchor=\"middle\" fill=\"{}\" \
             stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" \
             paint-order=\"stroke\">{}</text></g>",
            e.key,
            num(r.x),
            num(r.y + 1.0),
            num(r.w),
            num(r.h - 2.0),
            num(e.label_at.x),
            num(e.label_at.y + 3.5),
            num(LABEL_SIZE),
            e.style.text_color(),
            esc(&e.label)
        );
    }
    out.push_str("</g>\n</g>\n");

    if !interactive {
        let _ = writeln!(
            out,
            "<g class=\"legend\" transform=\"translate({} {})\">",
            num(MARGIN),
            num(legend_y)
        );
        out.push_str(&legend.body);
        out.push_str("</g>\n");
    }
    out.push_str("</svg>\n");
    out
}

struct Legend {
    body: String,
    width: f64,
    height: f64,
}

/// What the shapes and strokes mean: samples in a row, or one under
/// another (`vertical`, beside the drawing in the HTML page).
fn legend(vertical: bool, styles: &[Style]) -> Legend {
    const ROW: f64 = 20.0;
    let mut body = String::new();
    let (mut x, mut y, mut width) = (0.0f64, 0.0f64, 0.0f64);
    let mut next = |x: &mut f64, y: &mut f64, item_w: f64| {
        width = width.max(*x + item_w);
        if vertical {
            *y += ROW;
        } else {
            *x += item_w + 22.0;
        }
    };
    let _ = writeln!(
        body,
        "<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"12\" rx=\"3\" fill=\"#ffffff\" \
         stroke=\"#4a6fa5\"/><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#344054\">\
         workload</text>",
        num(x + 4.0),
        num(y),
        num(x + 36.0),
        num(y + 10.0)
    );
    next(&mut x, &mut y, 36.0 + text_width("workload", 11.0, false));
    let _ = writeln!(
        body,
        "<rect x=\"{}\" y=\"{}\" width=\"22\" height=\"12\" rx=\"6\" fill=\"#fff4d6\" \
         stroke=\"#b08800\" stroke-dasharray=\"4 3\"/><text x=\"{}\" y=\"{}\" \
         font-size=\"11\" fill=\"#344054\">external range</text>",
        num(x + 4.0),
        num(y),
        num(x + 36.0),
        num(y + 10.0)
    );
    next(
        &mut x,
        &mut y,
        36.0 + text_width("external range", 11.0, false),
    );
    for &style in styles {
        let text = match style {
            Style::All => "all connections",
            Style::Ports => "only the listed ports",
            Style::L7 => "[L7] filtered by an L7 proxy",
            Style::Auth => "[auth] needs mutual authentication",
            Style::Gained => "+ connections gained",
            Style::Lost => "- connections lost",
            Style::Marks => "L7 or authentication changed",
        };
        let _ = writeln!(
            body,
            "<path d=\"M{} {y6} L{} {y6}\" {} marker-end=\"url(#{})\"/><text x=\"{}\" \
             y=\"{}\" font-size=\"11\" fill=\"{}\">{}</text>",
            num(x),
            num(x + 30.0),
            stroke(style),
            marker_id(style),
            num(x + 36.0),
            num(y + 10.0),
            style.text_color(),
            esc(text),
            y6 = num(y + 6.0)
        );
        next(&mut x, &mut y, 36.0 + text_width(text, 11.0, false));
    }
    let height = if vertical { y - ROW + 14.0 } else { 14.0 };
    Legend {
        body,
        width,
        height,
    }
}

/// The legend as its own small SVG for the HTML page. Its arrowheads are
/// the drawing's markers, which the page holds once.
pub(super) fn legend_svg(styles: &[Style]) -> String {
    let l = legend(true, styles);
    let (w, h) = (l.width.ceil() + 4.0, l.height.ceil() + 4.0);
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"-2 -2 {w} {h}\" font-family=\"Helvetica, Arial, sans-serif\">\n{}</svg>\n",
        l.body
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_xml_well_formed() {
        assert_eq!(esc("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
        assert_eq!(esc("bell\u{7}"), "bell\u{fffd}");
    }

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
