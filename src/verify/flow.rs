//! Flow tests: a flow described as `polctl simulate` takes it, and the
//! verdict, pending verdict and deciding policy it must get.

use crate::dialect::common::IntOrString;
use crate::load::{AuthOutcome, DeciderSpec, Expect, ExpectedVerdict, FlowSpec};
use crate::model::policy::PolicySet;
use crate::model::{Cluster, Flow, Span, Spanned};
use crate::sim::eval::Words;
use crate::sim::eval::{Decider, DirectionTrace, Evaluator, Layer, Outcome, Verdict};
use crate::sim::request::{FieldError, Naming, Written, checked, http_request};
use crate::sim::resolve::{FlowRequest, flows_by_range};

use super::{Problem, TestKind, TestResult};

/// The request a flow entry describes (the fields of `polctl simulate`),
/// with the checks `simulate`'s flags get: the one conversion for
/// `simulate --flows`, `polctl test` and `polctl replay`.
pub(crate) fn flow_request(spec: &FlowSpec) -> Result<FlowRequest, FieldError> {
    let text = |v: &IntOrString| match v {
        IntOrString::Int(n) => n.to_string(),
        IntOrString::Str(s) => s.clone(),
    };
    let headers = spec.headers.clone().into_iter().collect();
    checked(Written {
        from: spec.from.clone(),
        to: spec.to.clone(),
        port: spec.port.as_ref().map(text),
        protocol: spec.protocol.as_ref().map(text),
        src_port: spec.src_port,
        icmp_type: spec.icmp_type,
        icmp_code: spec.icmp_code,
        http: http_request(&spec.method, &spec.path, &spec.host, headers),
        l7: spec.l7.clone().into_iter().collect(),
        auth_fails: spec.auth == Some(AuthOutcome::Fail),
    })
}

/// A flow test with its references resolved.
pub(super) struct FlowTest {
    /// One flow per (source, destination backend), a CIDR end cut where
    /// the rules tell its addresses apart.
    flows: Vec<Flow>,
    expect: Expect,
}

pub(super) fn resolve(
    ev: &Evaluator,
    cluster: &Cluster,
    flow: &Spanned<FlowSpec>,
    expect: &Spanned<Expect>,
    namespace: &str,
    words: &dyn Words,
) -> Result<FlowTest, Vec<Problem>> {
    let mut problems = Vec::new();
    let bad = |span: Span, message: String, help: Option<&str>| Problem {
        span,
        message,
        label: "here",
        help: help.map(String::from),
    };
    let resolved = flow_request(&flow.value)
        .map_err(|e| (e.worded(Naming::FlowsFile), e.help))
        .and_then(|r| {
            flows_by_range(ev, cluster, &r, namespace)
                .map_err(|e| (e.worded(&|h| words.hint(h)), None))
        });
    let flows = match resolved {
        Ok(f) => f,
        Err((message, help)) => {
            problems.push(bad(flow.span, message, help.as_deref()));
            Vec::new()
        }
    };
    if let Some(p) = expect.value.pending
        && !matches!(p, ExpectedVerdict::Allow | ExpectedVerdict::Deny)
    {
        problems.push(bad(
            expect.span,
            format!("`pending: {p}`: a pending verdict is allow or deny"),
            None,
        ));
    }
    if let Some(by) = &expect.value.decided_by
        && let Err(message) = policy_exists(ev.policy_set(), &by.value)
    {
        problems.push(bad(
            by.span,
            message,
            Some("`polctl get policies -A` lists the loaded policies"),
        ));
    }
    if problems.is_empty() {
        Ok(FlowTest {
            flows,
            expect: expect.value.clone(),
        })
    } else {
        Err(problems)
    }
}

/// The kind a `decidedBy` names a Calico Profile with.
const PROFILE: &str = "Profile";

/// `shop/api-allow-web`, or `name` for a cluster-scoped policy: how
/// traces name a policy.
fn policy_key(spec: &DeciderSpec) -> String {
    match &spec.namespace {
        Some(ns) => format!("{ns}/{}", spec.name),
        None => spec.name.clone(),
    }
}

/// Whether the policy (and rule) a `decidedBy` names is loaded.
fn policy_exists(set: &PolicySet, spec: &DeciderSpec) -> Result<(), String> {
    let named: Vec<_> = set
        .policies()
        .filter(|(_, p)| {
            p.name == spec.name
                && p.namespace == spec.namespace
                && spec.kind.as_ref().is_none_or(|k| *k == p.kind)
        })
        .filter(|(t, _)| spec.tier.as_ref().is_none_or(|n| *n == t.name))
        .collect();
    // A Calico Profile decides what no tier does; it has no namespace.
    let profile = (spec.kind.as_deref().is_none_or(|k| k == PROFILE)
        && spec.namespace.is_none()
        && spec.tier.is_none())
    .then(|| set.profiles.get(&spec.name))
    .flatten();
    if let Some(p) = profile {
        return match spec.rule {
            Some(rule) if rule >= p.ingress.len().max(p.egress.len()) => {
                Err(format!("Profile `{}` has no rule {rule}", spec.name))
            }
            _ => Ok(()),
        };
    }
    if named.is_empty() {
        let kind = spec.kind.as_deref().unwrap_or("policy");
        return Err(format!("no {kind} `{}` is loaded", policy_key(spec)));
    }
    if let Some(rule) = spec.rule {
        let most = named
            .iter()
            .map(|(_, p)| {
                let n = |r: Option<&Vec<_>>| r.map_or(0, Vec::len);
                n(p.ingress.as_ref()).max(n(p.egress.as_ref()))
            })
            .max()
            .unwrap_or(0);
        if rule >= most {
            return Err(format!(
                "`{}` has no rule {rule} (it has {most} in its longest direction)",
                policy_key(spec)
            ));
        }
    }
    Ok(())
}

/// The verdict of a flow as tests name it.
pub(super) fn verdict_of(o: &Outcome) -> ExpectedVerdict {
    match (o.verdict, o.denied_at) {
        (Verdict::Allow, _) => ExpectedVerdict::Allow,
        (Verdict::Deny, Some(Layer::L7)) => ExpectedVerdict::DenyL7,
        (Verdict::Deny, Some(Layer::Auth)) => ExpectedVerdict::DenyAuth,
        (Verdict::Deny, _) => ExpectedVerdict::Deny,
    }
}

/// `deny` is met by a denial at any layer; the others exactly.
fn meets(expected: ExpectedVerdict, got: ExpectedVerdict) -> bool {
    expected == got || (expected == ExpectedVerdict::Deny && got != ExpectedVerdict::Allow)
}

/// `egress: shop/api-allow-web ingress[0]`: who decided a direction.
fn describe_decider(dir: &str, d: &Decider) -> String {
    let who = match (&d.policy, &d.rule) {
        (Some(p), Some(r)) => format!("{p} {r}"),
        (Some(p), None) => format!("{p} (end of tier {})", d.tier.as_deref().unwrap_or("?")),
        _ => d.step.clone(),
    };
    format!("{dir}: {who}")
}

/// The deciders an expectation may name: for an allowed flow both
/// directions (each allowed it), for a denied one the denying directions
/// and the rule that admitted a request a proxy then refused.
fn deciders(o: &Outcome) -> Vec<(&'static str, &DirectionTrace)> {
    let dirs = [("egress", &o.egress), ("ingress", &o.ingress)];
    if o.verdict.is_allow() {
        dirs.to_vec()
    } else {
        dirs.into_iter()
            .filter(|(_, d)| !d.verdict.is_allow())
            .collect()
    }
}

/// The kind of the policy a decider names, from the traced policies.
fn decider_kind<'a>(d: &Decider, trace: &'a DirectionTrace) -> Option<&'a str> {
    if d.step == "profile" {
        return Some(PROFILE);
    }
    trace
        .tiers
        .iter()
        .filter(|t| d.tier.as_ref().is_none_or(|n| *n == t.tier))
        .flat_map(|t| &t.policies)
        .find(|p| Some(&p.policy) == d.policy.as_ref())
        .map(|p| p.kind.as_str())
}

fn decider_matches(spec: &DeciderSpec, d: &Decider, kind: Option<&str>) -> bool {
    let rule_index = d
        .rule
        .as_deref()
        .and_then(|r| r.rsplit_once('['))
        .and_then(|(_, n)| n.trim_end_matches(']').parse::<usize>().ok());
    d.policy.as_deref() == Some(policy_key(spec).as_str())
        && spec
            .tier
            .as_ref()
            .is_none_or(|t| d.tier.as_ref() == Some(t))
        && spec.kind.as_deref().is_none_or(|k| kind == Some(k))
        && spec.rule.is_none_or(|r| rule_index == Some(r))
}

fn describe_spec(spec: &DeciderSpec) -> String {
    let mut s = String::new();
    if let Some(k) = &spec.kind {
        s.push_str(k);
        s.push(' ');
    }
    s.push_str(&policy_key(spec));
    if let Some(t) = &spec.tier {
        s.push_str(&format!(" in tier {t}"));
    }
    if let Some(r) = spec.rule {
        s.push_str(&format!(" rule {r}"));
    }
    s
}

impl FlowTest {
    pub(super) fn check(
        self,
        ev: &Evaluator,
        locate: &dyn Fn(Span) -> String,
        words: &dyn Words,
    ) -> TestResult {
        let mut first_failure: Option<(Outcome, Vec<String>)> = None;
        let mut got = Vec::new();
        for flow in self.flows.iter().cloned() {
            let mut o = ev.evaluate(flow);
            o.locate(locate);
            o.word(words);
            let failures = self.failures(&o);
            got.push(summary(&o));
            if !failures.is_empty() && first_failure.is_none() {
                first_failure = Some((o, failures));
            }
        }
        got.dedup();
        let (passed, failures, outcome) = match first_failure {
            None => (true, Vec::new(), None),
            Some((o, f)) => (false, f, Some(Box::new(o))),
        };
        TestResult {
            name: String::new(),
            kind: TestKind::Flow,
            at: String::new(),
            passed,
            got: got.join("; "),
            failures,
            reached: Vec::new(),
            outcome,
        }
    }

    fn failures(&self, o: &Outcome) -> Vec<String> {
        let mut out = Vec::new();
        let backend = if o.flow.dst.name.is_empty() {
            String::new()
        } else {
            format!(" (to {})", o.flow.dst.name)
        };
        let got = verdict_of(o);
        if let Some(want) = self.expect.verdict
            && !meets(want, got)
        {
            out.push(format!("expected {want}, got {got}{backend}"));
        }
        if let Some(want) = self.expect.pending {
            let pending = o.pending_verdict.unwrap_or(o.verdict);
            let pending = if pending.is_allow() {
                ExpectedVerdict::Allow
            } else {
                ExpectedVerdict::Deny
            };
            if !meets(want, pending) {
                out.push(format!("expected pending {want}, got {pending}{backend}"));
            }
        }
        if let Some(spec) = &self.expect.decided_by {
            let candidates = deciders(o);
            let refused = o.refused_by.as_ref().map(|d| ("refused", d));
            let found = candidates
                .iter()
                .map(|(_, t)| (&t.decided_by, decider_kind(&t.decided_by, t)))
                .chain(refused.map(|(_, d)| {
                    let kind = decider_kind(d, &o.ingress).or(decider_kind(d, &o.egress));
                    (d, kind)
                }))
                .any(|(d, kind)| decider_matches(&spec.value, d, kind));
            if !found {
                let was: Vec<String> = candidates
                    .iter()
                    .map(|(dir, t)| describe_decider(dir, &t.decided_by))
                    .collect();
                out.push(format!(
                    "expected to be decided by {}, got {}{backend}",
                    describe_spec(&spec.value),
                    was.join(", ")
                ));
            }
        }
        out
    }
}

/// `allow (ingress: shop/api-allow-web ingress[0]), pending deny`.
fn summary(o: &Outcome) -> String {
    let dirs = deciders(o);
    let by: Vec<String> = if o.verdict.is_allow() {
        vec![describe_decider("ingress", &o.ingress.decided_by)]
    } else {
        dirs.iter()
            .map(|(dir, t)| describe_decider(dir, &t.decided_by))
            .collect()
    };
    let mut s = format!("{} ({})", verdict_of(o), by.join(", "));
    if let Some(p) = o.pending_verdict
        && p != o.verdict
    {
        s.push_str(&format!(", pending {p}"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use ExpectedVerdict::{Allow, Deny, DenyAuth, DenyL7};

    #[test]
    fn deny_is_met_at_any_layer_and_the_layers_only_by_themselves() {
        assert!(meets(Deny, DenyL7));
        assert!(meets(Deny, DenyAuth));
        assert!(!meets(Deny, Allow));
        assert!(!meets(DenyL7, Deny));
        assert!(!meets(DenyL7, DenyAuth));
        assert!(meets(DenyAuth, DenyAuth));
        assert!(!meets(Allow, DenyL7));
    }
}
