use super::check::check_selector_key;
use super::*;
use crate::model::{FileId, Span};
use crate::syntax::Problem;
use crate::syntax::de::{DeError, from_node};
use crate::syntax::yaml::parse_documents;

fn load(text: &str) -> Result<CiliumNetworkPolicy, DeError> {
    let docs = parse_documents(FileId(0), text).expect("yaml");
    from_node(&docs[0])
}

fn at(text: &str, span: Span) -> &str {
    &text[span.start as usize..span.end as usize]
}

fn err_at(text: &str) -> (String, String) {
    let err = load(text).expect_err("should not load");
    let span = err.span.expect("located");
    (at(text, span).to_string(), err.message)
}

fn problems(text: &str) -> Vec<Problem> {
    let policy = load(text).expect("loads");
    let mut out = Vec::new();
    check(&policy, text, &mut out);
    out
}

fn only_problem(text: &str) -> Problem {
    let mut out = problems(text);
    assert_eq!(out.len(), 1, "{out:#?}");
    out.remove(0)
}

const RULE1: &str = r#"apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: rule1
  namespace: default
spec:
  description: "L7 policy to restrict access to specific HTTP call"
  endpointSelector:
    matchLabels:
      org: empire
      class: deathstar
  ingress:
    - fromEndpoints:
        - matchLabels:
            org: empire
      toPorts:
        - ports:
            - port: "80"
              protocol: TCP
          rules:
            http:
              - method: "POST"
                path: "/v1/request-landing"
"#;

#[test]
fn starwars_rule1() {
    let cnp = load(RULE1).expect("loads");
    assert!(!cnp.is_clusterwide());
    let rule = cnp.spec.as_ref().expect("spec");
    assert_eq!(
        rule.description.as_deref(),
        Some("L7 policy to restrict access to specific HTTP call")
    );
    assert_eq!(
        rule.endpoint_selector
            .as_ref()
            .expect("selector")
            .match_labels
            .len(),
        2
    );
    let ing = &rule.ingress[0];
    assert_eq!(ing.from_endpoints.as_ref().map(Vec::len), Some(1));
    let pr = &ing.to_ports.as_ref().expect("toPorts")[0];
    assert_eq!(
        pr.ports[0].port.as_ref().map(|p| &p.value),
        Some(&CiliumPort::Number(80))
    );
    assert_eq!(pr.ports[0].protocol(), L4Proto::Tcp);
    let http = &pr
        .rules
        .as_ref()
        .expect("rules")
        .http
        .as_ref()
        .expect("http")[0];
    assert_eq!(http.method.as_ref().map(|m| m.as_str()), Some("POST"));
    assert_eq!(
        at(RULE1, http.path.as_ref().expect("path").span),
        "\"/v1/request-landing\""
    );
    assert!(rule.default_deny_ingress());
    assert!(!rule.default_deny_egress());
    assert!(problems(RULE1).is_empty());
}

const CCNP: &str = r#"apiVersion: cilium.io/v2
kind: CiliumClusterwideNetworkPolicy
metadata:
  name: cluster-baseline
specs:
  - description: everyone may resolve names
    endpointSelector: {}
    enableDefaultDeny:
      egress: false
    egress:
      - toEndpoints:
          - matchLabels:
              k8s:io.kubernetes.pod.namespace: kube-system
              k8s:k8s-app: kube-dns
        toPorts:
          - ports:
              - port: "53"
                protocol: ANY
            rules:
              dns:
                - matchPattern: "*"
      - toFQDNs:
          - matchName: api.example.com
          - matchPattern: "*.example.org"
        toPorts:
          - ports: [{port: "443", protocol: TCP}]
  - nodeSelector:
      matchLabels:
        node-role.kubernetes.io/control-plane: ""
    ingress:
      - fromEntities: [remote-node, health]
      - fromCIDRSet:
          - cidr: 10.0.0.0/8
            except: [10.96.0.0/12]
        toPorts:
          - ports:
              - port: "6443"
                endPort: 6450
                protocol: TCP
    ingressDeny:
      - fromEntities: [world]
        icmps:
          - fields:
              - type: EchoRequest
              - family: IPv6
                type: 128
    egressDeny:
      - toCIDR: [192.0.2.0/24]
"#;

#[test]
fn clusterwide_policy_with_specs() {
    let ccnp = load(CCNP).expect("loads");
    assert!(ccnp.is_clusterwide());
    assert!(ccnp.spec.is_none());
    let rules: Vec<_> = ccnp.rules().collect();
    assert_eq!(rules.len(), 2);
    assert!(!rules[0].default_deny_egress(), "explicitly disabled");
    let dns = &rules[0].egress[0];
    let keys: Vec<&str> = dns.to_endpoints.as_ref().expect("peers")[0]
        .match_labels
        .keys()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(keys, ["k8s:io.kubernetes.pod.namespace", "k8s:k8s-app"]);
    assert_eq!(
        dns.to_ports.as_ref().expect("ports")[0].ports[0].protocol(),
        L4Proto::Any
    );
    assert_eq!(rules[0].egress[1].to_fqdns.as_ref().map(Vec::len), Some(2));

    let host = rules[1];
    assert!(host.node_selector.is_some());
    assert_eq!(
        host.ingress[0]
            .from_entities
            .as_ref()
            .expect("entities")
            .iter()
            .map(|e| e.value)
            .collect::<Vec<_>>(),
        [Entity::RemoteNode, Entity::Health]
    );
    let set = &host.ingress[1].from_cidr_set.as_ref().expect("set")[0];
    assert_eq!(set.cidr.as_ref().expect("cidr").text, "10.0.0.0/8");
    let port = &host.ingress[1].to_ports.as_ref().expect("ports")[0].ports[0];
    assert_eq!(port.end_port.as_ref().map(|e| e.value), Some(EndPort(6450)));
    let fields = &host.ingress_deny[0].icmps.as_ref().expect("icmps")[0].fields;
    assert_eq!(fields[0].type_number(), Some(8));
    assert_eq!(fields[1].family(), IcmpFamily::IPv6);
    assert_eq!(fields[1].type_number(), Some(128));
    assert!(host.default_deny_ingress());
    assert!(host.default_deny_egress(), "egressDeny rules count");
    assert!(problems(CCNP).is_empty(), "{:#?}", problems(CCNP));
}

const CASSANDRA: &str = r#"apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: secure-empire-cassandra
  namespace: default
spec:
  endpointSelector:
    matchLabels:
      app: cass-server
  ingress:
    - fromEndpoints:
        - matchLabels:
            app: empire-outpost
      toPorts:
        - ports:
            - port: "9042"
              protocol: TCP
          rules:
            l7proto: cassandra
            l7:
              - query_action: select
                query_table: 'system\..*'
              - query_action: insert
                query_table: attendance.daily_records
    - fromEndpoints:
        - matchLabels:
            app: empire-hq
      toPorts:
        - ports:
            - port: "9042"
              protocol: TCP
          rules:
            l7proto: cassandra
            l7:
              - {}
"#;

#[test]
fn cassandra_l7proto() {
    let cnp = load(CASSANDRA).expect("loads");
    let rules = cnp.spec.as_ref().expect("spec").ingress[0]
        .to_ports
        .as_ref()
        .expect("ports")[0]
        .rules
        .as_ref()
        .expect("rules")
        .clone();
    assert_eq!(
        rules.l7proto.as_ref().map(|p| p.as_str()),
        Some("cassandra")
    );
    let l7 = rules.l7.as_ref().expect("l7");
    let first: Vec<(&str, &str)> = l7[0]
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        first,
        [("query_action", "select"), ("query_table", "system\\..*")]
    );
    assert!(problems(CASSANDRA).is_empty());

    let bad = CASSANDRA
        .replace("query_table: attendance", "table: attendance")
        .replace("'system\\..*'", "'system(.*'");
    let out = problems(&bad);
    let found: Vec<(&str, &str)> = out
        .iter()
        .map(|p| (at(&bad, p.span), p.message.as_str()))
        .collect();
    assert_eq!(found.len(), 2, "{out:#?}");
    assert_eq!(found[0].0, "'system(.*'");
    assert!(
        found[0]
            .1
            .starts_with("invalid regular expression in query_table"),
        "{}",
        found[0].1
    );
    assert_eq!(found[1], ("table", "unknown cassandra rule key `table`"));
    assert_eq!(
        out[1].help.as_deref(),
        Some("the cassandra parser reads query_action, query_table")
    );
}

#[test]
fn memcache_keys() {
    let text = r#"apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: m, namespace: default}
spec:
  endpointSelector: {matchLabels: {app: memcached}}
  ingress:
    - toPorts:
        - ports: [{port: "11211", protocol: TCP}]
          rules:
            l7proto: memcache
            l7:
              - command: get
                keyPrefix: alliance/fleet/
              - keyExact: x
              - command: get
                key: y
"#;
    let out = problems(text);
    let found: Vec<&str> = out.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        found,
        [
            "memcache rule has a key match but no command",
            "unknown memcache rule key `key`"
        ],
        "{out:#?}"
    );
    assert_eq!(at(text, out[1].span), "key");
}

#[test]
fn selector_keys_may_carry_a_source() {
    for ok in [
        "app",
        "k8s:app",
        "any:app.kubernetes.io/name",
        "reserved:host",
        "$host",
        "k8s:io.kubernetes.pod.namespace",
        "io.cilium.k8s.namespace.labels.kubernetes.io/metadata.name",
    ] {
        assert_eq!(check_selector_key(ok), Ok(()), "{ok}");
    }
    for bad in ["k8s:", "k8s:app-", "a/b/c", "k8s:app name"] {
        assert!(check_selector_key(bad).is_err(), "{bad}");
    }
    let text = RULE1.replace(
        "org: empire\n      class",
        "org: empire\n      \"k8s:bad key\"",
    );
    let p = only_problem(&text);
    assert_eq!(at(&text, p.span), "\"k8s:bad key\"");
}

// --- errors located by the reader ------------------------------------------

#[test]
fn unknown_field_is_located_at_the_key() {
    let text = RULE1.replace("toPorts:", "toPortz:");
    let (value, message) = err_at(&text);
    assert_eq!(value, "toPortz");
    assert!(message.contains("unknown field `toPortz`"), "{message}");
    // authentication is not part of deny rules.
    let text = CCNP.replace(
        "      - fromEntities: [world]\n",
        "      - fromEntities: [world]\n        authentication: {mode: required}\n",
    );
    assert_eq!(err_at(&text).0, "authentication");
}

#[test]
fn bad_cidr_and_entity() {
    let text = CCNP.replace("10.96.0.0/12", "10.96.0.0/40");
    let (value, message) = err_at(&text);
    assert_eq!(value, "10.96.0.0/40");
    assert!(message.contains("invalid CIDR"), "{message}");
    // The CRD's `cidr` format needs a prefix length.
    let text = CCNP.replace("toCIDR: [192.0.2.0/24]", "toCIDR: [192.0.2.1]");
    assert_eq!(err_at(&text).0, "192.0.2.1");
    let text = CCNP.replace("[remote-node, health]", "[remote-node, everything]");
    let (value, message) = err_at(&text);
    assert_eq!(value, "everything");
    assert!(message.contains("unknown variant"), "{message}");
}

#[test]
fn bad_ports() {
    let text = RULE1.replace("port: \"80\"", "port: \"70000\"");
    let (value, message) = err_at(&text);
    assert_eq!(value, "\"70000\"");
    assert!(message.contains("0-65535"), "{message}");
    let text = RULE1.replace("port: \"80\"", "port: 80");
    let (value, message) = err_at(&text);
    assert_eq!(value, "80");
    assert!(message.contains("write \"80\""), "{message}");
    let text = RULE1.replace("protocol: TCP", "protocol: tcp");
    let (value, message) = err_at(&text);
    assert_eq!(value, "tcp");
    assert!(message.contains("write `TCP`"), "{message}");
    let text = RULE1.replace("protocol: TCP", "protocol: ICMP");
    assert!(err_at(&text).1.contains("icmps"));
    let named = load(&RULE1.replace("port: \"80\"", "port: HTTP-Alt")).expect("named port");
    let port = &named.spec.as_ref().expect("spec").ingress[0]
        .to_ports
        .as_ref()
        .expect("ports")[0]
        .ports[0];
    assert_eq!(
        port.port.as_ref().map(|p| &p.value),
        Some(&CiliumPort::Name("http-alt".into()))
    );
}

// --- problems found by the check pass ----------------------------------------

#[test]
fn neither_spec_nor_specs() {
    let text =
        "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a, namespace: b}\n";
    let p = only_problem(text);
    assert_eq!(at(text, p.span), "CiliumNetworkPolicy");
    assert!(p.message.contains("`spec` or `specs`"), "{}", p.message);
}

#[test]
fn endpoint_and_node_selector() {
    let text = RULE1.replace("  ingress:\n", "  nodeSelector: {}\n  ingress:\n");
    let out = problems(&text);
    let found: Vec<&str> = out.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        found,
        [
            "endpointSelector and nodeSelector cannot both be set",
            "nodeSelector is only allowed in a CiliumClusterwideNetworkPolicy",
            // A nodeSelector makes it a host policy.
            "L7 rules are not supported on host ingress",
        ]
    );
    assert_eq!(at(&text, out[0].span), "{}");

    let text = "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: a, namespace: b}\nspec:\n  description: nothing\n";
    let out = problems(text);
    let found: Vec<&str> = out.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        found,
        [
            "a rule needs endpointSelector or nodeSelector",
            "a rule needs at least one of ingress, ingressDeny, egress or egressDeny"
        ]
    );
}

#[test]
fn one_l3_peer_kind_per_rule() {
    let text = RULE1.replace(
        "      toPorts:\n",
        "      fromCIDR: [10.0.0.0/8]\n      toPorts:\n",
    );
    let p = only_problem(&text);
    assert_eq!(at(&text, p.span), "10.0.0.0/8");
    assert_eq!(
        p.message,
        "fromCIDR cannot be combined with fromEndpoints in one rule"
    );

    let text = CCNP.replace(
        "      - toFQDNs:\n",
        "      - toEntities: [world]\n        toFQDNs:\n",
    );
    let p = only_problem(&text);
    assert_eq!(at(&text, p.span), "matchName: api.example.com");
    assert_eq!(
        p.message,
        "toFQDNs cannot be combined with toEntities in one rule"
    );
}

#[test]
fn deny_rules_are_l3_l4_only() {
    let text = CCNP.replace(
        "      - toCIDR: [192.0.2.0/24]\n",
        "      - toCIDR: [192.0.2.0/24]\n        toPorts:\n          - ports: [{port: \"80\", protocol: TCP}]\n            rules:\n              http: [{method: GET}]\n      - toFQDNs: [{matchName: evil.example}]\n",
    );
    let out = problems(&text);
    let found: Vec<&str> = out.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        found,
        [
            "egressDeny rules cannot have L7 rules",
            "egressDeny rules cannot use toFQDNs"
        ],
        "{out:#?}"
    );
    assert_eq!(at(&text, out[0].span), "http: [{method: GET}]");
    assert_eq!(at(&text, out[1].span), "{matchName: evil.example}");
}

#[test]
fn end_port_below_port() {
    let text = CCNP.replace("endPort: 6450", "endPort: 6000");
    let p = only_problem(&text);
    assert_eq!(at(&text, p.span), "6000");
    assert_eq!(p.message, "endPort 6000 is below port 6443");
    assert_eq!(
        err_at(&CCNP.replace("endPort: 6450", "endPort: 70000")).0,
        "70000"
    );
}

#[test]
fn l7_shape_rules() {
    // L7 rules need TCP: an absent protocol means ANY.
    let text = RULE1.replace("              protocol: TCP\n", "");
    let p = only_problem(&text);
    assert_eq!(p.message, "L7 rules need protocol TCP, not ANY");
    // One kind of L7 rule per port rule.
    let text = RULE1.replace(
        "          rules:\n",
        "          rules:\n            kafka: [{role: produce}]\n",
    );
    let p = only_problem(&text);
    assert!(
        p.message.starts_with("only one kind of L7 rule"),
        "{}",
        p.message
    );
    // DNS rules only on egress.
    let text = RULE1.replace(
        "            http:\n              - method: \"POST\"\n                path: \"/v1/request-landing\"\n",
        "            dns: [{matchPattern: \"*\"}]\n",
    );
    let p = only_problem(&text);
    assert_eq!(p.message, "DNS rules are not allowed on ingress");
    // l7 without l7proto.
    let text = RULE1.replace(
        "            http:\n              - method: \"POST\"\n                path: \"/v1/request-landing\"\n",
        "            l7: [{a: b}]\n",
    );
    assert_eq!(only_problem(&text).message, "`l7` needs `l7proto`");
}

#[test]
fn invalid_http_regex() {
    let text = RULE1.replace("\"/v1/request-landing\"", "\"/v1/[unclosed\"");
    let p = only_problem(&text);
    assert_eq!(at(&text, p.span), "\"/v1/[unclosed\"");
    assert!(
        p.message.starts_with("invalid regular expression in path"),
        "{}",
        p.message
    );
}

/// A port's L7 rules are compiled once: the check reports what the
/// compilation found, every bad pattern at once, and lowering takes the
/// same compiled rules. Rules that were never checked fail closed.
#[test]
fn l7_rules_are_compiled_once_and_a_bad_regex_fails_closed() {
    use crate::model::policy::L7Match;
    let docs = parse_documents(
        FileId(0),
        "http:\n  - {method: \"GET(\", path: \"/ok\"}\n  - {path: \"/v1/[\"}\n",
    )
    .unwrap();
    let rules: L7Rules = from_node(&docs[0]).unwrap();
    let first = lower::compiled(&rules);
    assert!(std::ptr::eq(first, lower::compiled(&rules)));
    let messages: Vec<&str> = first.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(messages[0].starts_with("invalid regular expression in method"));
    assert!(messages[1].starts_with("invalid regular expression in path"));
    assert!(
        matches!(&first.l7, Some(L7Match::Refused { .. })),
        "{:?}",
        first.l7
    );
    // A good rule is compiled whole-value (Envoy safe_regex).
    let docs = parse_documents(FileId(0), "http: [{method: \"GET|POST\"}]\n").unwrap();
    let rules: L7Rules = from_node(&docs[0]).unwrap();
    let Some(L7Match::Http(http)) = &lower::compiled(&rules).l7 else {
        panic!("{:?}", lower::compiled(&rules).l7);
    };
    let method = http[0].method.as_ref().unwrap();
    assert!(method.is_match("POST"));
    assert!(!method.is_match("POSTED"));
}

/// Kafka rules are typed when compiled, as Cilium reads them: `role`
/// expands to its API keys, names in any case, the version as a number;
/// every value Cilium rejects is reported at once.
#[test]
fn kafka_rules_are_typed_when_compiled() {
    use crate::model::policy::{KafkaApiKeys, KafkaRule, L7Match};
    let compiled = |text: &str| {
        let docs = parse_documents(FileId(0), text).unwrap();
        let rules: L7Rules = from_node(&docs[0]).unwrap();
        lower::compiled(&rules).clone()
    };
    let c = compiled(
        "kafka: [{role: Produce, topic: plans}, {apiKey: FETCH, apiVersion: \"3\", clientID: x}]\n",
    );
    assert!(c.problems.is_empty(), "{:?}", c.problems);
    assert_eq!(
        c.l7,
        Some(L7Match::Kafka(vec![
            KafkaRule {
                api_keys: Some(KafkaApiKeys {
                    field: "role",
                    written: "Produce".into(),
                    keys: vec![0, 3, 18],
                }),
                topic: Some("plans".into()),
                ..KafkaRule::default()
            },
            KafkaRule {
                api_keys: Some(KafkaApiKeys {
                    field: "apiKey",
                    written: "FETCH".into(),
                    keys: vec![1],
                }),
                api_version: Some(3),
                client_id: Some("x".into()),
                topic: None,
            },
        ]))
    );
    let c =
        compiled("kafka: [{role: admin}, {apiKey: nope, apiVersion: \"-1\", topic: \"a b\"}]\n");
    let messages: Vec<&str> = c.problems.iter().map(|p| p.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "invalid Kafka role `admin`",
            "invalid Kafka apiKey `nope`",
            "invalid Kafka apiVersion `-1`: expected 0-32767",
            "invalid Kafka topic `a b`",
        ]
    );
    assert!(matches!(c.l7, Some(L7Match::Refused { .. })), "{:?}", c.l7);
}

/// proxylib's regex keys are compiled as Go reads them (anywhere in the
/// value); cassandra's and memcache's are checked, r2d2's (a test parser)
/// are left for the proxy to reject.
#[test]
fn proxylib_regex_keys_are_compiled_once() {
    use crate::model::policy::L7Match;
    let compiled = |text: &str| {
        let docs = parse_documents(FileId(0), text).unwrap();
        let rules: L7Rules = from_node(&docs[0]).unwrap();
        lower::compiled(&rules).clone()
    };
    let c = compiled("l7proto: cassandra\nl7: [{query_action: select, query_table: \"plans\"}]\n");
    assert!(c.problems.is_empty());
    let Some(L7Match::Generic { rules, .. }) = &c.l7 else {
        panic!("{:?}", c.l7);
    };
    let table = rules[0].pattern("query_table").unwrap().as_ref().unwrap();
    assert!(table.is_match("deathstar.plans_v2"));
    let c = compiled("l7proto: memcache\nl7: [{command: get, keyRegex: \"(\"}]\n");
    assert_eq!(c.problems.len(), 1);
    let c = compiled("l7proto: r2d2\nl7: [{cmd: READ, file: \"(\"}]\n");
    assert!(c.problems.is_empty());
    let Some(L7Match::Generic { rules, .. }) = &c.l7 else {
        panic!("{:?}", c.l7);
    };
    assert!(rules[0].pattern("file").unwrap().is_err());
}

#[test]
fn removed_and_mixed_fields() {
    let text = RULE1.replace(
        "      toPorts:\n",
        "      fromRequires:\n        - matchLabels: {env: prod}\n      toPorts:\n",
    );
    let p = only_problem(&text);
    assert!(
        p.message.starts_with("fromRequires was removed"),
        "{}",
        p.message
    );
    assert_eq!(at(&text, p.span), "matchLabels: {env: prod}");

    let text = RULE1.replace(
        "      toPorts:\n",
        "      icmps: [{fields: [{type: Echo}]}]\n      toPorts:\n",
    );
    let p = only_problem(&text);
    assert_eq!(
        p.message,
        "icmps cannot be combined with toPorts in one rule"
    );

    let text = CCNP.replace("type: 128", "type: Echo");
    let p = only_problem(&text);
    assert_eq!(at(&text, p.span), "Echo");
    assert_eq!(p.message, "`Echo` is not an IPv6 ICMP type");

    let text = CCNP.replace("except: [10.96.0.0/12]", "except: [192.168.0.0/16]");
    let p = only_problem(&text);
    assert_eq!(at(&text, p.span), "192.168.0.0/16");
}

#[test]
fn label_selector_operators() {
    let text = RULE1.replace(
        "        - matchLabels:\n            org: empire\n",
        "        - matchExpressions:\n            - {key: org, operator: In}\n            - {key: env, operator: Exists, values: [x]}\n",
    );
    let out = problems(&text);
    let found: Vec<&str> = out.iter().map(|p| at(&text, p.span)).collect();
    assert_eq!(found, ["In", "x"], "{out:#?}");
}
