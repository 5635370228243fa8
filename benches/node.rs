//! Per-packet cost of polctl's tc classifier, measured by the kernel with
//! BPF_PROG_TEST_RUN (needs root): the embedded object is loaded, its maps
//! filled with generated identities and port ranges, and one packet run
//! through `from_endpoint` many times.
//!
//! ```text
//! cargo bench --bench node                 # every configuration
//! cargo bench --bench node -- --repeat N   # runs per measurement (default 1,000,000)
//! POLCTL_BENCH_OBJECT=FILE cargo bench --bench node   # another build of the classifier
//! ```
//!
//! Configurations: 10 identities with 10 port ranges each that the local
//! endpoint may open, 10,000 identities with 4 each, and one identity with
//! 1,000 ranges. Each is measured for an allowed SYN (policy hit, then the
//! conntrack lookup that finds it tracked), the same connection's ACK
//! (conntrack hit: no policy lookup), a denied SYN (policy miss; a SYN is
//! never a reply), a denied ACK (conntrack miss, then policy miss) and a
//! reply (conntrack hit).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::{IpAddr, Ipv4Addr};

use aya::maps::{HashMap, Map, MapData};
use aya::programs::{SchedClassifier, TestRun, TestRunOptions};
use polctl::node::{
    IdentityEntry, NodeError, Plan, RuleEntry, TC_OBJECT, Unenforceable, slot_entries, write_slot,
};
use polctl_node_maps as maps;

/// BPF_PROG_TEST_RUN runs a classifier on the loopback device.
const LOOPBACK: u32 = 1;
const LOCAL: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);

/// Peer `i`'s address: 10.1.0.0 + i.
fn peer(i: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(Ipv4Addr::new(10, 1, 0, 0)) + i)
}

/// Port range `r` of `ranges`, spread over 1024-65535 and not aligned.
fn range(r: u32, ranges: u32) -> (u16, u16) {
    let width = (64_000 / ranges).max(4);
    let lo = 1024 + r * width + 3;
    (lo as u16, (lo + width / 2) as u16)
}

/// The plan of one local endpoint (identity 1) that may open `ranges` TCP
/// port ranges to each of `identities` peers (identities 2, 3, ...), as
/// `polctl node attach` would compile it.
fn plan(identities: u32, ranges: u32) -> Plan {
    let host = |ip: Ipv4Addr, identity: u32| {
        ["egress", "ingress"].map(|role| IdentityEntry {
            prefix: IpAddr::V4(ip).into(),
            role,
            identity,
            local_endpoint: u32::from(identity == 1),
        })
    };
    let mut identity_entries: Vec<IdentityEntry> = host(LOCAL, 1).into();
    let mut rules = Vec::new();
    for i in 0..identities {
        identity_entries.extend(host(peer(i), i + 2));
        for r in 0..ranges {
            rules.push(RuleEntry {
                endpoint: 0,
                direction: "egress",
                identity: i + 2,
                protocol: 6,
                ports: range(r, ranges),
            });
        }
    }
    Plan {
        endpoints: Vec::new(),
        identities: Vec::new(),
        identity_entries,
        rules,
        protocols: [1u8, 6, 17, 58, 132].into(),
        not_enforced: Vec::new(),
        unenforceable: Unenforceable::Drop,
        discovery: None,
    }
}

const SYN: u8 = 0x02;
const ACK: u8 = 0x10;

/// Ethernet + IPv4 + TCP with `flags`.
fn packet(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, dport: u16, flags: u8) -> Vec<u8> {
    let mut p = vec![0u8; 14 + 20 + 20];
    p[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
    let ip = &mut p[14..34];
    ip[0] = 0x45;
    ip[2..4].copy_from_slice(&40u16.to_be_bytes());
    ip[8] = 64;
    ip[9] = 6;
    ip[12..16].copy_from_slice(&src.octets());
    ip[16..20].copy_from_slice(&dst.octets());
    let tcp = &mut p[34..54];
    tcp[0..2].copy_from_slice(&sport.to_be_bytes());
    tcp[2..4].copy_from_slice(&dport.to_be_bytes());
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    p
}

fn err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

struct Run {
    ns: f64,
    verdict: u32,
}

fn measure(
    object: &[u8],
    identities: u32,
    ranges: u32,
    repeat: u32,
) -> Result<Vec<(String, Run)>, String> {
    let mut ebpf = aya::EbpfLoader::new()
        .load(object)
        .map_err(|e| err("load", e))?;
    // Loaded first: the program holds its maps once they are taken out.
    let prog: &mut SchedClassifier = ebpf
        .program_mut("from_endpoint")
        .ok_or("from_endpoint")?
        .try_into()
        .map_err(|e| err("from_endpoint", e))?;
    prog.load().map_err(|e| err("verify", e))?;
    let entries = slot_entries(&plan(identities, ranges));
    let endpoint = maps::EndpointInfo {
        endpoint: 0,
        identity: 1,
    };
    write_slot(&entries, &[(LOOPBACK, endpoint)], 0, |name| {
        ebpf.take_map(name).ok_or_else(|| NodeError::Kernel {
            what: name.to_string(),
            message: "missing from the object".to_string(),
        })
    })
    .map_err(|e| err("filling the maps", e))?;
    let prog: &mut SchedClassifier = ebpf
        .program_mut("from_endpoint")
        .ok_or("from_endpoint")?
        .try_into()
        .map_err(|e| err("from_endpoint", e))?;

    let target = identities / 2;
    let (lo, hi) = range(ranges / 2, ranges);
    let allowed = packet(LOCAL, peer(target), 40000, lo + (hi - lo) / 2, SYN);
    // The same connection's next packets: tracked by the first run.
    let established = packet(LOCAL, peer(target), 40000, lo + (hi - lo) / 2, ACK);
    let denied = packet(LOCAL, peer(target), 40000, hi + 1, SYN);
    let denied_ack = packet(LOCAL, peer(target), 40001, hi + 1, ACK);
    // An ARP request: only the endpoint's lookup and a counter, the
    // floor under every IP packet.
    let mut arp = vec![0u8; 14 + 28];
    arp[12..14].copy_from_slice(&0x0806u16.to_be_bytes());
    let mut out = Vec::new();
    for (name, data) in [
        ("allowed SYN", &allowed),
        ("allowed, established", &established),
        ("denied SYN", &denied),
        ("denied ACK", &denied_ack),
        ("ARP", &arp),
    ] {
        let mut buf = vec![0u8; data.len() + 64];
        let r = prog
            .test_run(TestRunOptions {
                data_in: Some(data),
                data_out: Some(&mut buf),
                repeat,
                ..TestRunOptions::default()
            })
            .map_err(|e| err("test run", e))?;
        out.push((
            name.to_string(),
            Run {
                ns: r.duration.as_nanos() as f64,
                verdict: r.return_value,
            },
        ));
    }
    // A reply: the endpoint answers a connection the peer opened to its
    // port 8080 from port 1000 (no range includes 1000: the policy misses).
    {
        let ct: Map = ebpf.take_map("CONNTRACK4").ok_or("CONNTRACK4")?;
        let mut ct: HashMap<MapData, maps::FlowKey4, maps::Connection> =
            HashMap::try_from(ct).map_err(|e| err("CONNTRACK4", e))?;
        let (key, swapped) =
            maps::FlowKey4::canonical(peer(target).octets(), LOCAL.octets(), 1000, 8080, 6);
        // Allowed by the endpoint's ingress hook.
        let opened = maps::Connection {
            version: 0,
            endpoint: 0,
            direction: maps::INGRESS,
            swapped: u8::from(swapped),
            pad: [0; 2],
        };
        ct.insert(key, opened, 0)
            .map_err(|e| err("CONNTRACK4", e))?;
    }
    let prog: &mut SchedClassifier = ebpf
        .program_mut("from_endpoint")
        .ok_or("from_endpoint")?
        .try_into()
        .map_err(|e| err("from_endpoint", e))?;
    let reply = packet(LOCAL, peer(target), 8080, 1000, ACK);
    let mut buf = vec![0u8; reply.len() + 64];
    let r = prog
        .test_run(TestRunOptions {
            data_in: Some(&reply),
            data_out: Some(&mut buf),
            repeat,
            ..TestRunOptions::default()
        })
        .map_err(|e| err("test run", e))?;
    out.push((
        "reply".to_string(),
        Run {
            ns: r.duration.as_nanos() as f64,
            verdict: r.return_value,
        },
    ));
    eprintln!(
        "  ({} rules, {} port bitmaps)",
        entries.rules.len(),
        entries.ports.len()
    );
    Ok(out)
}

fn main() {
    let mut repeat = 1_000_000u32;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--repeat" {
            repeat = args.next().and_then(|v| v.parse().ok()).unwrap_or(repeat);
        }
    }
    if let Err(e) = polctl::node::check_privileges("bench") {
        eprintln!("{e}: the classifier bench runs BPF_PROG_TEST_RUN");
        std::process::exit(1);
    }
    // POLCTL_BENCH_OBJECT: another build of the classifier (same maps).
    let object = match std::env::var_os("POLCTL_BENCH_OBJECT") {
        Some(path) => std::fs::read(&path).unwrap_or_else(|e| {
            eprintln!("{}: {e}", path.to_string_lossy());
            std::process::exit(1);
        }),
        None => TC_OBJECT.to_vec(),
    };
    println!("| identities | port ranges each | packet | ns/packet | verdict |");
    println!("| --- | --- | --- | --- | --- |");
    for (identities, ranges) in [(10, 10), (10_000, 4), (1, 1000)] {
        match measure(&object, identities, ranges, repeat) {
            Ok(runs) => {
                for (name, run) in runs {
                    let verdict = if run.verdict == 0 { "pass" } else { "drop" };
                    println!(
                        "| {identities} | {ranges} | {name} | {:.1} | {verdict} |",
                        run.ns
                    );
                }
            }
            Err(e) => {
                eprintln!("{identities} identities, {ranges} ranges: {e}");
                std::process::exit(1);
            }
        }
    }
}
