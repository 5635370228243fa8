//! Inputs that crashed a fuzz target (see `fuzz/`), or that were written by
//! hand to be as hostile as fuzzing would be, replayed on every test run.
//!
//! Each file in `tests/fuzz-regressions/` is read as bytes and turned into
//! text lossily, as the fuzz targets do, then fed by its name's prefix:
//!
//! - `load-*`: `polctl::load::load_text`; every error must render with
//!   miette's graphical handler and label only spans inside the text, on
//!   char boundaries.
//! - `selector-*`: both selector parsers (Calico and kubectl `-l`); every
//!   expression they return must print as Calico text that parses back to
//!   the same expression. Save these without a trailing newline unless the
//!   newline is part of the input.
//!
//! Each file runs on its own thread named after it, so a panic names the
//! file and the others still run.

use std::fs;
use std::path::{Path, PathBuf};
use std::thread;

use miette::{Diagnostic, GraphicalReportHandler};
use polctl::selector::{Expr, parse, parse_kubectl};

fn regression_files() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn check_load(name: &str, text: &str) {
    let Err(errors) = polctl::load::load_text(name, text) else {
        return;
    };
    assert!(!errors.errors.is_empty(), "an Err with no errors");
    for err in &errors.errors {
        for label in err.labels().into_iter().flatten() {
            let (start, end) = (label.offset(), label.offset() + label.len());
            assert!(
                end <= text.len(),
                "span {start}..{end} is past the end ({}): {err}",
                text.len()
            );
            assert!(
                text.is_char_boundary(start) && text.is_char_boundary(end),
                "span {start}..{end} is not on char boundaries: {err}"
            );
        }
        let mut out = String::new();
        GraphicalReportHandler::new()
            .render_report(&mut out, err)
            .unwrap_or_else(|e| panic!("cannot render {err}: {e}"));
        assert!(!out.is_empty(), "{err} rendered as nothing");
    }
}

fn round_trip(source: &str, expr: &Expr) {
    let printed = expr.to_string();
    match parse(&printed) {
        Ok(again) => assert_eq!(
            &again, expr,
            "{source:?} printed as {printed:?} reads back differently"
        ),
        Err(e) => panic!("{source:?} printed as {printed:?}, which does not parse: {e}"),
    }
}

fn check_selector(text: &str) {
    if let Ok(expr) = parse(text) {
        round_trip(text, &expr);
    }
    if let Ok(expr) = parse_kubectl(text) {
        round_trip(text, &expr);
    }
}

#[test]
fn fuzz_regressions_neither_panic_nor_mislocate() {
    let files = regression_files();
    let mut failed = Vec::new();
    let (mut loads, mut selectors) = (0, 0);
    for path in &files {
        let name = file_name(path);
        let check: fn(&str, &str) = if name.starts_with("load-") {
            loads += 1;
            check_load
        } else if name.starts_with("selector-") {
            selectors += 1;
            |_, text| check_selector(text)
        } else {
            panic!("{name}: regression files are named load-* or selector-*");
        };
        let bytes = fs::read(path).unwrap_or_else(|e| panic!("cannot read {name}: {e}"));
        let run = thread::Builder::new().name(name.clone()).spawn(move || {
            let text = String::from_utf8_lossy(&bytes);
            check(&name, &text);
        });
        if run.expect("spawn a test thread").join().is_err() {
            failed.push(file_name(path));
        }
    }
    assert!(
        loads >= 1 && selectors >= 1,
        "tests/fuzz-regressions lost its files: {files:?}"
    );
    assert!(failed.is_empty(), "panicked (see above): {failed:?}");
}
