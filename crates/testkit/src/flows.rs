//! Observed traffic for a generated cluster: `hubble observe -o json`
//! lines between its pods (with their replies) and to outside addresses,
//! deterministic for a seed, for `polctl replay`'s benchmark and tests.

use std::io::Write;

use polctl::model::Cluster;

use crate::cluster::Rng;

/// A connection the traffic repeats: source pod, destination pod or
/// outside address, destination port, and whether it is UDP.
struct Connection {
    src: usize,
    dst: Result<usize, [u8; 4]>,
    port: u16,
    udp: bool,
}

/// Writes `lines` Hubble flow records over the pods of `cluster`: a fixed
/// set of connections (as a cluster's traffic repeats), each record the
/// first packet of one of them or its reply.
pub fn hubble_export(
    cluster: &Cluster,
    lines: usize,
    seed: u64,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let pods: Vec<usize> = cluster
        .endpoints
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.ips.is_empty() && !e.host_network)
        .map(|(i, _)| i)
        .collect();
    if pods.is_empty() {
        return Ok(());
    }
    let mut rng = Rng::new(seed);
    const PORTS: [u16; 8] = [80, 443, 8080, 5432, 6379, 53, 9090, 3306];
    let connections: Vec<Connection> = (0..pods.len() * 4)
        .map(|_| {
            let src = *rng.pick(&pods);
            let dst = if rng.chance(10) {
                Err([203, 0, 113, rng.range(1, 254) as u8])
            } else {
                Ok(*rng.pick(&pods))
            };
            let port = *rng.pick(&PORTS);
            Connection {
                src,
                dst,
                port,
                udp: port == 53,
            }
        })
        .collect();
    let end = |i: usize| {
        let e = &cluster.endpoints[i];
        (
            e.ips[0].to_string(),
            format!(
                r#"{{"identity":{},"namespace":"{}","pod_name":"{}","labels":["k8s:io.kubernetes.pod.namespace={}"]}}"#,
                10_000 + i,
                e.namespace,
                e.name,
                e.namespace
            ),
        )
    };
    let world = r#"{"identity":2,"labels":["reserved:world"]}"#;
    for n in 0..lines {
        let c = &connections[rng.below(connections.len())];
        let (src, port, udp) = (c.src, c.port, c.udp);
        let (src_ip, src_ep) = end(src);
        let (dst_ip, dst_ep) = match c.dst {
            Ok(d) => end(d),
            Err(a) => (
                format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3]),
                world.to_string(),
            ),
        };
        let reply = rng.chance(40);
        let sport = 32_768 + rng.below(28_000) as u16;
        let ((sip, sep, sp), (dip, dep, dp)) = if reply {
            ((dst_ip, dst_ep, port), (src_ip, src_ep, sport))
        } else {
            ((src_ip, src_ep, sport), (dst_ip, dst_ep, port))
        };
        let (proto, flags) = if udp {
            ("UDP", String::new())
        } else if reply {
            ("TCP", r#","flags":{"SYN":true,"ACK":true}"#.to_string())
        } else {
            ("TCP", r#","flags":{"SYN":true}"#.to_string())
        };
        let verdict = if rng.chance(3) {
            "DROPPED"
        } else {
            "FORWARDED"
        };
        // A thousand records a second.
        let (s, ns) = (n / 1_000, (n % 1_000) * 1_000_000);
        writeln!(
            out,
            r#"{{"flow":{{"time":"2026-12-04T{:02}:{:02}:{:02}.{ns:09}Z","uuid":"{n:08x}-0000-4000-8000-000000000000","verdict":"{verdict}","ethernet":{{"source":"aa:bb:cc:dd:ee:01","destination":"aa:bb:cc:dd:ee:02"}},"IP":{{"source":"{sip}","destination":"{dip}","ipVersion":"IPv4"}},"l4":{{"{proto}":{{"source_port":{sp},"destination_port":{dp}{flags}}}}},"source":{sep},"destination":{dep},"Type":"L3_L4","node_name":"node-{}","event_type":{{"type":4}},"traffic_direction":"{}","is_reply":{reply},"trace_observation_point":"TO_ENDPOINT","Summary":"{proto}"}},"node_name":"node-{}","time":"2026-12-04T10:00:00Z"}}"#,
            (10 + s / 3600) % 24,
            (s / 60) % 60,
            s % 60,
            src % 7,
            if reply { "INGRESS" } else { "EGRESS" },
            src % 7,
        )?;
    }
    Ok(())
}
