use clap::{Args, ValueEnum};
use miette::Result;

use super::args::FormatParser;
use super::{Ctx, ExitStatus};

/// Print the polctl version
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  polctl version\n  polctl version -o json")]
pub struct VersionArgs {
    /// Output format [default: text]
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = FormatParser::<VersionFormat>::new())]
    pub output: Option<VersionFormat>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VersionFormat {
    Yaml,
    Json,
}

pub fn run(ctx: &Ctx, args: &VersionArgs) -> Result<ExitStatus> {
    let version = env!("CARGO_PKG_VERSION");
    match args.output {
        Some(VersionFormat::Json) => ctx
            .printer
            .json(&serde_json::json!({ "polctl": version }))?,
        Some(VersionFormat::Yaml) => ctx
            .printer
            .yaml(&serde_json::json!({ "polctl": version }))?,
        None => ctx.printer.line(&format!("polctl {version}"))?,
    }
    Ok(ExitStatus::Success)
}
