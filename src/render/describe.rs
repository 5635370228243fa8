//! `polctl describe endpoint`: labels with their origin, addresses, named
//! ports, profiles, and the policies selecting the endpoint per direction.

use std::fmt::Write;

use serde::Serialize;

use super::table::{self, number};
use crate::dialect::cilium::lower::identity_labels;
use crate::model::policy::{Cni, Direction, implicit};
use crate::model::{Cluster, FlowEnd, Peer, Span};
use crate::sim::eval::Evaluator;

#[derive(Debug, Serialize)]
pub(crate) struct Description {
    pub name: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    pub addresses: Vec<String>,
    /// Whose view the labels are: `calico` (what Calico selectors match),
    /// `cilium identity` (the endpoint's security identity), or
    /// `kubernetes` (the pod's own labels).
    pub labels_as: String,
    pub labels: Vec<LabelLine>,
    pub named_ports: Vec<String>,
    pub profiles: Vec<String>,
    pub ingress: Vec<Selecting>,
    pub egress: Vec<Selecting>,
}

#[derive(Debug, Serialize)]
pub(crate) struct LabelLine {
    pub key: String,
    pub value: String,
    /// `pod`, `namespace <ns>`, `service account <ns>/<sa>`, `implicit`,
    /// `host endpoint`.
    pub origin: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct Selecting {
    pub tier: String,
    pub policy: String,
    pub kind: String,
    pub dialect: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<f64>,
    pub rules: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staged: Option<String>,
    pub at: String,
}

pub(crate) fn describe(
    evaluator: &Evaluator,
    cluster: &Cluster,
    peer: &Peer,
    locate: &dyn Fn(Span) -> String,
) -> Description {
    let set = evaluator.policy_set();
    let ids = evaluator.identities();
    let (owner, mut d) = match peer.end {
        FlowEnd::Pod { index } => {
            let ep = &cluster.endpoints[index];
            let d = Description {
                name: format!("{}/{}", ep.namespace, ep.name),
                kind: if ep.host_network {
                    "Pod (host network)"
                } else if ep.profiles.is_some() {
                    "WorkloadEndpoint"
                } else {
                    "Pod"
                }
                .into(),
                workload: ep.owner.as_ref().map(|o| o.to_string()),
                node: ep.node.clone(),
                service_account: Some(ep.service_account.clone()),
                labels_as: "calico".into(),
                addresses: ep
                    .ips
                    .iter()
                    .map(|ip| {
                        format!(
                            "{ip} ({})",
                            serde_json::to_value(ep.address_source)
                                .ok()
                                .and_then(|v| v.as_str().map(String::from))
                                .unwrap_or_default()
                        )
                    })
                    .collect(),
                labels: Vec::new(),
                named_ports: ep
                    .ports
                    .iter()
                    .map(|p| format!("{} {}/{}", p.name, p.port, p.protocol))
                    .collect(),
                profiles: if ep.host_network {
                    Vec::new()
                } else if let Some(listed) = &ep.profiles {
                    listed.clone()
                } else {
                    set.profiles_for_pod(&ep.namespace, &ep.service_account)
                        .into_iter()
                        .filter(|p| set.profiles.contains_key(p))
                        .collect()
                },
                ingress: Vec::new(),
                egress: Vec::new(),
            };
            (ids.pod(index), d)
        }
        FlowEnd::HostEndpoint { index } => {
            let hep = &cluster.host_endpoints[index];
            let d = Description {
                name: format!("hep:{}", hep.name),
                kind: "HostEndpoint".into(),
                workload: None,
                node: hep.node.clone(),
                service_account: None,
                labels_as: "calico".into(),
                addresses: hep.ips.iter().map(|ip| ip.to_string()).collect(),
                labels: Vec::new(),
                named_ports: hep
                    .ports
                    .iter()
                    .map(|p| format!("{} {}/{}", p.name, p.port, p.protocol))
                    .collect(),
                profiles: hep.profiles.clone(),
                ingress: Vec::new(),
                egress: Vec::new(),
            };
            (ids.host_endpoint(index), d)
        }
        _ => return empty(peer),
    };
    // Under another dataplane, a pod is what that dataplane sees: Calico's
    // implicit labels and profiles are not there.
    let cni = set.dataplane.cni;
    if let (FlowEnd::Pod { index }, Cni::Cilium | Cni::K8s) = (peer.end.clone(), cni) {
        let ep = &cluster.endpoints[index];
        d.profiles = Vec::new();
        let lines: Vec<(String, String, String)> = if cni == Cni::Cilium {
            d.labels_as = "cilium identity".into();
            identity_labels(cluster, ep)
        } else {
            // A pod selector sees the pod's labels, a namespace selector
            // its namespace's.
            d.labels_as = "kubernetes".into();
            let ns = &ep.namespace;
            let ns_labels = cluster.namespaces.get(ns).map(|n| &n.labels);
            ep.labels
                .iter()
                .map(|(k, v)| (k.clone(), v.clone(), "pod".to_string()))
                .chain(ns_labels.into_iter().flatten().map(|(k, v)| {
                    (
                        k.clone(),
                        v.clone(),
                        format!("namespace {ns} (namespace selectors)"),
                    )
                }))
                .collect()
        };
        d.labels = lines
            .into_iter()
            .map(|(key, value, origin)| LabelLine { key, value, origin })
            .collect();
    }
    let Some(owner) = owner else {
        // A hostNetwork pod: host traffic, no workload endpoint.
        return d;
    };
    let own = match peer.end {
        FlowEnd::Pod { index } => cluster.endpoints[index].labels.clone(),
        FlowEnd::HostEndpoint { index } => cluster.host_endpoints[index].labels.clone(),
        _ => owner.labels.clone(),
    };
    // The profile a label is inherited from: the first listed that has it.
    let listed = d.profiles.clone();
    let from_profile = |k: &String, v: &String| {
        listed
            .iter()
            .find(|name| set.profiles.get(*name).and_then(|p| p.labels.get(k)) == Some(v))
            .cloned()
    };
    let calico_view = d.labels_as == "calico";
    for (k, v) in owner.labels.iter().filter(|_| calico_view) {
        let origin = if own.get(k) == Some(v) {
            match peer.end {
                FlowEnd::HostEndpoint { .. } => "host endpoint",
                FlowEnd::Pod { index } if cluster.endpoints[index].profiles.is_some() => {
                    "workload endpoint"
                }
                _ => "pod",
            }
            .to_string()
        } else if k.starts_with(implicit::NAMESPACE_PREFIX) {
            let ns = owner
                .labels
                .get(implicit::NAMESPACE)
                .cloned()
                .unwrap_or_default();
            format!("namespace {ns} (profile kns.{ns})")
        } else if k.starts_with(implicit::SERVICE_ACCOUNT_PREFIX) {
            let ns = owner
                .labels
                .get(implicit::NAMESPACE)
                .cloned()
                .unwrap_or_default();
            let sa = d.service_account.clone().unwrap_or_default();
            format!("service account {ns}/{sa} (profile ksa.{ns}.{sa})")
        } else if let Some(profile) = from_profile(k, v) {
            format!("profile {profile} (labelsToApply)")
        } else {
            "implicit (projectcalico.org)".to_string()
        };
        d.labels.push(LabelLine {
            key: k.clone(),
            value: v.clone(),
            origin,
        });
    }
    for (tier, p) in set.policies() {
        if !p.subject.matches(&owner.labels) {
            continue;
        }
        for dir in [Direction::Ingress, Direction::Egress] {
            let Some(rules) = p.rules(dir) else { continue };
            let line = Selecting {
                tier: tier.name.clone(),
                policy: p.key(),
                kind: p.kind.clone(),
                dialect: p.dialect.clone(),
                order: p.order,
                rules: rules.len(),
                staged: p.staged.map(|s| format!("{s:?}").to_lowercase()),
                at: locate(p.origin),
            };
            match dir {
                Direction::Ingress => d.ingress.push(line),
                Direction::Egress => d.egress.push(line),
            }
        }
    }
    d
}

fn empty(peer: &Peer) -> Description {
    Description {
        name: peer.name.clone(),
        kind: "address".into(),
        workload: None,
        node: None,
        service_account: None,
        addresses: vec![peer.ip.to_string()],
        labels_as: String::new(),
        labels: Vec::new(),
        named_ports: Vec::new(),
        profiles: Vec::new(),
        ingress: Vec::new(),
        egress: Vec::new(),
    }
}

pub(crate) fn text(d: &Description) -> String {
    let mut out = String::new();
    let field = |out: &mut String, name: &str, value: &str| {
        let _ = writeln!(out, "{:<17}{value}", format!("{name}:"));
    };
    field(&mut out, "Name", &d.name);
    field(&mut out, "Kind", &d.kind);
    if let Some(w) = &d.workload {
        field(&mut out, "Workload", w);
    }
    if let Some(n) = &d.node {
        field(&mut out, "Node", n);
    }
    if let Some(sa) = &d.service_account {
        field(&mut out, "Service account", sa);
    }
    field(&mut out, "Addresses", &or_none(d.addresses.join(", ")));
    field(&mut out, "Named ports", &or_none(d.named_ports.join(", ")));
    if d.labels_as == "calico" {
        field(&mut out, "Profiles", &or_none(d.profiles.join(", ")));
    }
    match d.labels_as.as_str() {
        "cilium identity" => out.push_str("Labels (Cilium identity):\n"),
        _ => out.push_str("Labels:\n"),
    }
    if d.labels.is_empty() {
        out.push_str("  <none>\n");
    } else {
        let mut t = table::table(["  KEY", "VALUE", "FROM"]);
        for l in &d.labels {
            t.add_row([format!("  {}", l.key), l.value.clone(), l.origin.clone()]);
        }
        out.push_str(&table::render(&t));
    }
    for (title, list) in [("Ingress", &d.ingress), ("Egress", &d.egress)] {
        let _ = writeln!(out, "{title} policies (evaluation order):");
        if list.is_empty() {
            out.push_str("  <none>\n");
            continue;
        }
        let mut t = table::table(["  TIER", "POLICY", "KIND", "ORDER", "RULES", "AT"]);
        for s in list {
            let mut kind = s.kind.clone();
            if let Some(st) = &s.staged {
                kind = format!("{kind} (staged {st})");
            }
            t.add_row([
                format!("  {}", s.tier),
                s.policy.clone(),
                kind,
                s.order.map_or("<none>".into(), number),
                s.rules.to_string(),
                s.at.clone(),
            ]);
        }
        out.push_str(&table::render(&t));
    }
    out
}

fn or_none(s: String) -> String {
    if s.is_empty() { "<none>".into() } else { s }
}
