//! What every protocol shares: conditions, a rule's verdict, deciding a
//! rule list.

use super::L7Check;
use crate::sim::eval::Reply;
use crate::sim::eval::hint::{Hint, Input};

pub(super) const EMPTY_LIST: &str = "the rule list is empty: every request passes";

/// One condition of a rule, evaluated.
pub(super) enum Cond {
    Holds(String),
    Fails(String),
    /// The flow does not say; `give` is what it lacks.
    Unknown {
        give: Input,
        why: String,
    },
}

/// One rule, evaluated.
pub(super) enum Verdict {
    Match(Vec<String>),
    Fail(String),
    Unknown { give: Input, why: String },
}

/// A rule fails on its first failing condition; otherwise it is unknown if
/// some condition is; otherwise it matches.
pub(super) fn judge(conds: Vec<Cond>) -> Verdict {
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
pub(super) fn without_request(n_rules: usize, open: Option<usize>, hint: Hint) -> L7Check {
    match open {
        _ if n_rules == 0 => L7Check::Pass(EMPTY_LIST.into()),
        Some(i) => L7Check::Pass(format!(
            "rules[{i}] has no conditions: every request passes"
        )),
        None => L7Check::NoRequest(hint),
    }
}

pub(super) fn matched(i: usize, details: &[String]) -> String {
    if details.is_empty() {
        format!("rules[{i}] matched: it has no conditions, so every request matches")
    } else {
        format!("rules[{i}] matched: {}", details.join(", "))
    }
}

/// Any matching rule passes; otherwise an undecidable rule asks for more;
/// otherwise the request is refused.
pub(super) fn decide(verdicts: &[Verdict], reply: Reply) -> L7Check {
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
        reply,
    }
}

pub(super) fn no_request(verdicts: &[Verdict]) -> Option<L7Check> {
    let mut gives: Vec<&Input> = Vec::new();
    let mut whys = Vec::new();
    for (i, v) in verdicts.iter().enumerate() {
        if let Verdict::Unknown { give, why } = v {
            if !gives.contains(&give) {
                gives.push(give);
            }
            whys.push(format!("rules[{i}] {why}"));
        }
    }
    if gives.is_empty() {
        return None;
    }
    Some(L7Check::NoRequest(Hint::Give {
        inputs: gives.into_iter().cloned().collect(),
        also: Vec::new(),
        because: whys,
        note: None,
    }))
}

pub(super) fn refusals(verdicts: &[Verdict]) -> String {
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
