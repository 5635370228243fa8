use std::process::ExitCode;

use clap::Parser;
use polctl::cmd::{self, Cli, Ctx, ExitStatus, Settings};

// The reachability graph makes and frees millions of small edges (a
// 20,000-pod cluster: a million distinct edges, each with its policy
// names); glibc's allocator spent a third of `graph -o json` consolidating
// freed chunks. The benchmarks set the same allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
