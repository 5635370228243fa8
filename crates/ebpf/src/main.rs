//! polctl's tc classifier: attached to the host side of each local
//! endpoint's interface, `from_endpoint` on tc ingress (what the endpoint
//! sends: its egress policy) and `to_endpoint` on tc egress (what it
//! receives: its ingress policy). Verdicts come from maps that polctl
//! compiles from the verdict matrix; the map layout is documented in
//! `polctl-node-maps`.
//!
//! Decisions the policies leave open:
//! * ARP, other non-IP frames and IPv6 neighbour discovery (ICMPv6 133-137)
//!   pass: policies speak of IP connections, and a pod without them has
//!   no network at all.
//! * A fragment that is not the first carries no L4 header: it shares the
//!   verdict of its datagram's first fragment at this hook (remembered by
//!   source, destination, identification and protocol, as Cilium's
//!   fragment tracking), and is dropped when that was not seen.
//! * A packet the policy does not allow still passes when it is the reply
//!   of a connection a policy allowed (a tracked flow in the opposite
//!   direction). A connection is tracked where it is finally decided: at
//!   the destination's hook when the destination is local, else at the
//!   source's. Every allowed packet of the opening side is tracked, not
//!   only the first, so a connection opened before the attach keeps its
//!   replies.
//! * Conntrack is asked first: one lookup (the key is the same for both
//!   directions) passes a reply, and passes the opening side's packets at
//!   the hook that tracked them while the policy version that allowed them
//!   is in force; any other packet, and every packet after a policy
//!   update, is decided by the policy. A packet that only opens (TCP SYN
//!   without ACK, ICMP echo request) is never a reply: it goes to the
//!   policy first, and a denied one costs no conntrack lookup.
#![cfg_attr(target_arch = "bpf", no_std)]
#![cfg_attr(target_arch = "bpf", no_main)]

#[cfg(target_arch = "bpf")]
mod program {
    use aya_ebpf::bindings::{TC_ACT_OK, TC_ACT_SHOT};
    use aya_ebpf::macros::{classifier, map};
    use aya_ebpf::maps::lpm_trie::Key;
    use aya_ebpf::maps::{Array, HashMap, LpmTrie, LruHashMap, PerCpuArray};
    use aya_ebpf::programs::TcContext;
    use network_types::eth::EthHdr;
    use polctl_node_maps::*;

    #[map]
    static CONFIG: Array<u32> = Array::with_max_entries(CONFIG_ENTRIES, 0);
    #[map]
    static ENDPOINTS_0: HashMap<u32, EndpointInfo> = HashMap::with_max_entries(MAX_ENDPOINTS, 0);
    #[map]
    static ENDPOINTS_1: HashMap<u32, EndpointInfo> = HashMap::with_max_entries(MAX_ENDPOINTS, 0);
    #[map]
    static ENDPOINT_INDEX_0: Array<EndpointInfo> =
        Array::with_max_entries(ENDPOINT_INDEX_ENTRIES, 0);
    #[map]
    static ENDPOINT_INDEX_1: Array<EndpointInfo> =
        Array::with_max_entries(ENDPOINT_INDEX_ENTRIES, 0);
    #[map]
    static HOSTS_0: HashMap<IdentityAddr, IdentityInfo> =
        HashMap::with_max_entries(MAX_HOSTS, NO_PREALLOC);
    #[map]
    static HOSTS_1: HashMap<IdentityAddr, IdentityInfo> =
        HashMap::with_max_entries(MAX_HOSTS, NO_PREALLOC);
    #[map]
    static IDENTITIES_0: LpmTrie<IdentityAddr, IdentityInfo> =
        LpmTrie::with_max_entries(MAX_IDENTITY_PREFIXES, 0);
    #[map]
    static IDENTITIES_1: LpmTrie<IdentityAddr, IdentityInfo> =
        LpmTrie::with_max_entries(MAX_IDENTITY_PREFIXES, 0);
    #[map]
    static RULES_0: HashMap<RuleKey, RuleValue> = HashMap::with_max_entries(MAX_RULES, NO_PREALLOC);
    #[map]
    static RULES_1: HashMap<RuleKey, RuleValue> = HashMap::with_max_entries(MAX_RULES, NO_PREALLOC);
    #[map]
    static PORTS_0: HashMap<PortChunk, PortBits> =
        HashMap::with_max_entries(MAX_PORT_CHUNKS, NO_PREALLOC);
    #[map]
    static PORTS_1: HashMap<PortChunk, PortBits> =
        HashMap::with_max_entries(MAX_PORT_CHUNKS, NO_PREALLOC);
    #[map]
    static PROTOCOLS_0: Array<u8> = Array::with_max_entries(256, 0);
    #[map]
    static PROTOCOLS_1: Array<u8> = Array::with_max_entries(256, 0);
    #[map]
    static CONNTRACK: LruHashMap<FlowKey, Connection> =
        LruHashMap::with_max_entries(MAX_CONNECTIONS, 0);
    #[map]
    static CONNTRACK4: LruHashMap<FlowKey4, Connection> =
        LruHashMap::with_max_entries(MAX_CONNECTIONS, 0);
    #[map]
    static FRAGMENTS: LruHashMap<FragmentKey, u32> = LruHashMap::with_max_entries(MAX_FRAGMENTS, 0);
    #[map]
    static COUNTERS: PerCpuArray<u64> = PerCpuArray::with_max_entries(COUNTER_ENTRIES, 0);

    const ETH_P_IP: u16 = 0x0800;
    const ETH_P_IPV6: u16 = 0x86dd;
    const TCP: u8 = 6;
    const UDP: u8 = 17;
    const SCTP: u8 = 132;
    const ICMP: u8 = 1;
    const ICMPV6: u8 = 58;
    /// IPv6 extension headers walked before the upper-layer header.
    const MAX_EXTENSION_HEADERS: usize = 8;

    /// Where a fragment lies in its datagram.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Fragment {
        Whole,
        First,
        Later,
    }

    /// A parsed packet. It never leaves the program's main function (IPv6
    /// conntrack gets a [`Tuple6`], fragments their key), so the compiler
    /// drops the zeroing of `src` and `dst` for IPv4 packets; passed to a
    /// function of its own it cost every packet, ARP included, two
    /// `memset` calls, 5-8 ns.
    struct Packet {
        src: [u8; 16],
        dst: [u8; 16],
        /// IPv4: the addresses are `src4` and `dst4` ([`src`] and [`dst`]
        /// map them to IPv6 where needed); else `src` and `dst`.
        v4: bool,
        src4: [u8; 4],
        dst4: [u8; 4],
        protocol: u8,
        fragment: Fragment,
        fragment_id: u32,
        /// Source and destination port (for ICMP echo, the identifier in
        /// both).
        src_port: u16,
        dst_port: u16,
        /// The policy's port: the destination port, or ICMP type << 8 | code.
        policy_port: u16,
        /// May belong to a tracked connection (not: ICMP but echo).
        tracked: bool,
        /// Opens a connection (TCP SYN without ACK, ICMP echo request):
        /// never a reply.
        opening: bool,
        /// Tracked as a connection when allowed (ICMP: echo requests only).
        trackable: bool,
    }

    enum Parsed {
        Packet(Packet),
        /// ARP, other non-IP frames, neighbour discovery.
        Infrastructure,
        Malformed,
    }

    #[classifier]
    pub fn from_endpoint(ctx: TcContext) -> i32 {
        decide(&ctx, EGRESS)
    }

    #[classifier]
    pub fn to_endpoint(ctx: TcContext) -> i32 {
        decide(&ctx, INGRESS)
    }

    /// The maps of one policy slot.
    struct Slot {
        endpoints: &'static HashMap<u32, EndpointInfo>,
        endpoint_index: &'static Array<EndpointInfo>,
        hosts: &'static HashMap<IdentityAddr, IdentityInfo>,
        identities: &'static LpmTrie<IdentityAddr, IdentityInfo>,
        rules: &'static HashMap<RuleKey, RuleValue>,
        ports: &'static HashMap<PortChunk, PortBits>,
        protocols: &'static Array<u8>,
    }

    const SLOT_0: Slot = Slot {
        endpoints: &ENDPOINTS_0,
        endpoint_index: &ENDPOINT_INDEX_0,
        hosts: &HOSTS_0,
        identities: &IDENTITIES_0,
        rules: &RULES_0,
        ports: &PORTS_0,
        protocols: &PROTOCOLS_0,
    };
    const SLOT_1: Slot = Slot {
        endpoints: &ENDPOINTS_1,
        endpoint_index: &ENDPOINT_INDEX_1,
        hosts: &HOSTS_1,
        identities: &IDENTITIES_1,
        rules: &RULES_1,
        ports: &PORTS_1,
        protocols: &PROTOCOLS_1,
    };

    /// The endpoint behind the interface the packet is on.
    #[inline(always)]
    fn endpoint_of(ctx: &TcContext, slot: &Slot) -> Option<u32> {
        // SAFETY: the context's socket buffer is valid for the program's run.
        let ifindex = unsafe { (*ctx.skb.skb).ifindex };
        // An array read for the usual small indexes, a hash for the rest.
        let ep = if ifindex < ENDPOINT_INDEX_ENTRIES {
            slot.endpoint_index.get(ifindex).filter(|e| e.identity != 0)
        } else {
            unsafe { slot.endpoints.get(&ifindex) }
        };
        ep.map(|e| e.endpoint)
    }

    /// Whether the rules let `endpoint` exchange `protocol` on `port` with
    /// `identity`: one hash lookup, a second one only for a port set of
    /// more than one interval.
    #[inline(always)]
    fn allows(slot: &Slot, key: &RuleKey, port: u16) -> bool {
        let Some(rule) = (unsafe { slot.rules.get(key) }) else {
            return false;
        };
        if rule.lo <= port && port <= rule.hi {
            return true;
        }
        if rule.port_set == NO_PORT_SET {
            return false;
        }
        let chunk = PortChunk {
            port_set: rule.port_set,
            chunk: (port >> 8) as u32,
        };
        unsafe { slot.ports.get(&chunk) }.is_some_and(|bits| bits.allows(port))
    }

    /// Each slot's maps are named in code of their own (the verifier
    /// inlines a lookup only when its call site always sees one map); the
    /// rest is shared.
    #[inline(always)]
    fn decide(ctx: &TcContext, direction: u8) -> i32 {
        let version = CONFIG.get(CONFIG_ACTIVE_SLOT).copied().unwrap_or(0);
        let first_slot = active_slot(version) == 0;
        let ep = if first_slot {
            endpoint_of(ctx, &SLOT_0)
        } else {
            endpoint_of(ctx, &SLOT_1)
        };
        // An interface polctl does not know (left over from an earlier
        // attach) is not an endpoint's: nothing to enforce.
        let Some(endpoint) = ep else {
            return TC_ACT_OK as i32;
        };
        let p = match parse(ctx) {
            Parsed::Packet(p) => p,
            Parsed::Infrastructure => {
                count(endpoint, direction, COUNT_INFRASTRUCTURE);
                return TC_ACT_OK as i32;
            }
            Parsed::Malformed => {
                count(endpoint, direction, COUNT_DENIED);
                return TC_ACT_SHOT as i32;
            }
        };

        if p.fragment == Fragment::Later {
            return later_fragment(&fragment_key(&p, endpoint, direction), endpoint, direction);
        }

        let hook = Hook {
            version,
            endpoint,
            direction,
        };
        let outcome = decide_ip(&p, &hook, first_slot);
        if p.fragment == Fragment::First {
            first_fragment(&fragment_key(&p, endpoint, direction), outcome);
        }
        count(endpoint, direction, outcome);
        if outcome == COUNT_DENIED {
            TC_ACT_SHOT as i32
        } else {
            TC_ACT_OK as i32
        }
    }

    /// The verdict on an IP packet, as a count kind.
    #[inline(always)]
    fn decide_ip(p: &Packet, hook: &Hook, first_slot: bool) -> u32 {
        // A packet of a tracked connection: its opening side's packets pass
        // on this one lookup while the policy that allowed them is in
        // force at this hook, the other side's always (the reply). An
        // opening packet (TCP SYN, ICMP echo request) is never a reply:
        // it goes to the policy first.
        let first = p.tracked && !p.opening;
        let mut seen = Seen::Unknown;
        if first {
            seen = lookup(p, hook);
            match seen {
                Seen::Reply => return COUNT_REPLY,
                Seen::Allowed => return COUNT_ALLOWED,
                Seen::Unknown => {}
            }
        }
        let verdict = if first_slot {
            policy(p, hook, &SLOT_0)
        } else {
            policy(p, hook, &SLOT_1)
        };
        let Some(peer_local) = verdict else {
            return COUNT_DENIED;
        };
        // Tracked where the connection is finally decided. Every allowed
        // packet is, not only the opening one: a connection opened before
        // the attach keeps its replies.
        if p.trackable && (hook.direction == INGRESS || !peer_local) {
            if !first {
                seen = lookup(p, hook);
            }
            if seen != Seen::Allowed {
                track(p, hook);
            }
        }
        COUNT_ALLOWED
    }

    /// Whether the policy of `slot` allows the packet at this hook; when
    /// it does, whether the peer is a local endpoint.
    #[inline(always)]
    fn policy(p: &Packet, hook: &Hook, slot: &Slot) -> Option<bool> {
        let direction = hook.direction;
        let peer = IdentityAddr {
            role: direction,
            addr: if direction == EGRESS { dst(p) } else { src(p) },
        };
        // A whole address first: the longest prefix there is.
        let peer_info = match unsafe { slot.hosts.get(&peer) } {
            Some(i) => Some(i),
            None => slot
                .identities
                .get(Key::new(identity_prefix_len(128), peer)),
        };
        let (identity, peer_local) = match peer_info {
            Some(i) => (i.identity, i.local_endpoint != 0),
            None => (0, false),
        };
        let named = slot.protocols.get(p.protocol as u32).copied().unwrap_or(0) != 0;
        let rule = RuleKey {
            endpoint: hook.endpoint,
            identity,
            direction,
            protocol: if named { p.protocol } else { PROTO_OTHER },
            pad: [0; 2],
        };
        let port = if named { p.policy_port } else { 0 };
        if identity != 0 && allows(slot, &rule, port) {
            Some(peer_local)
        } else {
            None
        }
    }

    /// The policy version in force and the hook deciding.
    struct Hook {
        version: u32,
        endpoint: u32,
        direction: u8,
    }

    /// What conntrack knows of a packet's connection.
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Seen {
        /// Not tracked, or tracked by another hook or policy version.
        Unknown,
        /// From the opening side, allowed at this hook by this policy.
        Allowed,
        /// From the other side.
        Reply,
    }

    #[inline(always)]
    fn classify(c: &Connection, swapped: bool, hook: &Hook) -> Seen {
        if (c.swapped != 0) != swapped {
            Seen::Reply
        } else if c.version == hook.version
            && c.endpoint == hook.endpoint
            && c.direction == hook.direction
        {
            Seen::Allowed
        } else {
            Seen::Unknown
        }
    }

    /// One conntrack lookup: the key is the same for both directions.
    #[inline(always)]
    fn lookup(p: &Packet, hook: &Hook) -> Seen {
        if !p.v4 {
            return lookup6(&tuple6(p), hook);
        }
        let (key, swapped) = flow4(p);
        match unsafe { CONNTRACK4.get(&key) } {
            Some(c) => classify(c, swapped, hook),
            None => Seen::Unknown,
        }
    }

    /// [`lookup`] for IPv6: its 40-byte key on a stack of its own. (The
    /// verifier allows 512 bytes for the main function and the deepest
    /// call together: 416 + 96 here, `track6` being the deepest.)
    #[inline(never)]
    fn lookup6(t: &Tuple6, hook: &Hook) -> Seen {
        let (key, swapped) = flow6(t);
        match unsafe { CONNTRACK.get(&key) } {
            Some(c) => classify(c, swapped, hook),
            None => Seen::Unknown,
        }
    }

    /// Remembers an allowed connection, with the policy and the hook that
    /// allowed it.
    #[inline(always)]
    fn track(p: &Packet, hook: &Hook) {
        if !p.v4 {
            return track6(&tuple6(p), hook);
        }
        let (key, swapped) = flow4(p);
        let _ = CONNTRACK4.insert(&key, &connection(swapped, hook), 0);
    }

    /// [`track`] for IPv6.
    #[inline(never)]
    fn track6(t: &Tuple6, hook: &Hook) {
        let (key, swapped) = flow6(t);
        let _ = CONNTRACK.insert(&key, &connection(swapped, hook), 0);
    }

    #[inline(always)]
    fn connection(swapped: bool, hook: &Hook) -> Connection {
        Connection {
            version: hook.version,
            endpoint: hook.endpoint,
            direction: hook.direction,
            swapped: swapped as u8,
            pad: [0; 2],
        }
    }

    #[inline(always)]
    fn flow4(p: &Packet) -> (FlowKey4, bool) {
        FlowKey4::canonical(p.src4, p.dst4, p.src_port, p.dst_port, p.protocol)
    }

    /// What an IPv6 conntrack key is made of, copied out of the packet:
    /// a [`Packet`] passed to a function of its own would have to have
    /// its IPv6 addresses zeroed for every packet (two `memset` calls).
    struct Tuple6 {
        src: [u8; 16],
        dst: [u8; 16],
        src_port: u16,
        dst_port: u16,
        protocol: u8,
    }

    #[inline(always)]
    fn tuple6(p: &Packet) -> Tuple6 {
        Tuple6 {
            src: p.src,
            dst: p.dst,
            src_port: p.src_port,
            dst_port: p.dst_port,
            protocol: p.protocol,
        }
    }

    #[inline(always)]
    fn flow6(t: &Tuple6) -> (FlowKey, bool) {
        FlowKey::canonical(&t.src, &t.dst, t.src_port, t.dst_port, t.protocol)
    }

    /// A fragment without L4 header: the verdict of its first fragment.
    /// (Fragments are rare: a function of its own, off the hot path's
    /// stack.)
    #[inline(never)]
    fn later_fragment(key: &FragmentKey, endpoint: u32, direction: u8) -> i32 {
        match unsafe { FRAGMENTS.get(key) } {
            Some(&v) => {
                count(endpoint, direction, v);
                if v == COUNT_DENIED {
                    TC_ACT_SHOT as i32
                } else {
                    TC_ACT_OK as i32
                }
            }
            None => {
                count(endpoint, direction, COUNT_FRAGMENT_DROPPED);
                TC_ACT_SHOT as i32
            }
        }
    }

    /// Remembers the verdict of a first fragment for the later ones.
    #[inline(never)]
    fn first_fragment(key: &FragmentKey, outcome: u32) {
        let _ = FRAGMENTS.insert(key, &outcome, 0);
    }

    #[inline(always)]
    fn fragment_key(p: &Packet, endpoint: u32, direction: u8) -> FragmentKey {
        let mut key = FragmentKey {
            src: [0; 16],
            dst: [0; 16],
            id: p.fragment_id,
            endpoint,
            protocol: p.protocol,
            direction,
            pad: [0; 2],
        };
        if p.v4 {
            // IPv4-mapped, in place (`p.src` is not written for IPv4).
            key.src[10] = 0xff;
            key.src[11] = 0xff;
            key.dst[10] = 0xff;
            key.dst[11] = 0xff;
            let mut i = 0;
            while i < 4 {
                key.src[12 + i] = p.src4[i];
                key.dst[12 + i] = p.dst4[i];
                i += 1;
            }
        } else {
            key.src = p.src;
            key.dst = p.dst;
        }
        key
    }

    #[inline(always)]
    fn count(endpoint: u32, direction: u8, what: u32) {
        if let Some(c) = COUNTERS.get_ptr_mut(counter_index(endpoint, direction, what)) {
            // SAFETY: a per-CPU slot: no other writer.
            unsafe { *c += 1 };
        }
    }

    /// `N` bytes at `off`: straight from the packet when they are in its
    /// linear part (direct packet access, no helper call), else copied by
    /// `bpf_skb_load_bytes`.
    #[inline(always)]
    fn read<const N: usize>(ctx: &TcContext, off: usize) -> Option<[u8; N]> {
        let start = ctx.data();
        if start + off + N <= ctx.data_end() {
            // SAFETY: within [data, data_end), checked just above.
            Some(unsafe { core::ptr::read_unaligned((start + off) as *const [u8; N]) })
        } else {
            ctx.load::<[u8; N]>(off).ok()
        }
    }

    /// [`ipv6`]'s answer for a malformed header (no header starts at 0).
    const MALFORMED: usize = 0;

    /// The IPv6 header and its extension headers: fills the addresses,
    /// the protocol and the fragment of `p`, and returns the offset of the
    /// upper-layer header, or [`MALFORMED`]. The addresses are read straight
    /// into `p` (a copy of the whole header would cost the stack that the
    /// conntrack functions need). Inlined: as a function of its own
    /// (given the context and the packet) it cost every packet, ARP
    /// included, about 14 ns under BPF_PROG_TEST_RUN.
    #[inline(always)]
    fn ipv6(ctx: &TcContext, p: &mut Packet) -> usize {
        let Some(h) = read::<8>(ctx, EthHdr::LEN) else {
            return MALFORMED;
        };
        if h[0] >> 4 != 6 {
            return MALFORMED;
        }
        let (Some(src), Some(dst)) = (
            read::<16>(ctx, EthHdr::LEN + 8),
            read::<16>(ctx, EthHdr::LEN + 24),
        ) else {
            return MALFORMED;
        };
        p.src = src;
        p.dst = dst;
        let mut next = h[6];
        let mut off = EthHdr::LEN + 40;
        let mut i = 0;
        while i < MAX_EXTENSION_HEADERS {
            i += 1;
            match next {
                // Hop-by-hop, routing, destination options.
                0 | 43 | 60 => {
                    let Some(e) = read::<2>(ctx, off) else {
                        return MALFORMED;
                    };
                    next = e[0];
                    off += (e[1] as usize + 1) * 8;
                }
                // Authentication header: length in 4-byte units, minus 2.
                51 => {
                    let Some(e) = read::<2>(ctx, off) else {
                        return MALFORMED;
                    };
                    next = e[0];
                    off += (e[1] as usize + 2) * 4;
                }
                44 => {
                    let Some(e) = read::<8>(ctx, off) else {
                        return MALFORMED;
                    };
                    next = e[0];
                    let frag = u16::from_be_bytes([e[2], e[3]]);
                    p.fragment_id = u32::from_be_bytes([e[4], e[5], e[6], e[7]]);
                    p.fragment = if frag >> 3 != 0 {
                        Fragment::Later
                    } else if frag & 1 != 0 {
                        Fragment::First
                    } else {
                        Fragment::Whole
                    };
                    off += 8;
                }
                _ => break,
            }
        }
        if matches!(next, 0 | 43 | 60 | 51 | 44) {
            // More extension headers than walked: no verdict.
            return MALFORMED;
        }
        p.protocol = next;
        off
    }

    /// An IPv4 address as IPv4-mapped IPv6.
    #[inline(always)]
    fn mapped(a: [u8; 4]) -> [u8; 16] {
        [
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a[0], a[1], a[2], a[3],
        ]
    }

    /// The source address as IPv6 (IPv4-mapped for IPv4).
    #[inline(always)]
    fn src(p: &Packet) -> [u8; 16] {
        if p.v4 { mapped(p.src4) } else { p.src }
    }

    /// The destination address as IPv6 (IPv4-mapped for IPv4).
    #[inline(always)]
    fn dst(p: &Packet) -> [u8; 16] {
        if p.v4 { mapped(p.dst4) } else { p.dst }
    }

    #[inline(always)]
    fn parse(ctx: &TcContext) -> Parsed {
        let Some(ether_type) = read::<2>(ctx, 12) else {
            return Parsed::Malformed;
        };
        let mut p = Packet {
            v4: false,
            src4: [0; 4],
            dst4: [0; 4],
            src: [0; 16],
            dst: [0; 16],
            protocol: 0,
            fragment: Fragment::Whole,
            fragment_id: 0,
            src_port: 0,
            dst_port: 0,
            policy_port: 0,
            tracked: true,
            opening: false,
            trackable: true,
        };
        let mut off = EthHdr::LEN;
        match u16::from_be_bytes(ether_type) {
            ETH_P_IP => {
                let Some(h) = read::<20>(ctx, off) else {
                    return Parsed::Malformed;
                };
                let ihl = ((h[0] & 0x0f) as usize) * 4;
                if h[0] >> 4 != 4 || ihl < 20 {
                    return Parsed::Malformed;
                }
                let frags = u16::from_be_bytes([h[6], h[7]]);
                let more = frags & 0x2000 != 0;
                let offset = frags & 0x1fff;
                p.fragment = if offset != 0 {
                    Fragment::Later
                } else if more {
                    Fragment::First
                } else {
                    Fragment::Whole
                };
                p.fragment_id = u16::from_be_bytes([h[4], h[5]]) as u32;
                p.protocol = h[9];
                p.v4 = true;
                p.src4 = [h[12], h[13], h[14], h[15]];
                p.dst4 = [h[16], h[17], h[18], h[19]];
                off += ihl;
            }
            ETH_P_IPV6 => {
                off = ipv6(ctx, &mut p);
                if off == MALFORMED {
                    return Parsed::Malformed;
                }
            }
            _ => return Parsed::Infrastructure,
        }
        if p.fragment == Fragment::Later {
            p.tracked = false;
            p.trackable = false;
            return Parsed::Packet(p);
        }
        match p.protocol {
            TCP => {
                // Ports, and the flags: SYN without ACK opens.
                let Some(h) = read::<14>(ctx, off) else {
                    return Parsed::Malformed;
                };
                p.src_port = u16::from_be_bytes([h[0], h[1]]);
                p.dst_port = u16::from_be_bytes([h[2], h[3]]);
                p.policy_port = p.dst_port;
                p.opening = h[13] & 0x12 == 0x02;
            }
            UDP | SCTP => {
                let Some(ports) = read::<4>(ctx, off) else {
                    return Parsed::Malformed;
                };
                p.src_port = u16::from_be_bytes([ports[0], ports[1]]);
                p.dst_port = u16::from_be_bytes([ports[2], ports[3]]);
                p.policy_port = p.dst_port;
            }
            ICMP | ICMPV6 => {
                let Some(h) = read::<8>(ctx, off) else {
                    return Parsed::Malformed;
                };
                let (ty, code) = (h[0], h[1]);
                if p.protocol == ICMPV6 && (133..=137).contains(&ty) {
                    return Parsed::Infrastructure;
                }
                p.policy_port = (ty as u16) << 8 | code as u16;
                let echo = if p.protocol == ICMP {
                    ty == 8 || ty == 0
                } else {
                    ty == 128 || ty == 129
                };
                let request = ty == 8 || ty == 128;
                if echo {
                    let id = u16::from_be_bytes([h[4], h[5]]);
                    p.src_port = id;
                    p.dst_port = id;
                }
                p.tracked = echo;
                p.opening = request;
                p.trackable = request;
            }
            _ => {}
        }
        Parsed::Packet(p)
    }

    #[panic_handler]
    fn panic(_info: &core::panic::PanicInfo) -> ! {
        loop {}
    }
}

#[cfg(target_arch = "bpf")]
#[unsafe(link_section = "license")]
#[unsafe(no_mangle)]
static LICENSE: [u8; 4] = *b"GPL\0";

/// The program only exists for the kernel; a host build of the workspace
/// gets an empty binary.
#[cfg(not(target_arch = "bpf"))]
fn main() {}
