//! Computing the reachability graph: identity classes, the verdict matrix
//! between them, then the expansion to workloads.

use super::Reach;
use super::classes::{Partition, Workloads};
use super::expand::Expansion;
use super::matrix::VerdictMatrix;
use super::scan::Scan;
use crate::model::Cluster;
use crate::sim::eval::Evaluator;

/// What to compute.
#[derive(Clone, Debug)]
pub struct Options {
    /// Include external address ranges.
    pub external: bool,
    /// Worker threads (at least 1).
    pub threads: usize,
    /// Probe every cell through the evaluator instead of computing it:
    /// the reference the computation is tested against, and much slower.
    pub probe_only: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            external: true,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
            probe_only: false,
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

/// What a pod left out of the reachability lacks: an address, or in a
/// view of one family an address of that family (it may have the other).
pub(super) fn address_lacked(cluster: &Cluster) -> String {
    match cluster.family {
        Some(family) => format!("{family} address"),
        None => "address".to_string(),
    }
}

/// Computes the graph of everything loaded.
pub fn compute(
    ev: &Evaluator,
    cluster: &Cluster,
    opts: &Options,
    progress: &dyn Progress,
) -> Reach {
    expansion(ev, cluster, opts, progress).into_reach()
}

/// Computes the reachability of everything loaded, its edges left to be
/// produced one at a time ([`Expansion::edges`]): memory follows the
/// identity classes and what they tell apart, not pairs of workloads.
pub fn expansion(
    ev: &Evaluator,
    cluster: &Cluster,
    opts: &Options,
    progress: &dyn Progress,
) -> Expansion {
    let scan = Scan::new(ev.policy_set(), cluster);
    let workloads = Workloads::new(cluster);
    let partition = Partition::new(cluster, &scan, &workloads, opts.external);
    let mut notes = Vec::new();
    if partition.unaddressed > 0 {
        notes.push(format!(
            "{} pod(s) have no {} and are not shown",
            partition.unaddressed,
            address_lacked(cluster)
        ));
    }
    let (matrix, class_of) =
        VerdictMatrix::of_partition(ev, cluster, &scan, partition, opts, progress);
    Expansion::new(matrix, workloads, &class_of, notes)
}
