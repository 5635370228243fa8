use crate::common::run;
use crate::polctl_snapshot;

/// Every file in tests/bad-manifests has at least one problem; all are
/// reported in one run, each at its file:line:col, and the exit code is 2.
#[test]
fn broken_manifests_yield_one_located_diagnostic_per_problem() {
    let out = polctl_snapshot!(
        "load",
        "bad-manifests",
        &[
            "get",
            "policies",
            "-A",
            "-f",
            "tests/bad-manifests",
            "--color",
            "never"
        ]
    );
    assert_eq!(out.code, 2);
    let located: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("[tests/bad-manifests/"))
        .collect();
    assert_eq!(located.len(), 19, "{}", out.stderr);
    for file in std::fs::read_dir("tests/bad-manifests")
        .expect("dir")
        .flatten()
    {
        let name = file.file_name().to_string_lossy().into_owned();
        if name.ends_with(".yaml") {
            assert!(
                located.iter().any(|l| l.contains(&name)),
                "no diagnostic for {name}"
            );
        }
    }
    assert!(!out.stderr.contains("panicked"));
}

/// Unknown kinds and files that are not manifests are skipped with a
/// warning; Markdown (a fixture's README.md) is skipped without one.
#[test]
fn unknown_kinds_and_other_files_are_warnings() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("notes.txt"), "hello").expect("write");
    std::fs::write(dir.path().join("README.md"), "# policies\n").expect("write");
    std::fs::write(dir.path().join("CHANGES.MD"), "- v2\n").expect("write");
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n",
    )
    .expect("write");
    let path = dir.path().display().to_string();
    let out = run(&["get", "endpoints", "-f", &path]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cm.yaml:2:7: skipped: unknown kind ConfigMap"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("skipped 1 file(s)"), "{}", out.stderr);
    let out = run(&["get", "endpoints", "-v", "-f", &path]);
    assert!(
        out.stderr
            .contains("notes.txt:1:1: skipped: not a manifest file"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("README.md") && !out.stderr.contains("CHANGES.MD"),
        "{}",
        out.stderr
    );
}

/// The fixtures load together with no warning but the one for the DNS
/// answers file (not a manifest): no README, and no object that two
/// fixtures define differently.
#[test]
fn all_fixtures_load_together_without_warnings() {
    let out = run(&["get", "policies", "-A", "-v", "-f", "fixtures/", "-R"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let warnings: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        warnings,
        [
            "warning: fixtures/dns-fqdn/dns.hosts:1:1: skipped: not a manifest file (.yaml, .yml or .json)"
        ]
    );
}

#[test]
fn implicit_namespaces_get_their_name_label() {
    let out = run(&["get", "namespaces", "-f", "fixtures/starwars", "-o", "wide"]);
    assert!(
        out.stdout
            .contains("default   kubernetes.io/metadata.name=default   implicit"),
        "{}",
        out.stdout
    );
}

#[test]
fn missing_input_is_a_usage_error() {
    let out = run(&["get", "policies"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no input manifests"));
    let out = run(&["get", "policies", "-f", "does/not/exist.yaml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("does/not/exist.yaml"));
}
