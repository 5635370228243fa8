//! What a refused client gets, in words: the answers of the dataplanes and
//! proxies polctl models (SEMANTICS.md §C8, §F).

use crate::sim::eval::Reply;

/// The words for a reply, e.g. `HTTP 403 Forbidden "Access denied"`.
pub(crate) fn word(reply: &Reply) -> String {
    match reply {
        Reply::Dropped => "nothing: the packets are dropped and the connection times out".into(),
        Reply::AuthenticationRequired => {
            "nothing: the packets are dropped (drop reason \"Authentication required\")".into()
        }
        // cilium/proxy `cilium/l7policy.cc`: the default denied_403_body.
        Reply::HttpForbidden => "HTTP 403 Forbidden \"Access denied\"".into(),
        Reply::HttpForbiddenExternal => "HTTP 403 Forbidden".into(),
        Reply::HttpStatus(400) => "HTTP 400 Bad Request".into(),
        Reply::HttpStatus(404) => "HTTP 404 Not Found".into(),
        Reply::HttpStatus(code) => format!("HTTP {code}"),
        // pkg/fqdn/dnsproxy: REFUSED unless the agent is told otherwise.
        Reply::DnsRefused => "DNS response REFUSED (rcode 5) from Cilium's DNS proxy \
            (NXDOMAIN instead with --tofqdns-dns-reject-response-code=nameError)"
            .into(),
        // proxylib/kafka/kafkalib/request.go: CreateResponse.
        Reply::KafkaTopicAuthorizationFailed => {
            "Kafka error response, error code 29 TOPIC_AUTHORIZATION_FAILED".into()
        }
        Reply::KafkaNoReply { api_key } => format!(
            "no reply: proxylib drops the {api_key} request without an error response \
             (it builds one only for produce, fetch, offsets, metadata, offsetcommit, \
             offsetfetch, findcoordinator); the client times out"
        ),
        Reply::CassandraUnauthorized => {
            "Cassandra ERROR frame, code 0x2100 Unauthorized: \"Request Unauthorized\"".into()
        }
        Reply::MemcacheAccessDenied => {
            "memcached reply `CLIENT_ERROR access denied` (none for a noreply request)".into()
        }
        Reply::R2d2Error => "r2d2 reply `ERROR`".into(),
        Reply::ConnectionClosed => "the proxy closes the connection".into(),
        Reply::ParserError => "the proxy closes the connection (proxylib parser error)".into(),
        Reply::ProxyError => "an error from the proxy".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::lower::{Choice, Input, lower};
    use crate::load::load_text;
    use crate::model::policy::Cni;
    use crate::render::hint::Wording;
    use crate::sim::eval::{Evaluator, Layer};
    use crate::sim::resolve::{FlowRequest, PortRef, flows, parse_protocol};

    /// The evaluator leaves the reply structured; wording the outcome puts
    /// it in the refusing criterion's reason and in what the client sees.
    #[test]
    fn wording_an_outcome_words_its_reply() {
        let inv = load_text(
            "t.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a, namespace: ns, labels: {app: a}}\n\
             spec: {containers: [{name: c}]}\nstatus: {podIP: 10.0.0.1}\n---\n\
             apiVersion: v1\nkind: Pod\nmetadata: {name: b, namespace: ns, labels: {app: b}}\n\
             spec: {containers: [{name: c}]}\nstatus: {podIP: 10.0.0.2}\n---\n\
             apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: dns, namespace: ns}\n\
             spec:\n  endpointSelector: {matchLabels: {app: a}}\n  egress:\n\
             \x20 - toPorts: [{ports: [{port: \"53\", protocol: UDP}], rules: {dns: [{matchName: ok.example}]}}]\n",
        )
        .unwrap();
        let input = Input::from(&inv);
        let choice = Choice {
            cni: Some(Cni::Cilium),
            app_layer: true,
            ..Choice::default()
        };
        let set = lower(&input, &choice).set;
        let ev = Evaluator::new(&set, &inv.cluster);
        let req = FlowRequest {
            from: "ns/a".into(),
            to: "ns/b".into(),
            protocol: Some(parse_protocol("UDP").unwrap()),
            port: Some(PortRef::Number(53)),
            l7: vec![("query".into(), "bad.example".into())],
            ..Default::default()
        };
        let flow = flows(&inv.cluster, &req, "ns").unwrap().remove(0);
        let mut o = ev.evaluate(flow);
        assert_eq!(o.denied_at, Some(Layer::L7));
        assert_eq!(o.client_reply, Some(Reply::DnsRefused));
        assert_eq!(o.client_sees, None);
        o.word(&Wording::Flags);
        let sees = o.client_sees.clone().unwrap();
        assert_eq!(sees, word(&Reply::DnsRefused));
        assert!(sees.contains("Cilium's DNS proxy"), "{sees}");
        let refusal = o
            .egress
            .tiers
            .iter()
            .flat_map(|t| &t.policies)
            .flat_map(|p| &p.rules)
            .flat_map(|r| &r.criteria)
            .find(|c| !c.matched)
            .unwrap();
        assert!(
            refusal
                .reason
                .ends_with(&format!("; the client gets {sees}")),
            "{}",
            refusal.reason
        );
    }
}
