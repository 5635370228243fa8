//! The repository and the built binary.

use std::path::PathBuf;
use std::process::Command;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A `polctl` command with a clean environment, run from the repository.
pub fn polctl() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_polctl"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("COLUMNS", "100")
        .env("LC_ALL", "C")
        .env("NO_COLOR", "1")
        .current_dir(repo());
    cmd
}
