//! The policy and workload languages polctl reads, typed as their APIs
//! define them, and the step that turns workloads into the cluster model.
//!
//! Each policy language has one folder: `k8s` (NetworkPolicy), `npapi`
//! (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy),
//! `calico` and `cilium`, each with its types (`mod.rs`), its meaning
//! checks (`check.rs`) and its compiler into the policy IR (`lower.rs`).
//! `lower` chooses the dataplane and dispatches to them.

pub mod calico;
pub mod cilium;
pub mod cluster;
pub mod common;
pub mod core;
pub mod k8s;
pub mod lower;
pub mod npapi;
mod policy;

pub use policy::{Dialect, Placement, PolicyObject, PolicySource};

use crate::model::WorkloadKind;
use crate::syntax::de::{DeError, from_node};
use crate::syntax::yaml::Node;

/// One typed object from a manifest.
#[derive(Clone, Debug)]
pub enum Manifest {
    Namespace(core::Namespace),
    ServiceAccount(core::ServiceAccount),
    Pod(core::Pod),
    Workload(WorkloadKind, core::Workload),
    Job(core::Job),
    CronJob(core::CronJob),
    Service(core::Service),
    Node(core::Node),
    Policy(PolicySource),
    /// Calico objects that are not policies: tiers, profiles, network sets,
    /// host endpoints and workload endpoints.
    Calico(calico::Object),
}

/// What `decode` made of an object's apiVersion and kind.
pub enum Decoded {
    Manifest(Box<Result<Manifest, DeError>>),
    /// A kind polctl knows, under an apiVersion it does not read.
    UnsupportedVersion {
        expected: &'static str,
    },
    UnknownKind,
}

/// The (apiVersion, kind) pairs polctl reads.
pub const KINDS: &[(&str, &str)] = &[
    ("v1", "Namespace"),
    ("v1", "Pod"),
    ("v1", "Service"),
    ("v1", "ServiceAccount"),
    ("v1", "Node"),
    ("apps/v1", "Deployment"),
    ("apps/v1", "StatefulSet"),
    ("apps/v1", "DaemonSet"),
    ("apps/v1", "ReplicaSet"),
    ("batch/v1", "Job"),
    ("batch/v1", "CronJob"),
    ("networking.k8s.io/v1", "NetworkPolicy"),
    ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy"),
    (
        "policy.networking.k8s.io/v1alpha1",
        "BaselineAdminNetworkPolicy",
    ),
    ("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy"),
    ("projectcalico.org/v3", "GlobalNetworkPolicy"),
    ("projectcalico.org/v3", "StagedNetworkPolicy"),
    ("projectcalico.org/v3", "StagedGlobalNetworkPolicy"),
    ("projectcalico.org/v3", "StagedKubernetesNetworkPolicy"),
    ("projectcalico.org/v3", "Tier"),
    ("projectcalico.org/v3", "Profile"),
    ("projectcalico.org/v3", "NetworkSet"),
    ("projectcalico.org/v3", "GlobalNetworkSet"),
    ("projectcalico.org/v3", "HostEndpoint"),
    ("projectcalico.org/v3", "WorkloadEndpoint"),
    ("cilium.io/v2", "CiliumNetworkPolicy"),
    ("cilium.io/v2", "CiliumClusterwideNetworkPolicy"),
];

pub fn decode(api_version: &str, kind: &str, node: &Node) -> Decoded {
    let workload = |kind| from_node(node).map(|w| Manifest::Workload(kind, w));
    let policy =
        |p: Result<PolicySource, DeError>| Decoded::Manifest(Box::new(p.map(Manifest::Policy)));
    let manifest = match (api_version, kind) {
        ("v1", "Namespace") => from_node(node).map(Manifest::Namespace),
        ("v1", "Pod") => from_node(node).map(Manifest::Pod),
        ("v1", "Service") => from_node(node).map(Manifest::Service),
        ("v1", "ServiceAccount") => from_node(node).map(Manifest::ServiceAccount),
        ("v1", "Node") => from_node(node).map(Manifest::Node),
        ("apps/v1", "Deployment") => workload(WorkloadKind::Deployment),
        ("apps/v1", "StatefulSet") => workload(WorkloadKind::StatefulSet),
        ("apps/v1", "DaemonSet") => workload(WorkloadKind::DaemonSet),
        ("apps/v1", "ReplicaSet") => workload(WorkloadKind::ReplicaSet),
        ("batch/v1", "Job") => from_node(node).map(Manifest::Job),
        ("batch/v1", "CronJob") => from_node(node).map(Manifest::CronJob),
        ("networking.k8s.io/v1", "NetworkPolicy") => {
            return policy(from_node(node).map(PolicySource::NetworkPolicy));
        }
        ("policy.networking.k8s.io/v1alpha1", "AdminNetworkPolicy") => {
            return policy(from_node(node).map(PolicySource::AdminNetworkPolicy));
        }
        ("policy.networking.k8s.io/v1alpha1", "BaselineAdminNetworkPolicy") => {
            return policy(from_node(node).map(PolicySource::BaselineAdminNetworkPolicy));
        }
        ("policy.networking.k8s.io/v1alpha2", "ClusterNetworkPolicy") => {
            return policy(from_node(node).map(PolicySource::ClusterNetworkPolicy));
        }
        (calico::API_VERSION, kind) => match calico::Object::decode(kind, node) {
            Some(Ok(obj)) if obj.is_policy() => Ok(Manifest::Policy(PolicySource::Calico(obj))),
            Some(result) => result.map(Manifest::Calico),
            None => return Decoded::UnknownKind,
        },
        (cilium::API_VERSION, "CiliumNetworkPolicy" | "CiliumClusterwideNetworkPolicy") => {
            return policy(from_node(node).map(PolicySource::Cilium));
        }
        _ => {
            return match KINDS.iter().find(|(_, k)| *k == kind) {
                Some(&(expected, _)) => Decoded::UnsupportedVersion { expected },
                None => Decoded::UnknownKind,
            };
        }
    };
    Decoded::Manifest(Box::new(manifest))
}
