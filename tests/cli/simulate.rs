//! `polctl simulate` and `polctl describe`: every documented outcome of the
//! fixtures, trace snapshots, the JSON contract, flows files, exit codes.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{repo, run, temp_file};
use crate::polctl_snapshot;

/// Every fixture directory: each documents its outcomes in its README.
fn fixtures() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("fixtures"))
        .expect("fixtures/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// One `- VERDICT src -> dst PROTO PORT [...]` line of a fixture README.
#[derive(Debug)]
struct Documented {
    line: String,
    verdict: &'static str,
    denied_at: Option<&'static str>,
    pending: Option<&'static str>,
    args: Vec<String>,
}

fn documented(fixture: &str) -> Vec<Documented> {
    let text = std::fs::read_to_string(repo().join("fixtures").join(fixture).join("README.md"))
        .expect("fixture README");
    let mut out = Vec::new();
    for line in text.lines() {
        let Some(rest) = line.strip_prefix("- ") else {
            continue;
        };
        let mut words = rest.split_whitespace().peekable();
        let head = words.next().unwrap_or_default();
        let (verdict, denied_at) = match head {
            "ALLOW" => ("allow", None),
            "DENY" => ("deny", Some("l3l4")),
            h if h.starts_with("DENY(l7") => ("deny", Some("l7")),
            "DENY(auth)" => ("deny", Some("auth")),
            _ => continue,
        };
        // `DENY(l7 403)` splits into two words.
        if head == "DENY(l7" {
            words.next();
        }
        let words: Vec<&str> = words.collect();
        let (src, arrow, dst, proto, port) = (words[0], words[1], words[2], words[3], words[4]);
        assert_eq!(arrow, "->", "{line}");
        let mut args: Vec<String> = [
            "simulate", "-f", "FIXTURE", "-R", "--from", src, "--to", dst, "--proto", proto,
            "--port", port, "-o", "json",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        args[2] = format!("fixtures/{fixture}");
        // ICMP lines give the type in the port slot.
        if proto.eq_ignore_ascii_case("icmp") || proto.eq_ignore_ascii_case("icmpv6") {
            args[10] = "--icmp-type".to_string();
        }
        // A fixture with DNS answers (for toFQDNs) is run with them.
        let hosts = format!("fixtures/{fixture}/dns.hosts");
        if repo().join(&hosts).exists() {
            args.extend(["--dns-file".to_string(), hosts]);
        }
        let mut pending = None;
        let mut rest = &words[5..];
        while let Some((first, tail)) = rest.split_first() {
            match *first {
                "(pending" => {
                    pending = Some(if tail[0].starts_with("DENY") {
                        "deny"
                    } else {
                        "allow"
                    });
                    rest = &tail[1..];
                }
                "(auth" => {
                    assert_eq!(tail.first(), Some(&"failed)"), "{line}");
                    args.extend(["--auth".to_string(), "fail".to_string()]);
                    rest = &tail[1..];
                }
                "l7" => {
                    for kv in tail.iter().take_while(|w| w.contains('=')) {
                        args.extend(["--l7".to_string(), kv.to_string()]);
                    }
                    rest = &tail[tail.iter().take_while(|w| w.contains('=')).count()..];
                }
                w if w.starts_with("header=") => {
                    args.extend(["--header".to_string(), w["header=".len()..].to_string()]);
                    rest = tail;
                }
                w if w.starts_with("host=") => {
                    args.extend(["--host".to_string(), w["host=".len()..].to_string()]);
                    rest = tail;
                }
                method if method.chars().all(|c| c.is_ascii_uppercase()) => {
                    args.extend(["--method".to_string(), method.to_string()]);
                    args.extend(["--path".to_string(), tail[0].to_string()]);
                    rest = &tail[1..];
                }
                other => panic!("unparsed `{other}` in {line}"),
            }
        }
        out.push(Documented {
            line: line.to_string(),
            verdict,
            denied_at,
            pending,
            args,
        });
    }
    out
}

#[test]
fn every_documented_fixture_outcome_holds() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for fixture in &fixtures() {
        let cases = documented(fixture);
        assert!(!cases.is_empty(), "{fixture} documents outcomes");
        for case in cases {
            let args: Vec<&str> = case.args.iter().map(String::as_str).collect();
            let out = run(&args);
            let v: Value = match serde_json::from_str(&out.stdout) {
                Ok(v) => v,
                Err(_) => {
                    failures.push(format!("{fixture}: {}\n{}", case.line, out.stderr));
                    continue;
                }
            };
            let got = (
                v["verdict"].as_str().unwrap_or("?").to_string(),
                v["denied_at"].as_str().map(String::from),
                v["pending_verdict"].as_str().map(String::from),
            );
            let want = (
                case.verdict.to_string(),
                case.denied_at.map(String::from),
                case.pending.map(String::from),
            );
            // Pending verdicts are only documented where they differ.
            let got_pending = if case.pending.is_none() {
                None
            } else {
                got.2.clone()
            };
            if (got.0.clone(), got.1.clone(), got_pending) != want {
                failures.push(format!(
                    "{fixture}: {}\n  got {got:?}, want {want:?}",
                    case.line
                ));
            }
            checked += 1;
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} outcomes differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(checked >= 39, "only {checked} outcomes checked");
}

#[test]
fn traces() {
    let cases: &[(&str, &[&str])] = &[
        (
            "redis-frontend-allow",
            &[
                "simulate",
                "-f",
                "fixtures/redis-frontend",
                "--from",
                "myns/frontend",
                "--to",
                "myns/backend",
                "--port",
                "6379",
            ],
        ),
        (
            "redis-frontend-namespace-denied",
            &[
                "simulate",
                "-f",
                "fixtures/redis-frontend",
                "--from",
                "other-ns/client",
                "--to",
                "myns/frontend",
                "--port",
                "443",
            ],
        ),
        (
            "web-deny-all-service",
            &[
                "simulate",
                "-f",
                "fixtures/web-deny-all",
                "--from",
                "default/client",
                "--to",
                "svc:default/web",
                "--port",
                "80",
            ],
        ),
        (
            "admin-pass-to-networkpolicy",
            &[
                "simulate",
                "-f",
                "fixtures/admin",
                "--from",
                "kube-system/ingress-nginx",
                "--to",
                "tenant-a/web",
                "--port",
                "8080",
            ],
        ),
        (
            "admin-deny",
            &[
                "simulate",
                "-f",
                "fixtures/admin",
                "--from",
                "tenant-b/client",
                "--to",
                "tenant-a/web",
                "--port",
                "8080",
            ],
        ),
        (
            "tiers-staged-pending-deny",
            &[
                "simulate",
                "-f",
                "fixtures/tiers",
                "--from",
                "shop/web",
                "--to",
                "shop/api",
                "--port",
                "8080",
            ],
        ),
        (
            "tiers-host-endpoint",
            &[
                "simulate",
                "-f",
                "fixtures/tiers",
                "--from",
                "10.20.0.5",
                "--to",
                "192.168.10.11",
                "--port",
                "9100",
            ],
        ),
        (
            "tiers-host-endpoint-failsafe",
            &[
                "simulate",
                "-f",
                "fixtures/tiers",
                "--from",
                "10.20.0.5",
                "--to",
                "192.168.10.11",
                "--port",
                "22",
            ],
        ),
        (
            "app-layer-l7-denied",
            &[
                "simulate",
                "-f",
                "fixtures/app-layer",
                "--from",
                "default/frontend",
                "--to",
                "default/backend",
                "--port",
                "8080",
                "--method",
                "POST",
                "--path",
                "/api/v1/data",
            ],
        ),
        (
            "app-layer-without-app-layer",
            &[
                "simulate",
                "-f",
                "fixtures/app-layer",
                "--from",
                "default/frontend",
                "--to",
                "default/backend",
                "--port",
                "8080",
                "--method",
                "POST",
                "--path",
                "/api/v1/data",
                "--no-app-layer",
            ],
        ),
    ];
    for (name, args) in cases {
        let out = polctl_snapshot!("simulate", *name, args);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
    }
}

/// Cilium traces: the rule and selector that decided, L7 refusals with the
/// rule that refused and what the client sees, authentication, deny
/// precedence, entities and FQDNs.
#[test]
fn cilium_traces() {
    let cases: &[(&str, &str)] = &[
        (
            "cilium-starwars-l7-refused",
            "-f fixtures/starwars --from default/tiefighter --to svc:default/deathstar --port 80 --method PUT --path /v1/exhaust-port",
        ),
        (
            "cilium-starwars-landing",
            "-f fixtures/starwars --from default/tiefighter --to default/deathstar --port 80 --method POST --path /v1/request-landing",
        ),
        (
            "cilium-starwars-xwing-dropped",
            "-f fixtures/starwars --from default/xwing --to default/deathstar --port 80 --method POST --path /v1/request-landing",
        ),
        (
            "cilium-mutual-auth-failed",
            "-f fixtures/mutual-auth --from default/client2 --to default/demodeployment --port 80 --auth fail",
        ),
        (
            "cilium-cassandra-refused",
            "-f fixtures/cassandra --from default/empire-outpost --to default/cass-server --port 9042 --l7 query_action=select --l7 query_table=deathstar_plans.plans",
        ),
        (
            "cilium-memcached-refused",
            "-f fixtures/memcached --from default/x-wing --to default/memcached-server --port 11211 --l7 command=set --l7 key=alliance/fleet/xwing-coord",
        ),
        (
            "cilium-kafka-refused",
            "-f fixtures/kafka --from default/empire-outpost-9999 --to default/kafka-broker --port 9092 --l7 api_key=produce --l7 topic=empire-announce",
        ),
        (
            "cilium-deny-precedence",
            "-f fixtures/cilium-deny --from payments/teller-suspect --to payments/ledger --port 8443",
        ),
        (
            "cilium-fqdn",
            "-f fixtures/dns-fqdn --dns-file fixtures/dns-fqdn/dns.hosts --from default/mediabot --to 192.0.2.20 --port 443",
        ),
        (
            "cilium-entities-remote-node",
            "-f fixtures/cilium-entities --from node:node-2 --to apps/api --port 9090",
        ),
    ];
    for (name, args) in cases {
        let mut argv = vec!["simulate"];
        argv.extend(args.split_whitespace());
        let out = polctl_snapshot!("simulate", *name, &argv);
        assert_eq!(out.code, 0, "{name}: {}", out.stderr);
    }
}

#[test]
fn json_contract() {
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/tiers",
        "--from",
        "shop/web",
        "--to",
        "shop/api",
        "--port",
        "8080",
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out.stdout).expect("one JSON object");
    assert_eq!(v["verdict"], "allow");
    assert!(
        v.get("denied_at").is_none(),
        "no denied_at on an allowed flow"
    );
    assert_eq!(v["pending_verdict"], "deny");
    assert_eq!(v["pending_decided_by"]["staged"], true);
    assert_eq!(v["flow"]["src"]["kind"], "pod");
    assert_eq!(v["flow"]["src"]["namespace"], "shop");
    assert_eq!(v["flow"]["src"]["name"], "web");
    assert_eq!(v["flow"]["src"]["display"], "shop/web");
    assert_eq!(v["flow"]["protocol"], 6);
    assert_eq!(v["egress"]["direction"], "egress");
    assert_eq!(v["ingress"]["direction"], "ingress");
    assert_eq!(v["dataplane"]["cni"], "calico");
    // Every rule in the trace says where it is written.
    let rule = &v["ingress"]["tiers"][0]["policies"][0]["rules"][0];
    assert!(
        rule["at"].as_str().unwrap().starts_with("fixtures/tiers/"),
        "{rule}"
    );
}

#[test]
fn a_service_evaluates_every_backend() {
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/tiers",
        "--from",
        "shop/web",
        "--to",
        "svc:kube-system/kube-dns",
        "--port",
        "53",
        "--proto",
        "UDP",
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["verdict"], "allow");
    let dst = &v["flow"]["dst"];
    assert_eq!(dst["kind"], "pod", "{v}");
    assert_eq!(dst["namespace"], "kube-system", "{v}");
    assert!(
        dst["display"].as_str().unwrap().contains("kube-dns:53"),
        "{v}"
    );
}

#[test]
fn exit_code_reports_denials() {
    let deny = [
        "simulate",
        "-f",
        "fixtures/web-deny-all",
        "--from",
        "default/client",
        "--to",
        "default/web",
        "--port",
        "80",
    ];
    assert_eq!(run(&deny).code, 0);
    let mut with = deny.to_vec();
    with.push("--exit-code");
    assert_eq!(run(&with).code, 1);
    let allow = [
        "simulate",
        "-f",
        "fixtures/web-deny-all",
        "--from",
        "default/web",
        "--to",
        "default/client",
        "--port",
        "8080",
        "--exit-code",
    ];
    assert_eq!(run(&allow).code, 0);
}

#[test]
fn bad_references_are_usage_errors() {
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/redis-frontend",
        "--from",
        "myns/frontnd",
        "--to",
        "myns/backend",
        "--port",
        "6379",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("no pod or workload `myns/frontnd`"),
        "{}",
        out.stderr
    );
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/redis-frontend",
        "--from",
        "myns/frontend",
        "--to",
        "myns/backend",
        "--port",
        "nope",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("declares no port named `nope`"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("redis=6379/TCP"),
        "lists the ports it has: {}",
        out.stderr
    );
}

#[test]
fn named_ports_resolve_on_the_destination() {
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/redis-frontend",
        "--from",
        "myns/frontend",
        "--to",
        "myns/backend",
        "--port",
        "redis",
        "-o",
        "json",
    ]);
    let v: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(v["flow"]["port"], 6379);
    assert_eq!(v["verdict"], "allow");
}

#[test]
fn flows_file_with_expectations() {
    let file = temp_file(
        "flows.yaml",
        "- {from: myns/frontend, to: myns/backend, port: 6379, expect: allow}\n\
         - {from: myns/other, to: myns/backend, port: 6379, expect: deny}\n\
         - {from: myns/frontend, to: myns/backend, port: 80, expect: allow}\n",
    );
    let flows = file.path();
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/redis-frontend",
        "--flows",
        flows,
    ]);
    assert_eq!(out.code, 1, "a failed expectation is a failed check");
    assert!(
        out.stdout
            .contains("3 flows: 1 allowed, 2 denied; 2 of 3 expectations met"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("allow FAILED"), "{}", out.stdout);

    let out = run(&[
        "simulate",
        "-f",
        "fixtures/redis-frontend",
        "--flows",
        flows,
        "-o",
        "json",
    ]);
    let lines: Vec<Value> = out
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON lines"))
        .collect();
    assert_eq!(lines.len(), 3);
    let met: BTreeSet<bool> = lines
        .iter()
        .map(|l| l["expectation_met"].as_bool().unwrap())
        .collect();
    assert_eq!(met, BTreeSet::from([true, false]));
}

#[test]
fn a_bad_flows_file_points_at_the_entry() {
    let flows = temp_file(
        "flows.yaml",
        "- from: myns/frontend\n  to: myns/backend\n  prot: 80\n",
    );
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/redis-frontend",
        "--flows",
        flows.path(),
    ]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("flows.yaml:3:3"), "{}", out.stderr);
    assert!(out.stderr.contains("prot"), "{}", out.stderr);
}

#[test]
fn describe_endpoint() {
    for (name, args) in [
        (
            "tiers-api",
            vec!["describe", "endpoint", "-f", "fixtures/tiers", "shop/api"],
        ),
        (
            "redis-backend",
            vec![
                "describe",
                "endpoint",
                "-f",
                "fixtures/redis-frontend",
                "myns/backend",
            ],
        ),
    ] {
        let out = polctl_snapshot!("describe", name, &args);
        assert_eq!(out.code, 0, "{}", out.stderr);
    }
}

/// The done-when for Cilium, through the JSON contract: the PUT is
/// refused at L7 by the rule that admitted it, the landing request passes,
/// the xwing is dropped at L3/L4, a failed handshake is `auth`.
#[test]
fn cilium_json_names_the_refusing_rule_and_what_the_client_sees() {
    let sim = |args: &str| -> Value {
        let mut argv = vec!["simulate", "-o", "json"];
        argv.extend(args.split_whitespace());
        let out = run(&argv);
        assert_eq!(out.code, 0, "{}", out.stderr);
        serde_json::from_str(&out.stdout).expect("JSON")
    };
    let put = sim(
        "-f fixtures/starwars --from default/tiefighter --to default/deathstar-0 --port 80 --method PUT --path /v1/exhaust-port",
    );
    assert_eq!(put["verdict"], "deny");
    assert_eq!(put["denied_at"], "l7");
    assert_eq!(put["refused_by"]["policy"], "default/rule1");
    assert_eq!(put["refused_by"]["rule"], "ingress[0]");
    assert_eq!(
        put["refused_by"]["at"],
        "fixtures/starwars/policies.yaml:19:7"
    );
    assert_eq!(put["client_sees"], "HTTP 403 Forbidden \"Access denied\"");
    let landing = sim(
        "-f fixtures/starwars --from default/tiefighter --to svc:default/deathstar --port 80 --method POST --path /v1/request-landing",
    );
    assert_eq!(landing["verdict"], "allow");
    assert!(landing.get("client_sees").is_none());
    let xwing = sim(
        "-f fixtures/starwars --from default/xwing --to svc:default/deathstar --port 80 --method POST --path /v1/request-landing",
    );
    assert_eq!(xwing["verdict"], "deny");
    assert_eq!(xwing["denied_at"], "l3l4");
    let auth = sim(
        "-f fixtures/mutual-auth --from default/client2 --to default/demodeployment-0 --port 80 --auth fail",
    );
    assert_eq!(auth["denied_at"], "auth");
    assert_eq!(
        auth["refused_by"]["policy"],
        "default/allow-client2-mutual-auth"
    );
}

/// A bad DNS table is bad input: exit 2, at its file, line and column.
#[test]
fn a_bad_dns_file_is_reported_at_its_line() {
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/dns-fqdn",
        "--from",
        "default/mediabot",
        "--to",
        "192.0.2.10",
        "--port",
        "443",
        "--dns-file",
        "tests/dns/bad.hosts",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains("tests/dns/bad.hosts:3:1"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("`140.82.112` is not an IP address"));
    let out = run(&[
        "simulate",
        "-f",
        "fixtures/dns-fqdn",
        "--from",
        "default/mediabot",
        "--to",
        "192.0.2.10",
        "--port",
        "443",
        "--dns",
        "api.github.com",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("expected NAME=IP"), "{}", out.stderr);
}
