//! projectcalico.org/v3: Calico's policy, tier, profile, network-set and
//! host-endpoint resources, typed as `api/pkg/apis/projectcalico/v3`
//! defines them (unknown fields are errors).
//!
//! Values are validated as they are read where the API's own unmarshalling
//! does it (ports, protocols, CIDRs, enums); everything Calico's validator
//! and CEL rules check across fields is in the `check` module.
//! Selectors stay text here and are parsed by the check pass.

mod check;
pub(crate) mod lower;
#[cfg(test)]
mod tests;
mod workload_endpoint;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::common::{
    IntOrString, Ip, LabelSelector, Net, ObjectMeta, PortNumber, validate_port_name,
};
use super::k8s;
use crate::model::Spanned;
use crate::syntax::de::{DeError, from_node};
use crate::syntax::yaml::SpannedNode;

pub(crate) use check::check;
pub(crate) use check::trim_span;
pub(crate) use k8s::PolicyType;
pub(crate) use workload_endpoint::WorkloadEndpoint;

/// The apiVersion of every kind here.
pub(crate) const API_VERSION: &str = "projectcalico.org/v3";

/// The name of the tier a policy without `spec.tier` belongs to.
pub(crate) const DEFAULT_TIER: &str = "default";

// ---------------------------------------------------------------------------
// Top-level objects
// ---------------------------------------------------------------------------

macro_rules! top_level {
    ($(#[$meta:meta])* $name:ident, $spec:ty) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Deserialize, Serialize)]
        #[serde(deny_unknown_fields)]
        pub(crate) struct $name {
            #[serde(rename = "apiVersion")]
            pub api_version: String,
            pub kind: String,
            pub metadata: ObjectMeta,
            #[serde(default)]
            pub spec: $spec,
        }
    };
}

top_level!(
    /// A namespaced Calico policy.
    NetworkPolicy,
    NetworkPolicySpec
);
top_level!(
    /// A cluster-wide Calico policy; it can also select host endpoints.
    GlobalNetworkPolicy,
    GlobalNetworkPolicySpec
);
top_level!(
    /// A NetworkPolicy that is evaluated but never enforced (Calico 3.30+).
    StagedNetworkPolicy,
    StagedNetworkPolicySpec
);
top_level!(
    /// A GlobalNetworkPolicy that is evaluated but never enforced (Calico 3.30+).
    StagedGlobalNetworkPolicy,
    StagedGlobalNetworkPolicySpec
);
top_level!(
    /// A Kubernetes NetworkPolicy that is evaluated but never enforced.
    StagedKubernetesNetworkPolicy,
    StagedKubernetesNetworkPolicySpec
);
top_level!(
    /// An ordered group of policies with an end-of-tier action.
    Tier,
    TierSpec
);
top_level!(
    /// Rules and labels attached to endpoints by name (`kns.<ns>` etc.).
    Profile,
    ProfileSpec
);
top_level!(
    /// A namespaced set of IP networks that selectors can match by label.
    NetworkSet,
    NetworkSetSpec
);
top_level!(
    /// A cluster-wide set of IP networks that selectors can match by label.
    GlobalNetworkSet,
    NetworkSetSpec
);
top_level!(
    /// A host interface (or all of a host's interfaces) that policy protects.
    HostEndpoint,
    HostEndpointSpec
);

/// Any projectcalico.org/v3 object polctl reads.
#[derive(Clone, Debug, Serialize)]
#[serde(untagged)]
pub(crate) enum Object {
    NetworkPolicy(NetworkPolicy),
    GlobalNetworkPolicy(GlobalNetworkPolicy),
    StagedNetworkPolicy(StagedNetworkPolicy),
    StagedGlobalNetworkPolicy(StagedGlobalNetworkPolicy),
    StagedKubernetesNetworkPolicy(StagedKubernetesNetworkPolicy),
    Tier(Tier),
    Profile(Profile),
    NetworkSet(NetworkSet),
    GlobalNetworkSet(GlobalNetworkSet),
    HostEndpoint(HostEndpoint),
    WorkloadEndpoint(WorkloadEndpoint),
}

impl Object {
    /// Types `node` as the projectcalico.org/v3 `kind`; `None` for a kind
    /// this module does not read.
    pub(crate) fn decode(kind: &str, node: &SpannedNode) -> Option<Result<Object, DeError>> {
        Some(match kind {
            "NetworkPolicy" => from_node(node).map(Object::NetworkPolicy),
            "GlobalNetworkPolicy" => from_node(node).map(Object::GlobalNetworkPolicy),
            "StagedNetworkPolicy" => from_node(node).map(Object::StagedNetworkPolicy),
            "StagedGlobalNetworkPolicy" => from_node(node).map(Object::StagedGlobalNetworkPolicy),
            "StagedKubernetesNetworkPolicy" => {
                from_node(node).map(Object::StagedKubernetesNetworkPolicy)
            }
            "Tier" => from_node(node).map(Object::Tier),
            "Profile" => from_node(node).map(Object::Profile),
            "NetworkSet" => from_node(node).map(Object::NetworkSet),
            "GlobalNetworkSet" => from_node(node).map(Object::GlobalNetworkSet),
            "HostEndpoint" => from_node(node).map(Object::HostEndpoint),
            "WorkloadEndpoint" => from_node(node).map(Object::WorkloadEndpoint),
            _ => return None,
        })
    }

    /// Whether this is one of the five policy kinds.
    pub(crate) fn is_policy(&self) -> bool {
        matches!(
            self,
            Object::NetworkPolicy(_)
                | Object::GlobalNetworkPolicy(_)
                | Object::StagedNetworkPolicy(_)
                | Object::StagedGlobalNetworkPolicy(_)
                | Object::StagedKubernetesNetworkPolicy(_)
        )
    }

    /// Tier and order of a policy kind, as Calico sorts it; a
    /// StagedKubernetesNetworkPolicy sits in the default tier like the
    /// NetworkPolicy it stages.
    pub(crate) fn placement(&self) -> Option<(String, Option<f64>)> {
        let view = match self {
            Object::NetworkPolicy(o) => o.spec.view(),
            Object::GlobalNetworkPolicy(o) => o.spec.view(),
            Object::StagedNetworkPolicy(o) => o.spec.view(),
            Object::StagedGlobalNetworkPolicy(o) => o.spec.view(),
            Object::StagedKubernetesNetworkPolicy(_) => {
                return Some((DEFAULT_TIER.to_string(), None));
            }
            _ => return None,
        };
        Some((view.tier_name().to_string(), view.order()))
    }

    pub(crate) fn is_staged(&self) -> bool {
        matches!(
            self,
            Object::StagedNetworkPolicy(_)
                | Object::StagedGlobalNetworkPolicy(_)
                | Object::StagedKubernetesNetworkPolicy(_)
        )
    }

    pub(crate) fn metadata(&self) -> &ObjectMeta {
        match self {
            Object::NetworkPolicy(o) => &o.metadata,
            Object::GlobalNetworkPolicy(o) => &o.metadata,
            Object::StagedNetworkPolicy(o) => &o.metadata,
            Object::StagedGlobalNetworkPolicy(o) => &o.metadata,
            Object::StagedKubernetesNetworkPolicy(o) => &o.metadata,
            Object::Tier(o) => &o.metadata,
            Object::Profile(o) => &o.metadata,
            Object::NetworkSet(o) => &o.metadata,
            Object::GlobalNetworkSet(o) => &o.metadata,
            Object::HostEndpoint(o) => &o.metadata,
            Object::WorkloadEndpoint(o) => &o.metadata,
        }
    }
}

// ---------------------------------------------------------------------------
// Policy specs
// ---------------------------------------------------------------------------

/// The fields every Calico policy spec shares, plus the ones `$name` adds.
macro_rules! policy_spec {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, Deserialize, Serialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub(crate) struct $name {
            /// The tier; absent means [`DEFAULT_TIER`].
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub tier: Option<Spanned<String>>,
            /// Lower first; absent means after every ordered policy.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub order: Option<Spanned<f64>>,
            /// Which endpoints the policy applies to (Calico selector text;
            /// absent or empty means `all()`).
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub selector: Option<Spanned<String>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub types: Option<Vec<Spanned<PolicyType>>>,
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub ingress: Vec<Spanned<Rule>>,
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub egress: Vec<Spanned<Rule>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub service_account_selector: Option<Spanned<String>>,
            #[serde(default, skip_serializing_if = "Vec::is_empty")]
            pub performance_hints: Vec<Spanned<PerformanceHint>>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }
    };
}

policy_spec!(
    /// `NetworkPolicySpec`.
    NetworkPolicySpec {}
);

policy_spec!(
    /// `GlobalNetworkPolicySpec`.
    GlobalNetworkPolicySpec {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace_selector: Option<Spanned<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        do_not_track: Option<Spanned<bool>>,
        #[serde(default, rename = "preDNAT", skip_serializing_if = "Option::is_none")]
        pre_dnat: Option<Spanned<bool>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        apply_on_forward: Option<Spanned<bool>>,
    }
);

policy_spec!(
    /// `StagedNetworkPolicySpec`: a NetworkPolicySpec plus `stagedAction`.
    StagedNetworkPolicySpec {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        staged_action: Option<Spanned<StagedAction>>,
    }
);

policy_spec!(
    /// `StagedGlobalNetworkPolicySpec`: a GlobalNetworkPolicySpec plus `stagedAction`.
    StagedGlobalNetworkPolicySpec {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        staged_action: Option<Spanned<StagedAction>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        namespace_selector: Option<Spanned<String>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        do_not_track: Option<Spanned<bool>>,
        #[serde(default, rename = "preDNAT", skip_serializing_if = "Option::is_none")]
        pre_dnat: Option<Spanned<bool>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        apply_on_forward: Option<Spanned<bool>>,
    }
);

/// Uniform read access to the four Calico policy specs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct SpecView<'a> {
    pub tier: Option<&'a Spanned<String>>,
    pub order: Option<&'a Spanned<f64>>,
    pub selector: Option<&'a Spanned<String>>,
    pub types: Option<&'a [Spanned<PolicyType>]>,
    pub ingress: &'a [Spanned<Rule>],
    pub egress: &'a [Spanned<Rule>],
    pub service_account_selector: Option<&'a Spanned<String>>,
    pub performance_hints: &'a [Spanned<PerformanceHint>],
    /// Global kinds only.
    pub namespace_selector: Option<&'a Spanned<String>>,
    pub do_not_track: Option<&'a Spanned<bool>>,
    pub pre_dnat: Option<&'a Spanned<bool>>,
    pub apply_on_forward: Option<&'a Spanned<bool>>,
    /// Staged kinds only.
    pub staged_action: Option<&'a Spanned<StagedAction>>,
    /// Whether the kind is cluster-wide (GlobalNetworkPolicy and its staged form).
    pub global: bool,
    pub staged: bool,
}

impl SpecView<'_> {
    pub(crate) fn tier_name(&self) -> &str {
        self.tier.map_or(DEFAULT_TIER, |t| {
            if t.is_empty() {
                DEFAULT_TIER
            } else {
                t.as_str()
            }
        })
    }

    pub(crate) fn order(&self) -> Option<f64> {
        self.order.map(|o| o.value)
    }

    /// `types` as Calico defaults it when absent or empty: Ingress when
    /// there are no egress rules, Egress when there are only egress rules,
    /// both when there are both (`api/pkg/defaults/networkpolicy.go`).
    pub(crate) fn effective_types(&self) -> Vec<PolicyType> {
        match self.types {
            Some(types) if !types.is_empty() => types.iter().map(|t| t.value).collect(),
            _ => match (self.ingress.is_empty(), self.egress.is_empty()) {
                (_, true) => vec![PolicyType::Ingress],
                (true, false) => vec![PolicyType::Egress],
                (false, false) => vec![PolicyType::Ingress, PolicyType::Egress],
            },
        }
    }

    /// `stagedAction`, defaulted to `Set` for staged kinds; `None` for
    /// enforced kinds.
    pub(crate) fn staged_action(&self) -> Option<StagedAction> {
        self.staged
            .then(|| self.staged_action.map_or(StagedAction::Set, |a| a.value))
    }
}

macro_rules! view {
    ($spec:expr, global: $global:expr, staged: $staged:expr, $($extra:ident: $value:expr),* $(,)?) => {{
        let s = $spec;
        SpecView {
            tier: s.tier.as_ref(),
            order: s.order.as_ref(),
            selector: s.selector.as_ref(),
            types: s.types.as_deref(),
            ingress: &s.ingress,
            egress: &s.egress,
            service_account_selector: s.service_account_selector.as_ref(),
            performance_hints: &s.performance_hints,
            global: $global,
            staged: $staged,
            $($extra: $value,)*
        }
    }};
}

impl NetworkPolicySpec {
    pub(crate) fn view(&self) -> SpecView<'_> {
        view!(self, global: false, staged: false,
            namespace_selector: None, do_not_track: None, pre_dnat: None, apply_on_forward: None,
            staged_action: None)
    }
}

impl GlobalNetworkPolicySpec {
    pub(crate) fn view(&self) -> SpecView<'_> {
        view!(self, global: true, staged: false,
            namespace_selector: self.namespace_selector.as_ref(),
            do_not_track: self.do_not_track.as_ref(),
            pre_dnat: self.pre_dnat.as_ref(),
            apply_on_forward: self.apply_on_forward.as_ref(),
            staged_action: None)
    }
}

impl StagedNetworkPolicySpec {
    pub(crate) fn view(&self) -> SpecView<'_> {
        view!(self, global: false, staged: true,
            namespace_selector: None, do_not_track: None, pre_dnat: None, apply_on_forward: None,
            staged_action: self.staged_action.as_ref())
    }
}

impl StagedGlobalNetworkPolicySpec {
    pub(crate) fn view(&self) -> SpecView<'_> {
        view!(self, global: true, staged: true,
            namespace_selector: self.namespace_selector.as_ref(),
            do_not_track: self.do_not_track.as_ref(),
            pre_dnat: self.pre_dnat.as_ref(),
            apply_on_forward: self.apply_on_forward.as_ref(),
            staged_action: self.staged_action.as_ref())
    }
}

/// `StagedKubernetesNetworkPolicySpec`: the fields of a Kubernetes
/// `NetworkPolicySpec` plus `stagedAction`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StagedKubernetesNetworkPolicySpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged_action: Option<Spanned<StagedAction>>,
    /// Optional here, unlike in a NetworkPolicy; absent selects every pod.
    #[serde(default)]
    pub pod_selector: LabelSelector,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_types: Option<Vec<Spanned<PolicyType>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Vec<k8s::IngressRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Vec<k8s::EgressRule>>,
}

impl StagedKubernetesNetworkPolicySpec {
    /// The Kubernetes NetworkPolicy this stages (Calico converts it exactly
    /// like an enforced one).
    pub(crate) fn to_k8s_spec(&self) -> k8s::NetworkPolicySpec {
        k8s::NetworkPolicySpec {
            pod_selector: self.pod_selector.clone(),
            policy_types: self.policy_types.clone(),
            ingress: self.ingress.clone(),
            egress: self.egress.clone(),
        }
    }

    pub(crate) fn staged_action(&self) -> StagedAction {
        self.staged_action
            .as_ref()
            .map_or(StagedAction::Set, |a| a.value)
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
pub(crate) enum StagedAction {
    /// The policy as it would be if applied (the default).
    Set,
    /// The enforced policy of the same name would be deleted.
    Delete,
    Learn,
    Ignore,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
pub(crate) enum PerformanceHint {
    AssumeNeededOnEveryNode,
}

// ---------------------------------------------------------------------------
// Rules
// ---------------------------------------------------------------------------

/// A policy or profile rule. All present match criteria are ANDed.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Rule {
    pub action: Spanned<Action>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_version: Option<Spanned<IpVersion>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Spanned<Protocol>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icmp: Option<Spanned<IcmpFields>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_protocol: Option<Spanned<Protocol>>,
    #[serde(default, rename = "notICMP", skip_serializing_if = "Option::is_none")]
    pub not_icmp: Option<Spanned<IcmpFields>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Spanned<EntityRule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destination: Option<Spanned<EntityRule>>,
    /// Application-layer (HTTP) match; only enforced with ALP (Dikastes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<Spanned<HttpMatch>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<RuleMetadata>,
}

static EMPTY_ENTITY_RULE: EntityRule = EntityRule {
    nets: Vec::new(),
    selector: None,
    namespace_selector: None,
    services: None,
    ports: Vec::new(),
    not_nets: Vec::new(),
    not_selector: None,
    not_ports: Vec::new(),
    service_accounts: None,
};

impl Rule {
    /// `source`, or an empty entity rule (which matches anything).
    pub(crate) fn source(&self) -> &EntityRule {
        self.source
            .as_ref()
            .map_or(&EMPTY_ENTITY_RULE, |s| &s.value)
    }

    /// `destination`, or an empty entity rule (which matches anything).
    pub(crate) fn destination(&self) -> &EntityRule {
        self.destination
            .as_ref()
            .map_or(&EMPTY_ENTITY_RULE, |s| &s.value)
    }
}

/// A rule action. `next-tier`, the backend (v1) spelling of `Pass`, is
/// accepted on input as an alias for legacy manifests (the v3 CRD enum
/// rejects it); it reads as `Pass` and is written back as `Pass`.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, Hash)]
pub(crate) enum Action {
    Allow,
    Deny,
    /// Logs and continues with the next rule.
    Log,
    /// Skips the rest of the tier.
    Pass,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Allow => "Allow",
            Action::Deny => "Deny",
            Action::Log => "Log",
            Action::Pass => "Pass",
        })
    }
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        match text.as_str() {
            "Allow" => Ok(Action::Allow),
            "Deny" => Ok(Action::Deny),
            "Log" => Ok(Action::Log),
            "Pass" | "next-tier" => Ok(Action::Pass),
            other => Err(de::Error::custom(format!(
                "unknown action `{other}`: expected Allow, Deny, Log or Pass"
            ))),
        }
    }
}

/// The tier end-of-tier action: only `Deny` and `Pass` are allowed.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
pub(crate) enum TierAction {
    Deny,
    Pass,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum IpVersion {
    V4,
    V6,
}

impl Serialize for IpVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(match self {
            IpVersion::V4 => 4,
            IpVersion::V6 => 6,
        })
    }
}

impl<'de> Deserialize<'de> for IpVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IntOrString::deserialize(d)? {
            IntOrString::Int(4) => Ok(IpVersion::V4),
            IntOrString::Int(6) => Ok(IpVersion::V6),
            IntOrString::Int(n) => Err(de::Error::custom(format!(
                "ipVersion must be 4 or 6, found {n}"
            ))),
            IntOrString::Str(s) => Err(de::Error::custom(format!(
                "ipVersion must be the number 4 or 6, found string `{s}`"
            ))),
        }
    }
}

/// An IP protocol: a name Calico knows (case-insensitive on input) or a
/// number 1–255. Numbers are kept as written; use [`Protocol::number`] to
/// compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Protocol {
    Tcp,
    Udp,
    Icmp,
    IcmpV6,
    Sctp,
    UdpLite,
    Number(u8),
}

impl Protocol {
    /// The IANA protocol number.
    pub(crate) fn number(self) -> u8 {
        match self {
            Protocol::Tcp => 6,
            Protocol::Udp => 17,
            Protocol::Icmp => 1,
            Protocol::IcmpV6 => 58,
            Protocol::Sctp => 132,
            Protocol::UdpLite => 136,
            Protocol::Number(n) => n,
        }
    }

    /// TCP, UDP and SCTP (by name or number) have ports
    /// (`numorstring.Protocol.SupportsPorts`).
    pub(crate) fn supports_ports(self) -> bool {
        matches!(self.number(), 6 | 17 | 132)
    }

    pub(crate) fn is_icmp(self) -> bool {
        self.number() == 1
    }

    pub(crate) fn is_icmpv6(self) -> bool {
        self.number() == 58
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Protocol::Tcp => f.write_str("TCP"),
            Protocol::Udp => f.write_str("UDP"),
            Protocol::Icmp => f.write_str("ICMP"),
            Protocol::IcmpV6 => f.write_str("ICMPv6"),
            Protocol::Sctp => f.write_str("SCTP"),
            Protocol::UdpLite => f.write_str("UDPLite"),
            Protocol::Number(n) => write!(f, "{n}"),
        }
    }
}

impl Serialize for Protocol {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Protocol::Number(n) => s.serialize_u8(*n),
            named => s.collect_str(named),
        }
    }
}

impl<'de> Deserialize<'de> for Protocol {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let number = |n: i64| match u8::try_from(n) {
            Ok(n) if n >= 1 => Ok(Protocol::Number(n)),
            _ => Err(de::Error::custom(format!(
                "protocol number {n} is out of range 1-255"
            ))),
        };
        match IntOrString::deserialize(d)? {
            IntOrString::Int(n) => number(n),
            // numorstring.Uint8OrString reads a numeric string as a number.
            IntOrString::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                number(s.parse::<i64>().unwrap_or(i64::MAX))
            }
            IntOrString::Str(s) => {
                const NAMES: [(&str, Protocol); 6] = [
                    ("TCP", Protocol::Tcp),
                    ("UDP", Protocol::Udp),
                    ("ICMP", Protocol::Icmp),
                    ("ICMPv6", Protocol::IcmpV6),
                    ("SCTP", Protocol::Sctp),
                    ("UDPLite", Protocol::UdpLite),
                ];
                NAMES
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(&s))
                    .map(|(_, p)| *p)
                    .ok_or_else(|| {
                        de::Error::custom(format!(
                            "unknown protocol `{s}`: expected TCP, UDP, ICMP, ICMPv6, SCTP, UDPLite or a number 1-255"
                        ))
                    })
            }
        }
    }
}

/// ICMP type and code. `code` requires `type` (checked after typing).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub(crate) struct IcmpFields {
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<Spanned<IcmpType>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<Spanned<IcmpCode>>,
}

/// An ICMP type, 0–254.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, Hash)]
#[serde(transparent)]
pub(crate) struct IcmpType(pub u8);

/// An ICMP code, 0–255.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, Hash)]
#[serde(transparent)]
pub(crate) struct IcmpCode(pub u8);

fn int_in_range<'de, D: Deserializer<'de>>(
    d: D,
    what: &str,
    min: i64,
    max: i64,
) -> Result<i64, D::Error> {
    match IntOrString::deserialize(d)? {
        IntOrString::Int(n) if (min..=max).contains(&n) => Ok(n),
        IntOrString::Int(n) => Err(de::Error::custom(format!(
            "{what} {n} is out of range {min}-{max}"
        ))),
        IntOrString::Str(s) => Err(de::Error::custom(format!(
            "expected an integer {what}, found string `{s}`"
        ))),
    }
}

impl<'de> Deserialize<'de> for IcmpType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        int_in_range(d, "ICMP type", 0, 254).map(|n| IcmpType(n as u8))
    }
}

impl<'de> Deserialize<'de> for IcmpCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        int_in_range(d, "ICMP code", 0, 255).map(|n| IcmpCode(n as u8))
    }
}

/// The source or destination side of a rule.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct EntityRule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nets: Vec<Spanned<Net>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub services: Option<Spanned<ServiceMatch>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Spanned<CalicoPort>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_nets: Vec<Spanned<Net>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_selector: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_ports: Vec<Spanned<CalicoPort>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_accounts: Option<Spanned<ServiceAccountMatch>>,
}

impl EntityRule {}

/// A Kubernetes Service to match (KDD only).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceMatch {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Spanned<String>>,
    /// Defaults to the policy's namespace; required in global policies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Spanned<String>>,
}

/// Service-account match; `names` and `selector` are ANDed.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ServiceAccountMatch {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selector: Option<Spanned<String>>,
}

/// HTTP match (application layer policy): methods AND paths, each list ORed.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HttpMatch {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub methods: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paths: Vec<Spanned<HttpPath>>,
}

/// Exactly one of `exact` and `prefix` (checked after typing). There is no
/// regex matcher in any Calico edition.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HttpPath {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exact: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<Spanned<String>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleMetadata {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A Calico rule port (`numorstring.Port`): an integer, a `"start:end"`
/// range (inclusive, colon-separated), or the name of an endpoint port.
/// Port numbers are 1–65535; a range must not run backwards.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum CalicoPort {
    Number(u16),
    Range(u16, u16),
    Name(String),
}

impl CalicoPort {
    pub(crate) fn is_named(&self) -> bool {
        matches!(self, CalicoPort::Name(_))
    }

    fn parse(text: &str) -> Result<CalicoPort, String> {
        let number = |digits: &str, what: &str| -> Result<u16, String> {
            match digits.parse::<u32>() {
                Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
                _ => Err(format!("{what} {digits} is out of range 1-65535")),
            }
        };
        let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if all_digits(text) {
            return number(text, "port").map(CalicoPort::Number);
        }
        if let Some((a, b)) = text.split_once(':')
            && all_digits(a)
            && all_digits(b)
        {
            let (start, end) = (number(a, "port")?, number(b, "port")?);
            if start > end {
                return Err(format!(
                    "port range `{text}` runs backwards: the start ({start}) is greater than the end ({end})"
                ));
            }
            return Ok(CalicoPort::Range(start, end));
        }
        validate_port_name(text)?;
        Ok(CalicoPort::Name(text.to_string()))
    }
}

impl fmt::Display for CalicoPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CalicoPort::Number(n) => write!(f, "{n}"),
            CalicoPort::Range(a, b) => write!(f, "{a}:{b}"),
            CalicoPort::Name(n) => f.write_str(n),
        }
    }
}

impl Serialize for CalicoPort {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            CalicoPort::Number(n) => s.serialize_u16(*n),
            other => s.collect_str(other),
        }
    }
}

impl<'de> Deserialize<'de> for CalicoPort {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IntOrString::deserialize(d)? {
            IntOrString::Int(n) => match u16::try_from(n) {
                Ok(p) if p >= 1 => Ok(CalicoPort::Number(p)),
                _ => Err(de::Error::custom(format!(
                    "port {n} is out of range 1-65535"
                ))),
            },
            IntOrString::Str(s) => CalicoPort::parse(&s).map_err(de::Error::custom),
        }
    }
}

// ---------------------------------------------------------------------------
// Other kinds
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TierSpec {
    /// Lower first; absent means after every ordered tier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order: Option<Spanned<f64>>,
    /// Absent means `Deny`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_action: Option<Spanned<TierAction>>,
}

impl TierSpec {
    pub(crate) fn default_action(&self) -> TierAction {
        self.default_action
            .as_ref()
            .map_or(TierAction::Deny, |a| a.value)
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ProfileSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<Spanned<Rule>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<Spanned<Rule>>,
    /// Labels every endpoint using the profile inherits (its own win).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels_to_apply: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// The spec of both NetworkSet and GlobalNetworkSet. A bare address is a
/// /32 or /128.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkSetSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nets: Vec<Spanned<Net>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct HostEndpointSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<Spanned<String>>,
    /// An interface name, `*` for all of the host's interfaces, or absent
    /// (then the interface holding one of `expectedIPs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface_name: Option<Spanned<String>>,
    /// The addresses selectors in other rules match this endpoint by.
    #[serde(default, rename = "expectedIPs", skip_serializing_if = "Vec::is_empty")]
    pub expected_ips: Vec<Spanned<Ip>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Spanned<EndpointPort>>,
}

/// A named port of a host endpoint.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EndpointPort {
    pub name: Spanned<String>,
    pub protocol: Spanned<Protocol>,
    pub port: Spanned<PortNumber>,
}
