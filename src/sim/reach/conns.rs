//! Sets of connections: per protocol, the ports (or ICMP types) allowed, as
//! sorted disjoint inclusive intervals.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use serde::Serialize;

use crate::model::{IpFamily, Proto};

/// Sorted, disjoint, non-adjacent inclusive intervals of `u16`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortSet(Vec<(u16, u16)>);

impl PortSet {
    pub fn new() -> Self {
        PortSet(Vec::new())
    }

    pub fn intervals(&self) -> &[(u16, u16)] {
        &self.0
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn contains(&self, v: u16) -> bool {
        self.0.iter().any(|&(lo, hi)| lo <= v && v <= hi)
    }

    /// Adds `lo..=hi`, merging with overlapping or adjacent intervals.
    pub(crate) fn insert(&mut self, lo: u16, hi: u16) {
        if lo > hi {
            return;
        }
        let (mut lo, mut hi) = (lo, hi);
        let mut out = Vec::with_capacity(self.0.len() + 1);
        let mut placed = false;
        for &(a, b) in &self.0 {
            if u32::from(b) + 1 < u32::from(lo) {
                out.push((a, b));
            } else if u32::from(hi) + 1 < u32::from(a) {
                if !placed {
                    out.push((lo, hi));
                    placed = true;
                }
                out.push((a, b));
            } else {
                lo = lo.min(a);
                hi = hi.max(b);
            }
        }
        if !placed {
            out.push((lo, hi));
        }
        self.0 = out;
    }

    pub(crate) fn union(&self, other: &PortSet) -> PortSet {
        let mut out = self.clone();
        for &(lo, hi) in &other.0 {
            out.insert(lo, hi);
        }
        out
    }

    pub(crate) fn intersect(&self, other: &PortSet) -> PortSet {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.0.len() && j < other.0.len() {
            let (a, b) = self.0[i];
            let (c, d) = other.0[j];
            let lo = a.max(c);
            let hi = b.min(d);
            if lo <= hi {
                out.push((lo, hi));
            }
            if b < d {
                i += 1;
            } else {
                j += 1;
            }
        }
        PortSet(out)
    }

    /// The values of `self` not in `other`.
    pub(crate) fn difference(&self, other: &PortSet) -> PortSet {
        let mut out = PortSet::new();
        for &(lo, hi) in &self.0 {
            let mut from = u32::from(lo);
            for &(a, b) in &other.0 {
                if u32::from(b) < from || u32::from(a) > u32::from(hi) {
                    continue;
                }
                if u32::from(a) > from {
                    out.0.push((from as u16, a - 1));
                }
                from = u32::from(b) + 1;
            }
            if from <= u32::from(hi) {
                out.0.push((from as u16, hi));
            }
        }
        out
    }

    /// Whether the set is exactly `lo..=hi`.
    pub(crate) fn is_exactly(&self, lo: u16, hi: u16) -> bool {
        self.0 == [(lo, hi)]
    }
}

impl fmt::Display for PortSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(lo, hi)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if lo == hi {
                write!(f, "{lo}")?;
            } else {
                write!(f, "{lo}-{hi}")?;
            }
        }
        Ok(())
    }
}

/// Protocols whose connections are told apart by destination port.
pub(crate) const PORT_PROTOCOLS: [Proto; 3] = [Proto::TCP, Proto::UDP, Proto::SCTP];

/// The domain of a protocol's set: ports 1-65535; for ICMP and ICMPv6,
/// `type << 8 | code`; `0` alone (allowed or not) for any other protocol.
pub(crate) fn domain(proto: Proto) -> (u16, u16) {
    if PORT_PROTOCOLS.contains(&proto) {
        (1, u16::MAX)
    } else if is_icmp(proto) {
        (0, u16::MAX)
    } else {
        (0, 0)
    }
}

pub(crate) fn is_icmp(proto: Proto) -> bool {
    proto == Proto::ICMP || proto == Proto::ICMPV6
}

/// The ICMP a family's flows carry: IPv6 has ICMPv6 in place of ICMP.
pub(crate) fn icmp_of(family: IpFamily) -> Proto {
    match family {
        IpFamily::V4 => Proto::ICMP,
        IpFamily::V6 => Proto::ICMPV6,
    }
}

/// The protocols whose connections a flow of `family` tells apart piece
/// by piece: TCP, UDP, SCTP and the family's ICMP. Any other protocol is
/// allowed or not as a whole.
pub(crate) fn listed_protocols(family: IpFamily) -> [Proto; 4] {
    let [tcp, udp, sctp] = PORT_PROTOCOLS;
    [tcp, udp, sctp, icmp_of(family)]
}

/// Everything a flow of `family` can carry: every port of TCP, UDP and
/// SCTP, every type and code of the family's ICMP, and every other
/// protocol.
pub(crate) fn everything(family: IpFamily) -> &'static Conns {
    // Built once: `is_all` asks for both on every edge it reads.
    static EVERYTHING: LazyLock<[Conns; 2]> =
        LazyLock::new(|| [IpFamily::V4, IpFamily::V6].map(build_everything));
    match family {
        IpFamily::V4 => &EVERYTHING[0],
        IpFamily::V6 => &EVERYTHING[1],
    }
}

fn build_everything(family: IpFamily) -> Conns {
    let mut all = Conns {
        protocols: BTreeMap::new(),
        other: true,
    };
    for p in listed_protocols(family) {
        let (lo, hi) = domain(p);
        all.add(p, lo, hi);
    }
    all
}

/// The ICMP part of a set as `type` and `type/code` items: `0,3/4,8-11`.
fn icmp_items(set: &PortSet) -> String {
    let mut items = Vec::new();
    for &(lo, hi) in set.intervals() {
        let (t0, c0, t1, c1) = (lo >> 8, lo & 0xff, hi >> 8, hi & 0xff);
        if t0 == t1 {
            items.push(if c0 == 0 && c1 == 0xff {
                t0.to_string()
            } else {
                codes(t0, c0, c1)
            });
            continue;
        }
        // A partial first type, whole types, a partial last type.
        let mut first_whole = t0;
        if c0 != 0 {
            items.push(codes(t0, c0, 0xff));
            first_whole += 1;
        }
        let last_whole = if c1 == 0xff { t1 } else { t1 - 1 };
        if first_whole == last_whole {
            items.push(first_whole.to_string());
        } else if first_whole < last_whole {
            items.push(format!("{first_whole}-{last_whole}"));
        }
        if c1 != 0xff {
            items.push(codes(t1, 0, c1));
        }
    }
    items.join(",")
}

fn codes(t: u16, lo: u16, hi: u16) -> String {
    if lo == hi {
        format!("{t}/{lo}")
    } else {
        format!("{t}/{lo}-{hi}")
    }
}

/// `TCP`, `ICMP`, or `protocol 47`.
pub(crate) fn proto_name(proto: Proto) -> String {
    match proto {
        Proto::TCP | Proto::UDP | Proto::SCTP | Proto::ICMP | Proto::ICMPV6 | Proto::UDPLITE => {
            proto.to_string()
        }
        Proto(n) => format!("protocol {n}"),
    }
}

/// Allowed connections between two peers: per protocol named in the
/// policies (and TCP, UDP, SCTP and the flow family's ICMP always) the ports
/// or ICMP types, and whether every protocol no policy names is allowed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Conns {
    pub protocols: BTreeMap<Proto, PortSet>,
    /// Protocols the policies never name (GRE, ESP, ...) are allowed.
    pub other: bool,
}

impl Conns {
    pub(crate) fn is_empty(&self) -> bool {
        !self.other && self.protocols.values().all(PortSet::is_empty)
    }

    /// Every protocol on every port: every protocol listed is whole, and
    /// the set holds everything of one address family. A flow stays within
    /// one family, so an edge computed over IPv6 never lists ICMP, nor one
    /// over IPv4 ICMPv6.
    pub fn is_all(&self) -> bool {
        self.protocols.iter().all(|(p, set)| {
            let (lo, hi) = domain(*p);
            set.is_exactly(lo, hi)
        }) && [IpFamily::V4, IpFamily::V6]
            .into_iter()
            .any(|family| self.covers(everything(family)))
    }

    /// Whether every connection of `other` is in `self`.
    pub(crate) fn covers(&self, other: &Conns) -> bool {
        (self.other || !other.other)
            && other.protocols.iter().all(|(p, set)| {
                set.is_empty()
                    || self
                        .protocols
                        .get(p)
                        .is_some_and(|mine| set.difference(mine).is_empty())
            })
    }

    pub(crate) fn ports(&self, proto: Proto) -> Option<&PortSet> {
        self.protocols.get(&proto).filter(|s| !s.is_empty())
    }

    pub(crate) fn add(&mut self, proto: Proto, lo: u16, hi: u16) {
        self.protocols.entry(proto).or_default().insert(lo, hi);
    }

    pub(crate) fn intersect(&self, other: &Conns) -> Conns {
        let mut protocols = BTreeMap::new();
        for (p, a) in &self.protocols {
            if let Some(b) = other.protocols.get(p) {
                let both = a.intersect(b);
                if !both.is_empty() {
                    protocols.insert(*p, both);
                }
            }
        }
        Conns {
            protocols,
            other: self.other && other.other,
        }
    }

    pub(crate) fn union(&self, other: &Conns) -> Conns {
        let mut protocols = self.protocols.clone();
        for (p, b) in &other.protocols {
            let merged = protocols.get(p).map_or_else(|| b.clone(), |a| a.union(b));
            protocols.insert(*p, merged);
        }
        Conns {
            protocols,
            other: self.other || other.other,
        }
    }

    /// The connections of `self` not in `other`. Both must come from
    /// policies cut at the same protocols (`other` then means the same
    /// protocols on both sides).
    pub(crate) fn difference(&self, other: &Conns) -> Conns {
        let mut protocols = BTreeMap::new();
        for (p, a) in &self.protocols {
            let rest = match other.protocols.get(p) {
                Some(b) => a.difference(b),
                None => a.clone(),
            };
            if !rest.is_empty() {
                protocols.insert(*p, rest);
            }
        }
        Conns {
            protocols,
            other: self.other && !other.other,
        }
    }

    /// `["TCP 80,443", "UDP 53", "ICMP 0,8", "other protocols"]`, or
    /// `["all"]` for everything.
    pub(crate) fn describe(&self) -> Vec<String> {
        if self.is_all() {
            return vec!["all".to_string()];
        }
        let mut out = Vec::new();
        // TCP, UDP, SCTP first, as users read them; then by number.
        let order = PORT_PROTOCOLS.iter().copied().chain(
            self.protocols
                .keys()
                .copied()
                .filter(|p| !PORT_PROTOCOLS.contains(p)),
        );
        for p in order {
            let Some(set) = self.ports(p) else { continue };
            let (lo, hi) = domain(p);
            if (lo, hi) == (0, 0) || (set.is_exactly(lo, hi) && is_icmp(p)) {
                out.push(proto_name(p));
            } else if is_icmp(p) {
                out.push(format!("{p} {}", icmp_items(set)));
            } else {
                out.push(format!("{p} {set}"));
            }
        }
        if self.other {
            out.push("other protocols".to_string());
        }
        out
    }
}

impl fmt::Display for Conns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = self.describe();
        if parts.is_empty() {
            f.write_str("none")
        } else {
            f.write_str(&parts.join(", "))
        }
    }
}

impl Serialize for Conns {
    /// `"all"` or the list of `describe` strings.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.is_all() {
            s.serialize_str("all")
        } else {
            self.describe().serialize(s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn inserting_merges_overlapping_and_adjacent_ranges() {
        let mut s = PortSet::new();
        s.insert(80, 80);
        s.insert(443, 443);
        s.insert(81, 90);
        s.insert(8000, 8080);
        s.insert(444, 500);
        assert_eq!(s.to_string(), "80-90,443-500,8000-8080");
        s.insert(1, 65535);
        assert!(s.is_exactly(1, 65535));
    }

    #[test]
    fn conns_read_as_all_only_when_every_protocol_is_whole() {
        let mut c = Conns::default();
        for p in PORT_PROTOCOLS {
            c.add(p, 1, 65535);
        }
        c.add(Proto::ICMP, 0, u16::MAX);
        assert_eq!(
            c.describe(),
            ["TCP 1-65535", "UDP 1-65535", "SCTP 1-65535", "ICMP"]
        );
        c.other = true;
        assert_eq!(c.describe(), ["all"]);
        let mut web = Conns::default();
        web.add(Proto::TCP, 80, 80);
        web.add(Proto::TCP, 8000, 8080);
        web.add(Proto::UDP, 53, 53);
        assert_eq!(web.describe(), ["TCP 80,8000-8080", "UDP 53"]);
        assert_eq!(c.intersect(&web), web);
        assert_eq!(serde_json::to_string(&c).unwrap(), "\"all\"");
    }

    #[test]
    fn everything_of_either_family_reads_as_all() {
        for family in [IpFamily::V4, IpFamily::V6] {
            let all = everything(family);
            assert!(all.is_all(), "{family:?}");
            assert_eq!(all.describe(), ["all"]);
            assert_eq!(serde_json::to_string(all).unwrap(), "\"all\"");
            // Short of any one piece, it is not everything.
            let mut no_other = all.clone();
            no_other.other = false;
            assert!(!no_other.is_all());
            let mut no_icmp = all.clone();
            no_icmp.protocols.remove(&icmp_of(family));
            assert!(!no_icmp.is_all());
            let mut no_echo = all.clone();
            no_echo.protocols.insert(icmp_of(family), {
                let mut s = PortSet::new();
                s.insert(0, 8 << 8 | 0xff);
                s
            });
            assert!(!no_echo.is_all());
        }
        // Every protocol of one family plus a part of the other's ICMP is
        // not every protocol on every port.
        let mut both = everything(IpFamily::V6).clone();
        both.add(Proto::ICMP, 8 << 8, 8 << 8 | 0xff);
        assert!(!both.is_all());
        both.add(Proto::ICMP, 0, u16::MAX);
        assert!(both.is_all());
        assert!(everything(IpFamily::V6).covers(everything(IpFamily::V6)));
        assert!(!everything(IpFamily::V4).covers(everything(IpFamily::V6)));
        let mut web = Conns::default();
        web.add(Proto::TCP, 80, 80);
        assert!(everything(IpFamily::V4).covers(&web));
        assert!(!web.covers(everything(IpFamily::V4)));
    }

    #[test]
    fn icmp_sets_read_as_types_and_codes() {
        let mut c = Conns::default();
        c.add(Proto::ICMP, 0, 0xff); // echo reply, every code
        c.add(Proto::ICMP, 3 << 8 | 4, 3 << 8 | 4); // frag needed
        c.add(Proto::ICMP, 8 << 8, 11 << 8 | 0xff);
        c.add(Proto(47), 0, 0);
        assert_eq!(c.describe(), ["ICMP 0,3/4,8-11", "protocol 47"]);
        let mut partial = Conns::default();
        partial.add(Proto::ICMPV6, 128 << 8 | 2, 130 << 8 | 1);
        assert_eq!(partial.describe(), ["ICMPv6 128/2-255,129,130/0-1"]);
    }

    fn model(set: &PortSet) -> Vec<bool> {
        (0..=300u16).map(|v| set.contains(v)).collect()
    }

    proptest! {
        #[test]
        fn set_operations_agree_with_membership(
            a in proptest::collection::vec((0u16..300, 0u16..40), 0..8),
            b in proptest::collection::vec((0u16..300, 0u16..40), 0..8),
        ) {
            let build = |v: &[(u16, u16)]| {
                let mut s = PortSet::new();
                for &(lo, len) in v {
                    s.insert(lo, lo.saturating_add(len).min(300));
                }
                s
            };
            let (x, y) = (build(&a), build(&b));
            let (mx, my) = (model(&x), model(&y));
            let union: Vec<bool> = mx.iter().zip(&my).map(|(p, q)| *p || *q).collect();
            let inter: Vec<bool> = mx.iter().zip(&my).map(|(p, q)| *p && *q).collect();
            prop_assert_eq!(model(&x.union(&y)), union);
            prop_assert_eq!(model(&x.intersect(&y)), inter);
            let minus: Vec<bool> = mx.iter().zip(&my).map(|(p, q)| *p && !*q).collect();
            let d = x.difference(&y);
            prop_assert_eq!(model(&d), minus);
            for w in d.intervals().windows(2) {
                prop_assert!(u32::from(w[0].1) + 1 < u32::from(w[1].0));
            }
            // Canonical form: sorted, disjoint, not adjacent.
            for w in x.intervals().windows(2) {
                prop_assert!(u32::from(w[0].1) + 1 < u32::from(w[1].0));
            }
        }
    }
}
