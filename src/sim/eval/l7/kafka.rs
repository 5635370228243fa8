//! Kafka (proxylib/kafka, kafkalib/policy.go).

use std::fmt::Write as _;

use super::L7Check;
use super::request::{Attrs, non_empty};
use super::verdict::{
    Cond, EMPTY_LIST, Verdict, judge, matched, no_request, refusals, without_request,
};
use crate::model::policy::{KAFKA_API_KEYS, KafkaApiKeys, KafkaRule};
use crate::sim::eval::Reply;
use crate::sim::eval::hint::{Hint, Input};

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

fn kafka_response(kind: Option<i16>) -> Reply {
    match kind {
        Some(k) if !KAFKA_ERROR_REPLY.contains(&k) => Reply::KafkaNoReply {
            api_key: kafka_key_name(k),
        },
        _ => Reply::KafkaTopicAuthorizationFailed,
    }
}

const API_KEY: Input = Input::L7 {
    key: "api_key",
    value: "<produce|fetch|metadata|...>",
};
const API_VERSION: Input = Input::L7 {
    key: "api_version",
    value: "<n>",
};
const CLIENT_ID: Input = Input::L7 {
    key: "client_id",
    value: "<id>",
};
const TOPIC: Input = Input::L7 {
    key: "topic",
    value: "<name>",
};

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

pub(super) fn check_kafka(rules: &[KafkaRule], l7: &[(String, String)]) -> L7Check {
    let policies = rules;
    let attrs = match Attrs::parse(
        l7,
        "kafka",
        super::KAFKA_KEYS,
        &["topic"],
        &kafka_response(None),
    ) {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let Some(key) = attrs.one("api_key") else {
        let open = policies.iter().position(|p| {
            p.api_keys.is_none()
                && p.api_version.is_none()
                && p.client_id.is_none()
                && p.topic.is_none()
        });
        return without_request(
            rules.len(),
            open,
            Hint::give([API_KEY]).also([TOPIC, API_VERSION, CLIENT_ID]),
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
                reply: kafka_response(None),
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
                    reply: kafka_response(Some(kind)),
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
    let reply = kafka_response(Some(kind));
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
    L7Check::Refused { reason, reply }
}

fn kafka_rule(p: &KafkaRule, req: &KafkaRequest) -> KafkaVerdict {
    let mut conds = Vec::new();
    let kind = kafka_key_name(req.kind);
    if let Some(KafkaApiKeys {
        field,
        written,
        keys,
    }) = &p.api_keys
    {
        let what = format!("{field} `{written}`");
        if keys.contains(&req.kind) {
            conds.push(Cond::Holds(format!("{what} allows apiKey {kind}")));
        } else {
            conds.push(Cond::Fails(format!("{what} does not allow apiKey {kind}")));
        }
    }
    if let Some(v) = p.api_version {
        conds.push(match req.version {
            None => Cond::Unknown {
                give: API_VERSION,
                why: format!("has apiVersion {v}"),
            },
            Some(got) if got == v => Cond::Holds(format!("apiVersion {v}")),
            Some(got) => Cond::Fails(format!("apiVersion {v} != {got}")),
        });
    }
    if let Some(c) = &p.client_id {
        conds.push(match req.client_id {
            None => Cond::Unknown {
                give: CLIENT_ID,
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
            give: TOPIC,
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

pub(super) fn describe_kafka_rule(r: &KafkaRule) -> String {
    let mut parts = Vec::new();
    if let Some(k) = &r.api_keys {
        parts.push(format!("{} {}", k.field, k.written));
    }
    if let Some(v) = r.api_version {
        parts.push(format!("apiVersion {v}"));
    }
    for (label, v) in [("clientID", &r.client_id), ("topic", &r.topic)] {
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
