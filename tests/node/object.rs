//! The committed tc classifier is what its sources build to.

use crate::common::repo;

#[test]
fn committed_tc_object_is_what_the_sources_build_to() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("polctl-tc.o");
    let status = std::process::Command::new(repo().join("scripts/build-ebpf"))
        .arg(&out)
        .status()
        .expect("scripts/build-ebpf runs");
    assert!(
        status.success(),
        "scripts/build-ebpf failed: it needs nightly with rust-src and bpf-linker, which scripts/test installs"
    );
    let built = std::fs::read(&out).expect("built object");
    let committed =
        std::fs::read(repo().join("crates/ebpf/polctl-tc.o")).expect("committed object");
    assert!(
        built == committed,
        "crates/ebpf/polctl-tc.o is stale: run scripts/build-ebpf and commit the result"
    );
}
