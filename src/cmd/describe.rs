//! `polctl describe endpoint REF`: what policy sees of an endpoint, and
//! which policies select it, per direction, in evaluation order.

use clap::{Args, ValueEnum};
use miette::Result;

use super::args::{DataplaneArgs, FormatParser, InputArgs, NamespaceArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::model::FlowEnd;
use crate::render::describe as view;
use crate::sim::eval::Evaluator;
use crate::sim::request::{self, Field};
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
    /// The endpoint: NAMESPACE/NAME (a pod or workload), NAME (with -n), [NS/]KIND/NAME, hep:NAME
    #[arg(value_name = "REF")]
    pub reference: String,
    /// Output format [default: text]
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = FormatParser::<DescribeFormat>::new())]
    pub output: Option<DescribeFormat>,
    #[command(flatten)]
    pub namespace: NamespaceArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DescribeFormat {
    Yaml,
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Describable {
    #[value(alias = "ep", alias = "pod")]
    Endpoint,
}

pub(crate) fn run(ctx: &Ctx, args: &DescribeArgs) -> Result<ExitStatus> {
    let inventory = ctx.load(&args.input)?;
    let set = ctx.compile(&inventory, &args.dataplane)?;
    let namespace = args.namespace.resolve();
    // Resolve through the flow resolver so references mean the same as in
    // `simulate` (a workload stands for its first pod).
    let req = FlowRequest {
        from: args.reference.clone(),
        to: args.reference.clone(),
        port: None,
        protocol: Some(crate::model::Proto::ICMP),
        ..Default::default()
    };
    let reference = |message: String| UsageError::Reference {
        flag: "REF",
        reference: args.reference.clone(),
        message,
        help: None,
    };
    request::end(Field::To, &args.reference, &["svc", "hep", "node"]).map_err(|e| {
        UsageError::Reference {
            flag: "REF",
            reference: e.value.clone(),
            message: e.message,
            help: e.help,
        }
    })?;
    if let Some(service) = args.reference.strip_prefix("svc:") {
        return Err(service_is_not_an_endpoint(
            &inventory.cluster,
            service,
            namespace,
            &args.reference,
        )
        .into());
    }
    let flow = flows(&inventory.cluster, &req, namespace)
        .map_err(|e| reference(e.to_string()))?
        .into_iter()
        .next()
        .ok_or_else(|| reference("resolves to nothing".into()))?;
    if !matches!(
        flow.src.end,
        FlowEnd::Pod { .. } | FlowEnd::HostEndpoint { .. }
    ) {
        return Err(
            reference("is not an endpoint (a pod, workload or host endpoint)".into()).into(),
        );
    }
    let evaluator = Evaluator::new(&set, &inventory.cluster);
    let description = view::describe(&evaluator, &inventory.cluster, &flow.src, &|s| {
        inventory.sources.locate(s)
    });
    match args.output {
        Some(DescribeFormat::Json) => ctx.printer.json(&description)?,
        Some(DescribeFormat::Yaml) => ctx.printer.yaml(&description)?,
        None => ctx.printer.raw(&view::text(&description))?,
    }
    Ok(ExitStatus::Success)
}

/// A Service is not an endpoint: policy sees its backends, so the error
/// names them.
fn service_is_not_an_endpoint(
    cluster: &crate::model::Cluster,
    service: &str,
    namespace: &str,
    reference: &str,
) -> UsageError {
    let (ns, name) = service.split_once('/').unwrap_or((namespace, service));
    let selector = cluster
        .services
        .iter()
        .find(|s| s.namespace == ns && s.name == name)
        .and_then(|s| s.selector.as_ref());
    let backends: Vec<String> = match selector {
        Some(selector) => cluster
            .endpoints
            .iter()
            .filter(|ep| {
                ep.namespace == ns && selector.iter().all(|(k, v)| ep.labels.get(k) == Some(v))
            })
            .map(|ep| format!("{}/{}", ep.namespace, ep.name))
            .collect(),
        None => Vec::new(),
    };
    UsageError::Reference {
        flag: "REF",
        reference: reference.to_string(),
        message: "a Service is not an endpoint: policy applies to its backends".into(),
        help: Some(if backends.is_empty() {
            format!("no loaded pod backs Service {ns}/{name}; describe a pod or workload")
        } else {
            format!("describe a backend: {}", backends.join(", "))
        }),
    }
}
