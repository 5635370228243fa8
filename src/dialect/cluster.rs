//! Builds the cluster model from typed manifests: expands workloads into
//! pods, groups pods under their owners, fills in namespaces and service
//! accounts that objects use but no manifest defines, and gives addresses to
//! pods that have none.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::net::{IpAddr, Ipv4Addr};

use super::common::{LabelSelector, ObjectMeta};
use super::core::{self, PodSpec};
use super::{Kind, Manifest, PolicyObject, PolicySource, calico};
use crate::model::{
    AddressSource, Cluster, Endpoint, Labels, NamedPort, Namespace, Node, ObjectRef, Proto,
    Service, ServiceAccount, ServicePort, Span, Spanned, Workload, WorkloadKind,
};
use crate::syntax::Problem;

/// Pods without `status.podIP` get addresses from this range, in
/// (namespace, name) order, skipping addresses the input already uses.
pub(crate) const SYNTHETIC_POD_RANGE: (Ipv4Addr, u8) = (Ipv4Addr::new(10, 244, 0, 0), 14);
/// Nodes without an address in `status.addresses` get one from this range.
pub(crate) const SYNTHETIC_NODE_RANGE: (Ipv4Addr, u8) = (Ipv4Addr::new(10, 240, 0, 0), 16);
/// No workload is expanded into more pods than this.
pub(crate) const MAX_REPLICAS: usize = 10_000;

/// A typed manifest with where it came from.
#[derive(Clone, Debug)]
pub(crate) struct Loaded {
    pub kind: &'static Kind,
    pub manifest: Manifest,
    /// The object's mapping.
    pub span: Span,
    /// A hash of the object's content without positions: the same object
    /// given twice (two fixtures that both declare kube-system) is not a
    /// conflict.
    pub fingerprint: u64,
}

/// Two different objects with the same identity.
#[derive(Clone, Debug)]
pub(crate) struct Duplicate {
    pub span: Span,
    pub first: Span,
    pub message: String,
    /// From another file, this object replaced the first (a warning); from
    /// the same file, it is an error and the first is kept.
    pub replaced: bool,
}

/// The result of assembling everything loaded.
#[derive(Debug, Default)]
pub(crate) struct Assembled {
    pub cluster: Cluster,
    pub policies: Vec<PolicyObject>,
    pub tiers: Vec<Spanned<calico::Tier>>,
    pub profiles: Vec<Spanned<calico::Profile>>,
    pub errors: Vec<Problem>,
    pub duplicates: Vec<Duplicate>,
    pub warnings: Vec<Problem>,
}

pub(crate) fn assemble(objects: Vec<Loaded>) -> Assembled {
    let mut b = Builder::default();
    let objects = b.check_duplicates(objects);
    let mut pods = Vec::new();
    let mut workloads = Vec::new();
    for obj in objects {
        let span = obj.span;
        match obj.manifest {
            Manifest::Namespace(ns) => b.namespace(ns, span),
            Manifest::ServiceAccount(sa) => b.service_account(sa, span),
            Manifest::Node(node) => b.node(node, span),
            Manifest::Service(svc) => b.service(svc, span),
            Manifest::Pod(pod) => pods.push((pod, span)),
            Manifest::Workload(kind, w) => {
                let spec = w.spec;
                let replicas = spec.replicas.map(|r| (r.value, r.span));
                workloads.push(WorkloadSrc {
                    kind,
                    meta: w.metadata,
                    replicas,
                    selector: spec.selector,
                    template: spec.template,
                    span,
                });
            }
            Manifest::Job(job) => workloads.push(WorkloadSrc {
                kind: WorkloadKind::Job,
                meta: job.metadata,
                replicas: job.spec.parallelism.map(|r| (r.value, r.span)),
                selector: None,
                template: job.spec.template,
                span,
            }),
            Manifest::CronJob(cj) => workloads.push(WorkloadSrc {
                kind: WorkloadKind::CronJob,
                meta: cj.metadata,
                replicas: cj
                    .spec
                    .job_template
                    .spec
                    .parallelism
                    .map(|r| (r.value, r.span)),
                selector: None,
                template: cj.spec.job_template.spec.template,
                span,
            }),
            Manifest::Policy(source) => b.policy(obj.kind, source, span),
            Manifest::Calico(o) => b.calico(o, span),
        }
    }
    b.pods_and_workloads(pods, workloads);
    b.implicit_objects();
    b.assign_addresses();
    b.out
        .cluster
        .endpoints
        .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    b.index_workloads();
    b.out
}

struct WorkloadSrc {
    kind: WorkloadKind,
    meta: ObjectMeta,
    replicas: Option<(i64, Span)>,
    selector: Option<LabelSelector>,
    template: core::PodTemplateSpec,
    span: Span,
}

#[derive(Default)]
struct Builder {
    out: Assembled,
}

fn namespace_of(meta: &ObjectMeta) -> String {
    meta.namespace
        .as_ref()
        .map_or_else(|| "default".to_string(), |n| n.value.clone())
}

impl Builder {
    fn error(&mut self, p: Problem) {
        self.out.errors.push(p);
    }

    /// Drops repeated identical objects and reports conflicting ones. Of two
    /// different definitions in different files the later wins, as
    /// `kubectl apply -f` leaves the cluster; two in one file are an error.
    fn check_duplicates(&mut self, objects: Vec<Loaded>) -> Vec<Loaded> {
        type Key = (String, String, Option<String>, String);
        // Where the definition in force is in `kept`, its name, its content.
        let mut seen: HashMap<Key, (usize, Span, u64)> = HashMap::new();
        let mut kept = Vec::with_capacity(objects.len());
        for obj in objects {
            let meta = obj.manifest.metadata();
            let Some(name) = &meta.name else {
                self.error(
                    Problem::new(
                        obj.span.sub(0, 0),
                        format!("{} has no metadata.name", obj.kind.kind),
                    )
                    .help("every object needs `metadata.name`"),
                );
                continue;
            };
            let ns = obj.kind.namespaced.then(|| namespace_of(meta));
            let key = (
                obj.kind.group().to_string(),
                obj.kind.kind.to_string(),
                ns.clone(),
                name.value.clone(),
            );
            match seen.get(&key).copied() {
                Some((_, _, fingerprint)) if fingerprint == obj.fingerprint => continue,
                Some((index, first, _)) => {
                    let what = match &ns {
                        Some(ns) => format!("{ns}/{}", name.value),
                        None => name.value.clone(),
                    };
                    let replaced = first.file != name.span.file;
                    self.out.duplicates.push(Duplicate {
                        span: name.span,
                        first,
                        message: format!(
                            "duplicate {} {what} with different content",
                            obj.kind.kind
                        ),
                        replaced,
                    });
                    if replaced {
                        seen.insert(key, (index, name.span, obj.fingerprint));
                        kept[index] = obj;
                    }
                    continue;
                }
                None => {
                    seen.insert(key, (kept.len(), name.span, obj.fingerprint));
                }
            }
            kept.push(obj);
        }
        kept
    }

    fn namespace(&mut self, ns: core::Namespace, span: Span) {
        let name = ns.metadata.name().to_string();
        let mut labels = ns.metadata.labels();
        // The API server sets this immutable label on every namespace.
        labels.insert("kubernetes.io/metadata.name".into(), name.clone());
        self.out.cluster.namespaces.insert(
            name.clone(),
            Namespace {
                name,
                labels,
                declared: true,
                origin: Some(span),
            },
        );
    }

    fn service_account(&mut self, sa: core::ServiceAccount, span: Span) {
        self.out.cluster.service_accounts.push(ServiceAccount {
            namespace: namespace_of(&sa.metadata),
            name: sa.metadata.name().to_string(),
            labels: sa.metadata.labels(),
            declared: true,
            origin: Some(span),
        });
    }

    fn node(&mut self, node: core::Node, span: Span) {
        let mut addresses: Vec<(u8, IpAddr)> = node
            .status
            .iter()
            .flat_map(|s| &s.addresses)
            .filter_map(|a| {
                let rank = match a.kind.as_str() {
                    "InternalIP" => 0,
                    "ExternalIP" => 1,
                    _ => return None,
                };
                a.address.parse().ok().map(|ip| (rank, ip))
            })
            .collect();
        addresses.sort();
        let labels = node.metadata.labels();
        // polctl takes control-plane nodes as the API server's addresses
        // (kubeadm labels them; `master` before Kubernetes 1.24).
        let api_server = labels.contains_key("node-role.kubernetes.io/control-plane")
            || labels.contains_key("node-role.kubernetes.io/master");
        self.out.cluster.nodes.push(Node {
            name: node.metadata.name().to_string(),
            api_server,
            labels,
            ips: addresses.into_iter().map(|(_, ip)| ip).collect(),
            origin: span,
        });
    }

    fn service(&mut self, svc: core::Service, span: Span) {
        // Bad ports were reported by `Service::check`; the good ones serve.
        let ports = svc
            .spec
            .ports
            .iter()
            .filter_map(|p| {
                Some(ServicePort {
                    name: p.name.as_ref().map(|n| n.value.clone()),
                    port: p.number().ok()?,
                    protocol: p.protocol().ok()?,
                    target: p.target().ok()?,
                })
            })
            .collect();
        self.out.cluster.services.push(Service {
            namespace: namespace_of(&svc.metadata),
            name: svc.metadata.name().to_string(),
            labels: svc.metadata.labels(),
            kind: svc.spec.kind.clone().unwrap_or_else(|| "ClusterIP".into()),
            selector: svc.spec.selector.as_ref().map(|s| {
                s.iter()
                    .map(|(k, v)| (k.value.clone(), v.value.clone()))
                    .collect()
            }),
            ports,
            cluster_ip: svc.spec.cluster_ip.clone(),
            addresses: service_addresses(&svc.spec),
            origin: span,
        });
    }

    fn policy(&mut self, kind: &Kind, source: PolicySource, span: Span) {
        let meta = source.metadata();
        let namespace = kind.namespaced.then(|| namespace_of(meta));
        let name = meta.name().to_string();
        self.out.policies.push(PolicyObject {
            kind: kind.kind.to_string(),
            namespace,
            name,
            origin: span,
            source,
        });
    }

    fn calico(&mut self, obj: calico::Object, span: Span) {
        use crate::model::{HostEndpoint, NetworkSet};
        match obj {
            calico::Object::Tier(t) => self.out.tiers.push(Spanned::new(span, t)),
            calico::Object::Profile(p) => self.out.profiles.push(Spanned::new(span, p)),
            calico::Object::NetworkSet(s) => self.out.cluster.network_sets.push(NetworkSet {
                namespace: Some(namespace_of(&s.metadata)),
                name: s.metadata.name().to_string(),
                labels: s.metadata.labels(),
                nets: s.spec.nets.iter().map(|n| n.value.0.net).collect(),
                origin: span,
            }),
            calico::Object::GlobalNetworkSet(s) => self.out.cluster.network_sets.push(NetworkSet {
                namespace: None,
                name: s.metadata.name().to_string(),
                labels: s.metadata.labels(),
                nets: s.spec.nets.iter().map(|n| n.value.0.net).collect(),
                origin: span,
            }),
            calico::Object::HostEndpoint(h) => self.out.cluster.host_endpoints.push(HostEndpoint {
                name: h.metadata.name().to_string(),
                labels: h.metadata.labels(),
                node: h.spec.node.as_ref().map(|n| n.value.clone()),
                interface: h.spec.interface_name.as_ref().map(|n| n.value.clone()),
                ips: h.spec.expected_ips.iter().map(|ip| ip.value.0).collect(),
                profiles: h.spec.profiles.iter().map(|p| p.value.clone()).collect(),
                ports: h
                    .spec
                    .ports
                    .iter()
                    .map(|p| NamedPort {
                        name: p.name.value.clone(),
                        port: p.port.value.0,
                        protocol: Proto(p.protocol.value.number()),
                    })
                    .collect(),
                origin: span,
            }),
            calico::Object::WorkloadEndpoint(w) => {
                self.out.cluster.endpoints.push(w.endpoint(span));
            }
            // Policies never reach here: decode files them as policies.
            _ => {}
        }
    }

    fn pod_endpoint(
        &mut self,
        namespace: &str,
        name: String,
        labels: Labels,
        spec: &PodSpec,
        span: Span,
    ) -> Endpoint {
        let service_account = spec
            .service_account_name
            .clone()
            .or_else(|| spec.service_account.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "default".to_string());
        let mut ports = Vec::new();
        for c in spec.containers.iter().chain(&spec.init_containers) {
            for p in &c.ports {
                let Some(port_name) = &p.name else { continue };
                let protocol = match super::common::protocol_of(p.protocol.as_ref()) {
                    Ok(proto) => proto,
                    Err(problem) => {
                        self.error(problem);
                        continue;
                    }
                };
                if let Err(e) = super::common::validate_port_name(&port_name.value) {
                    self.error(Problem::new(port_name.span, e));
                    continue;
                }
                let Some(number) = p.number() else { continue };
                ports.push(NamedPort {
                    name: port_name.value.clone(),
                    port: number.0,
                    protocol,
                });
            }
        }
        Endpoint {
            namespace: namespace.to_string(),
            name,
            labels,
            service_account,
            ips: Vec::new(),
            address_source: AddressSource::Synthetic,
            ports,
            host_network: spec.host_network,
            node: spec.node_name.clone(),
            owner: None,
            phase: None,
            profiles: None,
            origin: span,
        }
    }

    fn pods_and_workloads(&mut self, pods: Vec<(core::Pod, Span)>, workloads: Vec<WorkloadSrc>) {
        // Controllers owned by another loaded controller (a ReplicaSet of a
        // Deployment) are represented by their top owner.
        let index: HashMap<(String, String, String), usize> = workloads
            .iter()
            .enumerate()
            .map(|(i, w)| {
                (
                    (
                        w.kind.as_str().to_string(),
                        namespace_of(&w.meta),
                        w.meta.name().to_string(),
                    ),
                    i,
                )
            })
            .collect();
        let top = |mut i: usize| -> usize {
            for _ in 0..8 {
                let w = &workloads[i];
                let parent = controller_of(&w.meta).and_then(|o| {
                    index.get(&(o.kind.clone(), namespace_of(&w.meta), o.name.clone()))
                });
                match parent {
                    Some(&p) if p != i => i = p,
                    _ => break,
                }
            }
            i
        };
        let mut has_pods: HashSet<usize> = HashSet::new();
        let mut subordinate: HashSet<usize> = HashSet::new();
        for i in 0..workloads.len() {
            if top(i) != i {
                subordinate.insert(i);
            }
        }

        for (pod, span) in pods {
            let namespace = namespace_of(&pod.metadata);
            let name = pod.metadata.name().to_string();
            let mut ep =
                self.pod_endpoint(&namespace, name, pod.metadata.labels(), &pod.spec, span);
            if let Some(status) = &pod.status {
                let ips = status.ips();
                if !ips.is_empty() {
                    ep.ips = ips;
                    ep.address_source = AddressSource::Status;
                }
                ep.phase = status.phase.clone();
            }
            if let Some(owner) = controller_of(&pod.metadata) {
                let key = (owner.kind.clone(), namespace.clone(), owner.name.clone());
                ep.owner = Some(match index.get(&key) {
                    Some(&i) => {
                        let t = top(i);
                        has_pods.insert(t);
                        let w = &workloads[t];
                        ObjectRef {
                            kind: w.kind.as_str().into(),
                            namespace: Some(namespace.clone()),
                            name: w.meta.name().into(),
                        }
                    }
                    None => ObjectRef {
                        kind: owner.kind.clone(),
                        namespace: Some(namespace.clone()),
                        name: owner.name.clone(),
                    },
                });
            }
            self.out.cluster.endpoints.push(ep);
        }

        for (i, w) in workloads.iter().enumerate() {
            self.check_workload_selector(w);
            if subordinate.contains(&i) || has_pods.contains(&i) {
                continue;
            }
            let namespace = namespace_of(&w.meta);
            let name = w.meta.name().to_string();
            let replicas = match w.replicas {
                Some((n, span)) if n < 0 => {
                    self.error(Problem::new(
                        span,
                        format!("replicas must not be negative, found {n}"),
                    ));
                    continue;
                }
                Some((n, span)) if n as usize > MAX_REPLICAS => {
                    self.out.warnings.push(Problem::new(
                        span,
                        format!("{n} replicas: expanding only the first {MAX_REPLICAS} pods"),
                    ));
                    MAX_REPLICAS
                }
                Some((n, _)) => n as usize,
                None if w.kind == WorkloadKind::DaemonSet => self.out.cluster.nodes.len().max(1),
                None => 1,
            };
            let labels: Labels = w.template.metadata.labels();
            let owner = ObjectRef {
                kind: w.kind.as_str().into(),
                namespace: Some(namespace.clone()),
                name: name.clone(),
            };
            for r in 0..replicas {
                let mut ep = self.pod_endpoint(
                    &namespace,
                    format!("{name}-{r}"),
                    labels.clone(),
                    &w.template.spec,
                    w.span,
                );
                ep.owner = Some(owner.clone());
                if w.kind == WorkloadKind::DaemonSet {
                    ep.node = self
                        .out
                        .cluster
                        .nodes
                        .get(r)
                        .map(|n| n.name.clone())
                        .or(ep.node);
                }
                self.out.cluster.endpoints.push(ep);
            }
            self.out.cluster.workloads.push(Workload {
                kind: w.kind.as_str().into(),
                namespace,
                name,
                labels,
                replicas,
                endpoints: Vec::new(),
                origin: w.span,
            });
        }
    }

    /// The API server rejects a controller whose selector does not match
    /// its own pod template.
    fn check_workload_selector(&mut self, w: &WorkloadSrc) {
        let Some(selector) = &w.selector else { return };
        let matches = selector.to_expr().matches(&w.template.metadata.labels());
        if !matches {
            let span = w.meta.name.as_ref().map_or(w.span, |n| n.span);
            self.error(
                Problem::new(
                    span,
                    format!(
                        "{} {}: selector does not match template labels",
                        w.kind.as_str(),
                        w.meta.name()
                    ),
                )
                .help("`spec.selector` must select the labels of `spec.template.metadata.labels`"),
            );
        }
    }

    /// Namespaces and service accounts that objects use but no manifest
    /// defines, created as the cluster would have them.
    fn implicit_objects(&mut self) {
        let c = &mut self.out.cluster;
        let mut used: BTreeSet<String> = BTreeSet::new();
        used.extend(c.endpoints.iter().map(|e| e.namespace.clone()));
        used.extend(c.services.iter().map(|s| s.namespace.clone()));
        used.extend(c.service_accounts.iter().map(|s| s.namespace.clone()));
        used.extend(c.workloads.iter().map(|w| w.namespace.clone()));
        used.extend(c.network_sets.iter().filter_map(|s| s.namespace.clone()));
        used.extend(self.out.policies.iter().filter_map(|p| p.namespace.clone()));
        for ns in used {
            c.namespaces.entry(ns.clone()).or_insert_with(|| Namespace {
                labels: BTreeMap::from([("kubernetes.io/metadata.name".to_string(), ns.clone())]),
                name: ns,
                declared: false,
                origin: None,
            });
        }
        let declared: HashSet<(String, String)> = c
            .service_accounts
            .iter()
            .map(|s| (s.namespace.clone(), s.name.clone()))
            .collect();
        let mut missing: BTreeSet<(String, String)> = BTreeSet::new();
        for e in &c.endpoints {
            let key = (e.namespace.clone(), e.service_account.clone());
            if !declared.contains(&key) {
                missing.insert(key);
            }
        }
        for (namespace, name) in missing {
            c.service_accounts.push(ServiceAccount {
                namespace,
                name,
                labels: Labels::new(),
                declared: false,
                origin: None,
            });
        }
        c.service_accounts
            .sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    }

    fn assign_addresses(&mut self) {
        let c = &mut self.out.cluster;
        let mut used: HashSet<IpAddr> = c
            .endpoints
            .iter()
            .flat_map(|e| e.ips.iter().copied())
            .collect();
        used.extend(c.nodes.iter().flat_map(|n| n.ips.iter().copied()));

        let mut node_pool = Pool::new(SYNTHETIC_NODE_RANGE);
        for node in c.nodes.iter_mut().filter(|n| n.ips.is_empty()) {
            if let Some(ip) = node_pool.next(&mut used) {
                node.ips.push(ip);
            }
        }
        let mut node_ips: HashMap<String, IpAddr> = c
            .nodes
            .iter()
            .filter_map(|n| n.ips.first().map(|ip| (n.name.clone(), *ip)))
            .collect();

        let mut order: Vec<usize> = (0..c.endpoints.len()).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&c.endpoints[a], &c.endpoints[b]);
            (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name))
        });
        let mut pod_pool = Pool::new(SYNTHETIC_POD_RANGE);
        for i in order {
            let ep = &mut c.endpoints[i];
            if !ep.ips.is_empty() {
                continue;
            }
            if ep.host_network {
                let node = ep.node.clone().unwrap_or_default();
                let ip = match node_ips.get(&node) {
                    Some(ip) => Some(*ip),
                    None => {
                        let ip = node_pool.next(&mut used);
                        if let Some(ip) = ip {
                            node_ips.insert(node, ip);
                        }
                        ip
                    }
                };
                if let Some(ip) = ip {
                    ep.ips.push(ip);
                    ep.address_source = AddressSource::Node;
                }
            } else if let Some(ip) = pod_pool.next(&mut used) {
                ep.ips.push(ip);
                ep.address_source = AddressSource::Synthetic;
            }
        }
    }

    fn index_workloads(&mut self) {
        let c = &mut self.out.cluster;
        let mut by_owner: BTreeMap<(String, String, String), Vec<usize>> = BTreeMap::new();
        for (i, e) in c.endpoints.iter().enumerate() {
            let key = match &e.owner {
                Some(o) => (o.kind.clone(), e.namespace.clone(), o.name.clone()),
                None => ("Pod".to_string(), e.namespace.clone(), e.name.clone()),
            };
            by_owner.entry(key).or_default().push(i);
        }
        for w in &mut c.workloads {
            w.endpoints = by_owner
                .remove(&(w.kind.clone(), w.namespace.clone(), w.name.clone()))
                .unwrap_or_default();
        }
        // Owners that were not loaded, and lone pods, become workloads too.
        for ((kind, namespace, name), endpoints) in by_owner {
            let first = &c.endpoints[endpoints[0]];
            c.workloads.push(Workload {
                kind,
                namespace,
                name,
                labels: first.labels.clone(),
                replicas: endpoints.len(),
                origin: first.origin,
                endpoints,
            });
        }
        c.workloads.sort_by(|a, b| {
            (&a.namespace, &a.name, &a.kind).cmp(&(&b.namespace, &b.name, &b.kind))
        });
    }
}

fn controller_of(meta: &ObjectMeta) -> Option<&super::common::OwnerReference> {
    meta.owner_references
        .iter()
        .find(|o| o.controller == Some(true))
        .or_else(|| meta.owner_references.first())
}

/// Sequential addresses from a range, skipping ones already taken.
struct Pool {
    next: u32,
    end: u32,
}

impl Pool {
    /// The usable addresses of a range: not its network or broadcast address.
    fn new((network, prefix): (Ipv4Addr, u8)) -> Self {
        let base = u32::from(network);
        let size = 1u32 << (32 - u32::from(prefix));
        Pool {
            next: base + 1,
            end: base + size - 2,
        }
    }

    fn next(&mut self, used: &mut HashSet<IpAddr>) -> Option<IpAddr> {
        while self.next <= self.end {
            let ip = IpAddr::V4(Ipv4Addr::from(self.next));
            self.next += 1;
            if used.insert(ip) {
                return Some(ip);
            }
        }
        None
    }
}

/// A Service's virtual addresses: `clusterIP`, `clusterIPs` and
/// `externalIPs`, each once. `None` (a headless Service) is no address.
fn service_addresses(spec: &core::ServiceSpec) -> Vec<IpAddr> {
    let mut out: Vec<IpAddr> = Vec::new();
    let texts = spec
        .cluster_ip
        .iter()
        .chain(&spec.cluster_ips)
        .chain(&spec.external_ips);
    for ip in texts.filter_map(|t| t.parse().ok()) {
        if !out.contains(&ip) {
            out.push(ip);
        }
    }
    out
}
