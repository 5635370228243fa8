//! Benchmark of `polctl snapshot` against the API server double on
//! loopback (HTTPS, 500 items a page): a generated cluster of 10,000 pods
//! by default, snapshotted by the built binary; prints objects per second,
//! the LIST requests it took and the output's size.
//!
//! ```text
//! cargo bench --bench snapshot           # 10,000 bare pods, 200 policies (40% Calico)
//! cargo bench --bench snapshot -- 50000  # pods
//! ```

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::process::Command;
use std::time::Instant;

use polctl_apiserver_double::Double;
use polctl_testkit::cluster::{Spec, generate};

fn main() {
    let pods = std::env::args()
        .skip(1)
        .find_map(|a| a.replace(',', "").parse().ok())
        .unwrap_or(10_000);
    // Bare pods: every pod is an object the server lists.
    let generated = generate(&Spec::mixed(pods, 200).bare());
    let double = Double::builder()
        .seed("generated", &generated.yaml)
        .start()
        .expect("the double starts");
    let objects = double.with_store(|s| s.objects.iter().map(|o| o.len()).sum::<usize>());
    let mut best = f64::MAX;
    let mut size = 0;
    for _ in 0..3 {
        double.clear_requests();
        let start = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_polctl"))
            .arg("snapshot")
            .arg("--kubeconfig")
            .arg(double.kubeconfig())
            .output()
            .expect("polctl runs");
        best = best.min(start.elapsed().as_secs_f64());
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        size = out.stdout.len();
    }
    let lists = double
        .requests()
        .iter()
        .filter(|r| r.param("limit").is_some())
        .count();
    println!(
        "snapshot: {objects} objects ({pods} pods) in {best:.2} s (best of 3): {:.0} objects/s, \
         {lists} LIST requests, {:.1} MiB of YAML",
        objects as f64 / best,
        size as f64 / (1024.0 * 1024.0)
    );
}
