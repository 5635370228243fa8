//! `polctl apply` against the API server double: verification before any
//! request, discovery before any write, server-side apply in dependency
//! order, conflicts, a failure midway, and prune.

use polctl_apiserver_double::{Double, Request};

use crate::common::{Output, TempFile, run, run_with_stdin, settings, temp_file};

/// Runs `polctl apply ARGS --kubeconfig <the double's>`.
fn apply(double: &Double, args: &[&str]) -> Output {
    let kubeconfig = double.kubeconfig().display().to_string();
    let mut all = vec!["apply"];
    all.extend(args);
    all.extend(["--kubeconfig", &kubeconfig]);
    run(&all)
}

fn snapshot(name: &str, out: &Output, double: &Double) {
    let mut s = settings("apply");
    s.add_filter(&regex_escape(double.server()), "[SERVER]");
    s.add_filter(r"/tmp/\.tmp[A-Za-z0-9]+", "[TMP]");
    s.bind(|| insta::assert_snapshot!(name, out.transcript()));
}

fn regex_escape(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == ':' || c == '/' {
                c.to_string()
            } else {
                format!("\\{c}")
            }
        })
        .collect()
}

fn writes(double: &Double) -> Vec<Request> {
    double
        .requests()
        .into_iter()
        .filter(|r| r.method != "GET")
        .collect()
}

/// The tiers fixture's namespaces and pods: a cluster whose workloads run
/// before any policy is applied.
fn builder() -> polctl_apiserver_double::Builder {
    Double::builder()
        .seed_path("fixtures/tiers/namespaces.yaml")
        .and_then(|b| b.seed_path("fixtures/tiers/workloads.yaml"))
        .expect("seed")
}

fn seeded() -> Double {
    builder().start().expect("double starts")
}

/// The plan's order, as the REST paths the objects are applied at.
const TIERS_ORDER: &[&str] = &[
    "/api/v1/namespaces/shop",
    "/api/v1/namespaces/kube-system",
    "/apis/projectcalico.org/v3/tiers/security",
    "/apis/projectcalico.org/v3/tiers/platform",
    "/apis/projectcalico.org/v3/globalnetworkpolicies/security.quarantine",
    "/apis/projectcalico.org/v3/globalnetworkpolicies/platform.allow-dns",
    "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/default-deny-ingress",
    "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/api-allow-web",
    "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/db-allow-api",
    "/apis/projectcalico.org/v3/namespaces/shop/stagednetworkpolicies/default.staged-deny-web",
    "/apis/projectcalico.org/v3/profiles/allow-monitoring",
    "/apis/projectcalico.org/v3/hostendpoints/node1-eth0",
    "/api/v1/namespaces/shop/pods/web",
    "/api/v1/namespaces/shop/pods/api",
    "/api/v1/namespaces/shop/pods/db",
    "/api/v1/namespaces/shop/pods/suspect",
    "/apis/apps/v1/namespaces/kube-system/deployments/coredns",
    "/api/v1/namespaces/kube-system/services/kube-dns",
];

#[test]
fn a_server_dry_run_sends_every_object_in_order_as_polctl_and_persists_nothing() {
    let double = seeded();
    let out = apply(&double, &["-f", "fixtures/tiers", "--dry-run=server"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("tiers-dry-run-server", &out, &double);
    let writes = writes(&double);
    let paths: Vec<&str> = writes.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, TIERS_ORDER);
    for w in &writes {
        assert_eq!(w.method, "PATCH");
        assert_eq!(
            w.content_type.as_deref(),
            Some("application/apply-patch+yaml")
        );
        assert_eq!(w.param("fieldManager").as_deref(), Some("polctl"), "{w:?}");
        assert_eq!(w.param("dryRun").as_deref(), Some("All"), "{w:?}");
        assert_eq!(w.param("force"), None, "{w:?}");
    }
    let tiers = double.with_store(|s| {
        let r = s.resource("projectcalico.org", "v3", "tiers").unwrap();
        s.objects[r].len()
    });
    assert_eq!(tiers, 0, "a dry run persists nothing");
}

#[test]
fn apply_checks_everything_by_dry_run_then_applies_in_order() {
    let double = seeded();
    let out = apply(&double, &["-f", "fixtures/tiers"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("tiers-apply", &out, &double);
    let writes = writes(&double);
    let (dry, real): (Vec<&Request>, Vec<&Request>) =
        writes.iter().partition(|r| r.param("dryRun").is_some());
    let paths = |rs: &[&Request]| rs.iter().map(|r| r.path.clone()).collect::<Vec<_>>();
    assert_eq!(paths(&dry), TIERS_ORDER);
    assert_eq!(paths(&real), TIERS_ORDER);
    assert!(
        writes.iter().position(|r| r.param("dryRun").is_none()) == Some(TIERS_ORDER.len()),
        "every dry run comes before the first real write"
    );
    // Applied again, nothing changes.
    double.clear_requests();
    let again = apply(&double, &["-f", "fixtures/tiers"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stdout.contains("18 objects: 18 unchanged"),
        "{}",
        again.stdout
    );
}

#[test]
fn a_failing_policy_test_blocks_the_apply_and_nothing_is_sent() {
    let double = seeded();
    let tests = temp_file(
        "extra.polctl-test.yaml",
        "tests:\n  - name: web reaches the database\n    flow: {from: shop/web, to: shop/db, port: 5432}\n    expect: allow\n",
    );
    let out = apply(&double, &["-f", "fixtures/tiers", "--tests", tests.path()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("apply refused: a policy test failed; nothing was sent"),
        "{}",
        out.stdout
    );
    assert_eq!(double.requests(), [], "not even discovery");
}

#[test]
fn an_invalid_manifest_blocks_the_apply_and_nothing_is_sent() {
    let double = seeded();
    let bad = temp_file(
        "bad.yaml",
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: x, namespace: shop}\nspec: {podSelector: {matchLabels: {-bad: x}}}\n",
    );
    let out = apply(&double, &["-f", bad.path()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(double.requests(), []);
}

#[test]
fn an_object_given_twice_differently_is_refused_naming_both_places() {
    let double = seeded();
    let ns = |team: &str| {
        format!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: shop, labels: {{team: {team}}}}}\n"
        )
    };
    let a = temp_file("a.yaml", &ns("a"));
    let b = temp_file("b.yaml", &ns("b"));
    let out = apply(&double, &["-f", a.path(), "-f", b.path()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("Namespace shop is defined twice with different content"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("first defined at {}:1:1", a.path())),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("b.yaml"), "{}", out.stderr);
    assert_eq!(double.requests(), []);
}

#[test]
fn a_group_the_cluster_does_not_serve_is_reported_before_any_write() {
    let double = builder()
        .without_group("projectcalico.org")
        .start()
        .expect("double starts");
    let out = apply(&double, &["-f", "fixtures/tiers"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    snapshot("tiers-calico-not-served", &out, &double);
    assert_eq!(writes(&double), []);
}

const OWNED: &str = "
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: api-allow-web
  namespace: shop
  managedFields:
  - manager: calicoctl
    operation: Apply
    apiVersion: networking.k8s.io/v1
    fieldsType: FieldsV1
    fieldsV1: {f:spec: {f:ingress: {}}}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress: [{}]
";

#[test]
fn a_conflict_names_the_other_manager_and_field_and_nothing_is_applied() {
    let double = builder()
        .seed("owned", OWNED)
        .start()
        .expect("double starts");
    let out = apply(&double, &["-f", "fixtures/tiers"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    snapshot("tiers-conflict", &out, &double);
    assert!(
        writes(&double).iter().all(|w| w.param("dryRun").is_some()),
        "the conflict stops the apply at the dry run"
    );
    let forced = apply(&double, &["-f", "fixtures/tiers", "--force-conflicts"]);
    assert_eq!(forced.code, 0, "{}", forced.stderr);
    assert!(
        writes(&double)
            .iter()
            .filter(|w| w.path.ends_with("/api-allow-web"))
            .all(|w| w.param("force").as_deref() == Some("true") || w.param("dryRun").is_some())
    );
}

#[test]
fn a_failure_midway_says_what_was_applied_and_what_was_not() {
    let double = builder().fail_write(4).start().expect("double starts");
    let out = apply(&double, &["-f", "fixtures/tiers"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    snapshot("tiers-500-midway", &out, &double);
    let real: Vec<String> = writes(&double)
        .into_iter()
        .filter(|w| w.param("dryRun").is_none())
        .map(|w| w.path)
        .collect();
    assert_eq!(
        real,
        TIERS_ORDER[..4],
        "no retry, nothing after the failure"
    );
    let (tiers, policies) = double.with_store(|s| {
        let t = s.resource("projectcalico.org", "v3", "tiers").unwrap();
        let g = s
            .resource("projectcalico.org", "v3", "globalnetworkpolicies")
            .unwrap();
        (s.objects[t].len(), s.objects[g].len())
    });
    assert_eq!((tiers, policies), (1, 0));
}

fn policy(name: &str) -> String {
    format!(
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
         metadata: {{name: {name}, namespace: shop, labels: {{team: shop}}}}\n\
         spec: {{podSelector: {{}}, policyTypes: [Ingress]}}\n"
    )
}

fn shop_with_policies(names: &[&str]) -> Double {
    let mut builder = Double::builder().seed(
        "ns",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    );
    for name in names {
        builder = builder.seed(name, &policy(name));
    }
    builder.start().expect("double starts")
}

fn input(names: &[&str]) -> TempFile {
    let text: Vec<String> = names.iter().map(|n| policy(n)).collect();
    temp_file("policies.yaml", &text.join("---\n"))
}

#[test]
fn prune_with_yes_deletes_the_labelled_policies_no_longer_in_the_input() {
    let double = shop_with_policies(&["keep", "stale"]);
    let file = input(&["keep"]);
    let out = apply(
        &double,
        &["-f", file.path(), "--prune", "-l", "team=shop", "--yes"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("prune-yes", &out, &double);
    let deletes: Vec<String> = writes(&double)
        .into_iter()
        .filter(|w| w.method == "DELETE")
        .map(|w| w.path)
        .collect();
    assert_eq!(
        deletes,
        ["/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/stale"]
    );
    let left = double.with_store(|s| {
        let r = s
            .resource("networking.k8s.io", "v1", "networkpolicies")
            .unwrap();
        s.objects[r]
            .keys()
            .map(|(_, n)| n.clone())
            .collect::<Vec<_>>()
    });
    assert_eq!(left, ["keep"]);
}

#[test]
fn prune_without_yes_is_refused_when_no_one_can_answer() {
    let double = shop_with_policies(&["keep", "stale"]);
    let file = input(&["keep"]);
    let kubeconfig = double.kubeconfig().display().to_string();
    // stdin is a closed pipe: no terminal to answer the prompt on.
    let out = run(&[
        "apply",
        "-f",
        file.path(),
        "--prune",
        "-l",
        "team=shop",
        "--kubeconfig",
        &kubeconfig,
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("pass --yes"), "{}", out.stderr);
    assert_eq!(double.requests(), []);
}

/// A policy the prune selector does not match: never pruned.
const UNLABELLED: &str = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
    metadata: {name: other-team, namespace: shop}\n\
    spec: {podSelector: {}, policyTypes: [Ingress]}\n";

/// `apply --prune` on a pseudo-terminal, answering the prompt with
/// `answer`: the transcript (stdout and stderr, as the terminal shows
/// them) and the exit code.
fn prune_answering(double: &Double, file: &str, answer: &str) -> (String, i32) {
    use rexpect::process::WaitStatus;
    let mut cmd = crate::common::polctl();
    cmd.args([
        "apply",
        "-f",
        file,
        "--prune",
        "-l",
        "team=shop",
        "--no-progress",
    ])
    .arg("--kubeconfig")
    .arg(double.kubeconfig());
    let mut session = rexpect::session::spawn_command(cmd, Some(30_000)).expect("a pty");
    let before = session
        .exp_string("Delete 2 objects? [y/N] ")
        .expect("the prompt");
    session.send_line(answer).expect("answer");
    let after = session.exp_eof().expect("polctl finishes");
    let code = match session.process().wait().expect("exit status") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("polctl did not exit: {other:?}"),
    };
    (format!("{before}Delete 2 objects? [y/N] {after}"), code)
}

fn policy_names(double: &Double) -> Vec<String> {
    double.with_store(|s| {
        let r = s
            .resource("networking.k8s.io", "v1", "networkpolicies")
            .unwrap();
        s.objects[r].keys().map(|(_, n)| n.clone()).collect()
    })
}

#[test]
fn prune_asks_on_a_terminal_and_deletes_only_on_yes() {
    let double = |names: &[&str]| {
        let mut builder = Double::builder()
            .seed(
                "ns",
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
            )
            .seed("other", UNLABELLED);
        for name in names {
            builder = builder.seed(name, &policy(name));
        }
        builder.start().expect("double starts")
    };
    let file = input(&["keep"]);

    let no = double(&["keep", "stale-a", "stale-b"]);
    let (transcript, code) = prune_answering(&no, file.path(), "n");
    assert_eq!(code, 0, "{transcript}");
    assert!(
        transcript.contains("prune: 2 objects labelled team=shop no longer in the input:"),
        "{transcript}"
    );
    assert!(
        transcript.contains("prune: nothing deleted"),
        "{transcript}"
    );
    assert!(
        writes(&no).iter().all(|w| w.method != "DELETE"),
        "{:?}",
        writes(&no)
    );
    assert_eq!(
        policy_names(&no),
        ["keep", "other-team", "stale-a", "stale-b"]
    );

    let yes = double(&["keep", "stale-a", "stale-b"]);
    let (transcript, code) = prune_answering(&yes, file.path(), "y");
    assert_eq!(code, 0, "{transcript}");
    let deletes: Vec<String> = writes(&yes)
        .into_iter()
        .filter(|w| w.method == "DELETE")
        .map(|w| w.path)
        .collect();
    assert_eq!(
        deletes,
        [
            "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/stale-a",
            "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/stale-b",
        ],
        "{transcript}"
    );
    assert!(
        transcript.contains("shop/networkpolicy.networking.k8s.io/stale-b deleted"),
        "{transcript}"
    );
    assert_eq!(policy_names(&yes), ["keep", "other-team"]);
}

#[test]
fn diff_shows_each_objects_change_from_the_servers_dry_run() {
    let double = shop_with_policies(&["keep"]);
    let changed = temp_file(
        "policies.yaml",
        &policy("keep").replace("[Ingress]", "[Ingress, Egress]"),
    );
    let out = apply(
        &double,
        &["-f", changed.path(), "--dry-run=server", "--diff"],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    snapshot("diff", &out, &double);
}

#[test]
fn a_client_dry_run_lists_the_plan_without_contacting_the_cluster() {
    let out = run(&["apply", "-f", "fixtures/tiers", "--dry-run=client"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    settings("apply").bind(|| insta::assert_snapshot!("tiers-dry-run-client", out.transcript()));
    let refused = run(&[
        "apply",
        "-f",
        "fixtures/tiers",
        "--dry-run=client",
        "--diff",
    ]);
    assert_eq!(refused.code, 2);
}

/// A pod and a policy whose selector matches no pod: a lint warning.
const SELECTS_NOTHING: &str = "
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: typo, namespace: shop}
spec: {podSelector: {matchLabels: {app: wbe}}, policyTypes: [Ingress]}
";

#[test]
fn lint_warnings_block_only_with_deny_warnings_and_lint_errors_always() {
    let double = seeded();
    let file = temp_file("policies.yaml", SELECTS_NOTHING);
    let out = apply(&double, &["-f", file.path(), "--dry-run=server"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("lint found no error (1 warning"),
        "{}",
        out.stdout
    );
    double.clear_requests();
    let out = apply(&double, &["-f", file.path(), "--deny-warnings"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout.contains("policy_selects_nothing"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("apply refused: lint found errors; nothing was sent"),
        "{}",
        out.stdout
    );
    assert_eq!(double.requests(), []);

    let undefined_tier = temp_file(
        "gnp.yaml",
        "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\n\
         metadata: {name: nope.x}\nspec: {tier: nope, selector: all()}\n",
    );
    let out = apply(&double, &["-f", undefined_tier.path()]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(out.stdout.contains("undefined_tier"), "{}", out.stdout);
    assert_eq!(double.requests(), []);
}

#[test]
fn lint_levels_decide_what_blocks_the_apply_as_for_lint() {
    let double = seeded();
    let file = temp_file("policies.yaml", SELECTS_NOTHING);
    // A warning raised to deny blocks, with nothing sent.
    let out = apply(
        &double,
        &["-f", file.path(), "-D", "policy_selects_nothing"],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("apply refused: lint found errors; nothing was sent"),
        "{}",
        out.stdout
    );
    assert_eq!(double.requests(), []);
    // The same warning allowed: --deny-warnings has nothing to deny.
    let out = apply(
        &double,
        &[
            "-f",
            file.path(),
            "--deny-warnings",
            "--allow",
            "polctl::lint::policy_selects_nothing",
            "--dry-run=server",
        ],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("verified: lint found nothing;"),
        "{}",
        out.stdout
    );
    // A later flag wins: allowed, then denied again.
    let out = apply(
        &double,
        &[
            "-f",
            file.path(),
            "-A",
            "policy_selects_nothing",
            "-D",
            "policy-selects-nothing",
        ],
    );
    assert_eq!(out.code, 1, "{}", out.stderr);

    // An error lowered to a warning no longer blocks (unless warnings do).
    let undefined_tier = temp_file(
        "gnp.yaml",
        "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\n\
         metadata: {name: nope.x}\nspec: {tier: nope, selector: all()}\n",
    );
    let lowered = [
        "apply",
        "-f",
        undefined_tier.path(),
        "-W",
        "undefined_tier",
        "--dry-run=client",
    ];
    let out = run(&lowered);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("lint found no error (1 warning"),
        "{}",
        out.stdout
    );
    let strict: Vec<&str> = lowered.iter().copied().chain(["--deny-warnings"]).collect();
    assert_eq!(run(&strict).code, 1);

    // An unknown lint is bad usage, as for lint.
    let out = run(&[
        "apply",
        "-f",
        file.path(),
        "-D",
        "no_such_lint",
        "--dry-run=client",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("unknown lint `no_such_lint`"),
        "{}",
        out.stderr
    );
    // With --skip-verify a level would be ignored: refused.
    let out = run(&[
        "apply",
        "-f",
        file.path(),
        "--skip-verify",
        "-A",
        "undefined_tier",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
}

#[test]
fn input_from_stdin_shows_the_connectivity_change_as_files_do() {
    let double = Double::builder()
        .seed_path("fixtures/tiers")
        .expect("seed")
        .start()
        .expect("double starts");
    let kubeconfig = double.kubeconfig().display().to_string();
    let widened = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
        metadata: {name: db-allow-api, namespace: shop}\n\
        spec:\n  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]\n  \
        ingress:\n    - from: [{podSelector: {matchLabels: {app: api}}}, {podSelector: {matchLabels: {app: web}}}]\n      \
        ports: [{protocol: TCP, port: 5432}]\n";
    let file = temp_file("db.yaml", widened);
    let args = |input: &'static str| {
        vec![
            "apply".to_string(),
            "-f".into(),
            input.into(),
            "--dry-run=server".into(),
            "--kubeconfig".into(),
            kubeconfig.clone(),
        ]
    };
    let from_stdin = run_with_stdin(
        &args("-").iter().map(String::as_str).collect::<Vec<_>>(),
        Some(widened),
    );
    assert_eq!(from_stdin.code, 0, "{}", from_stdin.stderr);
    assert!(
        from_stdin
            .stdout
            .contains("connectivity change on context `double` (live -> after apply):"),
        "{}",
        from_stdin.stdout
    );
    assert!(
        from_stdin
            .stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["shop/web", "shop/db", "gained", "TCP", "5432", "-"]),
        "{}",
        from_stdin.stdout
    );
    let mut from_file = args("placeholder");
    from_file[2] = file.path().to_string();
    let from_file = run(&from_file.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(from_file.code, 0, "{}", from_file.stderr);
    assert_eq!(from_stdin.stdout, from_file.stdout);
}

#[test]
fn skip_verify_says_loudly_what_it_did_not_check() {
    let tests = temp_file(
        "extra.polctl-test.yaml",
        "tests:\n  - name: web reaches the database\n    flow: {from: shop/web, to: shop/db, port: 5432}\n    expect: allow\n",
    );
    let out = run(&[
        "apply",
        "-f",
        "fixtures/tiers",
        "--dry-run=client",
        "--skip-verify",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--skip-verify: sending WITHOUT verification"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("not checked: lint (errors)"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("not checked: policy tests in 1 file: fixtures/tiers/tiers.polctl-test.yaml"),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains("verified:"), "{}", out.stdout);
    // --tests with --skip-verify would be ignored: refused.
    let refused = run(&[
        "apply",
        "-f",
        "fixtures/tiers",
        "--skip-verify",
        "--tests",
        tests.path(),
    ]);
    assert_eq!(refused.code, 2);
}

/// On an empty cluster the namespaces come first, so what goes into them
/// can be created; a dry run cannot send what goes into namespaces it only
/// pretended to create, and counts those objects as created.
#[test]
fn an_empty_cluster_gets_its_namespaces_before_what_goes_into_them() {
    let double = Double::builder().start().expect("double starts");
    let out = apply(&double, &["-f", "fixtures/tiers", "--dry-run=server"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("18 objects: 18 created (server dry run"),
        "{}",
        out.stdout
    );
    let sent: Vec<String> = writes(&double).into_iter().map(|w| w.path).collect();
    assert!(
        sent.iter()
            .all(|p| !p.contains("/namespaces/shop/") && !p.contains("/namespaces/kube-system/")),
        "{sent:?}"
    );
    assert_eq!(sent.len(), 8, "{sent:?}");

    double.clear_requests();
    let out = apply(&double, &["-f", "fixtures/tiers"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("18 objects: 18 created\n"),
        "{}",
        out.stdout
    );
    let real: Vec<String> = writes(&double)
        .into_iter()
        .filter(|w| w.param("dryRun").is_none())
        .map(|w| w.path)
        .collect();
    assert_eq!(real, TIERS_ORDER);
}

/// What polctl applied, the real kubectl reads back, managed by polctl.
/// Skipped, with a notice, where kubectl is not installed.
#[test]
fn kubectl_sees_what_polctl_applied() {
    let double = seeded();
    let out = apply(&double, &["-f", "fixtures/tiers"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let Some((ok, managers, err)) = double.kubectl(
        &[
            "get",
            "netpol",
            "api-allow-web",
            "-n",
            "shop",
            "--show-managed-fields",
            "-o",
            "jsonpath={.metadata.managedFields[*].manager}",
        ],
        None,
    ) else {
        return;
    };
    assert!(ok, "{err}");
    assert_eq!(managers, "polctl");
}
