//! `polctl get`: list what was loaded, as kubectl lists objects.

use clap::{Args, ValueEnum};
use miette::Result;

use super::args::{FormatParser, InputArgs, ScopeArgs, SelectorArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::dialect::lower::{self, Choice};
use crate::render::get::{self as view, Filter};
use crate::selector::parse_kubectl;

/// List endpoints, workloads, policies, tiers, namespaces or services
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  # Every policy of every dialect, in evaluation order, with tier and order
  polctl get policies -A -f fixtures/ -R

  # Pods, declared or expanded from workloads, with labels and addresses
  polctl get endpoints -A -f fixtures/starwars -o wide

  # Workloads labelled app=web, as JSON
  polctl get workloads -A -f fixtures/tiers -l app=web -o json")]
pub struct GetArgs {
    /// What to list
    #[arg(value_enum)]
    pub resource: Resource,
    /// Output format
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = FormatParser::<GetFormat>::new())]
    pub output: Option<GetFormat>,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub selector: SelectorArgs,
    #[command(flatten)]
    pub input: InputArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GetFormat {
    Table,
    Wide,
    Yaml,
    Json,
    Name,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Resource {
    #[value(
        alias = "endpoint",
        alias = "ep",
        alias = "pods",
        alias = "pod",
        alias = "po"
    )]
    Endpoints,
    #[value(alias = "workload", alias = "wl")]
    Workloads,
    #[value(alias = "policy", alias = "pol", alias = "netpol")]
    Policies,
    #[value(alias = "tier")]
    Tiers,
    #[value(alias = "namespace", alias = "ns")]
    Namespaces,
    #[value(alias = "service", alias = "svc")]
    Services,
}

pub(crate) fn run(ctx: &Ctx, args: &GetArgs) -> Result<ExitStatus> {
    let format = args.output.unwrap_or(GetFormat::Table);
    let selector = match &args.selector.selector {
        Some(text) => Some(parse_kubectl(text).map_err(|e| UsageError::Selector {
            flag: "--selector",
            message: e.message.clone(),
            text: text.clone(),
            span: (e.offset, e.len).into(),
        })?),
        None => None,
    };
    let inventory = ctx.load(&args.input)?;
    let filter = Filter {
        namespace: args.scope.filter(),
        selector: selector.as_ref(),
    };
    let view = match args.resource {
        Resource::Endpoints => view::endpoints(&inventory, &filter),
        Resource::Workloads => view::workloads(&inventory, &filter),
        Resource::Policies => {
            // Listed in evaluation order for the detected dataplane; its
            // notes belong to simulate and graph, not to a listing.
            let input = lower::Input::from(&inventory);
            let set = lower::lower(&input, &Choice::default()).set;
            view::policies(&inventory, &set, &filter)
        }
        Resource::Tiers => view::tiers(&inventory, &filter),
        Resource::Namespaces => view::namespaces(&inventory, &filter),
        Resource::Services => view::services(&inventory, &filter),
    };
    match format {
        GetFormat::Table => ctx.printer.raw(&view.table(false))?,
        GetFormat::Wide => ctx.printer.raw(&view.table(true))?,
        GetFormat::Name => ctx.printer.raw(&view.names())?,
        GetFormat::Json => ctx.printer.json(&view.items())?,
        GetFormat::Yaml => ctx.printer.yaml(&view.items())?,
    }
    if view.is_empty() && matches!(format, GetFormat::Table | GetFormat::Wide) {
        ctx.printer.warn(&match args.scope.filter() {
            Some(ns) => format!("no {} found in namespace {ns}", view.noun),
            None => format!("no {} found", view.noun),
        });
    }
    Ok(ExitStatus::Success)
}
