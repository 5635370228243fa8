//! A flow request names its real problem: a port out of range, an address
//! that is not one, an unknown prefix, a flag the protocol has no use for,
//! an application-protocol key no protocol has. The same checks hold for
//! flags and flows files, and a flows file reports every bad entry at once.

use crate::common::{fixture, run};
use crate::polctl_snapshot;

fn simulate_error(extra: &[&str]) -> String {
    let tiers = fixture("tiers");
    let mut args = vec!["simulate", "-f", &tiers];
    args.extend(extra);
    let out = run(&args);
    assert_eq!(out.code, 2, "polctl {}\n{}", args.join(" "), out.stdout);
    assert!(out.stdout.is_empty());
    out.stderr
}

#[test]
fn flow_requests_name_the_real_problem() {
    for (args, message) in [
        (
            vec!["--from", "shop/web", "--to", "shop/api", "--port", "70000"],
            "error: --port `70000`: out of range: ports are 1-65535",
        ),
        (
            vec!["--from", "shop/web", "--to", "shop/api", "--port", "0"],
            "error: --port `0`: port 0 is not a destination port",
        ),
        (
            vec!["--from", "shop/web", "--to", "999.1.1.1", "--port", "80"],
            "error: --to `999.1.1.1`: not an IPv4 address",
        ),
        (
            vec![
                "--from",
                "10.0.0.1/33",
                "--to",
                "shop/api",
                "--port",
                "8080",
            ],
            "error: --from `10.0.0.1/33`: a /33 prefix is longer than an IPv4 address (32 bits)",
        ),
        (
            vec!["--from", "fqdn:x", "--to", "shop/api", "--port", "8080"],
            "error: --from `fqdn:x`: unknown prefix `fqdn:`",
        ),
        (
            vec![
                "--from", "shop/web", "--to", "shop/api", "--proto", "ICMP", "--port", "80",
            ],
            "error: --port `80`: ICMP has no ports",
        ),
        (
            vec![
                "--from",
                "shop/web",
                "--to",
                "shop/api",
                "--port",
                "8080",
                "--icmp-type",
                "3",
            ],
            "error: --icmp-type `3`: applies to ICMP and ICMPv6, and the flow is TCP (set --proto)",
        ),
    ] {
        let stderr = simulate_error(&args);
        assert!(stderr.contains(message), "{}\n{stderr}", args.join(" "));
    }
}

/// A typo in an application-protocol key is a usage error, not a request
/// the proxy refuses.
#[test]
fn an_unknown_l7_key_is_a_usage_error_listing_the_keys() {
    let out = run(&[
        "simulate",
        "-f",
        &fixture("kafka"),
        "-R",
        "--from",
        "default/empire-hq",
        "--to",
        "default/kafka-broker",
        "--port",
        "9092",
        "--l7",
        "apikey=fetch",
    ]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr
            .contains("error: --l7 `apikey=fetch`: no protocol has the key `apikey`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("did you mean `api_key`?"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("kafka: api_key, api_version"),
        "{}",
        out.stderr
    );
}

#[test]
fn describe_names_a_service_s_backends() {
    let out = run(&[
        "describe",
        "endpoint",
        "-f",
        &fixture("web-deny-all"),
        "svc:web",
    ]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("a Service is not an endpoint"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains("describe a backend: default/web-0, default/web-1"),
        "{}",
        out.stderr
    );
}

#[test]
fn graph_checks_addresses_and_takes_no_prefixes() {
    let tiers = fixture("tiers");
    let out = run(&["graph", "-f", &tiers, "--to", "999.1.1.1"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("--to `999.1.1.1`: not an IPv4 address"),
        "{}",
        out.stderr
    );
    let out = run(&["graph", "-f", &tiers, "--focus", "svc:shop/api"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unknown prefix `svc:`"),
        "{}",
        out.stderr
    );
}

/// Five bad entries, five located problems, then one summary; nothing is
/// evaluated.
#[test]
fn a_flows_file_reports_every_bad_entry() {
    let out = polctl_snapshot!(
        "simulate",
        "flows-file-bad-references",
        &[
            "simulate",
            "-f",
            "fixtures/tiers",
            "--flows",
            "tests/flows/bad-references.yaml"
        ]
    );
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    let located = out
        .stderr
        .lines()
        .filter(|l| l.contains("[tests/flows/bad-references.yaml:"))
        .count();
    assert_eq!(located, 5, "{}", out.stderr);
    assert!(
        out.stderr
            .trim_end()
            .ends_with("error: 5 problems in 1 file; nothing was evaluated"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("port `70000`"), "{}", out.stderr);
    assert!(out.stderr.contains("l7 `apikey=fetch`"), "{}", out.stderr);
}
