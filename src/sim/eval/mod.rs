//! The evaluator: one flow through the policy IR, per direction, with the
//! full trace (SEMANTICS.md §A1, as Felix renders it and Dikastes
//! re-implements it in `checkTiers`):
//!
//! ```text
//! for tier in tiers:                      policies selecting the endpoint
//!     skip the tier if none selects it    and governing the direction
//!     for policy, for rule: first match   Allow/Deny final, Pass -> next tier,
//!                                         Log continues
//!     no decision: the tier's default     (Deny, or Pass), when a policy
//!                                         that isolates selected it
//! profiles in order: first Allow/Deny     none: deny
//! ```
//!
//! A flow is allowed when the source's egress and the destination's ingress
//! both allow it. Staged policies are evaluated in a second, pending view.

mod criteria;
pub(crate) mod hint;
mod http;
pub(crate) mod identity;
pub mod keys;
pub(crate) mod l7;
mod peers;
mod reply;
pub(crate) mod trace;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock, RwLock};

use criteria::Ctx;
pub use criteria::Holes;
pub(crate) use criteria::describe_owner;
use identity::{Identities, Owner};
pub use reply::Reply;
pub use trace::*;

use crate::model::policy::{
    Action, Criterion, Direction, Policy, PolicySet, Rule, Side, Staged, TierDefault, decider_name,
};
use crate::model::{Cluster, Flow, FlowEnd, Peer};

/// Which policies count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum View {
    /// What the dataplane enforces: staged policies are left out.
    Enforced,
    /// As if staged policies were applied (`policies.pending` in Calico's
    /// flow logs).
    Pending,
}

/// For each tier, the indexes of its policies that select an endpoint.
pub(crate) type Selection = Arc<Vec<Vec<usize>>>;

/// The endpoint whose policy applies at one end of a flow.
enum Enforcer<'a> {
    Pod(&'a Owner, usize),
    Host(&'a Owner, usize),
    /// A node under Cilium host policies.
    Node(&'a Owner),
    /// Nothing enforces policy here; the reason is shown.
    Unpoliced(String),
}

/// Evaluates flows against a compiled policy set.
pub struct Evaluator<'a> {
    set: &'a PolicySet,
    cluster: &'a Cluster,
    ids: Identities,
    /// (tier, policy) indexes of enforced policies a staged policy replaces
    /// or deletes in the pending view.
    overridden: HashSet<(usize, usize)>,
    has_staged: bool,
    /// Cilium host policies are loaded: nodes are enforcing endpoints
    /// (the host firewall).
    host_policies: bool,
    /// Per endpoint, direction and view: the indexes of the policies of
    /// each tier that select it. Endpoints do not change, and most flows
    /// share endpoints, so selection is computed once per endpoint.
    selection: RwLock<HashMap<(identity::OwnerKind, Direction, View), Selection>>,
    /// Per pod: the names of its profiles.
    profiles: RwLock<HashMap<usize, Arc<Vec<String>>>>,
    /// What resolving flow requests reuses, built on first use.
    lookup: OnceLock<crate::sim::resolve::Lookup>,
}

impl<'a> Evaluator<'a> {
    pub fn new(set: &'a PolicySet, cluster: &'a Cluster) -> Self {
        let mut overridden = HashSet::new();
        let staged: Vec<(String, String, Option<&str>, &str)> = set
            .policies()
            .filter(|(_, p)| p.staged.is_some())
            .map(|(t, p)| {
                (
                    t.name.clone(),
                    p.enforced_kind.clone(),
                    p.namespace.as_deref(),
                    p.name.as_str(),
                )
            })
            .collect();
        for (ti, tier) in set.tiers.iter().enumerate() {
            for (pi, p) in tier.policies.iter().enumerate() {
                if p.staged.is_some() {
                    continue;
                }
                if staged.iter().any(|(t, k, ns, name)| {
                    *t == tier.name
                        && *k == p.enforced_kind
                        && *ns == p.namespace.as_deref()
                        && *name == p.name
                }) {
                    overridden.insert((ti, pi));
                }
            }
        }
        Evaluator {
            set,
            cluster,
            ids: Identities::new(cluster, &set.profiles),
            overridden,
            has_staged: !staged.is_empty(),
            host_policies: set.host_firewall,
            selection: RwLock::new(HashMap::new()),
            profiles: RwLock::new(HashMap::new()),
            lookup: OnceLock::new(),
        }
    }

    /// Pods and workloads by name and the CIDRs the rules tell apart, for
    /// resolving flow requests.
    pub(crate) fn lookup(&self) -> &crate::sim::resolve::Lookup {
        self.lookup
            .get_or_init(|| crate::sim::resolve::Lookup::new(self.set, self.cluster))
    }

    pub fn identities(&self) -> &Identities {
        &self.ids
    }

    pub(crate) fn policy_set(&self) -> &PolicySet {
        self.set
    }

    pub(crate) fn cluster(&self) -> &'a Cluster {
        self.cluster
    }

    /// Simulates one flow: both directions, the enforced verdict, where a
    /// denial happened, and the pending verdict when policies are staged.
    pub fn evaluate(&self, flow: Flow) -> Outcome {
        self.evaluate_in(flow, None)
    }

    /// [`Evaluator::evaluate`] with `holes` standing for each end's name,
    /// description and address in the traces (see [`keys`]).
    pub fn evaluate_templated(&self, flow: Flow, holes: &Holes) -> Outcome {
        self.evaluate_in(flow, Some(holes))
    }

    fn evaluate_in(&self, flow: Flow, holes: Option<&Holes>) -> Outcome {
        let mut ctx = match holes {
            Some(h) => Ctx::templated(self.cluster, &self.ids, &flow, &self.set.dataplane, h),
            None => Ctx::new(self.cluster, &self.ids, &flow, &self.set.dataplane),
        };
        let enforced = self.both(&ctx, View::Enforced);
        let (denied_at, refused_by) = if enforced.verdict.is_allow() {
            (None, None)
        } else {
            let (layer, by) = self.denied_at(&mut ctx, &enforced);
            (Some(layer), by)
        };
        let client_reply = denied_at.map(|layer| match layer {
            Layer::L3l4 => Reply::Dropped,
            Layer::L7 => ctx
                .l7_response
                .borrow()
                .clone()
                .unwrap_or(Reply::ProxyError),
            Layer::Auth => Reply::AuthenticationRequired,
        });
        let l7_filtered_by = if enforced.verdict.is_allow() && ctx.l7_seen.get() {
            self.l7_filters(&mut ctx, &enforced)
        } else {
            Vec::new()
        };
        let (pending_verdict, pending_decided_by, pending) = if self.has_staged {
            let pending = self.both(&ctx, View::Pending);
            let staged_seen = [&pending.egress, &pending.ingress].iter().any(|d| {
                d.tiers
                    .iter()
                    .any(|t| t.policies.iter().any(|p| p.staged.is_some()))
            });
            let decided = (pending.verdict != enforced.verdict).then(|| {
                let changed = if pending.egress.verdict != enforced.egress.verdict {
                    &pending.egress
                } else {
                    &pending.ingress
                };
                changed.decided_by.clone()
            });
            let keep = staged_seen || pending.verdict != enforced.verdict;
            (
                Some(pending.verdict),
                decided,
                keep.then(|| Box::new(pending)),
            )
        } else {
            (None, None, None)
        };
        let mut notes = Vec::new();
        if self.has_staged && pending_verdict == Some(enforced.verdict) {
            notes.push("staged policies do not change the verdict".to_string());
        }
        drop(ctx);
        Outcome {
            verdict: enforced.verdict,
            denied_at,
            refused_by,
            client_reply,
            client_sees: None,
            pending_verdict,
            pending_decided_by,
            l7_filtered: !l7_filtered_by.is_empty(),
            l7_filtered_by,
            flow,
            egress: enforced.egress,
            ingress: enforced.ingress,
            pending,
            notes,
        }
    }

    /// The verdict of one direction alone, for callers that probe many
    /// flows (the reachability graph): allowed at L3/L4, and whether an
    /// application proxy or a failed authentication would refuse some of
    /// it. No trace is kept, and requests are not evaluated.
    pub fn probe(&self, flow: &Flow, dir: Direction) -> Probe {
        let mut ctx = Ctx::quiet(self.cluster, &self.ids, flow, &self.set.dataplane);
        ctx.l7 = false;
        ctx.auth_check.set(false);
        let l4 = self.direction(&ctx, dir, View::Enforced);
        let by = &l4.decided_by;
        let mut probe = Probe {
            allowed: l4.verdict.is_allow(),
            l7: false,
            auth: false,
            policies: by
                .policy
                .as_ref()
                .map(|p| match (&by.tier, &by.kind) {
                    (Some(t), Some(kind)) => decider_name(kind, t, p),
                    (Some(t), None) => format!("{t}/{p}"),
                    (None, _) => p.clone(),
                })
                .into_iter()
                .collect(),
        };
        if !probe.allowed {
            return probe;
        }
        if ctx.l7_seen.get() {
            // Would a request the proxy refuses get through anyway (another
            // rule admits the connection without L7 rules)?
            ctx.l7 = true;
            ctx.refuse_requests = true;
            probe.l7 = !self.direction(&ctx, dir, View::Enforced).verdict.is_allow();
            ctx.l7 = false;
            ctx.refuse_requests = false;
        }
        if ctx.auth_seen.get() {
            let mut failing = flow.clone();
            failing.auth_fails = true;
            let mut ctx = Ctx::quiet(self.cluster, &self.ids, &failing, &self.set.dataplane);
            ctx.l7 = false;
            probe.auth = !self.direction(&ctx, dir, View::Enforced).verdict.is_allow();
        }
        probe
    }

    /// Whether each criterion matches a flow (no trace).
    pub(crate) fn criteria_match(&self, criteria: &[&Criterion], flow: &Flow) -> Vec<bool> {
        let ctx = Ctx::quiet(self.cluster, &self.ids, flow, &self.set.dataplane);
        criteria
            .iter()
            .map(|c| criteria::all(&ctx, std::slice::from_ref(*c)).0)
            .collect()
    }

    /// For each tier, the indexes of the enforced policies that select the
    /// endpoint `peer` stands for and govern `dir`; `None` when no policy
    /// can apply at that end (a hostNetwork pod, an external address).
    pub(crate) fn selecting(&self, peer: &Peer, dir: Direction) -> Option<Selection> {
        let (owner, _, _) = self.policed(self.enforcer(peer)).ok()?;
        Some(self.selection(owner, dir, View::Enforced))
    }

    /// What decides the traffic of `peer` in `dir` when it is a workload
    /// endpoint policed as such: per tier, the enforced policies selecting
    /// it, and its profiles in order. `None` for every other end (host
    /// endpoints, nodes, hostNetwork pods, addresses outside the cluster),
    /// whose verdicts need the evaluator's other steps.
    pub(crate) fn pod_plan(
        &self,
        peer: &Peer,
        dir: Direction,
    ) -> Option<(Selection, Arc<Vec<String>>)> {
        match self.enforcer(peer) {
            Enforcer::Pod(owner, index) => Some((
                self.selection(owner, dir, View::Enforced),
                self.pod_profiles(index),
            )),
            _ => None,
        }
    }

    /// Whether each rule's criteria match a flow at L3/L4: application-layer
    /// and authentication criteria count as met (the connection reaches
    /// the rule; what the proxy or the handshake then does is apart).
    pub(crate) fn rules_match_l4(&self, rules: &[&Rule], flow: &Flow) -> Vec<bool> {
        let mut ctx = Ctx::quiet(self.cluster, &self.ids, flow, &self.set.dataplane);
        ctx.l7 = false;
        ctx.auth_check.set(false);
        rules
            .iter()
            .map(|rule| criteria::all(&ctx, &rule.criteria).0)
            .collect()
    }

    /// The rules that can decide `peer`'s traffic in `dir`: the failsafe
    /// rules of a host endpoint, those of the enforced policies selecting
    /// it, and of its profiles.
    pub(crate) fn rules_for(&self, peer: &Peer, dir: Direction) -> Vec<&'a Rule> {
        let Ok((owner, profiles, is_host)) = self.policed(self.enforcer(peer)) else {
            return Vec::new();
        };
        let set: &'a PolicySet = self.set;
        let selection = self.selection(owner, dir, View::Enforced);
        let mut rules: Vec<&'a Rule> = Vec::new();
        if is_host {
            rules.extend(set.failsafe.rules(dir));
        }
        for (ti, tier) in set.tiers.iter().enumerate() {
            for &pi in &selection[ti] {
                rules.extend(tier.policies[pi].rules(dir).unwrap_or(&[]));
            }
        }
        for name in profiles.iter() {
            if let Some(profile) = set.profiles.get(name) {
                rules.extend(profile.rules(dir));
            }
        }
        rules
    }

    /// Where a denied flow was stopped, and for an L7 or authentication
    /// refusal the rule that admitted the connection and then refused.
    /// Re-evaluates only when a proxy or an authentication check refused:
    /// without them, is it allowed? Authentication happens before the
    /// proxy sees a request.
    fn denied_at(&self, ctx: &mut Ctx, enforced: &Evaluation) -> (Layer, Option<Decider>) {
        let auth = ctx.auth_refused.get();
        let l7 = ctx.l7_refused.get();
        if !auth && !l7 {
            return (Layer::L3l4, None);
        }
        ctx.l7 = false;
        ctx.auth_check.set(false);
        let l4 = self.both(ctx, View::Enforced);
        ctx.auth_check.set(true);
        let (layer, admitted) = if !l4.verdict.is_allow() {
            (Layer::L3l4, None)
        } else if !auth {
            (Layer::L7, Some(l4))
        } else {
            // Authentication alone, with the proxy still out of the way.
            let with_auth = self.both(ctx, View::Enforced);
            if with_auth.verdict.is_allow() {
                (Layer::L7, Some(l4))
            } else {
                (Layer::Auth, Some(l4))
            }
        };
        ctx.l7 = true;
        // The direction that flips names the rule.
        let by = admitted.map(|l4| {
            let flipped = if !enforced.ingress.verdict.is_allow() {
                l4.ingress
            } else {
                l4.egress
            };
            Decider {
                step: layer.to_string(),
                ..flipped.decided_by
            }
        });
        (layer, by)
    }

    /// For an allowed flow whose trace met application-layer rules: the
    /// rules that admit the connection only through the proxy. A direction
    /// counts when a request the proxy refuses would be denied there (no
    /// L3/L4-only rule admits the connection as well).
    fn l7_filters(&self, ctx: &mut Ctx, enforced: &Evaluation) -> Vec<Decider> {
        ctx.refuse_requests = true;
        let refusing = self.both(ctx, View::Enforced);
        ctx.refuse_requests = false;
        [
            (&refusing.egress, &enforced.egress),
            (&refusing.ingress, &enforced.ingress),
        ]
        .into_iter()
        .filter(|(refusing, _)| !refusing.verdict.is_allow())
        .map(|(_, admitted)| Decider {
            step: "l7".into(),
            ..admitted.decided_by.clone()
        })
        .collect()
    }

    fn both(&self, ctx: &Ctx, view: View) -> Evaluation {
        let egress = self.direction(ctx, Direction::Egress, view);
        let ingress = self.direction(ctx, Direction::Ingress, view);
        let verdict = if egress.verdict.is_allow() && ingress.verdict.is_allow() {
            Verdict::Allow
        } else {
            Verdict::Deny
        };
        Evaluation {
            verdict,
            egress,
            ingress,
        }
    }

    fn enforcer(&self, peer: &Peer) -> Enforcer<'_> {
        let cluster = self.cluster;
        let host = |node: Option<&str>, what: String| -> Enforcer<'_> {
            // A host endpoint protects the node's traffic: one whose
            // expectedIPs hold the address, or an all-interfaces (`*`) one
            // on that node.
            let by_ip = cluster
                .host_endpoints
                .iter()
                .position(|h| h.ips.contains(&peer.ip));
            let by_node = || {
                node.and_then(|n| {
                    cluster.host_endpoints.iter().position(|h| {
                        h.node.as_deref() == Some(n) && h.interface.as_deref() == Some("*")
                    })
                })
            };
            match by_ip.or_else(by_node) {
                Some(i) => match self.ids.host_endpoint(i) {
                    Some(owner) => Enforcer::Host(owner, i),
                    None => Enforcer::Unpoliced(what),
                },
                None => Enforcer::Unpoliced(what),
            }
        };
        if self.host_policies {
            // A node (and its hostNetwork pods) is an endpoint that host
            // policies select.
            let node_name = match &peer.end {
                FlowEnd::Node { index } => cluster.nodes.get(*index).map(|n| n.name.as_str()),
                FlowEnd::Pod { index } => cluster
                    .endpoints
                    .get(*index)
                    .filter(|e| e.host_network)
                    .and_then(|e| e.node.as_deref()),
                _ => None,
            };
            if let Some(owner) = node_name
                .and_then(|n| cluster.nodes.iter().position(|x| x.name == n))
                .and_then(|i| self.ids.node(i))
            {
                return Enforcer::Node(owner);
            }
        }
        match &peer.end {
            FlowEnd::Pod { index } => {
                let Some(ep) = cluster.endpoints.get(*index) else {
                    return Enforcer::Unpoliced("unknown pod".into());
                };
                if ep.host_network {
                    return host(
                        ep.node.as_deref(),
                        format!(
                            "{}/{} uses the host network: its traffic is the node's, and no host endpoint protects it",
                            ep.namespace, ep.name
                        ),
                    );
                }
                match self.ids.pod(*index) {
                    Some(owner) => Enforcer::Pod(owner, *index),
                    None => Enforcer::Unpoliced("pod without a workload endpoint".into()),
                }
            }
            FlowEnd::HostEndpoint { index } => match self.ids.host_endpoint(*index) {
                Some(owner) => Enforcer::Host(owner, *index),
                None => Enforcer::Unpoliced("unknown host endpoint".into()),
            },
            FlowEnd::Node { index } => {
                let node = cluster.nodes.get(*index).map(|n| n.name.as_str());
                host(
                    node,
                    format!(
                        "node {} has no host endpoint: its own traffic is not policed",
                        node.unwrap_or("?")
                    ),
                )
            }
            FlowEnd::External => host(
                None,
                format!(
                    "{} is outside the cluster: no policy applies at this end",
                    peer.ip
                ),
            ),
        }
    }

    fn direction(&self, ctx: &Ctx, dir: Direction, view: View) -> DirectionTrace {
        let flow = ctx.flow;
        let (here, there) = match dir {
            Direction::Egress => (&flow.src, &flow.dst),
            Direction::Ingress => (&flow.dst, &flow.src),
        };
        let mut out = DirectionTrace {
            direction: dir,
            endpoint: here.name.clone(),
            verdict: Verdict::Allow,
            decided_by: step("not-policed"),
            unpoliced: None,
            failsafe: Vec::new(),
            tiers: Vec::new(),
            skipped_tiers: Vec::new(),
            profiles: Vec::new(),
        };
        // Traffic that never leaves the pod, and host-to-local-pod traffic,
        // are not subject to policy (Kubernetes: "a pod cannot block access
        // to itself", "traffic to and from the node where a Pod is running is
        // always allowed"; Calico: host to local workload is always allowed).
        if here.end == there.end && matches!(here.end, FlowEnd::Pod { .. }) {
            out.decided_by = step("local");
            out.unpoliced = Some("a pod's traffic to itself never reaches policy".into());
            return out;
        }
        if dir == Direction::Ingress && self.is_from_local_host(there, here) {
            out.decided_by = step("local");
            out.unpoliced = Some("traffic from the pod's own node is always allowed".into());
            return out;
        }
        let (owner, profiles, is_host) = match self.policed(self.enforcer(here)) {
            Ok(policed) => policed,
            Err(why) => {
                out.unpoliced = Some(why);
                return out;
            }
        };
        if !ctx.quiet {
            let side = match dir {
                Direction::Egress => Side::Source,
                Direction::Ingress => Side::Destination,
            };
            out.endpoint = ctx.owner_name(side, owner).to_string();
        }
        if is_host
            && let Some(rule) = self
                .set
                .failsafe
                .rules(dir)
                .iter()
                .find(|r| r.action == Action::Allow && criteria::all(ctx, &r.criteria).0)
        {
            out.decided_by = Decider {
                rule: Some(rule.label.clone()),
                origin: rule.origin,
                ..step("failsafe")
            };
            out.unpoliced = rule.note.clone();
            out.failsafe = vec![rule_trace(ctx, rule)];
            return out;
        }
        let selection = self.selection(owner, dir, view);
        for (ti, tier) in self.set.tiers.iter().enumerate() {
            let selecting: Vec<&Policy> =
                selection[ti].iter().map(|&pi| &tier.policies[pi]).collect();
            if selecting.is_empty() {
                if !tier.policies.is_empty() && !ctx.quiet {
                    out.skipped_tiers.push(tier.name.clone());
                }
                continue;
            }
            let mut tier_trace = TierTrace {
                tier: if ctx.quiet {
                    String::new()
                } else {
                    tier.name.clone()
                },
                order: tier.order,
                default_action: tier.default_action,
                policies: Vec::new(),
                result: TierResult::FellThrough,
                at: None,
                origin: tier.origin,
            };
            let mut decided: Option<(Action, &Policy, &Rule)> = None;
            for policy in &selecting {
                let (result, trace) = self.policy(ctx, policy, dir);
                tier_trace.policies.push(trace);
                if let Some((action, rule)) = result {
                    decided = Some((action, policy, rule));
                    break;
                }
            }
            if let Some((Action::Allow, _, _)) = decided
                && let Some((policy, rule, trace)) = self.auth_required(ctx, &selecting, dir)
            {
                // Another allow rule covering the flow requires mutual
                // authentication, and it fails: Cilium carries the
                // requirement into the policy map entry for the flow.
                let key = policy.key();
                match tier_trace.policies.iter_mut().find(|p| p.policy == key) {
                    Some(p) => {
                        if !p.rules.iter().any(|r| r.rule == trace.rule) {
                            p.rules.push(trace);
                        }
                    }
                    None => {
                        let (_, mut pt) = self.policy(ctx, policy, dir);
                        pt.rules.retain(|r| r.rule == rule.label);
                        tier_trace.policies.push(pt);
                    }
                }
                tier_trace.result = TierResult::Decided {
                    verdict: Verdict::Deny,
                };
                out.tiers.push(tier_trace);
                out.verdict = Verdict::Deny;
                out.decided_by = Decider {
                    step: "auth".into(),
                    tier: Some(tier.name.clone()),
                    policy: Some(key),
                    kind: Some(policy.kind.clone()),
                    rule: Some(rule.label.clone()),
                    staged: policy.staged.is_some(),
                    at: None,
                    origin: rule.origin.or(Some(policy.origin)),
                };
                return out;
            }
            match decided {
                Some((Action::Allow | Action::Deny, policy, rule)) => {
                    let action = decided.map(|d| d.0).unwrap_or(Action::Deny);
                    let verdict = if action == Action::Allow {
                        Verdict::Allow
                    } else {
                        Verdict::Deny
                    };
                    tier_trace.result = TierResult::Decided { verdict };
                    out.tiers.push(tier_trace);
                    out.verdict = verdict;
                    out.decided_by = Decider {
                        step: "rule".into(),
                        tier: Some(tier.name.clone()),
                        policy: Some(policy.key()),
                        kind: Some(policy.kind.clone()),
                        rule: Some(rule.label.clone()),
                        staged: policy.staged.is_some(),
                        at: None,
                        origin: rule.origin.or(Some(policy.origin)),
                    };
                    return out;
                }
                Some((_, _, _)) => {
                    tier_trace.result = TierResult::Passed;
                    out.tiers.push(tier_trace);
                    continue;
                }
                None => {}
            }
            let trigger = selecting.iter().find(|p| p.isolates.get(dir));
            match (trigger, tier.default_action) {
                (Some(trigger), TierDefault::Deny) => {
                    tier_trace.result = TierResult::EndOfTier {
                        default_action: TierDefault::Deny,
                        trigger: trigger.key(),
                    };
                    out.tiers.push(tier_trace);
                    out.verdict = Verdict::Deny;
                    out.decided_by = Decider {
                        step: "end-of-tier".into(),
                        tier: Some(tier.name.clone()),
                        policy: Some(trigger.key()),
                        kind: Some(trigger.kind.clone()),
                        rule: None,
                        staged: trigger.staged.is_some(),
                        at: None,
                        origin: Some(trigger.origin),
                    };
                    return out;
                }
                (Some(trigger), TierDefault::Pass) => {
                    tier_trace.result = TierResult::EndOfTier {
                        default_action: TierDefault::Pass,
                        trigger: trigger.key(),
                    };
                }
                (None, _) => {}
            }
            out.tiers.push(tier_trace);
        }
        self.profiles(ctx, dir, &profiles, &mut out);
        out
    }

    /// The owner whose policies apply, its profiles, and whether it is a
    /// host endpoint; or why nothing is policed.
    fn policed<'e>(
        &self,
        enforcer: Enforcer<'e>,
    ) -> Result<(&'e Owner, Arc<Vec<String>>, bool), String> {
        Ok(match enforcer {
            Enforcer::Unpoliced(why) => return Err(why),
            Enforcer::Pod(owner, index) => (owner, self.pod_profiles(index), false),
            Enforcer::Host(owner, index) => {
                let hep = &self.cluster.host_endpoints[index];
                (owner, Arc::new(hep.profiles.clone()), true)
            }
            Enforcer::Node(owner) => (owner, Arc::new(self.set.profiles_for_pod("", "")), false),
        })
    }

    /// The profiles of a pod, computed once per pod.
    fn pod_profiles(&self, index: usize) -> Arc<Vec<String>> {
        if let Some(hit) = self
            .profiles
            .read()
            .ok()
            .and_then(|m| m.get(&index).cloned())
        {
            return hit;
        }
        let ep = &self.cluster.endpoints[index];
        let computed = Arc::new(match &ep.profiles {
            Some(listed) => listed.clone(),
            None => self
                .set
                .profiles_for_pod(&ep.namespace, &ep.service_account),
        });
        if let Ok(mut m) = self.profiles.write() {
            m.insert(index, computed.clone());
        }
        computed
    }

    /// The policies of each tier that select `owner` for `dir` in `view`.
    fn selection(&self, owner: &Owner, dir: Direction, view: View) -> Selection {
        let key = (owner.kind, dir, view);
        if let Some(hit) = self
            .selection
            .read()
            .ok()
            .and_then(|m| m.get(&key).cloned())
        {
            return hit;
        }
        let computed: Selection = Arc::new(
            self.set
                .tiers
                .iter()
                .enumerate()
                .map(|(ti, tier)| {
                    tier.policies
                        .iter()
                        .enumerate()
                        .filter(|(pi, p)| {
                            self.active(view, ti, *pi, p)
                                && p.rules(dir).is_some()
                                && p.subject.matches(&owner.labels)
                        })
                        .map(|(pi, _)| pi)
                        .collect()
                })
                .collect(),
        );
        if let Ok(mut m) = self.selection.write() {
            m.insert(key, computed.clone());
        }
        computed
    }

    /// An allow rule of the selecting policies that covers the flow and
    /// requires authentication the flow fails. Cilium merges the
    /// requirement into every policy-map entry it covers (an explicit auth
    /// type is inherited by narrower entries), so one such rule is enough,
    /// whatever other rules allow.
    fn auth_required<'p>(
        &self,
        ctx: &Ctx,
        selecting: &[&'p Policy],
        dir: Direction,
    ) -> Option<(&'p Policy, &'p Rule, RuleTrace)> {
        if !ctx.auth_check.get() {
            return None;
        }
        let requires = |r: &Rule| {
            r.criteria
                .iter()
                .any(|c| matches!(c, Criterion::Auth { .. }))
        };
        let l7_refused = ctx.l7_refused.get();
        let mut found = None;
        'policies: for policy in selecting {
            for rule in policy.rules(dir).unwrap_or(&[]) {
                if rule.action != Action::Allow || !requires(rule) {
                    continue;
                }
                // Does it cover the flow, authentication aside?
                ctx.auth_check.set(false);
                let covers = rule_trace(ctx, rule).matched;
                ctx.auth_check.set(true);
                if !covers {
                    continue;
                }
                let trace = rule_trace(ctx, rule);
                if !trace.matched {
                    found = Some((*policy, rule, trace));
                    break 'policies;
                }
            }
        }
        ctx.l7_refused.set(l7_refused);
        found
    }

    /// Whether the policy counts in this view.
    fn active(&self, view: View, ti: usize, pi: usize, p: &Policy) -> bool {
        match view {
            View::Enforced => p.staged.is_none(),
            View::Pending => match p.staged {
                Some(Staged::Delete) => false,
                Some(Staged::Set) => true,
                None => !self.overridden.contains(&(ti, pi)),
            },
        }
    }

    /// The policy's rules in order until one decides (Log continues).
    fn policy<'p>(
        &self,
        ctx: &Ctx,
        policy: &'p Policy,
        dir: Direction,
    ) -> (Option<(Action, &'p Rule)>, PolicyTrace) {
        // A quiet context wants the verdict only: the trace stays empty.
        let mut trace = PolicyTrace {
            kind: String::new(),
            dialect: String::new(),
            policy: String::new(),
            order: policy.order,
            selector: String::new(),
            staged: None,
            rules: Vec::new(),
            result: PolicyResult::NoMatch,
            at: None,
            origin: Some(policy.origin),
        };
        if !ctx.quiet {
            trace.kind = policy.kind.clone();
            trace.dialect = policy.dialect.clone();
            trace.policy = policy.key();
            trace.selector = policy.subject_text.clone();
            trace.staged = policy.staged.map(|s| format!("{s:?}").to_lowercase());
        }
        for rule in policy.rules(dir).unwrap_or(&[]) {
            let rt = rule_trace(ctx, rule);
            let matched = rt.matched;
            if !ctx.quiet {
                trace.rules.push(rt);
            }
            if matched && rule.action != Action::Log {
                trace.result = PolicyResult::Matched(rule.action);
                return (Some((rule.action, rule)), trace);
            }
        }
        (None, trace)
    }

    /// Profiles in order; the first Allow or Deny decides. A Pass in a
    /// profile falls through to the next profile as in Felix's iptables
    /// chains (Dikastes would deny; SEMANTICS.md §A1).
    fn profiles(&self, ctx: &Ctx, dir: Direction, names: &[String], out: &mut DirectionTrace) {
        for name in names {
            let Some(profile) = self.set.profiles.get(name) else {
                continue;
            };
            let quiet = ctx.quiet;
            let mut pt = ProfileTrace {
                profile: if quiet { String::new() } else { name.clone() },
                implicit: if quiet {
                    None
                } else {
                    profile.implicit.clone()
                },
                rules: Vec::new(),
                result: None,
                at: None,
                origin: profile.origin,
            };
            for rule in profile.rules(dir) {
                let rt = rule_trace(ctx, rule);
                let matched = rt.matched;
                if !quiet {
                    pt.rules.push(rt);
                }
                if matched && matches!(rule.action, Action::Allow | Action::Deny) {
                    pt.result = Some(rule.action);
                    out.verdict = if rule.action == Action::Allow {
                        Verdict::Allow
                    } else {
                        Verdict::Deny
                    };
                    out.decided_by = Decider {
                        step: "profile".into(),
                        tier: None,
                        policy: Some(name.clone()),
                        kind: None,
                        rule: Some(rule.label.clone()),
                        staged: false,
                        at: None,
                        origin: rule.origin.or(profile.origin),
                    };
                    out.profiles.push(pt);
                    return;
                }
            }
            out.profiles.push(pt);
        }
        out.verdict = Verdict::Deny;
        out.decided_by = step("no-profile");
    }

    /// Whether `src` is the node `dst` (a pod) runs on.
    fn is_from_local_host(&self, src: &Peer, dst: &Peer) -> bool {
        let FlowEnd::Pod { index } = dst.end else {
            return false;
        };
        let Some(dst_node) = self
            .cluster
            .endpoints
            .get(index)
            .and_then(|e| e.node.as_deref())
        else {
            return false;
        };
        match &src.end {
            FlowEnd::Node { index } => self
                .cluster
                .nodes
                .get(*index)
                .is_some_and(|n| n.name == dst_node),
            FlowEnd::Pod { index } => self
                .cluster
                .endpoints
                .get(*index)
                .is_some_and(|e| e.host_network && e.node.as_deref() == Some(dst_node)),
            _ => false,
        }
    }
}

fn step(name: &str) -> Decider {
    Decider {
        step: name.into(),
        tier: None,
        policy: None,
        kind: None,
        rule: None,
        staged: false,
        at: None,
        origin: None,
    }
}

fn rule_trace(ctx: &Ctx, rule: &Rule) -> RuleTrace {
    let (matched, criteria) = criteria::all(ctx, &rule.criteria);
    let quiet = ctx.quiet;
    RuleTrace {
        rule: if quiet {
            String::new()
        } else {
            rule.label.clone()
        },
        action: rule.action,
        matched,
        criteria,
        note: if quiet { None } else { rule.note.clone() },
        at: None,
        origin: rule.origin,
    }
}
