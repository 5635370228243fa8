//! What the evaluator saw and decided, step by step: the trace a user reads
//! to learn why a flow is allowed or denied.
//!
//! Positions are kept as spans; [`Outcome::locate`] turns them into
//! `file:line:col` strings (the `at` fields) once the caller knows the
//! sources.

use serde::Serialize;

use super::hint::Hint;
pub use super::hint::PlacedHint;
use super::reply::Reply;
use crate::model::policy::{Action, Direction, TierDefault};
use crate::model::{Flow, Span};

/// Allow or deny.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Allow,
    Deny,
}

impl Verdict {
    pub fn is_allow(self) -> bool {
        self == Verdict::Allow
    }
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Allow => "allow",
            Verdict::Deny => "deny",
        })
    }
}

/// Where a denied flow was stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layer {
    /// Dropped by the L3/L4 dataplane.
    L3l4,
    /// The connection is admitted but the request is refused by the
    /// application-layer proxy.
    L7,
    /// Mutual authentication failed.
    Auth,
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Layer::L3l4 => "l3l4",
            Layer::L7 => "l7",
            Layer::Auth => "auth",
        })
    }
}

/// One criterion of a rule and how it fared.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CriterionTrace {
    /// What was tested, e.g. "source selector `role == 'web'`".
    pub test: String,
    pub matched: bool,
    /// Why, e.g. "did not match shop/api {app=backend}".
    pub reason: String,
    /// Alternatives of an any-of criterion.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub alternatives: Vec<AlternativeTrace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip)]
    pub origin: Option<Span>,
    /// What the reason refers to that the user supplies, until
    /// [`Outcome::word`] words it into the reason.
    #[serde(skip)]
    pub hint: Option<PlacedHint>,
    /// What the client gets, until [`Outcome::word`] appends it to the
    /// reason.
    #[serde(skip)]
    pub reply: Option<Reply>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AlternativeTrace {
    pub label: String,
    pub matched: bool,
    pub criteria: Vec<CriterionTrace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip)]
    pub origin: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RuleTrace {
    pub rule: String,
    pub action: Action,
    pub matched: bool,
    pub criteria: Vec<CriterionTrace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip)]
    pub origin: Option<Span>,
}

/// What a visited policy did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicyResult {
    /// A rule matched with a final or tier-ending action.
    Matched(Action),
    /// No rule matched; evaluation moves to the next policy.
    NoMatch,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicyTrace {
    pub kind: String,
    pub dialect: String,
    /// `namespace/name` or `name`.
    pub policy: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<f64>,
    /// The subject selector that selected the endpoint.
    pub selector: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staged: Option<String>,
    pub rules: Vec<RuleTrace>,
    pub result: PolicyResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip)]
    pub origin: Option<Span>,
}

/// How a tier ended for the endpoint.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TierResult {
    /// A rule allowed or denied.
    Decided { verdict: Verdict },
    /// A rule passed to the next tier.
    Passed,
    /// Policies selected the endpoint and no rule decided: the tier's
    /// default action. `trigger` is the first policy that selected it.
    EndOfTier {
        default_action: TierDefault,
        trigger: String,
    },
    /// Only policies that do not isolate selected it (or only staged ones
    /// in the enforced view): nothing happens.
    FellThrough,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierTrace {
    pub tier: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<f64>,
    pub default_action: TierDefault,
    pub policies: Vec<PolicyTrace>,
    pub result: TierResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip)]
    pub origin: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ProfileTrace {
    pub profile: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implicit: Option<String>,
    pub rules: Vec<RuleTrace>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub result: Option<Action>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip)]
    pub origin: Option<Span>,
}

/// What decided a direction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Decider {
    /// `rule`, `profile`, `end-of-tier`, `no-profile`, `failsafe`,
    /// `not-policed`, `local`, or `auth` (an allowed flow whose rule
    /// requires mutual authentication, which failed).
    pub step: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// The deciding policy's kind as written: two policies of one name
    /// differ by it (the reachability graph names the policy with it).
    #[serde(skip)]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// The deciding policy is staged (pending view only).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub staged: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(skip)]
    pub origin: Option<Span>,
}

/// One direction: the egress of the source or the ingress of the
/// destination.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DirectionTrace {
    pub direction: Direction,
    /// The endpoint whose policy applies, e.g. `shop/api-0`.
    pub endpoint: String,
    pub verdict: Verdict,
    pub decided_by: Decider,
    /// Why no policy applies at all, when that is the case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unpoliced: Option<String>,
    /// The failsafe rule that allowed a host endpoint's traffic before
    /// any policy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failsafe: Vec<RuleTrace>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tiers: Vec<TierTrace>,
    /// Tiers with no policy selecting the endpoint for this direction.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub skipped_tiers: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub profiles: Vec<ProfileTrace>,
}

/// Both directions under one view of the policies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evaluation {
    pub verdict: Verdict,
    pub egress: DirectionTrace,
    pub ingress: DirectionTrace,
}

/// How the caller words what the evaluator leaves structured.
pub(crate) trait Words {
    /// A hint: what the user could give (a flag, or a flows-file key).
    fn hint(&self, hint: &Hint) -> String;
    /// What a refused client gets.
    fn reply(&self, reply: &Reply) -> String;
}

/// The result of simulating one flow.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Outcome {
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub denied_at: Option<Layer>,
    /// For an L7 or authentication refusal: the rule that admitted the
    /// connection whose request (or handshake) was then refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused_by: Option<Decider>,
    /// What the client observes when the flow is denied: a silent drop, an
    /// HTTP 403 from the proxy, a Kafka or DNS error.
    #[serde(skip)]
    pub client_reply: Option<Reply>,
    /// `client_reply` in words, once [`Outcome::word`] has run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_sees: Option<String>,
    /// The verdict with staged policies enforced; present when staged
    /// policies are loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_verdict: Option<Verdict>,
    /// The staged policy that makes the pending verdict differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_decided_by: Option<Decider>,
    /// The connection is allowed, and an application-layer proxy checks
    /// each of its requests: some requests may still be refused.
    pub l7_filtered: bool,
    /// For an L7-filtered flow: the rules that admit the connection and
    /// send its requests to the proxy (egress, then ingress).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub l7_filtered_by: Vec<Decider>,
    pub flow: Flow,
    pub egress: DirectionTrace,
    pub ingress: DirectionTrace,
    /// The traces with staged policies enforced, when they differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending: Option<Box<Evaluation>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

impl Outcome {
    /// Fills every `at` from the spans, with `locate` naming a span as
    /// `file:line:col`.
    pub fn locate(&mut self, locate: &dyn Fn(Span) -> String) {
        locate_direction(&mut self.egress, locate);
        locate_direction(&mut self.ingress, locate);
        if let Some(d) = &mut self.pending_decided_by {
            d.at = d.origin.map(locate);
        }
        if let Some(d) = &mut self.refused_by {
            d.at = d.origin.map(locate);
        }
        for d in &mut self.l7_filtered_by {
            d.at = d.origin.map(locate);
        }
        if let Some(p) = &mut self.pending {
            locate_direction(&mut p.egress, locate);
            locate_direction(&mut p.ingress, locate);
        }
    }
}

impl Outcome {
    /// Words every hint and reply into its reason, and what the client sees
    /// (the renderer knows whether the user typed flags or wrote a flows
    /// file, and which dataplane answers).
    pub(crate) fn word(&mut self, words: &dyn Words) {
        self.client_sees = self.client_reply.as_ref().map(|r| words.reply(r));
        let mut each = |c: &mut CriterionTrace| {
            // The reply ends the reason; a hint sits before it.
            if let Some(reply) = c.reply.take() {
                c.reason.push_str(&words.reply(&reply));
            }
            if let Some(PlacedHint { at, hint }) = c.hint.take() {
                let at = at.min(c.reason.len());
                c.reason
                    .insert_str(at, &format!(" ({})", words.hint(&hint)));
            }
        };
        visit_criteria(&mut self.egress, &mut each);
        visit_criteria(&mut self.ingress, &mut each);
        if let Some(p) = &mut self.pending {
            visit_criteria(&mut p.egress, &mut each);
            visit_criteria(&mut p.ingress, &mut each);
        }
    }
}

fn visit_criteria(d: &mut DirectionTrace, f: &mut dyn FnMut(&mut CriterionTrace)) {
    fn all(criteria: &mut [CriterionTrace], f: &mut dyn FnMut(&mut CriterionTrace)) {
        for c in criteria {
            f(c);
            for alt in &mut c.alternatives {
                all(&mut alt.criteria, f);
            }
        }
    }
    for tier in &mut d.tiers {
        for policy in &mut tier.policies {
            for rule in &mut policy.rules {
                all(&mut rule.criteria, f);
            }
        }
    }
    for profile in &mut d.profiles {
        for rule in &mut profile.rules {
            all(&mut rule.criteria, f);
        }
    }
}

fn locate_direction(d: &mut DirectionTrace, locate: &dyn Fn(Span) -> String) {
    d.decided_by.at = d.decided_by.origin.map(locate);
    for tier in &mut d.tiers {
        tier.at = tier.origin.map(locate);
        for policy in &mut tier.policies {
            policy.at = policy.origin.map(locate);
            locate_rules(&mut policy.rules, locate);
        }
    }
    for profile in &mut d.profiles {
        profile.at = profile.origin.map(locate);
        locate_rules(&mut profile.rules, locate);
    }
}

fn locate_rules(rules: &mut [RuleTrace], locate: &dyn Fn(Span) -> String) {
    for rule in rules {
        rule.at = rule.origin.map(locate);
        locate_criteria(&mut rule.criteria, locate);
    }
}

fn locate_criteria(criteria: &mut [CriterionTrace], locate: &dyn Fn(Span) -> String) {
    for c in criteria {
        c.at = c.origin.map(locate);
        for alt in &mut c.alternatives {
            alt.at = alt.origin.map(locate);
            locate_criteria(&mut alt.criteria, locate);
        }
    }
}

/// A flow's verdict without its trace (`Evaluator::probe`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Probe {
    /// Allowed at L3/L4 (authentication assumed to succeed, requests not
    /// looked at).
    pub allowed: bool,
    /// An application-layer proxy checks the requests: some are refused.
    pub l7: bool,
    /// A failed mutual authentication would drop it.
    pub auth: bool,
    /// The policies that decided, egress then ingress (`tier/ns/name`).
    pub policies: Vec<String>,
}
