//! `polctl graph` output: the reachability graph as a table, JSON, and the
//! diagram formats.

mod dot;
mod html;
mod mermaid;
mod svg;

use std::collections::{BTreeMap, HashMap};

use comfy_table::Cell;
use petgraph::Direction;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::Value;

use super::table;
use crate::sim::reach::{Edge, GraphNode, GraphNodeKind, Reach};

pub use dot::dot;
pub use html::html;
pub use mermaid::mermaid;
pub use svg::svg;

/// A diff drawn: `reach` holds the changed pairs as edges, `changes` per
/// edge index how it changed and its label.
pub(crate) fn dot_changes(reach: &Reach, changes: &[(EdgeChange, String)]) -> String {
    dot::draw(&Drawing::of_changes(reach, changes))
}

pub(crate) fn svg_changes(reach: &Reach, changes: &[(EdgeChange, String)]) -> String {
    svg::render(&Drawing::of_changes(reach, changes), false)
}

pub(crate) fn html_changes(reach: &Reach, changes: &[(EdgeChange, String)]) -> String {
    html::page(&Drawing::of_changes(reach, changes))
}

/// `{"nodes": [...], "edges": [{"src", "dst", "conns", ...}]}`, serialized
/// straight from the graph.
pub(crate) struct JsonGraph<'r>(pub &'r Reach);

struct JsonNodes<'r>(&'r Reach);
struct JsonEdges<'r>(&'r Reach);

#[derive(Serialize)]
struct JsonEdge<'a> {
    src: &'a str,
    dst: &'a str,
    #[serde(flatten)]
    edge: &'a Edge,
}

impl Serialize for JsonGraph<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("nodes", &JsonNodes(self.0))?;
        map.serialize_entry("edges", &JsonEdges(self.0))?;
        if !self.0.notes.is_empty() {
            map.serialize_entry("notes", &self.0.notes)?;
        }
        map.end()
    }
}

impl Serialize for JsonNodes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.graph.node_weights())
    }
}

impl Serialize for JsonEdges<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let g = &self.0.graph;
        s.collect_seq(g.edge_references().map(|e| JsonEdge {
            src: &g[e.source()].id,
            dst: &g[e.target()].id,
            edge: e.weight(),
        }))
    }
}

/// The graph as a JSON value (`JsonGraph` writes it without one).
pub fn json(reach: &Reach) -> Value {
    serde_json::to_value(JsonGraph(reach)).unwrap_or(Value::Null)
}

/// What an edge allows, with its L7 and authentication marks.
pub(crate) fn edge_label(e: &Edge) -> String {
    let mut text = e.conns.to_string();
    if !e.l7.is_empty() {
        text.push_str(&format!(" [L7: {}]", e.l7));
    }
    if !e.auth.is_empty() {
        text.push_str(&format!(" [auth: {}]", e.auth));
    }
    if let Some(some) = &e.some {
        text.push_str(&format!(" [some pods: {some}]"));
    }
    text
}

/// One row per edge: FROM, TO, CONNECTIONS (and POLICIES when wide).
pub fn table(reach: &Reach, wide: bool) -> String {
    let g = &reach.graph;
    let mut headers = vec!["FROM", "TO", "CONNECTIONS"];
    if wide {
        headers.push("POLICIES");
    }
    let mut t = table::table(headers);
    let mut rows: Vec<(&str, &str, &Edge)> = g
        .edge_references()
        .map(|e| {
            (
                g[e.source()].id.as_str(),
                g[e.target()].id.as_str(),
                &**e.weight(),
            )
        })
        .collect();
    rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    for (src, dst, e) in rows {
        let mut row = vec![Cell::new(src), Cell::new(dst), Cell::new(edge_label(e))];
        if wide {
            let policies: Vec<&str> = e.policies.iter().map(String::as_str).collect();
            row.push(Cell::new(if policies.is_empty() {
                "(no policy: allowed by default)".to_string()
            } else {
                policies.join("\n")
            }));
        }
        t.add_row(row);
    }
    let isolated: Vec<&str> = g
        .node_indices()
        .filter(|&i| {
            g.edges_directed(i, petgraph::Direction::Incoming)
                .next()
                .is_none()
                && g.edges_directed(i, petgraph::Direction::Outgoing)
                    .next()
                    .is_none()
        })
        .map(|i| g[i].id.as_str())
        .collect();
    let mut out = table::render(&t);
    if !isolated.is_empty() {
        out.push_str(&format!(
            "\nNo connections to or from: {}\n",
            isolated.join(", ")
        ));
    }
    out
}

/// The graph in the order every diagram draws it: namespaces (by name) with
/// their workloads, external ranges by side, then edges. Node ids are not
/// unique (one range can be both a source node and a destination node), so
/// each node also gets a key that is.
struct Drawing<'r> {
    reach: &'r Reach,
    /// Workloads per namespace; `""` holds workloads without one.
    namespaces: Vec<(String, Vec<NodeIndex>)>,
    /// External ranges that only send into the cluster.
    sources: Vec<NodeIndex>,
    /// External ranges the cluster sends to.
    destinations: Vec<NodeIndex>,
    /// Per node index: its unique key.
    keys: Vec<String>,
    edges: Vec<EdgeIndex>,
    /// A diff's drawing: per edge index, how it changed and its label.
    changes: Option<&'r [(EdgeChange, String)]>,
}

/// How an edge of a diff's drawing changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum EdgeChange {
    /// The connections on it pass now and did not before.
    Gained,
    /// The connections on it passed before and do not now.
    Lost,
    /// The same connections pass; an L7 proxy or mutual authentication
    /// now applies to them, or no longer does.
    Marks,
}

impl<'r> Drawing<'r> {
    fn new(reach: &'r Reach) -> Self {
        let g = &reach.graph;
        let mut by_ns: BTreeMap<&str, Vec<NodeIndex>> = BTreeMap::new();
        let (mut sources, mut destinations) = (Vec::new(), Vec::new());
        for i in g.node_indices() {
            let n = &g[i];
            if n.is_external() {
                if g.edges_directed(i, Direction::Incoming).next().is_some() {
                    destinations.push(i);
                } else {
                    sources.push(i);
                }
            } else {
                by_ns
                    .entry(n.namespace.as_deref().unwrap_or(""))
                    .or_default()
                    .push(i);
            }
        }
        let namespaces: Vec<(String, Vec<NodeIndex>)> = by_ns
            .into_iter()
            .map(|(ns, mut nodes)| {
                nodes.sort_by(|a, b| (&g[*a].name, &g[*a].id).cmp(&(&g[*b].name, &g[*b].id)));
                (ns.to_string(), nodes)
            })
            .collect();
        let mut keys = vec![String::new(); g.node_count()];
        let mut order = vec![0; g.node_count()];
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let all = namespaces
            .iter()
            .flat_map(|(_, nodes)| nodes)
            .chain(&sources)
            .chain(&destinations);
        for (pos, &i) in all.enumerate() {
            let id = g[i].id.as_str();
            let count = seen.entry(id).or_default();
            *count += 1;
            keys[i.index()] = if *count == 1 {
                id.to_string()
            } else {
                format!("{id}#{count}")
            };
            order[i.index()] = pos;
        }
        let mut edges: Vec<EdgeIndex> = g.edge_indices().collect();
        edges.sort_by_key(|&e| {
            let (s, d) = g
                .edge_endpoints(e)
                .unwrap_or((NodeIndex::new(0), NodeIndex::new(0)));
            (order[s.index()], order[d.index()], e.index())
        });
        Drawing {
            reach,
            namespaces,
            sources,
            destinations,
            keys,
            edges,
            changes: None,
        }
    }

    /// The drawing of a diff: `changes` holds, per edge index, how the
    /// edge changed and its label.
    fn of_changes(reach: &'r Reach, changes: &'r [(EdgeChange, String)]) -> Self {
        Drawing {
            changes: Some(changes),
            ..Drawing::new(reach)
        }
    }

    /// `Reachability`, or `Reachability changes` for a diff.
    fn title(&self) -> &'static str {
        if self.changes.is_some() {
            "Reachability changes"
        } else {
            "Reachability"
        }
    }

    /// The styles this drawing uses, in legend order.
    fn styles(&self) -> &'static [Style] {
        if self.changes.is_some() {
            &[Style::Gained, Style::Lost, Style::Marks]
        } else {
            &[Style::All, Style::Ports, Style::L7, Style::Auth]
        }
    }

    /// How an edge is drawn.
    fn style(&self, e: EdgeIndex, w: &Edge) -> Style {
        match self.changes.and_then(|c| c.get(e.index())) {
            Some((EdgeChange::Gained, _)) => Style::Gained,
            Some((EdgeChange::Lost, _)) => Style::Lost,
            Some((EdgeChange::Marks, _)) => Style::Marks,
            None => Style::of(w),
        }
    }

    /// An edge's label in the drawing.
    fn label(&self, e: EdgeIndex, w: &Edge) -> String {
        match self.changes.and_then(|c| c.get(e.index())) {
            Some((_, label)) => label.clone(),
            None => short_label(w),
        }
    }

    fn node(&self, i: NodeIndex) -> &'r GraphNode {
        &self.reach.graph[i]
    }

    fn key(&self, i: NodeIndex) -> &str {
        &self.keys[i.index()]
    }

    /// Every node, in drawing order.
    fn nodes(&self) -> impl Iterator<Item = NodeIndex> + '_ {
        self.namespaces
            .iter()
            .flat_map(|(_, nodes)| nodes.iter().copied())
            .chain(self.sources.iter().copied())
            .chain(self.destinations.iter().copied())
    }

    /// Every edge in drawing order: (index, source, destination, weight).
    fn edges(&self) -> impl Iterator<Item = (EdgeIndex, NodeIndex, NodeIndex, &'r Edge)> + '_ {
        let g = &self.reach.graph;
        self.edges.iter().filter_map(move |&e| {
            let (s, d) = g.edge_endpoints(e)?;
            Some((e, s, d, &*g[e]))
        })
    }

    fn workload_count(&self) -> usize {
        self.namespaces.iter().map(|(_, nodes)| nodes.len()).sum()
    }

    /// `"4 workloads in 2 namespaces, 2 external ranges, 15 edges"`.
    fn summary(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{} in {}, {}, {}",
            plural(self.workload_count(), "workload", "workloads"),
            plural(self.namespaces.len(), "namespace", "namespaces"),
            plural(
                self.sources.len() + self.destinations.len(),
                "external range",
                "external ranges"
            ),
            plural(self.edges.len(), "edge", "edges"),
        )
    }
}

/// The heading of a namespace group.
fn namespace_title(ns: &str) -> String {
    if ns.is_empty() {
        "cluster-scoped".to_string()
    } else {
        format!("namespace {ns}")
    }
}

/// A node's two caption lines: its name, and what it is.
fn caption(n: &GraphNode) -> (String, String) {
    match &n.kind {
        GraphNodeKind::External => (n.id.clone(), "external".to_string()),
        GraphNodeKind::Workload { kind } if n.pods == 1 && kind == "Pod" => {
            (n.name.clone(), kind.clone())
        }
        GraphNodeKind::Workload { kind } => (
            n.name.clone(),
            format!(
                "{kind}, {} pod{}",
                n.pods,
                if n.pods == 1 { "" } else { "s" }
            ),
        ),
    }
}

/// How a diagram draws an edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Style {
    /// Everything is allowed.
    All,
    /// Only some connections.
    Ports,
    /// Part is filtered by an application-layer proxy.
    L7,
    /// Part requires mutual authentication.
    Auth,
    /// A diff's edge: connections gained.
    Gained,
    /// A diff's edge: connections lost.
    Lost,
    /// A diff's edge: L7 or authentication marks changed.
    Marks,
}

impl Style {
    fn of(e: &Edge) -> Style {
        if !e.auth.is_empty() {
            Style::Auth
        } else if !e.l7.is_empty() {
            Style::L7
        } else if e.conns.is_all() {
            Style::All
        } else {
            Style::Ports
        }
    }

    fn name(self) -> &'static str {
        match self {
            Style::All => "all",
            Style::Ports => "ports",
            Style::L7 => "l7",
            Style::Auth => "auth",
            Style::Gained => "gained",
            Style::Lost => "lost",
            Style::Marks => "marks",
        }
    }

    fn color(self) -> &'static str {
        match self {
            Style::All => "#98a2b3",
            Style::Ports => "#1f5fa8",
            Style::L7 => "#d9480f",
            Style::Auth => "#7048e8",
            Style::Gained => "#1a7f37",
            Style::Lost => "#cf222e",
            Style::Marks => "#bf8700",
        }
    }

    /// A darker shade for text.
    fn text_color(self) -> &'static str {
        match self {
            Style::All => "#667085",
            Style::Ports => "#17467d",
            Style::L7 => "#b33c0b",
            Style::Auth => "#5a36c9",
            Style::Gained => "#116329",
            Style::Lost => "#a40e26",
            Style::Marks => "#7d4e00",
        }
    }
}

/// An edge's label in a diagram: the connections, with `[L7]` and `[auth]`
/// marks (naming the part when it is not all of them).
fn short_label(e: &Edge) -> String {
    let mut text = e.conns.to_string();
    for (part, mark) in [(&e.l7, "L7"), (&e.auth, "auth")] {
        if part.is_empty() {
            continue;
        }
        if *part == e.conns {
            text.push_str(&format!(" [{mark}]"));
        } else {
            text.push_str(&format!(" [{mark}: {part}]"));
        }
    }
    if let Some(some) = &e.some {
        text.push_str(&format!(" [some pods: {some}]"));
    }
    text
}
