//! `--prune`: deleting the live policies the input dropped.

use std::io::BufRead;

use miette::Result;

use super::ApplyArgs;
use crate::cluster::Connection;
use crate::cluster::apply::{self as cluster_apply, Plan};
use crate::cmd::{Ctx, ExitStatus};
use crate::render::apply as view;

/// `--prune`: the live policies with the selector's labels that the input
/// no longer has are listed, confirmed (or `--yes`), then deleted.
pub(super) fn prune(
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
