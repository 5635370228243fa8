//! A plan as the entries of one policy slot's maps (the layout is
//! documented in `polctl-node-maps`): whole addresses apart from shorter
//! prefixes, one rule per (endpoint, peer identity, direction, protocol)
//! with an interval inline, and the port sets of several intervals as
//! 256-port bitmaps, each distinct set stored once.

use std::collections::{BTreeMap, HashMap};

use polctl_node_maps as maps;

use super::compile::Plan;

/// What one slot's maps hold, but the endpoints (keyed by the interfaces'
/// indexes, known only on the node).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotEntries {
    /// Whole addresses (/32, /128).
    pub hosts: Vec<(maps::IdentityAddr, maps::IdentityInfo)>,
    /// Shorter prefixes: (prefix bits of the key, key, value).
    pub prefixes: Vec<(u32, maps::IdentityAddr, maps::IdentityInfo)>,
    pub rules: Vec<(maps::RuleKey, maps::RuleValue)>,
    pub ports: Vec<(maps::PortChunk, maps::PortBits)>,
    /// Protocol numbers looked up as themselves.
    pub protocols: Vec<u8>,
}

/// IPv4 as IPv4-mapped IPv6, with the prefix length in that space.
pub(crate) fn mapped(net: &ipnet::IpNet) -> ([u8; 16], u32) {
    match net {
        ipnet::IpNet::V4(n) => (
            n.network().to_ipv6_mapped().octets(),
            96 + u32::from(n.prefix_len()),
        ),
        ipnet::IpNet::V6(n) => (n.network().octets(), u32::from(n.prefix_len())),
    }
}

fn direction(name: &str) -> u8 {
    if name == "egress" {
        maps::EGRESS
    } else {
        maps::INGRESS
    }
}

/// The entries of `plan`'s slot.
pub fn slot_entries(plan: &Plan) -> SlotEntries {
    let mut out = SlotEntries {
        protocols: plan.protocols.iter().copied().collect(),
        ..SlotEntries::default()
    };
    for entry in &plan.identity_entries {
        let (addr, bits) = mapped(&entry.prefix);
        let key = maps::IdentityAddr {
            role: direction(entry.role),
            addr,
        };
        let value = maps::IdentityInfo {
            identity: entry.identity,
            local_endpoint: entry.local_endpoint,
        };
        if bits == 128 {
            out.hosts.push((key, value));
        } else {
            out.prefixes
                .push((maps::identity_prefix_len(bits), key, value));
        }
    }

    let mut by_rule: BTreeMap<maps::RuleKey, Vec<(u16, u16)>> = BTreeMap::new();
    for r in &plan.rules {
        let key = maps::RuleKey {
            endpoint: r.endpoint,
            identity: r.identity,
            direction: direction(r.direction),
            protocol: r.protocol,
            pad: [0; 2],
        };
        by_rule.entry(key).or_default().push(r.ports);
    }
    let mut sets: HashMap<Vec<(u16, u16)>, u32> = HashMap::new();
    for (key, mut intervals) in by_rule {
        intervals.sort_unstable();
        // The widest interval inline: the likeliest to answer at once.
        let (lo, hi) = *intervals
            .iter()
            .max_by_key(|(lo, hi)| (u32::from(*hi) - u32::from(*lo), std::cmp::Reverse(*lo)))
            .expect("a rule has an interval");
        let port_set = if intervals.len() == 1 {
            maps::NO_PORT_SET
        } else if let Some(&id) = sets.get(&intervals) {
            id
        } else {
            let id = sets.len() as u32 + 1;
            out.ports.extend(port_chunks(id, &intervals));
            sets.insert(intervals, id);
            id
        };
        out.rules.push((key, maps::RuleValue { lo, hi, port_set }));
    }
    out
}

/// The 256-port bitmaps of a port set, only those with a port in it.
fn port_chunks(port_set: u32, intervals: &[(u16, u16)]) -> Vec<(maps::PortChunk, maps::PortBits)> {
    let mut chunks: BTreeMap<u32, [u64; 4]> = BTreeMap::new();
    for &(lo, hi) in intervals {
        for port in lo..=hi {
            let bits = chunks.entry(u32::from(port >> 8)).or_default();
            let low = usize::from(port & 0xff);
            bits[low >> 6] |= 1 << (low & 63);
        }
    }
    chunks
        .into_iter()
        .map(|(chunk, bits)| (maps::PortChunk { port_set, chunk }, maps::PortBits { bits }))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::compile::{IdentityEntry, RuleEntry};

    fn rule(identity: u32, protocol: u8, ports: (u16, u16)) -> RuleEntry {
        RuleEntry {
            endpoint: 0,
            direction: "ingress",
            identity,
            protocol,
            ports,
        }
    }

    fn plan(rules: Vec<RuleEntry>, identity_entries: Vec<IdentityEntry>) -> Plan {
        Plan {
            endpoints: Vec::new(),
            identities: Vec::new(),
            identity_entries,
            rules,
            protocols: [6u8, 17].into(),
            not_enforced: Vec::new(),
            unenforceable: crate::node::Unenforceable::Drop,
            discovery: None,
        }
    }

    /// What the classifier decides with these entries.
    fn allows(e: &SlotEntries, identity: u32, protocol: u8, port: u16) -> bool {
        let Some((_, v)) = e
            .rules
            .iter()
            .find(|(k, _)| k.identity == identity && k.protocol == protocol)
        else {
            return false;
        };
        (v.lo..=v.hi).contains(&port)
            || e.ports.iter().any(|(c, bits)| {
                c.port_set == v.port_set && c.chunk == u32::from(port >> 8) && bits.allows(port)
            })
    }

    #[test]
    fn one_interval_is_inline_and_several_share_a_port_set() {
        let several = [(80, 80), (443, 443), (8000, 8999)];
        let mut rules = vec![rule(2, 6, (1, 65535)), rule(3, 17, (53, 53))];
        for identity in [4, 5] {
            rules.extend(several.iter().map(|&p| rule(identity, 6, p)));
        }
        let e = slot_entries(&plan(rules, Vec::new()));
        assert_eq!(e.rules.len(), 4);
        let values: Vec<_> = e.rules.iter().map(|(_, v)| *v).collect();
        assert_eq!(
            values[..2],
            [
                maps::RuleValue {
                    lo: 1,
                    hi: 65535,
                    port_set: maps::NO_PORT_SET
                },
                maps::RuleValue {
                    lo: 53,
                    hi: 53,
                    port_set: maps::NO_PORT_SET
                }
            ]
        );
        // Both identities name set 1, stored once: the chunks of 80 and
        // 443 (0 and 1) and of 8000-8999 (31 to 35).
        assert!(values[2..].iter().all(|v| v.port_set == 1));
        assert_eq!(values[2].lo, 8000);
        let chunks: Vec<u32> = e.ports.iter().map(|(c, _)| c.chunk).collect();
        assert_eq!(chunks, [0, 1, 31, 32, 33, 34, 35]);
        for port in 0..=u16::MAX {
            let want = several.iter().any(|&(lo, hi)| (lo..=hi).contains(&port));
            assert_eq!(allows(&e, 4, 6, port), want, "port {port}");
        }
        assert!(allows(&e, 2, 6, 1) && !allows(&e, 2, 6, 0));
        assert!(!allows(&e, 3, 6, 53) && allows(&e, 3, 17, 53));
    }

    #[test]
    fn whole_addresses_are_hashed_and_ranges_stay_prefixes() {
        let entry = |prefix: &str, role| IdentityEntry {
            prefix: prefix.parse().unwrap(),
            role,
            identity: 7,
            local_endpoint: 0,
        };
        let e = slot_entries(&plan(
            Vec::new(),
            vec![
                entry("10.0.0.1/32", "egress"),
                entry("2001:db8::1/128", "ingress"),
                entry("10.0.0.0/8", "ingress"),
                entry("2001:db8::/32", "egress"),
            ],
        ));
        assert_eq!(e.hosts.len(), 2);
        assert_eq!(e.hosts[0].0.role, maps::EGRESS);
        assert_eq!(e.hosts[1].0.role, maps::INGRESS);
        let bits: Vec<u32> = e.prefixes.iter().map(|p| p.0).collect();
        assert_eq!(
            bits,
            [
                maps::identity_prefix_len(104),
                maps::identity_prefix_len(32)
            ]
        );
    }
}
