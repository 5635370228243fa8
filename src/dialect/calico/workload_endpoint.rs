//! Calico's WorkloadEndpoint: an endpoint as Calico stores it (what
//! `calicoctl get workloadendpoints -o yaml` prints), read as an endpoint of
//! the cluster. Fields as libcalico-go `lib/apis/v3/workloadendpoint.go`
//! defines them; unknown fields are errors.

use serde::{Deserialize, Serialize};

use super::Protocol;
use crate::dialect::common::{Net, ObjectMeta, PortNumber, validate_port_name};
use crate::model::policy::implicit;
use crate::model::{AddressSource, Endpoint, NamedPort, Proto, Span, Spanned};
use crate::syntax::Problem;

/// A workload's interface and the profiles and labels policy sees for it.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct WorkloadEndpoint {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: WorkloadEndpointSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct WorkloadEndpointSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orchestrator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node: Option<String>,
    #[serde(
        default,
        rename = "containerID",
        skip_serializing_if = "Option::is_none"
    )]
    pub container_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pod: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
    /// The endpoint's addresses (/32 or /128 networks).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ip_networks: Vec<Spanned<Net>>,
    #[serde(default, rename = "ipNATs", skip_serializing_if = "Vec::is_empty")]
    pub ip_nats: Vec<IpNat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv4_gateway: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipv6_gateway: Option<String>,
    /// Profiles applied after the tiers, in this order; the endpoint also
    /// inherits their `labelsToApply`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interface_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<Spanned<WorkloadEndpointPort>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_spoofed_source_prefixes: Vec<String>,
}

/// A 1:1 NAT mapping onto one of the endpoint's addresses.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct IpNat {
    #[serde(default, rename = "internalIP")]
    pub internal_ip: Option<String>,
    #[serde(default, rename = "externalIP")]
    pub external_ip: Option<String>,
}

/// A named (or host-mapped) port of the endpoint.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct WorkloadEndpointPort {
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    pub protocol: Spanned<Protocol>,
    pub port: Spanned<PortNumber>,
    #[serde(default)]
    pub host_port: Option<u16>,
    #[serde(default, rename = "hostIP")]
    pub host_ip: Option<String>,
}

impl WorkloadEndpoint {
    /// What Calico's validator rejects: bad port names, ports on
    /// protocols without ports.
    pub(crate) fn check(&self, out: &mut Vec<Problem>) {
        for port in &self.spec.ports {
            if let Some(name) = port.name.as_ref().filter(|n| !n.is_empty())
                && let Err(e) = validate_port_name(name)
            {
                out.push(Problem::new(name.span, e));
            }
            if !port.protocol.supports_ports() {
                out.push(
                    Problem::new(
                        port.protocol.span,
                        format!("protocol {} has no ports", port.protocol.value),
                    )
                    .help("an endpoint port's protocol is TCP, UDP or SCTP"),
                );
            }
        }
    }

    /// The endpoint: named after its pod (or workload, or the object), in
    /// its namespace, at the addresses of `ipNetworks`, with the profiles it
    /// lists. Calico's client sets `projectcalico.org/namespace` and
    /// `projectcalico.org/orchestrator` on every WorkloadEndpoint
    /// (clientv3 workloadendpoint.go), and the Kubernetes conversion sets
    /// `projectcalico.org/serviceaccount` (workload_endpoint_default.go).
    pub(crate) fn endpoint(&self, span: Span) -> Endpoint {
        let spec = &self.spec;
        let namespace = self
            .metadata
            .namespace
            .as_ref()
            .map(|n| n.value.clone())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "default".to_string());
        let name = [&spec.pod, &spec.workload]
            .into_iter()
            .flatten()
            .find(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| self.metadata.name().to_string());
        let mut labels = self.metadata.labels();
        labels.insert(implicit::NAMESPACE.to_string(), namespace.clone());
        if let Some(o) = spec.orchestrator.as_ref().filter(|o| !o.is_empty()) {
            labels.insert(implicit::ORCHESTRATOR.to_string(), o.clone());
        }
        if let Some(sa) = spec.service_account_name.as_ref().filter(|s| !s.is_empty()) {
            labels.insert(implicit::SERVICE_ACCOUNT.to_string(), sa.clone());
        }
        let service_account = labels
            .get(implicit::SERVICE_ACCOUNT)
            .cloned()
            .unwrap_or_else(|| "default".to_string());
        let ports = spec
            .ports
            .iter()
            .filter_map(|p| {
                let name = p.name.as_ref().filter(|n| !n.is_empty())?;
                Some(NamedPort {
                    name: name.value.clone(),
                    port: p.port.value.0,
                    protocol: Proto(p.protocol.value.number()),
                })
            })
            .collect();
        Endpoint {
            namespace,
            name,
            labels,
            service_account,
            ips: spec
                .ip_networks
                .iter()
                .map(|n| n.value.0.net.addr())
                .collect(),
            address_source: AddressSource::IpNetworks,
            ports,
            host_network: false,
            node: spec.node.clone().filter(|n| !n.is_empty()),
            owner: None,
            phase: None,
            profiles: Some(spec.profiles.iter().map(|p| p.value.clone()).collect()),
            origin: span,
        }
    }
}
