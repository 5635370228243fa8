//! `polctl graph` output: the reachability graph as a table, JSON, and the
//! diagram formats.

use comfy_table::Cell;
use petgraph::visit::EdgeRef;
use serde_json::{Value, json};

use super::table;
use crate::sim::reach::{Edge, Reach};

/// `{"nodes": [...], "edges": [{"src", "dst", "conns", ...}]}`.
pub fn json(reach: &Reach) -> Value {
    let g = &reach.graph;
    let nodes: Vec<Value> = g
        .node_indices()
        .map(|i| serde_json::to_value(&g[i]).unwrap_or(Value::Null))
        .collect();
    let edges: Vec<Value> = g
        .edge_references()
        .map(|e| {
            let mut v = json!({
                "src": g[e.source()].id,
                "dst": g[e.target()].id,
            });
            if let (Value::Object(map), Ok(Value::Object(rest))) =
                (&mut v, serde_json::to_value(e.weight()))
            {
                map.extend(rest);
            }
            v
        })
        .collect();
    let mut out = json!({ "nodes": nodes, "edges": edges });
    if !reach.notes.is_empty() {
        out["notes"] = json!(reach.notes);
    }
    out
}

/// What an edge allows, with its L7 and authentication marks.
pub fn edge_label(e: &Edge) -> String {
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
                e.weight(),
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
