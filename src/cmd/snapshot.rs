//! `polctl snapshot`: the live cluster as one manifest file.

use clap::{Args, ValueEnum};
use miette::Result;

use super::args::{ConnectionArgs, FormatParser};
use super::{Ctx, ExitStatus};

/// Write the live cluster's namespaces, pods and their controllers, services, service accounts, nodes and policies as one manifest
#[derive(Debug, Args)]
#[command(
    after_help = "Every kind polctl reads is listed (paginated, --chunk-size items per
request); a kind whose API group the cluster does not serve (Calico's API
server, Cilium's CRDs, the NetworkPolicy API) is skipped with a note on
stderr. Pod controllers are listed too: pods are grouped under them.
The output is one `kind: List` that every command reads with -f.

Examples:
  # The current context's cluster, to read offline with -f cluster.yaml
  polctl snapshot > cluster.yaml

  # As JSON, 100 objects per request
  polctl snapshot -o json --chunk-size 100 > cluster.json"
)]
pub struct SnapshotArgs {
    /// Output format [default: yaml]
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = FormatParser::<SnapshotFormat>::new())]
    pub output: Option<SnapshotFormat>,
    /// Items asked for per LIST request (kubectl's --chunk-size)
    #[arg(long, value_name = "N", default_value_t = crate::cluster::PAGE_SIZE, value_parser = clap::value_parser!(u32).range(1..))]
    pub chunk_size: u32,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum SnapshotFormat {
    Yaml,
    Json,
}

pub(crate) fn run(ctx: &Ctx, args: &SnapshotArgs) -> Result<ExitStatus> {
    let live = ctx.read_live(&args.connection, args.chunk_size)?;
    let list = live.to_list();
    match args.output.unwrap_or(SnapshotFormat::Yaml) {
        SnapshotFormat::Yaml => ctx.printer.yaml(&list)?,
        SnapshotFormat::Json => ctx.printer.json(&list)?,
    }
    Ok(ExitStatus::Success)
}
