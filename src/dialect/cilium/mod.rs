//! cilium.io/v2 CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy,
//! typed as `pkg/policy/api` and the CRDs define them (unknown fields are
//! errors). Cross-field rules `Rule.Sanitize` enforces are in
//! the `check` module.
//!
//! Endpoint selectors are Kubernetes `LabelSelector`s whose keys may carry a
//! Cilium label source (`k8s:app`, `reserved:host`, `any:role`, `$host`);
//! a key without one matches any source.

mod check;
pub(crate) mod lower;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer, de};

use super::PolicySource;
use super::common::{Cidr, IntOrString, LabelSelector, ObjectMeta};
use crate::model::Spanned;
use crate::syntax::de::{DeError, from_node};
use crate::syntax::yaml::SpannedNode;

pub(crate) use check::check;

/// The apiVersion of both kinds.
pub(crate) const API_VERSION: &str = "cilium.io/v2";

/// Types `node` as a CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy
/// (one shape; `kind` tells them apart).
pub(crate) fn decode(node: &SpannedNode) -> Result<PolicySource, DeError> {
    from_node(node).map(PolicySource::Cilium)
}

/// A Cilium endpoint (or node) selector.
pub(crate) type EndpointSelector = LabelSelector;

/// A CiliumNetworkPolicy or a CiliumClusterwideNetworkPolicy (same shape;
/// `kind` tells them apart): one rule in `spec`, a list in `specs`, or both.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CiliumNetworkPolicy {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: Spanned<String>,
    pub metadata: ObjectMeta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<Spanned<Rule>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub specs: Option<Vec<Spanned<Rule>>>,
    /// Accepted (kubectl get -o yaml carries it) and ignored.
    #[serde(default, skip_serializing)]
    #[allow(dead_code)]
    pub status: Option<serde::de::IgnoredAny>,
}

impl CiliumNetworkPolicy {
    pub(crate) fn is_clusterwide(&self) -> bool {
        self.kind.value == "CiliumClusterwideNetworkPolicy"
    }

    /// `spec` followed by `specs`.
    pub(crate) fn rules(&self) -> impl Iterator<Item = &Spanned<Rule>> {
        self.spec.iter().chain(self.specs.iter().flatten())
    }
}

/// One policy rule (`api.Rule`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Rule {
    /// The endpoints the rule applies to; exclusive with `nodeSelector`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_selector: Option<Spanned<EndpointSelector>>,
    /// The nodes (host endpoints) the rule applies to; clusterwide only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<Spanned<EndpointSelector>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<Spanned<IngressRule>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ingress_deny: Vec<Spanned<IngressDenyRule>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<Spanned<EgressRule>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub egress_deny: Vec<Spanned<EgressDenyRule>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<RuleLabel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_default_deny: Option<DefaultDenyConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log: Option<LogConfig>,
}

impl Rule {
    /// Whether the rule puts its subjects into ingress default-deny: the
    /// explicit setting, else whether it has ingress or ingressDeny rules.
    #[cfg(test)]
    pub(crate) fn default_deny_ingress(&self) -> bool {
        self.enable_default_deny
            .as_ref()
            .and_then(|d| d.ingress.as_ref())
            .map_or(
                !self.ingress.is_empty() || !self.ingress_deny.is_empty(),
                |b| b.value,
            )
    }

    /// As [`Rule::default_deny_ingress`], for egress.
    #[cfg(test)]
    pub(crate) fn default_deny_egress(&self) -> bool {
        self.enable_default_deny
            .as_ref()
            .and_then(|d| d.egress.as_ref())
            .map_or(
                !self.egress.is_empty() || !self.egress_deny.is_empty(),
                |b| b.value,
            )
    }
}

/// A rule label (`labels.Label`).
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleLabel {
    pub key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DefaultDenyConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Spanned<bool>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub egress: Option<Spanned<bool>>,
}

/// Hubble logging for flows matching the policy.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Spanned<String>>,
}

/// Declares an ingress rule struct: the peer fields every ingress rule has
/// (`IngressCommonRule`), then `$extra`. A list that is present but empty
/// selects nothing, unlike an absent one, so peer lists stay `Option`.
macro_rules! ingress_rule {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, Deserialize, Serialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub(crate) struct $name {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub from_endpoints: Option<Vec<Spanned<EndpointSelector>>>,
            /// Removed in Cilium 1.19 (the CRD allows no items); read in any
            /// shape only to report it.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub from_requires: Option<Vec<Spanned<Removed>>>,
            #[serde(default, rename = "fromCIDR", skip_serializing_if = "Option::is_none")]
            pub from_cidr: Option<Vec<Spanned<Cidr>>>,
            #[serde(default, rename = "fromCIDRSet", skip_serializing_if = "Option::is_none")]
            pub from_cidr_set: Option<Vec<Spanned<CidrRule>>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub from_entities: Option<Vec<Spanned<Entity>>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub from_groups: Option<Vec<Spanned<Groups>>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub from_nodes: Option<Vec<Spanned<EndpointSelector>>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub to_ports: Option<Vec<Spanned<PortRule>>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub icmps: Option<Vec<Spanned<IcmpRule>>>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $name {
            /// The L3 peer fields that are set and non-empty, with the span
            /// of their first entry; Cilium allows one per rule.
            pub(crate) fn l3_members(&self) -> Vec<(&'static str, crate::model::Span)> {
                let mut out = Vec::new();
                push_first(&mut out, "fromEndpoints", &self.from_endpoints);
                push_first(&mut out, "fromCIDR", &self.from_cidr);
                push_first(&mut out, "fromCIDRSet", &self.from_cidr_set);
                push_first(&mut out, "fromEntities", &self.from_entities);
                push_first(&mut out, "fromNodes", &self.from_nodes);
                push_first(&mut out, "fromGroups", &self.from_groups);
                out
            }
        }
    };
}

/// As [`ingress_rule`], for egress (`EgressCommonRule`).
macro_rules! egress_rule {
    ($(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, Deserialize, Serialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub(crate) struct $name {
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub to_endpoints: Option<Vec<Spanned<EndpointSelector>>>,
            /// Removed in Cilium 1.19 (the CRD allows no items); read in any
            /// shape only to report it.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub to_requires: Option<Vec<Spanned<Removed>>>,
            #[serde(default, rename = "toCIDR", skip_serializing_if = "Option::is_none")]
            pub to_cidr: Option<Vec<Spanned<Cidr>>>,
            #[serde(default, rename = "toCIDRSet", skip_serializing_if = "Option::is_none")]
            pub to_cidr_set: Option<Vec<Spanned<CidrRule>>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub to_entities: Option<Vec<Spanned<Entity>>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub to_services: Option<Vec<Spanned<Service>>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub to_groups: Option<Vec<Spanned<Groups>>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub to_nodes: Option<Vec<Spanned<EndpointSelector>>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub to_ports: Option<Vec<Spanned<PortRule>>>,
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub icmps: Option<Vec<Spanned<IcmpRule>>>,
            /// Not part of the deny API; read there only to report it.
            #[serde(default, rename = "toFQDNs", skip_serializing_if = "Option::is_none")]
            pub to_fqdns: Option<Vec<Spanned<FqdnSelector>>>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $name {
            /// The L3 peer fields that are set and non-empty (including
            /// `toFQDNs`), with the span of their first entry.
            pub(crate) fn l3_members(&self) -> Vec<(&'static str, crate::model::Span)> {
                let mut out = Vec::new();
                push_first(&mut out, "toEndpoints", &self.to_endpoints);
                push_first(&mut out, "toCIDR", &self.to_cidr);
                push_first(&mut out, "toCIDRSet", &self.to_cidr_set);
                push_first(&mut out, "toEntities", &self.to_entities);
                push_first(&mut out, "toServices", &self.to_services);
                push_first(&mut out, "toGroups", &self.to_groups);
                push_first(&mut out, "toNodes", &self.to_nodes);
                push_first(&mut out, "toFQDNs", &self.to_fqdns);
                out
            }
        }
    };
}

/// A value of a removed field, accepted in any shape so that the check pass
/// can say the field is gone rather than that its shape is wrong.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Removed;

impl Serialize for Removed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_unit()
    }
}

impl<'de> Deserialize<'de> for Removed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(d).map(|_| Removed)
    }
}

fn push_first<T>(
    out: &mut Vec<(&'static str, crate::model::Span)>,
    name: &'static str,
    list: &Option<Vec<Spanned<T>>>,
) {
    if let Some(first) = list.as_ref().and_then(|l| l.first()) {
        out.push((name, first.span));
    }
}

ingress_rule!(
    /// An ingress allow rule: the L3 peers, ports and ICMP types present are ANDed.
    IngressRule {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authentication: Option<Spanned<Authentication>>,
    }
);

ingress_rule!(
    /// An ingress deny rule. `toPorts` is typed as in allow rules so L7
    /// parts can be reported; Cilium's deny API has ports only.
    IngressDenyRule {}
);

egress_rule!(
    /// An egress allow rule.
    EgressRule {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        authentication: Option<Spanned<Authentication>>,
    }
);

egress_rule!(
    /// An egress deny rule (no FQDNs, no L7; see [`IngressDenyRule`]).
    EgressDenyRule {}
);

/// A CIDR with exceptions, or a reference to CiliumCIDRGroups: exactly one
/// of `cidr`, `cidrGroupRef` and `cidrGroupSelector`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CidrRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr: Option<Spanned<Cidr>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_group_ref: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cidr_group_selector: Option<Spanned<EndpointSelector>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<Spanned<Cidr>>,
}

/// A named class of peers (`api.Entity`).
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Entity {
    #[serde(rename = "all")]
    All,
    #[serde(rename = "world")]
    World,
    #[serde(rename = "world-ipv4")]
    WorldIpv4,
    #[serde(rename = "world-ipv6")]
    WorldIpv6,
    #[serde(rename = "cluster")]
    Cluster,
    #[serde(rename = "host")]
    Host,
    #[serde(rename = "init")]
    Init,
    #[serde(rename = "ingress")]
    Ingress,
    #[serde(rename = "unmanaged")]
    Unmanaged,
    #[serde(rename = "remote-node")]
    RemoteNode,
    #[serde(rename = "health")]
    Health,
    #[serde(rename = "none")]
    None,
    #[serde(rename = "kube-apiserver")]
    KubeApiserver,
}

/// Cloud-provider groups (AWS security groups).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Groups {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsGroup>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AwsGroup {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub security_groups_names: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// A Kubernetes Service as an egress peer.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Service {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k8s_service: Option<Spanned<K8sServiceNamespace>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k8s_service_selector: Option<Spanned<K8sServiceSelectorNamespace>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct K8sServiceNamespace {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_name: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Spanned<String>>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct K8sServiceSelectorNamespace {
    pub selector: Spanned<EndpointSelector>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Spanned<String>>,
}

/// A DNS name or pattern: exactly one of `matchName` and `matchPattern`.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct FqdnSelector {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_name: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub match_pattern: Option<Spanned<String>>,
}

/// Mutual authentication for allowed traffic.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Authentication {
    pub mode: Spanned<AuthenticationMode>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
pub(crate) enum AuthenticationMode {
    #[serde(rename = "disabled")]
    Disabled,
    #[serde(rename = "required")]
    Required,
    #[serde(rename = "test-always-fail")]
    TestAlwaysFail,
}

// ---------------------------------------------------------------------------
// Ports and L7
// ---------------------------------------------------------------------------

/// Ports, optionally with TLS, SNI, a listener and L7 rules (`api.PortRule`).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PortRule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Spanned<PortProtocol>>,
    #[serde(
        default,
        rename = "terminatingTLS",
        skip_serializing_if = "Option::is_none"
    )]
    pub terminating_tls: Option<Spanned<TlsContext>>,
    #[serde(
        default,
        rename = "originatingTLS",
        skip_serializing_if = "Option::is_none"
    )]
    pub originating_tls: Option<Spanned<TlsContext>>,
    /// Allowed TLS SNI values (`*.x` one label, `**.x` any number).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_names: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub listener: Option<Spanned<Listener>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rules: Option<Spanned<L7Rules>>,
}

impl PortRule {}

/// A port (or range) and protocol.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PortProtocol {
    /// A number 0–65535 (0 means every port) or a port name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<Spanned<CiliumPort>>,
    /// Range end (0–65535); ignored for named ports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_port: Option<Spanned<EndPort>>,
    /// Absent means ANY (TCP, UDP and SCTP).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub protocol: Option<Spanned<L4Proto>>,
}

impl PortProtocol {
    pub(crate) fn protocol(&self) -> L4Proto {
        self.protocol.as_ref().map_or(L4Proto::Any, |p| p.value)
    }
}

/// A Cilium port: written as a string, a number 0–65535 or an IANA
/// service name (1–15 characters), which Cilium lower-cases.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum CiliumPort {
    Number(u16),
    Name(String),
}

impl fmt::Display for CiliumPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CiliumPort::Number(n) => write!(f, "{n}"),
            CiliumPort::Name(n) => f.write_str(n),
        }
    }
}

impl Serialize for CiliumPort {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// `iana.IsSvcName`.
fn is_svc_name(name: &str) -> bool {
    let b = name.as_bytes();
    if b.is_empty() || b.len() > 15 || !b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-') {
        return false;
    }
    // ([a-zA-Z0-9]-?)*[a-zA-Z](-?[a-zA-Z0-9])*: no leading, trailing or
    // doubled hyphen, and at least one letter.
    b[0] != b'-'
        && b[b.len() - 1] != b'-'
        && !name.contains("--")
        && b.iter().any(u8::is_ascii_alphabetic)
}

impl<'de> Deserialize<'de> for CiliumPort {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IntOrString::deserialize(d)? {
            IntOrString::Int(n) => Err(de::Error::custom(format!(
                "Cilium ports are strings: write \"{n}\" (quoted)"
            ))),
            IntOrString::Str(s) => {
                if is_svc_name(&s) {
                    return Ok(CiliumPort::Name(s.to_ascii_lowercase()));
                }
                if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
                    return match s.parse::<u32>() {
                        Ok(n) if n <= 65535 => Ok(CiliumPort::Number(n as u16)),
                        _ => Err(de::Error::custom(format!(
                            "port {s} is out of range 0-65535"
                        ))),
                    };
                }
                Err(de::Error::custom(format!(
                    "invalid port `{s}`: expected a number 0-65535 or a port name (1-15 letters, digits and single hyphens)"
                )))
            }
        }
    }
}

/// A range end, 0–65535.
#[derive(Clone, Copy, Debug, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(transparent)]
pub(crate) struct EndPort(pub u16);

impl<'de> Deserialize<'de> for EndPort {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IntOrString::deserialize(d)? {
            IntOrString::Int(n) => u16::try_from(n)
                .map(EndPort)
                .map_err(|_| de::Error::custom(format!("endPort {n} is out of range 0-65535"))),
            IntOrString::Str(s) => Err(de::Error::custom(format!(
                "endPort is a number, found string `{s}`"
            ))),
        }
    }
}

/// `toPorts` protocols (the CRD enum; ICMP goes in `icmps`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum L4Proto {
    Tcp,
    Udp,
    Sctp,
    Vrrp,
    Igmp,
    /// TCP, UDP and SCTP.
    Any,
}

impl fmt::Display for L4Proto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            L4Proto::Tcp => "TCP",
            L4Proto::Udp => "UDP",
            L4Proto::Sctp => "SCTP",
            L4Proto::Vrrp => "VRRP",
            L4Proto::Igmp => "IGMP",
            L4Proto::Any => "ANY",
        })
    }
}

impl Serialize for L4Proto {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for L4Proto {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Ok(match text.as_str() {
            "TCP" => L4Proto::Tcp,
            "UDP" => L4Proto::Udp,
            "SCTP" => L4Proto::Sctp,
            "VRRP" => L4Proto::Vrrp,
            "IGMP" => L4Proto::Igmp,
            "ANY" => L4Proto::Any,
            "ICMP" | "ICMPv6" | "ICMPV6" => {
                return Err(de::Error::custom(format!(
                    "toPorts cannot match {text}: use `icmps: [{{fields: [{{type: ...}}]}}]` instead"
                )));
            }
            other => {
                let upper = other.to_ascii_uppercase();
                let hint =
                    if ["TCP", "UDP", "SCTP", "VRRP", "IGMP", "ANY"].contains(&upper.as_str()) {
                        format!(" (write `{upper}`)")
                    } else {
                        String::new()
                    };
                return Err(de::Error::custom(format!(
                    "unknown protocol `{other}`: expected TCP, UDP, SCTP, VRRP, IGMP or ANY{hint}"
                )));
            }
        })
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TlsContext {
    pub secret: Secret,
    #[serde(default, rename = "trustedCA", skip_serializing_if = "Option::is_none")]
    pub trusted_ca: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub private_key: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Secret {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: Spanned<String>,
}

/// A custom Envoy listener to redirect to.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Listener {
    pub envoy_config: EnvoyConfig,
    pub name: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Spanned<u8>>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EnvoyConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<EnvoyConfigKind>,
    pub name: Spanned<String>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub(crate) enum EnvoyConfigKind {
    CiliumEnvoyConfig,
    CiliumClusterwideEnvoyConfig,
}

/// L7 rules: one kind per port rule (checked after typing). Within a kind a
/// request passes if any entry matches; an empty list allows everything.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct L7Rules {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<Vec<Spanned<PortRuleHttp>>>,
    /// Deprecated beta.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kafka: Option<Vec<Spanned<KafkaRule>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns: Option<Vec<Spanned<FqdnSelector>>>,
    /// A proxylib parser (`cassandra`, `memcache`, ...) for `l7`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l7proto: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub l7: Option<Vec<Spanned<L7Rule>>>,
    /// The rules compiled once, regexes included: the check stage reports
    /// its problems, lowering takes its IR (`lower::compiled`).
    #[serde(skip)]
    pub compiled: std::sync::OnceLock<lower::CompiledL7>,
}

impl L7Rules {
    /// Cilium's `L7Rules.IsEmpty`: no list of any kind, and no `l7proto`.
    pub(crate) fn is_empty(&self) -> bool {
        self.http.is_none()
            && self.kafka.is_none()
            && self.dns.is_none()
            && self.l7proto.is_none()
            && self.l7.is_none()
    }
}

/// One generic L7 rule: keys and values the `l7proto` parser interprets.
pub(crate) type L7Rule = BTreeMap<Spanned<String>, Spanned<String>>;

/// An HTTP rule. `path`, `method` and `host` are regular expressions
/// (RE2, matched against the whole value by Envoy).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PortRuleHttp {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Spanned<String>>,
    /// `Name` (present) or `Name: value` (exact value).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header_matches: Vec<Spanned<HeaderMatch>>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct HeaderMatch {
    /// Absent means the request must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mismatch: Option<Spanned<MismatchAction>>,
    pub name: Spanned<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<Secret>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Spanned<String>>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
pub(crate) enum MismatchAction {
    #[serde(rename = "LOG")]
    Log,
    #[serde(rename = "ADD")]
    Add,
    #[serde(rename = "DELETE")]
    Delete,
    #[serde(rename = "REPLACE")]
    Replace,
}

/// A Kafka rule (`role` or `apiKey`, plus version, client and topic).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct KafkaRule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Spanned<String>>,
    #[serde(default, rename = "apiKey", skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Spanned<String>>,
    #[serde(
        default,
        rename = "apiVersion",
        skip_serializing_if = "Option::is_none"
    )]
    pub api_version: Option<Spanned<String>>,
    #[serde(default, rename = "clientID", skip_serializing_if = "Option::is_none")]
    pub client_id: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<Spanned<String>>,
}

// ---------------------------------------------------------------------------
// ICMP
// ---------------------------------------------------------------------------

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IcmpRule {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Spanned<IcmpField>>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IcmpField {
    /// Absent means IPv4.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<Spanned<IcmpFamily>>,
    #[serde(rename = "type")]
    pub icmp_type: Spanned<IcmpType>,
}

impl IcmpField {
    pub(crate) fn family(&self) -> IcmpFamily {
        self.family.as_ref().map_or(IcmpFamily::IPv4, |f| f.value)
    }

    /// The numeric type, resolving a name for the field's family; `None` for
    /// a name the family does not have (reported by the check pass).
    pub(crate) fn type_number(&self) -> Option<u8> {
        match &self.icmp_type.value {
            IcmpType::Number(n) => Some(*n),
            IcmpType::Name(name) => icmp_type_by_name(self.family(), name),
        }
    }
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
pub(crate) enum IcmpFamily {
    IPv4,
    IPv6,
}

/// An ICMP type: a number 0–255 or a CamelCase name (`EchoRequest`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum IcmpType {
    Number(u8),
    Name(String),
}

impl Serialize for IcmpType {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            IcmpType::Number(n) => s.serialize_u8(*n),
            IcmpType::Name(n) => s.serialize_str(n),
        }
    }
}

impl<'de> Deserialize<'de> for IcmpType {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let number = |n: i64| {
            u8::try_from(n)
                .map(IcmpType::Number)
                .map_err(|_| de::Error::custom(format!("ICMP type {n} is out of range 0-255")))
        };
        match IntOrString::deserialize(d)? {
            IntOrString::Int(n) => number(n),
            IntOrString::Str(s) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
                number(s.parse::<i64>().unwrap_or(i64::MAX))
            }
            IntOrString::Str(s) => Ok(IcmpType::Name(s)),
        }
    }
}

const ICMPV4_TYPES: &[(&str, u8)] = &[
    ("EchoReply", 0),
    ("DestinationUnreachable", 3),
    ("Redirect", 5),
    ("Echo", 8),
    ("EchoRequest", 8),
    ("RouterAdvertisement", 9),
    ("RouterSelection", 10),
    ("TimeExceeded", 11),
    ("ParameterProblem", 12),
    ("Timestamp", 13),
    ("TimestampReply", 14),
    ("Photuris", 40),
    ("ExtendedEchoRequest", 42),
    ("ExtendedEchoReply", 43),
];

const ICMPV6_TYPES: &[(&str, u8)] = &[
    ("DestinationUnreachable", 1),
    ("PacketTooBig", 2),
    ("TimeExceeded", 3),
    ("ParameterProblem", 4),
    ("EchoRequest", 128),
    ("EchoReply", 129),
    ("MulticastListenerQuery", 130),
    ("MulticastListenerReport", 131),
    ("MulticastListenerDone", 132),
    ("RouterSolicitation", 133),
    ("RouterAdvertisement", 134),
    ("NeighborSolicitation", 135),
    ("NeighborAdvertisement", 136),
    ("RedirectMessage", 137),
    ("RouterRenumbering", 138),
    ("ICMPNodeInformationQuery", 139),
    ("ICMPNodeInformationResponse", 140),
    ("InverseNeighborDiscoverySolicitation", 141),
    ("InverseNeighborDiscoveryAdvertisement", 142),
    ("HomeAgentAddressDiscoveryRequest", 144),
    ("HomeAgentAddressDiscoveryReply", 145),
    ("MobilePrefixSolicitation", 146),
    ("MobilePrefixAdvertisement", 147),
    ("DuplicateAddressRequestCodeSuffix", 157),
    ("DuplicateAddressConfirmationCodeSuffix", 158),
    ("ExtendedEchoRequest", 160),
    ("ExtendedEchoReply", 161),
];

/// The ICMP type number Cilium gives `name` in `family`.
pub(crate) fn icmp_type_by_name(family: IcmpFamily, name: &str) -> Option<u8> {
    let table = match family {
        IcmpFamily::IPv4 => ICMPV4_TYPES,
        IcmpFamily::IPv6 => ICMPV6_TYPES,
    };
    table.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}
