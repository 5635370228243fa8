use std::process::ExitCode;

use clap::Parser;
use polctl::cmd::{self, Cli, Ctx, ExitStatus, Settings};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ctx = Ctx::new(Settings::resolve(&cli.global));
    match cmd::run(&ctx, &cli.command) {
        Ok(ExitStatus::Success) => ExitCode::SUCCESS,
        Ok(ExitStatus::CheckFailed) => ExitCode::from(1),
        Err(report) => {
            ctx.printer.error(&report);
            ExitCode::from(2)
        }
    }
}
