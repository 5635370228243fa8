//! `polctl test`: a pass/fail table per test file, then each failure with
//! what was expected and, for a flow, its full trace; JUnit XML for CI.

use std::fmt::Write;

use colored::Colorize;

use super::{table, trace};
use crate::model::policy::Dataplane;
use crate::verify::{Report, TestResult};

/// The tables, the failures and a summary line.
pub(crate) fn human(report: &Report, dp: &Dataplane, color: bool) -> String {
    let mut out = String::new();
    for (i, suite) in report.suites.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let _ = writeln!(out, "{}", suite.file);
        let mut t = table::table(["RESULT", "TEST", "GOT"]);
        for test in &suite.tests {
            t.add_row([
                if test.passed { "pass" } else { "FAIL" }.to_string(),
                test.name.clone(),
                test.got.clone(),
            ]);
        }
        if suite.tests.is_empty() {
            out.push_str("no tests\n");
        } else {
            out.push_str(&table::render(&t));
        }
    }
    for (_, test) in report.tests().filter(|(_, t)| !t.passed) {
        out.push('\n');
        let heading = format!("FAIL: {}", test.name);
        let heading = if color {
            heading.red().bold().to_string()
        } else {
            heading
        };
        let _ = writeln!(out, "{heading}  {}", test.at);
        out.push_str(&failure_text(test, dp, color));
    }
    out.push('\n');
    out.push_str(&summary(report));
    out.push('\n');
    out
}

/// `12 tests in 2 files: 11 passed, 1 failed`.
pub(crate) fn summary(report: &Report) -> String {
    let total = report.passed + report.failed;
    let files = report.suites.len();
    format!(
        "{total} test{} in {files} file{}: {} passed, {} failed",
        if total == 1 { "" } else { "s" },
        if files == 1 { "" } else { "s" },
        report.passed,
        report.failed
    )
}

/// Why a test failed: its unmet expectations, then the trace of the
/// failing flow.
fn failure_text(test: &TestResult, dp: &Dataplane, color: bool) -> String {
    let mut out = String::new();
    for f in &test.failures {
        let _ = writeln!(out, "  {f}");
    }
    if let Some(o) = &test.outcome {
        out.push('\n');
        out.push_str(&trace::tree(o, dp, color));
    }
    out
}

/// JUnit XML: one `testsuite` per test file, one `testcase` per test; a
/// failure's text is its unmet expectations and the flow's trace.
pub(crate) fn junit(report: &Report, dp: &Dataplane) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"polctl test\" tests=\"{}\" failures=\"{}\">",
        report.passed + report.failed,
        report.failed
    );
    for suite in &report.suites {
        let failed = suite.tests.iter().filter(|t| !t.passed).count();
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failed}\">",
            xml(&suite.file),
            suite.tests.len()
        );
        for test in &suite.tests {
            let _ = write!(
                out,
                "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"",
                xml(&test.name),
                xml(&suite.file),
                xml(&suite.file)
            );
            if test.passed {
                out.push_str("/>\n");
                continue;
            }
            let message = test.failures.first().map_or("failed", String::as_str);
            let _ = writeln!(
                out,
                ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                xml(message),
                match test.kind {
                    crate::verify::TestKind::Flow => "flow",
                    crate::verify::TestKind::Reach => "reach",
                },
                xml(&format!("{}\n{}", test.at, failure_text(test, dp, false)))
            );
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

/// Text as XML 1.0 character data or an attribute value: markup escaped,
/// and characters XML cannot carry at all (most control characters)
/// replaced.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                out.push('\u{FFFD}');
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_markup_and_replaces_what_xml_cannot_carry() {
        assert_eq!(
            xml("a<b & \"c\" 'd'>\u{1b}[31m\tx"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;\u{FFFD}[31m\tx"
        );
        let doc = format!("<t a=\"{}\">{}</t>", xml("<\"&'>"), xml("]]> <x/> \u{0}"));
        let parsed = roxmltree::Document::parse(&doc).expect("well-formed");
        assert_eq!(parsed.root_element().attribute("a"), Some("<\"&'>"));
        assert_eq!(parsed.root_element().text(), Some("]]> <x/> \u{FFFD}"));
    }
}
