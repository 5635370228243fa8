//! `polctl describe endpoint REF`.

use clap::Args;
use miette::Result;

use super::{Ctx, DataplaneArgs, ExitStatus};

/// Show an endpoint's labels, addresses, ports, profiles and the policies that select it
#[derive(Debug, Args)]
pub struct DescribeArgs {
    /// What to describe: `endpoint`
    pub what: String,
    /// The endpoint: NAMESPACE/NAME, NAME (with -n), hep:NAME
    pub reference: String,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
}

pub fn run(ctx: &Ctx, args: &DescribeArgs) -> Result<ExitStatus> {
    let _ = (ctx, args);
    Ok(ExitStatus::Success)
}
