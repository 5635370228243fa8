//! Meaning checks for the Kubernetes policy APIs, after typing: what the
//! API server's validation (and the CRDs' CEL rules) would refuse.

use super::common::{LabelSelector, SelectorOperator};
use super::{k8s, npapi};
use crate::model::Span;
use crate::selector::{validate_k8s_label_key, validate_k8s_label_value};
use crate::syntax::Problem;

/// `metav1.LabelSelector` validation (`ValidateLabelSelector`).
pub fn label_selector(sel: &LabelSelector, out: &mut Vec<Problem>) {
    for (k, v) in &sel.match_labels {
        if let Err(e) = validate_k8s_label_key(&k.value) {
            out.push(Problem::new(
                k.span,
                format!("invalid label key `{}` in matchLabels: {e}", k.value),
            ));
        }
        if let Err(e) = validate_k8s_label_value(&v.value) {
            out.push(Problem::new(
                v.span,
                format!("invalid label value `{}` in matchLabels: {e}", v.value),
            ));
        }
    }
    for req in &sel.match_expressions {
        if let Err(e) = validate_k8s_label_key(&req.key.value) {
            out.push(Problem::new(
                req.key.span,
                format!("invalid label key `{}`: {e}", req.key.value),
            ));
        }
        match req.operator.value {
            SelectorOperator::In | SelectorOperator::NotIn if req.values.is_empty() => out.push(
                Problem::new(
                    req.operator.span,
                    format!("operator {:?} needs at least one value", req.operator.value),
                )
                .help("add `values: [...]`, or use Exists/DoesNotExist"),
            ),
            SelectorOperator::Exists | SelectorOperator::DoesNotExist if !req.values.is_empty() => {
                out.push(
                    Problem::new(
                        req.values[0].span,
                        format!("operator {:?} takes no values", req.operator.value),
                    )
                    .help("remove `values`, or use In/NotIn"),
                )
            }
            _ => {}
        }
        for v in &req.values {
            if let Err(e) = validate_k8s_label_value(&v.value) {
                out.push(Problem::new(
                    v.span,
                    format!("invalid label value `{}`: {e}", v.value),
                ));
            }
        }
    }
}

pub fn network_policy(np: &k8s::NetworkPolicy, out: &mut Vec<Problem>) {
    label_selector(&np.spec.pod_selector, out);
    let rules = np
        .spec
        .ingress
        .iter()
        .flatten()
        .map(|r| (&r.from, &r.ports))
        .chain(np.spec.egress.iter().flatten().map(|r| (&r.to, &r.ports)));
    for (peers, ports) in rules {
        for peer in peers.iter().flatten() {
            np_peer(&peer.value, peer.span, out);
        }
        for port in ports.iter().flatten() {
            np_port(&port.value, out);
        }
    }
}

fn np_peer(peer: &k8s::Peer, span: Span, out: &mut Vec<Problem>) {
    let selectors = peer.pod_selector.is_some() || peer.namespace_selector.is_some();
    match (&peer.ip_block, selectors) {
        (None, false) => out.push(
            Problem::new(
                span,
                "a peer must set podSelector, namespaceSelector or ipBlock",
            )
            .help("to allow every peer, leave out `from`/`to` instead"),
        ),
        (Some(_), true) => out.push(Problem::new(
            span,
            "ipBlock cannot be combined with podSelector or namespaceSelector",
        )),
        _ => {}
    }
    for sel in peer.pod_selector.iter().chain(&peer.namespace_selector) {
        label_selector(sel, out);
    }
    if let Some(block) = &peer.ip_block {
        for ex in &block.except {
            // ValidateIPBlock: each except must be a strict subset of cidr.
            let inside = block.cidr.net.contains(&ex.net)
                && ex.net.prefix_len() > block.cidr.net.prefix_len();
            if !inside {
                out.push(Problem::new(
                    ex.span,
                    format!(
                        "except {} is not a strict subset of cidr {}",
                        ex.value, block.cidr.value
                    ),
                ));
            }
        }
    }
}

fn np_port(port: &k8s::NetworkPolicyPort, out: &mut Vec<Problem>) {
    let Some(end) = &port.end_port else { return };
    match port.port.as_ref().map(|p| &p.value) {
        Some(super::common::Port::Number(start)) => {
            if end.value < i64::from(*start) || end.value > 65535 {
                out.push(Problem::new(
                    end.span,
                    format!(
                        "endPort {} must be between port {start} and 65535",
                        end.value
                    ),
                ));
            }
        }
        Some(super::common::Port::Name(_)) => out.push(Problem::new(
            end.span,
            "endPort cannot be used with a named port",
        )),
        None => out.push(Problem::new(end.span, "endPort needs a numeric port")),
    }
}

fn subject(s: &crate::model::Spanned<npapi::Subject>, out: &mut Vec<Problem>) {
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
fn anp_peer(peer: &crate::model::Spanned<npapi::AnpPeer>, ingress: bool, out: &mut Vec<Problem>) {
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

fn anp_ports(ports: &Option<Vec<crate::model::Spanned<npapi::AnpPort>>>, out: &mut Vec<Problem>) {
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

pub fn admin_network_policy(p: &npapi::AdminNetworkPolicy, baseline: bool, out: &mut Vec<Problem>) {
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

pub fn cluster_network_policy(p: &npapi::ClusterNetworkPolicy, out: &mut Vec<Problem>) {
    if !(0..=1000).contains(&p.spec.priority.value) {
        out.push(Problem::new(
            p.spec.priority.span,
            format!("priority {} is out of range 0-1000", p.spec.priority.value),
        ));
    }
    subject(&p.spec.subject, out);
    let protocols = |protos: &Option<Vec<crate::model::Spanned<npapi::CnpProtocol>>>,
                     out: &mut Vec<Problem>| {
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
