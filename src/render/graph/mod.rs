//! `polctl graph` output: the reachability graph as a table, JSON, and the
//! diagram formats.

mod bundle;
mod dot;
mod group;
mod html;
mod mermaid;
mod place;
mod stream;
mod svg;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::io::{self, Write};

use petgraph::Direction;
use petgraph::graph::{EdgeIndex, NodeIndex};
use petgraph::visit::EdgeRef;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::table;
use crate::sim::reach::{Edge, GraphNode, GraphNodeKind, Reach};

pub use dot::dot;
pub use group::{GroupBy, View};
pub use html::html;
pub use mermaid::mermaid;
pub use stream::{Streamed, write_streamed_table};
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
/// straight from the graph as it is written (JSON and YAML alike): no
/// document is built first.
pub struct JsonGraph<'v>(pub &'v View);

struct JsonNodes<'v>(&'v View);
struct JsonEdges<'v>(&'v View);

#[derive(Serialize)]
struct JsonNode<'a> {
    #[serde(flatten)]
    node: &'a GraphNode,
    /// Workloads a group stands for (grouped views only).
    #[serde(skip_serializing_if = "Option::is_none")]
    workloads: Option<usize>,
}

#[derive(Serialize)]
struct JsonEdge<'a> {
    src: &'a str,
    dst: &'a str,
    #[serde(flatten)]
    edge: &'a Edge,
    /// Only some pairs (of pods, or of a group's workloads) have part of
    /// it: `conns` is what every pair has, `some` what some pair has.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    partial: bool,
}

impl Serialize for JsonGraph<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        if self.0.is_grouped() {
            map.serialize_entry("groupBy", &self.0.group_by.to_string())?;
        }
        map.serialize_entry("nodes", &JsonNodes(self.0))?;
        map.serialize_entry("edges", &JsonEdges(self.0))?;
        if !self.0.reach.notes.is_empty() {
            map.serialize_entry("notes", &self.0.reach.notes)?;
        }
        map.end()
    }
}

impl Serialize for JsonNodes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let grouped = self.0.is_grouped();
        let g = &self.0.reach.graph;
        s.collect_seq(g.node_indices().map(|i| JsonNode {
            node: &g[i],
            workloads: (grouped && !g[i].is_external()).then(|| self.0.members[i.index()]),
        }))
    }
}

impl Serialize for JsonEdges<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let g = &self.0.reach.graph;
        s.collect_seq(g.edge_references().map(|e| JsonEdge {
            src: &g[e.source()].id,
            dst: &g[e.target()].id,
            edge: e.weight(),
            partial: e.weight().some.is_some(),
        }))
    }
}

/// The graph (every workload) as a JSON value, for callers that inspect it.
pub fn json(reach: &Reach) -> serde_json::Value {
    let view = View::new(reach.clone(), GroupBy::Workload);
    serde_json::to_value(JsonGraph(&view)).unwrap_or(serde_json::Value::Null)
}

/// What an edge allows, with its L7 and authentication marks, and what
/// only some pairs have.
pub(crate) fn edge_label(e: &Edge, pairs: &str) -> String {
    // Nothing that every pair has: say only what some have.
    let mut text = match &e.some {
        Some(some) if e.conns.is_empty() => format!("some {pairs}: {some}"),
        _ => e.conns.to_string(),
    };
    if !e.l7.is_empty() {
        text.push_str(&format!(" [L7: {}]", e.l7));
    }
    if !e.auth.is_empty() {
        text.push_str(&format!(" [auth: {}]", e.auth));
    }
    if let Some(some) = e.some.as_ref().filter(|_| !e.conns.is_empty()) {
        text.push_str(&format!(" [some {pairs}: {some}]"));
    }
    text
}

/// One row per edge: FROM, TO, CONNECTIONS (and POLICIES when wide),
/// written as the rows come; the nodes without any edge are named last.
pub fn write_table(out: &mut dyn Write, view: &View, wide: bool) -> io::Result<()> {
    let g = &view.reach.graph;
    let mut rows: Vec<EdgeIndex> = g.edge_indices().collect();
    rows.sort_by(|a, b| {
        let ends = |e: EdgeIndex| {
            g.edge_endpoints(e)
                .map(|(s, d)| (g[s].id.as_str(), g[d].id.as_str()))
        };
        ends(*a).cmp(&ends(*b))
    });
    let pairs = if view.is_grouped() { "pairs" } else { "pods" };
    let row = TableRow::new(wide, pairs);
    let mut out = io::BufWriter::new(out);
    table::stream(&mut out, row.headers(), |emit| {
        let mut row = row.clone();
        for &e in &rows {
            if let Some((s, d)) = g.edge_endpoints(e) {
                row.emit(emit, &g[s].id, &g[d].id, &g[e])?;
            }
        }
        Ok(())
    })?;
    write_unlinked(
        &mut out,
        g.node_indices()
            .filter(|&i| {
                g.edges_directed(i, Direction::Incoming).next().is_none()
                    && g.edges_directed(i, Direction::Outgoing).next().is_none()
            })
            .map(|i| &g[i]),
    )?;
    out.flush()
}

/// A row of the graph table.
#[derive(Clone)]
struct TableRow {
    wide: bool,
    /// Who "some" are: `pods` of two workloads, or `pairs` of workloads.
    pairs: &'static str,
    policies: String,
}

impl TableRow {
    fn new(wide: bool, pairs: &'static str) -> Self {
        TableRow {
            wide,
            pairs,
            policies: String::new(),
        }
    }

    fn headers(&self) -> &'static [&'static str] {
        if self.wide {
            &["FROM", "TO", "CONNECTIONS", "POLICIES"]
        } else {
            &["FROM", "TO", "CONNECTIONS"]
        }
    }

    fn emit(
        &mut self,
        emit: &mut dyn FnMut(&[&str]) -> io::Result<()>,
        src: &str,
        dst: &str,
        w: &Edge,
    ) -> io::Result<()> {
        let label = edge_label(w, self.pairs);
        if !self.wide {
            return emit(&[src, dst, &label]);
        }
        self.policies.clear();
        if w.policies.is_empty() {
            self.policies.push_str("(no policy: allowed by default)");
        }
        for (i, p) in w.policies.iter().enumerate() {
            if i > 0 {
                self.policies.push('\n');
            }
            self.policies.push_str(p);
        }
        emit(&[src, dst, &label, &self.policies])
    }
}

/// `No connections to or from: a, b` after a table, when there are such.
fn write_unlinked<'n>(
    out: &mut dyn Write,
    mut nodes: impl Iterator<Item = &'n GraphNode>,
) -> io::Result<()> {
    if let Some(first) = nodes.next() {
        write!(out, "\nNo connections to or from: {}", first.id)?;
        for n in nodes {
            write!(out, ", {}", n.id)?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// The table as a string (tests and small graphs).
pub fn table(view: &View, wide: bool) -> String {
    let mut out = Vec::new();
    // Writing to memory cannot fail.
    let _ = write_table(&mut out, view, wide);
    String::from_utf8(out).unwrap_or_default()
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
    /// The view drawn, when it groups workloads.
    view: Option<&'r View>,
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
            view: None,
        }
    }

    /// The drawing of a view (every workload, or groups of them).
    fn of_view(view: &'r View) -> Self {
        Drawing {
            view: view.is_grouped().then_some(view),
            ..Drawing::new(&view.reach)
        }
    }

    /// Who "some" are when an edge holds only for some: pods of two
    /// workloads, or workload pairs of two groups.
    fn pairs(&self) -> &'static str {
        if self.view.is_some() { "pairs" } else { "pods" }
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
            None => short_label(w, self.pairs()),
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
        if let Some(view) = self.view {
            let groups = self.workload_count();
            let what = match &view.group_by {
                GroupBy::Label(key) => format!("{key} values"),
                _ => "namespaces".to_string(),
            };
            return format!(
                "{groups} {what} of {}, {}, {}",
                plural(view.members.iter().sum(), "workload", "workloads"),
                plural(
                    self.sources.len() + self.destinations.len(),
                    "external range",
                    "external ranges"
                ),
                plural(self.edges.len(), "edge", "edges"),
            );
        }
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
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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
fn short_label(e: &Edge, pairs: &str) -> String {
    if e.conns.is_empty()
        && let Some(some) = &e.some
    {
        return format!("some {pairs}: {some}");
    }
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
        text.push_str(&format!(" [some {pairs}: {some}]"));
    }
    text
}

impl fmt::Display for GroupBy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GroupBy::Namespace => f.write_str("namespace"),
            GroupBy::Workload => f.write_str("workload"),
            GroupBy::Label(key) => write!(f, "label={key}"),
        }
    }
}
