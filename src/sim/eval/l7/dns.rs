//! DNS (Cilium's DNS proxy) and the FQDN patterns `toFQDNs` shares.

use super::L7Check;
use super::request::Attrs;
use super::verdict::{EMPTY_LIST, Verdict, decide};
use crate::model::policy::FqdnPattern;
use crate::sim::eval::Reply;
use crate::sim::eval::hint::{Hint, Input};

/// Cilium toFQDNs / DNS-rule name matching (pkg/fqdn/matchpattern): used
/// for both. `matchName`: equal after lower-casing both and adding the
/// trailing dot. `matchPattern`: its regex, compiled when lowered, on the
/// lower-cased name with the trailing dot.
pub(crate) fn fqdn_matches(pattern: &FqdnPattern, name: &str) -> bool {
    let name = fqdn(name);
    match pattern {
        FqdnPattern::Name(n) => fqdn(n) == name,
        FqdnPattern::Pattern(p) => p.is_match(&name),
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
            .position(|p| matches!(p, FqdnPattern::Pattern(s) if all_stars(s.as_str().trim())));
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
                FqdnPattern::Pattern(s) if all_stars(s.as_str().trim()) => true,
                _ => fqdn_matches(p, &name),
            };
            let (kind, text) = match p {
                FqdnPattern::Name(n) => ("matchName", n.as_str()),
                FqdnPattern::Pattern(s) => ("matchPattern", s.as_str()),
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
