//! `polctl replay` output: a summary, the denied flows by deciding rule,
//! the flows the policies would newly allow, the ends that did not
//! resolve; and the JSON contract.

use std::fmt::Write;

use serde_json::{Value, json};

use super::table;
use crate::verify::{Example, Group, ReplayReport, Rule};

/// A file replayed, and the format it was read as.
pub(crate) struct Replayed {
    pub name: String,
    pub format: &'static str,
}

/// `egress: shop/deny-all ingress[0]`, or the step that decided.
fn decided_by(r: &Rule) -> String {
    let who = match (&r.policy, &r.rule) {
        (Some(p), Some(rule)) => format!("{p} {rule}"),
        (Some(p), None) => format!("{p} (end of tier {})", r.tier.as_deref().unwrap_or("?")),
        _ => r.step.clone(),
    };
    format!("{}: {who}", r.direction)
}

fn example(e: &Example) -> String {
    let port = match (&e.protocol, e.port) {
        (Some(p), Some(n)) => format!(" {p}/{n}"),
        (None, Some(n)) => format!(" TCP/{n}"),
        (Some(p), None) => format!(" {p}"),
        (None, None) => String::new(),
    };
    format!("{}  {} -> {}{port}", e.at, e.from, e.to)
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn groups(out: &mut String, title: &str, otherwise: &str, groups: &[Group]) {
    if groups.is_empty() {
        return;
    }
    let mut t = table::table([title, "AT", "FLOWS", otherwise, "EXAMPLE"]);
    t.force_no_tty();
    for g in groups {
        t.add_row([
            decided_by(&g.rule),
            g.rule.at.clone().unwrap_or_else(|| "-".into()),
            g.count.to_string(),
            g.observed_otherwise.to_string(),
            example(&g.example),
        ]);
    }
    out.push('\n');
    out.push_str(&table::render(&t));
}

/// The human report.
pub(crate) fn text(report: &ReplayReport, files: &[Replayed]) -> String {
    let mut out = String::new();
    let formats: Vec<String> = files
        .iter()
        .map(|f| format!("{} ({})", f.name, f.format))
        .collect();
    let _ = writeln!(
        out,
        "Replayed {} from {}: {} allowed, {} denied, {} not judged, {} unresolved",
        plural(report.total, "flow record", "flow records"),
        formats.join(", "),
        report.allowed,
        report.denied,
        plural(report.replies, "reply", "replies"),
        report.unresolved,
    );
    if report.observed == 0 {
        out.push_str("Would break: unknown (no record says what the dataplane did)\n");
    } else {
        let _ = writeln!(
            out,
            "Would break: {} the dataplane forwarded and the policies deny",
            plural(report.would_break, "flow", "flows")
        );
        let _ = writeln!(
            out,
            "Would allow: {} the dataplane dropped and the policies allow",
            plural(report.would_allow, "flow", "flows")
        );
    }
    groups(&mut out, "DENIED BY", "WOULD BREAK", &report.denied_by);
    groups(
        &mut out,
        "NEWLY ALLOWED BY",
        "WERE DROPPED",
        &report.newly_allowed_by,
    );
    if !report.unresolved_ends.is_empty() {
        let mut t = table::table(["UNRESOLVED", "REASON", "FLOWS", "EXAMPLE"]);
        t.force_no_tty();
        for u in &report.unresolved_ends {
            t.add_row([
                u.end.clone(),
                u.reason.clone(),
                u.count.to_string(),
                u.example.clone(),
            ]);
        }
        out.push('\n');
        out.push_str(&table::render(&t));
    }
    out
}

/// The JSON contract: the counts at the top level, then the groups, and
/// the files with the format each was read as.
pub(crate) fn json(report: &ReplayReport, files: &[Replayed]) -> Value {
    let mut v = serde_json::to_value(report).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut v {
        let files: Vec<Value> = files
            .iter()
            .map(|f| json!({"file": f.name, "format": f.format}))
            .collect();
        map.insert("files".into(), Value::Array(files));
    }
    v
}
