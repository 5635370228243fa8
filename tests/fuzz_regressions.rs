//! Inputs that crashed a fuzz target (see `fuzz/`), or that were written by
//! hand to be as hostile as fuzzing would be, replayed on every test run.
//!
//! Each file in `tests/fuzz-regressions/` is read as bytes and turned into
//! text lossily, as the fuzz targets do, then fed by its name's prefix:
//!
//! - `load-*`: the fuzz target's whole pipeline
//!   (`polctl_testkit::pipeline::run`): every load error must render with
//!   miette's graphical handler and label only spans inside the text, on
//!   char boundaries; what loads is compiled for every dataplane,
//!   simulated, graphed and rendered in every format.
//! - `selector-*`: the selector target (`polctl_testkit::pipeline::selector`):
//!   every expression either parser (Calico, kubectl `-l`) returns must
//!   print as Calico text that parses back to the same expression. Save these without a trailing newline unless the
//!   newline is part of the input.
//!
//! Each file runs on its own thread named after it, so a panic names the
//! file and the others still run.

use std::fs;
use std::path::{Path, PathBuf};
use std::thread;

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
    polctl_testkit::pipeline::run(name, text);
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
            |_, text| polctl_testkit::pipeline::selector(text)
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
