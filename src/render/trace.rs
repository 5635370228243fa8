//! Simulation results as a tree a person reads: every tier, policy, rule and
//! criterion visited, in order, with the reason and the file:line.

use std::fmt::Write;

use colored::{ColoredString, Colorize};

use super::table::number;

use crate::model::policy::{Action, Dataplane, TierDefault};
use crate::sim::eval::{
    CriterionTrace, DirectionTrace, Outcome, PolicyResult, RuleTrace, TierResult, Verdict,
};

struct Style {
    color: bool,
}

impl Style {
    fn paint(&self, text: &str, f: fn(&str) -> ColoredString) -> String {
        if self.color {
            f(text).to_string()
        } else {
            text.to_string()
        }
    }

    fn verdict(&self, v: Verdict) -> String {
        match v {
            Verdict::Allow => self.paint("ALLOW", |s| s.green().bold()),
            Verdict::Deny => self.paint("DENY", |s| s.red().bold()),
        }
    }

    fn mark(&self, matched: bool) -> String {
        if matched {
            self.paint("✓", |s| s.green())
        } else {
            self.paint("✗", |s| s.red())
        }
    }

    fn dim(&self, text: &str) -> String {
        self.paint(text, |s| s.dimmed())
    }

    fn bold(&self, text: &str) -> String {
        self.paint(text, |s| s.bold())
    }

    fn at(&self, at: &Option<String>) -> String {
        match at {
            Some(at) => format!("  {}", self.dim(at)),
            None => String::new(),
        }
    }
}

/// The dataplane line shown with every trace.
pub(crate) fn dataplane(d: &Dataplane) -> String {
    let mut s = d.cni.to_string();
    if let Some(v) = d.calico_version {
        let _ = write!(s, " {v}");
    }
    if let Some(v) = d.cilium_version {
        let _ = write!(s, " {v}");
    }
    let _ = write!(
        s,
        ", application layer {} ({})",
        if d.app_layer { "on" } else { "off" },
        d.cni_reason
    );
    s
}

/// The full trace of one flow.
pub(crate) fn tree(outcome: &Outcome, dp: &Dataplane, color: bool) -> String {
    let st = Style { color };
    let mut out = String::new();
    let _ = writeln!(out, "{} {}", st.bold("Flow:     "), outcome.flow);
    let _ = writeln!(out, "{} {}", st.bold("Dataplane:"), dataplane(dp));
    out.push('\n');
    direction(&mut out, &st, &outcome.egress);
    direction(&mut out, &st, &outcome.ingress);
    let mut verdict = format!("{} {}", st.bold("Verdict:"), st.verdict(outcome.verdict));
    if let Some(layer) = outcome.denied_at {
        let _ = write!(verdict, " at {}", layer_text(layer));
    }
    if outcome.l7_filtered {
        let flow = &outcome.flow;
        if flow.http.is_none() && flow.l7.is_empty() {
            verdict.push_str(
                " for the connection; an L7 proxy checks each request (give request attributes to check one)",
            );
        } else {
            verdict.push_str(" for this request; an L7 proxy checks each request");
        }
    }
    out.push_str(&verdict);
    out.push('\n');
    for d in &outcome.l7_filtered_by {
        let _ = writeln!(
            out,
            "{} {} {}{}",
            st.bold("Requests filtered by:"),
            d.policy.as_deref().unwrap_or("?"),
            d.rule.as_deref().unwrap_or("?"),
            st.at(&d.at)
        );
    }
    if let Some(d) = &outcome.refused_by {
        let what = match outcome.denied_at {
            Some(crate::sim::eval::Layer::Auth) => "requires mutual authentication",
            _ => "admits the connection; its application-layer rules refuse the request",
        };
        let _ = writeln!(
            out,
            "{} {} {} {what}{}",
            st.bold("Refused by:"),
            d.policy.as_deref().unwrap_or("?"),
            d.rule.as_deref().unwrap_or("?"),
            st.at(&d.at)
        );
    }
    if let Some(sees) = &outcome.client_sees {
        let _ = writeln!(out, "{} {sees}", st.bold("Client sees:"));
    }
    if let Some(pending) = outcome.pending_verdict {
        let mut line = format!(
            "{} {} (with staged policies enforced)",
            st.bold("Pending:"),
            st.verdict(pending)
        );
        if let Some(d) = &outcome.pending_decided_by {
            let _ = write!(line, ", decided by {}", decider(d));
            line.push_str(&st.at(&d.at));
        }
        out.push_str(&line);
        out.push('\n');
        if let Some(p) = &outcome.pending
            && pending != outcome.verdict
        {
            out.push('\n');
            out.push_str(&st.bold("Pending view (staged policies enforced):"));
            out.push('\n');
            direction(&mut out, &st, &p.egress);
            direction(&mut out, &st, &p.ingress);
        }
    }
    for note in &outcome.notes {
        let _ = writeln!(out, "{} {note}", st.dim("note:"));
    }
    out
}

fn layer_text(layer: crate::sim::eval::Layer) -> &'static str {
    match layer {
        crate::sim::eval::Layer::L3l4 => "L3/L4 (dropped)",
        crate::sim::eval::Layer::L7 => "L7 (the connection is admitted, the request refused)",
        crate::sim::eval::Layer::Auth => "authentication",
    }
}

fn decider(d: &crate::sim::eval::Decider) -> String {
    let mut s = match d.step.as_str() {
        "rule" => format!(
            "{} {}",
            d.policy.as_deref().unwrap_or("?"),
            d.rule.as_deref().unwrap_or("?")
        ),
        "end-of-tier" => format!(
            "end of tier {} (selected by {})",
            d.tier.as_deref().unwrap_or("?"),
            d.policy.as_deref().unwrap_or("?")
        ),
        "profile" => format!(
            "profile {} {}",
            d.policy.as_deref().unwrap_or("?"),
            d.rule.as_deref().unwrap_or("?")
        ),
        "no-profile" => "no profile allowed it".to_string(),
        "failsafe" => format!("failsafe {}", d.rule.as_deref().unwrap_or("?")),
        "auth" => format!(
            "{} {} requires mutual authentication, which failed",
            d.policy.as_deref().unwrap_or("?"),
            d.rule.as_deref().unwrap_or("?")
        ),
        other => other.to_string(),
    };
    if d.staged {
        s.push_str(" (staged)");
    }
    s
}

fn direction(out: &mut String, st: &Style, d: &DirectionTrace) {
    let title = match d.direction {
        crate::model::policy::Direction::Egress => "Egress from",
        crate::model::policy::Direction::Ingress => "Ingress to",
    };
    let _ = writeln!(
        out,
        "{} {}: {}",
        st.bold(title),
        d.endpoint,
        st.verdict(d.verdict)
    );
    if let Some(why) = &d.unpoliced {
        // A failsafe rule's note is the reason: the rule says it.
        if d.failsafe.is_empty() {
            let _ = writeln!(out, "  {why}");
        }
        for r in &d.failsafe {
            rule(out, st, r, "  ");
        }
        out.push('\n');
        return;
    }
    if !d.skipped_tiers.is_empty() && !d.tiers.is_empty() {
        let _ = writeln!(
            out,
            "  {}",
            st.dim(&format!(
                "tiers with no policy selecting it for {}: {}",
                d.direction,
                d.skipped_tiers.join(", ")
            ))
        );
    }
    if d.tiers.is_empty() {
        let _ = writeln!(out, "  no policy selects it for {}", d.direction);
    }
    for tier in &d.tiers {
        let order = tier.order.map(number).unwrap_or_else(|| "none".into());
        let _ = writeln!(
            out,
            "  tier {} {}{}",
            st.bold(&tier.tier),
            st.dim(&format!("(order {order}, default {})", tier.default_action)),
            st.at(&tier.at)
        );
        for p in &tier.policies {
            let mut head = format!("{} {}", p.kind, p.policy);
            if let Some(o) = p.order {
                let _ = write!(head, " order {}", number(o));
            }
            if let Some(s) = &p.staged {
                let _ = write!(head, " [staged: {s}]");
            }
            let _ = writeln!(out, "    policy {}{}", head, st.at(&p.at));
            let _ = writeln!(out, "      {}", st.dim(&format!("selects: {}", p.selector)));
            for r in &p.rules {
                rule(out, st, r, "      ");
            }
            if p.result == PolicyResult::NoMatch {
                let _ = writeln!(out, "      {}", st.dim("no rule matched: next policy"));
            }
        }
        match &tier.result {
            TierResult::Decided { .. } => {}
            TierResult::Passed => {
                let _ = writeln!(out, "    {}", st.dim("passed to the next tier"));
            }
            TierResult::EndOfTier {
                default_action,
                trigger,
            } => {
                let what = match default_action {
                    TierDefault::Deny => "denied",
                    TierDefault::Pass => "passed to the next tier",
                };
                let _ = writeln!(
                    out,
                    "    end of tier: no rule decided, {what} (default {default_action}; selected by {trigger})"
                );
            }
            TierResult::FellThrough => {
                let _ = writeln!(
                    out,
                    "    {}",
                    st.dim("no rule decided; no isolating policy: next tier")
                );
            }
        }
    }
    for p in &d.profiles {
        let mut head = format!("  profile {}", st.bold(&p.profile));
        if let Some(why) = &p.implicit {
            let _ = write!(head, " {}", st.dim(&format!("({why})")));
        }
        head.push_str(&st.at(&p.at));
        out.push_str(&head);
        out.push('\n');
        if p.rules.is_empty() {
            let _ = writeln!(out, "    {}", st.dim("no rules for this direction"));
        }
        for r in &p.rules {
            rule(out, st, r, "    ");
        }
    }
    let _ = writeln!(
        out,
        "  => {} by {}",
        st.verdict(d.verdict),
        decider(&d.decided_by)
    );
    out.push('\n');
}

fn rule(out: &mut String, st: &Style, r: &RuleTrace, indent: &str) {
    let action = match r.action {
        Action::Allow => st.paint("Allow", |s| s.green()),
        Action::Deny => st.paint("Deny", |s| s.red()),
        Action::Pass => st.paint("Pass", |s| s.yellow()),
        Action::Log => st.paint("Log", |s| s.blue()),
    };
    let result = if r.matched { "matched" } else { "no match" };
    let _ = writeln!(
        out,
        "{indent}{} {} {action}: {result}{}",
        st.mark(r.matched),
        r.rule,
        st.at(&r.at)
    );
    if let Some(note) = &r.note {
        let _ = writeln!(out, "{indent}    {}", st.dim(&format!("note: {note}")));
    }
    if r.criteria.is_empty() {
        let _ = writeln!(
            out,
            "{indent}    {}",
            st.dim("no criteria: matches every flow")
        );
    }
    for c in &r.criteria {
        criterion(out, st, c, &format!("{indent}    "));
    }
}

fn criterion(out: &mut String, st: &Style, c: &CriterionTrace, indent: &str) {
    let _ = writeln!(
        out,
        "{indent}{} {}: {}{}",
        st.mark(c.matched),
        c.test,
        c.reason,
        st.at(&c.at)
    );
    for alt in &c.alternatives {
        let _ = writeln!(
            out,
            "{indent}  {} {}{}",
            st.mark(alt.matched),
            alt.label,
            st.at(&alt.at)
        );
        for inner in &alt.criteria {
            criterion(out, st, inner, &format!("{indent}      "));
        }
    }
}
