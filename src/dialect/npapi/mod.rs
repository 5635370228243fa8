//! policy.networking.k8s.io: AdminNetworkPolicy and
//! BaselineAdminNetworkPolicy (v1alpha1) and ClusterNetworkPolicy (v1alpha2),
//! from kubernetes-sigs/network-policy-api `apis/`.
//!
//! `check` holds the CRDs' validation, `lower` the compiler into the policy
//! IR for each dataplane.

pub(crate) mod check;
pub(crate) mod lower;

use serde::{Deserialize, Serialize};

use super::PolicySource;
use super::common::{Cidr, LabelSelector, ObjectMeta, PortNumber};
use crate::model::Spanned;
use crate::syntax::de::{DeError, from_node};
use crate::syntax::yaml::SpannedNode;

/// Types `node` as the policy.networking.k8s.io `kind`; `None` for a kind
/// this module does not read.
pub(crate) fn decode(kind: &str, node: &SpannedNode) -> Option<Result<PolicySource, DeError>> {
    Some(match kind {
        "AdminNetworkPolicy" => from_node(node).map(PolicySource::AdminNetworkPolicy),
        "BaselineAdminNetworkPolicy" => {
            from_node(node).map(PolicySource::BaselineAdminNetworkPolicy)
        }
        "ClusterNetworkPolicy" => from_node(node).map(PolicySource::ClusterNetworkPolicy),
        _ => return None,
    })
}

/// AdminNetworkPolicy; a BaselineAdminNetworkPolicy has the same shape
/// without `priority` and without the Pass action.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdminNetworkPolicy {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: AdminNetworkPolicySpec,
    /// Accepted (kubectl get -o yaml carries it) and ignored.
    #[serde(default, skip_serializing)]
    #[allow(dead_code)]
    pub status: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AdminNetworkPolicySpec {
    /// Required for AdminNetworkPolicy, absent for the baseline.
    #[serde(default)]
    pub priority: Option<Spanned<i64>>,
    pub subject: Spanned<Subject>,
    #[serde(default)]
    pub ingress: Vec<AnpIngressRule>,
    #[serde(default)]
    pub egress: Vec<AnpEgressRule>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct Subject {
    #[serde(default)]
    pub namespaces: Option<LabelSelector>,
    #[serde(default)]
    pub pods: Option<NamespacedPod>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NamespacedPod {
    #[serde(default)]
    pub namespace_selector: LabelSelector,
    pub pod_selector: LabelSelector,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub(crate) enum AnpAction {
    Allow,
    Deny,
    Pass,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnpIngressRule {
    #[serde(default)]
    pub name: Option<String>,
    pub action: Spanned<AnpAction>,
    pub from: Vec<Spanned<AnpPeer>>,
    #[serde(default)]
    pub ports: Option<Vec<Spanned<AnpPort>>>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnpEgressRule {
    #[serde(default)]
    pub name: Option<String>,
    pub action: Spanned<AnpAction>,
    pub to: Vec<Spanned<AnpPeer>>,
    #[serde(default)]
    pub ports: Option<Vec<Spanned<AnpPort>>>,
}

/// Exactly one field is set (checked after typing).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AnpPeer {
    #[serde(default)]
    pub namespaces: Option<LabelSelector>,
    #[serde(default)]
    pub pods: Option<NamespacedPod>,
    #[serde(default)]
    pub nodes: Option<LabelSelector>,
    #[serde(default)]
    pub networks: Option<Vec<Spanned<Cidr>>>,
    #[serde(default)]
    pub domain_names: Option<Vec<Spanned<String>>>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct AnpPort {
    #[serde(default)]
    pub port_number: Option<AnpPortNumber>,
    #[serde(default)]
    pub named_port: Option<Spanned<String>>,
    #[serde(default)]
    pub port_range: Option<AnpPortRange>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnpPortNumber {
    #[serde(default)]
    pub protocol: Option<Spanned<super::k8s::Protocol>>,
    pub port: PortNumber,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct AnpPortRange {
    #[serde(default)]
    pub protocol: Option<Spanned<super::k8s::Protocol>>,
    pub start: Spanned<PortNumber>,
    pub end: Spanned<PortNumber>,
}

/// ClusterNetworkPolicy (v1alpha2), the successor of ANP/BANP.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClusterNetworkPolicy {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: ClusterNetworkPolicySpec,
    /// Accepted (kubectl get -o yaml carries it) and ignored.
    #[serde(default, skip_serializing)]
    #[allow(dead_code)]
    pub status: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub(crate) enum CnpTier {
    Admin,
    Baseline,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub(crate) enum CnpAction {
    Accept,
    Deny,
    Pass,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ClusterNetworkPolicySpec {
    pub tier: Spanned<CnpTier>,
    pub priority: Spanned<i64>,
    pub subject: Spanned<Subject>,
    #[serde(default)]
    pub ingress: Vec<CnpIngressRule>,
    #[serde(default)]
    pub egress: Vec<CnpEgressRule>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CnpIngressRule {
    #[serde(default)]
    pub name: Option<String>,
    pub action: Spanned<CnpAction>,
    pub from: Vec<Spanned<AnpPeer>>,
    #[serde(default)]
    pub protocols: Option<Vec<Spanned<CnpProtocol>>>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CnpEgressRule {
    #[serde(default)]
    pub name: Option<String>,
    pub action: Spanned<CnpAction>,
    pub to: Vec<Spanned<AnpPeer>>,
    #[serde(default)]
    pub protocols: Option<Vec<Spanned<CnpProtocol>>>,
}

/// Exactly one field is set (checked after typing).
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CnpProtocol {
    #[serde(default)]
    pub tcp: Option<CnpProtocolPorts>,
    #[serde(default)]
    pub udp: Option<CnpProtocolPorts>,
    #[serde(default)]
    pub sctp: Option<CnpProtocolPorts>,
    #[serde(default)]
    pub destination_named_port: Option<Spanned<String>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct CnpProtocolPorts {
    #[serde(default)]
    pub destination_port: Option<Spanned<CnpPort>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CnpPort {
    #[serde(default)]
    pub number: Option<PortNumber>,
    #[serde(default)]
    pub range: Option<CnpPortRange>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct CnpPortRange {
    pub start: Spanned<PortNumber>,
    pub end: Spanned<PortNumber>,
}
