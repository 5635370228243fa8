//! `polctl node attach --dry-run`: the compiled maps, without privileges;
//! and the errors every subcommand gives before touching the kernel.

use serde_json::Value;

use crate::common::polctl;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = polctl().args(args).output().expect("polctl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn plan(args: &[&str]) -> Value {
    let mut all = vec!["node", "attach", "--dry-run", "-o", "json"];
    all.extend(args);
    let (code, stdout, stderr) = run(&all);
    assert_eq!(code, 0, "{stderr}");
    serde_json::from_str(&stdout).expect("json")
}

/// The rules of endpoint `number` in `direction` from the identity
/// standing for `peer`: (protocol, ports).
fn rules(plan: &Value, number: u64, direction: &str, peer: &str) -> Vec<(u64, u64, u64)> {
    let identity = plan["identities"]
        .as_array()
        .expect("identities")
        .iter()
        .find(|i| i["name"] == peer)
        .unwrap_or_else(|| panic!("identity {peer}"))["identity"]
        .as_u64()
        .expect("number");
    plan["rules"]
        .as_array()
        .expect("rules")
        .iter()
        .filter(|r| {
            r["endpoint"] == number && r["direction"] == direction && r["identity"] == identity
        })
        .map(|r| {
            (
                r["protocol"].as_u64().expect("protocol"),
                r["ports"][0].as_u64().expect("lo"),
                r["ports"][1].as_u64().expect("hi"),
            )
        })
        .collect()
}

#[test]
fn dry_run_compiles_the_local_endpoints_verdicts() {
    let p = plan(&[
        "-f",
        "fixtures/tiers",
        "--iface",
        "cali1:shop/db",
        "--iface",
        "cali2:shop/web",
    ]);
    assert_eq!(p["endpoints"][0]["iface"], "cali1");
    assert_eq!(p["endpoints"][0]["name"], "shop/db");
    // The database accepts the API on 5432 only, and nothing from web.
    assert_eq!(rules(&p, 0, "ingress", "shop/api"), [(6, 5432, 5432)]);
    assert!(rules(&p, 0, "ingress", "shop/web").is_empty());
    // Web's own egress admits any TCP port to the API (the API's ingress
    // narrows it to 8080 at the API's interface).
    assert!(rules(&p, 1, "egress", "shop/api").contains(&(6, 1, 65535)));
    // Every address of the cluster is in the identity map, for both roles.
    let entries = p["identity_entries"].as_array().expect("entries");
    assert!(entries.iter().any(|e| e["prefix"] == "10.244.0.4/32"
        && e["role"] == "ingress"
        && e["local_endpoint"] == 1));
    assert_eq!(p["unenforceable"], "drop");
    assert_eq!(p["not_enforced"].as_array().map(Vec::len), Some(0));
}

#[test]
fn dry_run_table_shows_every_map() {
    let (code, stdout, stderr) = run(&[
        "node",
        "attach",
        "--dry-run",
        "-f",
        "fixtures/tiers",
        "--iface",
        "cali1:shop/db",
    ]);
    assert_eq!(code, 0, "{stderr}");
    for section in [
        "Endpoints (interface → endpoint):",
        "Identity maps (address → identity; whole addresses hashed, shorter prefixes in an LPM trie):",
        "Rules map (hash;",
        "Not enforceable in the kernel: nothing",
    ] {
        assert!(stdout.contains(section), "{section} in\n{stdout}");
    }
    assert!(
        stdout
            .lines()
            .any(|l| l.split_whitespace().collect::<Vec<_>>()
                == ["0", "ingress", "2", "TCP", "5432", "-"]),
        "{stdout}"
    );
}

#[test]
fn what_needs_authentication_is_dropped_in_the_kernel_or_refused() {
    let p = plan(&[
        "-f",
        "fixtures/mutual-auth",
        "--iface",
        "x:default/demodeployment-2",
    ]);
    let not = &p["not_enforced"][0];
    assert_eq!(not["kind"], "authentication");
    assert_eq!(not["peer"], "default/client2-0");
    assert_eq!(not["treatment"], "dropped");
    // Never widened: no kernel rule lets client2 in on TCP 80.
    assert!(
        !rules(&p, 0, "ingress", "default/client2-0")
            .iter()
            .any(|&(proto, lo, hi)| proto == 6 && lo <= 80 && 80 <= hi)
    );
    let (code, _, stderr) = run(&[
        "node",
        "attach",
        "--dry-run",
        "--unenforceable",
        "refuse",
        "-f",
        "fixtures/mutual-auth",
        "--iface",
        "x:default/demodeployment-2",
    ]);
    assert_eq!(code, 2);
    assert!(stderr.contains("mutual authentication"), "{stderr}");
}

#[test]
fn bad_endpoints_and_flags_are_refused() {
    for (args, message) in [
        (vec!["--iface", "cali1"], "expected HOSTIF:NAMESPACE/POD"),
        (
            vec!["--iface", "cali1:shop/nope"],
            "no pod shop/nope is loaded",
        ),
        (
            vec!["--iface", "a-very-long-interface:shop/db"],
            "1 to 15 characters",
        ),
        (
            vec!["--iface", "c:shop/db", "--iface", "c:shop/web"],
            "interface c is given for both",
        ),
        (
            vec!["--iface", "c:shop/db", "--pin-dir", "/tmp/x"],
            "cannot be used with",
        ),
        (
            vec!["--iface", "c:shop/db", "--auto"],
            "cannot be used with",
        ),
        (
            vec!["--iface", "c:shop/db", "--node", "n1"],
            "cannot be used with",
        ),
        (vec![], "--iface <HOSTIF:NAMESPACE/POD>|--auto"),
    ] {
        let mut all = vec!["node", "attach", "--dry-run", "-f", "fixtures/tiers"];
        all.extend(args.iter());
        let (code, _, stderr) = run(&all);
        assert_eq!(code, 2, "{args:?}");
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
    let (code, _, stderr) = run(&[
        "node",
        "attach",
        "-o",
        "json",
        "-f",
        "fixtures/tiers",
        "--iface",
        "c:shop/db",
    ]);
    assert_eq!(code, 2, "-o needs --dry-run: {stderr}");
}

#[test]
fn attach_without_privileges_or_interface_says_so() {
    // Root with an empty capability bounding set has no capabilities.
    let out = std::process::Command::new("setpriv")
        .args(["--bounding-set=-all", "--"])
        .arg(env!("CARGO_BIN_EXE_polctl"))
        .args([
            "node",
            "attach",
            "-f",
            "fixtures/tiers",
            "--iface",
            "lo:shop/db",
        ])
        .current_dir(crate::common::repo())
        .env("NO_COLOR", "1")
        .output()
        .expect("setpriv runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("needs root (CAP_BPF"), "{stderr}");

    let (code, _, stderr) = run(&[
        "node",
        "attach",
        "-f",
        "fixtures/tiers",
        "--iface",
        "polctl-none0:shop/db",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no interface polctl-none0 on this node"),
        "{stderr}"
    );
}
