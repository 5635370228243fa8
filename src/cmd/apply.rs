//! `polctl apply`: verify, then send the objects to the cluster with
//! server-side apply, in dependency order.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::Result;
use serde_json::Value;

use super::args::{ConnectionArgs, DataplaneArgs, InputArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::cluster::apply::{self as cluster_apply, Object, Options, Outcome, Plan, Sent};
use crate::cluster::{Connection, Live, PAGE_SIZE};
use crate::dialect::lower;
use crate::lint::{self, Levels};
use crate::load::{Inputs, Inventory, find_test_files, load_over};
use crate::model::policy::PolicySet;
use crate::render::apply as view;
use crate::render::{diff as diff_view, lint as lint_view, test as test_view};
use crate::sim::eval::Evaluator;
use crate::sim::reach::{self, DiffSide};

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
    /// Lint warnings block the apply too, not only lint errors
    #[arg(long)]
    pub deny_warnings: bool,
    /// Send without running lint and the policy tests (says so on stderr)
    #[arg(long, conflicts_with_all = ["tests", "deny_warnings"])]
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
    super::read_dns(&args.dataplane, &mut inventory.cluster)?;
    let set = ctx.compile(&inventory, &args.dataplane)?;
    if args.skip_verify {
        skipped(ctx, args);
    } else if !verify(ctx, args, &mut inventory, &set)? {
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
    connectivity(ctx, args, &connection)?;

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
        object_diffs(ctx, &plan, &live, &checked)?;
    }
    if checked.failed() {
        report(
            ctx,
            &plan,
            &checked,
            Some("server dry run: nothing was applied"),
        )?;
        return Ok(ExitStatus::CheckFailed);
    }
    if args.dry_run == DryRun::Server {
        report(
            ctx,
            &plan,
            &checked,
            Some("server dry run: nothing was persisted"),
        )?;
        return prune(ctx, args, &connection, &plan, true);
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
    report(ctx, &plan, &sent, None)?;
    if sent.failed() {
        return Ok(ExitStatus::CheckFailed);
    }
    prune(ctx, args, &connection, &plan, false)
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

/// The connectivity change between the live cluster and the cluster after
/// the apply: the live objects with the input's layered over them, as
/// `polctl diff` shows it.
fn connectivity(ctx: &Ctx, args: &ApplyArgs, connection: &Connection) -> Result<()> {
    let live = Live::read(connection, PAGE_SIZE)?;
    let sources = live.sources();
    let inputs = Inputs {
        paths: args.input.filename.clone(),
        recursive: args.input.recursive,
    };
    // The files were read once already; stdin cannot be read again.
    if inputs.paths.iter().any(|p| p.as_os_str() == "-") {
        ctx.printer
            .line("connectivity change: not computed for input from stdin")?;
        return Ok(());
    }
    let before = load_over(&sources, &Inputs::default(), &mut std::io::empty());
    let after = load_over(&sources, &inputs, &mut std::io::empty());
    let (mut before, mut after) = match (before, after) {
        (Ok(b), Ok(a)) => (b, a),
        (Err(e), _) | (_, Err(e)) => {
            ctx.printer.warn(&format!(
                "connectivity change not computed: the live objects do not load ({e})"
            ));
            return Ok(());
        }
    };
    super::read_dns(&args.dataplane, &mut before.cluster)?;
    super::read_dns(&args.dataplane, &mut after.cluster)?;
    let choice = args.dataplane.choice()?;
    let before_set = lower::lower(&lower::Input::from(&before), &choice).set;
    let after_set = lower::lower(&lower::Input::from(&after), &choice).set;
    let before_ev = Evaluator::new(&before_set, &before.cluster);
    let after_ev = Evaluator::new(&after_set, &after.cluster);
    let bar = super::graph::Bar(
        ctx.printer
            .progress_bar("{spinner} probing {pos}/{len} endpoint pairs {wide_bar} {eta}"),
    );
    let diff = reach::diff(
        &DiffSide {
            evaluator: &before_ev,
            cluster: &before.cluster,
        },
        &DiffSide {
            evaluator: &after_ev,
            cluster: &after.cluster,
        },
        &reach::Options::default(),
        &bar,
    );
    bar.0.finish_and_clear();
    if diff.is_empty() {
        ctx.printer.line(&format!(
            "connectivity change on context `{}`: none\n",
            connection.context()
        ))?;
    } else {
        ctx.printer.line(&format!(
            "connectivity change on context `{}` (live -> after apply):",
            connection.context()
        ))?;
        ctx.printer
            .raw(&diff_view::table(&diff, false, ctx.printer.out_color()))?;
        ctx.printer.line("")?;
    }
    Ok(())
}

/// Each object's change, live against what the server's dry run returned.
fn object_diffs(ctx: &Ctx, plan: &Plan, live: &[Option<Value>], checked: &Sent) -> Result<()> {
    let yaml = |v: &Value| serde_yaml::to_string(&without_server_fields(v)).unwrap_or_default();
    for ((o, before), after) in plan.objects.iter().zip(live).zip(&checked.after) {
        let Some(after) = after else { continue };
        let text = view::object_diff(
            &o.qualified(),
            before.as_ref().map(yaml).as_deref(),
            &yaml(after),
        );
        ctx.printer.raw(&text)?;
    }
    Ok(())
}

/// What the server writes on every object, which `--diff` leaves out (as
/// `kubectl diff` does with managedFields), keys sorted as kubectl prints
/// them.
fn without_server_fields(object: &Value) -> Value {
    fn sorted(v: Value) -> Value {
        match v {
            Value::Object(map) => {
                let mut entries: Vec<(String, Value)> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
            }
            Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
            other => other,
        }
    }
    let mut object = cluster_apply::content(object);
    if let Some(meta) = object.get_mut("metadata").and_then(Value::as_object_mut) {
        for key in ["uid", "creationTimestamp"] {
            meta.remove(key);
        }
    }
    sorted(object)
}

/// The results table, then each failure in full.
fn report(ctx: &Ctx, plan: &Plan, sent: &Sent, mode: Option<&str>) -> Result<()> {
    let rows: Vec<view::Row> = plan
        .objects
        .iter()
        .zip(&sent.outcomes)
        .map(|(o, outcome)| view::Row {
            namespace: o.namespace.clone(),
            object: o.reference(),
            result: match outcome {
                Outcome::Created => "created",
                Outcome::Configured => "configured",
                Outcome::Unchanged => "unchanged",
                Outcome::Failed(_) => "failed",
                Outcome::NotSent => "not sent",
            },
        })
        .collect();
    ctx.printer.raw(&view::results(&rows, mode))?;
    for (o, outcome) in plan.objects.iter().zip(&sent.outcomes) {
        if let Outcome::Failed(f) = outcome {
            let conflicts: Vec<(String, String)> = f
                .conflicts
                .iter()
                .map(|c| (c.manager.clone(), c.field.clone()))
                .collect();
            ctx.printer.raw(&format!(
                "\n{}",
                view::failure(
                    &o.qualified(),
                    f.code,
                    &f.message,
                    &conflicts,
                    ctx.printer.out_color()
                )
            ))?;
        }
    }
    if mode.is_none() && sent.failed() {
        let applied = sent
            .outcomes
            .iter()
            .filter(|o| {
                matches!(
                    o,
                    Outcome::Created | Outcome::Configured | Outcome::Unchanged
                )
            })
            .count();
        let not_sent = sent
            .outcomes
            .iter()
            .filter(|o| **o == Outcome::NotSent)
            .count();
        ctx.printer.line(&format!(
            "\napply stopped: {} applied before the failure, {} not sent; nothing was retried",
            view::objects_word(applied),
            view::objects_word(not_sent)
        ))?;
    }
    Ok(())
}

/// `--prune`: the live policies with the selector's labels that the input
/// no longer has are listed, confirmed (or `--yes`), then deleted.
fn prune(
    ctx: &Ctx,
    args: &ApplyArgs,
    connection: &Connection,
    plan: &Plan,
    dry_run: bool,
) -> Result<ExitStatus> {
    let (true, Some(selector)) = (args.prune, &args.selector) else {
        return Ok(ExitStatus::Success);
    };
    let stale = cluster_apply::stale(connection, plan, selector)?;
    if stale.is_empty() {
        ctx.printer.line(&format!(
            "\nprune: no policy labelled {selector} is missing from the input"
        ))?;
        return Ok(ExitStatus::Success);
    }
    ctx.printer.line(&format!(
        "\nprune: {} labelled {selector} no longer in the input:",
        view::objects_word(stale.len())
    ))?;
    for s in &stale {
        ctx.printer.line(&format!("  {}", s.reference()))?;
    }
    if !args.yes
        && !confirm(
            ctx,
            &format!("Delete {}? [y/N] ", view::objects_word(stale.len())),
        )
    {
        ctx.printer.line("prune: nothing deleted")?;
        return Ok(ExitStatus::Success);
    }
    let results = cluster_apply::delete(connection, &stale, dry_run);
    let suffix = if dry_run { " (server dry run)" } else { "" };
    for (s, result) in stale.iter().zip(&results) {
        match result {
            Ok(()) => ctx
                .printer
                .line(&format!("{} deleted{suffix}", s.reference()))?,
            Err(f) => {
                ctx.printer.raw(&view::failure(
                    &s.reference(),
                    f.code,
                    &f.message,
                    &[],
                    ctx.printer.out_color(),
                ))?;
                ctx.printer.line(&format!(
                    "prune stopped: {} not deleted",
                    view::objects_word(stale.len() - results.len() + 1)
                ))?;
                return Ok(ExitStatus::CheckFailed);
            }
        }
    }
    Ok(ExitStatus::Success)
}

/// Asks on stderr, reads a line from stdin: yes only for `y` or `yes`.
fn confirm(ctx: &Ctx, question: &str) -> bool {
    ctx.printer.prompt(question);
    let mut answer = String::new();
    if std::io::stdin().lock().read_line(&mut answer).is_err() {
        return false;
    }
    matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes")
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
        .line(&format!("verified: {lint_line}; {tests_line}\n"))?;
    Ok(true)
}
