//! `polctl describe policy`: where a policy is evaluated, what it selects,
//! and each rule's peers resolved to workloads and address ranges.

use serde_json::Value;

use crate::common::{fixture, run, temp_file};
use crate::polctl_snapshot;

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("one JSON object")
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|w| w["id"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn a_namespace_selector_peer_resolves_to_the_namespaces_workloads() {
    let out = polctl_snapshot!(
        "describe",
        "policy-redis-frontend",
        &[
            "describe",
            "policy",
            "-f",
            "fixtures/redis-frontend",
            "myns/frontend-allow-bob-namespaces",
        ]
    );
    assert_eq!(out.code, 0);
    let d = json(&[
        "describe",
        "policy",
        "-f",
        "fixtures/redis-frontend",
        "-n",
        "myns",
        "frontend-allow-bob-namespaces",
        "-o",
        "json",
    ]);
    assert_eq!(ids(&d["ingress"]["selects"]), ["myns/frontend"]);
    let rule = &d["ingress"]["rules"][0];
    // The client's namespace has no user=bob label.
    assert_eq!(
        ids(&rule["workloads"]),
        ["myns/backend", "myns/frontend", "myns/other"]
    );
    assert_eq!(rule["ranges"], serde_json::json!([]));
    assert_eq!(rule["ports"], "TCP 443");
    assert!(d["egress"].is_null(), "the policy has no egress part");
}

#[test]
fn tier_and_position_follow_the_evaluation_order() {
    let tiers = fixture("tiers");
    let d = |name: &str| json(&["describe", "policy", "-f", &tiers, "-R", name, "-o", "json"]);
    let quarantine = d("globalnetworkpolicy/security.quarantine");
    assert_eq!(quarantine["evaluated"]["tier"], "security");
    assert_eq!(quarantine["evaluated"]["tier_position"], 1);
    assert_eq!(quarantine["evaluated"]["position"], 1);
    let dns = d("platform.allow-dns");
    assert_eq!(dns["evaluated"]["tier"], "platform");
    assert_eq!(dns["evaluated"]["tier_position"], 2);
    // The NetworkPolicies of shop sit in the default tier in the order
    // `get policies` lists them.
    let listed = run(&[
        "get", "policies", "-n", "shop", "-f", &tiers, "-R", "-o", "name",
    ]);
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let order: Vec<&str> = listed
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("networkpolicy/"))
        .collect();
    assert_eq!(order.len(), 3, "{}", listed.stdout);
    let mut positions = Vec::new();
    for name in order {
        let p = d(&format!("shop/{name}"));
        assert_eq!(p["evaluated"]["tier"], "default");
        positions.push(p["evaluated"]["position"].as_u64().expect("position"));
    }
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
}

#[test]
fn a_rule_on_the_selected_endpoints_own_side_says_whom_it_applies_to() {
    let d = json(&[
        "describe",
        "policy",
        "-f",
        &fixture("tiers"),
        "-R",
        "security.quarantine",
        "-o",
        "json",
    ]);
    let rules = d["ingress"]["rules"].as_array().expect("rules");
    // ingress[0]: a quarantined endpoint accepts nothing (its
    // `destination` selector is the selected endpoint itself).
    assert_eq!(ids(&rules[0]["applies_to"]), ["shop/suspect"]);
    assert!(ids(&rules[0]["workloads"]).len() > 1);
    // ingress[1]: nobody accepts traffic from a quarantined endpoint.
    assert!(rules[1].get("applies_to").is_none());
    assert_eq!(ids(&rules[1]["workloads"]), ["shop/suspect"]);
}

#[test]
fn cidr_peers_resolve_to_ranges_with_their_holes() {
    let d = json(&[
        "describe",
        "policy",
        "-f",
        &fixture("cilium-entities"),
        "apps/crawler-egress",
        "-o",
        "json",
    ]);
    let rules = d["egress"]["rules"].as_array().expect("rules");
    // 203.0.113.0/24 except its upper half.
    assert_eq!(rules[0]["ranges"], serde_json::json!(["203.0.113.0/25"]));
    assert_eq!(rules[0]["workloads"], serde_json::json!([]));
    assert_eq!(rules[0]["ports"], "TCP 443");
    // A CIDR rule never matches pods under Cilium, even inside the range.
    assert_eq!(rules[2]["ranges"], serde_json::json!(["10.0.0.0/8"]));
    assert_eq!(rules[2]["workloads"], serde_json::json!([]));
    assert_eq!(ids(&rules[3]["workloads"]), ["apps/catalog"]);
}

#[test]
fn unknown_and_ambiguous_names_are_usage_errors() {
    let out = run(&[
        "describe",
        "policy",
        "-f",
        &fixture("tiers"),
        "-R",
        "shop/db-allow-ap",
    ]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr
            .contains("did you mean shop/networkpolicy/db-allow-api?"),
        "{}",
        out.stderr
    );
    let calico = temp_file(
        "calico.yaml",
        "apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata:
  name: db-allow-api
  namespace: shop
spec:
  selector: app == 'db'
  types: [Ingress]
  ingress:
    - action: Allow
",
    );
    let tiers = fixture("tiers");
    let out = run(&[
        "describe",
        "policy",
        "-f",
        &tiers,
        "-R",
        "-f",
        calico.path(),
        "shop/db-allow-api",
    ]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("names several policies"),
        "{}",
        out.stderr
    );
}

#[test]
fn lint_findings_on_the_policy_are_listed_and_only_those() {
    let deny = fixture("cilium-deny");
    let d = |name: &str| json(&["describe", "policy", "-f", &deny, name, "-o", "json"]);
    // The Cilium policy is shadowed by the NetworkPolicy of the same name.
    let cnp = d("payments/cnp/ledger-allow-teller");
    let lint = cnp["lint"].as_array().expect("lint findings");
    assert_eq!(lint.len(), 1, "{cnp}");
    assert_eq!(lint[0]["code"], "polctl::lint::shadowed_policy");
    assert_eq!(lint[0]["level"], "warn");
    assert!(
        lint[0]["at"]
            .as_str()
            .is_some_and(|a| a.starts_with("fixtures/cilium-deny/policies.yaml:")),
        "{cnp}"
    );
    // The policy that shadows it has no finding of its own.
    let np = d("payments/networkpolicy/ledger-allow-teller");
    assert_eq!(np["lint"], serde_json::json!([]), "{np}");
    let text = run(&[
        "describe",
        "policy",
        "-f",
        &deny,
        "payments/cnp/ledger-allow-teller",
    ]);
    assert!(
        text.stdout
            .contains("Lint findings:\n  warning[polctl::lint::shadowed_policy]: "),
        "{}",
        text.stdout
    );
}
