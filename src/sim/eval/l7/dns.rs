//! DNS (Cilium's DNS proxy) and the FQDN patterns `toFQDNs` shares.

use std::fmt::Write as _;

use super::L7Check;
use super::request::Attrs;
use super::verdict::{EMPTY_LIST, Verdict, cached_regex, decide};
use crate::model::policy::FqdnPattern;
use crate::sim::eval::Reply;
use crate::sim::eval::hint::{Hint, Input};

/// Cilium toFQDNs / DNS-rule name matching (pkg/fqdn/matchpattern): used
/// for both.
///
/// `matchName`: equal after lower-casing both and adding the trailing dot.
/// `matchPattern`: the anchored regex matchpattern.go builds — `*` is
/// `[-a-zA-Z0-9_]*` (within one label), a leading `**.` is one or more whole
/// labels, and a pattern of only stars (`*`, `**.`) matches every name made
/// of DNS characters. Patterns with other characters never match (Cilium
/// rejects them).
pub(crate) fn fqdn_matches(pattern: &FqdnPattern, name: &str) -> bool {
    let name = fqdn(name);
    match pattern {
        FqdnPattern::Name(n) => fqdn(n) == name,
        FqdnPattern::Pattern(p) => match pattern_regex(p) {
            Some(re) => cached_regex(&re).is_some_and(|r| r.is_match(&name)),
            None => false,
        },
    }
}

const DNS_REFUSED: Reply = Reply::DnsRefused;

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
pub(super) fn all_stars(p: &str) -> bool {
    let p = p.strip_suffix('.').unwrap_or(p);
    !p.is_empty() && p.bytes().all(|c| c == b'*')
}

const DNS_CHAR: &str = "[-a-zA-Z0-9_]";

/// matchpattern.go ToAnchoredRegexp(Sanitize(p)); `None` for a pattern
/// Cilium rejects.
pub(super) fn pattern_regex(p: &str) -> Option<String> {
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

pub(super) fn check_dns(patterns: &[FqdnPattern], l7: &[(String, String)]) -> L7Check {
    let attrs = match Attrs::parse(l7, "dns", super::DNS_KEYS, &[], &DNS_REFUSED) {
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
            None => L7Check::NoRequest(Hint::give([Input::L7 {
                key: "query",
                value: "<the query name>",
            }])),
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
