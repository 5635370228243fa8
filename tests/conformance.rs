//! Conformance against peer analyzers: polctl's evaluator is compared, probe
//! by probe, with the connectivity that np-guard's netpol-analyzer and NCA
//! computed for their test scenarios (`../shared/conformance`, see the
//! READMEs there).
//!
//! The evaluator answers one flow at a time, so `conformance` samples: for
//! every ordered pair of peers it probes
//! a set of (protocol, port) points taken from the boundaries of the ranges
//! in the expected results and the numbers in the scenario's manifests; for
//! addresses it probes the edges of every range and CIDR that appears.
//!
//! `graph_agrees_with_netpol_analyzer` needs no sampling: `polctl graph`
//! gives exact port sets per workload pair and address range, and so does
//! netpol-analyzer's connectivity list; the two are compared whole.
//!
//! Scenarios where polctl and the peer are known to differ are listed in
//! `KNOWN_DIFFERENCES` with the reason; `tests/conformance/KNOWN_DIFFERENCES.md`
//! explains each. A listed scenario that now agrees fails the test too, so
//! the list stays honest.

// The report goes to stderr, as the test harness shows it on failure.
#![allow(clippy::print_stderr)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use polctl::dialect::lower::{Choice, Input, lower};
use polctl::load::{Inputs, Inventory, load};
use polctl::model::policy::{Cni, Version};
use polctl::model::{Flow, FlowEnd, Peer, Proto};
use polctl::sim::eval::{DirectionTrace, Evaluator, Outcome};

/// Scenarios (`suite/name`) where polctl is expected to disagree with the
/// peer, and why in one line; KNOWN_DIFFERENCES.md has the full reasoning.
const KNOWN_DIFFERENCES: &[(&str, &str)] = &[
    // hostNetwork pods: the peers police them like ordinary pods; no
    // dataplane does (SEMANTICS.md §F11, §F12).
    ("nca/k8s-ipblockstest-ipblockstest-config", HOSTNET),
    ("netpol-analyzer/ipblockstest", HOSTNET),
    ("netpol-analyzer/ipblockstest_2", HOSTNET),
    ("netpol-analyzer/ipblockstest_3", HOSTNET),
    ("netpol-analyzer/ipblockstest_4", HOSTNET),
    ("netpol-analyzer/multiple_topology_resources_1", HOSTNET),
    ("netpol-analyzer/multiple_topology_resources_2", HOSTNET),
    ("netpol-analyzer/semanticDiff-same-topologies-new1", HOSTNET),
    (
        "netpol-analyzer/semanticDiff-same-topologies-new1a",
        HOSTNET,
    ),
    ("netpol-analyzer/semanticDiff-same-topologies-new2", HOSTNET),
    ("netpol-analyzer/semanticDiff-same-topologies-new3", HOSTNET),
    ("netpol-analyzer/semanticDiff-same-topologies-old1", HOSTNET),
    ("netpol-analyzer/semanticDiff-same-topologies-old2", HOSTNET),
    ("netpol-analyzer/semanticDiff-same-topologies-old3", HOSTNET),
    // ipBlock CIDRs that cover pod addresses (SEMANTICS.md §F7, §A9).
    ("nca/k8s-withIpBlock2-np1", IPBLOCK),
    (
        "netpol-analyzer/semanticDiff-different-topologies-policy-a-with-ipblock",
        IPBLOCK,
    ),
    (
        "netpol-analyzer/semanticDiff-different-topologies-policy-b-with-ipblock",
        IPBLOCK,
    ),
    // Inputs an API server rejects, which polctl rejects too.
    ("nca/calico-testcase15-ports-global-simple", PORT_NAME),
    ("nca/calico-testcase15-ports-global-not-simple", PORT_NAME),
    (
        "nca/calico-testcase15-ports-global-not-simple.testcase15-global-ports-not-simple-match-ingress-egress",
        PORT_NAME,
    ),
    (
        "nca/calico-testcase15-ports-global-not-simple.testcase15-global-ports-not-simple-mismatch-ingress-egress",
        PORT_NAME,
    ),
    (
        "nca/k8s-withIpBlock2-np3",
        "ipBlock `except` outside its `cidr`: the API server rejects it (SEMANTICS.md §F7), so does polctl",
    ),
    // Profile rules: the peer ignores them (its README, difference 3).
    (
        "nca/calico-testcase19-profiles-np9-cnc-fe-between-namespaces-with-label-to-apply",
        PROFILE_RULES,
    ),
];

const HOSTNET: &str = "hostNetwork pods: the peer isolates and selects them; polctl (the dataplane) does not police them and allows node-local traffic";
const IPBLOCK: &str = "an ipBlock covers pod addresses: polctl matches pods by address (Calico), the peer matches only outside addresses";
const NOTNETS: &str = "a notNets-only rule: Calico matches pod addresses against notNets, NCA treats every pod as outside the list";
const PORT_NAME: &str = "container port name `calico-node-port` is 16 characters: the API server rejects it (max 15), so does polctl";
const PROFILE_RULES: &str = "profile rules: the peer allows everything to an endpoint no policy selects; the dataplane evaluates the profiles it lists, which allow less";

/// At most this many addresses are probed per endpoint and direction.
const MAX_IPS: usize = 24;
/// At most this many ICMP (type, code) probes per scenario.
const MAX_ICMP: usize = 16;
/// Mismatch lines kept per scenario (all are counted).
const MAX_LINES: usize = 12;

// ---------------------------------------------------------------- ranges

type Ranges = Vec<(u32, u32)>;

fn in_ranges(ranges: &[(u32, u32)], v: u32) -> bool {
    ranges.iter().any(|&(lo, hi)| lo <= v && v <= hi)
}

fn parse_ranges(text: &str) -> Result<Ranges, String> {
    text.split(',')
        .map(|r| {
            let r = r.trim();
            let (lo, hi) = r.split_once('-').unwrap_or((r, r));
            let lo: u32 = lo.parse().map_err(|_| format!("bad range `{r}`"))?;
            let hi: u32 = hi.parse().map_err(|_| format!("bad range `{r}`"))?;
            Ok((lo, hi))
        })
        .collect()
}

// ----------------------------------------------------------- connections

/// One part of an allowed-connections set; the set is their union.
#[derive(Clone, Debug)]
enum Clause {
    /// Every protocol, port, type and code.
    All,
    /// TCP, UDP or SCTP: destination and source port ranges.
    Ports { proto: u8, dst: Ranges, src: Ranges },
    /// ICMP or ICMPv6: type and code ranges.
    Icmp {
        proto: u8,
        types: Ranges,
        codes: Ranges,
    },
    /// A whole protocol.
    Proto(u8),
    /// Every protocol other than TCP, UDP, SCTP, ICMP and ICMPv6, except these.
    Other { except: Vec<u8> },
}

#[derive(Clone, Debug, Default)]
struct Conns(Vec<Clause>);

const FULL_PORTS: (u32, u32) = (1, 65535);

impl Conns {
    fn allows(&self, p: &Probe) -> bool {
        self.0.iter().any(|c| match c {
            Clause::All => true,
            Clause::Ports { proto, dst, src } => {
                *proto == p.proto
                    && in_ranges(dst, p.port as u32)
                    && in_ranges(src, p.sport.unwrap_or(SPORT) as u32)
            }
            Clause::Icmp {
                proto,
                types,
                codes,
            } => {
                let (t, c) = p.icmp.unwrap_or((0, 0));
                *proto == p.proto && in_ranges(types, t as u32) && in_ranges(codes, c as u32)
            }
            Clause::Proto(n) => *n == p.proto,
            Clause::Other { except } => {
                ![6, 17, 132, 1, 58].contains(&p.proto) && !except.contains(&p.proto)
            }
        })
    }

    /// Every range in the set, for choosing probes.
    fn port_ranges(&self) -> impl Iterator<Item = (&Ranges, &Ranges)> {
        self.0.iter().filter_map(|c| match c {
            Clause::Ports { dst, src, .. } => Some((dst, src)),
            _ => None,
        })
    }
}

fn proto_number(name: &str) -> Option<u8> {
    match name {
        "TCP" => Some(6),
        "UDP" => Some(17),
        "SCTP" => Some(132),
        "ICMP" => Some(1),
        "ICMPv6" => Some(58),
        "VRRP" => Some(112),
        "GRE" => Some(47),
        "ESP" => Some(50),
        "AH" => Some(51),
        "IGMP" => Some(2),
        "UDPLite" => Some(136),
        n => n.parse().ok(),
    }
}

/// netpol-analyzer: `All Connections` or `TCP 80,8080,UDP 53-54`.
fn parse_npa_conns(text: &str) -> Result<Conns, String> {
    let text = text.trim();
    if text == "All Connections" {
        return Ok(Conns(vec![Clause::All]));
    }
    let mut out = Vec::new();
    let mut current: Option<(u8, String)> = None;
    let flush = |cur: &mut Option<(u8, String)>, out: &mut Vec<Clause>| -> Result<(), String> {
        if let Some((proto, ranges)) = cur.take() {
            out.push(Clause::Ports {
                proto,
                dst: parse_ranges(&ranges)?,
                src: vec![FULL_PORTS],
            });
        }
        Ok(())
    };
    for token in text.split(',') {
        let token = token.trim();
        if let Some((name, rest)) = token.split_once(' ') {
            flush(&mut current, &mut out)?;
            let proto = match name {
                "TCP" | "UDP" | "SCTP" => proto_number(name).unwrap(),
                _ => return Err(format!("unknown protocol in `{text}`")),
            };
            current = Some((proto, rest.to_string()));
        } else {
            match &mut current {
                Some((_, ranges)) => {
                    ranges.push(',');
                    ranges.push_str(token);
                }
                None => return Err(format!("range before protocol in `{text}`")),
            }
        }
    }
    flush(&mut current, &mut out)?;
    Ok(Conns(out))
}

/// NCA: `All` or clauses joined by `;` (README "conns grammar").
fn parse_nca_conns(text: &str) -> Result<Conns, String> {
    if text == "All" {
        return Ok(Conns(vec![Clause::All]));
    }
    let mut out = Vec::new();
    for clause in text.split(';') {
        let mut words = clause.split(' ');
        let name = words.next().unwrap_or_default();
        let rest: Vec<&str> = words.collect();
        match name {
            "TCP" | "UDP" | "SCTP" => {
                let mut dst = vec![FULL_PORTS];
                let mut src = vec![FULL_PORTS];
                for w in rest {
                    match w.strip_prefix("sport:") {
                        Some(r) => src = parse_ranges(r)?,
                        None => dst = parse_ranges(w)?,
                    }
                }
                out.push(Clause::Ports {
                    proto: proto_number(name).unwrap(),
                    dst,
                    src,
                });
            }
            "ICMP" | "ICMPv6" => {
                let mut types = vec![(0, 254)];
                let mut codes = vec![(0, 255)];
                for w in rest {
                    if let Some(r) = w.strip_prefix("type:") {
                        types = parse_ranges(r)?;
                    } else if let Some(r) = w.strip_prefix("code:") {
                        codes = parse_ranges(r)?;
                    } else {
                        return Err(format!("bad ICMP clause `{clause}`"));
                    }
                }
                out.push(Clause::Icmp {
                    proto: proto_number(name).unwrap(),
                    types,
                    codes,
                });
            }
            "OTHER" => {
                let except = match rest.as_slice() {
                    [] => Vec::new(),
                    ["except", list] => list
                        .split(',')
                        .map(|p| proto_number(p).ok_or(format!("unknown protocol `{p}`")))
                        .collect::<Result<_, _>>()?,
                    _ => return Err(format!("bad OTHER clause `{clause}`")),
                };
                out.push(Clause::Other { except });
            }
            other => match (proto_number(other), rest.is_empty()) {
                (Some(n), true) => out.push(Clause::Proto(n)),
                _ => return Err(format!("bad clause `{clause}`")),
            },
        }
    }
    Ok(Conns(out))
}

// -------------------------------------------------------------- addresses

/// An address as a number in its family.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Addr {
    v6: bool,
    n: u128,
}

impl Addr {
    fn of(ip: IpAddr) -> Addr {
        match ip {
            IpAddr::V4(a) => Addr {
                v6: false,
                n: u32::from(a) as u128,
            },
            IpAddr::V6(a) => Addr {
                v6: true,
                n: u128::from(a),
            },
        }
    }

    fn ip(self) -> IpAddr {
        if self.v6 {
            IpAddr::V6(Ipv6Addr::from(self.n))
        } else {
            IpAddr::V4(Ipv4Addr::from(self.n as u32))
        }
    }

    fn max(self) -> u128 {
        if self.v6 { u128::MAX } else { u32::MAX as u128 }
    }

    fn step(self, up: bool) -> Option<Addr> {
        let n = if up {
            (self.n < self.max()).then(|| self.n + 1)?
        } else {
            self.n.checked_sub(1)?
        };
        Some(Addr { n, ..self })
    }
}

#[derive(Clone, Copy, Debug)]
struct AddrRange {
    lo: Addr,
    hi: Addr,
}

impl AddrRange {
    fn contains(&self, a: Addr) -> bool {
        a.v6 == self.lo.v6 && self.lo.n <= a.n && a.n <= self.hi.n
    }

    fn cidr(text: &str) -> Option<AddrRange> {
        let net: ipnet::IpNet = text.trim().parse().ok()?;
        Some(AddrRange {
            lo: Addr::of(net.network()),
            hi: Addr::of(net.broadcast()),
        })
    }
}

// ---------------------------------------------------------------- probes

/// The default source port of a probe.
const SPORT: u16 = 40000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Probe {
    proto: u8,
    port: u16,
    sport: Option<u16>,
    icmp: Option<(u8, u8)>,
}

impl std::fmt::Display for Probe {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", Proto(self.proto))?;
        if let Some((t, c)) = self.icmp {
            write!(f, " type {t} code {c}")
        } else if matches!(self.proto, 6 | 17 | 132) {
            write!(f, "/{}", self.port)?;
            match self.sport {
                Some(s) if s != SPORT => write!(f, " sport {s}"),
                _ => Ok(()),
            }
        } else {
            Ok(())
        }
    }
}

fn add_edges(set: &mut BTreeSet<u32>, lo: u32, hi: u32, min: u32, max: u32) {
    for v in [lo.saturating_sub(1), lo, hi, hi.saturating_add(1)] {
        set.insert(v.clamp(min, max));
    }
}

/// Numbers in the scenario's manifests that could cut port, address or
/// ICMP spaces.
#[derive(Default)]
struct Hints {
    ports: BTreeSet<u32>,
    icmp_types: BTreeSet<u32>,
    icmp_codes: BTreeSet<u32>,
    nets: Vec<AddrRange>,
    mentions_v6: bool,
}

fn scan_hints(input: &Path) -> Hints {
    let port = regex::Regex::new(
        r#"(?i)"?\b(?:port|endport|containerport|targetport|hostport)"?\s*:\s*"?(\d{1,5})\b"#,
    )
    .unwrap();
    let calico_range = regex::Regex::new(r#""(\d{1,5}):(\d{1,5})""#).unwrap();
    let icmp_type = regex::Regex::new(r#""?\btype"?\s*:\s*(\d{1,3})\b"#).unwrap();
    let icmp_code = regex::Regex::new(r#""?\bcode"?\s*:\s*(\d{1,3})\b"#).unwrap();
    let v4 = regex::Regex::new(r"\b(\d{1,3}(?:\.\d{1,3}){3}/\d{1,2})\b").unwrap();
    let v6 = regex::Regex::new(r"([0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}/\d{1,3})").unwrap();
    let mut hints = Hints::default();
    let mut files = Vec::new();
    walk(input, &mut files);
    for f in files {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        // Port numbers only from policies: pod lists name many ports that
        // cut nothing (the expectation's own edges cover named ports).
        let policy = text.contains("Policy") || text.contains("Profile");
        for c in port.captures_iter(&text).filter(|_| policy) {
            if let Ok(n) = c[1].parse::<u32>()
                && (1..=65535).contains(&n)
            {
                add_edges(&mut hints.ports, n, n, 1, 65535);
            }
        }
        for c in calico_range.captures_iter(&text) {
            if let (Ok(lo), Ok(hi)) = (c[1].parse::<u32>(), c[2].parse::<u32>())
                && lo <= hi
                && hi <= 65535
            {
                add_edges(&mut hints.ports, lo.max(1), hi, 1, 65535);
            }
        }
        for c in icmp_type.captures_iter(&text) {
            if let Ok(n) = c[1].parse::<u32>() {
                add_edges(&mut hints.icmp_types, n, n, 0, 254);
            }
        }
        for c in icmp_code.captures_iter(&text) {
            if let Ok(n) = c[1].parse::<u32>() {
                add_edges(&mut hints.icmp_codes, n, n, 0, 255);
            }
        }
        for c in v4.captures_iter(&text) {
            hints.nets.extend(AddrRange::cidr(&c[1]));
        }
        for c in v6.captures_iter(&text) {
            if let Some(r) = AddrRange::cidr(&c[1]) {
                hints.mentions_v6 = true;
                hints.nets.push(r);
            }
        }
    }
    hints
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            walk(&p, out);
        } else {
            out.push(p);
        }
    }
}

// ------------------------------------------------------------ expectation

/// What a peer computed for one scenario, keyed by the peer's endpoint names.
#[derive(Default)]
struct Expect {
    /// Endpoint pairs with something allowed.
    pairs: HashMap<(String, String), Conns>,
    /// Per endpoint: address ranges it accepts from, and sends to.
    from_ips: HashMap<String, Vec<(AddrRange, Conns)>>,
    to_ips: HashMap<String, Vec<(AddrRange, Conns)>>,
    /// Every address range named.
    ranges: Vec<AddrRange>,
    /// The peer's endpoint names.
    names: BTreeSet<String>,
    /// Endpoints the peer did not model: pairs with them are not compared.
    not_modeled: HashSet<String>,
}

impl Expect {
    fn all_conns(&self) -> impl Iterator<Item = &Conns> {
        self.pairs
            .values()
            .chain(self.from_ips.values().flatten().map(|(_, c)| c))
            .chain(self.to_ips.values().flatten().map(|(_, c)| c))
    }
}

/// `a.b.c.d-e.f.g.h[External]` or `ns/name[Kind]`.
enum NpaPeer {
    External(AddrRange),
    Workload { key: String, kind: String },
}

fn parse_npa_peer(text: &str) -> Result<NpaPeer, String> {
    let text = text.trim();
    let (body, kind) = text
        .strip_suffix(']')
        .and_then(|t| t.rsplit_once('['))
        .ok_or(format!("bad peer `{text}`"))?;
    if kind == "External" {
        let (lo, hi) = body.split_once('-').ok_or(format!("bad range `{body}`"))?;
        let lo: IpAddr = lo.parse().map_err(|_| format!("bad address `{lo}`"))?;
        let hi: IpAddr = hi.parse().map_err(|_| format!("bad address `{hi}`"))?;
        Ok(NpaPeer::External(AddrRange {
            lo: Addr::of(lo),
            hi: Addr::of(hi),
        }))
    } else {
        Ok(NpaPeer::Workload {
            key: body.to_string(),
            kind: kind.to_string(),
        })
    }
}

fn read_npa(dir: &Path) -> Result<(Expect, BTreeMap<String, String>), String> {
    let text = std::fs::read_to_string(dir.join("expected_connlist.txt"))
        .map_err(|e| format!("expected_connlist.txt: {e}"))?;
    let mut ex = Expect::default();
    let mut kinds = BTreeMap::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (src, rest) = line
            .split_once(" => ")
            .ok_or(format!("bad line `{line}`"))?;
        let (dst, conns) = rest.split_once(" : ").ok_or(format!("bad line `{line}`"))?;
        let conns = parse_npa_conns(conns)?;
        let mut name = |p: NpaPeer| match p {
            NpaPeer::Workload { key, kind } => {
                kinds.insert(key.clone(), kind);
                ex.names.insert(key.clone());
                Ok(key)
            }
            NpaPeer::External(r) => Err(r),
        };
        match (name(parse_npa_peer(src)?), name(parse_npa_peer(dst)?)) {
            (Ok(s), Ok(d)) => {
                ex.pairs.insert((s, d), conns);
            }
            (Err(r), Ok(d)) => {
                ex.ranges.push(r);
                ex.from_ips.entry(d).or_default().push((r, conns));
            }
            (Ok(s), Err(r)) => {
                ex.ranges.push(r);
                ex.to_ips.entry(s).or_default().push((r, conns));
            }
            (Err(_), Err(_)) => return Err(format!("address-to-address line `{line}`")),
        }
    }
    Ok((ex, kinds))
}

fn is_cidr_list(text: &str) -> Option<Vec<AddrRange>> {
    text.split(',').map(AddrRange::cidr).collect()
}

fn read_nca(dir: &Path) -> Result<(Expect, Vec<String>, Vec<String>), String> {
    let text = std::fs::read_to_string(dir.join("expected_pairs.json"))
        .map_err(|e| format!("expected_pairs.json: {e}"))?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let strings = |v: &serde_json::Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut ex = Expect::default();
    let pods = strings(&json["endpoints"]["pods"]);
    let hosts = strings(&json["endpoints"]["hosts"]);
    ex.names.extend(pods.iter().cloned());
    ex.names.extend(hosts.iter().cloned());
    ex.not_modeled = strings(&json["not_modeled"]).into_iter().collect();
    let flags = strings(&json["flags"]);
    for pair in json["pairs"].as_array().ok_or("no pairs")? {
        let src = pair["src"].as_str().ok_or("pair without src")?;
        let dst = pair["dst"].as_str().ok_or("pair without dst")?;
        let conns = parse_nca_conns(pair["conns"].as_str().ok_or("pair without conns")?)?;
        match (is_cidr_list(src), is_cidr_list(dst)) {
            (None, None) => {
                ex.pairs.insert((src.to_string(), dst.to_string()), conns);
            }
            (Some(rs), None) => {
                for r in rs {
                    ex.ranges.push(r);
                    ex.from_ips
                        .entry(dst.to_string())
                        .or_default()
                        .push((r, conns.clone()));
                }
            }
            (None, Some(rs)) => {
                for r in rs {
                    ex.ranges.push(r);
                    ex.to_ips
                        .entry(src.to_string())
                        .or_default()
                        .push((r, conns.clone()));
                }
            }
            (Some(_), Some(_)) => return Err(format!("address-to-address pair {src} {dst}")),
        }
    }
    Ok((ex, hosts, flags))
}

// --------------------------------------------------------------- scenario

#[derive(Clone, Copy, PartialEq, Eq)]
enum Suite {
    NetpolAnalyzer,
    Nca,
}

struct Scenario {
    suite: Suite,
    id: String,
    dir: PathBuf,
    cost: u64,
}

#[derive(Default)]
struct Report {
    id: String,
    compared: usize,
    mismatches: usize,
    /// Probes that failed, grouped: (class, lines).
    lines: Vec<String>,
    error: Option<String>,
    notes: Vec<String>,
    /// Mismatching probes by class: `hostNetwork` when an end is a
    /// hostNetwork pod, `ipBlock` when polctl's deciding rule matched a pod
    /// by address, `profiles` when the peer allows what the endpoints'
    /// profiles deny, else `other`.
    classes: BTreeMap<&'static str, usize>,
}

impl Report {
    fn agrees(&self) -> bool {
        self.error.is_none() && self.mismatches == 0
    }

    fn mismatch(&mut self, line: String) {
        self.mismatches += 1;
        if self.lines.len() < MAX_LINES {
            self.lines.push(line);
        }
    }
}

/// One end as polctl's cluster has it.
#[derive(Clone)]
struct End {
    key: String,
    peer: Peer,
}

fn describe(d: &DirectionTrace) -> String {
    let by = &d.decided_by;
    let mut s = format!("{} {}", d.verdict, by.step);
    if let Some(p) = &by.policy {
        write!(s, " {p}").unwrap();
    }
    if let Some(r) = &by.rule {
        write!(s, " {r}").unwrap();
    }
    if let Some(t) = &by.tier {
        write!(s, " (tier {t})").unwrap();
    }
    s
}

/// Whether a denied flow was denied only where an endpoint's profiles
/// decided (no tier applied, or the last one passed).
fn denied_by_profiles(o: &Outcome) -> bool {
    let profile =
        |d: &DirectionTrace| matches!(d.decided_by.step.as_str(), "profile" | "no-profile");
    [&o.egress, &o.ingress]
        .iter()
        .all(|d| d.verdict.is_allow() || profile(d))
}

fn why(o: &Outcome) -> String {
    format!(
        "egress: {}; ingress: {}",
        describe(&o.egress),
        describe(&o.ingress)
    )
}

struct Checker<'a> {
    eval: Evaluator<'a>,
    probes: Vec<Probe>,
    report: Report,
    /// (src, dst) -> count of mismatching probes, for grouping.
    pairs_failed: usize,
    /// Addresses of hostNetwork pods.
    hostnet: HashSet<IpAddr>,
    /// CIDRs the scenario's manifests name.
    nets: Vec<AddrRange>,
}

impl Checker<'_> {
    fn flow(src: &Peer, dst: &Peer, p: &Probe) -> Flow {
        let ported = matches!(p.proto, 6 | 17 | 132);
        Flow {
            src: src.clone(),
            dst: dst.clone(),
            protocol: Proto(p.proto),
            port: if ported { p.port } else { 0 },
            src_port: if ported {
                Some(p.sport.unwrap_or(SPORT))
            } else {
                None
            },
            icmp_type: p.icmp.map(|i| i.0),
            icmp_code: p.icmp.map(|i| i.1),
            http: None,
            l7: vec![],
            auth_fails: false,
        }
    }

    /// Probes one (src, dst) with `expected` deciding each probe.
    fn pair(&mut self, src: &Peer, dst: &Peer, expected: &dyn Fn(&Probe) -> bool) {
        let mut wrong: Vec<(Probe, bool, String)> = Vec::new();
        // Every mismatch is a denial by the endpoints' profiles that the
        // peer allows (it ignores profile rules).
        let mut by_profiles = true;
        for p in &self.probes {
            let want = expected(p);
            let outcome = self.eval.evaluate(Self::flow(src, dst, p));
            let got = outcome.verdict.is_allow();
            self.report.compared += 1;
            if got != want {
                by_profiles &= want && denied_by_profiles(&outcome);
                let detail = if wrong.is_empty() {
                    why(&outcome)
                } else {
                    String::new()
                };
                wrong.push((*p, want, detail));
            }
        }
        if wrong.is_empty() {
            return;
        }
        self.pairs_failed += 1;
        let n = wrong.len();
        let pods = matches!(src.end, FlowEnd::Pod { .. }) && matches!(dst.end, FlowEnd::Pod { .. });
        let class = if self.hostnet.contains(&src.ip) || self.hostnet.contains(&dst.ip) {
            "hostNetwork"
        } else if pods
            && wrong.iter().all(|w| !w.1)
            && self
                .nets
                .iter()
                .any(|r| r.contains(Addr::of(src.ip)) || r.contains(Addr::of(dst.ip)))
        {
            "ipBlock"
        } else if by_profiles {
            "profiles"
        } else {
            "other"
        };
        *self.report.classes.entry(class).or_default() += n;
        let allow_missing: Vec<String> = wrong
            .iter()
            .filter(|w| w.1)
            .map(|w| w.0.to_string())
            .take(6)
            .collect();
        let deny_missing: Vec<String> = wrong
            .iter()
            .filter(|w| !w.1)
            .map(|w| w.0.to_string())
            .take(6)
            .collect();
        let mut line = format!("{} -> {}:", src.name, dst.name);
        if !allow_missing.is_empty() {
            write!(
                line,
                " peer allows, polctl denies [{}]",
                allow_missing.join(", ")
            )
            .unwrap();
        }
        if !deny_missing.is_empty() {
            write!(
                line,
                " peer denies, polctl allows [{}]",
                deny_missing.join(", ")
            )
            .unwrap();
        }
        write!(line, " ({n} probes; first: {})", wrong[0].2).unwrap();
        self.report.mismatches += n - 1;
        self.report.mismatch(line);
    }
}

fn external(a: Addr) -> Peer {
    Peer {
        name: a.ip().to_string(),
        ip: a.ip(),
        end: FlowEnd::External,
        service: None,
    }
}

/// Addresses to probe: the edges of every range, spread out when there are
/// too many; never an address the cluster uses.
fn address_points(ranges: &[AddrRange], v6: bool, taken: &HashSet<IpAddr>) -> Vec<Addr> {
    let mut set: BTreeSet<Addr> = BTreeSet::new();
    let zero = Addr { v6: false, n: 0 };
    set.insert(zero);
    set.insert(Addr {
        v6: false,
        n: zero.max(),
    });
    if v6 {
        let z6 = Addr { v6: true, n: 0 };
        set.insert(z6);
        set.insert(Addr {
            v6: true,
            n: z6.max(),
        });
    }
    for r in ranges {
        if r.lo.v6 && !v6 {
            continue;
        }
        set.extend([r.lo, r.hi]);
        set.extend(r.lo.step(false));
        set.extend(r.hi.step(true));
        // An address inside, away from the edges.
        set.insert(Addr {
            n: r.lo.n + (r.hi.n - r.lo.n) / 2,
            ..r.lo
        });
    }
    let all: Vec<Addr> = set
        .into_iter()
        .filter(|a| !taken.contains(&a.ip()))
        .collect();
    if all.len() <= MAX_IPS {
        return all;
    }
    let step = all.len() as f64 / MAX_IPS as f64;
    (0..MAX_IPS)
        .map(|i| all[(i as f64 * step) as usize])
        .collect()
}

// ---------------------------------------------------------------- repairs

/// Peer inputs that no API server would accept, in ways that do not touch
/// policy meaning, are repaired before loading (KNOWN_DIFFERENCES.md,
/// "Input repairs"). Only files that need a repair are rewritten (as JSON,
/// one file per document); the rest are copied unchanged.
fn repaired_input(dir: &Path, notes: &mut Vec<String>) -> Result<tempfile::TempDir, String> {
    use serde_yaml::Value;
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut files = Vec::new();
    walk(&dir.join("input"), &mut files);
    let mut namespaces: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
    // (relative path, original text, documents or None when left alone)
    let mut parsed: Vec<(PathBuf, String, Option<Vec<Value>>)> = Vec::new();
    for f in files {
        let rel = f.strip_prefix(dir.join("input")).unwrap().to_path_buf();
        let ext = f.extension().and_then(|e| e.to_str()).unwrap_or("");
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        if !matches!(ext, "yaml" | "yml" | "json") {
            continue;
        }
        let mut docs = Vec::new();
        let mut ok = true;
        for d in serde_yaml::Deserializer::from_str(&text) {
            match <Value as serde::Deserialize>::deserialize(d) {
                Ok(v) => docs.push(v),
                Err(_) => {
                    ok = false;
                    break;
                }
            }
        }
        parsed.push((rel, text, ok.then_some(docs)));
    }
    let mut changed: HashSet<usize> = HashSet::new();
    for (fi, (_, _, docs)) in parsed.iter_mut().enumerate() {
        let Some(docs) = docs.as_mut() else {
            continue;
        };
        let mut n = 0;
        // A file holding a top-level array of objects: one document each.
        if docs.iter().any(|d| d.is_sequence()) {
            let flat: Vec<Value> = std::mem::take(docs)
                .into_iter()
                .flat_map(|d| match d {
                    Value::Sequence(items) => items,
                    other => vec![other],
                })
                .collect();
            *docs = flat;
            notes.push("repair: top-level array split into documents".into());
            n += 1;
        }
        for doc in docs.iter_mut() {
            n += repair(doc, notes);
        }
        if n > 0 {
            changed.insert(fi);
        }
    }
    // A Namespace defined twice (a peer's helper file next to the full
    // list): keep the first, with the labels of both.
    let mut drop: HashSet<(usize, usize)> = HashSet::new();
    let mut merged: Vec<((usize, usize, usize), Value)> = Vec::new();
    for (fi, (_, _, docs)) in parsed.iter().enumerate() {
        let Some(docs) = docs else { continue };
        for (di, doc) in docs.iter().enumerate() {
            for (path, ns) in namespace_docs(doc) {
                let name = ns["metadata"]["name"].as_str().unwrap_or("").to_string();
                match namespaces.get(&name) {
                    None => {
                        namespaces.insert(name, (fi, di, path));
                    }
                    Some(&first) => {
                        notes.push(format!("repair: duplicate Namespace {name} merged"));
                        drop.insert((fi, di * 10_000 + path));
                        merged.push((first, ns["metadata"]["labels"].clone()));
                        changed.insert(fi);
                        changed.insert(first.0);
                    }
                }
            }
        }
    }
    for ((fi, di, want), labels) in merged {
        if let Some(docs) = parsed[fi].2.as_mut()
            && let Some(Value::Mapping(extra)) = Some(labels)
        {
            for (path, ns) in namespace_docs_mut(&mut docs[di]) {
                if path != want {
                    continue;
                }
                if let Some(Value::Mapping(meta)) = ns.get_mut("metadata") {
                    let labels = meta
                        .entry(Value::from("labels"))
                        .or_insert(Value::Mapping(Default::default()));
                    if let Value::Mapping(l) = labels {
                        for (k, v) in extra.iter() {
                            l.entry(k.clone()).or_insert(v.clone());
                        }
                    }
                }
                break;
            }
        }
    }
    for (fi, (rel, text, docs)) in parsed.iter_mut().enumerate() {
        let out = tmp.path().join(rel.as_path());
        if let Some(parent) = out.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        match docs {
            Some(docs) if changed.contains(&fi) => {
                for (di, doc) in docs.iter_mut().enumerate() {
                    remove_items(doc, di, &drop, fi);
                    if doc.is_null() {
                        continue;
                    }
                    let json = serde_json::to_string_pretty(doc).map_err(|e| e.to_string())?;
                    let name = format!("{}.doc{di}.json", out.display());
                    std::fs::write(name, json).map_err(|e| e.to_string())?;
                }
            }
            _ => std::fs::write(&out, text).map_err(|e| e.to_string())?,
        }
    }
    Ok(tmp)
}

/// The Namespaces of a document: itself, or the items of a list, each with
/// its position (0 for the document, 1 + index for items).
fn namespace_docs(doc: &serde_yaml::Value) -> Vec<(usize, &serde_yaml::Value)> {
    let is_ns = |v: &serde_yaml::Value| v["kind"].as_str() == Some("Namespace");
    if is_ns(doc) {
        return vec![(0, doc)];
    }
    let list = doc["kind"].as_str().is_some_and(|k| k.ends_with("List"));
    match (&doc["items"], list) {
        (serde_yaml::Value::Sequence(items), true) => items
            .iter()
            .enumerate()
            .filter(|(_, v)| is_ns(v) || doc["kind"].as_str() == Some("NamespaceList"))
            .map(|(i, v)| (i + 1, v))
            .collect(),
        _ => Vec::new(),
    }
}

fn namespace_docs_mut(doc: &mut serde_yaml::Value) -> Vec<(usize, &mut serde_yaml::Value)> {
    let is_ns = |v: &serde_yaml::Value| v["kind"].as_str() == Some("Namespace");
    if is_ns(doc) {
        return vec![(0, doc)];
    }
    let ns_list = doc["kind"].as_str() == Some("NamespaceList");
    match doc.get_mut("items") {
        Some(serde_yaml::Value::Sequence(items)) => items
            .iter_mut()
            .enumerate()
            .filter(|(_, v)| is_ns(v) || ns_list)
            .map(|(i, v)| (i + 1, v))
            .collect(),
        _ => Vec::new(),
    }
}

fn remove_items(doc: &mut serde_yaml::Value, di: usize, drop: &HashSet<(usize, usize)>, fi: usize) {
    if drop.contains(&(fi, di * 10_000)) {
        *doc = serde_yaml::Value::Null;
        return;
    }
    if let Some(serde_yaml::Value::Sequence(items)) = doc.get_mut("items") {
        let mut i = 0;
        items.retain(|_| {
            i += 1;
            !drop.contains(&(fi, di * 10_000 + i))
        });
    }
}

/// Repairs one document in place; returns how many repairs it made.
fn repair(v: &mut serde_yaml::Value, notes: &mut Vec<String>) -> usize {
    repair_in(v, false, notes)
}

fn repair_in(v: &mut serde_yaml::Value, in_anp: bool, notes: &mut Vec<String>) -> usize {
    use serde_yaml::{Mapping, Value};
    let mut n = 0;
    let kind = v
        .get("kind")
        .and_then(|k| k.as_str())
        .unwrap_or("")
        .to_string();
    if let Value::Mapping(m) = v {
        // Names the API server refuses (uppercase, `_`): the corpora's
        // files were never applied. Lower-cased, `_` as `-`.
        if !kind.is_empty()
            && let Some(Value::Mapping(meta)) = m.get_mut("metadata")
            && let Some(Value::String(name)) = meta.get_mut("name")
            && name.bytes().any(|b| b.is_ascii_uppercase() || b == b'_')
        {
            *name = name.to_ascii_lowercase().replace('_', "-");
            notes.push("repair: metadata.name made an RFC 1123 name".into());
            n += 1;
        }
        // Profiles: NCA's test data has `types`, which the Profile spec
        // does not have.
        if kind == "Profile"
            && let Some(Value::Mapping(spec)) = m.get_mut("spec")
            && spec.remove("types").is_some()
        {
            notes.push("repair: Profile `types` dropped".into());
            n += 1;
        }
        // Workload selectors that do not select the template (the API
        // server rejects them; no policy reads them).
        if matches!(
            kind.as_str(),
            "Deployment" | "ReplicaSet" | "StatefulSet" | "DaemonSet"
        ) {
            let template = m
                .get("spec")
                .and_then(|s| s.get("template"))
                .and_then(|t| t.get("metadata"))
                .and_then(|md| md.get("labels"))
                .cloned();
            if let (Some(Value::Mapping(labels)), Some(Value::Mapping(spec))) =
                (template, m.get_mut("spec"))
            {
                let good = match spec.get("selector") {
                    Some(sel) => {
                        sel.get("matchExpressions").is_none()
                            && match sel.get("matchLabels") {
                                Some(Value::Mapping(ml)) => {
                                    ml.iter().all(|(k, val)| labels.get(k) == Some(val))
                                }
                                None => true,
                                _ => false,
                            }
                    }
                    None => true,
                };
                if !good {
                    let mut sel = Mapping::new();
                    sel.insert("matchLabels".into(), Value::Mapping(labels));
                    spec.insert("selector".into(), Value::Mapping(sel));
                    notes.push("repair: workload selector set to its template labels".into());
                    n += 1;
                }
            }
        }
        let anp = in_anp
            || matches!(
                kind.as_str(),
                "AdminNetworkPolicy" | "BaselineAdminNetworkPolicy"
            );
        for (key, child) in m.iter_mut() {
            let key = key.as_str().unwrap_or("");
            match (key, child) {
                ("containers" | "initContainers", Value::Sequence(cs)) => {
                    for (i, c) in cs.iter_mut().enumerate() {
                        let Value::Mapping(c) = c else { continue };
                        if !c.contains_key("name") {
                            c.insert("name".into(), format!("container-{i}").into());
                            notes.push("repair: container without a name named".into());
                            n += 1;
                        }
                        if let Some(Value::Mapping(p)) = c.get("ports")
                            && p.is_empty()
                        {
                            c.insert("ports".into(), Value::Sequence(Vec::new()));
                            notes.push("repair: container `ports: {}` read as []".into());
                            n += 1;
                        }
                        if let Some(Value::Sequence(ports)) = c.get_mut("ports") {
                            for p in ports {
                                let Value::Mapping(p) = p else { continue };
                                if !p.contains_key("containerPort")
                                    && let Some(val) = p.remove("containerport")
                                {
                                    p.insert("containerPort".into(), val);
                                    notes.push(
                                        "repair: `containerport` read as `containerPort`".into(),
                                    );
                                    n += 1;
                                }
                            }
                        }
                    }
                }
                ("ownerReferences", Value::Sequence(refs)) => {
                    for r in refs {
                        if let Value::Mapping(r) = r
                            && !r.contains_key("kind")
                        {
                            r.insert("kind".into(), "ReplicaSet".into());
                            notes.push("repair: ownerReference without kind".into());
                            n += 1;
                        }
                    }
                }
                ("ingress" | "egress", Value::Sequence(rules)) if anp => {
                    for rule in rules {
                        for side in ["from", "to"] {
                            let Some(Value::Sequence(peers)) = rule.get_mut(side) else {
                                continue;
                            };
                            for peer in peers {
                                if let Some(Value::Mapping(pods)) = peer.get_mut("pods") {
                                    for sel in ["namespaceSelector", "podSelector"] {
                                        if !pods.contains_key(sel) {
                                            pods.insert(sel.into(), Value::Mapping(Mapping::new()));
                                            notes.push(format!(
                                                "repair: ANP `pods` peer without {sel}"
                                            ));
                                            n += 1;
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                (_, child) => n += repair_in(child, anp, notes),
            }
        }
    } else if let Value::Sequence(items) = v {
        for item in items {
            n += repair_in(item, in_anp, notes);
        }
    }
    n
}

fn load_inventory(dir: &Path) -> Result<Inventory, String> {
    load(
        &Inputs {
            paths: vec![dir.to_path_buf()],
            recursive: true,
        },
        &mut std::io::empty(),
    )
    .map_err(|e| {
        let msgs: Vec<String> = e.errors.iter().map(|e| e.to_string()).take(3).collect();
        format!("load failed: {e}: {}", msgs.join("; "))
    })
}

fn port_probes(ex: &Expect, hints: &Hints, protos: &[u8], icmp: bool, others: &[u8]) -> Vec<Probe> {
    let mut ports: BTreeSet<u32> = [1, 80, 443, 65535].into();
    let mut sports: BTreeSet<u32> = BTreeSet::new();
    let mut types: BTreeSet<u32> = [8].into();
    let mut codes: BTreeSet<u32> = [0].into();
    ports.extend(&hints.ports);
    for conns in ex.all_conns() {
        for (dst, src) in conns.port_ranges() {
            for &(lo, hi) in dst {
                add_edges(&mut ports, lo, hi, 1, 65535);
            }
            for &(lo, hi) in src {
                if (lo, hi) != FULL_PORTS {
                    add_edges(&mut sports, lo, hi, 1, 65535);
                }
            }
        }
        for c in &conns.0 {
            if let Clause::Icmp {
                types: t, codes: c, ..
            } = c
            {
                for &(lo, hi) in t {
                    add_edges(&mut types, lo, hi, 0, 254);
                }
                for &(lo, hi) in c {
                    add_edges(&mut codes, lo, hi, 0, 255);
                }
            }
        }
    }
    let mut out = Vec::new();
    for &proto in protos {
        for &port in &ports {
            out.push(Probe {
                proto,
                port: port as u16,
                sport: None,
                icmp: None,
            });
        }
        // Source ports only where the expectation cuts them.
        for &sport in &sports {
            for &port in &ports {
                out.push(Probe {
                    proto,
                    port: port as u16,
                    sport: Some(sport as u16),
                    icmp: None,
                });
            }
        }
    }
    if icmp {
        types.extend(&hints.icmp_types);
        codes.extend(&hints.icmp_codes);
        let mut icmps: Vec<(u8, u8)> = Vec::new();
        for &t in &types {
            for &c in &codes {
                icmps.push((t as u8, c as u8));
            }
        }
        if icmps.len() > MAX_ICMP {
            // Keep ping, each type with code 0, each code with type 8, then
            // a spread of the rest.
            let mut keep: Vec<(u8, u8)> = Vec::new();
            keep.push((8, 0));
            keep.extend(types.iter().map(|&t| (t as u8, 0)));
            keep.extend(codes.iter().map(|&c| (8, c as u8)));
            let step = icmps.len() / MAX_ICMP + 1;
            keep.extend(icmps.iter().step_by(step).copied());
            let mut seen = HashSet::new();
            keep.retain(|k| seen.insert(*k));
            icmps = keep;
        }
        for (t, c) in icmps {
            out.push(Probe {
                proto: 1,
                port: 0,
                sport: None,
                icmp: Some((t, c)),
            });
        }
    }
    for &o in others {
        out.push(Probe {
            proto: o,
            port: 0,
            sport: None,
            icmp: if o == 58 { Some((128, 0)) } else { None },
        });
    }
    out
}

/// Compiles and compares one scenario.
fn run(sc: &Scenario) -> Report {
    reported(sc, run_inner)
}

/// A scenario's report from a comparison, its error included.
fn reported(sc: &Scenario, compare: fn(&Scenario, &mut Report) -> Result<(), String>) -> Report {
    let mut report = Report {
        id: sc.id.clone(),
        ..Report::default()
    };
    if let Err(e) = compare(sc, &mut report) {
        report.error = Some(e);
    }
    report
}

/// The scenario's input as an API server would have accepted it, with
/// the repairs noted in the report.
fn prepared(sc: &Scenario, report: &mut Report) -> Result<tempfile::TempDir, String> {
    let mut repairs = Vec::new();
    let input = repaired_input(&sc.dir, &mut repairs)?;
    repairs.sort();
    repairs.dedup();
    report.notes.extend(repairs);
    Ok(input)
}

fn run_inner(sc: &Scenario, report: &mut Report) -> Result<(), String> {
    let input = prepared(sc, report)?;
    if std::env::var("CONFORMANCE_KEEP").is_ok() {
        report
            .notes
            .push(format!("repaired input kept at {}", input.path().display()));
        let kept = input.keep();
        return load_inventory(&kept).map(|_| ());
    }
    let inv = load_inventory(input.path())?;
    let hints = scan_hints(&sc.dir.join("input"));
    let (ex, hosts, flags, kinds) = match sc.suite {
        Suite::NetpolAnalyzer => {
            let (ex, kinds) = read_npa(&sc.dir)?;
            (ex, Vec::new(), Vec::new(), kinds)
        }
        Suite::Nca => {
            let (ex, hosts, flags) = read_nca(&sc.dir)?;
            (ex, hosts, flags, BTreeMap::new())
        }
    };
    let calico = sc.suite == Suite::Nca && sc.id.starts_with("nca/calico-");
    let choice = Choice {
        cni: Some(if calico { Cni::Calico } else { Cni::K8s }),
        calico_version: calico.then(|| Version::new(3, 32)),
        cilium_version: None,
        app_layer: true,
    };
    let lowered = lower(&Input::from(&inv), &choice);
    for n in &lowered.notes {
        report.notes.push(n.message.clone());
    }
    let cluster = &inv.cluster;

    // Resolve the peer's endpoint names to polctl's.
    let mut ends: Vec<End> = Vec::new();
    match sc.suite {
        Suite::NetpolAnalyzer => {
            let mut ours: BTreeSet<String> = BTreeSet::new();
            for w in &cluster.workloads {
                let Some(&first) = w.endpoints.first() else {
                    continue;
                };
                let key = format!("{}/{}", w.namespace, w.name);
                // The peer names some pods one by one where polctl groups
                // them (static pods, owned by their Node).
                let by_pod: Vec<usize> = w
                    .endpoints
                    .iter()
                    .copied()
                    .filter(|&i| {
                        let e = &cluster.endpoints[i];
                        ex.names.contains(&format!("{}/{}", e.namespace, e.name))
                    })
                    .collect();
                if !ex.names.contains(&key) && !by_pod.is_empty() {
                    for i in by_pod {
                        let e = &cluster.endpoints[i];
                        let name = format!("{}/{}", e.namespace, e.name);
                        if let Some(&ip) = e.ips.first() {
                            ours.insert(name.clone());
                            ends.push(End {
                                key: name.clone(),
                                peer: Peer {
                                    name,
                                    ip,
                                    end: FlowEnd::Pod { index: i },
                                    service: None,
                                },
                            });
                        }
                    }
                    continue;
                }
                let ep = &cluster.endpoints[first];
                let Some(&ip) = ep.ips.first() else {
                    report.mismatch(format!(
                        "{}/{}: polctl gave the pod no address",
                        w.namespace, w.name
                    ));
                    continue;
                };
                if let Some(kind) = kinds.get(&key)
                    && *kind != w.kind
                {
                    report.notes.push(format!(
                        "{key}: peer calls it a {kind}, polctl a {}",
                        w.kind
                    ));
                }
                ours.insert(key.clone());
                ends.push(End {
                    key: key.clone(),
                    peer: Peer {
                        name: key,
                        ip,
                        end: FlowEnd::Pod { index: first },
                        service: None,
                    },
                });
            }
            for name in ex.names.difference(&ours) {
                report.mismatch(format!(
                    "{name}: the peer's workload is not among polctl's workloads"
                ));
            }
        }
        Suite::Nca => {
            let host_names: HashSet<&String> = hosts.iter().collect();
            for name in ex.names.iter().chain(ex.not_modeled.iter()) {
                let modeled = !ex.not_modeled.contains(name);
                let found = if host_names.contains(name) || (!name.contains('/') && !modeled) {
                    cluster
                        .host_endpoints
                        .iter()
                        .position(|h| &h.name == name)
                        .map(|i| {
                            let h = &cluster.host_endpoints[i];
                            // A host endpoint without expectedIPs has no
                            // address policy can see; use a documentation
                            // address that nothing else holds.
                            let ip = h.ips.first().copied().unwrap_or(IpAddr::V4(Ipv4Addr::new(
                                192,
                                0,
                                2,
                                (i + 1) as u8,
                            )));
                            Peer {
                                name: format!("hep:{name}"),
                                ip,
                                end: FlowEnd::HostEndpoint { index: i },
                                service: None,
                            }
                        })
                } else {
                    nca_pod(cluster, name).and_then(|i| {
                        cluster.endpoints[i].ips.first().map(|&ip| Peer {
                            name: name.clone(),
                            ip,
                            end: FlowEnd::Pod { index: i },
                            service: None,
                        })
                    })
                };
                match found {
                    Some(peer) if modeled => ends.push(End {
                        key: name.clone(),
                        peer,
                    }),
                    Some(_) => {}
                    None if modeled => report.mismatch(format!(
                        "{name}: the peer's endpoint is not in polctl's cluster (or has no address)"
                    )),
                    None => {}
                }
            }
            if !flags.is_empty() {
                report.notes.push(format!("flags: {}", flags.join(", ")));
            }
        }
    }

    let protos: &[u8] = &[6, 17, 132];
    let text = std::fs::read_to_string(sc.dir.join(match sc.suite {
        Suite::NetpolAnalyzer => "expected_connlist.txt",
        Suite::Nca => "expected_pairs.json",
    }))
    .unwrap_or_default();
    let probes = match sc.suite {
        Suite::NetpolAnalyzer => port_probes(&ex, &hints, protos, false, &[]),
        Suite::Nca => {
            let mut others = vec![47];
            if text.contains("VRRP") {
                others.push(112);
            }
            if text.contains("ICMPv6") {
                others.push(58);
            }
            port_probes(&ex, &hints, protos, true, &others)
        }
    };
    let eval = Evaluator::new(&lowered.set, cluster);
    let mut checker = Checker {
        eval,
        probes,
        report: std::mem::take(report),
        pairs_failed: 0,
        hostnet: cluster
            .endpoints
            .iter()
            .filter(|e| e.host_network)
            .flat_map(|e| e.ips.iter().copied())
            .collect(),
        nets: hints.nets.clone(),
    };
    let none = Conns::default();
    for s in &ends {
        for d in &ends {
            if s.key == d.key {
                continue;
            }
            let conns = ex
                .pairs
                .get(&(s.key.clone(), d.key.clone()))
                .unwrap_or(&none);
            checker.pair(&s.peer, &d.peer, &|p| conns.allows(p));
        }
    }

    // Addresses outside the cluster, probed at each endpoint.
    let taken: HashSet<IpAddr> = cluster
        .endpoints
        .iter()
        .flat_map(|e| e.ips.iter().copied())
        .chain(cluster.nodes.iter().flat_map(|n| n.ips.iter().copied()))
        .chain(
            cluster
                .host_endpoints
                .iter()
                .flat_map(|h| h.ips.iter().copied()),
        )
        .collect();
    let mut ranges = ex.ranges.clone();
    ranges.extend(hints.nets.iter().copied());
    // The peer's address universe is IPv4 unless its result names IPv6.
    let v6 = ex.ranges.iter().any(|r| r.lo.v6);
    let points = address_points(&ranges, v6, &taken);
    // Fewer probes per address: the port edges of the address entries only.
    let mut ext_ports: BTreeSet<u32> = [1, 80, 65535].into();
    for (_, c) in ex.from_ips.values().chain(ex.to_ips.values()).flatten() {
        for (dst, _) in c.port_ranges() {
            for &(lo, hi) in dst {
                add_edges(&mut ext_ports, lo, hi, 1, 65535);
            }
        }
    }
    let pair_probes = std::mem::take(&mut checker.probes);
    checker.probes = pair_probes
        .iter()
        .filter(|p| match p.icmp {
            Some(i) => i == (8, 0) || p.proto == 58,
            None if matches!(p.proto, 6 | 17 | 132) => {
                p.sport.is_none() && ext_ports.contains(&(p.port as u32))
            }
            None => true,
        })
        .copied()
        .collect();
    // Ports only at the edges the expectation and manifests name, fewer
    // than for endpoint pairs: one port per protocol and range edge.
    let empty = Vec::new();
    for e in &ends {
        let from = ex.from_ips.get(&e.key).unwrap_or(&empty);
        let to = ex.to_ips.get(&e.key).unwrap_or(&empty);
        for &a in &points {
            // The peer's address universe is IPv4 unless a policy names IPv6.
            let peer = external(a);
            let lookup = |list: &Vec<(AddrRange, Conns)>, p: &Probe| {
                list.iter().any(|(r, c)| r.contains(a) && c.allows(p))
            };
            checker.pair(&peer, &e.peer, &|p| lookup(from, p));
            checker.pair(&e.peer, &peer, &|p| lookup(to, p));
        }
    }
    *report = checker.report;
    Ok(())
}

/// NCA's pod name to polctl's endpoint: the pod itself, or replica N of a
/// workload (NCA names them `<name>-1`, `<name>-2`; polctl `<name>-0`, ...).
fn nca_pod(cluster: &polctl::model::Cluster, name: &str) -> Option<usize> {
    let (ns, pod) = name.split_once('/')?;
    if let Some(i) = cluster
        .endpoints
        .iter()
        .position(|e| e.namespace == ns && e.name == pod)
    {
        return Some(i);
    }
    let (base, n) = pod.rsplit_once('-')?;
    let n: usize = n.parse().ok()?;
    let w = cluster
        .workloads
        .iter()
        .find(|w| w.namespace == ns && w.name == base)?;
    w.endpoints.get(n.checked_sub(1)?).copied()
}

fn scenarios(root: &Path) -> Vec<Scenario> {
    let mut out = Vec::new();
    for (suite, sub, file) in [
        (
            Suite::NetpolAnalyzer,
            "netpol-analyzer",
            "expected_connlist.txt",
        ),
        (Suite::Nca, "nca", "expected_pairs.json"),
    ] {
        let mut dirs = Vec::new();
        if let Ok(entries) = std::fs::read_dir(root.join(sub)) {
            for e in entries.flatten() {
                let p = e.path();
                if p.join(file).is_file() {
                    dirs.push(p);
                }
            }
        }
        dirs.sort();
        for dir in dirs {
            let name = dir.file_name().unwrap().to_string_lossy().to_string();
            let cost = std::fs::metadata(dir.join(file)).map_or(0, |m| m.len());
            out.push(Scenario {
                suite,
                id: format!("{sub}/{name}"),
                dir,
                cost,
            });
        }
    }
    out
}

#[test]
fn conformance() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if !root.is_dir() {
        eprintln!(
            "conformance: skipped: {} does not exist (the peer data is shared outside the repository)",
            root.display()
        );
        return;
    }
    check(&root, "conformance", KNOWN_DIFFERENCES, None, run);
}

/// The generated Kubernetes and single-tier Calico scenarios with NCA's
/// results, committed under `tests/differential/nca`
/// (`scripts/nca-differential` regenerates them).
#[test]
fn nca_differential() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/differential");
    check(&root, "differential", NCA_DIFFERENTIAL_KNOWN, None, run);
}

/// Generated scenarios where NCA differs from the dataplane: NCA never
/// matches a pod by its address, so `nets`, `notNets` and `ipBlock` ranges
/// holding pod addresses (flag `cidr-covers-endpoint-ips`) decide
/// differently (KNOWN_DIFFERENCES.md, section 2).
const NCA_DIFFERENTIAL_KNOWN: &[(&str, &str)] = &[
    ("nca/calico-002", IPBLOCK),
    ("nca/calico-006", IPBLOCK),
    ("nca/calico-018", IPBLOCK),
    ("nca/calico-021", IPBLOCK),
    ("nca/calico-025", IPBLOCK),
    ("nca/calico-027", IPBLOCK),
    ("nca/calico-029", NOTNETS),
    ("nca/calico-035", IPBLOCK),
    ("nca/k8s-013", IPBLOCK),
    ("nca/k8s-020", IPBLOCK),
];

/// Runs `run` on every scenario under `root` (of `suite` only, when given)
/// and fails on any disagreement `known` does not list, and on any listed
/// scenario that agrees or does not exist.
fn check(
    root: &Path,
    what: &str,
    known: &[(&str, &str)],
    suite: Option<Suite>,
    run: fn(&Scenario) -> Report,
) {
    let mut list = scenarios(root);
    list.retain(|s| suite.is_none_or(|suite| s.suite == suite));
    let all_ids: HashSet<String> = list.iter().map(|s| s.id.clone()).collect();
    if let Ok(filter) = std::env::var("CONFORMANCE_FILTER") {
        list.retain(|s| s.id.contains(&filter));
    }
    assert!(!list.is_empty(), "no scenarios under {}", root.display());
    // Big scenarios first, so the threads finish together.
    let mut order: Vec<usize> = (0..list.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(list[i].cost));
    let next = AtomicUsize::new(0);
    let reports: Mutex<Vec<Report>> = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let started = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&idx) = order.get(i) else { break };
                    let report = run(&list[idx]);
                    reports.lock().unwrap().push(report);
                }
            });
        }
    });
    let mut reports = reports.into_inner().unwrap();
    reports.sort_by(|a, b| a.id.cmp(&b.id));

    let known: HashMap<&str, &str> = known.iter().copied().collect();
    let mut failures = Vec::new();
    let mut summary = String::new();
    let verbose = std::env::var("CONFORMANCE_VERBOSE").is_ok();
    // The graph compares whole port sets, one per pair and protocol.
    let unit = if what == "graph" {
        "comparisons"
    } else {
        "probes"
    };
    for suite in ["netpol-analyzer/", "nca/"] {
        let of: Vec<&Report> = reports.iter().filter(|r| r.id.starts_with(suite)).collect();
        if of.is_empty() {
            continue;
        }
        let passed = of.iter().filter(|r| r.agrees()).count();
        let probes: usize = of.iter().map(|r| r.compared).sum();
        let mismatches: usize = of.iter().map(|r| r.mismatches).sum();
        writeln!(
            summary,
            "{}: {passed}/{} scenarios agree; {probes} {unit}, {mismatches} mismatches",
            suite.trim_end_matches('/'),
            of.len()
        )
        .unwrap();
    }
    for r in &reports {
        let listed = known.get(r.id.as_str());
        let status = match (r.agrees(), listed) {
            (true, None) => "ok",
            (true, Some(_)) => {
                failures.push(format!(
                    "{}: listed as a known difference but now agrees; remove it from KNOWN_DIFFERENCES",
                    r.id
                ));
                "AGREES (listed)"
            }
            (false, Some(reason)) => {
                // A known difference of one class must not hide others.
                let other = r.classes.get("other").copied().unwrap_or(0);
                if (*reason == HOSTNET || *reason == IPBLOCK || *reason == PROFILE_RULES)
                    && other > 0
                {
                    failures.push(format!(
                        "{}: {other} mismatches beyond the known difference",
                        r.id
                    ));
                }
                "known difference"
            }
            (false, None) => {
                failures.push(match &r.error {
                    Some(e) => format!("{}: {e}", r.id),
                    None => format!("{}: {} mismatches {:?}", r.id, r.mismatches, r.classes),
                });
                "MISMATCH"
            }
        };
        if r.agrees() && !verbose {
            continue;
        }
        write!(
            summary,
            "\n{} [{status}]: {} {unit}, {} mismatches",
            r.id, r.compared, r.mismatches
        )
        .unwrap();
        if !r.classes.is_empty() {
            write!(summary, " {:?}", r.classes).unwrap();
        }
        if let Some(reason) = listed {
            write!(summary, "\n  known: {reason}").unwrap();
        }
        if let Some(e) = &r.error {
            write!(summary, "\n  error: {e}").unwrap();
        }
        let show = verbose || listed.is_none() || r.classes.contains_key("other");
        for l in r.lines.iter().filter(|_| show) {
            write!(summary, "\n  {l}").unwrap();
        }
        if show {
            for n in r.notes.iter().take(if verbose { 50 } else { 4 }) {
                write!(summary, "\n  note: {n}").unwrap();
            }
        }
    }
    for id in known.keys() {
        if !all_ids.contains(*id) {
            failures.push(format!(
                "{id}: listed in KNOWN_DIFFERENCES but no such scenario"
            ));
        }
    }
    eprintln!(
        "{summary}\n\n{what}: {} scenarios in {:.1?}",
        reports.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "{what} failures:\n{}",
        failures.join("\n")
    );
}

// ------------------------------------------------------------------ graph

/// Scenarios where only `polctl graph` disagrees with netpol-analyzer (on
/// top of the netpol-analyzer entries of `KNOWN_DIFFERENCES`, which differ
/// for the same reasons in the graph), and why in one line.
const GRAPH_ONLY_DIFFERENCES: &[(&str, &str)] = &[];

/// `polctl graph` against netpol-analyzer's full connectivity lists: for
/// every ordered pair of workloads, and for every workload and external
/// address range, the exact TCP, UDP and SCTP port sets must be equal.
/// External ranges are compared as address-interval maps (both sides cut
/// into common atoms), since the two tools may cut adjacent ranges
/// differently.
#[test]
fn graph_agrees_with_netpol_analyzer() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance");
    if !root.is_dir() {
        eprintln!(
            "graph conformance: skipped: {} does not exist (the peer data is shared outside the repository)",
            root.display()
        );
        return;
    }
    let known: Vec<(&str, &str)> = KNOWN_DIFFERENCES
        .iter()
        .filter(|(id, _)| id.starts_with("netpol-analyzer/"))
        .chain(GRAPH_ONLY_DIFFERENCES)
        .copied()
        .collect();
    check(
        &root,
        "graph",
        &known,
        Some(Suite::NetpolAnalyzer),
        run_graph,
    );
}

/// TCP, UDP and SCTP: the protocols netpol-analyzer models.
const GRAPH_PROTOCOLS: [u8; 3] = [6, 17, 132];

/// Per protocol, the allowed destination ports as sorted, disjoint,
/// non-adjacent ranges; a protocol with nothing allowed is absent.
type PortMap = BTreeMap<u8, Ranges>;

fn normalize(mut ranges: Ranges) -> Ranges {
    ranges.sort_unstable();
    let mut out: Ranges = Vec::new();
    for (lo, hi) in ranges {
        match out.last_mut() {
            Some(last) if lo <= last.1 + 1 => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

fn port_map(parts: impl IntoIterator<Item = (u8, Ranges)>) -> PortMap {
    let mut map: BTreeMap<u8, Ranges> = BTreeMap::new();
    for (proto, ranges) in parts {
        map.entry(proto).or_default().extend(ranges);
    }
    map.into_iter()
        .map(|(p, r)| (p, normalize(r)))
        .filter(|(_, r)| !r.is_empty())
        .collect()
}

/// The peer's connections (it names only TCP, UDP and SCTP).
fn npa_port_map(conns: &Conns) -> PortMap {
    port_map(conns.0.iter().flat_map(|c| {
        match c {
            Clause::All => GRAPH_PROTOCOLS
                .iter()
                .map(|&p| (p, vec![FULL_PORTS]))
                .collect(),
            Clause::Ports { proto, dst, .. } => vec![(*proto, dst.clone())],
            _ => Vec::new(),
        }
    }))
}

/// polctl's `conns`: `"all"` or `["TCP 80,443", "UDP 53", "ICMP", "other
/// protocols"]`. ICMP and other protocols are left out: the peer does not
/// model them.
fn graph_port_map(conns: &serde_json::Value) -> Result<PortMap, String> {
    if conns.as_str() == Some("all") {
        return Ok(port_map(GRAPH_PROTOCOLS.map(|p| (p, vec![FULL_PORTS]))));
    }
    let list = conns
        .as_array()
        .ok_or(format!("graph: bad conns {conns}"))?;
    let mut parts = Vec::new();
    for item in list {
        let text = item.as_str().ok_or(format!("graph: bad conns {conns}"))?;
        if let Some((name, ranges)) = text.split_once(' ')
            && matches!(name, "TCP" | "UDP" | "SCTP")
        {
            parts.push((proto_number(name).unwrap(), parse_ranges(ranges)?));
        }
    }
    Ok(port_map(parts))
}

fn show_ports(map: &PortMap) -> String {
    if map.is_empty() {
        return "nothing".into();
    }
    map.iter()
        .map(|(p, ranges)| {
            let list: Vec<String> = ranges
                .iter()
                .map(|&(lo, hi)| {
                    if lo == hi {
                        lo.to_string()
                    } else {
                        format!("{lo}-{hi}")
                    }
                })
                .collect();
            format!("{} {}", Proto(*p), list.join(","))
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The first port where two range sets differ.
fn first_difference(a: &Ranges, b: &Ranges) -> Option<u32> {
    let mut points: BTreeSet<u32> = [1].into();
    for &(lo, hi) in a.iter().chain(b) {
        points.extend([lo, hi + 1]);
    }
    points
        .into_iter()
        .filter(|p| (1..=65535).contains(p))
        .find(|&p| in_ranges(a, p) != in_ranges(b, p))
}

/// A graph node id that names addresses: a CIDR or `a.b.c.d-e.f.g.h`.
/// Workload ids (`namespace/name`) are neither.
fn graph_range(id: &str) -> Option<AddrRange> {
    if let Some(r) = AddrRange::cidr(id) {
        return Some(r);
    }
    if id.contains('/') {
        return None;
    }
    let (lo, hi) = id.split_once('-')?;
    Some(AddrRange {
        lo: Addr::of(lo.parse().ok()?),
        hi: Addr::of(hi.parse().ok()?),
    })
}

/// What a graph node's pods are, for classifying and explaining mismatches.
#[derive(Default)]
struct Workload {
    /// Pods, by index into the cluster's endpoints.
    pods: Vec<usize>,
    host_network: bool,
}

/// The cluster's workloads as `polctl graph` names them: controllers, then
/// pods without one (static pods, owned by their Node, stand alone).
fn graph_workloads(cluster: &polctl::model::Cluster) -> BTreeMap<String, Workload> {
    let mut out: BTreeMap<String, Workload> = BTreeMap::new();
    let mut owned: HashSet<usize> = HashSet::new();
    let mut ids = Vec::new();
    for w in cluster.workloads.iter().filter(|w| w.kind != "Node") {
        owned.extend(w.endpoints.iter().copied());
        ids.push((format!("{}/{}", w.namespace, w.name), w.endpoints.clone()));
    }
    for (i, e) in cluster.endpoints.iter().enumerate() {
        if !owned.contains(&i) {
            ids.push((format!("{}/{}", e.namespace, e.name), vec![i]));
        }
    }
    for (id, pods) in ids {
        let entry = out.entry(id).or_default();
        entry.host_network |= pods.iter().any(|&i| cluster.endpoints[i].host_network);
        entry.pods.extend(pods);
    }
    out
}

/// Address-interval maps of one workload: per range, the connections.
type AddrMap = Vec<(AddrRange, PortMap)>;

/// The atoms both maps are constant on (within `v6`'s family), each with
/// what the two sides allow there; adjacent atoms that agree on both sides
/// are joined.
fn common_atoms(a: &AddrMap, b: &AddrMap, v6: bool) -> Vec<(AddrRange, PortMap, PortMap)> {
    let max = Addr { v6, n: 0 }.max();
    let mut cuts: BTreeSet<u128> = [0].into();
    for (r, _) in a.iter().chain(b).filter(|(r, _)| r.lo.v6 == v6) {
        cuts.insert(r.lo.n);
        if r.hi.n < max {
            cuts.insert(r.hi.n + 1);
        }
    }
    let at = |map: &AddrMap, a: Addr| {
        port_map(
            map.iter()
                .filter(|(r, _)| r.contains(a))
                .flat_map(|(_, m)| m.clone()),
        )
    };
    let cuts: Vec<u128> = cuts.into_iter().collect();
    let mut out: Vec<(AddrRange, PortMap, PortMap)> = Vec::new();
    for (i, &lo) in cuts.iter().enumerate() {
        let hi = cuts.get(i + 1).map_or(max, |n| n - 1);
        let lo = Addr { v6, n: lo };
        let hi = Addr { v6, n: hi };
        let (x, y) = (at(a, lo), at(b, lo));
        match out.last_mut() {
            Some(last) if last.1 == x && last.2 == y => last.0.hi = hi,
            _ => out.push((AddrRange { lo, hi }, x, y)),
        }
    }
    out
}

fn show_range(r: &AddrRange) -> String {
    format!("{}-{}", r.lo.ip(), r.hi.ip())
}

fn run_graph(sc: &Scenario) -> Report {
    reported(sc, run_graph_inner)
}

fn run_graph_inner(sc: &Scenario, report: &mut Report) -> Result<(), String> {
    let input = prepared(sc, report)?;
    let inv = load_inventory(input.path())?;
    let hints = scan_hints(&sc.dir.join("input"));
    let (ex, _) = read_npa(&sc.dir)?;
    let choice = Choice {
        cni: Some(Cni::K8s),
        calico_version: None,
        cilium_version: None,
        app_layer: true,
    };
    let lowered = lower(&Input::from(&inv), &choice);
    let cluster = &inv.cluster;
    let eval = Evaluator::new(&lowered.set, cluster);
    // All threads for each scenario: one scenario (ipblockstest_4) costs
    // more than the other 95 together.
    let opts = polctl::sim::reach::Options {
        external: true,
        ..Default::default()
    };
    let reach = polctl::sim::reach::compute(&eval, cluster, &opts, &());
    let json = polctl::render::graph::json(&reach);
    for n in json["notes"].as_array().into_iter().flatten() {
        report
            .notes
            .push(format!("graph: {}", n.as_str().unwrap_or("")));
    }

    // polctl's graph, read back from its JSON output.
    let mut pairs: HashMap<(String, String), PortMap> = HashMap::new();
    let mut from_ips: HashMap<String, AddrMap> = HashMap::new();
    let mut to_ips: HashMap<String, AddrMap> = HashMap::new();
    // Pairs whose pods do not all see the same connections (an external
    // end is named "").
    let mut mixed: HashSet<(String, String)> = HashSet::new();
    for e in json["edges"].as_array().ok_or("graph: no edges")? {
        let src = e["src"].as_str().ok_or("graph: edge without src")?;
        let dst = e["dst"].as_str().ok_or("graph: edge without dst")?;
        let conns = graph_port_map(&e["conns"])?;
        if let Some(some) = e.get("some") {
            report.notes.push(format!(
                "{src} -> {dst}: pods differ; every pair has {}, some pair {}",
                show_ports(&conns),
                show_ports(&graph_port_map(some)?)
            ));
            let name = |id: &str| match graph_range(id) {
                Some(_) => String::new(),
                None => id.to_string(),
            };
            mixed.insert((name(src), name(dst)));
        }
        match (graph_range(src), graph_range(dst)) {
            (None, None) => {
                pairs.insert((src.to_string(), dst.to_string()), conns);
            }
            (Some(r), None) => from_ips
                .entry(dst.to_string())
                .or_default()
                .push((r, conns)),
            (None, Some(r)) => to_ips.entry(src.to_string()).or_default().push((r, conns)),
            (Some(_), Some(_)) => {
                return Err(format!("graph: address-to-address edge {src} {dst}"));
            }
        }
    }

    // The peer's list, in the same shape.
    let peer_pairs: HashMap<(String, String), PortMap> = ex
        .pairs
        .iter()
        .map(|(k, c)| (k.clone(), npa_port_map(c)))
        .collect();
    let addr_map = |m: &HashMap<String, Vec<(AddrRange, Conns)>>| -> HashMap<String, AddrMap> {
        m.iter()
            .map(|(k, list)| {
                let list = list.iter().map(|(r, c)| (*r, npa_port_map(c))).collect();
                (k.clone(), list)
            })
            .collect()
    };
    let peer_from = addr_map(&ex.from_ips);
    let peer_to = addr_map(&ex.to_ips);

    let workloads = graph_workloads(cluster);
    for name in &ex.names {
        if !workloads.contains_key(name) {
            report.mismatch(format!(
                "{name}: the peer's workload is not among polctl's workloads"
            ));
        }
    }
    let mut cmp = GraphCompare {
        eval: &eval,
        cluster,
        workloads: &workloads,
        nets: &hints.nets,
        mixed: &mixed,
        report,
    };

    let none = PortMap::new();
    let keys: BTreeSet<&(String, String)> = pairs.keys().chain(peer_pairs.keys()).collect();
    for key in keys {
        if key.0 == key.1 {
            continue;
        }
        let peer = peer_pairs.get(key).unwrap_or(&none);
        let ours = pairs.get(key).unwrap_or(&none);
        cmp.compare(
            &GraphEnd::Workload(&key.0),
            &GraphEnd::Workload(&key.1),
            peer,
            ours,
        );
    }

    // The peer's address universe is IPv4 unless its result names IPv6.
    let v6 = ex.ranges.iter().any(|r| r.lo.v6);
    let empty = AddrMap::new();
    for (inbound, peer_side, our_side) in
        [(true, &peer_from, &from_ips), (false, &peer_to, &to_ips)]
    {
        let names: BTreeSet<&String> = peer_side.keys().chain(our_side.keys()).collect();
        for name in names {
            let peer = peer_side.get(name).unwrap_or(&empty);
            let ours = our_side.get(name).unwrap_or(&empty);
            let skipped = ours.iter().filter(|(r, _)| r.lo.v6 && !v6).count();
            if skipped > 0 {
                cmp.report.notes.push(format!(
                    "{name}: {skipped} IPv6 range(s) not compared (the peer models IPv4 only)"
                ));
            }
            for family in [false, true].into_iter().filter(|&f| !f || v6) {
                for (r, p, o) in common_atoms(peer, ours, family) {
                    let w = GraphEnd::Workload(name);
                    let a = GraphEnd::Addresses(r);
                    let (src, dst) = if inbound { (&a, &w) } else { (&w, &a) };
                    cmp.compare(src, dst, &p, &o);
                }
            }
        }
    }
    Ok(())
}

/// One end of a compared pair.
enum GraphEnd<'a> {
    Workload(&'a str),
    Addresses(AddrRange),
}

impl GraphEnd<'_> {
    fn name(&self) -> String {
        match self {
            GraphEnd::Workload(w) => w.to_string(),
            GraphEnd::Addresses(r) => show_range(r),
        }
    }
}

struct GraphCompare<'a> {
    eval: &'a Evaluator<'a>,
    cluster: &'a polctl::model::Cluster,
    workloads: &'a BTreeMap<String, Workload>,
    nets: &'a [AddrRange],
    mixed: &'a HashSet<(String, String)>,
    report: &'a mut Report,
}

impl GraphCompare<'_> {
    /// A peer to evaluate one flow at: a workload's first pod with an
    /// address, or an address of the range that no pod holds.
    fn peer(&self, end: &GraphEnd) -> Option<Peer> {
        match end {
            GraphEnd::Workload(w) => {
                let pods = &self.workloads.get(*w)?.pods;
                pods.iter().find_map(|&i| {
                    let e = &self.cluster.endpoints[i];
                    e.ips.first().map(|&ip| Peer {
                        name: w.to_string(),
                        ip,
                        end: FlowEnd::Pod { index: i },
                        service: None,
                    })
                })
            }
            GraphEnd::Addresses(r) => {
                let taken: HashSet<IpAddr> = self
                    .cluster
                    .endpoints
                    .iter()
                    .flat_map(|e| e.ips.iter().copied())
                    .collect();
                let mut a = r.lo;
                for _ in 0..64 {
                    if !taken.contains(&a.ip()) {
                        return Some(external(a));
                    }
                    a = a.step(true).filter(|a| r.contains(*a))?;
                }
                None
            }
        }
    }

    fn compare(&mut self, src: &GraphEnd, dst: &GraphEnd, peer: &PortMap, ours: &PortMap) {
        let empty = Ranges::new();
        let mut wrong: Vec<(u8, u32)> = Vec::new();
        let mut polctl_wider = true;
        for proto in GRAPH_PROTOCOLS {
            let p = peer.get(&proto).unwrap_or(&empty);
            let o = ours.get(&proto).unwrap_or(&empty);
            self.report.compared += 1;
            if let Some(port) = first_difference(p, o) {
                wrong.push((proto, port));
                polctl_wider &= p.iter().all(|&(lo, hi)| (lo..=hi).all(|v| in_ranges(o, v)));
            }
        }
        let Some(&(proto, port)) = wrong.first() else {
            return;
        };
        // Explain with the evaluator at the first differing port. Where it
        // agrees with the graph, the sampled test sees the same difference;
        // where it does not (and the graph claims every pod pair alike), the
        // graph is wrong, whatever the reason listed for the scenario.
        let graph_allows = ours.get(&proto).is_some_and(|r| in_ranges(r, port));
        let key = |e: &GraphEnd| match e {
            GraphEnd::Workload(w) => w.to_string(),
            GraphEnd::Addresses(_) => String::new(),
        };
        let uniform = !self.mixed.contains(&(key(src), key(dst)));
        let mut inconsistent = false;
        let why_text = match (self.peer(src), self.peer(dst)) {
            (Some(s), Some(d)) => {
                let probe = Probe {
                    proto,
                    port: port as u16,
                    sport: None,
                    icmp: None,
                };
                let o = self.eval.evaluate(Checker::flow(&s, &d, &probe));
                let allows = o.verdict.is_allow();
                inconsistent = uniform && allows != graph_allows;
                format!(
                    "{}evaluator at {probe}: {} ({})",
                    if inconsistent {
                        "GRAPH DIFFERS FROM THE EVALUATOR: "
                    } else {
                        ""
                    },
                    if allows { "allow" } else { "deny" },
                    why(&o)
                )
            }
            _ => "no pod to evaluate at".into(),
        };
        let host = |e: &GraphEnd| match e {
            GraphEnd::Workload(w) => self.workloads.get(*w).is_some_and(|w| w.host_network),
            GraphEnd::Addresses(_) => false,
        };
        let in_nets = |e: &GraphEnd| match e {
            GraphEnd::Workload(w) => self.workloads.get(*w).is_some_and(|w| {
                w.pods.iter().any(|&i| {
                    self.cluster.endpoints[i]
                        .ips
                        .iter()
                        .any(|ip| self.nets.iter().any(|r| r.contains(Addr::of(*ip))))
                })
            }),
            GraphEnd::Addresses(_) => false,
        };
        let pods = matches!(src, GraphEnd::Workload(_)) && matches!(dst, GraphEnd::Workload(_));
        let class = if inconsistent {
            "other"
        } else if host(src) || host(dst) {
            "hostNetwork"
        } else if pods && polctl_wider && (in_nets(src) || in_nets(dst)) {
            "ipBlock"
        } else {
            "other"
        };
        *self.report.classes.entry(class).or_default() += wrong.len();
        self.report.mismatches += wrong.len() - 1;
        self.report.mismatch(format!(
            "{} -> {}: peer {}; polctl {}; {why_text}",
            src.name(),
            dst.name(),
            show_ports(peer),
            show_ports(ours)
        ));
    }
}
