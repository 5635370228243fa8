//! `polctl simulate --flows`: one row per flow and a summary line.

use serde_json::{Value, json};

use super::table;
use crate::sim::eval::{Decider, Outcome, Verdict};

/// One simulated flow of a flows file.
pub struct Row {
    pub outcome: Outcome,
    pub expect: Option<Verdict>,
    /// Where the flow is written in the flows file.
    pub at: String,
}

impl Row {
    /// Whether the flow's expectation failed.
    pub fn failed(&self) -> bool {
        self.expect.is_some_and(|e| e != self.outcome.verdict)
    }

    pub fn json(&self) -> Value {
        let mut v = serde_json::to_value(&self.outcome).unwrap_or(Value::Null);
        if let Value::Object(map) = &mut v {
            if let Some(e) = self.expect {
                map.insert("expect".into(), json!(e));
                map.insert("expectation_met".into(), json!(!self.failed()));
            }
            map.insert("at".into(), json!(self.at));
        }
        v
    }
}

/// Which policy and rule decided the flow: the denying direction's, or the
/// ingress one's for an allowed flow.
pub fn decided_by(o: &Outcome) -> String {
    let d: &Decider = if !o.egress.verdict.is_allow() {
        &o.egress.decided_by
    } else {
        &o.ingress.decided_by
    };
    let who = match (&d.policy, &d.rule) {
        (Some(p), Some(r)) => format!("{p} {r}"),
        (Some(p), None) => format!("{p} (end of tier {})", d.tier.as_deref().unwrap_or("?")),
        _ => d.step.clone(),
    };
    let dir = if !o.egress.verdict.is_allow() {
        "egress"
    } else {
        "ingress"
    };
    format!("{dir}: {who}")
}

pub fn table(rows: &[Row], wide: bool) -> String {
    let mut headers = vec!["FROM", "TO", "PORT", "VERDICT", "DECIDED BY", "EXPECT"];
    if wide {
        headers.extend(["PENDING", "AT"]);
    }
    let mut t = table::table(headers);
    for r in rows {
        let f = &r.outcome.flow;
        let port = if f.has_ports() {
            format!("{}/{}", f.port, f.protocol)
        } else {
            f.protocol.to_string()
        };
        let mut verdict = r.outcome.verdict.to_string();
        if let Some(layer) = r.outcome.denied_at {
            verdict = format!("{verdict} ({layer})");
        }
        if r.outcome.l7_filtered {
            verdict = format!("{verdict} (l7 filtered)");
        }
        let expect = match r.expect {
            None => "-".to_string(),
            Some(e) if e == r.outcome.verdict => format!("{e} ok"),
            Some(e) => format!("{e} FAILED"),
        };
        let mut cells = vec![
            f.src.name.clone(),
            f.dst.name.clone(),
            port,
            verdict,
            decided_by(&r.outcome),
            expect,
        ];
        if wide {
            cells.push(
                r.outcome
                    .pending_verdict
                    .map_or("-".into(), |p| p.to_string()),
            );
            cells.push(r.at.clone());
        }
        t.add_row(cells);
    }
    table::render(&t)
}

pub fn summary(rows: &[Row]) -> String {
    let allowed = rows.iter().filter(|r| r.outcome.verdict.is_allow()).count();
    let denied = rows.len() - allowed;
    let with_expect = rows.iter().filter(|r| r.expect.is_some()).count();
    let failed = rows.iter().filter(|r| r.failed()).count();
    let mut s = format!("{} flows: {allowed} allowed, {denied} denied", rows.len());
    if with_expect > 0 {
        s.push_str(&format!(
            "; {} of {with_expect} expectations met",
            with_expect - failed
        ));
    }
    s
}
