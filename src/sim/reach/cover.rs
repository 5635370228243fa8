//! Which rules can fire and which are covered by rules evaluated before
//! them: the verdict matrix's identity classes and port atoms, applied one
//! rule at a time instead of to a whole direction.
//!
//! For a subject class and a direction, every rule that can decide its
//! traffic is probed once per peer class and per piece of the port (or
//! ICMP) space that those rules cut. A rule's matches are then a set of
//! (peer class, protocol, piece) cells, exact for the loaded cluster, and
//! "rule B never fires because rules before it match everything B
//! matches" is set inclusion, not a comparison of the YAML text.

use std::collections::{BTreeSet, HashMap};

use super::classes::{End, IdentityClass, Partition, Workloads};
use super::conns::{is_icmp, listed_protocols};
use super::matrix::{Cuts, atoms, cut, named_port_numbers, parallel, probe_flow};
use super::scan::{Scan, peer_side, walk};
use crate::model::policy::{Action, Criterion, Direction, Policy, Rule, Side};
use crate::model::{Cluster, IpFamily, Peer, Proto};
use crate::sim::eval::Evaluator;

/// What the analysis found about one rule of a policy, in one direction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleFacts {
    /// Some endpoint the policy selects has a flow the rule matches.
    pub fires: bool,
    /// When every flow the rule matches, at every endpoint the policy
    /// selects, is matched by earlier rules of the policy that decide
    /// (not Log): the indexes of those rules. `None` otherwise, and for
    /// rules whose matches cannot be decided at L3/L4 (source ports).
    pub covered_by: Option<Vec<usize>>,
    /// For a Pass rule that fires: whether some endpoint where it fires has
    /// a policy in a later tier (else the pass lands on the profiles).
    pub passes_to_a_tier: bool,
}

/// What the analysis found about one policy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PolicyFacts {
    /// Identity classes (groups of endpoints every criterion sees alike)
    /// the policy selects, in either direction it governs.
    pub selected: usize,
    pub ingress: Vec<RuleFacts>,
    pub egress: Vec<RuleFacts>,
    /// When, at every endpoint it selects and in every direction it
    /// governs, the earlier policies of its tier decide every flow its
    /// rules match and one of them already isolates the endpoint: the
    /// indexes (in the tier) of the policies that decide first.
    pub shadowed_by: Option<Vec<usize>>,
}

impl PolicyFacts {
    pub fn rules(&self, dir: Direction) -> &[RuleFacts] {
        match dir {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

/// The facts of every enforced policy, `[tier][policy]` as in the policy
/// set; staged policies get default facts (they are not analysed).
pub struct Coverage {
    pub policies: Vec<Vec<PolicyFacts>>,
    /// Whether the cluster has any addressed endpoint (without one,
    /// "selects nothing" says nothing).
    pub has_endpoints: bool,
    partition: Partition,
}

impl Coverage {
    /// Analyses every enforced policy of the evaluator's policy set.
    pub fn compute(ev: &Evaluator, cluster: &Cluster) -> Self {
        let set = ev.policy_set();
        let scan = Scan::new(set, cluster);
        let workloads = Workloads::new(cluster);
        let partition = Partition::new(cluster, &scan, &workloads, true);
        let named_ports = named_port_numbers(cluster);
        let mut policies: Vec<Vec<PolicyFacts>> = set
            .tiers
            .iter()
            .map(|t| {
                t.policies
                    .iter()
                    .map(|p| PolicyFacts {
                        ingress: vec![RuleFacts::default(); p.ingress.as_ref().map_or(0, Vec::len)],
                        egress: vec![RuleFacts::default(); p.egress.as_ref().map_or(0, Vec::len)],
                        ..PolicyFacts::default()
                    })
                    .collect()
            })
            .collect();
        let job = Job {
            ev,
            cluster,
            ends: &partition.ends,
            classes: &partition.classes,
            named_ports: &named_ports,
            other_protocols: &scan.other_protocols,
            unnamed: scan.unnamed,
        };
        // Per policy: classes selected, and whether it is shadowed so far
        // (it must be at every class and direction), with by whom.
        let mut selected: HashMap<(usize, usize), BTreeSet<usize>> = HashMap::new();
        let mut shadow: HashMap<(usize, usize), (bool, BTreeSet<usize>)> = HashMap::new();
        // Per rule: covered so far, by which rules; per Pass rule: whether
        // a later tier takes over somewhere.
        type RuleKey = (usize, usize, Direction, usize);
        let mut covered: HashMap<RuleKey, (bool, BTreeSet<usize>)> = HashMap::new();
        // The probing, per subject class and direction, on every core;
        // then the judging, in order.
        let subjects: Vec<(usize, Direction)> = (0..partition.classes.len())
            .filter(|&s| matches!(partition.classes[s], IdentityClass::Endpoints { .. }))
            .flat_map(|s| [(s, Direction::Ingress), (s, Direction::Egress)])
            .collect();
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
        let probed = parallel(threads, &subjects, |&(s, dir)| {
            let selection = ev.selecting(&partition.ends[s].peer, dir)?;
            let per_tier: Vec<Vec<Bits>> = selection
                .iter()
                .enumerate()
                .map(|(ti, picks)| {
                    let tier = &set.tiers[ti];
                    let rules = picks
                        .iter()
                        .flat_map(|&pi| tier.policies[pi].rules(dir).unwrap_or(&[]).iter());
                    if picks.is_empty() {
                        Vec::new()
                    } else {
                        job.matches(s, dir, rules)
                    }
                })
                .collect();
            Some((selection, per_tier))
        });
        for (&(s, dir), probed) in subjects.iter().zip(probed) {
            {
                let Some((selection, mut per_tier)) = probed else {
                    continue;
                };
                let last_tier = selection.iter().rposition(|t| !t.is_empty());
                for (ti, picks) in selection.iter().enumerate() {
                    if picks.is_empty() {
                        continue;
                    }
                    let tier = &set.tiers[ti];
                    let rules: Vec<(usize, usize, &Rule)> = picks
                        .iter()
                        .flat_map(|&pi| {
                            tier.policies[pi]
                                .rules(dir)
                                .unwrap_or(&[])
                                .iter()
                                .enumerate()
                                .map(move |(ri, r)| (pi, ri, r))
                        })
                        .collect();
                    let matches = std::mem::take(&mut per_tier[ti]);
                    let app_layer = set.dataplane.app_layer;
                    // Cells decided by the policies before each one.
                    let mut decided_before = Bits::new(job_cells(&matches));
                    let mut deciders_before: Vec<(usize, Bits)> = Vec::new();
                    let mut at = 0;
                    for (k, &pi) in picks.iter().enumerate() {
                        let policy = &tier.policies[pi];
                        selected.entry((ti, pi)).or_default().insert(s);
                        let own: Vec<usize> = (at..)
                            .take(policy.rules(dir).map_or(0, <[Rule]>::len))
                            .collect();
                        at += own.len();
                        // Rules inside the policy.
                        let mut before = Bits::new(decided_before.len());
                        let mut before_rules: Vec<(usize, &Bits)> = Vec::new();
                        let mut all_own = Bits::new(decided_before.len());
                        for &g in &own {
                            let (_, ri, rule) = rules[g];
                            let bits = &matches[g];
                            let key = (ti, pi, dir, ri);
                            let facts = &mut policies[ti][pi];
                            let rf = match dir {
                                Direction::Ingress => &mut facts.ingress[ri],
                                Direction::Egress => &mut facts.egress[ri],
                            };
                            let fires = !bits.is_empty();
                            rf.fires |= fires;
                            if fires && rule.action == Action::Pass {
                                rf.passes_to_a_tier |= last_tier.is_some_and(|l| l > ti);
                            }
                            let entry = covered.entry(key).or_insert((true, BTreeSet::new()));
                            if unjudged(rule) {
                                entry.0 = false;
                            } else if fires {
                                if bits.is_subset(&before) {
                                    entry.1.extend(
                                        before_rules
                                            .iter()
                                            .filter(|(_, b)| b.intersects(bits))
                                            .map(|(r, _)| *r),
                                    );
                                } else {
                                    entry.0 = false;
                                }
                            }
                            if rule.action != Action::Log && decides_exactly(rule, app_layer) {
                                before.union_with(bits);
                                before_rules.push((ri, bits));
                            }
                            if rule.action != Action::Log {
                                all_own.union_with(bits);
                            }
                        }
                        // The policy against the ones before it.
                        let isolated_before = picks[..k]
                            .iter()
                            .any(|&e| tier.policies[e].isolates.get(dir));
                        let isolation_redundant = !policy.isolates.get(dir) || isolated_before;
                        let entry = shadow.entry((ti, pi)).or_insert((true, BTreeSet::new()));
                        if k == 0
                            || !isolation_redundant
                            || !all_own.is_subset(&decided_before)
                            || has_unjudged(policy, dir)
                        {
                            entry.0 = false;
                        } else {
                            entry.1.extend(
                                deciders_before
                                    .iter()
                                    .filter(|(_, b)| b.intersects(&all_own))
                                    .map(|(p, _)| *p),
                            );
                        }
                        let mut decides = Bits::new(decided_before.len());
                        for &g in &own {
                            let rule = rules[g].2;
                            if rule.action != Action::Log && decides_exactly(rule, app_layer) {
                                decides.union_with(&matches[g]);
                            }
                        }
                        decided_before.union_with(&decides);
                        deciders_before.push((pi, decides));
                    }
                }
            }
        }
        for ((ti, pi), classes) in &selected {
            policies[*ti][*pi].selected = classes.len();
        }
        for ((ti, pi), (shadowed, by)) in shadow {
            if shadowed && !by.is_empty() {
                policies[ti][pi].shadowed_by = Some(by.into_iter().collect());
            }
        }
        for ((ti, pi, dir, ri), (is_covered, by)) in covered {
            let facts = &mut policies[ti][pi];
            let rf = match dir {
                Direction::Ingress => &mut facts.ingress[ri],
                Direction::Egress => &mut facts.egress[ri],
            };
            if is_covered && rf.fires && !by.is_empty() {
                rf.covered_by = Some(by.into_iter().collect());
            }
        }
        let has_endpoints = partition
            .classes
            .iter()
            .any(|c| matches!(c, IdentityClass::Endpoints { .. }));
        Coverage {
            policies,
            has_endpoints,
            partition,
        }
    }

    /// The endpoint classes whose members the criteria, read at `side`,
    /// match as a peer (every criterion looks at that side only).
    pub(crate) fn peers_matching(&self, ev: &Evaluator, criteria: &[&Criterion]) -> Vec<usize> {
        self.partition
            .ends
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                let flow = probe_flow(&e.peer, &e.peer, Proto::TCP, 1);
                ev.criteria_match(criteria, &flow).iter().all(|m| *m)
            })
            .map(|(i, _)| i)
            .collect()
    }

    /// Whether a class is of cluster endpoints (not an external range).
    pub(crate) fn is_endpoints(&self, class: usize) -> bool {
        matches!(
            self.partition.classes.get(class),
            Some(IdentityClass::Endpoints { .. })
        )
    }

    /// The named ports of a class's endpoints: (name, protocol number, port).
    pub(crate) fn named_ports(&self, class: usize) -> &[(String, u8, u16)] {
        self.partition
            .ends
            .get(class)
            .map_or(&[], |e| e.ports.as_slice())
    }

    /// The endpoint classes a policy selects for `dir`.
    pub(crate) fn selected_classes(
        &self,
        ev: &Evaluator,
        tier: usize,
        policy: usize,
        dir: Direction,
    ) -> Vec<usize> {
        (0..self.partition.classes.len())
            .filter(|&c| self.is_endpoints(c))
            .filter(|&c| {
                ev.selecting(&self.partition.ends[c].peer, dir)
                    .is_some_and(|sel| sel.get(tier).is_some_and(|t| t.contains(&policy)))
            })
            .collect()
    }
}

/// The number of cells of a match table (all rows have it).
fn job_cells(matches: &[Bits]) -> usize {
    matches.first().map_or(0, Bits::len)
}

/// Whether a rule's matches are exactly its L3/L4 matches: no
/// application-layer criterion that lets only some requests through (with
/// an application layer), no authentication that can fail. Only such rules
/// count as covering later ones.
fn decides_exactly(rule: &Rule, app_layer: bool) -> bool {
    let mut exact = true;
    walk(&rule.criteria, &mut |c| match c {
        Criterion::Http(_) | Criterion::L7(_) if app_layer => exact = false,
        Criterion::Auth { .. } => exact = false,
        _ => {}
    });
    exact && !has_source_ports(rule)
}

/// Source-port criteria: the probes carry no source port, so such a rule
/// is neither judged nor counted as covering.
fn has_source_ports(rule: &Rule) -> bool {
    let mut found = false;
    walk(&rule.criteria, &mut |c| {
        found |= matches!(
            c,
            Criterion::Ports {
                side: Side::Source,
                ..
            }
        );
    });
    found
}

/// Rules whose effect does not end where an earlier rule matches first:
/// source-port criteria (the probes carry no source port), and
/// authentication requirements, which Cilium carries into every policy-map
/// entry the rule covers, whatever other rules allow (the evaluator's
/// `auth_required`). They are never judged covered.
fn unjudged(rule: &Rule) -> bool {
    let mut auth = false;
    walk(&rule.criteria, &mut |c| {
        auth |= matches!(c, Criterion::Auth { .. });
    });
    auth || has_source_ports(rule)
}

/// A policy with a rule that cannot be judged is never called shadowed.
fn has_unjudged(policy: &Policy, dir: Direction) -> bool {
    policy.rules(dir).unwrap_or(&[]).iter().any(unjudged)
}

/// What every probe of one analysis needs.
struct Job<'a, 'e> {
    ev: &'e Evaluator<'a>,
    cluster: &'a Cluster,
    ends: &'e [End],
    classes: &'e [IdentityClass],
    named_ports: &'e HashMap<String, Vec<(Proto, u16)>>,
    other_protocols: &'e [Proto],
    unnamed: Proto,
}

impl Job<'_, '_> {
    /// For subject class `s` in `dir`: per rule, the cells (peer class ×
    /// protocol × piece of the ports the rules cut) it matches at L3/L4.
    fn matches<'r>(
        &self,
        s: usize,
        dir: Direction,
        rules: impl Iterator<Item = &'r Rule> + Clone,
    ) -> Vec<Bits> {
        let me = &self.ends[s];
        let mut cuts = Cuts::new();
        for rule in rules.clone() {
            walk(&rule.criteria, &mut |c| {
                cut(self.cluster, self.named_ports, c, &mut cuts);
            });
        }
        let mut pieces: Vec<(Proto, u16)> = Vec::new();
        for proto in listed_protocols(IpFamily::of(&me.peer.ip)) {
            pieces.extend(atoms(&cuts, proto).into_iter().map(|(a, _)| (proto, a)));
        }
        pieces.extend(
            self.other_protocols
                .iter()
                .filter(|p| !is_icmp(**p))
                .map(|&p| (p, 0)),
        );
        pieces.push((self.unnamed, 0));
        let peers: Vec<(usize, &Peer)> = (0..self.ends.len())
            .filter(|&j| self.classes[j].faces(&self.classes[s], dir))
            .filter(|&j| self.ends[j].peer.ip.is_ipv6() == me.peer.ip.is_ipv6())
            .filter_map(|j| {
                if j == s {
                    me.alt.as_ref().map(|p| (j, p))
                } else {
                    Some((j, &self.ends[j].peer))
                }
            })
            .collect();
        let cells = peers.len() * pieces.len();
        let rules: Vec<&Rule> = rules.collect();
        // Peers every peer-side criterion of the rules sees alike match the
        // same rules: probe one of each group (as the verdict matrix does).
        let side = peer_side(dir);
        let mut leaves: Vec<&Criterion> = Vec::new();
        let mut by_service = false;
        let mut by_named_port = false;
        for rule in &rules {
            walk(&rule.criteria, &mut |c| match c {
                Criterion::Selector { side: x, .. }
                | Criterion::Nets { side: x, .. }
                | Criterion::Entities { side: x, .. }
                | Criterion::Nodes { side: x, .. }
                | Criterion::Fqdn { side: x, .. }
                    if *x == side =>
                {
                    leaves.push(c);
                }
                Criterion::Service { side: x, .. } if *x == side => by_service = true,
                Criterion::Ports { any_of, .. } if dir == Direction::Egress => {
                    by_named_port |= any_of
                        .iter()
                        .any(|m| matches!(m.ports, crate::model::policy::PortSpec::Named(_)));
                }
                _ => {}
            });
        }
        type GroupKey<'k> = (Vec<bool>, Option<usize>, &'k [(String, u8, u16)]);
        let mut groups: HashMap<GroupKey, usize> = HashMap::new();
        let mut reps: Vec<usize> = Vec::new();
        let mut group_of: Vec<usize> = Vec::with_capacity(peers.len());
        for (pj, &(j, peer)) in peers.iter().enumerate() {
            let answers = self
                .ev
                .criteria_match(&leaves, &probe_flow(peer, peer, Proto::TCP, 1));
            let unique = (j == s || self.ends[j].unique || by_service).then_some(j);
            let ports: &[(String, u8, u16)] = if by_named_port {
                &self.ends[j].ports
            } else {
                &[]
            };
            let g = *groups.entry((answers, unique, ports)).or_insert_with(|| {
                reps.push(pj);
                reps.len() - 1
            });
            group_of.push(g);
        }
        let mut per_group: Vec<Vec<Vec<bool>>> = Vec::with_capacity(reps.len());
        for &pj in &reps {
            let peer = peers[pj].1;
            let hits: Vec<Vec<bool>> = pieces
                .iter()
                .map(|&(proto, value)| {
                    let flow = match dir {
                        Direction::Egress => probe_flow(&me.peer, peer, proto, value),
                        Direction::Ingress => probe_flow(peer, &me.peer, proto, value),
                    };
                    self.ev.rules_match_l4(&rules, &flow)
                })
                .collect();
            per_group.push(hits);
        }
        let mut out = vec![Bits::new(cells); rules.len()];
        for (pj, &g) in group_of.iter().enumerate() {
            for (k, hits) in per_group[g].iter().enumerate() {
                for (r, hit) in hits.iter().enumerate() {
                    if *hit {
                        out[r].set(pj * pieces.len() + k);
                    }
                }
            }
        }
        out
    }
}

/// A fixed-size set of cell indexes.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Bits {
    words: Vec<u64>,
    len: usize,
}

impl Bits {
    fn new(len: usize) -> Self {
        Bits {
            words: vec![0; len.div_ceil(64)],
            len,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn set(&mut self, i: usize) {
        self.words[i / 64] |= 1 << (i % 64);
    }

    fn is_empty(&self) -> bool {
        self.words.iter().all(|w| *w == 0)
    }

    fn is_subset(&self, other: &Bits) -> bool {
        self.words
            .iter()
            .zip(&other.words)
            .all(|(a, b)| a & !b == 0)
    }

    fn intersects(&self, other: &Bits) -> bool {
        self.words.iter().zip(&other.words).any(|(a, b)| a & b != 0)
    }

    fn union_with(&mut self, other: &Bits) {
        for (a, b) in self.words.iter_mut().zip(&other.words) {
            *a |= b;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::lower::{self, Choice, Input};
    use crate::load::load_text;

    const PODS: &str = "apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: fe-1, namespace: shop, labels: {app: fe}}
spec: {containers: [{name: fe, image: nginx}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db-1, namespace: shop, labels: {app: db}}
spec: {containers: [{name: db, image: postgres}]}
---
";

    /// The facts of a Calico NetworkPolicy in namespace shop selecting
    /// app=web, with these ingress rules.
    fn facts(rules: &str, app_layer: bool) -> PolicyFacts {
        facts_of(
            &format!(
                "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {{name: web, namespace: shop}}\nspec:\n  selector: app == 'web'\n  ingress:\n{rules}"
            ),
            app_layer,
        )
    }

    /// The facts of the policy named `web` in `policy`.
    fn facts_of(policy: &str, app_layer: bool) -> PolicyFacts {
        let text = format!("{PODS}{policy}");
        let inv = load_text("t.yaml", &text).expect("loads");
        let choice = Choice {
            app_layer,
            ..Choice::default()
        };
        let set = lower::lower(&Input::from(&inv), &choice).set;
        let ev = Evaluator::new(&set, &inv.cluster);
        let cov = Coverage::compute(&ev, &inv.cluster);
        let (ti, pi) = set
            .tiers
            .iter()
            .enumerate()
            .find_map(|(ti, t)| {
                t.policies
                    .iter()
                    .position(|p| p.name == "web")
                    .map(|pi| (ti, pi))
            })
            .expect("policy");
        cov.policies[ti][pi].clone()
    }

    fn covered(f: &PolicyFacts) -> Vec<Option<Vec<usize>>> {
        f.ingress.iter().map(|r| r.covered_by.clone()).collect()
    }

    #[test]
    fn two_rules_together_cover_a_third_and_a_wider_one_is_not_covered() {
        let rules = "    - {action: Allow, protocol: TCP, destination: {ports: ['80:84']}}
    - {action: Allow, protocol: TCP, destination: {ports: ['85:90']}}
    - {action: Deny, protocol: TCP, destination: {ports: ['82:88']}}
    - {action: Deny, protocol: TCP, destination: {ports: ['82:95']}}
";
        let f = facts(rules, true);
        assert_eq!(f.selected, 1);
        assert_eq!(covered(&f), [None, None, Some(vec![0, 1]), None]);
        assert!(f.ingress.iter().all(|r| r.fires));
    }

    #[test]
    fn peers_are_sets_of_classes_not_selector_text() {
        // `all()` covers a rule naming one peer by label; a narrower peer
        // does not cover a wider one (`has(app)` also matches db).
        let rules = "    - {action: Allow, source: {selector: all()}}
    - {action: Deny, source: {selector: app == 'fe'}}
";
        assert_eq!(covered(&facts(rules, true)), [None, Some(vec![0])]);
        let rules = "    - {action: Allow, source: {selector: app == 'fe'}}
    - {action: Deny, source: {selector: has(app)}}
";
        assert_eq!(covered(&facts(rules, true)), [None, None]);
        // Exact for the loaded cluster: web's traffic to itself is never
        // policed, so among the loaded pods `app != 'db'` is only fe.
        let rules = "    - {action: Allow, source: {selector: app == 'fe'}}
    - {action: Deny, source: {selector: app != 'db' && has(app)}}
";
        assert_eq!(covered(&facts(rules, true)), [None, Some(vec![0])]);
    }

    #[test]
    fn log_rules_and_http_rules_do_not_cover() {
        let rules = "    - {action: Log, protocol: TCP}
    - {action: Allow, protocol: TCP}
";
        assert_eq!(covered(&facts(rules, true)), [None, None]);
        // With an application layer the HTTP rule admits some requests
        // only; without one it is a plain L3/L4 Allow.
        let rules = "    - {action: Allow, protocol: TCP, http: {methods: [GET]}}
    - {action: Deny, protocol: TCP}
";
        assert_eq!(covered(&facts(rules, true)), [None, None]);
        assert_eq!(covered(&facts(rules, false)), [None, Some(vec![0])]);
    }

    /// Cilium enforces an authentication requirement wherever the rule
    /// covers, whatever allowed first: such a rule is never covered.
    #[test]
    fn an_authentication_rule_is_never_covered() {
        let cnp = |auth: &str| {
            format!(
                "apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {{name: web, namespace: shop}}
spec:
  endpointSelector: {{matchLabels: {{app: web}}}}
  ingress:
    - fromEndpoints: [{{matchLabels: {{app: fe}}}}]
    - fromEndpoints: [{{matchLabels: {{app: fe}}}}]
{auth}"
            )
        };
        let plain = facts_of(&cnp(""), true);
        assert_eq!(covered(&plain), [None, Some(vec![0])]);
        let auth = facts_of(&cnp("      authentication: {mode: required}\n"), true);
        assert_eq!(covered(&auth), [None, None]);
    }
}
