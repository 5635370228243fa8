//! Keys of direction traces: what one direction's trace depends on, apart
//! from the names and addresses of the flow's ends.
//!
//! In a large cluster of bare pods almost every pod has labels of its own,
//! so pairs of pods rarely repeat; but the trace of one direction depends on
//! far less than the pair: the policies selecting the enforcing pod (and its
//! profiles), the flow's protocol and ports, the named ports of both ends,
//! and for each criterion of those policies' rules, what it saw of the flow
//! (whether a peer selector matched the other end, which CIDR held an
//! address). [`TraceKeys::key`] writes exactly that; two flows with one key
//! have one trace, once each end's name, `name {labels}` description and
//! address, and the destination port, are filled in (the holes of
//! [`super::Evaluator::evaluate_templated`]); for the port, the key holds
//! whether each port criterion matched it.
//!
//! Only plain cases get a key: both ends are distinct pods, each the sole
//! owner of its address, no staged policy, no host policy, and rules whose
//! criteria are protocols, ICMP, CIDRs, selectors and ports. Anything else
//! (application-layer rules, authentication, Services as peers, entities,
//! FQDNs, nodes) gets `None`, and the caller evaluates the flow itself.

use std::collections::HashMap;
use std::sync::Arc;

use super::identity::{OwnerKind, named_ports};
use super::{Evaluator, Selection, View};
use crate::model::policy::{Criterion, Direction, NetScope, PortSpec, Side};
use crate::model::{Flow, FlowEnd, NamedPort, Proto};

/// What a pod contributes to the keys of the direction it enforces, and
/// the named ports it declares.
#[derive(Clone)]
struct PodFacts {
    /// Per direction (egress, ingress): the interned selection and the
    /// selection itself.
    selection: [(u32, Selection); 2],
    /// The interned list of its profiles, and the list.
    profiles: (u32, Arc<Vec<String>>),
    /// The interned list of its named ports.
    named_ports: u32,
}

/// Computes direction-trace keys for one evaluator; remembers per pod what
/// it needs.
pub struct TraceKeys<'e, 'a> {
    ev: &'e Evaluator<'a>,
    /// Keys are given at all (no staged or host policies).
    enabled: bool,
    pods: Vec<Option<PodFacts>>,
    selections: HashMap<Vec<Vec<usize>>, u32>,
    profiles: HashMap<Vec<String>, u32>,
    named: HashMap<Vec<(String, u16, Proto)>, u32>,
}

impl<'e, 'a> TraceKeys<'e, 'a> {
    pub fn new(ev: &'e Evaluator<'a>) -> Self {
        TraceKeys {
            ev,
            enabled: !ev.has_staged && !ev.host_policies,
            pods: vec![None; ev.cluster.endpoints.len()],
            selections: HashMap::new(),
            profiles: HashMap::new(),
            named: HashMap::new(),
        }
    }

    pub fn stats(&self) -> (usize, usize, usize) {
        (self.selections.len(), self.profiles.len(), self.named.len())
    }

    /// The pod index of a flow end that is a plain workload endpoint, the
    /// only owner of its address.
    fn plain_pod(&self, end: &FlowEnd, ip: std::net::IpAddr) -> Option<usize> {
        let FlowEnd::Pod { index } = *end else {
            return None;
        };
        let ep = self.ev.cluster.endpoints.get(index)?;
        if ep.host_network {
            return None;
        }
        self.ev.ids.pod(index)?;
        match self.ev.ids.owners(ip).as_slice() {
            [only] if only.kind == OwnerKind::Pod(index) => Some(index),
            _ => None,
        }
    }

    fn facts(&mut self, index: usize) -> Option<PodFacts> {
        if let Some(Some(f)) = self.pods.get(index) {
            return Some(f.clone());
        }
        let ev = self.ev;
        let owner = ev.ids.pod(index)?;
        let mut intern_selection = |dir| {
            let selection = ev.selection(owner, dir, View::Enforced);
            let n = self.selections.len() as u32;
            let id = *self
                .selections
                .entry(selection.as_ref().clone())
                .or_insert(n);
            (id, selection)
        };
        let selection = [
            intern_selection(Direction::Egress),
            intern_selection(Direction::Ingress),
        ];
        let profiles = ev.pod_profiles(index);
        let n = self.profiles.len() as u32;
        let profiles_id = *self.profiles.entry(profiles.as_ref().clone()).or_insert(n);
        let declared: Vec<(String, u16, Proto)> = named_ports(ev.cluster, OwnerKind::Pod(index))
            .iter()
            .map(|p: &NamedPort| (p.name.clone(), p.port, p.protocol))
            .collect();
        let n = self.named.len() as u32;
        let named_ports = *self.named.entry(declared).or_insert(n);
        let facts = PodFacts {
            selection,
            profiles: (profiles_id, profiles),
            named_ports,
        };
        self.pods[index] = Some(facts.clone());
        Some(facts)
    }

    /// Writes the key of `dir`'s trace for `flow` into `key` (cleared
    /// first); `false` when the flow has no key (see the module notes).
    pub fn key(&mut self, flow: &Flow, dir: Direction, key: &mut Vec<u32>) -> bool {
        key.clear();
        if !self.enabled {
            return false;
        }
        let Some(src) = self.plain_pod(&flow.src.end, flow.src.ip) else {
            return false;
        };
        let Some(dst) = self.plain_pod(&flow.dst.end, flow.dst.ip) else {
            return false;
        };
        if src == dst {
            return false;
        }
        let (Some(src_facts), Some(dst_facts)) = (self.facts(src), self.facts(dst)) else {
            return false;
        };
        let ev = self.ev;
        let here = match dir {
            Direction::Egress => &src_facts,
            Direction::Ingress => &dst_facts,
        };
        let d = match dir {
            Direction::Egress => 0,
            Direction::Ingress => 1,
        };
        let (selection_id, selection) = &here.selection[d];
        key.extend([
            d as u32,
            *selection_id,
            here.profiles.0,
            u32::from(flow.protocol.0),
            u32::from(flow.has_ports()),
            u32::from(flow.icmp_type.is_some()) << 8 | u32::from(flow.icmp_type.unwrap_or(0)),
            u32::from(flow.icmp_code.is_some()) << 8 | u32::from(flow.icmp_code.unwrap_or(0)),
            u32::from(flow.src.ip.is_ipv4()) << 1 | u32::from(flow.dst.ip.is_ipv4()),
        ]);
        let labels = [
            &ev.ids.pod(src).map(|o| &o.labels),
            &ev.ids.pod(dst).map(|o| &o.labels),
        ];
        let (Some(src_labels), Some(dst_labels)) = (labels[0], labels[1]) else {
            return false;
        };
        let seen = Seen {
            ev,
            flow,
            labels: [src_labels, dst_labels],
            named_ports: [src_facts.named_ports, dst_facts.named_ports],
        };
        for (ti, tier) in ev.set.tiers.iter().enumerate() {
            for &pi in &selection[ti] {
                for rule in tier.policies[pi].rules(dir).unwrap_or(&[]) {
                    if !seen.criteria(&rule.criteria, key) {
                        return false;
                    }
                }
            }
        }
        for name in here.profiles.1.iter() {
            if let Some(profile) = ev.set.profiles.get(name) {
                for rule in profile.rules(dir) {
                    if !seen.criteria(&rule.criteria, key) {
                        return false;
                    }
                }
            }
        }
        true
    }
}

/// What criteria see of one flow.
struct Seen<'s, 'a> {
    ev: &'s Evaluator<'a>,
    flow: &'s Flow,
    labels: [&'s crate::model::Labels; 2],
    /// Each end's interned named ports.
    named_ports: [u32; 2],
}

impl Seen<'_, '_> {
    /// Appends what each criterion saw; `false` for a criterion outside the
    /// keyed kinds.
    fn criteria(&self, criteria: &[Criterion], key: &mut Vec<u32>) -> bool {
        criteria.iter().all(|c| self.criterion(c, key))
    }

    fn criterion(&self, criterion: &Criterion, key: &mut Vec<u32>) -> bool {
        let side = |s: Side| match s {
            Side::Source => 0,
            Side::Destination => 1,
        };
        match criterion {
            // The flow's protocol, ports, ICMP type and code and address
            // families are in the key already.
            Criterion::Protocol { .. }
            | Criterion::IpVersion { .. }
            | Criterion::Icmp { .. }
            | Criterion::Never { .. } => true,
            Criterion::Nets {
                side: s,
                nets,
                scope,
                ..
            } => {
                let ip = match s {
                    Side::Source => self.flow.src.ip,
                    Side::Destination => self.flow.dst.ip,
                };
                let external_only =
                    *scope == NetScope::ExternalOnly && self.ev.ids.is_cluster_address(ip);
                // Which network of the address's family holds it (its text
                // is in the reason).
                let hit = nets
                    .iter()
                    .filter(|n| n.addr().is_ipv4() == ip.is_ipv4())
                    .position(|n| n.contains(&ip))
                    .map_or(0, |i| i as u32 + 1);
                key.push(u32::from(external_only) << 31 | hit);
                true
            }
            Criterion::Selector { side: s, expr, .. } => {
                key.push(u32::from(expr.matches(self.labels[side(*s)])));
                true
            }
            // The destination port is in the key; a source port (shown in
            // the reason) and the named ports of the side's end are added
            // where a criterion reads them. A named port's owner is a hole.
            Criterion::Ports {
                side: s, any_of, ..
            } => {
                let port = match s {
                    Side::Source => {
                        key.push(self.flow.src_port.map_or(u32::MAX, u32::from));
                        self.flow.src_port
                    }
                    Side::Destination => Some(self.flow.port),
                };
                let named = any_of.iter().any(|m| matches!(m.ports, PortSpec::Named(_)));
                if named {
                    key.push(self.named_ports[side(*s)]);
                }
                // Whether the port matched, as `criteria::ports` finds it.
                let proto = self.flow.protocol;
                let end = match s {
                    Side::Source => &self.flow.src.end,
                    Side::Destination => &self.flow.dst.end,
                };
                let hit = port.filter(|_| self.flow.has_ports()).is_some_and(|port| {
                    any_of.iter().any(|m| {
                        m.protocol.is_none_or(|p| p == proto)
                            && match &m.ports {
                                PortSpec::All => true,
                                PortSpec::Range(a, b) => (*a..=*b).contains(&port),
                                PortSpec::Named(name) => match *end {
                                    FlowEnd::Pod { index } => {
                                        named_ports(self.ev.cluster, OwnerKind::Pod(index))
                                            .iter()
                                            .any(|p| {
                                                &p.name == name
                                                    && m.protocol.is_none_or(|mp| mp == p.protocol)
                                                    && p.port == port
                                                    && p.protocol == proto
                                            })
                                    }
                                    _ => false,
                                },
                            }
                    })
                });
                key.push(u32::from(hit));
                true
            }
            Criterion::AnyOf { alternatives, .. } => alternatives
                .iter()
                .all(|alt| self.criteria(&alt.criteria, key)),
            Criterion::Service { .. }
            | Criterion::Http(_)
            | Criterion::L7(_)
            | Criterion::Entities { .. }
            | Criterion::Nodes { .. }
            | Criterion::Fqdn { .. }
            | Criterion::Auth { .. } => false,
        }
    }
}
