//! Cilium semantics, flow by flow: every row of SEMANTICS.md §C10 ("empty
//! and edge rule shapes"), deny precedence, default-deny switches, selector
//! rewriting, CIDR scope, named ports by version and mutual authentication.

use crate::dialect::lower::{Choice, Input, lower};
use crate::model::policy::{Cni, Version};
use crate::sim::eval::{Evaluator, Layer, Outcome, Reply, Verdict};
use crate::sim::resolve::{FlowRequest, PortRef, flows, parse_protocol};

/// Two namespaces, two nodes: `apps/web` and `apps/api` on node-1,
/// `tools/probe` on node-2, and `apps/sts-0` with a filtered label.
const CLUSTER: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: node-1, labels: {kubernetes.io/hostname: node-1, pool: blue}}
status: {addresses: [{type: InternalIP, address: 192.168.0.1}]}
---
apiVersion: v1
kind: Node
metadata:
  name: node-2
  labels: {kubernetes.io/hostname: node-2, pool: green, node-role.kubernetes.io/control-plane: ""}
status: {addresses: [{type: InternalIP, address: 192.168.0.2}]}
---
apiVersion: v1
kind: Namespace
metadata: {name: apps, labels: {team: apps}}
---
apiVersion: v1
kind: Namespace
metadata: {name: tools, labels: {team: platform}}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: apps, labels: {app: web}}
spec:
  nodeName: node-1
  containers: [{name: c, image: i, ports: [{name: http, containerPort: 8080}]}]
status: {podIP: 10.0.1.10}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: apps, labels: {app: api}}
spec:
  nodeName: node-1
  containers: [{name: c, image: i, ports: [{name: http, containerPort: 9090}]}]
status: {podIP: 10.0.1.11}
---
apiVersion: v1
kind: Pod
metadata: {name: sts-0, namespace: apps, labels: {app: db, statefulset.kubernetes.io/pod-name: sts-0}}
spec:
  nodeName: node-1
  containers: [{name: c, image: i}]
status: {podIP: 10.0.1.12}
---
apiVersion: v1
kind: Pod
metadata: {name: probe, namespace: tools, labels: {app: probe}}
spec:
  nodeName: node-2
  containers: [{name: c, image: i}]
status: {podIP: 10.0.2.10}
"#;

struct Sim {
    yaml: String,
    version: Option<Version>,
    auth_fails: bool,
    http: Option<(&'static str, &'static str)>,
}

fn with(policies: &str) -> Sim {
    Sim {
        yaml: format!("{CLUSTER}\n---\n{policies}"),
        version: None,
        auth_fails: false,
        http: None,
    }
}

impl Sim {
    fn version(mut self, v: Version) -> Self {
        self.version = Some(v);
        self
    }

    fn auth_fails(mut self) -> Self {
        self.auth_fails = true;
        self
    }

    fn http(mut self, method: &'static str, path: &'static str) -> Self {
        self.http = Some((method, path));
        self
    }

    /// Simulates `from -> to` on `proto`/`port`.
    fn flow(&self, from: &str, to: &str, proto: &str, port: u16) -> Outcome {
        let inv = crate::load::load_text("t.yaml", &self.yaml).unwrap_or_else(|e| panic!("{e:?}"));
        let input = Input::from(&inv);
        let choice = Choice {
            cni: Some(Cni::Cilium),
            cilium_version: self.version,
            app_layer: true,
            ..Choice::default()
        };
        let set = lower(&input, &choice).set;
        let req = FlowRequest {
            from: from.into(),
            to: to.into(),
            port: (port > 0).then_some(PortRef::Number(port)),
            protocol: Some(parse_protocol(proto).unwrap()),
            http: self.http.map(|(m, p)| crate::model::HttpRequest {
                method: Some(m.into()),
                path: Some(p.into()),
                ..Default::default()
            }),
            auth_fails: self.auth_fails,
            ..FlowRequest::default()
        };
        let mut all = flows(&inv.cluster, &req, "default").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.len(), 1);
        Evaluator::new(&set, &inv.cluster).evaluate(all.remove(0))
    }

    fn verdict(&self, from: &str, to: &str, port: u16) -> Verdict {
        self.flow(from, to, "TCP", port).verdict
    }
}

use Verdict::{Allow, Deny};

fn cnp(name: &str, ns: &str, spec: &str) -> String {
    format!(
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n{spec}\n---\n"
    )
}

fn ccnp(name: &str, spec: &str) -> String {
    format!(
        "apiVersion: cilium.io/v2\nkind: CiliumClusterwideNetworkPolicy\nmetadata: {{name: {name}}}\nspec:\n{spec}\n---\n"
    )
}

const WEB: &str = "  endpointSelector: {matchLabels: {app: web}}\n";

// --- SEMANTICS.md §C10, row by row -------------------------------------

#[test]
fn c10_empty_ingress_rule_is_default_deny_allowing_nothing() {
    let s = with(&cnp("deny-all", "apps", &format!("{WEB}  ingress: [{{}}]")));
    assert_eq!(s.verdict("apps/api", "apps/web", 8080), Deny);
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Deny);
    // Egress is not touched.
    assert_eq!(s.verdict("apps/web", "apps/api", 9090), Allow);
}

#[test]
fn c10_trap_networkpolicy_empty_ingress_rule_allows_everything() {
    let np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: all, namespace: apps}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress: [{}]\n";
    let s = with(np);
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Allow);
    assert_eq!(s.verdict("203.0.113.9", "apps/web", 8080), Allow);
}

#[test]
fn c10_empty_endpoint_selector_in_a_cnp_is_the_policy_namespace() {
    let s = with(&cnp(
        "same-ns",
        "apps",
        &format!("{WEB}  ingress: [{{fromEndpoints: [{{}}]}}]"),
    ));
    assert_eq!(s.verdict("apps/api", "apps/web", 8080), Allow);
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Deny);
    assert_eq!(s.verdict("203.0.113.9", "apps/web", 8080), Deny);
}

#[test]
fn c10_empty_endpoint_selector_in_a_ccnp_is_every_pod_but_not_host_or_world() {
    let s = with(&ccnp(
        "any-pod",
        &format!("{WEB}  ingress: [{{fromEndpoints: [{{}}]}}]"),
    ));
    assert_eq!(s.verdict("apps/api", "apps/web", 8080), Allow);
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Allow);
    assert_eq!(s.verdict("203.0.113.9", "apps/web", 8080), Deny);
    // node-2 is a remote node for web (on node-1).
    assert_eq!(s.verdict("node:node-2", "apps/web", 8080), Deny);
}

#[test]
fn c10_entity_all_allows_everything() {
    let s = with(&cnp(
        "all",
        "apps",
        &format!("{WEB}  ingress: [{{fromEntities: [all]}}]"),
    ));
    for from in ["apps/api", "tools/probe", "203.0.113.9", "node:node-2"] {
        assert_eq!(s.verdict(from, "apps/web", 8080), Allow, "{from}");
    }
    assert_eq!(s.flow("203.0.113.9", "apps/web", "ICMP", 0).verdict, Allow);
}

#[test]
fn c10_ports_without_peers_allow_any_peer_on_those_ports() {
    let s = with(&cnp(
        "port-80",
        "apps",
        &format!("{WEB}  ingress: [{{toPorts: [{{ports: [{{port: \"80\"}}]}}]}}]"),
    ));
    assert_eq!(s.verdict("203.0.113.9", "apps/web", 80), Allow);
    assert_eq!(s.verdict("tools/probe", "apps/web", 80), Allow);
    // No protocol is ANY: TCP, UDP and SCTP, not ICMP.
    assert_eq!(s.flow("tools/probe", "apps/web", "UDP", 80).verdict, Allow);
    assert_eq!(s.flow("tools/probe", "apps/web", "SCTP", 80).verdict, Allow);
    assert_eq!(s.flow("tools/probe", "apps/web", "ICMP", 0).verdict, Deny);
    assert_eq!(s.verdict("tools/probe", "apps/web", 81), Deny);
}

#[test]
fn c10_empty_peer_list_selects_nothing_but_still_isolates() {
    let s = with(&cnp(
        "nobody",
        "apps",
        &format!("{WEB}  ingress: [{{fromEndpoints: []}}]"),
    ));
    assert_eq!(s.verdict("apps/api", "apps/web", 8080), Deny);
    let s = with(&cnp(
        "nobody",
        "apps",
        &format!(
            "{WEB}  ingress: [{{fromEntities: [], toPorts: [{{ports: [{{port: \"8080\"}}]}}]}}]"
        ),
    ));
    assert_eq!(s.verdict("apps/api", "apps/web", 8080), Deny);
}

#[test]
fn c10_deny_only_policy_turns_on_default_deny() {
    let deny = format!("{WEB}  ingressDeny: [{{fromEndpoints: [{{matchLabels: {{app: api}}}}]}}]");
    let s = with(&cnp("deny-api", "apps", &deny));
    assert_eq!(s.verdict("apps/api", "apps/web", 8080), Deny);
    // Every other peer is now default-denied too.
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Deny);
    // ... unless default deny is switched off for ingress.
    let off = format!("{deny}\n  enableDefaultDeny: {{ingress: false}}");
    let s = with(&cnp("deny-api", "apps", &off));
    assert_eq!(s.verdict("apps/api", "apps/web", 8080), Deny);
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Allow);
}

// --- deny precedence and the union of allows ---------------------------

#[test]
fn a_deny_beats_allows_from_cnp_ccnp_and_networkpolicy() {
    let np = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: np-allow, namespace: apps}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  ingress: [{from: [{namespaceSelector: {}}]}]\n---\n";
    let allow = cnp(
        "allow-probe",
        "apps",
        &format!("{WEB}  ingress: [{{fromEntities: [cluster]}}]"),
    );
    let deny = ccnp(
        "deny-tools",
        "  endpointSelector: {}\n  ingressDeny: [{fromEndpoints: [{matchLabels: {io.cilium.k8s.namespace.labels.team: platform}}]}]",
    );
    let s = with(&format!("{np}{allow}{deny}"));
    let o = s.flow("tools/probe", "apps/web", "TCP", 8080);
    assert_eq!(o.verdict, Deny);
    assert_eq!(o.ingress.decided_by.tier.as_deref(), Some("deny"));
    assert_eq!(o.ingress.decided_by.policy.as_deref(), Some("deny-tools"));
    // The NetworkPolicy and the CNP are a union for everyone else.
    assert_eq!(s.verdict("apps/api", "apps/web", 8080), Allow);
}

#[test]
fn allows_are_a_union_and_enable_default_deny_false_does_not_isolate() {
    let only_api = cnp(
        "api-only",
        "apps",
        &format!(
            "{WEB}  ingress: [{{fromEndpoints: [{{matchLabels: {{app: api}}}}]}}]\n  enableDefaultDeny: {{ingress: false}}"
        ),
    );
    let s = with(&only_api);
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Allow);
    // Another policy that isolates makes the first one's allows count.
    let isolate = cnp("isolate", "apps", &format!("{WEB}  ingress: [{{}}]"));
    let s = with(&format!("{only_api}{isolate}"));
    assert_eq!(s.verdict("apps/api", "apps/web", 8080), Allow);
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Deny);
}

#[test]
fn default_deny_is_per_direction() {
    let s = with(&cnp(
        "egress-only",
        "apps",
        &format!("{WEB}  egress: [{{toEndpoints: [{{matchLabels: {{app: api}}}}]}}]"),
    ));
    assert_eq!(s.verdict("apps/web", "apps/api", 9090), Allow);
    assert_eq!(s.verdict("apps/web", "tools/probe", 80), Deny);
    // Ingress to web is still open.
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Allow);
}

// --- selectors ---------------------------------------------------------

#[test]
fn namespace_label_selectors_cross_namespaces_in_a_cnp() {
    let s = with(&cnp(
        "from-platform",
        "apps",
        &format!(
            "{WEB}  ingress: [{{fromEndpoints: [{{matchLabels: {{k8s:io.cilium.k8s.namespace.labels.team: platform}}}}]}}]"
        ),
    ));
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Allow);
    assert_eq!(s.verdict("apps/api", "apps/web", 8080), Deny);
    // So does naming the namespace.
    let s = with(&cnp(
        "from-tools",
        "apps",
        &format!(
            "{WEB}  ingress: [{{fromEndpoints: [{{matchLabels: {{io.kubernetes.pod.namespace: tools}}}}]}}]"
        ),
    ));
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Allow);
}

#[test]
fn labels_left_out_of_identities_never_match() {
    let s = with(&cnp(
        "by-pod-name",
        "apps",
        &format!(
            "{WEB}  ingress: [{{fromEndpoints: [{{matchLabels: {{statefulset.kubernetes.io/pod-name: sts-0}}}}]}}]"
        ),
    ));
    assert_eq!(s.verdict("apps/sts-0", "apps/web", 8080), Deny);
    // A NotIn/DoesNotExist on such a label holds for every identity.
    let s = with(&cnp(
        "not-sts",
        "apps",
        &format!(
            "{WEB}  ingress: [{{fromEndpoints: [{{matchExpressions: [{{key: statefulset.kubernetes.io/pod-name, operator: DoesNotExist}}]}}]}}]"
        ),
    ));
    assert_eq!(s.verdict("apps/sts-0", "apps/web", 8080), Allow);
}

#[test]
fn service_account_and_reserved_host_selectors() {
    let s = with(&cnp(
        "by-sa",
        "apps",
        &format!(
            "{WEB}  ingress: [{{fromEndpoints: [{{matchLabels: {{io.cilium.k8s.policy.serviceaccount: default}}}}]}}]"
        ),
    ));
    assert_eq!(s.verdict("apps/api", "apps/web", 8080), Allow);
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Deny);
    let s = with(&cnp(
        "from-host",
        "apps",
        &format!("{WEB}  ingress: [{{fromEndpoints: [{{matchLabels: {{reserved:host: \"\"}}}}]}}]"),
    ));
    // node-2 is not web's host: a remote node.
    assert_eq!(s.verdict("node:node-2", "apps/web", 8080), Deny);
    // Its own node is always allowed (local host traffic).
    assert_eq!(s.verdict("node:node-1", "apps/web", 8080), Allow);
}

// --- entities, CIDR, nodes ---------------------------------------------

#[test]
fn entities_tell_world_host_remote_node_and_apiserver_apart() {
    let egress = |e: &str| {
        with(&cnp(
            "out",
            "apps",
            &format!("{WEB}  egress: [{{toEntities: [{e}]}}]"),
        ))
    };
    assert_eq!(
        egress("world").verdict("apps/web", "203.0.113.9", 443),
        Allow
    );
    assert_eq!(egress("world").verdict("apps/web", "apps/api", 9090), Deny);
    assert_eq!(
        egress("world-ipv6").verdict("apps/web", "203.0.113.9", 443),
        Deny
    );
    assert_eq!(
        egress("cluster").verdict("apps/web", "tools/probe", 80),
        Allow
    );
    assert_eq!(
        egress("cluster").verdict("apps/web", "node:node-2", 22),
        Allow
    );
    assert_eq!(
        egress("cluster").verdict("apps/web", "203.0.113.9", 443),
        Deny
    );
    assert_eq!(
        egress("host").verdict("apps/web", "node:node-1", 10250),
        Allow
    );
    assert_eq!(
        egress("host").verdict("apps/web", "node:node-2", 10250),
        Deny
    );
    assert_eq!(
        egress("remote-node").verdict("apps/web", "node:node-2", 10250),
        Allow
    );
    assert_eq!(
        egress("kube-apiserver").verdict("apps/web", "node:node-2", 6443),
        Allow
    );
    assert_eq!(
        egress("kube-apiserver").verdict("apps/web", "node:node-1", 6443),
        Deny
    );
    assert_eq!(egress("none").verdict("apps/web", "203.0.113.9", 443), Deny);
}

#[test]
fn cidr_rules_never_match_pods_or_nodes_and_except_applies() {
    let s = with(&cnp(
        "cidr",
        "apps",
        &format!("{WEB}  egress: [{{toCIDRSet: [{{cidr: 0.0.0.0/0, except: [203.0.113.0/24]}}]}}]"),
    ));
    assert_eq!(s.verdict("apps/web", "198.51.100.7", 443), Allow);
    assert_eq!(s.verdict("apps/web", "203.0.113.9", 443), Deny);
    assert_eq!(s.verdict("apps/web", "apps/api", 9090), Deny);
    assert_eq!(s.verdict("apps/web", "node:node-2", 22), Deny);
}

#[test]
fn node_selectors_match_nodes_by_label() {
    let s = with(&cnp(
        "to-green",
        "apps",
        &format!("{WEB}  egress: [{{toNodes: [{{matchLabels: {{pool: green}}}}]}}]"),
    ));
    assert_eq!(s.verdict("apps/web", "node:node-2", 10250), Allow);
    assert_eq!(s.verdict("apps/web", "node:node-1", 10250), Deny);
}

#[test]
fn icmps_and_ports_are_alternatives_and_l3_only_allows_icmp() {
    let s = with(&cnp(
        "ping",
        "apps",
        &format!(
            "{WEB}  ingress:\n  - icmps: [{{fields: [{{type: EchoRequest}}]}}]\n  - fromEndpoints: [{{matchLabels: {{app: api}}}}]"
        ),
    ));
    assert_eq!(s.flow("tools/probe", "apps/web", "ICMP", 0).verdict, Allow);
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Deny);
    // An L3-only rule allows every protocol, ICMP included.
    assert_eq!(s.flow("apps/api", "apps/web", "ICMP", 0).verdict, Allow);
    assert_eq!(s.flow("apps/api", "apps/web", "UDP", 53).verdict, Allow);
}

// --- named ports -------------------------------------------------------

#[test]
fn egress_named_ports_depend_on_the_version() {
    // `http` is 8080 on web and 9090 on api: duplicate before 1.20.
    let policy = cnp(
        "named",
        "tools",
        "  endpointSelector: {matchLabels: {app: probe}}\n  egress: [{toPorts: [{ports: [{port: http, protocol: TCP}]}]}]",
    );
    let old = with(&policy).version(Version::new(1, 19));
    assert_eq!(old.verdict("tools/probe", "apps/api", 9090), Deny);
    assert_eq!(old.verdict("tools/probe", "apps/web", 8080), Deny);
    let new = with(&policy).version(Version::new(1, 20));
    assert_eq!(new.verdict("tools/probe", "apps/api", 9090), Allow);
    assert_eq!(new.verdict("tools/probe", "apps/web", 8080), Allow);
    assert_eq!(new.verdict("tools/probe", "apps/web", 9090), Deny);
}

#[test]
fn ingress_named_ports_resolve_on_the_subject() {
    let s = with(&cnp(
        "named-in",
        "apps",
        "  endpointSelector: {}\n  ingress: [{toPorts: [{ports: [{port: http}]}]}]",
    ));
    assert_eq!(s.verdict("tools/probe", "apps/web", 8080), Allow);
    assert_eq!(s.verdict("tools/probe", "apps/api", 9090), Allow);
    assert_eq!(s.verdict("tools/probe", "apps/api", 8080), Deny);
}

// --- L7 and authentication ---------------------------------------------

#[test]
fn an_l3_l4_allow_widens_an_l7_restricted_port_for_its_peers() {
    let s = |from: &str| {
        with(&cnp(
            "l7",
            "apps",
            &format!(
                "{WEB}  ingress:\n  - fromEndpoints: [{{}}]\n    toPorts: [{{ports: [{{port: \"8080\", protocol: TCP}}], rules: {{http: [{{method: GET, path: /health}}]}}}}]\n  - fromEndpoints: [{{matchLabels: {{app: api}}}}]\n    toPorts: [{{ports: [{{port: \"8080\", protocol: TCP}}]}}]"
            ),
        ))
        .http("POST", "/admin")
        .flow(from, "apps/web", "TCP", 8080)
    };
    let widened = s("apps/api");
    assert_eq!(widened.verdict, Allow);
    let restricted = s("apps/sts-0");
    assert_eq!(restricted.verdict, Deny);
    assert_eq!(restricted.denied_at, Some(Layer::L7));
    assert_eq!(restricted.client_reply, Some(Reply::HttpForbidden));
}

#[test]
fn authentication_required_by_any_covering_rule_denies_when_it_fails() {
    let policies = cnp(
        "auth",
        "apps",
        &format!(
            "{WEB}  ingress:\n  - fromEndpoints: [{{matchLabels: {{app: api}}}}]\n    authentication: {{mode: required}}\n  - fromEntities: [cluster]"
        ),
    );
    assert_eq!(with(&policies).verdict("apps/api", "apps/web", 8080), Allow);
    let failed = with(&policies)
        .auth_fails()
        .flow("apps/api", "apps/web", "TCP", 8080);
    assert_eq!(failed.verdict, Deny);
    assert_eq!(failed.denied_at, Some(Layer::Auth));
    assert_eq!(failed.ingress.decided_by.step, "auth");
    // A peer only the rule without authentication covers is unaffected.
    assert_eq!(
        with(&policies)
            .auth_fails()
            .verdict("tools/probe", "apps/web", 8080),
        Allow
    );
}

#[test]
fn host_policies_apply_to_nodes() {
    let s = with(&ccnp(
        "host-fw",
        "  nodeSelector: {matchLabels: {pool: blue}}\n  ingress: [{fromEntities: [cluster], toPorts: [{ports: [{port: \"22\", protocol: TCP}]}]}]",
    ));
    assert_eq!(s.verdict("tools/probe", "node:node-1", 22), Allow);
    assert_eq!(s.verdict("tools/probe", "node:node-1", 10250), Deny);
    assert_eq!(s.verdict("203.0.113.9", "node:node-1", 22), Deny);
    // node-2 is not selected.
    assert_eq!(s.verdict("203.0.113.9", "node:node-2", 10250), Allow);
}

#[test]
fn the_host_firewall_is_on_once_a_policy_selects_nodes() {
    let firewall = |policies: &str| {
        let inv = crate::load::load_text("t.yaml", &format!("{CLUSTER}\n---\n{policies}"))
            .unwrap_or_else(|e| panic!("{e:?}"));
        let choice = Choice {
            cni: Some(Cni::Cilium),
            ..Choice::default()
        };
        lower(&Input::from(&inv), &choice).set.host_firewall
    };
    let host = ccnp(
        "host-fw",
        "  nodeSelector: {matchLabels: {pool: blue}}\n  ingress: [{fromEntities: [cluster]}]",
    );
    let pods = ccnp(
        "pods",
        "  endpointSelector: {}\n  ingress: [{fromEntities: [cluster]}]",
    );
    assert!(firewall(&host));
    assert!(!firewall(&pods));
}

#[test]
fn an_unknown_proxylib_parser_fails_closed_at_lowering() {
    let s = |parser: &str| {
        with(&cnp(
            "l7proto",
            "apps",
            &format!(
                "{WEB}  ingress:\n  - toPorts: [{{ports: [{{port: \"8080\", protocol: TCP}}], rules: {{l7proto: {parser}, l7: [{{cmd: GET}}]}}}}]"
            ),
        ))
        .flow("tools/probe", "apps/web", "TCP", 8080)
    };
    // policymap.go: an unknown parser drops everything.
    let unknown = s("redis");
    assert_eq!(unknown.verdict, Deny);
    assert_eq!(unknown.denied_at, Some(Layer::L7));
    assert_eq!(unknown.client_reply, Some(Reply::ConnectionClosed));
    // A parser cilium-envoy has but polctl does not model admits the
    // connection.
    assert_eq!(s("test.passer").verdict, Allow);
}
