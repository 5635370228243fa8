//! A deterministic synthetic cluster for benchmarks, tests and fuzzing: namespaces, service
//! accounts, Deployments (expanded into pods by the loader), Services, and a
//! realistic mix of Kubernetes NetworkPolicies and Calico policies in tiers,
//! all as one multi-document YAML text.
//!
//! Everything is driven by a seeded xorshift PRNG, so the same [`Spec`]
//! always yields byte-identical YAML.

use std::fmt::Write as _;

/// xorshift64* (Vigna): small, fast, good enough for test data.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        // A zero state would stay zero; mix the seed so nearby seeds diverge.
        let mut s = seed ^ 0x9E37_79B9_7F4A_7C15;
        if s == 0 {
            s = 0x2545_F491_4F6C_DD1D;
        }
        Rng(s)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        ((self.next_u64() >> 11) % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u32) -> bool {
        self.below(100) < percent as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Index into `weights`, chosen with probability proportional to weight.
    pub fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut r = self.below(total as usize) as u32;
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }
}

/// What to generate.
#[derive(Clone, Debug)]
pub struct Spec {
    /// Total pods, including the system ones (kube-dns, monitoring).
    pub pods: usize,
    /// Total namespaces, including kube-system and monitoring.
    pub namespaces: usize,
    /// Total policies (Kubernetes plus Calico).
    pub policies: usize,
    /// Share of `policies` that are Calico v3 policies (0 for a pure
    /// Kubernetes cluster; then no Tier objects are emitted either).
    pub calico_percent: u32,
    /// Share of `policies` that are Cilium policies (CNP, some CCNP).
    pub cilium_percent: u32,
    /// Calico policies go into three tiers and use L7 and service-account
    /// rules; without, all are in the default tier and use neither (what
    /// network-config-analyzer models).
    pub calico_tiers: bool,
    /// Bare pods instead of Deployments, each with labels drawn at random
    /// (a `version` of its own, mostly), so that nearly every pod is an
    /// identity of its own: the case grouping by identity cannot collapse.
    pub bare: bool,
    pub seed: u64,
}

impl Spec {
    /// Kubernetes NetworkPolicies only.
    pub fn k8s(pods: usize, policies: usize) -> Self {
        Spec {
            pods,
            namespaces: (pods / 100).clamp(3, 200),
            policies,
            calico_percent: 0,
            cilium_percent: 0,
            calico_tiers: true,
            bare: false,
            seed: 0x5EED_CAFE,
        }
    }

    /// ~60% Kubernetes NetworkPolicy, ~40% Calico (three tiers).
    pub fn mixed(pods: usize, policies: usize) -> Self {
        Spec {
            calico_percent: 40,
            ..Spec::k8s(pods, policies)
        }
    }

    /// [`Spec::mixed`] with every Calico policy in the default tier and no
    /// L7 or service-account rules.
    pub fn single_tier(pods: usize, policies: usize) -> Self {
        Spec {
            calico_tiers: false,
            ..Spec::mixed(pods, policies)
        }
    }
}

impl Spec {
    /// The same cluster with bare pods (see [`Spec::bare`]).
    pub fn bare(self) -> Self {
        Spec { bare: true, ..self }
    }

    /// ~60% Kubernetes NetworkPolicy, ~40% Cilium (CNP with L7 and deny
    /// rules, and clusterwide policies).
    pub fn cilium(pods: usize, policies: usize) -> Self {
        Spec {
            cilium_percent: 40,
            ..Spec::k8s(pods, policies)
        }
    }
}

/// A generated cluster and a summary of what it holds.
#[derive(Clone, Debug)]
pub struct Generated {
    pub yaml: String,
    pub namespaces: usize,
    pub deployments: usize,
    pub pods: usize,
    pub services: usize,
    pub service_accounts: usize,
    pub k8s_policies: usize,
    pub calico_policies: usize,
    pub cilium_policies: usize,
    pub tiers: usize,
}

const TEAMS: &[&str] = &[
    "payments", "search", "identity", "catalog", "checkout", "shipping", "data", "ml",
];
const ENVS: &[&str] = &["prod", "staging", "dev"];
const VERSIONS: &[&str] = &["v1", "v2", "v3"];
/// A named container port.
type NamedPort = (&'static str, u16);
/// (app, tier label, extra named port)
const APPS: &[(&str, &str, Option<NamedPort>)] = &[
    ("frontend", "web", None),
    ("gateway", "web", None),
    ("api", "app", Some(("grpc", 9000))),
    ("backend", "app", Some(("grpc", 9000))),
    ("auth", "app", Some(("grpc", 9000))),
    ("search", "app", None),
    ("worker", "app", None),
    ("scheduler", "app", None),
    ("reporting", "app", None),
    ("db", "data", Some(("postgres", 5432))),
    ("cache", "data", Some(("redis", 6379))),
    ("queue", "data", Some(("amqp", 5672))),
];
const TIER_LABELS: &[&str] = &["web", "app", "data"];
/// Calico tiers: (name, order, defaultAction).
const CALICO_TIERS: &[(&str, u32, &str)] = &[
    ("security", 100, "Deny"),
    ("platform", 200, "Pass"),
    ("apps", 300, "Deny"),
];

struct Namespace {
    name: String,
    team: &'static str,
    env: &'static str,
    /// Apps deployed here.
    apps: Vec<usize>,
}

/// Generates the cluster described by `spec`.
pub fn generate(spec: &Spec) -> Generated {
    let mut rng = Rng::new(spec.seed);
    let mut g = Gen {
        out: String::with_capacity(spec.pods * 600 + spec.policies * 1200),
        rng: &mut rng,
        tiers: spec.calico_tiers,
    };
    let mut summary = Generated {
        yaml: String::new(),
        namespaces: 0,
        deployments: 0,
        pods: 0,
        services: 0,
        service_accounts: 0,
        k8s_policies: 0,
        calico_policies: 0,
        cilium_policies: 0,
        tiers: 0,
    };

    // System namespaces: cluster DNS and monitoring.
    g.namespace("kube-system", &[]);
    g.namespace(
        "monitoring",
        &[
            ("team", "platform"),
            ("env", "prod"),
            ("monitoring", "true"),
        ],
    );
    summary.namespaces += 2;
    let dns_pods = 2.min(spec.pods);
    g.deployment(
        "kube-system",
        "coredns",
        dns_pods,
        &[("k8s-app", "kube-dns")],
        "coredns",
        &[
            ("dns", 53, "UDP"),
            ("dns-tcp", 53, "TCP"),
            ("metrics", 9153, "TCP"),
        ],
    );
    let prom_pods = 2.min(spec.pods - dns_pods);
    g.deployment(
        "monitoring",
        "prometheus",
        prom_pods,
        &[("app", "prometheus"), ("tier", "app"), ("team", "platform")],
        "prometheus",
        &[("http", 9090, "TCP")],
    );
    summary.deployments += 2;
    summary.pods += dns_pods + prom_pods;

    // Application namespaces.
    let app_ns = spec.namespaces.saturating_sub(2).max(1);
    let mut namespaces: Vec<Namespace> = (0..app_ns)
        .map(|i| {
            let team = TEAMS[i % TEAMS.len()];
            let env = ENVS[(i / TEAMS.len()) % ENVS.len()];
            Namespace {
                name: format!("{team}-{env}-{i:03}"),
                team,
                env,
                apps: Vec::new(),
            }
        })
        .collect();
    let app_pods = spec.pods - summary.pods;
    for (i, ns) in namespaces.iter_mut().enumerate() {
        let monitored = if g.rng.chance(70) { "true" } else { "false" };
        g.namespace(
            &ns.name,
            &[
                ("team", ns.team),
                ("env", ns.env),
                ("monitoring", monitored),
            ],
        );
        summary.namespaces += 1;
        let mut remaining = app_pods / app_ns + usize::from(i < app_pods % app_ns);
        let mut seq = 0;
        let mut declared_sa = Vec::new();
        while remaining > 0 {
            let app_index = g.rng.below(APPS.len());
            let (app, tier, extra) = APPS[app_index];
            let version = *g.rng.pick(VERSIONS);
            let replicas = g.rng.range(1, 8).min(remaining);
            remaining -= replicas;
            let name = format!("{app}-{version}-{seq}");
            seq += 1;
            if !ns.apps.contains(&app_index) {
                ns.apps.push(app_index);
            }
            if !declared_sa.contains(&app_index) {
                declared_sa.push(app_index);
                g.service_account(&ns.name, app, tier);
                summary.service_accounts += 1;
            }
            let mut labels = vec![
                ("app", app),
                ("tier", tier),
                ("version", version),
                ("team", ns.team),
            ];
            if g.rng.chance(5) {
                labels.push(("canary", "true"));
            }
            if g.rng.chance(1) {
                labels.push(("quarantine", "true"));
            }
            let mut ports: Vec<(&str, u16, &str)> = vec![("metrics", 9090, "TCP")];
            if tier != "data" {
                ports.push(("http", 8080, "TCP"));
            }
            if let Some((pname, pnum)) = extra
                && (tier == "data" || g.rng.chance(50))
            {
                ports.push((pname, pnum, "TCP"));
            }
            if spec.bare {
                for r in 0..replicas {
                    // A version of its own for most pods; the policies'
                    // v1/v2/v3 for the rest, so that they still select.
                    let own;
                    let mut labels = labels.clone();
                    if !g.rng.chance(20) {
                        own = format!("b{}", g.rng.below(1 << 30));
                        labels[2] = ("version", own.as_str());
                    }
                    g.pod(
                        &ns.name,
                        &format!("{name}-{r}"),
                        &labels,
                        &format!("sa-{app}"),
                        &ports,
                    );
                }
            } else {
                g.deployment(
                    &ns.name,
                    &name,
                    replicas,
                    &labels,
                    &format!("sa-{app}"),
                    &ports,
                );
            }
            if !spec.bare {
                summary.deployments += 1;
            }
            summary.pods += replicas;
            if g.rng.chance(60) {
                g.service(&ns.name, &name, &labels[..3], &ports);
                summary.services += 1;
            }
        }
    }

    // Policies.
    let calico = spec.policies * spec.calico_percent as usize / 100;
    let cilium = spec.policies * spec.cilium_percent as usize / 100;
    let k8s = spec.policies - calico - cilium;
    if calico > 0 && spec.calico_tiers {
        for (name, order, default) in CALICO_TIERS {
            g.tier(name, *order, default);
            summary.tiers += 1;
        }
    }
    for i in 0..k8s {
        let ns = &namespaces[g.rng.below(namespaces.len())];
        g.k8s_policy(i, ns, &namespaces);
        summary.k8s_policies += 1;
    }
    for i in 0..calico {
        if i == 0 && spec.calico_tiers {
            // One platform-wide application-layer rule, so that some
            // requests are refused at L7 rather than dropped at L3/L4.
            g.calico_l7_policy();
        } else {
            let ns = &namespaces[g.rng.below(namespaces.len())];
            g.calico_policy(i, ns, &namespaces);
        }
        summary.calico_policies += 1;
    }
    for i in 0..cilium {
        let ns = &namespaces[g.rng.below(namespaces.len())];
        g.cilium_policy(i, ns, &namespaces);
        summary.cilium_policies += 1;
    }
    summary.yaml = g.out;
    summary
}

struct Gen<'r> {
    out: String,
    rng: &'r mut Rng,
    /// See [`Spec::calico_tiers`].
    tiers: bool,
}

/// Writes `  key: "value"` lines at `indent`.
fn labels_block(out: &mut String, indent: usize, labels: &[(&str, &str)]) {
    for (k, v) in labels {
        let _ = writeln!(out, "{:indent$}{k}: \"{v}\"", "");
    }
}

impl Gen<'_> {
    fn doc(&mut self) {
        self.out.push_str("---\n");
    }

    fn namespace(&mut self, name: &str, labels: &[(&str, &str)]) {
        self.doc();
        let _ = write!(
            self.out,
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n    kubernetes.io/metadata.name: {name}\n"
        );
        labels_block(&mut self.out, 4, labels);
    }

    fn service_account(&mut self, ns: &str, app: &str, tier: &str) {
        self.doc();
        let _ = write!(
            self.out,
            "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: sa-{app}\n  namespace: {ns}\n  labels:\n    app: {app}\n    role: {tier}\n"
        );
    }

    fn deployment(
        &mut self,
        ns: &str,
        name: &str,
        replicas: usize,
        labels: &[(&str, &str)],
        service_account: &str,
        ports: &[(&str, u16, &str)],
    ) {
        self.doc();
        let _ = write!(
            self.out,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  replicas: {replicas}\n  selector:\n    matchLabels:\n"
        );
        labels_block(&mut self.out, 6, &labels[..labels.len().min(3)]);
        self.out
            .push_str("  template:\n    metadata:\n      labels:\n");
        labels_block(&mut self.out, 8, labels);
        let _ = write!(
            self.out,
            "    spec:\n      serviceAccountName: {service_account}\n      containers:\n        - name: main\n          image: registry.example.com/{name}:1.0\n          ports:\n"
        );
        for (pname, port, proto) in ports {
            let _ = write!(
                self.out,
                "            - name: {pname}\n              containerPort: {port}\n              protocol: {proto}\n"
            );
        }
    }

    /// A pod without an owner.
    fn pod(
        &mut self,
        ns: &str,
        name: &str,
        labels: &[(&str, &str)],
        service_account: &str,
        ports: &[(&str, u16, &str)],
    ) {
        self.doc();
        let _ = write!(
            self.out,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n"
        );
        labels_block(&mut self.out, 4, labels);
        let _ = write!(
            self.out,
            "spec:\n  serviceAccountName: {service_account}\n  containers:\n    - name: main\n      image: registry.example.com/{name}:1.0\n      ports:\n"
        );
        for (pname, port, proto) in ports {
            let _ = write!(
                self.out,
                "        - name: {pname}\n          containerPort: {port}\n          protocol: {proto}\n"
            );
        }
    }

    fn service(
        &mut self,
        ns: &str,
        name: &str,
        selector: &[(&str, &str)],
        ports: &[(&str, u16, &str)],
    ) {
        self.doc();
        let _ = write!(
            self.out,
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: {name}\n  namespace: {ns}\nspec:\n  selector:\n"
        );
        labels_block(&mut self.out, 4, selector);
        self.out.push_str("  ports:\n");
        for (pname, port, proto) in ports {
            let front = if *port == 8080 { 80 } else { *port };
            let _ = write!(
                self.out,
                "    - name: {pname}\n      port: {front}\n      targetPort: {pname}\n      protocol: {proto}\n"
            );
        }
    }

    fn tier(&mut self, name: &str, order: u32, default: &str) {
        self.doc();
        let _ = write!(
            self.out,
            "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: {name}\nspec:\n  order: {order}\n  defaultAction: {default}\n"
        );
    }

    /// An app of the namespace (or any app, for an empty namespace).
    fn app_of(&mut self, ns: &Namespace) -> usize {
        if ns.apps.is_empty() {
            self.rng.below(APPS.len())
        } else {
            *self.rng.pick(&ns.apps)
        }
    }

    // ---- Cilium ----------------------------------------------------------

    fn cilium_policy(&mut self, i: usize, ns: &Namespace, all: &[Namespace]) {
        self.doc();
        let app = APPS[self.app_of(ns)].0;
        match self.rng.weighted(&[10, 10, 80]) {
            // A clusterwide deny of quarantined pods, or egress to the world.
            0 => {
                let _ = write!(
                    self.out,
                    "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata:\n  name: ccnp-{i}\nspec:\n  endpointSelector:\n    matchLabels:\n      app: {app}\n"
                );
                if self.rng.chance(50) {
                    self.out.push_str("  ingressDeny:\n    - fromEndpoints:\n        - matchLabels:\n            quarantine: \"true\"\n  enableDefaultDeny:\n    ingress: false\n");
                } else {
                    self.out.push_str("  egress:\n    - toEntities: [world, kube-apiserver]\n      toPorts:\n        - ports:\n            - port: \"443\"\n              protocol: TCP\n    - toCIDRSet:\n        - cidr: 0.0.0.0/0\n          except: [10.0.0.0/8, 169.254.169.254/32]\n");
                }
            }
            // Namespace-wide L3 from monitoring, with a deny.
            1 => {
                let _ = write!(
                    self.out,
                    "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: cnp-{i}\n  namespace: {}\nspec:\n  endpointSelector: {{}}\n  ingress:\n    - fromEndpoints:\n        - matchLabels:\n            io.kubernetes.pod.namespace: monitoring\n      toPorts:\n        - ports:\n            - port: metrics\n  ingressDeny:\n    - fromEntities: [world]\n",
                    ns.name
                );
            }
            // An app's ingress: peers from this or another team's namespace,
            // ports, sometimes HTTP rules.
            _ => {
                let peer = APPS[self.rng.below(APPS.len())].0;
                let _ = write!(
                    self.out,
                    "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata:\n  name: cnp-{i}\n  namespace: {}\nspec:\n  endpointSelector:\n    matchLabels:\n      app: {app}\n  ingress:\n    - fromEndpoints:\n        - matchLabels:\n            app: {peer}\n",
                    ns.name
                );
                if self.rng.chance(30) {
                    let other = &all[self.rng.below(all.len())];
                    let _ = write!(
                        self.out,
                        "        - matchLabels:\n            io.cilium.k8s.namespace.labels.team: {}\n",
                        other.team
                    );
                }
                let port = *self.rng.pick(&["8080", "9000", "5432", "6379", "http"]);
                let _ = write!(
                    self.out,
                    "      toPorts:\n        - ports:\n            - port: \"{port}\"\n              protocol: TCP\n"
                );
                if port == "8080" && self.rng.chance(50) {
                    self.out.push_str("          rules:\n            http:\n              - method: GET\n                path: \"/api/.*\"\n              - method: POST\n                path: /api/orders\n");
                }
                if self.rng.chance(30) {
                    self.out.push_str("  egress:\n    - toEndpoints:\n        - matchLabels:\n            io.kubernetes.pod.namespace: kube-system\n            k8s-app: kube-dns\n      toPorts:\n        - ports:\n            - port: \"53\"\n              protocol: ANY\n    - toEndpoints:\n        - {}\n");
                }
            }
        }
    }

    // ---- Kubernetes NetworkPolicy -------------------------------------

    fn k8s_policy(&mut self, i: usize, ns: &Namespace, all: &[Namespace]) {
        self.doc();
        let kind = self.rng.weighted(&[8, 8, 84]);
        let name = match kind {
            0 => format!("default-deny-{i}"),
            1 => format!("allow-dns-{i}"),
            _ => format!("np-{i}"),
        };
        let _ = write!(
            self.out,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: {name}\n  namespace: {}\nspec:\n",
            ns.name
        );
        match kind {
            0 => {
                let types = if self.rng.chance(50) {
                    "[Ingress]"
                } else {
                    "[Ingress, Egress]"
                };
                let _ = writeln!(self.out, "  podSelector: {{}}\n  policyTypes: {types}");
            }
            1 => {
                self.out.push_str(
                    "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n    - to:\n        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: kube-system\n          podSelector:\n            matchLabels:\n              k8s-app: kube-dns\n      ports:\n        - protocol: UDP\n          port: 53\n        - protocol: TCP\n          port: 53\n",
                );
            }
            _ => self.k8s_app_policy(ns, all),
        }
    }

    fn k8s_app_policy(&mut self, ns: &Namespace, all: &[Namespace]) {
        let app = APPS[self.app_of(ns)].0;
        self.out.push_str("  podSelector:\n    matchLabels:\n");
        let _ = writeln!(self.out, "      app: {app}");
        match self.rng.below(4) {
            0 => {
                let v1 = *self.rng.pick(VERSIONS);
                let v2 = *self.rng.pick(VERSIONS);
                let _ = writeln!(
                    self.out,
                    "    matchExpressions:\n      - key: version\n        operator: In\n        values: [{v1}, {v2}]"
                );
            }
            1 => self.out.push_str(
                "    matchExpressions:\n      - key: canary\n        operator: DoesNotExist\n",
            ),
            _ => {}
        }
        let (ingress, egress) = match self.rng.weighted(&[55, 15, 30]) {
            0 => (true, false),
            1 => (false, true),
            _ => (true, true),
        };
        let types: Vec<&str> = [(ingress, "Ingress"), (egress, "Egress")]
            .iter()
            .filter(|t| t.0)
            .map(|t| t.1)
            .collect();
        let _ = writeln!(self.out, "  policyTypes: [{}]", types.join(", "));
        for (on, section, peers) in [(ingress, "ingress", "from"), (egress, "egress", "to")] {
            if !on {
                continue;
            }
            let _ = writeln!(self.out, "  {section}:");
            let rules = self.rng.range(1, 3);
            for _ in 0..rules {
                if self.rng.chance(4) {
                    // Allow everything in this direction.
                    self.out.push_str("    - {}\n");
                    continue;
                }
                let mut first = true;
                let mut lead = || {
                    if std::mem::replace(&mut first, false) {
                        "    - "
                    } else {
                        "      "
                    }
                };
                let n_peers = self.rng.range(0, 3);
                if n_peers > 0 {
                    let l = lead();
                    let _ = writeln!(self.out, "{l}{peers}:");
                    for _ in 0..n_peers {
                        self.k8s_peer(ns, all);
                    }
                }
                let n_ports = if n_peers == 0 {
                    self.rng.range(1, 2)
                } else {
                    self.rng.range(0, 2)
                };
                if n_ports > 0 {
                    let l = lead();
                    let _ = writeln!(self.out, "{l}ports:");
                    for _ in 0..n_ports {
                        self.k8s_port();
                    }
                }
            }
        }
    }

    fn k8s_peer(&mut self, ns: &Namespace, all: &[Namespace]) {
        match self.rng.weighted(&[40, 15, 15, 10, 10, 10]) {
            0 => {
                let app = APPS[self.app_of(ns)].0;
                let _ = writeln!(
                    self.out,
                    "        - podSelector:\n            matchLabels:\n              app: {app}"
                );
            }
            1 => {
                let team = *self.rng.pick(TEAMS);
                let _ = writeln!(
                    self.out,
                    "        - namespaceSelector:\n            matchLabels:\n              team: {team}"
                );
            }
            2 => {
                let other = &all[self.rng.below(all.len())];
                let app = APPS[self.app_of(other)].0;
                let _ = writeln!(
                    self.out,
                    "        - namespaceSelector:\n            matchLabels:\n              kubernetes.io/metadata.name: {}\n          podSelector:\n            matchLabels:\n              app: {app}",
                    other.name
                );
            }
            3 => {
                let e1 = *self.rng.pick(ENVS);
                let tier = *self.rng.pick(TIER_LABELS);
                let _ = writeln!(
                    self.out,
                    "        - namespaceSelector:\n            matchExpressions:\n              - key: env\n                operator: In\n                values: [{e1}]\n          podSelector:\n            matchExpressions:\n              - key: tier\n                operator: In\n                values: [{tier}]"
                );
            }
            4 => {
                self.out.push_str(
                    "        - namespaceSelector:\n            matchLabels:\n              monitoring: \"true\"\n",
                );
            }
            _ => {
                let (cidr, except) = *self.rng.pick(&[
                    ("10.0.0.0/8", Some("10.244.0.0/16")),
                    ("10.244.0.0/14", None),
                    ("192.168.0.0/16", None),
                    ("0.0.0.0/0", Some("10.0.0.0/8")),
                    ("172.16.0.0/12", Some("172.16.5.0/24")),
                ]);
                let _ = writeln!(self.out, "        - ipBlock:\n            cidr: {cidr}");
                if let Some(e) = except {
                    let _ = writeln!(self.out, "            except: [{e}]");
                }
            }
        }
    }

    fn k8s_port(&mut self) {
        match self.rng.weighted(&[30, 20, 10, 10, 10, 10, 10]) {
            0 => self
                .out
                .push_str("        - protocol: TCP\n          port: 8080\n"),
            1 => self.out.push_str("        - port: http\n"),
            2 => self.out.push_str("        - port: metrics\n"),
            3 => self.out.push_str(
                "        - protocol: TCP\n          port: 9000\n          endPort: 9100\n",
            ),
            4 => self
                .out
                .push_str("        - protocol: TCP\n          port: grpc\n"),
            5 => self
                .out
                .push_str("        - protocol: UDP\n          port: 53\n"),
            _ => {
                let p = *self.rng.pick(&[443u16, 5432, 6379, 5672]);
                let _ = writeln!(self.out, "        - protocol: TCP\n          port: {p}");
            }
        }
    }

    // ---- Calico -------------------------------------------------------

    fn calico_policy(&mut self, i: usize, ns: &Namespace, all: &[Namespace]) {
        self.doc();
        // security, platform, apps, default
        let tier = match self.rng.weighted(&[25, 25, 35, 15]) {
            _ if !self.tiers => "default",
            3 => "default",
            t => CALICO_TIERS[t].0,
        };
        let global = match tier {
            "security" | "platform" => self.rng.chance(80),
            _ => self.rng.chance(15),
        };
        let kind = if global {
            "GlobalNetworkPolicy"
        } else {
            "NetworkPolicy"
        };
        let prefix = if self.tiers { &format!("{tier}.") } else { "" };
        let _ = write!(
            self.out,
            "apiVersion: projectcalico.org/v3\nkind: {kind}\nmetadata:\n  name: {prefix}cp-{i}\n"
        );
        if !global {
            let _ = writeln!(self.out, "  namespace: {}", ns.name);
        }
        self.out.push_str("spec:\n");
        if self.tiers {
            let _ = writeln!(self.out, "  tier: {tier}");
        }
        let _ = writeln!(self.out, "  order: {}", self.rng.range(1, 100) * 10);
        let selector = self.calico_subject(ns, global);
        let _ = writeln!(self.out, "  selector: \"{selector}\"");
        if global && self.rng.chance(30) {
            let env = *self.rng.pick(ENVS);
            let _ = writeln!(self.out, "  namespaceSelector: \"env == '{env}'\"");
        }
        if !global && self.tiers && self.rng.chance(10) {
            let app = APPS[self.app_of(ns)].0;
            let _ = writeln!(self.out, "  serviceAccountSelector: \"app == '{app}'\"");
        }
        let (ingress, egress) = match self.rng.weighted(&[50, 20, 30]) {
            0 => (true, false),
            1 => (false, true),
            _ => (true, true),
        };
        let types: Vec<&str> = [(ingress, "Ingress"), (egress, "Egress")]
            .iter()
            .filter(|t| t.0)
            .map(|t| t.1)
            .collect();
        let _ = writeln!(self.out, "  types: [{}]", types.join(", "));
        for (on, section) in [(ingress, "ingress"), (egress, "egress")] {
            if !on {
                continue;
            }
            let _ = writeln!(self.out, "  {section}:");
            let rules = self.rng.range(1, 4);
            for r in 0..rules {
                self.calico_rule(tier, ns, all, section == "ingress");
                if r + 1 == rules && tier != "default" && self.rng.chance(40) {
                    self.out.push_str("    - action: Pass\n");
                }
            }
        }
    }

    fn calico_l7_policy(&mut self) {
        self.doc();
        self.out.push_str(
            "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: security.web-read-only\nspec:\n  tier: security\n  order: 1\n  selector: \"tier == 'web'\"\n  types: [Ingress]\n  ingress:\n    - action: Allow\n      protocol: TCP\n      destination:\n        ports: [http]\n      http:\n        methods: [GET, HEAD]\n        paths:\n          - prefix: /api/\n    - action: Deny\n      protocol: TCP\n      destination:\n        ports: [http]\n    - action: Pass\n",
        );
    }

    fn calico_subject(&mut self, ns: &Namespace, global: bool) -> String {
        let app = APPS[self.app_of(ns)].0;
        let choices = if global { 7 } else { 5 };
        match self.rng.below(choices) {
            0 => format!("app == '{app}'"),
            1 => format!("app == '{app}' && version != 'v1'"),
            2 => {
                let t = *self.rng.pick(TIER_LABELS);
                format!("tier in {{'{t}', 'data'}} && !has(canary)")
            }
            3 => "has(canary)".to_string(),
            4 => format!("tier == 'web' || app == '{app}'"),
            5 => "all()".to_string(),
            _ => format!("team == '{}' && has(app)", self.rng.pick(TEAMS)),
        }
    }

    fn calico_rule(&mut self, tier: &str, ns: &Namespace, all: &[Namespace], ingress: bool) {
        let action = match tier {
            "security" => ["Deny", "Allow", "Log", "Pass"][self.rng.weighted(&[45, 15, 20, 20])],
            "platform" => ["Allow", "Deny", "Log", "Pass"][self.rng.weighted(&[55, 10, 15, 20])],
            _ => ["Allow", "Deny", "Log", "Pass"][self.rng.weighted(&[65, 20, 10, 5])],
        };
        let _ = writeln!(self.out, "    - action: {action}");
        if action == "Log" && self.rng.chance(50) {
            return;
        }
        let proto = match self.rng.weighted(&[60, 15, 5, 20]) {
            0 => Some("TCP"),
            1 => Some("UDP"),
            2 => Some("ICMP"),
            _ => None,
        };
        if let Some(p) = proto {
            let _ = writeln!(self.out, "      protocol: {p}");
        }
        if proto == Some("ICMP") && self.rng.chance(50) {
            self.out.push_str("      icmp:\n        type: 8\n");
        }
        // The remote side: who the peer is. The local side may carry ports.
        let (remote, local) = if ingress {
            ("source", "destination")
        } else {
            ("destination", "source")
        };
        let mut remote_lines = String::new();
        match self.rng.weighted(&[30, 15, 15, 15, 10, 15]) {
            0 => {
                let app = APPS[self.app_of(ns)].0;
                let _ = writeln!(remote_lines, "        selector: \"app == '{app}'\"");
            }
            1 => {
                let team = *self.rng.pick(TEAMS);
                let _ = writeln!(
                    remote_lines,
                    "        namespaceSelector: \"team == '{team}'\"\n        selector: \"tier != 'data'\""
                );
            }
            2 => {
                let other = &all[self.rng.below(all.len())];
                let _ = writeln!(
                    remote_lines,
                    "        namespaceSelector: \"projectcalico.org/name == '{}'\"",
                    other.name
                );
            }
            3 => {
                let cidr = *self.rng.pick(&[
                    "10.244.0.0/16",
                    "10.0.0.0/8",
                    "192.168.0.0/16",
                    "0.0.0.0/0",
                    "172.16.0.0/12",
                ]);
                let _ = writeln!(remote_lines, "        nets: [\"{cidr}\"]");
                if self.rng.chance(30) {
                    remote_lines.push_str("        notNets: [\"10.244.1.0/24\"]\n");
                }
            }
            4 if self.tiers => {
                let app = APPS[self.app_of(ns)].0;
                let _ = writeln!(
                    remote_lines,
                    "        serviceAccounts:\n          names: [sa-{app}]"
                );
            }
            _ => {
                remote_lines.push_str("        selector: \"has(quarantine) || has(canary)\"\n");
            }
        }
        let _ = write!(self.out, "      {remote}:\n{remote_lines}");
        let ported = matches!(proto, Some("TCP") | Some("UDP"));
        let port_side = if ingress { local } else { remote };
        if ported && self.rng.chance(75) {
            let ports = *self.rng.pick(&[
                "[8080]",
                "[http]",
                "[metrics]",
                "[\"9000:9100\"]",
                "[8080, 9090]",
                "[53]",
                "[5432, 6379]",
                "[grpc, 443]",
            ]);
            if port_side == remote {
                // Ports of the remote side: append to its block.
                let _ = writeln!(self.out, "        ports: {ports}");
            } else {
                let _ = writeln!(self.out, "      {local}:\n        ports: {ports}");
            }
            if self.tiers
                && ingress
                && action == "Allow"
                && proto == Some("TCP")
                && self.rng.chance(25)
            {
                self.out.push_str(
                    "      http:\n        methods: [GET, HEAD]\n        paths:\n          - prefix: /api/\n",
                );
            }
        } else if ported && self.rng.chance(20) {
            if ingress {
                self.out
                    .push_str("      destination:\n        notPorts: [22, 3389]\n");
            } else {
                self.out.push_str("        notPorts: [22, 3389]\n");
            }
        }
    }
}
