//! HTTP as Envoy with Cilium's `cilium.l7policy` filter decides it.

use std::fmt::Write as _;

use super::L7Check;
use super::path::envoy_path;
use super::request::non_empty;
use super::verdict::{Cond, EMPTY_LIST, Verdict, decide, judge, without_request};
use crate::model::policy::{HeaderRule, HttpRule};
use crate::model::{HttpRequest, Pattern};
use crate::sim::eval::Reply;
use crate::sim::eval::hint::{Hint, Input};

/// cilium/proxy `cilium/l7policy.cc`: `sendLocalReply(Forbidden,
/// denied_403_body)`, default body "Access denied\r\n".
const HTTP_DENIED: Reply = Reply::HttpForbidden;

/// The request as the policy filter sees it.
pub(super) struct HttpView {
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
    pub(super) fn get(&self, name: &str) -> Option<String> {
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

pub(super) fn check_http(rules: &[HttpRule], req: Option<&HttpRequest>) -> L7Check {
    let Some(req) = req else {
        let open = rules.iter().position(|r| {
            r.method.is_none() && r.path.is_none() && r.host.is_none() && r.headers.is_empty()
        });
        return without_request(
            rules.len(),
            open,
            Hint::give([Input::Method, Input::Path]).also([Input::Host, Input::Header]),
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
        L7Check::Refused { reason, reply } => L7Check::Refused {
            reason: with_notes(reason, &view.notes),
            reply,
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
pub(super) fn http_view(req: &HttpRequest) -> Result<HttpView, L7Check> {
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
                Err((why, status)) => {
                    return Err(L7Check::Refused {
                        reason: why,
                        reply: Reply::HttpStatus(status),
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

/// A regex condition on a pseudo-header (a whole-value match).
fn regex_cond(field: &str, re: &Pattern, value: Option<&str>, give: Input) -> Cond {
    let Some(value) = value else {
        return Cond::Unknown {
            give,
            why: format!("has {field} `{re}`"),
        };
    };
    if re.is_match(value) {
        Cond::Holds(format!("{field} `{re}` ~ {value}"))
    } else {
        Cond::Fails(format!("{field} `{re}` !~ {value}"))
    }
}

/// A `mismatch` action Cilium recognises (api/http.go); anything else
/// fails on mismatch (the translator's default).
fn mismatch_action(h: &HeaderRule) -> Option<&str> {
    h.mismatch
        .as_deref()
        .filter(|a| matches!(*a, "LOG" | "ADD" | "DELETE" | "REPLACE"))
}

pub(super) fn http_rule(rule: &HttpRule, view: &mut HttpView) -> Verdict {
    // Envoy HeaderMatchers first (`allowed`), then Cilium's HeaderMatches.
    let mut conds = Vec::new();
    if let Some(re) = &rule.method {
        conds.push(regex_cond(
            "method",
            re,
            view.method.as_deref(),
            Input::Method,
        ));
    }
    if let Some(re) = &rule.path {
        conds.push(regex_cond("path", re, view.path.as_deref(), Input::Path));
    }
    if let Some(re) = &rule.host {
        conds.push(regex_cond("host", re, view.host.as_deref(), Input::Host));
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

pub(super) fn describe_http_rule(r: &HttpRule) -> String {
    let mut parts: Vec<String> = Vec::new();
    if let Some(m) = &r.method {
        parts.push(m.to_string());
    }
    if let Some(p) = &r.path {
        parts.push(p.to_string());
    }
    if let Some(h) = &r.host {
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

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}
