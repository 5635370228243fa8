//! The labelled objects an address belongs to, and the label set each one
//! presents to selectors (SEMANTICS.md §B2): a pod's own labels plus
//! `projectcalico.org/*` and the `pcns.*`/`pcsa.*` labels inherited from
//! its namespace and service account; a namespaced network set's labels plus
//! its namespace's; a global network set's own labels; a host endpoint's own
//! labels plus its profiles' `labelsToApply`.
//!
//! Selectors match objects, rules match packets: a rule's selector matches
//! a packet when some object owning its address matches.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use crate::model::policy::{Profile, implicit};
use crate::model::{Cluster, Labels, NamedPort};

/// Calico adds `projectcalico.org/serviceaccount` only for names shorter
/// than 63 characters (workload_endpoint_default.go).
const MAX_SA_LABEL: usize = 63;

/// What kind of object owns an address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OwnerKind {
    Pod(usize),
    HostEndpoint(usize),
    NetworkSet(usize),
    /// A node as a Cilium host endpoint (host policies).
    Node(usize),
}

/// An object owning an address, with the labels selectors see.
#[derive(Clone, Debug)]
pub struct Owner {
    pub kind: OwnerKind,
    /// `namespace/name`, `hep:name` or `netset:[ns/]name`.
    pub name: String,
    pub labels: Labels,
}

/// Label sets of every object, and which objects own each address.
#[derive(Debug)]
pub struct Identities {
    pods: Vec<Option<Owner>>,
    heps: Vec<Owner>,
    netsets: Vec<Owner>,
    /// Nodes with their labels and `reserved:host`, for Cilium host
    /// policies; never owners of an address (Calico selectors do not see
    /// nodes).
    nodes: Vec<Owner>,
    by_ip: HashMap<IpAddr, Vec<OwnerKind>>,
    /// Network sets' CIDRs, checked by containment.
    nets: Vec<(ipnet::IpNet, usize)>,
    /// Node addresses, and pods' addresses: what Cilium calls
    /// cluster-managed (CIDR rules never match them).
    cluster_ips: HashMap<IpAddr, ()>,
}

impl Identities {
    /// `profiles` are the loaded profiles by name: an endpoint that names
    /// one inherits its `labelsToApply`.
    pub fn new(cluster: &Cluster, profiles: &BTreeMap<String, Profile>) -> Self {
        let mut by_ip: HashMap<IpAddr, Vec<OwnerKind>> = HashMap::new();
        let mut cluster_ips = HashMap::new();
        let mut pods = Vec::with_capacity(cluster.endpoints.len());
        for (i, ep) in cluster.endpoints.iter().enumerate() {
            for ip in &ep.ips {
                cluster_ips.insert(*ip, ());
            }
            // hostNetwork pods are not workload endpoints: their address is
            // the node's (conversion.go IsValidCalicoWorkloadEndpoint).
            if ep.host_network {
                pods.push(None);
                continue;
            }
            for ip in &ep.ips {
                by_ip.entry(*ip).or_default().push(OwnerKind::Pod(i));
            }
            let labels = match &ep.profiles {
                // A WorkloadEndpoint carries its projectcalico.org labels;
                // the rest comes from the profiles it lists.
                Some(listed) => {
                    let mut labels = ep.labels.clone();
                    inherit_profiles(listed, profiles, &mut labels);
                    labels
                }
                None => pod_labels(cluster, &ep.namespace, &ep.service_account, &ep.labels),
            };
            pods.push(Some(Owner {
                kind: OwnerKind::Pod(i),
                name: format!("{}/{}", ep.namespace, ep.name),
                labels,
            }));
        }
        let mut nodes = Vec::new();
        for (i, node) in cluster.nodes.iter().enumerate() {
            for ip in &node.ips {
                cluster_ips.insert(*ip, ());
            }
            let mut labels = node.labels.clone();
            labels.insert(implicit::HOST.to_string(), String::new());
            nodes.push(Owner {
                kind: OwnerKind::Node(i),
                name: format!("node:{}", node.name),
                labels,
            });
        }
        let mut heps = Vec::new();
        for (i, hep) in cluster.host_endpoints.iter().enumerate() {
            for ip in &hep.ips {
                by_ip
                    .entry(*ip)
                    .or_default()
                    .push(OwnerKind::HostEndpoint(i));
            }
            let mut labels = hep.labels.clone();
            inherit_profiles(&hep.profiles, profiles, &mut labels);
            heps.push(Owner {
                kind: OwnerKind::HostEndpoint(i),
                name: format!("hep:{}", hep.name),
                labels,
            });
        }
        let mut netsets = Vec::new();
        let mut nets = Vec::new();
        for (i, set) in cluster.network_sets.iter().enumerate() {
            let mut labels = set.labels.clone();
            let name = match &set.namespace {
                Some(ns) => {
                    inherit_namespace(cluster, ns, &mut labels);
                    format!("netset:{ns}/{}", set.name)
                }
                None => format!("netset:{}", set.name),
            };
            for net in &set.nets {
                nets.push((*net, i));
            }
            netsets.push(Owner {
                kind: OwnerKind::NetworkSet(i),
                name,
                labels,
            });
        }
        Identities {
            pods,
            heps,
            netsets,
            nodes,
            by_ip,
            nets,
            cluster_ips,
        }
    }

    /// The labels selectors see for a pod (`None` for hostNetwork pods).
    pub fn pod(&self, index: usize) -> Option<&Owner> {
        self.pods.get(index).and_then(Option::as_ref)
    }

    pub(crate) fn host_endpoint(&self, index: usize) -> Option<&Owner> {
        self.heps.get(index)
    }

    /// A node as a Cilium host endpoint.
    pub(crate) fn node(&self, index: usize) -> Option<&Owner> {
        self.nodes.get(index)
    }

    /// Every object owning `ip`: endpoints with that address, then network
    /// sets containing it.
    pub fn owners(&self, ip: IpAddr) -> Vec<&Owner> {
        let mut out: Vec<&Owner> = Vec::new();
        if let Some(kinds) = self.by_ip.get(&ip) {
            for kind in kinds {
                match *kind {
                    OwnerKind::Pod(i) => out.extend(self.pod(i)),
                    OwnerKind::HostEndpoint(i) => out.extend(self.heps.get(i)),
                    OwnerKind::NetworkSet(_) | OwnerKind::Node(_) => {}
                }
            }
        }
        let mut seen = Vec::new();
        for (net, i) in &self.nets {
            if net.contains(&ip) && !seen.contains(i) {
                seen.push(*i);
                out.extend(self.netsets.get(*i));
            }
        }
        out
    }

    /// Whether `ip` belongs to a pod or a node of the cluster.
    pub(crate) fn is_cluster_address(&self, ip: IpAddr) -> bool {
        self.cluster_ips.contains_key(&ip)
    }
}

/// A pod's label set as Calico's selectors see it: its labels, overridden
/// by the `projectcalico.org/*` labels conversion sets, plus the inherited
/// profile labels where the pod has no label of that key.
pub(crate) fn pod_labels(
    cluster: &Cluster,
    namespace: &str,
    service_account: &str,
    own: &Labels,
) -> Labels {
    let mut labels = own.clone();
    labels.insert(implicit::ORCHESTRATOR.to_string(), "k8s".to_string());
    if service_account.len() < MAX_SA_LABEL {
        labels.insert(
            implicit::SERVICE_ACCOUNT.to_string(),
            service_account.to_string(),
        );
    }
    inherit_namespace(cluster, namespace, &mut labels);
    let pcsa = implicit::SERVICE_ACCOUNT_PREFIX;
    let mut inherited = vec![(
        format!("{pcsa}{}", implicit::NAME),
        service_account.to_string(),
    )];
    if let Some(sa) = cluster
        .service_accounts
        .iter()
        .find(|sa| sa.namespace == namespace && sa.name == service_account)
    {
        inherited.extend(
            sa.labels
                .iter()
                .map(|(k, v)| (format!("{pcsa}{k}"), v.clone())),
        );
    }
    for (k, v) in inherited {
        labels.entry(k).or_insert(v);
    }
    labels
}

/// Adds `projectcalico.org/namespace` and the labels inherited from the
/// namespace's `kns.<ns>` profile (own labels win).
fn inherit_namespace(cluster: &Cluster, namespace: &str, labels: &mut Labels) {
    labels.insert(implicit::NAMESPACE.to_string(), namespace.to_string());
    let pcns = implicit::NAMESPACE_PREFIX;
    let mut inherited = vec![(format!("{pcns}{}", implicit::NAME), namespace.to_string())];
    if let Some(ns) = cluster.namespaces.get(namespace) {
        inherited.extend(
            ns.labels
                .iter()
                .map(|(k, v)| (format!("{pcns}{k}"), v.clone())),
        );
    }
    for (k, v) in inherited {
        labels.entry(k).or_insert(v);
    }
}

/// Adds the `labelsToApply` of the profiles an endpoint names. Felix's
/// label inheritance index (felix/labelindex/label_inheritance_index.go,
/// for workload and host endpoints alike): the endpoint's own labels win,
/// then the profiles in the order the endpoint lists them.
pub(crate) fn inherit_profiles(
    names: &[String],
    profiles: &BTreeMap<String, Profile>,
    labels: &mut Labels,
) {
    for profile in names.iter().filter_map(|n| profiles.get(n)) {
        for (k, v) in &profile.labels {
            labels.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}

/// The named ports an owner declares.
pub(crate) fn named_ports(cluster: &Cluster, owner: OwnerKind) -> &[NamedPort] {
    match owner {
        OwnerKind::Pod(i) => cluster.endpoints.get(i).map_or(&[], |e| &e.ports),
        OwnerKind::HostEndpoint(i) => cluster.host_endpoints.get(i).map_or(&[], |h| &h.ports),
        OwnerKind::NetworkSet(_) | OwnerKind::Node(_) => &[],
    }
}
