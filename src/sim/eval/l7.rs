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
//! headers). The other protocols read `flow.l7` (`--l7 key=value`):
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
//! `--host`, ...) and no other rule decides, the result is also
//! `NoRequest`, naming what to give. A key the protocol does not have, or a
//! key given twice that a request carries once, is refused (polctl will not
//! claim a pass for a request it cannot model). The proxylib parsers polctl
//! does not model (`kafka` with `l7` key/value rules, the `test.*` ones)
//! give `NoRequest`.
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

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};

use regex::Regex;

use crate::model::policy::{FqdnPattern, HeaderRule, HttpRule, KafkaRule, L7Match};
use crate::model::{Flow, HttpRequest};

/// What the proxy does with the flow's request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum L7Check {
    /// The flow carries no request of this protocol: the connection is
    /// admitted, each request will be checked. `String` says what to pass to
    /// check one (e.g. "give --method/--path", "give --l7 query_action=...
    /// --l7 query_table=...").
    NoRequest(String),
    /// Allowed; the reason names the rule that matched, e.g. "rules\[1\]
    /// matched: method `POST` ~ POST, path `/v1/request-landing` ~
    /// /v1/request-landing", or "the rule list is empty: every request
    /// passes".
    Pass(String),
    /// Refused: why (each rule's first failing condition, briefly) and what
    /// the client receives.
    Refused { reason: String, response: String },
}

/// Decides the flow's request against one protocol's rules.
pub fn check(m: &L7Match, flow: &Flow) -> L7Check {
    match m {
        L7Match::Http(rules) => check_http(rules, flow.http.as_ref()),
        L7Match::Kafka(rules) => check_kafka(rules, &flow.l7),
        L7Match::Dns(patterns) => check_dns(patterns, &flow.l7),
        L7Match::Generic { parser, rules } => match parser.as_str() {
            "cassandra" => check_cassandra(rules, &flow.l7),
            "memcache" => check_memcache(rules, &flow.l7),
            "r2d2" => check_r2d2(rules, &flow.l7),
            // Registered in cilium-envoy's proxylib (libcilium/proxylib.go)
            // but not modelled: the connection goes through, requests are
            // judged by a parser polctl does not reproduce.
            "kafka" | "test.blockparser" | "test.headerparser" | "test.lineparser"
            | "test.passer" => L7Check::NoRequest(format!(
                "polctl does not model proxylib's `{parser}` parser with `l7` key/value rules; \
                 the connection is admitted and its requests are judged by that parser"
            )),
            // policymap.go: "Unknown L7 (..), should drop everything", and
            // OnNewConnection returns UNKNOWN_PARSER.
            _ => L7Check::Refused {
                reason: format!(
                    "cilium-envoy has no proxylib parser `{parser}` (built in: cassandra, kafka, \
                     memcache, r2d2): the policy for the port cannot be applied"
                ),
                response: "the proxy closes the connection".into(),
            },
        },
    }
}

/// Cilium toFQDNs / DNS-rule name matching (pkg/fqdn/matchpattern): used
/// for both.
///
/// `matchName`: equal after lower-casing both and adding the trailing dot.
/// `matchPattern`: the anchored regex matchpattern.go builds — `*` is
/// `[-a-zA-Z0-9_]*` (within one label), a leading `**.` is one or more whole
/// labels, and a pattern of only stars (`*`, `**.`) matches every name made
/// of DNS characters. Patterns with other characters never match (Cilium
/// rejects them).
pub fn fqdn_matches(pattern: &FqdnPattern, name: &str) -> bool {
    let name = fqdn(name);
    match pattern {
        FqdnPattern::Name(n) => fqdn(n) == name,
        FqdnPattern::Pattern(p) => match pattern_regex(p) {
            Some(re) => cached_regex(&re).is_some_and(|r| r.is_match(&name)),
            None => false,
        },
    }
}

/// One-line description for traces, e.g. `HTTP [POST /v1/request-landing]`,
/// `cassandra [select system\..*]`, `kafka [role produce topic
/// deathstar-plans]`, `DNS [matchPattern *.cilium.io]`.
pub fn describe(m: &L7Match) -> String {
    let (proto, rules): (&str, Vec<String>) = match m {
        L7Match::Http(rules) => ("HTTP", rules.iter().map(describe_http_rule).collect()),
        L7Match::Kafka(rules) => ("kafka", rules.iter().map(describe_kafka_rule).collect()),
        L7Match::Dns(patterns) => ("DNS", patterns.iter().map(|p| p.to_string()).collect()),
        L7Match::Generic { parser, rules } => (
            parser.as_str(),
            rules
                .iter()
                .map(|r| describe_generic_rule(parser, r))
                .collect(),
        ),
    };
    if rules.is_empty() {
        format!("{proto} [any request]")
    } else {
        format!("{proto} [{}]", rules.join("; "))
    }
}

// ---------------------------------------------------------------------------
// Shared machinery

const EMPTY_LIST: &str = "the rule list is empty: every request passes";

/// One condition of a rule, evaluated.
enum Cond {
    Holds(String),
    Fails(String),
    /// The flow does not say; `give` is the flag to add.
    Unknown {
        give: String,
        why: String,
    },
}

/// One rule, evaluated.
enum Verdict {
    Match(Vec<String>),
    Fail(String),
    Unknown { give: String, why: String },
}

/// A rule fails on its first failing condition; otherwise it is unknown if
/// some condition is; otherwise it matches.
fn judge(conds: Vec<Cond>) -> Verdict {
    let mut unknown = None;
    let mut held = Vec::new();
    for c in conds {
        match c {
            Cond::Fails(why) => return Verdict::Fail(why),
            Cond::Unknown { give, why } => {
                unknown.get_or_insert((give, why));
            }
            Cond::Holds(d) => held.push(d),
        }
    }
    match unknown {
        Some((give, why)) => Verdict::Unknown { give, why },
        None => Verdict::Match(held),
    }
}

/// The flow carries no request: every request passes when the list is
/// empty or holds a rule without conditions (such as the allow-all rule
/// Cilium appends when an L3/L4-only rule shares the port); otherwise each
/// request will be checked.
fn without_request(n_rules: usize, open: Option<usize>, hint: &str) -> L7Check {
    match open {
        _ if n_rules == 0 => L7Check::Pass(EMPTY_LIST.into()),
        Some(i) => L7Check::Pass(format!(
            "rules[{i}] has no conditions: every request passes"
        )),
        None => L7Check::NoRequest(hint.into()),
    }
}

fn matched(i: usize, details: &[String]) -> String {
    if details.is_empty() {
        format!("rules[{i}] matched: it has no conditions, so every request matches")
    } else {
        format!("rules[{i}] matched: {}", details.join(", "))
    }
}

/// Any matching rule passes; otherwise an undecidable rule asks for more;
/// otherwise the request is refused.
fn decide(verdicts: &[Verdict], response: &str) -> L7Check {
    for (i, v) in verdicts.iter().enumerate() {
        if let Verdict::Match(d) = v {
            return L7Check::Pass(matched(i, d));
        }
    }
    if let Some(no) = no_request(verdicts) {
        return no;
    }
    L7Check::Refused {
        reason: refusals(verdicts),
        response: response.to_string(),
    }
}

fn no_request(verdicts: &[Verdict]) -> Option<L7Check> {
    let mut gives: Vec<&str> = Vec::new();
    let mut whys = Vec::new();
    for (i, v) in verdicts.iter().enumerate() {
        if let Verdict::Unknown { give, why } = v {
            if !gives.contains(&give.as_str()) {
                gives.push(give);
            }
            whys.push(format!("rules[{i}] {why}"));
        }
    }
    if gives.is_empty() {
        return None;
    }
    Some(L7Check::NoRequest(format!(
        "give {} to check a request ({})",
        gives.join(" "),
        whys.join("; ")
    )))
}

fn refusals(verdicts: &[Verdict]) -> String {
    let parts: Vec<String> = verdicts
        .iter()
        .enumerate()
        .filter_map(|(i, v)| match v {
            Verdict::Fail(why) => Some(format!("rules[{i}]: {why}")),
            _ => None,
        })
        .collect();
    format!("no rule matched: {}", parts.join("; "))
}

/// Compiled regexes by source text; `None` for an invalid one (it never
/// matches). Bounded: cleared when it grows past a few thousand entries.
fn cached_regex(src: &str) -> Option<Regex> {
    static CACHE: OnceLock<Mutex<HashMap<String, Option<Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut map = match cache.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    if let Some(r) = map.get(src) {
        return r.clone();
    }
    if map.len() >= 4096 {
        map.clear();
    }
    let compiled = Regex::new(src).ok();
    map.insert(src.to_string(), compiled.clone());
    compiled
}

/// Envoy `safe_regex` (RE2) matches the whole value.
fn full_match(re: &str, value: &str) -> Option<bool> {
    cached_regex(&format!("^(?:{re})$")).map(|r| r.is_match(value))
}

/// Go `regexp.MatchString`: anywhere in the value.
fn go_match(re: &str, value: &str) -> Option<bool> {
    cached_regex(re).map(|r| r.is_match(value))
}

/// The request's `--l7` attributes, checked against the protocol's keys.
struct Attrs<'a>(BTreeMap<&'a str, Vec<&'a str>>);

impl<'a> Attrs<'a> {
    fn parse(
        l7: &'a [(String, String)],
        proto: &str,
        keys: &[&str],
        repeatable: &[&str],
        response: &str,
    ) -> Result<Self, L7Check> {
        let mut map: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (k, v) in l7 {
            if !keys.contains(&k.as_str()) {
                return Err(L7Check::Refused {
                    reason: format!(
                        "`{k}` is not a {proto} request attribute (polctl knows {}); \
                         polctl cannot model such a request and assumes it is refused",
                        keys.join(", ")
                    ),
                    response: response.to_string(),
                });
            }
            map.entry(k.as_str()).or_default().push(v.as_str());
        }
        for (k, vs) in &map {
            if vs.len() > 1 && !repeatable.contains(k) {
                return Err(L7Check::Refused {
                    reason: format!(
                        "`{k}` given {} times, but a {proto} request carries one; \
                         polctl assumes such a request is refused",
                        vs.len()
                    ),
                    response: response.to_string(),
                });
            }
        }
        Ok(Attrs(map))
    }

    fn one(&self, k: &str) -> Option<&'a str> {
        self.0.get(k).and_then(|v| v.first().copied())
    }

    fn all(&self, k: &str) -> Option<&[&'a str]> {
        self.0.get(k).map(|v| v.as_slice())
    }
}

fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}

// ---------------------------------------------------------------------------
// HTTP (Envoy with cilium.l7policy)

/// cilium/proxy `cilium/l7policy.cc`: `sendLocalReply(Forbidden,
/// denied_403_body)`, default body "Access denied\r\n".
const HTTP_DENIED: &str = "HTTP 403 Forbidden \"Access denied\"";

/// The request as the policy filter sees it.
struct HttpView {
    method: Option<String>,
    path: Option<String>,
    host: Option<String>,
    /// Lower-cased names, values trimmed, in order.
    headers: Vec<(String, String)>,
    /// Normalisation notes shown with the verdict.
    notes: Vec<String>,
}

impl HttpView {
    /// Envoy's value for a header name: pseudo-headers from the request,
    /// repeated headers joined with "," (`getAllOfHeaderAsString`).
    fn get(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        match name.as_str() {
            ":method" => self.method.clone(),
            ":path" => self.path.clone(),
            ":authority" | "host" => self.host.clone(),
            _ => {
                let vals: Vec<&str> = self
                    .headers
                    .iter()
                    .filter(|(n, _)| *n == name)
                    .map(|(_, v)| v.as_str())
                    .collect();
                (!vals.is_empty()).then(|| vals.join(","))
            }
        }
    }
}

fn check_http(rules: &[HttpRule], req: Option<&HttpRequest>) -> L7Check {
    let Some(req) = req else {
        let open = rules.iter().position(|r| {
            non_empty(&r.method).is_none()
                && non_empty(&r.path).is_none()
                && non_empty(&r.host).is_none()
                && r.headers.is_empty()
        });
        return without_request(
            rules.len(),
            open,
            "give --method/--path (and --host, --header when rules name them)",
        );
    };
    let mut view = match http_view(req) {
        Ok(v) => v,
        Err(refused) => return refused,
    };
    if rules.is_empty() {
        return L7Check::Pass(with_notes(EMPTY_LIST.into(), &view.notes));
    }
    // network_policy.cc: all rules are evaluated in order (header actions
    // of one rule are seen by the next); any match allows.
    let mut verdicts = Vec::with_capacity(rules.len());
    for rule in rules {
        let v = http_rule(rule, &mut view);
        let is_match = matches!(v, Verdict::Match(_));
        verdicts.push(v);
        if is_match {
            break;
        }
    }
    match decide(&verdicts, HTTP_DENIED) {
        L7Check::Pass(r) => L7Check::Pass(with_notes(r, &view.notes)),
        L7Check::Refused { reason, response } => L7Check::Refused {
            reason: with_notes(reason, &view.notes),
            response,
        },
        no => no,
    }
}

fn with_notes(mut s: String, notes: &[String]) -> String {
    for n in notes {
        let _ = write!(s, " ({n})");
    }
    s
}

/// What reaches the policy filter after Envoy's connection manager.
fn http_view(req: &HttpRequest) -> Result<HttpView, L7Check> {
    let headers: Vec<(String, String)> = req
        .headers
        .iter()
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut host = req.host.clone().or_else(|| {
        headers
            .iter()
            .find(|(n, _)| n == "host")
            .map(|(_, v)| v.clone())
    });
    let mut notes = Vec::new();
    let path = match req.path.as_deref() {
        None => None,
        Some(raw) => {
            let mut target = raw;
            // Absolute-form (`http://h/p`): the HTTP/1 codec splits it into
            // :authority and :path (allow_absolute_url, on by default).
            for scheme in ["http://", "https://"] {
                if let Some(rest) = strip_prefix_ignore_case(raw, scheme) {
                    let cut = rest.find(['/', '?']).unwrap_or(rest.len());
                    host = Some(rest[..cut].to_string());
                    target = &rest[cut..];
                    if target.is_empty() {
                        target = "/";
                    }
                }
            }
            let grpc = headers
                .iter()
                .any(|(n, v)| n == "content-type" && v.starts_with("application/grpc"));
            match envoy_path(target, grpc) {
                Ok((p, note)) => {
                    notes.extend(note);
                    Some(p)
                }
                Err((why, response)) => {
                    return Err(L7Check::Refused {
                        reason: why,
                        response,
                    });
                }
            }
        }
    };
    Ok(HttpView {
        method: req.method.clone(),
        path,
        host,
        headers,
        notes,
    })
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// Envoy's path handling with Cilium's settings (xds_server.go:
/// NormalizePath, MergeSlashes, UNESCAPE_AND_REDIRECT;
/// conn_manager_utility.cc `maybeNormalizePath`).
/// Ok: the `:path` the filter sees and a note if it changed; Err: why and
/// what the client gets.
fn envoy_path(raw: &str, grpc: bool) -> Result<(String, Option<String>), (String, String)> {
    if raw.contains('#') {
        return Err((
            format!("Envoy rejects the request target `{raw}`: it holds a #fragment"),
            "HTTP 400 Bad Request".into(),
        ));
    }
    if !raw.starts_with('/') {
        return Err((
            format!("Envoy only serves request targets starting with `/`, not `{raw}`"),
            "HTTP 404 Not Found".into(),
        ));
    }
    let (path, query) = match raw.find('?') {
        Some(q) => (&raw[..q], &raw[q..]),
        None => (raw, ""),
    };
    let (unescaped, had_escaped_slash) = unescape_slashes(path);
    if had_escaped_slash && grpc {
        return Err((
            format!(
                "the path `{raw}` holds an escaped slash, which Envoy unescapes with a redirect gRPC cannot follow"
            ),
            "HTTP 400 Bad Request".into(),
        ));
    }
    let Some(canonical) = canonical_path(&unescaped) else {
        return Err((
            format!("Envoy cannot normalise the path `{raw}` (it holds a NUL)"),
            "HTTP 400 Bad Request".into(),
        ));
    };
    let merged = merge_slashes(&canonical);
    let out = format!("{merged}{query}");
    let note = if out == raw {
        None
    } else if had_escaped_slash {
        Some(format!(
            "Envoy normalises the path `{raw}` to `{out}`, answering 307 first: the redirected request is the one checked"
        ))
    } else {
        Some(format!("Envoy normalises the path `{raw}` to `{out}`"))
    };
    Ok((out, note))
}

/// `%2F`/`%5C` (any case) → `/`/`\` (PathUtil::unescapeSlashes).
fn unescape_slashes(path: &str) -> (String, bool) {
    let b = path.as_bytes();
    let mut out = String::with_capacity(path.len());
    let mut found = false;
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let code = [b[i + 1].to_ascii_uppercase(), b[i + 2].to_ascii_uppercase()];
            let rep = match &code {
                b"2F" => Some('/'),
                b"5C" => Some('\\'),
                _ => None,
            };
            if let Some(c) = rep {
                out.push(c);
                found = true;
                i += 3;
                continue;
            }
        }
        // Copy one whole UTF-8 character.
        let len = utf8_len(b[i]);
        let end = (i + len).min(b.len());
        out.push_str(path.get(i..end).unwrap_or(""));
        i = end;
    }
    (out, found)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7f => 1,
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 1,
    }
}

fn is_slash(c: u8) -> bool {
    c == b'/' || c == b'\\'
}

/// `.` or `%2e`: its length at `i`.
fn dot_len(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'.' => Some(1),
        b'%' if b.get(i + 1) == Some(&b'2') && matches!(b.get(i + 2), Some(b'e' | b'E')) => Some(3),
        _ => None,
    }
}

enum Dot {
    NotDir,
    Current(usize),
    Up(usize),
}

/// What a dot after a slash means, and how much more input it consumes.
fn classify_after_dot(b: &[u8], after: usize) -> Dot {
    if after == b.len() {
        return Dot::Current(0);
    }
    if is_slash(b[after]) {
        return Dot::Current(1);
    }
    if let Some(d) = dot_len(b, after) {
        let a2 = after + d;
        if a2 == b.len() {
            return Dot::Up(d);
        }
        if is_slash(b[a2]) {
            return Dot::Up(d + 1);
        }
    }
    Dot::NotDir
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// Envoy's RFC 3986 path canonicalisation (source/common/chromium_url/
/// url_canon_path.cc): dot segments resolved (`%2e` counts as a dot), `\`
/// becomes `/`, escapes of unreserved characters decoded, other valid
/// escapes kept as written, characters that must be escaped are. `None`:
/// invalid (a NUL), Envoy answers 400.
fn canonical_path(p: &str) -> Option<String> {
    let b = p.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len() + 1);
    if b.first().is_none_or(|c| !is_slash(*c)) {
        out.push(b'/');
    }
    let mut ok = true;
    let mut i = 0;
    while i < b.len() {
        if let Some(dl) = dot_len(b, i) {
            if out.last() == Some(&b'/') {
                match classify_after_dot(b, i + dl) {
                    Dot::NotDir => {
                        out.push(b'.');
                        i += dl;
                    }
                    Dot::Current(n) => i += dl + n,
                    Dot::Up(n) => {
                        back_up_to_previous_slash(&mut out);
                        i += dl + n;
                    }
                }
            } else {
                out.push(b'.');
                i += dl;
            }
            continue;
        }
        let c = b[i];
        match c {
            b'\\' => out.push(b'/'),
            b'%' => match (
                b.get(i + 1).and_then(|c| hex(*c)),
                b.get(i + 2).and_then(|c| hex(*c)),
            ) {
                (Some(h), Some(l)) => {
                    let v = h * 16 + l;
                    if v.is_ascii_alphanumeric() || matches!(v, b'-' | b'_' | b'~') {
                        out.push(v);
                    } else {
                        out.extend_from_slice(&b[i..i + 3]);
                        if v == 0 {
                            ok = false;
                        }
                    }
                    i += 3;
                    continue;
                }
                _ => out.push(b'%'),
            },
            0 => {
                out.extend_from_slice(b"%00");
                ok = false;
            }
            c if !(0x20..0x7f).contains(&c)
                || matches!(
                    c,
                    b' ' | b'"' | b'#' | b'<' | b'>' | b'`' | b'{' | b'|' | b'}' | b'^'
                ) =>
            {
                let _ = write!(Hex(&mut out), "%{c:02X}");
            }
            c => out.push(c),
        }
        i += 1;
    }
    ok.then(|| String::from_utf8_lossy(&out).into_owned())
}

/// `write!` into a byte buffer.
struct Hex<'a>(&'a mut Vec<u8>);

impl std::fmt::Write for Hex<'_> {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

fn back_up_to_previous_slash(out: &mut Vec<u8>) {
    if out.len() <= 1 {
        return;
    }
    let mut i = out.len() - 2;
    while i > 0 && out[i] != b'/' {
        i -= 1;
    }
    out.truncate(i + 1);
}

/// PathTransformer::mergeSlashes.
fn merge_slashes(path: &str) -> String {
    if !path.contains("//") {
        return path.to_string();
    }
    let prefix = if path.starts_with('/') { "/" } else { "" };
    let suffix = if path.ends_with('/') { "/" } else { "" };
    let body: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    format!("{prefix}{}{suffix}", body.join("/"))
}

/// A regex condition on a pseudo-header.
fn regex_cond(field: &str, re: &str, value: Option<&str>, give: &str) -> Cond {
    let Some(value) = value else {
        return Cond::Unknown {
            give: give.into(),
            why: format!("has {field} `{re}`"),
        };
    };
    match full_match(re, value) {
        Some(true) => Cond::Holds(format!("{field} `{re}` ~ {value}")),
        Some(false) => Cond::Fails(format!("{field} `{re}` !~ {value}")),
        None => Cond::Fails(format!(
            "{field} `{re}` is not a valid regex: it matches nothing"
        )),
    }
}

/// A `mismatch` action Cilium recognises (api/http.go); anything else
/// fails on mismatch (the translator's default).
fn mismatch_action(h: &HeaderRule) -> Option<&str> {
    h.mismatch
        .as_deref()
        .filter(|a| matches!(*a, "LOG" | "ADD" | "DELETE" | "REPLACE"))
}

fn http_rule(rule: &HttpRule, view: &mut HttpView) -> Verdict {
    // Envoy HeaderMatchers first (`allowed`), then Cilium's HeaderMatches.
    let mut conds = Vec::new();
    if let Some(re) = non_empty(&rule.method) {
        conds.push(regex_cond("method", re, view.method.as_deref(), "--method"));
    }
    if let Some(re) = non_empty(&rule.path) {
        conds.push(regex_cond("path", re, view.path.as_deref(), "--path"));
    }
    if let Some(re) = non_empty(&rule.host) {
        conds.push(regex_cond("host", re, view.host.as_deref(), "--host"));
    }
    let (plain, actions): (Vec<&HeaderRule>, Vec<&HeaderRule>) = rule
        .headers
        .iter()
        .partition(|h| h.secret.is_none() && mismatch_action(h).is_none());
    for h in plain {
        conds.push(header_cond(h, view));
    }
    if conds.iter().any(|c| !matches!(c, Cond::Holds(_))) {
        // Header actions run only when the matchers matched.
        for h in &actions {
            conds.push(header_action_preview(h));
        }
        return judge(conds);
    }
    for h in actions {
        conds.push(header_action(h, view));
    }
    judge(conds)
}

fn header_cond(h: &HeaderRule, view: &HttpView) -> Cond {
    let got = view.get(&h.name);
    match (non_empty(&h.value), got) {
        (None, Some(_)) => Cond::Holds(format!("header `{}` present", h.name)),
        (None, None) => Cond::Fails(format!("header `{}` absent", h.name)),
        (Some(want), Some(got)) if got == want => {
            Cond::Holds(format!("header `{}` = `{want}`", h.name))
        }
        (Some(want), Some(got)) => {
            Cond::Fails(format!("header `{}` is `{got}`, not `{want}`", h.name))
        }
        (Some(want), None) => Cond::Fails(format!("header `{}` absent (want `{want}`)", h.name)),
    }
}

/// A header match with a Secret or a mismatch action, for a rule whose
/// other conditions already decided it: no rewriting.
fn header_action_preview(h: &HeaderRule) -> Cond {
    match (&h.secret, mismatch_action(h)) {
        (Some(s), None) => secret_fails(h, s),
        _ => Cond::Holds(format!("header `{}` (mismatch action)", h.name)),
    }
}

fn secret_fails(h: &HeaderRule, secret: &str) -> Cond {
    Cond::Fails(format!(
        "header `{}` must equal Secret {secret}, which polctl cannot read: assumed not to match",
        h.name
    ))
}

/// network_policy.cc `HeaderMatch::allowed`: an empty value is a presence
/// match; on mismatch LOG continues, ADD appends the value, DELETE removes
/// a wrong-valued header, REPLACE sets it. All of them keep the rule
/// matching.
fn header_action(h: &HeaderRule, view: &mut HttpView) -> Cond {
    let action = mismatch_action(h);
    if let Some(secret) = &h.secret {
        return match action {
            None => secret_fails(h, secret),
            Some(a) => Cond::Holds(format!(
                "header `{}` compared with Secret {secret} (not readable offline), \
                 mismatch {a} keeps the rule matching if the Secret exists",
                h.name
            )),
        };
    }
    let Some(action) = action else {
        return header_cond(h, view);
    };
    let want = non_empty(&h.value);
    let got = view.get(&h.name);
    let ok = match (want, &got) {
        (None, got) => got.is_some(),
        (Some(w), Some(g)) => g == w,
        (Some(_), None) => false,
    };
    let name = &h.name;
    let shown_want = want.map_or_else(|| "present".to_string(), |w| format!("`{w}`"));
    if ok {
        return Cond::Holds(format!("header `{name}` = {shown_want}"));
    }
    let lname = name.to_ascii_lowercase();
    let what = match action {
        "LOG" => "the mismatch is logged".to_string(),
        "ADD" => {
            view.headers.push((lname, want.unwrap_or("").to_string()));
            format!("the proxy adds `{name}: {}`", want.unwrap_or(""))
        }
        "DELETE" => {
            if want.is_some() && got.is_some() {
                view.headers.retain(|(n, _)| *n != lname);
                format!("the proxy deletes `{name}`")
            } else {
                "nothing to delete".to_string()
            }
        }
        _ => {
            view.headers.retain(|(n, _)| *n != lname);
            view.headers.push((lname, want.unwrap_or("").to_string()));
            format!("the proxy sets `{name}: {}`", want.unwrap_or(""))
        }
    };
    let seen = got.map_or_else(|| "absent".to_string(), |g| format!("`{g}`"));
    Cond::Holds(format!(
        "header `{name}` is {seen}, not {shown_want}: mismatch {action}, {what}"
    ))
}

fn describe_http_rule(r: &HttpRule) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(m) = non_empty(&r.method) {
        parts.push(m.to_string());
    }
    if let Some(p) = non_empty(&r.path) {
        parts.push(p.to_string());
    }
    if let Some(h) = non_empty(&r.host) {
        parts.push(format!("host {h}"));
    }
    for h in &r.headers {
        let mut s = format!("header {}", h.name);
        if let Some(secret) = &h.secret {
            let _ = write!(s, "=secret:{secret}");
        } else if let Some(v) = non_empty(&h.value) {
            let _ = write!(s, "={v}");
        }
        if let Some(a) = &h.mismatch {
            let _ = write!(s, " (mismatch {a})");
        }
        parts.push(s);
    }
    if parts.is_empty() {
        "any".into()
    } else {
        parts.join(" ")
    }
}

// ---------------------------------------------------------------------------
// Kafka (proxylib/kafka, kafkalib/policy.go)

use crate::model::policy::KAFKA_API_KEYS;
/// `role: produce` (GetAPIKeys): produce, metadata, apiversions.
const KAFKA_PRODUCE: &[i16] = &[0, 3, 18];
/// `role: consume`: fetch, offsets, metadata, offsetcommit, offsetfetch,
/// findcoordinator, joingroup, heartbeat, leavegroup, syncgroup, apiversions.
const KAFKA_CONSUME: &[i16] = &[1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18];
/// Request types whose topics a rule's `topic` constrains (isTopicAPIKey).
const KAFKA_TOPIC_KEYS: &[i16] = &[
    0, 1, 2, 3, 4, 5, 6, 8, 9, 19, 20, 21, 23, 24, 27, 28, 34, 35, 37,
];
/// Request types whose topics proxylib decodes (request.go setTopics); the
/// others carry an empty topic set, so a rule with a topic never matches
/// them.
const KAFKA_TOPICS_DECODED: &[i16] = &[0, 1, 2, 3, 8, 9];
/// Request types proxylib can answer with an error (CreateResponse).
const KAFKA_ERROR_REPLY: &[i16] = &[0, 1, 2, 3, 8, 9, 10];

fn kafka_key_name(k: i16) -> String {
    usize::try_from(k)
        .ok()
        .and_then(|i| KAFKA_API_KEYS.get(i))
        .map_or_else(|| k.to_string(), |n| format!("{n}({k})"))
}

fn kafka_key_by_name(s: &str) -> Option<i16> {
    let lower = s.to_ascii_lowercase();
    KAFKA_API_KEYS
        .iter()
        .position(|n| *n == lower)
        .and_then(|i| i16::try_from(i).ok())
}

fn kafka_response(kind: Option<i16>) -> String {
    match kind {
        Some(k) if !KAFKA_ERROR_REPLY.contains(&k) => format!(
            "no reply: proxylib drops the {} request without an error response \
             (it builds one only for produce, fetch, offsets, metadata, offsetcommit, \
             offsetfetch, findcoordinator); the client times out",
            kafka_key_name(k)
        ),
        _ => "Kafka error response, error code 29 TOPIC_AUTHORIZATION_FAILED".into(),
    }
}

/// A Kafka rule as proxylib holds it (kafkalib.NewRule).
struct KafkaPolicy {
    keys: Option<(String, Vec<i16>)>,
    version: Option<i16>,
    client_id: Option<String>,
    topic: Option<String>,
}

/// Cilium's PortRule.Sanitize: what makes the policy invalid.
fn kafka_policy(r: &KafkaRule) -> Result<KafkaPolicy, String> {
    let role = non_empty(&r.role);
    let key = non_empty(&r.api_key);
    let keys = match (role, key) {
        (Some(role), Some(key)) => {
            return Err(format!(
                "role `{role}` and apiKey `{key}` cannot be set together"
            ));
        }
        (Some(role), None) => match role.to_ascii_lowercase().as_str() {
            "produce" => Some((format!("role `{role}`"), KAFKA_PRODUCE.to_vec())),
            "consume" => Some((format!("role `{role}`"), KAFKA_CONSUME.to_vec())),
            _ => return Err(format!("invalid role `{role}`")),
        },
        (None, Some(key)) => match kafka_key_by_name(key) {
            Some(k) => Some((format!("apiKey `{key}`"), vec![k])),
            None => return Err(format!("invalid apiKey `{key}`")),
        },
        (None, None) => None,
    };
    let version = match non_empty(&r.api_version) {
        None => None,
        Some(v) => match v.parse::<i16>() {
            Ok(n) if n >= 0 => Some(n),
            _ => return Err(format!("invalid apiVersion `{v}`")),
        },
    };
    let topic = non_empty(&r.topic).map(str::to_string);
    if let Some(t) = &topic {
        // TopicValidChar `^[a-zA-Z0-9\\._\\-]+$`, MaxTopicLen 255.
        if t.len() > 255
            || !t
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '\\'))
        {
            return Err(format!("invalid topic `{t}`"));
        }
    }
    Ok(KafkaPolicy {
        keys,
        version,
        client_id: non_empty(&r.client_id).map(str::to_string),
        topic,
    })
}

struct KafkaRequest<'a> {
    kind: i16,
    version: Option<i16>,
    client_id: Option<&'a str>,
    topics: Option<Vec<&'a str>>,
}

/// A rule against a request: whole match, a topic it covers, or not.
enum KafkaVerdict {
    Full(Vec<String>),
    /// Other constraints hold; why it does not pass alone, and the topic of
    /// the request it covers (with the conditions that held), if any.
    Topic(String, Option<(String, Vec<String>)>),
    Other(Verdict),
}

fn check_kafka(rules: &[KafkaRule], l7: &[(String, String)]) -> L7Check {
    let mut policies = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        match kafka_policy(r) {
            Ok(p) => policies.push(p),
            Err(why) => {
                return L7Check::Refused {
                    reason: format!(
                        "rules[{i}]: {why}; Cilium rejects the policy, so no request is allowed"
                    ),
                    response: kafka_response(None),
                };
            }
        }
    }
    let attrs = match Attrs::parse(
        l7,
        "kafka",
        &["api_key", "api_version", "client_id", "topic"],
        &["topic"],
        &kafka_response(None),
    ) {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let Some(key) = attrs.one("api_key") else {
        let open = policies.iter().position(|p| {
            p.keys.is_none() && p.version.is_none() && p.client_id.is_none() && p.topic.is_none()
        });
        return without_request(
            rules.len(),
            open,
            "give --l7 api_key=<produce|fetch|metadata|...> (and --l7 topic=..., \
             --l7 api_version=..., --l7 client_id=... as the rules need)",
        );
    };
    let kind = match kafka_key_by_name(key).or_else(|| key.parse::<i16>().ok().filter(|n| *n >= 0))
    {
        Some(k) => k,
        None => {
            return L7Check::Refused {
                reason: format!(
                    "`{key}` is not a Kafka API key name or number; polctl assumes the request is refused"
                ),
                response: kafka_response(None),
            };
        }
    };
    let version = match attrs.one("api_version") {
        None => None,
        Some(v) => match v.parse::<i16>() {
            Ok(n) if n >= 0 => Some(n),
            _ => {
                return L7Check::Refused {
                    reason: format!(
                        "api_version `{v}` is not a Kafka API version; polctl assumes the request is refused"
                    ),
                    response: kafka_response(Some(kind)),
                };
            }
        },
    };
    if rules.is_empty() {
        return L7Check::Pass(EMPTY_LIST.into());
    }
    // request.go extractClientID: version 0 requests carry no client ID.
    let client_id = if version == Some(0) {
        Some("")
    } else {
        attrs.one("client_id")
    };
    let req = KafkaRequest {
        kind,
        version,
        client_id,
        topics: attrs.all("topic").map(|t| t.to_vec()),
    };
    let response = kafka_response(Some(kind));
    let verdicts: Vec<KafkaVerdict> = policies.iter().map(|p| kafka_rule(p, &req)).collect();
    if let Some((i, d)) = verdicts.iter().enumerate().find_map(|(i, v)| match v {
        KafkaVerdict::Full(d) => Some((i, d)),
        _ => None,
    }) {
        return L7Check::Pass(matched(i, d));
    }
    // policy.go Matches: topic rules remove their topic from the request's
    // set; the request passes when the set is empty, so together the
    // matching rules must allow every topic.
    let topics = req.topics.clone().unwrap_or_default();
    let mut covered: Vec<(usize, &str, &[String])> = Vec::new();
    for (i, v) in verdicts.iter().enumerate() {
        if let KafkaVerdict::Topic(_, Some((t, d))) = v {
            covered.push((i, t.as_str(), d.as_slice()));
        }
    }
    let uncovered: Vec<&str> = topics
        .iter()
        .copied()
        .filter(|t| !covered.iter().any(|(_, c, _)| c == t))
        .collect();
    if !topics.is_empty() && uncovered.is_empty() {
        if let [(i, _, d)] = covered.as_slice() {
            return L7Check::Pass(matched(*i, d));
        }
        let by: Vec<String> = covered.iter().map(|(i, _, d)| matched(*i, d)).collect();
        return L7Check::Pass(format!(
            "the rules together allow every topic of the request: {}",
            by.join("; ")
        ));
    }
    let partly = !covered.is_empty() && !uncovered.is_empty();
    let plain: Vec<Verdict> = verdicts
        .into_iter()
        .map(|v| match v {
            KafkaVerdict::Full(d) => Verdict::Match(d),
            KafkaVerdict::Topic(why, _) => Verdict::Fail(why),
            KafkaVerdict::Other(v) => v,
        })
        .collect();
    if let Some(no) = no_request(&plain) {
        return no;
    }
    let mut reason = refusals(&plain);
    if partly {
        let _ = write!(
            reason,
            "; no rule allows topic {} (every topic of a request must be allowed)",
            uncovered.join(", ")
        );
    }
    L7Check::Refused { reason, response }
}

fn kafka_rule(p: &KafkaPolicy, req: &KafkaRequest) -> KafkaVerdict {
    let mut conds = Vec::new();
    let kind = kafka_key_name(req.kind);
    if let Some((what, keys)) = &p.keys {
        if keys.contains(&req.kind) {
            conds.push(Cond::Holds(format!("{what} allows apiKey {kind}")));
        } else {
            conds.push(Cond::Fails(format!("{what} does not allow apiKey {kind}")));
        }
    }
    if let Some(v) = p.version {
        conds.push(match req.version {
            None => Cond::Unknown {
                give: "--l7 api_version=<n>".into(),
                why: format!("has apiVersion {v}"),
            },
            Some(got) if got == v => Cond::Holds(format!("apiVersion {v}")),
            Some(got) => Cond::Fails(format!("apiVersion {v} != {got}")),
        });
    }
    if let Some(c) = &p.client_id {
        conds.push(match req.client_id {
            None => Cond::Unknown {
                give: "--l7 client_id=<id>".into(),
                why: format!("has clientID `{c}`"),
            },
            Some(got) if got == c => Cond::Holds(format!("clientID `{c}`")),
            Some(got) => Cond::Fails(format!("clientID `{c}` != `{got}`")),
        });
    }
    let topic = p
        .topic
        .as_ref()
        .filter(|_| KAFKA_TOPIC_KEYS.contains(&req.kind));
    let Some(topic) = topic else {
        return match judge(conds) {
            Verdict::Match(d) => KafkaVerdict::Full(d),
            v => KafkaVerdict::Other(v),
        };
    };
    if !KAFKA_TOPICS_DECODED.contains(&req.kind) {
        conds.push(Cond::Fails(format!(
            "topic `{topic}`: proxylib does not decode the topics of {kind} requests, so a rule with a topic never matches them"
        )));
        return KafkaVerdict::Other(judge(conds));
    }
    match &req.topics {
        None => conds.push(Cond::Unknown {
            give: "--l7 topic=<name>".into(),
            why: format!("has topic `{topic}`"),
        }),
        Some(ts) => match judge(conds) {
            Verdict::Match(mut d) if ts.contains(&topic.as_str()) => {
                d.push(format!("topic `{topic}`"));
                return KafkaVerdict::Topic(
                    format!("topic `{topic}` is only one of the request's topics"),
                    Some((topic.clone(), d)),
                );
            }
            Verdict::Match(_) => {
                return KafkaVerdict::Topic(
                    format!("topic `{topic}` not in [{}]", ts.join(", ")),
                    None,
                );
            }
            v => return KafkaVerdict::Other(v),
        },
    }
    KafkaVerdict::Other(judge(conds))
}

fn describe_kafka_rule(r: &KafkaRule) -> String {
    let mut parts = Vec::new();
    for (label, v) in [
        ("role", &r.role),
        ("apiKey", &r.api_key),
        ("apiVersion", &r.api_version),
        ("clientID", &r.client_id),
        ("topic", &r.topic),
    ] {
        if let Some(v) = non_empty(v) {
            parts.push(format!("{label} {v}"));
        }
    }
    if parts.is_empty() {
        "any".into()
    } else {
        parts.join(" ")
    }
}

// ---------------------------------------------------------------------------
// DNS (Cilium's DNS proxy)

const DNS_REFUSED: &str = "DNS response REFUSED (rcode 5) from Cilium's DNS proxy \
    (NXDOMAIN instead with --tofqdns-dns-reject-response-code=nameError)";

/// Lower-cased, with the trailing dot (pkg/fqdn/dns FQDN).
fn fqdn(name: &str) -> String {
    let lower = name.trim().to_ascii_lowercase();
    if lower.ends_with('.') {
        lower
    } else {
        format!("{lower}.")
    }
}

/// A pattern of stars only (`*`, `**`, `*.`, `**.`): matches everything.
fn all_stars(p: &str) -> bool {
    let p = p.strip_suffix('.').unwrap_or(p);
    !p.is_empty() && p.bytes().all(|c| c == b'*')
}

const DNS_CHAR: &str = "[-a-zA-Z0-9_]";

/// matchpattern.go ToAnchoredRegexp(Sanitize(p)); `None` for a pattern
/// Cilium rejects.
fn pattern_regex(p: &str) -> Option<String> {
    let p = p.trim().to_ascii_lowercase();
    if !p.is_empty()
        && !p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*'))
    {
        return None;
    }
    if all_stars(&p) {
        return Some(format!("(^({DNS_CHAR}+[.])+$)|(^[.]$)"));
    }
    let p = fqdn(&p);
    let mut re = String::from("^");
    let mut rest = p.as_str();
    // A leading `**.` (two or more stars): one or more whole labels.
    let stars = rest.bytes().take_while(|c| *c == b'*').count();
    if stars >= 2 && rest.as_bytes().get(stars) == Some(&b'.') {
        let _ = write!(re, "({DNS_CHAR}+([.]{DNS_CHAR}+){{0,}})[.]");
        rest = &rest[stars + 1..];
    }
    let mut in_stars = false;
    for c in rest.chars() {
        match c {
            '*' => {
                if !in_stars {
                    let _ = write!(re, "{DNS_CHAR}*");
                }
                in_stars = true;
                continue;
            }
            '.' => re.push_str("[.]"),
            c => re.push(c),
        }
        in_stars = false;
    }
    re.push('$');
    Some(re)
}

fn check_dns(patterns: &[FqdnPattern], l7: &[(String, String)]) -> L7Check {
    let attrs = match Attrs::parse(l7, "dns", &["query"], &[], DNS_REFUSED) {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    // proxy.go GeneratePattern: no rules match every name.
    if patterns.is_empty() {
        return L7Check::Pass(EMPTY_LIST.into());
    }
    let Some(query) = attrs.one("query") else {
        let open = patterns
            .iter()
            .position(|p| matches!(p, FqdnPattern::Pattern(s) if all_stars(s.trim())));
        return match open {
            Some(i) => L7Check::Pass(format!("rules[{i}] matches every name: every query passes")),
            None => L7Check::NoRequest("give --l7 query=<name> (the DNS query name)".into()),
        };
    };
    let name = fqdn(query);
    let verdicts: Vec<Verdict> = patterns
        .iter()
        .map(|p| {
            // The proxy's combined regex matches anything for a star-only
            // pattern (MatchAllAnchoredPattern); otherwise as toFQDNs.
            let hit = match p {
                FqdnPattern::Pattern(s) if all_stars(s.trim()) => true,
                _ => fqdn_matches(p, &name),
            };
            let (kind, text) = match p {
                FqdnPattern::Name(n) => ("matchName", n),
                FqdnPattern::Pattern(s) => ("matchPattern", s),
            };
            if hit {
                Verdict::Match(vec![format!("{kind} `{text}` ~ {name}")])
            } else {
                Verdict::Fail(format!("{kind} `{text}` !~ {name}"))
            }
        })
        .collect();
    decide(&verdicts, DNS_REFUSED)
}

// ---------------------------------------------------------------------------
// proxylib key/value parsers

/// proxylib rejects the whole policy update (ParseError); the proxy keeps
/// its previous policy, which polctl cannot know: refuse.
fn parse_error(parser: &str, i: usize, why: &str, response: &str) -> L7Check {
    L7Check::Refused {
        reason: format!(
            "rules[{i}]: {why}; proxylib's {parser} parser rejects the policy (ParseError), \
             so polctl assumes no request passes"
        ),
        response: response.to_string(),
    }
}

fn parser_error(parser: &str, why: String) -> L7Check {
    L7Check::Refused {
        reason: format!("{why}: the {parser} parser cannot parse the request"),
        response: "the proxy closes the connection (proxylib parser error)".into(),
    }
}

/// The regex of a rule key, compiled as Go would (`regexp.MustCompile`).
fn rule_regex(v: &str) -> Result<String, String> {
    match cached_regex(v) {
        Some(_) => Ok(v.to_string()),
        None => Err(format!("`{v}` is not a valid regex")),
    }
}

fn describe_generic_rule(parser: &str, r: &BTreeMap<String, String>) -> String {
    let order: &[&str] = match parser {
        "cassandra" => &["query_action", "query_table"],
        "memcache" => &["command", "keyExact", "keyPrefix", "keyRegex"],
        "r2d2" => &["cmd", "file"],
        _ => &[],
    };
    let mut parts = Vec::new();
    for (i, k) in order.iter().enumerate() {
        if let Some(v) = r.get(*k) {
            // The leading key speaks for itself; the others are labelled
            // where the label carries meaning.
            if i == 0 || parser != "memcache" {
                parts.push(v.clone());
            } else {
                parts.push(format!("{k} {v}"));
            }
        }
    }
    for (k, v) in r {
        if !order.contains(&k.as_str()) {
            parts.push(format!("{k}={v}"));
        }
    }
    if parts.is_empty() {
        "any".into()
    } else {
        parts.join(" ")
    }
}

// --- cassandra (proxylib/cassandra/cassandraparser.go)

const CASSANDRA_DENIED: &str =
    "Cassandra ERROR frame, code 0x2100 Unauthorized: \"Request Unauthorized\"";

/// queryActionMap: `true` for actions matched against a table (or
/// keyspace).
fn cassandra_action(a: &str) -> Option<bool> {
    Some(match a {
        "select" | "delete" | "insert" | "update" | "create-table" | "drop-table"
        | "alter-table" | "truncate-table" | "use" | "create-keyspace" | "alter-keyspace"
        | "drop-keyspace" => true,
        "drop-index"
        | "create-index"
        | "create-materialized-view"
        | "drop-materialized-view"
        | "create-role"
        | "alter-role"
        | "drop-role"
        | "grant-role"
        | "revoke-role"
        | "list-roles"
        | "grant-permission"
        | "revoke-permission"
        | "list-permissions"
        | "create-user"
        | "alter-user"
        | "drop-user"
        | "list-users"
        | "create-function"
        | "drop-function"
        | "create-aggregate"
        | "drop-aggregate"
        | "create-type"
        | "alter-type"
        | "drop-type"
        | "create-trigger"
        | "drop-trigger" => false,
        _ => return None,
    })
}

struct CassandraRule {
    action: Option<String>,
    table: Option<String>,
}

fn cassandra_rule(r: &BTreeMap<String, String>) -> Result<CassandraRule, String> {
    let mut rule = CassandraRule {
        action: None,
        table: None,
    };
    for (k, v) in r {
        match k.as_str() {
            "query_action" => rule.action = Some(v.clone()).filter(|v| !v.is_empty()),
            "query_table" if v.is_empty() => {}
            "query_table" => rule.table = Some(rule_regex(v)?),
            _ => return Err(format!("unsupported key `{k}`")),
        }
    }
    if let Some(a) = &rule.action {
        match cassandra_action(a) {
            None => return Err(format!("invalid query_action `{a}`")),
            Some(false) if rule.table.is_some() => {
                return Err(format!(
                    "query_action `{a}` is not compatible with a query_table"
                ));
            }
            _ => {}
        }
    }
    Ok(rule)
}

/// The actions parseQuery produces: the first word, or for
/// alter/create/drop/truncate/list the first two joined by `-`.
fn cassandra_parses(action: &str) -> bool {
    match action {
        "select" | "delete" | "insert" | "update" | "use" => true,
        _ => action.split_once('-').is_some_and(|(verb, rest)| {
            matches!(verb, "alter" | "create" | "drop" | "truncate" | "list") && !rest.is_empty()
        }),
    }
}

/// Whether parseQuery extracts a table (or keyspace) for the action.
fn cassandra_has_table(action: &str) -> bool {
    matches!(action, "select" | "delete" | "insert" | "update" | "use")
        || action.ends_with("-table")
        || action.ends_with("-keyspace")
}

fn check_cassandra(rules: &[BTreeMap<String, String>], l7: &[(String, String)]) -> L7Check {
    let mut parsed = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        match cassandra_rule(r) {
            Ok(p) => parsed.push(p),
            Err(why) => return parse_error("cassandra", i, &why, CASSANDRA_DENIED),
        }
    }
    let attrs = match Attrs::parse(
        l7,
        "cassandra",
        &["query_action", "query_table"],
        &[],
        CASSANDRA_DENIED,
    ) {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let Some(action) = attrs.one("query_action") else {
        let open = parsed
            .iter()
            .position(|r| r.action.is_none() && r.table.is_none());
        return without_request(
            rules.len(),
            open,
            "give --l7 query_action=<select|insert|...> --l7 query_table=<keyspace.table> \
             (non-query requests such as STARTUP and OPTIONS always pass)",
        );
    };
    // parseQuery lower-cases the query.
    let action = action.to_ascii_lowercase();
    if !cassandra_parses(&action) {
        return parser_error("cassandra", format!("query_action `{action}`"));
    }
    if action == "use" {
        return L7Check::Pass(
            "`use` queries are never refused (the parser only remembers the keyspace)".into(),
        );
    }
    if rules.is_empty() {
        return L7Check::Pass(EMPTY_LIST.into());
    }
    let has_table = cassandra_has_table(&action);
    let table = if has_table {
        attrs.one("query_table").map(str::to_ascii_lowercase)
    } else {
        Some(String::new())
    };
    let verdicts: Vec<Verdict> = parsed
        .iter()
        .map(|r| {
            let mut conds = Vec::new();
            if let Some(a) = &r.action {
                conds.push(if *a == action {
                    Cond::Holds(format!("query_action `{a}`"))
                } else {
                    Cond::Fails(format!("query_action `{a}` != {action}"))
                });
            }
            if let Some(re) = &r.table {
                conds.push(match table.as_deref() {
                    None => Cond::Unknown {
                        give: "--l7 query_table=<keyspace.table>".into(),
                        why: format!("has query_table `{re}`"),
                    },
                    // The parser leaves the table empty for actions without
                    // one, and an empty table skips the regex.
                    Some("") => {
                        Cond::Holds(format!("query_table `{re}` (no table in a {action} query)"))
                    }
                    Some(t) => match go_match(re, t) {
                        Some(true) => Cond::Holds(format!("query_table `{re}` ~ {t}")),
                        _ => Cond::Fails(format!("query_table `{re}` !~ {t}")),
                    },
                });
            }
            judge(conds)
        })
        .collect();
    decide(&verdicts, CASSANDRA_DENIED)
}

// --- memcache (proxylib/memcached)

const MEMCACHE_DENIED: &str = "memcached reply `CLIENT_ERROR access denied` \
    (none for a noreply request)";

/// MemcacheOpCodeMap: the text-protocol commands of each rule `command`
/// (binary-only names have none).
fn memcache_group(name: &str) -> Option<&'static [&'static str]> {
    const STORAGE: &[&str] = &[
        "add", "set", "replace", "append", "prepend", "cas", "incr", "decr",
    ];
    const WRITE: &[&str] = &[
        "add", "set", "replace", "append", "prepend", "cas", "incr", "decr", "delete", "touch",
    ];
    Some(match name {
        "add" => &["add"],
        "set" => &["set"],
        "replace" => &["replace"],
        "append" => &["append"],
        "prepend" => &["prepend"],
        "cas" => &["cas"],
        "incr" => &["incr"],
        "decr" => &["decr"],
        "storage" => STORAGE,
        "get" => &["get", "gets"],
        "delete" => &["delete"],
        "touch" => &["touch"],
        "gat" => &["gat", "gats"],
        "writeGroup" => WRITE,
        "slabs" => &["slabs"],
        "lru" => &["lru"],
        "lru_crawler" => &["lru_crawler"],
        "watch" => &["watch"],
        "stats" => &["stats"],
        "flush_all" => &["flush_all"],
        "cache_memlimit" => &["cache_memlimit"],
        "version" => &["version"],
        "misbehave" => &["misbehave"],
        "quit" => &["quit"],
        "noop"
        | "verbosity"
        | "sasl-list-mechs"
        | "sasl-auth"
        | "sasl-step"
        | "rget"
        | "rset"
        | "rsetq"
        | "rappend"
        | "rappendq"
        | "rprepend"
        | "rprependq"
        | "rdelete"
        | "rdeleteq"
        | "rincr"
        | "rincrq"
        | "rdecr"
        | "rdecrq"
        | "set-vbucket"
        | "get-vbucket"
        | "del-vbucket"
        | "tap-connect"
        | "tap-mutation"
        | "tap-delete"
        | "tap-flush"
        | "tap-opaque"
        | "tap-vbucket-set"
        | "tap-checkpoint-start"
        | "tap-checkpoint-end" => &[],
        _ => return None,
    })
}

enum KeyRule {
    Exact(String),
    Prefix(String),
    Regex(String),
}

impl KeyRule {
    fn accepts(&self, key: &str) -> bool {
        match self {
            KeyRule::Exact(e) => key == e,
            KeyRule::Prefix(p) => key.starts_with(p.as_str()),
            // Go regexp.Match: anywhere in the key.
            KeyRule::Regex(re) => go_match(re, key).unwrap_or(false),
        }
    }
}

impl std::fmt::Display for KeyRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyRule::Exact(e) => write!(f, "keyExact `{e}`"),
            KeyRule::Prefix(p) => write!(f, "keyPrefix `{p}`"),
            KeyRule::Regex(re) => write!(f, "keyRegex `{re}`"),
        }
    }
}

struct MemcacheRule {
    /// `None`: the rule is empty and matches everything (no `command`, or
    /// one proxylib does not know, and no key condition).
    command: Option<(String, &'static [&'static str])>,
    keys: Option<KeyRule>,
    /// Why the rule is empty, when a `command` was given.
    note: Option<String>,
}

fn memcache_rule(r: &BTreeMap<String, String>) -> Result<MemcacheRule, String> {
    let (mut exact, mut prefix, mut regex) = (None, None, None);
    let mut command = None;
    let mut note = None;
    for (k, v) in r {
        match k.as_str() {
            "command" => match memcache_group(v) {
                Some(cmds) => command = Some((v.clone(), cmds)),
                None => {
                    note = Some(format!(
                        "command `{v}` is not one proxylib knows, so the rule counts as empty"
                    ));
                }
            },
            "keyExact" => exact = Some(v.clone()).filter(|v| !v.is_empty()),
            "keyPrefix" => prefix = Some(v.clone()).filter(|v| !v.is_empty()),
            "keyRegex" => regex = Some(rule_regex(v)?),
            _ => return Err(format!("unsupported key `{k}`")),
        }
    }
    // Matches checks keyExact, else keyPrefix, else keyRegex.
    let keys = exact
        .map(KeyRule::Exact)
        .or(prefix.map(KeyRule::Prefix))
        .or(regex.map(KeyRule::Regex));
    if command.is_none() && keys.is_some() {
        return Err("command not specified but key was provided".into());
    }
    Ok(MemcacheRule {
        command,
        keys,
        note,
    })
}

enum McKeys {
    /// get, gets, gat, gats: every key.
    All,
    /// Storage, delete, incr/decr, touch: the first token.
    One,
    None,
}

/// The text parser's command classes (text/parser.go OnData); `None`: the
/// parser fails on it.
fn memcache_command(cmd: &str) -> Option<McKeys> {
    if cmd.starts_with("get") || cmd.starts_with("gat") {
        return Some(McKeys::All);
    }
    Some(match cmd {
        "set" | "add" | "replace" | "append" | "prepend" | "cas" | "delete" | "incr" | "decr"
        | "touch" => McKeys::One,
        "slabs" | "lru" | "lru_crawler" | "stats" | "version" | "misbehave" | "flush_all"
        | "cache_memlimit" | "quit" | "watch" => McKeys::None,
        _ => return None,
    })
}

fn check_memcache(rules: &[BTreeMap<String, String>], l7: &[(String, String)]) -> L7Check {
    let mut parsed = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        match memcache_rule(r) {
            Ok(p) => parsed.push(p),
            Err(why) => return parse_error("memcache", i, &why, MEMCACHE_DENIED),
        }
    }
    let attrs = match Attrs::parse(
        l7,
        "memcache",
        &["command", "key"],
        &["key"],
        MEMCACHE_DENIED,
    ) {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let Some(cmd) = attrs.one("command") else {
        let open = parsed.iter().position(|r| r.command.is_none());
        return without_request(
            rules.len(),
            open,
            "give --l7 command=<get|set|delete|...> and --l7 key=<key> for each key",
        );
    };
    let Some(class) = memcache_command(cmd) else {
        return parser_error(
            "memcache",
            format!("`{cmd}` is not a text-protocol command it knows"),
        );
    };
    if rules.is_empty() {
        return L7Check::Pass(EMPTY_LIST.into());
    }
    let given = attrs.all("key");
    let keys: Option<Vec<&str>> = match class {
        McKeys::All => given.map(|k| k.to_vec()),
        McKeys::One => given.and_then(|k| k.first()).map(|k| vec![*k]),
        McKeys::None => Some(Vec::new()),
    };
    let verdicts: Vec<Verdict> = parsed
        .iter()
        .map(|r| memcache_verdict(r, cmd, keys.as_deref()))
        .collect();
    decide(&verdicts, MEMCACHE_DENIED)
}

fn memcache_verdict(r: &MemcacheRule, cmd: &str, keys: Option<&[&str]>) -> Verdict {
    let Some((group, cmds)) = &r.command else {
        let why = r
            .note
            .clone()
            .unwrap_or_else(|| "the rule has no command, so it matches every request".into());
        return Verdict::Match(vec![why]);
    };
    let mut conds = vec![if cmds.contains(&cmd) {
        Cond::Holds(format!("command `{group}` includes {cmd}"))
    } else {
        Cond::Fails(format!("command `{group}` does not include {cmd}"))
    }];
    if let Some(rule) = &r.keys {
        let what = rule.to_string();
        conds.push(match keys {
            None => Cond::Unknown {
                give: "--l7 key=<key>".into(),
                why: format!("has {what}"),
            },
            // Every key of the request must satisfy the rule.
            Some(ks) => match ks.iter().find(|k| !rule.accepts(k)) {
                Some(bad) => Cond::Fails(format!("{what} !~ key {bad}")),
                None if ks.is_empty() => Cond::Holds(format!("{what} (the command has no keys)")),
                None => Cond::Holds(format!("{what} ~ {}", ks.join(", "))),
            },
        });
    }
    judge(conds)
}

// --- r2d2 (proxylib/r2d2/r2d2parser.go)

const R2D2_DENIED: &str = "r2d2 reply `ERROR`";

struct R2d2Rule {
    cmd: Option<String>,
    file: Option<String>,
}

fn r2d2_rule(r: &BTreeMap<String, String>) -> Result<R2d2Rule, String> {
    let mut rule = R2d2Rule {
        cmd: None,
        file: None,
    };
    for (k, v) in r {
        match k.as_str() {
            "cmd" => rule.cmd = Some(v.clone()).filter(|v| !v.is_empty()),
            "file" if v.is_empty() => {}
            "file" => rule.file = Some(rule_regex(v)?),
            _ => return Err(format!("unsupported key `{k}`")),
        }
    }
    match rule.cmd.as_deref() {
        None | Some("READ" | "WRITE") => {}
        Some("HALT" | "RESET") if rule.file.is_none() => {}
        Some(c @ ("HALT" | "RESET")) => {
            return Err(format!("cmd `{c}` is not compatible with `file`"));
        }
        Some(c) => return Err(format!("invalid cmd `{c}`")),
    }
    Ok(rule)
}

fn check_r2d2(rules: &[BTreeMap<String, String>], l7: &[(String, String)]) -> L7Check {
    let mut parsed = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        match r2d2_rule(r) {
            Ok(p) => parsed.push(p),
            Err(why) => return parse_error("r2d2", i, &why, R2D2_DENIED),
        }
    }
    let attrs = match Attrs::parse(l7, "r2d2", &["cmd", "file"], &[], R2D2_DENIED) {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let Some(cmd) = attrs.one("cmd") else {
        let open = parsed
            .iter()
            .position(|r| r.cmd.is_none() && r.file.is_none());
        return without_request(
            rules.len(),
            open,
            "give --l7 cmd=<READ|WRITE|HALT|RESET> (and --l7 file=...)",
        );
    };
    if rules.is_empty() {
        return L7Check::Pass(EMPTY_LIST.into());
    }
    // READ and WRITE name a file; HALT and RESET carry none.
    let file = match attrs.one("file") {
        Some(f) => Some(f),
        None if matches!(cmd, "READ" | "WRITE") => None,
        None => Some(""),
    };
    let verdicts: Vec<Verdict> = parsed
        .iter()
        .map(|r| {
            let mut conds = Vec::new();
            if let Some(c) = &r.cmd {
                conds.push(if c == cmd {
                    Cond::Holds(format!("cmd `{c}`"))
                } else {
                    Cond::Fails(format!("cmd `{c}` != {cmd}"))
                });
            }
            if let Some(re) = &r.file {
                conds.push(match file {
                    None => Cond::Unknown {
                        give: "--l7 file=<path>".into(),
                        why: format!("has file `{re}`"),
                    },
                    Some(f) => match go_match(re, f) {
                        Some(true) => Cond::Holds(format!("file `{re}` ~ {f}")),
                        _ => Cond::Fails(format!("file `{re}` !~ {f:?}")),
                    },
                });
            }
            judge(conds)
        })
        .collect();
    decide(&verdicts, R2D2_DENIED)
}

#[cfg(test)]
#[path = "l7_tests.rs"]
mod tests;
