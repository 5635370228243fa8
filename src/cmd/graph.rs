//! `polctl graph`: who can reach whom, on which ports, for everything
//! loaded.

use std::io::IsTerminal;

use clap::Args;
use miette::Result;

use super::{Ctx, DataplaneArgs, ExitStatus, OutputFormat};
use crate::render::graph as view;
use crate::selector::parse_kubectl;
use crate::sim::eval::Evaluator;
use crate::sim::reach::{self, Filter, NodeMatch, PortFilter, Progress};
use crate::sim::resolve::parse_protocol;

/// Compute the reachability graph of everything loaded and render it
#[derive(Debug, Args)]
#[command(
    after_help = "Nodes are workloads (pods grouped under their owner; `namespace/name`) and
external address ranges, cut by every CIDR the policies name. Edges carry the
exact allowed connections: `all`, or per protocol the ports (`TCP 80,8000-8080`).
Without -n, every namespace is shown.

Workload references (--from/--to/--focus):
  NAMESPACE/NAME      a workload, or a pod without one
  NAME                the same, in any namespace
  k=v,tier in (a,b)   workloads whose labels the selector matches
  IP or CIDR          external ranges overlapping it

Output formats (-o): table (default), wide (adds the deciding policies), json,
yaml, dot (Graphviz), mermaid, svg and html (self-contained, no Graphviz needed).

Examples:
  # The whole graph as a table
  polctl graph -f fixtures/redis-frontend

  # An SVG diagram, no Graphviz needed
  polctl graph -f fixtures/redis-frontend -o svg > graph.svg

  # A page to search and filter in a browser (filters also in the URL:
  # graph.html#ns=myns&port=6379)
  polctl graph -f fixtures/redis-frontend -o html > graph.html

  # Who can reach the database on 5432?
  polctl graph -f fixtures/tiers --to app=db --port 5432"
)]
pub struct GraphArgs {
    /// Only edges from these workloads (see references below)
    #[arg(long, value_name = "REF|SELECTOR")]
    pub from: Option<String>,
    /// Only edges to these workloads
    #[arg(long, value_name = "REF|SELECTOR")]
    pub to: Option<String>,
    /// Only edges that allow this destination port (`5432`, `53/UDP`)
    #[arg(long, value_name = "PORT[/PROTO]")]
    pub port: Option<String>,
    /// Only this workload and the edges to and from it
    #[arg(long, value_name = "REF|SELECTOR")]
    pub focus: Option<String>,
    /// Leave out external address ranges
    #[arg(long)]
    pub exclude_external: bool,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
}

pub fn run(ctx: &Ctx, args: &GraphArgs) -> Result<ExitStatus> {
    let filter = filter(ctx, args)?;
    let mut inventory = ctx.load()?;
    args.dataplane.read_dns(&mut inventory.cluster)?;
    let set = ctx.compile(&inventory, &args.dataplane)?;
    let evaluator = Evaluator::new(&set, &inventory.cluster);
    let opts = reach::Options {
        external: !args.exclude_external,
        ..reach::Options::default()
    };
    let bar = Bar::new();
    let graph = reach::compute(&evaluator, &inventory.cluster, &opts, &bar);
    bar.finish();
    for note in &graph.notes {
        ctx.printer.warn(note);
    }
    let graph = graph.filtered(&filter);
    let text = match ctx.global.output.unwrap_or(OutputFormat::Table) {
        OutputFormat::Table => view::table(&graph, false),
        OutputFormat::Wide => view::table(&graph, true),
        OutputFormat::Json => {
            return ctx
                .printer
                .json(&view::JsonGraph(&graph))
                .map(|_| ExitStatus::Success);
        }
        OutputFormat::Yaml => {
            return ctx
                .printer
                .yaml(&view::JsonGraph(&graph))
                .map(|_| ExitStatus::Success);
        }
        OutputFormat::Name => graph
            .graph
            .node_weights()
            .map(|n| format!("{}\n", n.id))
            .collect(),
        OutputFormat::Dot => view::dot(&graph),
        OutputFormat::Mermaid => view::mermaid(&graph),
        OutputFormat::Svg => view::svg(&graph),
        OutputFormat::Html => view::html(&graph),
    };
    ctx.printer.raw(&text).map_err(|e| miette::miette!("{e}"))?;
    Ok(ExitStatus::Success)
}

fn filter(ctx: &Ctx, args: &GraphArgs) -> Result<Filter> {
    let port = args
        .port
        .as_deref()
        .map(|text| {
            let (num, proto) = text.split_once('/').unwrap_or((text, "TCP"));
            let port = num.parse::<u16>().ok().filter(|p| *p > 0);
            match (port, parse_protocol(proto)) {
                (Some(port), Ok(protocol)) => Ok(PortFilter { protocol, port }),
                (None, _) => Err(format!("`{text}`: the port must be a number 1-65535")),
                (_, Err(e)) => Err(e),
            }
        })
        .transpose()
        .map_err(|e| miette::miette!(code = "polctl::usage::port", "--port {e}"))?;
    Ok(Filter {
        namespace: if ctx.global.all_namespaces {
            None
        } else {
            ctx.global.namespace.clone()
        },
        from: args.from.as_deref().map(node_match).transpose()?,
        to: args.to.as_deref().map(node_match).transpose()?,
        port,
        focus: args.focus.as_deref().map(node_match).transpose()?,
        exclude_external: args.exclude_external,
    })
}

/// A workload reference, a label selector, or an address.
fn node_match(text: &str) -> Result<NodeMatch> {
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return Ok(NodeMatch::Addresses(net));
    }
    if let Ok(ip) = text.parse::<std::net::IpAddr>() {
        return Ok(NodeMatch::Addresses(ip.into()));
    }
    let is_selector = text.contains(['=', '!', '(', ',', ' ']);
    if is_selector {
        return parse_kubectl(text).map(NodeMatch::Selector).map_err(|e| {
            miette::miette!(
                code = "polctl::usage::selector",
                "`{text}` is not a label selector: {e}"
            )
        });
    }
    Ok(match text.split_once('/') {
        Some((ns, name)) => NodeMatch::Name {
            namespace: Some(ns.to_string()),
            name: name.to_string(),
        },
        None => NodeMatch::Name {
            namespace: None,
            name: text.to_string(),
        },
    })
}

/// A progress bar on stderr for long runs; hidden when stderr is not a
/// terminal.
struct Bar(indicatif::ProgressBar);

impl Bar {
    fn new() -> Self {
        let bar = if std::io::stderr().is_terminal() {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} probing {pos}/{len} endpoint pairs {wide_bar} {eta}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        } else {
            indicatif::ProgressBar::hidden()
        };
        Bar(bar)
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}
