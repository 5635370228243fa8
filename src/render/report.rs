//! How a failed run reads: every problem with its source snippet, then one
//! summary line. Headlines are words (`error: …`); the stable code stays on
//! the diagnostic for tools, not in the reader's way.

use std::fmt;

use colored::Colorize;
use miette::{Diagnostic, GraphicalTheme, LabeledSpan, MietteHandlerOpts, ReportHandler};

/// The text of an error report for stderr.
/// Lines wrap at the terminal's width (80 when stdout is not a terminal).
pub(crate) fn render(diagnostic: &dyn Diagnostic, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::none()
    };
    let handler = MietteHandlerOpts::new()
        .color(color)
        .unicode(color)
        .terminal_links(false)
        .graphical_theme(theme)
        .build();
    let related: Vec<&dyn Diagnostic> = diagnostic
        .related()
        .map(|r| r.collect())
        .unwrap_or_default();
    let mut out = String::new();
    for problem in &related {
        out.push_str(&one(&handler, *problem, color));
        out.push('\n');
    }
    out.push_str(&one(&handler, diagnostic, color));
    out
}

/// miette's snippets, causes and help of one diagnostic, without its
/// headline: for reports that word their own (lint findings).
pub(crate) fn body(diagnostic: &dyn Diagnostic, color: bool) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::none()
    };
    let handler = MietteHandlerOpts::new()
        .color(color)
        .unicode(color)
        .terminal_links(false)
        .graphical_theme(theme)
        .build();
    let body = Rendered(&handler, &Headline(diagnostic)).to_string();
    body.split_once('\n')
        .map_or("", |(_, rest)| rest)
        .to_string()
}

/// `error: <message>` on one line, then miette's snippets, causes and help.
fn one(handler: &dyn ReportHandler, diagnostic: &dyn Diagnostic, color: bool) -> String {
    let tag = if color {
        "error".red().bold().to_string()
    } else {
        "error".to_string()
    };
    let body = Rendered(handler, &Headline(diagnostic)).to_string();
    // miette's first line is the (here empty) message: the headline above
    // replaces it.
    let rest = body.split_once('\n').map_or("", |(_, rest)| rest);
    format!("{tag}: {diagnostic}\n{rest}")
}

struct Rendered<'a>(&'a dyn ReportHandler, &'a dyn Diagnostic);

impl fmt::Display for Rendered<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.debug(self.1, f)
    }
}

/// The body of one diagnostic: no code, no message (the headline), no
/// related problems (printed before it, one by one).
struct Headline<'a>(&'a dyn Diagnostic);

impl fmt::Debug for Headline<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.0, f)
    }
}

/// Empty: the headline is written by `one`, unwrapped and in words.
impl fmt::Display for Headline<'_> {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl std::error::Error for Headline<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0.source()
    }
}

impl Diagnostic for Headline<'_> {
    fn severity(&self) -> Option<miette::Severity> {
        self.0.severity()
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.0.help()
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.0.source_code()
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.0.labels()
    }

    fn diagnostic_source(&self) -> Option<&dyn Diagnostic> {
        self.0.diagnostic_source()
    }
}
