//! Kubernetes core and workload objects: the endpoints that policies select.
//! Only the fields with network meaning are typed; the rest of a pod spec is
//! ignored, as a network plugin ignores it.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::Manifest;
use super::common::{
    IntOrString, Ip, LabelSelector, NameRule, ObjectMeta, PortNumber, port_number, protocol_of,
    validate_port_name,
};
use crate::model::{Proto, Spanned, TargetPort, WorkloadKind};
use crate::syntax::Problem;
use crate::syntax::de::{DeError, from_node};
use crate::syntax::yaml;

/// Types `node` as the core or workload `kind`; `None` for a kind this
/// module does not read.
pub(crate) fn decode(kind: &str, node: &yaml::SpannedNode) -> Option<Result<Manifest, DeError>> {
    let workload = |kind| from_node(node).map(|w| Manifest::Workload(kind, w));
    Some(match kind {
        "Namespace" => from_node(node).map(Manifest::Namespace),
        "Pod" => from_node(node).map(Manifest::Pod),
        "Service" => from_node(node).map(Manifest::Service),
        "ServiceAccount" => from_node(node).map(Manifest::ServiceAccount),
        "Node" => from_node(node).map(Manifest::Node),
        "Deployment" => workload(WorkloadKind::Deployment),
        "StatefulSet" => workload(WorkloadKind::StatefulSet),
        "DaemonSet" => workload(WorkloadKind::DaemonSet),
        "ReplicaSet" => workload(WorkloadKind::ReplicaSet),
        "Job" => from_node(node).map(Manifest::Job),
        "CronJob" => from_node(node).map(Manifest::CronJob),
        _ => return None,
    })
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct Namespace {
    pub metadata: ObjectMeta,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct ServiceAccount {
    pub metadata: ObjectMeta,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct Pod {
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
    #[serde(default)]
    pub status: Option<PodStatus>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PodSpec {
    #[serde(default)]
    pub containers: Vec<Container>,
    #[serde(default)]
    pub init_containers: Vec<Container>,
    #[serde(default)]
    pub service_account_name: Option<String>,
    /// Deprecated alias of `serviceAccountName`, still honoured by the API server.
    #[serde(default)]
    pub service_account: Option<String>,
    #[serde(default)]
    pub host_network: bool,
    #[serde(default)]
    pub node_name: Option<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Container {
    pub name: String,
    #[serde(default)]
    pub ports: Vec<ContainerPort>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ContainerPort {
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    /// Read as written and checked by `PodSpec::check`, so that every bad
    /// port of a pod is reported at once.
    pub container_port: Spanned<IntOrString>,
    #[serde(default)]
    pub protocol: Option<Spanned<String>>,
    #[serde(default)]
    pub host_port: Option<i64>,
}

impl ContainerPort {
    /// The port number; `None` when it is invalid (reported by the check).
    pub(crate) fn number(&self) -> Option<PortNumber> {
        PortNumber::parse(&self.container_port.value).ok()
    }
}

impl PodSpec {
    /// What the API server's pod validation refuses in the fields polctl
    /// reads: every bad container port. Port names are checked where the
    /// pod becomes an endpoint.
    pub(crate) fn check(&self, out: &mut Vec<Problem>) {
        for c in self.containers.iter().chain(&self.init_containers) {
            for p in &c.ports {
                if let Err(e) = PortNumber::parse(&p.container_port.value) {
                    out.push(Problem::new(p.container_port.span, e));
                }
            }
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PodStatus {
    #[serde(default)]
    pub phase: Option<String>,
    /// Addresses are read as written and checked by `Pod::check`, so that
    /// a bad address does not hide the other problems of the pod.
    #[serde(default, rename = "podIP")]
    pub pod_ip: Option<Spanned<String>>,
    #[serde(default, rename = "podIPs")]
    pub pod_ips: Vec<PodIp>,
    #[serde(default, rename = "hostIP")]
    pub host_ip: Option<Spanned<String>>,
}

impl PodStatus {
    /// The valid pod addresses: `podIPs`, with `podIP` first when it is
    /// not among them (bad ones are reported by `Pod::check`).
    pub(crate) fn ips(&self) -> Vec<IpAddr> {
        let parse = |written: &Spanned<String>| Ip::parse(&written.value).ok().map(|ip| ip.0);
        let mut ips: Vec<IpAddr> = self.pod_ips.iter().filter_map(|p| parse(&p.ip)).collect();
        if let Some(ip) = self.pod_ip.as_ref().and_then(parse)
            && !ips.contains(&ip)
        {
            ips.insert(0, ip);
        }
        ips
    }
}

impl Pod {
    pub(crate) fn check(&self, out: &mut Vec<Problem>) {
        self.spec.check(out);
        let Some(status) = &self.status else { return };
        let written = status.pod_ip.iter();
        let written = written.chain(status.pod_ips.iter().map(|p| &p.ip));
        for ip in written.chain(&status.host_ip) {
            if let Err(e) = Ip::parse(&ip.value) {
                out.push(Problem::new(ip.span, e));
            }
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct PodIp {
    pub ip: Spanned<String>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct PodTemplateSpec {
    #[serde(default)]
    pub metadata: ObjectMeta,
    pub spec: PodSpec,
}

/// Deployment, StatefulSet, DaemonSet and ReplicaSet share this shape.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct Workload {
    pub metadata: ObjectMeta,
    pub spec: WorkloadSpec,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct WorkloadSpec {
    #[serde(default)]
    pub replicas: Option<Spanned<i64>>,
    #[serde(default)]
    pub selector: Option<LabelSelector>,
    pub template: PodTemplateSpec,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct Job {
    pub metadata: ObjectMeta,
    pub spec: JobSpec,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct JobSpec {
    #[serde(default)]
    pub parallelism: Option<Spanned<i64>>,
    pub template: PodTemplateSpec,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct CronJob {
    pub metadata: ObjectMeta,
    pub spec: CronJobSpec,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CronJobSpec {
    pub job_template: JobTemplate,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct JobTemplate {
    pub spec: JobSpec,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct Service {
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: ServiceSpec,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServiceSpec {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub selector: Option<BTreeMap<Spanned<String>, Spanned<String>>>,
    #[serde(default)]
    pub ports: Vec<ServicePort>,
    #[serde(default, rename = "clusterIP")]
    pub cluster_ip: Option<String>,
    #[serde(default, rename = "clusterIPs")]
    pub cluster_ips: Vec<String>,
    #[serde(default, rename = "externalIPs")]
    pub external_ips: Vec<String>,
}

/// A Service port, read as written and checked by `Service::check`, so
/// that every bad port of a Service is reported at once.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ServicePort {
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    pub port: Spanned<IntOrString>,
    #[serde(default)]
    pub target_port: Option<Spanned<IntOrString>>,
    #[serde(default)]
    pub protocol: Option<Spanned<String>>,
}

impl ServicePort {
    pub(crate) fn number(&self) -> Result<u16, String> {
        PortNumber::parse(&self.port.value).map(|p| p.0)
    }

    /// The backend port: a number, or a port name resolved on each backend
    /// pod. Absent, it is the Service port.
    pub(crate) fn target(&self) -> Result<TargetPort, Problem> {
        let Some(written) = &self.target_port else {
            return self
                .number()
                .map(TargetPort::Number)
                .map_err(|e| Problem::new(self.port.span, e));
        };
        match &written.value {
            IntOrString::Int(n) => port_number(*n)
                .map(TargetPort::Number)
                .map_err(|e| Problem::new(written.span, e)),
            // The API server reads a quoted number as a port name, and a
            // port name has a letter (validatePortNumOrName).
            IntOrString::Str(s) => match validate_port_name(s) {
                Ok(()) => Ok(TargetPort::Name(s.clone())),
                Err(e) => {
                    let problem = Problem::new(written.span, e);
                    Err(if s.parse::<i64>().is_ok() {
                        problem
                            .help("a quoted targetPort is a port name: write the number unquoted")
                    } else {
                        problem
                    })
                }
            },
        }
    }

    pub(crate) fn protocol(&self) -> Result<Proto, Problem> {
        protocol_of(self.protocol.as_ref())
    }
}

impl Service {
    /// What the API server's Service validation refuses in the ports, all
    /// at once: the port number, targetPort, protocol, and the names (each
    /// a DNS-1123 label, required and distinct when there are several).
    pub(crate) fn check(&self, out: &mut Vec<Problem>) {
        let ports = &self.spec.ports;
        let mut named: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, p) in ports.iter().enumerate() {
            if let Err(e) = p.number() {
                out.push(Problem::new(p.port.span, e));
            }
            if p.target_port.is_some()
                && let Err(problem) = p.target()
            {
                out.push(problem);
            }
            if let Err(problem) = p.protocol() {
                out.push(problem);
            }
            match &p.name {
                Some(name) => {
                    if let Err(e) = NameRule::Label.validate(&name.value) {
                        let e = e.replacen("a namespace", "a port name", 1);
                        out.push(Problem::new(
                            name.span,
                            format!("invalid Service port name `{}`: {e}", name.value),
                        ));
                    } else if let Some(&first) = named.get(name.value.as_str()) {
                        out.push(Problem::new(
                            name.span,
                            format!(
                                "Service port name `{}` is already the name of spec.ports[{first}]",
                                name.value
                            ),
                        ));
                    } else {
                        named.insert(&name.value, i);
                    }
                }
                None if ports.len() > 1 => out.push(
                    Problem::new(p.port.span, "Service port has no name")
                        .help("a Service with more than one port names every port"),
                ),
                None => {}
            }
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct Node {
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub status: Option<NodeStatus>,
}

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(crate) struct NodeStatus {
    #[serde(default)]
    pub addresses: Vec<NodeAddress>,
}

#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct NodeAddress {
    #[serde(rename = "type")]
    pub kind: String,
    pub address: String,
}
