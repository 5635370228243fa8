//! Meaning checks for NetworkPolicy, after typing: what the API server's
//! validation would refuse.

use crate::dialect::common::{LabelSelector, Port, SelectorOperator};
use crate::dialect::k8s;
use crate::model::Span;
use crate::selector::{validate_k8s_label_key, validate_k8s_label_value};
use crate::syntax::Problem;

/// `metav1.LabelSelector` validation (`ValidateLabelSelector`).
pub(crate) fn label_selector(sel: &LabelSelector, out: &mut Vec<Problem>) {
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

pub(crate) fn network_policy(np: &k8s::NetworkPolicy, out: &mut Vec<Problem>) {
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
        Some(Port::Number(start)) => {
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
        Some(Port::Name(_)) => out.push(Problem::new(
            end.span,
            "endPort cannot be used with a named port",
        )),
        None => out.push(Problem::new(end.span, "endPort needs a numeric port")),
    }
}
