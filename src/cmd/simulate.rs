//! `polctl simulate`: one flow (or a file of flows) through every policy,
//! with the full trace.

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::{Args, ValueEnum};
use miette::Result;
use serde_json::{Value, json};

use super::args::{ClusterArgs, DataplaneArgs, FormatParser, InputArgs, NamespaceArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::load::{Expectation, FlowSpec, FlowsRead, Inventory, read_flows_apart};
use crate::model::policy::{Dataplane, PolicySet};
use crate::model::{Cluster, Flow, Spanned};
use crate::render::flows::FlowLines;
use crate::render::hint::{self, Wording};
use crate::render::{simulate as view, trace};
use crate::sim::eval::{Evaluator, Outcome, Verdict};
use crate::sim::request::{Field, Naming, Written, checked, http_request};
use crate::sim::resolve::{FlowRequest, flows_by_range};
use crate::syntax::{LoadError, LoadErrors, Problem};
use crate::verify::flow_request;

/// Simulate a flow through every policy and print the rule trace
#[derive(Debug, Args)]
#[command(after_help = "References (--from/--to):
  NAMESPACE/NAME      a pod, or a workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob)
  NAME                the same in the namespace given with -n (default: default)
  [NS/]KIND/NAME      one of a pod and a workload of the same name (pod/web, deployment/web,
                      shop/deploy/web; kubectl's kind names); required when a name is ambiguous
  svc:[NS/]NAME       a Service: each backend is evaluated, after DNAT (port -> targetPort)
  hep:NAME            a Calico HostEndpoint
  node:NAME           a Node's own address
  netset:[NS/]NAME    a Calico (Global)NetworkSet (its first address)
  IP or CIDR          an address (a Service's cluster or external IP is the Service);
                      a CIDR gives one result per range whose verdict differs

Examples:
  # Can the frontend reach its redis backend on 6379?
  polctl simulate -f fixtures/redis-frontend \\
    --from myns/frontend --to myns/backend --port 6379

  # An HTTP request through a Service, as JSON
  polctl simulate -f fixtures/app-layer -o json \\
    --from default/frontend --to svc:default/backend --port 8080 \\
    --method GET --path /api/v1/data

  # A file of flows with expectations; exit 1 when one fails
  polctl simulate -f fixtures/tiers --flows tests/flows/tiers.yaml")]
pub struct SimulateArgs {
    /// Source of the flow (see References below)
    #[arg(long, value_name = "REF", required_unless_present = "flows")]
    pub from: Option<String>,
    /// Destination of the flow (see References below)
    #[arg(long, value_name = "REF", required_unless_present = "flows")]
    pub to: Option<String>,
    /// Destination port: a number, or a named port of the destination (or of the Service)
    #[arg(long, value_name = "N|NAME")]
    pub port: Option<String>,
    /// Protocol: TCP (default), UDP, SCTP, ICMP, ICMPv6 or a number
    #[arg(long, alias = "protocol", value_name = "PROTO")]
    pub proto: Option<String>,
    /// Source port, for rules that match on it
    #[arg(long, value_name = "N")]
    pub src_port: Option<u16>,
    /// ICMP type (default 8, echo request; 128 for ICMPv6)
    #[arg(long, value_name = "N")]
    pub icmp_type: Option<u8>,
    /// ICMP code (default 0)
    #[arg(long, value_name = "N")]
    pub icmp_code: Option<u8>,
    /// HTTP method of the request
    #[arg(long, value_name = "METHOD", help_heading = "Application layer")]
    pub method: Option<String>,
    /// HTTP path of the request
    #[arg(long, value_name = "PATH", help_heading = "Application layer")]
    pub path: Option<String>,
    /// HTTP host (authority) of the request
    #[arg(long, value_name = "HOST", help_heading = "Application layer")]
    pub host: Option<String>,
    /// HTTP header of the request (repeatable)
    #[arg(long, value_name = "K:V", help_heading = "Application layer")]
    pub header: Vec<String>,
    /// Other application-protocol attribute, e.g. query_table=users (repeatable)
    #[arg(long, value_name = "KEY=VALUE", help_heading = "Application layer")]
    pub l7: Vec<String>,
    /// Whether Cilium mutual authentication between the ends succeeds
    #[arg(
        long,
        value_enum,
        value_name = "RESULT",
        default_value = "ok",
        help_heading = "Application layer"
    )]
    pub auth: AuthArg,
    /// A YAML list of flows to simulate, one result row each
    #[arg(long, value_name = "FILE", conflicts_with_all = ["from", "to"])]
    pub flows: Option<PathBuf>,
    /// Exit with status 1 when a flow is denied
    #[arg(long)]
    pub exit_code: bool,
    /// Output format [default: a trace; with --flows a table, which wide widens]
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = FormatParser::<SimulateFormat>::new())]
    pub output: Option<SimulateFormat>,
    #[command(flatten)]
    pub namespace: NamespaceArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SimulateFormat {
    // The --flows table, with the pending verdict and where each flow is written.
    Wide,
    Yaml,
    Json,
}

/// `--auth`: the outcome of the mutual-authentication handshake.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum AuthArg {
    Ok,
    Fail,
}

pub(crate) fn run(ctx: &Ctx, args: &SimulateArgs) -> Result<ExitStatus> {
    if args.flows.is_none() && args.output == Some(SimulateFormat::Wide) {
        return Err(UsageError::Output {
            message: "-o wide widens the table of a --flows run; one flow prints a trace".into(),
        }
        .into());
    }
    // A flows file that is a regular file is read on a thread of its own
    // while the cluster loads.
    std::thread::scope(|scope| {
        let early = args
            .flows
            .as_deref()
            .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_file()))
            .map(|p| scope.spawn(move || read_flows_file(p)));
        let mut inventory = ctx.load_from(&args.input, &args.cluster)?;
        super::read_dns(&args.dataplane, &mut inventory.cluster)?;
        let set = ctx.compile(&inventory, &args.dataplane)?;
        let namespace = args.namespace.resolve();
        if let Some(path) = &args.flows {
            let read = match early {
                Some(thread) => thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => read_flows_file(path),
            }?;
            return run_file(ctx, args, &mut inventory, &set, read, namespace);
        }
        one_request(ctx, args, &inventory, &set, namespace)
    })
}

fn read_flows_file(path: &std::path::Path) -> Result<FlowsRead, UsageError> {
    let text = super::read_input(path)?;
    Ok(read_flows_apart(&path.display().to_string(), text))
}

/// One request given by flags.
fn one_request(
    ctx: &Ctx,
    args: &SimulateArgs,
    inventory: &Inventory,
    set: &PolicySet,
    namespace: &str,
) -> Result<ExitStatus> {
    let req = request(args)?;
    let evaluator = Evaluator::new(set, &inventory.cluster);
    let flows = flows_by_range(&evaluator, &inventory.cluster, &req, namespace)
        .map_err(|e| UsageError::flow(e.worded(&|h| hint::word(h, Wording::Flags))))?;
    let outcomes: Vec<Outcome> = flows
        .into_iter()
        .map(|f| {
            let mut o = evaluator.evaluate(f);
            o.locate(&|s| inventory.sources.locate(s));
            o.word(&Wording::Flags);
            o
        })
        .collect();
    let denied = outcomes.iter().any(|o| o.verdict == Verdict::Deny);
    match args.output {
        Some(SimulateFormat::Json | SimulateFormat::Yaml) => {
            let all: Vec<&Outcome> = outcomes.iter().collect();
            if args.output == Some(SimulateFormat::Json) {
                ctx.printer.json(&view::RequestJson {
                    outcomes: &all,
                    dataplane: &set.dataplane,
                    cluster: &inventory.cluster,
                    entry: None,
                })?
            } else {
                ctx.printer
                    .yaml(&view::json(&all, &set.dataplane, &inventory.cluster))?
            }
        }
        Some(SimulateFormat::Wide) | None => {
            let color = ctx.printer.out_color();
            let text: Vec<String> = outcomes
                .iter()
                .map(|o| trace::tree(o, &set.dataplane, color))
                .collect();
            ctx.printer.raw(&text.join("\n"))?;
        }
    }
    Ok(if args.exit_code && denied {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    })
}

fn request(args: &SimulateArgs) -> Result<FlowRequest, UsageError> {
    let mut headers = Vec::new();
    for h in &args.header {
        let (k, v) = h
            .split_once(':')
            .ok_or_else(|| UsageError::value("--header", h, "expected NAME:VALUE"))?;
        headers.push((k.trim().to_string(), v.trim().to_string()));
    }
    let mut l7 = Vec::new();
    for kv in &args.l7 {
        let (k, v) = kv
            .split_once('=')
            .ok_or_else(|| UsageError::value("--l7", kv, "expected KEY=VALUE"))?;
        l7.push((k.to_string(), v.to_string()));
    }
    let given = Written {
        from: args.from.clone().unwrap_or_default(),
        to: args.to.clone().unwrap_or_default(),
        port: args.port.clone(),
        protocol: args.proto.clone(),
        src_port: args.src_port,
        icmp_type: args.icmp_type,
        icmp_code: args.icmp_code,
        http: http_request(&args.method, &args.path, &args.host, headers),
        l7,
        auth_fails: args.auth == AuthArg::Fail,
    };
    checked(given).map_err(|e| UsageError::Value {
        flag: Naming::Flags.name(e.field),
        value: e.value.clone(),
        message: e
            .message
            .replace("{proto}", Naming::Flags.name(Field::Proto)),
        help: e.help,
    })
}

fn run_file(
    ctx: &Ctx,
    args: &SimulateArgs,
    inventory: &mut Inventory,
    set: &PolicySet,
    read: FlowsRead,
    namespace: &str,
) -> Result<ExitStatus> {
    let specs = read.attach(&mut inventory.sources)?;
    let inventory = &*inventory;
    let evaluator = Evaluator::new(set, &inventory.cluster);
    // Every flow is resolved first, so every bad one is reported at once;
    // runs of entries are resolved on several threads, their results kept
    // in the file's order.
    let mut problems = Vec::new();
    let mut resolved = Vec::new();
    let threads = threads();
    in_order(
        &specs,
        RUN,
        threads,
        || (),
        |_, run: &[Spanned<FlowSpec>]| {
            run.iter()
                .map(|spec| {
                    flow_request(&spec.value)
                        .map_err(|e| {
                            Problem::new(spec.span, e.worded(Naming::FlowsFile)).help_opt(e.help)
                        })
                        .and_then(|req| {
                            flows_by_range(&evaluator, &inventory.cluster, &req, namespace).map_err(
                                |e| {
                                    Problem::new(
                                        spec.span,
                                        e.worded(&|h| hint::word(h, Wording::FlowsFile)),
                                    )
                                },
                            )
                        })
                })
                .collect::<Vec<_>>()
        },
        |run| {
            for flows in run {
                match flows {
                    Ok(flows) => resolved.push(flows),
                    Err(p) => problems.push(LoadError::from_problem(
                        &inventory.sources,
                        p,
                        "in this flow",
                    )),
                }
            }
        },
    );
    if !problems.is_empty() {
        return Err(LoadErrors { errors: problems }.into());
    }
    let (mut failed, mut denied) = (0, 0);
    match args.output {
        Some(SimulateFormat::Json) => {
            // Each entry is the same object `simulate -o json` prints for
            // one request, with the expectation and where the entry is
            // written; written as soon as its run of entries is simulated,
            // runs on several threads and written in the file's order.
            // Every entry is simulated even once stdout is closed: the exit
            // status counts them all.
            let entries: Vec<(&Spanned<FlowSpec>, Vec<Flow>)> =
                specs.iter().zip(resolved).collect();
            let closed = AtomicBool::new(false);
            // Buffers written go back for later runs.
            let spare = Mutex::new(Vec::<Vec<u8>>::new());
            ctx.printer.stream(|out| {
                let mut result = Ok(());
                in_order(
                    &entries,
                    RUN,
                    threads,
                    // Most entries are one flow whose traces a template holds.
                    || {
                        FlowLines::new(
                            &evaluator,
                            &inventory.cluster,
                            &set.dataplane,
                            &Wording::FlowsFile,
                        )
                    },
                    |lines, run| {
                        let mut text = spare
                            .lock()
                            .ok()
                            .and_then(|mut s| s.pop())
                            .unwrap_or_default();
                        text.clear();
                        let (mut failed, mut denied) = (0, 0);
                        for (spec, flows) in run {
                            let (f, d) = json_entry(
                                lines, &mut text, spec, flows, &evaluator, inventory, set,
                            );
                            failed += f;
                            denied += d;
                            if closed.load(Ordering::Relaxed) {
                                text.clear();
                            }
                        }
                        (text, failed, denied)
                    },
                    |(text, f, d)| {
                        failed += f;
                        denied += d;
                        if result.is_ok() {
                            result = out.write_all(&text);
                            if result.is_err() {
                                closed.store(true, Ordering::Relaxed);
                            }
                        }
                        if let Ok(mut s) = spare.lock() {
                            s.push(text);
                        }
                    },
                );
                result
            })?;
        }
        format => {
            let mut rows = Vec::new();
            // The rows of each entry, for its one YAML object.
            let mut entries = Vec::new();
            for (spec, flows) in specs.iter().zip(resolved) {
                let start = rows.len();
                for f in flows {
                    rows.push(view::Row {
                        outcome: evaluate(&evaluator, inventory, f),
                        expect: expected(spec),
                        at: inventory.sources.locate(spec.span),
                    });
                }
                entries.push(start..rows.len());
            }
            failed = rows.iter().filter(|r| r.failed()).count();
            denied = rows
                .iter()
                .filter(|r| r.outcome.verdict == Verdict::Deny)
                .count();
            if format == Some(SimulateFormat::Yaml) {
                let all: Vec<Value> = entries
                    .into_iter()
                    .map(|range| entry_json(&rows[range], &set.dataplane, &inventory.cluster))
                    .collect();
                ctx.printer.yaml(&all)?;
            } else {
                let wide = format == Some(SimulateFormat::Wide);
                ctx.printer.raw(&view::table(&rows, wide))?;
                ctx.printer.line(&view::summary(&rows))?;
            }
        }
    }
    Ok(if failed > 0 || (args.exit_code && denied > 0) {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    })
}

/// How many flows-file entries a thread takes at a time.
const RUN: usize = 64;

/// The threads a flows file is simulated on.
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// Splits `items` into runs of `run`, gives each run to `work` on one of
/// `threads` threads (each with its own state from `state`; run `i` on
/// thread `i % threads`, the first being this one), and hands each run's
/// result to `take` in the runs' order. A thread runs at most two runs
/// ahead of the one taken.
fn in_order<I: Sync, S, R: Send>(
    items: &[I],
    run: usize,
    threads: usize,
    state: impl Fn() -> S + Sync,
    work: impl Fn(&mut S, &[I]) -> R + Sync,
    mut take: impl FnMut(R),
) {
    let runs: Vec<&[I]> = items.chunks(run.max(1)).collect();
    let threads = threads.clamp(1, runs.len().max(1));
    std::thread::scope(|scope| {
        let mut helpers = Vec::new();
        for t in 1..threads {
            let (tx, rx) = std::sync::mpsc::sync_channel(2);
            let (runs, state, work) = (&runs, &state, &work);
            scope.spawn(move || {
                let mut s = state();
                for r in runs.iter().skip(t).step_by(threads) {
                    if tx.send(work(&mut s, r)).is_err() {
                        break;
                    }
                }
            });
            helpers.push(rx);
        }
        let mut s = state();
        for (i, r) in runs.iter().enumerate() {
            match i % threads {
                0 => take(work(&mut s, r)),
                t => match helpers[t - 1].recv() {
                    Ok(result) => take(result),
                    // The helper panicked; the scope raises its panic.
                    Err(_) => break,
                },
            }
        }
    });
}

fn expected(spec: &Spanned<FlowSpec>) -> Option<Verdict> {
    spec.value.expect.map(|e| match e {
        Expectation::Allow => Verdict::Allow,
        Expectation::Deny => Verdict::Deny,
    })
}

fn evaluate(evaluator: &Evaluator, inventory: &Inventory, flow: Flow) -> Outcome {
    let mut o = evaluator.evaluate(flow);
    o.locate(&|s| inventory.sources.locate(s));
    o.word(&Wording::FlowsFile);
    o
}

/// Appends the `-o json` line of one flows-file entry to `text`; returns
/// (flows whose expectation failed, flows denied).
fn json_entry(
    lines: &mut FlowLines,
    text: &mut Vec<u8>,
    spec: &Spanned<FlowSpec>,
    flows: &[Flow],
    evaluator: &Evaluator,
    inventory: &Inventory,
    set: &PolicySet,
) -> (usize, usize) {
    let expect = expected(spec);
    if let [flow] = flows {
        let at = inventory.sources.locate(spec.span);
        let locate = |s| inventory.sources.locate(s);
        if let Some((verdict, _)) =
            lines.write(text, flow, expect, &at, &Wording::FlowsFile, &locate)
        {
            return (
                usize::from(expect.is_some_and(|e| e != verdict)),
                usize::from(verdict == Verdict::Deny),
            );
        }
    }
    let outcomes: Vec<Outcome> = flows
        .iter()
        .map(|f| evaluate(evaluator, inventory, f.clone()))
        .collect();
    let met = outcomes
        .iter()
        .all(|o| expect.is_none_or(|e| e == o.verdict));
    let failed = outcomes
        .iter()
        .filter(|o| expect.is_some_and(|e| e != o.verdict))
        .count();
    let denied = outcomes
        .iter()
        .filter(|o| o.verdict == Verdict::Deny)
        .count();
    let outcomes: Vec<&Outcome> = outcomes.iter().collect();
    let at = inventory.sources.locate(spec.span);
    let request = view::RequestJson {
        outcomes: &outcomes,
        dataplane: &set.dataplane,
        cluster: &inventory.cluster,
        entry: Some(view::EntryJson {
            expect,
            expectation_met: met,
            at: &at,
        }),
    };
    // Serializing into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *text, &request);
    text.push(b'\n');
    (failed, denied)
}

/// Each entry of a flows file is the same object `simulate -o json` prints
/// for one request, with the expectation and where the entry is written.
fn entry_json(rows: &[view::Row], dataplane: &Dataplane, cluster: &Cluster) -> Value {
    let outcomes: Vec<&Outcome> = rows.iter().map(|r| &r.outcome).collect();
    let mut v = view::json(&outcomes, dataplane, cluster);
    if let (Some(row), Value::Object(map)) = (rows.first(), &mut v) {
        if let Some(e) = row.expect {
            map.insert("expect".into(), json!(e));
            map.insert(
                "expectation_met".into(),
                json!(rows.iter().all(|r| !r.failed())),
            );
        }
        map.insert("at".into(), json!(row.at));
    }
    v
}

#[cfg(test)]
mod order_tests {
    use super::in_order;

    /// Runs worked on several threads are taken in the order of the items,
    /// each once, whatever the run length and thread count.
    #[test]
    fn runs_are_taken_in_order() {
        let items: Vec<u32> = (0..1000).collect();
        for threads in [1, 2, 3, 8] {
            for run in [1, 7, 64, 2000] {
                let mut taken = Vec::new();
                in_order(
                    &items,
                    run,
                    threads,
                    || 0usize,
                    |calls, r: &[u32]| {
                        *calls += 1;
                        r.iter().map(|x| x * 2).collect::<Vec<_>>()
                    },
                    |r| taken.extend(r),
                );
                let expected: Vec<u32> = items.iter().map(|x| x * 2).collect();
                assert_eq!(taken, expected, "{threads} threads, runs of {run}");
            }
        }
    }
}
