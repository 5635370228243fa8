//! The live cluster: `snapshot`, `--from-cluster` and `diff --cluster`
//! against the API server double, through the real kube client.

use polctl_apiserver_double::Double;

use crate::common::{self, Output};

fn double(seed: &[&str]) -> polctl_apiserver_double::Builder {
    let mut builder = Double::builder();
    for path in seed {
        builder = builder
            .seed_path(common::repo().join(path))
            .expect("seed the double");
    }
    builder
}

fn kubeconfig(d: &Double) -> String {
    d.kubeconfig().display().to_string()
}

fn run(args: &[&str]) -> Output {
    common::run(args)
}

/// Snapshots a double seeded from `fixture` into a file, returning it.
fn snapshot(d: &Double, format: &str) -> (common::TempFile, Output) {
    let out = run(&["snapshot", "--kubeconfig", &kubeconfig(d), "-o", format]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let file = common::temp_file(&format!("snapshot.{format}"), &out.stdout);
    (file, out)
}

#[test]
fn a_snapshot_graphs_as_the_manifests_it_was_served_from() {
    for (fixture, format) in [("fixtures/tiers", "yaml"), ("fixtures/cilium-deny", "json")] {
        let d = double(&[fixture]).page_cap(2).start().expect("double");
        let (file, _) = snapshot(&d, format);
        let from_files = run(&["graph", "-o", "json", "-f", fixture]);
        let from_snapshot = run(&["graph", "-o", "json", "-f", file.path()]);
        assert_eq!(from_files.code, 0, "{}", from_files.stderr);
        assert_eq!(from_snapshot.code, 0, "{}", from_snapshot.stderr);
        assert!(from_files.stdout.contains("\"edges\""));
        assert_eq!(from_snapshot.stdout, from_files.stdout, "{fixture}");
        // The live state read directly graphs the same.
        let live = run(&[
            "graph",
            "-o",
            "json",
            "--from-cluster",
            "--kubeconfig",
            &kubeconfig(&d),
        ]);
        assert_eq!(live.code, 0, "{}", live.stderr);
        assert_eq!(live.stdout, from_files.stdout, "{fixture}");
    }
}

#[test]
fn a_snapshot_pages_through_every_list() {
    let d = double(&["fixtures/tiers"])
        .page_cap(2)
        .start()
        .expect("double");
    let (_, out) = snapshot(&d, "yaml");
    assert!(
        out.stdout
            .starts_with("apiVersion: v1\nkind: List\nitems:\n"),
        "{}",
        out.stdout
    );
    let pods: Vec<_> = d
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/pods")
        .collect();
    // Four pods, two a page.
    assert_eq!(pods.len(), 2, "{pods:?}");
    assert_eq!(pods[0].param("limit").as_deref(), Some("500"));
    assert_eq!(pods[0].param("continue"), None);
    assert!(pods[1].param("continue").is_some(), "{pods:?}");
    // Every request was a read.
    assert!(d.requests().iter().all(|r| r.method == "GET"));
}

#[test]
fn a_group_the_cluster_does_not_serve_is_skipped_with_a_note() {
    let d = double(&["fixtures/tiers"])
        .without_group("cilium.io")
        .without_group("projectcalico.org")
        .start()
        .expect("double");
    let (_, out) = snapshot(&d, "yaml");
    insta::assert_snapshot!(out.stderr, @r"
    warning: skipped NetworkPolicy, GlobalNetworkPolicy, StagedNetworkPolicy, StagedGlobalNetworkPolicy, StagedKubernetesNetworkPolicy, Tier, Profile, NetworkSet, GlobalNetworkSet, HostEndpoint, WorkloadEndpoint: the cluster does not serve projectcalico.org/v3
    warning: skipped CiliumNetworkPolicy, CiliumClusterwideNetworkPolicy: the cluster does not serve cilium.io/v2
    ");
    assert!(!out.stdout.contains("projectcalico.org"));
}

/// A kubeconfig of one context whose server is `server`, with a token.
const TOKEN: &str = "polctl-test-secret-token-0123456789";

fn unreachable_kubeconfig() -> common::TempFile {
    common::temp_file(
        "kubeconfig",
        &format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: 'https://127.0.0.1:1'}}\n\
             users:\n- name: u\n  user: {{token: {TOKEN}}}\n\
             contexts:\n- name: prod\n  context: {{cluster: c, user: u}}\ncurrent-context: prod\n"
        ),
    )
}

#[test]
fn an_unreachable_cluster_names_context_and_server_and_no_credential() {
    let config = unreachable_kubeconfig();
    for args in [
        vec!["snapshot", "--kubeconfig", config.path(), "-vvv"],
        vec![
            "graph",
            "--from-cluster",
            "--kubeconfig",
            config.path(),
            "-v",
        ],
        vec![
            "diff",
            "--cluster",
            "-f",
            "fixtures/tiers",
            "--kubeconfig",
            config.path(),
        ],
    ] {
        let out = run(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(
            out.stderr
                .contains("cannot reach the cluster of context `prod` at https://127.0.0.1:1"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains(TOKEN) && !out.stdout.contains(TOKEN));
    }
}

#[test]
fn refusals_name_the_resource_and_no_credential() {
    let d = double(&["fixtures/tiers"])
        .forbid("", "pods")
        .start()
        .expect("double");
    let out = run(&["snapshot", "--kubeconfig", &kubeconfig(&d), "-vvv"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("refused listing pods"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("pods is forbidden"), "{}", out.stderr);
    assert!(!out.stderr.contains(d.token()));

    // A token the server does not accept.
    let text = std::fs::read_to_string(d.kubeconfig()).expect("kubeconfig");
    let wrong = text.replace(d.token(), TOKEN);
    let config = common::temp_file("kubeconfig", &wrong);
    let out = run(&[
        "graph",
        "--from-cluster",
        "--kubeconfig",
        config.path(),
        "-vvv",
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("Unauthorized"), "{}", out.stderr);
    assert!(!out.stderr.contains(TOKEN) && !out.stdout.contains(TOKEN));
}

#[test]
fn an_unknown_context_lists_the_known_ones() {
    let d = double(&[]).context("dev").start().expect("double");
    let out = run(&[
        "snapshot",
        "--kubeconfig",
        &kubeconfig(&d),
        "--context",
        "prod",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("context `prod` is not in the kubeconfig"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("contexts in the kubeconfig: dev"),
        "{}",
        out.stderr
    );
}

#[test]
fn connection_flags_need_from_cluster() {
    let out = run(&["graph", "-f", "fixtures/tiers", "--context", "dev"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("--context is read only with --from-cluster"),
        "{}",
        out.stderr
    );
}

/// The database's policy, widened to admit web as well as api.
const DB_ALLOWS_WEB: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-allow-api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
    - from: [{podSelector: {matchLabels: {app: api}}}, {podSelector: {matchLabels: {app: web}}}]
      ports: [{protocol: TCP, port: 5432}]
";

#[test]
fn files_are_layered_over_the_live_cluster() {
    let d = double(&["fixtures/tiers"]).start().expect("double");
    let config = kubeconfig(&d);
    let live = run(&[
        "get",
        "policies",
        "-A",
        "--from-cluster",
        "--kubeconfig",
        &config,
    ]);
    assert_eq!(live.code, 0, "{}", live.stderr);
    let files = run(&["get", "policies", "-A", "-f", "fixtures/tiers"]);
    assert_eq!(live.stdout, files.stdout);

    let flow = [
        "simulate", "--from", "shop/web", "--to", "shop/db", "--port", "5432",
    ];
    let live_only: Vec<&str> = flow
        .iter()
        .copied()
        .chain(["--from-cluster", "--kubeconfig", &config])
        .collect();
    let out = run(&live_only);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Ingress to shop/db: DENY"),
        "{}",
        out.stdout
    );
    // Trace steps name the live object they come from.
    assert!(
        out.stdout
            .contains("cluster:double/shop/NetworkPolicy/db-allow-api:"),
        "{}",
        out.stdout
    );

    let widened = common::temp_file("db.yaml", DB_ALLOWS_WEB);
    let layered: Vec<&str> = live_only
        .iter()
        .copied()
        .chain(["-f", widened.path()])
        .collect();
    let out = run(&layered);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains("Ingress to shop/db: ALLOW"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains(&format!("{}:", widened.path())),
        "{}",
        out.stdout
    );
    // The file's object replaced the live one, and says so.
    assert!(
        out.stderr
            .contains("replaces the one at cluster:double/shop/NetworkPolicy/db-allow-api"),
        "{}",
        out.stderr
    );
}

#[test]
fn diff_cluster_compares_live_with_live_plus_the_files() {
    let d = double(&["fixtures/tiers"]).start().expect("double");
    let widened = common::temp_file("db.yaml", DB_ALLOWS_WEB);
    let out = run(&[
        "diff",
        "--cluster",
        "-f",
        widened.path(),
        "--kubeconfig",
        &kubeconfig(&d),
        "-o",
        "json",
        "-q",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let files = run(&[
        "diff",
        "--old",
        "fixtures/tiers",
        "--new",
        "fixtures/tiers",
        "--new",
        widened.path(),
        "-o",
        "json",
        "-q",
    ]);
    assert_eq!(files.code, 0, "{}", files.stderr);
    assert_eq!(out.stdout, files.stdout);
    assert!(
        out.stdout.contains("shop/web") && out.stdout.contains("gained"),
        "{}",
        out.stdout
    );
    // Nothing layered, nothing changed.
    let same = run(&[
        "diff",
        "--from-cluster",
        "--kubeconfig",
        &kubeconfig(&d),
        "fixtures/tiers/namespaces.yaml",
        "fixtures/tiers/namespaces.yaml",
        "--exit-code",
    ]);
    assert_eq!(same.code, 0, "{}", same.stderr);
}

/// Runs polctl with `KUBECONFIG` set to `kubeconfig`.
fn run_with_kubeconfig(args: &[&str], kubeconfig: &str) -> Output {
    let out = common::polctl()
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .output()
        .expect("polctl runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn kubeconfig_files_named_in_kubeconfig_are_merged() {
    let d = double(&["fixtures/tiers"])
        .context("dev")
        .start()
        .expect("double");
    // A second file holds only a context that uses the first file's
    // cluster and user, as kubectl merges them.
    let extra = common::temp_file(
        "extra",
        "apiVersion: v1\nkind: Config\ncontexts:\n- name: ops\n  context: {cluster: dev-cluster, user: dev-user}\n",
    );
    let list = format!("{}:{}", extra.path(), kubeconfig(&d));
    let out = run_with_kubeconfig(
        &[
            "get",
            "policies",
            "-A",
            "--from-cluster",
            "--context",
            "ops",
        ],
        &list,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("db-allow-api"), "{}", out.stdout);
    // The current context comes from the first file that sets one.
    let out = run_with_kubeconfig(&["get", "namespaces", "--from-cluster"], &list);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("kube-system"), "{}", out.stdout);
}

#[test]
fn policy_tests_and_lints_read_the_live_cluster() {
    let d = double(&["fixtures/tiers"]).start().expect("double");
    let config = kubeconfig(&d);
    let live = run(&[
        "test",
        "--from-cluster",
        "--kubeconfig",
        &config,
        "--tests",
        "fixtures/tiers/tiers.polctl-test.yaml",
    ]);
    let files = run(&["test", "-f", "fixtures/tiers"]);
    assert_eq!(files.code, 0, "{}", files.stderr);
    assert_eq!(live.code, 0, "{}\n{}", live.stdout, live.stderr);
    assert_eq!(live.stdout, files.stdout);
    let lint = run(&["lint", "--from-cluster", "--kubeconfig", &config]);
    assert!(lint.code == 0 || lint.code == 1, "{}", lint.stderr);
    let describe = run(&[
        "describe",
        "endpoint",
        "shop/db",
        "--from-cluster",
        "--kubeconfig",
        &config,
    ]);
    assert_eq!(describe.code, 0, "{}", describe.stderr);
    assert!(
        describe
            .stdout
            .contains("cluster:double/shop/NetworkPolicy/db-allow-api"),
        "{}",
        describe.stdout
    );
}
