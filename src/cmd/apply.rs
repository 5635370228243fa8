//! `polctl apply`: verify, then send the objects to the cluster with
//! server-side apply, in dependency order.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::Result;

use super::args::{DataplaneArgs, InputArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::cluster::apply::{self as cluster_apply, Plan};
use crate::lint::{self, Levels};
use crate::load::{Inventory, find_test_files};
use crate::model::policy::PolicySet;
use crate::render::apply as view;
use crate::render::{lint as lint_view, test as test_view};

/// Verify policies, then apply them to the cluster (server-side apply, field manager polctl)
#[derive(Debug, Args)]
#[command(
    after_help = "Before anything is sent, apply verifies the input: it must load without a
problem, lint must find no error (no warning either with --deny-warnings),
and the policy tests next to the policies (*.polctl-test.yaml, and those
given with --tests) must pass. Nothing is sent unless all of it passes;
--skip-verify sends anyway and says what it did not check. An object given
twice with different content is refused.

Objects are sent in dependency order: namespaces, then Calico tiers, then
the policies, then the rest (workloads, services, network sets), each group
in input order.

--dry-run=client prints what would be sent, in order, without contacting
the cluster.

Exit status: 0 applied, 1 verification failed (nothing was sent), 2 bad
input.

Examples:
  # Verify the tiers fixture and show what would be sent
  polctl apply -f fixtures/tiers --dry-run=client"
)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// A policy test file besides those found next to the policies (repeatable)
    #[arg(long = "tests", value_name = "FILE")]
    pub tests: Vec<PathBuf>,
    /// Lint warnings block the apply too, not only lint errors
    #[arg(long)]
    pub deny_warnings: bool,
    /// Send without running lint and the policy tests (says so on stderr)
    #[arg(long, conflicts_with_all = ["tests", "deny_warnings"])]
    pub skip_verify: bool,
    /// none: apply; client: print what would be sent without contacting the cluster
    #[arg(long, value_enum, value_name = "STRATEGY", default_value_t = DryRun::None)]
    pub dry_run: DryRun,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DryRun {
    None,
    Client,
}

pub(crate) fn run(ctx: &Ctx, args: &ApplyArgs) -> Result<ExitStatus> {
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
    super::read_dns(&args.dataplane, &mut inventory.cluster)?;
    let set = ctx.compile(&inventory, &args.dataplane)?;
    if args.skip_verify {
        skipped(ctx, args);
    } else if !verify(ctx, args, &mut inventory, &set)? {
        return Ok(ExitStatus::CheckFailed);
    }
    match args.dry_run {
        DryRun::Client => {
            ctx.printer.raw(&view::plan(&planned(&plan, &inventory)))?;
            Ok(ExitStatus::Success)
        }
        DryRun::None => Err(UsageError::Flow {
            message: "no cluster connection".into(),
            help: Some("pass --dry-run=client".into()),
        }
        .into()),
    }
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

/// The test files that verification runs: those next to the policies and
/// those named with `--tests`.
fn test_files(args: &ApplyArgs) -> Vec<PathBuf> {
    let mut files = find_test_files(&args.input.filename, args.input.recursive);
    for path in &args.tests {
        if !files.contains(path) {
            files.push(path.clone());
        }
    }
    files
}

/// `--skip-verify`, said loudly on stderr: everything that was not checked.
fn skipped(ctx: &Ctx, args: &ApplyArgs) {
    let files = test_files(args);
    let mut skipped = vec![format!(
        "lint (errors{})",
        if args.deny_warnings {
            " and warnings"
        } else {
            ""
        }
    )];
    skipped.push(match files.len() {
        0 => "policy tests (none were found next to the policies)".to_string(),
        n => format!(
            "policy tests in {n} file{}: {}",
            if n == 1 { "" } else { "s" },
            files
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    });
    ctx.printer
        .warn(&view::skipped_verify(&skipped, ctx.printer.err_color()));
}

/// Lint, then the policy tests. A failure prints its report and returns
/// false: nothing may be sent.
fn verify(ctx: &Ctx, args: &ApplyArgs, inventory: &mut Inventory, set: &PolicySet) -> Result<bool> {
    let levels = Levels {
        overrides: Vec::new(),
        deny_warnings: args.deny_warnings,
    };
    let findings = levels.apply(lint::lint(inventory, set));
    if levels.fails(&findings) {
        ctx.printer.raw(&lint_view::human(
            &findings,
            &inventory.sources,
            &levels,
            &set.dataplane,
            ctx.printer.out_color(),
        ))?;
        ctx.printer
            .line("\napply refused: lint found errors; nothing was sent")?;
        return Ok(false);
    }
    let lint_line = match findings.len() {
        0 => "lint found nothing".to_string(),
        1 => "lint found no error (1 warning: `polctl lint` shows it)".to_string(),
        n => format!("lint found no error ({n} warnings: `polctl lint` shows them)"),
    };
    let files = test_files(args);
    let tests_line = if files.is_empty() {
        "no policy tests next to the policies (*.polctl-test.yaml)".to_string()
    } else {
        let report = super::test::run_files(ctx, inventory, set, &files, "default")?;
        if report.failed > 0 {
            ctx.printer.raw(&test_view::human(
                &report,
                &set.dataplane,
                ctx.printer.out_color(),
            ))?;
            ctx.printer
                .line("\napply refused: a policy test failed; nothing was sent")?;
            return Ok(false);
        }
        test_view::summary(&report)
    };
    ctx.printer
        .line(&format!("verified: {lint_line}; {tests_line}"))?;
    Ok(true)
}
