//! `polctl lint`: one bad manifest per lint, the repository's fixtures,
//! levels on the command line, JSON and SARIF.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::{polctl, repo, run};
use crate::polctl_snapshot;

/// `(lint, level, file, line, column)` of every finding of a run.
type Found = BTreeSet<(String, String, String, u64, u64)>;

/// `(lint, level, line, column)` expected in one file.
type At = (&'static str, &'static str, u64, u64);
/// `(lint, level, file, line, column)` expected anywhere.
type FileAt = (&'static str, &'static str, &'static str, u64, u64);

fn findings(args: &[&str]) -> (i32, Found) {
    let mut argv = vec!["lint", "-o", "json"];
    argv.extend(args);
    let out = run(&argv);
    assert!(out.code == 0 || out.code == 1, "{argv:?}: {}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).expect("json");
    let found = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            assert_eq!(
                f["code"].as_str().unwrap(),
                format!("polctl::lint::{}", f["lint"].as_str().unwrap())
            );
            (
                f["lint"].as_str().unwrap().to_string(),
                f["level"].as_str().unwrap().to_string(),
                f["file"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    (out.code, found)
}

fn set(items: &[FileAt]) -> Found {
    items
        .iter()
        .map(|(l, lv, f, line, col)| (l.to_string(), lv.to_string(), f.to_string(), *line, *col))
        .collect()
}

/// Every lint reports the mistake of its own manifest, at the YAML node at
/// fault, at its default level; nothing else is reported there.
#[test]
fn each_lint_reports_its_bad_manifest() {
    let cases: &[(&str, &[&str], &[At])] = &[
        (
            "policy_selects_nothing",
            &[],
            &[("policy_selects_nothing", "warn", 10, 9)],
        ),
        (
            "peer_selects_nothing",
            &[],
            &[("peer_selects_nothing", "warn", 23, 11)],
        ),
        (
            "shadowed_policy",
            &[],
            &[("shadowed_policy", "warn", 29, 9)],
        ),
        (
            "unreachable_rule",
            &[],
            &[("unreachable_rule", "warn", 29, 7)],
        ),
        (
            "pass_to_nothing",
            &[],
            &[("pass_to_nothing", "warn", 23, 7)],
        ),
        ("undefined_tier", &[], &[("undefined_tier", "deny", 18, 9)]),
        (
            "unknown_named_port",
            &[],
            &[("unknown_named_port", "warn", 21, 11)],
        ),
        (
            "calico_http_ignored",
            &[],
            &[("calico_http_ignored", "warn", 17, 9)],
        ),
        (
            "split_peer",
            &[],
            &[
                ("split_peer", "warn", 27, 11),
                // The podSelector half selects no pod of `shop`: a peer
                // that selects nothing, which is the point.
                ("peer_selects_nothing", "warn", 29, 11),
            ],
        ),
        (
            "ipblock_ignored_for_pods",
            &[],
            &[("ipblock_ignored_for_pods", "warn", 24, 7)],
        ),
        (
            "ipblock_covers_pods",
            &[],
            &[("ipblock_covers_pods", "warn", 23, 11)],
        ),
        (
            "anp_named_port_widened",
            &["--cni", "calico"],
            &[("anp_named_port_widened", "deny", 25, 22)],
        ),
        (
            "policy_types_mismatch",
            &[],
            &[("policy_types_mismatch", "warn", 17, 7)],
        ),
    ];
    let listed: Value =
        serde_json::from_str(&run(&["lint", "--list", "-o", "json"]).stdout).expect("json");
    let all: BTreeSet<&str> = listed["lints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["lint"].as_str().unwrap())
        .collect();
    let covered: BTreeSet<&str> = cases.iter().map(|c| c.0).collect();
    assert_eq!(all, covered, "every lint has a bad manifest");
    for (name, extra, want) in cases {
        let file = format!("tests/lint/{name}.yaml");
        let mut args = vec!["-f", file.as_str()];
        args.extend(*extra);
        let (code, got) = findings(&args);
        let want: Found = want
            .iter()
            .map(|(l, lv, line, col)| (l.to_string(), lv.to_string(), file.clone(), *line, *col))
            .collect();
        assert_eq!(got, want, "{name}");
        let denied = want.iter().any(|w| w.1 == "deny");
        assert_eq!(code, i32::from(denied), "{name}: exit status");
    }
}

/// Judging "never fires" the set algebra's way: the Deny on 82-88 lies
/// within two Allows together; a Deny reaching past them (82-95) fires.
#[test]
fn a_rule_covered_only_by_several_earlier_rules_together_is_unreachable() {
    let text = std::fs::read_to_string(repo().join("tests/lint/unreachable_rule.yaml")).unwrap();
    let (_, got) = findings(&["-f", "tests/lint/unreachable_rule.yaml"]);
    assert_eq!(got.len(), 1);
    let dir = tempfile::tempdir().expect("tempdir");
    let wider = dir.path().join("wider.yaml");
    std::fs::write(&wider, text.replace("\"82:88\"", "\"82:95\"")).unwrap();
    let (_, got) = findings(&["-f", wider.to_str().unwrap()]);
    assert!(got.is_empty(), "{got:?}");
}

/// The repository's fixtures: only the mistakes they were written to show.
#[test]
fn fixtures_show_only_their_intended_mistakes() {
    let expected: &[(&str, &[FileAt])] = &[
        (
            // "allow-get-only ... always decides, and allow-web-api is
            // never reached" (the fixture's own comment).
            "app-layer",
            &[(
                "shadowed_policy",
                "warn",
                "fixtures/app-layer/policies.yaml",
                33,
                9,
            )],
        ),
        (
            // The ledger allow written twice, as a CNP and a NetworkPolicy;
            // the collector's policyTypes trimmed with its egress left.
            "cilium-deny",
            &[
                (
                    "shadowed_policy",
                    "warn",
                    "fixtures/cilium-deny/policies.yaml",
                    87,
                    9,
                ),
                (
                    "policy_types_mismatch",
                    "warn",
                    "fixtures/cilium-deny/policies.yaml",
                    240,
                    7,
                ),
            ],
        ),
        (
            // "The pod CIDR lies inside it, but CIDR rules never select
            // Cilium-managed pods."
            "cilium-entities",
            &[(
                "ipblock_ignored_for_pods",
                "warn",
                "fixtures/cilium-entities/policies.yaml",
                149,
                7,
            )],
        ),
    ];
    let mut dirs: Vec<String> = std::fs::read_dir(repo().join("fixtures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    dirs.sort();
    assert!(dirs.len() > 10);
    for dir in dirs {
        let path = format!("fixtures/{dir}");
        let (_, got) = findings(&["-f", &path, "-R"]);
        let want = expected
            .iter()
            .find(|(d, _)| *d == dir)
            .map_or_else(Found::new, |(_, w)| set(w));
        assert_eq!(got, want, "{path}");
    }
}

#[test]
fn human_output_shows_each_finding_on_its_yaml() {
    let out = polctl_snapshot!(
        "lint",
        "unreachable-rule",
        &["lint", "-f", "tests/lint/unreachable_rule.yaml"]
    );
    assert_eq!(out.code, 0);
    let out = polctl_snapshot!(
        "lint",
        "split-peer",
        &["lint", "-f", "tests/lint/split_peer.yaml"]
    );
    assert_eq!(out.code, 0);
    let out = polctl_snapshot!(
        "lint",
        "undefined-tier",
        &["lint", "-f", "tests/lint/undefined_tier.yaml"]
    );
    assert_eq!(out.code, 1, "deny by default");
    let out = polctl_snapshot!("lint", "list", &["lint", "--list"]);
    assert_eq!(out.code, 0);
}

#[test]
fn levels_are_set_per_lint_and_the_last_flag_wins() {
    let f = "tests/lint/unreachable_rule.yaml";
    let count = |args: &[&str]| {
        let mut all = vec!["-f", f];
        all.extend(args);
        findings(&all)
    };
    // Default: a warning, exit 0.
    let (code, got) = count(&[]);
    assert_eq!((code, got.len()), (0, 1));
    // -D makes it an error; -A silences it; the later of the two wins.
    let (code, got) = count(&["-D", "unreachable_rule"]);
    assert_eq!((code, got.iter().next().unwrap().1.as_str()), (1, "deny"));
    let (code, got) = count(&["-A", "unreachable-rule"]);
    assert_eq!((code, got.len()), (0, 0));
    let (code, got) = count(&[
        "-A",
        "unreachable_rule",
        "-D",
        "polctl::lint::unreachable_rule",
    ]);
    assert_eq!((code, got.len()), (1, 1));
    let (code, got) = count(&["-D", "unreachable_rule", "-A", "unreachable_rule"]);
    assert_eq!((code, got.len()), (0, 0));
    let (code, got) = count(&["-D", "unreachable_rule", "-W", "unreachable_rule"]);
    assert_eq!((code, got.iter().next().unwrap().1.as_str()), (0, "warn"));
    // --deny-warnings: a warning fails the run; an allowed lint still does not.
    let (code, _) = count(&["--deny-warnings"]);
    assert_eq!(code, 1);
    let (code, _) = count(&["--deny-warnings", "-A", "unreachable_rule"]);
    assert_eq!(code, 0);
    // A deny-by-default lint can be lowered.
    let (code, got) = findings(&[
        "-f",
        "tests/lint/undefined_tier.yaml",
        "-W",
        "undefined_tier",
    ]);
    assert_eq!((code, got.iter().next().unwrap().1.as_str()), (0, "warn"));
}

#[test]
fn an_unknown_lint_is_refused_with_the_closest_name() {
    let out = run(&[
        "lint",
        "-f",
        "tests/lint/split_peer.yaml",
        "-A",
        "unreachable_rules",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("unknown lint `unreachable_rules`; did you mean `unreachable_rule`?"),
        "{}",
        out.stderr
    );
    let out = run(&["lint", "--list", "-f", "fixtures/tiers"]);
    assert_eq!(out.code, 2, "--list reads no input: {}", out.stderr);
}

#[test]
fn no_color_when_piped_and_color_when_asked() {
    let piped = polctl()
        .env_remove("NO_COLOR")
        .args(["lint", "-f", "tests/lint/undefined_tier.yaml"])
        .output()
        .expect("runs");
    assert!(!piped.stdout.contains(&0x1b), "no escape codes when piped");
    assert!(String::from_utf8_lossy(&piped.stdout).contains("error[polctl::lint::undefined_tier]"));
    let forced = polctl()
        .env_remove("NO_COLOR")
        .args([
            "lint",
            "--color",
            "always",
            "-f",
            "tests/lint/undefined_tier.yaml",
        ])
        .output()
        .expect("runs");
    assert!(
        forced.stdout.contains(&0x1b),
        "escape codes with --color always"
    );
}

/// The fields of the SARIF 2.1.0 schema code-scanning tools need: a log
/// with `version` and `runs`; a run with `tool.driver.name` and rule
/// descriptors; results with `ruleId` (and the matching `ruleIndex`),
/// `message.text`, a level of the schema's enum, and a physical location
/// whose artifact URI is relative to the working directory and whose
/// region starts at a 1-based line and column.
#[test]
fn sarif_has_what_code_scanning_reads() {
    let abs = repo().join("tests/lint/split_peer.yaml");
    let out = run(&[
        "lint",
        "-o",
        "sarif",
        "-f",
        abs.to_str().unwrap(),
        "-f",
        "tests/lint/undefined_tier.yaml",
    ]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    let log: Value = serde_json::from_str(&out.stdout).expect("json");
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "polctl");
    let rules = driver["rules"].as_array().expect("rules");
    for rule in rules {
        assert!(rule["id"].as_str().unwrap().starts_with("polctl::lint::"));
        assert!(
            !rule["shortDescription"]["text"]
                .as_str()
                .unwrap()
                .is_empty()
        );
        let level = rule["defaultConfiguration"]["level"].as_str().unwrap();
        assert!(["none", "note", "warning", "error"].contains(&level));
    }
    let results = runs[0]["results"].as_array().expect("results");
    let mut seen = BTreeSet::new();
    for r in results {
        let id = r["ruleId"].as_str().unwrap();
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex names the rule");
        assert!(!r["message"]["text"].as_str().unwrap().is_empty());
        assert!(["none", "note", "warning", "error"].contains(&r["level"].as_str().unwrap()));
        let loc = &r["locations"][0]["physicalLocation"];
        let uri = loc["artifactLocation"]["uri"].as_str().unwrap();
        assert!(
            !uri.starts_with('/') && !uri.contains(':'),
            "relative: {uri}"
        );
        assert!(
            repo().join(uri).is_file(),
            "{uri} is a file under the working directory"
        );
        assert!(loc["region"]["startLine"].as_u64().unwrap() >= 1);
        assert!(loc["region"]["startColumn"].as_u64().unwrap() >= 1);
        seen.insert((
            id.to_string(),
            r["level"].as_str().unwrap().to_string(),
            uri.to_string(),
            loc["region"]["startLine"].as_u64().unwrap(),
        ));
    }
    let want: BTreeSet<(String, String, String, u64)> = [
        (
            "polctl::lint::split_peer",
            "warning",
            "tests/lint/split_peer.yaml",
            27,
        ),
        (
            "polctl::lint::peer_selects_nothing",
            "warning",
            "tests/lint/split_peer.yaml",
            29,
        ),
        (
            "polctl::lint::undefined_tier",
            "error",
            "tests/lint/undefined_tier.yaml",
            18,
        ),
    ]
    .iter()
    .map(|(a, b, c, d)| (a.to_string(), b.to_string(), c.to_string(), *d))
    .collect();
    assert_eq!(seen, want);
}
