//! A YAML (and JSON) reader that keeps the byte span of every node.
//!
//! serde_yaml drops positions once a value is parsed; policy diagnostics need
//! them down to a single selector string, so documents are read from
//! saphyr-parser's event stream into a [`SpannedNode`] tree first, and
//! typed values are deserialized from that tree (see `de.rs`).

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as YSpan};

use super::span::{FileId, Span};

/// A YAML node (a scalar, sequence or mapping) and the bytes it was read
/// from.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct SpannedNode {
    pub span: Span,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<SpannedNode>),
    Map(Vec<(SpannedNode, SpannedNode)>),
}

impl SpannedNode {
    pub(crate) fn get(&self, key: &str) -> Option<&SpannedNode> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| matches!(&k.value, Value::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A hash of the content, blind to positions and key order.
    pub(crate) fn fingerprint(&self) -> u64 {
        use std::hash::{DefaultHasher, Hash, Hasher};
        fn feed(node: &SpannedNode, h: &mut DefaultHasher) {
            match &node.value {
                Value::Null => 0u8.hash(h),
                Value::Bool(b) => (1u8, b).hash(h),
                Value::Int(i) => (2u8, i).hash(h),
                Value::Float(f) => (3u8, f.to_bits()).hash(h),
                Value::Str(s) => (4u8, s).hash(h),
                Value::Seq(items) => {
                    (5u8, items.len()).hash(h);
                    items.iter().for_each(|i| feed(i, h));
                }
                Value::Map(entries) => {
                    let mut parts: Vec<u64> = entries
                        .iter()
                        .map(|(k, v)| {
                            let mut eh = DefaultHasher::new();
                            feed(k, &mut eh);
                            feed(v, &mut eh);
                            eh.finish()
                        })
                        .collect();
                    parts.sort_unstable();
                    (6u8, parts).hash(h);
                }
            }
        }
        let mut h = DefaultHasher::new();
        feed(self, &mut h);
        h.finish()
    }

    /// The node as JSON, what an API server receives. Keys that are not
    /// strings (`80: http`) become their text, as YAML-to-JSON converters
    /// (kubectl's sigs.k8s.io/yaml) write them.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match &self.value {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(J::Null, J::Number),
            Value::Str(s) => J::String(s.clone()),
            Value::Seq(items) => J::Array(items.iter().map(SpannedNode::to_json).collect()),
            Value::Map(entries) => J::Object(
                entries
                    .iter()
                    .map(|(k, v)| {
                        let key = match &k.value {
                            Value::Str(s) => s.clone(),
                            Value::Null => "null".into(),
                            Value::Bool(b) => b.to_string(),
                            Value::Int(i) => i.to_string(),
                            Value::Float(f) => f.to_string(),
                            Value::Seq(_) | Value::Map(_) => k.to_json().to_string(),
                        };
                        (key, v.to_json())
                    })
                    .collect(),
            ),
        }
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match self.value {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a sequence",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML problem at a byte span.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct SyntaxError {
    pub span: Span,
    pub message: String,
}

/// Aliases can expand exponentially ("billion laughs"): stop when the
/// nodes copied by alias expansion pass this budget. Nodes written out in
/// the text do not count, so large cluster dumps are never refused.
const MAX_NODES: usize = 500_000;
const MAX_DEPTH: usize = 256;

/// Reads every document of a YAML stream. Empty documents are skipped.
pub(crate) fn parse_documents(file: FileId, text: &str) -> Result<Vec<SpannedNode>, SyntaxError> {
    let offsets = CharOffsets::new(text);
    let mut builder = Builder {
        file,
        text,
        offsets: &offsets,
        anchors: HashMap::new(),
        nodes: 0,
        stack: Vec::new(),
        docs: Vec::new(),
    };
    for event in Parser::new_from_str(text) {
        match event {
            Ok((event, span)) => builder.event(event, span)?,
            Err(e) => {
                let at = offsets.byte(e.marker().index());
                let end = next_char_end(text, at);
                return Err(SyntaxError {
                    span: Span::new(file, at, end),
                    message: e.info().to_string(),
                });
            }
        }
    }
    Ok(builder.docs)
}

fn next_char_end(text: &str, at: usize) -> usize {
    text.get(at..)
        .and_then(|rest| rest.chars().next())
        .map_or(at, |c| at + c.len_utf8())
}

/// saphyr reports positions in characters; miette wants bytes.
struct CharOffsets {
    /// Byte offset of every char, or empty when the text is ASCII.
    table: Vec<u32>,
    len: usize,
}

impl CharOffsets {
    fn new(text: &str) -> Self {
        let table = if text.is_ascii() {
            Vec::new()
        } else {
            text.char_indices().map(|(i, _)| i as u32).collect()
        };
        CharOffsets {
            table,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> usize {
        if self.table.is_empty() {
            char_index.min(self.len)
        } else {
            self.table.get(char_index).map_or(self.len, |b| *b as usize)
        }
    }
}

enum Frame {
    Seq {
        start: usize,
        items: Vec<SpannedNode>,
        anchor: usize,
    },
    Map {
        start: usize,
        entries: Vec<(SpannedNode, SpannedNode)>,
        key: Option<SpannedNode>,
        anchor: usize,
    },
}

struct Builder<'a> {
    file: FileId,
    text: &'a str,
    offsets: &'a CharOffsets,
    anchors: HashMap<usize, SpannedNode>,
    nodes: usize,
    stack: Vec<Frame>,
    docs: Vec<SpannedNode>,
}

impl Builder<'_> {
    fn span(&self, span: YSpan) -> Span {
        let start = self.offsets.byte(span.start.index());
        let end = self.offsets.byte(span.end.index());
        Span::new(self.file, start, end)
    }

    fn error(&self, span: Span, message: impl Into<String>) -> SyntaxError {
        SyntaxError {
            span,
            message: message.into(),
        }
    }

    fn event(&mut self, event: Event<'_>, yspan: YSpan) -> Result<(), SyntaxError> {
        let span = self.span(yspan);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing => Ok(()),
            Event::DocumentStart(_) => {
                self.anchors.clear();
                Ok(())
            }
            Event::DocumentEnd => Ok(()),
            Event::Alias(id) => {
                let node = self
                    .anchors
                    .get(&id)
                    .cloned()
                    .ok_or_else(|| self.error(span, "unknown alias"))?;
                self.count(&node, span)?;
                self.push(SpannedNode {
                    span,
                    value: node.value,
                })
            }
            Event::Scalar(text, style, anchor, tag) => {
                let tag = tag.map(|t| format!("{}{}", t.handle, t.suffix));
                let value = resolve_scalar(&text, style, tag.as_deref());
                let node = SpannedNode { span, value };
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                self.push(node)
            }
            Event::SequenceStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.error(span, "nesting is too deep"));
                }
                self.stack.push(Frame::Seq {
                    start: span.start as usize,
                    items: Vec::new(),
                    anchor,
                });
                Ok(())
            }
            Event::MappingStart(anchor, _) => {
                if self.stack.len() >= MAX_DEPTH {
                    return Err(self.error(span, "nesting is too deep"));
                }
                self.stack.push(Frame::Map {
                    start: span.start as usize,
                    entries: Vec::new(),
                    key: None,
                    anchor,
                });
                Ok(())
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq {
                    start,
                    items,
                    anchor,
                }) => {
                    let last = items.last().map(|n| n.span.end as usize);
                    let end = self.collection_end(start, span.end as usize, last);
                    let node = SpannedNode {
                        span: Span::new(self.file, start, end),
                        value: Value::Seq(items),
                    };
                    self.finish(node, anchor)
                }
                _ => Err(self.error(span, "unbalanced sequence end")),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    start,
                    entries,
                    anchor,
                    ..
                }) => {
                    let last = entries.last().map(|(_, v)| v.span.end as usize);
                    let end = self.collection_end(start, span.end as usize, last);
                    let node = SpannedNode {
                        span: Span::new(self.file, start, end),
                        value: Value::Map(entries),
                    };
                    self.finish(node, anchor)
                }
                _ => Err(self.error(span, "unbalanced mapping end")),
            },
        }
    }

    /// A block collection's end event sits at the next token, past blank
    /// lines and comments; end its span at its last child instead, so
    /// labels cover only the collection. Flow collections keep their `]`/`}`.
    fn collection_end(&self, start: usize, end: usize, last_child: Option<usize>) -> usize {
        let end = end.max(start);
        match last_child {
            Some(child) if child <= end => {
                let tail = self.text.get(child..end).unwrap_or("");
                if tail.contains([']', '}']) {
                    end
                } else {
                    child
                }
            }
            _ => end,
        }
    }

    fn count(&mut self, node: &SpannedNode, span: Span) -> Result<(), SyntaxError> {
        self.nodes += node_count(node);
        if self.nodes > MAX_NODES {
            return Err(self.error(span, "document expands to too many nodes (alias bomb?)"));
        }
        Ok(())
    }

    fn finish(&mut self, node: SpannedNode, anchor: usize) -> Result<(), SyntaxError> {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        self.push(node)
    }

    fn push(&mut self, node: SpannedNode) -> Result<(), SyntaxError> {
        match self.stack.last_mut() {
            None => {
                if node.value != Value::Null {
                    self.docs.push(node);
                }
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                None => {
                    *key = Some(node);
                    Ok(())
                }
                Some(k) => {
                    if entries.iter().any(|(e, _)| e.value == k.value) {
                        return Err(SyntaxError {
                            span: k.span,
                            message: format!("duplicate key {}", describe_key(&k)),
                        });
                    }
                    entries.push((k, node));
                    Ok(())
                }
            },
        }
    }
}

fn describe_key(node: &SpannedNode) -> String {
    match &node.value {
        Value::Str(s) => format!("`{s}`"),
        Value::Int(i) => format!("`{i}`"),
        Value::Bool(b) => format!("`{b}`"),
        _ => "in mapping".to_string(),
    }
}

fn node_count(node: &SpannedNode) -> usize {
    match &node.value {
        Value::Seq(items) => 1 + items.iter().map(node_count).sum::<usize>(),
        Value::Map(entries) => {
            1 + entries
                .iter()
                .map(|(k, v)| node_count(k) + node_count(v))
                .sum::<usize>()
        }
        _ => 1,
    }
}

/// YAML 1.2 core schema for plain scalars, as Kubernetes tooling reads
/// manifests; quoted scalars and `!!str` are always strings.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("!!str") | Some("tag:yaml.org,2002:str") => return Value::Str(text.to_string()),
        Some("!!null") | Some("tag:yaml.org,2002:null") => return Value::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::Str(text.to_string());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        _ => {}
    }
    if let Some(i) = parse_int(text) {
        return Value::Int(i);
    }
    if looks_like_float(text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::Str(text.to_string())
}

fn parse_int(text: &str) -> Option<i64> {
    let (neg, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    // from_str_radix takes a sign of its own: `0x-5` is not an int, and
    // `-0x-8000000000000000` would overflow the negation below.
    if digits.contains(['+', '-']) {
        return None;
    }
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(oct) = digits.strip_prefix("0o") {
        i64::from_str_radix(oct, 8).ok()?
    } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        // With its sign, so i64::MIN parses.
        return text.parse::<i64>().ok();
    } else {
        return None;
    };
    Some(if neg { -magnitude } else { magnitude })
}

fn looks_like_float(text: &str) -> bool {
    let t = text.trim_start_matches(['-', '+']);
    matches!(t, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN")
        || (t.bytes().any(|b| b.is_ascii_digit())
            && t.bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Vec<SpannedNode> {
        parse_documents(FileId(0), text).expect("valid yaml")
    }

    #[test]
    fn spans_are_byte_offsets_of_scalars() {
        let text = "kind: Pod\nmetadata:\n  name: ünï\n  labels: {app: web}\n";
        let doc = &parse(text)[0];
        let name = doc
            .get("metadata")
            .and_then(|m| m.get("name"))
            .expect("name");
        assert_eq!(
            &text[name.span.start as usize..name.span.end as usize],
            "ünï"
        );
        let labels = doc
            .get("metadata")
            .and_then(|m| m.get("labels"))
            .expect("labels");
        assert_eq!(labels.get("app").and_then(SpannedNode::as_str), Some("web"));
    }

    #[test]
    fn block_collections_end_at_their_last_child() {
        let text = "spec:\n  a: 1\n  b: [x, y]\n\n# trailing comment\nnext: 2\n";
        let doc = &parse(text)[0];
        let spec = doc.get("spec").expect("spec");
        assert_eq!(
            &text[spec.span.start as usize..spec.span.end as usize],
            "a: 1\n  b: [x, y]"
        );
        let b = spec.get("b").expect("b");
        assert_eq!(&text[b.span.start as usize..b.span.end as usize], "[x, y]");
    }

    #[test]
    fn multiple_documents_and_empty_ones() {
        let docs = parse("---\na: 1\n---\n---\nb: [x, 'y']\n...\n");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].get("a").map(|n| &n.value), Some(&Value::Int(1)));
    }

    #[test]
    fn scalars_follow_the_core_schema() {
        let doc = &parse("a: 80\nb: '80'\nc: true\nd: ~\ne: 1.5\nf: 0x1F\ng: yes\n")[0];
        let v = |k: &str| doc.get(k).map(|n| n.value.clone());
        assert_eq!(v("a"), Some(Value::Int(80)));
        assert_eq!(v("b"), Some(Value::Str("80".into())));
        assert_eq!(v("c"), Some(Value::Bool(true)));
        assert_eq!(v("d"), Some(Value::Null));
        assert_eq!(v("e"), Some(Value::Float(1.5)));
        assert_eq!(v("f"), Some(Value::Int(31)));
        assert_eq!(v("g"), Some(Value::Str("yes".into())));
        let doc = &parse("a: 0x-5\nb: -0x-8000000000000000\nc: -9223372036854775808\n")[0];
        let v = |k: &str| doc.get(k).map(|n| n.value.clone());
        assert_eq!(v("a"), Some(Value::Str("0x-5".into())));
        assert_eq!(v("b"), Some(Value::Str("-0x-8000000000000000".into())));
        assert_eq!(v("c"), Some(Value::Int(i64::MIN)));
    }

    #[test]
    fn json_is_read_too() {
        let doc = &parse(r#"{"kind": "Pod", "spec": {"ports": [80, 443]}}"#)[0];
        assert_eq!(doc.get("kind").and_then(SpannedNode::as_str), Some("Pod"));
    }

    #[test]
    fn aliases_expand() {
        let doc = &parse("a: &x {k: v}\nb: *x\n")[0];
        assert_eq!(
            doc.get("b")
                .and_then(|b| b.get("k"))
                .and_then(SpannedNode::as_str),
            Some("v")
        );
    }

    #[test]
    fn duplicate_keys_are_errors_at_the_second_key() {
        let text = "a: 1\nb: 2\na: 3\n";
        let err = parse_documents(FileId(0), text).expect_err("duplicate");
        assert_eq!(err.span.start, 10);
        assert!(err.message.contains("duplicate key `a`"));
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse_documents(FileId(0), "a: [1, 2\nb: 3\n").expect_err("unclosed");
        assert!(err.span.start > 0);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..9 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let err = parse_documents(FileId(0), &text).expect_err("bomb");
        assert!(err.message.contains("too many nodes"));
    }
}
