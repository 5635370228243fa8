//! `polctl simulate`: the JSON contract of a simulated request, and for
//! `--flows` one row per flow and a summary line.

use serde_json::{Map, Value, json};

use super::table;
use crate::model::policy::Dataplane;
use crate::model::{Cluster, FlowEnd, Peer};
use crate::sim::eval::{Decider, Outcome, Verdict};

/// The JSON contract of one simulated request (`simulate -o json`, and each
/// line of `--flows -o json`): the deciding flow's outcome at the top
/// (verdict, flow, both directions' traces, the staged verdict), the
/// dataplane, and `flows` with every flow's outcome when the request
/// resolved into several (a Service's backends, a CIDR's ranges). The top
/// level has the same keys whatever the target was.
pub(crate) fn json(outcomes: &[&Outcome], dataplane: &Dataplane, cluster: &Cluster) -> Value {
    let Some(&first) = outcomes.first() else {
        return Value::Null;
    };
    // The first denied flow decides a request that is denied.
    let denied = outcomes
        .iter()
        .copied()
        .find(|o| o.verdict == Verdict::Deny);
    let decisive = denied.unwrap_or(first);
    let mut top = flow_json(decisive, cluster);
    let pending = outcomes
        .iter()
        .filter_map(|o| o.pending_verdict)
        .reduce(|a, b| if a == Verdict::Deny { a } else { b });
    top.insert("verdict".into(), json!(decisive.verdict));
    top.insert(
        "l7_filtered".into(),
        json!(denied.is_none() && outcomes.iter().any(|o| o.l7_filtered)),
    );
    match pending {
        Some(p) => top.insert("pending_verdict".into(), json!(p)),
        None => top.remove("pending_verdict"),
    };
    top.insert(
        "dataplane".into(),
        serde_json::to_value(dataplane).unwrap_or(Value::Null),
    );
    if outcomes.len() > 1 {
        let flows: Vec<Value> = outcomes
            .iter()
            .map(|&o| Value::Object(flow_json(o, cluster)))
            .collect();
        top.insert("flows".into(), Value::Array(flows));
    }
    Value::Object(top)
}

/// One flow's outcome, its ends structured.
fn flow_json(outcome: &Outcome, cluster: &Cluster) -> Map<String, Value> {
    let mut v = match serde_json::to_value(outcome) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if let Some(Value::Object(flow)) = v.get_mut("flow") {
        flow.insert("src".into(), end(&outcome.flow.src, cluster));
        flow.insert("dst".into(), end(&outcome.flow.dst, cluster));
    }
    v
}

/// A flow end: what owns the address (`kind`, `namespace`, `name`), the
/// address, how the user named it (`display`), and for an end reached
/// through a Service, that Service and the DNAT it applied (`service`).
pub(crate) fn end(peer: &Peer, cluster: &Cluster) -> Value {
    let (kind, namespace, name, workload) = match peer.end {
        FlowEnd::Pod { index } => match cluster.endpoints.get(index) {
            Some(ep) => (
                "pod",
                Some(ep.namespace.clone()),
                Some(ep.name.clone()),
                ep.owner.as_ref().map(|o| format!("{}/{}", o.kind, o.name)),
            ),
            None => ("pod", None, None, None),
        },
        FlowEnd::HostEndpoint { index } => (
            "host-endpoint",
            None,
            cluster.host_endpoints.get(index).map(|h| h.name.clone()),
            None,
        ),
        FlowEnd::Node { index } => (
            "node",
            None,
            cluster.nodes.get(index).map(|n| n.name.clone()),
            None,
        ),
        FlowEnd::External => ("external", None, None, None),
    };
    let mut v = json!({
        "kind": kind,
        "namespace": namespace,
        "name": name,
        "ip": peer.ip,
        "display": peer.name,
    });
    let Value::Object(map) = &mut v else {
        return v;
    };
    if let Some(w) = workload {
        map.insert("workload".into(), json!(w));
    }
    if let Some(hop) = &peer.service
        && let Some(svc) = cluster.services.get(hop.index)
    {
        map.insert(
            "service".into(),
            json!({
                "namespace": svc.namespace,
                "name": svc.name,
                "port": hop.port,
                "protocol": hop.protocol,
                "target_port": hop.target_port,
                "backend": match (&map["namespace"], &map["name"]) {
                    (Value::String(ns), Value::String(name)) => json!(format!("{ns}/{name}")),
                    _ => Value::Null,
                },
            }),
        );
    }
    v
}

/// One simulated flow of a flows file.
pub(crate) struct Row {
    pub outcome: Outcome,
    pub expect: Option<Verdict>,
    /// Where the flow is written in the flows file.
    pub at: String,
}

impl Row {
    /// Whether the flow's expectation failed.
    pub(crate) fn failed(&self) -> bool {
        self.expect.is_some_and(|e| e != self.outcome.verdict)
    }
}

/// Which policy and rule decided the flow: the denying direction's, or the
/// ingress one's for an allowed flow.
pub(crate) fn decided_by(o: &Outcome) -> String {
    let d: &Decider = if !o.egress.verdict.is_allow() {
        &o.egress.decided_by
    } else {
        &o.ingress.decided_by
    };
    let who = match (&d.policy, &d.rule) {
        (Some(p), Some(r)) => format!("{p} {r}"),
        (Some(p), None) => format!("{p} (end of tier {})", d.tier.as_deref().unwrap_or("?")),
        _ => d.step.clone(),
    };
    let dir = if !o.egress.verdict.is_allow() {
        "egress"
    } else {
        "ingress"
    };
    format!("{dir}: {who}")
}

pub(crate) fn table(rows: &[Row], wide: bool) -> String {
    let mut headers = vec!["FROM", "TO", "PORT", "VERDICT", "DECIDED BY", "EXPECT"];
    if wide {
        headers.extend(["PENDING", "AT"]);
    }
    let mut t = table::table(headers);
    for r in rows {
        let f = &r.outcome.flow;
        let port = if f.has_ports() {
            format!("{}/{}", f.port, f.protocol)
        } else {
            f.protocol.to_string()
        };
        let mut verdict = r.outcome.verdict.to_string();
        if let Some(layer) = r.outcome.denied_at {
            verdict = format!("{verdict} ({layer})");
        }
        if r.outcome.l7_filtered {
            verdict = format!("{verdict} (l7 filtered)");
        }
        let expect = match r.expect {
            None => "-".to_string(),
            Some(e) if e == r.outcome.verdict => format!("{e} ok"),
            Some(e) => format!("{e} FAILED"),
        };
        let mut cells = vec![
            f.src.name.clone(),
            f.dst.name.clone(),
            port,
            verdict,
            decided_by(&r.outcome),
            expect,
        ];
        if wide {
            cells.push(
                r.outcome
                    .pending_verdict
                    .map_or("-".into(), |p| p.to_string()),
            );
            cells.push(r.at.clone());
        }
        t.add_row(cells);
    }
    table::render(&t)
}

pub(crate) fn summary(rows: &[Row]) -> String {
    let allowed = rows.iter().filter(|r| r.outcome.verdict.is_allow()).count();
    let denied = rows.len() - allowed;
    let with_expect = rows.iter().filter(|r| r.expect.is_some()).count();
    let failed = rows.iter().filter(|r| r.failed()).count();
    let mut s = format!("{} flows: {allowed} allowed, {denied} denied", rows.len());
    if with_expect > 0 {
        s.push_str(&format!(
            "; {} of {with_expect} expectations met",
            with_expect - failed
        ));
    }
    s
}
