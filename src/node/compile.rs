//! From the verdict matrix to the contents of the classifier's maps, for
//! the endpoints on this node.
//!
//! Identities are the matrix's identity classes (index + 1). Every cluster
//! address is one host prefix per role; an external range is cut into the
//! prefixes that cover it exactly. Per local endpoint, direction and peer
//! identity, each protocol's allowed ports are a list of intervals (`maps`
//! lays them out for the kernel). What the kernel cannot check (an application-layer
//! proxy's filtering, mutual authentication) is never allowed there: it is
//! dropped, or the compilation is refused, as the user chooses.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::Serialize;

use super::discover::Discovery;
use crate::model::policy::Direction;
use crate::model::{Cluster, Endpoint, Proto};
use crate::sim::reach::{Conns, IdentityClass, RangeRole, VerdictMatrix, range_label};

/// An endpoint this node enforces for, and the host side of its interface.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LocalEndpoint {
    /// The host-side interface (the pod's veth peer on the node).
    pub iface: String,
    pub namespace: String,
    pub pod: String,
}

/// What to do with connections that only an application-layer proxy or
/// mutual authentication would let through.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unenforceable {
    /// Drop them in the kernel: narrower than the policy, never wider.
    Drop,
    /// Refuse to compile while there are any.
    Refuse,
}

/// A part of the policy the kernel does not enforce as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NotEnforced {
    /// `namespace/pod` of the local endpoint.
    pub endpoint: String,
    pub direction: &'static str,
    /// The peer identity's description.
    pub peer: String,
    /// `l7` (an application-layer proxy filters) or `authentication`.
    pub kind: &'static str,
    pub connections: Conns,
    /// `dropped`.
    pub treatment: &'static str,
}

/// An identity map entry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentityEntry {
    pub prefix: IpNet,
    /// `egress`: the peer receives; `ingress`: the peer sends.
    pub role: &'static str,
    pub identity: u32,
    /// The local endpoint number + 1 owning the address, or 0.
    pub local_endpoint: u32,
}

/// A policy map entry before its port interval is cut into prefixes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RuleEntry {
    pub endpoint: u32,
    pub direction: &'static str,
    pub identity: u32,
    /// The IP protocol number; 255 stands for every protocol no policy names.
    pub protocol: u8,
    /// Destination ports (ICMP: `type << 8 | code`), inclusive.
    pub ports: (u16, u16),
}

/// A planned endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PlannedEndpoint {
    pub number: u32,
    pub iface: String,
    /// `namespace/pod`.
    pub name: String,
    pub identity: u32,
    pub addresses: Vec<IpAddr>,
}

/// A described identity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct IdentityName {
    pub identity: u32,
    /// `ns/pod, ns/pod2` (the first few members) or an address range.
    pub name: String,
}

/// The contents of every map, ready to write.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub endpoints: Vec<PlannedEndpoint>,
    pub identities: Vec<IdentityName>,
    pub identity_entries: Vec<IdentityEntry>,
    pub rules: Vec<RuleEntry>,
    /// Protocol numbers looked up as themselves.
    pub protocols: BTreeSet<u8>,
    pub not_enforced: Vec<NotEnforced>,
    pub unenforceable: Unenforceable,
    /// What `--auto` found, and what it skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discovery: Option<Discovery>,
}

/// Why the endpoints could not be compiled.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum CompileError {
    #[error("no pod {0} is loaded")]
    UnknownPod(String),
    #[error("pod {0} has no address: nothing to enforce")]
    NoAddress(String),
    #[error("pod {0} uses the host network: pod policy does not apply to it")]
    HostNetwork(String),
    #[error("interface {iface} is given for both {first} and {second}")]
    SharedInterface {
        iface: String,
        first: String,
        second: String,
    },
    #[error(
        "{0} part(s) of the policy need an application-layer proxy or mutual authentication, which the kernel cannot check (--unenforceable drop drops them)"
    )]
    Unenforceable(usize),
    #[error("more than {0} endpoints on one node")]
    TooManyEndpoints(u32),
}

/// The cluster as its IPv6 flows see it, when some pod has addresses of
/// both families: the dual-stack pods with their IPv6 addresses only. The
/// verdict matrix evaluates an endpoint at one address (its first IPv4
/// one), so a dual-stack cluster is compiled twice, once per family, and
/// the plans merged ([`merge_families`]).
pub fn ipv6_view(cluster: &Cluster) -> Option<Cluster> {
    if !cluster.endpoints.iter().any(Endpoint::is_dual_stack) {
        return None;
    }
    let mut view = cluster.clone();
    for e in &mut view.endpoints {
        if e.is_dual_stack() {
            e.ips.retain(IpAddr::is_ipv6);
        }
    }
    Some(view)
}

/// One plan from the plan of the cluster (`v4`, IPv4 first) and the plan
/// of its [`ipv6_view`] (`v6`), both for the same local endpoints: IPv4
/// addresses take their identities from the first, IPv6 addresses from
/// the second (numbered after the first's), and each plan's rules toward
/// its own identities are kept.
pub fn merge_families(v4: Plan, v6: Plan) -> Plan {
    let offset = v4.identities.len() as u32;
    let mut plan = Plan {
        identity_entries: Vec::new(),
        rules: Vec::new(),
        ..v4.clone()
    };
    let mut kept: [BTreeSet<u32>; 2] = [BTreeSet::new(), BTreeSet::new()];
    for e in v4.identity_entries {
        if e.prefix.addr().is_ipv4() {
            kept[0].insert(e.identity);
            plan.identity_entries.push(e);
        }
    }
    for mut e in v6.identity_entries {
        if e.prefix.addr().is_ipv6() {
            e.identity += offset;
            kept[1].insert(e.identity);
            plan.identity_entries.push(e);
        }
    }
    for name in v6.identities {
        let taken = plan.identities.iter().any(|n| n.name == name.name);
        plan.identities.push(IdentityName {
            identity: name.identity + offset,
            name: if taken {
                format!("{} (IPv6)", name.name)
            } else {
                name.name
            },
        });
    }
    plan.rules = v4
        .rules
        .into_iter()
        .filter(|r| kept[0].contains(&r.identity))
        .chain(v6.rules.into_iter().filter_map(|mut r| {
            r.identity += offset;
            kept[1].contains(&r.identity).then_some(r)
        }))
        .collect();
    plan.protocols.extend(v6.protocols);
    for n in v6.not_enforced {
        if !plan.not_enforced.contains(&n) {
            plan.not_enforced.push(n);
        }
    }
    plan
}

/// Compiles the verdicts of `locals` into map contents.
pub fn compile(
    matrix: &VerdictMatrix,
    cluster: &Cluster,
    locals: &[LocalEndpoint],
    unenforceable: Unenforceable,
) -> Result<Plan, CompileError> {
    if locals.len() as u32 > polctl_node_maps::MAX_ENDPOINTS {
        return Err(CompileError::TooManyEndpoints(
            polctl_node_maps::MAX_ENDPOINTS,
        ));
    }
    let classes = matrix.classes();
    let mut class_of = vec![None; cluster.endpoints.len()];
    for (c, class) in classes.iter().enumerate() {
        if let IdentityClass::Endpoints { members } = class {
            for &m in members {
                class_of[m] = Some(c);
            }
        }
    }

    // The local endpoints, numbered in the order given.
    let mut endpoints = Vec::new();
    let mut local_of = vec![0u32; cluster.endpoints.len()];
    for (number, local) in locals.iter().enumerate() {
        let name = format!("{}/{}", local.namespace, local.pod);
        if let Some(other) = endpoints
            .iter()
            .find(|e: &&PlannedEndpoint| e.iface == local.iface)
        {
            return Err(CompileError::SharedInterface {
                iface: local.iface.clone(),
                first: other.name.clone(),
                second: name,
            });
        }
        let index = cluster
            .endpoints
            .iter()
            .position(|e| e.namespace == local.namespace && e.name == local.pod)
            .ok_or_else(|| CompileError::UnknownPod(name.clone()))?;
        let ep = &cluster.endpoints[index];
        if ep.host_network {
            return Err(CompileError::HostNetwork(name));
        }
        let class = class_of[index].ok_or_else(|| CompileError::NoAddress(name.clone()))?;
        local_of[index] = number as u32 + 1;
        endpoints.push(PlannedEndpoint {
            number: number as u32,
            iface: local.iface.clone(),
            name,
            identity: class as u32 + 1,
            addresses: ep.ips.clone(),
        });
    }

    let identities = classes
        .iter()
        .enumerate()
        .map(|(c, class)| IdentityName {
            identity: c as u32 + 1,
            name: describe(class, cluster),
        })
        .collect();

    let mut identity_entries = Vec::new();
    for (c, class) in classes.iter().enumerate() {
        let identity = c as u32 + 1;
        match class {
            IdentityClass::Endpoints { members } => {
                for &m in members {
                    for ip in &cluster.endpoints[m].ips {
                        for role in ["egress", "ingress"] {
                            identity_entries.push(IdentityEntry {
                                prefix: IpNet::from(*ip),
                                role,
                                identity,
                                local_endpoint: local_of[m],
                            });
                        }
                    }
                }
            }
            IdentityClass::External { lo, hi, role } => {
                // A source range is the peer of ingress, a destination
                // range the peer of egress.
                let role = match role {
                    RangeRole::Source => "ingress",
                    RangeRole::Destination => "egress",
                };
                for prefix in range_prefixes(*lo, *hi) {
                    identity_entries.push(IdentityEntry {
                        prefix,
                        role,
                        identity,
                        local_endpoint: 0,
                    });
                }
            }
        }
    }

    let named: BTreeSet<u8> = matrix.named_protocols().iter().map(|p| p.0).collect();
    let mut rules = Vec::new();
    let mut not_enforced = Vec::new();
    for ep in &endpoints {
        let subject = ep.identity as usize - 1;
        for dir in [Direction::Egress, Direction::Ingress] {
            let direction = direction_name(dir);
            for (peer, class) in classes.iter().enumerate() {
                let Some(allowed) = matrix.get(subject, peer, dir) else {
                    continue;
                };
                let mut conns = allowed.conns.clone();
                for (kind, part) in [("l7", &allowed.l7), ("authentication", &allowed.auth)] {
                    if part.is_empty() {
                        continue;
                    }
                    conns = conns.difference(part);
                    not_enforced.push(NotEnforced {
                        endpoint: ep.name.clone(),
                        direction,
                        peer: describe(class, cluster),
                        kind,
                        connections: part.clone(),
                        treatment: "dropped",
                    });
                }
                let identity = peer as u32 + 1;
                for (proto, set) in &conns.protocols {
                    for &(lo, hi) in set.intervals() {
                        rules.push(RuleEntry {
                            endpoint: ep.number,
                            direction,
                            identity,
                            protocol: proto.0,
                            ports: (lo, hi),
                        });
                    }
                }
                if conns.other {
                    rules.push(RuleEntry {
                        endpoint: ep.number,
                        direction,
                        identity,
                        protocol: polctl_node_maps::PROTO_OTHER,
                        ports: (0, u16::MAX),
                    });
                }
            }
        }
    }
    if unenforceable == Unenforceable::Refuse && !not_enforced.is_empty() {
        return Err(CompileError::Unenforceable(not_enforced.len()));
    }
    Ok(Plan {
        endpoints,
        identities,
        identity_entries,
        rules,
        protocols: named,
        not_enforced,
        unenforceable,
        discovery: None,
    })
}

pub(crate) fn direction_name(dir: Direction) -> &'static str {
    match dir {
        Direction::Egress => "egress",
        Direction::Ingress => "ingress",
    }
}

/// The first members of an endpoint class, or a range.
fn describe(class: &IdentityClass, cluster: &Cluster) -> String {
    match class {
        IdentityClass::Endpoints { members } => {
            let names: Vec<String> = members
                .iter()
                .take(3)
                .map(|&m| {
                    let e = &cluster.endpoints[m];
                    format!("{}/{}", e.namespace, e.name)
                })
                .collect();
            let more = members.len().saturating_sub(3);
            if more > 0 {
                format!("{} (+{more})", names.join(", "))
            } else {
                names.join(", ")
            }
        }
        IdentityClass::External { lo, hi, .. } => range_label(*lo, *hi),
    }
}

/// The CIDRs covering `lo..=hi` exactly (both of one family).
pub fn range_prefixes(lo: IpAddr, hi: IpAddr) -> Vec<IpNet> {
    match (lo, hi) {
        (IpAddr::V4(a), IpAddr::V4(b)) => {
            aligned_blocks(u128::from(u32::from(a)), u128::from(u32::from(b)), 32)
                .into_iter()
                .map(|(v, bits)| {
                    IpNet::V4(ipnet::Ipv4Net::new((v as u32).into(), bits).expect("bits <= 32"))
                })
                .collect()
        }
        (IpAddr::V6(a), IpAddr::V6(b)) => aligned_blocks(u128::from(a), u128::from(b), 128)
            .into_iter()
            .map(|(v, bits)| IpNet::V6(ipnet::Ipv6Net::new(v.into(), bits).expect("bits <= 128")))
            .collect(),
        _ => Vec::new(),
    }
}

/// The largest aligned power-of-two blocks covering `lo..=hi` in a space
/// of `width` bits: `(start, prefix bits)`.
fn aligned_blocks(lo: u128, hi: u128, width: u8) -> Vec<(u128, u8)> {
    let mut out = Vec::new();
    if lo > hi {
        return out;
    }
    let mut start = lo;
    loop {
        // The block's size: the alignment of `start`, shrunk to fit.
        let mut bits = if start == 0 {
            u32::from(width)
        } else {
            start.trailing_zeros().min(u32::from(width))
        };
        // The block's last offset; 2^128 - 1 for the whole IPv6 space.
        let span = |bits: u32| u128::MAX >> (128 - bits.max(1)) >> u32::from(bits == 0);
        while bits > 0 && start + span(bits) > hi {
            bits -= 1;
        }
        out.push((start, width - bits as u8));
        let last = start + span(bits);
        if last >= hi {
            break;
        }
        start = last + 1;
    }
    out
}

/// The protocol a rule entry names, for display.
pub(crate) fn protocol_name(protocol: u8) -> String {
    if protocol == polctl_node_maps::PROTO_OTHER {
        "other".to_string()
    } else {
        crate::sim::reach::conns::proto_name(Proto(protocol))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two plans of one endpoint: identity 1 is the peer pod (both
    /// families' addresses), 2 a range of the plan's own family.
    fn family_plan(pod: [&str; 2], range: &str, allowed: [u32; 2]) -> Plan {
        let entry = |prefix: &str, identity| IdentityEntry {
            prefix: prefix.parse().unwrap(),
            role: "egress",
            identity,
            local_endpoint: 0,
        };
        let name = |identity, name: &str| IdentityName {
            identity,
            name: name.to_string(),
        };
        Plan {
            endpoints: Vec::new(),
            identities: vec![name(1, "ns/peer"), name(2, range)],
            identity_entries: vec![entry(pod[0], 1), entry(pod[1], 1), entry(range, 2)],
            rules: allowed
                .map(|identity| RuleEntry {
                    endpoint: 0,
                    direction: "egress",
                    identity,
                    protocol: 6,
                    ports: (80, 80),
                })
                .to_vec(),
            protocols: [6u8].into(),
            not_enforced: Vec::new(),
            unenforceable: Unenforceable::Drop,
            discovery: None,
        }
    }

    #[test]
    fn each_family_takes_its_identities_and_rules_from_its_own_plan() {
        let pod = ["10.0.0.7/32", "2001:db8::7/128"];
        // IPv4: the pod and 192.0.2.0/24 allowed. IPv6 (computed with the
        // IPv6 addresses): only 2001:db8:1::/48. Each plan's entries of
        // the other family are dropped.
        let v4 = family_plan(pod, "192.0.2.0/24", [1, 2]);
        let v6 = family_plan(pod, "2001:db8:1::/48", [2, 2]);
        let plan = merge_families(v4, v6);
        let entries: Vec<(String, u32)> = plan
            .identity_entries
            .iter()
            .map(|e| (e.prefix.to_string(), e.identity))
            .collect();
        assert_eq!(
            entries,
            [
                ("10.0.0.7/32".to_string(), 1),
                ("192.0.2.0/24".to_string(), 2),
                ("2001:db8::7/128".to_string(), 3),
                ("2001:db8:1::/48".to_string(), 4),
            ]
        );
        let names: Vec<&str> = plan.identities.iter().map(|n| n.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "ns/peer",
                "192.0.2.0/24",
                "ns/peer (IPv6)",
                "2001:db8:1::/48"
            ]
        );
        let allowed: Vec<u32> = plan.rules.iter().map(|r| r.identity).collect();
        assert_eq!(allowed, [1, 2, 4, 4]);
    }

    #[test]
    fn address_ranges_become_cidrs() {
        let nets = range_prefixes("10.0.0.0".parse().unwrap(), "10.0.1.255".parse().unwrap());
        assert_eq!(nets, ["10.0.0.0/23".parse::<IpNet>().unwrap()]);
        let nets = range_prefixes("0.0.0.0".parse().unwrap(), "9.255.255.255".parse().unwrap());
        assert_eq!(
            nets,
            ["0.0.0.0/5", "8.0.0.0/7"]
                .map(|n| n.parse::<IpNet>().unwrap())
                .to_vec()
        );
        let all = range_prefixes(
            "::".parse().unwrap(),
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff".parse().unwrap(),
        );
        assert_eq!(all, ["::/0".parse::<IpNet>().unwrap()]);
    }
}
