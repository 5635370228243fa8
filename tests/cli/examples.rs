//! The examples in `polctl … --help` are commands a user copies: each one
//! runs on the repository as written, and help never wraps one.
//!
//! Examples are read from every command's `after_help` (the `Examples:`
//! section: `# comment` lines, then a command whose lines may end in ` \`).
//! Each runs under bash from the repository root, with the built polctl
//! first on PATH and a temporary HOME, changed in two ways only:
//! - `kubectl ARGS | …`: kubectl is replaced by `cat` of a file holding what
//!   it prints (`KUBECTL_STAND_INS`), so the rest of the pipeline is real;
//! - `> FILE`: the output goes to a temporary file instead, which must not
//!   be empty.

use std::path::PathBuf;
use std::process::Command;

use clap::CommandFactory;
use polctl::cmd::Cli;

use crate::common::{polctl, repo};

/// What each kubectl command in an example prints, as a file.
const KUBECTL_STAND_INS: &[(&str, &str)] = &[(
    "kubectl get netpol,pods -A -o yaml",
    "tests/kubectl/get-netpol-pods.yaml",
)];

struct Example {
    /// The command whose help shows it (`polctl simulate`).
    shown_in: String,
    /// Its lines as written, the two-space indent left out.
    lines: Vec<String>,
}

impl Example {
    /// The command line, continuation lines joined.
    fn command(&self) -> String {
        self.lines
            .iter()
            .map(|l| l.trim().trim_end_matches('\\').trim_end())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The `Examples:` section of a help text: its lines, indent left out.
fn examples_section(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim_end() != "Examples:")
        .skip(1)
        .map(|l| l.strip_prefix("  ").unwrap_or(l).trim_end().to_string())
        .collect()
}

fn parse_examples(shown_in: &str, help: &str) -> Vec<Example> {
    let mut out = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in examples_section(help) {
        if let Some(lines) = current.as_mut() {
            lines.push(line.clone());
        } else if !line.is_empty() && !line.starts_with('#') {
            current = Some(vec![line.clone()]);
        }
        if !line.ends_with('\\')
            && let Some(lines) = current.take()
        {
            out.push(Example {
                shown_in: shown_in.to_string(),
                lines,
            });
        }
    }
    assert!(current.is_none(), "{shown_in}: an example ends in `\\`");
    out
}

/// Every command with its help's `after_help`, the top level included.
fn commands() -> Vec<(Vec<String>, String)> {
    fn walk(cmd: &clap::Command, path: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
        let after = cmd.get_after_help().map(ToString::to_string);
        out.push((path.clone(), after.unwrap_or_default()));
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let mut p = path.clone();
            p.push(sub.get_name().to_string());
            walk(sub, p, out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), Vec::new(), &mut out);
    out
}

fn all_examples() -> Vec<Example> {
    commands()
        .iter()
        .flat_map(|(path, after)| {
            let shown_in = format!("polctl {}", path.join(" "));
            parse_examples(shown_in.trim_end(), after)
        })
        .collect()
}

/// `polctl [path] --help` at a terminal width.
fn help_at(path: &[String], columns: usize) -> String {
    let out = polctl()
        .args(path)
        .arg("--help")
        .env("COLUMNS", columns.to_string())
        .output()
        .expect("polctl runs");
    assert!(out.status.success(), "polctl {} --help", path.join(" "));
    String::from_utf8(out.stdout).expect("UTF-8 help")
}

#[test]
fn every_command_shows_examples() {
    for (path, after) in commands() {
        assert!(
            !parse_examples("", &after).is_empty(),
            "polctl {} --help has examples",
            path.join(" ")
        );
    }
}

/// The copy a user makes of an example is what the help text holds, at
/// the default width and at 80 columns: no line of the section is
/// wrapped (a long example continues with ` \` instead).
#[test]
fn help_never_wraps_an_example() {
    for (path, after) in commands() {
        let written = examples_section(&after);
        for columns in [100, 80] {
            let shown = examples_section(&help_at(&path, columns));
            assert_eq!(
                shown,
                written,
                "polctl {} --help at {columns} columns wraps an example line",
                path.join(" ")
            );
        }
    }
}

/// The shell text that runs `example`, and whether it writes to a file.
fn runnable(example: &Example) -> (String, bool) {
    let mut command = example.command();
    for (kubectl, file) in KUBECTL_STAND_INS {
        if let Some(rest) = command.strip_prefix(&format!("{kubectl} |")) {
            command = format!("cat {file} |{rest}");
        }
    }
    assert!(
        !command.split_whitespace().any(|word| word == "kubectl"),
        "{}: add a stand-in for the kubectl command in `{command}` to KUBECTL_STAND_INS",
        example.shown_in
    );
    match command.rsplit_once(" > ") {
        Some((before, target)) if !target.contains(' ') => {
            (format!("{before} > \"$EXAMPLE_OUTPUT\""), true)
        }
        _ => (command, false),
    }
}

#[test]
fn every_help_example_runs_on_the_repository() {
    let examples = all_examples();
    assert!(examples.len() >= 15, "examples found: {}", examples.len());
    let bin_dir = PathBuf::from(env!("CARGO_BIN_EXE_polctl"))
        .parent()
        .expect("the binary's directory")
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .expect("PATH");
    // Examples that read the live cluster read this one.
    let cluster = polctl_apiserver_double::Double::builder()
        .seed_path(repo().join("fixtures/tiers"))
        .and_then(|b| b.start())
        .expect("the API server double starts");
    for example in examples {
        let home = tempfile::tempdir().expect("temporary HOME");
        // Where fish's completion example writes.
        std::fs::create_dir_all(home.path().join(".config/fish/completions")).expect("fish dir");
        let output = home.path().join("example-output");
        let (script, writes_file) = runnable(&example);
        let out = Command::new("bash")
            .args(["-o", "pipefail", "-c", &script])
            .env_clear()
            .env("PATH", &path)
            .env("HOME", home.path())
            .env("COLUMNS", "100")
            .env("LC_ALL", "C")
            .env("NO_COLOR", "1")
            .env("EXAMPLE_OUTPUT", &output)
            .env("KUBECONFIG", cluster.kubeconfig())
            .current_dir(repo())
            .output()
            .expect("bash runs");
        let shown = example.lines.join("\n");
        assert!(
            out.status.success(),
            "{} --help shows\n{shown}\nwhich exits {:?}:\n{}",
            example.shown_in,
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        if writes_file {
            let written = std::fs::metadata(&output).map_or(0, |m| m.len());
            assert!(written > 0, "{shown}: writes nothing");
        } else if !example.command().starts_with("source ") {
            assert!(!out.stdout.is_empty(), "{shown}: prints nothing");
        }
    }
}

#[test]
fn examples_join_continuation_lines() {
    let help = "Examples:\n  # two lines\n  polctl simulate -f x \\\n    --from a --to b\n\n  polctl version\n";
    let examples = parse_examples("polctl", help);
    let commands: Vec<String> = examples.iter().map(Example::command).collect();
    assert_eq!(
        commands,
        ["polctl simulate -f x --from a --to b", "polctl version"]
    );
}
