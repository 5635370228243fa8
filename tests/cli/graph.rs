//! `polctl graph`: workloads as a user knows them, and edges that hold for
//! every pod pair they stand for.

use crate::common::run;

/// Two nodes: a ReplicaSet with a pod on each, a hostNetwork agent on
/// node-1, two static pods (owned by node-1), and ingress isolation for
/// the ReplicaSet.
const CLUSTER: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: node-1}
status: {addresses: [{type: InternalIP, address: 192.168.10.11}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-2}
status: {addresses: [{type: InternalIP, address: 192.168.10.12}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-a
  namespace: default
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c, controller: true, uid: a}]
spec: {nodeName: node-1, containers: [{name: c, image: nginx}]}
status: {podIP: 10.244.1.5}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-b
  namespace: default
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c, controller: true, uid: a}]
spec: {nodeName: node-2, containers: [{name: c, image: nginx}]}
status: {podIP: 10.244.2.5}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: default, labels: {app: agent}}
spec: {nodeName: node-1, hostNetwork: true, containers: [{name: c, image: agent}]}
status: {podIP: 192.168.10.11}
---
apiVersion: v1
kind: Pod
metadata:
  name: etcd-node-1
  namespace: kube-system
  labels: {component: etcd}
  ownerReferences: [{apiVersion: v1, kind: Node, name: node-1, controller: true, uid: n}]
spec: {nodeName: node-1, containers: [{name: etcd, image: etcd}]}
status: {podIP: 10.244.1.10}
---
apiVersion: v1
kind: Pod
metadata:
  name: kube-scheduler-node-1
  namespace: kube-system
  labels: {component: kube-scheduler}
  ownerReferences: [{apiVersion: v1, kind: Node, name: node-1, controller: true, uid: n}]
spec: {nodeName: node-1, containers: [{name: scheduler, image: scheduler}]}
status: {podIP: 10.244.1.11}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
"#;

fn graph() -> serde_json::Value {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("cluster.yaml");
    std::fs::write(&path, CLUSTER).expect("write manifests");
    let out = run(&[
        "graph",
        "-f",
        path.to_str().unwrap(),
        "--exclude-external",
        "-o",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("JSON")
}

#[test]
fn static_pods_stand_alone() {
    let g = graph();
    let ids: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert!(ids.contains(&"kube-system/etcd-node-1"), "{ids:?}");
    assert!(
        ids.contains(&"kube-system/kube-scheduler-node-1"),
        "{ids:?}"
    );
    assert!(!ids.contains(&"kube-system/node-1"), "{ids:?}");
}

#[test]
fn node_local_ingress_holds_only_for_pods_on_that_node() {
    // The agent is node-1's traffic: web-a (node-1) admits it, web-b
    // (node-2) is isolated and does not, so not every pair is allowed.
    let g = graph();
    let edge = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["src"] == "default/agent" && e["dst"] == "default/web-5d9c")
        .expect("an edge agent -> web");
    assert_eq!(edge["conns"], serde_json::json!([]), "{edge}");
    assert_eq!(edge["some"], "all", "{edge}");
}
