//! Graphviz DOT: one cluster per namespace, external ranges outside them.

use std::fmt::Write;

use super::{Drawing, Style, View, caption, namespace_title};

/// The graph as a `digraph` for `dot -Tsvg`.
pub fn dot(view: &View) -> String {
    draw(&Drawing::of_view(view))
}

pub(super) fn draw(d: &Drawing) -> String {
    let mut out = String::new();
    out.push_str("digraph polctl {\n");
    out.push_str("  rankdir=LR;\n");
    let _ = writeln!(
        out,
        "  graph [fontname=\"Helvetica\", fontsize=12, labelloc=t, label={}];",
        quote(&format!("{}: {}", d.title(), d.summary()))
    );
    out.push_str(
        "  node [fontname=\"Helvetica\", fontsize=11, shape=box, style=\"rounded,filled\", \
         fillcolor=\"#ffffff\", color=\"#4a6fa5\"];\n",
    );
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=10];\n");
    for (i, (ns, nodes)) in d.namespaces.iter().enumerate() {
        out.push('\n');
        // Graphviz draws a subgraph as a box only when its name starts
        // with `cluster`; the index keeps names unique whatever `ns` is.
        let _ = writeln!(out, "  subgraph {} {{", quote(&format!("cluster_{i}_{ns}")));
        let _ = writeln!(out, "    label={};", quote(&namespace_title(ns)));
        out.push_str(
            "    style=\"rounded,filled\"; fillcolor=\"#f4f6fa\"; color=\"#c5cdd8\"; \
             labeljust=l;\n",
        );
        for &n in nodes {
            let (title, sub) = caption(d.node(n));
            let _ = writeln!(
                out,
                "    {} [label={}];",
                quote(d.key(n)),
                quote(&format!("{title}\n{sub}"))
            );
        }
        out.push_str("  }\n");
    }
    if !d.sources.is_empty() || !d.destinations.is_empty() {
        out.push('\n');
    }
    for n in d.sources.iter().chain(&d.destinations) {
        let _ = writeln!(
            out,
            "  {} [label={}, shape=ellipse, style=\"filled,dashed\", fillcolor=\"#fff4d6\", \
             color=\"#b08800\"];",
            quote(d.key(*n)),
            quote(&d.node(*n).id)
        );
    }
    if !d.edges.is_empty() {
        out.push('\n');
    }
    for (i, s, t, e) in d.edges() {
        let style = d.style(i, e);
        let mut attrs = vec![
            format!("label={}", quote(&d.label(i, e))),
            format!("color={}", quote(style.color())),
            format!("fontcolor={}", quote(style.text_color())),
        ];
        match style {
            Style::All => {}
            Style::Ports => attrs.push("penwidth=1.5".to_string()),
            Style::L7 => attrs.push("style=dashed, penwidth=1.5".to_string()),
            Style::Auth | Style::Marks => attrs.push("style=dotted, penwidth=2".to_string()),
            Style::Gained => attrs.push("penwidth=2".to_string()),
            Style::Lost => attrs.push("style=dashed, penwidth=2".to_string()),
        }
        if !e.policies.is_empty() {
            let policies: Vec<&str> = e.policies.iter().map(String::as_str).collect();
            attrs.push(format!(
                "tooltip={}",
                quote(&format!("policies: {}", policies.join(", ")))
            ));
        }
        let _ = writeln!(
            out,
            "  {} -> {} [{}];",
            quote(d.key(s)),
            quote(d.key(t)),
            attrs.join(", ")
        );
    }
    out.push_str("}\n");
    out
}

/// A DOT double-quoted string. A backslash is an escape in DOT labels
/// (`\n`, `\l`, `\N`), so a literal one is doubled; newlines become `\n`.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quoting_escapes_what_dot_reads_specially() {
        assert_eq!(quote("a\"b"), r#""a\"b""#);
        assert_eq!(quote(r"c:\n"), r#""c:\\n""#);
        assert_eq!(quote("two\nlines"), r#""two\nlines""#);
    }
}
