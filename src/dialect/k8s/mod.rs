//! networking.k8s.io/v1 NetworkPolicy, typed exactly as the API defines it
//! (unknown fields are errors, as with kubectl's strict validation).
//!
//! `check` holds the API server's cross-field validation, `lower` the
//! compiler into the policy IR for each dataplane.

pub(crate) mod check;
pub(crate) mod lower;

use serde::{Deserialize, Serialize};

use super::PolicySource;
use super::common::{Cidr, LabelSelector, ObjectMeta, Port};
use crate::model::Spanned;
use crate::syntax::de::{DeError, from_node};
use crate::syntax::yaml::SpannedNode;

/// Types `node` as a NetworkPolicy.
pub(crate) fn decode(node: &SpannedNode) -> Result<PolicySource, DeError> {
    from_node(node).map(PolicySource::NetworkPolicy)
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NetworkPolicy {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    pub spec: NetworkPolicySpec,
    /// Accepted (kubectl get -o yaml carries it) and ignored.
    #[serde(default, skip_serializing)]
    #[allow(dead_code)]
    pub status: Option<serde::de::IgnoredAny>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NetworkPolicySpec {
    /// `podSelector: null` (or `~`) decodes, as in the API server, to the
    /// empty selector: every pod of the namespace.
    #[serde(deserialize_with = "null_as_default")]
    pub pod_selector: LabelSelector,
    #[serde(default)]
    pub policy_types: Option<Vec<Spanned<PolicyType>>>,
    #[serde(default)]
    pub ingress: Option<Vec<IngressRule>>,
    #[serde(default)]
    pub egress: Option<Vec<EgressRule>>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub(crate) enum PolicyType {
    Ingress,
    Egress,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IngressRule {
    #[serde(default)]
    pub from: Option<Vec<Spanned<Peer>>>,
    #[serde(default)]
    pub ports: Option<Vec<Spanned<NetworkPolicyPort>>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EgressRule {
    #[serde(default)]
    pub to: Option<Vec<Spanned<Peer>>>,
    #[serde(default)]
    pub ports: Option<Vec<Spanned<NetworkPolicyPort>>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct Peer {
    #[serde(default)]
    pub pod_selector: Option<LabelSelector>,
    #[serde(default)]
    pub namespace_selector: Option<LabelSelector>,
    #[serde(default)]
    pub ip_block: Option<IpBlock>,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct IpBlock {
    pub cidr: Spanned<Cidr>,
    #[serde(default)]
    pub except: Vec<Spanned<Cidr>>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct NetworkPolicyPort {
    #[serde(default)]
    pub protocol: Option<Spanned<Protocol>>,
    #[serde(default)]
    pub port: Option<Spanned<Port>>,
    #[serde(default)]
    pub end_port: Option<Spanned<i64>>,
}

/// The L4 protocols Kubernetes network APIs name.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[serde(rename_all = "UPPERCASE")]
pub(crate) enum Protocol {
    Tcp,
    Udp,
    Sctp,
}
