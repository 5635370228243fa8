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

/// A table in the same layout as [`table`] and [`render`], written line by
/// line: `rows` is walked twice, once for the column widths and once to
/// write, so no row is kept. A cell may span lines (`\n`).
pub(crate) fn stream<W, F>(out: &mut W, headers: &[&str], rows: F) -> std::io::Result<()>
where
    W: std::io::Write,
    F: Fn(&mut dyn FnMut(&[&str]) -> std::io::Result<()>) -> std::io::Result<()>,
{
    use unicode_width::UnicodeWidthStr;
    let mut widths: Vec<usize> = headers.iter().map(|h| h.width()).collect();
    rows(&mut |cells| {
        for (w, cell) in widths.iter_mut().zip(cells) {
            for line in cell.lines() {
                *w = (*w).max(line.width());
            }
        }
        Ok(())
    })?;
    let mut line = String::new();
    let mut write_row = |out: &mut W, cells: &[&str]| -> std::io::Result<()> {
        let mut lines: Vec<std::str::Lines> = cells.iter().map(|c| c.lines()).collect();
        let height = cells
            .iter()
            .map(|c| c.lines().count().max(1))
            .max()
            .unwrap_or(1);
        for _ in 0..height {
            line.clear();
            for (i, parts) in lines.iter_mut().enumerate() {
                let part = parts.next().unwrap_or("");
                line.push_str(part);
                let pad = widths[i] - part.width() + 3;
                line.extend(std::iter::repeat_n(' ', pad));
            }
            out.write_all(line.trim_end().as_bytes())?;
            out.write_all(b"\n")?;
        }
        Ok(())
    };
    write_row(out, headers)?;
    rows(&mut |cells| write_row(out, cells))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_streamed_table_is_laid_out_as_a_rendered_one() {
        let rows = [
            ["a", "multi\nline cell", "x"],
            ["longer name", "", "ünïcode"],
            ["", "b", ""],
        ];
        let mut t = table(["FROM", "TO", "CONNECTIONS"]);
        for r in &rows {
            t.add_row(r.to_vec());
        }
        let mut out = Vec::new();
        stream(&mut out, &["FROM", "TO", "CONNECTIONS"], |emit| {
            rows.iter().try_for_each(|r| emit(r))
        })
        .expect("written");
        assert_eq!(String::from_utf8(out).expect("utf-8"), render(&t));
    }
}
