//! Turning what a user names (`shop/api`, `svc:shop/api`, `hep:node1-eth0`,
//! `netset:corp`, `10.0.0.1`, `10.0.0.0/8`) into flow ends, and a flow
//! request into flows. A Service resolves to each of its backends, after
//! DNAT (service port to target port), because policy sees the backend.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::{
    Cluster, Endpoint, Flow, FlowEnd, HttpRequest, Peer, Proto, ServiceHop, TargetPort, Workload,
};
use crate::sim::eval::hint::{Hint, Input};
use crate::sim::eval::{Evaluator, Outcome};
use crate::sim::reach;

/// A destination port as given: a number or a name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PortRef {
    Number(u16),
    Name(String),
}

impl PortRef {
    pub fn parse(text: &str) -> PortRef {
        match text.parse::<u16>() {
            Ok(n) => PortRef::Number(n),
            Err(_) => PortRef::Name(text.to_string()),
        }
    }
}

/// A flow as the user describes it.
#[derive(Clone, Debug, Default)]
pub struct FlowRequest {
    pub from: String,
    pub to: String,
    pub port: Option<PortRef>,
    /// `None`: TCP, or the protocol of a named port.
    pub protocol: Option<Proto>,
    pub src_port: Option<u16>,
    pub icmp_type: Option<u8>,
    pub icmp_code: Option<u8>,
    pub http: Option<HttpRequest>,
    pub l7: Vec<(String, String)>,
    /// Mutual authentication between the ends fails.
    pub auth_fails: bool,
}

/// One resolved end, before ports are known.
#[derive(Clone, Debug)]
struct End {
    peer: Peer,
    /// Set when the end is a Service (its port mapping applies).
    service: Option<usize>,
    /// Set when the end is one range of a CIDR the user gave.
    range: Option<Range>,
    /// The end was written as an address (or a range standing for one):
    /// its address is what was asked for and never moves to another family.
    address_given: bool,
}

/// A range of addresses of a CIDR given as a flow end, that every rule
/// sees alike.
#[derive(Clone, Debug)]
struct Range {
    cidr: String,
    lo: IpAddr,
    hi: IpAddr,
}

/// Parses a protocol name or number (`TCP`, `udp`, `sctp`, `icmp`,
/// `icmpv6`, `47`).
pub(crate) fn parse_protocol(text: &str) -> Result<Proto, String> {
    let named = [
        ("TCP", Proto::TCP),
        ("UDP", Proto::UDP),
        ("SCTP", Proto::SCTP),
        ("ICMP", Proto::ICMP),
        ("ICMPv6", Proto::ICMPV6),
        ("UDPLite", Proto::UDPLITE),
    ];
    if let Some((_, p)) = named.iter().find(|(n, _)| n.eq_ignore_ascii_case(text)) {
        return Ok(*p);
    }
    match text.parse::<u8>() {
        Ok(n) if n > 0 => Ok(Proto(n)),
        _ => Err(format!(
            "unknown protocol `{text}`: expected TCP, UDP, SCTP, ICMP, ICMPv6 or a number 1-255"
        )),
    }
}

/// Resolves a flow request into one flow per (source, destination backend).
/// Why a flow request does not resolve.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolveError {
    pub message: String,
    /// What the request lacks, for the caller to word.
    pub hint: Option<Hint>,
}

impl ResolveError {
    /// The message with its hint worded by `word`.
    pub(crate) fn worded(&self, word: &dyn Fn(&Hint) -> String) -> String {
        match &self.hint {
            Some(h) => format!("{}: {}", self.message, word(h)),
            None => self.message.clone(),
        }
    }
}

impl From<String> for ResolveError {
    fn from(message: String) -> Self {
        ResolveError {
            message,
            hint: None,
        }
    }
}

/// The message alone; [`ResolveError::worded`] adds the hint.
impl std::fmt::Display for ResolveError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

pub fn flows(
    cluster: &Cluster,
    req: &FlowRequest,
    namespace: &str,
) -> Result<Vec<Flow>, ResolveError> {
    let sources = ends(cluster, &req.from, namespace, None)?;
    let destinations = ends(cluster, &req.to, namespace, None)?;
    let mut out = Vec::new();
    for src in &sources {
        for dst in &destinations {
            out.push(flow(cluster, req, src, dst)?);
        }
    }
    Ok(out)
}
/// What resolving many requests against one cluster reuses (a flows file
/// holds thousands): the CIDRs the rules tell apart, and pods and workloads
/// by namespace and name.
pub(crate) struct Lookup {
    nets: Vec<IpNet>,
    /// By namespace and name: the first pod of that name, as a scan in
    /// order finds it.
    pods: HashMap<String, HashMap<String, usize>>,
    /// By namespace and name: the workloads of that name, in order.
    workloads: HashMap<String, HashMap<String, Vec<usize>>>,
}

impl Lookup {
    pub(crate) fn new(set: &crate::model::policy::PolicySet, cluster: &Cluster) -> Self {
        let mut pods: HashMap<String, HashMap<String, usize>> = HashMap::new();
        for (i, e) in cluster.endpoints.iter().enumerate() {
            pods.entry(e.namespace.clone())
                .or_default()
                .entry(e.name.clone())
                .or_insert(i);
        }
        let mut workloads: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
        for (i, w) in cluster.workloads.iter().enumerate() {
            workloads
                .entry(w.namespace.clone())
                .or_default()
                .entry(w.name.clone())
                .or_default()
                .push(i);
        }
        Lookup {
            nets: reach::rule_nets(set, cluster),
            pods,
            workloads,
        }
    }

    fn pod(&self, ns: &str, name: &str) -> Option<usize> {
        self.pods.get(ns)?.get(name).copied()
    }

    fn workloads(&self, ns: &str, name: &str) -> &[usize] {
        self.workloads
            .get(ns)
            .and_then(|m| m.get(name))
            .map_or(&[], Vec::as_slice)
    }
}

/// Resolves a flow request as [`flows`] does, except that a CIDR is cut
/// into the ranges the loaded rules tell apart (at every CIDR they and the
/// network sets name), each range is evaluated, and adjacent ranges with
/// the same outcome are merged: one flow per range whose verdict (or
/// deciding rule) differs, or one for the whole CIDR when all agree.
pub(crate) fn flows_by_range(
    evaluator: &Evaluator,
    cluster: &Cluster,
    req: &FlowRequest,
    namespace: &str,
) -> Result<Vec<Flow>, ResolveError> {
    // The evaluator keeps the lookup of its own cluster.
    let own;
    let lookup = if std::ptr::eq(evaluator.cluster(), cluster) {
        evaluator.lookup()
    } else {
        own = Lookup::new(evaluator.policy_set(), cluster);
        &own
    };
    let sources = ends(cluster, &req.from, namespace, Some(lookup))?;
    let destinations = ends(cluster, &req.to, namespace, Some(lookup))?;
    // (flow, the range end's CIDR range, outcome signature), merged in place.
    let mut out: Vec<(Flow, Option<Range>, String)> = Vec::new();
    let mut last_of: HashMap<String, usize> = HashMap::new();
    for src in &sources {
        for dst in &destinations {
            let f = flow(cluster, req, src, dst)?;
            let (range, key) = match (&src.range, &dst.range) {
                (Some(r), None) => (Some(r.clone()), format!("src {} -> {}", r.cidr, f.dst.name)),
                (None, Some(r)) => (Some(r.clone()), format!("{} -> dst {}", f.src.name, r.cidr)),
                _ => (None, String::new()),
            };
            let Some(range) = range else {
                out.push((f, None, String::new()));
                continue;
            };
            let signature = signature(&evaluator.evaluate(f.clone()));
            let merged = last_of.get(&key).and_then(|&i| {
                let (_, prev, sig) = &out[i];
                let prev = prev.as_ref()?;
                let adjacent = next_address(prev.hi) == Some(range.lo);
                (adjacent && *sig == signature).then_some(i)
            });
            match merged {
                Some(i) => {
                    if let Some(prev) = &mut out[i].1 {
                        prev.hi = range.hi;
                    }
                }
                None => {
                    last_of.insert(key, out.len());
                    out.push((f, Some(range), signature));
                }
            }
        }
    }
    // Name each range by what it covers of its CIDR.
    Ok(out
        .into_iter()
        .map(|(mut f, range, _)| {
            if let Some(r) = range {
                let peer = if f.src.name.starts_with(&format!("{} ", r.cidr)) {
                    &mut f.src
                } else {
                    &mut f.dst
                };
                let label = reach::range_label(r.lo, r.hi);
                peer.name = if label == r.cidr {
                    format!("{} (every address alike, as {})", r.cidr, peer.ip)
                } else {
                    format!("{label} of {} (as {})", r.cidr, peer.ip)
                };
            }
            f
        })
        .collect())
}

/// What decides an outcome: two ranges with the same signature need not be
/// shown apart.
fn signature(o: &Outcome) -> String {
    let d = |d: &crate::sim::eval::Decider| {
        format!("{}|{:?}|{:?}|{:?}", d.step, d.tier, d.policy, d.rule)
    };
    format!(
        "{:?}|{:?}|{}|{}",
        o.verdict,
        o.denied_at,
        d(&o.egress.decided_by),
        d(&o.ingress.decided_by)
    )
}

/// The address after `ip`, if any.
fn next_address(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V4(a) => u32::from(a)
            .checked_add(1)
            .map(|n| IpAddr::from(n.to_be_bytes())),
        IpAddr::V6(a) => u128::from(a)
            .checked_add(1)
            .map(|n| IpAddr::from(n.to_be_bytes())),
    }
}

/// A flow stays within one address family. A pod with addresses of both
/// families is reached at the one of the other end's family; an end written
/// as an address keeps it, so the other end moves to its family.
fn same_family(
    cluster: &Cluster,
    (src, src_given): (&mut Peer, bool),
    (dst, dst_given): (&mut Peer, bool),
) -> Result<(), String> {
    if src.ip.is_ipv4() == dst.ip.is_ipv4() {
        return Ok(());
    }
    let other_family = |peer: &Peer, v4: bool| match peer.end {
        FlowEnd::Pod { index } => cluster
            .endpoints
            .get(index)
            .and_then(|e| e.ips.iter().find(|ip| ip.is_ipv4() == v4).copied()),
        _ => None,
    };
    if let Some(ip) = other_family(dst, src.ip.is_ipv4()).filter(|_| !dst_given) {
        dst.ip = ip;
        return Ok(());
    }
    if let Some(ip) = other_family(src, dst.ip.is_ipv4()).filter(|_| !src_given) {
        src.ip = ip;
        return Ok(());
    }
    let family = |ip: IpAddr| if ip.is_ipv4() { "IPv4" } else { "IPv6" };
    Err(format!(
        "{} is {} and {} is {}: a flow stays within one address family (give ends of the same family)",
        src.name,
        describe_family(cluster, src, family(src.ip)),
        dst.name,
        describe_family(cluster, dst, family(dst.ip)),
    ))
}

/// `IPv4`, or for a pod `IPv4-only (10.0.0.1)`.
fn describe_family(cluster: &Cluster, peer: &Peer, family: &str) -> String {
    match peer.end {
        FlowEnd::Pod { index } => {
            let ips: Vec<String> = cluster
                .endpoints
                .get(index)
                .map(|e| e.ips.iter().map(IpAddr::to_string).collect())
                .unwrap_or_default();
            format!("{family}-only ({})", ips.join(", "))
        }
        _ => family.to_string(),
    }
}

fn flow(cluster: &Cluster, req: &FlowRequest, src: &End, dst: &End) -> Result<Flow, ResolveError> {
    let mut protocol = req.protocol;
    let mut src_peer = src.peer.clone();
    let mut dst_peer = dst.peer.clone();
    same_family(
        cluster,
        (&mut src_peer, src.address_given),
        (&mut dst_peer, dst.address_given),
    )?;
    let port = match (&req.port, dst.service) {
        (port, Some(si)) => {
            let svc = &cluster.services[si];
            let want = protocol.unwrap_or(Proto::TCP);
            let sp = match port {
                Some(PortRef::Number(n)) => svc
                    .ports
                    .iter()
                    .find(|p| p.port == *n && (req.protocol.is_none() || p.protocol == want)),
                Some(PortRef::Name(n)) => svc.ports.iter().find(|p| p.name.as_deref() == Some(n)),
                None if svc.ports.len() == 1 => svc.ports.first(),
                None => None,
            };
            let Some(sp) = sp else {
                let ports: Vec<String> = svc
                    .ports
                    .iter()
                    .map(|p| match &p.name {
                        Some(n) => format!("{} ({n})/{}", p.port, p.protocol),
                        None => format!("{}/{}", p.port, p.protocol),
                    })
                    .collect();
                return Err(format!(
                    "Service {}/{} has no such port; it exposes {}",
                    svc.namespace,
                    svc.name,
                    if ports.is_empty() {
                        "none".into()
                    } else {
                        ports.join(", ")
                    }
                )
                .into());
            };
            protocol = Some(sp.protocol);
            let target = match &sp.target {
                TargetPort::Number(n) => *n,
                TargetPort::Name(name) => {
                    let backend = match dst.peer.end {
                        FlowEnd::Pod { index } => cluster.endpoints.get(index),
                        _ => None,
                    };
                    backend
                        .and_then(|b| b.ports.iter().find(|p| &p.name == name && p.protocol == sp.protocol))
                        .map(|p| p.port)
                        .ok_or_else(|| {
                            format!(
                                "Service {}/{} targets port `{name}`, which backend {} does not declare",
                                svc.namespace, svc.name, dst.peer.name
                            )
                        })?
                }
            };
            dst_peer.name = format!("{} ({}:{} -> {target})", dst_peer.name, svc.name, sp.port);
            dst_peer.service = Some(ServiceHop {
                index: si,
                port: sp.port,
                protocol: sp.protocol,
                target_port: target,
            });
            target
        }
        (Some(PortRef::Number(n)), None) => *n,
        (Some(PortRef::Name(name)), None) => {
            let ep = match dst.peer.end {
                FlowEnd::Pod { index } => cluster.endpoints.get(index),
                _ => None,
            };
            let found = ep.and_then(|ep| {
                ep.ports
                    .iter()
                    .find(|p| &p.name == name && protocol.is_none_or(|pr| pr == p.protocol))
            });
            let Some(np) = found else {
                return Err(format!(
                    "{} declares no port named `{name}`{}",
                    dst.peer.name,
                    ep.map(describe_ports).unwrap_or_default()
                )
                .into());
            };
            protocol = Some(np.protocol);
            np.port
        }
        (None, None) => 0,
    };
    let protocol = protocol.unwrap_or(Proto::TCP);
    let has_ports = matches!(protocol, Proto::TCP | Proto::UDP | Proto::SCTP);
    if has_ports && port == 0 {
        return Err(ResolveError {
            message: format!("a {protocol} flow needs a destination port"),
            hint: Some(Hint::Named(Input::Port)),
        });
    }
    let is_icmp = matches!(protocol, Proto::ICMP | Proto::ICMPV6);
    // Without a type, ICMP means ping: echo request (8, or 128 for ICMPv6).
    let icmp_type = match (is_icmp, req.icmp_type) {
        (true, Some(t)) => Some(t),
        (true, None) if protocol == Proto::ICMP => Some(8),
        (true, None) => Some(128),
        (false, _) => None,
    };
    Ok(Flow {
        src: src_peer,
        dst: dst_peer,
        protocol,
        port: if has_ports { port } else { 0 },
        src_port: req.src_port,
        icmp_type,
        icmp_code: if is_icmp {
            req.icmp_code.or(Some(0))
        } else {
            None
        },
        http: req.http.clone(),
        l7: req.l7.clone(),
        auth_fails: req.auth_fails,
    })
}

fn describe_ports(ep: &Endpoint) -> String {
    if ep.ports.is_empty() {
        return " (it declares no named ports)".into();
    }
    let names: Vec<String> = ep
        .ports
        .iter()
        .map(|p| format!("{}={}/{}", p.name, p.port, p.protocol))
        .collect();
    format!(" (it declares {})", names.join(", "))
}

/// The ends `text` names. With `nets`, a CIDR is cut into the ranges they
/// tell apart; without, it stands for one address.
fn ends(
    cluster: &Cluster,
    text: &str,
    namespace: &str,
    lookup: Option<&Lookup>,
) -> Result<Vec<End>, String> {
    let plain = |peer: Peer| {
        Ok(vec![End {
            peer,
            service: None,
            range: None,
            address_given: false,
        }])
    };
    let given = |peer: Peer| {
        Ok(vec![End {
            peer,
            service: None,
            range: None,
            address_given: true,
        }])
    };
    if let Some(rest) = text.strip_prefix("svc:") {
        let (ns, name) = split(rest, namespace);
        let Some(si) = cluster
            .services
            .iter()
            .position(|s| s.namespace == ns && s.name == name)
        else {
            return Err(not_found(
                "Service",
                ns,
                name,
                cluster.services.iter().map(|s| (&s.namespace, &s.name)),
            ));
        };
        return service_ends(cluster, si);
    }
    if let Some(name) = text.strip_prefix("hep:") {
        let Some((i, hep)) = cluster
            .host_endpoints
            .iter()
            .enumerate()
            .find(|(_, h)| h.name == name)
        else {
            return Err(format!("no HostEndpoint named `{name}` is loaded"));
        };
        let ip = hep.ips.first().copied().or_else(|| {
            let node = hep.node.as_deref()?;
            cluster
                .nodes
                .iter()
                .find(|n| n.name == node)?
                .ips
                .first()
                .copied()
        });
        let Some(ip) = ip else {
            return Err(format!(
                "HostEndpoint {name} has no expectedIPs and its node's address is unknown"
            ));
        };
        return plain(Peer {
            name: format!("hep:{name}"),
            ip,
            end: FlowEnd::HostEndpoint { index: i },
            service: None,
        });
    }
    if let Some(rest) = text.strip_prefix("node:") {
        let Some((i, node)) = cluster
            .nodes
            .iter()
            .enumerate()
            .find(|(_, n)| n.name == rest)
        else {
            return Err(format!("no Node named `{rest}` is loaded"));
        };
        let Some(ip) = node.ips.first().copied() else {
            return Err(format!("Node {rest} has no address"));
        };
        return plain(Peer {
            name: format!("node:{rest}"),
            ip,
            end: FlowEnd::Node { index: i },
            service: None,
        });
    }
    if let Some(rest) = text.strip_prefix("netset:") {
        let (ns, name) = match rest.split_once('/') {
            Some((ns, name)) => (Some(ns), name),
            None => (None, rest),
        };
        let set = cluster
            .network_sets
            .iter()
            .find(|s| s.name == name && s.namespace.as_deref() == ns)
            .ok_or_else(|| format!("no network set `{rest}` is loaded"))?;
        let net = set
            .nets
            .first()
            .ok_or_else(|| format!("network set {rest} has no nets"))?;
        let ip = representative(net);
        return Ok(vec![End {
            peer: address_peer(cluster, ip, format!("netset:{rest} ({ip})")),
            service: None,
            range: None,
            address_given: true,
        }]);
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        // kube-proxy (and Cilium's socket LB) rewrite a Service's virtual
        // address to a backend before any policy sees the packet
        // (SEMANTICS.md §F15): the address stands for the Service.
        if let Some(si) = cluster
            .services
            .iter()
            .position(|s| s.addresses.contains(&ip))
        {
            return service_ends(cluster, si);
        }
        return given(address_peer(cluster, ip, text.to_string()));
    }
    if let Ok(net) = text.parse::<IpNet>() {
        if let Some(lookup) = lookup {
            let ranges = cidr_ranges(cluster, &lookup.nets, net, text);
            if !ranges.is_empty() {
                return Ok(ranges);
            }
        }
        let ip = representative(&net);
        return given(address_peer(cluster, ip, format!("{text} (as {ip})")));
    }
    let reference = Reference::parse(text, &|ns| cluster.namespaces.contains_key(ns));
    let ns = reference.namespace.unwrap_or(namespace);
    let (kind, name) = (reference.kind, reference.name);
    let pod = match lookup {
        Some(l) => l.pod(ns, name).map(|i| (i, &cluster.endpoints[i])),
        None => cluster
            .endpoints
            .iter()
            .enumerate()
            .find(|(_, e)| e.namespace == ns && e.name == name),
    }
    .filter(|_| kind.is_none_or(|k| k == "Pod"));
    let named: Vec<&Workload> = match lookup {
        Some(l) => l
            .workloads(ns, name)
            .iter()
            .map(|&i| &cluster.workloads[i])
            .collect(),
        None => cluster
            .workloads
            .iter()
            .filter(|w| w.namespace == ns && w.name == name)
            .collect(),
    };
    // Lone pods are workloads of kind Pod too: the pod stands for them. A
    // workload that owns the pod of the same name is that pod.
    let workloads: Vec<&Workload> = named
        .into_iter()
        .filter(|w| w.kind != "Pod")
        .filter(|w| kind.is_none_or(|k| w.kind.eq_ignore_ascii_case(k)))
        .filter(|w| pod.is_none_or(|(i, _)| !w.endpoints.contains(&i)))
        .collect();
    // Named with its kind, an end keeps the kind in its name.
    let shown = match kind {
        Some(k) => format!("{ns}/{}/{name}", k.to_lowercase()),
        None => format!("{ns}/{name}"),
    };
    match (pod, workloads.as_slice()) {
        (Some((i, ep)), []) => {
            let mut peer = pod_peer(i, ep);
            peer.name = shown;
            return plain(peer);
        }
        (None, [w]) => {
            // Every pod of a workload has the template's labels and ports:
            // the first one stands for all.
            let Some(&i) = w.endpoints.first() else {
                return Err(format!("{} {ns}/{name} has no pods", w.kind));
            };
            let mut peer = pod_peer(i, &cluster.endpoints[i]);
            peer.name = format!("{shown} ({}/{})", ns, cluster.endpoints[i].name);
            return plain(peer);
        }
        (None, []) => {}
        (pod, workloads) => {
            let mut candidates: Vec<String> = pod
                .map(|_| format!("{ns}/pod/{name}"))
                .into_iter()
                .chain(
                    workloads
                        .iter()
                        .map(|w| format!("{ns}/{}/{name}", w.kind.to_lowercase())),
                )
                .collect();
            candidates.sort();
            return Err(format!(
                "`{text}` is ambiguous: it names {} objects ({}); name one with its kind",
                candidates.len(),
                candidates.join(", ")
            ));
        }
    }
    let candidates = cluster
        .endpoints
        .iter()
        .map(|e| (&e.namespace, &e.name))
        .chain(cluster.workloads.iter().map(|w| (&w.namespace, &w.name)));
    let what = match kind {
        Some(k) => k.to_string(),
        None => "pod or workload".to_string(),
    };
    Err(not_found(&what, ns, name, candidates))
}

/// A pod or workload as a user names it: `NAME`, `NS/NAME`, and, as
/// kubectl writes it, `KIND/NAME` (`deployment/web`, `pod/web`) or
/// `NS/KIND/NAME`. A first segment that is a kind (`pod`, `po`,
/// `deployment`, `deploy`, `statefulset`, `sts`, `daemonset`, `ds`,
/// `replicaset`, `rs`, `job`, `cronjob`, `cj`, plurals too) is the kind,
/// unless `is_namespace` says it is a namespace.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Reference<'t> {
    /// `None`: the namespace given with `-n`.
    pub namespace: Option<&'t str>,
    /// The canonical kind (`Deployment`), when given.
    pub kind: Option<&'static str>,
    pub name: &'t str,
}

impl<'t> Reference<'t> {
    pub(crate) fn parse(text: &'t str, is_namespace: &dyn Fn(&str) -> bool) -> Reference<'t> {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [ns, kind, name] if workload_kind(kind).is_some() => Reference {
                namespace: Some(ns),
                kind: workload_kind(kind),
                name,
            },
            [kind, name] if workload_kind(kind).is_some() && !is_namespace(kind) => Reference {
                namespace: None,
                kind: workload_kind(kind),
                name,
            },
            _ => match text.split_once('/') {
                Some((ns, name)) => Reference {
                    namespace: Some(ns),
                    kind: None,
                    name,
                },
                None => Reference {
                    namespace: None,
                    kind: None,
                    name: text,
                },
            },
        }
    }
}

/// The kind a word names, as kubectl reads resource names and short names.
fn workload_kind(word: &str) -> Option<&'static str> {
    let kinds: [(&str, &[&str]); 7] = [
        ("Pod", &["pod", "pods", "po"]),
        ("Deployment", &["deployment", "deployments", "deploy"]),
        ("StatefulSet", &["statefulset", "statefulsets", "sts"]),
        ("DaemonSet", &["daemonset", "daemonsets", "ds"]),
        ("ReplicaSet", &["replicaset", "replicasets", "rs"]),
        ("Job", &["job", "jobs"]),
        ("CronJob", &["cronjob", "cronjobs", "cj"]),
    ];
    let word = word.to_ascii_lowercase();
    kinds
        .iter()
        .find(|(_, words)| words.contains(&word.as_str()))
        .map(|(kind, _)| *kind)
}

/// A Service's backends: the loaded pods its selector picks in its
/// namespace, each reached after DNAT.
fn service_ends(cluster: &Cluster, si: usize) -> Result<Vec<End>, String> {
    let svc = &cluster.services[si];
    let (ns, name) = (&svc.namespace, &svc.name);
    let Some(selector) = &svc.selector else {
        return Err(format!(
            "Service {ns}/{name} has no selector: its endpoints are not part of the loaded manifests"
        ));
    };
    let backends: Vec<End> = cluster
        .endpoints
        .iter()
        .enumerate()
        .filter(|(_, ep)| {
            &ep.namespace == ns
                && !ep.ips.is_empty()
                && selector.iter().all(|(k, v)| ep.labels.get(k) == Some(v))
        })
        .map(|(i, ep)| End {
            peer: pod_peer(i, ep),
            service: Some(si),
            range: None,
            address_given: false,
        })
        .collect();
    if backends.is_empty() {
        return Err(format!("Service {ns}/{name} selects no loaded pod"));
    }
    Ok(backends)
}

/// A CIDR's ranges, each probed at an address no endpoint owns (an
/// endpoint's address is that endpoint: name it to evaluate it).
fn cidr_ranges(cluster: &Cluster, nets: &[IpNet], net: IpNet, text: &str) -> Vec<End> {
    let taken: HashSet<IpAddr> = cluster
        .endpoints
        .iter()
        .flat_map(|e| e.ips.iter())
        .chain(cluster.nodes.iter().flat_map(|n| n.ips.iter()))
        .chain(cluster.host_endpoints.iter().flat_map(|h| h.ips.iter()))
        .copied()
        .collect();
    reach::ranges_within(nets, net, &taken)
        .into_iter()
        .map(|(lo, hi, probe, _)| End {
            peer: address_peer(cluster, probe, format!("{text} (as {probe})")),
            service: None,
            range: Some(Range {
                cidr: text.to_string(),
                lo,
                hi,
            }),
            address_given: true,
        })
        .collect()
}

fn split<'t>(text: &'t str, namespace: &'t str) -> (&'t str, &'t str) {
    text.split_once('/').unwrap_or((namespace, text))
}

fn not_found<'c>(
    what: &str,
    ns: &str,
    name: &str,
    candidates: impl Iterator<Item = (&'c String, &'c String)>,
) -> String {
    let mut near: Vec<String> = candidates
        .filter(|(_, n)| n.contains(name) || name.contains(n.as_str()))
        .map(|(ns, n)| format!("{ns}/{n}"))
        .collect();
    near.sort();
    near.dedup();
    near.truncate(5);
    let mut msg = format!("no {what} `{ns}/{name}` is loaded");
    if !near.is_empty() {
        msg.push_str(&format!(" (similar: {})", near.join(", ")));
    }
    msg
}

fn pod_peer(index: usize, ep: &Endpoint) -> Peer {
    Peer {
        name: format!("{}/{}", ep.namespace, ep.name),
        ip: ep
            .ips
            .first()
            .copied()
            .unwrap_or(IpAddr::from([0, 0, 0, 0])),
        end: FlowEnd::Pod { index },
        service: None,
    }
}

/// An address is whatever owns it: a pod, a host endpoint, a node, or
/// nothing in the model.
fn address_peer(cluster: &Cluster, ip: IpAddr, name: String) -> Peer {
    let end = if let Some(i) = cluster
        .endpoints
        .iter()
        .position(|e| !e.host_network && e.ips.contains(&ip))
    {
        FlowEnd::Pod { index: i }
    } else if let Some(i) = cluster
        .host_endpoints
        .iter()
        .position(|h| h.ips.contains(&ip))
    {
        FlowEnd::HostEndpoint { index: i }
    } else if let Some(i) = cluster.nodes.iter().position(|n| n.ips.contains(&ip)) {
        FlowEnd::Node { index: i }
    } else {
        FlowEnd::External
    };
    Peer {
        name,
        ip,
        end,
        service: None,
    }
}

/// The address that stands for a CIDR: its only address, or its first host.
fn representative(net: &IpNet) -> IpAddr {
    if net.prefix_len() == net.max_prefix_len() {
        return net.addr();
    }
    net.hosts().next().unwrap_or(net.network())
}
