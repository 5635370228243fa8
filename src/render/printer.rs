//! The one place polctl writes to the terminal.

#![allow(clippy::print_stderr)]

use std::cell::Cell;
use std::io::{self, Write};

use colored::Colorize;
use miette::{IntoDiagnostic, Result};
use serde::Serialize;

pub struct Printer {
    /// Whether warnings on stderr are colored.
    err_color: bool,
    /// Whether trace trees on stdout are colored.
    out_color: bool,
    /// Set once stdout's reader went away (`polctl get … | head`): later
    /// output is dropped instead of failing.
    closed: Cell<bool>,
}

impl Printer {
    pub fn new(err_color: bool, out_color: bool) -> Self {
        Printer {
            err_color,
            out_color,
            closed: Cell::new(false),
        }
    }

    pub fn out_color(&self) -> bool {
        self.out_color
    }

    /// Writes text to stdout as is. A closed pipe is not an error.
    pub fn raw(&self, text: &str) -> io::Result<()> {
        if self.closed.get() {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed.set(true);
                Ok(())
            }
            other => other,
        }
    }

    pub fn line(&self, text: &str) -> Result<()> {
        self.raw(&format!("{text}\n")).into_diagnostic()
    }

    /// Pretty JSON on stdout, written as it is serialized (a graph of
    /// millions of edges is never held as one string).
    pub fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        if self.closed.get() {
            return Ok(());
        }
        let mut out = io::BufWriter::new(io::stdout().lock());
        let written = serde_json::to_writer_pretty(&mut out, value)
            .map_err(io::Error::from)
            .and_then(|_| out.write_all(b"\n"))
            .and_then(|_| out.flush());
        match written {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed.set(true);
                Ok(())
            }
            other => other.into_diagnostic(),
        }
    }

    pub fn yaml<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let text = serde_yaml::to_string(value).into_diagnostic()?;
        self.raw(&text).into_diagnostic()
    }

    pub fn warn(&self, message: &str) {
        let tag = if self.err_color {
            "warning".yellow().bold().to_string()
        } else {
            "warning".to_string()
        };
        eprintln!("{tag}: {message}");
    }
}
