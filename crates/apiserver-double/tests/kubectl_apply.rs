//! The write side is honest when the real `kubectl apply --server-side`
//! gets what it asks for, and `kubectl get` then sees the object.
//! Skipped, with a notice, where kubectl is not installed.
use polctl_apiserver_double::Double;

const SEED: &str = "
apiVersion: v1
kind: Namespace
metadata: {name: shop}
";

const POLICY: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: shop, labels: {team: shop}}
spec: {podSelector: {}, policyTypes: [Ingress]}
";

#[test]
fn kubectl_server_side_apply_creates_and_get_sees_it() {
    let double = Double::builder()
        .seed("seed", SEED)
        .start()
        .expect("double starts");
    let Some((ok, out, err)) = double.kubectl(&["apply", "--server-side", "-f", "-"], Some(POLICY))
    else {
        return;
    };
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "networkpolicy.networking.k8s.io/deny-all serverside-applied"
    );
    let patch = double
        .requests()
        .into_iter()
        .find(|r| r.method == "PATCH")
        .expect("kubectl sent a PATCH");
    assert_eq!(
        patch.path,
        "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/deny-all"
    );
    assert_eq!(
        patch.content_type.as_deref(),
        Some("application/apply-patch+yaml")
    );
    assert_eq!(patch.param("fieldManager").as_deref(), Some("kubectl"));
    // kubectl found fieldValidation in the served OpenAPI and left
    // validation to the server.
    assert_eq!(patch.param("fieldValidation").as_deref(), Some("Strict"));
    assert!(
        patch
            .body
            .as_deref()
            .is_some_and(|b| b.contains("deny-all"))
    );

    let Some((ok, out, err)) = double.kubectl(
        &[
            "get",
            "netpol",
            "-n",
            "shop",
            "-l",
            "team=shop",
            "-o",
            "name",
        ],
        None,
    ) else {
        return;
    };
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "networkpolicy.networking.k8s.io/deny-all");
    let Some((ok, out, err)) = double.kubectl(
        &[
            "get",
            "netpol",
            "deny-all",
            "-n",
            "shop",
            "--show-managed-fields",
            "-o",
            "jsonpath={.metadata.managedFields[0].manager}",
        ],
        None,
    ) else {
        return;
    };
    assert!(ok, "{err}");
    assert_eq!(out, "kubectl");
}

#[test]
fn kubectl_sees_a_conflict_with_another_manager_and_forces_it() {
    let double = Double::builder()
        .seed("seed", SEED)
        .start()
        .expect("double starts");
    let Some((ok, _, err)) = double.kubectl(
        &[
            "apply",
            "--server-side",
            "--field-manager",
            "calicoctl",
            "-f",
            "-",
        ],
        Some(POLICY),
    ) else {
        return;
    };
    assert!(ok, "{err}");
    let changed = POLICY.replace("[Ingress]", "[Egress]");
    let Some((ok, _, err)) = double.kubectl(&["apply", "--server-side", "-f", "-"], Some(&changed))
    else {
        return;
    };
    assert!(!ok);
    assert!(
        err.contains(r#"conflict with "calicoctl": .spec.policyTypes"#),
        "{err}"
    );
    let Some((ok, out, err)) = double.kubectl(
        &["apply", "--server-side", "--force-conflicts", "-f", "-"],
        Some(&changed),
    ) else {
        return;
    };
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "networkpolicy.networking.k8s.io/deny-all serverside-applied"
    );
}

#[test]
fn kubectl_deletes() {
    let double = Double::builder()
        .seed("seed", SEED)
        .seed("policy", POLICY)
        .start()
        .expect("double starts");
    let Some((ok, out, err)) =
        double.kubectl(&["delete", "netpol", "deny-all", "-n", "shop"], None)
    else {
        return;
    };
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        r#"networkpolicy.networking.k8s.io "deny-all" deleted"#
    );
    let Some((ok, _, err)) = double.kubectl(&["get", "netpol", "deny-all", "-n", "shop"], None)
    else {
        return;
    };
    assert!(!ok);
    assert!(err.contains("not found"), "{err}");
}
