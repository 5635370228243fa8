//! Evaluating one rule criterion against a flow, with the reason a reader
//! needs ("port 6379 not in [80, 443]").

use std::net::IpAddr;

use ipnet::IpNet;

use super::hint::{Hint, Input};
use super::http;
use super::identity::{Identities, Owner, named_ports};
use super::l7::{self, L7Check};
use super::reply::Reply;
use super::trace::{AlternativeTrace, CriterionTrace, PlacedHint};
use crate::model::policy::{
    AuthMode, Criterion, Dataplane, Entity, FqdnPattern, HttpMatch, L7Match, NetScope, PortMatch,
    PortSpec, Side, implicit,
};
use crate::model::{Cluster, Flow, FlowEnd, Labels, Proto};
use crate::selector::Expr;

/// What criteria are evaluated against.
pub(crate) struct Ctx<'a> {
    pub cluster: &'a Cluster,
    pub ids: &'a Identities,
    pub flow: &'a Flow,
    pub dataplane: &'a Dataplane,
    pub src_owners: Vec<&'a Owner>,
    pub dst_owners: Vec<&'a Owner>,
    /// `name {labels}` of each owner, formatted once per flow.
    src_described: Vec<String>,
    dst_described: Vec<String>,
    /// Stand-ins for each end's name and address (a trace template).
    pub holes: Option<&'a Holes>,
    /// Application-layer criteria are evaluated (false: they are treated as
    /// matching, to tell an L7 refusal from an L3/L4 drop).
    pub l7: bool,
    /// Set when an application-layer criterion refused the request: only
    /// then can a denial be an L7 one.
    pub l7_refused: std::cell::Cell<bool>,
    /// What the client received from the first refusal (an HTTP 403, ...).
    pub l7_response: std::cell::RefCell<Option<Reply>>,
    /// Authentication criteria are checked against the flow (false: they
    /// are treated as satisfied, to tell an authentication failure apart).
    pub auth_check: std::cell::Cell<bool>,
    /// Set when an authentication criterion failed.
    pub auth_refused: std::cell::Cell<bool>,
    /// Application-layer criteria refuse every request (with `l7`): does
    /// anything admit the connection without a proxy's say?
    pub refuse_requests: bool,
    /// Set when an application-layer criterion was met, evaluated or not.
    pub l7_seen: std::cell::Cell<bool>,
    /// Set when an authentication criterion was met, checked or not.
    pub auth_seen: std::cell::Cell<bool>,
    /// Only verdicts are wanted: criteria stop at the first miss and keep
    /// no trace.
    pub quiet: bool,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        cluster: &'a Cluster,
        ids: &'a Identities,
        flow: &'a Flow,
        dataplane: &'a Dataplane,
    ) -> Self {
        let mut ctx = Ctx::quiet(cluster, ids, flow, dataplane);
        ctx.quiet = false;
        ctx.src_described = ctx.src_owners.iter().map(|o| describe_owner(o)).collect();
        ctx.dst_described = ctx.dst_owners.iter().map(|o| describe_owner(o)).collect();
        ctx
    }

    /// A context whose traces do not describe the owners at each end (for
    /// callers that want only the verdict).
    pub(crate) fn quiet(
        cluster: &'a Cluster,
        ids: &'a Identities,
        flow: &'a Flow,
        dataplane: &'a Dataplane,
    ) -> Self {
        let src_owners = ids.owners(flow.src.ip);
        let dst_owners = ids.owners(flow.dst.ip);
        Ctx {
            cluster,
            ids,
            flow,
            dataplane,
            src_described: Vec::new(),
            dst_described: Vec::new(),
            holes: None,
            src_owners,
            dst_owners,
            l7: true,
            l7_refused: std::cell::Cell::new(false),
            l7_response: std::cell::RefCell::new(None),
            auth_check: std::cell::Cell::new(true),
            auth_refused: std::cell::Cell::new(false),
            refuse_requests: false,
            l7_seen: std::cell::Cell::new(false),
            auth_seen: std::cell::Cell::new(false),
            quiet: true,
        }
    }

    /// A context whose traces show `holes` in place of each end's name,
    /// description and address (each end has one owner).
    pub(crate) fn templated(
        cluster: &'a Cluster,
        ids: &'a Identities,
        flow: &'a Flow,
        dataplane: &'a Dataplane,
        holes: &'a Holes,
    ) -> Self {
        let mut ctx = Ctx::quiet(cluster, ids, flow, dataplane);
        ctx.quiet = false;
        ctx.src_described = ctx
            .src_owners
            .iter()
            .map(|_| holes.described[0].clone())
            .collect();
        ctx.dst_described = ctx
            .dst_owners
            .iter()
            .map(|_| holes.described[1].clone())
            .collect();
        ctx.holes = Some(holes);
        ctx
    }

    /// An owner's name as the trace shows it.
    pub(crate) fn owner_name<'s>(&'s self, side: Side, owner: &'s Owner) -> &'s str {
        match self.holes {
            Some(h) => &h.name[side_index(side)],
            None => &owner.name,
        }
    }

    /// The address of one side as the trace shows it.
    fn ip_text(&self, side: Side) -> String {
        match self.holes {
            Some(h) => h.ip[side_index(side)].clone(),
            None => self.ip(side).to_string(),
        }
    }

    fn ip(&self, side: Side) -> IpAddr {
        match side {
            Side::Source => self.flow.src.ip,
            Side::Destination => self.flow.dst.ip,
        }
    }

    fn owners(&self, side: Side) -> &[&'a Owner] {
        match side {
            Side::Source => &self.src_owners,
            Side::Destination => &self.dst_owners,
        }
    }

    fn described(&self, side: Side) -> &[String] {
        match side {
            Side::Source => &self.src_described,
            Side::Destination => &self.dst_described,
        }
    }

    fn port(&self, side: Side) -> Option<u16> {
        if !self.flow.has_ports() {
            return None;
        }
        match side {
            Side::Source => self.flow.src_port,
            Side::Destination => Some(self.flow.port),
        }
    }
}

/// Stand-ins for what a trace shows of each end of a flow (index 0 the
/// source, 1 the destination): the owner's name, its `name {labels}`
/// description and its address, and the destination port. A trace evaluated with them is a template
/// that serves every flow whose ends differ only in those.
#[derive(Clone, Debug)]
pub struct Holes {
    pub name: [String; 2],
    pub described: [String; 2],
    pub ip: [String; 2],
    /// The destination port.
    pub port: String,
}

fn side_index(side: Side) -> usize {
    match side {
        Side::Source => 0,
        Side::Destination => 1,
    }
}

/// Evaluates every criterion (no short cut, so the trace shows each one).
/// A quiet context stops at the first miss and keeps no trace.
pub(crate) fn all(ctx: &Ctx, criteria: &[Criterion]) -> (bool, Vec<CriterionTrace>) {
    if ctx.quiet {
        let matched = criteria
            .iter()
            .all(|c| quick(ctx, c).unwrap_or_else(|| one(ctx, c).matched));
        return (matched, Vec::new());
    }
    let traces: Vec<CriterionTrace> = criteria.iter().map(|c| one(ctx, c)).collect();
    (traces.iter().all(|t| t.matched), traces)
}

/// The verdict of the common criteria without building their reasons;
/// `None` for the rest. Each arm mirrors its traced function below (the
/// graph-versus-simulate test holds them to the same answers).
fn quick(ctx: &Ctx, criterion: &Criterion) -> Option<bool> {
    let flow = ctx.flow;
    Some(match criterion {
        Criterion::Protocol { any_of, negated } => any_of.contains(&flow.protocol) != *negated,
        Criterion::IpVersion { version } => (if flow.dst.ip.is_ipv4() { 4 } else { 6 }) == *version,
        Criterion::Icmp {
            icmp_type,
            code,
            negated,
        } => {
            let is_icmp = matches!(flow.protocol, Proto::ICMP | Proto::ICMPV6);
            let hit = is_icmp
                && flow.icmp_type == Some(*icmp_type)
                && code.is_none_or(|c| flow.icmp_code == Some(c));
            hit != *negated
        }
        Criterion::Nets {
            side,
            nets,
            negated,
            scope,
        } => {
            let ip = ctx.ip(*side);
            let mut same_family = nets.iter().filter(|n| n.addr().is_ipv4() == ip.is_ipv4());
            let mut any = false;
            let mut hit = false;
            for n in same_family.by_ref() {
                any = true;
                hit |= n.contains(&ip);
            }
            if !any {
                false
            } else if *scope == NetScope::ExternalOnly && ctx.ids.is_cluster_address(ip) {
                *negated
            } else {
                hit != *negated
            }
        }
        Criterion::Selector {
            side,
            expr,
            negated,
            ..
        } => ctx.owners(*side).iter().any(|o| expr.matches(&o.labels)) != *negated,
        Criterion::Ports {
            side,
            any_of,
            negated,
        } if !any_of.iter().any(|m| matches!(m.ports, PortSpec::Named(_))) => {
            let Some(port) = ctx.port(*side) else {
                return Some(false);
            };
            let hit = any_of.iter().any(|m| {
                m.protocol.is_none_or(|p| p == flow.protocol)
                    && match m.ports {
                        PortSpec::All => true,
                        PortSpec::Range(a, b) => (a..=b).contains(&port),
                        PortSpec::Named(_) => false,
                    }
            });
            hit != *negated
        }
        Criterion::AnyOf { alternatives, .. } => {
            alternatives.iter().any(|alt| all(ctx, &alt.criteria).0)
        }
        Criterion::Never { .. } => false,
        _ => return None,
    })
}

fn trace(test: String, matched: bool, reason: String) -> CriterionTrace {
    CriterionTrace {
        test,
        matched,
        reason,
        alternatives: Vec::new(),
        at: None,
        origin: None,
        hint: None,
        reply: None,
    }
}

/// A refusal: why, then what the client gets (the renderer words it).
fn refused(test: String, why: String, reply: Reply) -> CriterionTrace {
    CriterionTrace {
        reply: Some(reply),
        ..trace(test, false, format!("{why}; the client gets "))
    }
}

/// A trace whose reason ends with a hint (the renderer words it).
fn hinted(test: String, matched: bool, reason: String, hint: Hint) -> CriterionTrace {
    let at = reason.len();
    hinted_at(test, matched, reason, at, hint)
}

/// A trace with a hint at byte `at` of its reason.
fn hinted_at(test: String, matched: bool, reason: String, at: usize, hint: Hint) -> CriterionTrace {
    CriterionTrace {
        hint: Some(PlacedHint { at, hint }),
        ..trace(test, matched, reason)
    }
}

pub(crate) fn one(ctx: &Ctx, criterion: &Criterion) -> CriterionTrace {
    match criterion {
        Criterion::Protocol { any_of, negated } => protocol(ctx, any_of, *negated),
        Criterion::IpVersion { version } => {
            let actual = if ctx.flow.dst.ip.is_ipv4() { 4 } else { 6 };
            trace(
                format!("ipVersion {version}"),
                actual == *version,
                format!("the flow is IPv{actual}"),
            )
        }
        Criterion::Icmp {
            icmp_type,
            code,
            negated,
        } => icmp(ctx, *icmp_type, *code, *negated),
        Criterion::Nets {
            side,
            nets,
            negated,
            scope,
        } => self::nets(ctx, *side, nets, *negated, *scope),
        Criterion::Selector {
            side,
            expr,
            text,
            negated,
        } => selector(ctx, *side, expr, text, *negated),
        Criterion::Ports {
            side,
            any_of,
            negated,
        } => ports(ctx, *side, any_of, *negated),
        Criterion::Service {
            side,
            namespace,
            name,
        } => service(ctx, *side, namespace, name),
        Criterion::AnyOf { what, alternatives } => {
            let alternatives: Vec<AlternativeTrace> = alternatives
                .iter()
                .map(|alt| {
                    let (matched, criteria) = all(ctx, &alt.criteria);
                    AlternativeTrace {
                        label: alt.label.clone(),
                        matched,
                        criteria,
                        at: None,
                        origin: alt.origin,
                    }
                })
                .collect();
            let hits: Vec<&str> = alternatives
                .iter()
                .filter(|a| a.matched)
                .map(|a| a.label.as_str())
                .collect();
            let reason = if hits.is_empty() {
                format!("none of the {} {what} entries matched", alternatives.len())
            } else {
                format!("{} matched", hits.join(", "))
            };
            let matched = !hits.is_empty();
            CriterionTrace {
                alternatives,
                ..trace(what.clone(), matched, reason)
            }
        }
        Criterion::Http(m) => http_match(ctx, m),
        Criterion::L7(m) => l7_match(ctx, m),
        Criterion::Entities { side, entities } => self::entities(ctx, *side, entities),
        Criterion::Nodes { side, expr, text } => nodes(ctx, *side, expr, text),
        Criterion::Fqdn { side, patterns } => fqdn(ctx, *side, patterns),
        Criterion::Auth { mode } => auth(ctx, *mode),
        Criterion::Never { why } => trace("never matches".into(), false, why.clone()),
    }
}

/// What kind of peer is at one side, as Cilium's identities tell them
/// apart.
enum PeerKind<'a> {
    /// A pod with its own identity.
    Pod,
    /// A node's address or a hostNetwork pod on it.
    Node(Option<&'a crate::model::Node>, Option<&'a str>),
    World,
}

fn peer_kind<'a>(ctx: &Ctx<'a>, side: Side) -> PeerKind<'a> {
    let cluster = ctx.cluster;
    let end = match side {
        Side::Source => &ctx.flow.src.end,
        Side::Destination => &ctx.flow.dst.end,
    };
    let node_named = |name: Option<&'a str>| {
        let node = name.and_then(|n| cluster.nodes.iter().find(|x| x.name == n));
        PeerKind::Node(node, name)
    };
    match end {
        FlowEnd::Pod { index } => match cluster.endpoints.get(*index) {
            Some(ep) if ep.host_network => node_named(ep.node.as_deref()),
            _ => PeerKind::Pod,
        },
        FlowEnd::HostEndpoint { index } => node_named(
            cluster
                .host_endpoints
                .get(*index)
                .and_then(|h| h.node.as_deref()),
        ),
        FlowEnd::Node { index } => {
            let node = cluster.nodes.get(*index);
            PeerKind::Node(node, node.map(|n| n.name.as_str()))
        }
        FlowEnd::External => PeerKind::World,
    }
}

/// The node the endpoint enforcing policy runs on: the other side's.
fn enforcing_node<'a>(ctx: &Ctx<'a>, side: Side) -> Option<&'a str> {
    let other = match side {
        Side::Source => Side::Destination,
        Side::Destination => Side::Source,
    };
    match peer_kind(ctx, other) {
        PeerKind::Node(_, name) => name,
        PeerKind::Pod => {
            let end = match other {
                Side::Source => &ctx.flow.src.end,
                Side::Destination => &ctx.flow.dst.end,
            };
            match end {
                FlowEnd::Pod { index } => ctx
                    .cluster
                    .endpoints
                    .get(*index)
                    .and_then(|e| e.node.as_deref()),
                _ => None,
            }
        }
        PeerKind::World => None,
    }
}

/// Cilium entities (reserved identities, SEMANTICS.md §C3).
fn entities(ctx: &Ctx, side: Side, entities: &[Entity]) -> CriterionTrace {
    let list = joined(entities.iter());
    let test = format!("{side} entity {list}");
    let ip = ctx.ip(side);
    let kind = peer_kind(ctx, side);
    let local = enforcing_node(ctx, side);
    let (is, what): (Vec<Entity>, String) = match &kind {
        PeerKind::World => {
            let family = if ip.is_ipv4() {
                Entity::WorldIpv4
            } else {
                Entity::WorldIpv6
            };
            (
                vec![Entity::All, Entity::World, family],
                format!("{ip} is outside the cluster (world)"),
            )
        }
        PeerKind::Pod => (
            vec![Entity::All, Entity::Cluster],
            format!(
                "{} is a pod of this cluster",
                ctx.described(side)
                    .first()
                    .map_or_else(|| ip.to_string(), String::clone)
            ),
        ),
        PeerKind::Node(node, name) => {
            let here = name.is_some() && *name == local;
            let mut is = vec![Entity::All, Entity::Cluster];
            let who = name.unwrap_or("a node");
            let mut what = if here {
                is.push(Entity::Host);
                format!("{ip} is {who}, the enforcing endpoint's own node (host)")
            } else {
                is.push(Entity::RemoteNode);
                match local {
                    Some(l) => {
                        format!("{ip} is {who}, not {l} where the endpoint runs (remote-node)")
                    }
                    None => format!(
                        "{ip} is {who}; the endpoint's node is unknown (spec.nodeName), so it counts as remote-node"
                    ),
                }
            };
            // Nodes running the API server have the kube-apiserver
            // identity too.
            if node.is_some_and(|n| n.api_server) {
                is.push(Entity::KubeApiserver);
                what.push_str("; a control-plane node, so also kube-apiserver");
            }
            (is, what)
        }
    };
    let hit = entities.iter().find(|e| is.contains(e));
    let reason = match hit {
        Some(e) => format!("{what}: matches {e}"),
        None => {
            let unmodelled: Vec<String> = entities
                .iter()
                .filter(|e| {
                    matches!(
                        e,
                        Entity::Ingress | Entity::Init | Entity::Health | Entity::Unmanaged
                    )
                })
                .map(Entity::to_string)
                .collect();
            if unmodelled.is_empty() {
                what
            } else {
                format!(
                    "{what}; polctl models no {} endpoints",
                    unmodelled.join("/")
                )
            }
        }
    };
    trace(test, hit.is_some(), reason)
}

/// `fromNodes`/`toNodes`: the peer is a node whose labels match.
fn nodes(ctx: &Ctx, side: Side, expr: &Expr, text: &str) -> CriterionTrace {
    let test = format!("{side} node {text}");
    match peer_kind(ctx, side) {
        PeerKind::Node(Some(node), _) => {
            let hit = expr.matches(&node.labels);
            let reason = if hit {
                format!("node {} matches", node.name)
            } else {
                format!(
                    "node {} {} does not match",
                    node.name,
                    short_labels(&node.labels)
                )
            };
            trace(test, hit, reason)
        }
        PeerKind::Node(None, name) => trace(
            test,
            false,
            format!(
                "node {} is not loaded, so its labels are unknown",
                name.unwrap_or("?")
            ),
        ),
        PeerKind::Pod | PeerKind::World => {
            trace(test, false, format!("{} is not a node", ctx.ip(side)))
        }
    }
}

/// `toFQDNs`: the address is one the DNS table gives for a matching name.
fn fqdn(ctx: &Ctx, side: Side, patterns: &[FqdnPattern]) -> CriterionTrace {
    let list = joined(patterns.iter());
    let test = format!("{side} FQDN [{list}]");
    let ip = ctx.ip(side);
    if ctx.ids.is_cluster_address(ip) {
        return trace(
            test,
            false,
            format!(
                "{ip} belongs to a cluster endpoint; FQDN rules only match addresses outside the cluster"
            ),
        );
    }
    let names: Vec<&str> = ctx
        .cluster
        .dns
        .iter()
        .filter(|(_, ips)| ips.contains(&ip))
        .map(|(n, _)| n.as_str())
        .collect();
    if names.is_empty() {
        return hinted(
            test,
            false,
            format!("no DNS answer gives {ip}"),
            Hint::Named(Input::DnsAnswers),
        );
    }
    let hit = names
        .iter()
        .find(|n| patterns.iter().any(|p| l7::fqdn_matches(p, n)));
    let reason = match hit {
        Some(n) => format!("{ip} is an answer for {n}"),
        None => format!(
            "{ip} answers {}, which no pattern matches",
            names.join(", ")
        ),
    };
    trace(test, hit.is_some(), reason)
}

/// `authentication.mode`: the allowed traffic needs mutual authentication.
fn auth(ctx: &Ctx, mode: AuthMode) -> CriterionTrace {
    ctx.auth_seen.set(true);
    match mode {
        AuthMode::TestAlwaysFail => {
            if ctx.auth_check.get() {
                ctx.auth_refused.set(true);
            }
            trace(
                "authentication test-always-fail".into(),
                !ctx.auth_check.get(),
                "the test mode fails every handshake".into(),
            )
        }
        AuthMode::Required if !ctx.auth_check.get() => trace(
            "authentication required".into(),
            true,
            "not evaluated: telling an authentication failure apart".into(),
        ),
        AuthMode::Required if ctx.flow.auth_fails => {
            ctx.auth_refused.set(true);
            CriterionTrace {
                hint: Some(PlacedHint {
                    at: "mutual authentication fails".len(),
                    hint: Hint::Named(Input::Auth { fails: true }),
                }),
                ..refused(
                    "authentication required".into(),
                    "mutual authentication fails".into(),
                    Reply::AuthenticationRequired,
                )
            }
        }
        AuthMode::Required => hinted(
            "authentication required".into(),
            true,
            "mutual authentication succeeds".into(),
            Hint::Named(Input::Auth { fails: false }),
        ),
    }
}

fn l7_match(ctx: &Ctx, m: &L7Match) -> CriterionTrace {
    let test = l7::describe(m);
    if !ctx.dataplane.app_layer {
        return hinted(
            test,
            true,
            "ignored: no L7 proxy".into(),
            Hint::Named(Input::NoAppLayer),
        );
    }
    ctx.l7_seen.set(true);
    if !ctx.l7 {
        return trace(test, true, "not evaluated at L3/L4".into());
    }
    if ctx.refuse_requests {
        return trace(test, false, "the proxy refuses some requests".into());
    }
    match l7::check(m, ctx.flow) {
        L7Check::NoRequest(hint) => hinted(
            test,
            true,
            "the connection is admitted and sent to the proxy, which checks each request".into(),
            hint,
        ),
        L7Check::Unmodelled(why) => trace(
            test,
            true,
            format!(
                "the connection is admitted and sent to the proxy, which checks each request ({why})"
            ),
        ),
        L7Check::Pass(why) => trace(test, true, why),
        L7Check::Refused { reason, reply } => {
            ctx.l7_refused.set(true);
            let mut first = ctx.l7_response.borrow_mut();
            if first.is_none() {
                *first = Some(reply.clone());
            }
            refused(test, reason, reply)
        }
    }
}

fn protocol(ctx: &Ctx, any_of: &[Proto], negated: bool) -> CriterionTrace {
    let list = joined(any_of.iter());
    let hit = any_of.contains(&ctx.flow.protocol);
    let test = if negated {
        format!("notProtocol {list}")
    } else {
        format!("protocol {list}")
    };
    let reason = if hit {
        format!("the flow is {}", ctx.flow.protocol)
    } else {
        format!("the flow is {}, not {list}", ctx.flow.protocol)
    };
    trace(test, hit != negated, reason)
}

fn icmp(ctx: &Ctx, icmp_type: u8, code: Option<u8>, negated: bool) -> CriterionTrace {
    let f = ctx.flow;
    let is_icmp = matches!(f.protocol, Proto::ICMP | Proto::ICMPV6);
    let hit =
        is_icmp && f.icmp_type == Some(icmp_type) && code.is_none_or(|c| f.icmp_code == Some(c));
    let want = match code {
        Some(c) => format!("type {icmp_type} code {c}"),
        None => format!("type {icmp_type}"),
    };
    let test = if negated {
        format!("notICMP {want}")
    } else {
        format!("ICMP {want}")
    };
    let reason = if !is_icmp {
        format!("the flow is {}, not ICMP", f.protocol)
    } else {
        format!(
            "the flow is ICMP type {} code {}",
            f.icmp_type.map_or("-".into(), |t| t.to_string()),
            f.icmp_code.map_or("-".into(), |c| c.to_string())
        )
    };
    trace(test, hit != negated, reason)
}

fn nets(ctx: &Ctx, side: Side, nets: &[IpNet], negated: bool, scope: NetScope) -> CriterionTrace {
    let ip = ctx.ip(side);
    let list = joined(nets.iter());
    let test = format!(
        "{side} {} [{list}]",
        if negated { "notNets" } else { "nets" }
    );
    let same_family: Vec<&IpNet> = nets
        .iter()
        .filter(|n| n.addr().is_ipv4() == ip.is_ipv4())
        .collect();
    // Felix renders a rule per IP family and drops it for a family when a
    // non-empty nets/notNets list has no CIDR of that family
    // (felix/rules/policy.go filterNets): such a rule never matches.
    if same_family.is_empty() {
        return trace(
            test,
            false,
            format!(
                "no IPv{} network in the list: the rule does not apply to this family",
                if ip.is_ipv4() { 4 } else { 6 }
            ),
        );
    }
    if scope == NetScope::ExternalOnly && ctx.ids.is_cluster_address(ip) {
        // CIDR rules do not select cluster-managed endpoints or nodes.
        return trace(
            test,
            negated,
            format!(
                "{} belongs to a cluster endpoint; CIDR rules only match addresses outside the cluster",
                ctx.ip_text(side)
            ),
        );
    }
    let hit = same_family.iter().find(|n| n.contains(&ip));
    let reason = match hit {
        Some(n) => format!("{} is in {n}", ctx.ip_text(side)),
        None => format!("{} is in none of them", ctx.ip_text(side)),
    };
    trace(test, hit.is_some() != negated, reason)
}

pub(crate) fn describe_owner(owner: &Owner) -> String {
    format!("{} {}", owner.name, short_labels(&owner.labels))
}

/// Labels without the implicit ones, `{a=b,c=d}`.
fn short_labels(labels: &Labels) -> String {
    let shown: Vec<String> = labels
        .iter()
        .filter(|(k, _)| !implicit::is_added(k))
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    format!("{{{}}}", shown.join(","))
}

fn selector(ctx: &Ctx, side: Side, expr: &Expr, text: &str, negated: bool) -> CriterionTrace {
    let owners = ctx.owners(side);
    let test = format!(
        "{side} {} `{text}`",
        if negated { "notSelector" } else { "selector" }
    );
    let hit = owners.iter().position(|o| expr.matches(&o.labels));
    let described = ctx.described(side);
    let reason = match (hit, owners.is_empty()) {
        // A quiet context has no descriptions: the owner's name stands in.
        (Some(i), _) => match described.get(i) {
            Some(d) => format!("matched {d}"),
            None => format!("matched {}", ctx.owner_name(side, owners[i])),
        },
        (None, true) => format!(
            "no labelled endpoint or network set owns {}",
            ctx.ip_text(side)
        ),
        (None, false) => format!("did not match {}", described.join(", ")),
    };
    trace(test, hit.is_some() != negated, reason)
}

fn ports(ctx: &Ctx, side: Side, any_of: &[PortMatch], negated: bool) -> CriterionTrace {
    let list = joined(any_of.iter());
    let what = match side {
        Side::Source => "source port",
        Side::Destination => "port",
    };
    let test = format!("{what} {}[{list}]", if negated { "not in " } else { "in " });
    let Some(port) = ctx.port(side) else {
        if ctx.flow.has_ports() {
            return hinted(
                test,
                false,
                "the flow gives no source port".into(),
                Hint::Named(Input::SrcPort),
            );
        }
        return trace(test, false, format!("{} has no ports", ctx.flow.protocol));
    };
    let proto = ctx.flow.protocol;
    let mut named_notes = Vec::new();
    let mut hit = false;
    for m in any_of {
        let proto_ok = m.protocol.is_none_or(|p| p == proto);
        if !proto_ok {
            continue;
        }
        match &m.ports {
            PortSpec::All => hit = true,
            PortSpec::Range(a, b) => hit |= (*a..=*b).contains(&port),
            PortSpec::Named(name) => {
                // A named port matches the (address, protocol, port) of every
                // endpoint declaring that name (felix/calc/rule_scanner.go).
                let owners = ctx.owners(side);
                let mut resolved = Vec::new();
                for o in owners {
                    for p in named_ports(ctx.cluster, o.kind) {
                        if &p.name != name || m.protocol.is_some_and(|mp| mp != p.protocol) {
                            continue;
                        }
                        hit |= p.port == port && p.protocol == proto;
                        resolved.push(format!(
                            "{}/{} on {}",
                            p.port,
                            p.protocol,
                            ctx.owner_name(side, o)
                        ));
                    }
                }
                if resolved.is_empty() {
                    named_notes.push(format!(
                        "named port {name} is not declared by {}",
                        owners.first().map_or_else(
                            || ctx.ip_text(side),
                            |o| ctx.owner_name(side, o).to_string()
                        )
                    ));
                } else {
                    named_notes.push(format!(
                        "named port {name} resolved to {}",
                        resolved.join(", ")
                    ));
                }
            }
        }
    }
    let shown = match (side, ctx.holes) {
        (Side::Destination, Some(h)) => h.port.clone(),
        _ => port.to_string(),
    };
    let mut reason = if hit {
        format!("{shown}/{proto} matched")
    } else {
        format!("{shown}/{proto} not in [{list}]")
    };
    if !named_notes.is_empty() {
        reason = format!("{reason}; {}", named_notes.join("; "));
    }
    trace(test, hit != negated, reason)
}

fn service(ctx: &Ctx, side: Side, namespace: &str, name: &str) -> CriterionTrace {
    let test = format!("{side} service {namespace}/{name}");
    let Some(svc) = ctx
        .cluster
        .services
        .iter()
        .find(|s| s.namespace == namespace && s.name == name)
    else {
        return trace(
            test,
            false,
            format!("no Service {namespace}/{name} is loaded"),
        );
    };
    let Some(selector) = &svc.selector else {
        return trace(
            test,
            false,
            "the Service has no selector; its endpoints are not loaded".into(),
        );
    };
    let ip = ctx.ip(side);
    let backend = ctx.cluster.endpoints.iter().find(|ep| {
        ep.namespace == namespace
            && ep.ips.contains(&ip)
            && selector.iter().all(|(k, v)| ep.labels.get(k) == Some(v))
    });
    let Some(backend) = backend else {
        return trace(test, false, format!("{ip} is not a backend of the Service"));
    };
    if side == Side::Source {
        return trace(
            test,
            true,
            format!("{}/{} is a backend", backend.namespace, backend.name),
        );
    }
    // Destination: the (address, protocol, target port) tuples of the
    // Service's EndpointSlice (rule_scanner.go ServiceIncludePorts).
    let proto = ctx.flow.protocol;
    let port = ctx.flow.port;
    let targets: Vec<u16> = svc
        .ports
        .iter()
        .filter(|p| p.protocol == proto)
        .filter_map(|p| match &p.target {
            crate::model::TargetPort::Number(n) => Some(*n),
            crate::model::TargetPort::Name(n) => backend
                .ports
                .iter()
                .find(|bp| &bp.name == n && bp.protocol == proto)
                .map(|bp| bp.port),
        })
        .collect();
    let hit = ctx.flow.has_ports() && targets.contains(&port);
    let reason = if hit {
        format!(
            "{}/{} is a backend on {port}/{proto}",
            backend.namespace, backend.name
        )
    } else {
        format!(
            "{}/{} is a backend, but {port}/{proto} is not one of its target ports",
            backend.namespace, backend.name
        )
    };
    trace(test, hit, reason)
}

fn http_match(ctx: &Ctx, m: &HttpMatch) -> CriterionTrace {
    let mut parts = Vec::new();
    if !m.methods.is_empty() {
        parts.push(format!("methods [{}]", m.methods.join(", ")));
    }
    if !m.paths.is_empty() {
        parts.push(format!(
            "paths [{}]",
            m.paths
                .iter()
                .map(|p| p.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    let test = format!("HTTP {}", parts.join(" "));
    if !ctx.dataplane.app_layer {
        let ignored = "ignored: no application layer";
        return hinted_at(
            test,
            true,
            format!("{ignored}; the L3/L4 dataplane does not see HTTP"),
            ignored.len(),
            Hint::Named(Input::NoAppLayer),
        );
    }
    ctx.l7_seen.set(true);
    if !ctx.l7 {
        return trace(test, true, "not evaluated at L3/L4".into());
    }
    if ctx.refuse_requests {
        return trace(test, false, "the proxy refuses some requests".into());
    }
    let Some(req) = &ctx.flow.http else {
        return hinted(
            test,
            true,
            "the connection is admitted; each HTTP request is checked".into(),
            Hint::give([Input::Method, Input::Path]),
        );
    };
    let (hit, reason) = http::matches(m, req);
    if !hit {
        ctx.l7_refused.set(true);
        let mut first = ctx.l7_response.borrow_mut();
        if first.is_none() {
            // Envoy's ext_authz filter answers a Dikastes denial with 403.
            *first = Some(Reply::HttpForbiddenExternal);
        }
    }
    trace(test, hit, reason)
}

/// Items as `a, b, c`.
fn joined<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items.map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}
