//! Source files held in memory for the whole run, so any diagnostic or
//! trace step can quote the text it points at.

use std::sync::{Arc, OnceLock};

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::span::{FileId, Span};
use super::yaml::{self, SpannedNode, Value};

/// A line longer than this is shown as a window around the span, not whole:
/// a minified JSON list of a whole cluster is one line of megabytes.
const LONG_LINE: usize = 300;
/// Bytes of context a window keeps on either side of the span.
const WINDOW_CONTEXT: usize = 80;
/// A label on a long line covers at most this many bytes of its span.
const WINDOW_LABEL: usize = 160;
/// Marks where a window cuts its line.
const CUT: &str = "…";

/// One input file: its display name (a path, `<stdin>`) and its text.
#[derive(Clone, Debug)]
pub struct SourceFile(Arc<SourceInner>);

#[derive(Debug)]
struct SourceInner {
    name: String,
    text: String,
    /// Byte offsets where lines start, built on first use: traces locate
    /// dozens of spans per flow in files of megabytes.
    line_starts: OnceLock<Vec<usize>>,
    /// The documents, parsed again on first use to name the item path of
    /// a diagnostic on a long line (only when there is one to report).
    documents: OnceLock<Vec<SpannedNode>>,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile(Arc::new(SourceInner {
            name: name.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
            documents: OnceLock::new(),
        }))
    }

    pub(crate) fn name(&self) -> &str {
        &self.0.name
    }

    pub(crate) fn text(&self) -> &str {
        &self.0.text
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub(crate) fn line_col(&self, offset: u32) -> (usize, usize) {
        let text = self.text();
        let mut offset = (offset as usize).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = self.line_starts();
        // The last line start at or before the offset.
        let line = starts.partition_point(|&s| s <= offset);
        let line_start = starts[line - 1];
        let col = text[line_start..offset].chars().count() + 1;
        (line, col)
    }

    fn line_starts(&self) -> &[usize] {
        self.0.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text().match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// The byte range of the line holding `offset`, without its line break.
    fn line_range(&self, offset: usize) -> (usize, usize) {
        let text = self.text();
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s <= offset).max(1);
        let start = starts[line - 1];
        let end = starts.get(line).map_or(text.len(), |next| next - 1);
        let end = if end > start && text.as_bytes().get(end - 1) == Some(&b'\r') {
            end - 1
        } else {
            end
        };
        (start, end.max(start))
    }

    /// What a diagnostic shows of this file around `span`: the whole lines
    /// when they are short, a window of the line when it is long. Returns
    /// the excerpt and the label span to use with it (a long span on a
    /// long line is labelled by its beginning).
    pub(crate) fn excerpt(&self, span: Span) -> (Excerpt, SourceSpan) {
        let text = self.text();
        let start = floor_char(text, (span.start as usize).min(text.len()));
        let end = floor_char(text, (span.end as usize).clamp(start, text.len()));
        let (line_start, line_end) = self.line_range(start);
        if line_end - line_start <= LONG_LINE {
            let excerpt = Excerpt {
                file: self.clone(),
                window: None,
            };
            return (excerpt, source_span(span));
        }
        // The label stays on the span's line and within the window.
        let label_end = floor_char(text, end.min(line_end).min(start + WINDOW_LABEL)).max(start);
        let from = floor_char(text, start.saturating_sub(WINDOW_CONTEXT).max(line_start));
        let to = ceil_char(text, (label_end + WINDOW_CONTEXT).min(line_end));
        let before = if from > line_start { CUT } else { "" };
        let after = if to < line_end { CUT } else { "" };
        let window = Window {
            text: format!("{before}{}{after}", &text[from..to]),
            // The marker stands in for the bytes just before the window, so
            // that every offset inside the window keeps its place.
            offset: from - before.len(),
            from,
            to,
        };
        let excerpt = Excerpt {
            file: self.clone(),
            window: Some(window),
        };
        (excerpt, SourceSpan::new(start.into(), label_end - start))
    }

    /// Where `offset` sits in the documents' tree, as kubectl names a field:
    /// `items[1234].spec.containers[0].ports[0].containerPort`. `None` at
    /// the top of a document or when the text does not parse.
    pub(crate) fn item_path(&self, offset: usize) -> Option<String> {
        let docs = self
            .0
            .documents
            .get_or_init(|| yaml::parse_documents(FileId(0), self.text()).unwrap_or_default());
        let doc = docs.iter().find(|d| contains(d, offset))?;
        let mut path = String::new();
        let mut node = doc;
        loop {
            match &node.value {
                Value::Seq(items) => {
                    let Some((i, item)) =
                        items.iter().enumerate().find(|(_, n)| contains(n, offset))
                    else {
                        break;
                    };
                    path.push_str(&format!("[{i}]"));
                    node = item;
                }
                Value::Map(entries) => {
                    let Some((key, value)) = entries
                        .iter()
                        .find(|(k, v)| contains(k, offset) || contains(v, offset))
                    else {
                        break;
                    };
                    push_key(&mut path, key);
                    if !contains(value, offset) {
                        break;
                    }
                    node = value;
                }
                _ => break,
            }
        }
        (!path.is_empty()).then_some(path)
    }
}

fn contains(node: &SpannedNode, offset: usize) -> bool {
    let (start, end) = (node.span.start as usize, node.span.end as usize);
    start <= offset && (offset < end || (start == end && offset == start))
}

/// `.name`, or `["a.b/c"]` for a key that is not a plain word.
fn push_key(path: &mut String, key: &SpannedNode) {
    let name = match &key.value {
        Value::Str(s) => s.clone(),
        Value::Int(i) => i.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => "?".to_string(),
    };
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if plain {
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&name);
    } else {
        path.push_str(&format!("[{name:?}]"));
    }
}

fn floor_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

/// The source a diagnostic quotes: its file, and for a span on a long line
/// a window of that line, cut on either side and marked so.
#[derive(Clone, Debug)]
pub struct Excerpt {
    file: SourceFile,
    window: Option<Window>,
}

#[derive(Clone, Debug)]
struct Window {
    /// The window's text, with a cut marker at each end that was cut.
    text: String,
    /// The file offset `text` is shown at.
    offset: usize,
    /// The file range the window shows.
    from: usize,
    to: usize,
}

impl Excerpt {
    pub(crate) fn name(&self) -> &str {
        self.file.name()
    }

    /// Whether the excerpt shows only part of its line.
    pub(crate) fn is_cut(&self) -> bool {
        self.window.is_some()
    }
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let (start, end) = (span.offset(), span.offset() + span.len());
        let Some(w) = self
            .window
            .as_ref()
            .filter(|w| w.from <= start && end <= w.to)
        else {
            return self
                .file
                .read_span(span, context_lines_before, context_lines_after);
        };
        let (line, col) = self.file.line_col(start as u32);
        if context_lines_before == 0 && context_lines_after == 0 {
            // The span alone: the header's real line and column come from it.
            let data = &self.file.text().as_bytes()[start..end];
            return Ok(Box::new(MietteSpanContents::new_named(
                self.name().to_string(),
                data,
                *span,
                line - 1,
                col - 1,
                1,
            )));
        }
        let (_, window_col) = self.file.line_col(w.from as u32);
        Ok(Box::new(MietteSpanContents::new_named(
            self.name().to_string(),
            w.text.as_bytes(),
            SourceSpan::new(w.offset.into(), w.text.len()),
            line - 1,
            window_col - 1,
            1,
        )))
    }
}

impl SourceCode for SourceFile {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text()
            .read_span(span, context_lines_before, context_lines_after)?;
        Ok(Box::new(MietteSpanContents::new_named(
            self.name().to_string(),
            inner.data(),
            *inner.span(),
            inner.line(),
            inner.column(),
            inner.line_count(),
        )))
    }
}

/// Every file read in this run, by [`FileId`].
#[derive(Clone, Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub(crate) fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }

    pub(crate) fn get(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The text read from stdin (`-f -`), if it was read.
    pub fn stdin(&self) -> Option<&str> {
        self.files
            .iter()
            .find(|f| f.name() == "<stdin>")
            .map(SourceFile::text)
    }

    /// `file:line:col` for a span, the form traces and warnings print.
    pub fn locate(&self, span: Span) -> String {
        match self.get(span.file) {
            Some(file) => {
                let (line, col) = file.line_col(span.start);
                format!("{}:{line}:{col}", file.name())
            }
            None => "<unknown>".to_string(),
        }
    }
}

pub fn source_span(span: Span) -> SourceSpan {
    SourceSpan::new((span.start as usize).into(), span.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_of_offsets() {
        let f = SourceFile::new("t.yaml", "ab\ncé d\n\nx");
        assert_eq!(f.line_col(0), (1, 1));
        assert_eq!(f.line_col(2), (1, 3), "the newline ends line 1");
        assert_eq!(f.line_col(3), (2, 1));
        // Columns count characters: `é` is two bytes.
        assert_eq!(f.line_col(6), (2, 3));
        assert_eq!(f.line_col(5), (2, 2), "inside a character: its start");
        assert_eq!(f.line_col(9), (3, 1));
        assert_eq!(f.line_col(10), (4, 1));
        assert_eq!(f.line_col(99), (4, 2), "past the end: the end");
    }

    fn render(excerpt: Excerpt, span: SourceSpan) -> String {
        #[derive(Debug, thiserror::Error, miette::Diagnostic)]
        #[error("bad")]
        struct Shown {
            #[source_code]
            src: Excerpt,
            #[label("here")]
            span: SourceSpan,
        }
        let mut out = String::new();
        miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
            .with_width(200)
            .render_report(&mut out, &Shown { src: excerpt, span })
            .unwrap();
        out
    }

    /// A span on a long line shows a marked window of that line, under the
    /// line and column of the span in the whole file.
    #[test]
    fn a_long_line_is_shown_as_a_window() {
        let line = format!(
            "{{\"a\":\"{}\",\"port\":70000,\"b\":\"{}\"}}",
            "x".repeat(500),
            "y".repeat(500)
        );
        let text = format!("first\n{line}\nlast\n");
        let f = SourceFile::new("big.json", text.clone());
        let at = text.find("70000").unwrap();
        let (excerpt, span) = f.excerpt(Span::new(FileId(0), at, at + 5));
        assert!(excerpt.is_cut());
        let shown = render(excerpt, span);
        let col = line.find("70000").unwrap() + 1;
        assert!(shown.contains(&format!("[big.json:2:{col}]")), "{shown}");
        assert!(shown.contains("…xxxxx"), "{shown}");
        assert!(shown.contains("yyyyy…"), "{shown}");
        assert!(shown.contains("\"port\":70000"), "{shown}");
        assert!(shown.len() < 600, "{} bytes: {shown}", shown.len());
        assert!(!shown.contains("first"), "{shown}");
    }

    /// A span longer than the window is labelled by its beginning.
    #[test]
    fn a_long_span_on_a_long_line_is_cut_too() {
        let text = format!("[{}]", "\"abcdé\",".repeat(400));
        let f = SourceFile::new("l.json", text.clone());
        let (excerpt, span) = f.excerpt(Span::new(FileId(0), 0, text.len()));
        assert!(span.len() <= WINDOW_LABEL);
        let shown = render(excerpt, span);
        assert!(shown.contains("[l.json:1:1]"), "{shown}");
        assert!(shown.lines().all(|l| l.chars().count() < 260), "{shown}");
    }

    /// Short lines are shown whole, as before.
    #[test]
    fn a_short_line_is_shown_whole() {
        let f = SourceFile::new("s.yaml", "a: 1\nport: 70000\n");
        let (excerpt, span) = f.excerpt(Span::new(FileId(0), 11, 16));
        assert!(!excerpt.is_cut());
        let shown = render(excerpt, span);
        assert!(shown.contains("[s.yaml:2:7]"), "{shown}");
        assert!(shown.contains("port: 70000"), "{shown}");
    }

    /// The item path walks mappings and sequences down to the offset.
    #[test]
    fn item_paths_name_the_field() {
        let text = r#"{"kind":"List","items":[{"a":1},{"spec":{"ports":[{"port":1},{"app.kubernetes.io/x":70000}]}}]}"#;
        let f = SourceFile::new("p.json", text);
        let at = text.find("70000").unwrap();
        assert_eq!(
            f.item_path(at).as_deref(),
            Some(r#"items[1].spec.ports[1]["app.kubernetes.io/x"]"#)
        );
        let key = text.find("\"kind\"").unwrap();
        assert_eq!(f.item_path(key).as_deref(), Some("kind"));
        assert_eq!(f.item_path(0), None, "the document itself");
    }
}
