//! The CLI reference: every command's help, with its examples.

use crate::polctl_snapshot;

#[test]
fn help_text_of_every_command() {
    for (name, args) in [
        ("polctl", vec!["--help"]),
        ("get", vec!["get", "--help"]),
        ("simulate", vec!["simulate", "--help"]),
        ("graph", vec!["graph", "--help"]),
        ("diff", vec!["diff", "--help"]),
        ("test", vec!["test", "--help"]),
        ("replay", vec!["replay", "--help"]),
        ("lint", vec!["lint", "--help"]),
        ("describe", vec!["describe", "--help"]),
        ("snapshot", vec!["snapshot", "--help"]),
        ("completion", vec!["completion", "--help"]),
        ("version", vec!["version", "--help"]),
    ] {
        let out = polctl_snapshot!("help", name, &args);
        assert_eq!(out.code, 0);
        assert!(out.stdout.contains("Examples:"), "{name} help has examples");
    }
}

#[test]
fn version_prints_the_build_and_what_it_models() {
    let out = crate::common::run(&["version", "-o", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["polctl"], env!("CARGO_PKG_VERSION"));
    let commit = v["commit"].as_str().expect("commit");
    assert!(
        commit == "unknown"
            || (commit.len() == 12 && commit.bytes().all(|b| b.is_ascii_hexdigit())),
        "{commit}"
    );
    let date = v["build_date"].as_str().expect("build date");
    assert_eq!(date.len(), 10, "{date}");
    assert!(v["rustc"].as_str().expect("rustc").starts_with("rustc "));
    assert!(!v["target"].as_str().expect("target").is_empty());
    assert_eq!(v["models"]["calico"]["oldest"], "3.29");
    assert_eq!(v["models"]["cilium"]["newest"], "1.20");
    let apis = v["models"]["api_versions"]
        .as_array()
        .expect("api versions");
    for api in [
        "networking.k8s.io/v1",
        "projectcalico.org/v3",
        "cilium.io/v2",
    ] {
        assert!(apis.iter().any(|a| a == api), "{api}");
    }
    let text = crate::common::run(&["version"]).stdout;
    assert!(text.contains(&format!("commit:        {commit}")), "{text}");
    assert!(
        text.contains("Cilium:        1.15 to 1.20 (default 1.19)"),
        "{text}"
    );
}
