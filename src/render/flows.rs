//! `simulate --flows FILE -o json` at speed: each direction's trace is
//! serialized once per [`TraceKeys`] key, as a template whose holes are the
//! ends' names, descriptions and addresses, and every later flow with that
//! key copies the template and fills its holes. The line written is, byte
//! for byte, the one [`super::simulate::RequestJson`] writes for the flow's
//! evaluated outcome (the `cached_lines_are_the_evaluated_lines` tests hold
//! them to it); flows without a key are left to the caller.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::{self, Write};
use std::rc::Rc;

use super::simulate::FlowJson;
use crate::model::policy::Dataplane;
use crate::model::{Cluster, Flow, FlowEnd, Span};
use crate::sim::eval::identity::Owner;
use crate::sim::eval::keys::TraceKeys;
use crate::sim::eval::{Evaluator, Holes, Layer, Outcome, Reply, Verdict, Words};

/// The holes of a template, in the order of [`Holes`]' fields.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Hole {
    SrcName,
    DstName,
    SrcDescribed,
    DstDescribed,
    SrcIp,
    DstIp,
    Port,
}

const HOLES: [Hole; 7] = [
    Hole::SrcName,
    Hole::DstName,
    Hole::SrcDescribed,
    Hole::DstDescribed,
    Hole::SrcIp,
    Hole::DstIp,
    Hole::Port,
];

/// One direction's serialized trace: text, then a hole, and so on.
struct Template {
    verdict: Verdict,
    text: Vec<u8>,
    /// (end of a run of text, the hole after it); the text after the last
    /// hole runs to the end.
    pieces: Vec<(usize, Hole)>,
}

impl Template {
    /// Splits serialized JSON at the markers `marker` + hole digit + end.
    fn new(verdict: Verdict, json: &[u8], marker: &[u8], end: &[u8]) -> Option<Self> {
        let mut text = Vec::with_capacity(json.len());
        let mut pieces = Vec::new();
        let mut rest = json;
        while let Some(at) = find(rest, marker) {
            text.extend_from_slice(&rest[..at]);
            let after = &rest[at + marker.len()..];
            let digit = *after.first()?;
            let hole = *HOLES.get(usize::from(digit.checked_sub(b'0')?))?;
            let after = after[1..].strip_prefix(end)?;
            pieces.push((text.len(), hole));
            rest = after;
        }
        text.extend_from_slice(rest);
        Some(Template {
            verdict,
            text,
            pieces,
        })
    }

    fn write(&self, out: &mut Vec<u8>, fill: &Fill) {
        let mut start = 0;
        for &(end, hole) in &self.pieces {
            out.extend_from_slice(&self.text[start..end]);
            match hole {
                Hole::SrcName => out.extend_from_slice(&fill.names[0].name),
                Hole::DstName => out.extend_from_slice(&fill.names[1].name),
                Hole::SrcDescribed => out.extend_from_slice(&fill.names[0].described),
                Hole::DstDescribed => out.extend_from_slice(&fill.names[1].described),
                Hole::SrcIp => {
                    let _ = write!(out, "{}", fill.ips[0]);
                }
                Hole::DstIp => {
                    let _ = write!(out, "{}", fill.ips[1]);
                }
                Hole::Port => {
                    let _ = write!(out, "{}", fill.port);
                }
            }
            start = end;
        }
        out.extend_from_slice(&self.text[start..]);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let (&first, _) = needle.split_first()?;
    let mut from = 0;
    while let Some(i) = haystack[from..].iter().position(|&b| b == first) {
        let at = from + i;
        if haystack[at..].starts_with(needle) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// A pod's name and description as JSON string content.
struct PodText {
    name: Vec<u8>,
    described: Vec<u8>,
}

/// What fills one flow's holes.
struct Fill<'p> {
    names: [&'p PodText; 2],
    ips: [std::net::IpAddr; 2],
    port: u16,
}

/// A string as JSON string content (escaped, without quotes).
fn escaped(s: &str) -> Vec<u8> {
    let mut v = serde_json::to_vec(s).unwrap_or_default();
    v.pop();
    if !v.is_empty() {
        v.remove(0);
    }
    v
}

/// Writes the lines of `simulate --flows -o json` from trace templates.
pub(crate) struct FlowLines<'e, 'a> {
    ev: &'e Evaluator<'a>,
    cluster: &'a Cluster,
    keys: TraceKeys<'e, 'a>,
    holes: Holes,
    marker: Vec<u8>,
    end: Vec<u8>,
    /// Per key, the template; `None` for a key whose flows are evaluated
    /// one by one.
    templates: HashMap<Box<[u32]>, Option<Rc<Template>>>,
    key: [Vec<u32>; 2],
    pods: Vec<Option<Rc<PodText>>>,
    /// `"dataplane":{...}` after the traces.
    dataplane: Vec<u8>,
    /// What a client sees of a dropped flow, as the evaluator words it.
    dropped: String,
    line: Vec<u8>,
    /// How many flows were evaluated to build templates.
    built: usize,
}

impl<'e, 'a> FlowLines<'e, 'a> {
    pub(crate) fn new(
        ev: &'e Evaluator<'a>,
        cluster: &'a Cluster,
        dataplane: &Dataplane,
        words: &dyn Words,
    ) -> Self {
        // Markers no input can hold: a number drawn for this run.
        let nonce = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let marker = format!("\u{E000}{nonce:016x}");
        let end = "\u{E001}";
        let hole = |h: Hole| {
            let i = HOLES.iter().position(|x| *x == h).unwrap_or(0);
            format!("{marker}{i}{end}")
        };
        let holes = Holes {
            name: [hole(Hole::SrcName), hole(Hole::DstName)],
            described: [hole(Hole::SrcDescribed), hole(Hole::DstDescribed)],
            ip: [hole(Hole::SrcIp), hole(Hole::DstIp)],
            port: hole(Hole::Port),
        };
        let mut dp = b",\"dataplane\":".to_vec();
        let _ = serde_json::to_writer(&mut dp, dataplane);
        FlowLines {
            ev,
            cluster,
            keys: TraceKeys::new(ev),
            holes,
            marker: marker.into_bytes(),
            end: end.as_bytes().to_vec(),
            templates: HashMap::new(),
            key: [Vec::new(), Vec::new()],
            pods: Vec::new(),
            dataplane: dp,
            dropped: words.reply(&Reply::Dropped),
            line: Vec::with_capacity(16 * 1024),
            built: 0,
        }
    }

    fn pod_text(&mut self, end: &FlowEnd) -> Option<Rc<PodText>> {
        let FlowEnd::Pod { index } = *end else {
            return None;
        };
        if self.pods.len() <= index {
            self.pods.resize(index + 1, None);
        }
        if let Some(t) = &self.pods[index] {
            return Some(t.clone());
        }
        let owner: &Owner = self.ev.identities().pod(index)?;
        let text = Rc::new(PodText {
            name: escaped(&owner.name),
            described: escaped(&crate::sim::eval::describe_owner(owner)),
        });
        self.pods[index] = Some(text.clone());
        Some(text)
    }

    /// Serializes both directions' templates from a flow evaluated with
    /// holes; `None` when the outcome has more than the traces and a plain
    /// L3/L4 verdict (then its keys are left to the caller for good).
    fn build(
        &mut self,
        flow: &Flow,
        words: &dyn Words,
        locate: &dyn Fn(Span) -> String,
    ) -> Option<[Rc<Template>; 2]> {
        self.built += 1;
        let mut o: Outcome = self.ev.evaluate_templated(flow.clone(), &self.holes);
        o.locate(locate);
        o.word(words);
        let deny = o.verdict == Verdict::Deny;
        let plain = o.refused_by.is_none()
            && o.pending.is_none()
            && o.pending_verdict.is_none()
            && o.pending_decided_by.is_none()
            && !o.l7_filtered
            && o.l7_filtered_by.is_empty()
            && o.notes.is_empty()
            && o.denied_at == deny.then_some(Layer::L3l4)
            && o.client_sees.as_deref() == deny.then_some(self.dropped.as_str());
        let template = |d: &crate::sim::eval::DirectionTrace| {
            let json = serde_json::to_vec(d).ok()?;
            Template::new(d.verdict, &json, &self.marker, &self.end).map(Rc::new)
        };
        let built = if plain {
            template(&o.egress).zip(template(&o.ingress))
        } else {
            None
        };
        for (i, key) in self.key.iter().enumerate() {
            let t = built
                .as_ref()
                .map(|b| if i == 0 { b.0.clone() } else { b.1.clone() });
            self.templates
                .entry(key.clone().into_boxed_slice())
                .or_insert(t);
        }
        let (e, i) = built?;
        Some([e, i])
    }

    /// Writes the line of a flows-file entry that resolved into the one
    /// flow `flow` (with the entry's expectation and where it is written),
    /// and returns its verdict; `None` (nothing written) when
    /// the flow has no template.
    pub(crate) fn write(
        &mut self,
        out: &mut dyn Write,
        flow: &Flow,
        expect: Option<Verdict>,
        at: &str,
        words: &dyn Words,
        locate: &dyn Fn(Span) -> String,
    ) -> Option<(Verdict, io::Result<()>)> {
        let [mut egress_key, mut ingress_key] = std::mem::take(&mut self.key);
        let keyed = self.keys.key(
            flow,
            crate::model::policy::Direction::Egress,
            &mut egress_key,
        ) && self.keys.key(
            flow,
            crate::model::policy::Direction::Ingress,
            &mut ingress_key,
        );
        self.key = [egress_key, ingress_key];
        if !keyed {
            return None;
        }
        let found = (
            self.templates.get(self.key[0].as_slice()),
            self.templates.get(self.key[1].as_slice()),
        );
        let [egress, ingress] = match found {
            (Some(None), _) | (_, Some(None)) => return None,
            (Some(Some(e)), Some(Some(i))) => [e.clone(), i.clone()],
            _ => self.build(flow, words, locate)?,
        };
        let src = self.pod_text(&flow.src.end)?;
        let dst = self.pod_text(&flow.dst.end)?;
        let fill = Fill {
            names: [&src, &dst],
            ips: [flow.src.ip, flow.dst.ip],
            port: flow.port,
        };
        let verdict = if egress.verdict.is_allow() && ingress.verdict.is_allow() {
            Verdict::Allow
        } else {
            Verdict::Deny
        };
        let mut line = std::mem::take(&mut self.line);
        line.clear();
        self.line_into(
            &mut line,
            flow,
            verdict,
            [&egress, &ingress],
            &fill,
            expect,
            at,
        );
        let written = out.write_all(&line);
        self.line = line;
        Some((verdict, written))
    }

    /// The keys of `outcome_entries` for a plain L3/L4 outcome, then the
    /// request's and the entry's.
    #[allow(clippy::too_many_arguments)]
    fn line_into(
        &self,
        line: &mut Vec<u8>,
        flow: &Flow,
        verdict: Verdict,
        [egress, ingress]: [&Template; 2],
        fill: &Fill,
        expect: Option<Verdict>,
        at: &str,
    ) {
        // Serializing into a Vec cannot fail.
        fn json<T: serde::Serialize + ?Sized>(line: &mut Vec<u8>, v: &T) {
            let _ = serde_json::to_writer(line, v);
        }
        line.extend_from_slice(b"{\"verdict\":");
        json(line, &verdict);
        if verdict == Verdict::Deny {
            line.extend_from_slice(b",\"denied_at\":");
            json(line, &Layer::L3l4);
            line.extend_from_slice(b",\"client_sees\":");
            json(line, &self.dropped);
        }
        line.extend_from_slice(b",\"l7_filtered\":false,\"flow\":");
        json(
            line,
            &FlowJson {
                flow,
                cluster: self.cluster,
            },
        );
        line.extend_from_slice(b",\"egress\":");
        egress.write(line, fill);
        line.extend_from_slice(b",\"ingress\":");
        ingress.write(line, fill);
        line.extend_from_slice(&self.dataplane);
        if let Some(e) = expect {
            line.extend_from_slice(b",\"expect\":");
            json(line, &e);
            line.extend_from_slice(b",\"expectation_met\":");
            json(line, &(e == verdict));
        }
        line.extend_from_slice(b",\"at\":");
        json(line, at);
        line.extend_from_slice(b"}\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::lower::{Choice, Input, lower};
    use crate::load::{Inputs, Inventory, load, load_text};
    use crate::model::Proto;
    use crate::render::hint::Wording;
    use crate::render::simulate::RequestJson;
    use crate::sim::resolve::{FlowRequest, PortRef, flows_by_range};
    use polctl_testkit::cluster::{Rng, Spec, generate};

    /// Writes every request both ways, the evaluated outcome and the
    /// template, and compares the lines byte for byte; returns (lines
    /// compared, templates built).
    fn compare(inv: &Inventory, requests: &[FlowRequest], what: &str) -> (usize, usize) {
        let lowered = lower(&Input::from(inv), &Choice::default());
        let ev = Evaluator::new(&lowered.set, &inv.cluster);
        let dp = &lowered.set.dataplane;
        let words = Wording::FlowsFile;
        let locate = |s| inv.sources.locate(s);
        let mut lines = FlowLines::new(&ev, &inv.cluster, dp, &words);
        let mut compared = 0;
        for (n, req) in requests.iter().enumerate() {
            let Ok(flows) = flows_by_range(&ev, &inv.cluster, req, "default") else {
                continue;
            };
            let [flow] = flows.as_slice() else {
                continue;
            };
            let expect = [None, Some(Verdict::Allow), Some(Verdict::Deny)][n % 3];
            let at = format!("flows.yaml:{}:3", n + 1);
            let mut cached = Vec::new();
            let Some((verdict, written)) =
                lines.write(&mut cached, flow, expect, &at, &words, &locate)
            else {
                continue;
            };
            written.expect("written to a Vec");
            let mut o = ev.evaluate(flow.clone());
            o.locate(&locate);
            o.word(&words);
            assert_eq!(verdict, o.verdict, "{what}: {} -> {}", req.from, req.to);
            let request = RequestJson {
                outcomes: &[&o],
                dataplane: dp,
                cluster: &inv.cluster,
                entry: Some(super::super::simulate::EntryJson {
                    expect,
                    expectation_met: expect.is_none_or(|e| e == o.verdict),
                    at: &at,
                }),
            };
            let mut evaluated = serde_json::to_vec(&request).expect("serialized");
            evaluated.push(b'\n');
            assert_eq!(
                String::from_utf8_lossy(&cached),
                String::from_utf8_lossy(&evaluated),
                "{what}: {} -> {} {:?} {:?}",
                req.from,
                req.to,
                req.protocol,
                req.port
            );
            compared += 1;
        }
        (compared, lines.built)
    }

    fn request(
        from: &str,
        to: &str,
        port: Option<PortRef>,
        protocol: Option<Proto>,
    ) -> FlowRequest {
        FlowRequest {
            from: from.into(),
            to: to.into(),
            port,
            protocol,
            ..FlowRequest::default()
        }
    }

    /// Every fixture's pod pairs on several ports: a line from a template
    /// is the evaluated one.
    #[test]
    fn cached_lines_are_the_evaluated_lines_on_fixtures() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
        let mut fixtures: Vec<_> = std::fs::read_dir(dir)
            .expect("fixtures")
            .flatten()
            .map(|e| e.path())
            .collect();
        fixtures.sort();
        let (mut compared, mut built) = (0, 0);
        for path in fixtures {
            let inputs = Inputs {
                paths: vec![path.clone()],
                recursive: true,
            };
            let Ok(inv) = load(&inputs, &mut std::io::empty()) else {
                continue;
            };
            let pods: Vec<String> = inv
                .cluster
                .endpoints
                .iter()
                .take(16)
                .map(|e| format!("{}/{}", e.namespace, e.name))
                .collect();
            let mut requests = Vec::new();
            for from in &pods {
                for to in &pods {
                    for (port, protocol) in [
                        (Some(PortRef::Number(80)), None),
                        (Some(PortRef::Number(6379)), None),
                        (Some(PortRef::Number(8080)), None),
                        (Some(PortRef::Number(53)), Some(Proto::UDP)),
                        (None, Some(Proto::ICMP)),
                    ] {
                        requests.push(request(from, to, port, protocol));
                    }
                }
            }
            let (c, b) = compare(&inv, &requests, &path.display().to_string());
            compared += c;
            built += b;
        }
        assert!(compared > 1000, "compared {compared} lines");
        assert!(
            built * 2 < compared,
            "{built} templates built for {compared} lines"
        );
    }

    /// Random flows on a generated cluster of bare pods (labels of their
    /// own, named ports, CIDR peers): most lines come from templates, and
    /// each is the evaluated one.
    #[test]
    fn cached_lines_are_the_evaluated_lines_on_bare_pods() {
        let spec = Spec {
            seed: 7,
            ..Spec::k8s(240, 60).bare()
        };
        let inv = load_text("bare.yaml", &generate(&spec).yaml).expect("the generated YAML loads");
        let pods: Vec<String> = inv
            .cluster
            .endpoints
            .iter()
            .filter(|e| !e.host_network)
            .map(|e| format!("{}/{}", e.namespace, e.name))
            .collect();
        let mut rng = Rng::new(11);
        let requests: Vec<FlowRequest> = (0..3000)
            .map(|_| {
                let (port, protocol) = match rng.below(6) {
                    0 => (Some(PortRef::Name("http".into())), None),
                    1 => (Some(PortRef::Number(53)), Some(Proto::UDP)),
                    2 => (None, Some(Proto::ICMP)),
                    _ => (
                        Some(PortRef::Number(
                            *rng.pick(&[80, 443, 5432, 8080, 9050, 9090]),
                        )),
                        None,
                    ),
                };
                let mut r = request(
                    &rng.pick(&pods).clone(),
                    &rng.pick(&pods).clone(),
                    port,
                    protocol,
                );
                if rng.chance(30) {
                    r.src_port = Some(40000 + rng.below(100) as u16);
                }
                r
            })
            .collect();
        let (compared, built) = compare(&inv, &requests, "bare pods");
        assert!(compared > 2000, "compared {compared} lines");
        assert!(
            built * 2 < compared,
            "{built} templates built for {compared} lines"
        );
    }
}
