use crate::common::{fixture, run, run_with_stdin};
use crate::polctl_snapshot;

#[test]
fn policies_of_every_dialect_across_fixtures() {
    let out = polctl_snapshot!(
        "get",
        "policies-all-fixtures",
        &[
            "get",
            "policies",
            "-A",
            "-f",
            "fixtures/admin",
            "-f",
            "fixtures/app-layer",
            "-f",
            "fixtures/tiers",
            "-f",
            "fixtures/web-deny-all",
            "-f",
            "fixtures/redis-frontend",
            "-f",
            "fixtures/mutual-auth",
            "-f",
            "fixtures/starwars",
            "-f",
            "fixtures/cassandra",
            "-f",
            "fixtures/memcached",
        ]
    );
    assert_eq!(out.code, 0);
    for dialect in ["k8s", "anp", "banp", "calico", "calico-staged", "cilium"] {
        assert!(
            out.stdout
                .lines()
                .any(|l| l.split_whitespace().nth(3) == Some(dialect)),
            "{dialect} missing"
        );
    }
}

#[test]
fn endpoints_wide_show_labels_service_accounts_and_addresses() {
    let out = polctl_snapshot!(
        "get",
        "endpoints-starwars-wide",
        &[
            "get",
            "endpoints",
            "-A",
            "-f",
            &fixture("starwars"),
            "-o",
            "wide"
        ]
    );
    assert_eq!(out.code, 0);
    let deathstars: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("deathstar-"))
        .collect();
    assert_eq!(deathstars.len(), 2, "two replicas expanded");
    assert!(deathstars[0].contains("class=deathstar") && deathstars[0].contains("10.244."));
}

#[test]
fn namespace_filter_defaults_to_default() {
    let out = run(&["get", "endpoints", "-f", &fixture("redis-frontend")]);
    assert_eq!(out.code, 0);
    assert!(
        out.stdout.is_empty(),
        "redis-frontend has nothing in default: {}",
        out.stdout
    );
    assert!(
        out.stderr
            .contains("no endpoints found in namespace default")
    );
    let out = run(&[
        "get",
        "endpoints",
        "-n",
        "myns",
        "-f",
        &fixture("redis-frontend"),
    ]);
    let names: Vec<&str> = out
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(names, ["backend", "frontend", "other"]);
}

#[test]
fn label_selector_filters_rows() {
    let out = run(&[
        "get",
        "endpoints",
        "-n",
        "myns",
        "-l",
        "role in (backend,frontend),role!=frontend",
        "-f",
        &fixture("redis-frontend"),
        "-o",
        "name",
    ]);
    assert_eq!(out.stdout, "endpoint/backend\n");
}

#[test]
fn bad_label_selector_is_a_usage_error() {
    let out = polctl_snapshot!(
        "get",
        "bad-selector-flag",
        &[
            "get",
            "endpoints",
            "-l",
            "app in web",
            "-f",
            "fixtures/redis-frontend"
        ]
    );
    assert_eq!(out.code, 2);
}

#[test]
fn output_formats() {
    let dir = fixture("redis-frontend");
    polctl_snapshot!(
        "get",
        "policies-redis-yaml",
        &["get", "policies", "-n", "myns", "-f", &dir, "-o", "yaml"]
    );
    let out = run(&["get", "workloads", "-A", "-f", &dir, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["items"].as_array().map(Vec::len), Some(4));
    // polctl's own records are not Kubernetes objects: no `kind: List`.
    assert!(v.get("kind").is_none(), "{v}");
    assert!(v.get("apiVersion").is_none(), "{v}");
    for resource in ["endpoints", "tiers", "namespaces", "services"] {
        let out = run(&["get", resource, "-A", "-f", &fixture("tiers"), "-o", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
        assert!(v.get("kind").is_none(), "{resource}: {v}");
        assert!(
            !v["items"].as_array().expect("items").is_empty(),
            "{resource}"
        );
    }
    // Policies are listed as the objects they were loaded from.
    let out = run(&["get", "policies", "-A", "-f", &dir, "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["kind"], "List");
    assert_eq!(v["apiVersion"], "v1");
    assert!(
        v["items"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| i["kind"].is_string())
    );
    polctl_snapshot!(
        "get",
        "services-web-deny-all",
        &[
            "get",
            "services",
            "-f",
            &fixture("web-deny-all"),
            "-o",
            "wide"
        ]
    );
    polctl_snapshot!(
        "get",
        "namespaces-admin",
        &["get", "namespaces", "-f", &fixture("admin"), "-o", "wide"]
    );
    polctl_snapshot!(
        "get",
        "tiers-admin",
        &["get", "tiers", "-f", &fixture("admin")]
    );
    polctl_snapshot!(
        "get",
        "workloads-mutual-auth",
        &["get", "workloads", "-f", &fixture("mutual-auth")]
    );
}

#[test]
fn stdin_lists_and_typed_lists() {
    let text = "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: a, namespace: x, labels: {app: a}}\n  spec: {containers: []}\n  status: {podIP: 192.0.2.7}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b, namespace: x}\n  spec: {containers: []}\n";
    let out = run_with_stdin(&["get", "endpoints", "-n", "x", "-f", "-"], Some(text));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("192.0.2.7"),
        "status.podIP is kept: {}",
        out.stdout
    );
    assert!(
        out.stdout
            .lines()
            .any(|l| l.starts_with("b ") && l.contains("(synthetic)"))
    );
}

/// Policies are listed in the order the evaluator visits them: Calico 3.32
/// breaks an `order` tie by `<name>/<namespace>/<kind>`, so `b/aaa` comes
/// before `a/zzz` although namespace-then-name would put it second.
#[test]
fn policies_are_listed_in_evaluation_order() {
    let manifests = "\
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: zzz, namespace: a}
spec: {order: 10, selector: all()}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: aaa, namespace: b}
spec: {order: 10, selector: all()}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: first, namespace: c}
spec: {order: 5, selector: all()}
";
    let out = run_with_stdin(
        &["get", "policies", "-A", "-o", "name", "-f", "-"],
        Some(manifests),
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let names: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        names,
        [
            "networkpolicy/first",
            "networkpolicy/aaa",
            "networkpolicy/zzz"
        ]
    );
}

/// Any kubectl word for a kind from the kind table asks for the view that
/// lists it; a workload or policy kind narrows the view to that kind.
#[test]
fn kind_words_from_the_kind_table_narrow_the_view() {
    let all = run(&["get", "workloads", "-A", "-f", "fixtures/", "-R"]);
    assert_eq!(all.code, 0, "{}", all.stderr);
    assert!(all.stdout.contains(" Pod "), "{}", all.stdout);
    for word in ["deploy", "deployments", "Deployment"] {
        let out = run(&["get", word, "-A", "-f", "fixtures/", "-R"]);
        assert_eq!(out.code, 0, "{word}: {}", out.stderr);
        let kinds: Vec<&str> = out
            .stdout
            .lines()
            .skip(1)
            .filter_map(|l| l.split_whitespace().nth(1))
            .collect();
        assert!(!kinds.is_empty(), "{word}");
        assert!(
            kinds.iter().all(|k| *k == "Deployment"),
            "{word}: {kinds:?}"
        );
    }
    // netpol is networking.k8s.io's NetworkPolicy, not Calico's.
    let out = run(&["get", "netpol", "-A", "-f", "fixtures/", "-R", "-o", "name"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let policies = run(&["get", "policies", "-A", "-f", "fixtures/", "-R"]);
    let k8s = policies
        .stdout
        .lines()
        .filter(|l| l.split_whitespace().nth(3) == Some("k8s"))
        .count();
    assert!(k8s > 0);
    assert_eq!(out.stdout.lines().count(), k8s, "{}", out.stdout);
    let out = run(&["get", "cnp", "-A", "-f", "fixtures/", "-R", "-o", "name"]);
    assert!(
        out.stdout
            .lines()
            .all(|l| l.starts_with("ciliumnetworkpolicy/")),
        "{}",
        out.stdout
    );
    // Pods and Calico WorkloadEndpoints are both endpoints.
    let pods = run(&["get", "po", "-A", "-f", &fixture("starwars")]);
    let endpoints = run(&["get", "endpoints", "-A", "-f", &fixture("starwars")]);
    assert_eq!(pods.stdout, endpoints.stdout);
}

#[test]
fn a_kind_no_view_lists_is_refused() {
    let out = run(&["get", "sa", "-A", "-f", &fixture("starwars")]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("polctl get does not list serviceaccounts"),
        "{}",
        out.stderr
    );
}
