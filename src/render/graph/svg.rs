//! A self-contained SVG drawing, laid out here so that no Graphviz is
//! needed: a layered layout (`render::layout`) from left to right, each
//! edge a smooth curve through the points the layout gave it, its label in
//! the room the layout kept for it, so that no label covers a node or
//! another label. An edge from a node to itself (a namespace to itself in
//! the namespace view) is a loop over the node, in room kept above it.
//!
//! Everything is computed from the drawing order alone, so the same graph
//! gives the same bytes.

use std::fmt::Write;

use petgraph::graph::NodeIndex;

use super::{Drawing, Style, View, caption};

/// The graph as a standalone SVG document.
pub fn svg(view: &View) -> String {
    render(&Drawing::of_view(view), false)
}

const MARGIN: f64 = 24.0;
const TITLE_H: f64 = 52.0;
const NODE_H: f64 = 40.0;
const NODE_MIN_W: f64 = 104.0;
const NODE_MAX_W: f64 = 240.0;
const LABEL_SIZE: f64 = 10.5;
const LABEL_H: f64 = 15.0;
/// Room kept above a node for its loop and the loop's label.
const LOOP_H: f64 = 26.0;
/// Above this many edges, edges that allow everything carry no label:
/// their grey stroke says it, and dozens of "all" bury the port labels.
const LABEL_ALL_LIMIT: usize = 60;

use crate::render::layout::{self, Pt, Rect};

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

/// A node's caption and size. Range names are never cut: a range is only
/// read right whole.
fn node_box(d: &Drawing, n: NodeIndex) -> NodeBox {
    let node = d.node(n);
    let (title, sub) = caption(node);
    let sub = match &node.namespace {
        Some(ns) if !node.is_external() && *ns != node.name => format!("{ns} · {sub}"),
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
struct PlacedEdge {
    key: String,
    src: NodeIndex,
    dst: NodeIndex,
    style: Style,
    /// The SVG path data.
    path: String,
    points: Vec<Pt>,
    label: String,
    /// The label's box.
    label_box: Rect,
    tooltip: String,
}

/// The width a label takes with its halo; labels of restricted edges are
/// bold.
fn label_width(label: &str, style: Style) -> f64 {
    text_width(label, LABEL_SIZE, style != Style::All) + 10.0
}

/// The shape of the page a drawing is fitted to (a browser window).
const PAGE_ASPECT: f64 = 1.5;

/// The layered layout left to right, or top to bottom when that fits a
/// page at a larger scale (a graph with many ranks): returns the layout
/// in page coordinates and whether ranks run down.
fn layout_fitting_the_page(input: &layout::Input) -> (layout::Layout, bool) {
    let across = layout::layout(input);
    let scale = |l: &layout::Layout| (PAGE_ASPECT / l.width.max(1.0)).min(1.0 / l.height.max(1.0));
    let swap = |(w, h): (f64, f64)| (h, w);
    let transposed = layout::Input {
        nodes: input.nodes.iter().copied().map(swap).collect(),
        edges: input
            .edges
            .iter()
            .map(|&(s, t, label)| (s, t, label.map(swap)))
            .collect(),
        shared: input.shared.clone(),
    };
    let mut down = layout::layout(&transposed);
    if scale(&down) <= scale(&across) {
        return (across, false);
    }
    // Back into page coordinates: x and y change places.
    let flip = |r: Rect| Rect {
        x: r.y,
        y: r.x,
        w: r.h,
        h: r.w,
    };
    for r in &mut down.nodes {
        *r = flip(*r);
    }
    for route in &mut down.edges {
        for p in &mut route.points {
            *p = Pt { x: p.y, y: p.x };
        }
        route.label = route.label.map(flip);
    }
    std::mem::swap(&mut down.width, &mut down.height);
    (down, true)
}

/// Nodes and edges placed by the layered layout.
fn place(d: &Drawing) -> (Vec<Option<NodeBox>>, Vec<PlacedEdge>) {
    let g = &d.reach.graph;
    let order: Vec<NodeIndex> = d.nodes().collect();
    let mut at = vec![usize::MAX; g.node_count()];
    for (k, &n) in order.iter().enumerate() {
        at[n.index()] = k;
    }
    let label_all = d.edges.len() <= LABEL_ALL_LIMIT;
    let edges: Vec<_> = d.edges().collect();
    let labels: Vec<String> = edges
        .iter()
        .map(|&(e, _, _, w)| {
            if d.style(e, w) == Style::All && !label_all {
                String::new()
            } else {
                d.label(e, w)
            }
        })
        .collect();
    let mut boxes: Vec<NodeBox> = order.iter().map(|&n| node_box(d, n)).collect();
    // Room above a node for its loop and the loop's label.
    let mut loop_room = vec![0.0f64; order.len()];
    for (k, &(e, s, t, w)) in edges.iter().enumerate() {
        if s == t {
            let v = at[s.index()];
            loop_room[v] = LOOP_H + LABEL_H;
            let lw = label_width(&labels[k], d.style(e, w));
            boxes[v].rect.w = boxes[v].rect.w.max(lw);
        }
    }
    // Edges into one node with one label share it.
    let mut ids: std::collections::HashMap<&str, u64> = std::collections::HashMap::new();
    let shared: Vec<Option<u64>> = labels
        .iter()
        .map(|l| {
            let next = ids.len() as u64;
            Some(*ids.entry(l.as_str()).or_insert(next))
        })
        .collect();
    let input = layout::Input {
        nodes: boxes
            .iter()
            .zip(&loop_room)
            .map(|(b, room)| (b.rect.w, b.rect.h + room))
            .collect(),
        edges: edges
            .iter()
            .zip(&labels)
            .map(|(&(e, s, t, w), label)| {
                let size =
                    (!label.is_empty()).then(|| (label_width(label, d.style(e, w)), LABEL_H));
                (at[s.index()], at[t.index()], size)
            })
            .collect(),
        shared,
    };
    let (placed, down) = layout_fitting_the_page(&input);
    // A shared label is drawn once, by the first edge through it.
    let mut drawn: std::collections::HashSet<(i64, i64)> = Default::default();
    let labels: Vec<String> = labels
        .iter()
        .zip(&placed.edges)
        .map(|(l, route)| match route.label {
            Some(r) => {
                let at = ((r.x * 10.0) as i64, (r.y * 10.0) as i64);
                if drawn.insert(at) {
                    l.clone()
                } else {
                    String::new()
                }
            }
            None => l.clone(),
        })
        .collect();
    for (k, b) in boxes.iter_mut().enumerate() {
        let r = placed.nodes[k];
        b.rect = Rect {
            x: r.x,
            y: r.y + loop_room[k],
            w: r.w,
            h: NODE_H,
        };
    }
    // The axis ranks follow (x left to right, or y top to bottom), and the
    // one across it.
    let along = |p: Pt| if down { p.y } else { p.x };
    let across = |p: Pt| if down { p.x } else { p.y };
    // Where edges meet a node's side: spread over it in the order of
    // where they come from, so that they do not cross at the node.
    let mut ends: Vec<Vec<(bool, f64, usize, bool)>> = vec![Vec::new(); order.len()];
    for (k, route) in placed.edges.iter().enumerate() {
        let p = &route.points;
        if p.len() < 2 {
            continue;
        }
        let (s, t) = (input.edges[k].0, input.edges[k].1);
        let after = along(p[1]) > along(p[0]);
        ends[s].push((after, across(p[1]), k, true));
        let after = along(p[p.len() - 2]) > along(p[p.len() - 1]);
        ends[t].push((after, across(p[p.len() - 2]), k, false));
    }
    let mut anchor: Vec<[Pt; 2]> = vec![[Pt::default(); 2]; edges.len()];
    for (v, list) in ends.iter_mut().enumerate() {
        list.sort_by(|a, b| {
            (a.0, a.1)
                .partial_cmp(&(b.0, b.1))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let r = boxes[v].rect;
        for after in [false, true] {
            let side: Vec<&(bool, f64, usize, bool)> =
                list.iter().filter(|e| e.0 == after).collect();
            let n = side.len() as f64;
            for (i, &&(_, _, k, start)) in side.iter().enumerate() {
                let share = (i as f64 + 1.0) / (n + 1.0);
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
    let mut placed_edges = Vec::with_capacity(edges.len());
    for (k, &(e, s, t, w)) in edges.iter().enumerate() {
        let style = d.style(e, w);
        let label = labels[k].clone();
        let lw = label_width(&label, style);
        let (points, path, label_box) = if s == t {
            let r = boxes[at[s.index()]].rect;
            let (x1, x2, y) = (r.x + r.w * 0.35, r.x + r.w * 0.65, r.y);
            let path = format!(
                "M{} {} C{} {} {} {} {} {}",
                num(x1),
                num(y),
                num(x1 - 6.0),
                num(y - LOOP_H),
                num(x2 + 6.0),
                num(y - LOOP_H),
                num(x2),
                num(y)
            );
            let top = Pt {
                x: r.x + r.w / 2.0,
                y: y - LOOP_H * 0.75,
            };
            let label_box = Rect {
                x: top.x - lw / 2.0,
                y: top.y - LABEL_H - 1.0,
                w: lw,
                h: LABEL_H,
            };
            (vec![Pt { x: x1, y }, top, Pt { x: x2, y }], path, label_box)
        } else {
            let route = &placed.edges[k];
            let mut points = route.points.clone();
            let last = points.len() - 1;
            points[0] = anchor[k][0];
            points[last] = anchor[k][1];
            let label_box = route.label.unwrap_or_default();
            let mut path = format!("M{} {}", num(points[0].x), num(points[0].y));
            for pair in points.windows(2) {
                let (a, b) = (pair[0], pair[1]);
                // Leave and enter each point along the ranks' axis.
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
            (points, path, label_box)
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
        placed_edges.push(PlacedEdge {
            key: format!("e{}", e.index()),
            src: s,
            dst: t,
            style,
            path,
            points,
            label,
            label_box,
            tooltip,
        });
    }
    let mut nodes: Vec<Option<NodeBox>> = (0..g.node_count()).map(|_| None).collect();
    for (k, b) in boxes.into_iter().enumerate() {
        nodes[order[k].index()] = Some(b);
    }
    (nodes, placed_edges)
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
    let (nodes, edges) = place(d);

    let mut bounds = Bounds::new();
    for b in nodes.iter().flatten() {
        bounds.add_rect(&b.rect);
    }
    for e in &edges {
        for &p in &e.points {
            bounds.add(p);
        }
        if !e.label.is_empty() {
            bounds.add_rect(&e.label_box);
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
        let path = &e.path;
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

    out.push_str("<g class=\"nodes\">\n");
    for n in d.nodes() {
        let Some(b) = &nodes[n.index()] else {
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
        let r = e.label_box;
        let c = r.center();
        let _ = writeln!(
            out,
            "<g class=\"edge-label\" data-key=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.85\"/><text x=\"{}\" \
             y=\"{}\" font-size=\"{}\"{weight} text-anchor=\"middle\" fill=\"{}\" \
             stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" \
             paint-order=\"stroke\">{}</text></g>",
            e.key,
            num(r.x + 1.0),
            num(r.y + 1.0),
            num(r.w - 2.0),
            num(r.h - 2.0),
            num(c.x),
            num(c.y + 3.5),
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
