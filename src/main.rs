use std::process::ExitCode;

use clap::Parser;
use polctl::cmd::{self, Cli, ExitStatus};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = cli
        .global
        .color
        .resolve(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    miette::set_hook(Box::new(move |_| {
        Box::new(
            miette::MietteHandlerOpts::new()
                .color(color)
                .unicode(color)
                .build(),
        )
    }))
    .ok();
    match cmd::run(cli) {
        Ok(ExitStatus::Success) => ExitCode::SUCCESS,
        Ok(ExitStatus::CheckFailed) => ExitCode::from(1),
        Err(report) => {
            // The one place an error reaches the user; everything else goes
            // through the printer.
            #[allow(clippy::print_stderr)]
            {
                eprintln!("{report:?}");
            }
            ExitCode::from(2)
        }
    }
}
