//! Computing the reachability graph.
//!
//! Exactness without sampling: for a pair of endpoints and a protocol, the
//! evaluator's verdict can only change where a rule that applies to the
//! pair (the source's egress rules, the destination's ingress rules, their
//! profiles) names a port boundary. The ports are cut at those boundaries,
//! and each piece is probed once. External addresses are cut the same way
//! by every CIDR the rules name, and each piece probed at an address no
//! cluster endpoint owns.
//!
//! Cost follows identities, not pods: endpoints that every criterion sees
//! alike (namespace, labels, service account, named ports, the CIDRs their
//! address lies in) form one class, pairs of classes are probed once, and
//! the result is expanded to workloads.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use ipnet::IpNet;
use petgraph::graph::NodeIndex;

use super::conns::{PORT_PROTOCOLS, domain, is_icmp};
use super::{Edge, Node, NodeKind, Reach};
use crate::model::policy::{Criterion, Direction, PortSpec, Rule, Side};
use crate::model::{Cluster, Flow, FlowEnd, Peer, Proto};
use crate::sim::eval::{Evaluator, Probe};

/// What to compute.
#[derive(Clone, Debug)]
pub struct Options {
    /// Include external address ranges.
    pub external: bool,
    /// Worker threads (at least 1).
    pub threads: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            external: true,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// Progress of a long computation (a terminal progress bar).
pub trait Progress: Sync {
    fn start(&self, total: u64);
    fn advance(&self, n: u64);
}

impl Progress for () {
    fn start(&self, _: u64) {}
    fn advance(&self, _: u64) {}
}

/// Per protocol, the values where a piece of the port (or ICMP) space
/// starts.
type Cuts = BTreeMap<Proto, BTreeSet<u32>>;

/// A named port: (name, protocol number, port).
type NamedPortKey = (String, u8, u16);

/// Endpoints that every criterion sees alike.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ClassKey {
    namespace: String,
    labels: Vec<(String, String)>,
    service_account: String,
    ports: Vec<(String, u8, u16)>,
    /// hostNetwork pods are the node's traffic: one class each.
    host_network: Option<String>,
    /// Ingress from a pod's own node is always allowed, and a hostNetwork
    /// pod is the node's traffic: where there are any, the node counts.
    node: Option<String>,
    phase: Option<String>,
    /// Indexes of the rule CIDRs (and network sets) the address lies in.
    nets: Vec<usize>,
    v6: bool,
}

struct Class {
    members: Vec<usize>,
    /// Workloads of the members, to know whether a class talks to itself
    /// across workloads.
    workloads: BTreeSet<usize>,
}

/// A contiguous range of addresses that every rule CIDR sees alike.
#[derive(Clone, Debug)]
struct Atom {
    lo: IpAddr,
    hi: IpAddr,
    /// The address probed: in the range, owned by no cluster endpoint.
    probe: IpAddr,
}

impl Atom {
    fn label(&self) -> String {
        range_label(self.lo, self.hi)
    }
}

/// Computes the graph of everything loaded.
pub fn compute(
    ev: &Evaluator,
    cluster: &Cluster,
    opts: &Options,
    progress: &dyn Progress,
) -> Reach {
    let set = ev.policy_set();
    let mut notes = Vec::new();

    // Every rule criterion, for the CIDRs and port boundaries they name.
    let all_rules: Vec<(Direction, &Rule)> = set
        .policies()
        .flat_map(|(_, p)| {
            let ing = p.ingress.iter().flatten().map(|r| (Direction::Ingress, r));
            let eg = p.egress.iter().flatten().map(|r| (Direction::Egress, r));
            ing.chain(eg)
        })
        .chain(set.profiles.values().flat_map(|p| {
            let ing = p.ingress.iter().map(|r| (Direction::Ingress, r));
            let eg = p.egress.iter().map(|r| (Direction::Egress, r));
            ing.chain(eg)
        }))
        .collect();
    let mut all_nets: BTreeSet<IpNet> = BTreeSet::new();
    let mut peer_nets: [BTreeSet<IpNet>; 2] = [BTreeSet::new(), BTreeSet::new()];
    let mut protocols: BTreeSet<Proto> = BTreeSet::new();
    for (dir, rule) in &all_rules {
        let peer = match dir {
            Direction::Ingress => Side::Source,
            Direction::Egress => Side::Destination,
        };
        walk(&rule.criteria, &mut |c| match c {
            Criterion::Nets { side, nets, .. } => {
                all_nets.extend(nets.iter().map(IpNet::trunc));
                if *side == peer {
                    peer_nets[dir_index(*dir)].extend(nets.iter().map(IpNet::trunc));
                }
            }
            Criterion::Protocol { any_of, .. } => protocols.extend(any_of.iter().copied()),
            Criterion::Ports { any_of, .. } => {
                protocols.extend(any_of.iter().filter_map(|m| m.protocol));
            }
            Criterion::Fqdn { .. } if *dir == Direction::Egress => {
                // toFQDNs resolves to the addresses of the DNS answers.
                for ips in cluster.dns.values() {
                    peer_nets[1].extend(ips.iter().map(|ip| IpNet::from(*ip)));
                }
            }
            _ => {}
        });
    }
    for ns in &cluster.network_sets {
        all_nets.extend(ns.nets.iter().map(IpNet::trunc));
        for side in &mut peer_nets {
            side.extend(ns.nets.iter().map(IpNet::trunc));
        }
    }
    let all_nets: Vec<IpNet> = all_nets.into_iter().collect();
    // Labels no selector mentions cannot tell endpoints apart.
    let mut keys: HashSet<String> = HashSet::new();
    for (_, p) in set.policies() {
        keys.extend(p.subject.keys().into_iter().map(str::to_string));
    }
    for (_, rule) in &all_rules {
        walk(&rule.criteria, &mut |c| {
            if let Criterion::Selector { expr, .. } | Criterion::Nodes { expr, .. } = c {
                keys.extend(expr.keys().into_iter().map(str::to_string));
            }
        });
    }
    for svc in &cluster.services {
        keys.extend(svc.selector.iter().flatten().map(|(k, _)| k.clone()));
    }
    let other_protocols: Vec<Proto> = protocols
        .iter()
        .copied()
        .filter(|p| !PORT_PROTOCOLS.contains(p) && !is_icmp(*p))
        .collect();
    // A protocol no rule names stands for all of them.
    let unnamed = [47u8, 50, 51, 4, 41, 89, 103, 112, 115, 253]
        .into_iter()
        .map(Proto)
        .find(|p| !protocols.contains(p))
        .unwrap_or(Proto(254));
    let named_ports = named_port_numbers(cluster);

    // Workloads: controllers with their pods, and lone pods.
    let mut workload_of: Vec<Option<usize>> = vec![None; cluster.endpoints.len()];
    let mut nodes: Vec<Node> = Vec::new();
    // Static (mirror) pods name their Node as owner, but a Node is not a
    // workload and its static pods are unrelated: each stands alone.
    for w in cluster.workloads.iter().filter(|w| w.kind != "Node") {
        let wi = nodes.len();
        for &e in &w.endpoints {
            if let Some(slot) = workload_of.get_mut(e) {
                *slot = Some(wi);
            }
        }
        nodes.push(Node {
            id: format!("{}/{}", w.namespace, w.name),
            kind: NodeKind::Workload {
                kind: w.kind.clone(),
            },
            namespace: Some(w.namespace.clone()),
            name: w.name.clone(),
            labels: w.labels.clone(),
            pods: 0,
        });
    }
    for (i, ep) in cluster.endpoints.iter().enumerate() {
        if workload_of[i].is_none() {
            workload_of[i] = Some(nodes.len());
            nodes.push(Node {
                id: format!("{}/{}", ep.namespace, ep.name),
                kind: NodeKind::Workload { kind: "Pod".into() },
                namespace: Some(ep.namespace.clone()),
                name: ep.name.clone(),
                labels: ep.labels.clone(),
                pods: 0,
            });
        }
    }

    // Classes of pods.
    let mut classes: Vec<Class> = Vec::new();
    let mut class_of: Vec<Option<usize>> = vec![None; cluster.endpoints.len()];
    let mut by_key: HashMap<ClassKey, usize> = HashMap::new();
    let mut unaddressed = 0;
    let host_pods = cluster.endpoints.iter().any(|e| e.host_network);
    for (i, ep) in cluster.endpoints.iter().enumerate() {
        let (Some(ip), Some(wi)) = (address(&ep.ips), workload_of[i]) else {
            unaddressed += 1;
            continue;
        };
        nodes[wi].pods += 1;
        let key = ClassKey {
            namespace: ep.namespace.clone(),
            labels: ep
                .labels
                .iter()
                .filter(|(k, _)| keys.contains(*k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            service_account: ep.service_account.clone(),
            ports: ep
                .ports
                .iter()
                .map(|p| (p.name.clone(), p.protocol.0, p.port))
                .collect(),
            host_network: ep
                .host_network
                .then(|| format!("{}/{}", ep.namespace, ep.name)),
            node: ep.node.clone().filter(|_| host_pods),
            phase: ep.phase.clone(),
            nets: (0..all_nets.len())
                .filter(|&n| all_nets[n].contains(&ip))
                .collect(),
            v6: ip.is_ipv6(),
        };
        let ci = *by_key.entry(key).or_insert_with(|| {
            classes.push(Class {
                members: Vec::new(),
                workloads: BTreeSet::new(),
            });
            classes.len() - 1
        });
        classes[ci].members.push(i);
        classes[ci].workloads.insert(wi);
        class_of[i] = Some(ci);
    }
    if unaddressed > 0 {
        notes.push(format!(
            "{unaddressed} pod(s) have no address and are not shown"
        ));
    }

    // External address ranges, cut separately for sources and destinations.
    let taken: std::collections::HashSet<IpAddr> = cluster
        .endpoints
        .iter()
        .flat_map(|e| e.ips.iter())
        .chain(cluster.nodes.iter().flat_map(|n| n.ips.iter()))
        .chain(cluster.host_endpoints.iter().flat_map(|h| h.ips.iter()))
        .copied()
        .collect();
    let atoms: [Vec<Atom>; 2] = if opts.external {
        [atoms(&peer_nets[0], &taken), atoms(&peer_nets[1], &taken)]
    } else {
        [Vec::new(), Vec::new()]
    };

    // Every end of a flow: the classes, then the source ranges, then the
    // destination ranges.
    let mut peers: Vec<PeerEnd> = Vec::new();
    for class in &classes {
        let first = class.members[0];
        // Another member, preferably of another workload, for a class
        // talking to itself.
        let alt = class
            .members
            .iter()
            .copied()
            .find(|&m| workload_of[m] != workload_of[first])
            .or_else(|| class.members.get(1).copied());
        let ep = &cluster.endpoints[first];
        peers.push(PeerEnd {
            peer: pod_peer(cluster, first),
            alt: alt.map(|m| pod_peer(cluster, m)),
            unique: ep.host_network,
            ports: ep
                .ports
                .iter()
                .map(|p| (p.name.clone(), p.protocol.0, p.port))
                .collect(),
            side: Sides::Both,
        });
    }
    for (side, list) in [Sides::Source, Sides::Destination].into_iter().zip(&atoms) {
        for atom in list {
            peers.push(PeerEnd {
                peer: Peer {
                    name: atom.probe.to_string(),
                    ip: atom.probe,
                    end: FlowEnd::External,
                },
                alt: None,
                unique: false,
                ports: Vec::new(),
                side,
            });
        }
    }

    // Each peer-side criterion (a selector, CIDRs, entities...) evaluated
    // once against every end: what a rule can tell apart about its peer.
    let mut leaves: Vec<(&Criterion, Side)> = Vec::new();
    let mut leaf_index: HashMap<(usize, Side), usize> = HashMap::new();
    for (dir, rule) in &all_rules {
        let side = peer_side(*dir);
        walk(&rule.criteria, &mut |c| {
            if is_peer_leaf(c, side) {
                leaf_index
                    .entry((std::ptr::from_ref(c) as usize, side))
                    .or_insert_with(|| {
                        leaves.push((c, side));
                        leaves.len() - 1
                    });
            }
        });
    }
    progress.start(3 * peers.len() as u64);
    let leaf_criteria: Vec<&Criterion> = leaves.iter().map(|(c, _)| *c).collect();
    let bits: Vec<Vec<bool>> = parallel(opts.threads, &peers, |p| {
        // The peer at both ends: a leaf only looks at its own side.
        let flow = probe_flow(&p.peer, &p.peer, Proto::TCP, 1);
        let out = ev.criteria_match(&leaf_criteria, &flow);
        progress.advance(1);
        out
    });

    let job = Job {
        ev,
        cluster,
        peers: &peers,
        leaf_index: &leaf_index,
        bits: &bits,
        other_protocols: &other_protocols,
        unnamed,
        named_ports: &named_ports,
        probes: AtomicU64::new(0),
    };
    // Each end's verdicts as the subject of each direction, per group of
    // peers its rules cannot tell apart.
    let subjects: Vec<(usize, Direction)> = (0..peers.len())
        .flat_map(|i| [(i, Direction::Egress), (i, Direction::Ingress)])
        .filter(|&(i, dir)| peers[i].side.subject_of(dir))
        .collect();
    let views: Vec<View> = parallel(opts.threads, &subjects, |&(i, dir)| {
        let v = job.view(i, dir);
        progress.advance(1);
        v
    });
    // Identical direction results are stored once; a view keeps, per peer,
    // the index of its result.
    let mut arena: Vec<Edge> = Vec::new();
    let mut interned: HashMap<Edge, u32> = HashMap::new();
    let mut view_of: HashMap<(usize, Direction), Vec<u32>> = HashMap::new();
    for (key, view) in subjects.iter().zip(views) {
        let ids: Vec<u32> = view
            .results
            .into_iter()
            .map(|r| {
                *interned.entry(r).or_insert_with_key(|r| {
                    arena.push(r.clone());
                    (arena.len() - 1) as u32
                })
            })
            .collect();
        let per_peer = view
            .group_of
            .iter()
            .map(|g| g.map_or(u32::MAX, |g| ids[g]))
            .collect();
        view_of.insert(*key, per_peer);
    }
    drop(interned);
    let mut combined: HashMap<(u32, u32), Option<Arc<Edge>>> = HashMap::new();
    let mut edge_between = |s: usize, d: usize| -> Option<Arc<Edge>> {
        let eg = *view_of.get(&(s, Direction::Egress))?.get(d)?;
        let ig = *view_of.get(&(d, Direction::Ingress))?.get(s)?;
        if eg == u32::MAX || ig == u32::MAX {
            return None;
        }
        combined
            .entry((eg, ig))
            .or_insert_with(|| {
                let (a, b) = (&arena[eg as usize], &arena[ig as usize]);
                let conns = a.conns.intersect(&b.conns);
                if conns.is_empty() {
                    return None;
                }
                let mut policies = a.policies.clone();
                policies.extend(b.policies.iter().cloned());
                Some(Arc::new(Edge {
                    l7: a.l7.union(&b.l7).intersect(&conns),
                    auth: a.auth.union(&b.auth).intersect(&conns),
                    conns,
                    policies,
                    some: None,
                }))
            })
            .clone()
    };

    let mut classes_of_workload: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); nodes.len()];
    for (i, c) in class_of.iter().enumerate() {
        if let (Some(c), Some(w)) = (c, workload_of[i]) {
            classes_of_workload[w].insert(*c);
        }
    }

    let mut reach = Reach {
        classes: classes.len(),
        probes: job.probes.load(Ordering::Relaxed),
        notes,
        ..Reach::default()
    };
    let workload_index: Vec<Option<NodeIndex>> = nodes
        .into_iter()
        .map(|n| (n.pods > 0).then(|| reach.graph.add_node(n)))
        .collect();
    let workloads: Vec<(usize, NodeIndex)> = workload_index
        .iter()
        .enumerate()
        .filter_map(|(w, i)| i.map(|i| (w, i)))
        .collect();
    for &(ws, si) in &workloads {
        for &(wd, di) in &workloads {
            if ws == wd {
                continue;
            }
            let (from, to) = (&classes_of_workload[ws], &classes_of_workload[wd]);
            let mut edges: Vec<Option<Arc<Edge>>> = Vec::with_capacity(from.len() * to.len());
            for &s in from {
                for &d in to {
                    if s != d || classes[s].workloads.len() > 1 {
                        edges.push(edge_between(s, d));
                    }
                }
            }
            if let Some(edge) = merge(edges) {
                reach.graph.add_edge(si, di, edge);
            }
        }
    }
    // One node per range, whether it is a source, a destination or both.
    let mut atom_nodes: HashMap<String, NodeIndex> = HashMap::new();
    for (dir, list) in atoms.iter().enumerate() {
        for (ai, atom) in list.iter().enumerate() {
            for &(w, wi) in &workloads {
                let peer = classes.len() + if dir == 0 { ai } else { atoms[0].len() + ai };
                let edges: Vec<Option<Arc<Edge>>> = classes_of_workload[w]
                    .iter()
                    .map(|&c| {
                        if dir == 0 {
                            edge_between(peer, c)
                        } else {
                            edge_between(c, peer)
                        }
                    })
                    .collect();
                let Some(edge) = merge(edges) else { continue };
                let ni = *atom_nodes.entry(atom.label()).or_insert_with(|| {
                    reach.graph.add_node(Node {
                        id: atom.label(),
                        kind: NodeKind::External,
                        namespace: None,
                        name: atom.label(),
                        labels: Default::default(),
                        pods: 0,
                    })
                });
                if dir == 0 {
                    reach.graph.add_edge(ni, wi, edge);
                } else {
                    reach.graph.add_edge(wi, ni, edge);
                }
            }
        }
    }
    reach
}

/// The edge between two workloads from the edges of their class pairs
/// (`None`: nothing allowed): what every pair has, and (when they differ)
/// what some pair has.
fn merge(edges: Vec<Option<Arc<Edge>>>) -> Option<Arc<Edge>> {
    if edges.len() == 1 {
        // One pair of classes: its edge as it is, shared.
        return edges.into_iter().next().flatten();
    }
    let empty = Arc::new(Edge::default());
    let mut iter = edges
        .into_iter()
        .map(|e| e.unwrap_or_else(|| empty.clone()));
    let first = iter.next()?;
    let mut some = first.conns.clone();
    let mut out = Arc::unwrap_or_clone(first);
    let mut differs = false;
    for e in iter {
        if e.conns != out.conns {
            differs = true;
        }
        out.conns = out.conns.intersect(&e.conns);
        out.l7 = out.l7.union(&e.l7).intersect(&out.conns);
        out.auth = out.auth.union(&e.auth).intersect(&out.conns);
        some = some.union(&e.conns);
        out.policies.extend(e.policies.iter().cloned());
    }
    if differs {
        out.some = Some(some);
    }
    (!out.conns.is_empty() || out.some.is_some()).then(|| Arc::new(out))
}

/// Which directions an end is the subject of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sides {
    /// A class of pods: both.
    Both,
    /// A source address range: only its egress (towards pods) counts.
    Source,
    /// A destination address range: only its ingress.
    Destination,
}

impl Sides {
    fn subject_of(self, dir: Direction) -> bool {
        match self {
            Sides::Both => true,
            Sides::Source => dir == Direction::Egress,
            Sides::Destination => dir == Direction::Ingress,
        }
    }

    /// Whether an end of this kind can be the peer of a subject of kind
    /// `subject` in `dir`: ranges only face pods.
    fn faces(self, subject: Sides, dir: Direction) -> bool {
        match (subject, self) {
            (Sides::Both, Sides::Both) => true,
            (Sides::Both, Sides::Source) => dir == Direction::Ingress,
            (Sides::Both, Sides::Destination) => dir == Direction::Egress,
            (_, Sides::Both) => true,
            _ => false,
        }
    }
}

/// One end as a flow sees it.
struct PeerEnd {
    peer: Peer,
    /// Another pod of the class, for the class talking to itself.
    alt: Option<Peer>,
    /// hostNetwork: the node's traffic, told apart from every other end.
    unique: bool,
    ports: Vec<NamedPortKey>,
    side: Sides,
}

/// One subject's verdicts in one direction.
struct View {
    /// Per end: the group of peers it falls in (`None`: not a peer).
    group_of: Vec<Option<usize>>,
    /// Per group: what the direction allows.
    results: Vec<Edge>,
}

/// Runs `f` over `items` on `threads` threads, keeping the order. Items
/// are taken one at a time: their costs differ widely.
fn parallel<T: Sync, R: Send>(threads: usize, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = threads.max(1).min(items.len().max(1));
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                let (f, next) = (&f, &next);
                scope.spawn(move || {
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break };
                        out.push((i, f(item)));
                    }
                    out
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

fn peer_side(dir: Direction) -> Side {
    match dir {
        Direction::Ingress => Side::Source,
        Direction::Egress => Side::Destination,
    }
}

/// Criteria whose answer depends on the peer alone.
fn is_peer_leaf(c: &Criterion, peer: Side) -> bool {
    match c {
        Criterion::Selector { side, .. }
        | Criterion::Nets { side, .. }
        | Criterion::Entities { side, .. }
        | Criterion::Nodes { side, .. }
        | Criterion::Fqdn { side, .. } => *side == peer,
        _ => false,
    }
}

fn pod_peer(cluster: &Cluster, pod: usize) -> Peer {
    let ep = &cluster.endpoints[pod];
    let ip = address(&ep.ips).unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let end = if ep.host_network {
        // The node's traffic, as `simulate` resolves it.
        match ep
            .node
            .as_ref()
            .and_then(|n| cluster.nodes.iter().position(|x| &x.name == n))
        {
            Some(index) => FlowEnd::Node { index },
            None => FlowEnd::Pod { index: pod },
        }
    } else {
        FlowEnd::Pod { index: pod }
    };
    Peer {
        name: format!("{}/{}", ep.namespace, ep.name),
        ip,
        end,
    }
}

fn probe_flow(src: &Peer, dst: &Peer, protocol: Proto, value: u16) -> Flow {
    let icmp = is_icmp(protocol);
    Flow {
        src: src.clone(),
        dst: dst.clone(),
        protocol,
        port: if PORT_PROTOCOLS.contains(&protocol) {
            value
        } else {
            0
        },
        src_port: None,
        icmp_type: icmp.then_some((value >> 8) as u8),
        icmp_code: icmp.then_some((value & 0xff) as u8),
        http: None,
        l7: Vec::new(),
        auth_fails: false,
    }
}

/// What every probe needs.
struct Job<'a, 'e> {
    ev: &'e Evaluator<'a>,
    cluster: &'a Cluster,
    peers: &'e [PeerEnd],
    /// Criteria by address (they outlive the job; only compared).
    leaf_index: &'e HashMap<(usize, Side), usize>,
    /// Per end, per leaf criterion: whether it matches.
    bits: &'e [Vec<bool>],
    other_protocols: &'e [Proto],
    unnamed: Proto,
    named_ports: &'e HashMap<String, Vec<(Proto, u16)>>,
    probes: AtomicU64,
}

impl Job<'_, '_> {
    /// End `i`'s verdicts as the subject of `dir`: peers are grouped by how
    /// every peer-side criterion of its rules sees them, and each group is
    /// probed once, at every piece of the ports its rules cut.
    fn view(&self, i: usize, dir: Direction) -> View {
        let me = &self.peers[i];
        let (rules, fixed) = self.ev.rules_for(&me.peer, dir);
        let side = peer_side(dir);
        let mut leaves: Vec<usize> = Vec::new();
        let mut by_service = false;
        let mut by_named_port = false;
        // Per rule: the peer-side criteria it needs outright, and the port
        // boundaries it names. A rule whose own peer criteria miss a peer
        // never matches it, so its boundaries do not cut that peer's ports.
        let mut per_rule: Vec<(Vec<usize>, Cuts)> = Vec::new();
        for rule in &rules {
            let needs: Vec<usize> = rule
                .criteria
                .iter()
                .filter_map(|c| {
                    self.leaf_index
                        .get(&(std::ptr::from_ref(c) as usize, side))
                        .copied()
                })
                .collect();
            let mut cuts = Cuts::new();
            walk(&rule.criteria, &mut |c| {
                if let Some(&k) = self.leaf_index.get(&(std::ptr::from_ref(c) as usize, side)) {
                    leaves.push(k);
                }
                match c {
                    // A Service matches backends on their target ports:
                    // peer and port together.
                    Criterion::Service { side: s, .. } if *s == side => by_service = true,
                    // Egress named ports resolve on the destination.
                    Criterion::Ports { any_of, .. } if dir == Direction::Egress => {
                        by_named_port |=
                            any_of.iter().any(|m| matches!(m.ports, PortSpec::Named(_)));
                    }
                    _ => {}
                }
                self.cut(c, &mut cuts);
            });
            if !cuts.is_empty() {
                per_rule.push((needs, cuts));
            }
        }
        leaves.sort_unstable();
        leaves.dedup();
        let mut fixed_cuts = Cuts::new();
        for &(p, port) in fixed {
            let c = fixed_cuts.entry(p).or_default();
            c.insert(u32::from(port));
            c.insert(u32::from(port) + 1);
        }
        let cuts_for = |j: usize| {
            let mut cuts = fixed_cuts.clone();
            for (needs, rule_cuts) in &per_rule {
                if needs.iter().all(|&k| self.bits[j][k]) {
                    for (p, points) in rule_cuts {
                        cuts.entry(*p).or_default().extend(points.iter().copied());
                    }
                }
            }
            cuts
        };

        // Partition the peers by the answers of the leaves.
        let v6 = me.peer.ip.is_ipv6();
        let candidates: Vec<usize> = (0..self.peers.len())
            .filter(|&j| {
                let p = &self.peers[j];
                p.side.faces(me.side, dir)
                    && (j != i || me.alt.is_some())
                    && p.peer.ip.is_ipv6() == v6
            })
            .collect();
        let mut group = vec![0usize; self.peers.len()];
        let mut groups = usize::from(!candidates.is_empty());
        for &k in &leaves {
            let mut remap = vec![usize::MAX; groups * 2];
            let mut n = 0;
            for &j in &candidates {
                let slot = &mut remap[group[j] * 2 + usize::from(self.bits[j][k])];
                if *slot == usize::MAX {
                    *slot = n;
                    n += 1;
                }
                group[j] = *slot;
            }
            groups = n;
        }
        let mut refined: HashMap<(usize, Option<usize>, &[NamedPortKey]), usize> = HashMap::new();
        let mut group_of = vec![None; self.peers.len()];
        let mut reps: Vec<usize> = Vec::new();
        for &j in &candidates {
            let p = &self.peers[j];
            let unique = (p.unique || by_service).then_some(j);
            let ports: &[NamedPortKey] = if by_named_port { &p.ports } else { &[] };
            let g = *refined.entry((group[j], unique, ports)).or_insert_with(|| {
                reps.push(j);
                reps.len() - 1
            });
            group_of[j] = Some(g);
        }
        let mut probes = 0;
        let results = reps
            .iter()
            .map(|&j| self.direction(i, j, dir, &cuts_for(j), &mut probes))
            .collect();
        self.probes.fetch_add(probes, Ordering::Relaxed);
        View { group_of, results }
    }

    /// What `dir` allows between subject `i` and peer `j`.
    fn direction(&self, i: usize, j: usize, dir: Direction, cuts: &Cuts, probes: &mut u64) -> Edge {
        let me = &self.peers[i];
        let peer = if i == j {
            me.alt.as_ref().unwrap_or(&me.peer)
        } else {
            &self.peers[j].peer
        };
        let (src, dst) = match dir {
            Direction::Egress => (&me.peer, peer),
            Direction::Ingress => (peer, &me.peer),
        };
        let mut edge = Edge::default();
        let icmp = if me.peer.ip.is_ipv6() {
            Proto::ICMPV6
        } else {
            Proto::ICMP
        };
        let mut probe = |proto: Proto, value: u16| {
            *probes += 1;
            self.ev.probe(&probe_flow(src, dst, proto, value), dir)
        };
        let record = |edge: &mut Edge, proto: Proto, lo: u16, hi: u16, probe: Probe| {
            if !probe.allowed {
                return;
            }
            edge.conns.add(proto, lo, hi);
            if probe.l7 {
                edge.l7.add(proto, lo, hi);
            }
            if probe.auth {
                edge.auth.add(proto, lo, hi);
            }
            edge.policies.extend(probe.policies);
        };
        for proto in PORT_PROTOCOLS.into_iter().chain([icmp]) {
            let (lo, hi) = domain(proto);
            let mut points: Vec<u32> = cuts
                .get(&proto)
                .map(|c| {
                    c.range(u32::from(lo) + 1..=u32::from(hi))
                        .copied()
                        .collect()
                })
                .unwrap_or_default();
            points.insert(0, u32::from(lo));
            points.push(u32::from(hi) + 1);
            for w in points.windows(2) {
                let (a, b) = (w[0] as u16, (w[1] - 1) as u16);
                let p = probe(proto, a);
                record(&mut edge, proto, a, b, p);
            }
        }
        for &proto in self.other_protocols {
            let p = probe(proto, 0);
            record(&mut edge, proto, 0, 0, p);
        }
        let p = probe(self.unnamed, 0);
        if p.allowed {
            edge.conns.other = true;
            edge.l7.other |= p.l7;
            edge.auth.other |= p.auth;
            edge.policies.extend(p.policies);
        }
        edge
    }

    /// Adds the boundaries a criterion names.
    fn cut(&self, c: &Criterion, cuts: &mut Cuts) {
        let mut add = |protos: &[Proto], lo: u32, hi: u32| {
            for p in protos {
                let c = cuts.entry(*p).or_default();
                c.insert(lo);
                c.insert(hi + 1);
            }
        };
        match c {
            Criterion::Ports {
                side: Side::Destination,
                any_of,
                ..
            } => {
                for m in any_of {
                    let protos: Vec<Proto> = match m.protocol {
                        Some(p) => vec![p],
                        None => PORT_PROTOCOLS.to_vec(),
                    };
                    match &m.ports {
                        PortSpec::All => {}
                        PortSpec::Range(a, b) => add(&protos, u32::from(*a), u32::from(*b)),
                        PortSpec::Named(name) => {
                            for &(p, port) in self.named_ports.get(name).into_iter().flatten() {
                                if protos.contains(&p) {
                                    add(&[p], u32::from(port), u32::from(port));
                                }
                            }
                        }
                    }
                }
            }
            Criterion::Service {
                side: Side::Destination,
                namespace,
                name,
            } => {
                // The Service's target ports, numbered or named.
                if let Some(svc) = self
                    .cluster
                    .services
                    .iter()
                    .find(|s| &s.namespace == namespace && &s.name == name)
                {
                    for sp in &svc.ports {
                        match &sp.target {
                            crate::model::TargetPort::Number(n) => {
                                add(&[sp.protocol], u32::from(*n), u32::from(*n));
                            }
                            crate::model::TargetPort::Name(n) => {
                                for &(p, port) in self.named_ports.get(n).into_iter().flatten() {
                                    add(&[p], u32::from(port), u32::from(port));
                                }
                            }
                        }
                    }
                }
            }
            Criterion::Icmp {
                icmp_type, code, ..
            } => {
                let t = u32::from(*icmp_type) << 8;
                let (lo, hi) = match code {
                    Some(c) => (t | u32::from(*c), t | u32::from(*c)),
                    None => (t, t | 0xff),
                };
                add(&[Proto::ICMP, Proto::ICMPV6], lo, hi);
            }
            _ => {}
        }
    }
}

/// Calls `f` on every criterion, alternatives included.
fn walk<'c>(criteria: &'c [Criterion], f: &mut dyn FnMut(&'c Criterion)) {
    for c in criteria {
        f(c);
        if let Criterion::AnyOf { alternatives, .. } = c {
            for alt in alternatives {
                walk(&alt.criteria, f);
            }
        }
    }
}

fn dir_index(dir: Direction) -> usize {
    match dir {
        Direction::Ingress => 0,
        Direction::Egress => 1,
    }
}

/// Every port number declared under each name, cluster-wide.
fn named_port_numbers(cluster: &Cluster) -> HashMap<String, Vec<(Proto, u16)>> {
    let mut out: HashMap<String, Vec<(Proto, u16)>> = HashMap::new();
    let ports = cluster
        .endpoints
        .iter()
        .flat_map(|e| e.ports.iter())
        .chain(cluster.host_endpoints.iter().flat_map(|h| h.ports.iter()));
    for p in ports {
        let list = out.entry(p.name.clone()).or_default();
        if !list.contains(&(p.protocol, p.port)) {
            list.push((p.protocol, p.port));
        }
    }
    out
}

/// The address a pod is probed at: its first IPv4 address, else its first.
fn address(ips: &[IpAddr]) -> Option<IpAddr> {
    ips.iter()
        .find(|ip| ip.is_ipv4())
        .or_else(|| ips.first())
        .copied()
}

/// The ranges cut from the whole IPv4 space (and the IPv6 space when an
/// IPv6 CIDR is named) by `nets`.
fn atoms(nets: &BTreeSet<IpNet>, taken: &std::collections::HashSet<IpAddr>) -> Vec<Atom> {
    let mut out = Vec::new();
    for v6 in [false, true] {
        let family: Vec<&IpNet> = nets
            .iter()
            .filter(|n| matches!(n, IpNet::V6(_)) == v6)
            .collect();
        if v6 && family.is_empty() {
            continue;
        }
        let max: u128 = if v6 { u128::MAX } else { u128::from(u32::MAX) };
        let mut points: BTreeSet<u128> = BTreeSet::new();
        points.insert(0);
        for n in family {
            let (lo, hi) = (to_u128(n.network()), to_u128(n.broadcast()));
            points.insert(lo);
            if hi < max {
                points.insert(hi + 1);
            }
        }
        let points: Vec<u128> = points.into_iter().collect();
        for (i, &lo) in points.iter().enumerate() {
            let hi = points.get(i + 1).map_or(max, |n| n - 1);
            // An address in the range that no cluster endpoint owns.
            let probe = (0..64u128)
                .map_while(|k| lo.checked_add(k).filter(|a| *a <= hi))
                .map(|a| from_u128(a, v6))
                .find(|a| !taken.contains(a));
            if let Some(probe) = probe {
                out.push(Atom {
                    lo: from_u128(lo, v6),
                    hi: from_u128(hi, v6),
                    probe,
                });
            }
        }
    }
    out
}

fn to_u128(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    }
}

fn from_u128(v: u128, v6: bool) -> IpAddr {
    if v6 {
        IpAddr::V6(Ipv6Addr::from(v))
    } else {
        IpAddr::V4(Ipv4Addr::from(v as u32))
    }
}

/// `10.0.0.0/8` when the range is exactly a CIDR, else `a-b`.
fn range_label(lo: IpAddr, hi: IpAddr) -> String {
    let (a, b) = (to_u128(lo), to_u128(hi));
    let bits: u32 = if lo.is_ipv6() { 128 } else { 32 };
    let size = b - a;
    // A CIDR: size + 1 is a power of two and `a` is aligned to it.
    if size == u128::MAX || ((size + 1).is_power_of_two() && a & size == 0) {
        let host_bits = if size == u128::MAX {
            128
        } else {
            (size + 1).trailing_zeros()
        };
        if let Ok(net) = IpNet::new(lo, (bits - host_bits.min(bits)) as u8) {
            return net.to_string();
        }
    }
    format!("{lo}-{hi}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_named_as_cidrs_when_they_are_one() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            range_label(ip("10.0.0.0"), ip("10.255.255.255")),
            "10.0.0.0/8"
        );
        assert_eq!(
            range_label(ip("0.0.0.0"), ip("255.255.255.255")),
            "0.0.0.0/0"
        );
        assert_eq!(range_label(ip("1.2.3.4"), ip("1.2.3.4")), "1.2.3.4/32");
        assert_eq!(
            range_label(ip("0.0.0.0"), ip("9.255.255.255")),
            "0.0.0.0-9.255.255.255"
        );
        assert_eq!(
            range_label(ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
            "::/0"
        );
    }

    #[test]
    fn atoms_cover_the_space_between_the_cidrs() {
        let nets: BTreeSet<IpNet> = ["10.0.0.0/8", "10.1.0.0/16"]
            .iter()
            .map(|s| s.parse().unwrap())
            .collect();
        let atoms = atoms(&nets, &Default::default());
        let labels: Vec<String> = atoms.iter().map(Atom::label).collect();
        assert_eq!(
            labels,
            [
                "0.0.0.0-9.255.255.255",
                "10.0.0.0/16",
                "10.1.0.0/16",
                "10.2.0.0-10.255.255.255",
                "11.0.0.0-255.255.255.255"
            ]
        );
    }
}
