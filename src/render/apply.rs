//! `polctl apply`: what was verified, what would be sent, and what the
//! cluster made of each object.

use std::fmt::Write;

use colored::Colorize;

use super::table;

/// One object in the plan: where it goes and where it was read.
pub(crate) struct Planned {
    pub namespace: Option<String>,
    /// kubectl's `kind.group/name`.
    pub object: String,
    /// `file:line:col` of its mapping.
    pub from: String,
}

/// The objects in sending order, for `--dry-run=client`.
pub(crate) fn plan(objects: &[Planned]) -> String {
    let mut t = table::table(["#", "NAMESPACE", "OBJECT", "FROM"]);
    for (i, o) in objects.iter().enumerate() {
        t.add_row([
            (i + 1).to_string(),
            o.namespace.clone().unwrap_or_default(),
            o.object.clone(),
            o.from.clone(),
        ]);
    }
    let mut out = table::render(&t);
    let _ = writeln!(
        out,
        "\n{} would be sent in this order (client dry run: the cluster was not contacted)",
        objects_word(objects.len())
    );
    out
}

/// `1 object`, `3 objects`.
pub(crate) fn objects_word(n: usize) -> String {
    if n == 1 {
        "1 object".into()
    } else {
        format!("{n} objects")
    }
}

/// The loud notice of `--skip-verify`: what was not checked.
pub(crate) fn skipped_verify(skipped: &[String], color: bool) -> String {
    let head = "--skip-verify: sending WITHOUT verification";
    let head = if color {
        head.red().bold().to_string()
    } else {
        head.to_string()
    };
    let mut out = format!("{head}\n");
    for s in skipped {
        let _ = writeln!(out, "  not checked: {s}");
    }
    out
}

/// What became of one object, in words: `created`, `configured`,
/// `unchanged`, `failed`, `not sent`.
pub(crate) struct Row {
    pub namespace: Option<String>,
    pub object: String,
    pub result: &'static str,
}

/// The objects in sending order with what became of each, then the counts.
/// `mode` is appended to the counts: `(server dry run: nothing was persisted)`.
pub(crate) fn results(rows: &[Row], mode: Option<&str>) -> String {
    let mut t = table::table(["#", "NAMESPACE", "OBJECT", "RESULT"]);
    for (i, r) in rows.iter().enumerate() {
        t.add_row([
            (i + 1).to_string(),
            r.namespace.clone().unwrap_or_default(),
            r.object.clone(),
            r.result.to_string(),
        ]);
    }
    let mut out = table::render(&t);
    let mut counts = Vec::new();
    for word in ["created", "configured", "unchanged", "failed", "not sent"] {
        let n = rows.iter().filter(|r| r.result == word).count();
        if n > 0 {
            counts.push(format!("{n} {word}"));
        }
    }
    let _ = write!(out, "\n{}: {}", objects_word(rows.len()), counts.join(", "));
    if let Some(mode) = mode {
        let _ = write!(out, " ({mode})");
    }
    out.push('\n');
    out
}

/// Why an object failed: the server's message, each conflicting field
/// with its owner, and what to do.
pub(crate) fn failure(
    object: &str,
    code: u16,
    message: &str,
    conflicts: &[(String, String)],
    color: bool,
) -> String {
    let tag = if color {
        "error".red().bold().to_string()
    } else {
        "error".to_string()
    };
    let mut out = String::new();
    let code = if code == 0 {
        String::new()
    } else {
        format!(" ({code})")
    };
    let _ = writeln!(out, "{tag}: {object}{code}: {message}");
    if !conflicts.is_empty() {
        let _ = writeln!(out, "  fields another manager owns:");
        for (manager, field) in conflicts {
            // The server words the cause `conflict with "calicoctl"`.
            let manager = manager.strip_prefix("conflict with ").unwrap_or(manager);
            let _ = writeln!(out, "    {field}  owned by {manager}");
        }
        let _ = writeln!(
            out,
            "  help: --force-conflicts takes these fields over, or change them through their manager"
        );
    }
    out
}

/// `kubectl diff`'s unified diff of one object, live against applied
/// (both as YAML); empty when they are the same.
pub(crate) fn object_diff(object: &str, live: Option<&str>, applied: &str) -> String {
    let before = live.unwrap_or("");
    if before == applied {
        return String::new();
    }
    let mut out = similar::TextDiff::from_lines(before, applied)
        .unified_diff()
        .context_radius(3)
        .header(&format!("live/{object}"), &format!("applied/{object}"))
        .to_string();
    out.push('\n');
    out
}
