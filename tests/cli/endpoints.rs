//! What policy sees of an endpoint: the labels it inherits, the labels
//! each dataplane shows, and endpoints declared as Calico objects.

use serde_json::Value;

use crate::common::run;

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("one JSON object")
}

fn label<'v>(description: &'v Value, key: &str) -> Option<&'v Value> {
    description["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .find(|l| l["key"] == key)
}

#[test]
fn a_host_endpoint_inherits_its_profiles_labels() {
    let dir = tempfile::tempdir().expect("temp dir");
    let gnp = dir.path().join("monitoring.yaml");
    std::fs::write(
        &gnp,
        "apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: default.scrape-monitored
spec:
  tier: default
  selector: monitoring == 'enabled'
  types: [Ingress]
  ingress:
    - action: Allow
      protocol: TCP
      destination:
        ports: [9100]
",
    )
    .expect("write policy");
    let gnp = gnp.to_str().expect("utf-8 path");
    let d = json(&[
        "describe",
        "endpoint",
        "-f",
        "fixtures/tiers",
        "-f",
        gnp,
        "hep:node1-eth0",
        "-o",
        "json",
    ]);
    let monitoring = label(&d, "monitoring").expect("monitoring label");
    assert_eq!(monitoring["value"], "enabled");
    assert_eq!(
        monitoring["origin"],
        "profile allow-monitoring (labelsToApply)"
    );
    assert_eq!(
        label(&d, "node-role").expect("own")["origin"],
        "host endpoint"
    );
    let ingress: Vec<&str> = d["ingress"]
        .as_array()
        .expect("ingress")
        .iter()
        .filter_map(|p| p["policy"].as_str())
        .collect();
    assert!(ingress.contains(&"default.scrape-monitored"), "{d}");

    // The policy decides flows to the host endpoint: 9100 from outside the
    // profile's monitoring subnet is allowed by it, not by the profile.
    let v = json(&[
        "simulate",
        "-f",
        "fixtures/tiers",
        "-f",
        gnp,
        "--from",
        "203.0.113.9",
        "--to",
        "hep:node1-eth0",
        "--port",
        "9100",
        "-o",
        "json",
    ]);
    assert_eq!(v["verdict"], "allow", "{v}");
    assert_eq!(
        v["ingress"]["decided_by"]["policy"],
        "default.scrape-monitored"
    );
}
