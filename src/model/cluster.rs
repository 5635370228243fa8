//! The cluster as policies see it: namespaces, endpoints with their labels
//! and addresses, workloads, services, service accounts, nodes, and Calico's
//! network sets and host endpoints.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use super::Span;

pub(crate) type Labels = BTreeMap<String, String>;

/// L4 protocols as IANA numbers, so "any protocol" rules and numeric
/// protocols in Calico need no special cases.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Proto(pub u8);

impl Proto {
    pub const ICMP: Proto = Proto(1);
    pub const TCP: Proto = Proto(6);
    pub const UDP: Proto = Proto(17);
    pub(crate) const ICMPV6: Proto = Proto(58);
    pub const SCTP: Proto = Proto(132);
    pub(crate) const UDPLITE: Proto = Proto(136);
}

impl std::fmt::Display for Proto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match *self {
            Proto::TCP => f.write_str("TCP"),
            Proto::UDP => f.write_str("UDP"),
            Proto::SCTP => f.write_str("SCTP"),
            Proto::ICMP => f.write_str("ICMP"),
            Proto::ICMPV6 => f.write_str("ICMPv6"),
            Proto::UDPLITE => f.write_str("UDPLite"),
            Proto(n) => write!(f, "{n}"),
        }
    }
}

/// A reference to a Kubernetes object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ObjectRef {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{}/{ns}/{}", self.kind, self.name),
            None => write!(f, "{}/{}", self.kind, self.name),
        }
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Namespace {
    pub name: String,
    pub labels: Labels,
    /// False when no manifest defined it and polctl created it because an
    /// object lives in it.
    pub declared: bool,
    #[serde(skip)]
    pub origin: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NamedPort {
    pub name: String,
    pub port: u16,
    pub protocol: Proto,
}

/// Where an endpoint's address came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AddressSource {
    /// `status.podIP(s)` of the manifest.
    Status,
    /// The node's address, for hostNetwork pods.
    Node,
    /// Assigned by polctl from its documented synthetic range.
    Synthetic,
    /// `spec.ipNetworks` of a Calico WorkloadEndpoint.
    #[serde(rename = "ipNetworks")]
    IpNetworks,
}

/// A pod: one that a manifest declares, or one expanded from a workload's
/// pod template.
#[derive(Clone, Debug, Serialize)]
pub struct Endpoint {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub service_account: String,
    pub ips: Vec<IpAddr>,
    pub address_source: AddressSource,
    pub ports: Vec<NamedPort>,
    pub host_network: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    /// The workload this pod belongs to (its owner, or the workload whose
    /// template it was expanded from).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// The profiles a Calico WorkloadEndpoint lists, in order; `None` for a
    /// pod, whose profiles Calico derives from its namespace and service
    /// account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profiles: Option<Vec<String>>,
    #[serde(skip)]
    pub origin: Span,
}

impl Endpoint {
    /// Has addresses of both families (a dual-stack cluster's pods).
    pub fn is_dual_stack(&self) -> bool {
        self.ips.iter().any(IpAddr::is_ipv4) && self.ips.iter().any(IpAddr::is_ipv6)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub(crate) enum WorkloadKind {
    Deployment,
    StatefulSet,
    DaemonSet,
    ReplicaSet,
    Job,
    CronJob,
}

impl WorkloadKind {
    pub(crate) fn as_str(&self) -> &'static str {
        match self {
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::DaemonSet => "DaemonSet",
            WorkloadKind::ReplicaSet => "ReplicaSet",
            WorkloadKind::Job => "Job",
            WorkloadKind::CronJob => "CronJob",
        }
    }
}

/// A group of identical pods: a controller, or the owner named by pods'
/// ownerReferences, or a lone pod.
#[derive(Clone, Debug, Serialize)]
pub struct Workload {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    /// The pod template's labels (or the first pod's, for owners).
    pub labels: Labels,
    pub replicas: usize,
    /// Indexes into `Cluster::endpoints`.
    pub endpoints: Vec<usize>,
    #[serde(skip)]
    pub origin: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: u16,
    pub protocol: Proto,
    pub target: TargetPort,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum TargetPort {
    Number(u16),
    Name(String),
}

#[derive(Clone, Debug, Serialize)]
pub struct Service {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub kind: String,
    /// `None` for a selectorless service.
    pub selector: Option<Labels>,
    pub ports: Vec<ServicePort>,
    pub cluster_ip: Option<String>,
    /// The virtual addresses kube-proxy rewrites to a backend: the
    /// cluster IPs and the external IPs.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub addresses: Vec<IpAddr>,
    #[serde(skip)]
    pub origin: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct ServiceAccount {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub declared: bool,
    #[serde(skip)]
    pub origin: Option<Span>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Node {
    pub name: String,
    pub labels: Labels,
    pub ips: Vec<IpAddr>,
    /// Runs the Kubernetes API server, so its addresses are the API
    /// server's too (decided when the cluster is read).
    #[serde(skip)]
    pub api_server: bool,
    #[serde(skip)]
    pub origin: Span,
}

/// A Calico NetworkSet (namespaced) or GlobalNetworkSet: labelled CIDRs.
#[derive(Clone, Debug, Serialize)]
pub struct NetworkSet {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    pub labels: Labels,
    pub nets: Vec<IpNet>,
    #[serde(skip)]
    pub origin: Span,
}

/// A Calico HostEndpoint.
#[derive(Clone, Debug, Serialize)]
pub struct HostEndpoint {
    pub name: String,
    pub labels: Labels,
    pub node: Option<String>,
    pub interface: Option<String>,
    pub ips: Vec<IpAddr>,
    pub profiles: Vec<String>,
    pub ports: Vec<NamedPort>,
    #[serde(skip)]
    pub origin: Span,
}

/// Everything loaded that is not a policy.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Cluster {
    pub namespaces: BTreeMap<String, Namespace>,
    pub endpoints: Vec<Endpoint>,
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub service_accounts: Vec<ServiceAccount>,
    pub nodes: Vec<Node>,
    pub network_sets: Vec<NetworkSet>,
    pub host_endpoints: Vec<HostEndpoint>,
    /// DNS answers the user supplied (`--dns`, `--dns-file`): lower-case
    /// names without the trailing dot, and the addresses they resolved to.
    /// Cilium's toFQDNs rules allow exactly these addresses.
    pub dns: BTreeMap<String, Vec<IpAddr>>,
    /// The one address family a [`Cluster::family_view`] keeps; `None`
    /// for the cluster as loaded. A view, not part of the cluster's state.
    #[serde(skip)]
    pub family: Option<IpFamily>,
}

/// An IP address family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IpFamily {
    V4,
    V6,
}

impl IpFamily {
    /// The family of an address.
    pub fn of(ip: &IpAddr) -> IpFamily {
        if ip.is_ipv4() {
            IpFamily::V4
        } else {
            IpFamily::V6
        }
    }

    pub fn holds(self, ip: &IpAddr) -> bool {
        ip.is_ipv4() == (self == IpFamily::V4)
    }
}

impl std::fmt::Display for IpFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            IpFamily::V4 => "IPv4",
            IpFamily::V6 => "IPv6",
        })
    }
}

impl Cluster {
    /// The cluster as the flows of one address family see it: every pod
    /// keeps only its addresses of that family, and a pod with none is left
    /// without an address (it takes no part in that family's flows).
    pub fn family_view(&self, family: IpFamily) -> Cluster {
        let mut view = self.clone();
        for e in &mut view.endpoints {
            e.ips.retain(|ip| family.holds(ip));
        }
        view.family = Some(family);
        view
    }
}

/// IANA service name rules Kubernetes applies to named ports
/// (`validation.IsValidPortName`): 1–15 characters of `a-z0-9-`, at least
/// one letter, no leading, trailing or doubled hyphen.
pub(crate) fn validate_port_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 15
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && name.bytes().any(|b| b.is_ascii_lowercase())
        && !name.starts_with('-')
        && !name.ends_with('-')
        && !name.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid port name `{name}`: a port name is 1-15 lowercase letters, digits and single hyphens, with at least one letter"
        ))
    }
}
