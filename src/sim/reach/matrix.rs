//! The verdict matrix: per identity class, per peer class, per direction,
//! the connections allowed.
//!
//! Exactness without sampling: for a pair of endpoints and a protocol, the
//! evaluator's verdict can only change where a rule that applies to the
//! pair (the subject's rules for the direction, its profiles) names a port
//! boundary. The ports are cut at those boundaries, and each piece is
//! probed once. External addresses are cut the same way by every CIDR the
//! rules name (see [`IdentityClass::External`]), and each piece probed at an
//! address no cluster endpoint owns.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use serde::Serialize;

use super::classes::{End, IdentityClass, NamedPortKey, Partition, Workloads};
use super::conns::{Conns, PORT_PROTOCOLS, domain, is_icmp, listed_protocols};
use super::scan::{Scan, peer_side, walk};
use super::symbolic::{self, Bits};
use super::{Options, Progress};
use crate::model::policy::{Criterion, Direction, PortSpec, Side};
use crate::model::{Cluster, Flow, IpFamily, Peer, Proto};
use crate::sim::eval::{Evaluator, Probe};

/// What one direction allows between a subject class and a peer class.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Allowed {
    /// Connections the L3/L4 dataplane admits (protocol → port or ICMP
    /// type/code intervals, plus `other` for protocols without ports).
    pub conns: Conns,
    /// The part of `conns` an application-layer proxy filters.
    #[serde(skip_serializing_if = "Conns::is_empty")]
    pub l7: Conns,
    /// The part of `conns` that requires mutual authentication.
    #[serde(skip_serializing_if = "Conns::is_empty")]
    pub auth: Conns,
    /// Policies whose rules decided (`tier/ns/name` keys).
    pub policies: BTreeSet<String>,
}

impl Allowed {
    pub(crate) fn is_empty(&self) -> bool {
        self.conns.is_empty()
    }
}

/// Per identity class, per peer class and per direction: the connections
/// allowed.
///
/// # Shape
///
/// * [`classes`](Self::classes) lists the identity classes, endpoint
///   classes first ([`IdentityClass::Endpoints`]), then external source
///   ranges, then external destination ranges. A class is named by its
///   index.
/// * [`get`](Self::get)`(subject, peer, direction)` is what the subject's
///   policies allow: for [`Direction::Egress`] what the subject may open
///   to the peer, for [`Direction::Ingress`] what it accepts from the peer
///   ([`Allowed`]: port/protocol interval sets, with the parts an L7 proxy
///   filters and the parts that need authentication marked). `None` where
///   the pair cannot meet (two external ranges; a range facing the wrong
///   way; a class of one member with itself; different IP families).
/// * A connection from `a` to `b` passes when `get(a, b, Egress)` and
///   `get(b, a, Ingress)` both allow it ([`between`](Self::between)).
///
/// Node enforcement compiles the cells whose subject is a local endpoint
/// class into per-direction maps keyed by peer identity; `diff` compares
/// the cells of two matrices.
pub struct VerdictMatrix {
    classes: Vec<IdentityClass>,
    /// Distinct cells, stored once.
    cells: Vec<Allowed>,
    /// Per (subject, direction): per peer class, the index of its cell
    /// (`NONE`: the pair cannot meet).
    /// Index: subject * 2 + direction (egress 0, ingress 1).
    rows: Vec<Option<Row>>,
    /// The protocols cells tell apart; every other one is `Conns::other`.
    named: Vec<Proto>,
    probes: u64,
}

const NONE: u32 = u32::MAX;

impl VerdictMatrix {
    /// Computes the matrix of everything loaded.
    pub fn compute(
        ev: &Evaluator,
        cluster: &Cluster,
        opts: &Options,
        progress: &dyn Progress,
    ) -> Self {
        let scan = Scan::new(ev.policy_set(), cluster);
        let workloads = Workloads::new(cluster);
        let partition = Partition::new(cluster, &scan, &workloads, opts.external);
        Self::of_partition(ev, cluster, &scan, partition, opts, progress).0
    }

    /// The matrix over the classes of `partition`; also returns each
    /// endpoint's class.
    pub(super) fn of_partition(
        ev: &Evaluator,
        cluster: &Cluster,
        scan: &Scan,
        partition: Partition,
        opts: &Options,
        progress: &dyn Progress,
    ) -> (Self, Vec<Option<usize>>) {
        let Partition {
            classes,
            ends,
            class_of,
            ..
        } = partition;
        // Each peer-side criterion (a selector, CIDRs, entities...)
        // evaluated once against every class: what a rule can tell apart
        // about its peer.
        let mut leaves: Vec<&Criterion> = Vec::new();
        let mut leaf_index: HashMap<(usize, Side), usize> = HashMap::new();
        // Policies repeat the same selectors: equal criteria share a leaf
        // and are evaluated once.
        let mut by_content: HashMap<String, usize> = HashMap::new();
        for (dir, rule) in &scan.rules {
            let side = peer_side(*dir);
            walk(&rule.criteria, &mut |c| {
                if is_peer_leaf(c, side) {
                    leaf_index
                        .entry((std::ptr::from_ref(c) as usize, side))
                        .or_insert_with(|| {
                            *by_content.entry(format!("{c:?}")).or_insert_with(|| {
                                leaves.push(c);
                                leaves.len() - 1
                            })
                        });
                }
            });
        }
        progress.start(3 * ends.len() as u64);
        let bits: Vec<Vec<bool>> = parallel(opts.threads, &ends, |e| {
            // The peer at both ends: a leaf only looks at its own side.
            let flow = probe_flow(&e.peer, &e.peer, Proto::TCP, 1);
            let out = ev.criteria_match(&leaves, &flow);
            progress.advance(1);
            out
        });
        // The same answers per leaf, as sets of classes, and the classes
        // declaring each named port: what the symbolic walk reads.
        let n = ends.len();
        let mut leaf_sets: Vec<Bits> = vec![symbolic::empty(n); leaves.len()];
        for (j, row) in bits.iter().enumerate() {
            for (k, &hit) in row.iter().enumerate() {
                if hit {
                    symbolic::set(&mut leaf_sets[k], j);
                }
            }
        }
        let mut named: HashMap<NamedPortKey, Bits> = HashMap::new();
        for (j, e) in ends.iter().enumerate() {
            for key in &e.ports {
                symbolic::set(
                    named
                        .entry(key.clone())
                        .or_insert_with(|| symbolic::empty(n)),
                    j,
                );
            }
        }
        let masks = PeerMasks::new(&classes, &ends);
        let job = Job {
            ev,
            cluster,
            classes: &classes,
            ends: &ends,
            leaf_index: &leaf_index,
            bits: &bits,
            leaf_sets: &leaf_sets,
            named: &named,
            masks: &masks,
            symbolic: !opts.probe_only,
            other_protocols: &scan.other_protocols,
            unnamed: scan.unnamed,
            named_ports: &named_port_numbers(cluster),
            probes: AtomicU64::new(0),
        };
        // Each class's verdicts as the subject of each direction, per group
        // of peers its rules cannot tell apart.
        let subjects: Vec<(usize, Direction)> = (0..classes.len())
            .flat_map(|i| [(i, Direction::Egress), (i, Direction::Ingress)])
            .filter(|&(i, dir)| classes[i].subject_of(dir))
            .collect();
        // Each view is kept as runs of peers in one group: memory follows
        // what the rows tell apart, not classes squared.
        let views: Vec<(Row, Vec<Allowed>)> = parallel(opts.threads, &subjects, |&(i, dir)| {
            let v = job.view(i, dir);
            progress.advance(1);
            (v.row, v.results)
        });
        // Identical cells are stored once; a row keeps, per peer, the index
        // of its cell.
        let mut cells: Vec<Allowed> = Vec::new();
        let mut interned: HashMap<Allowed, u32> = HashMap::new();
        let mut rows: Vec<Option<Row>> = vec![None; classes.len() * 2];
        for (key, (groups, results)) in subjects.iter().zip(views) {
            let ids: Vec<u32> = results
                .into_iter()
                .map(|r| {
                    *interned.entry(r).or_insert_with_key(|r| {
                        cells.push(r.clone());
                        (cells.len() - 1) as u32
                    })
                })
                .collect();
            let row = remap(&groups, |g| if g == NONE { NONE } else { ids[g as usize] });
            rows[row_index(key.0, key.1)] = Some(row);
        }
        let probes = job.probes.load(Ordering::Relaxed);
        let named = PORT_PROTOCOLS
            .into_iter()
            .chain([Proto::ICMP, Proto::ICMPV6])
            .chain(scan.other_protocols.iter().copied())
            .collect();
        let matrix = VerdictMatrix {
            classes,
            cells,
            rows,
            named,
            probes,
        };
        (matrix, class_of)
    }

    /// The identity classes, in index order.
    pub fn classes(&self) -> &[IdentityClass] {
        &self.classes
    }

    /// What `subject`'s policies allow towards (egress) or from (ingress)
    /// `peer`; `None` where the two cannot meet.
    pub fn get(&self, subject: usize, peer: usize, dir: Direction) -> Option<&Allowed> {
        self.cell_id(subject, peer, dir)
            .map(|id| &self.cells[id as usize])
    }

    /// What passes from `src` to `dst`: the source's egress and the
    /// destination's ingress together.
    pub fn between(&self, src: usize, dst: usize) -> Option<Allowed> {
        let eg = self.get(src, dst, Direction::Egress)?;
        let ig = self.get(dst, src, Direction::Ingress)?;
        Some(combine(eg, ig))
    }

    /// Every cell: `(subject, peer, direction, allowed)`, subjects in
    /// index order, egress before ingress.
    pub fn cells(&self) -> impl Iterator<Item = (usize, usize, Direction, &Allowed)> {
        (0..self.classes.len())
            .flat_map(|s| [(s, Direction::Egress), (s, Direction::Ingress)])
            .filter_map(|key| {
                self.rows[row_index(key.0, key.1)]
                    .as_ref()
                    .map(|row| (key, row))
            })
            .flat_map(move |((s, dir), row)| {
                row.iter().filter(|r| r.cell != NONE).flat_map(move |r| {
                    (r.start..r.start + r.len)
                        .map(move |p| (s, p as usize, dir, &self.cells[r.cell as usize]))
                })
            })
    }

    /// The protocols whose connections the cells list one by one (TCP,
    /// UDP, SCTP, ICMP, ICMPv6 and every protocol a rule names); any other
    /// protocol is allowed exactly where a cell's `conns.other` is set.
    pub fn named_protocols(&self) -> &[Proto] {
        &self.named
    }

    /// Flows probed through the evaluator to fill the matrix.
    pub(crate) fn probes(&self) -> u64 {
        self.probes
    }

    /// The index of a cell, for callers that combine cells once per pair
    /// of indexes.
    pub(super) fn cell_id(&self, subject: usize, peer: usize, dir: Direction) -> Option<u32> {
        let row = self.rows.get(row_index(subject, dir))?.as_ref()?;
        let peer = u32::try_from(peer).ok()?;
        let at = row.partition_point(|r| r.start <= peer).checked_sub(1)?;
        let r = &row[at];
        (peer < r.start + r.len && r.cell != NONE).then_some(r.cell)
    }

    /// Whether `subject`'s row in `dir` holds one cell for every peer in
    /// `lo..=hi`, the peer `skip` aside: `Some(cell)` (`Some(None)`: none
    /// of them can meet the subject), `None` when the peers differ. The
    /// runs of the row answer it, not the peers one by one.
    pub(super) fn uniform(
        &self,
        subject: usize,
        dir: Direction,
        lo: usize,
        hi: usize,
        skip: Option<usize>,
    ) -> Option<Option<u32>> {
        let Some(row) = self
            .rows
            .get(row_index(subject, dir))
            .and_then(Option::as_ref)
        else {
            return Some(None);
        };
        let (Ok(lo), Ok(hi)) = (u32::try_from(lo), u32::try_from(hi)) else {
            return None;
        };
        let skip = skip.and_then(|s| u32::try_from(s).ok());
        let mut at = row.partition_point(|r| r.start <= lo).saturating_sub(1);
        // Peers past the row's last run cannot meet the subject.
        let mut seen: Option<u32> = None;
        let mut covered = lo;
        while let Some(r) = row.get(at).filter(|r| r.start <= hi) {
            at += 1;
            let end = r.start + r.len - 1;
            let (a, b) = (r.start.max(lo), end.min(hi));
            if a > b {
                continue;
            }
            covered = b.saturating_add(1);
            if skip == Some(a) && a == b {
                continue;
            }
            match seen {
                None => seen = Some(r.cell),
                Some(c) if c == r.cell => {}
                Some(_) => return None,
            }
        }
        let tail = covered <= hi && !(covered == hi && skip == Some(hi));
        if tail && seen.is_some_and(|c| c != NONE) {
            return None;
        }
        Some(seen.filter(|&c| c != NONE))
    }

    pub(super) fn cell(&self, id: u32) -> &Allowed {
        &self.cells[id as usize]
    }

    /// How many distinct cells there are.
    pub(super) fn cell_count(&self) -> usize {
        self.cells.len()
    }
}

/// A row of the matrix: runs of consecutive peers with the same cell.
type Row = Vec<Run>;

/// `len` peers from `start` on, all with cell `cell` (`NONE`: they
/// cannot meet the subject).
#[derive(Clone, Copy, Debug)]
struct Run {
    start: u32,
    cell: u32,
    len: u32,
}

/// The runs of a row given peer by peer.
fn runs(cells: impl Iterator<Item = u32>) -> Row {
    let mut out: Row = Vec::new();
    for (p, id) in cells.enumerate() {
        match out.last_mut() {
            Some(last) if last.cell == id => last.len += 1,
            _ => out.push(Run {
                start: p as u32,
                cell: id,
                len: 1,
            }),
        }
    }
    out.shrink_to_fit();
    out
}

/// `row` with each run's cell mapped by `f`, neighbours that end up
/// alike joined.
fn remap(row: &Row, f: impl Fn(u32) -> u32) -> Row {
    let mut out: Row = Vec::with_capacity(row.len());
    for r in row {
        let cell = f(r.cell);
        match out.last_mut() {
            Some(last) if last.cell == cell => last.len += r.len,
            _ => out.push(Run { cell, ..*r }),
        }
    }
    out.shrink_to_fit();
    out
}

/// The row of `n` peers where each span `start..end` (ascending, not
/// overlapping) has the cell given with it and every other peer `NONE`.
fn row_of_spans(spans: &[(usize, usize, u32)], n: usize) -> Row {
    let mut out: Row = Vec::new();
    let mut push = |start: usize, end: usize, cell: u32| {
        if end <= start {
            return;
        }
        match out.last_mut() {
            Some(last) if last.cell == cell => last.len += (end - start) as u32,
            _ => out.push(Run {
                start: start as u32,
                cell,
                len: (end - start) as u32,
            }),
        }
    };
    let mut at = 0;
    for &(start, end, cell) in spans {
        push(at, start, NONE);
        push(start, end.min(n), cell);
        at = end.min(n);
    }
    push(at, n, NONE);
    out.shrink_to_fit();
    out
}

fn row_index(subject: usize, dir: Direction) -> usize {
    subject * 2
        + match dir {
            Direction::Egress => 0,
            Direction::Ingress => 1,
        }
}

/// Egress of the source and ingress of the destination together: both
/// must allow; either may filter at L7 or require authentication.
pub(super) fn combine(eg: &Allowed, ig: &Allowed) -> Allowed {
    let conns = eg.conns.intersect(&ig.conns);
    let mut policies = eg.policies.clone();
    policies.extend(ig.policies.iter().cloned());
    Allowed {
        l7: eg.l7.union(&ig.l7).intersect(&conns),
        auth: eg.auth.union(&ig.auth).intersect(&conns),
        conns,
        policies,
    }
}

/// Per protocol, the values where a piece of the port (or ICMP) space
/// starts.
pub(super) type Cuts = BTreeMap<Proto, BTreeSet<u32>>;

/// One subject's verdicts in one direction.
struct View {
    /// Per class: the group of peers it falls in (`NONE`: not a peer), as
    /// runs.
    row: Row,
    /// Per group: what the direction allows.
    results: Vec<Allowed>,
}

/// Runs `f` over `items` on `threads` threads, keeping the order. Items
/// are taken one at a time: their costs differ widely.
pub(super) fn parallel<T: Sync, R: Send>(
    threads: usize,
    items: &[T],
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R> {
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

pub(super) fn probe_flow(src: &Peer, dst: &Peer, protocol: Proto, value: u16) -> Flow {
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
    classes: &'e [IdentityClass],
    ends: &'e [End],
    /// Criteria by address (they outlive the job; only compared).
    leaf_index: &'e HashMap<(usize, Side), usize>,
    /// Per class, per leaf criterion: whether it matches.
    bits: &'e [Vec<bool>],
    other_protocols: &'e [Proto],
    unnamed: Proto,
    named_ports: &'e HashMap<String, Vec<(Proto, u16)>>,
    probes: AtomicU64,
    leaf_sets: &'e [Bits],
    named: &'e HashMap<NamedPortKey, Bits>,
    masks: &'e PeerMasks,
    /// Compute what can be computed (else probe everything).
    symbolic: bool,
}

/// The peers an endpoint subject faces, per direction and address family:
/// those the symbolic walk decides (`regular`), and the hostNetwork ones,
/// the node's traffic, that are probed.
struct PeerMasks {
    /// Index: direction (egress 0, ingress 1) * 2 + IPv6.
    regular: [Bits; 4],
    irregular: [Vec<usize>; 4],
}

impl PeerMasks {
    fn new(classes: &[IdentityClass], ends: &[End]) -> Self {
        let n = ends.len();
        let mut regular: [Bits; 4] = std::array::from_fn(|_| symbolic::empty(n));
        let mut irregular: [Vec<usize>; 4] = Default::default();
        let subject = IdentityClass::Endpoints {
            members: Vec::new(),
        };
        for (d, dir) in [Direction::Egress, Direction::Ingress]
            .into_iter()
            .enumerate()
        {
            for (j, class) in classes.iter().enumerate() {
                if !class.faces(&subject, dir) {
                    continue;
                }
                let slot = d * 2 + usize::from(ends[j].peer.ip.is_ipv6());
                if ends[j].unique {
                    irregular[slot].push(j);
                } else {
                    symbolic::set(&mut regular[slot], j);
                }
            }
        }
        PeerMasks { regular, irregular }
    }

    fn slot(dir: Direction, v6: bool) -> usize {
        let d = match dir {
            Direction::Egress => 0,
            Direction::Ingress => 1,
        };
        d * 2 + usize::from(v6)
    }
}

impl Job<'_, '_> {
    /// End `i`'s verdicts as the subject of `dir`, computed by the
    /// symbolic walk over its rules (`None`: it cannot be, see
    /// `symbolic`).
    fn symbolic_view(&self, i: usize, dir: Direction) -> Option<View> {
        let me = &self.ends[i];
        if !self.symbolic
            || me.unique
            || !matches!(self.classes[i], IdentityClass::Endpoints { .. })
        {
            return None;
        }
        let mut cuts = Cuts::new();
        for rule in self.ev.rules_for(&me.peer, dir) {
            walk(&rule.criteria, &mut |c| {
                cut(self.cluster, self.named_ports, c, &mut cuts);
            });
        }
        let slot = PeerMasks::slot(dir, me.peer.ip.is_ipv6());
        let mut peers = self.masks.regular[slot].clone();
        if me.alt.is_none() && symbolic::has(&peers, i) {
            peers[i / 64] &= !(1 << (i % 64));
        }
        let grid = symbolic::Grid {
            ev: self.ev,
            leaf_sets: self.leaf_sets,
            leaf_index: self.leaf_index,
            named: self.named,
            own_ports: &me.ports,
            other_protocols: self.other_protocols,
            unnamed: self.unnamed,
        };
        let groups = symbolic::view(&grid, &me.peer, dir, &peers, &cuts)?;
        // Each group's members as spans of consecutive classes, a word of
        // the set at a time: a row of few groups costs words, not classes.
        let n = self.ends.len();
        let mut spans: Vec<(usize, usize, u32)> = Vec::new();
        let mut results = Vec::with_capacity(groups.len());
        for (members, allowed) in groups {
            let g = results.len() as u32;
            spans.extend(
                symbolic::spans(&members)
                    .into_iter()
                    .map(|(a, b)| (a, b, g)),
            );
            results.push(allowed);
        }
        let mut probes = 0;
        for &j in &self.masks.irregular[slot] {
            if j == i && me.alt.is_none() {
                continue;
            }
            spans.push((j, j + 1, results.len() as u32));
            results.push(self.direction(i, j, dir, &cuts, &mut probes));
        }
        self.probes.fetch_add(probes, Ordering::Relaxed);
        spans.sort_unstable();
        Some(View {
            row: row_of_spans(&spans, n),
            results,
        })
    }

    /// End `i`'s verdicts as the subject of `dir`: peers are grouped by how
    /// every peer-side criterion of its rules sees them, and each group is
    /// probed once, at every piece of the ports its rules cut.
    fn view(&self, i: usize, dir: Direction) -> View {
        if let Some(v) = self.symbolic_view(i, dir) {
            return v;
        }
        self.probed_view(i, dir)
    }

    /// [`view`](Self::view) through the evaluator: peers grouped by what
    /// the subject's rules can tell apart, each group probed at every
    /// piece of the ports.
    fn probed_view(&self, i: usize, dir: Direction) -> View {
        let me = &self.ends[i];
        let rules = self.ev.rules_for(&me.peer, dir);
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
                cut(self.cluster, self.named_ports, c, &mut cuts);
            });
            if !cuts.is_empty() {
                per_rule.push((needs, cuts));
            }
        }
        leaves.sort_unstable();
        leaves.dedup();
        let cuts_for = |j: usize| {
            let mut cuts = Cuts::new();
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
        let candidates: Vec<usize> = (0..self.ends.len())
            .filter(|&j| {
                self.classes[j].faces(&self.classes[i], dir)
                    && (j != i || me.alt.is_some())
                    && self.ends[j].peer.ip.is_ipv6() == v6
            })
            .collect();
        let mut group = vec![0usize; self.ends.len()];
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
        let mut group_of = vec![None; self.ends.len()];
        let mut reps: Vec<usize> = Vec::new();
        for &j in &candidates {
            let p = &self.ends[j];
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
        View {
            row: runs(group_of.iter().map(|g| g.map_or(NONE, |g| g as u32))),
            results,
        }
    }

    /// What `dir` allows between subject `i` and peer `j`.
    fn direction(
        &self,
        i: usize,
        j: usize,
        dir: Direction,
        cuts: &Cuts,
        probes: &mut u64,
    ) -> Allowed {
        let me = &self.ends[i];
        let peer = if i == j {
            me.alt.as_ref().unwrap_or(&me.peer)
        } else {
            &self.ends[j].peer
        };
        let (src, dst) = match dir {
            Direction::Egress => (&me.peer, peer),
            Direction::Ingress => (peer, &me.peer),
        };
        let mut edge = Allowed::default();
        let mut probe = |proto: Proto, value: u16| {
            *probes += 1;
            self.ev.probe(&probe_flow(src, dst, proto, value), dir)
        };
        let record = |edge: &mut Allowed, proto: Proto, lo: u16, hi: u16, probe: Probe| {
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
        for proto in listed_protocols(IpFamily::of(&me.peer.ip)) {
            for (a, b) in atoms(cuts, proto) {
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
}

/// Adds the boundaries a criterion names.
pub(super) fn cut(
    cluster: &Cluster,
    named_ports: &HashMap<String, Vec<(Proto, u16)>>,
    c: &Criterion,
    cuts: &mut Cuts,
) {
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
                        for &(p, port) in named_ports.get(name).into_iter().flatten() {
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
            if let Some(svc) = cluster
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
                            for &(p, port) in named_ports.get(n).into_iter().flatten() {
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

/// The pieces `cuts` make of a protocol's domain (see [`domain`]): no rule
/// tells two values of a piece apart, so one probe answers for all.
pub(super) fn atoms(cuts: &Cuts, proto: Proto) -> Vec<(u16, u16)> {
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
    points
        .windows(2)
        .map(|w| (w[0] as u16, (w[1] - 1) as u16))
        .collect()
}

/// Every port number declared under each name, cluster-wide.
pub(super) fn named_port_numbers(cluster: &Cluster) -> HashMap<String, Vec<(Proto, u16)>> {
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
