//! The house rule: layers point one way.
//!
//! ```text
//!   cmd                      (flags → library → render)
//!   render   cluster   node  (output; the live cluster; eBPF on a node)
//!   verify   lint            (policy tests; findings on what loads but misleads)
//!   sim                      (evaluator, traces, reachability: reads model + selector)
//!   load                     (files → inventory)
//!   dialect                  (one folder per policy language → IR)
//!   model                    (cluster, flow, policy IR)
//!   selector   syntax        (leaves: selector language; spans, YAML, diagnostics)
//! ```
//!
//! Every `crate::<module>` (and `super::` escaping a top-level module) in
//! library code must name a module its layer may read. Test code (files
//! named `tests.rs`/`*_tests.rs` and anything after `#[cfg(test)]`) may build
//! fixtures through the whole pipeline and is not checked.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// What each top-level module may import, besides itself.
const ALLOWED: &[(&str, &[&str])] = &[
    ("selector", &[]),
    ("syntax", &[]),
    ("model", &["selector", "syntax"]),
    ("dialect", &["model", "selector", "syntax"]),
    ("load", &["dialect", "model", "selector", "syntax"]),
    ("sim", &["model", "selector"]),
    (
        "verify",
        &["sim", "load", "dialect", "model", "selector", "syntax"],
    ),
    (
        "lint",
        &["sim", "load", "dialect", "model", "selector", "syntax"],
    ),
    (
        "render",
        &[
            "lint", "verify", "sim", "load", "dialect", "model", "selector", "syntax",
        ],
    ),
    (
        "cluster",
        &["sim", "load", "dialect", "model", "selector", "syntax"],
    ),
    (
        "node",
        &["sim", "load", "dialect", "model", "selector", "syntax"],
    ),
    (
        "cmd",
        &[
            "render", "cluster", "node", "lint", "verify", "sim", "load", "dialect", "model",
            "selector", "syntax",
        ],
    ),
];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn is_test_file(path: &Path) -> bool {
    let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    name == "tests" || name.ends_with("_tests")
}

/// The library part of a file: everything before its first `#[cfg(test)]`.
fn library_text(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

/// Top-level modules named as `crate::<name>` in `text`.
fn crate_references(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let name: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        // `$crate::` in macros and `polctl_crate::` style names are not ours.
        let before = rest[..at].chars().next_back();
        if !name.is_empty() && !matches!(before, Some('$') | Some('_')) {
            found.insert(name);
        }
        rest = after;
    }
    found
}

fn layer_of(path: &Path) -> Option<String> {
    let rel = path.strip_prefix(src()).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

#[test]
fn imports_point_down() {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    assert!(
        files.len() > 20,
        "found the sources under {}",
        src().display()
    );
    let mut violations = Vec::new();
    let mut unknown = BTreeSet::new();
    for path in &files {
        let Some(layer) = layer_of(path) else {
            continue;
        };
        if matches!(layer.as_str(), "lib" | "main") || is_test_file(path) {
            continue;
        }
        let Some((_, allowed)) = ALLOWED.iter().find(|(name, _)| *name == layer) else {
            unknown.insert(layer);
            continue;
        };
        let text = fs::read_to_string(path).expect("read source");
        for module in crate_references(library_text(&text)) {
            if module != layer && !allowed.contains(&module.as_str()) {
                violations.push(format!(
                    "{}: {layer} imports crate::{module}",
                    path.strip_prefix(src()).unwrap_or(path).display()
                ));
            }
        }
    }
    assert!(
        unknown.is_empty(),
        "top-level modules without a layer in ALLOWED: {unknown:?}"
    );
    assert!(
        violations.is_empty(),
        "imports that point up:\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_an_upward_import() {
    let text = "use crate::model::Flow;\nuse crate::sim::eval::Evaluator;\nfn f() { $crate::x(); }\n#[cfg(test)]\nmod tests { use crate::load::load_text; }\n";
    let found = crate_references(library_text(text));
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        vec!["model".to_string(), "sim".to_string()]
    );
}

/// `text` without its comments: line comments (doc comments included)
/// and block comments go; string and char literals stay.
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut depth = 1;
                let mut prev = ' ';
                for c in chars.by_ref() {
                    match (prev, c) {
                        ('/', '*') => depth += 1,
                        ('*', '/') => depth -= 1,
                        _ => {}
                    }
                    if depth == 0 {
                        break;
                    }
                    prev = if prev == '*' && c == '/' { ' ' } else { c };
                }
            }
            '"' => {
                out.push(c);
                let mut escaped = false;
                for c in chars.by_ref() {
                    out.push(c);
                    match c {
                        '\\' if !escaped => escaped = true,
                        '"' if !escaped => break,
                        _ => escaped = false,
                    }
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// The dataplanes and their parts that only `dialect` and `render` may name.
const DIALECT_NAMES: &[&str] = &["cilium", "calico", "felix", "dikastes", "kubernetes.io"];

fn dialect_names(text: &str) -> Vec<&'static str> {
    let code = without_comments(text).to_ascii_lowercase();
    DIALECT_NAMES
        .iter()
        .copied()
        .filter(|name| code.contains(name))
        .collect()
}

/// The evaluator interprets the IR: a dialect's quirks are decided when it
/// is lowered and its words are the renderer's, so `src/sim` names no
/// dialect outside comments (upstream citations) and tests.
#[test]
fn the_simulator_names_no_dialect() {
    let mut files = Vec::new();
    rust_files(&src().join("sim"), &mut files);
    files.sort();
    assert!(files.len() > 10, "found the simulator's sources");
    let mut found = Vec::new();
    for path in files.iter().filter(|p| !is_test_file(p)) {
        let text = fs::read_to_string(path).expect("read source");
        let names = dialect_names(library_text(&text));
        if !names.is_empty() {
            found.push(format!(
                "{}: {}",
                path.strip_prefix(src()).unwrap_or(path).display(),
                names.join(", ")
            ));
        }
    }
    assert!(
        found.is_empty(),
        "dialect names in the simulator:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_name_check_reads_code_and_strings_not_comments() {
    let text = "/// Cilium's DNS proxy (pkg/fqdn).\n/* Calico /* nested */ felix */\nlet url = \"http://x\"; // cilium\nconst R: &str = \"from \\\"Cilium's\\\" proxy\";\n";
    assert_eq!(dialect_names(text), vec!["cilium"]);
    assert!(dialect_names("let x = 1; // Calico\n").is_empty());
    assert_eq!(
        dialect_names("if labels.contains_key(\"node-role.kubernetes.io/master\") {}"),
        vec!["kubernetes.io"]
    );
}
