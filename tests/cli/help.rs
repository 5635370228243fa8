//! The CLI reference: every command's help, with its examples.

use crate::polctl_snapshot;

#[test]
fn help_text_of_every_command() {
    for (name, args) in [
        ("polctl", vec!["--help"]),
        ("get", vec!["get", "--help"]),
        ("simulate", vec!["simulate", "--help"]),
        ("graph", vec!["graph", "--help"]),
        ("describe", vec!["describe", "--help"]),
        ("completion", vec!["completion", "--help"]),
        ("version", vec!["version", "--help"]),
    ] {
        let out = polctl_snapshot!("help", name, &args);
        assert_eq!(out.code, 0);
        assert!(out.stdout.contains("Examples:"), "{name} help has examples");
    }
}

#[test]
fn version_prints_the_crate_version() {
    let out = crate::common::run(&["version", "-o", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["polctl"], env!("CARGO_PKG_VERSION"));
}
