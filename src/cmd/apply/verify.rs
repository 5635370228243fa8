//! What apply checks before sending anything: lint and the policy tests.

use std::path::PathBuf;

use miette::Result;

use super::ApplyArgs;
use crate::cmd::Ctx;
use crate::lint;
use crate::load::{Inventory, find_test_files};
use crate::model::policy::PolicySet;
use crate::render::apply as view;
use crate::render::{lint as lint_view, test as test_view};

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
pub(super) fn skipped(ctx: &Ctx, args: &ApplyArgs) {
    let files = test_files(args);
    let mut skipped = vec![format!(
        "lint (errors{})",
        if args.lint.deny_warnings {
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
pub(super) fn verify(
    ctx: &Ctx,
    args: &ApplyArgs,
    inventory: &mut Inventory,
    set: &PolicySet,
) -> Result<bool> {
    let levels = args.lint.levels();
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
        let report = crate::cmd::test::run_files(ctx, inventory, set, &files, "default")?;
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
