//! Reachability: who can reach whom, on which ports, for everything loaded.
//!
//! The result is a petgraph graph whose nodes are workloads (pods grouped
//! under their owner) and external address ranges, and whose edges carry
//! the exact set of allowed connections. It is computed per equivalence
//! class of endpoints (same identity: namespace, labels, service account,
//! named ports, and the policy CIDRs their address falls in) and expanded
//! to workloads afterwards, so the cost follows the number of identities,
//! not pods. Two inputs are compared pod by pod through both matrices
//! (`diff`).
//!
//! The steps: [`IdentityClass`]es (`classes`), the [`VerdictMatrix`]
//! between them, class × peer class × direction → allowed connections
//! (`matrix`), and its expansion to workloads (`expand`).

mod classes;
mod compute;
pub(crate) mod conns;
mod cover;
mod diff;
mod expand;
mod filter;
mod matrix;
mod scan;
mod symbolic;

use std::collections::BTreeSet;
use std::sync::Arc;

use petgraph::graph::DiGraph;
use serde::Serialize;

pub use classes::{IdentityClass, RangeRole, range_label, ranges_within};
pub use compute::{Options, Progress, compute, expansion};
pub use conns::{Conns, PortSet};
pub use cover::{Coverage, PolicyFacts, RuleFacts};
pub use diff::{ChangeKind, DiffSide, PairChange, ReachDiff, diff};
pub use expand::{Expansion, GroupEdges, WorkloadEdges};
pub use filter::{Filter, NodeMatch, PortFilter};
pub use matrix::{Allowed, VerdictMatrix};

use crate::model::Labels;

/// What a graph node stands for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum GraphNodeKind {
    /// Pods grouped under their owner (`Deployment`, `StatefulSet`, ...,
    /// `Pod` for a pod without one).
    Workload { kind: String },
    /// An address range outside the cluster, as policies cut it.
    External,
}

/// A workload or an external address range.
#[derive(Clone, Debug, Serialize)]
pub struct GraphNode {
    /// `namespace/name` of a workload; a CIDR or `a.b.c.d-e.f.g.h` range.
    pub id: String,
    #[serde(flatten)]
    pub kind: GraphNodeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(skip_serializing_if = "Labels::is_empty")]
    pub labels: Labels,
    /// Pods in the workload (0 for external ranges).
    pub pods: usize,
}

impl GraphNode {
    pub fn is_external(&self) -> bool {
        self.kind == GraphNodeKind::External
    }
}

/// The connections one node may open to another.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct Edge {
    /// What is allowed at L3/L4 (an L7 proxy or an authentication check
    /// may still refuse part of it; see `l7` and `auth`).
    pub conns: Conns,
    /// The part of `conns` an application-layer proxy filters: only some
    /// requests pass.
    #[serde(skip_serializing_if = "Conns::is_empty")]
    pub l7: Conns,
    /// The part of `conns` that requires mutual authentication.
    #[serde(skip_serializing_if = "Conns::is_empty")]
    pub auth: Conns,
    /// Policies whose rules decided what is allowed (`tier/ns/name` keys).
    pub policies: BTreeSet<String>,
    /// Pods of the two workloads do not all see the same connections
    /// (their identities differ): `conns` is what every pair has, and
    /// `some` what at least one pair has.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub some: Option<Conns>,
}

/// The reachability graph.
#[derive(Clone, Debug, Default)]
pub struct Reach {
    /// Edges are shared: most workload pairs have the same connections.
    pub graph: DiGraph<GraphNode, Arc<Edge>>,
    /// Endpoint equivalence classes evaluated (for reporting cost).
    pub classes: usize,
    /// Flows probed through the evaluator.
    pub probes: u64,
    /// What the graph does not show and why (pods without addresses, ...).
    pub notes: Vec<String>,
}

/// Every CIDR the rules of `set` and the network sets of `cluster` name:
/// the boundaries where a rule can tell two addresses apart.
pub(crate) fn rule_nets(
    set: &crate::model::policy::PolicySet,
    cluster: &crate::model::Cluster,
) -> Vec<ipnet::IpNet> {
    scan::Scan::new(set, cluster).nets
}
