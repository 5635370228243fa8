//! Application-protocol request matching (Cilium proxy rules).
//!
//! A port with L7 rules is redirected to a proxy: the connection is admitted
//! and every request on it must match one of the rules (any rule; an empty
//! list lets everything through). This module decides one request, the way
//! the proxy would (SEMANTICS.md §C8). Sources: cilium/cilium
//! `pkg/envoy/policy/envoy_l7_rules_translator.go` (HTTP rules → Envoy
//! matchers), `pkg/fqdn/matchpattern/matchpattern.go` and
//! `pkg/fqdn/dnsproxy/proxy.go` (DNS), `vendor/.../policy/api/kafka/kafka.go`;
//! cilium/proxy `cilium/network_policy.cc` and `cilium/l7policy.cc` (HTTP),
//! `proxylib/kafka`, `proxylib/cassandra`, `proxylib/memcached`,
//! `proxylib/r2d2`, `proxylib/proxylib/policymap.go` (proxylib parsers).
//!
//! # The request a flow carries
//!
//! HTTP comes from `flow.http` (method, path as the request target, host,
//! headers). The other protocols read `flow.l7` (key/value pairs):
//!
//! | protocol | keys (`*` = repeatable) | needed |
//! |---|---|---|
//! | kafka | `api_key` (name such as `produce`/`fetch`, or the number), `api_version`, `client_id`, `topic`* | `api_key` |
//! | dns | `query` (the query name) | `query` |
//! | cassandra | `query_action` (`select`, `insert`, ..., `create-table`, as the parser names them), `query_table` (`keyspace.table`) | `query_action` |
//! | memcache | `command` (text protocol: `get`, `set`, `flush_all`, ...), `key`* | `command` |
//! | r2d2 | `cmd`, `file` | `cmd` |
//!
//! Without the needed key the result is [`L7Check::NoRequest`]: the
//! connection is admitted and each request will be checked. It is `Pass`
//! instead when the list is empty or holds a rule without conditions (such
//! as the allow-all rule Cilium appends when an L3/L4-only rule shares the
//! port): every request passes. When a rule's outcome depends on an
//! attribute the flow does not give (a Kafka `api_version`, an HTTP
//! host, ...) and no other rule decides, the result is also
//! `NoRequest`, naming what to give. A key the protocol does not have, or a
//! key given twice that a request carries once, is refused (polctl will not
//! claim a pass for a request it cannot model). The proxylib parsers polctl
//! does not model (`kafka` with `l7` key/value rules, the `test.*` ones)
//! give [`L7Check::Unmodelled`].
//!
//! # Decisions where upstream leaves room
//!
//! * HTTP `:path` is the request target with its query string (Envoy's
//!   `:path`), after the normalisation Cilium turns on by default
//!   (`--http-normalize-path=true`, `pkg/envoy/xds_server.go`): escaped
//!   slashes unescaped (with a 307 redirect first), RFC 3986 dot segments
//!   resolved and unreserved escapes decoded (Envoy's Chromium-derived
//!   canonicaliser), duplicate slashes merged. A `#fragment` gets 400.
//! * HTTP `:authority` is the host as sent, `:port` included: Cilium's
//!   listener sets neither `strip_any_host_port` nor `strip_matching_host_port`,
//!   so `host: "api\.example\.com"` does not match `api.example.com:8080`.
//! * Header values from a Secret cannot be read offline: such a condition
//!   fails (the request is refused) unless it has a `mismatch` action, in
//!   which case the rule still matches (assuming the Secret exists).
//! * Kafka: a request naming several topics passes when the matching rules
//!   together allow every topic (kafkalib/policy.go removes each rule's
//!   topic from the request's set); only produce, fetch, offsets, metadata,
//!   offsetcommit and offsetfetch requests have their topics decoded, so a
//!   rule with a `topic` never matches e.g. createtopics. Version 0
//!   requests carry no client ID.
//! * DNS: names are compared lower-cased with the trailing dot; a star-only
//!   `matchPattern` lets the DNS proxy pass every query.
//! * cassandra: one query per request (no batches or prepared statements);
//!   `use` is never refused; an action the parser cannot produce closes the
//!   connection; `query_table` is matched as given (give it
//!   keyspace-qualified, the parser prefixes the current keyspace).
//! * memcache: the text protocol only. `command` groups as in proxylib's
//!   MemcacheOpCodeMap (`get` covers get/gets, `writeGroup` the storage
//!   commands plus delete and touch; there is no read group); every key of a
//!   request must satisfy the rule's key condition, checked as keyExact,
//!   else keyPrefix, else keyRegex; a rule whose `command` proxylib does not
//!   know and that has no key condition matches everything.
//! * Invalid rule sets: proxylib rejects the whole policy update on an
//!   unknown rule key, a bad value or a bad regex (`ParseError`), and an
//!   unknown `l7proto` has no parser (connections are closed); Cilium
//!   rejects invalid Kafka rules at import. All of these refuse every
//!   request here.

mod cassandra;
mod dns;
mod http;
mod kafka;
mod memcache;
mod path;
mod proxylib;
mod r2d2;
mod request;
mod verdict;

pub(crate) use dns::fqdn_matches;

/// The keys each protocol reads from `flow.l7`: the request a flow can
/// carry (the table above). A key outside it is a mistake in the input.
pub(crate) const REQUEST_KEYS: &[(&str, &[&str])] = &[
    ("kafka", KAFKA_KEYS),
    ("dns", DNS_KEYS),
    ("cassandra", CASSANDRA_KEYS),
    ("memcache", MEMCACHE_KEYS),
    ("r2d2", R2D2_KEYS),
];
const KAFKA_KEYS: &[&str] = &["api_key", "api_version", "client_id", "topic"];
const DNS_KEYS: &[&str] = &["query"];
const CASSANDRA_KEYS: &[&str] = &["query_action", "query_table"];
const MEMCACHE_KEYS: &[&str] = &["command", "key"];
const R2D2_KEYS: &[&str] = &["cmd", "file"];

use crate::model::Flow;
use crate::model::policy::{L7Match, Proxylib};
use crate::sim::eval::Reply;
use crate::sim::eval::hint::Hint;

/// What the proxy does with the flow's request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum L7Check {
    /// The flow carries no request of this protocol (or not all the
    /// attributes the rules read): the connection is admitted, each request
    /// will be checked. The hint says what the flow lacks.
    NoRequest(Hint),
    /// The proxy judges requests with a parser polctl does not model: the
    /// connection is admitted; why.
    Unmodelled(String),
    /// Allowed; the reason names the rule that matched, e.g. "rules\[1\]
    /// matched: method `POST` ~ POST, path `/v1/request-landing` ~
    /// /v1/request-landing", or "the rule list is empty: every request
    /// passes".
    Pass(String),
    /// Refused: why (each rule's first failing condition, briefly) and what
    /// the client receives.
    Refused { reason: String, reply: Reply },
}

/// Decides the flow's request against one protocol's rules.
pub(crate) fn check(m: &L7Match, flow: &Flow) -> L7Check {
    match m {
        L7Match::Http(rules) => http::check_http(rules, flow.http.as_ref()),
        L7Match::Kafka(rules) => kafka::check_kafka(rules, &flow.l7),
        L7Match::Dns(patterns) => dns::check_dns(patterns, &flow.l7),
        L7Match::Generic { parser, rules } => match parser {
            Proxylib::Cassandra => cassandra::check_cassandra(rules, &flow.l7),
            Proxylib::Memcache => memcache::check_memcache(rules, &flow.l7),
            Proxylib::R2d2 => r2d2::check_r2d2(rules, &flow.l7),
            Proxylib::Unmodelled(name) => L7Check::Unmodelled(format!(
                "polctl does not model proxylib's `{name}` parser with `l7` key/value rules; \
                 the connection is admitted and its requests are judged by that parser"
            )),
        },
        L7Match::Refused { reason, .. } => L7Check::Refused {
            reason: reason.clone(),
            reply: Reply::ConnectionClosed,
        },
    }
}

/// One-line description for traces, e.g. `HTTP [POST /v1/request-landing]`,
/// `cassandra [select system\..*]`, `kafka [role produce topic
/// deathstar-plans]`, `DNS [matchPattern *.cilium.io]`.
pub(crate) fn describe(m: &L7Match) -> String {
    let (proto, rules): (&str, Vec<String>) = match m {
        L7Match::Http(rules) => ("HTTP", rules.iter().map(http::describe_http_rule).collect()),
        L7Match::Kafka(rules) => (
            "kafka",
            rules.iter().map(kafka::describe_kafka_rule).collect(),
        ),
        L7Match::Dns(patterns) => ("DNS", patterns.iter().map(|p| p.to_string()).collect()),
        L7Match::Refused {
            protocol, rules, ..
        } => (protocol.as_str(), rules.clone()),
        L7Match::Generic { parser, rules } => (
            parser.name(),
            rules
                .iter()
                .map(|r| proxylib::describe_generic_rule(parser, r))
                .collect(),
        ),
    };
    if rules.is_empty() {
        format!("{proto} [any request]")
    } else {
        format!("{proto} [{}]", rules.join("; "))
    }
}

#[cfg(test)]
mod tests;
