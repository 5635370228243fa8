//! What apply shows before and after sending: the connectivity change,
//! each object's change, and what became of every object.

use miette::Result;
use serde_json::Value;

use super::ApplyArgs;
use crate::cluster::apply::{self as cluster_apply, Outcome, Plan, Sent};
use crate::cluster::{Connection, Live, PAGE_SIZE};
use crate::cmd::Ctx;
use crate::dialect::lower;
use crate::load::{Inputs, load_over};
use crate::render::apply as view;
use crate::render::diff as diff_view;
use crate::sim::eval::Evaluator;
use crate::sim::reach::{self, DiffSide};

/// The connectivity change between the live cluster and the cluster after
/// the apply: the live objects with the input's layered over them, as
/// `polctl diff` shows it.
/// `stdin` is what `-f -` read: stdin is read only once.
pub(super) fn connectivity(
    ctx: &Ctx,
    args: &ApplyArgs,
    connection: &Connection,
    stdin: Option<&str>,
) -> Result<()> {
    let live = Live::read(connection, PAGE_SIZE)?;
    let sources = live.sources();
    let inputs = Inputs {
        paths: args.input.filename.clone(),
        recursive: args.input.recursive,
    };
    let before = load_over(&sources, &Inputs::default(), &mut std::io::empty());
    let after = load_over(&sources, &inputs, &mut stdin.unwrap_or("").as_bytes());
    let (mut before, mut after) = match (before, after) {
        (Ok(b), Ok(a)) => (b, a),
        (Err(e), _) | (_, Err(e)) => {
            ctx.printer.warn(&format!(
                "connectivity change not computed: the live objects do not load ({e})"
            ));
            return Ok(());
        }
    };
    crate::cmd::read_dns(&args.dataplane, &mut before.cluster)?;
    crate::cmd::read_dns(&args.dataplane, &mut after.cluster)?;
    let choice = args.dataplane.choice()?;
    let before_set = lower::lower(&lower::Input::from(&before), &choice).set;
    let after_set = lower::lower(&lower::Input::from(&after), &choice).set;
    let before_ev = Evaluator::new(&before_set, &before.cluster);
    let after_ev = Evaluator::new(&after_set, &after.cluster);
    let bar = crate::cmd::graph::Bar(
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
pub(super) fn object_diffs(
    ctx: &Ctx,
    plan: &Plan,
    live: &[Option<Value>],
    checked: &Sent,
) -> Result<()> {
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
pub(super) fn report(ctx: &Ctx, plan: &Plan, sent: &Sent, mode: Option<&str>) -> Result<()> {
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
