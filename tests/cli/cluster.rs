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

/// A kubeconfig for the double's cluster (its CA in a file) whose user
/// is `user` (YAML, indented for `users[].user`).
fn kubeconfig_with_user(d: &Double, dir: &std::path::Path, user: &str) -> String {
    let ca = dir.join("ca.crt");
    std::fs::write(&ca, d.ca_pem()).expect("write the CA");
    let path = dir.join("kubeconfig");
    std::fs::write(
        &path,
        format!(
            "apiVersion: v1\nkind: Config\n\
             clusters:\n- name: c\n  cluster:\n    server: {}\n    certificate-authority: {}\n\
             users:\n- name: u\n  user:\n{user}\
             contexts:\n- name: plugin\n  context: {{cluster: c, user: u}}\n\
             current-context: plugin\n",
            d.server(),
            ca.display()
        ),
    )
    .expect("write the kubeconfig");
    path.display().to_string()
}

/// An executable shell script in `dir`.
fn script(dir: &std::path::Path, name: &str, body: &str) -> String {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, format!("#!/bin/sh\n{body}")).expect("write the script");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    path.display().to_string()
}

fn exec_user(command: &str) -> String {
    format!(
        "    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {command}\n      interactiveMode: Never\n"
    )
}

#[test]
fn an_exec_credential_plugin_supplies_the_token_and_it_is_never_printed() {
    let d = double(&["fixtures/tiers"]).start().expect("double");
    let dir = tempfile::tempdir().expect("temp dir");
    // The plugin prints an ExecCredential, as client-go's exec plugins do;
    // `printf` is a shell builtin, so no PATH is needed.
    let plugin = script(
        dir.path(),
        "credential-plugin",
        &format!(
            "printf '%s' '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{}\"}}}}'\n",
            d.token()
        ),
    );
    let config = kubeconfig_with_user(&d, dir.path(), &exec_user(&plugin));
    let out = run(&[
        "get",
        "policies",
        "-A",
        "--from-cluster",
        "--kubeconfig",
        &config,
        "-vvv",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("db-allow-api"), "{}", out.stdout);
    assert!(!out.stdout.contains(d.token()) && !out.stderr.contains(d.token()));
    assert!(
        d.requests().iter().any(|r| r.path == "/api/v1/pods"),
        "the plugin's token was accepted"
    );

    // A plugin that fails after printing a credential: its message is
    // shown, what it printed on stdout is not.
    let failing = script(
        dir.path(),
        "failing-plugin",
        &format!("printf '%s' '{TOKEN}'\necho 'login expired' >&2\nexit 3\n"),
    );
    let config = kubeconfig_with_user(&d, dir.path(), &exec_user(&failing));
    let out = run(&["snapshot", "--kubeconfig", &config, "-vvv"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "cannot use context `plugin`: the exec credential plugin failed (exit status: 3): login expired"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stdout.contains(TOKEN) && !out.stderr.contains(TOKEN));
}

#[test]
fn kubeconfig_files_merged_let_context_pick_the_second_files_context() {
    let d = double(&["fixtures/tiers"])
        .context("dev")
        .start()
        .expect("double");
    // The first file's current context (`prod`) wins, as in kubectl; its
    // cluster is unreachable.
    let first = unreachable_kubeconfig();
    let list = format!("{}:{}", first.path(), kubeconfig(&d));
    let out = run_with_kubeconfig(&["get", "namespaces", "--from-cluster"], &list);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cannot reach the cluster of context `prod` at https://127.0.0.1:1"),
        "{}",
        out.stderr
    );
    let out = run_with_kubeconfig(
        &["get", "namespaces", "--from-cluster", "--context", "dev"],
        &list,
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("kube-system"), "{}", out.stdout);
    assert!(!out.stderr.contains(TOKEN) && !out.stderr.contains(d.token()));
}

#[test]
fn an_http_server_url_is_used_as_the_kubeconfig_says() {
    let d = double(&["fixtures/tiers"])
        .plain_http()
        .start()
        .expect("double");
    assert!(d.server().starts_with("http://"), "{}", d.server());
    let out = run(&[
        "get",
        "policies",
        "-A",
        "--from-cluster",
        "--kubeconfig",
        &kubeconfig(&d),
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let files = run(&["get", "policies", "-A", "-f", "fixtures/tiers"]);
    assert_eq!(out.stdout, files.stdout);
    // As kubectl, no credential goes over plain HTTP: not the token, and
    // the exec plugin is not even run.
    let requests = d.requests();
    assert!(!requests.is_empty());
    assert!(requests.iter().all(|r| !r.authorization), "{requests:?}");
    let dir = tempfile::tempdir().expect("temp dir");
    let ran = dir.path().join("plugin-ran");
    let plugin = script(
        dir.path(),
        "plugin",
        &format!(": > {}\nexit 1\n", ran.display()),
    );
    let config = kubeconfig_with_user(&d, dir.path(), &exec_user(&plugin));
    let out = run(&[
        "get",
        "namespaces",
        "--from-cluster",
        "--kubeconfig",
        &config,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!ran.exists(), "the exec plugin ran for an http:// server");
    // kubectl talks to the plain-HTTP double too.
    if let Some((ok, stdout, stderr)) = d.kubectl(&["get", "namespaces", "-o", "name"], None) {
        assert!(ok, "{stderr}");
        assert!(stdout.contains("namespace/shop"), "{stdout}");
    }
}

/// polctl with no kubeconfig anywhere: `HOME` is an empty directory.
fn without_kubeconfig(home: &std::path::Path) -> std::process::Command {
    let mut cmd = common::polctl();
    cmd.env_remove("KUBECONFIG").env("HOME", home);
    cmd
}

fn output(cmd: &mut std::process::Command) -> Output {
    let out = cmd.output().expect("polctl runs");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn without_a_kubeconfig_only_a_pod_has_a_cluster() {
    let home = tempfile::tempdir().expect("temp dir");
    let out = output(without_kubeconfig(home.path()).args(["snapshot"]));
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("no cluster configured") && out.stderr.contains("not running in a pod"),
        "{}",
        out.stderr
    );
    // In a pod (the service's address in the environment) whose service
    // account is not mounted, that is what is said.
    if std::path::Path::new("/var/run/secrets/kubernetes.io/serviceaccount").exists() {
        return;
    }
    let out = output(
        without_kubeconfig(home.path())
            .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
            .env("KUBERNETES_SERVICE_PORT", "1")
            .args(["snapshot"]),
    );
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cannot use context `in-cluster`: the pod's service account:"),
        "{}",
        out.stderr
    );
}

/// In a pod: kube reads the service account from the fixed path
/// /var/run/secrets/kubernetes.io/serviceaccount (no setting moves it),
/// so polctl runs in a mount namespace of its own where a tmpfs on /run
/// holds the token, CA and namespace the double accepts. Skipped, with a
/// notice, where mount namespaces cannot be made (not root).
#[test]
#[allow(clippy::print_stderr)] // the notice that the test was skipped
fn in_a_pod_the_service_account_reaches_the_cluster() {
    const UNSHARE: &str = "/usr/bin/unshare";
    let probe = std::process::Command::new(UNSHARE)
        .args(["--mount", "--propagation", "private", "true"])
        .output();
    if !probe.is_ok_and(|o| o.status.success()) {
        eprintln!("skipped: {UNSHARE} --mount is not available");
        return;
    }
    let d = double(&["fixtures/tiers"]).start().expect("double");
    let account = tempfile::tempdir().expect("temp dir");
    for (name, text) in [
        ("token", d.token()),
        ("ca.crt", d.ca_pem()),
        ("namespace", "shop"),
    ] {
        std::fs::write(account.path().join(name), text).expect("write the account");
    }
    let home = tempfile::tempdir().expect("temp dir");
    let port = d.server().rsplit(':').next().expect("a port").to_string();
    let mount = "mount -t tmpfs tmpfs /run \
                 && mkdir -p /run/secrets/kubernetes.io/serviceaccount \
                 && cp \"$ACCOUNT\"/* /run/secrets/kubernetes.io/serviceaccount/ \
                 && exec \"$@\"";
    let polctl = env!("CARGO_BIN_EXE_polctl");
    let mut cmd = without_kubeconfig(home.path());
    let cmd = cmd
        .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
        .env("ACCOUNT", account.path())
        .env("KUBERNETES_SERVICE_HOST", "127.0.0.1")
        .env("KUBERNETES_SERVICE_PORT", &port);
    let in_pod = |args: &[&str]| {
        let mut unshare = std::process::Command::new(UNSHARE);
        unshare
            .env_clear()
            .envs(cmd.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
            .current_dir(common::repo())
            .args([
                "--mount",
                "--propagation",
                "private",
                "sh",
                "-c",
                mount,
                "sh",
            ])
            .arg(polctl)
            .args(args);
        output(&mut unshare)
    };
    let out = in_pod(&["graph", "-o", "json", "--from-cluster", "-vvv"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let files = run(&["graph", "-o", "json", "-f", "fixtures/tiers"]);
    assert_eq!(out.stdout, files.stdout);
    assert!(!out.stderr.contains(d.token()));
    // Trace locations name the in-cluster context.
    let out = in_pod(&[
        "simulate",
        "--from-cluster",
        "--from",
        "shop/web",
        "--to",
        "shop/db",
        "--port",
        "5432",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("cluster:in-cluster/shop/NetworkPolicy/db-allow-api"),
        "{}",
        out.stdout
    );
    // The host's /run was never touched.
    assert!(!std::path::Path::new("/var/run/secrets/kubernetes.io/serviceaccount/token").exists());
}

#[test]
fn diff_cluster_takes_both_sides_in_the_family_asked_for() {
    let d = double(&["tests/node/dual-stack"]).start().expect("double");
    // The fixture's policies with the database's IPv6 source range moved
    // off the operators' /64: only IPv6 flows change.
    let policies =
        std::fs::read_to_string(common::repo().join("tests/node/dual-stack/policies.yaml"))
            .expect("policies");
    let moved = policies.replace("cidr: 2001:db8:0:2::/64", "cidr: 2001:db8:0:3::/64");
    assert_ne!(moved, policies, "the range to move is in the fixture");
    let moved = common::temp_file("policies.yaml", &moved);
    let config = kubeconfig(&d);
    let args = [
        "diff",
        "--cluster",
        "-f",
        moved.path(),
        "--kubeconfig",
        &config,
        "--exit-code",
    ];
    let v4 = run(&args);
    assert_eq!(v4.code, 0, "{}\n{}", v4.stdout, v4.stderr);
    assert_eq!(v4.stdout.trim(), "No change in reachability.");
    let v6 = run(&[&args[..], &["--ip-family", "ipv6"]].concat());
    assert_eq!(v6.code, 1, "{}\n{}", v6.stdout, v6.stderr);
    let probe_to_db = v6
        .stdout
        .lines()
        .find(|l| l.starts_with("ops/probe ") && l.contains(" shop/db "))
        .unwrap_or_else(|| panic!("{}", v6.stdout));
    assert_eq!(
        probe_to_db.split_whitespace().collect::<Vec<_>>(),
        ["ops/probe", "shop/db", "lost", "-", "TCP", "5432"]
    );
}
