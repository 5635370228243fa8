use serde::de::DeserializeOwned;

use super::check::Check;
use super::*;
use crate::model::{FileId, Span};
use crate::syntax::Problem;
use crate::syntax::de::{DeError, from_node};
use crate::syntax::yaml::parse_documents;

fn load<T: DeserializeOwned>(text: &str) -> Result<T, DeError> {
    let docs = parse_documents(FileId(0), text).expect("yaml");
    from_node(&docs[0])
}

fn at(text: &str, span: Span) -> &str {
    &text[span.start as usize..span.end as usize]
}

fn err_at<T: DeserializeOwned + std::fmt::Debug>(text: &str) -> (String, String) {
    let err = load::<T>(text).expect_err("should not load");
    let span = err.span.expect("located");
    (at(text, span).to_string(), err.message)
}

fn problems<T: DeserializeOwned + Check>(text: &str) -> Vec<Problem> {
    let obj: T = load(text).expect("loads");
    let mut out = Vec::new();
    check(&obj, text, &mut out);
    out
}

fn only_problem<T: DeserializeOwned + Check>(text: &str) -> Problem {
    let mut out = problems::<T>(text);
    assert_eq!(out.len(), 1, "{out:#?}");
    out.remove(0)
}

const GNP: &str = r#"apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: security.allow-web-api
spec:
  tier: security
  order: 10.5
  selector: app == 'backend'
  namespaceSelector: team in {"a", "b"}
  types: [Ingress, Egress]
  ingress:
    - action: Allow
      protocol: tcp
      source:
        selector: role == 'web'
        serviceAccounts:
          names: [frontend]
          selector: "tier == 'front'"
      destination:
        ports: [80, "8000:8080", http]
      http:
        methods: [GET, POST]
        paths:
          - exact: /api/v1/data
          - prefix: /api/v2/
    - action: next-tier
  egress:
    - action: Allow
      protocol: UDP
      destination:
        selector: k8s-app == 'kube-dns'
        namespaceSelector: kubernetes.io/metadata.name == 'kube-system'
        ports: [53]
    - action: Deny
      ipVersion: 4
      protocol: ICMP
      icmp: {type: 8, code: 0}
      destination:
        nets: [10.0.0.0/8, 192.168.1.1]
        notNets: [10.1.0.0/16]
      metadata:
        annotations: {why: no pings}
"#;

#[test]
fn global_network_policy_with_tiers_http_and_service_accounts() {
    let gnp: GlobalNetworkPolicy = load(GNP).expect("loads");
    let view = gnp.spec.view();
    assert_eq!(view.tier_name(), "security");
    assert_eq!(view.order(), Some(10.5));
    assert!(view.global);
    assert_eq!(
        view.effective_types(),
        vec![PolicyType::Ingress, PolicyType::Egress]
    );
    assert_eq!(
        at(GNP, view.selector.expect("selector").span),
        "app == 'backend'"
    );

    let web = &gnp.spec.ingress[0];
    assert_eq!(web.action.value, Action::Allow);
    assert_eq!(web.protocol.as_ref().map(|p| p.value), Some(Protocol::Tcp));
    let sa = web
        .source()
        .service_accounts
        .as_ref()
        .expect("serviceAccounts");
    assert_eq!(sa.names[0].value, "frontend");
    assert_eq!(
        at(GNP, sa.selector.as_ref().expect("sa selector").span),
        "\"tier == 'front'\""
    );
    let ports: Vec<&CalicoPort> = web.destination().ports.iter().map(|p| &p.value).collect();
    assert_eq!(
        ports,
        [
            &CalicoPort::Number(80),
            &CalicoPort::Range(8000, 8080),
            &CalicoPort::Name("http".into())
        ]
    );
    let http = web.http.as_ref().expect("http");
    assert_eq!(
        http.methods.iter().map(|m| m.as_str()).collect::<Vec<_>>(),
        ["GET", "POST"]
    );
    assert_eq!(
        http.paths[0].exact.as_ref().map(|p| p.as_str()),
        Some("/api/v1/data")
    );
    assert_eq!(
        http.paths[1].prefix.as_ref().map(|p| p.as_str()),
        Some("/api/v2/")
    );

    // The legacy backend spelling reads as Pass.
    assert_eq!(gnp.spec.ingress[1].action.value, Action::Pass);
    assert_eq!(at(GNP, gnp.spec.ingress[1].action.span), "next-tier");

    let ping = &gnp.spec.egress[1];
    assert_eq!(
        ping.ip_version.as_ref().map(|v| v.value),
        Some(IpVersion::V4)
    );
    let icmp = ping.icmp.as_ref().expect("icmp");
    assert_eq!(icmp.icmp_type.as_ref().map(|t| t.value), Some(IcmpType(8)));
    assert_eq!(ping.destination().nets[1].value.0.text, "192.168.1.1");
    assert_eq!(ping.destination().nets[1].value.0.net.prefix_len(), 32);

    let mut out = Vec::new();
    check(&gnp, GNP, &mut out);
    assert!(out.is_empty(), "{out:#?}");
}

#[test]
fn network_policy_types_default_from_rules() {
    let text = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: a, namespace: n}\nspec:\n  egress:\n    - action: Allow\n";
    let np: NetworkPolicy = load(text).expect("loads");
    let view = np.spec.view();
    assert_eq!(view.tier_name(), DEFAULT_TIER);
    assert_eq!(view.order(), None);
    assert_eq!(view.effective_types(), vec![PolicyType::Egress]);
    assert!(problems::<NetworkPolicy>(text).is_empty());
}

#[test]
fn staged_network_policy_and_delete_shape() {
    let text = "apiVersion: projectcalico.org/v3\nkind: StagedNetworkPolicy\nmetadata: {name: default.staged-deny-web, namespace: shop}\nspec:\n  stagedAction: Set\n  tier: default\n  order: 100\n  selector: app == 'api'\n  ingress:\n    - action: Deny\n      protocol: TCP\n      source: {selector: app == 'web'}\n      destination: {ports: [8080]}\n";
    let snp: StagedNetworkPolicy = load(text).expect("loads");
    assert_eq!(snp.spec.view().staged_action(), Some(StagedAction::Set));
    assert!(problems::<StagedNetworkPolicy>(text).is_empty());

    let delete = "apiVersion: projectcalico.org/v3\nkind: StagedGlobalNetworkPolicy\nmetadata: {name: x}\nspec:\n  stagedAction: Delete\n  tier: default\n  selector: all()\n";
    let p = only_problem::<StagedGlobalNetworkPolicy>(delete);
    assert_eq!(at(delete, p.span), "Delete");
    assert!(p.message.contains("selector"), "{}", p.message);
}

#[test]
fn staged_kubernetes_network_policy() {
    let text = r#"apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata:
  name: api-allow-web
  namespace: shop
spec:
  stagedAction: Set
  podSelector:
    matchLabels: {app: api}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector:
            matchLabels: {app: web}
      ports:
        - protocol: TCP
          port: 8080
          endPort: 8090
"#;
    let sknp: StagedKubernetesNetworkPolicy = load(text).expect("loads");
    assert_eq!(sknp.spec.staged_action(), StagedAction::Set);
    let k8s = sknp.spec.to_k8s_spec();
    assert_eq!(k8s.ingress.as_ref().map(Vec::len), Some(1));
    assert!(problems::<StagedKubernetesNetworkPolicy>(text).is_empty());

    // Checked as the NetworkPolicy it stages.
    let bad = text.replace("endPort: 8090", "endPort: 8000");
    let p = only_problem::<StagedKubernetesNetworkPolicy>(&bad);
    assert_eq!(at(&bad, p.span), "8000");
}

#[test]
fn tier_profile_network_set_host_endpoint() {
    let tier = "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: platform}\nspec:\n  order: 200\n  defaultAction: Pass\n";
    let t: Tier = load(tier).expect("tier");
    assert_eq!(t.spec.order.as_ref().map(|o| o.value), Some(200.0));
    assert_eq!(t.spec.default_action(), TierAction::Pass);
    assert!(problems::<Tier>(tier).is_empty());
    let no_action = "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: t}\nspec: {}\n";
    assert_eq!(
        load::<Tier>(no_action).expect("tier").spec.default_action(),
        TierAction::Deny
    );
    let (value, message) = err_at::<Tier>(&tier.replace("Pass", "Log"));
    assert_eq!(value, "Log");
    assert!(message.contains("Deny"), "{message}");
    let default = "apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: default}\nspec:\n  order: 5\n";
    let p = only_problem::<Tier>(default);
    assert_eq!(at(default, p.span), "5");

    let profile = r#"apiVersion: projectcalico.org/v3
kind: Profile
metadata:
  name: allow-monitoring
spec:
  labelsToApply:
    monitoring: enabled
  ingress:
    - action: Allow
      protocol: TCP
      source:
        nets: [10.10.0.0/24]
      destination:
        ports: [9100]
  egress:
    - action: Allow
"#;
    let p: Profile = load(profile).expect("profile");
    assert_eq!(p.spec.labels_to_apply.len(), 1);
    assert_eq!(
        p.spec.ingress[0].destination().ports[0].value,
        CalicoPort::Number(9100)
    );
    assert!(problems::<Profile>(profile).is_empty());

    let hep = r#"apiVersion: projectcalico.org/v3
kind: HostEndpoint
metadata:
  name: node1-eth0
  labels: {node-role: worker}
spec:
  node: node1
  interfaceName: eth0
  expectedIPs: [192.168.10.11, "fd00::11"]
  profiles: [allow-monitoring]
  ports:
    - name: node-exporter
      port: 9100
      protocol: TCP
"#;
    let h: HostEndpoint = load(hep).expect("hep");
    assert_eq!(h.spec.expected_ips.len(), 2);
    assert_eq!(h.spec.ports[0].port.value.0, 9100);
    assert_eq!(h.spec.ports[0].protocol.value, Protocol::Tcp);
    assert!(problems::<HostEndpoint>(hep).is_empty());
    let icmp_port = hep.replace("protocol: TCP", "protocol: ICMP");
    let p = only_problem::<HostEndpoint>(&icmp_port);
    assert_eq!(at(&icmp_port, p.span), "ICMP");
    let (value, _) = err_at::<HostEndpoint>(&hep.replace("192.168.10.11", "192.168.10"));
    assert_eq!(value, "192.168.10");

    let set = "apiVersion: projectcalico.org/v3\nkind: NetworkSet\nmetadata: {name: external, namespace: shop}\nspec:\n  nets: [198.51.100.0/28, 203.0.113.7, \"2001:db8::/32\"]\n";
    let s: NetworkSet = load(set).expect("set");
    assert_eq!(s.spec.nets.len(), 3);
    assert_eq!(s.spec.nets[1].value.0.net.prefix_len(), 32);
    assert!(problems::<NetworkSet>(set).is_empty());
    let global = set.replace("kind: NetworkSet", "kind: GlobalNetworkSet");
    assert_eq!(
        load::<GlobalNetworkSet>(&global)
            .expect("gns")
            .spec
            .nets
            .len(),
        3
    );
}

#[test]
fn object_decodes_every_kind() {
    let docs = parse_documents(FileId(0), GNP).expect("yaml");
    let obj = Object::decode("GlobalNetworkPolicy", &docs[0])
        .expect("known kind")
        .expect("loads");
    assert!(matches!(obj, Object::GlobalNetworkPolicy(_)));
    assert_eq!(obj.metadata().name(), "security.allow-web-api");
    assert!(Object::decode("Nope", &docs[0]).is_none());
}

// --- errors located by the reader ------------------------------------------

#[test]
fn unknown_field_is_located_at_the_key() {
    let text = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: a}\nspec:\n  selector: all()\n  ingress:\n    - action: Allow\n      sourc: {}\n";
    let (value, message) = err_at::<NetworkPolicy>(text);
    assert_eq!(value, "sourc");
    assert!(message.contains("unknown field `sourc`"), "{message}");
    // A GlobalNetworkPolicy field is unknown in a namespaced policy.
    let text = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: a}\nspec:\n  doNotTrack: true\n";
    assert_eq!(err_at::<NetworkPolicy>(text).0, "doNotTrack");
}

#[test]
fn bad_cidr_is_located_at_the_value() {
    let text = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkSet\nmetadata: {name: a}\nspec:\n  nets: [10.0.0.0/8, 10.0.0.0/33]\n";
    let (value, message) = err_at::<GlobalNetworkSet>(text);
    assert_eq!(value, "10.0.0.0/33");
    assert!(message.contains("invalid CIDR"), "{message}");
}

fn rule_with(fields: &str) -> String {
    format!(
        "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {{name: a, namespace: n}}\nspec:\n  ingress:\n    - action: Allow\n{fields}"
    )
}

#[test]
fn port_out_of_range() {
    let text = rule_with("      protocol: TCP\n      destination:\n        ports: [80, 70000]\n");
    let (value, message) = err_at::<NetworkPolicy>(&text);
    assert_eq!(value, "70000");
    assert!(message.contains("1-65535"), "{message}");
    // Calico rejects port 0 too (numorstring validation: 1-65535).
    let text = rule_with("      protocol: TCP\n      destination:\n        ports: [\"0:100\"]\n");
    assert_eq!(err_at::<NetworkPolicy>(&text).0, "\"0:100\"");
}

#[test]
fn backwards_port_range() {
    let text = rule_with("      protocol: TCP\n      destination:\n        ports: [\"90:80\"]\n");
    let (value, message) = err_at::<NetworkPolicy>(&text);
    assert_eq!(value, "\"90:80\"");
    assert!(message.contains("backwards"), "{message}");
}

#[test]
fn bad_named_port() {
    let text = rule_with("      destination:\n        ports: [Not_A_Port]\n");
    let (value, message) = err_at::<NetworkPolicy>(&text);
    assert_eq!(value, "Not_A_Port");
    assert!(message.contains("port name"), "{message}");
}

#[test]
fn bad_protocol() {
    let text = rule_with("      protocol: TPC\n");
    let (value, message) = err_at::<NetworkPolicy>(&text);
    assert_eq!(value, "TPC");
    assert!(message.contains("unknown protocol `TPC`"), "{message}");
    assert_eq!(
        err_at::<NetworkPolicy>(&rule_with("      protocol: 0\n")).0,
        "0"
    );
    assert_eq!(
        err_at::<NetworkPolicy>(&rule_with("      protocol: 256\n")).0,
        "256"
    );
    let np: NetworkPolicy = load(&rule_with("      protocol: \"132\"\n")).expect("numeric string");
    assert_eq!(
        np.spec.ingress[0].protocol.as_ref().map(|p| p.value),
        Some(Protocol::Number(132))
    );
    assert!(
        np.spec.ingress[0]
            .protocol
            .as_ref()
            .is_some_and(|p| p.supports_ports())
    );
}

#[test]
fn bad_action_and_ip_version() {
    let text = rule_with("").replace("action: Allow", "action: allow");
    assert_eq!(err_at::<NetworkPolicy>(&text).0, "allow");
    let text = rule_with("      ipVersion: 5\n");
    assert_eq!(err_at::<NetworkPolicy>(&text).0, "5");
    let text = rule_with("      protocol: ICMP\n      icmp: {type: 255}\n");
    assert_eq!(err_at::<NetworkPolicy>(&text).0, "255");
}

// --- problems found by the check pass ----------------------------------------

#[test]
fn bad_selector_points_inside_the_string() {
    // Plain scalar: the parser's offset is the offset in the YAML text.
    let text = rule_with("      source:\n        selector: app == 'web' && && x\n");
    let p = only_problem::<NetworkPolicy>(&text);
    let value_start = text.find("app == 'web'").expect("selector");
    assert_eq!(p.span.start as usize, value_start + 16);
    assert_eq!(at(&text, p.span), "&&");
    assert!(p.message.starts_with("invalid selector:"), "{}", p.message);

    // Double-quoted: one more for the quote.
    let text = rule_with("      source:\n        selector: \"role in {'a' 'b'}\"\n");
    let p = only_problem::<NetworkPolicy>(&text);
    let quote = text.find("\"role").expect("selector");
    assert_eq!(p.span.start as usize, quote + 1 + 13);
    assert_eq!(at(&text, p.span), "'b'");

    // Single-quoted with a doubled quote: the written text differs from the
    // value, so the whole scalar is blamed.
    let text = rule_with("      source:\n        selector: 'a == ''x'' &&'\n");
    let p = only_problem::<NetworkPolicy>(&text);
    assert_eq!(at(&text, p.span), "'a == ''x'' &&'");

    // Policy-level selectors too.
    let text = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: a}\nspec:\n  selector: has(app\n";
    let p = only_problem::<GlobalNetworkPolicy>(text);
    assert_eq!(
        p.span.start as usize,
        text.find("has(app").expect("sel") + 7
    );
    assert_eq!(p.span.len(), 0, "end of input");
}

#[test]
fn global_selector_rules() {
    let text = rule_with("      source:\n        selector: global()\n");
    let p = only_problem::<NetworkPolicy>(&text);
    assert_eq!(at(&text, p.span), "global()");
    assert!(p.message.contains("namespaceSelector"), "{}", p.message);

    let ok = rule_with("      source:\n        namespaceSelector: ' global( ) '\n");
    assert!(problems::<NetworkPolicy>(&ok).is_empty());
    let text = rule_with("      source:\n        namespaceSelector: global() || has(x)\n");
    let p = only_problem::<NetworkPolicy>(&text);
    assert_eq!(at(&text, p.span), "global() || has(x)");
    assert!(p.message.contains("cannot be combined"), "{}", p.message);
}

#[test]
fn http_match_only_on_allow() {
    let text =
        rule_with("      http:\n        methods: [GET]\n").replace("action: Allow", "action: Deny");
    let p = only_problem::<NetworkPolicy>(&text);
    assert_eq!(at(&text, p.span), "methods: [GET]");
    assert!(
        p.message.contains("only valid on Allow rules, not Deny"),
        "{}",
        p.message
    );

    let text = rule_with(
        "      protocol: UDP\n      http:\n        paths: [{exact: /a, prefix: /b}, {prefix: 'no-slash'}]\n",
    );
    let out = problems::<NetworkPolicy>(&text);
    let found: Vec<&str> = out.iter().map(|p| at(&text, p.span)).collect();
    assert_eq!(
        found,
        ["UDP", "{exact: /a, prefix: /b}", "'no-slash'"],
        "{out:#?}"
    );
}

#[test]
fn numeric_ports_need_a_protocol() {
    let text = rule_with("      destination:\n        ports: [http, 8080]\n");
    let p = only_problem::<NetworkPolicy>(&text);
    assert_eq!(at(&text, p.span), "8080");
    assert!(
        p.help
            .as_deref()
            .is_some_and(|h| h.contains("protocol: TCP"))
    );
    // Named ports alone are fine without a protocol.
    assert!(
        problems::<NetworkPolicy>(&rule_with("      destination:\n        ports: [http]\n"))
            .is_empty()
    );
    // Any port with a protocol that has none.
    let text = rule_with("      protocol: ICMP\n      source:\n        notPorts: [http]\n");
    let p = only_problem::<NetworkPolicy>(&text);
    assert_eq!(at(&text, p.span), "http");
}

#[test]
fn icmp_needs_an_icmp_protocol() {
    let text = rule_with("      protocol: TCP\n      icmp: {type: 8}\n");
    let p = only_problem::<NetworkPolicy>(&text);
    assert_eq!(at(&text, p.span), "{type: 8}");
    let text = rule_with("      protocol: ICMPv6\n      ipVersion: 4\n      notICMP: {code: 1}\n");
    let out = problems::<NetworkPolicy>(&text);
    let found: Vec<&str> = out.iter().map(|p| at(&text, p.span)).collect();
    assert_eq!(found, ["1", "4"], "{out:#?}");
}

#[test]
fn nets_rules() {
    let text = rule_with(
        "      ipVersion: 6\n      source:\n        nets: [10.0.0.1/8]\n        notNets: [\"::/0\"]\n",
    );
    let out = problems::<NetworkPolicy>(&text);
    let found: Vec<(&str, &str)> = out
        .iter()
        .map(|p| (at(&text, p.span), p.message.as_str()))
        .collect();
    assert_eq!(found.len(), 4, "{out:#?}");
    assert_eq!(found[0], ("10.0.0.1/8", "`10.0.0.1/8` has host bits set"));
    assert_eq!(out[0].help.as_deref(), Some("use `10.0.0.0/8`"));
    assert!(found[1].1.contains("ipVersion 6"));
    assert_eq!(found[2].0, "\"::/0\"");
    assert!(found[2].1.contains("matches nothing"));
    assert!(found[3].1.contains("mix IPv4 and IPv6"));
}

#[test]
fn services_rules() {
    let text = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: a}\nspec:\n  egress:\n    - action: Allow\n      destination:\n        services: {name: kube-dns}\n        ports: [53]\n        selector: all()\n      protocol: UDP\n";
    let out = problems::<GlobalNetworkPolicy>(text);
    let found: Vec<&str> = out.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(found.len(), 3, "{out:#?}");
    assert!(found[0].contains("selector or notSelector"));
    assert!(found[1].contains("ports and notPorts"));
    assert!(found[2].contains("need a namespace"));
}

#[test]
fn forwarding_flags() {
    let text = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: a}\nspec:\n  preDNAT: true\n  doNotTrack: true\n  types: [Ingress, Egress]\n";
    let out = problems::<GlobalNetworkPolicy>(text);
    let found: Vec<&str> = out.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        found,
        [
            "preDNAT and doNotTrack cannot both be true",
            "a preDNAT policy cannot have the Egress type",
            "doNotTrack requires applyOnForward: true",
            "preDNAT requires applyOnForward: true",
        ]
    );
}

#[test]
fn workload_endpoint_reads_as_an_endpoint() {
    let wep = r#"apiVersion: projectcalico.org/v3
kind: WorkloadEndpoint
metadata:
  name: node1-k8s-api--1-eth0
  namespace: shop
  labels: {app: api}
spec:
  orchestrator: k8s
  node: node1
  pod: api-1
  endpoint: eth0
  serviceAccountName: api
  ipNetworks: [10.1.0.5/32]
  profiles: [kns.shop, extra]
  interfaceName: cali0
  ports:
    - {name: http, protocol: TCP, port: 8080}
    - {protocol: UDP, port: 53, hostPort: 53}
"#;
    let w: WorkloadEndpoint = load(wep).expect("wep");
    let mut out = Vec::new();
    w.check(&mut out);
    assert!(out.is_empty(), "{out:#?}");
    let ep = w.endpoint(Span::default());
    assert_eq!((ep.namespace.as_str(), ep.name.as_str()), ("shop", "api-1"));
    assert_eq!(ep.ips, ["10.1.0.5".parse::<std::net::IpAddr>().unwrap()]);
    assert_eq!(ep.service_account, "api");
    assert_eq!(ep.labels["projectcalico.org/namespace"], "shop");
    assert_eq!(ep.labels["projectcalico.org/orchestrator"], "k8s");
    assert_eq!(ep.labels["projectcalico.org/serviceaccount"], "api");
    assert_eq!(
        ep.profiles.as_deref(),
        Some(&["kns.shop".to_string(), "extra".to_string()][..])
    );
    // Only named ports are named ports.
    assert_eq!(ep.ports.len(), 1);
    assert_eq!(ep.node.as_deref(), Some("node1"));

    let bad = wep.replace("{name: http,", "{name: far-too-long-port-name,");
    let w: WorkloadEndpoint = load(&bad).expect("wep");
    let mut out = Vec::new();
    w.check(&mut out);
    assert_eq!(out.len(), 1, "{out:#?}");
    assert_eq!(at(&bad, out[0].span), "far-too-long-port-name");
    let unknown = wep.replace("  endpoint: eth0", "  endpoints: eth0");
    assert!(load::<WorkloadEndpoint>(&unknown).is_err());
}
