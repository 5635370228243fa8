//! `polctl diff OLD NEW`: what a change to policies (or workloads) does to
//! who can reach whom.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::Result;

use super::args::{
    ClusterArgs, DataplaneArgs, FormatParser, GraphFilterArgs, InputArgs, IpFamilyArgs,
};
use super::{Ctx, ExitStatus, UsageError};
use crate::load::Inventory;
use crate::model::policy::PolicySet;
use crate::render::diff as view;
use crate::sim::eval::Evaluator;
use crate::sim::reach::{self, DiffSide, GraphNode};

/// Compare the reachability of two sets of manifests: connections gained and lost per workload pair
#[derive(Debug, Args)]
#[command(
    after_help = "OLD and NEW are each a manifest file, a directory (-R to recurse) or `-` for
stdin; --old and --new take several (repeatable) instead. Both sides are
simulated with the same dataplane flags.

Pairs are workloads (pods grouped under their owner, `namespace/name`) and
external address ranges. A pair is listed when a connection passes on one
side only (GAINED, LOST: exact port sets, per protocol) or when an L7 proxy
or mutual authentication now applies, or no longer applies, to connections
passing on both. Workloads only one side has are listed as added or removed,
not as pairs. A pod with addresses of both families is compared at its IPv4
address; --ip-family ipv6 compares every pod at its IPv6 one.

Workload references (--from/--to/--focus), as in `polctl graph`:
  NAMESPACE/NAME      a workload, or a pod without one
  NAME                the same in the namespace given with -n (default: default)
  [NS/]KIND/NAME      only a workload of that kind (deployment/web, shop/pod/web)
  k=v,tier in (a,b)   workloads whose labels the selector matches
  IP or CIDR          external ranges overlapping it
--port keeps the pairs whose changed connections include the port.

Output formats (-o): table (default), wide (adds the deciding policies,
before -> after), json, and the graph's diagrams with gained edges green
and lost edges red and dashed: dot (Graphviz), svg and html.

Exit status: 0 (or, with --exit-code, 0 nothing changed and 1 something
did), 2 bad input.

Examples:
  # What deleting a cluster's policies would open
  polctl diff --old fixtures/redis-frontend \\
      --new fixtures/redis-frontend/namespaces.yaml \\
      --new fixtures/redis-frontend/workloads.yaml

  # In CI: fail when a change opens or closes anything towards the database
  polctl diff fixtures/tiers fixtures/tiers --to app=db --exit-code

  # What applying manifests to the live cluster would change
  polctl diff --cluster -f fixtures/tiers/policies.yaml"
)]
pub struct DiffArgs {
    /// The manifests before the change (file, directory or `-`)
    #[arg(value_name = "OLD", requires = "new_path", conflicts_with_all = ["old", "new"])]
    pub old_path: Option<PathBuf>,
    /// The manifests after the change
    #[arg(value_name = "NEW")]
    pub new_path: Option<PathBuf>,
    /// A manifest file or directory of the old side (repeatable)
    #[arg(long, value_name = "PATH", requires = "new")]
    pub old: Vec<PathBuf>,
    /// A manifest file or directory of the new side (repeatable)
    #[arg(long, value_name = "PATH", requires = "old")]
    pub new: Vec<PathBuf>,
    /// Read directories recursively
    #[arg(short = 'R', long)]
    pub recursive: bool,
    /// Exit with 1 when anything changed, 0 when nothing did (as `git diff --exit-code`)
    #[arg(long)]
    pub exit_code: bool,
    #[command(flatten)]
    pub filter: GraphFilterArgs,
    /// Output format [default: table]
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = FormatParser::<DiffFormat>::new())]
    pub output: Option<DiffFormat>,
    #[command(flatten)]
    pub family: IpFamilyArgs,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
    /// Compare the live cluster with the live cluster plus the manifests of -f
    // The heading is named: after a flattened group, clap would list this
    // under that group's heading (Dataplane).
    #[arg(long, requires = "filename", conflicts_with_all = ["old_path", "old", "new", "from_cluster"], help_heading = "Cluster")]
    pub cluster: bool,
    /// With --cluster: the manifests layered over the live cluster on the new side (repeatable)
    #[arg(
        short = 'f',
        long = "filename",
        value_name = "PATH",
        requires = "cluster",
        help_heading = "Cluster"
    )]
    pub filename: Vec<PathBuf>,
    #[command(flatten)]
    pub live: ClusterArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Wide,
    Json,
    Dot,
    Svg,
    Html,
}

/// The manifests of one side.
struct Side {
    inventory: Inventory,
    set: PolicySet,
}

impl DiffArgs {
    /// Each side's paths, as `-f` would take them.
    fn inputs(&self) -> Result<(InputArgs, InputArgs), UsageError> {
        if self.cluster {
            let new = InputArgs {
                filename: self.filename.clone(),
                recursive: self.recursive,
            };
            return Ok((InputArgs::default(), new));
        }
        let (old, new) = match (&self.old_path, &self.new_path) {
            (Some(o), Some(n)) => (vec![o.clone()], vec![n.clone()]),
            _ => (self.old.clone(), self.new.clone()),
        };
        if old.is_empty() || new.is_empty() {
            return Err(UsageError::Flow {
                message: "diff compares two sides: OLD and NEW".into(),
                help: Some(
                    "pass `polctl diff OLD NEW`, or --old PATH and --new PATH (repeatable)".into(),
                ),
            });
        }
        let stdin = |paths: &[PathBuf]| paths.iter().any(|p| p.as_os_str() == "-");
        if stdin(&old) && stdin(&new) {
            return Err(UsageError::Value {
                flag: "NEW",
                value: "-".into(),
                message: "stdin can be only one side".into(),
                help: Some("give the other side as a file or directory".into()),
            });
        }
        let side = |filename| InputArgs {
            filename,
            recursive: self.recursive,
        };
        Ok((side(old), side(new)))
    }
}

pub(crate) fn run(ctx: &Ctx, args: &DiffArgs) -> Result<ExitStatus> {
    let filter = args.filter.filter()?;
    let (old_input, new_input) = args.inputs()?;
    // Read once, layered under both sides.
    let live = if args.cluster {
        Some(ctx.read_live(&args.live.connection, crate::cluster::PAGE_SIZE)?)
    } else {
        ctx.live(&args.live)?
    };
    let load = |input: &InputArgs| -> Result<Side> {
        let mut inventory = ctx.load_over(input, live.as_ref())?;
        super::read_dns(&args.dataplane, &mut inventory.cluster)?;
        // Both sides, the live one under --cluster too, in one family.
        inventory.cluster = args.family.view(std::mem::take(&mut inventory.cluster));
        let set = ctx.compile(&inventory, &args.dataplane)?;
        Ok(Side { inventory, set })
    };
    let old = load(&old_input)?;
    let new = load(&new_input)?;
    let (od, nd) = (&old.set.dataplane, &new.set.dataplane);
    if (od.cni, od.calico_version, od.cilium_version)
        != (nd.cni, nd.calico_version, nd.cilium_version)
    {
        return Err(UsageError::DataplaneDiffers {
            old: format!("{} ({})", od.cni, od.cni_reason),
            new: format!("{} ({})", nd.cni, nd.cni_reason),
        }
        .into());
    }
    let old_ev = Evaluator::new(&old.set, &old.inventory.cluster);
    let new_ev = Evaluator::new(&new.set, &new.inventory.cluster);
    let opts = reach::Options {
        external: !args.filter.exclude_external,
        ..reach::Options::default()
    };
    let bar = super::graph::Bar(
        ctx.printer
            .progress_bar("{spinner} probing {pos}/{len} endpoint pairs {wide_bar} {eta}"),
    );
    let diff = reach::diff(
        &DiffSide {
            evaluator: &old_ev,
            cluster: &old.inventory.cluster,
        },
        &DiffSide {
            evaluator: &new_ev,
            cluster: &new.inventory.cluster,
        },
        &opts,
        &bar,
    );
    bar.0.finish_and_clear();
    for note in &diff.notes {
        ctx.printer.warn(note);
    }
    // In a view of one family no pod has both (nothing to warn of).
    super::graph::warn_dual_stack(
        ctx,
        &new.inventory.cluster,
        "`--ip-family ipv6` compares their IPv6 connections",
    );
    let nodes: Vec<&GraphNode> = diff.nodes.iter().collect();
    super::graph::known_workloads(&filter, &nodes)?;
    let diff = diff.filtered(&filter);
    match args.output.unwrap_or(DiffFormat::Table) {
        DiffFormat::Table => {
            ctx.printer
                .raw(&view::table(&diff, false, ctx.printer.out_color()))?
        }
        DiffFormat::Wide => ctx
            .printer
            .raw(&view::table(&diff, true, ctx.printer.out_color()))?,
        DiffFormat::Json => ctx.printer.json(&view::JsonDiff::new(&diff))?,
        DiffFormat::Dot => ctx.printer.raw(&view::dot(&diff))?,
        DiffFormat::Svg => ctx.printer.raw(&view::svg(&diff))?,
        DiffFormat::Html => ctx.printer.raw(&view::html(&diff))?,
    }
    Ok(if args.exit_code && !diff.is_empty() {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    })
}
