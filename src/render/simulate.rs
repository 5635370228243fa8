//! `polctl simulate`: the JSON contract of a simulated request, and for
//! `--flows` one row per flow and a summary line.

use serde::ser::{Serialize, SerializeMap, Serializer};
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

/// The object [`json`] builds, serialized as it is written: nothing of it
/// is held in memory (a flows file of 100,000 entries writes one after the
/// other). `entry` adds what a flows-file entry carries: the expectation,
/// whether every flow met it, and where the entry is written.
pub(crate) struct RequestJson<'a> {
    pub outcomes: &'a [&'a Outcome],
    pub dataplane: &'a Dataplane,
    pub cluster: &'a Cluster,
    pub entry: Option<EntryJson<'a>>,
}

/// A flows-file entry's own keys.
pub(crate) struct EntryJson<'a> {
    pub expect: Option<Verdict>,
    pub expectation_met: bool,
    pub at: &'a str,
}

impl Serialize for RequestJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(&first) = self.outcomes.first() else {
            return serializer.serialize_unit();
        };
        // The same keys, in the same order, as `json`.
        let denied = self
            .outcomes
            .iter()
            .copied()
            .find(|o| o.verdict == Verdict::Deny);
        let decisive = denied.unwrap_or(first);
        let pending = self
            .outcomes
            .iter()
            .filter_map(|o| o.pending_verdict)
            .reduce(|a, b| if a == Verdict::Deny { a } else { b });
        let l7_filtered = denied.is_none() && self.outcomes.iter().any(|o| o.l7_filtered);
        let mut map = serializer.serialize_map(None)?;
        outcome_entries(
            &mut map,
            decisive,
            self.cluster,
            l7_filtered,
            pending.filter(|_| decisive.pending_verdict.is_some()),
        )?;
        map.serialize_entry("dataplane", self.dataplane)?;
        if self.outcomes.len() > 1 {
            let flows: Vec<OutcomeJson> = self
                .outcomes
                .iter()
                .map(|&outcome| OutcomeJson {
                    outcome,
                    cluster: self.cluster,
                })
                .collect();
            map.serialize_entry("flows", &flows)?;
        }
        if let Some(entry) = &self.entry {
            if let Some(e) = entry.expect {
                map.serialize_entry("expect", &e)?;
                map.serialize_entry("expectation_met", &entry.expectation_met)?;
            }
            map.serialize_entry("at", entry.at)?;
        }
        map.end()
    }
}

/// One flow's outcome as [`flow_json`] builds it.
struct OutcomeJson<'a> {
    outcome: &'a Outcome,
    cluster: &'a Cluster,
}

impl Serialize for OutcomeJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let o = self.outcome;
        let mut map = serializer.serialize_map(None)?;
        outcome_entries(&mut map, o, self.cluster, o.l7_filtered, o.pending_verdict)?;
        map.end()
    }
}

/// The keys of a serialized [`Outcome`] in its field order, with the flow's
/// ends structured and the request-wide `l7_filtered` and
/// `pending_verdict` in place of the flow's own.
fn outcome_entries<M: SerializeMap>(
    map: &mut M,
    o: &Outcome,
    cluster: &Cluster,
    l7_filtered: bool,
    pending_verdict: Option<Verdict>,
) -> Result<(), M::Error> {
    map.serialize_entry("verdict", &o.verdict)?;
    if let Some(v) = &o.denied_at {
        map.serialize_entry("denied_at", v)?;
    }
    if let Some(v) = &o.refused_by {
        map.serialize_entry("refused_by", v)?;
    }
    if let Some(v) = &o.client_sees {
        map.serialize_entry("client_sees", v)?;
    }
    if let Some(v) = &pending_verdict {
        map.serialize_entry("pending_verdict", v)?;
    }
    if let Some(v) = &o.pending_decided_by {
        map.serialize_entry("pending_decided_by", v)?;
    }
    map.serialize_entry("l7_filtered", &l7_filtered)?;
    if !o.l7_filtered_by.is_empty() {
        map.serialize_entry("l7_filtered_by", &o.l7_filtered_by)?;
    }
    map.serialize_entry(
        "flow",
        &FlowJson {
            flow: &o.flow,
            cluster,
        },
    )?;
    map.serialize_entry("egress", &o.egress)?;
    map.serialize_entry("ingress", &o.ingress)?;
    if let Some(v) = &o.pending {
        map.serialize_entry("pending", v)?;
    }
    if !o.notes.is_empty() {
        map.serialize_entry("notes", &o.notes)?;
    }
    Ok(())
}

/// A [`Flow`] serialized with its ends as [`end`] words them.
pub(crate) struct FlowJson<'a> {
    pub flow: &'a crate::model::Flow,
    pub cluster: &'a Cluster,
}

impl Serialize for FlowJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let f = self.flow;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("src", &EndJson(&f.src, self.cluster))?;
        map.serialize_entry("dst", &EndJson(&f.dst, self.cluster))?;
        map.serialize_entry("protocol", &f.protocol)?;
        map.serialize_entry("port", &f.port)?;
        if let Some(v) = &f.src_port {
            map.serialize_entry("src_port", v)?;
        }
        if let Some(v) = &f.icmp_type {
            map.serialize_entry("icmp_type", v)?;
        }
        if let Some(v) = &f.icmp_code {
            map.serialize_entry("icmp_code", v)?;
        }
        if let Some(v) = &f.http {
            map.serialize_entry("http", v)?;
        }
        if !f.l7.is_empty() {
            map.serialize_entry("l7", &f.l7)?;
        }
        if f.auth_fails {
            map.serialize_entry("auth_fails", &f.auth_fails)?;
        }
        map.end()
    }
}

/// A flow end as [`end`] builds it.
struct EndJson<'a>(&'a Peer, &'a Cluster);

impl Serialize for EndJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let EndJson(peer, cluster) = *self;
        let mut workload = None;
        let (kind, namespace, name): (&str, Option<&str>, Option<&str>) = match peer.end {
            FlowEnd::Pod { index } => match cluster.endpoints.get(index) {
                Some(ep) => {
                    workload = ep.owner.as_ref();
                    ("pod", Some(ep.namespace.as_str()), Some(ep.name.as_str()))
                }
                None => ("pod", None, None),
            },
            FlowEnd::HostEndpoint { index } => (
                "host-endpoint",
                None,
                cluster.host_endpoints.get(index).map(|h| h.name.as_str()),
            ),
            FlowEnd::Node { index } => (
                "node",
                None,
                cluster.nodes.get(index).map(|n| n.name.as_str()),
            ),
            FlowEnd::External => ("external", None, None),
        };
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("kind", kind)?;
        map.serialize_entry("namespace", &namespace)?;
        map.serialize_entry("name", &name)?;
        map.serialize_entry("ip", &peer.ip)?;
        map.serialize_entry("display", &peer.name)?;
        if let Some(o) = workload {
            map.serialize_entry("workload", &format_args!("{}/{}", o.kind, o.name))?;
        }
        if let Some(hop) = &peer.service
            && let Some(svc) = cluster.services.get(hop.index)
        {
            let backend = match (namespace, name) {
                (Some(ns), Some(name)) => Some(format!("{ns}/{name}")),
                _ => None,
            };
            map.serialize_entry(
                "service",
                &ServiceJson {
                    namespace: &svc.namespace,
                    name: &svc.name,
                    port: hop.port,
                    protocol: hop.protocol,
                    target_port: hop.target_port,
                    backend,
                },
            )?;
        }
        map.end()
    }
}

#[derive(serde::Serialize)]
struct ServiceJson<'a> {
    namespace: &'a str,
    name: &'a str,
    port: u16,
    protocol: crate::model::Proto,
    target_port: u16,
    backend: Option<String>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::lower::{Choice, Input, lower};
    use crate::load::{Inputs, load};
    use crate::model::Proto;
    use crate::sim::eval::Evaluator;
    use crate::sim::resolve::{FlowRequest, PortRef, flows_by_range};

    /// The streamed object is, byte for byte, the one built as a value
    /// (compact and pretty), for pod pairs and Services of every fixture.
    #[test]
    fn streamed_json_is_the_built_json() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
        let mut compared = 0;
        let mut several = 0;
        let mut fixtures: Vec<_> = std::fs::read_dir(dir)
            .expect("fixtures")
            .flatten()
            .map(|e| e.path())
            .collect();
        fixtures.sort();
        for path in fixtures {
            let inputs = Inputs {
                paths: vec![path.clone()],
                recursive: true,
            };
            let Ok(inv) = load(&inputs, &mut std::io::empty()) else {
                continue;
            };
            let lowered = lower(&Input::from(&inv), &Choice::default());
            let ev = Evaluator::new(&lowered.set, &inv.cluster);
            let mut ends: Vec<String> = inv
                .cluster
                .endpoints
                .iter()
                .take(12)
                .map(|e| format!("{}/{}", e.namespace, e.name))
                .collect();
            ends.extend(
                inv.cluster
                    .services
                    .iter()
                    .map(|s| format!("svc:{}/{}", s.namespace, s.name)),
            );
            ends.push("10.0.0.0/8".into());
            for from in &ends {
                for to in &ends {
                    for (port, protocol) in [
                        (Some(80), None),
                        (Some(53), Some(Proto::UDP)),
                        (None, Some(Proto::ICMP)),
                    ] {
                        let req = FlowRequest {
                            from: from.clone(),
                            to: to.clone(),
                            port: port.map(PortRef::Number),
                            protocol,
                            ..FlowRequest::default()
                        };
                        let Ok(flows) = flows_by_range(&ev, &inv.cluster, &req, "default") else {
                            continue;
                        };
                        let outcomes: Vec<Outcome> = flows
                            .into_iter()
                            .map(|f| {
                                let mut o = ev.evaluate(f);
                                o.locate(&|s| inv.sources.locate(s));
                                o
                            })
                            .collect();
                        let all: Vec<&Outcome> = outcomes.iter().collect();
                        several += usize::from(all.len() > 1);
                        let dp = &lowered.set.dataplane;
                        let mut built = json(&all, dp, &inv.cluster);
                        let streamed = RequestJson {
                            outcomes: &all,
                            dataplane: dp,
                            cluster: &inv.cluster,
                            entry: None,
                        };
                        assert_eq!(
                            serde_json::to_string_pretty(&streamed).unwrap(),
                            serde_json::to_string_pretty(&built).unwrap(),
                            "{} {from} -> {to}",
                            path.display()
                        );
                        let expect = Some(Verdict::Allow);
                        let met = all.iter().all(|o| o.verdict == Verdict::Allow);
                        if let Value::Object(map) = &mut built {
                            map.insert("expect".into(), json!(expect));
                            map.insert("expectation_met".into(), json!(met));
                            map.insert("at".into(), json!("flows.yaml:1:3"));
                        }
                        let streamed = RequestJson {
                            entry: Some(EntryJson {
                                expect,
                                expectation_met: met,
                                at: "flows.yaml:1:3",
                            }),
                            ..streamed
                        };
                        assert_eq!(
                            serde_json::to_string(&streamed).unwrap(),
                            serde_json::to_string(&built).unwrap(),
                            "{} {from} -> {to}",
                            path.display()
                        );
                        compared += 1;
                    }
                }
            }
        }
        assert!(compared > 1000, "compared {compared} requests");
        assert!(several > 10, "requests of several flows: {several}");
    }
}
