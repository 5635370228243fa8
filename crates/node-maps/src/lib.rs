//! The keys and values of the maps polctl's tc classifier reads, shared by
//! the kernel program and the loader that fills them.
//!
//! # The maps
//!
//! Every map that holds policy exists twice (`*_0`, `*_1`): the loader
//! fills the slot not in use, then flips [`CONFIG_ACTIVE_SLOT`] in one
//! write, so a packet sees the old policy or the new one, never a mix.
//!
//! * `ENDPOINTS_n`: hash, host-side interface index → [`EndpointInfo`],
//!   every endpoint of the slot.
//! * `ENDPOINT_INDEX_n`: array by interface index below
//!   [`ENDPOINT_INDEX_ENTRIES`] → [`EndpointInfo`] (identity 0: none), the
//!   same endpoints without hashing; the classifier asks `ENDPOINTS_n`
//!   only for larger indexes.
//! * `HOSTS_n`: hash, [`IdentityAddr`] → [`IdentityInfo`]: the identity of
//!   a whole address (a pod's, a /32 or /128 range), as Cilium's ipcache.
//!   External ranges are cut differently for senders and receivers, so the
//!   key starts with the role the peer plays.
//! * `IDENTITIES_n`: LPM trie, [`IdentityAddr`] → [`IdentityInfo`]: the
//!   shorter prefixes, looked up only when `HOSTS_n` misses (a whole
//!   address is the longest prefix there is, so the answer is the same).
//! * `RULES_n`: hash, [`RuleKey`] → [`RuleValue`]: what an endpoint may
//!   exchange with a peer identity over a protocol. The value holds one
//!   port interval inline (most rules are one port, one range or every
//!   port) and names the rule's port set when it has more.
//! * `PORTS_n`: hash, [`PortChunk`] → [`PortBits`]: the port sets of more
//!   than one interval, as 256-port bitmaps. Two hash lookups at most,
//!   whatever the number of ranges (Cilium's policy map since 1.16 spends
//!   an LPM walk over the port instead).
//! * `PROTOCOLS_n`: array of 256 flags: the protocols some policy names.
//!   A packet of any other protocol is looked up as [`PROTO_OTHER`].
//! * `CONNTRACK`: LRU hash, [`FlowKey`] → [`Connection`]: IPv6
//!   connections a policy allowed, so their replies pass, and their later
//!   packets pass on one lookup while the policy is the same. The key is
//!   the same for both directions of a connection ([`FlowKey::canonical`]),
//!   so one lookup tells a reply from a packet of the opening side.
//! * `CONNTRACK4`: the same for IPv4, by the 16-byte [`FlowKey4`] (a key
//!   of 40 bytes costs about 20 ns more per lookup).
//! * `FRAGMENTS`: LRU hash, [`FragmentKey`] → verdict of the first
//!   fragment, for the fragments that carry no L4 header.
//! * `COUNTERS`: per-CPU array of packet counts, see [`counter_index`].
#![no_std]

/// Most endpoints one node enforces for (the counters are sized by it).
pub const MAX_ENDPOINTS: u32 = 1024;
/// Interface indexes the classifier finds by array (8 bytes each, per
/// slot); an endpoint on a larger index is found by hash.
pub const ENDPOINT_INDEX_ENTRIES: u32 = 1 << 16;
/// Most identity prefixes.
pub const MAX_IDENTITY_PREFIXES: u32 = 1 << 18;
/// Most whole addresses with an identity.
pub const MAX_HOSTS: u32 = 1 << 18;
/// Most (endpoint, peer identity, direction, protocol) rules.
pub const MAX_RULES: u32 = 1 << 20;
/// Most 256-port bitmaps of port sets.
pub const MAX_PORT_CHUNKS: u32 = 1 << 18;
/// Hash map flag: allocate entries as they are inserted (the big policy
/// maps are mostly empty).
pub const NO_PREALLOC: u32 = 1;
/// Most tracked connections (least recently used ones are evicted).
pub const MAX_CONNECTIONS: u32 = 65536;
/// Most fragmented datagrams in flight.
pub const MAX_FRAGMENTS: u32 = 8192;

/// Index in the `CONFIG` array of the policy version: incremented by every
/// attach, in one write. Its low bit is the slot in use ([`active_slot`]);
/// a tracked connection remembers the version that allowed it.
pub const CONFIG_ACTIVE_SLOT: u32 = 0;

/// The policy slot (0 or 1) that version `version` uses.
pub const fn active_slot(version: u32) -> u32 {
    version & 1
}
/// Entries of the `CONFIG` array.
pub const CONFIG_ENTRIES: u32 = 1;

/// [`IdentityAddr::role`] and [`RuleKey::direction`]: traffic leaving
/// the endpoint (the peer is the destination).
pub const EGRESS: u8 = 0;
/// Traffic entering the endpoint (the peer is the source).
pub const INGRESS: u8 = 1;

/// The protocol number under which protocols that no policy names are
/// looked up (255 is reserved by IANA).
pub const PROTO_OTHER: u8 = 255;

/// A peer address, IPv4 as IPv4-mapped IPv6 (`::ffff:a.b.c.d`).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IdentityAddr {
    /// [`EGRESS`]: the peer receives; [`INGRESS`]: the peer sends.
    pub role: u8,
    pub addr: [u8; 16],
}

/// Bits of [`IdentityAddr`] an LPM prefix of `addr_bits` bits of the
/// IPv6 (or mapped IPv4) address covers.
pub const fn identity_prefix_len(addr_bits: u32) -> u32 {
    8 + addr_bits
}

/// What an address stands for.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IdentityInfo {
    /// The identity class (index into the verdict matrix's classes, plus
    /// one; 0 is never used).
    pub identity: u32,
    /// The local endpoint that owns the address (its number plus one), or
    /// 0: the connection is decided on this side alone.
    pub local_endpoint: u32,
}

/// A local endpoint, by its host-side interface.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EndpointInfo {
    /// The endpoint's number (index of counters and rule keys).
    pub endpoint: u32,
    /// The endpoint's identity class (as [`IdentityInfo::identity`]).
    pub identity: u32,
}

/// A rules map key.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleKey {
    pub endpoint: u32,
    pub identity: u32,
    pub direction: u8,
    /// The IP protocol, or [`PROTO_OTHER`].
    pub protocol: u8,
    pub pad: [u8; 2],
}

/// A rules map value: the ports allowed. For ICMP and ICMPv6 a port is
/// `type << 8 | code`; protocols without ports are looked up as port 0.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RuleValue {
    /// One allowed interval, inclusive.
    pub lo: u16,
    pub hi: u16,
    /// The port set in `PORTS_n` holding every allowed port, or
    /// [`NO_PORT_SET`] when the interval is all there is.
    pub port_set: u32,
}

/// [`RuleValue::port_set`]: the inline interval is the whole set.
pub const NO_PORT_SET: u32 = 0;

/// A ports map key: ports `chunk << 8 ..= chunk << 8 | 255` of a set.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PortChunk {
    pub port_set: u32,
    pub chunk: u32,
}

/// A ports map value: bit `port & 255` (of word `(port & 255) / 64`) is
/// set when the port is allowed. Chunks without an allowed port are left
/// out.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PortBits {
    pub bits: [u64; 4],
}

impl PortBits {
    pub const fn allows(&self, port: u16) -> bool {
        let low = (port & 0xff) as usize;
        self.bits[low >> 6] & (1 << (low & 63)) != 0
    }
}

/// A connection, the same for both of its directions: the end with the
/// smaller (address, port) is `src` ([`FlowKey::canonical`]). For ICMP
/// echo, both ports are the echo identifier.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub src_port: u16,
    pub dst_port: u16,
    pub protocol: u8,
    /// Padding (two fields: a 3-byte array costs the classifier a
    /// `memset` call per packet).
    pub pad: u8,
    pub pad2: u16,
}

/// An IPv4 connection, the same for both directions (as [`FlowKey`]).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey4 {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub src_port: u16,
    pub dst_port: u16,
    pub protocol: u8,
    /// Padding (two fields: a 3-byte array costs the classifier a
    /// `memset` call per packet).
    pub pad: u8,
    pub pad2: u16,
}

impl FlowKey {
    /// The key of the connection a packet from `src`:`src_port` to
    /// `dst`:`dst_port` belongs to, and whether its ends were swapped to
    /// make it (the packet goes from the larger end to the smaller).
    #[inline(always)]
    pub fn canonical(
        src: &[u8; 16],
        dst: &[u8; 16],
        src_port: u16,
        dst_port: u16,
        protocol: u8,
    ) -> (FlowKey, bool) {
        // The first byte that differs decides (straight code: no memcmp
        // in the kernel).
        let mut order = 0i32;
        let mut i = 0;
        while i < 16 {
            if order == 0 {
                order = src[i] as i32 - dst[i] as i32;
            }
            i += 1;
        }
        if order == 0 {
            order = src_port as i32 - dst_port as i32;
        }
        let swapped = order > 0;
        let (a, b, a_port, b_port) = if swapped {
            (dst, src, dst_port, src_port)
        } else {
            (src, dst, src_port, dst_port)
        };
        let key = FlowKey {
            src: *a,
            dst: *b,
            src_port: a_port,
            dst_port: b_port,
            protocol,
            pad: 0,
            pad2: 0,
        };
        (key, swapped)
    }
}

impl FlowKey4 {
    /// As [`FlowKey::canonical`], for IPv4.
    #[inline(always)]
    pub fn canonical(
        src: [u8; 4],
        dst: [u8; 4],
        src_port: u16,
        dst_port: u16,
        protocol: u8,
    ) -> (FlowKey4, bool) {
        let swapped = (u32::from_ne_bytes(src), src_port) > (u32::from_ne_bytes(dst), dst_port);
        let key = if swapped {
            FlowKey4 {
                src: dst,
                dst: src,
                src_port: dst_port,
                dst_port: src_port,
                protocol,
                pad: 0,
                pad2: 0,
            }
        } else {
            FlowKey4 {
                src,
                dst,
                src_port,
                dst_port,
                protocol,
                pad: 0,
                pad2: 0,
            }
        };
        (key, swapped)
    }
}

/// A tracked connection: what allowed it, and which end opened it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Connection {
    /// The policy version that allowed it ([`CONFIG_ACTIVE_SLOT`]).
    pub version: u32,
    /// The endpoint and direction of the hook that allowed it: only that
    /// hook lets the opening side's packets pass without a policy lookup.
    pub endpoint: u32,
    pub direction: u8,
    /// 1 when the opening side is the key's `dst` (the key was swapped).
    pub swapped: u8,
    pub pad: [u8; 2],
}

/// A fragmented datagram at one endpoint's hook (the two ends of a
/// connection decide apart).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FragmentKey {
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub id: u32,
    pub endpoint: u32,
    pub protocol: u8,
    pub direction: u8,
    pub pad: [u8; 2],
}

/// What happened to a packet, counted per endpoint and direction.
pub const COUNT_ALLOWED: u32 = 0;
/// Passed as the reply of a tracked connection.
pub const COUNT_REPLY: u32 = 1;
/// Dropped: no rule allows it.
pub const COUNT_DENIED: u32 = 2;
/// A non-first fragment whose first fragment was not seen (dropped).
pub const COUNT_FRAGMENT_DROPPED: u32 = 3;
/// Passed without a policy lookup: ARP, IPv6 neighbour discovery.
pub const COUNT_INFRASTRUCTURE: u32 = 4;
/// Verdict kinds.
pub const COUNTS: u32 = 5;
/// Entries of the counters array.
pub const COUNTER_ENTRIES: u32 = MAX_ENDPOINTS * 2 * COUNTS;

/// Index of a counter in the counters array.
pub const fn counter_index(endpoint: u32, direction: u8, count: u32) -> u32 {
    (endpoint * 2 + direction as u32) * COUNTS + count
}

#[cfg(feature = "user")]
mod user {
    // SAFETY: all are `repr(C)` plain data without padding bytes that the
    // kernel could misread (padding is explicit).
    unsafe impl aya::Pod for super::IdentityAddr {}
    unsafe impl aya::Pod for super::IdentityInfo {}
    unsafe impl aya::Pod for super::EndpointInfo {}
    unsafe impl aya::Pod for super::RuleKey {}
    unsafe impl aya::Pod for super::RuleValue {}
    unsafe impl aya::Pod for super::PortChunk {}
    unsafe impl aya::Pod for super::PortBits {}
    unsafe impl aya::Pod for super::FlowKey {}
    unsafe impl aya::Pod for super::FlowKey4 {}
    unsafe impl aya::Pod for super::Connection {}
    unsafe impl aya::Pod for super::FragmentKey {}
}
