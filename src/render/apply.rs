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
