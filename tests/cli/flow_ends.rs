//! `polctl simulate`: what a flow end given as an address, a CIDR or a
//! kind-qualified name stands for.

use serde_json::Value;

use crate::common::run;

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("one JSON object")
}

#[test]
fn a_service_address_is_the_service() {
    let flow = |to: &str| {
        json(&[
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
        ])
    };
    let by_address = flow("10.96.0.10");
    let by_name = flow("svc:kube-system/kube-dns");
    assert_eq!(by_address["verdict"], "allow", "{by_address}");
    assert_eq!(by_address, by_name);
}

#[test]
fn a_service_address_in_a_flows_file_is_the_service() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("flows.yaml");
    std::fs::write(
        &path,
        "- {from: shop/web, to: 10.96.0.10, port: 53, protocol: UDP, expect: allow}\n",
    )
    .expect("write flows");
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/tiers",
        "--flows",
        path.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("2 flows: 2 allowed, 0 denied; 2 of 2 expectations met"),
        "{}",
        out.stdout
    );
}
