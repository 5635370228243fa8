//! `polctl replay`: observed flows (Hubble, Calico flow logs, CSV) judged
//! by the loaded policies: what applying them would break.

use std::io::BufRead;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::Result;

use super::args::{DataplaneArgs, FormatParser, InputArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::load::{BadRecords, ObservedFormat, read_records};
use crate::render::replay::{self as view, Replayed};
use crate::sim::eval::Evaluator;
use crate::verify::Replayer;

/// Replay observed flows against the policies: what would applying them break
#[derive(Debug, Args)]
#[command(
    after_help = "Each FILE holds one record a line, in one of these formats (detected from
the first record; --format names it):
  hubble   the JSON lines of `hubble observe -o json`
  calico   Calico flow logs as JSON (source_name, dest_ip, dest_port, proto,
           action, ...), or Goldmane flows (the same fields under `key`)
  csv      src,dst,proto,port[,method,path]; ends as NAMESPACE/POD or an address

An end is resolved by pod name, else by address: a pod's address is the pod,
a Service's cluster IP is the Service (every backend judged), any other
address is outside the cluster. Reply packets are counted, not judged:
conntrack passes them. Identical flows are judged once.

Exit status: 0 done, 1 with --exit-code when a flow would be denied, 2 bad
input (every bad record is reported).

Examples:
  # What would the tiers fixture's policies do with this traffic?
  polctl replay -f fixtures/tiers tests/replay/tiers-hubble.json

  # Calico flow logs, the report as JSON (add --exit-code to fail a CI job)
  polctl replay -f fixtures/tiers tests/replay/tiers-calico.json -o json

  # A plain CSV of src,dst,proto,port from stdin
  polctl replay -f fixtures/tiers - < tests/replay/tiers.csv"
)]
pub struct ReplayArgs {
    /// Observed flows, one record a line; `-` reads stdin
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// The records' format [default: detected from each file's first record]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<ReplayInput>,
    /// Exit 1 when any flow would be denied
    #[arg(long)]
    pub exit_code: bool,
    /// Output format [default: table]
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = FormatParser::<ReplayFormat>::new())]
    pub output: Option<ReplayFormat>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReplayInput {
    Hubble,
    Calico,
    Csv,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReplayFormat {
    Json,
}

pub(crate) fn run(ctx: &Ctx, args: &ReplayArgs) -> Result<ExitStatus> {
    let stdin = |p: &PathBuf| p.as_os_str() == "-";
    if args.files.iter().filter(|p| stdin(p)).count() > 1
        || (args.files.iter().any(stdin) && args.input.filename.iter().any(stdin))
    {
        return Err(UsageError::Value {
            flag: "FILE",
            value: "-".into(),
            message: "stdin can be read once".into(),
            help: None,
        }
        .into());
    }
    let mut inventory = ctx.load(&args.input)?;
    super::read_dns(&args.dataplane, &mut inventory.cluster)?;
    let set = ctx.compile(&inventory, &args.dataplane)?;
    let evaluator = Evaluator::new(&set, &inventory.cluster);
    let locate = |s| inventory.sources.locate(s);
    let mut replayer = Replayer::new(&evaluator, &inventory.cluster, &locate);
    let format = args.format.map(|f| match f {
        ReplayInput::Hubble => ObservedFormat::Hubble,
        ReplayInput::Calico => ObservedFormat::Calico,
        ReplayInput::Csv => ObservedFormat::Csv,
    });
    let mut bad = BadRecords {
        errors: Vec::new(),
        count: 0,
    };
    let mut files = Vec::new();
    for path in &args.files {
        let (name, mut reader): (String, Box<dyn BufRead>) = if stdin(path) {
            ("<stdin>".into(), Box::new(std::io::stdin().lock()))
        } else {
            let file = std::fs::File::open(path).map_err(|e| UsageError::io(path, e))?;
            (
                path.display().to_string(),
                Box::new(std::io::BufReader::with_capacity(1 << 16, file)),
            )
        };
        let mut on_flow = |line: usize, flow: &crate::load::ObservedFlow| {
            replayer.record(flow, &|| format!("{name}:{line}"));
        };
        let read = read_records(&name, &mut *reader, format, &mut on_flow, &mut bad)
            .map_err(|e| UsageError::io(path, e))?;
        files.push(Replayed {
            format: read.unwrap_or(ObservedFormat::Csv).name(),
            name,
        });
    }
    if bad.count > 0 {
        return Err(bad.into());
    }
    let report = replayer.finish();
    match args.output {
        Some(ReplayFormat::Json) => ctx.printer.json(&view::json(&report, &files))?,
        None => ctx.printer.raw(&view::text(&report, &files))?,
    }
    Ok(if args.exit_code && report.denied > 0 {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    })
}
