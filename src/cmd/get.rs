//! `polctl get`: list what was loaded, as kubectl lists objects.

use clap::builder::{EnumValueParser, PossibleValue, TypedValueParser};
use clap::{Args, ValueEnum};
use miette::Result;

use super::args::{ClusterArgs, FormatParser, InputArgs, ScopeArgs, SelectorArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::dialect::kinds::{self, Class, Kind};
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
    #[arg(value_parser = ResourceParser)]
    pub resource: Listing,
    /// Output format
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = FormatParser::<GetFormat>::new())]
    pub output: Option<GetFormat>,
    #[command(flatten)]
    pub scope: ScopeArgs,
    #[command(flatten)]
    pub selector: SelectorArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GetFormat {
    Table,
    Wide,
    Yaml,
    Json,
    Name,
}

/// polctl's views. Besides these words (and the aliases below), a view is
/// asked for by any kubectl word for a kind it lists, from the kind table:
/// `pods`, `po`, `netpol`, `deploy`, `cnp`, `ns`, ...
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Resource {
    #[value(alias = "endpoint", alias = "ep")]
    Endpoints,
    #[value(alias = "workload", alias = "wl")]
    Workloads,
    #[value(alias = "policy", alias = "pol")]
    Policies,
    Tiers,
    Namespaces,
    Services,
}

impl Resource {
    /// The view that lists objects of a class, if one does.
    fn of(class: Class) -> Option<Resource> {
        Some(match class {
            Class::Namespace => Resource::Namespaces,
            Class::Endpoint => Resource::Endpoints,
            Class::Workload => Resource::Workloads,
            Class::Service => Resource::Services,
            Class::Policy => Resource::Policies,
            Class::Tier => Resource::Tiers,
            Class::Other => return None,
        })
    }
}

/// What `get` lists: a view, narrowed to one kind when the word named a
/// workload or policy kind (`deployments`, `netpol`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Listing {
    pub(crate) resource: Resource,
    pub(crate) kind: Option<&'static Kind>,
}

/// Reads a view's name, or a kind's resource, kind or short name from the
/// kind table.
#[derive(Clone)]
struct ResourceParser;

impl TypedValueParser for ResourceParser {
    type Value = Listing;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Listing, clap::Error> {
        let views = EnumValueParser::<Resource>::new();
        let refused = match views.parse_ref(cmd, arg, value) {
            Ok(resource) => {
                return Ok(Listing {
                    resource,
                    kind: None,
                });
            }
            Err(e) => e,
        };
        let text = value.to_string_lossy();
        let Some(kind) = kinds::by_resource_word(&text) else {
            return Err(refused);
        };
        let Some(resource) = Resource::of(kind.class) else {
            let mut err = clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!(
                    "polctl get does not list {}: they are read into the cluster model, \
                     not listed on their own\n\n\
                     tip: polctl get lists endpoints, workloads, policies, tiers, namespaces or services\n",
                    kind.resource
                ),
            );
            err = err.with_cmd(cmd);
            return Err(err);
        };
        // Workloads and policies come in several kinds; pods and Calico
        // WorkloadEndpoints are both endpoints, listed together.
        let narrow = matches!(kind.class, Class::Workload | Class::Policy);
        Ok(Listing {
            resource,
            kind: narrow.then_some(kind),
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            Resource::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
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
    let inventory = ctx.load_from(&args.input, &args.cluster)?;
    let filter = Filter {
        namespace: args.scope.filter(),
        selector: selector.as_ref(),
        kind: args.resource.kind,
    };
    let view = match args.resource.resource {
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
        let noun = args.resource.kind.map_or(view.noun, |k| k.resource);
        ctx.printer.warn(&match args.scope.filter() {
            Some(ns) => format!("no {noun} found in namespace {ns}"),
            None => format!("no {noun} found"),
        });
    }
    Ok(ExitStatus::Success)
}
