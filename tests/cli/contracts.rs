//! The JSON contracts other tools read: one shape for `simulate -o json`
//! whatever the target, the same object per entry of `--flows -o json`,
//! structured flow ends.

use serde_json::Value;

use crate::common::run;

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert!(
        out.code == 0 || out.code == 1,
        "polctl {}\n{}",
        args.join(" "),
        out.stderr
    );
    serde_json::from_str(&out.stdout).expect("json")
}

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v
        .as_object()
        .expect("object")
        .keys()
        .filter(|k| *k != "flows")
        .cloned()
        .collect();
    k.sort();
    k
}

fn simulate(to: &str) -> Value {
    json(&[
        "simulate",
        "-f",
        "fixtures/web-deny-all",
        "--from",
        "default/client",
        "--to",
        to,
        "--port",
        "80",
        "-o",
        "json",
    ])
}

#[test]
fn simulate_json_has_one_top_level_shape() {
    let pod = simulate("default/web-0");
    let workload = simulate("default/web");
    let service = simulate("svc:default/web");
    assert_eq!(keys(&pod), keys(&workload));
    assert_eq!(keys(&pod), keys(&service));
    for key in [
        "verdict",
        "flow",
        "egress",
        "ingress",
        "dataplane",
        "l7_filtered",
    ] {
        assert!(pod.get(key).is_some(), "{key} in {pod}");
    }
    // A Service adds each backend's result.
    assert!(pod.get("flows").is_none());
    let backends = service["flows"].as_array().expect("per-backend results");
    assert_eq!(backends.len(), 2);
    assert_eq!(service["verdict"], "deny");
    for b in backends {
        assert_eq!(b["flow"]["dst"]["kind"], "pod");
        assert_eq!(b["flow"]["dst"]["workload"], "Deployment/web");
    }
}

#[test]
fn flow_ends_are_structured() {
    let v = simulate("default/web");
    let src = &v["flow"]["src"];
    assert_eq!(src["kind"], "pod");
    assert_eq!(src["namespace"], "default");
    assert_eq!(src["name"], "client");
    assert!(
        src["ip"]
            .as_str()
            .expect("ip")
            .parse::<std::net::IpAddr>()
            .is_ok()
    );
    let dst = &v["flow"]["dst"];
    assert_eq!(dst["name"], "web-0");
    let external = simulate("192.0.2.1");
    assert_eq!(external["flow"]["dst"]["kind"], "external");
    assert_eq!(external["flow"]["dst"]["ip"], "192.0.2.1");
    assert!(external["flow"]["dst"]["name"].is_null());
    let hep = json(&[
        "simulate",
        "-f",
        "fixtures/tiers",
        "--from",
        "shop/web",
        "--to",
        "hep:node1-eth0",
        "--port",
        "9100",
        "-o",
        "json",
    ]);
    assert_eq!(hep["flow"]["dst"]["kind"], "host-endpoint");
    assert_eq!(hep["flow"]["dst"]["name"], "node1-eth0");
}

/// An end reached through a Service names the Service, the port the flow
/// was sent to and the backend and port it was DNAT'ed to, whether the
/// Service was named or given by its ClusterIP; a pod named directly has no
/// `service`.
#[test]
fn a_service_end_names_the_service_and_its_dnat() {
    for to in ["svc:kube-system/kube-dns", "10.96.0.10"] {
        let v = json(&[
            "simulate",
            "-f",
            "fixtures/tiers",
            "--from",
            "shop/web",
            "--to",
            to,
            "--port",
            "53",
            "--proto",
            "UDP",
            "-o",
            "json",
        ]);
        let dst = &v["flow"]["dst"];
        let service = &dst["service"];
        assert_eq!(service["namespace"], "kube-system", "{to}: {dst}");
        assert_eq!(service["name"], "kube-dns", "{to}: {dst}");
        assert_eq!(service["port"], 53, "{to}: {dst}");
        assert_eq!(service["protocol"], 17, "{to}: {dst}");
        assert_eq!(service["target_port"], 53, "{to}: {dst}");
        assert_eq!(
            service["backend"],
            format!(
                "{}/{}",
                dst["namespace"].as_str().unwrap(),
                dst["name"].as_str().unwrap()
            ),
            "{to}: {dst}"
        );
        assert_eq!(dst["kind"], "pod", "{to}: {dst}");
        assert!(v["flow"]["src"].get("service").is_none(), "{v}");
    }
    let pod = simulate("default/web-0");
    assert!(pod["flow"]["dst"].get("service").is_none(), "{pod}");
    // Each backend's flow names its own backend, at the port it was sent.
    let service = simulate("svc:default/web");
    for b in service["flows"].as_array().expect("per-backend results") {
        let dst = &b["flow"]["dst"];
        assert_eq!(dst["service"]["name"], "web", "{dst}");
        assert_eq!(dst["service"]["target_port"], b["flow"]["port"], "{b}");
        assert_eq!(
            dst["service"]["backend"],
            format!("default/{}", dst["name"].as_str().expect("name")),
            "{dst}"
        );
    }
}

/// Each line of `--flows -o json` is what `simulate -o json` prints for
/// that entry, plus the expectation and where it is written.
#[test]
fn a_flows_file_entry_is_the_single_flow_contract() {
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/tiers",
        "--flows",
        "tests/flows/tiers.yaml",
        "-o",
        "json",
    ]);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    let entries = std::fs::read_to_string("tests/flows/tiers.yaml")
        .expect("flows")
        .lines()
        .filter(|l| l.starts_with("- "))
        .count();
    assert_eq!(lines.len(), entries);
    let single = json(&[
        "simulate",
        "-f",
        "fixtures/tiers",
        "--from",
        "shop/web",
        "--to",
        "shop/api",
        "--port",
        "8080",
        "-o",
        "json",
    ]);
    let first = &lines[0];
    assert_eq!(first["dataplane"], single["dataplane"]);
    assert_eq!(first["flow"], single["flow"]);
    assert_eq!(first["verdict"], single["verdict"]);
    let mut with_entry = keys(&single);
    with_entry.extend(["at".to_string(), "expect".into(), "expectation_met".into()]);
    with_entry.sort();
    assert_eq!(keys(first), with_entry);
    // The Service entry is one object with its backends under `flows`.
    let dns = lines
        .iter()
        .find(|l| l["at"].as_str().is_some_and(|a| a.ends_with(":5:3")))
        .expect("the kube-dns entry");
    assert_eq!(dns["expectation_met"], true, "{dns}");
}

/// `polctl diff -o json`, as the README documents it.
#[test]
fn diff_json_has_the_documented_shape() {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = crate::common::repo().join("fixtures/starwars");
    for f in ["policies.yaml", "workloads.yaml"] {
        std::fs::copy(from.join(f), dir.path().join(f)).expect("copy");
    }
    // Without the HTTP rules, port 80 is no longer L7-filtered.
    let policies = dir.path().join("policies.yaml");
    let text = std::fs::read_to_string(&policies).expect("policies");
    let cut = text.find("          rules:").expect("http rules");
    std::fs::write(&policies, &text[..cut]).expect("write");
    let new = dir.path().display().to_string();
    let v = json(&["diff", "fixtures/starwars", &new, "-o", "json"]);
    let mut top = keys(&v);
    top.sort();
    assert_eq!(
        top,
        ["added", "changed", "notes", "pairs", "removed", "summary"]
    );
    assert_eq!(v["changed"], true);
    assert_eq!(
        keys(&v["summary"]),
        ["added", "changed", "gained", "lost", "removed"]
    );
    let pair = &v["pairs"][0];
    assert_eq!(pair["src"], "default/tiefighter");
    assert_eq!(pair["dst"], "default/deathstar");
    assert_eq!(pair["change"], "changed");
    assert_eq!(pair["before"], serde_json::json!(["TCP 80"]));
    assert_eq!(pair["after"], serde_json::json!(["TCP 80"]));
    assert_eq!(pair["gained"], serde_json::json!([]));
    assert_eq!(pair["lost"], serde_json::json!([]));
    assert_eq!(pair["l7"]["lost"], serde_json::json!(["TCP 80"]));
    assert_eq!(pair["l7"]["gained"], serde_json::json!([]));
    assert!(pair.get("auth").is_none(), "unchanged marks are left out");
    assert!(pair["policies"]["before"].is_array());
    assert!(pair["policies"]["after"].is_array());
    assert!(pair.get("some_pods").is_none());
    // Nothing changed: the same shape, empty.
    let same = json(&[
        "diff",
        "fixtures/starwars",
        "fixtures/starwars",
        "-o",
        "json",
    ]);
    assert_eq!(same["changed"], false);
    assert_eq!(same["pairs"], serde_json::json!([]));
}
