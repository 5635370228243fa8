//! What the rules can tell apart: the CIDRs, protocols and label keys they
//! name. Classes and port cuts are built from it.

use std::collections::{BTreeSet, HashSet};

use ipnet::IpNet;

use super::conns::{PORT_PROTOCOLS, is_icmp};
use crate::model::policy::{Criterion, Direction, PolicySet, Rule, Side};
use crate::model::{Cluster, Proto};

/// Every rule of the policy set, with what it names.
pub(super) struct Scan<'a> {
    /// Every rule (policies and profiles), with its direction.
    pub rules: Vec<(Direction, &'a Rule)>,
    /// Every CIDR a rule or network set names, truncated, in order.
    pub nets: Vec<IpNet>,
    /// The CIDRs that can be a rule's peer: per direction (ingress, egress).
    pub peer_nets: [BTreeSet<IpNet>; 2],
    /// Label keys some selector reads; other labels cannot tell endpoints
    /// apart.
    pub keys: HashSet<String>,
    /// Protocols rules name other than the port-carrying ones and ICMP.
    pub other_protocols: Vec<Proto>,
    /// A protocol no rule names: it stands for all of them.
    pub unnamed: Proto,
}

impl<'a> Scan<'a> {
    pub(crate) fn new(set: &'a PolicySet, cluster: &Cluster) -> Self {
        let rules: Vec<(Direction, &Rule)> = set
            .policies()
            .flat_map(|(_, p)| {
                let ing = p.ingress.iter().flatten().map(|r| (Direction::Ingress, r));
                let eg = p.egress.iter().flatten().map(|r| (Direction::Egress, r));
                ing.chain(eg)
            })
            .chain(set.profiles.values().flat_map(|p| {
                let ing = p.ingress.iter().map(|r| (Direction::Ingress, r));
                let eg = p.egress.iter().map(|r| (Direction::Egress, r));
                ing.chain(eg)
            }))
            .collect();
        let mut all_nets: BTreeSet<IpNet> = BTreeSet::new();
        let mut peer_nets: [BTreeSet<IpNet>; 2] = [BTreeSet::new(), BTreeSet::new()];
        let mut protocols: BTreeSet<Proto> = BTreeSet::new();
        for (dir, rule) in &rules {
            let peer = peer_side(*dir);
            walk(&rule.criteria, &mut |c| match c {
                Criterion::Nets { side, nets, .. } => {
                    all_nets.extend(nets.iter().map(IpNet::trunc));
                    if *side == peer {
                        peer_nets[dir_index(*dir)].extend(nets.iter().map(IpNet::trunc));
                    }
                }
                Criterion::Protocol { any_of, .. } => protocols.extend(any_of.iter().copied()),
                Criterion::Ports { any_of, .. } => {
                    protocols.extend(any_of.iter().filter_map(|m| m.protocol));
                }
                Criterion::Fqdn { .. } if *dir == Direction::Egress => {
                    // toFQDNs resolves to the addresses of the DNS answers.
                    for ips in cluster.dns.values() {
                        peer_nets[1].extend(ips.iter().map(|ip| IpNet::from(*ip)));
                    }
                }
                _ => {}
            });
        }
        for ns in &cluster.network_sets {
            all_nets.extend(ns.nets.iter().map(IpNet::trunc));
            for side in &mut peer_nets {
                side.extend(ns.nets.iter().map(IpNet::trunc));
            }
        }
        let mut keys: HashSet<String> = HashSet::new();
        for (_, p) in set.policies() {
            keys.extend(p.subject.keys().into_iter().map(str::to_string));
        }
        for (_, rule) in &rules {
            walk(&rule.criteria, &mut |c| {
                if let Criterion::Selector { expr, .. } | Criterion::Nodes { expr, .. } = c {
                    keys.extend(expr.keys().into_iter().map(str::to_string));
                }
            });
        }
        for svc in &cluster.services {
            keys.extend(svc.selector.iter().flatten().map(|(k, _)| k.clone()));
        }
        let other_protocols: Vec<Proto> = protocols
            .iter()
            .copied()
            .filter(|p| !PORT_PROTOCOLS.contains(p) && !is_icmp(*p))
            .collect();
        let unnamed = unnamed_protocol(&protocols);
        Scan {
            rules,
            nets: all_nets.into_iter().collect(),
            peer_nets,
            keys,
            other_protocols,
            unnamed,
        }
    }
}

impl Scan<'_> {
    /// Cuts two scans alike: each gets every CIDR and protocol either
    /// names. Cutting finer than a side's own rules need changes none of
    /// its verdicts, and afterwards the external ranges of both sides are
    /// the same ranges and `Conns::other` means the same protocols, so
    /// their connection sets compare exactly.
    pub(super) fn align(a: &mut Scan, b: &mut Scan) {
        let nets: BTreeSet<IpNet> = a.nets.iter().chain(&b.nets).copied().collect();
        a.nets = nets.iter().copied().collect();
        b.nets = a.nets.clone();
        for side in 0..2 {
            let both: BTreeSet<IpNet> = a.peer_nets[side]
                .union(&b.peer_nets[side])
                .copied()
                .collect();
            a.peer_nets[side] = both.clone();
            b.peer_nets[side] = both;
        }
        let named: BTreeSet<Proto> = a
            .other_protocols
            .iter()
            .chain(&b.other_protocols)
            .copied()
            .collect();
        a.other_protocols = named.iter().copied().collect();
        b.other_protocols = a.other_protocols.clone();
        a.unnamed = unnamed_protocol(&named);
        b.unnamed = a.unnamed;
    }
}

/// A protocol none of `named` is, to stand for every protocol no rule
/// names.
fn unnamed_protocol(named: &BTreeSet<Proto>) -> Proto {
    [47u8, 50, 51, 4, 41, 89, 103, 112, 115, 253]
        .into_iter()
        .map(Proto)
        .find(|p| !named.contains(p))
        .unwrap_or(Proto(254))
}

/// The side of a flow a rule of `dir` looks at for its peer.
pub(super) fn peer_side(dir: Direction) -> Side {
    match dir {
        Direction::Ingress => Side::Source,
        Direction::Egress => Side::Destination,
    }
}

/// Calls `f` on every criterion, alternatives included.
pub(super) fn walk<'c>(criteria: &'c [Criterion], f: &mut dyn FnMut(&'c Criterion)) {
    for c in criteria {
        f(c);
        if let Criterion::AnyOf { alternatives, .. } = c {
            for alt in alternatives {
                walk(&alt.criteria, f);
            }
        }
    }
}

fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}
