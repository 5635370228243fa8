//! `polctl describe endpoint REF`: what policy sees of an endpoint, and
//! which policies select it, per direction, in evaluation order.
//! `polctl describe policy REF`: where a policy is evaluated, what it
//! selects, and its rules with their peers resolved.

use clap::{Args, ValueEnum};
use miette::Result;

use super::args::{ClusterArgs, DataplaneArgs, FormatParser, InputArgs, NamespaceArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::dialect::kinds;
use crate::lint;
use crate::model::FlowEnd;
use crate::model::policy::{Policy, PolicySet};
use crate::render::describe as view;
use crate::render::policy as policy_view;
use crate::sim::eval::Evaluator;
use crate::sim::request::{self, Field};
use crate::sim::resolve::{FlowRequest, flows};

/// Show an endpoint (labels with their origin, addresses, ports, selecting policies) or a policy (its tier and position, what it selects, its rules' peers)
#[derive(Debug, Args)]
#[command(
    after_help = "A policy is named as kubectl names it: NAME (in the namespace given with -n,
or cluster-scoped), NAMESPACE/NAME, KIND/NAME or NAMESPACE/KIND/NAME
(networkpolicy/web, shop/cnp/api, globalnetworkpolicy/deny-all). Its rules
are listed with the workloads and external address ranges their peer
criteria match (ports aside), then what `polctl lint` finds on it.

Examples:
  # Labels, ports, profiles and selecting policies of a pod
  polctl describe endpoint -f fixtures/tiers -R shop/api

  # Where a policy is evaluated, what it selects, whom its rules admit
  polctl describe policy -f fixtures/redis-frontend myns/backend-allow-frontend

  # A host endpoint, as JSON
  polctl describe endpoint -f fixtures/tiers hep:node1-eth0 -o json"
)]
pub struct DescribeArgs {
    /// What to describe
    #[arg(value_enum)]
    pub what: Describable,
    /// The endpoint: NAMESPACE/NAME (a pod or workload), NAME (with -n), [NS/]KIND/NAME, hep:NAME; the policy: [NS/][KIND/]NAME
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
    pub cluster: ClusterArgs,
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
    #[value(alias = "policies", alias = "pol")]
    Policy,
}

pub(crate) fn run(ctx: &Ctx, args: &DescribeArgs) -> Result<ExitStatus> {
    let inventory = ctx.load_from(&args.input, &args.cluster)?;
    let set = ctx.compile(&inventory, &args.dataplane)?;
    let namespace = args.namespace.resolve();
    if args.what == Describable::Policy {
        let policy = find_policy(&set, &args.reference, namespace)?;
        let evaluator = Evaluator::new(&set, &inventory.cluster);
        // At default levels, as `polctl lint` without -W/-A/-D reports them.
        let findings = lint::Levels::default().apply(lint::lint(&inventory, &set));
        let description =
            policy_view::describe(&evaluator, &inventory.cluster, policy, &findings, &|s| {
                inventory.sources.locate(s)
            });
        match args.output {
            Some(DescribeFormat::Json) => ctx.printer.json(&description)?,
            Some(DescribeFormat::Yaml) => ctx.printer.yaml(&description)?,
            None => ctx.printer.raw(&policy_view::text(&description))?,
        }
        return Ok(ExitStatus::Success);
    }
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

/// The policy a reference names: `[NS/][KIND/]NAME`, a bare name in
/// `namespace` or cluster-scoped. Several matches (a NetworkPolicy and a
/// Calico policy of one name) need the kind.
fn find_policy<'s>(
    set: &'s PolicySet,
    text: &str,
    namespace: &str,
) -> Result<&'s Policy, UsageError> {
    let policy_kind = |word: &str| {
        kinds::by_resource_word(word)
            .filter(|k| k.class == kinds::Class::Policy)
            .map(|k| k.kind)
    };
    let parts: Vec<&str> = text.split('/').collect();
    let (ns, kind, name): (Option<&str>, Option<&str>, &str) = match parts.as_slice() {
        [ns, kind, name] if policy_kind(kind).is_some() => (Some(*ns), policy_kind(kind), *name),
        [kind, name] if policy_kind(kind).is_some() => (None, policy_kind(kind), *name),
        [ns, name] => (Some(*ns), None, *name),
        [name] => (None, None, *name),
        _ => {
            return Err(UsageError::Reference {
                flag: "REF",
                reference: text.to_string(),
                message: "is not [NAMESPACE/][KIND/]NAME".into(),
                help: None,
            });
        }
    };
    // A policy is listed once per tier it is in; its origin tells copies.
    let mut seen = std::collections::HashSet::new();
    let found: Vec<&Policy> = set
        .policies()
        .map(|(_, p)| p)
        .filter(|p| seen.insert(p.origin))
        .filter(|p| p.name == name && kind.is_none_or(|k| p.kind == k))
        .filter(|p| match (ns, p.namespace.as_deref()) {
            (Some(want), got) => got == Some(want),
            (None, Some(got)) => got == namespace,
            (None, None) => true,
        })
        .collect();
    match found.as_slice() {
        [one] => Ok(one),
        [] => {
            let mut names: Vec<String> = set
                .policies()
                .map(|(_, p)| policy_ref(p))
                .filter(|r| strsim::jaro_winkler(r, text) > 0.8 || r.ends_with(&format!("/{name}")))
                .collect();
            names.sort();
            names.dedup();
            Err(UsageError::Reference {
                flag: "REF",
                reference: text.to_string(),
                message: "no loaded policy has that name".into(),
                help: Some(if names.is_empty() {
                    "`polctl get policies -A` lists the policies".into()
                } else {
                    format!("did you mean {}?", names.join(" or "))
                }),
            })
        }
        many => Err(UsageError::Reference {
            flag: "REF",
            reference: text.to_string(),
            message: "names several policies".into(),
            help: Some(format!(
                "name one with its kind: {}",
                many.iter()
                    .map(|p| format!("{} ({})", policy_ref(p), p.dialect))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }),
    }
}

/// `NS/kind/NAME` (or `kind/NAME` when cluster-scoped).
fn policy_ref(p: &Policy) -> String {
    let kind = p.kind.to_lowercase();
    match &p.namespace {
        Some(ns) => format!("{ns}/{kind}/{}", p.name),
        None => format!("{kind}/{}", p.name),
    }
}
