//! The keys and values of the maps polctl's tc classifier reads, shared by
//! the kernel program and the loader that fills them.
//!
//! # The maps
//!
//! Every map that holds policy exists twice (`*_0`, `*_1`): the loader
//! fills the slot not in use, then flips [`CONFIG_ACTIVE_SLOT`] in one
//! write, so a packet sees the old policy or the new one, never a mix.
//!
//! * `ENDPOINTS_n`: host-side interface index → [`EndpointInfo`].
//! * `IDENTITIES_n`: LPM trie, [`IdentityAddr`] → [`IdentityInfo`]: the
//!   identity class of a peer address, as Cilium's ipcache. External
//!   ranges are cut differently for senders and receivers, so the key
//!   starts with the role the peer plays.
//! * `POLICY_n`: LPM trie, [`PolicyRule`] → [`PolicyVerdict`]. The prefix
//!   always covers the endpoint, identity, direction and protocol, and a
//!   port range is a handful of port prefixes (as Cilium's policy map since
//!   1.16): one lookup, O(key bits), whatever the number of ranges.
//! * `PROTOCOLS_n`: array of 256 flags: the protocols some policy names.
//!   A packet of any other protocol is looked up as [`PROTO_OTHER`].
//! * `CONNTRACK`: LRU hash, [`FlowKey`] → last seen: connections a policy
//!   allowed, so their replies pass.
//! * `FRAGMENTS`: LRU hash, [`FragmentKey`] → verdict of the first
//!   fragment, for the fragments that carry no L4 header.
//! * `COUNTERS`: per-CPU array of packet counts, see [`counter_index`].
#![no_std]

/// Most endpoints one node enforces for (the counters are sized by it).
pub const MAX_ENDPOINTS: u32 = 1024;
/// Most identity prefixes.
pub const MAX_IDENTITY_PREFIXES: u32 = 1 << 18;
/// Most policy prefixes.
pub const MAX_POLICY_PREFIXES: u32 = 1 << 20;
/// Most tracked connections (least recently used ones are evicted).
pub const MAX_CONNECTIONS: u32 = 65536;
/// Most fragmented datagrams in flight.
pub const MAX_FRAGMENTS: u32 = 8192;

/// Index in the `CONFIG` array of the policy slot in use (0 or 1).
pub const CONFIG_ACTIVE_SLOT: u32 = 0;
/// Entries of the `CONFIG` array.
pub const CONFIG_ENTRIES: u32 = 1;

/// [`IdentityAddr::role`] and [`PolicyRule::direction`]: traffic leaving
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
    /// The endpoint's number (index of counters and policy keys).
    pub endpoint: u32,
    /// The endpoint's identity class (as [`IdentityInfo::identity`]).
    pub identity: u32,
}

/// A policy map key. The fields before `port` are always fully covered by
/// the prefix; `port` is big-endian so a prefix over it is a port range
/// aligned to a power of two. For ICMP and ICMPv6 the port is
/// `type << 8 | code`; for protocols without ports it is 0.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PolicyRule {
    pub endpoint: u32,
    pub identity: u32,
    pub direction: u8,
    pub protocol: u8,
    pub port: [u8; 2],
}

/// Bits of [`PolicyRule`] before the port.
pub const POLICY_FIXED_BITS: u32 = 80;

/// A policy map value.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PolicyVerdict {
    /// [`VERDICT_ALLOW`]; entries exist only for what is allowed, so a
    /// miss is a drop.
    pub verdict: u32,
}

pub const VERDICT_ALLOW: u32 = 1;

/// A connection as its first packet saw it. For ICMP echo, both ports are
/// the echo identifier.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FlowKey {
    pub src: [u8; 16],
    pub dst: [u8; 16],
    pub src_port: u16,
    pub dst_port: u16,
    pub protocol: u8,
    pub pad: [u8; 3],
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
/// Dropped: no policy entry allows it.
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
    unsafe impl aya::Pod for super::PolicyRule {}
    unsafe impl aya::Pod for super::PolicyVerdict {}
    unsafe impl aya::Pod for super::FlowKey {}
    unsafe impl aya::Pod for super::FragmentKey {}
}
