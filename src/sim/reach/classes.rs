//! Identity classes: endpoints that every criterion sees alike (namespace,
//! the labels some selector reads, service account, named ports, the CIDRs
//! their address lies in) form one class, and addresses outside the
//! cluster are cut into ranges that every rule CIDR sees alike. Workloads
//! (pods grouped under their owner) are found here too, for the expansion.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use serde::Serialize;

use super::scan::Scan;
use super::{GraphNode, GraphNodeKind};
use crate::model::policy::Direction;
use crate::model::{Cluster, FlowEnd, Peer};

/// One row (and column) of the verdict matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum IdentityClass {
    /// Cluster endpoints (indexes into the cluster's endpoints) that every
    /// criterion sees alike.
    Endpoints { members: Vec<usize> },
    /// Addresses outside the cluster, `lo..=hi`, that every rule CIDR sees
    /// alike. A range is either a source (it only sends: the peer of
    /// ingress cells, the subject of none but its own egress) or a
    /// destination (it only receives).
    External {
        lo: IpAddr,
        hi: IpAddr,
        role: RangeRole,
    },
}

/// Whether an external range stands for senders or receivers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RangeRole {
    Source,
    Destination,
}

impl IdentityClass {
    /// `10.0.0.0/8` for a range that is exactly a CIDR, else `a-b`; `None`
    /// for endpoints.
    pub fn range_label(&self) -> Option<String> {
        match self {
            IdentityClass::External { lo, hi, .. } => Some(range_label(*lo, *hi)),
            IdentityClass::Endpoints { .. } => None,
        }
    }

    /// Whether this class can be the subject of `dir`: ranges only face
    /// endpoints.
    pub(super) fn subject_of(&self, dir: Direction) -> bool {
        match self {
            IdentityClass::Endpoints { .. } => true,
            IdentityClass::External { role, .. } => match role {
                RangeRole::Source => dir == Direction::Egress,
                RangeRole::Destination => dir == Direction::Ingress,
            },
        }
    }

    /// Whether this class can be the peer of `subject` in `dir`.
    pub(super) fn faces(&self, subject: &IdentityClass, dir: Direction) -> bool {
        use IdentityClass::{Endpoints, External};
        match (subject, self) {
            (Endpoints { .. }, Endpoints { .. }) => true,
            (Endpoints { .. }, External { role, .. }) => match role {
                RangeRole::Source => dir == Direction::Ingress,
                RangeRole::Destination => dir == Direction::Egress,
            },
            (External { .. }, Endpoints { .. }) => true,
            (External { .. }, External { .. }) => false,
        }
    }
}

/// A named port: (name, protocol number, port).
pub(super) type NamedPortKey = (String, u8, u16);

/// How a class is probed: one member (and another, for the class talking
/// to itself).
pub(super) struct End {
    pub peer: Peer,
    /// Another member, preferably of another workload.
    pub alt: Option<Peer>,
    /// hostNetwork: the node's traffic, told apart from every other end.
    pub unique: bool,
    pub ports: Vec<NamedPortKey>,
}

/// Endpoints that every criterion sees alike.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ClassKey {
    namespace: String,
    labels: Vec<(String, String)>,
    service_account: String,
    ports: Vec<NamedPortKey>,
    /// hostNetwork pods are the node's traffic: one class each.
    host_network: Option<String>,
    /// Ingress from a pod's own node is always allowed, and a hostNetwork
    /// pod is the node's traffic: where there are any, the node counts.
    node: Option<String>,
    phase: Option<String>,
    /// The profiles a WorkloadEndpoint lists (their rules and labels).
    profiles: Option<Vec<String>>,
    /// Indexes of the rule CIDRs (and network sets) the address lies in.
    nets: Vec<usize>,
    v6: bool,
}

/// Workloads: controllers with their pods, and lone pods.
pub(super) struct Workloads {
    /// One graph node per workload; `pods` counts the addressed ones.
    pub nodes: Vec<GraphNode>,
    /// Per endpoint.
    pub of: Vec<Option<usize>>,
}

impl Workloads {
    pub(crate) fn new(cluster: &Cluster) -> Self {
        let mut of: Vec<Option<usize>> = vec![None; cluster.endpoints.len()];
        let mut nodes: Vec<GraphNode> = Vec::new();
        // Static (mirror) pods name their Node as owner, but a Node is not a
        // workload and its static pods are unrelated: each stands alone.
        for w in cluster.workloads.iter().filter(|w| w.kind != "Node") {
            let wi = nodes.len();
            for &e in &w.endpoints {
                if let Some(slot) = of.get_mut(e) {
                    *slot = Some(wi);
                }
            }
            nodes.push(GraphNode {
                id: format!("{}/{}", w.namespace, w.name),
                kind: GraphNodeKind::Workload {
                    kind: w.kind.clone(),
                },
                namespace: Some(w.namespace.clone()),
                name: w.name.clone(),
                labels: w.labels.clone(),
                pods: 0,
            });
        }
        for (i, ep) in cluster.endpoints.iter().enumerate() {
            if of[i].is_none() {
                of[i] = Some(nodes.len());
                nodes.push(GraphNode {
                    id: format!("{}/{}", ep.namespace, ep.name),
                    kind: GraphNodeKind::Workload { kind: "Pod".into() },
                    namespace: Some(ep.namespace.clone()),
                    name: ep.name.clone(),
                    labels: ep.labels.clone(),
                    pods: 0,
                });
            }
        }
        // Ids are `namespace/name`; where two workloads share one (a
        // Deployment and a lone Pod both named web), each is qualified with
        // its kind, as kubectl writes it: `a/deployment/web`, `a/pod/web`.
        let mut seen: HashMap<String, usize> = HashMap::new();
        for n in &nodes {
            *seen.entry(n.id.clone()).or_default() += 1;
        }
        for n in &mut nodes {
            if seen.get(&n.id).is_some_and(|&c| c > 1)
                && let (GraphNodeKind::Workload { kind }, Some(ns)) = (&n.kind, &n.namespace)
            {
                n.id = format!("{ns}/{}/{}", kind.to_lowercase(), n.name);
            }
        }
        for (i, ep) in cluster.endpoints.iter().enumerate() {
            if let (Some(_), Some(w)) = (address(&ep.ips), of[i]) {
                nodes[w].pods += 1;
            }
        }
        Workloads { nodes, of }
    }
}

/// The classes of a cluster, in matrix order: endpoint classes, then
/// source ranges, then destination ranges.
pub(super) struct Partition {
    pub classes: Vec<IdentityClass>,
    pub ends: Vec<End>,
    /// Per endpoint: its class (`None`: no address).
    pub class_of: Vec<Option<usize>>,
    /// Endpoints without an address (not in any class).
    pub unaddressed: usize,
}

impl Partition {
    pub(crate) fn new(
        cluster: &Cluster,
        scan: &Scan,
        workloads: &Workloads,
        external: bool,
    ) -> Self {
        let mut members: Vec<Vec<usize>> = Vec::new();
        let mut class_of: Vec<Option<usize>> = vec![None; cluster.endpoints.len()];
        let mut by_key: HashMap<ClassKey, usize> = HashMap::new();
        let mut unaddressed = 0;
        let host_pods = cluster.endpoints.iter().any(|e| e.host_network);
        for (i, ep) in cluster.endpoints.iter().enumerate() {
            let (Some(ip), Some(_)) = (address(&ep.ips), workloads.of[i]) else {
                unaddressed += 1;
                continue;
            };
            let key = ClassKey {
                namespace: ep.namespace.clone(),
                labels: ep
                    .labels
                    .iter()
                    .filter(|(k, _)| scan.keys.contains(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
                service_account: ep.service_account.clone(),
                ports: ep
                    .ports
                    .iter()
                    .map(|p| (p.name.clone(), p.protocol.0, p.port))
                    .collect(),
                host_network: ep
                    .host_network
                    .then(|| format!("{}/{}", ep.namespace, ep.name)),
                node: ep.node.clone().filter(|_| host_pods),
                phase: ep.phase.clone(),
                profiles: ep.profiles.clone(),
                nets: (0..scan.nets.len())
                    .filter(|&n| scan.nets[n].contains(&ip))
                    .collect(),
                v6: ip.is_ipv6(),
            };
            let ci = *by_key.entry(key).or_insert_with(|| {
                members.push(Vec::new());
                members.len() - 1
            });
            members[ci].push(i);
            class_of[i] = Some(ci);
        }

        let mut classes = Vec::new();
        let mut ends = Vec::new();
        for members in members {
            let first = members[0];
            let alt = members
                .iter()
                .copied()
                .find(|&m| workloads.of[m] != workloads.of[first])
                .or_else(|| members.get(1).copied());
            let ep = &cluster.endpoints[first];
            ends.push(End {
                peer: pod_peer(cluster, first),
                alt: alt.map(|m| pod_peer(cluster, m)),
                unique: ep.host_network,
                ports: ep
                    .ports
                    .iter()
                    .map(|p| (p.name.clone(), p.protocol.0, p.port))
                    .collect(),
            });
            classes.push(IdentityClass::Endpoints { members });
        }

        // External address ranges, cut separately for sources and
        // destinations.
        if external {
            let taken: HashSet<IpAddr> = cluster
                .endpoints
                .iter()
                .flat_map(|e| e.ips.iter())
                .chain(cluster.nodes.iter().flat_map(|n| n.ips.iter()))
                .chain(cluster.host_endpoints.iter().flat_map(|h| h.ips.iter()))
                .copied()
                .collect();
            for (role, nets) in [
                (RangeRole::Source, &scan.peer_nets[0]),
                (RangeRole::Destination, &scan.peer_nets[1]),
            ] {
                for (lo, hi, probe) in ranges(nets, &taken) {
                    ends.push(End {
                        peer: Peer {
                            name: probe.to_string(),
                            ip: probe,
                            end: FlowEnd::External,
                            service: None,
                        },
                        alt: None,
                        unique: false,
                        ports: Vec::new(),
                    });
                    classes.push(IdentityClass::External { lo, hi, role });
                }
            }
        }
        Partition {
            classes,
            ends,
            class_of,
            unaddressed,
        }
    }
}

fn pod_peer(cluster: &Cluster, pod: usize) -> Peer {
    let ep = &cluster.endpoints[pod];
    let ip = address(&ep.ips).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let end = if ep.host_network {
        // The node's traffic, as `simulate` resolves it.
        match ep
            .node
            .as_ref()
            .and_then(|n| cluster.nodes.iter().position(|x| &x.name == n))
        {
            Some(index) => FlowEnd::Node { index },
            None => FlowEnd::Pod { index: pod },
        }
    } else {
        FlowEnd::Pod { index: pod }
    };
    Peer {
        name: format!("{}/{}", ep.namespace, ep.name),
        ip,
        end,
        service: None,
    }
}

/// The address a pod is probed at: its first IPv4 address, else its first.
fn address(ips: &[IpAddr]) -> Option<IpAddr> {
    ips.iter()
        .find(|ip| ip.is_ipv4())
        .or_else(|| ips.first())
        .copied()
}

/// The ranges `within` is cut into by `nets` (every CIDR the rules and
/// network sets name, so that each range is seen alike by every rule):
/// `(lo, hi, probe)` as in [`ranges`], and the range's label.
pub fn ranges_within(
    nets: &[IpNet],
    within: IpNet,
    taken: &HashSet<IpAddr>,
) -> Vec<(IpAddr, IpAddr, IpAddr, String)> {
    let within = within.trunc();
    let mut all: BTreeSet<IpNet> = nets
        .iter()
        .filter(|n| n.addr().is_ipv4() == within.addr().is_ipv4())
        .map(IpNet::trunc)
        .collect();
    all.insert(within);
    ranges(&all, taken)
        .into_iter()
        .filter(|(lo, _, _)| within.contains(lo))
        .map(|(lo, hi, probe)| (lo, hi, probe, range_label(lo, hi)))
        .collect()
}

/// The ranges cut from the whole IPv4 space (and the IPv6 space when an
/// IPv6 CIDR is named) by `nets`: `(lo, hi, probe)`, where `probe` is an
/// address in the range that no cluster endpoint owns (a range without one
/// is left out).
fn ranges(nets: &BTreeSet<IpNet>, taken: &HashSet<IpAddr>) -> Vec<(IpAddr, IpAddr, IpAddr)> {
    let mut out = Vec::new();
    for v6 in [false, true] {
        let family: Vec<&IpNet> = nets
            .iter()
            .filter(|n| matches!(n, IpNet::V6(_)) == v6)
            .collect();
        if v6 && family.is_empty() {
            continue;
        }
        let max: u128 = if v6 { u128::MAX } else { u128::from(u32::MAX) };
        let mut points: BTreeSet<u128> = BTreeSet::new();
        points.insert(0);
        for n in family {
            let (lo, hi) = (to_u128(n.network()), to_u128(n.broadcast()));
            points.insert(lo);
            if hi < max {
                points.insert(hi + 1);
            }
        }
        let points: Vec<u128> = points.into_iter().collect();
        for (i, &lo) in points.iter().enumerate() {
            let hi = points.get(i + 1).map_or(max, |n| n - 1);
            let probe = (0..64u128)
                .map_while(|k| lo.checked_add(k).filter(|a| *a <= hi))
                .map(|a| from_u128(a, v6))
                .find(|a| !taken.contains(a));
            if let Some(probe) = probe {
                out.push((from_u128(lo, v6), from_u128(hi, v6), probe));
            }
        }
    }
    out
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn from_u128(v: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(v))
    } else {
        IpAddr::V4(Ipv4Addr::from(v as u32))
    }
}

/// `10.0.0.0/8` when the range is exactly a CIDR, else `a-b`.
pub fn range_label(lo: IpAddr, hi: IpAddr) -> String {
    let (a, b) = (to_u128(lo), to_u128(hi));
    let bits: u32 = if lo.is_ipv6() { 128 } else { 32 };
    let size = b - a;
    // A CIDR: size + 1 is a power of two and `a` is aligned to it.
    if size == u128::MAX || ((size + 1).is_power_of_two() && a & size == 0) {
        let host_bits = if size == u128::MAX {
            128
        } else {
            (size + 1).trailing_zeros()
        };
        if let Ok(net) = IpNet::new(lo, (bits - host_bits.min(bits)) as u8) {
            return net.to_string();
        }
    }
    format!("{lo}-{hi}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_named_as_cidrs_when_they_are_one() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            range_label(ip("10.0.0.0"), ip("10.255.255.255")),
            "10.0.0.0/8"
        );
        assert_eq!(
            range_label(ip("0.0.0.0"), ip("255.255.255.255")),
            "0.0.0.0/0"
        );
        assert_eq!(range_label(ip("1.2.3.4"), ip("1.2.3.4")), "1.2.3.4/32");
        assert_eq!(
            range_label(ip("0.0.0.0"), ip("9.255.255.255")),
            "0.0.0.0-9.255.255.255"
        );
        assert_eq!(
            range_label(ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
            "::/0"
        );
    }

    #[test]
    fn ranges_cover_the_space_between_the_cidrs() {
        let nets: BTreeSet<IpNet> = ["10.0.0.0/8", "10.1.0.0/16"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let labels: Vec<String> = ranges(&nets, &Default::default())
            .into_iter()
            .map(|(lo, hi, _)| range_label(lo, hi))
            .collect();
        assert_eq!(
            labels,
            [
                "0.0.0.0-9.255.255.255",
                "10.0.0.0/16",
                "10.1.0.0/16",
                "10.2.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
    }
}
