//! `polctl node attach|status|detach`: enforce the policies on this node
//! with polctl's tc classifier.

use std::path::PathBuf;

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use miette::Result;

use super::args::{DataplaneArgs, InputArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::node::{self, LocalEndpoint, Unenforceable};
use crate::sim::eval::Evaluator;
use crate::sim::reach;

/// Enforce the policies on this node with eBPF: attach, status, detach
#[derive(Debug, Args)]
#[command(
    after_help = "This machine is the node: each --iface names the host side of a local
pod's interface (its veth peer). The pod's egress is checked on what the
interface receives, its ingress on what it sends. The verdicts are the
L3/L4 verdicts `polctl simulate` gives; replies of allowed connections pass.
attach, status and detach need root (CAP_BPF and CAP_NET_ADMIN); attach
--dry-run needs nothing.

Examples:
  # The maps that would be written, without privileges
  polctl node attach --dry-run -f fixtures/tiers --iface cali1:shop/db

  # What is enforced on this node, with the verdict counters
  polctl node status

  # Stop enforcing: detach and remove every pin
  polctl node detach"
)]
pub struct NodeArgs {
    #[command(subcommand)]
    pub command: NodeCommand,
}

/// Where the pins live.
#[derive(Debug, Args, Clone)]
pub struct PinArgs {
    /// Directory on a bpffs where programs, maps and links are pinned
    #[arg(long, value_name = "DIR", default_value = "/sys/fs/bpf/polctl")]
    pub pin_dir: PathBuf,
}

impl PinArgs {
    fn pins(&self) -> node::Pins {
        node::Pins::new(self.pin_dir.clone())
    }
}

#[derive(Debug, Subcommand)]
pub enum NodeCommand {
    Attach(Box<AttachArgs>),
    Status(StatusArgs),
    Detach(DetachArgs),
}

/// Compile the verdicts of this node's endpoints into maps and attach the classifier
#[derive(Debug, Args)]
#[command(
    after_help = "Not everything can be enforced in the kernel: connections an L7 proxy
filters (Cilium HTTP/Kafka/DNS rules, Calico application layer policy) and
connections that require mutual authentication. With --unenforceable drop
(the default) the kernel drops them: narrower than the policy, never wider;
`status` lists them. With --unenforceable refuse, attach fails while there
are any. toFQDNs rules are enforced as the addresses of the DNS table given
(--dns, --dns-file) at attach time.

Without --dry-run, as root, the classifier is loaded, attached and pinned
under --pin-dir. Re-running attach replaces the maps atomically: the new
maps are filled, then one map write switches every packet to them.

--auto finds the local endpoints as a node agent does: a pod is local when
the kernel routes its address by a host route (/32, /128), without
gateway, to a veth or netkit whose peer is in another network namespace
(Calico's cali*, Cilium's lxc* with endpoint routes). Pods that carry
spec.nodeName must name this node (--node, by default this host's name).

Examples:
  # The maps for the database pod, as JSON
  polctl node attach --dry-run -o json -f fixtures/tiers --iface cali1:shop/db

  # Fail rather than drop what needs mutual authentication
  polctl node attach --dry-run --unenforceable refuse \\
      -f fixtures/tiers --iface cali1:shop/db

  # Which pods are routed to a pod interface of this node, and their maps
  polctl node attach --dry-run --auto -f fixtures/tiers"
)]
#[command(group(ArgGroup::new("endpoints").required(true).args(["iface", "auto"])))]
pub struct AttachArgs {
    /// HOSTIF:NAMESPACE/POD: the host side of a local pod's interface (repeatable)
    #[arg(long = "iface", value_name = "HOSTIF:NAMESPACE/POD")]
    pub iface: Vec<String>,
    /// Find the local pods and their interfaces from this node's routes
    #[arg(long)]
    pub auto: bool,
    /// With --auto: the node's name that pods' spec.nodeName must match [default: this host's name, where pods carry one]
    #[arg(long, value_name = "NAME", conflicts_with = "iface")]
    pub node: Option<String>,
    /// Print the maps that would be written and stop (no privileges needed)
    #[arg(long, conflicts_with = "pin_dir")]
    pub dry_run: bool,
    /// What the kernel does with connections only an L7 proxy or mutual authentication would admit
    #[arg(long, value_enum, default_value_t = UnenforceableArg::Drop, value_name = "CHOICE")]
    pub unenforceable: UnenforceableArg,
    /// Output format of --dry-run [default: table]
    #[arg(
        short = 'o',
        long,
        value_enum,
        value_name = "FORMAT",
        requires = "dry_run"
    )]
    pub output: Option<Format>,
    #[command(flatten)]
    pub pins: PinArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum UnenforceableArg {
    /// Drop them in the kernel
    Drop,
    /// Refuse to attach while there are any
    Refuse,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}

/// Show the attached interfaces, map sizes, verdict counters and what is not enforced
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  # As a table, then as JSON
  polctl node status
  polctl node status -o json")]
pub struct StatusArgs {
    /// Output format [default: table]
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT")]
    pub output: Option<Format>,
    #[command(flatten)]
    pub pins: PinArgs,
}

/// Detach the classifier from every interface and remove its programs, maps and pins
#[derive(Debug, Args)]
#[command(after_help = "Nothing attached is not an error.

Examples:
  # Remove everything `polctl node attach` made
  polctl node detach")]
pub struct DetachArgs {
    #[command(flatten)]
    pub pins: PinArgs,
}

pub(crate) fn run(ctx: &Ctx, args: &NodeArgs) -> Result<ExitStatus> {
    match &args.command {
        NodeCommand::Attach(a) => attach(ctx, a),
        NodeCommand::Status(a) => status(ctx, a),
        NodeCommand::Detach(a) => {
            let detached = node::detach(&a.pins.pins())?;
            ctx.printer.line(&if detached.is_empty() {
                "Nothing attached.".to_string()
            } else {
                format!(
                    "Detached from {} interface(s): {}",
                    detached.len(),
                    detached.join(", ")
                )
            })?;
            Ok(ExitStatus::Success)
        }
    }
}

fn parse_iface(arg: &str) -> Result<LocalEndpoint, UsageError> {
    let bad = |m: &str| UsageError::value("--iface", arg, m);
    let (iface, pod) = arg
        .split_once(':')
        .ok_or_else(|| bad("expected HOSTIF:NAMESPACE/POD"))?;
    let (namespace, pod) = pod
        .split_once('/')
        .ok_or_else(|| bad("expected HOSTIF:NAMESPACE/POD"))?;
    if iface.is_empty() || iface.len() > 15 || iface.contains('/') {
        return Err(bad("an interface name has 1 to 15 characters and no `/`"));
    }
    if namespace.is_empty() || pod.is_empty() {
        return Err(bad("expected HOSTIF:NAMESPACE/POD"));
    }
    Ok(LocalEndpoint {
        iface: iface.to_string(),
        namespace: namespace.to_string(),
        pod: pod.to_string(),
    })
}

fn attach(ctx: &Ctx, args: &AttachArgs) -> Result<ExitStatus> {
    let mut locals = args
        .iface
        .iter()
        .map(|a| parse_iface(a))
        .collect::<Result<Vec<_>, _>>()?;
    if !args.dry_run {
        // Before the work of compiling: a clear error, early.
        node::check_privileges("attach")?;
        for l in &locals {
            node::ifindex(&l.iface)?;
        }
    }
    let mut inventory = ctx.load(&args.input)?;
    let discovery = if args.auto {
        let filter = match &args.node {
            Some(name) => node::NodeFilter::Named(name.clone()),
            None => node::NodeFilter::ThisHost(node::host_name()?),
        };
        let d = node::discover(&inventory.cluster, &filter, &mut node::KernelRoutes::new()?)?;
        if d.found.is_empty() && !args.dry_run {
            return Err(UsageError::flow(format!(
                "--auto: no local endpoint on this node ({})",
                d.summary()
            ))
            .into());
        }
        locals = d.locals();
        Some(d)
    } else {
        None
    };
    super::read_dns(&args.dataplane, &mut inventory.cluster)?;
    let set = ctx.compile(&inventory, &args.dataplane)?;
    let evaluator = Evaluator::new(&set, &inventory.cluster);
    let bar = super::graph::Bar(
        ctx.printer
            .progress_bar("{spinner} probing {pos}/{len} identity pairs {wide_bar} {eta}"),
    );
    let matrix = reach::VerdictMatrix::compute(
        &evaluator,
        &inventory.cluster,
        &reach::Options::default(),
        &bar,
    );
    bar.0.finish_and_clear();
    let unenforceable = match args.unenforceable {
        UnenforceableArg::Drop => Unenforceable::Drop,
        UnenforceableArg::Refuse => Unenforceable::Refuse,
    };
    let refused = |e: node::CompileError| match &discovery {
        Some(_) => UsageError::flow(format!("--auto: {e}")),
        None => UsageError::value("--iface", args.iface.join(" "), e.to_string()),
    };
    let mut plan =
        node::compile(&matrix, &inventory.cluster, &locals, unenforceable).map_err(refused)?;
    // Dual-stack pods: the IPv6 flows compiled apart.
    if let Some(view) = node::ipv6_view(&inventory.cluster) {
        let evaluator = Evaluator::new(&set, &view);
        let matrix =
            reach::VerdictMatrix::compute(&evaluator, &view, &reach::Options::default(), &bar);
        bar.0.finish_and_clear();
        let v6 = node::compile(&matrix, &view, &locals, unenforceable).map_err(refused)?;
        plan = node::merge_families(plan, v6);
    }
    plan.discovery = discovery;
    if args.dry_run {
        match args.output.unwrap_or(Format::Table) {
            Format::Table => ctx.printer.raw(&node::plan_table(&plan))?,
            Format::Json => ctx.printer.json(&plan)?,
        }
        return Ok(ExitStatus::Success);
    }
    let state = node::attach(&plan, &args.pins.pins())?;
    if let Some(d) = &plan.discovery {
        ctx.printer.line(&d.summary())?;
    }
    ctx.printer.line(&format!(
        "attached to {} interface(s): {} identities, {} rules (slot {})",
        state.endpoints.len(),
        plan.identities.len(),
        node::slot_entries(&plan).rules.len(),
        state.slot
    ))?;
    if !plan.not_enforced.is_empty() {
        ctx.printer.warn(&format!(
            "{} part(s) of the policy need an L7 proxy or authentication: dropped in the kernel (`polctl node status` lists them)",
            plan.not_enforced.len()
        ));
    }
    Ok(ExitStatus::Success)
}

fn status(ctx: &Ctx, args: &StatusArgs) -> Result<ExitStatus> {
    let status = node::status(&args.pins.pins())?;
    match (status, args.output.unwrap_or(Format::Table)) {
        (Some(s), Format::Table) => ctx.printer.raw(&node::status_table(&s))?,
        (Some(s), Format::Json) => ctx.printer.json(&s)?,
        (None, Format::Table) => ctx.printer.line(&format!(
            "Nothing attached ({} does not exist).",
            args.pins.pin_dir.display()
        ))?,
        (None, Format::Json) => ctx.printer.json(&serde_json::json!({ "interfaces": [] }))?,
    }
    Ok(ExitStatus::Success)
}
