//! Records what `polctl version` reports about the build: the commit and
//! its date, the build date, the compiler and the target. Outside a git
//! checkout (a crate tarball) the commit is `unknown`; nothing fails.
//!
//! It also puts the tc classifier that `polctl node` loads into OUT_DIR:
//! the committed object, so polctl builds on stable Rust with no nightly
//! or bpf-linker, or with the `rebuild-ebpf` feature an object rebuilt
//! from crates/ebpf by scripts/build-ebpf.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    tc_object();
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    let git = |args: &[&str]| -> Option<String> {
        let out = Command::new("git").args(args).output().ok()?;
        let text = String::from_utf8(out.stdout).ok()?;
        (out.status.success() && !text.trim().is_empty()).then(|| text.trim().to_string())
    };
    // Rebuild when HEAD moves: the HEAD file and the branch it points at.
    for path in [git(&["rev-parse", "--git-path", "HEAD"])]
        .into_iter()
        .chain([git(&["symbolic-ref", "-q", "HEAD"])
            .and_then(|r| git(&["rev-parse", "--git-path", &r]))])
        .flatten()
    {
        println!("cargo:rerun-if-changed={path}");
    }
    let commit = git(&["rev-parse", "--short=12", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let commit_date = git(&["log", "-1", "--format=%cs"]).unwrap_or_else(|| "unknown".into());
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = Command::new(rustc)
        .arg("--version")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "unknown".into());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    let seconds = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
    println!("cargo:rustc-env=POLCTL_COMMIT={commit}");
    println!("cargo:rustc-env=POLCTL_COMMIT_DATE={commit_date}");
    println!("cargo:rustc-env=POLCTL_BUILD_DATE={}", date(seconds));
    println!("cargo:rustc-env=POLCTL_RUSTC={rustc_version}");
    println!("cargo:rustc-env=POLCTL_TARGET={target}");
}

fn tc_object() {
    let out =
        PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("polctl-tc.o");
    if std::env::var_os("CARGO_FEATURE_REBUILD_EBPF").is_some() {
        for dir in [
            "crates/ebpf/src",
            "crates/ebpf/Cargo.toml",
            "crates/node-maps/src",
        ] {
            println!("cargo:rerun-if-changed={dir}");
        }
        // The nightly build must not inherit this (stable) build's
        // toolchain, flags and target directory.
        let mut build = Command::new("scripts/build-ebpf");
        for (key, _) in std::env::vars_os() {
            let k = key.to_string_lossy();
            if (k.starts_with("CARGO") || k.starts_with("RUST"))
                && k != "CARGO_HOME"
                && k != "RUSTUP_HOME"
            {
                build.env_remove(&key);
            }
        }
        let status = build.arg(&out).status();
        if !status.is_ok_and(|s| s.success()) {
            panic!(
                "scripts/build-ebpf failed: the rebuild-ebpf feature needs nightly with rust-src and bpf-linker (scripts/test installs them)"
            );
        }
    } else {
        println!("cargo:rerun-if-changed=crates/ebpf/polctl-tc.o");
        if let Err(e) = std::fs::copy("crates/ebpf/polctl-tc.o", &out) {
            panic!("crates/ebpf/polctl-tc.o: {e}");
        }
    }
}

/// `YYYY-MM-DD` (UTC) of a Unix time (Howard Hinnant's civil_from_days).
fn date(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64 + 719_468;
    let era = days.div_euclid(146_097);
    let doe = days.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}
