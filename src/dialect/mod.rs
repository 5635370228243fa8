//! The policy and workload languages polctl reads, typed as their APIs
//! define them, and the step that turns workloads into the cluster model.
//!
//! Each policy language has one folder: `k8s` (NetworkPolicy), `npapi`
//! (AdminNetworkPolicy, BaselineAdminNetworkPolicy, ClusterNetworkPolicy),
//! `calico` and `cilium`, each with its types (`mod.rs`), its meaning
//! checks (`check.rs`) and its compiler into the policy IR (`lower.rs`).
//! `lower` chooses the dataplane and dispatches to them.

pub(crate) mod calico;
pub(crate) mod cilium;
pub(crate) mod cluster;
pub(crate) mod common;
pub(crate) mod core;
pub(crate) mod k8s;
pub(crate) mod kinds;
pub mod lower;
pub(crate) mod npapi;
pub(crate) mod policy;

pub(crate) use kinds::{Kind, Language};
pub(crate) use policy::{PolicyObject, PolicySource};

use crate::model::WorkloadKind;
use crate::syntax::Problem;
use crate::syntax::de::DeError;
use crate::syntax::yaml::SpannedNode;
use common::ObjectMeta;

/// One typed object from a manifest.
#[derive(Clone, Debug)]
pub(crate) enum Manifest {
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

impl Manifest {
    pub(crate) fn metadata(&self) -> &ObjectMeta {
        match self {
            Manifest::Namespace(o) => &o.metadata,
            Manifest::ServiceAccount(o) => &o.metadata,
            Manifest::Pod(o) => &o.metadata,
            Manifest::Workload(_, o) => &o.metadata,
            Manifest::Job(o) => &o.metadata,
            Manifest::CronJob(o) => &o.metadata,
            Manifest::Service(o) => &o.metadata,
            Manifest::Node(o) => &o.metadata,
            Manifest::Policy(p) => p.metadata(),
            Manifest::Calico(o) => o.metadata(),
        }
    }

    /// The meaning checks of the object's language: what the API server's
    /// validation (or a CRD's) would refuse once the object is typed.
    /// `source_text` is the text of the object's file, for problems that
    /// point inside a string (a selector expression).
    pub(crate) fn check(&self, source_text: &str, out: &mut Vec<Problem>) {
        self.metadata().check(out);
        let rule = match self {
            Manifest::Namespace(_) => common::NameRule::Label,
            Manifest::Service(_) => common::NameRule::Label1035,
            _ => common::NameRule::Subdomain,
        };
        self.metadata().check_names(rule, out);
        match self {
            Manifest::Policy(source) => source.check(source_text, out),
            Manifest::Calico(o) => calico::check(o, source_text, out),
            Manifest::Pod(pod) => pod.check(out),
            Manifest::Service(svc) => svc.check(out),
            Manifest::Workload(_, w) => w.spec.template.spec.check(out),
            Manifest::Job(job) => job.spec.template.spec.check(out),
            Manifest::CronJob(cron) => cron.spec.job_template.spec.template.spec.check(out),
            Manifest::Namespace(_) | Manifest::ServiceAccount(_) | Manifest::Node(_) => {}
        }
    }
}

/// What `decode` made of an object's apiVersion and kind.
pub(crate) enum Decoded {
    Manifest {
        kind: &'static Kind,
        result: Box<Result<Manifest, DeError>>,
    },
    /// A kind polctl knows, under an apiVersion it does not read.
    UnsupportedVersion {
        expected: &'static str,
    },
    UnknownKind,
}

/// Types an object by the kind table: the one place a kind meets the
/// folder that reads it.
pub(crate) fn decode(api_version: &str, kind: &str, node: &SpannedNode) -> Decoded {
    let Some(found) = kinds::find(api_version, kind) else {
        return match kinds::by_name(kind) {
            Some(k) => Decoded::UnsupportedVersion {
                expected: k.api_version,
            },
            None => Decoded::UnknownKind,
        };
    };
    let decoded = match found.language {
        Language::Core => core::decode(kind, node),
        Language::K8s => Some(k8s::decode(node).map(Manifest::Policy)),
        Language::Npapi => npapi::decode(kind, node).map(|r| r.map(Manifest::Policy)),
        Language::Calico => calico::Object::decode(kind, node).map(|r| {
            r.map(|obj| match obj.is_policy() {
                true => Manifest::Policy(PolicySource::Calico(obj)),
                false => Manifest::Calico(obj),
            })
        }),
        Language::Cilium => Some(cilium::decode(node).map(Manifest::Policy)),
    };
    // A row whose folder does not read it (the table test rules it out).
    let Some(result) = decoded else {
        return Decoded::UnknownKind;
    };
    Decoded::Manifest {
        kind: found,
        result: Box::new(result),
    }
}
