//! `polctl simulate`: what a flow end given as an address, a CIDR or a
//! kind-qualified name stands for.

use serde_json::Value;

use crate::common::{run, temp_file};

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
    let flows = temp_file(
        "flows.yaml",
        "- {from: shop/web, to: 10.96.0.10, port: 53, protocol: UDP, expect: allow}\n",
    );
    let out = run(&["simulate", "-f", "fixtures/tiers", "--flows", flows.path()]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("2 flows: 2 allowed, 0 denied; 2 of 2 expectations met"),
        "{}",
        out.stdout
    );
}

#[test]
fn ends_of_different_address_families_are_a_usage_error() {
    for from in ["2001:db8::1", "2001:db8::/64"] {
        let out = run(&[
            "simulate",
            "-f",
            "fixtures/redis-frontend",
            "--from",
            from,
            "--to",
            "myns/frontend",
            "--port",
            "443",
        ]);
        assert_eq!(out.code, 2, "{}", out.stdout);
        // The diagnostic wraps; read it as one line.
        let text = out
            .stderr
            .split_whitespace()
            .filter(|w| *w != "|")
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains(
                "is IPv6 and myns/frontend is IPv4-only (10.244.0.2): a flow stays within one address family"
            ),
            "{text}"
        );
        assert!(text.contains(from), "{text}");
    }
}

/// A dual-stack pod named by one of its addresses is that address: the
/// other end (also dual-stack) moves to its family, not the other way round.
/// In `tests/node/dual-stack` the database takes the operators' IPv6 range
/// only, so the family decides the verdict.
#[test]
fn an_address_given_fixes_the_family_of_the_flow() {
    let flow = |from: &str, to: &str| {
        let v = json(&[
            "simulate",
            "-f",
            "tests/node/dual-stack",
            "--from",
            from,
            "--to",
            to,
            "--port",
            "5432",
            "-o",
            "json",
        ]);
        let ip = |end: &str| v["flow"][end]["ip"].as_str().expect("ip").to_string();
        (
            v["verdict"].as_str().expect("verdict").to_string(),
            ip("src"),
            ip("dst"),
        )
    };
    let v6 = (
        "allow".to_string(),
        "2001:db8:0:2::20".to_string(),
        "2001:db8:0:1::11".to_string(),
    );
    let v4 = (
        "deny".to_string(),
        "198.51.100.20".to_string(),
        "198.51.100.11".to_string(),
    );
    assert_eq!(flow("ops/probe", "2001:db8:0:1::11"), v6);
    assert_eq!(flow("2001:db8:0:2::20", "shop/db"), v6);
    assert_eq!(flow("ops/probe", "198.51.100.11"), v4);
    // Both ends named: a pod is reached at its first address.
    assert_eq!(flow("ops/probe", "shop/db"), v4);
}

#[test]
fn a_cidr_gives_one_result_per_range_that_differs() {
    // The profile admits 9100 from 10.10.0.0/24 only.
    let flow = |from: &str| {
        json(&[
            "simulate",
            "-f",
            "fixtures/tiers",
            "--from",
            from,
            "--to",
            "hep:node1-eth0",
            "--port",
            "9100",
            "-o",
            "json",
        ])
    };
    let v = flow("10.10.0.0/16");
    assert_eq!(v["verdict"], "deny", "{v}");
    let parts: Vec<(String, String)> = v["flows"]
        .as_array()
        .expect("one flow per range")
        .iter()
        .map(|f| {
            (
                f["flow"]["src"]["display"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                f["verdict"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        parts,
        [
            (
                "10.10.0.0/24 of 10.10.0.0/16 (as 10.10.0.0)".to_string(),
                "allow".to_string()
            ),
            (
                "10.10.1.0-10.10.255.255 of 10.10.0.0/16 (as 10.10.1.0)".to_string(),
                "deny".to_string()
            ),
        ]
    );
    let alike = flow("10.10.0.0/25");
    assert_eq!(alike["verdict"], "allow");
    assert_eq!(
        alike["flow"]["src"]["display"],
        "10.10.0.0/25 (every address alike, as 10.10.0.0)"
    );
}

/// A Deployment and a lone Pod, both `a/web`; a policy isolates the pod.
const SAME_NAME: &str = "apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, image: x}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: a, labels: {app: lone}}
spec: {containers: [{name: c, image: x}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: isolate-lone, namespace: a}
spec:
  podSelector: {matchLabels: {app: lone}}
  policyTypes: [Ingress]
";

#[test]
fn a_name_shared_by_a_pod_and_a_workload_is_qualified_by_kind() {
    let manifests = temp_file("same-name.yaml", SAME_NAME);
    let file = manifests.path();

    // Ambiguous: an error that lists the candidates.
    let out = run(&[
        "simulate", "-f", file, "--from", "a/web", "--to", "a/web", "--port", "80",
    ]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let text = out
        .stderr
        .split_whitespace()
        .filter(|w| *w != "|")
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("`a/web` is ambiguous: it names 2 objects (a/deployment/web, a/pod/web)"),
        "{text}"
    );

    // Kind-qualified as kubectl writes it, with or without the namespace.
    let verdict = |to: &str, extra: &[&str]| {
        let mut args = vec![
            "simulate",
            "-f",
            file,
            "--from",
            "a/deployment/web",
            "--to",
            to,
            "--port",
            "80",
            "-o",
            "json",
        ];
        args.extend_from_slice(extra);
        let v = json(&args);
        (
            v["verdict"].as_str().unwrap_or_default().to_string(),
            v["flow"]["dst"]["display"]
                .as_str()
                .unwrap_or_default()
                .to_string(),
        )
    };
    assert_eq!(
        verdict("a/pod/web", &[]),
        ("deny".into(), "a/pod/web".into())
    );
    assert_eq!(
        verdict("po/web", &["-n", "a"]),
        ("deny".into(), "a/pod/web".into())
    );
    assert_eq!(
        verdict("deploy/web", &["-n", "a"]),
        ("allow".into(), "a/deployment/web (a/web-0)".into())
    );

    // The graph's ids are unique, kind-qualified where they would clash.
    let g = json(&["graph", "-f", file, "-o", "json"]);
    let mut ids: Vec<&str> = g["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    ids.sort();
    assert_eq!(ids, ["0.0.0.0/0", "a/deployment/web", "a/pod/web"]);
    let from_deployment = json(&["graph", "-f", file, "--from", "a/deploy/web", "-o", "json"]);
    let sources: Vec<&str> = from_deployment["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter_map(|e| e["src"].as_str())
        .collect();
    assert!(!sources.is_empty());
    assert!(
        sources.iter().all(|s| *s == "a/deployment/web"),
        "{sources:?}"
    );
}
