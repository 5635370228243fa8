//! `polctl graph`: who can reach whom, on which ports, for everything
//! loaded.

use clap::{Args, ValueEnum};
use miette::Result;

use super::args::{ClusterArgs, DataplaneArgs, GraphFilterArgs, InputArgs, IpFamilyArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::render::graph as view;
use crate::sim::eval::Evaluator;
use crate::sim::reach::{self, GraphNode, NodeMatch, Progress};

/// Compute the reachability graph of everything loaded and render it
#[derive(Debug, Args)]
#[command(
    after_help = "Nodes are workloads (pods grouped under their owner; `namespace/name`) and
external address ranges, cut by every CIDR the policies name. Edges carry the
exact allowed connections: `all`, or per protocol the ports (`TCP 80,8000-8080`).
Without -n, every namespace is shown.

Workload references (--from/--to/--focus):
  NAMESPACE/NAME      a workload, or a pod without one
  NAME                the same in the namespace given with -n (default: default)
  [NS/]KIND/NAME      only a workload of that kind (deployment/web, shop/pod/web)
  k=v,tier in (a,b)   workloads whose labels the selector matches
  IP or CIDR          external ranges overlapping it

Views (--group-by): `workload` (default), `namespace` or `label=KEY` (one node
per value). A grouped edge shows what every pair of member workloads has, and
`some pairs: ...` what only some have (`partial: true` in JSON). A table of
over 10,000 edges (a diagram of over 2,000) shows namespaces unless --group-by
is given. Adjacent external ranges with the same edges are one node.

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
    #[command(flatten)]
    pub filter: GraphFilterArgs,
    /// Output format [default: table]
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT")]
    pub output: Option<GraphFormat>,
    /// What a node stands for: `namespace`, `workload` or `label=KEY` (one
    /// node per value) [default: workload; over 10,000 edges in a table or
    /// 2,000 in a diagram: namespace]
    #[arg(long, value_name = "VIEW", value_parser = view::GroupBy::parse)]
    pub group_by: Option<view::GroupBy>,
    #[command(flatten)]
    pub family: IpFamilyArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    Table,
    Wide,
    Yaml,
    Json,
    Name,
    Dot,
    Mermaid,
    Svg,
    Html,
}

pub(crate) fn run(ctx: &Ctx, args: &GraphArgs) -> Result<ExitStatus> {
    let filter = args.filter.filter()?;
    let mut inventory = ctx.load_from(&args.input, &args.cluster)?;
    super::read_dns(&args.dataplane, &mut inventory.cluster)?;
    inventory.cluster = args.family.view(std::mem::take(&mut inventory.cluster));
    let set = ctx.compile(&inventory, &args.dataplane)?;
    let evaluator = Evaluator::new(&set, &inventory.cluster);
    let opts = reach::Options {
        external: !args.filter.exclude_external,
        ..reach::Options::default()
    };
    let bar = Bar(ctx
        .printer
        .progress_bar("{spinner} probing {pos}/{len} endpoint pairs {wide_bar} {eta}"));
    let expansion = reach::expansion(&evaluator, &inventory.cluster, &opts, &bar);
    bar.0.finish_and_clear();
    for note in &expansion.notes {
        ctx.printer.warn(note);
    }
    // In a view of one family no pod has both (nothing to warn of).
    warn_dual_stack(
        ctx,
        &inventory.cluster,
        "`--ip-family ipv6` shows their IPv6 connections",
    );
    known_workloads(&filter, &expansion.nodes().iter().collect::<Vec<_>>())?;
    let format = args.output.unwrap_or(GraphFormat::Table);
    // Tables and data are written as the edges come; a view of groups
    // adds them up as they come. Only the diagrams store the graph.
    let streamed = view::Streamed::new(&expansion, &filter);
    let group_by = match &args.group_by {
        Some(by) => by.clone(),
        None => {
            // A table or a diagram of every edge would be read by no one.
            let limit = readable_edges(format);
            if limit < usize::MAX && streamed.count_edges(limit) > limit {
                ctx.printer.warn(&format!(
                    "over {limit} edges between workloads: showing namespaces; \
                     `--group-by workload` shows every edge, `-o json` writes them all"
                ));
                view::GroupBy::Namespace
            } else {
                view::GroupBy::Workload
            }
        }
    };
    if group_by == view::GroupBy::Workload {
        match format {
            GraphFormat::Table | GraphFormat::Wide => {
                let wide = format == GraphFormat::Wide;
                ctx.printer
                    .stream(|out| view::write_streamed_table(out, &streamed, wide))?;
                return Ok(ExitStatus::Success);
            }
            GraphFormat::Json => {
                ctx.printer.json(&streamed)?;
                return Ok(ExitStatus::Success);
            }
            GraphFormat::Yaml => {
                ctx.printer.yaml(&streamed)?;
                return Ok(ExitStatus::Success);
            }
            GraphFormat::Name => {
                let names: String = streamed.nodes().map(|n| format!("{}\n", n.id)).collect();
                ctx.printer.raw(&names)?;
                return Ok(ExitStatus::Success);
            }
            _ => {}
        }
    }
    let view = if group_by == view::GroupBy::Workload {
        drop(streamed);
        let graph = expansion.into_reach().filtered(&filter);
        view::View::new(graph, group_by)
    } else {
        drop(streamed);
        view::View::grouped(&expansion, &filter, &group_by)
    };
    let text = match format {
        GraphFormat::Table | GraphFormat::Wide => {
            let wide = format == GraphFormat::Wide;
            ctx.printer
                .stream(|out| view::write_table(out, &view, wide))?;
            return Ok(ExitStatus::Success);
        }
        GraphFormat::Json => {
            ctx.printer.json(&view::JsonGraph(&view))?;
            return Ok(ExitStatus::Success);
        }
        GraphFormat::Yaml => {
            ctx.printer.yaml(&view::JsonGraph(&view))?;
            return Ok(ExitStatus::Success);
        }
        GraphFormat::Name => view
            .reach
            .graph
            .node_weights()
            .map(|n| format!("{}\n", n.id))
            .collect(),
        GraphFormat::Dot => view::dot(&view),
        GraphFormat::Mermaid => view::mermaid(&view),
        GraphFormat::Svg => view::svg(&view),
        GraphFormat::Html => view::html(&view),
    };
    ctx.printer.raw(&text)?;
    Ok(ExitStatus::Success)
}

/// A pod with addresses of both families is evaluated at its IPv4 one
/// (a flow stays within one family): say so where such pods are loaded.
pub(super) fn warn_dual_stack(ctx: &Ctx, cluster: &crate::model::Cluster, hint: &str) {
    let n = cluster
        .endpoints
        .iter()
        .filter(|e| e.is_dual_stack())
        .count();
    if n > 0 {
        ctx.printer.warn(&format!(
            "{n} pod(s) have IPv4 and IPv6 addresses: their connections are shown over IPv4; {hint}"
        ));
    }
}

/// Above this many edges a table or a diagram shows namespaces unless told
/// otherwise. Data formats always hold every edge; the HTML page chooses
/// its own levels.
fn readable_edges(format: GraphFormat) -> usize {
    match format {
        GraphFormat::Table | GraphFormat::Wide => 10_000,
        GraphFormat::Dot | GraphFormat::Mermaid | GraphFormat::Svg => 2_000,
        GraphFormat::Json | GraphFormat::Yaml | GraphFormat::Name | GraphFormat::Html => usize::MAX,
    }
}

/// The workloads named with --from/--to/--focus must exist among `nodes`:
/// a typo would otherwise print an empty result.
pub(super) fn known_workloads(
    filter: &reach::Filter,
    nodes: &[&GraphNode],
) -> Result<(), UsageError> {
    for (flag, node_match) in [
        ("--from", &filter.from),
        ("--to", &filter.to),
        ("--focus", &filter.focus),
    ] {
        if let Some(m) = node_match {
            known_workload(nodes, flag, m)?;
        }
    }
    Ok(())
}

fn known_workload(
    nodes: &[&GraphNode],
    flag: &'static str,
    m: &NodeMatch,
) -> Result<(), UsageError> {
    let NodeMatch::Name {
        namespace,
        kind,
        name,
    } = m
    else {
        return Ok(());
    };
    if nodes.iter().any(|n| m.matches(n)) {
        return Ok(());
    }
    let kind = kind.as_deref().map(|k| format!("{}/", k.to_lowercase()));
    let wanted = match namespace {
        Some(ns) => format!("{ns}/{}{name}", kind.unwrap_or_default()),
        None => format!("{}{name}", kind.unwrap_or_default()),
    };
    let mut near: Vec<(f64, &str)> = nodes
        .iter()
        .filter(|n| !n.is_external())
        .map(|n| {
            let score =
                strsim::jaro_winkler(&n.id, &wanted).max(strsim::jaro_winkler(&n.name, name));
            (score, n.id.as_str())
        })
        .filter(|(score, _)| *score > 0.8)
        .collect();
    near.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    near.dedup_by(|a, b| a.1 == b.1);
    let help = match near.as_slice() {
        [] => "`polctl graph -o name` lists the workloads".to_string(),
        near => format!(
            "did you mean {}?",
            near.iter()
                .take(3)
                .map(|(_, id)| format!("`{id}`"))
                .collect::<Vec<_>>()
                .join(" or ")
        ),
    };
    Err(UsageError::Reference {
        flag,
        reference: wanted,
        message: "no workload or pod of that name is loaded".into(),
        help: Some(help),
    })
}

/// The printer's progress bar, fed by the reachability computation.
pub(in crate::cmd) struct Bar(pub(in crate::cmd) indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}
