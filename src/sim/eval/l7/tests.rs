use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use super::http::{http_rule, http_view};
use super::path::{canonical_path, merge_slashes, unescape_slashes};
use super::verdict::EMPTY_LIST;
use super::*;
use crate::dialect::cilium::L7Rules;
use crate::dialect::cilium::lower::{compiled, match_pattern};
use crate::model::FileId;
use crate::model::Pattern;
use crate::model::policy::{
    FqdnPattern, HeaderRule, HttpRule, KafkaRule, L7Match, Proxylib, ProxylibRule,
};
use crate::model::{Flow, FlowEnd, HttpRequest, Peer, Proto};
use crate::sim::eval::Reply;
use crate::sim::eval::hint::{Hint, Input};
use crate::syntax::de::from_node;
use crate::syntax::yaml::parse_documents;

fn peer(name: &str) -> Peer {
    Peer {
        name: name.into(),
        ip: IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)),
        end: FlowEnd::External,
        service: None,
    }
}

fn flow() -> Flow {
    Flow {
        src: peer("a"),
        dst: peer("b"),
        protocol: Proto::TCP,
        port: 80,
        src_port: None,
        icmp_type: None,
        icmp_code: None,
        http: None,
        l7: Vec::new(),
        auth_fails: false,
    }
}

fn http(method: &str, path: &str) -> Flow {
    http_full(method, path, None, &[])
}

fn http_full(method: &str, path: &str, host: Option<&str>, headers: &[(&str, &str)]) -> Flow {
    Flow {
        http: Some(HttpRequest {
            method: Some(method.into()),
            path: Some(path.into()),
            host: host.map(Into::into),
            headers: headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        }),
        ..flow()
    }
}

fn l7(pairs: &[(&str, &str)]) -> Flow {
    Flow {
        l7: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        ..flow()
    }
}

fn rule(method: Option<&str>, path: Option<&str>) -> HttpRule {
    HttpRule {
        method: method.map(re),
        path: path.map(re),
        ..Default::default()
    }
}

fn header(name: &str, value: Option<&str>, mismatch: Option<&str>) -> HeaderRule {
    HeaderRule {
        name: name.into(),
        value: value.map(Into::into),
        secret: None,
        mismatch: mismatch.map(Into::into),
    }
}

fn is_pass(c: &L7Check) -> bool {
    matches!(c, L7Check::Pass(_))
}

fn is_refused(c: &L7Check) -> bool {
    matches!(c, L7Check::Refused { .. })
}

fn is_no_request(c: &L7Check) -> bool {
    matches!(c, L7Check::NoRequest(_))
}

/// The hint asks for `input` (to decide, or as the rules need).
fn asks(hint: &Hint, input: &Input) -> bool {
    hint.inputs().contains(&input)
}

/// The hint asks for the application attribute `key`.
fn asks_l7(hint: &Hint, key: &str) -> bool {
    hint.inputs()
        .iter()
        .any(|i| matches!(i, Input::L7 { key: k, .. } if *k == key))
}

fn generic(parser: &str, rules: &[&[(&str, &str)]]) -> L7Match {
    let parser = match parser {
        "cassandra" => Proxylib::Cassandra,
        "memcache" => Proxylib::Memcache,
        "r2d2" => Proxylib::R2d2,
        other => Proxylib::Unmodelled(other.to_string()),
    };
    // The key each parser reads as a Go regex, compiled as lowering does.
    let regex_key = match parser {
        Proxylib::Cassandra => Some("query_table"),
        Proxylib::Memcache => Some("keyRegex"),
        Proxylib::R2d2 => Some("file"),
        Proxylib::Unmodelled(_) => None,
    };
    L7Match::Generic {
        rules: rules
            .iter()
            .map(|r| {
                let pairs: BTreeMap<String, String> = r
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect();
                let patterns = regex_key
                    .and_then(|k| pairs.get(k).map(|v| (k, v)))
                    .map(|(k, v)| {
                        let compiled =
                            Pattern::anywhere(v).map_err(|_| format!("`{v}` is not a valid regex"));
                        (k.to_string(), compiled)
                    })
                    .into_iter()
                    .collect();
                ProxylibRule { pairs, patterns }
            })
            .collect(),
        parser,
    }
}

/// An HTTP rule's regex, matched against the whole value.
fn re(source: &str) -> Pattern {
    Pattern::whole(source).unwrap()
}

// --- HTTP

#[test]
fn http_full_match_not_partial() {
    let m = L7Match::Http(vec![rule(Some("POST"), Some("/v1/request-landing"))]);
    let ok = check(&m, &http("POST", "/v1/request-landing"));
    assert_eq!(
        ok,
        L7Check::Pass(
            "rules[0] matched: method `POST` ~ POST, path `/v1/request-landing` ~ /v1/request-landing"
                .into()
        )
    );
    assert!(is_refused(&check(
        &m,
        &http("POST", "/v1/request-landing/x")
    )));
    assert!(is_refused(&check(
        &m,
        &http("POST", "/x/v1/request-landing")
    )));
    let get = L7Match::Http(vec![rule(Some("GET"), None)]);
    assert!(is_pass(&check(&get, &http("GET", "/"))));
    match check(&get, &http("GETX", "/")) {
        L7Check::Refused { reason, reply } => {
            assert!(
                reason.contains("rules[0]: method `GET` !~ GETX"),
                "{reason}"
            );
            assert_eq!(reply, Reply::HttpForbidden);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn http_query_string_is_part_of_path() {
    let m = L7Match::Http(vec![rule(None, Some("/public"))]);
    assert!(is_refused(&check(&m, &http("GET", "/public?x=1"))));
    let m = L7Match::Http(vec![rule(None, Some("/public(\\?.*)?"))]);
    assert!(is_pass(&check(&m, &http("GET", "/public?x=1"))));
}

#[test]
fn http_empty_list_and_empty_rule_pass() {
    let empty = L7Match::Http(vec![]);
    assert_eq!(
        check(&empty, &http("DELETE", "/x")),
        L7Check::Pass(EMPTY_LIST.into())
    );
    assert!(is_pass(&check(&empty, &flow())));
    let any = L7Match::Http(vec![rule(Some("GET"), None), HttpRule::default()]);
    // Cilium appends such a rule when an L4-only rule shares the port.
    assert!(is_pass(&check(&any, &flow())));
    match check(&any, &http("DELETE", "/x")) {
        L7Check::Pass(r) => assert!(r.starts_with("rules[1] matched"), "{r}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn http_rules_are_ored() {
    let m = L7Match::Http(vec![
        rule(Some("GET"), Some("/v1/.*")),
        rule(Some("POST"), Some("/v1/request-landing")),
    ]);
    match check(&m, &http("POST", "/v1/request-landing")) {
        L7Check::Pass(r) => assert!(r.starts_with("rules[1] matched"), "{r}"),
        other => panic!("{other:?}"),
    }
    assert!(is_pass(&check(&m, &http("GET", "/v1/anything"))));
    match check(&m, &http("PUT", "/v1/exhaust-port")) {
        L7Check::Refused { reason, .. } => {
            assert!(reason.contains("rules[0]: method `GET` !~ PUT"), "{reason}");
            assert!(
                reason.contains("rules[1]: method `POST` !~ PUT"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn http_no_request_and_missing_fields() {
    let m = L7Match::Http(vec![rule(Some("GET"), None)]);
    assert!(is_no_request(&check(&m, &flow())));
    let hosted = L7Match::Http(vec![HttpRule {
        host: Some(re("api\\.example\\.com")),
        ..Default::default()
    }]);
    match check(&hosted, &http("GET", "/")) {
        L7Check::NoRequest(h) => assert!(asks(&h, &Input::Host), "{h:?}"),
        other => panic!("{other:?}"),
    }
    assert!(is_pass(&check(
        &hosted,
        &http_full("GET", "/", Some("api.example.com"), &[])
    )));
    // :authority keeps the port (no strip_*_host_port in Cilium's listener).
    assert!(is_refused(&check(
        &hosted,
        &http_full("GET", "/", Some("api.example.com:8080"), &[])
    )));
    // A Host header counts as the authority.
    assert!(is_pass(&check(
        &hosted,
        &http_full("GET", "/", None, &[("Host", "api.example.com")])
    )));
}

#[test]
fn http_path_normalisation() {
    let m = L7Match::Http(vec![rule(None, Some("/public/.*"))]);
    // Dot segments resolve before matching.
    assert!(is_refused(&check(&m, &http("GET", "/public/../admin"))));
    match check(&m, &http("GET", "/public//a/./b")) {
        L7Check::Pass(r) => assert!(r.contains("normalises"), "{r}"),
        other => panic!("{other:?}"),
    }
    let admin = L7Match::Http(vec![rule(None, Some("/admin"))]);
    assert!(is_pass(&check(&admin, &http("GET", "/public/../admin"))));
    assert!(is_pass(&check(&admin, &http("GET", "/%61dmin"))));
    assert!(is_pass(&check(
        &admin,
        &http("GET", "/public%2F..%2Fadmin")
    )));
    assert!(is_refused(&check(&admin, &http("GET", "/admin#frag"))));
    assert!(is_refused(&check(&admin, &http("GET", "/a%00"))));
    assert_eq!(canonical_path("/a/b/../../../c").as_deref(), Some("/c"));
    assert_eq!(canonical_path("/a/%2e%2E/b").as_deref(), Some("/b"));
    assert_eq!(canonical_path("/a b\\c").as_deref(), Some("/a%20b/c"));
    assert_eq!(canonical_path("/x/..foo").as_deref(), Some("/x/..foo"));
    assert_eq!(canonical_path("/%2A").as_deref(), Some("/%2A"));
    assert_eq!(merge_slashes("//a//b/"), "/a/b/");
    // Absolute-form targets are split into authority and path.
    let hosted = L7Match::Http(vec![HttpRule {
        host: Some(re("h")),
        path: Some(re("/p")),
        ..Default::default()
    }]);
    assert!(is_pass(&check(&hosted, &http("GET", "http://h/p"))));
}

#[test]
fn http_headers_presence_exact_and_mismatch() {
    let presence = L7Match::Http(vec![HttpRule {
        headers: vec![header("X-My-Header", None, None)],
        ..Default::default()
    }]);
    assert!(is_pass(&check(
        &presence,
        &http_full("GET", "/", None, &[("x-my-header", "anything")])
    )));
    assert!(is_refused(&check(&presence, &http("GET", "/"))));

    let exact = L7Match::Http(vec![HttpRule {
        headers: vec![header("X-Key", Some("true"), None)],
        ..Default::default()
    }]);
    assert!(is_pass(&check(
        &exact,
        &http_full("GET", "/", None, &[("X-Key", "true")])
    )));
    match check(&exact, &http_full("GET", "/", None, &[("X-Key", "false")])) {
        L7Check::Refused { reason, .. } => {
            assert!(reason.contains("is `false`, not `true`"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // Repeated headers are joined with "," (getAllOfHeaderAsString).
    assert!(is_refused(&check(
        &exact,
        &http_full("GET", "/", None, &[("X-Key", "true"), ("X-Key", "true")])
    )));

    for action in ["LOG", "ADD", "DELETE", "REPLACE"] {
        let m = L7Match::Http(vec![HttpRule {
            path: Some(re("/")),
            headers: vec![header("X-Token", Some("abc"), Some(action))],
            ..Default::default()
        }]);
        match check(&m, &http_full("GET", "/", None, &[("X-Token", "wrong")])) {
            L7Check::Pass(r) => assert!(r.contains(&format!("mismatch {action}")), "{r}"),
            other => panic!("{action}: {other:?}"),
        }
        // The mismatch action does not rescue other conditions.
        assert!(is_refused(&check(&m, &http("GET", "/other"))));
    }
}

#[test]
fn http_header_rewrite_seen_by_later_rules() {
    let m = L7Match::Http(vec![
        HttpRule {
            path: Some(re("/never")),
            ..Default::default()
        },
        HttpRule {
            headers: vec![header("X-Added", Some("1"), Some("ADD"))],
            path: Some(re("/a")),
            ..Default::default()
        },
    ]);
    assert!(is_pass(&check(&m, &http("GET", "/a"))));
    let mut view = http_view(&HttpRequest {
        method: Some("GET".into()),
        path: Some("/a".into()),
        ..Default::default()
    })
    .unwrap_or_else(|_| panic!("view"));
    let _ = http_rule(
        &HttpRule {
            headers: vec![header("X-Added", Some("1"), Some("ADD"))],
            ..Default::default()
        },
        &mut view,
    );
    assert_eq!(view.get("x-added").as_deref(), Some("1"));
}

#[test]
fn http_secret_header() {
    let secret = |mismatch: Option<&str>| {
        L7Match::Http(vec![HttpRule {
            headers: vec![HeaderRule {
                name: "Authorization".into(),
                value: None,
                secret: Some("ns/token".into()),
                mismatch: mismatch.map(Into::into),
            }],
            ..Default::default()
        }])
    };
    let f = http_full("GET", "/", None, &[("Authorization", "Bearer x")]);
    match check(&secret(None), &f) {
        L7Check::Refused { reason, .. } => assert!(reason.contains("cannot read"), "{reason}"),
        other => panic!("{other:?}"),
    }
    match check(&secret(Some("REPLACE")), &f) {
        L7Check::Pass(r) => assert!(r.contains("Secret ns/token"), "{r}"),
        other => panic!("{other:?}"),
    }
}

// --- Kafka

/// Kafka rules written as in a policy (`{role: produce, topic: t}`),
/// lowered as Cilium reads them.
fn kafka(rules: &str) -> L7Match {
    let docs = parse_documents(FileId(0), &format!("kafka: [{rules}]\n")).unwrap();
    let rules: L7Rules = from_node(&docs[0]).unwrap();
    compiled(&rules).l7.clone().unwrap()
}

fn kafka_rule(role: Option<&str>, api_key: Option<&str>, topic: Option<&str>) -> KafkaRule {
    let fields: Vec<String> = [("role", role), ("apiKey", api_key), ("topic", topic)]
        .iter()
        .filter_map(|(k, v)| v.map(|v| format!("{k}: {v}")))
        .collect();
    match kafka(&format!("{{{}}}", fields.join(", "))) {
        L7Match::Kafka(mut rules) => rules.remove(0),
        other => panic!("{other:?}"),
    }
}

#[test]
fn kafka_roles_and_topics() {
    let produce = L7Match::Kafka(vec![kafka_rule(
        Some("produce"),
        None,
        Some("deathstar-plans"),
    )]);
    assert_eq!(
        check(
            &produce,
            &l7(&[("api_key", "produce"), ("topic", "deathstar-plans")])
        ),
        L7Check::Pass(
            "rules[0] matched: role `produce` allows apiKey produce(0), topic `deathstar-plans`"
                .into()
        )
    );
    // Metadata is part of the produce role.
    assert!(is_pass(&check(
        &produce,
        &l7(&[("api_key", "3"), ("topic", "deathstar-plans")])
    )));
    // apiversions carries no topic: the topic constraint does not apply.
    assert!(is_pass(&check(
        &produce,
        &l7(&[("api_key", "apiversions")])
    )));
    match check(
        &produce,
        &l7(&[("api_key", "fetch"), ("topic", "deathstar-plans")]),
    ) {
        L7Check::Refused { reason, reply } => {
            assert!(
                reason.contains("does not allow apiKey fetch(1)"),
                "{reason}"
            );
            assert_eq!(reply, Reply::KafkaTopicAuthorizationFailed);
        }
        other => panic!("{other:?}"),
    }
    assert!(is_refused(&check(
        &produce,
        &l7(&[("api_key", "produce"), ("topic", "empire-announce")])
    )));
    // Every topic of a request must be allowed.
    assert!(is_refused(&check(
        &produce,
        &l7(&[
            ("api_key", "produce"),
            ("topic", "deathstar-plans"),
            ("topic", "empire-announce"),
        ])
    )));
    // ... possibly by different rules.
    let two = L7Match::Kafka(vec![
        kafka_rule(Some("produce"), None, Some("deathstar-plans")),
        kafka_rule(Some("produce"), None, Some("empire-announce")),
    ]);
    match check(
        &two,
        &l7(&[
            ("api_key", "produce"),
            ("topic", "deathstar-plans"),
            ("topic", "empire-announce"),
        ]),
    ) {
        L7Check::Pass(r) => assert!(
            r.contains(
                "rules[1] matched: role `produce` allows apiKey produce(0), topic `empire-announce`"
            ),
            "{r}"
        ),
        other => panic!("{other:?}"),
    }

    let consume = L7Match::Kafka(vec![kafka_rule(
        Some("consume"),
        None,
        Some("empire-announce"),
    )]);
    assert!(is_pass(&check(
        &consume,
        &l7(&[("api_key", "fetch"), ("topic", "empire-announce")])
    )));
    assert!(is_pass(&check(&consume, &l7(&[("api_key", "heartbeat")]))));
    assert!(is_refused(&check(
        &consume,
        &l7(&[("api_key", "produce"), ("topic", "empire-announce")])
    )));
}

#[test]
fn kafka_fields_and_no_request() {
    let m = kafka("{apiKey: Produce, apiVersion: \"2\", clientID: xwing}");
    assert!(is_no_request(&check(&m, &flow())));
    match check(&m, &l7(&[("api_key", "produce")])) {
        L7Check::NoRequest(h) => assert!(asks_l7(&h, "api_version"), "{h:?}"),
        other => panic!("{other:?}"),
    }
    assert!(is_pass(&check(
        &m,
        &l7(&[
            ("api_key", "produce"),
            ("api_version", "2"),
            ("client_id", "xwing")
        ])
    )));
    assert!(is_refused(&check(
        &m,
        &l7(&[
            ("api_key", "produce"),
            ("api_version", "1"),
            ("client_id", "xwing")
        ])
    )));
    // A topic is needed when a rule constrains it.
    let t = L7Match::Kafka(vec![kafka_rule(None, Some("produce"), Some("a"))]);
    match check(&t, &l7(&[("api_key", "produce")])) {
        L7Check::NoRequest(h) => assert!(asks_l7(&h, "topic"), "{h:?}"),
        other => panic!("{other:?}"),
    }
    // Unknown keys and invalid rules fail closed.
    assert!(is_refused(&check(
        &t,
        &l7(&[("api_key", "produce"), ("tpoic", "a")])
    )));
    // Cilium rejects a rule with both role and apiKey: lowered without
    // the check, the port refuses every request.
    let bad = kafka("{role: produce, apiKey: fetch}");
    assert!(matches!(bad, L7Match::Refused { .. }), "{bad:?}");
    assert!(is_refused(&check(&bad, &l7(&[("api_key", "fetch")]))));
    // Topics of createtopics requests are not decoded by proxylib.
    let ct = L7Match::Kafka(vec![kafka_rule(None, Some("createtopics"), Some("a"))]);
    match check(&ct, &l7(&[("api_key", "createtopics"), ("topic", "a")])) {
        L7Check::Refused { reply, .. } => {
            assert!(matches!(reply, Reply::KafkaNoReply { .. }), "{reply:?}")
        }
        other => panic!("{other:?}"),
    }
    assert!(is_pass(&check(
        &L7Match::Kafka(vec![]),
        &l7(&[("api_key", "fetch")])
    )));
}

// --- DNS

#[test]
fn dns_patterns() {
    let star = FqdnPattern::Pattern(match_pattern("*.cilium.io"));
    assert!(fqdn_matches(&star, "sub.cilium.io"));
    assert!(fqdn_matches(&star, "SUB.Cilium.IO."));
    assert!(!fqdn_matches(&star, "a.b.cilium.io"));
    assert!(!fqdn_matches(&star, "cilium.io"));
    let deep = FqdnPattern::Pattern(match_pattern("**.cilium.io"));
    assert!(fqdn_matches(&deep, "sub.cilium.io"));
    assert!(fqdn_matches(&deep, "a.b.cilium.io"));
    assert!(!fqdn_matches(&deep, "cilium.io"));
    assert!(!fqdn_matches(&deep, "xcilium.io"));
    let all = FqdnPattern::Pattern(match_pattern("*"));
    assert!(fqdn_matches(&all, "anything.example.com"));
    assert!(fqdn_matches(&all, "."));
    let mid = FqdnPattern::Pattern(match_pattern("api*.example.com"));
    assert!(fqdn_matches(&mid, "api.example.com"));
    assert!(fqdn_matches(&mid, "api-v2.example.com"));
    assert!(!fqdn_matches(&mid, "api.v2.example.com"));
    let name = FqdnPattern::Name("Cilium.IO".into());
    assert!(fqdn_matches(&name, "cilium.io."));
    assert!(fqdn_matches(&name, "CILIUM.io"));
    assert!(!fqdn_matches(&name, "www.cilium.io"));
    assert!(!fqdn_matches(
        &FqdnPattern::Pattern(match_pattern("a+b.com")),
        "a+b.com"
    ));
}

#[test]
fn dns_check() {
    let m = L7Match::Dns(vec![
        FqdnPattern::Name("cilium.io".into()),
        FqdnPattern::Pattern(match_pattern("*.cilium.io")),
    ]);
    match check(&m, &l7(&[("query", "docs.cilium.io")])) {
        L7Check::Pass(r) => assert_eq!(
            r,
            "rules[1] matched: matchPattern `*.cilium.io` ~ docs.cilium.io."
        ),
        other => panic!("{other:?}"),
    }
    match check(&m, &l7(&[("query", "example.com")])) {
        L7Check::Refused { reply, .. } => assert_eq!(reply, Reply::DnsRefused),
        other => panic!("{other:?}"),
    }
    assert!(is_no_request(&check(&m, &flow())));
    assert!(is_pass(&check(
        &L7Match::Dns(vec![]),
        &l7(&[("query", "x.y")])
    )));
    let all = L7Match::Dns(vec![FqdnPattern::Pattern(match_pattern("*"))]);
    assert!(is_pass(&check(&all, &flow())));
    assert!(is_pass(&check(&all, &l7(&[("query", "weird name")]))));
}

// --- cassandra

fn cassandra_guide() -> L7Match {
    generic(
        "cassandra",
        &[
            &[("query_action", "select"), ("query_table", "system\\..*")],
            &[
                ("query_action", "select"),
                ("query_table", "system_schema\\..*"),
            ],
            &[
                ("query_action", "insert"),
                ("query_table", "attendance.daily_records"),
            ],
        ],
    )
}

#[test]
fn cassandra_guide_rules() {
    let m = cassandra_guide();
    assert!(is_pass(&check(
        &m,
        &l7(&[("query_action", "select"), ("query_table", "system.local")])
    )));
    assert!(is_pass(&check(
        &m,
        &l7(&[
            ("query_action", "select"),
            ("query_table", "system_schema.keyspaces")
        ])
    )));
    match check(
        &m,
        &l7(&[
            ("query_action", "select"),
            ("query_table", "attendance.daily_records"),
        ]),
    ) {
        L7Check::Refused { reason, reply } => {
            assert!(
                reason.contains("rules[2]: query_action `insert` != select"),
                "{reason}"
            );
            assert_eq!(reply, Reply::CassandraUnauthorized);
        }
        other => panic!("{other:?}"),
    }
    assert!(is_pass(&check(
        &m,
        &l7(&[
            ("query_action", "insert"),
            ("query_table", "attendance.daily_records")
        ])
    )));
    // The table regex is unanchored (Go MatchString).
    assert!(is_pass(&check(
        &m,
        &l7(&[
            ("query_action", "insert"),
            ("query_table", "x.attendance.daily_records2")
        ])
    )));
    assert!(is_no_request(&check(&m, &flow())));
    match check(&m, &l7(&[("query_action", "select")])) {
        L7Check::NoRequest(h) => assert!(asks_l7(&h, "query_table"), "{h:?}"),
        other => panic!("{other:?}"),
    }
    // `use` is never refused; unparsable actions close the connection.
    assert!(is_pass(&check(
        &m,
        &l7(&[("query_action", "use"), ("query_table", "x")])
    )));
    assert!(is_refused(&check(&m, &l7(&[("query_action", "grant")]))));
}

#[test]
fn cassandra_actions_without_table_and_bad_rules() {
    let m = generic("cassandra", &[&[("query_action", "create-role")]]);
    assert!(is_pass(&check(&m, &l7(&[("query_action", "create-role")]))));
    let bad = generic(
        "cassandra",
        &[&[("query_action", "create-role"), ("query_table", "x")]],
    );
    assert!(is_refused(&check(
        &bad,
        &l7(&[("query_action", "create-role")])
    )));
    let unknown = generic("cassandra", &[&[("table", "x")]]);
    assert!(is_refused(&check(&unknown, &flow())));
}

// --- memcache

#[test]
fn memcache_groups_and_keys() {
    let awing = generic(
        "memcache",
        &[&[("command", "writeGroup"), ("keyPrefix", "alliance/fleet/")]],
    );
    assert!(is_pass(&check(
        &awing,
        &l7(&[("command", "set"), ("key", "alliance/fleet/a-wing")])
    )));
    assert!(is_pass(&check(
        &awing,
        &l7(&[("command", "incr"), ("key", "alliance/fleet/count")])
    )));
    match check(&awing, &l7(&[("command", "set"), ("key", "empire/x")])) {
        L7Check::Refused { reason, reply } => {
            assert!(
                reason.contains("keyPrefix `alliance/fleet/` !~ key empire/x"),
                "{reason}"
            );
            assert_eq!(reply, Reply::MemcacheAccessDenied);
        }
        other => panic!("{other:?}"),
    }
    assert!(is_refused(&check(
        &awing,
        &l7(&[("command", "get"), ("key", "alliance/fleet/a")])
    )));

    let xwing = generic(
        "memcache",
        &[&[("command", "get"), ("keyPrefix", "alliance/fleet/")]],
    );
    assert!(is_pass(&check(
        &xwing,
        &l7(&[("command", "get"), ("key", "alliance/fleet/x")])
    )));
    assert!(is_pass(&check(
        &xwing,
        &l7(&[("command", "gets"), ("key", "alliance/fleet/x")])
    )));
    assert!(is_refused(&check(
        &xwing,
        &l7(&[("command", "set"), ("key", "alliance/fleet/x")])
    )));
    assert!(is_refused(&check(
        &xwing,
        &l7(&[("command", "delete"), ("key", "alliance/fleet/x")])
    )));
    // Multi-key get: every key must match.
    assert!(is_refused(&check(
        &xwing,
        &l7(&[
            ("command", "get"),
            ("key", "alliance/fleet/x"),
            ("key", "empire/y")
        ])
    )));
    match check(&xwing, &l7(&[("command", "get")])) {
        L7Check::NoRequest(h) => assert!(asks_l7(&h, "key"), "{h:?}"),
        other => panic!("{other:?}"),
    }

    // Commands without keys.
    let empty_rule = generic("memcache", &[&[]]);
    assert!(is_pass(&check(&empty_rule, &flow())));
    assert!(is_pass(&check(
        &empty_rule,
        &l7(&[("command", "flush_all")])
    )));
    let empty_list = generic("memcache", &[]);
    assert!(is_pass(&check(
        &empty_list,
        &l7(&[("command", "flush_all")])
    )));
    assert!(is_refused(&check(&awing, &l7(&[("command", "flush_all")]))));
    let flush = generic("memcache", &[&[("command", "flush_all")]]);
    assert!(is_pass(&check(&flush, &l7(&[("command", "flush_all")]))));
}

#[test]
fn memcache_parser_quirks() {
    // A command name proxylib does not know, without keys: an empty rule.
    let typo = generic("memcache", &[&[("command", "writegroup")]]);
    match check(&typo, &l7(&[("command", "delete"), ("key", "k")])) {
        L7Check::Pass(r) => assert!(r.contains("counts as empty"), "{r}"),
        other => panic!("{other:?}"),
    }
    // ... with a key: the policy is rejected.
    let bad = generic(
        "memcache",
        &[&[("command", "writegroup"), ("keyExact", "k")]],
    );
    assert!(is_refused(&check(
        &bad,
        &l7(&[("command", "delete"), ("key", "k")])
    )));
    // keyExact wins over keyPrefix.
    let both = generic(
        "memcache",
        &[&[("command", "get"), ("keyExact", "a"), ("keyPrefix", "b")]],
    );
    assert!(is_refused(&check(
        &both,
        &l7(&[("command", "get"), ("key", "bb")])
    )));
    let re = generic("memcache", &[&[("command", "get"), ("keyRegex", "fleet")]]);
    assert!(is_pass(&check(
        &re,
        &l7(&[("command", "get"), ("key", "alliance/fleet/x")])
    )));
    // Unknown text commands make the parser fail.
    assert!(is_refused(&check(
        &typo,
        &l7(&[("command", "mg"), ("key", "k")])
    )));
}

// --- r2d2 and other parsers

#[test]
fn r2d2_rules() {
    let m = generic(
        "r2d2",
        &[
            &[("cmd", "READ"), ("file", "/public/.*")],
            &[("cmd", "HALT")],
        ],
    );
    assert!(is_pass(&check(
        &m,
        &l7(&[("cmd", "READ"), ("file", "/public/plans")])
    )));
    assert!(is_pass(&check(&m, &l7(&[("cmd", "HALT")]))));
    match check(&m, &l7(&[("cmd", "WRITE"), ("file", "/public/x")])) {
        L7Check::Refused { reply, .. } => assert_eq!(reply, Reply::R2d2Error),
        other => panic!("{other:?}"),
    }
    assert!(is_refused(&check(
        &m,
        &l7(&[("cmd", "READ"), ("file", "/private/x")])
    )));
    match check(&m, &l7(&[("cmd", "READ")])) {
        L7Check::NoRequest(h) => assert!(asks_l7(&h, "file"), "{h:?}"),
        other => panic!("{other:?}"),
    }
    let bad = generic("r2d2", &[&[("cmd", "HALT"), ("file", "x")]]);
    assert!(is_refused(&check(&bad, &l7(&[("cmd", "HALT")]))));
}

#[test]
fn unknown_and_unmodelled_parsers() {
    let unknown = L7Match::Refused {
        protocol: "redis".into(),
        rules: vec!["cmd=GET".into()],
        reason: "no such parser".into(),
    };
    assert_eq!(
        check(&unknown, &l7(&[("cmd", "GET")])),
        L7Check::Refused {
            reason: "no such parser".into(),
            reply: Reply::ConnectionClosed
        }
    );
    assert_eq!(describe(&unknown), "redis [cmd=GET]");
    let test = generic("test.passer", &[]);
    assert!(matches!(check(&test, &flow()), L7Check::Unmodelled(_)));
}

// --- describe

#[test]
fn descriptions() {
    assert_eq!(
        describe(&L7Match::Http(vec![rule(
            Some("POST"),
            Some("/v1/request-landing")
        )])),
        "HTTP [POST /v1/request-landing]"
    );
    assert_eq!(
        describe(&generic(
            "cassandra",
            &[&[("query_action", "select"), ("query_table", "system\\..*")]]
        )),
        "cassandra [select system\\..*]"
    );
    assert_eq!(
        describe(&L7Match::Kafka(vec![kafka_rule(
            Some("produce"),
            None,
            Some("deathstar-plans")
        )])),
        "kafka [role produce topic deathstar-plans]"
    );
    assert_eq!(
        describe(&L7Match::Dns(vec![FqdnPattern::Pattern(match_pattern(
            "*.cilium.io"
        ))])),
        "DNS [matchPattern *.cilium.io]"
    );
    assert_eq!(
        describe(&generic(
            "memcache",
            &[&[("command", "writeGroup"), ("keyPrefix", "alliance/fleet/")]]
        )),
        "memcache [writeGroup keyPrefix alliance/fleet/]"
    );
    assert_eq!(describe(&L7Match::Http(vec![])), "HTTP [any request]");
}

#[test]
fn never_panics_on_odd_input() {
    let m = L7Match::Http(vec![rule(Some(".*"), Some(".*"))]);
    for p in [
        "/%",
        "/%2",
        "/%zz",
        "/é/..",
        "/\u{0}",
        "/..",
        "/.",
        "//",
        "/%2e%2e/%2E",
        "/\\",
    ] {
        let _ = check(&m, &http("GET", p));
    }
    let _ = canonical_path("");
    let _ = unescape_slashes("%2");
    let _ = match_pattern("**");
    let _ = match_pattern("");
}

proptest::proptest! {
    #[test]
    fn arbitrary_requests_never_panic(path in ".{0,40}", name in ".{0,30}", key in ".{0,12}") {
        let m = L7Match::Http(vec![HttpRule {
            path: Some(re("/a.*")),
            headers: vec![header("X", Some("1"), Some("REPLACE"))],
            ..Default::default()
        }]);
        let _ = check(&m, &http_full("GET", &format!("/{path}"), Some(&name), &[("x", &key)]));
        let _ = check(&m, &http("GET", &path));
        let _ = fqdn_matches(&FqdnPattern::Pattern(match_pattern(&name)), &key);
        let _ = check(&L7Match::Dns(vec![FqdnPattern::Pattern(match_pattern(&name))]), &l7(&[("query", &key)]));
        let _ = check(&cassandra_guide(), &l7(&[("query_action", &name), ("query_table", &key)]));
        let _ = check(
            &generic("memcache", &[&[("command", "get"), ("keyRegex", "a")]]),
            &l7(&[("command", &name), ("key", &key)]),
        );
        let _ = check(
            &L7Match::Kafka(vec![kafka_rule(Some("consume"), None, Some("t"))]),
            &l7(&[("api_key", &name), ("topic", &key)]),
        );
        let _ = describe(&generic(&name, &[&[(key.as_str(), path.as_str())]]));
    }
}
