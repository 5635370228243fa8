//! Arbitrary bytes (read as lossy UTF-8) through the whole loader; every
//! error it reports must render, and point inside the text on char
//! boundaries. What loads is compiled for every dataplane and a few flows
//! between its endpoints are simulated, with requests for L7 rules.

#![no_main]

use libfuzzer_sys::fuzz_target;
use miette::{Diagnostic, GraphicalReportHandler};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let errors = match polctl::load::load_text("fuzz.yaml", &text) {
        Ok(inventory) => return simulate(&inventory),
        Err(errors) => errors,
    };
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
        let _ = GraphicalReportHandler::new().render_report(&mut String::new(), err);
    }
});

fn simulate(inv: &polctl::load::Inventory) {
    use polctl::dialect::lower::{Choice, Input, lower};
    use polctl::model::policy::Cni;
    use polctl::sim::eval::Evaluator;
    use polctl::sim::resolve::{FlowRequest, PortRef, flows};
    let input = Input {
        cluster: &inv.cluster,
        policies: &inv.policies,
        tiers: &inv.tiers,
        profiles: &inv.profiles,
    };
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
                    http: Some(polctl::model::HttpRequest {
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
        // The whole reachability graph, rendered in every format.
        let opts = polctl::sim::reach::Options {
            external: true,
            threads: 1,
        };
        let reach = polctl::sim::reach::compute(&evaluator, &inv.cluster, &opts, &());
        let _ = polctl::render::graph::json(&reach);
        let _ = polctl::render::graph::table(&reach, true);
        let _ = polctl::render::graph::dot(&reach);
        let _ = polctl::render::graph::mermaid(&reach);
        let _ = polctl::render::graph::svg(&reach);
        let _ = polctl::render::graph::html(&reach);
    }
}
