//! Compiling every dialect into the policy IR (`model::policy`).
//!
//! The dataplane (CNI and version) is an explicit input: the same
//! Kubernetes NetworkPolicy compiles differently for Calico and Cilium, and
//! the same AdminNetworkPolicy differently for Calico 3.31 and 3.32. This
//! module chooses the dataplane, orders tiers and hands each policy to its
//! dialect's compiler (`<dialect>/lower.rs`), where the dialect's quirks
//! live next to their citations.

pub(crate) mod scope;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use super::{PolicyObject, PolicySource, calico, cilium};
use crate::model::policy::{
    Cni, Dataplane, Policy, PolicySet, Profile, Rule, Tier, TierDefault, Version, implicit,
};
use crate::model::{Cluster, Span, Spanned};

/// What the user chose; `None` fields are decided from what was loaded.
#[derive(Clone, Debug, Default)]
pub struct Choice {
    pub cni: Option<Cni>,
    pub calico_version: Option<Version>,
    pub cilium_version: Option<Version>,
    /// `--no-app-layer` sets this to false.
    pub app_layer: bool,
}

/// The newest Calico release polctl models.
pub(crate) const CALICO_LATEST: Version = Version::new(3, 32);
/// The Calico release with the last AdminNetworkPolicy support.
pub(crate) const CALICO_LAST_ANP: Version = Version::new(3, 31);
/// The oldest Calico release polctl models (tiers and ANP in OSS).
pub(crate) const CALICO_OLDEST: Version = Version::new(3, 29);
/// The Cilium release polctl models by default.
pub(crate) const CILIUM_LATEST: Version = Version::new(1, 19);
/// The oldest Cilium release polctl models (`enableDefaultDeny`, 1.15).
pub(crate) const CILIUM_OLDEST: Version = Version::new(1, 15);
/// The newest Cilium release polctl models (egress named ports resolved per
/// destination, 1.20).
pub(crate) const CILIUM_NEWEST: Version = Version::new(1, 20);

/// Something the compiler wants the user to know: a policy the chosen
/// dataplane ignores, a quirk that changes meaning.
#[derive(Clone, Debug, PartialEq)]
pub struct Note {
    pub span: Option<Span>,
    pub message: String,
}

/// The compiled policy set and what compiling it noticed.
#[derive(Clone, Debug)]
pub struct Lowered {
    pub set: PolicySet,
    pub notes: Vec<Note>,
}

/// Everything loaded that compiles into the IR.
pub struct Input<'a> {
    pub(crate) cluster: &'a Cluster,
    pub(crate) policies: &'a [PolicyObject],
    pub(crate) tiers: &'a [Spanned<calico::Tier>],
    pub(crate) profiles: &'a [Spanned<calico::Profile>],
}

/// Picks the dataplane: the user's choice, else what the loaded kinds say.
pub(crate) fn dataplane(input: &Input, choice: &Choice) -> Dataplane {
    let has = |f: fn(&PolicySource) -> bool| input.policies.iter().any(|p| f(&p.source));
    let calico_kinds = has(|s| matches!(s, PolicySource::Calico(_)))
        || !input.tiers.is_empty()
        || !input.profiles.is_empty()
        || !input.cluster.network_sets.is_empty()
        || !input.cluster.host_endpoints.is_empty();
    let cilium_kinds = has(|s| matches!(s, PolicySource::Cilium(_)));
    let (cni, cni_reason) = match choice.cni {
        Some(cni) => (cni, "--cni".to_string()),
        None => match (calico_kinds, cilium_kinds) {
            (true, false) => (Cni::Calico, "projectcalico.org objects loaded".to_string()),
            (false, true) => (Cni::Cilium, "cilium.io objects loaded".to_string()),
            (true, true) => (
                Cni::Calico,
                "both Calico and Cilium objects loaded; Calico chosen (--cni to pick)".to_string(),
            ),
            (false, false) => (
                Cni::K8s,
                "only Kubernetes kinds loaded: the upstream API semantics".to_string(),
            ),
        },
    };
    let calico_version = (cni == Cni::Calico).then(|| {
        choice.calico_version.unwrap_or_else(|| {
            // 3.32 dropped AdminNetworkPolicy for ClusterNetworkPolicy: when
            // only the former is loaded, simulate the last release that
            // enforces it rather than silently ignoring it.
            let anp = has(|s| {
                matches!(
                    s,
                    PolicySource::AdminNetworkPolicy(_)
                        | PolicySource::BaselineAdminNetworkPolicy(_)
                )
            });
            let cnp = has(|s| matches!(s, PolicySource::ClusterNetworkPolicy(_)));
            if anp && !cnp {
                CALICO_LAST_ANP
            } else {
                CALICO_LATEST
            }
        })
    });
    let cilium_version =
        (cni == Cni::Cilium).then(|| choice.cilium_version.unwrap_or(CILIUM_LATEST));
    Dataplane {
        cni,
        cni_reason,
        calico_version,
        cilium_version,
        app_layer: choice.app_layer,
    }
}

/// Compiles everything loaded for the chosen dataplane.
pub fn lower(input: &Input, choice: &Choice) -> Lowered {
    let dataplane = dataplane(input, choice);
    let mut b = Builder::new(dataplane, input.cluster);
    b.declare_builtin_tiers();
    match b.dataplane.cni {
        Cni::Calico => calico::lower::declare_tiers(&mut b, input.tiers),
        Cni::Cilium => cilium::lower::declare_tiers(&mut b),
        Cni::K8s => {}
    }
    for policy in input.policies {
        policy.lower(&mut b);
    }
    match b.dataplane.cni {
        Cni::Calico => calico::lower::profiles(&mut b, input.profiles),
        Cni::K8s | Cni::Cilium => b.default_allow_profile(),
    }
    b.finish()
}

/// Collects compiled policies into tiers; the dialect compilers call it.
pub(crate) struct Builder<'a> {
    pub dataplane: Dataplane,
    pub cluster: &'a Cluster,
    tiers: BTreeMap<String, Tier>,
    /// Tiers a policy named that no Tier object or built-in defines.
    undefined: Vec<String>,
    profiles: BTreeMap<String, Profile>,
    pod_profiles: Vec<String>,
    notes: Vec<Note>,
}

/// Names of the tiers the Kubernetes APIs define, per dataplane.
pub(crate) struct TierNames {
    pub admin: &'static str,
    pub default: &'static str,
    pub baseline: &'static str,
}

impl<'a> Builder<'a> {
    fn new(dataplane: Dataplane, cluster: &'a Cluster) -> Self {
        Builder {
            dataplane,
            cluster,
            tiers: BTreeMap::new(),
            undefined: Vec::new(),
            profiles: BTreeMap::new(),
            pod_profiles: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// The Calico version, when simulating Calico.
    pub(crate) fn calico(&self) -> Option<Version> {
        self.dataplane.calico_version
    }

    /// The tiers Kubernetes admin, NetworkPolicy and baseline policies land
    /// in (Calico's names for them by version, SEMANTICS.md §A2).
    pub(crate) fn tier_names(&self) -> TierNames {
        match self.calico() {
            Some(v) if v >= Version::new(3, 32) => TierNames {
                admin: "kube-admin",
                default: "default",
                baseline: "kube-baseline",
            },
            Some(_) => TierNames {
                admin: "adminnetworkpolicy",
                default: "default",
                baseline: "baselineadminnetworkpolicy",
            },
            None => TierNames {
                admin: "admin",
                default: "default",
                baseline: "baseline",
            },
        }
    }

    fn declare_builtin_tiers(&mut self) {
        let names = self.tier_names();
        // Orders are Calico's (admin 1,000, default 1,000,000, baseline
        // 10,000,000); with the Kubernetes API alone they only fix the
        // documented sequence ANP -> NetworkPolicy -> BANP.
        self.declare_tier(names.admin, Some(1_000.0), TierDefault::Pass, None);
        self.declare_tier(names.default, Some(1_000_000.0), TierDefault::Deny, None);
        self.declare_tier(names.baseline, Some(10_000_000.0), TierDefault::Pass, None);
    }

    /// Defines (or redefines, for a Tier object naming a built-in) a tier.
    pub(crate) fn declare_tier(
        &mut self,
        name: &str,
        order: Option<f64>,
        default_action: TierDefault,
        origin: Option<Span>,
    ) {
        let tier = self.tiers.entry(name.to_string()).or_insert_with(|| Tier {
            name: name.to_string(),
            order,
            default_action,
            policies: Vec::new(),
            origin,
        });
        tier.order = order;
        tier.default_action = default_action;
        tier.origin = origin;
    }

    /// Adds a compiled policy to `tier`. A tier nothing defines is created
    /// with Calico's treatment of an unknown tier: sorted last, Deny.
    pub(crate) fn add(&mut self, tier: &str, policy: Policy) {
        if !self.tiers.contains_key(tier) {
            self.undefined.push(tier.to_string());
            self.note(
                Some(policy.origin),
                format!(
                    "{} {} names tier `{tier}`, which no Tier object defines; it is evaluated last with a Deny default",
                    policy.kind,
                    policy.key()
                ),
            );
            self.declare_tier(tier, None, TierDefault::Deny, None);
        }
        if let Some(t) = self.tiers.get_mut(tier) {
            t.policies.push(policy);
        }
    }

    pub(crate) fn note(&mut self, span: Option<Span>, message: impl Into<String>) {
        self.notes.push(Note {
            span,
            message: message.into(),
        });
    }

    /// Records that the dataplane does not enforce a loaded policy.
    pub(crate) fn ignore(&mut self, policy: &PolicyObject, why: &str) {
        self.note(
            Some(policy.origin),
            format!(
                "{} {} is not enforced by {}: {why}",
                policy.kind,
                policy.key(),
                self.describe_dataplane()
            ),
        );
    }

    pub(crate) fn describe_dataplane(&self) -> String {
        match (
            self.dataplane.cni,
            self.dataplane.calico_version,
            self.dataplane.cilium_version,
        ) {
            (Cni::Calico, Some(v), _) => format!("Calico {v}"),
            (Cni::Cilium, _, Some(v)) => format!("Cilium {v}"),
            (cni, _, _) => format!("--cni {cni}"),
        }
    }

    pub(crate) fn add_profile(&mut self, profile: Profile) {
        self.profiles.insert(profile.name.clone(), profile);
    }

    /// Whether a profile of that name exists already.
    pub(crate) fn has_profile(&self, name: &str) -> bool {
        self.profiles.contains_key(name)
    }

    /// Profiles every pod uses, as templates (see `PolicySet::pod_profiles`).
    pub(crate) fn set_pod_profiles(&mut self, templates: Vec<String>) {
        self.pod_profiles = templates;
    }

    /// Kubernetes and Cilium: a pod no policy isolates accepts and sends
    /// everything.
    fn default_allow_profile(&mut self) {
        let why = match self.dataplane.cni {
            Cni::Cilium => "Cilium: an endpoint no rule selects is not enforced",
            _ => "Kubernetes: a pod no policy selects is non-isolated",
        };
        let allow = |label: &str| Rule {
            label: label.to_string(),
            action: crate::model::policy::Action::Allow,
            criteria: Vec::new(),
            note: None,
            origin: None,
        };
        self.add_profile(Profile {
            name: "non-isolated".to_string(),
            ingress: vec![allow("ingress[0]")],
            egress: vec![allow("egress[0]")],
            labels: Default::default(),
            implicit: Some(why.to_string()),
            origin: None,
        });
        self.set_pod_profiles(vec!["non-isolated".to_string()]);
    }

    fn finish(self) -> Lowered {
        let undefined = self.undefined;
        let mut tiers: Vec<Tier> = self.tiers.into_values().collect();
        // Calico's TierLess: defined tiers first, then by order (none is
        // last), then by name (felix/calc/policy_sorter.go).
        tiers.sort_by(|a, b| {
            let ua = undefined.contains(&a.name);
            let ub = undefined.contains(&b.name);
            ua.cmp(&ub)
                .then_with(|| a.order.is_none().cmp(&b.order.is_none()))
                .then_with(|| {
                    a.order
                        .unwrap_or(f64::INFINITY)
                        .total_cmp(&b.order.unwrap_or(f64::INFINITY))
                })
                .then_with(|| a.name.cmp(&b.name))
        });
        for tier in &mut tiers {
            tier.policies.sort_by(|a, b| {
                a.order
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.order.unwrap_or(f64::INFINITY))
                    .then_with(|| a.tie_break.cmp(&b.tie_break))
            });
        }
        // Cilium's host firewall: once a policy selects the host, nodes
        // (and their hostNetwork pods) are endpoints policies select
        // (docs.cilium.io "Host Firewall").
        let host_firewall = self.dataplane.cni == Cni::Cilium
            && tiers
                .iter()
                .flat_map(|t| &t.policies)
                .any(|p| p.subject.keys().contains(&implicit::HOST));
        Lowered {
            set: PolicySet {
                dataplane: self.dataplane,
                tiers,
                profiles: self.profiles,
                pod_profiles: self.pod_profiles,
                host_firewall,
                failsafe: calico::lower::failsafe(),
            },
            notes: self.notes,
        }
    }
}

/// The string Calico breaks `order` ties with (SEMANTICS.md §A3):
/// ≤3.31 the backend key name (`<namespace>/<name>` or the bare name of a
/// global policy), 3.32+ `<name>/<namespace>/<kind>`. Without Calico the
/// key name is used, which only matters for equal ANP priorities, where the
/// API leaves the order undefined.
pub(crate) fn tie_break(
    calico: Option<Version>,
    backend_kind: &str,
    namespace: Option<&str>,
    backend_name: &str,
) -> String {
    match calico {
        Some(v) if v >= Version::new(3, 32) => {
            format!("{backend_name}/{}/{backend_kind}", namespace.unwrap_or(""))
        }
        _ => match namespace {
            Some(ns) => format!("{ns}/{backend_name}"),
            None => backend_name.to_string(),
        },
    }
}
