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
    pub built: usize,
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

    pub fn stats(&self) -> String {
        let mut per = [0usize; 2];
        let mut lens = [0usize; 2];
        for k in self.templates.keys() {
            per[k[0] as usize] += 1;
            lens[k[0] as usize] += k.len();
        }
        format!("{:?} keys {:?} lens {:?}", self.keys.stats(), per, lens)
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
            let t = built.as_ref().map(|b| if i == 0 { b.0.clone() } else { b.1.clone() });
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
        let keyed = self.keys.key(flow, crate::model::policy::Direction::Egress, &mut egress_key)
            && self.keys.key(flow, crate::model::policy::Direction::Ingress, &mut ingress_key);
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
        self.line_into(&mut line, flow, verdict, [&egress, &ingress], &fill, expect, at);
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
