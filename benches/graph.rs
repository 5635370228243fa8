//! Benchmark of `polctl graph` (exact reachability) over a matrix of
//! generated clusters: load + compile, the computation, what
//! `--group-by namespace -o json` and `-o json` write (streamed as the CLI
//! streams them, into a counting sink), and peak memory, one child process
//! per configuration.
//!
//! ```text
//! cargo bench --bench graph                          # the whole matrix
//! cargo bench --bench graph -- k8s 5000 1000         # one configuration
//! cargo bench --bench graph -- mixed 1000,5000 100   # lists: comma-separated
//! cargo bench --bench graph -- bare k8s 3000 500     # bare pods, random labels
//! cargo bench --bench graph -- goals                 # the README's configurations
//! cargo bench --bench graph -- --cap 300             # time cap per configuration (s)
//! cargo bench --bench graph -- --mem-cap 4096        # memory cap per configuration (MiB)
//! cargo bench --bench graph -- --threads 1           # graph worker threads
//! cargo bench --bench graph -- --max-edges 100000000 # skip `-o json` above this many edges
//! cargo bench --bench graph -- --no-skip             # run what a smaller run says is too big
//! cargo bench --bench graph -- --write-yaml DIR k8s  # only write the inputs
//! ```
//!
//! Families: `k8s` (Kubernetes NetworkPolicies), `mixed` (alias `calico`:
//! 60% Kubernetes, 40% Calico in three tiers, with L7 and service-account
//! rules) and `single-tier` (the same mix, every Calico policy in the
//! default tier, no L7 or service-account rules: what network-config-analyzer
//! models; not in the default matrix). The first bare number selects the
//! pod counts, the second the policy counts; by default 1,000, 5,000 and
//! 20,000 pods times 100, 1,000 and 5,000 policies for `k8s` and `mixed`.
//! Pods come from Deployments, unless `bare` is given: then they are bare
//! pods with labels drawn at random, nearly every one its own identity.
//! `goals` runs the configurations of the README's table.
//!
//! The edges are counted before `-o json` is written (per block of the
//! matrix, as the grouped views add them up); past `--max-edges` (default
//! 100,000,000) it is not written and the row says how many edges there are.
//!
//! Each configuration runs in a fresh process, so VmHWM is its own peak,
//! and is killed once it runs past the cap (default 10 minutes), reported
//! as `> 10 min` in the phase it was in; likewise past the memory cap
//! (default 8 GiB resident, sampled every 200 ms). A configuration with
//! at least the pods and policies of one of its family that reached a cap
//! is not run (unless `--no-skip`): it would only reach it too. `--write-yaml DIR` writes each
//! configuration's cluster to `DIR/<family>-<pods>-<policies>/cluster.yaml`
//! (for `benches/nca.sh`) and measures nothing.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::collections::BTreeMap;
use std::hint::black_box;
use std::io::{BufRead, BufReader, BufWriter, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, mpsc};
use std::time::{Duration, Instant};

use polctl::dialect::lower::{Choice, Input, lower};
use polctl::load::load_text;
use polctl::model::policy::{Cni, Version};
use polctl::render::graph::{GroupBy, JsonGraph, Streamed, View};
use polctl::sim::eval::Evaluator;
use polctl::sim::reach::{self, Options, Progress};

use polctl_testkit::cluster::{Spec, generate};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    K8s,
    Mixed,
    SingleTier,
}

impl Family {
    fn parse(word: &str) -> Option<Family> {
        match word {
            "k8s" => Some(Family::K8s),
            "mixed" | "calico" => Some(Family::Mixed),
            "single-tier" => Some(Family::SingleTier),
            _ => None,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Family::K8s => "k8s",
            Family::Mixed => "mixed",
            Family::SingleTier => "single-tier",
        }
    }

    fn title(self) -> &'static str {
        match self {
            Family::K8s => "Kubernetes",
            Family::Mixed => "Calico tiers",
            Family::SingleTier => "Calico, one tier",
        }
    }

    fn spec(self, pods: usize, policies: usize) -> Spec {
        match self {
            Family::K8s => Spec::k8s(pods, policies),
            Family::Mixed => Spec::mixed(pods, policies),
            Family::SingleTier => Spec::single_tier(pods, policies),
        }
    }

    fn choice(self) -> Choice {
        let calico = self != Family::K8s;
        Choice {
            cni: Some(if calico { Cni::Calico } else { Cni::K8s }),
            calico_version: calico.then_some(Version::new(3, 32)),
            cilium_version: None,
            app_layer: true,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Case {
    family: Family,
    /// Bare pods with labels drawn at random: nearly one identity per pod.
    bare: bool,
    pods: usize,
    policies: usize,
}

impl Case {
    fn name(&self) -> String {
        let mode = if self.bare { "-bare" } else { "" };
        format!(
            "{}{mode}-{}-{}",
            self.family.name(),
            self.pods,
            self.policies
        )
    }

    fn spec(&self) -> Spec {
        let spec = self.family.spec(self.pods, self.policies);
        if self.bare { spec.bare() } else { spec }
    }

    fn title(&self) -> String {
        let mode = if self.bare { ", bare pods" } else { "" };
        format!("{}{mode}", self.family.title())
    }
}

/// The configurations the README's table reports: bare pods, where
/// grouping by identity does not help, and one large grouped cluster.
fn goals() -> Vec<Case> {
    let case = |family, bare, pods, policies| Case {
        family,
        bare,
        pods,
        policies,
    };
    vec![
        case(Family::K8s, true, 200, 100),
        case(Family::K8s, true, 3_000, 500),
        case(Family::Mixed, true, 3_000, 500),
        case(Family::K8s, false, 20_000, 5_000),
        case(Family::K8s, true, 61_000, 200),
    ]
}

struct Args {
    cases: Vec<Case>,
    cap: Duration,
    mem_cap_mib: u64,
    threads: Option<usize>,
    max_edges: usize,
    no_skip: bool,
    write_yaml: Option<PathBuf>,
    child: bool,
}

fn usage(msg: &str) -> ! {
    eprintln!("graph bench: {msg}");
    eprintln!(
        "usage: cargo bench --bench graph -- [k8s|mixed|calico|single-tier|all]... [PODS[,PODS...] [POLICIES[,POLICIES...]]] [--cap SECONDS] [--threads N] [--mem-cap MIB] [--max-edges N] [--write-yaml DIR]"
    );
    std::process::exit(2)
}

fn numbers(word: &str) -> Option<Vec<usize>> {
    word.split(',')
        .map(|n| n.replace('_', "").parse().ok().filter(|&n| n > 0))
        .collect()
}

fn args() -> Args {
    let mut families = Vec::new();
    let mut counts: Vec<Vec<usize>> = Vec::new();
    let mut cap = Duration::from_secs(600);
    let mut mem_cap_mib = 8192;
    let mut threads = None;
    let mut max_edges = 100_000_000;
    let mut no_skip = false;
    let mut write_yaml = None;
    let mut child = false;
    let mut bare = false;
    let mut goals_only = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |flag: &str| {
            it.next()
                .unwrap_or_else(|| usage(&format!("{flag} needs a value")))
        };
        match a.as_str() {
            // What `cargo bench` passes to every bench binary.
            "--bench" => {}
            "--cap" => {
                let v = value("--cap");
                let s: f64 = v
                    .parse()
                    .unwrap_or_else(|_| usage(&format!("--cap {v}: seconds")));
                cap = Duration::from_secs_f64(s);
            }
            "--mem-cap" => {
                let v = value("--mem-cap");
                mem_cap_mib = v
                    .parse()
                    .unwrap_or_else(|_| usage(&format!("--mem-cap {v}: MiB")));
            }
            "--threads" => {
                let v = value("--threads");
                threads = Some(
                    v.parse()
                        .unwrap_or_else(|_| usage(&format!("--threads {v}"))),
                );
            }
            "--max-edges" => {
                let v = value("--max-edges");
                max_edges = v
                    .replace('_', "")
                    .parse()
                    .unwrap_or_else(|_| usage(&format!("--max-edges {v}")));
            }
            "--write-yaml" => write_yaml = Some(PathBuf::from(value("--write-yaml"))),
            "--child" => child = true,
            "--no-skip" => no_skip = true,
            "all" => families.extend([Family::K8s, Family::Mixed]),
            "bare" => bare = true,
            "goals" => goals_only = true,
            w if w.starts_with('-') => usage(&format!("unknown option {w}")),
            w => match (Family::parse(w), numbers(w)) {
                (Some(f), _) => families.push(f),
                (None, Some(n)) if counts.len() < 2 => counts.push(n),
                _ => usage(&format!("unexpected `{w}`")),
            },
        }
    }
    if families.is_empty() {
        families = vec![Family::K8s, Family::Mixed];
    }
    let mut counts = counts.into_iter();
    let pods = counts.next().unwrap_or_else(|| vec![1_000, 5_000, 20_000]);
    let policies = counts.next().unwrap_or_else(|| vec![100, 1_000, 5_000]);
    let cases = if goals_only {
        goals()
    } else {
        families
            .iter()
            .flat_map(|&family| {
                pods.iter().flat_map({
                    let policies = &policies;
                    move |&pods| {
                        policies.iter().map(move |&policies| Case {
                            family,
                            bare,
                            pods,
                            policies,
                        })
                    }
                })
            })
            .collect()
    };
    Args {
        cases,
        cap,
        mem_cap_mib,
        threads,
        max_edges,
        no_skip,
        write_yaml,
        child,
    }
}

/// VmHWM (peak resident memory) of a process, in KiB.
fn peak_kib(pid: &str) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}

/// A memory field of /proc/PID/status, in KiB.
fn status_kib(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find_map(|l| {
        l.strip_prefix(field)?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

/// CPU time (user + system, all threads) of a process, in ms.
fn cpu_ms(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name: state is the first, utime the 12th.
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux architecture polctl builds for.
    Some(ticks as f64 * 10.0)
}

// ---- child: one configuration, figures on stdout as `key value` lines ----

fn report(key: &str, value: impl std::fmt::Display) {
    println!("{key} {value}");
    let _ = std::io::stdout().flush();
}

fn report_phase(key: &str, started: Instant) {
    report(key, format!("{:.3}", started.elapsed().as_secs_f64() * 1e3));
    if let Some(k) = peak_kib("self") {
        report("peak_kib", k);
    }
}

/// Reports the subjects done about once a second, so that a run
/// stopped at the cap still says how far it got.
struct PairCount {
    started: Instant,
    cpu_before: f64,
    done: AtomicU64,
    last: Mutex<Instant>,
}

impl Progress for PairCount {
    fn start(&self, total: u64) {
        report("steps", total);
    }

    fn advance(&self, n: u64) {
        let done = self.done.fetch_add(n, Ordering::Relaxed) + n;
        if let Ok(mut last) = self.last.try_lock()
            && last.elapsed() >= Duration::from_secs(1)
        {
            *last = Instant::now();
            report("steps_done", done);
            report(
                "compute_elapsed_ms",
                format!("{:.0}", self.started.elapsed().as_secs_f64() * 1e3),
            );
            if let Some(cpu) = cpu_ms("self") {
                report("compute_cpu_ms", format!("{:.0}", cpu - self.cpu_before));
            }
        }
    }
}

fn run_child(case: Case, threads: Option<usize>, max_edges: usize) {
    report("phase", "generate");
    let t = Instant::now();
    let generated = generate(&case.spec());
    report_phase("generate_ms", t);
    report("yaml_bytes", generated.yaml.len());

    report("phase", "load");
    let t = Instant::now();
    let inv = load_text("cluster.yaml", &generated.yaml).unwrap_or_else(|e| {
        panic!(
            "the generated YAML does not load: {} errors",
            e.errors.len()
        )
    });
    // The loader keeps its own copy of the text, as it does for a file.
    drop(generated);
    let input = Input::from(&inv);
    let lowered = lower(&input, &case.family.choice());
    let evaluator = Evaluator::new(&lowered.set, &inv.cluster);
    report_phase("load_ms", t);
    report("endpoints", inv.cluster.endpoints.len());

    let opts = Options {
        threads: threads.unwrap_or(Options::default().threads),
        ..Options::default()
    };
    // The computation (verdict matrix, nodes); then what `polctl graph
    // --group-by namespace -o json` writes and what `polctl graph -o json`
    // writes (both streamed as the CLI streams them: pretty JSON through a
    // buffer, here into a counting sink).
    report("phase", "compute");
    let count = PairCount {
        started: Instant::now(),
        cpu_before: cpu_ms("self").unwrap_or(0.0),
        done: AtomicU64::new(0),
        last: Mutex::new(Instant::now()),
    };
    let t = Instant::now();
    let expansion = black_box(reach::expansion(&evaluator, &inv.cluster, &opts, &count));
    report_phase("matrix_ms", t);
    if let Some(cpu) = cpu_ms("self") {
        report("matrix_cpu_ms", format!("{:.0}", cpu - count.cpu_before));
    }
    report("classes", expansion.classes);
    report("probes", expansion.probes);
    report("nodes", expansion.nodes().len());

    report("phase", "grouped");
    let filter = reach::Filter::default();
    let t = Instant::now();
    let view = View::grouped(&expansion, &filter, &GroupBy::Namespace);
    let bytes = pretty_json_bytes(&JsonGraph(&view));
    report_phase("grouped_ms", t);
    report("grouped_bytes", bytes);
    drop(view);

    // Every workload pair joined by an edge, counted per block of the
    // matrix (one group), and the edges of external ranges: how many
    // edges `-o json` writes, known before writing them.
    report("phase", "count");
    let w = expansion.workloads();
    let pairs: usize = expansion
        .group_edges(&vec![0; w])
        .values()
        .map(|g| g.pairs)
        .sum();
    let edges = pairs + expansion.range_edges().count();
    report("edges", edges);

    if edges > max_edges {
        report("json_skipped", edges);
    } else {
        report("phase", "json");
        let t = Instant::now();
        let streamed = Streamed::new(&expansion, &filter);
        let bytes = pretty_json_bytes(&streamed);
        report_phase("json_ms", t);
        report("json_bytes", bytes);
    }
    report("phase", "done");
}

/// The bytes of `value` as pretty JSON, written as the CLI writes it.
fn pretty_json_bytes(value: &impl serde::Serialize) -> u64 {
    let mut sink = Counting(0);
    {
        let mut out = BufWriter::new(&mut sink);
        serde_json::to_writer_pretty(&mut out, value).expect("JSON");
        out.write_all(b"\n").expect("written");
        out.flush().expect("written");
    }
    sink.0
}

/// Counts the bytes written to it.
struct Counting(u64);

impl std::io::Write for Counting {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

// ---- parent: one child per configuration, under the cap ----

struct Outcome {
    figures: BTreeMap<String, String>,
    /// The phase running when a cap was reached.
    capped: Option<String>,
    /// The memory cap, rather than the time cap, was reached.
    out_of_memory: bool,
    failed: Option<String>,
    wall: Duration,
}

fn run_case(case: Case, args: &Args) -> Outcome {
    let exe = std::env::current_exe().expect("the benchmark's own path");
    let mut cmd = Command::new(exe);
    cmd.args(["--child"]);
    if case.bare {
        cmd.arg("bare");
    }
    cmd.args([
        case.family.name(),
        &case.pods.to_string(),
        &case.policies.to_string(),
    ]);
    if let Some(n) = args.threads {
        cmd.args(["--threads", &n.to_string()]);
    }
    cmd.args(["--max-edges", &args.max_edges.to_string()]);
    let start = Instant::now();
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .expect("the benchmark re-runs itself");
    let pid = child.id().to_string();
    let stdout = child.stdout.take().expect("piped stdout");
    let (tx, rx) = mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut figures = BTreeMap::new();
    let take = |line: String, figures: &mut BTreeMap<String, String>| {
        if let Some((k, v)) = line.split_once(' ') {
            figures.insert(k.to_string(), v.to_string());
        }
    };
    let deadline = start + args.cap;
    let (mut capped, mut failed, mut out_of_memory) = (None, None, false);
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                take(line, &mut figures);
                continue;
            }
            Err(mpsc::RecvTimeoutError::Timeout | mpsc::RecvTimeoutError::Disconnected) => {}
        }
        match child.try_wait() {
            Ok(Some(status)) => {
                if !status.success() {
                    failed = Some(format!("{status}"));
                }
                break;
            }
            Ok(None) => {}
            Err(e) => panic!("waiting for the child: {e}"),
        }
        // The child's own peak so far: what a killed child cannot report.
        if let Some(k) = peak_kib(&pid) {
            figures.insert("peak_kib".into(), k.to_string());
        }
        out_of_memory = status_kib(&pid, "VmRSS:").is_some_and(|k| k > args.mem_cap_mib * 1024);
        if out_of_memory || Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            capped = Some(figures.get("phase").cloned().unwrap_or_default());
            break;
        }
    }
    let _ = reader.join();
    for line in rx.try_iter() {
        take(line, &mut figures);
    }
    Outcome {
        figures,
        capped,
        out_of_memory,
        failed,
        wall: start.elapsed(),
    }
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn duration_text(ms: f64) -> String {
    if ms < 1_000.0 {
        format!("{ms:.0} ms")
    } else if ms < 100_000.0 {
        format!("{:.1} s", ms / 1e3)
    } else {
        format!("{:.1} min", ms / 6e4)
    }
}

fn mib_text(bytes: f64) -> String {
    if bytes < 1_048_576.0 {
        format!("{:.0} KiB", bytes / 1024.0)
    } else {
        format!("{:.1} MiB", bytes / 1_048_576.0)
    }
}

/// `> 10 min` or `> 8 GiB`: the cap a stopped run reached.
fn cap_reached(o: &Outcome, args: &Args) -> String {
    if o.out_of_memory {
        format!("> {} GiB", args.mem_cap_mib as f64 / 1024.0)
    } else {
        cap_text(args.cap)
    }
}

fn cap_text(cap: Duration) -> String {
    let s = cap.as_secs_f64();
    if s >= 60.0 && s % 60.0 == 0.0 {
        format!("> {} min", s / 60.0)
    } else {
        format!("> {s} s")
    }
}

/// The Markdown row of a configuration.
fn row(case: Case, o: &Outcome, args: &Args) -> Vec<String> {
    let cap = cap_reached(o, args);
    let f = &o.figures;
    let num = |k: &str| f.get(k).and_then(|v| v.parse::<f64>().ok());
    let count = |k: &str| num(k).map_or("–".into(), |v| thousands(v as u64));
    // A phase's time, the cap for the phase the child was killed in, a
    // dash for phases never reached.
    let phase = |key: &str, name: &str| match num(key) {
        Some(ms) => duration_text(ms),
        None if o.capped.as_deref() == Some(name) => cap.clone(),
        None if o.failed.is_some() => "failed".into(),
        None => "–".into(),
    };
    let computed = match (num("matrix_ms"), num("steps"), num("steps_done")) {
        (None, Some(total), Some(done)) if o.capped.as_deref() == Some("compute") && done > 0.0 => {
            let projected = num("compute_elapsed_ms").unwrap_or(0.0) * total / done;
            format!(
                "{cap} ({:.0}% of subjects; ≈ {} projected)",
                100.0 * done / total,
                duration_text(projected)
            )
        }
        _ => phase("matrix_ms", "compute"),
    };
    let cpu = match (num("matrix_cpu_ms"), num("compute_cpu_ms")) {
        (Some(ms), _) => duration_text(ms),
        (None, Some(ms)) => format!("> {}", duration_text(ms)),
        _ => "–".into(),
    };
    let written = |ms: &str, bytes: &str, name: &str| match (num(ms), num(bytes)) {
        (Some(ms), Some(b)) => format!("{} ({})", duration_text(ms), mib_text(b)),
        _ => phase(ms, name),
    };
    let json = match num("json_skipped") {
        Some(edges) => format!("not written ({} edges)", scientific(edges)),
        None => written("json_ms", "json_bytes", "json"),
    };
    let edges = match num("edges") {
        Some(e) if e >= 1e8 => scientific(e),
        _ => count("edges"),
    };
    let peak = num("peak_kib").map_or("?".into(), |k| {
        let text = mib_text(k * 1024.0);
        if o.capped.is_some() {
            format!("≥ {text}")
        } else {
            text
        }
    });
    vec![
        case.title(),
        thousands(case.pods as u64),
        thousands(case.policies as u64),
        phase("load_ms", "load"),
        computed,
        cpu,
        count("classes"),
        count("probes"),
        edges,
        written("grouped_ms", "grouped_bytes", "grouped"),
        json,
        peak,
    ]
}

/// `3.7 × 10⁹`.
fn scientific(v: f64) -> String {
    const SUPERSCRIPT: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let exp = v.log10().floor().max(0.0) as u32;
    let mantissa = v / 10f64.powi(exp as i32);
    let digits: String = exp
        .to_string()
        .chars()
        .map(|c| SUPERSCRIPT[c.to_digit(10).unwrap_or(0) as usize])
        .collect();
    format!("{mantissa:.1} × 10{digits}")
}

const HEADER: [&str; 12] = [
    "cluster",
    "pods",
    "policies",
    "load + compile",
    "computed",
    "CPU",
    "classes",
    "probes",
    "edges",
    "`--group-by namespace -o json`",
    "`-o json`",
    "peak memory",
];

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

fn write_yaml(dir: &std::path::Path, cases: &[Case]) {
    for case in cases {
        let generated = generate(&case.spec());
        let sub = dir.join(case.name());
        std::fs::create_dir_all(&sub).expect("create the output directory");
        let path = sub.join("cluster.yaml");
        std::fs::write(&path, &generated.yaml).expect("write the cluster");
        println!("{}", path.display());
    }
}

// The allocator of the polctl binary (src/main.rs), so that figures are its.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let args = args();
    if args.child {
        let [case] = args.cases[..] else {
            usage("--child takes one configuration")
        };
        run_child(case, args.threads, args.max_edges);
        return;
    }
    if let Some(dir) = &args.write_yaml {
        write_yaml(dir, &args.cases);
        return;
    }
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "polctl graph benchmark ({} build, {cpus} CPUs, {} graph threads, caps per configuration: {} s, {} MiB)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        },
        args.threads.unwrap_or(Options::default().threads),
        args.cap.as_secs_f64(),
        args.mem_cap_mib
    );
    let mut rows = Vec::new();
    // Configurations that reached a cap, with the cap.
    let mut capped: Vec<(Case, String)> = Vec::new();
    for &case in &args.cases {
        let smaller = capped.iter().find(|(c, _)| {
            c.family == case.family
                && c.bare == case.bare
                && c.pods <= case.pods
                && c.policies <= case.policies
        });
        if let (Some((c, cap)), false) = (smaller, args.no_skip) {
            let why = format!(
                "not run ({} × {}: {cap})",
                thousands(c.pods as u64),
                thousands(c.policies as u64)
            );
            println!("  {:<24} {why}", case.name());
            let mut r = vec!["–".to_string(); HEADER.len()];
            r[0] = case.title();
            r[1] = thousands(case.pods as u64);
            r[2] = thousands(case.policies as u64);
            r[4] = why;
            rows.push(r);
            continue;
        }
        let load = load_average();
        let o = run_case(case, &args);
        let r = row(case, &o, &args);
        let status = match (&o.capped, &o.failed) {
            (Some(phase), _) if o.out_of_memory => {
                format!("stopped at the memory cap in phase {phase}")
            }
            (Some(phase), _) => format!("stopped at the time cap in phase {phase}"),
            (_, Some(status)) => format!("FAILED: {status}"),
            _ => "ok".into(),
        };
        println!(
            "  {:<24} load {}; computed {} (CPU {}); {} classes, {} probes, {} nodes, {} edges; grouped {}; json {}; peak {}; {} wall, load average {load}: {status}",
            case.name(),
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            o.figures.get("nodes").map_or("–", String::as_str),
            r[8],
            r[9],
            r[10],
            r[11],
            duration_text(o.wall.as_secs_f64() * 1e3),
        );
        if let Some(phase) = &o.capped {
            capped.push((case, format!("{} in {phase}", cap_reached(&o, &args))));
        }
        rows.push(r);
    }
    println!();
    println!("| {} |", HEADER.join(" | "));
    println!("|{}", " --- |".repeat(HEADER.len()));
    for r in &rows {
        println!("| {} |", r.join(" | "));
    }
}
