//! `polctl get`: list what was loaded, as kubectl lists objects.

use clap::{Args, ValueEnum};
use miette::Result;

use super::{Ctx, ExitStatus, OutputFormat};
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

/// What `-o` takes here.
const GET_FORMATS: &str = "table (the default), wide, yaml, json or name";

pub fn run(ctx: &Ctx, args: &GetArgs) -> Result<ExitStatus> {
    let format = ctx
        .output("get", GET_FORMATS)?
        .unwrap_or(OutputFormat::Table);
    let selector = match &ctx.global.selector {
        Some(text) => Some(parse_kubectl(text).map_err(|e| {
            miette::miette!(
                code = "polctl::usage::selector",
                labels = vec![miette::LabeledSpan::at(
                    e.offset..e.offset + e.len,
                    e.message.clone()
                )],
                "invalid --selector: {}",
                e.message
            )
            .with_source_code(text.clone())
        })?),
        None => None,
    };
    let inventory = ctx.load()?;
    let filter = Filter {
        namespace: ctx.namespace_filter(),
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
        OutputFormat::Table => ctx.printer.raw(&view.table(false)),
        OutputFormat::Wide => ctx.printer.raw(&view.table(true)),
        OutputFormat::Name => ctx.printer.raw(&view.names()),
        OutputFormat::Json => return ctx.printer.json(&view.items()).map(|_| ExitStatus::Success),
        OutputFormat::Yaml => return ctx.printer.yaml(&view.items()).map(|_| ExitStatus::Success),
        diagram @ (OutputFormat::Dot
        | OutputFormat::Mermaid
        | OutputFormat::Svg
        | OutputFormat::Html) => {
            return Err(super::diagram_only(diagram, "get", GET_FORMATS));
        }
    }
    .map_err(|e| miette::miette!("{e}"))?;
    if view.is_empty() && matches!(format, OutputFormat::Table | OutputFormat::Wide) {
        ctx.printer.warn(&match ctx.namespace_filter() {
            Some(ns) => format!("no {} found in namespace {ns}", view.noun),
            None => format!("no {} found", view.noun),
        });
    }
    Ok(ExitStatus::Success)
}
