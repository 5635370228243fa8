use clap::{Args, CommandFactory};
use clap_complete::Shell;
use miette::Result;

use super::{Cli, Ctx, ExitStatus};

/// Print a shell completion script
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  # bash, for this shell
  source <(polctl completion bash)
  # zsh, installed
  polctl completion zsh > \"${fpath[1]}/_polctl\"
  # fish
  polctl completion fish > ~/.config/fish/completions/polctl.fish")]
pub struct CompletionArgs {
    /// The shell to generate for
    #[arg(value_enum)]
    pub shell: Shell,
}

pub(crate) fn run(ctx: &Ctx, args: &CompletionArgs) -> Result<ExitStatus> {
    let script = generate(args.shell);
    ctx.printer.raw(&script)?;
    Ok(ExitStatus::Success)
}

/// The completion script for a shell, as committed under `completions/`.
pub fn generate(shell: Shell) -> String {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "polctl", &mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}
