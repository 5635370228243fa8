//! Meaning checks for AdminNetworkPolicy, BaselineAdminNetworkPolicy and
//! ClusterNetworkPolicy, after typing: what the CRDs' validation (and CEL
//! rules) would refuse.

use crate::dialect::k8s::check::label_selector;
use crate::dialect::npapi;
use crate::model::Spanned;
use crate::syntax::Problem;

fn subject(s: &Spanned<npapi::Subject>, out: &mut Vec<Problem>) {
    match (&s.namespaces, &s.pods) {
        (Some(ns), None) => label_selector(ns, out),
        (None, Some(p)) => {
            label_selector(&p.namespace_selector, out);
            label_selector(&p.pod_selector, out);
        }
        _ => out.push(Problem::new(
            s.span,
            "subject must set exactly one of namespaces or pods",
        )),
    }
}

/// Exactly one peer field (the CRD's MinProperties/MaxProperties).
fn anp_peer(peer: &Spanned<npapi::AnpPeer>, ingress: bool, out: &mut Vec<Problem>) {
    let p = &peer.value;
    let set = [
        p.namespaces.is_some(),
        p.pods.is_some(),
        p.nodes.is_some(),
        p.networks.is_some(),
        p.domain_names.is_some(),
    ];
    if set.iter().filter(|s| **s).count() != 1 {
        out.push(Problem::new(
            peer.span,
            "a peer must set exactly one of namespaces, pods, nodes, networks or domainNames",
        ));
    }
    if ingress && (p.nodes.is_some() || p.networks.is_some() || p.domain_names.is_some()) {
        out.push(Problem::new(
            peer.span,
            "ingress peers are namespaces or pods only",
        ));
    }
    for sel in p.namespaces.iter().chain(&p.nodes) {
        label_selector(sel, out);
    }
    if let Some(pods) = &p.pods {
        label_selector(&pods.namespace_selector, out);
        label_selector(&pods.pod_selector, out);
    }
}

fn anp_ports(ports: &Option<Vec<Spanned<npapi::AnpPort>>>, out: &mut Vec<Problem>) {
    for port in ports.iter().flatten() {
        let p = &port.value;
        let set = [
            p.port_number.is_some(),
            p.named_port.is_some(),
            p.port_range.is_some(),
        ]
        .iter()
        .filter(|s| **s)
        .count();
        if set != 1 {
            out.push(Problem::new(
                port.span,
                "a port must set exactly one of portNumber, portRange or namedPort",
            ));
        }
        if let Some(r) = &p.port_range
            && r.start.value >= r.end.value
        {
            out.push(Problem::new(
                r.end.span,
                "portRange end must be greater than start",
            ));
        }
    }
}

pub(crate) fn admin_network_policy(
    p: &npapi::AdminNetworkPolicy,
    baseline: bool,
    out: &mut Vec<Problem>,
) {
    let name = p.metadata.name.as_ref();
    match (&p.spec.priority, baseline) {
        (Some(prio), false) if !(0..=1000).contains(&prio.value) => out.push(Problem::new(
            prio.span,
            format!("priority {} is out of range 0-1000", prio.value),
        )),
        (None, false) => out.push(Problem::new(
            p.spec.subject.span,
            "AdminNetworkPolicy needs spec.priority (0-1000)",
        )),
        (Some(prio), true) => out.push(Problem::new(
            prio.span,
            "BaselineAdminNetworkPolicy has no priority",
        )),
        _ => {}
    }
    if baseline && let Some(name) = name.filter(|n| n.value != "default") {
        out.push(
            Problem::new(
                name.span,
                "a BaselineAdminNetworkPolicy must be named `default`",
            )
            .help("the baseline is a cluster singleton"),
        );
    }
    subject(&p.spec.subject, out);
    for rule in &p.spec.ingress {
        if baseline && rule.action.value == npapi::AnpAction::Pass {
            out.push(Problem::new(
                rule.action.span,
                "BaselineAdminNetworkPolicy rules are Allow or Deny",
            ));
        }
        rule.from.iter().for_each(|peer| anp_peer(peer, true, out));
        anp_ports(&rule.ports, out);
    }
    for rule in &p.spec.egress {
        if baseline && rule.action.value == npapi::AnpAction::Pass {
            out.push(Problem::new(
                rule.action.span,
                "BaselineAdminNetworkPolicy rules are Allow or Deny",
            ));
        }
        rule.to.iter().for_each(|peer| anp_peer(peer, false, out));
        anp_ports(&rule.ports, out);
    }
}

pub(crate) fn cluster_network_policy(p: &npapi::ClusterNetworkPolicy, out: &mut Vec<Problem>) {
    if !(0..=1000).contains(&p.spec.priority.value) {
        out.push(Problem::new(
            p.spec.priority.span,
            format!("priority {} is out of range 0-1000", p.spec.priority.value),
        ));
    }
    subject(&p.spec.subject, out);
    let protocols = |protos: &Option<Vec<Spanned<npapi::CnpProtocol>>>, out: &mut Vec<Problem>| {
        for proto in protos.iter().flatten() {
            let v = &proto.value;
            let set = [
                v.tcp.is_some(),
                v.udp.is_some(),
                v.sctp.is_some(),
                v.destination_named_port.is_some(),
            ];
            if set.iter().filter(|s| **s).count() != 1 {
                out.push(Problem::new(
                    proto.span,
                    "a protocol must set exactly one of tcp, udp, sctp or destinationNamedPort",
                ));
            }
            for ports in [&v.tcp, &v.udp, &v.sctp].into_iter().flatten() {
                if let Some(port) = &ports.destination_port {
                    let both = port.number.is_some() == port.range.is_some();
                    if both {
                        out.push(Problem::new(
                            port.span,
                            "destinationPort must set exactly one of number or range",
                        ));
                    }
                    if let Some(r) = &port.range
                        && r.start.value >= r.end.value
                    {
                        out.push(Problem::new(
                            r.end.span,
                            "range end must be greater than start",
                        ));
                    }
                }
            }
        }
    };
    for rule in &p.spec.ingress {
        rule.from.iter().for_each(|peer| anp_peer(peer, true, out));
        protocols(&rule.protocols, out);
    }
    for rule in &p.spec.egress {
        rule.to.iter().for_each(|peer| anp_peer(peer, false, out));
        protocols(&rule.protocols, out);
    }
}
