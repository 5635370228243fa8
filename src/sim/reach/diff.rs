//! What changes between two inputs: per pair of workloads (and external
//! ranges), the connections gained and lost, exactly.
//!
//! The two sides' identity classes differ (a changed policy reads other
//! labels, names other CIDRs), so they are compared through what stays: the
//! pods. Each pod has a class on each side; a workload pair is compared
//! over the pairs of its pods' (old class, new class) pairs, each through
//! both verdict matrices. Both sides are cut at the same CIDRs and
//! protocols (`Scan::align`), so external ranges are the same ranges and
//! connection sets compare with set algebra, never by sampling ports.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::IpAddr;
use std::sync::Arc;

use super::classes::{IdentityClass, Partition, RangeRole, Workloads};
use super::filter::{Filter, allows};
use super::matrix::{Allowed, VerdictMatrix, combine};
use super::scan::Scan;
use super::{Conns, GraphNode, GraphNodeKind, Options, Progress};
use crate::model::Cluster;
use crate::sim::eval::Evaluator;

/// One side of a comparison: its policies (through their evaluator) and
/// its cluster.
pub struct DiffSide<'e, 'a> {
    pub evaluator: &'e Evaluator<'a>,
    pub cluster: &'a Cluster,
}

/// How a pair's connectivity changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    /// Nothing passed before.
    Gained,
    /// Nothing passes after.
    Lost,
    /// Something passed before and something passes after.
    Changed,
}

/// What changed from one node to another.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PairChange {
    /// Indexes into [`ReachDiff::nodes`].
    pub src: usize,
    pub dst: usize,
    /// What passed before and passes after (for at least one pod pair).
    pub before: Conns,
    pub after: Conns,
    /// Connections that pass now and did not before, and the reverse.
    pub gained: Conns,
    pub lost: Conns,
    /// Of the connections passing on both sides: those an L7 proxy now
    /// filters and no longer filters.
    pub l7_gained: Conns,
    pub l7_lost: Conns,
    /// Of the connections passing on both sides: those that now need and
    /// no longer need mutual authentication.
    pub auth_gained: Conns,
    pub auth_lost: Conns,
    /// Policies that decided, before and after (`tier/ns/name` keys).
    pub policies_before: BTreeSet<String>,
    pub policies_after: BTreeSet<String>,
    /// The pods of the two nodes do not all see the same change: the sets
    /// are what at least one pod pair sees.
    pub some_pods: bool,
}

impl PairChange {
    pub fn kind(&self) -> ChangeKind {
        if self.before.is_empty() {
            ChangeKind::Gained
        } else if self.after.is_empty() {
            ChangeKind::Lost
        } else {
            ChangeKind::Changed
        }
    }

    fn is_empty(&self) -> bool {
        [
            &self.gained,
            &self.lost,
            &self.l7_gained,
            &self.l7_lost,
            &self.auth_gained,
            &self.auth_lost,
        ]
        .iter()
        .all(|c| c.is_empty())
    }

    /// Every connection whose verdict or marks changed.
    fn touched(&self) -> Conns {
        [
            &self.lost,
            &self.l7_gained,
            &self.l7_lost,
            &self.auth_gained,
            &self.auth_lost,
        ]
        .iter()
        .fold(self.gained.clone(), |acc, c| acc.union(c))
    }
}

/// The difference between the reachability of two inputs.
#[derive(Clone, Debug, Default)]
pub struct ReachDiff {
    /// Workloads of either side (as the new side has them when on both),
    /// then external ranges, each once.
    pub nodes: Vec<GraphNode>,
    /// Workloads only the new side has, and only the old side has
    /// (indexes into `nodes`). Their connections are not pairs of the
    /// comparison: there is nothing to compare them with.
    pub added: Vec<usize>,
    pub removed: Vec<usize>,
    /// Pairs whose connections or marks changed, by source then
    /// destination id.
    pub changes: Vec<PairChange>,
    /// What the comparison leaves out and why.
    pub notes: Vec<String>,
}

impl ReachDiff {
    /// Whether anything changed.
    pub fn is_empty(&self) -> bool {
        self.changes.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }

    /// Only what `filter` keeps: changes as `Reach::filtered` keeps edges
    /// (`--port` keeps those whose changed connections include the port);
    /// an added or removed workload when it is in the namespace and, where
    /// `--from`, `--to` or `--focus` is given, one of them names it.
    pub(crate) fn filtered(&self, filter: &Filter) -> ReachDiff {
        let nodes = &self.nodes;
        let changes = self
            .changes
            .iter()
            .filter(|c| {
                let (sn, dn) = (&nodes[c.src], &nodes[c.dst]);
                filter.admits(sn)
                    && filter.admits(dn)
                    && (filter.in_namespace(sn) || filter.in_namespace(dn))
                    && filter.from.as_ref().is_none_or(|m| m.matches(sn))
                    && filter.to.as_ref().is_none_or(|m| m.matches(dn))
                    && filter.port.is_none_or(|p| allows(&c.touched(), p))
                    && filter
                        .focus
                        .as_ref()
                        .is_none_or(|m| m.matches(sn) || m.matches(dn))
            })
            .cloned()
            .collect();
        let named = [&filter.from, &filter.to, &filter.focus];
        let keep_node = |&i: &usize| {
            let n = &nodes[i];
            filter.in_namespace(n)
                && (named.iter().all(|m| m.is_none())
                    || named
                        .iter()
                        .any(|m| m.as_ref().is_some_and(|m| m.matches(n))))
        };
        ReachDiff {
            nodes: self.nodes.clone(),
            added: self.added.iter().copied().filter(keep_node).collect(),
            removed: self.removed.iter().copied().filter(keep_node).collect(),
            changes,
            notes: self.notes.clone(),
        }
    }
}

/// One side, computed: its matrix, each endpoint's class and workload.
struct Computed {
    matrix: VerdictMatrix,
    class_of: Vec<Option<usize>>,
    workloads: Workloads,
    unaddressed: usize,
}

impl Computed {
    fn new(side: &DiffSide, scan: &Scan, opts: &Options, progress: &dyn Progress) -> Self {
        let workloads = Workloads::new(side.cluster);
        let partition = Partition::new(side.cluster, scan, &workloads, opts.external);
        let unaddressed = partition.unaddressed;
        let (matrix, class_of) = VerdictMatrix::of_partition(
            side.evaluator,
            side.cluster,
            scan,
            partition,
            opts,
            progress,
        );
        Computed {
            matrix,
            class_of,
            workloads,
            unaddressed,
        }
    }

    /// Per workload id (with at least one addressed pod): its index and,
    /// per pod name, the pod's class.
    fn pods_by_workload(
        &self,
        cluster: &Cluster,
    ) -> BTreeMap<String, (usize, BTreeMap<String, usize>)> {
        let mut out: BTreeMap<String, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
        for (e, ep) in cluster.endpoints.iter().enumerate() {
            let (Some(w), Some(c)) = (self.workloads.of[e], self.class_of[e]) else {
                continue;
            };
            out.entry(self.workloads.nodes[w].id.clone())
                .or_insert_with(|| (w, BTreeMap::new()))
                .1
                .insert(format!("{}/{}", ep.namespace, ep.name), c);
        }
        out
    }

    /// External ranges: `(lo, hi, role)` → class.
    fn ranges(&self) -> HashMap<(IpAddr, IpAddr, RangeRole), usize> {
        self.matrix
            .classes()
            .iter()
            .enumerate()
            .filter_map(|(i, c)| match c {
                IdentityClass::External { lo, hi, role } => Some(((*lo, *hi, *role), i)),
                IdentityClass::Endpoints { .. } => None,
            })
            .collect()
    }

    /// The cells a connection from class `s` to class `d` combines.
    fn key(&self, s: usize, d: usize) -> Option<CellPair> {
        let eg = self
            .matrix
            .cell_id(s, d, crate::model::policy::Direction::Egress)?;
        let ig = self
            .matrix
            .cell_id(d, s, crate::model::policy::Direction::Ingress)?;
        Some((eg, ig))
    }

    fn allowed(&self, key: Option<CellPair>) -> Allowed {
        key.map(|(eg, ig)| combine(self.matrix.cell(eg), self.matrix.cell(ig)))
            .unwrap_or_default()
    }
}

/// The egress and ingress cells a connection between two classes
/// combines.
type CellPair = (u32, u32);

/// A node of the comparison as the classes stand for it on each side:
/// (old class, new class) pairs.
type Joint = BTreeSet<(usize, usize)>;

/// Compares the reachability of `old` and `new`.
pub fn diff(old: &DiffSide, new: &DiffSide, opts: &Options, progress: &dyn Progress) -> ReachDiff {
    let mut old_scan = Scan::new(old.evaluator.policy_set(), old.cluster);
    let mut new_scan = Scan::new(new.evaluator.policy_set(), new.cluster);
    Scan::align(&mut old_scan, &mut new_scan);
    let a = &Computed::new(old, &old_scan, opts, progress);
    let b = &Computed::new(new, &new_scan, opts, progress);

    let mut out = ReachDiff::default();
    for (side, c, cluster) in [("old", a, old.cluster), ("new", b, new.cluster)] {
        if c.unaddressed > 0 {
            out.notes.push(format!(
                "{} pod(s) of the {side} side have no {} and are not compared",
                c.unaddressed,
                super::compute::address_lacked(cluster)
            ));
        }
    }
    let a_pods = a.pods_by_workload(old.cluster);
    let b_pods = b.pods_by_workload(new.cluster);

    // Nodes: workloads of either side, by id.
    let mut joints: Vec<(usize, Joint)> = Vec::new();
    for (id, (bw, b_members)) in &b_pods {
        let node = out.nodes.len();
        out.nodes.push(b.workloads.nodes[*bw].clone());
        match a_pods.get(id) {
            None => out.added.push(node),
            Some((_, a_members)) => joints.push((node, joint(a_members, b_members))),
        }
    }
    for (id, (aw, _)) in &a_pods {
        if !b_pods.contains_key(id) {
            out.removed.push(out.nodes.len());
            out.nodes.push(a.workloads.nodes[*aw].clone());
        }
    }

    let mut deltas: HashMap<(Option<CellPair>, Option<CellPair>), Arc<PairChange>> = HashMap::new();
    let mut delta = |ka: Option<CellPair>, kb: Option<CellPair>| -> Arc<PairChange> {
        deltas
            .entry((ka, kb))
            .or_insert_with(|| Arc::new(class_delta(&a.allowed(ka), &b.allowed(kb))))
            .clone()
    };
    let mut changes: Vec<PairChange> = Vec::new();
    for (s, js) in &joints {
        for (d, jd) in &joints {
            if s == d {
                continue;
            }
            let parts = js.iter().flat_map(|&(so, sn)| {
                jd.iter()
                    .map(move |&(d_o, dn)| (a.key(so, d_o), b.key(sn, dn)))
            });
            let parts: Vec<Arc<PairChange>> = parts.map(|(ka, kb)| delta(ka, kb)).collect();
            if let Some(c) = merge(*s, *d, &parts) {
                changes.push(c);
            }
        }
    }

    // External ranges: those both sides have (they are cut alike).
    let a_ranges = a.ranges();
    let mut b_ranges: Vec<((IpAddr, IpAddr, RangeRole), usize)> = b.ranges().into_iter().collect();
    b_ranges.sort();
    let mut one_sided = a_ranges.len();
    let mut range_nodes: HashMap<String, usize> = HashMap::new();
    for ((lo, hi, role), bc) in b_ranges {
        let Some(&ac) = a_ranges.get(&(lo, hi, role)) else {
            one_sided += 1;
            continue;
        };
        one_sided -= 1;
        let label = super::range_label(lo, hi);
        for (w, jw) in &joints {
            let parts: Vec<Arc<PairChange>> = jw
                .iter()
                .map(|&(wo, wn)| match role {
                    RangeRole::Source => delta(a.key(ac, wo), b.key(bc, wn)),
                    RangeRole::Destination => delta(a.key(wo, ac), b.key(wn, bc)),
                })
                .collect();
            let node = *range_nodes.entry(label.clone()).or_insert_with(|| {
                out.nodes.push(GraphNode {
                    id: label.clone(),
                    kind: GraphNodeKind::External,
                    namespace: None,
                    name: label.clone(),
                    labels: Default::default(),
                    pods: 0,
                });
                out.nodes.len() - 1
            });
            let (s, d) = match role {
                RangeRole::Source => (node, *w),
                RangeRole::Destination => (*w, node),
            };
            if let Some(c) = merge(s, d, &parts) {
                changes.push(c);
            }
        }
    }
    if one_sided > 0 {
        out.notes.push(format!(
            "{one_sided} external range(s) exist on one side only (every address in them \
             is an endpoint's) and are not compared"
        ));
    }
    changes.sort_by(|x, y| {
        (&out.nodes[x.src].id, &out.nodes[x.dst].id)
            .cmp(&(&out.nodes[y.src].id, &out.nodes[y.dst].id))
    });
    out.changes = changes;
    out
}

/// The (old class, new class) pairs of a workload's pods. A pod only one
/// side has is compared with every pod of the other side: a new replica
/// against the replicas it joins.
fn joint(old: &BTreeMap<String, usize>, new: &BTreeMap<String, usize>) -> Joint {
    let mut out = Joint::new();
    for (pod, &o) in old {
        match new.get(pod) {
            Some(&n) => {
                out.insert((o, n));
            }
            None => out.extend(new.values().map(|&n| (o, n))),
        }
    }
    for (pod, &n) in new {
        if !old.contains_key(pod) {
            out.extend(old.values().map(|&o| (o, n)));
        }
    }
    out
}

/// The change between what passes between two classes before and after.
fn class_delta(before: &Allowed, after: &Allowed) -> PairChange {
    let both = before.conns.intersect(&after.conns);
    let marks = |old: &Conns, new: &Conns| {
        (
            new.intersect(&both).difference(old),
            old.intersect(&both).difference(new),
        )
    };
    let (l7_gained, l7_lost) = marks(&before.l7, &after.l7);
    let (auth_gained, auth_lost) = marks(&before.auth, &after.auth);
    PairChange {
        src: 0,
        dst: 0,
        gained: after.conns.difference(&before.conns),
        lost: before.conns.difference(&after.conns),
        before: before.conns.clone(),
        after: after.conns.clone(),
        l7_gained,
        l7_lost,
        auth_gained,
        auth_lost,
        policies_before: before.policies.clone(),
        policies_after: after.policies.clone(),
        some_pods: false,
    }
}

/// A node pair's change from its class pairs' changes (`None`: nothing
/// changed): what at least one pod pair sees.
fn merge(src: usize, dst: usize, parts: &[Arc<PairChange>]) -> Option<PairChange> {
    let first = parts.first()?;
    let mut out = PairChange {
        src,
        dst,
        ..(**first).clone()
    };
    for p in &parts[1..] {
        let differs = p.gained != first.gained
            || p.lost != first.lost
            || p.l7_gained != first.l7_gained
            || p.l7_lost != first.l7_lost
            || p.auth_gained != first.auth_gained
            || p.auth_lost != first.auth_lost;
        out.some_pods |= differs;
        out.before = out.before.union(&p.before);
        out.after = out.after.union(&p.after);
        out.gained = out.gained.union(&p.gained);
        out.lost = out.lost.union(&p.lost);
        out.l7_gained = out.l7_gained.union(&p.l7_gained);
        out.l7_lost = out.l7_lost.union(&p.l7_lost);
        out.auth_gained = out.auth_gained.union(&p.auth_gained);
        out.auth_lost = out.auth_lost.union(&p.auth_lost);
        out.policies_before
            .extend(p.policies_before.iter().cloned());
        out.policies_after.extend(p.policies_after.iter().cloned());
    }
    (!out.is_empty()).then_some(out)
}
