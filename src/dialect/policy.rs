//! A loaded policy object of any dialect, with what every listing needs
//! (its dialect, kind, name and place in the evaluation order), and the one
//! place a policy meets its dialect's checks and compiler.

use std::fmt;

use serde::Serialize;

use super::common::ObjectMeta;
use super::lower::Builder;
use super::{Language, calico, cilium, k8s, npapi};
use crate::model::Span;
use crate::model::policy::Cni;
use crate::syntax::Problem;

/// The typed source of a policy, per dialect.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum PolicySource {
    NetworkPolicy(k8s::NetworkPolicy),
    AdminNetworkPolicy(npapi::AdminNetworkPolicy),
    BaselineAdminNetworkPolicy(npapi::AdminNetworkPolicy),
    ClusterNetworkPolicy(npapi::ClusterNetworkPolicy),
    /// One of Calico's five policy kinds.
    Calico(calico::Object),
    /// CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy.
    Cilium(cilium::CiliumNetworkPolicy),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub(crate) enum Dialect {
    #[serde(rename = "k8s")]
    K8s,
    #[serde(rename = "anp")]
    Anp,
    #[serde(rename = "banp")]
    Banp,
    #[serde(rename = "cnp-v1alpha2")]
    CnpV1alpha2,
    #[serde(rename = "calico")]
    Calico,
    #[serde(rename = "calico-staged")]
    CalicoStaged,
    #[serde(rename = "cilium")]
    Cilium,
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dialect::K8s => "k8s",
            Dialect::Anp => "anp",
            Dialect::Banp => "banp",
            Dialect::CnpV1alpha2 => "cnp-v1alpha2",
            Dialect::Calico => "calico",
            Dialect::CalicoStaged => "calico-staged",
            Dialect::Cilium => "cilium",
        })
    }
}

/// Where a policy sits in evaluation: its tier and its order inside it.
/// Kubernetes' own APIs name three tiers (ClusterNetworkPolicy's `tier`
/// docs): admin, the NetworkPolicy tier (Calico's `default`), baseline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Placement {
    pub tier: Option<String>,
    pub order: Option<f64>,
}

/// A policy object as loaded, of any dialect (compiled, it is a
/// `model::policy::Policy`).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct PolicyObject {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(skip)]
    pub origin: Span,
    #[serde(skip)]
    pub source: PolicySource,
}

impl PolicySource {
    pub(crate) fn metadata(&self) -> &ObjectMeta {
        match self {
            PolicySource::NetworkPolicy(p) => &p.metadata,
            PolicySource::AdminNetworkPolicy(p) | PolicySource::BaselineAdminNetworkPolicy(p) => {
                &p.metadata
            }
            PolicySource::ClusterNetworkPolicy(p) => &p.metadata,
            PolicySource::Calico(o) => o.metadata(),
            PolicySource::Cilium(p) => &p.metadata,
        }
    }

    /// The folder (and kind-table language) that types it.
    pub(crate) fn language(&self) -> Language {
        match self {
            PolicySource::NetworkPolicy(_) => Language::K8s,
            PolicySource::AdminNetworkPolicy(_)
            | PolicySource::BaselineAdminNetworkPolicy(_)
            | PolicySource::ClusterNetworkPolicy(_) => Language::Npapi,
            PolicySource::Calico(_) => Language::Calico,
            PolicySource::Cilium(_) => Language::Cilium,
        }
    }

    /// The dialect's meaning checks (see [`super::Manifest::check`]).
    pub(crate) fn check(&self, source_text: &str, out: &mut Vec<Problem>) {
        match self {
            PolicySource::NetworkPolicy(p) => k8s::check::network_policy(p, out),
            PolicySource::AdminNetworkPolicy(p) => {
                npapi::check::admin_network_policy(p, false, out)
            }
            PolicySource::BaselineAdminNetworkPolicy(p) => {
                npapi::check::admin_network_policy(p, true, out)
            }
            PolicySource::ClusterNetworkPolicy(p) => npapi::check::cluster_network_policy(p, out),
            PolicySource::Calico(o) => calico::check(o, source_text, out),
            PolicySource::Cilium(p) => cilium::check(p, source_text, out),
        }
    }
}

impl PolicyObject {
    /// Compiles the policy into the IR with its dialect's compiler.
    pub(crate) fn lower(&self, b: &mut Builder) {
        match &self.source {
            PolicySource::NetworkPolicy(np) => k8s::lower::lower(b, self, np),
            PolicySource::AdminNetworkPolicy(anp) => npapi::lower::lower_anp(b, self, anp, false),
            PolicySource::BaselineAdminNetworkPolicy(banp) => {
                npapi::lower::lower_anp(b, self, banp, true)
            }
            PolicySource::ClusterNetworkPolicy(cnp) => npapi::lower::lower_cnp(b, self, cnp),
            PolicySource::Calico(obj) => calico::lower::lower(b, self, obj),
            PolicySource::Cilium(cnp) if b.dataplane.cni == Cni::Cilium => {
                cilium::lower::lower(b, self, cnp)
            }
            PolicySource::Cilium(_) => b.ignore(
                self,
                "Cilium policies are enforced only by Cilium (--cni cilium)",
            ),
        }
    }

    pub(crate) fn dialect(&self) -> Dialect {
        match &self.source {
            PolicySource::NetworkPolicy(_) => Dialect::K8s,
            PolicySource::AdminNetworkPolicy(_) => Dialect::Anp,
            PolicySource::BaselineAdminNetworkPolicy(_) => Dialect::Banp,
            PolicySource::ClusterNetworkPolicy(_) => Dialect::CnpV1alpha2,
            PolicySource::Calico(o) if o.is_staged() => Dialect::CalicoStaged,
            PolicySource::Calico(_) => Dialect::Calico,
            PolicySource::Cilium(_) => Dialect::Cilium,
        }
    }

    pub(crate) fn placement(&self) -> Placement {
        let tier = |t: &str| Some(t.to_string());
        match &self.source {
            PolicySource::NetworkPolicy(_) => Placement {
                tier: tier("default"),
                order: None,
            },
            PolicySource::AdminNetworkPolicy(p) => Placement {
                tier: tier("admin"),
                order: p.spec.priority.as_ref().map(|p| p.value as f64),
            },
            PolicySource::BaselineAdminNetworkPolicy(_) => Placement {
                tier: tier("baseline"),
                order: None,
            },
            PolicySource::ClusterNetworkPolicy(p) => Placement {
                tier: tier(match p.spec.tier.value {
                    npapi::CnpTier::Admin => "admin",
                    npapi::CnpTier::Baseline => "baseline",
                }),
                order: Some(p.spec.priority.value as f64),
            },
            PolicySource::Calico(o) => match o.placement() {
                Some((tier, order)) => Placement {
                    tier: Some(tier),
                    order,
                },
                None => Placement {
                    tier: None,
                    order: None,
                },
            },
            // Cilium has no tiers: denies beat allows, allows are a union.
            PolicySource::Cilium(_) => Placement {
                tier: None,
                order: None,
            },
        }
    }

    /// The enforced kind this policy is, or stands in for when staged, as
    /// `dialect:kind` (see `model::policy::Policy::enforced_kind`).
    pub(crate) fn enforced_kind(&self) -> String {
        let (dialect, kind) = match &self.source {
            PolicySource::Calico(calico::Object::StagedNetworkPolicy(_)) => {
                (Dialect::Calico, "NetworkPolicy")
            }
            PolicySource::Calico(calico::Object::StagedGlobalNetworkPolicy(_)) => {
                (Dialect::Calico, "GlobalNetworkPolicy")
            }
            // Calico evaluates it in place of the Kubernetes NetworkPolicy
            // of the same name (SEMANTICS.md §A9).
            PolicySource::Calico(calico::Object::StagedKubernetesNetworkPolicy(_)) => {
                (Dialect::K8s, "NetworkPolicy")
            }
            _ => (self.dialect(), self.kind.as_str()),
        };
        format!("{dialect}:{kind}")
    }

    /// `namespace/name`, or the bare name of a cluster-scoped policy.
    pub(crate) fn key(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }
}
