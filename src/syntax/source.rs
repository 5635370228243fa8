//! Source files held in memory for the whole run, so any diagnostic or
//! trace step can quote the text it points at.

use std::sync::{Arc, OnceLock};

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::span::{FileId, Span};

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
}

impl SourceFile {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile(Arc::new(SourceInner {
            name: name.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
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
        let starts = self.0.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        // The last line start at or before the offset.
        let line = starts.partition_point(|&s| s <= offset);
        let line_start = starts[line - 1];
        let col = text[line_start..offset].chars().count() + 1;
        (line, col)
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
    use super::SourceFile;

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
}
