//! The double is honest when the real kubectl gets what it asks for.
//! Skipped, with a notice, where kubectl is not installed.

use polctl_apiserver_double::Double;

const SEED: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
---
apiVersion: v1
kind: Namespace
metadata: {name: bank}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: nginx}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-1, namespace: bank, labels: {app: db}}
spec: {containers: [{name: c, image: postgres}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-db, namespace: bank}
spec: {podSelector: {}}
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
";

fn double() -> Double {
    Double::builder()
        .seed("seed", SEED)
        .start()
        .expect("double starts")
}

/// Column `n` (0-based) of each row after the header.
fn column(table: &str, n: usize) -> Vec<String> {
    table
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().nth(n).map(String::from))
        .collect()
}

#[test]
fn kubectl_lists_pods_of_every_namespace() {
    let double = double();
    let Some((ok, out, err)) = double.kubectl(&["get", "pods", "-A"], None) else {
        return;
    };
    assert!(ok, "{err}");
    assert_eq!(column(&out, 0), ["bank", "shop", "shop"], "{out}");
    assert_eq!(column(&out, 1), ["db-1", "web-1", "web-2"], "{out}");
    // TLS was verified against the generated CA and the token was sent.
    assert!(
        double
            .requests()
            .iter()
            .any(|r| r.path == "/api/v1/pods" && r.param("limit").is_some())
    );
}

#[test]
fn kubectl_lists_network_policies_of_one_namespace() {
    let double = double();
    let Some((ok, out, err)) = double.kubectl(&["get", "networkpolicies", "-n", "shop"], None)
    else {
        return;
    };
    assert!(ok, "{err}");
    assert_eq!(column(&out, 0), ["deny-all"], "{out}");
    let Some((ok, out, err)) = double.kubectl(
        &["get", "netpol", "allow-db", "-n", "bank", "-o", "name"],
        None,
    ) else {
        return;
    };
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "networkpolicy.networking.k8s.io/allow-db");
}

#[test]
fn kubectl_pages_with_continue_tokens_and_filters_by_label() {
    let double = Double::builder()
        .seed("seed", SEED)
        .page_cap(1)
        .start()
        .expect("double starts");
    let Some((ok, out, err)) =
        double.kubectl(&["get", "pods", "-A", "-l", "app=web", "-o", "name"], None)
    else {
        return;
    };
    assert!(ok, "{err}");
    assert_eq!(out, "pod/web-1\npod/web-2\n");
    let pages: Vec<_> = double
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/pods")
        .collect();
    assert_eq!(pages.len(), 2, "{pages:?}");
    assert_eq!(pages[0].param("continue"), None);
    assert!(pages[1].param("continue").is_some(), "{pages:?}");
    assert_eq!(pages[1].param("labelSelector").as_deref(), Some("app=web"));
}

#[test]
fn kubectl_reads_discovery() {
    let double = Double::builder()
        .seed("seed", SEED)
        .without_group("cilium.io")
        .start()
        .expect("double starts");
    let Some((ok, out, err)) = double.kubectl(&["api-resources", "--no-headers"], None) else {
        return;
    };
    assert!(ok, "{err}");
    let names = column(&format!("header\n{out}"), 0);
    for expected in [
        "pods",
        "networkpolicies",
        "tiers",
        "globalnetworkpolicies",
        "adminnetworkpolicies",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected}: {out}");
    }
    assert!(!out.contains("cilium"), "{out}");
    let Some((ok, out, err)) = double.kubectl(
        &[
            "api-resources",
            "--api-group",
            "projectcalico.org",
            "--namespaced=false",
            "-o",
            "name",
        ],
        None,
    ) else {
        return;
    };
    assert!(ok, "{err}");
    assert!(out.lines().any(|l| l == "tiers.projectcalico.org"), "{out}");
    assert!(!out.contains("workloadendpoints"), "{out}");
}

#[test]
fn kubectl_sees_missing_objects_forbidden_resources_and_bad_tokens() {
    let double = Double::builder()
        .seed("seed", SEED)
        .forbid("", "services")
        .start()
        .expect("double starts");
    let Some((ok, _, err)) = double.kubectl(&["get", "pod", "nope", "-n", "shop"], None) else {
        return;
    };
    assert!(!ok);
    assert!(err.contains(r#"pods "nope" not found"#), "{err}");
    let Some((ok, _, err)) = double.kubectl(&["get", "services", "-A"], None) else {
        return;
    };
    assert!(!ok);
    assert!(err.contains("services is forbidden"), "{err}");
    let Some((ok, _, err)) = double.kubectl(&["get", "pods", "-A", "--token", "wrong"], None)
    else {
        return;
    };
    assert!(!ok);
    assert!(
        err.contains("Unauthorized") || err.contains("must be logged in"),
        "{err}"
    );
}
