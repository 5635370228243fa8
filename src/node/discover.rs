//! `attach --auto`: the endpoints of this node, found as a node agent finds
//! them. A pod is local when the kernel routes its address through the
//! host side of a pod interface: a host route (/32, /128) without gateway
//! to a veth or netkit device whose peer lives in another network
//! namespace, which is how Calico (`cali*`) and Cilium with endpoint routes
//! (`lxc*`) wire pods. Everything else is skipped with the reason: routed
//! via a gateway or the default route, a pod CIDR behind `cilium_host` (a
//! veth whose peer is on the host), scheduled on another node.
//!
//! Routes are asked of the kernel as `ip route get fibmatch ADDRESS` does
//! (RTM_GETROUTE with RTM_F_FIB_MATCH, which answers with the matching
//! route itself and its real prefix length, not a cache entry), interfaces
//! with RTM_GETLINK, both over rtnetlink.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::compile::LocalEndpoint;
use super::kernel::NodeError;
use crate::model::Cluster;

/// Which pods may be on this node by their `spec.nodeName`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeFilter {
    /// `--node NAME`: only pods scheduled on NAME.
    Named(String),
    /// This host's name, for the pods that carry a node name; pods without
    /// one are decided by their routes alone.
    ThisHost(String),
}

/// The kernel's route to one address, as far as discovery needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The matching route's prefix length.
    pub prefix_len: u8,
    /// Through a gateway (or several next hops).
    pub gateway: bool,
    /// A unicast route (not local, blackhole, unreachable, ...).
    pub unicast: bool,
    /// The interface it leaves by.
    pub oif: Option<u32>,
}

/// An interface, as far as discovery needs it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub name: String,
    /// `veth`, `netkit`, ... (IFLA_INFO_KIND); none for physical devices.
    pub kind: Option<String>,
    /// The kernel reports the peer's network namespace (IFLA_LINK_NETNSID),
    /// which it does only when the peer is in another one.
    pub peer_elsewhere: bool,
}

/// Where discovery reads routes and interfaces: the kernel, or a table in
/// tests.
pub trait Routes {
    /// The route to `ip`, or `None` when there is none.
    fn route(&mut self, ip: IpAddr) -> Result<Option<Route>, NodeError>;
    fn link(&mut self, index: u32) -> Result<Option<Link>, NodeError>;
}

/// A local endpoint and the route that makes it one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    pub iface: String,
    /// `namespace/pod`.
    pub endpoint: String,
    pub address: IpAddr,
}

/// Why a pod is not taken as local.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// Scheduled on another node.
    OtherNode,
    /// No `spec.nodeName` while `--node` asks for one.
    NoNodeName,
    HostNetwork,
    NoAddress,
    /// Its addresses are not routed through a local pod interface.
    NotLocal,
    /// Its addresses are routed through different pod interfaces.
    SplitRoutes,
}

impl SkipReason {
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::OtherNode => "on another node",
            SkipReason::NoNodeName => "without spec.nodeName",
            SkipReason::HostNetwork => "on the host network",
            SkipReason::NoAddress => "without address",
            SkipReason::NotLocal => "not routed through a local pod interface",
            SkipReason::SplitRoutes => "routed through several pod interfaces",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// `namespace/pod`.
    pub endpoint: String,
    pub reason: SkipReason,
    pub detail: String,
}

/// What `--auto` found.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    /// The node name pods were matched against.
    pub node: Option<String>,
    pub found: Vec<Found>,
    pub skipped: Vec<Skipped>,
}

impl Discovery {
    pub fn locals(&self) -> Vec<LocalEndpoint> {
        self.found
            .iter()
            .map(|f| {
                let (namespace, pod) = f.endpoint.split_once('/').unwrap_or(("", &f.endpoint));
                LocalEndpoint {
                    iface: f.iface.clone(),
                    namespace: namespace.to_string(),
                    pod: pod.to_string(),
                }
            })
            .collect()
    }

    /// `found 3 local endpoint(s) of 5 pods; skipped: 2 on another node`
    pub fn summary(&self) -> String {
        let total = self.found.len() + self.skipped.len();
        let mut by_reason: BTreeMap<SkipReason, usize> = BTreeMap::new();
        for s in &self.skipped {
            *by_reason.entry(s.reason).or_default() += 1;
        }
        let mut out = format!(
            "found {} local endpoint(s) of {total} pod(s)",
            self.found.len()
        );
        if !by_reason.is_empty() {
            let parts: Vec<String> = by_reason
                .iter()
                .map(|(r, n)| format!("{n} {}", r.describe()))
                .collect();
            out.push_str(&format!("; skipped {}", parts.join(", ")));
        }
        out
    }
}

/// Finds the pods of `cluster` that are local to this node.
pub fn discover(
    cluster: &Cluster,
    filter: &NodeFilter,
    routes: &mut impl Routes,
) -> Result<Discovery, NodeError> {
    let mut out = Discovery {
        node: Some(match filter {
            NodeFilter::Named(n) | NodeFilter::ThisHost(n) => n.clone(),
        }),
        ..Discovery::default()
    };
    let mut links: BTreeMap<u32, Option<Link>> = BTreeMap::new();
    for ep in &cluster.endpoints {
        let endpoint = format!("{}/{}", ep.namespace, ep.name);
        let skip = |reason, detail: String| Skipped {
            endpoint: endpoint.clone(),
            reason,
            detail,
        };
        let scheduled = match (filter, ep.node.as_deref()) {
            (NodeFilter::Named(_), None) => Err(skip(SkipReason::NoNodeName, String::new())),
            (NodeFilter::Named(want) | NodeFilter::ThisHost(want), Some(node)) if node != want => {
                Err(skip(SkipReason::OtherNode, node.to_string()))
            }
            _ => Ok(()),
        };
        if let Err(s) = scheduled {
            out.skipped.push(s);
            continue;
        }
        if ep.host_network {
            out.skipped
                .push(skip(SkipReason::HostNetwork, String::new()));
            continue;
        }
        if ep.ips.is_empty() {
            out.skipped.push(skip(SkipReason::NoAddress, String::new()));
            continue;
        }
        let mut local: Vec<(String, IpAddr)> = Vec::new();
        let mut why_not = Vec::new();
        for &ip in &ep.ips {
            match routes.route(ip)? {
                None => why_not.push(format!("{ip}: no route")),
                Some(route) => {
                    let link = match route.oif {
                        Some(index) => {
                            if let std::collections::btree_map::Entry::Vacant(v) =
                                links.entry(index)
                            {
                                v.insert(routes.link(index)?);
                            }
                            links[&index].as_ref()
                        }
                        None => None,
                    };
                    match pod_interface(ip, &route, link) {
                        Ok(iface) => local.push((iface, ip)),
                        Err(why) => why_not.push(format!("{ip}: {why}")),
                    }
                }
            }
        }
        let mut ifaces: Vec<&str> = local.iter().map(|(i, _)| i.as_str()).collect();
        ifaces.dedup();
        match ifaces.as_slice() {
            [] => out
                .skipped
                .push(skip(SkipReason::NotLocal, why_not.join("; "))),
            [iface] => out.found.push(Found {
                iface: iface.to_string(),
                endpoint,
                address: local[0].1,
            }),
            _ => out
                .skipped
                .push(skip(SkipReason::SplitRoutes, ifaces.join(", "))),
        }
    }
    Ok(out)
}

/// The pod interface `route` leads to, or why it is not one.
fn pod_interface(ip: IpAddr, route: &Route, link: Option<&Link>) -> Result<String, String> {
    let host_len = if ip.is_ipv4() { 32 } else { 128 };
    let dev = link.map_or("?", |l| l.name.as_str());
    if !route.unicast {
        return Err("not a unicast route".into());
    }
    if route.gateway {
        return Err(format!("routed via a gateway on {dev}"));
    }
    let Some(link) = link else {
        return Err("routed through no interface".into());
    };
    if route.prefix_len != host_len {
        return Err(format!(
            "routed by a /{} route on {dev}, not a host route",
            route.prefix_len
        ));
    }
    match link.kind.as_deref() {
        Some("veth" | "netkit") if link.peer_elsewhere => Ok(link.name.clone()),
        Some(kind @ ("veth" | "netkit")) => Err(format!(
            "routed through {dev}, a {kind} whose peer is on this host"
        )),
        Some(kind) => Err(format!(
            "routed through {dev} ({kind}), not a pod interface"
        )),
        None => Err(format!("routed through {dev}, not a pod interface")),
    }
}

/// The kernel's routes and interfaces, over rtnetlink, in the network
/// namespace polctl runs in.
pub struct KernelRoutes {
    runtime: tokio::runtime::Runtime,
    handle: rtnetlink::Handle,
}

fn netlink(what: &str, e: impl std::fmt::Display) -> NodeError {
    NodeError::Kernel {
        what: what.to_string(),
        message: e.to_string(),
    }
}

impl KernelRoutes {
    pub fn new() -> Result<Self, NodeError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_io()
            .build()
            .map_err(|e| netlink("starting the netlink client", e))?;
        let handle = runtime.block_on(async {
            let (connection, handle, _) = rtnetlink::new_connection()
                .map_err(|e| netlink("opening an rtnetlink socket", e))?;
            tokio::spawn(connection);
            Ok::<_, NodeError>(handle)
        })?;
        Ok(KernelRoutes { runtime, handle })
    }
}

impl Routes for KernelRoutes {
    fn route(&mut self, ip: IpAddr) -> Result<Option<Route>, NodeError> {
        use futures_util::TryStreamExt;
        use rtnetlink::packet_route::AddressFamily;
        use rtnetlink::packet_route::route::{RouteAttribute, RouteFlags, RouteMessage, RouteType};

        let mut message = RouteMessage::default();
        message.header.address_family = if ip.is_ipv4() {
            AddressFamily::Inet
        } else {
            AddressFamily::Inet6
        };
        message.header.destination_prefix_length = if ip.is_ipv4() { 32 } else { 128 };
        message.header.flags = RouteFlags::FibMatch;
        message
            .attributes
            .push(RouteAttribute::Destination(ip.into()));
        let handle = self.handle.clone();
        let answer = self
            .runtime
            .block_on(async move { handle.route().get(message).execute().try_next().await });
        let message = match answer {
            Ok(Some(m)) => m,
            Ok(None) => return Ok(None),
            // ENETUNREACH and the like: no route at all.
            Err(rtnetlink::Error::NetlinkError(e)) if e.code.is_some() => return Ok(None),
            Err(e) => return Err(netlink(&format!("the route to {ip}"), e)),
        };
        let mut route = Route {
            prefix_len: message.header.destination_prefix_length,
            gateway: false,
            unicast: message.header.kind == RouteType::Unicast,
            oif: None,
        };
        for attribute in &message.attributes {
            match attribute {
                RouteAttribute::Gateway(_)
                | RouteAttribute::Via(_)
                | RouteAttribute::MultiPath(_) => route.gateway = true,
                RouteAttribute::Oif(index) => route.oif = Some(*index),
                _ => {}
            }
        }
        Ok(Some(route))
    }

    fn link(&mut self, index: u32) -> Result<Option<Link>, NodeError> {
        use futures_util::TryStreamExt;
        use rtnetlink::packet_route::link::{InfoKind, LinkAttribute, LinkInfo};

        let handle = self.handle.clone();
        let answer = self.runtime.block_on(async move {
            handle
                .link()
                .get()
                .match_index(index)
                .execute()
                .try_next()
                .await
        });
        let message = match answer {
            Ok(Some(m)) => m,
            Ok(None) => return Ok(None),
            Err(rtnetlink::Error::NetlinkError(e)) if e.code.is_some() => return Ok(None),
            Err(e) => return Err(netlink(&format!("interface {index}"), e)),
        };
        let mut link = Link {
            name: index.to_string(),
            kind: None,
            peer_elsewhere: false,
        };
        for attribute in &message.attributes {
            match attribute {
                LinkAttribute::IfName(name) => link.name = name.clone(),
                LinkAttribute::LinkNetNsId(_) => link.peer_elsewhere = true,
                LinkAttribute::LinkInfo(infos) => {
                    for info in infos {
                        if let LinkInfo::Kind(kind) = info {
                            link.kind = Some(match kind {
                                InfoKind::Veth => "veth".to_string(),
                                InfoKind::Netkit => "netkit".to_string(),
                                other => other.to_string(),
                            });
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(Some(link))
    }
}

/// This host's name, which the kubelet registers as the node's name
/// unless told otherwise (`--hostname-override`).
pub fn host_name() -> Result<String, NodeError> {
    nix::unistd::gethostname()
        .map_err(|e| netlink("reading this host's name", e))?
        .into_string()
        .map_err(|_| netlink("reading this host's name", "not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AddressSource, Endpoint, Span};

    /// Routes by exact address; interfaces by index.
    struct Table {
        routes: Vec<(IpAddr, Route)>,
        links: Vec<(u32, Link)>,
    }

    impl Routes for Table {
        fn route(&mut self, ip: IpAddr) -> Result<Option<Route>, NodeError> {
            Ok(self
                .routes
                .iter()
                .find(|(a, _)| *a == ip)
                .map(|(_, r)| r.clone()))
        }
        fn link(&mut self, index: u32) -> Result<Option<Link>, NodeError> {
            Ok(self
                .links
                .iter()
                .find(|(i, _)| *i == index)
                .map(|(_, l)| l.clone()))
        }
    }

    fn host_route(oif: u32) -> Route {
        Route {
            prefix_len: 32,
            gateway: false,
            unicast: true,
            oif: Some(oif),
        }
    }

    fn link(name: &str, kind: Option<&str>, peer_elsewhere: bool) -> Link {
        Link {
            name: name.into(),
            kind: kind.map(Into::into),
            peer_elsewhere,
        }
    }

    fn pod(name: &str, ip: &str, node: Option<&str>) -> Endpoint {
        Endpoint {
            namespace: "ns".into(),
            name: name.into(),
            labels: Default::default(),
            service_account: "default".into(),
            ips: vec![ip.parse().unwrap()],
            address_source: AddressSource::Status,
            ports: Vec::new(),
            host_network: false,
            node: node.map(Into::into),
            owner: None,
            phase: None,
            profiles: None,
            origin: Span::default(),
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_host_routes_to_pod_interfaces_are_local() {
        let cluster = Cluster {
            endpoints: vec![
                pod("calico", "10.0.0.1", None),
                pod("remote", "10.0.1.1", None),
                pod("cilium-host", "10.0.2.1", None),
                pod("uplink", "10.0.3.1", None),
                pod("unrouted", "10.0.4.1", None),
                pod("eth", "10.0.5.1", None),
            ],
            ..Cluster::default()
        };
        let mut table = Table {
            routes: vec![
                (ip("10.0.0.1"), host_route(5)),
                (
                    ip("10.0.1.1"),
                    Route {
                        prefix_len: 0,
                        gateway: true,
                        unicast: true,
                        oif: Some(2),
                    },
                ),
                (
                    ip("10.0.2.1"),
                    Route {
                        prefix_len: 24,
                        gateway: false,
                        unicast: true,
                        oif: Some(3),
                    },
                ),
                (ip("10.0.3.1"), host_route(4)),
                (ip("10.0.5.1"), host_route(2)),
            ],
            links: vec![
                (2, link("eth0", None, false)),
                (3, link("cilium_host", Some("veth"), false)),
                (4, link("up0", Some("veth"), false)),
                (5, link("cali1", Some("veth"), true)),
            ],
        };
        let d = discover(&cluster, &NodeFilter::ThisHost("node-1".into()), &mut table).unwrap();
        assert_eq!(
            d.found,
            [Found {
                iface: "cali1".into(),
                endpoint: "ns/calico".into(),
                address: ip("10.0.0.1"),
            }]
        );
        let details: Vec<(&str, &str)> = d
            .skipped
            .iter()
            .map(|s| (s.endpoint.as_str(), s.detail.as_str()))
            .collect();
        assert_eq!(
            details,
            [
                ("ns/remote", "10.0.1.1: routed via a gateway on eth0"),
                (
                    "ns/cilium-host",
                    "10.0.2.1: routed by a /24 route on cilium_host, not a host route"
                ),
                (
                    "ns/uplink",
                    "10.0.3.1: routed through up0, a veth whose peer is on this host"
                ),
                ("ns/unrouted", "10.0.4.1: no route"),
                (
                    "ns/eth",
                    "10.0.5.1: routed through eth0, not a pod interface"
                ),
            ]
        );
        assert!(d.skipped.iter().all(|s| s.reason == SkipReason::NotLocal));
        assert_eq!(
            d.summary(),
            "found 1 local endpoint(s) of 6 pod(s); skipped 5 not routed through a local pod interface"
        );
    }

    #[test]
    fn node_names_restrict_the_pods() {
        let cluster = Cluster {
            endpoints: vec![
                pod("here", "10.0.0.1", Some("node-1")),
                pod("there", "10.0.0.2", Some("node-2")),
                pod("unscheduled", "10.0.0.3", None),
            ],
            ..Cluster::default()
        };
        let mut table = Table {
            routes: ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
                .iter()
                .enumerate()
                .map(|(k, a)| (ip(a), host_route(k as u32 + 1)))
                .collect(),
            links: (1..=3)
                .map(|k| (k, link(&format!("cali{k}"), Some("veth"), true)))
                .collect(),
        };
        // This host's name applies where pods carry one: a pod scheduled
        // elsewhere is not taken even though it is routed here.
        let d = discover(&cluster, &NodeFilter::ThisHost("node-1".into()), &mut table).unwrap();
        let found: Vec<&str> = d.found.iter().map(|f| f.endpoint.as_str()).collect();
        assert_eq!(found, ["ns/here", "ns/unscheduled"]);
        assert_eq!(d.skipped[0].reason, SkipReason::OtherNode);
        assert_eq!(d.skipped[0].detail, "node-2");
        // --node: only the pods scheduled there.
        let d = discover(&cluster, &NodeFilter::Named("node-2".into()), &mut table).unwrap();
        let found: Vec<&str> = d.found.iter().map(|f| f.endpoint.as_str()).collect();
        assert_eq!(found, ["ns/there"]);
        let reasons: Vec<SkipReason> = d.skipped.iter().map(|s| s.reason).collect();
        assert_eq!(reasons, [SkipReason::OtherNode, SkipReason::NoNodeName]);
    }

    #[test]
    fn dual_stack_pods_need_one_interface() {
        let mut both = pod("both", "10.0.0.1", None);
        both.ips.push(ip("fd00::1"));
        let mut split = pod("split", "10.0.0.2", None);
        split.ips.push(ip("fd00::2"));
        let cluster = Cluster {
            endpoints: vec![both, split],
            ..Cluster::default()
        };
        let v6 = |oif| Route {
            prefix_len: 128,
            ..host_route(oif)
        };
        let mut table = Table {
            routes: vec![
                (ip("10.0.0.1"), host_route(1)),
                (ip("fd00::1"), v6(1)),
                (ip("10.0.0.2"), host_route(1)),
                (ip("fd00::2"), v6(2)),
            ],
            links: vec![
                (1, link("cali1", Some("veth"), true)),
                (2, link("cali2", Some("veth"), true)),
            ],
        };
        let d = discover(&cluster, &NodeFilter::ThisHost("n".into()), &mut table).unwrap();
        assert_eq!(d.found.len(), 1);
        assert_eq!(d.found[0].iface, "cali1");
        assert_eq!(d.skipped[0].reason, SkipReason::SplitRoutes);
        assert_eq!(d.skipped[0].detail, "cali1, cali2");
    }
}
