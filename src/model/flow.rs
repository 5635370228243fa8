//! A flow: the first packet of a connection (and, for application-layer
//! rules, its request), between two resolved ends.

use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use super::Proto;

/// What owns an address at one end of a flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum FlowEnd {
    /// A pod, by index into `Cluster::endpoints`.
    Pod {
        #[serde(skip)]
        index: usize,
    },
    /// A Calico HostEndpoint, by index into `Cluster::host_endpoints`.
    HostEndpoint {
        #[serde(skip)]
        index: usize,
    },
    /// A node's own address (or a hostNetwork pod on it), by index into
    /// `Cluster::nodes`.
    Node {
        #[serde(skip)]
        index: usize,
    },
    /// An address outside the cluster model (it may still lie in network
    /// sets).
    External,
}

/// One side of a flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Peer {
    /// How the user named it (`shop/api`, `svc:shop/api -> shop/api-1`,
    /// `10.0.0.1`).
    pub name: String,
    pub ip: IpAddr,
    pub end: FlowEnd,
    /// Set when the user named a Service (`svc:`, or one of its
    /// addresses) and the end is the backend it was DNAT'ed to.
    #[serde(skip)]
    pub service: Option<ServiceHop>,
}

/// The Service a flow end was reached through: kube-proxy rewrote its
/// port to the backend's target port before policy saw the packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServiceHop {
    /// Index into `Cluster::services`.
    pub index: usize,
    pub port: u16,
    pub protocol: Proto,
    pub target_port: u16,
}

/// An HTTP request carried by the flow.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HttpRequest {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
}

/// A connection attempt from `src` to `dst`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Flow {
    pub src: Peer,
    pub dst: Peer,
    pub protocol: Proto,
    /// Destination port (0 for protocols without ports).
    pub port: u16,
    /// Source port, when given; rules on source ports need it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub src_port: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_type: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub icmp_code: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpRequest>,
    /// Other application-protocol attributes (`--l7 key=value`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub l7: Vec<(String, String)>,
    /// Whether mutual authentication between the two ends fails (`--auth
    /// fail`); it succeeds by default.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub auth_fails: bool,
}

impl Flow {
    pub(crate) fn has_ports(&self) -> bool {
        matches!(self.protocol, Proto::TCP | Proto::UDP | Proto::SCTP)
    }
}

impl fmt::Display for Flow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} -> {} {}",
            self.src.name, self.dst.name, self.protocol
        )?;
        if self.has_ports() {
            write!(f, "/{}", self.port)?;
        }
        if let Some(http) = &self.http {
            if let Some(m) = &http.method {
                write!(f, " {m}")?;
            }
            if let Some(p) = &http.path {
                write!(f, " {p}")?;
            }
        }
        Ok(())
    }
}
