//! Diagnostics for bad input: each names its file, line and column and
//! labels the offending text.

use miette::{Diagnostic, SourceSpan};
use thiserror::Error;

use super::source::{Excerpt, SourceFile, Sources};
use super::span::Span;

#[derive(Debug, Error, Diagnostic)]
pub enum LoadError {
    #[error("{message}")]
    #[diagnostic(code(polctl::input::yaml))]
    Syntax {
        message: String,
        #[source_code]
        src: Excerpt,
        #[label("here")]
        span: SourceSpan,
    },

    #[error("{message}")]
    #[diagnostic(code(polctl::input::invalid))]
    Invalid {
        message: String,
        #[source_code]
        src: Excerpt,
        #[label("{label}")]
        span: SourceSpan,
        label: String,
        #[help]
        help: Option<String>,
    },

    #[error("cannot read {path}: {message}")]
    #[diagnostic(code(polctl::input::io))]
    Io { path: String, message: String },
}

impl LoadError {
    /// Errors are reported in file, then position, order.
    pub fn sort_key(&self) -> (String, usize) {
        match self {
            LoadError::Syntax { src, span, .. } | LoadError::Invalid { src, span, .. } => {
                (src.name().to_string(), span.offset())
            }
            LoadError::Io { path, .. } => (path.clone(), 0),
        }
    }

    /// A syntax error at `span` of `src`.
    pub(crate) fn syntax(src: &SourceFile, span: Span, message: String) -> LoadError {
        let (src, span) = src.excerpt(span);
        LoadError::Syntax { message, src, span }
    }

    /// Input that parses but means nothing valid, at `span` of `src`. On a
    /// line too long to show whole, the message starts with the item path
    /// of the span, as kubectl names a field.
    pub(crate) fn invalid(
        src: &SourceFile,
        span: Span,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> LoadError {
        let (excerpt, label_span) = src.excerpt(span);
        let message = match excerpt
            .is_cut()
            .then(|| src.item_path(span.start as usize))
            .flatten()
        {
            Some(path) => format!("{path}: {message}"),
            None => message,
        };
        LoadError::Invalid {
            message,
            src: excerpt,
            span: label_span,
            label: label.to_string(),
            help,
        }
    }

    pub(crate) fn from_problem(sources: &Sources, problem: Problem, label: &str) -> LoadError {
        match sources.get(problem.span.file) {
            Some(src) => {
                LoadError::invalid(src, problem.span, problem.message, label, problem.help)
            }
            None => LoadError::Io {
                path: "<unknown>".into(),
                message: problem.message,
            },
        }
    }
}

/// Every problem of one run, reported together; its own message is the
/// summary printed after them.
#[derive(Debug, Error, Diagnostic)]
#[error("{}; nothing was evaluated", summary(.errors))]
#[diagnostic(code(polctl::input::errors))]
pub struct LoadErrors {
    #[related]
    pub errors: Vec<LoadError>,
}

/// `3 problems in 2 files`.
fn summary(errors: &[LoadError]) -> String {
    let files: std::collections::BTreeSet<String> = errors.iter().map(|e| e.sort_key().0).collect();
    let count = |n: usize, noun: &str| {
        if n == 1 {
            format!("1 {noun}")
        } else {
            format!("{n} {noun}s")
        }
    };
    format!(
        "{} in {}",
        count(errors.len(), "problem"),
        count(files.len(), "file")
    )
}

/// A problem that does not stop the run (an unknown kind, a file that is
/// not a manifest), printed as `warning: file:line:col: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    pub location: String,
    pub message: String,
    /// A file skipped for its extension: listed one by one only with -v.
    pub skipped_file: bool,
}

/// A problem found after typing: a span, a message and an optional hint.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Problem {
    pub span: Span,
    pub message: String,
    pub help: Option<String>,
}

impl Problem {
    pub(crate) fn new(span: Span, message: impl Into<String>) -> Self {
        Problem {
            span,
            message: message.into(),
            help: None,
        }
    }

    pub(crate) fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub(crate) fn help_opt(mut self, help: Option<String>) -> Self {
        self.help = help.or(self.help);
        self
    }
}
