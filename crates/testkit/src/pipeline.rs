//! Arbitrary text through everything polctl does with input: load; on
//! failure, every diagnostic must render and point inside the text on char
//! boundaries; on success, compile for every dataplane, simulate flows
//! between endpoints (with HTTP, DNS, memcache attributes and a failed
//! mutual-auth handshake), compute the reachability graph and render it in
//! every format. Selector text goes through both selector parsers and
//! back. A panic anywhere is the finding.

use miette::{Diagnostic, GraphicalReportHandler};
use polctl::dialect::lower::{Choice, Input, lower};
use polctl::load::{Inventory, LoadErrors, load_text};
use polctl::model::HttpRequest;
use polctl::model::policy::Cni;
use polctl::render::graph::{GroupBy, View};
use polctl::selector::{Expr, parse, parse_kubectl};
use polctl::sim::eval::Evaluator;
use polctl::sim::reach;
use polctl::sim::resolve::{FlowRequest, PortRef, flows};

/// Loads `text` as the file `name` and runs the rest of the pipeline on
/// what loads. Panics (with the reason) on a broken diagnostic.
pub fn run(name: &str, text: &str) {
    match load_text(name, text) {
        Ok(inventory) => exercise(&inventory),
        Err(errors) => check_diagnostics(text, &errors),
    }
}

/// Every error renders, and every label lies inside `text` on char
/// boundaries.
pub fn check_diagnostics(text: &str, errors: &LoadErrors) {
    assert!(!errors.errors.is_empty(), "an Err with no errors");
    for err in &errors.errors {
        for label in err.labels().into_iter().flatten() {
            let (start, end) = (label.offset(), label.offset() + label.len());
            assert!(
                end <= text.len(),
                "span {start}..{end} is past the end ({}): {err}",
                text.len()
            );
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "span {start}..{end} is not on char boundaries: {err}"
            );
        }
        let mut out = String::new();
        GraphicalReportHandler::new()
            .render_report(&mut out, err)
            .unwrap_or_else(|e| panic!("cannot render {err}: {e}"));
        assert!(!out.is_empty(), "{err} rendered as nothing");
    }
}

/// Compiles what loaded for every dataplane, simulates flows between a few
/// endpoints and an outside address, and computes and renders the graph.
pub fn exercise(inv: &Inventory) {
    let input = Input::from(inv);
    let names: Vec<String> = inv
        .cluster
        .endpoints
        .iter()
        .take(3)
        .map(|e| format!("{}/{}", e.namespace, e.name))
        .chain(["203.0.113.7".to_string()])
        .collect();
    for cni in [Cni::K8s, Cni::Calico, Cni::Cilium] {
        let choice = Choice {
            cni: Some(cni),
            app_layer: true,
            ..Choice::default()
        };
        let set = lower(&input, &choice).set;
        let evaluator = Evaluator::new(&set, &inv.cluster);
        for from in &names {
            for to in &names {
                let req = FlowRequest {
                    from: from.clone(),
                    to: to.clone(),
                    port: Some(PortRef::Number(80)),
                    http: Some(HttpRequest {
                        method: Some("GET".into()),
                        path: Some("/a/../b?x=%2F".into()),
                        ..Default::default()
                    }),
                    l7: vec![
                        ("query".into(), "a.example.com".into()),
                        ("command".into(), "get".into()),
                        ("key".into(), "k".into()),
                    ],
                    auth_fails: true,
                    ..FlowRequest::default()
                };
                if let Ok(all) = flows(&inv.cluster, &req, "default") {
                    for f in all {
                        let _ = evaluator.evaluate(f);
                    }
                }
            }
        }
        let opts = reach::Options {
            external: true,
            threads: 1,
            ..reach::Options::default()
        };
        let graph = reach::compute(&evaluator, &inv.cluster, &opts, &());
        let _ = polctl::render::graph::json(&graph);
        for by in [
            GroupBy::Workload,
            GroupBy::Namespace,
            GroupBy::Label("app".into()),
        ] {
            let _ = polctl::render::graph::table(&View::new(graph.clone(), by), true);
        }
        let view = View::new(graph, GroupBy::Workload);
        let _ = polctl::render::graph::dot(&view);
        let _ = polctl::render::graph::mermaid(&view);
        let _ = polctl::render::graph::svg(&view);
        let _ = polctl::render::graph::html(&view);
    }
}

/// Arbitrary text through both selector parsers (Calico and kubectl `-l`):
/// every expression they return must print as Calico text that parses back
/// to the same expression.
pub fn selector(text: &str) {
    if let Ok(expr) = parse(text) {
        round_trip(text, &expr);
    }
    if let Ok(expr) = parse_kubectl(text) {
        round_trip(text, &expr);
    }
}

fn round_trip(source: &str, expr: &Expr) {
    let printed = expr.to_string();
    match parse(&printed) {
        Ok(again) => assert_eq!(
            &again, expr,
            "{source:?} printed as {printed:?} reads back differently"
        ),
        Err(e) => panic!("{source:?} printed as {printed:?}, which does not parse: {e}"),
    }
}
