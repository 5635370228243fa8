//! The README shows real output and real commands: every `$ polctl …`
//! example in it is run and compared with what follows it, and the setup
//! section's test command is the one CI runs.

use crate::common::{Output, polctl, repo, run};

struct Example {
    args: Vec<String>,
    expected: Vec<String>,
}

fn examples() -> Vec<Example> {
    let text = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let mut out: Vec<Example> = Vec::new();
    let mut in_block = false;
    // Output lines belong to the last command of the same code block.
    let mut attach = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            attach = false;
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ polctl ") {
            out.push(Example {
                args: cmd.split_whitespace().map(String::from).collect(),
                expected: Vec::new(),
            });
            attach = true;
        } else if let Some(ex) = out.last_mut().filter(|_| attach && !line.is_empty()) {
            ex.expected.push(line.to_string());
        }
    }
    out
}

#[test]
fn readme_examples_print_what_the_readme_shows() {
    let examples = examples();
    assert!(examples.len() >= 3, "the README tour has examples");
    let cluster = readme_cluster();
    for ex in examples {
        let out = polctl()
            .args(&ex.args)
            .env("KUBECONFIG", cluster.kubeconfig())
            .output()
            .expect("polctl runs");
        let out = Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        let command = format!("polctl {}", ex.args.join(" "));
        // A check that said no (exit 1) prints its report on stdout too.
        if out.code == 0 || out.code == 1 {
            let got: Vec<&str> = out.stdout.lines().filter(|l| !l.is_empty()).collect();
            assert_eq!(got, ex.expected, "{command}");
        } else {
            // Bad input: the README shows the whole diagnostic, as printed.
            assert_eq!(out.code, 2, "{command}: bad input exits 2\n{}", out.stderr);
            assert_eq!(out.stdout, "", "{command}");
            let got: Vec<&str> = out.stderr.lines().filter(|l| !l.is_empty()).collect();
            assert_eq!(got, ex.expected, "{command}: stderr");
        }
    }
}

/// The cluster the README's `--from-cluster` examples read: it serves
/// `fixtures/tiers` as context `kind-shop`, without Cilium.
fn readme_cluster() -> polctl_apiserver_double::Double {
    polctl_apiserver_double::Double::builder()
        .seed_path(repo().join("fixtures/tiers"))
        .map(|b| b.without_group("cilium.io").context("kind-shop"))
        .and_then(|b| b.start())
        .expect("the API server double starts")
}

/// The `polctl snapshot > cluster.yaml` block shows what snapshot says on
/// stderr (lines not starting with `polctl`), then reads the file back.
#[test]
fn readme_snapshot_block_prints_what_the_readme_shows() {
    let block = section_blocks(
        "### The live cluster: `polctl snapshot`, `--from-cluster`, `diff --cluster`",
    )
    .into_iter()
    .find(|b| {
        b.first()
            .is_some_and(|l| l == "polctl snapshot > cluster.yaml")
    })
    .expect("the README shows `polctl snapshot > cluster.yaml`");
    let notes: Vec<&str> = block[1..]
        .iter()
        .map(String::as_str)
        .take_while(|l| !l.starts_with("polctl "))
        .collect();
    let reread = block[1 + notes.len()..].to_vec();
    assert_eq!(reread, ["polctl graph -f cluster.yaml"], "{block:?}");

    let cluster = readme_cluster();
    let out = polctl()
        .arg("snapshot")
        .env("KUBECONFIG", cluster.kubeconfig())
        .output()
        .expect("polctl runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let got: Vec<&str> = stderr.lines().filter(|l| !l.is_empty()).collect();
    assert_eq!(got, notes, "polctl snapshot's stderr");

    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("cluster.yaml");
    std::fs::write(&file, &out.stdout).expect("write cluster.yaml");
    let graph = polctl()
        .arg("graph")
        .arg("-f")
        .arg(&file)
        .output()
        .expect("polctl runs");
    assert_eq!(
        graph.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&graph.stderr)
    );
    assert!(
        !graph.stdout.is_empty(),
        "the graph of the snapshot is printed"
    );
}

/// Output shown from a test run that needs a set-up a README command cannot
/// give (a server failing midway, a field another manager owns) is marked
/// `<!-- output of snapshots/<dir>/<name>.snap -->`; the block after it
/// must be part of that snapshot, which its test keeps current.
#[test]
fn readme_outputs_from_snapshots_are_current() {
    let text = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let mut lines = text.lines();
    let mut checked = 0;
    while let Some(line) = lines.next() {
        let Some(path) = line
            .strip_prefix("<!-- output of ")
            .and_then(|l| l.strip_suffix(" -->"))
        else {
            continue;
        };
        assert!(
            lines.next().is_some_and(|l| l.starts_with("```")),
            "a code block follows the mark for {path}"
        );
        let mut block: Vec<&str> = lines
            .by_ref()
            .take_while(|l| !l.starts_with("```"))
            .collect();
        // A first line `# … polctl …` says how the output was made.
        if block
            .first()
            .is_some_and(|l| l.starts_with("# ") && l.contains("polctl "))
        {
            block.remove(0);
        }
        let snapshot =
            std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        let snapshot: Vec<&str> = snapshot.lines().collect();
        assert!(
            !block.is_empty()
                && snapshot
                    .windows(block.len())
                    .any(|window| window == block.as_slice()),
            "the README's block differs from {path}:\n{}",
            block.join("\n")
        );
        checked += 1;
    }
    assert!(
        checked >= 3,
        "the README marks its apply outputs ({checked} found)"
    );
}

/// The code blocks of the README section that starts with `heading`.
fn section_blocks(heading: &str) -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(repo().join("README.md")).expect("README.md");
    let start = text
        .find(&format!("\n{heading}\n"))
        .unwrap_or_else(|| panic!("README has a `{heading}` section"));
    let body = &text[start + heading.len() + 2..];
    let body = &body[..body.find("\n## ").unwrap_or(body.len())];
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in body.lines() {
        if line.starts_with("```") {
            match current.take() {
                Some(block) => blocks.push(block),
                None => current = Some(Vec::new()),
            }
        } else if let Some(block) = current.as_mut() {
            block.push(line.to_string());
        }
    }
    blocks
}

/// The setup section gives exactly two commands: one runs polctl on a
/// fixture, one runs the tests. The second is what `.ci/run` runs, so the
/// command a new user types is the one CI keeps passing.
#[test]
fn readme_setup_commands_are_the_ones_ci_runs() {
    let blocks = section_blocks("## Set up on a fresh machine");
    let commands: Vec<&str> = blocks.iter().flatten().map(|l| l.trim()).collect();
    assert_eq!(commands.len(), 2, "two commands: {commands:?}");
    assert_eq!(blocks.len(), 2, "one command per block: {blocks:?}");

    let fixture_run = commands[0]
        .strip_prefix("cargo run -- ")
        .expect("the first command runs polctl through cargo");
    let args: Vec<&str> = fixture_run.split_whitespace().collect();
    assert!(
        args.iter().any(|a| a.starts_with("fixtures/")),
        "it runs on a fixture: {fixture_run}"
    );
    let out = run(&args);
    assert_eq!(out.code, 0, "{fixture_run}\n{}", out.stderr);

    let test_command = commands[1];
    let ci = std::fs::read_to_string(repo().join(".ci/run")).expect(".ci/run");
    let ci_lines: Vec<&str> = ci
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("echo "))
        .collect();
    assert!(
        ci_lines.contains(&test_command),
        ".ci/run runs `{test_command}`, the README's test command:\n{ci}"
    );
    assert!(
        !ci_lines.iter().any(|l| l.contains("cargo test")),
        ".ci/run runs the tests only through `{test_command}`"
    );
    let script = test_command.split_whitespace().next().expect("a command");
    let path = repo().join(script);
    assert!(path.is_file(), "{script} exists");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = path.metadata().expect("metadata").permissions().mode();
        assert!(mode & 0o111 != 0, "{script} is executable");
    }
}
