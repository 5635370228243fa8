//! Every command takes exactly the flags it honours: the rest are refused
//! (exit 2), never silently ignored. Global flags (`--color`, `-q`/`-v`,
//! `--no-progress`) work everywhere.

use crate::common::{fixture, polctl, run, run_with_stdin};

/// A manifest of an unknown kind: loading it prints a warning.
const UNKNOWN_KIND: &str = "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g\n";

fn simulate(extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "simulate", "-f", "FIXTURE", "--from", "shop/web", "--to", "shop/api", "--port", "8080",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args[2] = fixture("tiers");
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn refused(args: &[String], needle: &str) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = run(&args);
    assert_eq!(out.code, 2, "polctl {}\n{}", args.join(" "), out.stderr);
    assert!(
        out.stderr.contains(needle),
        "polctl {}: `{needle}` not in\n{}",
        args.join(" "),
        out.stderr
    );
    assert!(out.stdout.is_empty(), "polctl {}", args.join(" "));
}

#[test]
fn flags_a_command_does_not_read_are_refused() {
    let tiers = fixture("tiers");
    let describe = |extra: &[&str]| {
        let mut a: Vec<String> = ["describe", "endpoint", "-f", &tiers, "shop/api"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let graph = |extra: &[&str]| {
        let mut a: Vec<String> = ["graph", "-f", &tiers]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let unexpected = "unexpected argument";
    for args in [
        simulate(&["-l", "app=web"]),
        simulate(&["-A"]),
        describe(&["-l", "app=web"]),
        describe(&["-A"]),
        graph(&["-l", "app=web"]),
        graph(&["-A"]),
        vec!["version".into(), "-f".into(), tiers.clone()],
        vec!["completion".into(), "bash".into(), "-n".into(), "x".into()],
    ] {
        refused(&args, unexpected);
    }
    // Which cluster matters only when one is read.
    refused(
        &simulate(&["--kubeconfig", "/dev/null"]),
        "--kubeconfig is read only with --from-cluster",
    );
    refused(
        &simulate(&["--context", "prod"]),
        "--context is read only with --from-cluster",
    );
    refused(
        &["snapshot".to_string(), "--from-cluster".to_string()],
        unexpected,
    );
    // Output formats a command does not have.
    refused(&simulate(&["-o", "name"]), "invalid value 'name'");
    refused(&simulate(&["-o", "table"]), "invalid value 'table'");
    refused(&describe(&["-o", "wide"]), "invalid value 'wide'");
    // `wide` widens the flows table; one flow prints a trace.
    refused(
        &simulate(&["-o", "wide"]),
        "-o wide widens the table of a --flows run",
    );
}

#[test]
fn modelled_dataplane_versions_only() {
    refused(
        &simulate(&["--cilium-version", "2.0"]),
        "polctl models Cilium 1.15 to 1.20, not 2.0",
    );
    refused(
        &simulate(&["--calico-version", "3.1"]),
        "polctl models Calico 3.29 to 3.32, not 3.1",
    );
    // A version of a plugin that is not the one simulated would be ignored.
    refused(
        &simulate(&["--cilium-version", "1.19"]),
        "--cilium-version 1.19 is given, but the dataplane is calico",
    );
    refused(
        &simulate(&["--cni", "cilium", "--calico-version", "3.31"]),
        "--calico-version 3.31 needs --cni calico",
    );
    let out = run(&simulate(&["--calico-version", "3.31"])
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>());
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn graph_names_a_missing_workload_with_a_suggestion() {
    let out = run(&["graph", "-f", &fixture("tiers"), "--from", "shop/wbe"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("--from `shop/wbe`: no workload or pod of that name is loaded"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `shop/web`"),
        "{}",
        out.stderr
    );
    assert!(out.stdout.is_empty());
}

/// A bare name is in the `-n` namespace, else `default`, in every command.
#[test]
fn bare_names_mean_the_same_in_every_command() {
    let tiers = fixture("tiers");
    // No `default/web`: graph no longer matches `web` in any namespace.
    let out = run(&["graph", "-f", &tiers, "--from", "web", "-o", "json"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("--from `default/web`"),
        "{}",
        out.stderr
    );
    let sim = run(&[
        "simulate", "-f", &tiers, "--from", "web", "--to", "shop/api", "--port", "8080",
    ]);
    assert_eq!(sim.code, 2);
    assert!(sim.stderr.contains("default/web"), "{}", sim.stderr);

    let graph = run(&[
        "graph", "-f", &tiers, "-n", "shop", "--from", "web", "-o", "json",
    ]);
    assert_eq!(graph.code, 0, "{}", graph.stderr);
    let v: serde_json::Value = serde_json::from_str(&graph.stdout).expect("json");
    let edges = v["edges"].as_array().expect("edges");
    assert!(!edges.is_empty());
    assert!(edges.iter().all(|e| e["src"] == "shop/web"), "{v}");
    let sim = run(&[
        "simulate", "-f", &tiers, "-n", "shop", "--from", "web", "--to", "api", "--port", "8080",
        "-o", "json",
    ]);
    assert_eq!(sim.code, 0, "{}", sim.stderr);
    let desc = run(&["describe", "endpoint", "-f", &tiers, "-n", "shop", "web"]);
    assert_eq!(desc.code, 0, "{}", desc.stderr);
}

#[test]
fn quiet_hides_warnings_and_twice_the_output() {
    let args = ["get", "policies", "-A", "-f", "-"];
    let normal = run_with_stdin(&args, Some(UNKNOWN_KIND));
    assert_eq!(normal.code, 0);
    assert!(normal.stderr.contains("warning: "), "{}", normal.stderr);

    let quiet = run_with_stdin(
        &["-q", "get", "policies", "-A", "-f", "-"],
        Some(UNKNOWN_KIND),
    );
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert_eq!(quiet.stderr, "");
    assert_eq!(quiet.stdout, normal.stdout);

    let silent = run_with_stdin(
        &["get", "policies", "-A", "-f", "-", "-qq"],
        Some(UNKNOWN_KIND),
    );
    assert_eq!(silent.code, 0);
    assert_eq!(silent.stdout, "");
    // Errors are still reported.
    let bad = run(&["-qq", "get", "policies"]);
    assert_eq!(bad.code, 2);
    assert!(bad.stderr.contains("no input manifests"), "{}", bad.stderr);

    let both = run(&["-q", "-v", "version"]);
    assert_eq!(both.code, 2);
}

#[test]
fn no_progress_is_a_global_flag() {
    let out = run(&[
        "graph",
        "-f",
        &fixture("tiers"),
        "--no-progress",
        "-o",
        "name",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("shop/web"));
}

/// `--color always` colours output in a pipe, whatever NO_COLOR says;
/// `auto` does not colour a pipe.
#[test]
fn color_always_colours_a_pipe() {
    let args = simulate(&["--color", "always"]);
    let out = polctl().args(&args).output().expect("polctl runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\u{1b}["), "{stdout}");
    let stderr = run_with_stdin(
        &["get", "policies", "-A", "-f", "-", "--color", "always"],
        Some(UNKNOWN_KIND),
    )
    .stderr;
    assert!(stderr.contains("\u{1b}["), "{stderr}");
    let err = run(&["get", "policies", "--color", "always"]).stderr;
    assert!(err.contains("\u{1b}["), "{err}");

    let plain = run(&simulate(&[]).iter().map(String::as_str).collect::<Vec<_>>());
    assert!(!plain.stdout.contains("\u{1b}["));
    let plain = polctl()
        .args(simulate(&["--color", "auto"]))
        .env_remove("NO_COLOR")
        .output()
        .expect("polctl runs");
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("\u{1b}["));
}

/// Errors read as words; the summary comes after every problem.
#[test]
fn problems_first_then_one_summary_line() {
    let out = run(&[
        "get",
        "policies",
        "-f",
        "tests/bad-manifests/selectors.yaml",
    ]);
    assert_eq!(out.code, 2);
    let lines: Vec<&str> = out.stderr.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "error: operator In needs at least one value");
    assert_eq!(
        lines.last().copied(),
        Some("error: 3 problems in 1 file; nothing was evaluated")
    );
    assert!(!out.stderr.contains("polctl::"), "{}", out.stderr);
    let headlines = lines.iter().filter(|l| l.starts_with("error: ")).count();
    assert_eq!(headlines, 4);
}
