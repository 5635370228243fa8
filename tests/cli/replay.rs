//! `polctl replay`: observed flows (Hubble, Calico flow logs, CSV) judged
//! by the loaded policies, grouped by the deciding rule.

use serde_json::Value;

use crate::common::{run, run_with_stdin, temp_file};
use crate::polctl_snapshot;

const HUBBLE: &str = "tests/replay/tiers-hubble.json";
const CALICO: &str = "tests/replay/tiers-calico.json";
const CSV: &str = "tests/replay/tiers.csv";

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("JSON report")
}

#[test]
fn a_hubble_export_is_grouped_by_the_deciding_rule() {
    let out = polctl_snapshot!(
        "replay",
        "tiers-hubble",
        &["replay", "-f", "fixtures/tiers", HUBBLE]
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout.contains(
            "Replayed 10 flow records from tests/replay/tiers-hubble.json (hubble): \
             3 allowed, 4 denied, 2 replies not judged, 1 unresolved"
        ),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("Would break: 3 flows"),
        "{}",
        out.stdout
    );
    // The quarantine rule denies both records of the suspect pod, which
    // the dataplane forwarded, and names where it is written.
    let quarantine = out
        .stdout
        .lines()
        .find(|l| l.contains("security.quarantine egress[0]"))
        .expect("a group for the quarantine rule");
    assert!(
        quarantine.contains("fixtures/tiers/policies.yaml:33:7"),
        "{quarantine}"
    );
    assert!(
        quarantine.contains("tests/replay/tiers-hubble.json:3  shop/suspect -> shop/api TCP/8080"),
        "{quarantine}"
    );
    assert!(out.stdout.contains("shop/ghost"), "{}", out.stdout);
}

/// The JSON contract: the counts at the top level, then the groups.
#[test]
fn json_has_the_counts_at_the_top_and_the_groups() {
    let v = json(&["replay", "-f", "fixtures/tiers", HUBBLE, "-o", "json"]);
    for (key, want) in [
        ("total", 10),
        ("allowed", 3),
        ("denied", 4),
        ("replies", 2),
        ("unresolved", 1),
        ("would_break", 3),
        ("would_allow", 1),
        // The suspect's two identical records are judged once.
        ("distinct_flows", 6),
    ] {
        assert_eq!(v[key], want, "{key}: {v}");
    }
    let groups = v["denied_by"].as_array().expect("denied_by");
    let counted: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, 4, "every denied flow is in a group");
    let first = &groups[0];
    assert_eq!(first["policy"], "security.quarantine");
    assert_eq!(first["count"], 2);
    assert_eq!(first["observed_otherwise"], 2);
    assert_eq!(first["example"]["at"], "tests/replay/tiers-hubble.json:3");
    let allowed = &v["newly_allowed_by"][0];
    assert_eq!(allowed["policy"], "shop/db-allow-api");
    assert_eq!(allowed["example"]["to"], "shop/db");
    let unresolved = &v["unresolved_ends"][0];
    assert_eq!(unresolved["end"], "shop/ghost");
    assert_eq!(unresolved["count"], 1);
    assert_eq!(v["files"][0]["format"], "hubble");
}

/// Calico flow logs and CSV are detected; a ClusterIP is its Service, and
/// an address-only end resolves like a named one.
#[test]
fn calico_flow_logs_and_csv_are_detected() {
    let calico = json(&["replay", "-f", "fixtures/tiers", CALICO, "-o", "json"]);
    assert_eq!(calico["files"][0]["format"], "calico");
    assert_eq!(
        (calico["total"].as_u64(), calico["denied"].as_u64()),
        (Some(5), Some(2))
    );
    assert_eq!(calico["would_break"], 1);
    assert_eq!(calico["unresolved"], 0, "{calico}");
    let csv = json(&["replay", "-f", "fixtures/tiers", CSV, "-o", "json"]);
    assert_eq!(csv["files"][0]["format"], "csv");
    assert_eq!(
        (csv["allowed"].as_u64(), csv["denied"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(
        csv["observed"], 0,
        "a CSV row does not say what the dataplane did"
    );
    let text = std::fs::read_to_string(CSV).expect("csv");
    let out = run_with_stdin(&["replay", "-f", "fixtures/tiers", "-"], Some(&text));
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("from <stdin> (csv)"), "{}", out.stdout);
    assert!(
        out.stdout.contains("Would break: unknown"),
        "{}",
        out.stdout
    );
}

#[test]
fn exit_code_says_whether_anything_would_be_denied() {
    let out = run(&["replay", "-f", "fixtures/tiers", CALICO, "--exit-code"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let allowed = temp_file("ok.csv", "shop/web,shop/api,TCP,8080\n");
    let out = run(&[
        "replay",
        "-f",
        "fixtures/tiers",
        allowed.path(),
        "--exit-code",
    ]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// Every bad record is reported at its file:line:col, and nothing else is
/// printed; `--format` overrides what the first line suggests.
#[test]
fn bad_records_are_all_reported_with_their_place() {
    let good = std::fs::read_to_string(HUBBLE).expect("fixture");
    let first = good.lines().next().expect("a line");
    let file = temp_file(
        "flows.json",
        &format!(
            "{first}\n{{\"flow\":{{\"l4\":{{\"TCP\":{{\"destination_port\":70000}}}}}}}}\n{{\"flow\": [\n"
        ),
    );
    let out = run(&["replay", "-f", "fixtures/tiers", file.path()]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.is_empty(), "{}", out.stdout);
    assert!(
        out.stderr
            .contains("flows.json:2:1: destination_port 70000 is out of range"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("flows.json:3:"), "{}", out.stderr);
    assert!(
        out.stderr.contains("2 records were not read"),
        "{}",
        out.stderr
    );

    let out = run(&["replay", "-f", "fixtures/tiers", HUBBLE, "--format", "csv"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("tiers-hubble.json:1:1: expected src,dst,proto,port"),
        "{}",
        out.stderr
    );
}

/// The benchmark's generated export: every record reads and resolves,
/// replies are set apart, and repeated connections are judged once.
#[test]
fn a_generated_hubble_export_replays_every_record() {
    use polctl_testkit::cluster::{Spec, generate};
    use polctl_testkit::flows::hubble_export;
    let generated = generate(&Spec::k8s(60, 20));
    let cluster = temp_file("cluster.yaml", &generated.yaml);
    let inventory = polctl::load::load_text("cluster.yaml", &generated.yaml).expect("loads");
    let mut export = Vec::new();
    hubble_export(&inventory.cluster, 3_000, 7, &mut export).expect("generated");
    let export = temp_file("hubble.json", &String::from_utf8(export).expect("UTF-8"));
    let v = json(&["replay", "-f", cluster.path(), export.path(), "-o", "json"]);
    assert_eq!(v["total"], 3_000);
    assert_eq!(v["unresolved"], 0, "{v}");
    let count = |k: &str| v[k].as_u64().expect(k);
    assert_eq!(count("allowed") + count("denied") + count("replies"), 3_000);
    assert!((900..1_500).contains(&count("replies")), "{v}");
    assert!(count("distinct_flows") <= 240, "{v}");
    assert!(count("denied") > 0 && count("allowed") > 0, "{v}");
}

/// Replay reads no namespace for bare names: `-n` is refused, not ignored.
#[test]
fn flags_replay_does_not_use_are_refused() {
    let out = run(&["replay", "-f", "fixtures/tiers", HUBBLE, "-n", "shop"]);
    assert_eq!(out.code, 2);
    let out = run(&["replay", "-f", "fixtures/tiers"]);
    assert_eq!(out.code, 2, "a FILE is required");
}
