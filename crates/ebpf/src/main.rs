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
//!   source's.
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
    static CONNTRACK: LruHashMap<FlowKey, u32> = LruHashMap::with_max_entries(MAX_CONNECTIONS, 0);
    #[map]
    static CONNTRACK4: LruHashMap<FlowKey4, u32> = LruHashMap::with_max_entries(MAX_CONNECTIONS, 0);
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

    struct Packet {
        /// IPv4 (the addresses are IPv4-mapped).
        v4: bool,
        src: [u8; 16],
        dst: [u8; 16],
        protocol: u8,
        fragment: Fragment,
        fragment_id: u32,
        /// Source and destination port (for ICMP echo, the identifier in
        /// both).
        src_port: u16,
        dst_port: u16,
        /// The policy's port: the destination port, or ICMP type << 8 | code.
        policy_port: u16,
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

    #[inline(always)]
    fn decide(ctx: &TcContext, direction: u8) -> i32 {
        let slot = CONFIG.get(CONFIG_ACTIVE_SLOT).copied().unwrap_or(0);
        if slot == 0 {
            decide_in(
                ctx,
                direction,
                &Slot {
                    endpoints: &ENDPOINTS_0,
                    endpoint_index: &ENDPOINT_INDEX_0,
                    hosts: &HOSTS_0,
                    identities: &IDENTITIES_0,
                    rules: &RULES_0,
                    ports: &PORTS_0,
                    protocols: &PROTOCOLS_0,
                },
            )
        } else {
            decide_in(
                ctx,
                direction,
                &Slot {
                    endpoints: &ENDPOINTS_1,
                    endpoint_index: &ENDPOINT_INDEX_1,
                    hosts: &HOSTS_1,
                    identities: &IDENTITIES_1,
                    rules: &RULES_1,
                    ports: &PORTS_1,
                    protocols: &PROTOCOLS_1,
                },
            )
        }
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

    #[inline(always)]
    fn decide_in(ctx: &TcContext, direction: u8, slot: &Slot) -> i32 {
        // SAFETY: the context's socket buffer is valid for the program's run.
        let ifindex = unsafe { (*ctx.skb.skb).ifindex };
        // An array read for the usual small indexes, a hash for the rest.
        let ep = if ifindex < ENDPOINT_INDEX_ENTRIES {
            slot.endpoint_index.get(ifindex).filter(|e| e.identity != 0)
        } else {
            unsafe { slot.endpoints.get(&ifindex) }
        };
        // An interface polctl does not know (left over from an earlier
        // attach) is not an endpoint's: nothing to enforce.
        let Some(ep) = ep else {
            return TC_ACT_OK as i32;
        };
        let endpoint = ep.endpoint;
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
            let key = fragment_key(&p, endpoint, direction);
            return match unsafe { FRAGMENTS.get(&key) } {
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
            };
        }

        let peer = IdentityAddr {
            role: direction,
            addr: if direction == EGRESS { p.dst } else { p.src },
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
            endpoint,
            identity,
            direction,
            protocol: if named { p.protocol } else { PROTO_OTHER },
            pad: [0; 2],
        };
        let port = if named { p.policy_port } else { 0 };
        let allowed = identity != 0 && allows(slot, &rule, port);

        let outcome = if allowed {
            // Tracked where the connection is finally decided.
            if p.trackable && (direction == INGRESS || !peer_local) {
                track(&p);
            }
            COUNT_ALLOWED
        } else {
            if is_reply(&p) {
                COUNT_REPLY
            } else {
                COUNT_DENIED
            }
        };
        if p.fragment == Fragment::First {
            let key = fragment_key(&p, endpoint, direction);
            let _ = FRAGMENTS.insert(&key, &outcome, 0);
        }
        count(endpoint, direction, outcome);
        if outcome == COUNT_DENIED {
            TC_ACT_SHOT as i32
        } else {
            TC_ACT_OK as i32
        }
    }

    /// Remembers an allowed connection (once: a lookup is cheaper than an
    /// LRU insert).
    #[inline(always)]
    fn track(p: &Packet) {
        if p.v4 {
            let key = flow4(p.src, p.dst, p.src_port, p.dst_port, p.protocol);
            if unsafe { CONNTRACK4.get(&key) }.is_none() {
                let _ = CONNTRACK4.insert(&key, &1, 0);
            }
        } else {
            let key = FlowKey {
                src: p.src,
                dst: p.dst,
                src_port: p.src_port,
                dst_port: p.dst_port,
                protocol: p.protocol,
                pad: [0; 3],
            };
            if unsafe { CONNTRACK.get(&key) }.is_none() {
                let _ = CONNTRACK.insert(&key, &1, 0);
            }
        }
    }

    /// Whether `p` answers a tracked connection.
    #[inline(always)]
    fn is_reply(p: &Packet) -> bool {
        if p.v4 {
            let key = flow4(p.dst, p.src, p.dst_port, p.src_port, p.protocol);
            unsafe { CONNTRACK4.get(&key) }.is_some()
        } else {
            let key = FlowKey {
                src: p.dst,
                dst: p.src,
                src_port: p.dst_port,
                dst_port: p.src_port,
                protocol: p.protocol,
                pad: [0; 3],
            };
            unsafe { CONNTRACK.get(&key) }.is_some()
        }
    }

    #[inline(always)]
    fn flow4(src: [u8; 16], dst: [u8; 16], src_port: u16, dst_port: u16, protocol: u8) -> FlowKey4 {
        FlowKey4 {
            src: [src[12], src[13], src[14], src[15]],
            dst: [dst[12], dst[13], dst[14], dst[15]],
            src_port,
            dst_port,
            protocol,
            pad: [0; 3],
        }
    }

    #[inline(always)]
    fn fragment_key(p: &Packet, endpoint: u32, direction: u8) -> FragmentKey {
        FragmentKey {
            src: p.src,
            dst: p.dst,
            id: p.fragment_id,
            endpoint,
            protocol: p.protocol,
            direction,
            pad: [0; 2],
        }
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

    #[inline(always)]
    fn parse(ctx: &TcContext) -> Parsed {
        let Some(ether_type) = read::<2>(ctx, 12) else {
            return Parsed::Malformed;
        };
        let mut p = Packet {
            v4: false,
            src: [0; 16],
            dst: [0; 16],
            protocol: 0,
            fragment: Fragment::Whole,
            fragment_id: 0,
            src_port: 0,
            dst_port: 0,
            policy_port: 0,
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
                p.src[10] = 0xff;
                p.src[11] = 0xff;
                p.src[12..16].copy_from_slice(&h[12..16]);
                p.dst[10] = 0xff;
                p.dst[11] = 0xff;
                p.dst[12..16].copy_from_slice(&h[16..20]);
                off += ihl;
            }
            ETH_P_IPV6 => {
                let Some(h) = read::<40>(ctx, off) else {
                    return Parsed::Malformed;
                };
                if h[0] >> 4 != 6 {
                    return Parsed::Malformed;
                }
                p.src.copy_from_slice(&h[8..24]);
                p.dst.copy_from_slice(&h[24..40]);
                let mut next = h[6];
                off += 40;
                let mut i = 0;
                while i < MAX_EXTENSION_HEADERS {
                    i += 1;
                    match next {
                        // Hop-by-hop, routing, destination options.
                        0 | 43 | 60 => {
                            let Some(e) = read::<2>(ctx, off) else {
                                return Parsed::Malformed;
                            };
                            next = e[0];
                            off += (e[1] as usize + 1) * 8;
                        }
                        // Authentication header: length in 4-byte units, minus 2.
                        51 => {
                            let Some(e) = read::<2>(ctx, off) else {
                                return Parsed::Malformed;
                            };
                            next = e[0];
                            off += (e[1] as usize + 2) * 4;
                        }
                        44 => {
                            let Some(e) = read::<8>(ctx, off) else {
                                return Parsed::Malformed;
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
                    return Parsed::Malformed;
                }
                p.protocol = next;
            }
            _ => return Parsed::Infrastructure,
        }
        if p.fragment == Fragment::Later {
            p.trackable = false;
            return Parsed::Packet(p);
        }
        match p.protocol {
            TCP | UDP | SCTP => {
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
