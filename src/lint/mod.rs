//! `polctl lint`: policies that load cleanly but probably do not do what
//! their author meant, each finding located on the YAML that causes it.
//!
//! The room sits above `sim`: a lint reads the loaded objects (`load`,
//! the dialect types with their spans), the compiled IR (`model`) and the
//! reachability engine (`sim`), and judges intent; none of those layers
//! reads it. Lints that judge the compiled policy against the loaded
//! cluster (what a rule selects, what earlier rules already decide) are in
//! `reach.rs` and work for every dialect alike. Lints that read the shape
//! of one language's YAML, or a quirk of how a dataplane treats it, are in
//! one file per dialect (`k8s.rs`, `npapi.rs`, `calico.rs`), next to each
//! other rather than beside the dialect's compiler: a dialect folder may
//! not read the loaded cluster or the reach engine, and a lint needs both.

mod calico;
mod k8s;
mod npapi;
mod reach;

use std::fmt;

use serde::Serialize;

use crate::load::Inventory;
use crate::model::Span;
use crate::model::policy::{Policy, PolicySet};
use crate::sim::eval::Evaluator;
use crate::sim::reach::Coverage;

/// What a finding does to the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not reported.
    Allow,
    /// Reported; fails the run only with `--deny-warnings`.
    Warn,
    /// Reported; fails the run (exit 1).
    Deny,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        })
    }
}

/// A lint: its name, default level and what it looks for.
#[derive(Debug, PartialEq, Eq, Serialize)]
pub struct Lint {
    pub name: &'static str,
    pub default: Level,
    /// One line: what the lint reports.
    pub summary: &'static str,
    /// Why it matters and what to do.
    pub explanation: &'static str,
}

impl Lint {
    /// `polctl::lint::<name>`, the diagnostic code.
    pub fn code(&self) -> String {
        format!("polctl::lint::{}", self.name)
    }
}

macro_rules! lints {
    ($($ident:ident = $name:literal, $level:ident, $summary:literal, $explanation:literal;)*) => {
        $(
            pub(crate) static $ident: Lint = Lint {
                name: $name,
                default: Level::$level,
                summary: $summary,
                explanation: $explanation,
            };
        )*
        /// Every lint, in the order `--list` shows them.
        pub static LINTS: &[&Lint] = &[$(&$ident),*];
    };
}

lints! {
    POLICY_SELECTS_NOTHING = "policy_selects_nothing", Warn,
        "a policy selects no endpoint of the loaded cluster",
        "Its selector matches no pod (or host endpoint) loaded, so it protects nothing; a typo in a label or namespace is the usual cause. Only reported when the inputs hold endpoints.";
    PEER_SELECTS_NOTHING = "peer_selects_nothing", Warn,
        "a rule peer selects nothing in the loaded cluster",
        "The peer's selectors match no endpoint, host endpoint or network set loaded, so the rule never matches that peer. Only reported when the inputs hold endpoints.";
    SHADOWED_POLICY = "shadowed_policy", Warn,
        "a policy whose every flow is decided by earlier policies of its tier",
        "At every endpoint it selects, policies evaluated before it in the same tier already decide each flow its rules match (and isolate the endpoint), so removing it changes nothing. Decided on the verdict matrix's identity classes and port pieces, not by comparing text.";
    UNREACHABLE_RULE = "unreachable_rule", Warn,
        "a rule that never fires because earlier rules of its policy match everything it matches",
        "At every endpoint the policy selects, each flow the rule matches is matched first by an earlier rule that decides (Allow, Deny or Pass), so the rule never takes effect. Decided on the verdict matrix's identity classes and port pieces, not by comparing text.";
    PASS_TO_NOTHING = "pass_to_nothing", Warn,
        "a Pass rule with no later tier to pass to",
        "Pass skips to the next tier that has a policy for the endpoint; when there is none (the last tier, or no later tier selects these endpoints) the profiles decide, which for pods means allow.";
    UNDEFINED_TIER = "undefined_tier", Deny,
        "a policy names a tier that no Tier object defines",
        "Calico refuses a policy whose tier does not exist. polctl evaluates it last with a Deny default; load the Tier object, or fix the name.";
    UNKNOWN_NAMED_PORT = "unknown_named_port", Warn,
        "a named port that no pod it could apply to defines",
        "A named port resolves on the destination pod: for ingress the pods the policy selects, for egress the pods the rule's peer selects. When none of them declares the name (with that protocol) the port matches nothing.";
    CALICO_HTTP_IGNORED = "calico_http_ignored", Warn,
        "a Calico HTTP match that is never enforced",
        "Calico enforces HTTP matches only on ingress Allow rules, and only with application layer policy (Dikastes); the L3/L4 dataplane ignores them, so such a rule admits every request of the connection.";
    SPLIT_PEER = "split_peer", Warn,
        "a NetworkPolicy peer split into a namespaceSelector item and a podSelector item",
        "`- namespaceSelector: ...` followed by `- podSelector: ...` are two peers (OR): every pod of the selected namespaces, plus the selected pods of the policy's own namespace. Pods in those namespaces was likely meant: one item holding both selectors (AND).";
    IPBLOCK_IGNORED_FOR_PODS = "ipblock_ignored_for_pods", Warn,
        "a CIDR peer covering pod addresses, which Cilium does not match",
        "Cilium's CIDR rules (ipBlock, toCIDR, fromCIDRSet) never match endpoints it manages or node addresses: the pods in range are not allowed (or denied) by this peer. Select them by label.";
    IPBLOCK_COVERS_PODS = "ipblock_covers_pods", Warn,
        "an ipBlock or nets peer covering pod addresses",
        "Calico (and polctl's reading of the Kubernetes API) matches pods in range by address, Cilium never does; pod addresses change when pods restart. When the addresses are polctl's synthetic ones, the verdict depends on addresses polctl invented. Select pods by label; keep ipBlock for addresses outside the cluster.";
    ANP_NAMED_PORT_WIDENED = "anp_named_port_widened", Deny,
        "an AdminNetworkPolicy namedPort that Calico 3.29-3.31 widens to every port",
        "Calico 3.29-3.31 does not implement namedPort in AdminNetworkPolicy and converts the rule with no port constraint: it applies to every protocol and port. Use portNumber or portRange, or Calico 3.32's ClusterNetworkPolicy.";
    POLICY_TYPES_MISMATCH = "policy_types_mismatch", Warn,
        "NetworkPolicy rules in a direction policyTypes leaves out",
        "The API ignores the ingress (or egress) rules when policyTypes does not list the direction, and Calico follows it; Cilium enforces the rules anyway and isolates the direction (cilium#48703). Either list the direction or remove the rules.";
}

/// Looks a lint up by name: `unreachable_rule`, `unreachable-rule` or
/// `polctl::lint::unreachable_rule`.
pub fn find(name: &str) -> Option<&'static Lint> {
    let name = name.strip_prefix("polctl::lint::").unwrap_or(name);
    let name = name.replace('-', "_");
    LINTS.iter().copied().find(|l| l.name == name)
}

/// The lint whose name is closest to a misspelt one.
pub fn suggest(name: &str) -> Option<&'static str> {
    let name = name.strip_prefix("polctl::lint::").unwrap_or(name);
    let name = name.replace('-', "_");
    LINTS
        .iter()
        .map(|l| (strsim::jaro_winkler(l.name, &name), l.name))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

/// The policy a finding concerns, as `get policies` names it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct PolicyRef {
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl PolicyRef {
    pub(crate) fn of(policy: &Policy) -> Self {
        PolicyRef {
            kind: policy.kind.clone(),
            namespace: policy.namespace.clone(),
            name: policy.name.clone(),
        }
    }
}

impl fmt::Display for PolicyRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) => write!(f, "{} {ns}/{}", self.kind, self.name),
            None => write!(f, "{} {}", self.kind, self.name),
        }
    }
}

/// One finding, at its lint's default level until [`Levels::apply`].
#[derive(Clone, Debug)]
pub struct Finding {
    pub lint: &'static Lint,
    pub level: Level,
    pub message: String,
    /// The YAML node at fault.
    pub span: Span,
    /// What the label under the node says.
    pub label: String,
    pub help: Option<String>,
    /// The policy it concerns, when it concerns one.
    pub policy: Option<PolicyRef>,
}

impl Finding {
    pub(crate) fn new(lint: &'static Lint, span: Span, message: impl Into<String>) -> Self {
        Finding {
            lint,
            level: lint.default,
            message: message.into(),
            span,
            label: "here".into(),
            help: None,
            policy: None,
        }
    }

    pub(crate) fn label(mut self, label: impl Into<String>) -> Self {
        self.label = label.into();
        self
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn policy(mut self, policy: PolicyRef) -> Self {
        self.policy = Some(policy);
        self
    }
}

/// Levels set on the command line, in order (a later setting of the same
/// lint wins, as with rustc's `-W`/`-A`/`-D`).
#[derive(Clone, Debug, Default)]
pub struct Levels {
    pub overrides: Vec<(&'static Lint, Level)>,
    /// `--deny-warnings`: warnings fail the run too.
    pub deny_warnings: bool,
}

impl Levels {
    /// The level of a lint: its last override, else its default.
    pub fn of(&self, lint: &Lint) -> Level {
        self.overrides
            .iter()
            .rev()
            .find(|(l, _)| std::ptr::eq(*l, lint))
            .map_or(lint.default, |(_, level)| *level)
    }

    /// Sets each finding's level and drops the allowed ones.
    pub fn apply(&self, findings: Vec<Finding>) -> Vec<Finding> {
        findings
            .into_iter()
            .map(|mut f| {
                f.level = self.of(f.lint);
                f
            })
            .filter(|f| f.level != Level::Allow)
            .collect()
    }

    /// Whether the findings fail the run.
    pub fn fails(&self, findings: &[Finding]) -> bool {
        findings
            .iter()
            .any(|f| f.level == Level::Deny || (self.deny_warnings && f.level == Level::Warn))
    }
}

/// Every finding on what was loaded and compiled, at default levels, in
/// file and position order. `describe policy` filters them with
/// [`concerning`].
pub fn lint(inventory: &Inventory, set: &PolicySet) -> Vec<Finding> {
    let evaluator = Evaluator::new(set, &inventory.cluster);
    let coverage = Coverage::compute(&evaluator, &inventory.cluster);
    let mut out = Vec::new();
    let cx = reach::Ctx {
        ev: &evaluator,
        coverage: &coverage,
        set,
        inventory,
    };
    reach::lint(&cx, &mut out);
    k8s::lint(inventory, set, &mut out);
    npapi::lint(inventory, set, &mut out);
    calico::lint(inventory, set, &mut out);
    out.sort_by(|a, b| {
        (a.span.file, a.span.start, a.lint.name).cmp(&(b.span.file, b.span.start, b.lint.name))
    });
    out.dedup_by(|a, b| a.span == b.span && a.lint == b.lint && a.message == b.message);
    out
}

/// The findings that concern one policy.
pub fn concerning<'f>(
    findings: &'f [Finding],
    policy: &'f PolicyRef,
) -> impl Iterator<Item = &'f Finding> + 'f {
    findings
        .iter()
        .filter(move |f| f.policy.as_ref() == Some(policy))
}
