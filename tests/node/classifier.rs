//! The classifier's parsing decisions, packet by packet, through
//! BPF_PROG_TEST_RUN (root): fragments, IPv6 extension headers, non-IP
//! frames. The maps let the endpoint open TCP 80 to one IPv4 and one IPv6
//! peer, nothing else.

use std::net::IpAddr;

use aya::programs::{SchedClassifier, TestRun, TestRunOptions};
use polctl::node::{
    IdentityEntry, Plan, RuleEntry, TC_OBJECT, Unenforceable, slot_entries, write_slot,
};
use polctl_node_maps as maps;

const PASS: u32 = 0;
const DROP: u32 = 2;
/// BPF_PROG_TEST_RUN runs a classifier on the loopback device.
const LOOPBACK: u32 = 1;
const PEER4: [u8; 4] = [192, 0, 2, 7];
const LOCAL4: [u8; 4] = [192, 0, 2, 1];
const PEER6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7];
const LOCAL6: [u8; 16] = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

fn loaded() -> aya::Ebpf {
    let mut ebpf = aya::EbpfLoader::new()
        .load(TC_OBJECT)
        .expect("object loads");
    // Loaded first: the program holds its maps once they are taken out.
    let prog: &mut SchedClassifier = ebpf
        .program_mut("from_endpoint")
        .expect("program")
        .try_into()
        .expect("classifier");
    prog.load().expect("verifier accepts it");
    let identity_entries = [(IpAddr::from(PEER4), 2), (IpAddr::from(PEER6), 3)]
        .map(|(ip, identity)| IdentityEntry {
            prefix: ip.into(),
            role: "egress",
            identity,
            local_endpoint: 0,
        })
        .to_vec();
    let rules = [2, 3]
        .map(|identity| RuleEntry {
            endpoint: 0,
            direction: "egress",
            identity,
            protocol: 6,
            ports: (80, 80),
        })
        .to_vec();
    let plan = Plan {
        endpoints: Vec::new(),
        identities: Vec::new(),
        identity_entries,
        rules,
        protocols: [1u8, 6, 17, 58, 132].into(),
        not_enforced: Vec::new(),
        unenforceable: Unenforceable::Drop,
        discovery: None,
    };
    let endpoint = maps::EndpointInfo {
        endpoint: 0,
        identity: 1,
    };
    write_slot(&slot_entries(&plan), &[(LOOPBACK, endpoint)], 0, |name| {
        Ok(ebpf.take_map(name).expect(name))
    })
    .expect("maps filled");
    ebpf
}

fn run(ebpf: &mut aya::Ebpf, packet: &[u8]) -> u32 {
    let prog: &mut SchedClassifier = ebpf
        .program_mut("from_endpoint")
        .expect("program")
        .try_into()
        .expect("classifier");
    let mut out = vec![0u8; packet.len() + 64];
    prog.test_run(TestRunOptions {
        data_in: Some(packet),
        data_out: Some(&mut out),
        ..TestRunOptions::default()
    })
    .expect("test run")
    .return_value
}

fn ethernet(ether_type: u16) -> Vec<u8> {
    let mut p = vec![0u8; 14];
    p[12..14].copy_from_slice(&ether_type.to_be_bytes());
    p
}

fn tcp(dport: u16) -> Vec<u8> {
    let mut t = vec![0u8; 20];
    t[0..2].copy_from_slice(&40000u16.to_be_bytes());
    t[2..4].copy_from_slice(&dport.to_be_bytes());
    t[12] = 5 << 4;
    t[13] = 0x02;
    t
}

/// IPv4 to PEER4: `id`, fragment offset (8-byte units), more fragments.
fn ipv4(id: u16, offset: u16, more: bool, payload: &[u8]) -> Vec<u8> {
    let mut p = ethernet(0x0800);
    let mut ip = vec![0u8; 20];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&(20 + payload.len() as u16).to_be_bytes());
    ip[4..6].copy_from_slice(&id.to_be_bytes());
    let frags = offset | if more { 0x2000 } else { 0 };
    ip[6..8].copy_from_slice(&frags.to_be_bytes());
    ip[8] = 64;
    ip[9] = 6;
    ip[12..16].copy_from_slice(&LOCAL4);
    ip[16..20].copy_from_slice(&PEER4);
    p.extend(ip);
    p.extend(payload);
    p
}

/// IPv6 to PEER6 through `extensions` (each: next header, bytes).
fn ipv6(extensions: &[(u8, Vec<u8>)], upper: u8, payload: &[u8]) -> Vec<u8> {
    let mut p = ethernet(0x86dd);
    let mut body = Vec::new();
    for (i, (_, bytes)) in extensions.iter().enumerate() {
        let mut h = bytes.clone();
        h[0] = extensions.get(i + 1).map_or(upper, |e| e.0);
        body.extend(h);
    }
    body.extend(payload);
    let mut ip = vec![0u8; 40];
    ip[0] = 0x60;
    ip[4..6].copy_from_slice(&(body.len() as u16).to_be_bytes());
    ip[6] = extensions.first().map_or(upper, |e| e.0);
    ip[7] = 64;
    ip[8..24].copy_from_slice(&LOCAL6);
    ip[24..40].copy_from_slice(&PEER6);
    p.extend(ip);
    p.extend(body);
    p
}

fn ipv6_fragment(offset: u16, more: bool, id: u32) -> (u8, Vec<u8>) {
    let mut h = vec![0u8; 8];
    h[2..4].copy_from_slice(&((offset << 3) | u16::from(more)).to_be_bytes());
    h[4..8].copy_from_slice(&id.to_be_bytes());
    (44, h)
}

#[test]
fn ipv4_ports_and_fragments_follow_the_policy() {
    let mut ebpf = loaded();
    assert_eq!(run(&mut ebpf, &ipv4(1, 0, false, &tcp(80))), PASS);
    assert_eq!(run(&mut ebpf, &ipv4(2, 0, false, &tcp(81))), DROP);
    // A later fragment whose first fragment was not seen: no port, dropped.
    assert_eq!(run(&mut ebpf, &ipv4(3, 100, false, &[0; 16])), DROP);
    // Later fragments share their first fragment's verdict.
    assert_eq!(run(&mut ebpf, &ipv4(4, 0, true, &tcp(80))), PASS);
    assert_eq!(run(&mut ebpf, &ipv4(4, 3, false, &[0; 16])), PASS);
    assert_eq!(run(&mut ebpf, &ipv4(5, 0, true, &tcp(81))), DROP);
    assert_eq!(run(&mut ebpf, &ipv4(5, 3, false, &[0; 16])), DROP);
    // Non-IP frames (ARP) are not the policies' business.
    let mut arp = ethernet(0x0806);
    arp.extend([0u8; 28]);
    assert_eq!(run(&mut ebpf, &arp), PASS);
}

#[test]
fn ipv6_extension_headers_are_walked_to_the_port() {
    let mut ebpf = loaded();
    let hop_by_hop = (0u8, vec![0u8; 8]);
    let destination = (60u8, vec![0u8; 16]);
    let routing = (43u8, vec![0u8; 8]);
    assert_eq!(run(&mut ebpf, &ipv6(&[], 6, &tcp(80))), PASS);
    assert_eq!(run(&mut ebpf, &ipv6(&[], 6, &tcp(81))), DROP);
    let mut destination_long = destination.clone();
    destination_long.1[1] = 1; // (1 + 1) * 8 bytes
    for ext in [
        vec![hop_by_hop.clone()],
        vec![hop_by_hop.clone(), routing.clone(), destination_long],
    ] {
        assert_eq!(run(&mut ebpf, &ipv6(&ext, 6, &tcp(80))), PASS, "{ext:?}");
        assert_eq!(run(&mut ebpf, &ipv6(&ext, 6, &tcp(81))), DROP, "{ext:?}");
    }
    assert_eq!(
        run(&mut ebpf, &ipv6(&[ipv6_fragment(0, true, 9)], 6, &tcp(80))),
        PASS
    );
    assert_eq!(
        run(&mut ebpf, &ipv6(&[ipv6_fragment(2, false, 9)], 6, &[0; 16])),
        PASS
    );
    assert_eq!(
        run(
            &mut ebpf,
            &ipv6(&[ipv6_fragment(2, false, 10)], 6, &[0; 16])
        ),
        DROP
    );
    // Neighbour discovery passes whatever the policy.
    let mut solicit = vec![0u8; 24];
    solicit[0] = 135;
    assert_eq!(run(&mut ebpf, &ipv6(&[], 58, &solicit)), PASS);
}

/// TCP from `sport` to `dport` with `flags`.
fn tcp_ports(sport: u16, dport: u16, flags: u8) -> Vec<u8> {
    let mut t = tcp(dport);
    t[0..2].copy_from_slice(&sport.to_be_bytes());
    t[13] = flags;
    t
}

/// `payload` (TCP) from `src` to `dst`, IPv4 or IPv6 by the addresses'
/// length.
fn between(src: &[u8], dst: &[u8], payload: &[u8]) -> Vec<u8> {
    if src.len() == 4 {
        let mut p = ipv4(1, 0, false, payload);
        p[26..30].copy_from_slice(src);
        p[30..34].copy_from_slice(dst);
        p
    } else {
        let mut p = ipv6(&[], 6, payload);
        p[22..38].copy_from_slice(src);
        p[38..54].copy_from_slice(dst);
        p
    }
}

#[test]
fn replies_of_tracked_connections_pass_in_both_families() {
    const SYN: u8 = 0x02;
    const ACK: u8 = 0x10;
    const SYN_ACK: u8 = 0x12;
    let pairs: [(&[u8], &[u8]); 2] = [(&LOCAL4, &PEER4), (&LOCAL6, &PEER6)];
    for (local, peer) in pairs {
        let mut ebpf = loaded();
        // Nothing lets the peer send to the endpoint: its packets pass
        // only as replies.
        let answer = between(peer, local, &tcp_ports(80, 40000, SYN_ACK));
        assert_eq!(run(&mut ebpf, &answer), DROP, "{local:?}: not tracked yet");
        let open = between(local, peer, &tcp_ports(40000, 80, SYN));
        assert_eq!(run(&mut ebpf, &open), PASS, "{local:?}");
        assert_eq!(run(&mut ebpf, &answer), PASS, "{local:?}: the reply");
        let more = between(local, peer, &tcp_ports(40000, 80, ACK));
        assert_eq!(run(&mut ebpf, &more), PASS, "{local:?}: tracked");
        // Another connection's answer, and a SYN on the tracked one's
        // ports from the other side (it opens: never a reply).
        let other = between(peer, local, &tcp_ports(80, 40001, SYN_ACK));
        assert_eq!(run(&mut ebpf, &other), DROP, "{local:?}");
        let syn = between(peer, local, &tcp_ports(80, 40000, SYN));
        assert_eq!(run(&mut ebpf, &syn), DROP, "{local:?}: a SYN is no reply");
    }
}

/// A tracked connection passes on conntrack alone only while the policy
/// that allowed it is in force: once `attach` switches to a policy that
/// denies it (a new version, here slot 1 with no rule), its next packet is
/// decided by the policy and dropped; the other side's replies still pass.
#[test]
fn a_new_policy_decides_tracked_connections_again() {
    let mut ebpf = loaded();
    let open = between(&LOCAL4, &PEER4, &tcp_ports(40000, 80, 0x02));
    let more = between(&LOCAL4, &PEER4, &tcp_ports(40000, 80, 0x10));
    let answer = between(&PEER4, &LOCAL4, &tcp_ports(80, 40000, 0x12));
    assert_eq!(run(&mut ebpf, &open), PASS);
    assert_eq!(run(&mut ebpf, &more), PASS);

    let nothing = Plan {
        endpoints: Vec::new(),
        identities: Vec::new(),
        identity_entries: Vec::new(),
        rules: Vec::new(),
        protocols: [6u8].into(),
        not_enforced: Vec::new(),
        unenforceable: Unenforceable::Drop,
        discovery: None,
    };
    let endpoint = maps::EndpointInfo {
        endpoint: 0,
        identity: 1,
    };
    write_slot(
        &slot_entries(&nothing),
        &[(LOOPBACK, endpoint)],
        1,
        |name| Ok(ebpf.take_map(name).expect(name)),
    )
    .expect("slot 1 filled");
    let mut config: aya::maps::Array<aya::maps::MapData, u32> =
        aya::maps::Array::try_from(ebpf.take_map("CONFIG").expect("CONFIG")).expect("array");
    // Version 1: slot 1.
    config
        .set(maps::CONFIG_ACTIVE_SLOT, 1, 0)
        .expect("version switched");
    assert_eq!(run(&mut ebpf, &more), DROP, "decided by the new policy");
    assert_eq!(run(&mut ebpf, &answer), PASS, "replies still pass");
}
