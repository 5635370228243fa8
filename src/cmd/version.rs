//! `polctl version`: the build and what it models.

use clap::{Args, ValueEnum};
use miette::Result;
use serde::Serialize;

use super::args::FormatParser;
use super::{Ctx, ExitStatus};
use crate::dialect::kinds::KINDS;
use crate::dialect::lower;

/// Print the polctl version, its build, and the API versions it models
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

/// What `polctl version -o json` prints.
#[derive(Debug, Serialize)]
pub(crate) struct VersionInfo {
    pub polctl: &'static str,
    pub commit: &'static str,
    pub commit_date: &'static str,
    pub build_date: &'static str,
    pub rustc: &'static str,
    pub target: &'static str,
    pub models: Models,
}

/// The dataplane releases and API versions polctl simulates.
#[derive(Debug, Serialize)]
pub(crate) struct Models {
    pub calico: Range,
    pub cilium: Range,
    /// Every apiVersion polctl reads, in the kind table's order.
    pub api_versions: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub(crate) struct Range {
    pub oldest: String,
    pub newest: String,
    pub default: String,
}

pub(crate) fn info() -> VersionInfo {
    let mut api_versions: Vec<&'static str> = Vec::new();
    for k in KINDS {
        if !api_versions.contains(&k.api_version) {
            api_versions.push(k.api_version);
        }
    }
    VersionInfo {
        polctl: env!("CARGO_PKG_VERSION"),
        commit: env!("POLCTL_COMMIT"),
        commit_date: env!("POLCTL_COMMIT_DATE"),
        build_date: env!("POLCTL_BUILD_DATE"),
        rustc: env!("POLCTL_RUSTC"),
        target: env!("POLCTL_TARGET"),
        models: Models {
            calico: Range {
                oldest: lower::CALICO_OLDEST.to_string(),
                newest: lower::CALICO_LATEST.to_string(),
                default: lower::CALICO_LATEST.to_string(),
            },
            cilium: Range {
                oldest: lower::CILIUM_OLDEST.to_string(),
                newest: lower::CILIUM_NEWEST.to_string(),
                default: lower::CILIUM_LATEST.to_string(),
            },
            api_versions,
        },
    }
}

fn text(v: &VersionInfo) -> String {
    let m = &v.models;
    format!(
        "polctl {}\n\
         commit:        {} ({})\n\
         built:         {}\n\
         rustc:         {}\n\
         target:        {}\n\
         Calico:        {} to {} (default {})\n\
         Cilium:        {} to {} (default {})\n\
         API versions:  {}\n",
        v.polctl,
        v.commit,
        v.commit_date,
        v.build_date,
        v.rustc,
        v.target,
        m.calico.oldest,
        m.calico.newest,
        m.calico.default,
        m.cilium.oldest,
        m.cilium.newest,
        m.cilium.default,
        m.api_versions.join(", ")
    )
}

pub(crate) fn run(ctx: &Ctx, args: &VersionArgs) -> Result<ExitStatus> {
    let info = info();
    match args.output {
        Some(VersionFormat::Json) => ctx.printer.json(&info)?,
        Some(VersionFormat::Yaml) => ctx.printer.yaml(&info)?,
        None => ctx.printer.raw(&text(&info))?,
    }
    Ok(ExitStatus::Success)
}
