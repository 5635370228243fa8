//! `polctl test`: policy tests next to the fixtures, failures with their
//! traces, JUnit and JSON reports, and bad test files.

use crate::common::{run, temp_file};
use crate::polctl_snapshot;

const FAILING: &str = "tests/verify/tiers-failing.polctl-test.yaml";

#[test]
fn tiers_tests_next_to_the_policies_pass() {
    let out = polctl_snapshot!("test", "tiers", &["test", "-f", "fixtures/tiers"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .contains("12 tests in 1 file: 12 passed, 0 failed")
    );
}

#[test]
fn a_flows_list_with_expectations_is_a_test_file() {
    let out = polctl_snapshot!("test", "starwars", &["test", "-f", "fixtures/starwars"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("deny-l7"), "{}", out.stdout);
}

#[test]
fn test_files_in_subdirectories_are_found_with_r() {
    let dir = tempfile::tempdir().expect("tempdir");
    let nested = dir.path().join("clusters/starwars");
    std::fs::create_dir_all(&nested).expect("mkdir");
    for file in [
        "policies.yaml",
        "workloads.yaml",
        "starwars.polctl-test.yaml",
    ] {
        std::fs::copy(format!("fixtures/starwars/{file}"), nested.join(file)).expect("copy");
    }
    let root = dir.path().to_str().expect("utf-8 path");
    let flat = run(&["test", "-f", root]);
    assert_eq!(flat.code, 2, "without -R nothing is found: {}", flat.stderr);
    assert!(flat.stderr.contains("no test files"), "{}", flat.stderr);
    let out = run(&["test", "-f", root, "-R"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("6 tests in 1 file: 6 passed, 0 failed"));
}

#[test]
fn failing_tests_exit_1_and_show_what_the_policies_did() {
    let out = polctl_snapshot!(
        "test",
        "tiers-failing",
        &["test", "-f", "fixtures/tiers", "--tests", FAILING]
    );
    assert_eq!(out.code, 1);
    // The failing flow's trace, down to the deciding tier.
    assert!(out.stdout.contains("FAIL: web reaches the database"));
    assert!(out.stdout.contains("Ingress to shop/db: DENY"));
    // A forbidden connection is named with its exact ports.
    assert!(out.stdout.contains("shop/web reaches shop/api: TCP 8080"));
    assert!(
        out.stdout
            .contains("16 tests in 2 files: 12 passed, 4 failed")
    );
}

#[test]
fn junit_has_a_suite_per_file_and_a_case_per_test() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("report.xml");
    let out = run(&[
        "test",
        "-f",
        "fixtures/tiers",
        "--tests",
        FAILING,
        "--junit",
        path.to_str().expect("utf-8 path"),
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let text = std::fs::read_to_string(&path).expect("junit written");
    let doc = roxmltree::Document::parse(&text).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    assert_eq!(root.attribute("tests"), Some("16"));
    assert_eq!(root.attribute("failures"), Some("4"));
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let names: Vec<_> = suites.iter().filter_map(|s| s.attribute("name")).collect();
    assert_eq!(names, ["fixtures/tiers/tiers.polctl-test.yaml", FAILING]);
    let cases = |s: &roxmltree::Node| s.children().filter(|n| n.has_tag_name("testcase")).count();
    assert_eq!(cases(&suites[0]), 12);
    assert_eq!(cases(&suites[1]), 4);
    assert_eq!(suites[1].attribute("failures"), Some("4"));
    let failure = suites[1]
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("a failure");
    assert_eq!(
        failure.attribute("message"),
        Some("expected allow, got deny (to shop/db)")
    );
    let body = failure.text().expect("failure text");
    assert!(body.contains("Ingress to shop/db: DENY"), "{body}");
    assert!(body.contains("tests/verify/tiers-failing.polctl-test.yaml:4:5"));
    // The passing file has no failures.
    assert!(!suites[0].descendants().any(|n| n.has_tag_name("failure")));
}

#[test]
fn json_reports_each_test_with_its_failures() {
    let out = run(&[
        "test",
        "-f",
        "fixtures/tiers",
        "--tests",
        FAILING,
        "-o",
        "json",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["passed"], 12);
    assert_eq!(v["failed"], 4);
    let failing = &v["suites"][1];
    assert_eq!(failing["file"], FAILING);
    let tests = failing["tests"].as_array().expect("tests");
    assert_eq!(tests[0]["type"], "flow");
    assert_eq!(tests[0]["passed"], false);
    assert_eq!(tests[0]["outcome"]["verdict"], "deny");
    let outside = &tests[3];
    assert_eq!(outside["type"], "reach");
    let reached: Vec<(String, String)> = outside["reached"]
        .as_array()
        .expect("reached")
        .iter()
        .map(|r| (r["src"].to_string(), r["conns"].to_string()))
        .collect();
    assert_eq!(
        reached,
        [
            ("\"shop/api\"".into(), "[\"TCP 443\"]".into()),
            ("\"shop/db\"".into(), "[\"TCP 443\"]".into()),
            ("\"shop/web\"".into(), "[\"TCP 443\"]".into()),
        ]
    );
    // A passing test carries no trace.
    assert!(v["suites"][0]["tests"][0].get("outcome").is_none());
}

#[test]
fn bad_references_in_every_file_are_reported_together() {
    let out = polctl_snapshot!(
        "test",
        "bad-references",
        &[
            "test",
            "-f",
            "fixtures/tiers",
            "--tests",
            "tests/verify/tiers-bad.polctl-test.yaml",
            "--tests",
            "tests/verify/bad-form.polctl-test.yaml",
        ]
    );
    assert_eq!(out.code, 2);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains("6 problems in 2 files"),
        "{}",
        out.stderr
    );
    for at in [
        "bad-form.polctl-test.yaml:1:3",
        "bad-form.polctl-test.yaml:2:54",
        "tiers-bad.polctl-test.yaml:4:11",
        "tiers-bad.polctl-test.yaml:8:41",
        "tiers-bad.polctl-test.yaml:10:19",
        "tiers-bad.polctl-test.yaml:12:32",
    ] {
        assert!(out.stderr.contains(at), "{at}:\n{}", out.stderr);
    }
}

#[test]
fn test_files_are_not_read_as_manifests() {
    let out = run(&["get", "policies", "-A", "-f", "fixtures/tiers"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stderr, "", "no warning about the test file");
}

#[test]
fn no_test_files_is_a_usage_error() {
    let out = run(&["test", "-f", "fixtures/redis-frontend"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no test files"), "{}", out.stderr);
}

#[test]
fn formats_other_than_table_and_json_are_refused() {
    let out = run(&["test", "-f", "fixtures/tiers", "-o", "wide"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("invalid value 'wide'"),
        "{}",
        out.stderr
    );
}

/// A test's flow gets the checks `simulate` gives its flags: a typo in an
/// L7 key, a port on an ICMP flow and a port out of range are bad input
/// (exit 2), all reported at once, not flows that quietly get a verdict.
#[test]
fn a_test_flow_gets_the_checks_of_simulate() {
    let file = temp_file(
        "bad.polctl-test.yaml",
        "- {from: default/tiefighter, to: default/deathstar-0, port: 80, l7: {apikey: fetch}, expect: deny}\n\
         - {from: default/tiefighter, to: default/deathstar-0, protocol: ICMP, port: 80, expect: deny}\n\
         - {from: default/tiefighter, to: default/deathstar-0, port: 70000, expect: deny}\n",
    );
    let out = run(&["test", "-f", "fixtures/starwars", "--tests", file.path()]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    for message in [
        "l7 `apikey=fetch`: no protocol has the key `apikey`",
        "did you mean `api_key`?",
        "port `80`: ICMP has no ports",
        "port `70000`: out of range",
        "3 problems in 1 file",
    ] {
        assert!(out.stderr.contains(message), "no {message}: {}", out.stderr);
    }
}
