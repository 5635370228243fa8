//! Cilium API values as IR values: CIDR sets, entities, FQDN patterns and
//! L7 rules.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::dialect::cilium::{self as cil, CidrRule, FqdnSelector, L7Rules};
use crate::model::policy::{
    Criterion, Entity, FqdnPattern, HeaderRule, HttpRule, KAFKA_API_KEYS, KafkaApiKeys, KafkaRule,
    L7Match, NetScope, Proxylib, ProxylibRule, Side,
};
use crate::model::{Pattern, Spanned};
use crate::syntax::Problem;

/// `fromCIDRSet`/`toCIDRSet` entry: the CIDR minus its own exceptions.
/// CIDR rules never match cluster endpoints or nodes (§C7).
pub(super) fn cidr_rule(side: Side, set: &CidrRule) -> Vec<Criterion> {
    let Some(cidr) = &set.cidr else {
        return vec![Criterion::Never {
            why: "CiliumCIDRGroup references are not loaded by polctl".into(),
        }];
    };
    let mut out = vec![Criterion::Nets {
        side,
        nets: vec![cidr.value.net],
        negated: false,
        scope: NetScope::ExternalOnly,
    }];
    if !set.except.is_empty() {
        out.push(Criterion::Nets {
            side,
            nets: set.except.iter().map(|c| c.value.net).collect(),
            negated: true,
            scope: NetScope::ExternalOnly,
        });
    }
    out
}

/// Entity names as reserved identities (pkg/policy/api/entity.go); `none`
/// selects nothing.
pub(super) fn entity(e: cil::Entity) -> Option<Entity> {
    Some(match e {
        cil::Entity::All => Entity::All,
        cil::Entity::World => Entity::World,
        cil::Entity::WorldIpv4 => Entity::WorldIpv4,
        cil::Entity::WorldIpv6 => Entity::WorldIpv6,
        cil::Entity::Cluster => Entity::Cluster,
        cil::Entity::Host => Entity::Host,
        cil::Entity::Init => Entity::Init,
        cil::Entity::Ingress => Entity::Ingress,
        cil::Entity::Unmanaged => Entity::Unmanaged,
        cil::Entity::RemoteNode => Entity::RemoteNode,
        cil::Entity::Health => Entity::Health,
        cil::Entity::KubeApiserver => Entity::KubeApiserver,
        cil::Entity::None => return None,
    })
}

/// A `reserved:<name>` label key as an entity.
pub(super) fn reserved_entity(name: &str) -> Option<Entity> {
    Some(match name {
        "host" => Entity::Host,
        "world" => Entity::World,
        "world-ipv4" => Entity::WorldIpv4,
        "world-ipv6" => Entity::WorldIpv6,
        "remote-node" => Entity::RemoteNode,
        "kube-apiserver" => Entity::KubeApiserver,
        "ingress" => Entity::Ingress,
        "init" => Entity::Init,
        "health" => Entity::Health,
        "unmanaged" => Entity::Unmanaged,
        _ => return None,
    })
}

pub(super) fn fqdn_pattern(f: &FqdnSelector) -> Option<FqdnPattern> {
    if let Some(n) = &f.match_name {
        return Some(FqdnPattern::Name(n.value.clone()));
    }
    f.match_pattern
        .as_ref()
        .map(|p| FqdnPattern::Pattern(match_pattern(&p.value)))
}

/// A star-only pattern (`*`, `**`, `*.`, `**.`): matches every name.
fn all_stars(p: &str) -> bool {
    let p = p.strip_suffix('.').unwrap_or(p);
    !p.is_empty() && p.bytes().all(|c| c == b'*')
}

const DNS_CHAR: &str = "[-a-zA-Z0-9_]";

/// A `matchPattern` as the regex pkg/fqdn/matchpattern builds
/// (`ToAnchoredRegexp(Sanitize(p))`): `*` is `[-a-zA-Z0-9_]*` within one
/// label, a leading `**.` one or more whole labels, a star-only pattern
/// every name of DNS characters. A pattern with other characters (Cilium
/// rejects it) matches nothing.
pub(crate) fn match_pattern(written: &str) -> Pattern {
    let p = written.trim().to_ascii_lowercase();
    if !p.is_empty()
        && !p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '*'))
    {
        return Pattern::translated(written, None);
    }
    if all_stars(&p) {
        return Pattern::translated(written, Some(&format!("(^({DNS_CHAR}+[.])+$)|(^[.]$)")));
    }
    let p = if p.ends_with('.') { p } else { format!("{p}.") };
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
    Pattern::translated(written, Some(&re))
}

/// A port's L7 rules compiled once: the IR (`None` when the port has no
/// rules) and what Cilium or its proxy would reject in them (bad regular
/// expressions), which the check stage reports.
#[derive(Clone, Debug)]
pub(crate) struct CompiledL7 {
    pub l7: Option<L7Match>,
    pub problems: Vec<Problem>,
}

/// The L7 rules of a port rule, compiled on first use (by the check stage,
/// which reports the problems; lowering takes the IR).
pub(crate) fn compiled(rules: &L7Rules) -> &CompiledL7 {
    rules.compiled.get_or_init(|| {
        let mut problems = Vec::new();
        let l7 = l7_match(rules, &mut problems);
        CompiledL7 { l7, problems }
    })
}

/// `role: produce` (kafka.go GetAPIKeys): produce, metadata, apiversions.
const KAFKA_PRODUCE: &[i16] = &[0, 3, 18];
/// `role: consume`: fetch, offsets, metadata, offsetcommit, offsetfetch,
/// findcoordinator, joingroup, heartbeat, leavegroup, syncgroup, apiversions.
const KAFKA_CONSUME: &[i16] = &[1, 2, 3, 8, 9, 10, 11, 12, 13, 14, 18];

/// A Kafka rule as Cilium reads it (pkg/policy/api/kafka `Sanitize`):
/// `role` or `apiKey` (names, any case), `apiVersion` a non-negative
/// int16, `topic` at most 255 of `[a-zA-Z0-9._-]`; empty values are unset.
/// What Cilium rejects goes to `problems`, located.
fn kafka_rule(rule: &Spanned<cil::KafkaRule>, problems: &mut Vec<Problem>) -> KafkaRule {
    let k = &rule.value;
    let set = |v: &Option<Spanned<String>>| v.clone().filter(|v| !v.is_empty());
    let (role, api_key) = (set(&k.role), set(&k.api_key));
    let mut out = KafkaRule {
        client_id: set(&k.client_id).map(|c| c.value),
        ..KafkaRule::default()
    };
    if let (Some(role), Some(_)) = (&k.role, &k.api_key) {
        problems.push(Problem::new(role.span, "set role or apiKey, not both"));
    }
    if let Some(role) = role {
        let keys = match role.to_ascii_lowercase().as_str() {
            "produce" => KAFKA_PRODUCE,
            "consume" => KAFKA_CONSUME,
            _ => {
                problems.push(
                    Problem::new(role.span, format!("invalid Kafka role `{}`", role.value))
                        .help("use produce or consume"),
                );
                &[]
            }
        };
        out.api_keys = Some(KafkaApiKeys {
            field: "role",
            written: role.value.clone(),
            keys: keys.to_vec(),
        });
    } else if let Some(key) = api_key {
        let lower = key.to_ascii_lowercase();
        match KAFKA_API_KEYS.iter().position(|n| *n == lower) {
            Some(i) => {
                out.api_keys = Some(KafkaApiKeys {
                    field: "apiKey",
                    written: key.value.clone(),
                    keys: i16::try_from(i).into_iter().collect(),
                });
            }
            None => problems.push(
                Problem::new(key.span, format!("invalid Kafka apiKey `{}`", key.value))
                    .help("use a Kafka API name such as produce, fetch or metadata"),
            ),
        }
    }
    if let Some(v) = set(&k.api_version) {
        match v.parse::<i16>() {
            Ok(n) if n >= 0 => out.api_version = Some(n),
            _ => problems.push(Problem::new(
                v.span,
                format!("invalid Kafka apiVersion `{}`: expected 0-32767", v.value),
            )),
        }
    }
    if let Some(topic) = set(&k.topic) {
        // TopicValidChar `^[a-zA-Z0-9\\._\\-]+$`, MaxTopicLen 255.
        let valid = topic.len() <= 255
            && topic
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'\\'));
        if valid {
            out.topic = Some(topic.value);
        } else {
            problems.push(
                Problem::new(topic.span, format!("invalid Kafka topic `{}`", topic.value))
                    .help("a topic is at most 255 letters, digits, `.`, `_` and `-`"),
            );
        }
    }
    out
}

/// A regex's error as one line (the `regex` crate's message ends with it).
fn regex_error(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(s) => s.lines().last().unwrap_or(s).trim().to_string(),
        other => other.to_string(),
    }
}

/// An HTTP `method`, `path` or `host`: a whole-value RE2 match (Envoy
/// `safe_regex`, envoy_l7_rules_translator.go); empty means no condition.
fn http_pattern(
    value: &Option<Spanned<String>>,
    field: &str,
    problems: &mut Vec<Problem>,
) -> Option<Pattern> {
    let v = value.as_ref().filter(|v| !v.is_empty())?;
    match Pattern::whole(v) {
        Ok(p) => Some(p),
        Err(e) => {
            problems.push(Problem::new(
                v.span,
                format!("invalid regular expression in {field}: {}", regex_error(&e)),
            ));
            None
        }
    }
}

/// The keys a proxylib parser compiles as Go regexes (`regexp.MustCompile`
/// in cassandraparser.go, memcached/parser.go, r2d2parser.go), and whether
/// Cilium's checks report a bad one (r2d2 is a test parser: only the proxy
/// rejects it).
fn proxylib_regex_key(parser: &Proxylib) -> Option<(&'static str, bool)> {
    match parser {
        Proxylib::Cassandra => Some(("query_table", true)),
        Proxylib::Memcache => Some(("keyRegex", true)),
        Proxylib::R2d2 => Some(("file", false)),
        Proxylib::Unmodelled(_) => None,
    }
}

/// The L7 rules of a port rule; `None` when it has none.
fn l7_match(rules: &L7Rules, problems: &mut Vec<Problem>) -> Option<L7Match> {
    if let Some(http) = &rules.http {
        let first = problems.len();
        let compiled = L7Match::Http(
            http.iter()
                .map(|h| {
                    let h = &h.value;
                    let mut headers: Vec<HeaderRule> = h
                        .headers
                        .iter()
                        .map(|line| header_rule(&line.value))
                        .collect();
                    headers.extend(h.header_matches.iter().map(|m| {
                        let m = &m.value;
                        HeaderRule {
                            name: m.name.value.clone(),
                            value: m.value.as_ref().map(|v| v.value.clone()),
                            secret: m.secret.as_ref().map(|s| {
                                format!("{}/{}", s.namespace.as_deref().unwrap_or(""), s.name.value)
                            }),
                            mismatch: m.mismatch.as_ref().map(|a| {
                                match a.value {
                                    cil::MismatchAction::Log => "LOG",
                                    cil::MismatchAction::Add => "ADD",
                                    cil::MismatchAction::Delete => "DELETE",
                                    cil::MismatchAction::Replace => "REPLACE",
                                }
                                .to_string()
                            }),
                        }
                    }));
                    HttpRule {
                        path: http_pattern(&h.path, "path", problems),
                        method: http_pattern(&h.method, "method", problems),
                        host: http_pattern(&h.host, "host", problems),
                        headers,
                    }
                })
                .collect(),
        );
        if problems.len() > first {
            // Cilium rejects the policy; fail closed.
            return Some(L7Match::Refused {
                protocol: "http".into(),
                rules: Vec::new(),
                reason: format!(
                    "{}: the policy is rejected, so no request passes",
                    problems[first].message
                ),
            });
        }
        return Some(compiled);
    }
    if let Some(kafka) = &rules.kafka {
        let first = problems.len();
        let compiled: Vec<KafkaRule> = kafka.iter().map(|k| kafka_rule(k, problems)).collect();
        if problems.len() > first {
            // Cilium rejects the policy at import; fail closed.
            return Some(L7Match::Refused {
                protocol: "kafka".into(),
                rules: Vec::new(),
                reason: format!(
                    "{}: Cilium rejects the policy, so no request is allowed",
                    problems[first].message
                ),
            });
        }
        return Some(L7Match::Kafka(compiled));
    }
    if let Some(dns) = &rules.dns {
        return Some(L7Match::Dns(
            dns.iter().filter_map(|d| fqdn_pattern(&d.value)).collect(),
        ));
    }
    if let Some(parser) = &rules.l7proto {
        let written: Vec<BTreeMap<String, String>> = rules
            .l7
            .iter()
            .flatten()
            .map(|r| {
                r.value
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.value.clone()))
                    .collect()
            })
            .collect();
        let name = parser.value.as_str();
        let compile = |parser: &Proxylib, problems: &mut Vec<Problem>| -> Vec<ProxylibRule> {
            let key = proxylib_regex_key(parser);
            rules
                .l7
                .iter()
                .flatten()
                .zip(&written)
                .map(|(entry, pairs)| {
                    let mut patterns = BTreeMap::new();
                    let found = key.and_then(|(key, reported)| {
                        entry
                            .value
                            .iter()
                            .find(|(k, _)| k.as_str() == key)
                            .map(|(_, v)| (key, reported, v))
                    });
                    if let Some((key, reported, v)) = found {
                        let compiled = Pattern::anywhere(v).map_err(|e| {
                            if reported {
                                problems.push(Problem::new(
                                    v.span,
                                    format!(
                                        "invalid regular expression in {key}: {}",
                                        regex_error(&e)
                                    ),
                                ));
                            }
                            format!("`{}` is not a valid regex", v.value)
                        });
                        patterns.insert(key.to_string(), compiled);
                    }
                    ProxylibRule {
                        pairs: pairs.clone(),
                        patterns,
                    }
                })
                .collect()
        };
        let parser = match name {
            "cassandra" => Proxylib::Cassandra,
            "memcache" => Proxylib::Memcache,
            "r2d2" => Proxylib::R2d2,
            // Registered in cilium-envoy's proxylib (libcilium/proxylib.go)
            // but not modelled.
            "kafka" | "test.blockparser" | "test.headerparser" | "test.lineparser"
            | "test.passer" => Proxylib::Unmodelled(name.to_string()),
            // policymap.go: "Unknown L7 (..), should drop everything", and
            // OnNewConnection returns UNKNOWN_PARSER.
            _ => {
                return Some(L7Match::Refused {
                    protocol: name.to_string(),
                    rules: written
                        .iter()
                        .map(|r| {
                            let kv: Vec<String> =
                                r.iter().map(|(k, v)| format!("{k}={v}")).collect();
                            if kv.is_empty() {
                                "any".into()
                            } else {
                                kv.join(" ")
                            }
                        })
                        .collect(),
                    reason: format!(
                        "cilium-envoy has no proxylib parser `{name}` (built in: cassandra, kafka, \
                         memcache, r2d2): the policy for the port cannot be applied"
                    ),
                });
            }
        };
        let rules = compile(&parser, problems);
        return Some(L7Match::Generic { parser, rules });
    }
    None
}

/// A `headers` entry: `Name` (present) or `Name: value` (exact). Cilium
/// splits at the first space and trims a trailing colon from the name
/// (envoy_l7_rules_translator.go), so `X-Token:abc` names a header
/// `X-Token:abc` that must be present.
fn header_rule(line: &str) -> HeaderRule {
    let line = line.trim();
    let (name, value) = match line.split_once(' ') {
        Some((name, value)) => (name.trim_end_matches(':'), Some(value.trim().to_string())),
        None => (line, None),
    };
    HeaderRule {
        name: name.to_string(),
        value,
        secret: None,
        mismatch: None,
    }
}
