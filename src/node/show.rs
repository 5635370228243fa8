//! The compiled maps and the status, as kubectl-style tables.

use comfy_table::{ContentArrangement, Table, presets};

use super::compile::{Plan, protocol_name};
use super::discover::{Discovery, SkipReason};
use super::kernel::{Counters, Status};

fn table<const N: usize>(headers: [&str; N]) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers);
    for col in t.column_iter_mut() {
        col.set_padding((0, 3));
    }
    t
}

fn render(out: &mut String, title: &str, t: &Table) {
    out.push_str(title);
    out.push('\n');
    for line in t.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out.push('\n');
}

fn ports(protocol: u8, (lo, hi): (u16, u16)) -> String {
    if protocol == 1 || protocol == 58 {
        // type << 8 | code
        let (t0, c0, t1, c1) = (lo >> 8, lo & 0xff, hi >> 8, hi & 0xff);
        return if (lo, hi) == (0, u16::MAX) {
            "*".into()
        } else if t0 == t1 && c0 == 0 && c1 == 0xff {
            format!("type {t0}")
        } else {
            format!("{t0}/{c0}-{t1}/{c1}")
        };
    }
    if (lo, hi) == (0, u16::MAX) || (lo, hi) == (1, u16::MAX) || (lo, hi) == (0, 0) {
        "*".into()
    } else if lo == hi {
        lo.to_string()
    } else {
        format!("{lo}-{hi}")
    }
}

/// What `attach --dry-run` prints: every map's contents.
pub fn plan_table(plan: &Plan) -> String {
    let mut out = String::new();
    if let Some(d) = &plan.discovery {
        out.push_str(&discovery_section(d));
    }
    let mut t = table(["INTERFACE", "ENDPOINT", "NUMBER", "IDENTITY", "ADDRESSES"]);
    for e in &plan.endpoints {
        let addrs: Vec<String> = e.addresses.iter().map(ToString::to_string).collect();
        t.add_row([
            e.iface.clone(),
            e.name.clone(),
            e.number.to_string(),
            e.identity.to_string(),
            addrs.join(","),
        ]);
    }
    render(&mut out, "Endpoints (interface → endpoint):", &t);

    let mut t = table(["IDENTITY", "STANDS FOR"]);
    for i in &plan.identities {
        t.add_row([i.identity.to_string(), i.name.clone()]);
    }
    render(&mut out, "Identities:", &t);

    let mut t = table(["PREFIX", "ROLE", "IDENTITY", "LOCAL ENDPOINT"]);
    for i in &plan.identity_entries {
        t.add_row([
            i.prefix.to_string(),
            i.role.to_string(),
            i.identity.to_string(),
            if i.local_endpoint == 0 {
                "-".to_string()
            } else {
                (i.local_endpoint - 1).to_string()
            },
        ]);
    }
    render(
        &mut out,
        "Identity maps (address → identity; whole addresses hashed, shorter prefixes in an LPM trie):",
        &t,
    );

    let entries = super::slot_entries(plan);
    let mut t = table([
        "ENDPOINT",
        "DIRECTION",
        "PEER IDENTITY",
        "PROTOCOL",
        "PORTS",
        "PORT SET",
    ]);
    for (key, value) in &entries.rules {
        let ports: Vec<String> = plan
            .rules
            .iter()
            .filter(|r| {
                r.endpoint == key.endpoint
                    && r.identity == key.identity
                    && r.protocol == key.protocol
                    && (r.direction == "egress") == (key.direction == polctl_node_maps::EGRESS)
            })
            .map(|r| ports(r.protocol, r.ports))
            .collect();
        t.add_row([
            key.endpoint.to_string(),
            if key.direction == polctl_node_maps::EGRESS {
                "egress"
            } else {
                "ingress"
            }
            .to_string(),
            key.identity.to_string(),
            protocol_name(key.protocol),
            ports.join(","),
            if value.port_set == polctl_node_maps::NO_PORT_SET {
                "-".to_string()
            } else {
                value.port_set.to_string()
            },
        ]);
    }
    let sets = entries
        .rules
        .iter()
        .map(|(_, v)| v.port_set)
        .filter(|&s| s != polctl_node_maps::NO_PORT_SET)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    render(
        &mut out,
        &format!(
            "Rules map (hash; {} rules, {sets} port sets in {} 256-port bitmaps; a miss drops):",
            entries.rules.len(),
            entries.ports.len()
        ),
        &t,
    );

    out.push_str(&not_enforced_section(plan.not_enforced.iter().map(|n| {
        [
            n.endpoint.clone(),
            n.direction.to_string(),
            n.peer.clone(),
            n.kind.to_string(),
            n.connections.to_string(),
            n.treatment.to_string(),
        ]
    })));
    out
}

fn not_enforced_section(rows: impl Iterator<Item = [String; 6]>) -> String {
    let mut t = table([
        "ENDPOINT",
        "DIRECTION",
        "PEER",
        "NEEDS",
        "CONNECTIONS",
        "IN THE KERNEL",
    ]);
    let mut any = false;
    for row in rows {
        any = true;
        t.add_row(row);
    }
    let mut out = String::new();
    if any {
        render(&mut out, "Not enforceable in the kernel:", &t);
    } else {
        out.push_str("Not enforceable in the kernel: nothing (no connection needs an L7 proxy or authentication)\n");
    }
    out
}

/// What `--auto` found; the pods it skipped for their routes, with the
/// route (those on other nodes or the host network only counted).
fn discovery_section(d: &Discovery) -> String {
    let mut out = String::new();
    let node = d.node.as_deref().unwrap_or("?");
    let mut t = table(["INTERFACE", "ENDPOINT", "ADDRESS"]);
    for f in &d.found {
        t.add_row([f.iface.clone(), f.endpoint.clone(), f.address.to_string()]);
    }
    let title = format!("Discovered on node {node}: {}", d.summary());
    if d.found.is_empty() {
        out.push_str(&title);
        out.push_str("\n\n");
    } else {
        render(&mut out, &format!("{title}:"), &t);
    }
    let mut t = table(["ENDPOINT", "NOT LOCAL BECAUSE"]);
    let mut any = false;
    for s in d
        .skipped
        .iter()
        .filter(|s| matches!(s.reason, SkipReason::NotLocal | SkipReason::SplitRoutes))
    {
        any = true;
        t.add_row([s.endpoint.clone(), s.detail.clone()]);
    }
    if any {
        render(&mut out, "Skipped for their routes:", &t);
    }
    out
}

fn counters(c: &Counters) -> String {
    format!(
        "{} allowed, {} replies, {} denied, {} fragments dropped",
        c.allowed, c.reply, c.denied, c.fragment_dropped
    )
}

/// `polctl node status`.
pub fn status_table(s: &Status) -> String {
    let mut out = String::new();
    let mut t = table([
        "INTERFACE",
        "ENDPOINT",
        "IDENTITY",
        "ATTACHED",
        "EGRESS",
        "INGRESS",
    ]);
    for i in &s.interfaces {
        t.add_row([
            i.iface.clone(),
            i.endpoint.clone(),
            i.identity.to_string(),
            if i.attached { "yes" } else { "no" }.to_string(),
            counters(&i.egress),
            counters(&i.ingress),
        ]);
    }
    render(&mut out, "Interfaces:", &t);
    if let Some(d) = &s.discovery {
        out.push_str(&format!(
            "Endpoints found by --auto on node {}: {}\n\n",
            d.node.as_deref().unwrap_or("?"),
            d.summary()
        ));
    }
    let mut t = table(["MAP", "ENTRIES"]);
    for (name, n) in &s.maps {
        t.add_row([name.clone(), n.to_string()]);
    }
    render(&mut out, "Maps:", &t);
    out.push_str(&not_enforced_section(s.not_enforced.iter().map(|n| {
        [
            n.endpoint.clone(),
            n.direction.clone(),
            n.peer.clone(),
            n.kind.clone(),
            n.connections.clone(),
            n.treatment.clone(),
        ]
    })));
    out
}
