//! Which peers a rule can match: its peer-side criteria (selectors, CIDRs,
//! entities, Services...) judged on their own, without ports, protocols or
//! requests. `describe policy` resolves each rule's peers with it.

use super::Evaluator;
use super::criteria::{self, Ctx};
use crate::model::policy::{Criterion, Direction, Rule, Side};
use crate::model::{Flow, FlowEnd, Peer, Proto};

impl Evaluator<'_> {
    /// Whether `peer` satisfies every criterion of `rule` (a rule of
    /// `dir`) that looks at the peer's side; an `AnyOf` when one of its
    /// alternatives does. Criteria on the subject's side, ports, protocols
    /// and L7 matches are not looked at, so a peer listed here is one the
    /// rule names, whatever its ports.
    pub(crate) fn peer_matches(&self, rule: &Rule, dir: Direction, peer: &Peer) -> bool {
        let side = match dir {
            Direction::Ingress => Side::Source,
            Direction::Egress => Side::Destination,
        };
        self.side_matches(rule, side, peer)
    }

    /// Whether `subject` (an endpoint the rule's policy selects) satisfies
    /// the criteria of `rule` (a rule of `dir`) on its own side: a Calico
    /// ingress rule's `destination` selector, for one.
    pub(crate) fn subject_matches(&self, rule: &Rule, dir: Direction, subject: &Peer) -> bool {
        let side = match dir {
            Direction::Ingress => Side::Destination,
            Direction::Egress => Side::Source,
        };
        self.side_matches(rule, side, subject)
    }

    fn side_matches(&self, rule: &Rule, side: Side, peer: &Peer) -> bool {
        // The peer at both ends: a peer-side criterion only reads its side.
        let flow = Flow {
            src: peer.clone(),
            dst: peer.clone(),
            protocol: Proto::TCP,
            port: 1,
            src_port: None,
            icmp_type: None,
            icmp_code: None,
            http: None,
            l7: Vec::new(),
            auth_fails: false,
        };
        let ctx = Ctx::quiet(self.cluster, &self.ids, &flow, &self.set.dataplane);
        self.peer_holds(&ctx, &rule.criteria, side, peer)
    }

    fn peer_holds(&self, ctx: &Ctx, criteria: &[Criterion], side: Side, peer: &Peer) -> bool {
        criteria.iter().all(|c| match c {
            Criterion::AnyOf { alternatives, .. } => alternatives
                .iter()
                .any(|a| self.peer_holds(ctx, &a.criteria, side, peer)),
            Criterion::Never { .. } => false,
            // A Service names its backends (the port check is the
            // rule's, not the peer's).
            Criterion::Service {
                side: s,
                namespace,
                name,
            } if *s == side => {
                let FlowEnd::Pod { index } = peer.end else {
                    return false;
                };
                let ep = &self.cluster.endpoints[index];
                self.cluster.services.iter().any(|svc| {
                    &svc.namespace == namespace
                        && &svc.name == name
                        && ep.namespace == *namespace
                        && svc
                            .selector
                            .as_ref()
                            .is_some_and(|sel| sel.iter().all(|(k, v)| ep.labels.get(k) == Some(v)))
                })
            }
            Criterion::Selector { side: s, .. }
            | Criterion::Nets { side: s, .. }
            | Criterion::Entities { side: s, .. }
            | Criterion::Nodes { side: s, .. }
            | Criterion::Fqdn { side: s, .. }
                if *s == side =>
            {
                criteria::all(ctx, std::slice::from_ref(c)).0
            }
            _ => true,
        })
    }
}
