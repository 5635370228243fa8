//! The one place polctl writes to the terminal: results on stdout,
//! warnings, errors and the progress bar on stderr.

#![allow(clippy::print_stderr)]

use std::cell::Cell;
use std::io::{self, Write};

use colored::Colorize;
use miette::{IntoDiagnostic, Result};
use serde::Serialize;

/// How much polctl says besides its result.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verbosity {
    /// `-qq`: nothing but errors, not even the result.
    Silent,
    /// `-q`: the result and errors; no warnings, no progress.
    Quiet,
    #[default]
    Normal,
    /// `-v`: also what is normally summarised (each skipped file).
    Verbose,
}

/// What the printer was told once, at startup.
#[derive(Clone, Copy, Debug, Default)]
pub struct PrinterOptions {
    /// Whether results on stdout are colored.
    pub out_color: bool,
    /// Whether warnings and errors on stderr are colored.
    pub err_color: bool,
    pub verbosity: Verbosity,
    /// Whether a progress bar may be drawn (stderr is a terminal and
    /// neither `--no-progress` nor `-q` was given).
    pub progress: bool,
}

pub struct Printer {
    options: PrinterOptions,
    /// Set once stdout's reader went away (`polctl get … | head`): later
    /// output is dropped instead of failing.
    closed: Cell<bool>,
}

impl Printer {
    pub fn new(options: PrinterOptions) -> Self {
        // Every colored write is gated on the options; `colored` itself
        // would also look at whether *stdout* is a terminal.
        colored::control::set_override(options.out_color || options.err_color);
        // Table cells are coloured through crossterm, which would drop the
        // colour under NO_COLOR even with --color=always.
        crossterm::style::force_color_output(options.out_color);
        Printer {
            options,
            closed: Cell::new(false),
        }
    }

    pub(crate) fn out_color(&self) -> bool {
        self.options.out_color
    }

    pub(crate) fn err_color(&self) -> bool {
        self.options.err_color
    }

    pub(crate) fn verbose(&self) -> bool {
        self.options.verbosity >= Verbosity::Verbose
    }

    /// Writes text to stdout as is. A closed pipe is not an error.
    pub(crate) fn raw(&self, text: &str) -> Result<()> {
        if self.closed.get() || self.options.verbosity == Verbosity::Silent {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        self.written(out.write_all(text.as_bytes()).and_then(|_| out.flush()))
    }

    pub(crate) fn line(&self, text: &str) -> Result<()> {
        self.raw(&format!("{text}\n"))
    }

    /// Pretty JSON on stdout, written as it is serialized (a graph of
    /// millions of edges is never held as one string).
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        if self.closed.get() || self.options.verbosity == Verbosity::Silent {
            return Ok(());
        }
        let mut out = io::BufWriter::new(io::stdout().lock());
        let written = serde_json::to_writer_pretty(&mut out, value)
            .map_err(io::Error::from)
            .and_then(|_| out.write_all(b"\n"))
            .and_then(|_| out.flush());
        self.written(written)
    }

    /// YAML on stdout, written as it is serialized.
    pub(crate) fn yaml<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        self.stream(|out| {
            let mut out = Watched {
                inner: out,
                failed: None,
            };
            serde_yaml::to_writer(&mut out, value).map_err(|e| match out.failed {
                // The emitter words the writer's error; a closed pipe stays one.
                Some(kind) => io::Error::from(kind),
                None => io::Error::other(e),
            })
        })
    }

    /// Output written by `write` to a buffered stdout as it is produced.
    pub(crate) fn stream(
        &self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    ) -> Result<()> {
        if self.closed.get() || self.options.verbosity == Verbosity::Silent {
            return Ok(());
        }
        let mut out = io::BufWriter::new(io::stdout().lock());
        let written = write(&mut out).and_then(|_| out.flush());
        self.written(written)
    }

    /// A broken pipe ends output quietly; other write errors are errors.
    fn written(&self, result: io::Result<()>) -> Result<()> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed.set(true);
                Ok(())
            }
            other => other.into_diagnostic(),
        }
    }

    pub(crate) fn warn(&self, message: &str) {
        if self.options.verbosity < Verbosity::Normal {
            return;
        }
        let tag = if self.options.err_color {
            "warning".yellow().bold().to_string()
        } else {
            "warning".to_string()
        };
        eprintln!("{tag}: {message}");
    }

    /// A question on stderr, without a newline: the answer is typed after it.
    pub(crate) fn prompt(&self, question: &str) {
        eprint!("{question}");
        let _ = io::stderr().flush();
    }

    /// The report of a failed run: every problem, then one summary line.
    pub fn error(&self, report: &miette::Report) {
        eprint!(
            "{}",
            super::report::render(report.as_ref(), self.options.err_color)
        );
    }

    /// A progress bar on stderr, hidden when stderr is not a terminal, under
    /// `-q`, `-v` (its lines would interleave) and `--no-progress`.
    pub(crate) fn progress_bar(&self, template: &str) -> indicatif::ProgressBar {
        if !self.options.progress || self.options.verbosity != Verbosity::Normal {
            return indicatif::ProgressBar::hidden();
        }
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(0),
            indicatif::ProgressDrawTarget::stderr(),
        );
        bar.set_style(
            indicatif::ProgressStyle::with_template(template)
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    }
}

/// A writer that remembers the kind of its last error, for serializers
/// that replace it with their own.
struct Watched<'a> {
    inner: &'a mut dyn Write,
    failed: Option<io::ErrorKind>,
}

impl Write for Watched<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.inner
            .write(buf)
            .inspect_err(|e| self.failed = Some(e.kind()))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner
            .flush()
            .inspect_err(|e| self.failed = Some(e.kind()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(progress: bool, verbosity: Verbosity) -> indicatif::ProgressBar {
        Printer::new(PrinterOptions {
            progress,
            verbosity,
            ..PrinterOptions::default()
        })
        .progress_bar("{pos}")
    }

    #[test]
    fn progress_is_hidden_without_a_terminal_and_when_quiet_or_verbose() {
        assert!(bar(false, Verbosity::Normal).is_hidden());
        assert!(bar(true, Verbosity::Quiet).is_hidden());
        assert!(bar(true, Verbosity::Silent).is_hidden());
        assert!(bar(true, Verbosity::Verbose).is_hidden());
    }
}
