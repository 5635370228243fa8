use clap::Args;
use miette::Result;

use super::{Ctx, ExitStatus, OutputFormat};

/// Print the polctl version
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  polctl version\n  polctl version -o json")]
pub struct VersionArgs {}

pub fn run(ctx: &Ctx, _args: &VersionArgs) -> Result<ExitStatus> {
    let version = env!("CARGO_PKG_VERSION");
    match ctx.output("version", "text (the default), yaml or json")? {
        Some(OutputFormat::Json) => ctx
            .printer
            .json(&serde_json::json!({ "polctl": version }))?,
        Some(OutputFormat::Yaml) => ctx
            .printer
            .yaml(&serde_json::json!({ "polctl": version }))?,
        _ => ctx.printer.line(&format!("polctl {version}"))?,
    }
    Ok(ExitStatus::Success)
}
