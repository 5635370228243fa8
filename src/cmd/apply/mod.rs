//! `polctl apply`: verify, then send the objects to the cluster with
//! server-side apply, in dependency order.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::Result;

use super::args::{ConnectionArgs, DataplaneArgs, InputArgs};
use super::lint::LintLevels;
use super::{Ctx, ExitStatus, UsageError};
use crate::cluster::Connection;
use crate::cluster::apply::{self as cluster_apply, Object, Options, Outcome, Plan};
use crate::load::Inventory;
use crate::render::apply as view;

mod prune;
mod show;
mod verify;

/// Verify policies, then push them to the cluster with server-side apply
#[derive(Debug, Args)]
#[command(
    after_help = "Before anything is sent, apply verifies the input: it must load without a
problem, lint must find no error (no warning either with --deny-warnings;
-W/-A/-D LINT set a lint's level, as for `polctl lint`),
and the policy tests next to the policies (*.polctl-test.yaml, and those
given with --tests) must pass. Nothing is sent unless all of it passes;
--skip-verify sends anyway and says what it did not check. An object given
twice with different content is refused.

Objects are sent in dependency order: namespaces, then Calico tiers, then
the policies, then the rest (workloads, services, network sets), each group
in input order.

It is sent with server-side apply (field manager polctl). First, the
cluster must serve every group/version the objects need (discovery); then
the connectivity change between the live cluster and the cluster after the
apply is shown (gained and lost edges, as `polctl diff`), and every object
goes through a server-side dry run. Only when all of that passes are the
objects applied, one at a time; the first failure stops, and the summary
says exactly which objects were applied and which were not (nothing is
retried).

--dry-run=client prints what would be sent, in order, without contacting
the cluster; --dry-run=server stops after the server-side dry run.
--diff shows each object's change (live against applied, from the dry
run), as `kubectl diff`. --prune -l SELECTOR then deletes the live
policies carrying those labels that the input no longer has, after a
confirmation prompt or --yes.

Exit status: 0 applied, 1 verification failed or the cluster refused an
object (what was applied is listed), 2 bad input, or a cluster that cannot
be reached or does not serve what the objects need (nothing was sent).

Against a cluster (--kubeconfig, --context as kubectl):
  apply -f DIR -R --dry-run=server --diff     the server's dry run, each object's change
  apply -f DIR -R --prune -l team=shop --yes  apply, then delete what the files dropped

Examples:
  # Verify the tiers fixture and show what would be sent, in order
  polctl apply -f fixtures/tiers --dry-run=client"
)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// A policy test file besides those found next to the policies (repeatable)
    #[arg(long = "tests", value_name = "FILE")]
    pub tests: Vec<PathBuf>,
    #[command(flatten)]
    pub lint: LintLevels,
    /// Send without running lint and the policy tests (says so on stderr)
    #[arg(long, conflicts_with_all = ["tests", "deny_warnings", "warn", "allow", "deny"])]
    pub skip_verify: bool,
    /// none: apply; server: the API server checks everything and persists nothing; client: print what would be sent without contacting the cluster
    #[arg(long, value_enum, value_name = "STRATEGY", default_value_t = DryRun::None)]
    pub dry_run: DryRun,
    /// Take over fields another field manager owns instead of failing with a conflict
    #[arg(long)]
    pub force_conflicts: bool,
    /// Show each object's change (live against applied, from a server-side dry run)
    #[arg(long)]
    pub diff: bool,
    /// Delete live policies that carry the labels of -l and are no longer in the input
    #[arg(long, requires = "selector")]
    pub prune: bool,
    /// The label selector of --prune (kubectl syntax: `team=shop,env in (a,b)`)
    #[arg(short = 'l', long, value_name = "SELECTOR", requires = "prune")]
    pub selector: Option<String>,
    /// Delete without asking (needed for --prune when stdin is not a terminal)
    #[arg(long, requires = "prune")]
    pub yes: bool,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    None,
    Server,
    Client,
}

/// From how many objects applying shows a progress bar (on a terminal).
const PROGRESS_FROM: usize = 10;

pub(crate) fn run(ctx: &Ctx, args: &ApplyArgs) -> Result<ExitStatus> {
    refuse_unused(args)?;
    let mut inventory = ctx.load(&args.input)?;
    let plan = cluster_apply::plan(&inventory)?;
    if plan.objects.is_empty() {
        return Err(UsageError::Value {
            flag: "-f",
            value: paths(&args.input),
            message: "no object polctl reads there, nothing to apply".into(),
            help: None,
        }
        .into());
    }
    crate::cmd::read_dns(&args.dataplane, &mut inventory.cluster)?;
    let set = ctx.compile(&inventory, &args.dataplane)?;
    if args.skip_verify {
        verify::skipped(ctx, args);
    } else if !verify::verify(ctx, args, &mut inventory, &set)? {
        return Ok(ExitStatus::CheckFailed);
    }
    if args.dry_run == DryRun::Client {
        ctx.printer.raw(&view::plan(&planned(&plan, &inventory)))?;
        return Ok(ExitStatus::Success);
    }
    let connection = Connection::connect(&args.connection.options())?;
    let kinds: Vec<_> = plan.objects.iter().map(|o| o.kind).collect();
    cluster_apply::check_served(&connection, &kinds)?;
    let live = cluster_apply::read_live(&connection, &plan)?;
    show::connectivity(ctx, args, &connection, inventory.sources.stdin())?;

    // Every object through the server's dry run first: a refusal there
    // stops the apply before anything is persisted.
    let checked = cluster_apply::apply(
        &connection,
        &plan,
        &live,
        Options {
            dry_run: true,
            force: args.force_conflicts,
        },
        &|_, _| {},
    );
    if args.diff {
        show::object_diffs(ctx, &plan, &live, &checked)?;
    }
    if checked.failed() {
        show::report(
            ctx,
            &plan,
            &checked,
            Some("server dry run: nothing was applied"),
        )?;
        return Ok(ExitStatus::CheckFailed);
    }
    if args.dry_run == DryRun::Server {
        show::report(
            ctx,
            &plan,
            &checked,
            Some("server dry run: nothing was persisted"),
        )?;
        return prune::prune(ctx, args, &connection, &plan, true);
    }

    // A few objects are done before a bar would be seen.
    let bar = if plan.objects.len() >= PROGRESS_FROM {
        ctx.printer
            .progress_bar("{spinner} applying {pos}/{len} {wide_bar} {msg}")
    } else {
        indicatif::ProgressBar::hidden()
    };
    bar.set_length(plan.objects.len() as u64);
    let sent = cluster_apply::apply(
        &connection,
        &plan,
        &live,
        Options {
            dry_run: false,
            force: args.force_conflicts,
        },
        &|o: &Object, _: &Outcome| {
            bar.set_message(o.reference());
            bar.inc(1);
        },
    );
    bar.finish_and_clear();
    show::report(ctx, &plan, &sent, None)?;
    if sent.failed() {
        return Ok(ExitStatus::CheckFailed);
    }
    prune::prune(ctx, args, &connection, &plan, false)
}

/// Flags that would be ignored are refused, before anything is read.
fn refuse_unused(args: &ApplyArgs) -> Result<(), UsageError> {
    if args.dry_run == DryRun::Client {
        let unused = [
            (args.diff, "--diff"),
            (args.prune, "--prune"),
            (args.force_conflicts, "--force-conflicts"),
        ];
        let flag = unused
            .iter()
            .find(|(given, _)| *given)
            .map(|(_, flag)| *flag)
            .or(args.connection.given());
        if let Some(flag) = flag {
            return Err(UsageError::Flow {
                message: format!(
                    "{flag} needs the cluster, and --dry-run=client does not contact it"
                ),
                help: Some("use --dry-run=server to have the cluster check the objects".into()),
            });
        }
    }
    if args.prune && !args.yes {
        let stdin_input = args.input.filename.iter().any(|p| p.as_os_str() == "-");
        if stdin_input || !std::io::stdin().is_terminal() {
            return Err(UsageError::Flow {
                message: "--prune asks before deleting, and stdin is not a terminal to answer on"
                    .into(),
                help: Some("pass --yes to delete without asking".into()),
            });
        }
    }
    if let Some(selector) = &args.selector {
        crate::selector::parse_kubectl(selector).map_err(|e| UsageError::Selector {
            flag: "-l",
            message: e.message.clone(),
            text: selector.clone(),
            span: (e.offset, e.len).into(),
        })?;
    }
    Ok(())
}

fn paths(input: &InputArgs) -> String {
    input
        .filename
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

fn planned(plan: &Plan, inventory: &Inventory) -> Vec<view::Planned> {
    plan.objects
        .iter()
        .map(|o| view::Planned {
            namespace: o.namespace.clone(),
            object: o.reference(),
            from: inventory.sources.locate(o.span.sub(0, 0)),
        })
        .collect()
}
