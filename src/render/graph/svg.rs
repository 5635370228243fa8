//! A self-contained SVG drawing, placed here (`place`) so that no
//! Graphviz is needed: namespace boxes, nodes, each edge a smooth curve
//! with its arrowhead and its label on a light backing, connector marks,
//! the title and a legend.
//!
//! The same graph gives the same bytes.

use std::fmt::Write;

use super::place::{BOX_PAD, LABEL_SIZE, MARK_R, Mark, Placed, PlacedEdge, num, place, text_width};
use super::{Drawing, Style, View};

/// The graph as a standalone SVG document.
pub fn svg(view: &View) -> String {
    render(&Drawing::of_view(view), false)
}

const MARGIN: f64 = 24.0;
const TITLE_H: f64 = 52.0;

use crate::render::layout::{Pt, Rect};

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
    draw(d, interactive).0
}

/// The SVG document, and what its legend has to explain beyond nodes and
/// strokes.
pub(super) fn draw(d: &Drawing, interactive: bool) -> (String, Extras) {
    let Placed {
        nodes,
        boxes,
        edges,
        marks,
        connected,
    } = place(d);

    let mut bounds = Bounds::new();
    for b in nodes.iter().flatten() {
        bounds.add_rect(&b.rect);
    }
    for b in &boxes {
        bounds.add_rect(&b.rect);
    }
    for Mark { at: p, .. } in &marks {
        bounds.add(Pt {
            x: p.x - MARK_R,
            y: p.y - MARK_R,
        });
        bounds.add(Pt {
            x: p.x + MARK_R,
            y: p.y + MARK_R,
        });
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
    let extras = Extras {
        boxes: !boxes.is_empty(),
        connected,
    };
    let legend = if interactive {
        Legend {
            body: String::new(),
            width: 0.0,
            height: 0.0,
        }
    } else {
        legend(false, d.styles(), extras)
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

    out.push_str("<g class=\"boxes\">\n");
    for b in &boxes {
        let r = b.rect;
        let _ = writeln!(
            out,
            "<g class=\"namespace-box namespace\" data-ns=\"{}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\" rx=\"8\" fill=\"#f2f6fb\" stroke=\"#9fb3cc\" stroke-width=\"1.2\"/>\
             <text x=\"{}\" y=\"{}\" font-size=\"12\" font-weight=\"bold\" fill=\"#344054\">{}</text></g>",
            esc(&b.ns),
            num(r.x),
            num(r.y),
            num(r.w),
            num(r.h),
            num(r.x + BOX_PAD),
            num(r.y + 17.0),
            esc(&b.title)
        );
    }
    out.push_str("</g>\n");

    out.push_str("<g class=\"edges\">\n");
    for e in &edges {
        let _ = write!(
            out,
            "<g class=\"edge {}\" data-key=\"{}\" data-src=\"{}\" data-dst=\"{}\" \
             data-pairs=\"{}\"{}><title>{}</title>",
            e.style.name(),
            e.key,
            esc(&e.src),
            esc(&e.dst),
            e.pairs,
            members(e, interactive),
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
            "<g class=\"node {kind}\" data-key=\"n{}\" data-ref=\"{}\" data-id=\"{}\" data-ns=\"{}\">\
             <title>{}</title><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" {shape}/>\
             <text x=\"{cx}\" y=\"{}\" font-size=\"12.5\" font-weight=\"bold\" \
             text-anchor=\"middle\" fill=\"#101828\">{}</text><text x=\"{cx}\" y=\"{}\" \
             font-size=\"10\" text-anchor=\"middle\" fill=\"#667085\">{}</text></g>",
            n.index(),
            esc(d.key(n)),
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

    if !marks.is_empty() {
        out.push_str("<g class=\"connector\">\n");
        for m in &marks {
            let mut attrs = format!("<circle data-node=\"{}\" ", esc(&m.key));
            if interactive {
                let _ = write!(attrs, "data-for=\"{}\" ", esc(&m.page_key));
            }
            out.push_str(&mark(m.at, m.sends).replace("<circle ", &attrs));
        }
        out.push_str("</g>\n");
    }

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
            "<g class=\"edge-label\" data-key=\"{}\"{}><rect x=\"{}\" y=\"{}\" width=\"{}\" \
             height=\"{}\" rx=\"3\" fill=\"#ffffff\" fill-opacity=\"0.85\"/><text x=\"{}\" \
             y=\"{}\" font-size=\"{}\"{weight} text-anchor=\"middle\" fill=\"{}\" \
             stroke=\"#ffffff\" stroke-width=\"3\" stroke-linejoin=\"round\" \
             paint-order=\"stroke\">{}</text></g>",
            e.key,
            members(e, interactive),
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
    (out, extras)
}

struct Legend {
    body: String,
    width: f64,
    height: f64,
}

/// The page's script finds a bundle's element by any edge it stands for.
fn members(e: &PlacedEdge, interactive: bool) -> String {
    if interactive && e.members.len() > 1 {
        format!(" data-edges=\"{}\"", e.members.join(" "))
    } else {
        String::new()
    }
}

/// A connector mark: filled where every open edge leaves, hollow where
/// every one arrives.
fn mark(p: Pt, sends: bool) -> String {
    let fill = if sends { "#667085" } else { "#ffffff" };
    format!(
        "<circle class=\"{}\" cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\" stroke=\"#667085\" \
         stroke-width=\"1.5\"/>\n",
        if sends { "sends" } else { "receives" },
        num(p.x),
        num(p.y),
        num(MARK_R)
    )
}

/// What a drawing's legend explains beyond nodes and strokes.
#[derive(Clone, Copy, Default)]
pub(super) struct Extras {
    /// Namespace boxes are drawn.
    boxes: bool,
    /// The pairs a connector stands for (none: no connector).
    connected: usize,
}

/// What the shapes and strokes mean: samples in a row, or one under
/// another (`vertical`, beside the drawing in the HTML page).
fn legend(vertical: bool, styles: &[Style], extras: Extras) -> Legend {
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
    // What bundling drew: a second row under the samples; beside the
    // drawing, each in two lines.
    let mut second: Vec<(String, Vec<String>)> = Vec::new();
    if extras.boxes {
        second.push((
            "<rect x=\"4\" y=\"-1\" width=\"26\" height=\"14\" rx=\"4\" fill=\"#f2f6fb\" \
             stroke=\"#9fb3cc\"/>"
                .to_string(),
            vec![
                "namespace: an edge to or from its box".to_string(),
                "holds for every workload in it".to_string(),
            ],
        ));
    }
    if extras.connected > 0 {
        second.push((
            format!(
                "{}<path d=\"M10 6 L22 6\" {} marker-end=\"url(#{})\"/>{}",
                mark(Pt { x: 4.0, y: 6.0 }, true).trim_end(),
                stroke(Style::All),
                marker_id(Style::All),
                mark(Pt { x: 30.0, y: 6.0 }, false).trim_end(),
            ),
            vec![
                "all connections from every filled mark".to_string(),
                "to every hollow one".to_string(),
                format!("({} workload pairs, not drawn as lines)", extras.connected),
            ],
        ));
    }
    if !second.is_empty() && !vertical {
        x = 0.0;
        y += ROW + 4.0;
    }
    for (sample, lines) in second {
        let lines = if vertical {
            lines
        } else {
            vec![lines.join(" ")]
        };
        let _ = writeln!(
            body,
            "<g transform=\"translate({} {})\">{sample}</g>",
            num(x),
            num(y)
        );
        let mut widest = 0.0f64;
        for (i, line) in lines.iter().enumerate() {
            let _ = writeln!(
                body,
                "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"#344054\">{}</text>",
                num(x + 44.0),
                num(y + 10.0 + i as f64 * 14.0),
                esc(line)
            );
            widest = widest.max(text_width(line, 11.0, false));
        }
        if vertical {
            y += 14.0 * (lines.len() - 1) as f64;
        }
        next(&mut x, &mut y, 44.0 + widest);
    }
    let height = if vertical { y - ROW + 14.0 } else { y + 14.0 };
    Legend {
        body,
        width,
        height,
    }
}

/// The legend as its own small SVG for the HTML page. Its arrowheads are
/// the drawing's markers, which the page holds once.
pub(super) fn legend_svg(styles: &[Style], extras: Extras) -> String {
    let l = legend(true, styles, extras);
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
}
