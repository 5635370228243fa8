//! kubectl-style tables: upper-case headers, no borders, no wrapping.

use comfy_table::{ContentArrangement, Table, presets};

pub(crate) fn table<I, S>(headers: I) -> Table
where
    I: IntoIterator<Item = S>,
    S: Into<comfy_table::Cell>,
{
    let mut t = Table::new();
    t.load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(headers);
    for col in t.column_iter_mut() {
        col.set_padding((0, 3));
    }
    t
}

/// Renders a table with trailing spaces trimmed from every line.
pub(crate) fn render(t: &Table) -> String {
    let mut out = String::new();
    for line in t.lines() {
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `k=v,k2=v2`, or `<none>` as kubectl prints.
pub(crate) fn labels<'a>(labels: impl IntoIterator<Item = (&'a String, &'a String)>) -> String {
    let s: Vec<String> = labels
        .into_iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    if s.is_empty() {
        "<none>".into()
    } else {
        s.join(",")
    }
}

/// An order or priority: integral values without a fraction (`1000`, not
/// `1000.0`).
pub(crate) fn number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}
