//! Mermaid `flowchart`, as GitHub renders it in Markdown: one subgraph per
//! namespace, external ranges outside them.

use std::collections::HashSet;
use std::fmt::Write;

use super::{Drawing, Style, View, caption, namespace_title};

/// The graph as a Mermaid flowchart, left to right.
pub fn mermaid(view: &View) -> String {
    let d = Drawing::of_view(view);
    let mut ids = Ids::default();
    let node_ids: Vec<String> = d.keys.iter().map(|k| ids.make("n", k)).collect();
    let mut out = String::from("flowchart LR\n");
    for (ns, nodes) in &d.namespaces {
        let _ = writeln!(
            out,
            "  subgraph {}[\"{}\"]",
            ids.make("ns", ns),
            escape(&namespace_title(ns))
        );
        for &n in nodes {
            let (title, sub) = caption(d.node(n));
            let _ = writeln!(
                out,
                "    {}[\"{}<br/>{}\"]",
                node_ids[n.index()],
                escape(&title),
                escape(&sub)
            );
        }
        out.push_str("  end\n");
    }
    let externals: Vec<&str> = d
        .sources
        .iter()
        .chain(&d.destinations)
        .map(|n| node_ids[n.index()].as_str())
        .collect();
    for n in d.sources.iter().chain(&d.destinations) {
        let _ = writeln!(
            out,
            "  {}([\"{}\"])",
            node_ids[n.index()],
            escape(&d.node(*n).id)
        );
    }
    // Mermaid styles links by their position in the text.
    let mut styled: Vec<(Style, Vec<usize>)> =
        d.styles().iter().map(|&s| (s, Vec::new())).collect();
    for (pos, (i, s, t, e)) in d.edges().enumerate() {
        let style = d.style(i, e);
        let arrow = match style {
            Style::L7 | Style::Auth | Style::Lost | Style::Marks => "-.->",
            Style::All | Style::Ports | Style::Gained => "-->",
        };
        let _ = writeln!(
            out,
            "  {} {arrow}|\"{}\"| {}",
            node_ids[s.index()],
            escape(&d.label(i, e)),
            node_ids[t.index()]
        );
        if let Some((_, list)) = styled.iter_mut().find(|(s, _)| *s == style) {
            list.push(pos);
        }
    }
    for (style, list) in &styled {
        if list.is_empty() {
            continue;
        }
        let positions: Vec<String> = list.iter().map(usize::to_string).collect();
        let width = if *style == Style::All { 1 } else { 2 };
        let _ = writeln!(
            out,
            "  linkStyle {} stroke:{},stroke-width:{width}px,color:{}",
            positions.join(","),
            style.color(),
            style.text_color()
        );
    }
    if !externals.is_empty() {
        out.push_str(
            "  classDef external fill:#fff4d6,stroke:#b08800,stroke-dasharray:4 3,color:#000\n",
        );
        let _ = writeln!(out, "  class {} external", externals.join(","));
    }
    out
}

/// Mermaid ids: letters, digits and `_` only (`/`, `.`, `:` and `-` have
/// meanings in the syntax), a prefix so no id is a keyword such as `end`,
/// and a counter when two names come out the same.
#[derive(Default)]
struct Ids(HashSet<String>);

impl Ids {
    fn make(&mut self, prefix: &str, name: &str) -> String {
        let clean: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .collect();
        let base = format!("{prefix}_{clean}");
        let mut id = base.clone();
        let mut n = 1;
        while !self.0.insert(id.clone()) {
            n += 1;
            id = format!("{base}_{n}");
        }
        id
    }
}

/// Text inside a quoted Mermaid label: entity codes for what the parser
/// or the HTML label would read specially.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '|' => out.push_str("#124;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_safe_and_unique() {
        let mut ids = Ids::default();
        assert_eq!(ids.make("n", "myns/web.v1:8080"), "n_myns_web_v1_8080");
        assert_eq!(ids.make("n", "myns/web-v1:8080"), "n_myns_web_v1_8080_2");
        assert_eq!(ids.make("ns", "end"), "ns_end");
    }

    #[test]
    fn labels_escape_quotes_and_markup() {
        assert_eq!(
            escape(r#"a "b" <c> #1 | d"#),
            "a #quot;b#quot; #lt;c#gt; #35;1 #124; d"
        );
    }
}
