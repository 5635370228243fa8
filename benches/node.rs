//! Per-packet cost of polctl's tc classifier, measured by the kernel with
//! BPF_PROG_TEST_RUN (needs root): the embedded object is loaded, its maps
//! filled with generated identities and port ranges, and one packet run
//! through `from_endpoint` many times.
//!
//! ```text
//! cargo bench --bench node                 # every configuration
//! cargo bench --bench node -- --repeat N   # runs per measurement (default 1,000,000)
//! ```
//!
//! Configurations: 10 identities with 10 port ranges each that the local
//! endpoint may open, 10,000 identities with 4 each, and one identity with
//! 1,000 ranges. Each
//! is measured for an allowed packet (identity and policy hit), a denied
//! one (policy miss, then a conntrack miss) and a reply (policy miss,
//! conntrack hit).

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::net::Ipv4Addr;

use aya::maps::lpm_trie::{Key, LpmTrie};
use aya::maps::{Array, HashMap, MapData};
use aya::programs::{SchedClassifier, TestRun, TestRunOptions};
use polctl::node::{TC_OBJECT, port_prefixes};
use polctl_node_maps as maps;

/// BPF_PROG_TEST_RUN runs a classifier on the loopback device.
const LOOPBACK: u32 = 1;
const LOCAL: Ipv4Addr = Ipv4Addr::new(10, 0, 0, 1);

fn mapped(ip: Ipv4Addr) -> [u8; 16] {
    ip.to_ipv6_mapped().octets()
}

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

/// Ethernet + IPv4 + TCP SYN.
fn packet(src: Ipv4Addr, dst: Ipv4Addr, sport: u16, dport: u16) -> Vec<u8> {
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
    tcp[13] = 0x02;
    p
}

fn err(what: &str, e: impl std::fmt::Display) -> String {
    format!("{what}: {e}")
}

struct Run {
    ns: f64,
    verdict: u32,
}

fn measure(identities: u32, ranges: u32, repeat: u32) -> Result<Vec<(String, Run)>, String> {
    let mut ebpf = aya::EbpfLoader::new()
        .load(TC_OBJECT)
        .map_err(|e| err("load", e))?;
    {
        let mut endpoints: HashMap<&mut MapData, u32, maps::EndpointInfo> =
            HashMap::try_from(ebpf.map_mut("ENDPOINTS_0").ok_or("ENDPOINTS_0")?)
                .map_err(|e| err("ENDPOINTS_0", e))?;
        endpoints
            .insert(
                LOOPBACK,
                maps::EndpointInfo {
                    endpoint: 0,
                    identity: 1,
                },
                0,
            )
            .map_err(|e| err("ENDPOINTS_0", e))?;
    }
    {
        let mut ids: LpmTrie<&mut MapData, maps::IdentityAddr, maps::IdentityInfo> =
            LpmTrie::try_from(ebpf.map_mut("IDENTITIES_0").ok_or("IDENTITIES_0")?)
                .map_err(|e| err("IDENTITIES_0", e))?;
        for i in 0..identities {
            for role in [maps::EGRESS, maps::INGRESS] {
                ids.insert(
                    &Key::new(
                        maps::identity_prefix_len(128),
                        maps::IdentityAddr {
                            role,
                            addr: mapped(peer(i)),
                        },
                    ),
                    maps::IdentityInfo {
                        identity: i + 2,
                        local_endpoint: 0,
                    },
                    0,
                )
                .map_err(|e| err("IDENTITIES_0", e))?;
            }
        }
    }
    let mut keys = 0;
    {
        let mut policy: LpmTrie<&mut MapData, maps::PolicyRule, maps::PolicyVerdict> =
            LpmTrie::try_from(ebpf.map_mut("POLICY_0").ok_or("POLICY_0")?)
                .map_err(|e| err("POLICY_0", e))?;
        for i in 0..identities {
            for r in 0..ranges {
                let (lo, hi) = range(r, ranges);
                for (port, bits) in port_prefixes(lo, hi) {
                    let rule = maps::PolicyRule {
                        endpoint: 0,
                        identity: i + 2,
                        direction: maps::EGRESS,
                        protocol: 6,
                        port: port.to_be_bytes(),
                    };
                    policy
                        .insert(
                            &Key::new(maps::POLICY_FIXED_BITS + u32::from(bits), rule),
                            maps::PolicyVerdict {
                                verdict: maps::VERDICT_ALLOW,
                            },
                            0,
                        )
                        .map_err(|e| err("POLICY_0", e))?;
                    keys += 1;
                }
            }
        }
    }
    {
        let mut protocols: Array<&mut MapData, u8> =
            Array::try_from(ebpf.map_mut("PROTOCOLS_0").ok_or("PROTOCOLS_0")?)
                .map_err(|e| err("PROTOCOLS_0", e))?;
        for p in [1u32, 6, 17, 58, 132] {
            protocols.set(p, 1, 0).map_err(|e| err("PROTOCOLS_0", e))?;
        }
    }
    let prog: &mut SchedClassifier = ebpf
        .program_mut("from_endpoint")
        .ok_or("from_endpoint")?
        .try_into()
        .map_err(|e| err("from_endpoint", e))?;
    prog.load().map_err(|e| err("verify", e))?;

    let target = identities / 2;
    let (lo, hi) = range(ranges / 2, ranges);
    let allowed = packet(LOCAL, peer(target), 40000, lo + (hi - lo) / 2);
    let denied = packet(LOCAL, peer(target), 40000, hi + 1);
    let mut out = Vec::new();
    for (name, data) in [("allowed", &allowed), ("denied", &denied)] {
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
        let mut ct: HashMap<&mut MapData, maps::FlowKey, u32> =
            HashMap::try_from(ebpf.map_mut("CONNTRACK").ok_or("CONNTRACK")?)
                .map_err(|e| err("CONNTRACK", e))?;
        let key = maps::FlowKey {
            src: mapped(peer(target)),
            dst: mapped(LOCAL),
            src_port: 1000,
            dst_port: 8080,
            protocol: 6,
            pad: [0; 3],
        };
        ct.insert(key, 1, 0).map_err(|e| err("CONNTRACK", e))?;
    }
    let prog: &mut SchedClassifier = ebpf
        .program_mut("from_endpoint")
        .ok_or("from_endpoint")?
        .try_into()
        .map_err(|e| err("from_endpoint", e))?;
    let reply = packet(LOCAL, peer(target), 8080, 1000);
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
    eprintln!("  ({keys} policy keys)");
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
    println!("| identities | port ranges each | packet | ns/packet | verdict |");
    println!("| --- | --- | --- | --- | --- |");
    for (identities, ranges) in [(10, 10), (10_000, 4), (1, 1000)] {
        match measure(identities, ranges, repeat) {
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
