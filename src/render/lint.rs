//! Lint findings: located diagnostics for a reader, JSON for scripts,
//! SARIF 2.1.0 for code-scanning tools (GitHub shows each result on its
//! YAML line), and the list of lints.

use std::fmt::{self, Write as _};
use std::path::Path;

use colored::Colorize;
use miette::{Diagnostic, LabeledSpan, Severity, SourceCode};
use serde::Serialize;
use serde_json::{Value, json};

use crate::lint::{Finding, LINTS, Level, Levels, Lint, PolicyRef};
use crate::load::{SourceFile, Sources, source_span};
use crate::model::policy::Dataplane;

/// One finding as miette sees it.
#[derive(Debug)]
struct Located<'a> {
    finding: &'a Finding,
    src: &'a SourceFile,
}

impl fmt::Display for Located<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Located<'_> {}

impl Diagnostic for Located<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.finding.lint.code()))
    }

    fn severity(&self) -> Option<Severity> {
        Some(match self.finding.level {
            Level::Deny => Severity::Error,
            Level::Warn | Level::Allow => Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.finding
            .help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(self.src)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(
            Some(self.finding.label.clone()),
            source_span(self.finding.span),
        ))))
    }
}

/// `warning[polctl::lint::<name>]: <message>` (`error` at deny level), the
/// snippet, the help; then one summary line.
pub(crate) fn human(
    findings: &[Finding],
    sources: &Sources,
    levels: &Levels,
    dp: &Dataplane,
    color: bool,
) -> String {
    let mut out = String::new();
    for f in findings {
        let tag = match f.level {
            Level::Deny => paint("error", color, |s| s.red().bold()),
            Level::Warn | Level::Allow => paint("warning", color, |s| s.yellow().bold()),
        };
        let _ = writeln!(out, "{tag}[{}]: {}", f.lint.code(), f.message);
        if let Some(src) = sources.get(f.span.file) {
            out.push_str(&super::report::body(&Located { finding: f, src }, color));
        }
        let by = if levels.of(f.lint) == f.lint.default {
            "by default".to_string()
        } else {
            "on the command line".to_string()
        };
        let _ = writeln!(out, "  note: {} is {} {by}\n", f.lint.name, f.level);
    }
    let count = |level: Level| findings.iter().filter(|f| f.level == level).count();
    let plural = |n: usize, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    let summary = if findings.is_empty() {
        "no findings".to_string()
    } else {
        format!(
            "{}, {}",
            plural(count(Level::Deny), "error"),
            plural(count(Level::Warn), "warning")
        )
    };
    let fails = if levels.fails(findings) {
        if count(Level::Deny) == 0 {
            " (failing: --deny-warnings)"
        } else {
            ""
        }
    } else {
        ""
    };
    let _ = writeln!(
        out,
        "polctl lint: {summary}{fails}; dataplane {}",
        super::trace::dataplane(dp)
    );
    out
}

fn paint(word: &str, color: bool, style: impl Fn(&str) -> colored::ColoredString) -> String {
    if color {
        style(word).to_string()
    } else {
        word.to_string()
    }
}

/// Where a finding is: file and 1-based line and column of both ends.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

fn locate(sources: &Sources, finding: &Finding) -> Option<Location> {
    let src = sources.get(finding.span.file)?;
    let (line, column) = src.line_col(finding.span.start);
    let (end_line, end_column) = src.line_col(finding.span.end);
    Some(Location {
        file: src.name().to_string(),
        line,
        column,
        end_line,
        end_column,
    })
}

/// One finding in `polctl lint -o json`.
#[derive(Serialize)]
struct JsonFinding<'a> {
    code: String,
    lint: &'static str,
    level: Level,
    message: &'a str,
    #[serde(flatten)]
    location: Option<Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    policy: Option<&'a PolicyRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<&'a str>,
}

/// `{"dataplane", "findings": [...], "errors", "warnings", "failed"}`.
pub(crate) fn json(
    findings: &[Finding],
    sources: &Sources,
    levels: &Levels,
    dp: &Dataplane,
) -> Value {
    let list: Vec<JsonFinding> = findings
        .iter()
        .map(|f| JsonFinding {
            code: f.lint.code(),
            lint: f.lint.name,
            level: f.level,
            message: &f.message,
            location: locate(sources, f),
            policy: f.policy.as_ref(),
            help: f.help.as_deref(),
        })
        .collect();
    let count = |level: Level| findings.iter().filter(|f| f.level == level).count();
    json!({
        "dataplane": dp,
        "findings": list,
        "errors": count(Level::Deny),
        "warnings": count(Level::Warn),
        "failed": levels.fails(findings),
    })
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

/// A path as a relative URI reference: relative to `base` when it lies
/// under it, `/` separators, and characters outside RFC 3986's unreserved
/// set (and `/`) percent-encoded.
fn uri(name: &str, base: &Path) -> String {
    let path = Path::new(name);
    let rel = path.strip_prefix(base).unwrap_or(path);
    let text = rel.to_string_lossy().replace('\\', "/");
    let text = text.strip_prefix("./").unwrap_or(&text);
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The SARIF 2.1.0 log: one run, every lint as a rule descriptor, one
/// result per finding with its physical location (artifact URI relative to
/// `base`, the working directory, with `%SRCROOT%` as base id).
pub(crate) fn sarif(findings: &[Finding], sources: &Sources, base: &Path) -> Value {
    let rules: Vec<Value> = LINTS.iter().map(|l| rule(l)).collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let index = LINTS.iter().position(|l| std::ptr::eq(*l, f.lint));
            let mut result = json!({
                "ruleId": f.lint.code(),
                "level": sarif_level(f.level),
                "message": {"text": match &f.help {
                    Some(h) => format!("{} ({h})", f.message),
                    None => f.message.clone(),
                }},
            });
            if let Some(i) = index {
                result["ruleIndex"] = json!(i);
            }
            if let Some(loc) = locate(sources, f) {
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {
                            "uri": uri(&loc.file, base),
                            "uriBaseId": "%SRCROOT%",
                        },
                        "region": {
                            "startLine": loc.line,
                            "startColumn": loc.column,
                            "endLine": loc.end_line,
                            "endColumn": loc.end_column,
                        },
                    },
                }]);
            }
            if let Some(p) = &f.policy {
                result["properties"] = json!({"policy": p});
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "polctl",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                },
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    })
}

fn rule(lint: &Lint) -> Value {
    json!({
        "id": lint.code(),
        "name": lint.name,
        "shortDescription": {"text": lint.summary},
        "fullDescription": {"text": lint.explanation},
        "help": {"text": lint.explanation},
        "defaultConfiguration": {"level": sarif_level(lint.default)},
    })
}

/// `polctl lint --list`: every lint, its code, level and summary.
pub(crate) fn list(levels: &Levels) -> String {
    let mut t = super::table::table(["LINT", "LEVEL", "SUMMARY"]);
    for l in LINTS {
        t.add_row([l.code(), levels.of(l).to_string(), l.summary.to_string()]);
    }
    super::table::render(&t)
}

/// `polctl lint --list -o json`.
pub(crate) fn list_json(levels: &Levels) -> Value {
    let lints: Vec<Value> = LINTS
        .iter()
        .map(|l| {
            json!({
                "code": l.code(),
                "lint": l.name,
                "level": levels.of(l),
                "default": l.default,
                "summary": l.summary,
                "explanation": l.explanation,
            })
        })
        .collect();
    json!({ "lints": lints })
}
