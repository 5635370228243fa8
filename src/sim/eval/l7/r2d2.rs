//! r2d2 (proxylib/r2d2/r2d2parser.go).

use crate::model::Pattern;
use crate::model::policy::ProxylibRule;

use super::L7Check;
use super::proxylib::{parse_error, rule_regex};
use super::request::Attrs;
use super::verdict::{Cond, EMPTY_LIST, Verdict, decide, judge, without_request};
use crate::sim::eval::Reply;
use crate::sim::eval::hint::{Hint, Input};

pub(super) const FILE: Input = Input::L7 {
    key: "file",
    value: "<path>",
};

const R2D2_DENIED: Reply = Reply::R2d2Error;

pub(super) struct R2d2Rule {
    cmd: Option<String>,
    file: Option<Pattern>,
}

pub(super) fn r2d2_rule(r: &ProxylibRule) -> Result<R2d2Rule, String> {
    let mut rule = R2d2Rule {
        cmd: None,
        file: None,
    };
    for (k, v) in &r.pairs {
        match k.as_str() {
            "cmd" => rule.cmd = Some(v.clone()).filter(|v| !v.is_empty()),
            "file" if v.is_empty() => {}
            "file" => rule.file = Some(rule_regex(r, k)?),
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

pub(super) fn check_r2d2(rules: &[ProxylibRule], l7: &[(String, String)]) -> L7Check {
    let mut parsed = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        match r2d2_rule(r) {
            Ok(p) => parsed.push(p),
            Err(why) => return parse_error("r2d2", i, &why, R2D2_DENIED),
        }
    }
    let attrs = match Attrs::parse(l7, "r2d2", super::R2D2_KEYS, &[], &R2D2_DENIED) {
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
            Hint::give([Input::L7 {
                key: "cmd",
                value: "<READ|WRITE|HALT|RESET>",
            }])
            .also([FILE]),
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
                        give: FILE,
                        why: format!("has file `{re}`"),
                    },
                    Some(f) if re.is_match(f) => Cond::Holds(format!("file `{re}` ~ {f}")),
                    Some(f) => Cond::Fails(format!("file `{re}` !~ {f:?}")),
                });
            }
            judge(conds)
        })
        .collect();
    decide(&verdicts, R2D2_DENIED)
}
