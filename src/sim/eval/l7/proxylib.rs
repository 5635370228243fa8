//! What proxylib's key/value parsers share: rejected rule sets, parse
//! failures, rule regexes, descriptions.

use super::L7Check;
use crate::model::Pattern;
use crate::model::policy::{Proxylib, ProxylibRule};
use crate::sim::eval::Reply;

/// proxylib rejects the whole policy update (ParseError); the proxy keeps
/// its previous policy, which polctl cannot know: refuse.
pub(super) fn parse_error(parser: &str, i: usize, why: &str, reply: Reply) -> L7Check {
    L7Check::Refused {
        reason: format!(
            "rules[{i}]: {why}; proxylib's {parser} parser rejects the policy (ParseError), \
             so polctl assumes no request passes"
        ),
        reply,
    }
}

pub(super) fn parser_error(parser: &str, why: String) -> L7Check {
    L7Check::Refused {
        reason: format!("{why}: the {parser} parser cannot parse the request"),
        reply: Reply::ParserError,
    }
}

/// The regex of a rule key, compiled as Go would (`regexp.MustCompile`)
/// when the rule was lowered; `Err`: the parser rejects it.
pub(super) fn rule_regex(r: &ProxylibRule, key: &str) -> Result<Pattern, String> {
    match r.pattern(key) {
        Some(compiled) => compiled.clone(),
        None => Err(format!("`{key}` was not compiled as a regex")),
    }
}

pub(super) fn describe_generic_rule(parser: &Proxylib, r: &ProxylibRule) -> String {
    let r = &r.pairs;
    let order: &[&str] = match parser {
        Proxylib::Cassandra => &["query_action", "query_table"],
        Proxylib::Memcache => &["command", "keyExact", "keyPrefix", "keyRegex"],
        Proxylib::R2d2 => &["cmd", "file"],
        Proxylib::Unmodelled(_) => &[],
    };
    let mut parts = Vec::new();
    for (i, k) in order.iter().enumerate() {
        if let Some(v) = r.get(*k) {
            // The leading key speaks for itself; the others are labelled
            // where the label carries meaning.
            if i == 0 || *parser != Proxylib::Memcache {
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
