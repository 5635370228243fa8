//! The test environment: a clean process environment, the repository as
//! working directory, and one snapshot format for every command.

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `polctl` command with no inherited environment: no color, a fixed
/// width, and a kubeconfig path that cannot reach any cluster.
pub fn polctl() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_polctl"));
    cmd.env_clear()
        .env("COLUMNS", "100")
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .env(
            "KUBECONFIG",
            repo().join("target/polctl-test-no-kubeconfig"),
        )
        .current_dir(repo());
    cmd
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// The uv-style transcript insta snapshots.
    pub fn transcript(&self) -> String {
        format!(
            "exit_code: {}\n----- stdout -----\n{}\n----- stderr -----\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

pub fn run(args: &[&str]) -> Output {
    run_with_stdin(args, None)
}

pub fn run_with_stdin(args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut cmd = polctl();
    cmd.args(args);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("polctl runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(text.as_bytes())
            .expect("write stdin");
    } else {
        drop(child.stdin.take());
    }
    let out = child.wait_with_output().expect("polctl finishes");
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Snapshot settings for `snapshots/<dir>/<name>.snap`.
pub fn settings(dir: &str) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_snapshot_path(repo().join("snapshots").join(dir));
    s.set_prepend_module_to_snapshot(false);
    s.set_omit_expression(true);
    s.add_filter(r"polctl \d+\.\d+\.\d+", "polctl [VERSION]");
    s
}

/// Runs polctl and snapshots its transcript as `snapshots/<dir>/<name>.snap`.
#[macro_export]
macro_rules! polctl_snapshot {
    ($dir:expr, $name:expr, $args:expr) => {{
        let out = $crate::common::run($args);
        $crate::common::settings($dir).bind(|| {
            insta::assert_snapshot!(
                $name,
                out.transcript(),
                &format!("polctl {}", $args.join(" "))
            );
        });
        out
    }};
}

pub fn fixture(name: &str) -> String {
    Path::new("fixtures").join(name).display().to_string()
}

/// A file written into a fresh temporary directory, removed with it.
pub struct TempFile {
    _dir: tempfile::TempDir,
    path: String,
}

impl TempFile {
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Writes `text` to `name` in a new temporary directory.
pub fn temp_file(name: &str, text: &str) -> TempFile {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write temp file");
    TempFile {
        _dir: dir,
        path: path.display().to_string(),
    }
}
