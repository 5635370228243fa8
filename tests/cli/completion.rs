//! The committed completion scripts must be what the binary generates now,
//! and the CLI definition must pass clap's own checks.

use clap::CommandFactory;
use polctl::cmd::{Cli, completion_script};

#[test]
fn cli_definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn committed_completions_are_fresh() {
    use clap_complete::Shell;
    let dir = crate::common::repo().join("completions");
    let mut stale = Vec::new();
    for (shell, file) in [
        (Shell::Bash, "polctl.bash"),
        (Shell::Zsh, "_polctl"),
        (Shell::Fish, "polctl.fish"),
        (Shell::PowerShell, "_polctl.ps1"),
        (Shell::Elvish, "polctl.elv"),
    ] {
        let want = completion_script(shell);
        let path = dir.join(file);
        if std::env::var_os("POLCTL_UPDATE_COMPLETIONS").is_some() {
            std::fs::write(&path, &want).expect("write completion");
        }
        if std::fs::read_to_string(&path).ok().as_deref() != Some(want.as_str()) {
            stale.push(file);
        }
    }
    assert!(
        stale.is_empty(),
        "stale completions {stale:?}: run POLCTL_UPDATE_COMPLETIONS=1 cargo test --test cli completion"
    );
}

#[test]
fn completion_command_prints_the_script() {
    let out = crate::common::run(&["completion", "bash"]);
    assert_eq!(out.code, 0);
    assert_eq!(out.stdout, completion_script(clap_complete::Shell::Bash));
}
