//! Benchmark of `polctl replay`: a generated Hubble export (1,000,000
//! lines by default) over a generated cluster, replayed by the built
//! binary in one process; prints lines per second and how many distinct
//! flows were judged.
//!
//! ```text
//! cargo bench --bench replay                 # 1,000,000 lines, 1,000 pods, 200 policies
//! cargo bench --bench replay -- 200000 5000  # lines, pods
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::io::{BufWriter, Write as _};
use std::process::Command;
use std::time::Instant;

use polctl::load::load_text;
use polctl_testkit::cluster::{Spec, generate};
use polctl_testkit::flows::hubble_export;

fn main() {
    let numbers: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.replace(',', "").parse().ok())
        .collect();
    let lines = numbers.first().copied().unwrap_or(1_000_000);
    let pods = numbers.get(1).copied().unwrap_or(1_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let generated = generate(&Spec::k8s(pods, 200));
    let cluster_path = dir.path().join("cluster.yaml");
    std::fs::write(&cluster_path, &generated.yaml).expect("write cluster");
    let inventory = load_text("cluster.yaml", &generated.yaml).expect("the cluster loads");
    let export = dir.path().join("hubble.json");
    {
        let file = std::fs::File::create(&export).expect("create export");
        let mut out = BufWriter::new(file);
        hubble_export(&inventory.cluster, lines, 7, &mut out).expect("write export");
        out.flush().expect("flush export");
    }
    let size = std::fs::metadata(&export).map(|m| m.len()).unwrap_or(0);
    let start = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_polctl"))
        .args(["replay", "-f"])
        .arg(&cluster_path)
        .arg(&export)
        .args(["-o", "json"])
        .output()
        .expect("polctl runs");
    let elapsed = start.elapsed().as_secs_f64();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let count = |k: &str| report[k].as_u64().unwrap_or(0);
    assert_eq!(count("total"), lines as u64, "every line is a flow record");
    println!(
        "replay: {lines} Hubble lines ({:.0} MiB) over {} pods and {} policies in {elapsed:.2} s: \
         {:.0} lines/s",
        size as f64 / (1024.0 * 1024.0),
        generated.pods,
        generated.k8s_policies + generated.calico_policies + generated.cilium_policies,
        lines as f64 / elapsed,
    );
    println!(
        "  {} allowed, {} denied, {} replies, {} unresolved; {} distinct flows judged \
         (1 judgement per {:.0} records)",
        count("allowed"),
        count("denied"),
        count("replies"),
        count("unresolved"),
        count("distinct_flows"),
        (count("total") - count("replies")) as f64 / count("distinct_flows").max(1) as f64,
    );
}
