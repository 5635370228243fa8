//! What policy sees of an endpoint: the labels it inherits, the labels
//! each dataplane shows, and endpoints declared as Calico objects.

use serde_json::Value;

use crate::common::{run, temp_file};

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
    let gnp = temp_file(
        "monitoring.yaml",
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
    );
    let d = json(&[
        "describe",
        "endpoint",
        "-f",
        "fixtures/tiers",
        "-f",
        gnp.path(),
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
        gnp.path(),
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

/// Two WorkloadEndpoints as `calicoctl get workloadendpoints -o yaml`
/// prints them, and the profiles they list.
const WORKLOAD_ENDPOINTS: &str = r#"{
  "kind": "WorkloadEndpointList",
  "apiVersion": "projectcalico.org/v3",
  "metadata": {},
  "items": [
    {
      "kind": "WorkloadEndpoint",
      "apiVersion": "projectcalico.org/v3",
      "metadata": {
        "name": "node1-k8s-api--7d4b9-eth0",
        "namespace": "shop",
        "labels": {"app": "api", "projectcalico.org/orchestrator": "k8s"}
      },
      "spec": {
        "orchestrator": "k8s",
        "node": "node1",
        "pod": "api-7d4b9",
        "endpoint": "eth0",
        "serviceAccountName": "api",
        "ipNetworks": ["10.1.0.5/32"],
        "profiles": ["shop-defaults"],
        "interfaceName": "cali0ef24b1",
        "ports": [{"name": "http", "protocol": "TCP", "port": 8080, "hostPort": 0}]
      }
    },
    {
      "kind": "WorkloadEndpoint",
      "apiVersion": "projectcalico.org/v3",
      "metadata": {
        "name": "node2-k8s-web--5c6f1-eth0",
        "namespace": "shop",
        "labels": {"app": "web"}
      },
      "spec": {
        "orchestrator": "k8s",
        "node": "node2",
        "pod": "web-5c6f1",
        "endpoint": "eth0",
        "ipNetworks": ["10.1.0.9/32"],
        "profiles": ["open"],
        "interfaceName": "cali9a1d2c3"
      }
    }
  ]
}
---
apiVersion: projectcalico.org/v3
kind: Profile
metadata:
  name: shop-defaults
spec:
  labelsToApply:
    zone: backend
  ingress:
    - action: Allow
      protocol: TCP
      destination:
        ports: [http]
---
apiVersion: projectcalico.org/v3
kind: Profile
metadata:
  name: open
spec:
  ingress:
    - action: Allow
  egress:
    - action: Allow
"#;

#[test]
fn workload_endpoints_are_endpoints_with_their_profiles() {
    let dir = tempfile::tempdir().expect("temp dir");
    let profiles_file = dir.path().join("profiles.yaml");
    // A JSON list, then YAML documents: as a `calicoctl` export and
    // hand-written profiles sit together.
    let (list, profiles) = WORKLOAD_ENDPOINTS.split_once("---\n").expect("two parts");
    std::fs::write(dir.path().join("list.json"), list).expect("write list");
    std::fs::write(&profiles_file, profiles).expect("write profiles");
    let dir_arg = dir.path().to_str().expect("utf-8 path");
    let d = json(&[
        "describe",
        "endpoint",
        "-f",
        dir_arg,
        "shop/api-7d4b9",
        "-o",
        "json",
    ]);
    assert_eq!(d["kind"], "WorkloadEndpoint");
    assert_eq!(d["node"], "node1");
    assert_eq!(d["addresses"][0], "10.1.0.5 (ipNetworks)");
    assert_eq!(d["named_ports"][0], "http 8080/TCP");
    assert_eq!(d["profiles"][0], "shop-defaults");
    assert_eq!(d["service_account"], "api");
    let zone = label(&d, "zone").expect("inherited label");
    assert_eq!(zone["origin"], "profile shop-defaults (labelsToApply)");
    assert_eq!(
        label(&d, "projectcalico.org/namespace").expect("namespace label")["value"],
        "shop"
    );

    // No policy selects either: the listed profiles decide. The web's
    // profile lets it out; the api's admits its named port only.
    let flow = |to: &str, port: &str| {
        json(&[
            "simulate",
            "-f",
            dir_arg,
            "--from",
            "shop/web-5c6f1",
            "--to",
            to,
            "--port",
            port,
            "-o",
            "json",
        ])
    };
    let http = flow("shop/api-7d4b9", "8080");
    assert_eq!(http["verdict"], "allow", "{http}");
    assert_eq!(http["ingress"]["decided_by"]["policy"], "shop-defaults");
    let other = flow("10.1.0.5", "9090");
    assert_eq!(other["verdict"], "deny", "{other}");
    assert_eq!(other["ingress"]["decided_by"]["step"], "no-profile");
}

#[test]
fn under_cilium_an_endpoint_shows_its_identity_labels() {
    let pod = temp_file(
        "pod.yaml",
        "apiVersion: v1
kind: Pod
metadata:
  name: probe
  namespace: default
  labels: {app: probe, pod-template-hash: 5d8f7c, io.cilium.k8s.policy.cluster: other}
spec:
  serviceAccountName: prober
  containers: [{name: c, image: x}]
",
    );
    let d = json(&[
        "describe",
        "endpoint",
        "-f",
        "fixtures/starwars",
        "-f",
        pod.path(),
        "default/probe",
        "-o",
        "json",
    ]);
    assert_eq!(d["labels_as"], "cilium identity");
    let keys: Vec<&str> = d["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|l| l["key"].as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "k8s:app",
            "k8s:io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name",
            "k8s:io.cilium.k8s.policy.cluster",
            "k8s:io.cilium.k8s.policy.serviceaccount",
            "k8s:io.kubernetes.pod.namespace",
        ],
        "{d}"
    );
    assert_eq!(
        label(&d, "k8s:io.cilium.k8s.policy.serviceaccount").expect("sa")["value"],
        "prober"
    );
    // Cilium overrides the cluster label and has no profiles.
    assert_eq!(
        label(&d, "k8s:io.cilium.k8s.policy.cluster").expect("cluster")["value"],
        "default"
    );
    assert_eq!(d["profiles"], serde_json::json!([]));
}
