//! `polctl diff` output: the changed pairs as a table, the JSON contract,
//! and the diagrams (the graph's, with gained and lost edges).

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;
use std::sync::Arc;

use comfy_table::{Cell, Color};
use petgraph::graph::NodeIndex;
use serde::Serialize;

use super::graph::{self, EdgeChange};
use super::table;
use crate::sim::reach::{
    ChangeKind, Conns, Edge, GraphNode, GraphNodeKind, PairChange, Reach, ReachDiff,
};

/// One row per changed pair: FROM, TO, CHANGE, GAINED, LOST, and DETAIL
/// (L7 and authentication marks that changed, pairs whose pods differ)
/// when a pair has one; POLICIES (before → after) when wide. Then the
/// workloads only one side has, and a summary. Colour (gained green, lost
/// red) only when `color`.
pub(crate) fn table(diff: &ReachDiff, wide: bool, color: bool) -> String {
    let details: Vec<Vec<String>> = diff.changes.iter().map(detail).collect();
    let with_detail = details.iter().any(|d| !d.is_empty());
    let mut headers = vec!["FROM", "TO", "CHANGE", "GAINED", "LOST"];
    if with_detail {
        headers.push("DETAIL");
    }
    if wide {
        headers.push("POLICIES");
    }
    let mut t = table::table(headers);
    if color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    let paint = |cell: Cell, c: Color| if color { cell.fg(c) } else { cell };
    for (c, detail) in diff.changes.iter().zip(&details) {
        let kind = c.kind();
        let kind_color = match kind {
            ChangeKind::Gained => Color::Green,
            ChangeKind::Lost => Color::Red,
            ChangeKind::Changed => Color::Yellow,
        };
        let mut row = vec![
            Cell::new(&diff.nodes[c.src].id),
            Cell::new(&diff.nodes[c.dst].id),
            paint(Cell::new(kind_name(kind)), kind_color),
            paint(
                Cell::new(change_text(&c.gained, &c.before, &c.after)),
                Color::Green,
            ),
            paint(
                Cell::new(change_text(&c.lost, &c.after, &c.before)),
                Color::Red,
            ),
        ];
        if with_detail {
            row.push(Cell::new(detail.join("\n")));
        }
        if wide {
            row.push(Cell::new(policies(c)));
        }
        t.add_row(row);
    }
    let mut out = String::new();
    if !diff.changes.is_empty() {
        out.push_str(&table::render(&t));
    }
    for (title, nodes) in [
        ("Added (only in NEW)", &diff.added),
        ("Removed (only in OLD)", &diff.removed),
    ] {
        if nodes.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        let _ = writeln!(out, "{title}:");
        for &n in nodes {
            let _ = writeln!(out, "  {}", describe_node(&diff.nodes[n]));
        }
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&summary(diff));
    out.push('\n');
    out
}

fn kind_name(kind: ChangeKind) -> &'static str {
    match kind {
        ChangeKind::Gained => "gained",
        ChangeKind::Lost => "lost",
        ChangeKind::Changed => "changed",
    }
}

/// The connections gained (or lost): `-` for none; `all except TCP 443`
/// when they are everything but what the other side allowed, which reads
/// better than the ranges around it.
fn change_text(change: &Conns, from: &Conns, to: &Conns) -> String {
    if change.describe().is_empty() {
        "-".to_string()
    } else if to.is_all() && !from.describe().is_empty() {
        format!("all except {from}")
    } else {
        change.to_string()
    }
}

/// The marks that changed, and whether the pods differ.
fn detail(c: &PairChange) -> Vec<String> {
    let mut out = Vec::new();
    for (set, text) in [
        (&c.l7_gained, "now filtered by an L7 proxy"),
        (&c.l7_lost, "no longer filtered by an L7 proxy"),
        (&c.auth_gained, "now needs mutual authentication"),
        (&c.auth_lost, "no longer needs mutual authentication"),
    ] {
        if !set.is_empty() {
            out.push(format!("{text}: {set}"));
        }
    }
    if c.some_pods {
        out.push("not every pod pair: the sets are what some pod pair sees".to_string());
    }
    out
}

/// `a, b -> c`: the deciding policies before and after (once when they
/// are the same).
fn policies(c: &PairChange) -> String {
    let list = |s: &BTreeSet<String>| {
        if s.is_empty() {
            "(none)".to_string()
        } else {
            s.iter().cloned().collect::<Vec<_>>().join(", ")
        }
    };
    if c.policies_before == c.policies_after {
        list(&c.policies_after)
    } else {
        format!(
            "{} -> {}",
            list(&c.policies_before),
            list(&c.policies_after)
        )
    }
}

/// `shop/web (Deployment, 2 pods)`.
fn describe_node(n: &GraphNode) -> String {
    match &n.kind {
        GraphNodeKind::Workload { kind } => format!(
            "{} ({kind}, {} pod{})",
            n.id,
            n.pods,
            if n.pods == 1 { "" } else { "s" }
        ),
        GraphNodeKind::External => n.id.clone(),
    }
}

/// `3 pairs changed (1 gained, 1 lost, 1 changed); 1 workload added`, or
/// that nothing changed.
pub(crate) fn summary(diff: &ReachDiff) -> String {
    if diff.is_empty() {
        return "No change in reachability.".to_string();
    }
    let count = |k: ChangeKind| diff.changes.iter().filter(|c| c.kind() == k).count();
    let n = diff.changes.len();
    let mut parts = Vec::new();
    if n > 0 {
        parts.push(format!(
            "{n} pair{} changed ({} gained, {} lost, {} changed)",
            if n == 1 { "" } else { "s" },
            count(ChangeKind::Gained),
            count(ChangeKind::Lost),
            count(ChangeKind::Changed)
        ));
    }
    for (k, what) in [(diff.added.len(), "added"), (diff.removed.len(), "removed")] {
        if k > 0 {
            parts.push(format!(
                "{k} workload{} {what}",
                if k == 1 { "" } else { "s" }
            ));
        }
    }
    let mut out = parts.join("; ");
    out.push('.');
    out
}

/// The `diff -o json` contract: `{"changed", "summary", "pairs", "added",
/// "removed", "notes"}`.
#[derive(Serialize)]
pub(crate) struct JsonDiff<'d> {
    changed: bool,
    summary: JsonSummary,
    pairs: Vec<JsonPair<'d>>,
    added: Vec<&'d GraphNode>,
    removed: Vec<&'d GraphNode>,
    notes: &'d [String],
}

#[derive(Serialize)]
struct JsonSummary {
    gained: usize,
    lost: usize,
    changed: usize,
    added: usize,
    removed: usize,
}

#[derive(Serialize)]
struct JsonPair<'d> {
    src: &'d str,
    dst: &'d str,
    change: ChangeKind,
    before: &'d Conns,
    after: &'d Conns,
    gained: &'d Conns,
    lost: &'d Conns,
    #[serde(skip_serializing_if = "Marks::is_empty")]
    l7: Marks<'d>,
    #[serde(skip_serializing_if = "Marks::is_empty")]
    auth: Marks<'d>,
    policies: JsonPolicies<'d>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    some_pods: bool,
}

/// A mark (L7 filtering, authentication) that now applies to some of the
/// connections passing on both sides, and no longer applies to others.
#[derive(Serialize)]
struct Marks<'d> {
    gained: &'d Conns,
    lost: &'d Conns,
}

impl Marks<'_> {
    fn is_empty(&self) -> bool {
        self.gained.describe().is_empty() && self.lost.describe().is_empty()
    }
}

#[derive(Serialize)]
struct JsonPolicies<'d> {
    before: &'d BTreeSet<String>,
    after: &'d BTreeSet<String>,
}

impl<'d> JsonDiff<'d> {
    pub(crate) fn new(diff: &'d ReachDiff) -> Self {
        let count = |k: ChangeKind| diff.changes.iter().filter(|c| c.kind() == k).count();
        JsonDiff {
            changed: !diff.is_empty(),
            summary: JsonSummary {
                gained: count(ChangeKind::Gained),
                lost: count(ChangeKind::Lost),
                changed: count(ChangeKind::Changed),
                added: diff.added.len(),
                removed: diff.removed.len(),
            },
            pairs: diff
                .changes
                .iter()
                .map(|c| JsonPair {
                    src: &diff.nodes[c.src].id,
                    dst: &diff.nodes[c.dst].id,
                    change: c.kind(),
                    before: &c.before,
                    after: &c.after,
                    gained: &c.gained,
                    lost: &c.lost,
                    l7: Marks {
                        gained: &c.l7_gained,
                        lost: &c.l7_lost,
                    },
                    auth: Marks {
                        gained: &c.auth_gained,
                        lost: &c.auth_lost,
                    },
                    policies: JsonPolicies {
                        before: &c.policies_before,
                        after: &c.policies_after,
                    },
                    some_pods: c.some_pods,
                })
                .collect(),
            added: diff.added.iter().map(|&n| &diff.nodes[n]).collect(),
            removed: diff.removed.iter().map(|&n| &diff.nodes[n]).collect(),
            notes: &diff.notes,
        }
    }
}

/// The diff as a graph for the diagram renderers: the nodes of changed
/// pairs and the workloads only one side has (their kind says `added` or
/// `removed`), an edge per gained and per lost set of connections, and one
/// where only L7 or authentication marks changed; with, per edge, how it
/// changed and its label.
fn drawing(diff: &ReachDiff) -> (Reach, Vec<(EdgeChange, String)>) {
    let mut reach = Reach {
        notes: diff.notes.clone(),
        ..Reach::default()
    };
    let mut index: HashMap<usize, NodeIndex> = HashMap::new();
    let mut node = |reach: &mut Reach, i: usize, mark: Option<&str>| -> NodeIndex {
        *index.entry(i).or_insert_with(|| {
            let mut n = diff.nodes[i].clone();
            if let (Some(mark), GraphNodeKind::Workload { kind }) = (mark, &mut n.kind) {
                *kind = format!("{mark} {kind}");
            }
            reach.graph.add_node(n)
        })
    };
    for &i in &diff.added {
        node(&mut reach, i, Some("added"));
    }
    for &i in &diff.removed {
        node(&mut reach, i, Some("removed"));
    }
    let mut changes = Vec::new();
    for c in &diff.changes {
        let (s, d) = (node(&mut reach, c.src, None), node(&mut reach, c.dst, None));
        let mut add =
            |reach: &mut Reach, conns: &Conns, policies: &BTreeSet<String>, how, label| {
                reach.graph.add_edge(
                    s,
                    d,
                    Arc::new(Edge {
                        conns: conns.clone(),
                        policies: policies.clone(),
                        ..Edge::default()
                    }),
                );
                changes.push((how, label));
            };
        if !c.gained.describe().is_empty() {
            let label = format!("+ {}", change_text(&c.gained, &c.before, &c.after));
            add(
                &mut reach,
                &c.gained,
                &c.policies_after,
                EdgeChange::Gained,
                label,
            );
        }
        if !c.lost.describe().is_empty() {
            let label = format!("- {}", change_text(&c.lost, &c.after, &c.before));
            add(
                &mut reach,
                &c.lost,
                &c.policies_before,
                EdgeChange::Lost,
                label,
            );
        }
        if c.gained.describe().is_empty() && c.lost.describe().is_empty() {
            let label = detail(c)
                .into_iter()
                .filter(|d| !d.starts_with("not every pod pair"))
                .collect::<Vec<_>>()
                .join("; ");
            add(
                &mut reach,
                &c.after,
                &c.policies_after,
                EdgeChange::Marks,
                label,
            );
        }
    }
    (reach, changes)
}

/// Graphviz DOT of the changes: gained edges green, lost ones red and
/// dashed, changed marks dotted amber.
pub(crate) fn dot(diff: &ReachDiff) -> String {
    let (reach, changes) = drawing(diff);
    graph::dot_changes(&reach, &changes)
}

/// An SVG picture of the changes, laid out as `graph -o svg`.
pub(crate) fn svg(diff: &ReachDiff) -> String {
    let (reach, changes) = drawing(diff);
    graph::svg_changes(&reach, &changes)
}

/// The interactive page of the changes, as `graph -o html`.
pub(crate) fn html(diff: &ReachDiff) -> String {
    let (reach, changes) = drawing(diff);
    graph::html_changes(&reach, &changes)
}
