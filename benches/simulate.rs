//! End-to-end benchmark of the simulator on a large synthetic cluster:
//! generate YAML, load it, compile it, build the evaluator, simulate flows,
//! and (what `-o json` costs) locate + serialise traces.
//!
//! ```text
//! cargo bench --bench simulate                 # k8s-only and mixed runs
//! cargo bench --bench simulate -- k8s          # one mode: k8s | mixed | both
//! POLCTL_BENCH_MODE=mixed cargo bench --bench simulate
//! cargo bench --bench simulate -- flows       # `polctl simulate --flows -o json`, whole process
//! ```
//!
//! The `flows` mode writes a bare-pod cluster (3,000 pods, 500
//! NetworkPolicies unless `POLCTL_BENCH_PODS`/`POLCTL_BENCH_POLICIES` say
//! otherwise) and a flows file of `POLCTL_BENCH_FLOWS` (default 20,000)
//! random flows, then times the release binary on it (or the one
//! `POLCTL_BENCH_BIN` names).
//!
//! Sizes can be changed with `POLCTL_BENCH_PODS`, `POLCTL_BENCH_POLICIES`,
//! `POLCTL_BENCH_FLOWS`, `POLCTL_BENCH_JSON_FLOWS` (stopped early after
//! `POLCTL_BENCH_JSON_BUDGET_S` seconds) and `POLCTL_BENCH_SEED`.
//! No criterion: one timed pass per phase with `std::time::Instant`.

#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use polctl::dialect::lower::{Choice, Input, lower};
use polctl::load::load_text;
use polctl::model::policy::{Cni, Direction, Version};
use polctl::model::{Cluster, Flow, FlowEnd, HttpRequest, Peer, Proto};
use polctl::sim::eval::{CriterionTrace, DirectionTrace, Evaluator, Layer, Outcome};

use polctl_testkit::cluster::{Rng, Spec, generate};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// Kubernetes NetworkPolicies only, `--cni k8s`.
    K8s,
    /// 60% Kubernetes, 40% Calico in three tiers, `--cni calico` 3.32.
    Mixed,
    /// 60% Kubernetes, 40% Cilium, `--cni cilium` 1.19.
    Cilium,
    /// `polctl simulate --flows FILE -o json` on a bare-pod Kubernetes
    /// cluster, the whole process.
    Flows,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::K8s => "k8s",
            Mode::Mixed => "mixed",
            Mode::Cilium => "cilium",
            Mode::Flows => "flows",
        }
    }
}

struct Config {
    modes: Vec<Mode>,
    pods: usize,
    policies: usize,
    flows: usize,
    json_flows: usize,
    /// The JSON phase stops early past this (Sources::locate is slow on
    /// large files).
    json_budget: Duration,
    seed: u64,
}

fn env_num(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v}: not a number")),
        Err(_) => default,
    }
}

fn config() -> Config {
    // `cargo bench` passes `--bench`; flags are ignored, a bare word picks
    // the mode (it wins over POLCTL_BENCH_MODE).
    let arg = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let mode = arg
        .or_else(|| std::env::var("POLCTL_BENCH_MODE").ok())
        .unwrap_or_else(|| "all".into());
    let modes = match mode.as_str() {
        "k8s" => vec![Mode::K8s],
        "mixed" | "calico" => vec![Mode::Mixed],
        "cilium" => vec![Mode::Cilium],
        "flows" => vec![Mode::Flows],
        "both" => vec![Mode::K8s, Mode::Mixed],
        "all" => vec![Mode::K8s, Mode::Mixed, Mode::Cilium, Mode::Flows],
        other => panic!("unknown mode `{other}`: expected k8s, mixed, cilium, flows, both or all"),
    };
    // The flows file run has the sizes of the issue's measurement.
    let flows_only = modes == [Mode::Flows];
    Config {
        modes,
        pods: env_num("POLCTL_BENCH_PODS", if flows_only { 3_000 } else { 5_000 }),
        policies: env_num(
            "POLCTL_BENCH_POLICIES",
            if flows_only { 500 } else { 1_000 },
        ),
        flows: env_num(
            "POLCTL_BENCH_FLOWS",
            if flows_only { 20_000 } else { 10_000 },
        ),
        json_flows: env_num("POLCTL_BENCH_JSON_FLOWS", 1_000),
        json_budget: Duration::from_secs(env_num("POLCTL_BENCH_JSON_BUDGET_S", 40) as u64),
        seed: env_num("POLCTL_BENCH_SEED", 0x5EED_CAFE) as u64,
    }
}

/// A field of /proc/self/status in KiB (Linux only).
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|l| {
        l.strip_prefix(field)?
            .strip_prefix(':')?
            .trim()
            .strip_suffix("kB")?
            .trim()
            .parse()
            .ok()
    })
}

fn peak_mib() -> String {
    proc_status_kib("VmHWM").map_or("?".into(), |k| format!("{:.1}", k as f64 / 1024.0))
}

/// Resets VmHWM to the current RSS, so each run reports its own peak.
fn reset_peak() {
    // Only the allocator's retained pages survive a run; with `both`, each
    // mode runs in a fresh process anyway.
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

struct Row {
    phase: String,
    time: Duration,
    rate: String,
    peak: String,
    note: String,
}

struct Table(Vec<Row>);

impl Table {
    fn add(&mut self, phase: &str, time: Duration, rate: String, note: String) {
        self.0.push(Row {
            phase: phase.into(),
            time,
            rate,
            peak: peak_mib(),
            note,
        });
    }

    fn print(&self) {
        let w = self
            .0
            .iter()
            .map(|r| r.phase.len())
            .max()
            .unwrap_or(5)
            .max(5);
        println!(
            "  {:<w$}  {:>10}  {:>13}  {:>9}  notes",
            "phase", "wall ms", "rate", "peak MiB"
        );
        println!("  {}", "-".repeat(w + 50));
        for r in &self.0 {
            println!(
                "  {:<w$}  {:>10}  {:>13}  {:>9}  {}",
                r.phase,
                ms(r.time),
                r.rate,
                r.peak,
                r.note
            );
        }
    }
}

fn per_sec(n: usize, d: Duration, unit: &str) -> String {
    format!("{:.0} {unit}/s", n as f64 / d.as_secs_f64().max(1e-9))
}

/// How much trace an outcome holds: (policies, rules, criteria) visited,
/// counting both directions and profiles.
fn trace_volume(o: &Outcome) -> (usize, usize, usize) {
    fn criteria(c: &[CriterionTrace]) -> usize {
        c.iter()
            .map(|c| {
                1 + c
                    .alternatives
                    .iter()
                    .map(|a| criteria(&a.criteria))
                    .sum::<usize>()
            })
            .sum()
    }
    let mut v = (0, 0, 0);
    let mut dir = |d: &DirectionTrace| {
        let rules = d
            .tiers
            .iter()
            .flat_map(|t| &t.policies)
            .inspect(|_| v.0 += 1)
            .flat_map(|p| &p.rules)
            .chain(d.profiles.iter().flat_map(|p| &p.rules));
        for r in rules {
            v.1 += 1;
            v.2 += criteria(&r.criteria);
        }
    };
    dir(&o.egress);
    dir(&o.ingress);
    v
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[i]
}

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

/// Random flows between pods: mostly TCP to a port the destination names,
/// some UDP, SCTP and ICMP.
fn make_flows(cluster: &Cluster, n: usize, rng: &mut Rng) -> Vec<Flow> {
    let pods: Vec<usize> = cluster
        .endpoints
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.host_network && !e.ips.is_empty())
        .map(|(i, _)| i)
        .collect();
    assert!(pods.len() >= 2, "need at least two addressed pods");
    let peer = |index: usize| {
        let ep = &cluster.endpoints[index];
        Peer {
            name: format!("{}/{}", ep.namespace, ep.name),
            ip: ep.ips[0],
            end: FlowEnd::Pod { index },
            service: None,
        }
    };
    (0..n)
        .map(|_| {
            let src = *rng.pick(&pods);
            let dst = loop {
                let d = *rng.pick(&pods);
                if d != src {
                    break d;
                }
            };
            let dst_ep = &cluster.endpoints[dst];
            let protocol = match rng.weighted(&[80, 12, 3, 5]) {
                0 => Proto::TCP,
                1 => Proto::UDP,
                2 => Proto::SCTP,
                _ => Proto::ICMP,
            };
            let port = match protocol {
                Proto::ICMP => 0,
                Proto::TCP if !dst_ep.ports.is_empty() && rng.chance(60) => {
                    rng.pick(&dst_ep.ports).port
                }
                Proto::UDP if rng.chance(50) => 53,
                _ => *rng.pick(&[80, 443, 53, 5432, 6379, 8080, 9000, 9050, 9090, 22, 31337]),
            };
            let icmp = protocol == Proto::ICMP;
            // Some requests to HTTP ports carry a request, for L7 rules.
            let http =
                (protocol == Proto::TCP && port == 8080 && rng.chance(30)).then(|| HttpRequest {
                    method: Some((*rng.pick(&["GET", "GET", "POST", "DELETE"])).to_string()),
                    path: Some(
                        (*rng.pick(&["/api/v1/items", "/api/orders", "/admin", "/"])).to_string(),
                    ),
                    host: None,
                    headers: Vec::new(),
                });
            Flow {
                src: peer(src),
                dst: peer(dst),
                protocol,
                port,
                src_port: (!icmp && rng.chance(50)).then(|| rng.range(32768, 60999) as u16),
                icmp_type: icmp.then_some(8),
                icmp_code: icmp.then_some(0),
                http,
                l7: Vec::new(),
                auth_fails: false,
            }
        })
        .collect()
}

/// One flows-file entry per flow, as a user writes them.
fn flows_yaml(flows: &[Flow]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(flows.len() * 96);
    for f in flows {
        let _ = write!(
            out,
            "- {{from: {}, to: {}, protocol: {}",
            f.src.name, f.dst.name, f.protocol
        );
        if f.protocol != Proto::ICMP {
            let _ = write!(out, ", port: {}", f.port);
        }
        if let Some(p) = f.src_port {
            let _ = write!(out, ", srcPort: {p}");
        }
        if let (Some(t), Some(c)) = (f.icmp_type, f.icmp_code) {
            let _ = write!(out, ", icmpType: {t}, icmpCode: {c}");
        }
        if let Some(h) = &f.http {
            if let Some(m) = &h.method {
                let _ = write!(out, ", method: {m}");
            }
            if let Some(p) = &h.path {
                let _ = write!(out, ", path: {p:?}");
            }
        }
        out.push_str("}\n");
    }
    out
}

/// `polctl simulate -f cluster.yaml --flows flows.yaml -o json`, the whole
/// process of the release binary, its output counted and dropped.
fn run_flows_file(cfg: &Config) {
    let spec = Spec {
        seed: cfg.seed,
        ..Spec::k8s(cfg.pods, cfg.policies).bare()
    };
    let generated = generate(&spec);
    let inv = load_text("bench.yaml", &generated.yaml).expect("the generated YAML loads");
    let mut rng = Rng::new(cfg.seed ^ 0xF10A5);
    let flows = make_flows(&inv.cluster, cfg.flows, &mut rng);
    let dir = std::env::temp_dir().join(format!("polctl-bench-flows-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let cluster = dir.join("cluster.yaml");
    std::fs::write(&cluster, &generated.yaml).expect("cluster written");
    let all = dir.join("flows.yaml");
    std::fs::write(&all, flows_yaml(&flows)).expect("flows written");
    let one = dir.join("one.yaml");
    std::fs::write(&one, flows_yaml(&flows[..1])).expect("flow written");
    let time = |file: &std::path::Path| {
        let t = Instant::now();
        // POLCTL_BENCH_BIN times another build (e.g. an older one).
        let exe = std::env::var_os("POLCTL_BENCH_BIN")
            .unwrap_or_else(|| env!("CARGO_BIN_EXE_polctl").into());
        let mut child = std::process::Command::new(exe)
            .args(["simulate", "-o", "json", "-f"])
            .arg(&cluster)
            .arg("--flows")
            .arg(file)
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("polctl runs");
        let mut out = child.stdout.take().expect("piped stdout");
        let bytes = std::io::copy(&mut out, &mut std::io::sink()).expect("output read");
        let status = child.wait().expect("polctl ends");
        assert!(
            status.code().is_some_and(|c| c <= 1),
            "polctl failed: {status}"
        );
        (t.elapsed(), bytes)
    };
    let (base, _) = time(&one);
    let (d, bytes) = time(&all);
    if std::env::var_os("POLCTL_BENCH_KEEP").is_some() {
        println!("  (inputs kept in {})", dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let marginal = d.saturating_sub(base);
    println!(
        "\n== flows run: {} bare pods, {} NetworkPolicies, cni k8s ==",
        cfg.pods, cfg.policies
    );
    println!(
        "  simulate --flows ({} flows) -o json: {} ms whole process = {}; {} ms with one flow (load, compile); the flows alone {} ({:.2} µs/flow); {:.1} MiB of JSON ({:.1} KiB/flow)",
        cfg.flows,
        ms(d),
        per_sec(cfg.flows, d, "flows"),
        ms(base),
        per_sec(cfg.flows, marginal, "flows"),
        marginal.as_secs_f64() * 1e6 / cfg.flows.max(1) as f64,
        bytes as f64 / 1048576.0,
        bytes as f64 / 1024.0 / cfg.flows.max(1) as f64
    );
}

fn run(cfg: &Config, mode: Mode) {
    if mode == Mode::Flows {
        return run_flows_file(cfg);
    }
    reset_peak();
    let mut table = Table(Vec::new());
    let spec = Spec {
        seed: cfg.seed,
        ..match mode {
            Mode::K8s => Spec::k8s(cfg.pods, cfg.policies),
            Mode::Mixed => Spec::mixed(cfg.pods, cfg.policies),
            Mode::Cilium => Spec::cilium(cfg.pods, cfg.policies),
            Mode::Flows => unreachable!("the flows mode runs the binary"),
        }
    };

    // 1. Generate.
    let t = Instant::now();
    let generated = black_box(generate(&spec));
    let d = t.elapsed();
    let yaml = &generated.yaml;
    let docs = yaml.matches("---\n").count();
    table.add(
        "generate YAML",
        d,
        format!("{:.1} MiB/s", yaml.len() as f64 / 1048576.0 / d.as_secs_f64()),
        format!(
            "{:.2} MiB, {docs} docs: {} ns, {} deployments, {} svc, {} sa, {} k8s + {} calico + {} cilium policies, {} tiers",
            yaml.len() as f64 / 1048576.0,
            generated.namespaces,
            generated.deployments,
            generated.services,
            generated.service_accounts,
            generated.k8s_policies,
            generated.calico_policies,
            generated.cilium_policies,
            generated.tiers
        ),
    );

    // 2. Load.
    let t = Instant::now();
    let inv = match load_text("bench.yaml", yaml) {
        Ok(inv) => inv,
        Err(errors) => {
            let dump = std::env::temp_dir().join("polctl-bench.yaml");
            let _ = std::fs::write(&dump, yaml);
            for e in errors.errors.iter().take(20) {
                let (_, offset) = e.sort_key();
                eprintln!("  byte {offset}: {e}");
            }
            panic!(
                "the generated YAML does not load ({} errors; written to {})",
                errors.errors.len(),
                dump.display()
            );
        }
    };
    let d = t.elapsed();
    table.add(
        "load",
        d,
        format!(
            "{:.1} MiB/s",
            yaml.len() as f64 / 1048576.0 / d.as_secs_f64()
        ),
        format!(
            "{} pods, {} policies, {} tiers, {} warnings",
            inv.cluster.endpoints.len(),
            inv.policy_count(),
            inv.tier_count(),
            inv.warnings.len()
        ),
    );
    assert_eq!(inv.cluster.endpoints.len(), generated.pods);
    assert_eq!(
        inv.policy_count(),
        generated.k8s_policies + generated.calico_policies + generated.cilium_policies
    );

    // 3. Compile.
    let choice = Choice {
        cni: Some(match mode {
            Mode::K8s => Cni::K8s,
            Mode::Mixed => Cni::Calico,
            Mode::Cilium => Cni::Cilium,
            Mode::Flows => unreachable!("the flows mode runs the binary"),
        }),
        calico_version: (mode == Mode::Mixed).then_some(Version::new(3, 32)),
        cilium_version: None,
        app_layer: true,
    };
    let input = Input::from(&inv);
    let t = Instant::now();
    let lowered = black_box(lower(&input, &choice));
    let d = t.elapsed();
    let compiled: usize = lowered.set.tiers.iter().map(|t| t.policies.len()).sum();
    let rules: usize = lowered
        .set
        .policies()
        .map(|(_, p)| {
            p.ingress.as_ref().map_or(0, Vec::len) + p.egress.as_ref().map_or(0, Vec::len)
        })
        .sum();
    table.add(
        "compile (lower)",
        d,
        per_sec(inv.policy_count(), d, "policies"),
        format!(
            "{compiled} policies, {rules} rules in {} tiers, {} notes",
            lowered.set.tiers.len(),
            lowered.notes.len()
        ),
    );

    // 4. Evaluator.
    let t = Instant::now();
    let evaluator = Evaluator::new(&lowered.set, &inv.cluster);
    let d = t.elapsed();
    table.add("evaluator setup", d, String::new(), String::new());

    // 5. Simulate.
    let mut rng = Rng::new(cfg.seed ^ 0xF10A5);
    let flows = make_flows(&inv.cluster, cfg.flows, &mut rng);
    let json_flows = make_flows(&inv.cluster, cfg.json_flows, &mut rng);
    let ends: Vec<(usize, usize)> = flows
        .iter()
        .map(|f| match (&f.src.end, &f.dst.end) {
            (FlowEnd::Pod { index: a }, FlowEnd::Pod { index: b }) => (*a, *b),
            _ => unreachable!("pod-to-pod flows only"),
        })
        .collect();
    let (mut l7_denied, mut volume) = (0usize, (0usize, 0usize, 0usize));
    let mut allowed_us: Vec<f64> = Vec::with_capacity(cfg.flows);
    let mut denied_us: Vec<f64> = Vec::with_capacity(cfg.flows);
    let t = Instant::now();
    for flow in flows {
        let t_flow = Instant::now();
        let outcome = evaluator.evaluate(black_box(flow));
        let us = t_flow.elapsed().as_secs_f64() * 1e6;
        let (p, r, c) = trace_volume(&outcome);
        volume = (volume.0 + p, volume.1 + r, volume.2 + c);
        if outcome.verdict.is_allow() {
            allowed_us.push(us);
        } else {
            denied_us.push(us);
            if outcome.denied_at == Some(Layer::L7) {
                l7_denied += 1;
            }
        }
        drop(black_box(outcome));
    }
    let d = t.elapsed();
    let (allowed, denied) = (allowed_us.len(), denied_us.len());
    table.add(
        &format!("simulate {} flows", cfg.flows),
        d,
        per_sec(cfg.flows, d, "flows"),
        format!(
            "allowed {allowed}, denied {denied} ({l7_denied} at L7); {:.1} µs/flow",
            d.as_secs_f64() * 1e6 / cfg.flows.max(1) as f64
        ),
    );
    assert!(allowed > 0, "sanity: no flow was allowed");
    assert!(denied > 0, "sanity: no flow was denied");
    let mut all_us: Vec<f64> = allowed_us.iter().chain(&denied_us).copied().collect();
    all_us.sort_by(f64::total_cmp);
    let n = cfg.flows.max(1) as f64;
    let mut details = vec![
        format!(
            "per flow: p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            percentile(&all_us, 0.5),
            percentile(&all_us, 0.9),
            percentile(&all_us, 0.99),
            all_us.last().copied().unwrap_or(0.0)
        ),
        format!(
            "mean: allowed {:.1} µs, denied {:.1} µs",
            mean(&allowed_us),
            mean(&denied_us)
        ),
        format!(
            "trace per flow: {:.1} policies, {:.1} rules, {:.1} criteria",
            volume.0 as f64 / n,
            volume.1 as f64 / n,
            volume.2 as f64 / n
        ),
    ];

    // Probe: the subject scan `direction` does per tier (every policy's
    // selector against the endpoint), alone, for both ends of each flow.
    let ids = evaluator.identities();
    let policies: Vec<_> = lowered.set.policies().map(|(_, p)| p).collect();
    let mut selected = 0usize;
    let t = Instant::now();
    for (src, dst) in &ends {
        for (index, dir) in [(*src, Direction::Egress), (*dst, Direction::Ingress)] {
            let Some(owner) = ids.pod(index) else {
                continue;
            };
            selected += policies
                .iter()
                .filter(|p| p.rules(dir).is_some() && p.subject.matches(black_box(&owner.labels)))
                .count();
        }
    }
    let scan = t.elapsed();
    details.push(format!(
        "probe: uncached subject scan of {} policies x 2 ends: {:.1} µs per pass (the evaluator caches selection per endpoint); {:.1} selected per pass",
        policies.len(),
        scan.as_secs_f64() * 1e6 / n,
        selected as f64 / n
    ));
    // Probe: address -> owners lookup, done twice per `Ctx`.
    let t = Instant::now();
    for (src, dst) in &ends {
        let a = inv.cluster.endpoints[*src].ips[0];
        let b = inv.cluster.endpoints[*dst].ips[0];
        black_box((ids.owners(black_box(a)), ids.owners(black_box(b))));
    }
    details.push(format!(
        "probe: Identities::owners x 2: {:.2} µs/flow",
        t.elapsed().as_secs_f64() * 1e6 / n
    ));

    // 6. What `-o json` adds: locate every span, then serialise.
    let (mut t_eval, mut t_locate, mut t_json) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut bytes = 0usize;
    let located = std::cell::Cell::new(0usize);
    let locate = |s| {
        located.set(located.get() + 1);
        inv.sources.locate(s)
    };
    let mut n = 0usize;
    let total = Instant::now();
    for flow in json_flows {
        if total.elapsed() > cfg.json_budget {
            break;
        }
        n += 1;
        let t = Instant::now();
        let mut outcome = evaluator.evaluate(black_box(flow));
        let t1 = Instant::now();
        outcome.locate(&locate);
        let t2 = Instant::now();
        let json = serde_json::to_string(&outcome).expect("Outcome serialises");
        let t3 = Instant::now();
        bytes += json.len();
        black_box(json);
        t_eval += t1 - t;
        t_locate += t2 - t1;
        t_json += t3 - t2;
    }
    let d = total.elapsed();
    let cut = if n < cfg.json_flows {
        format!(" (stopped after {n} of {}: time budget)", cfg.json_flows)
    } else {
        String::new()
    };
    table.add(
        &format!("evaluate+locate+json {n}"),
        d,
        per_sec(n, d, "flows"),
        format!(
            "evaluate {} ms, locate {} ms, to_string {} ms; {:.1} KiB JSON/flow{cut}",
            ms(t_eval),
            ms(t_locate),
            ms(t_json),
            bytes as f64 / 1024.0 / n.max(1) as f64
        ),
    );
    details.push(format!(
        "locate: {:.1} spans/flow, {:.1} µs/span (Sources::locate on a {:.2} MiB file)",
        located.get() as f64 / n.max(1) as f64,
        t_locate.as_secs_f64() * 1e6 / located.get().max(1) as f64,
        yaml.len() as f64 / 1048576.0
    ));

    println!(
        "\n== {} run: {} pods, {} policies, cni {:?}{} ==",
        mode.name(),
        cfg.pods,
        cfg.policies,
        lowered.set.dataplane.cni,
        lowered
            .set
            .dataplane
            .calico_version
            .map_or(String::new(), |v| format!(" {}.{}", v.major, v.minor))
    );
    table.print();
    for line in &details {
        println!("  {line}");
    }
}

// The allocator of the polctl binary (src/main.rs), so that figures are its.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cfg = config();
    let child = std::env::var_os("POLCTL_BENCH_CHILD").is_some();
    if !child {
        println!(
            "polctl simulate benchmark ({} build, {} CPUs)",
            if cfg!(debug_assertions) {
                "debug"
            } else {
                "release"
            },
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
    }
    if cfg.modes.len() == 1 || child {
        for mode in &cfg.modes {
            run(&cfg, *mode);
        }
        return;
    }
    // One process per mode, so each reports its own peak memory.
    let exe = std::env::current_exe().expect("the benchmark's own path");
    for mode in &cfg.modes {
        let status = std::process::Command::new(&exe)
            .arg(mode.name())
            .env("POLCTL_BENCH_CHILD", "1")
            .status()
            .expect("the benchmark re-runs itself");
        assert!(status.success(), "the {} run failed", mode.name());
    }
}
