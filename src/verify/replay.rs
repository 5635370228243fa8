//! Replaying observed flows against the loaded policies: what they would
//! do with the traffic the dataplane saw. Each record's ends are resolved
//! against the loaded manifests (a pod by name or address, a Service by
//! its address, anything else an external peer); replies are counted
//! apart, since conntrack passes them without policy; identical flows are
//! judged once.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;

use serde::Serialize;

use super::flow::flow_request;
use crate::dialect::common::IntOrString;
use crate::load::{FlowSpec, ObservedEnd, ObservedFlow, ObservedVerdict};
use crate::model::{Cluster, Span};
use crate::sim::eval::{Decider, Evaluator, Outcome, Verdict};
use crate::sim::request::Naming;
use crate::sim::resolve::flows_by_range;

/// A resolved flow: the ends as references the resolver reads, and what
/// the policies may look at besides.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Key {
    from: String,
    to: String,
    protocol: Option<String>,
    port: Option<u16>,
    icmp: (Option<u8>, Option<u8>),
    method: Option<String>,
    path: Option<String>,
}

/// Which rule decided a flow: a direction and its decider, located.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub(crate) struct Rule {
    pub direction: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// `rule`, `end-of-tier`, `profile`, `not-policed`, ...
    pub step: String,
    /// Where the rule is written, `file:line:col`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

impl Rule {
    fn of(direction: &'static str, d: &Decider) -> Rule {
        Rule {
            direction,
            tier: d.tier.clone(),
            policy: d.policy.clone(),
            rule: d.rule.clone(),
            step: d.step.clone(),
            at: d.at.clone(),
        }
    }
}

#[derive(Clone, Debug)]
enum Judgement {
    Allowed(Rule),
    Denied(Rule),
    /// The ends resolved, the flow did not (a Service that selects no
    /// pod, a port missing).
    Unresolved(String),
}

/// One flow of a group, shown as its example.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Example {
    /// `file:line` of the record.
    pub at: String,
    pub from: String,
    pub to: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

/// The flows one rule decided.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Group {
    #[serde(flatten)]
    pub rule: Rule,
    pub count: u64,
    /// Of those, the ones the dataplane was seen doing otherwise
    /// (forwarded for a denied group, dropped for an allowed one).
    pub observed_otherwise: u64,
    pub example: Example,
}

/// Records whose ends or flow do not resolve, by end and reason.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Unresolved {
    pub end: String,
    pub reason: String,
    pub count: u64,
    pub example: String,
}

/// What replaying a set of records found.
#[derive(Clone, Debug, Default, Serialize)]
pub(crate) struct ReplayReport {
    /// Records that carry a flow.
    pub total: u64,
    pub allowed: u64,
    pub denied: u64,
    /// Reply packets: counted, not judged.
    pub replies: u64,
    pub unresolved: u64,
    /// Judged records that say what the dataplane did (CSV rows do not).
    pub observed: u64,
    /// Denied flows that the dataplane was seen forwarding: what applying
    /// the policies would break.
    pub would_break: u64,
    /// Allowed flows that the dataplane was seen dropping.
    pub would_allow: u64,
    /// Distinct flows judged (the rest reused a judgement).
    pub distinct_flows: u64,
    /// Denied flows by deciding rule, most first.
    pub denied_by: Vec<Group>,
    /// Allowed flows the dataplane dropped, by deciding rule, most first.
    pub newly_allowed_by: Vec<Group>,
    pub unresolved_ends: Vec<Unresolved>,
}

/// Judges observed flows one at a time, keeping counts and groups.
pub(crate) struct Replayer<'a> {
    evaluator: &'a Evaluator<'a>,
    cluster: &'a Cluster,
    locate: &'a dyn Fn(Span) -> String,
    pods: HashMap<(String, String), usize>,
    pod_ips: HashMap<IpAddr, usize>,
    cache: HashMap<Key, Judgement>,
    report: ReplayReport,
    denied: BTreeMap<Rule, Group>,
    newly_allowed: BTreeMap<Rule, Group>,
    unresolved: BTreeMap<(String, String), Unresolved>,
}

impl<'a> Replayer<'a> {
    pub(crate) fn new(
        evaluator: &'a Evaluator<'a>,
        cluster: &'a Cluster,
        locate: &'a dyn Fn(Span) -> String,
    ) -> Self {
        let mut pods = HashMap::new();
        let mut pod_ips = HashMap::new();
        for (i, ep) in cluster.endpoints.iter().enumerate() {
            pods.insert((ep.namespace.clone(), ep.name.clone()), i);
            // A hostNetwork pod's address is its node's.
            if !ep.host_network {
                for ip in &ep.ips {
                    pod_ips.entry(*ip).or_insert(i);
                }
            }
        }
        Replayer {
            evaluator,
            cluster,
            locate,
            pods,
            pod_ips,
            cache: HashMap::new(),
            report: ReplayReport::default(),
            denied: BTreeMap::new(),
            newly_allowed: BTreeMap::new(),
            unresolved: BTreeMap::new(),
        }
    }

    fn pod_reference(&self, index: usize) -> String {
        let ep = &self.cluster.endpoints[index];
        format!("{}/pod/{}", ep.namespace, ep.name)
    }

    /// The reference the resolver reads for an end, or the end as the
    /// record names it and why it does not resolve.
    fn reference(&self, end: &ObservedEnd) -> Result<String, (String, String)> {
        if let Some(hep) = &end.host_endpoint {
            return Ok(format!("hep:{hep}"));
        }
        if let (Some(ns), Some(pod)) = (&end.namespace, &end.pod) {
            if let Some(&i) = self.pods.get(&(ns.clone(), pod.clone())) {
                return Ok(self.pod_reference(i));
            }
            // Calico aggregates a workload's pods as `prefix-*`: any of its
            // pods stands for them (they share labels and ports).
            if let Some(prefix) = pod.strip_suffix('*') {
                let found = self
                    .cluster
                    .endpoints
                    .iter()
                    .position(|e| &e.namespace == ns && e.name.starts_with(prefix));
                if let Some(i) = found {
                    return Ok(self.pod_reference(i));
                }
            }
            return Err((
                format!("{ns}/{pod}"),
                "no such pod in the loaded manifests".into(),
            ));
        }
        match end.ip {
            Some(ip) => Ok(match self.pod_ips.get(&ip) {
                Some(&i) => self.pod_reference(i),
                // A Service address, a node, a host endpoint, or outside.
                None => ip.to_string(),
            }),
            None => Err((
                "(no pod, no address)".into(),
                "the record names neither a pod nor an address".into(),
            )),
        }
    }

    fn unresolved(&mut self, end: String, reason: String, at: &dyn Fn() -> String) {
        self.report.unresolved += 1;
        self.unresolved
            .entry((end.clone(), reason.clone()))
            .or_insert_with(|| Unresolved {
                end,
                reason,
                count: 0,
                example: at(),
            })
            .count += 1;
    }

    /// Judges one record; `at` names where it is written.
    pub(crate) fn record(&mut self, flow: &ObservedFlow, at: &dyn Fn() -> String) {
        self.report.total += 1;
        if flow.reply {
            self.report.replies += 1;
            return;
        }
        let ends = self
            .reference(&flow.src)
            .and_then(|from| self.reference(&flow.dst).map(|to| (from, to)));
        let (from, to) = match ends {
            Ok(ends) => ends,
            Err((end, reason)) => return self.unresolved(end, reason, at),
        };
        let key = Key {
            from,
            to,
            protocol: flow.protocol.clone(),
            port: flow.port,
            icmp: (flow.icmp_type, flow.icmp_code),
            method: flow.method.clone(),
            path: flow.path.clone(),
        };
        let judgement = match self.cache.get(&key) {
            Some(j) => j.clone(),
            None => {
                let j = self.judge(&key);
                self.report.distinct_flows += 1;
                self.cache.insert(key.clone(), j.clone());
                j
            }
        };
        let example = || Example {
            at: at(),
            from: key.from.replacen("/pod/", "/", 1),
            to: key.to.replacen("/pod/", "/", 1),
            protocol: key.protocol.clone(),
            port: key.port,
        };
        if flow.observed.is_some() && !matches!(judgement, Judgement::Unresolved(_)) {
            self.report.observed += 1;
        }
        let (groups, otherwise, rule) = match judgement {
            Judgement::Unresolved(reason) => {
                let end = format!("{} -> {}", example().from, example().to);
                return self.unresolved(end, reason, at);
            }
            Judgement::Denied(rule) => {
                self.report.denied += 1;
                let broke = flow.observed == Some(ObservedVerdict::Forwarded);
                self.report.would_break += u64::from(broke);
                (&mut self.denied, broke, rule)
            }
            Judgement::Allowed(rule) => {
                self.report.allowed += 1;
                let dropped = flow.observed == Some(ObservedVerdict::Dropped);
                if !dropped {
                    return;
                }
                self.report.would_allow += 1;
                (&mut self.newly_allowed, true, rule)
            }
        };
        let group = groups.entry(rule.clone()).or_insert_with(|| Group {
            rule,
            count: 0,
            observed_otherwise: 0,
            example: example(),
        });
        group.count += 1;
        group.observed_otherwise += u64::from(otherwise);
    }

    fn judge(&self, key: &Key) -> Judgement {
        let spec = FlowSpec {
            from: key.from.clone(),
            to: key.to.clone(),
            port: key.port.map(|p| IntOrString::Int(i64::from(p))),
            protocol: key.protocol.clone().map(IntOrString::Str),
            src_port: None,
            icmp_type: key.icmp.0,
            icmp_code: key.icmp.1,
            method: key.method.clone(),
            path: key.path.clone(),
            host: None,
            headers: BTreeMap::new(),
            l7: BTreeMap::new(),
            auth: None,
            expect: None,
        };
        let request = match flow_request(&spec) {
            Ok(r) => r,
            Err(e) => return Judgement::Unresolved(e.worded(Naming::FlowsFile)),
        };
        let flows = match flows_by_range(self.evaluator, self.cluster, &request, "default") {
            Ok(f) => f,
            Err(e) => return Judgement::Unresolved(e.message),
        };
        let outcomes: Vec<Outcome> = flows
            .into_iter()
            .map(|f| {
                let mut o = self.evaluator.evaluate(f);
                o.locate(self.locate);
                o
            })
            .collect();
        // A Service's address is judged for every backend: the packet may
        // reach any of them, so one denying backend denies.
        let denied = outcomes.iter().find(|o| o.verdict == Verdict::Deny);
        match (denied, outcomes.first()) {
            (Some(o), _) => Judgement::Denied(if !o.egress.verdict.is_allow() {
                Rule::of("egress", &o.egress.decided_by)
            } else {
                Rule::of("ingress", &o.ingress.decided_by)
            }),
            (None, Some(o)) => Judgement::Allowed(Rule::of("ingress", &o.ingress.decided_by)),
            (None, None) => Judgement::Unresolved("no flow to judge".into()),
        }
    }

    /// The report, groups sorted by count (most first), then by rule.
    pub(crate) fn finish(mut self) -> ReplayReport {
        let sorted = |groups: BTreeMap<Rule, Group>| {
            let mut v: Vec<Group> = groups.into_values().collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.rule.cmp(&b.rule)));
            v
        };
        self.report.denied_by = sorted(self.denied);
        self.report.newly_allowed_by = sorted(self.newly_allowed);
        let mut unresolved: Vec<Unresolved> = self.unresolved.into_values().collect();
        unresolved.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.end.cmp(&b.end)));
        self.report.unresolved_ends = unresolved;
        self.report
    }
}
