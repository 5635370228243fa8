//! `polctl describe endpoint REF`: what policy sees of an endpoint, and
//! which policies select it, per direction, in evaluation order.

use clap::{Args, ValueEnum};
use miette::{IntoDiagnostic, Result};

use super::{Ctx, DataplaneArgs, ExitStatus, OutputFormat};
use crate::model::FlowEnd;
use crate::render::describe as view;
use crate::sim::eval::Evaluator;
use crate::sim::resolve::{FlowRequest, flows};

/// Show an endpoint's labels (with their origin), addresses, named ports, profiles and the policies that select it
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  # Labels, ports, profiles and selecting policies of a pod
  polctl describe endpoint -f fixtures/tiers -R shop/api

  # A host endpoint, as JSON
  polctl describe endpoint -f fixtures/tiers hep:node1-eth0 -o json")]
pub struct DescribeArgs {
    /// What to describe
    #[arg(value_enum)]
    pub what: Describable,
    /// The endpoint: NAMESPACE/NAME (a pod or workload), NAME (with -n), hep:NAME
    #[arg(value_name = "REF")]
    pub reference: String,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Describable {
    #[value(alias = "ep", alias = "pod")]
    Endpoint,
}

pub fn run(ctx: &Ctx, args: &DescribeArgs) -> Result<ExitStatus> {
    let output = ctx.output("describe", "text (the default), yaml or json")?;
    let inventory = ctx.load()?;
    let set = ctx.compile(&inventory, &args.dataplane)?;
    let namespace = ctx.global.namespace.as_deref().unwrap_or("default");
    // Resolve through the flow resolver so references mean the same as in
    // `simulate` (a workload stands for its first pod).
    let req = FlowRequest {
        from: args.reference.clone(),
        to: args.reference.clone(),
        port: None,
        protocol: Some(crate::model::Proto::ICMP),
        ..Default::default()
    };
    let flow = flows(&inventory.cluster, &req, namespace)
        .map_err(|e| miette::miette!(code = "polctl::usage::reference", "{e}"))?
        .into_iter()
        .next()
        .ok_or_else(|| miette::miette!("{} resolves to nothing", args.reference))?;
    if !matches!(
        flow.src.end,
        FlowEnd::Pod { .. } | FlowEnd::HostEndpoint { .. }
    ) {
        return Err(miette::miette!(
            code = "polctl::usage::reference",
            "{} is not an endpoint (a pod, workload or host endpoint)",
            args.reference
        ));
    }
    let evaluator = Evaluator::new(&set, &inventory.cluster);
    let description = view::describe(&evaluator, &inventory.cluster, &flow.src, &|s| {
        inventory.sources.locate(s)
    });
    match output {
        Some(OutputFormat::Json) => ctx.printer.json(&description)?,
        Some(OutputFormat::Yaml) => ctx.printer.yaml(&description)?,
        _ => ctx
            .printer
            .raw(&view::text(&description))
            .into_diagnostic()?,
    }
    Ok(ExitStatus::Success)
}
