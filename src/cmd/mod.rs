//! The command line: global flags, one file per subcommand, dispatch.

mod apply;
pub(crate) mod args;
mod completion;
mod describe;
mod diff;
pub(crate) mod error;
mod get;
mod graph;
mod lint;
mod node;
mod replay;
mod simulate;
mod snapshot;
mod test;
mod version;

pub use completion::generate as completion_script;

use std::io::IsTerminal;

use clap::{Args, Parser, Subcommand, ValueEnum};
use miette::Result;

pub use args::{ClusterArgs, ConnectionArgs, DataplaneArgs, InputArgs};
pub use error::UsageError;

use crate::cluster::{Connection, Live};
use crate::dialect::lower;
use crate::load::{Inputs, Inventory, load_over};
use crate::model::policy::{Cni, PolicySet};
use crate::render::{Printer, PrinterOptions, Verbosity};

const EXAMPLES: &str = "\
Examples:
  # The policies of every dialect in a directory tree, with tiers and order
  polctl get policies -A -f fixtures/ -R

  # Show endpoints with labels, service accounts and addresses
  polctl get endpoints -A -f fixtures/starwars -o wide

  # Read manifests from stdin
  kubectl get netpol,pods -A -o yaml | polctl get policies -A -f -";

/// Simulate, explain and enforce Kubernetes network policy offline:
/// NetworkPolicy, AdminNetworkPolicy, Calico and Cilium.
#[derive(Debug, Parser)]
#[command(name = "polctl", version, about, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every command honours. Flags only some commands read are groups
/// in `args`, included by exactly those commands.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// When to color output: auto (a terminal, unless NO_COLOR is set), always or never
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// More detail on stderr (each skipped file)
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count, conflicts_with = "quiet")]
    pub verbose: u8,
    /// No warnings or progress; twice: no output at all, only the exit code
    #[arg(short = 'q', long, global = true, action = clap::ArgAction::Count)]
    pub quiet: u8,
    /// Never draw a progress bar
    #[arg(long, global = true)]
    pub no_progress: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// Global flags and the environment, resolved once at startup (flag >
/// environment > terminal detection). Commands never read either.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    pub printer: PrinterOptions,
}

impl Settings {
    /// Reads the environment and the terminal.
    pub fn resolve(global: &GlobalArgs) -> Settings {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let stdout_tty = std::io::stdout().is_terminal();
        let stderr_tty = std::io::stderr().is_terminal();
        Settings::from_parts(global, no_color, stdout_tty, stderr_tty)
    }

    /// The settings for given environment facts.
    pub(crate) fn from_parts(
        global: &GlobalArgs,
        no_color: bool,
        stdout_tty: bool,
        stderr_tty: bool,
    ) -> Settings {
        let color = |tty: bool| match global.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => tty && !no_color,
        };
        let verbosity = match (global.quiet, global.verbose) {
            (0, 0) => Verbosity::Normal,
            (0, _) => Verbosity::Verbose,
            (1, _) => Verbosity::Quiet,
            _ => Verbosity::Silent,
        };
        Settings {
            printer: PrinterOptions {
                out_color: color(stdout_tty),
                err_color: color(stderr_tty),
                verbosity,
                progress: stderr_tty && !global.no_progress,
            },
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Simulate(Box<simulate::SimulateArgs>),
    Graph(Box<graph::GraphArgs>),
    Diff(Box<diff::DiffArgs>),
    Node(node::NodeArgs),
    Test(Box<test::TestArgs>),
    Replay(Box<replay::ReplayArgs>),
    Lint(Box<lint::LintArgs>),
    Apply(Box<apply::ApplyArgs>),
    Describe(describe::DescribeArgs),
    Get(get::GetArgs),
    Snapshot(snapshot::SnapshotArgs),
    Completion(completion::CompletionArgs),
    Version(version::VersionArgs),
}

/// How a command ended when it did not fail: a check that said no is not an
/// error (exit 1); errors are bad input or usage (exit 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    Success,
    CheckFailed,
}

/// What every command gets: resolved global settings and the printer.
pub struct Ctx {
    pub settings: Settings,
    pub printer: Printer,
}

impl Ctx {
    pub fn new(settings: Settings) -> Self {
        Ctx {
            printer: Printer::new(settings.printer),
            settings,
        }
    }

    /// Loads the manifests named with `-f`, printing warnings.
    pub fn load(&self, input: &InputArgs) -> Result<Inventory> {
        self.load_over(input, None)
    }

    /// With `--from-cluster`, reads the live cluster, printing a note for
    /// each kind it does not serve.
    pub(crate) fn live(&self, cluster: &ClusterArgs) -> Result<Option<Live>> {
        if !cluster.wanted()? {
            return Ok(None);
        }
        self.read_live(&cluster.connection, crate::cluster::PAGE_SIZE)
            .map(Some)
    }

    /// Reads the cluster `connection` names.
    pub(crate) fn read_live(&self, connection: &ConnectionArgs, page_size: u32) -> Result<Live> {
        let connection = Connection::connect(&connection.options())?;
        let live = Live::read(&connection, page_size)?;
        for note in &live.notes {
            self.printer.warn(note);
        }
        Ok(live)
    }

    /// Loads the manifests named with `-f`, layered over the live cluster
    /// with `--from-cluster`.
    pub(crate) fn load_from(&self, input: &InputArgs, cluster: &ClusterArgs) -> Result<Inventory> {
        let live = self.live(cluster)?;
        self.load_over(input, live.as_ref())
    }

    /// Loads the manifests named with `-f` over the live objects, if any.
    pub(crate) fn load_over(&self, input: &InputArgs, live: Option<&Live>) -> Result<Inventory> {
        if input.filename.is_empty() && live.is_none() {
            return Err(UsageError::NoInput.into());
        }
        let inputs = Inputs {
            paths: input.filename.clone(),
            recursive: input.recursive,
        };
        let texts = live.map(Live::sources).unwrap_or_default();
        let inventory = load_over(&texts, &inputs, &mut std::io::stdin().lock())?;
        let verbose = self.printer.verbose();
        for w in inventory
            .warnings
            .iter()
            .filter(|w| verbose || !w.skipped_file)
        {
            self.printer.warn(&format!("{}: {}", w.location, w.message));
        }
        let skipped = inventory.warnings.iter().filter(|w| w.skipped_file).count();
        if skipped > 0 && !verbose {
            self.printer.warn(&format!(
                "skipped {skipped} file(s) that are not .yaml, .yml or .json (-v lists them)"
            ));
        }
        Ok(inventory)
    }

    /// Compiles the loaded policies for the chosen dataplane, printing what
    /// the dataplane ignores or treats specially.
    pub(crate) fn compile(
        &self,
        inventory: &Inventory,
        dataplane: &DataplaneArgs,
    ) -> Result<PolicySet> {
        let choice = dataplane.choice()?;
        let input = lower::Input::from(inventory);
        let lowered = lower::lower(&input, &choice);
        let dp = &lowered.set.dataplane;
        // A version for a plugin that was not chosen would be ignored.
        for (flag, version, wants) in [
            ("--calico-version", choice.calico_version, Cni::Calico),
            ("--cilium-version", choice.cilium_version, Cni::Cilium),
        ] {
            if let Some(version) = version
                && dp.cni != wants
            {
                return Err(UsageError::VersionUnused {
                    flag,
                    version,
                    wants: if wants == Cni::Calico {
                        "calico"
                    } else {
                        "cilium"
                    },
                    cni: dp.cni,
                    reason: dp.cni_reason.clone(),
                }
                .into());
            }
        }
        for note in &lowered.notes {
            match note.span {
                Some(span) => self.printer.warn(&format!(
                    "{}: {}",
                    inventory.sources.locate(span),
                    note.message
                )),
                None => self.printer.warn(&note.message),
            }
        }
        Ok(lowered.set)
    }
}

/// Reads a file named on the command line (a flows file, a DNS table).
pub(crate) fn read_input(path: &std::path::Path) -> Result<String, UsageError> {
    std::fs::read_to_string(path).map_err(|e| UsageError::io(path, e))
}

/// Adds the DNS answers given on the command line to the cluster.
pub(crate) fn read_dns(
    dataplane: &DataplaneArgs,
    cluster: &mut crate::model::Cluster,
) -> Result<()> {
    use crate::load::dns;
    for path in &dataplane.dns_file {
        let text = read_input(path)?;
        dns::read_hosts(&path.display().to_string(), &text, &mut cluster.dns)
            .map_err(|e| miette::Report::new(*e))?;
    }
    for arg in &dataplane.dns {
        dns::read_arg(arg, &mut cluster.dns)
            .map_err(|e| UsageError::value("--dns", arg.clone(), e.to_string()))?;
    }
    Ok(())
}

pub fn run(ctx: &Ctx, command: &Command) -> Result<ExitStatus> {
    match command {
        Command::Simulate(args) => simulate::run(ctx, args),
        Command::Graph(args) => graph::run(ctx, args),
        Command::Diff(args) => diff::run(ctx, args),
        Command::Node(args) => node::run(ctx, args),
        Command::Test(args) => test::run(ctx, args),
        Command::Replay(args) => replay::run(ctx, args),
        Command::Lint(args) => lint::run(ctx, args),
        Command::Apply(args) => apply::run(ctx, args),
        Command::Describe(args) => describe::run(ctx, args),
        Command::Get(args) => get::run(ctx, args),
        Command::Snapshot(args) => snapshot::run(ctx, args),
        Command::Completion(args) => completion::run(ctx, args),
        Command::Version(args) => version::run(ctx, args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(args: &[&str], no_color: bool, stdout_tty: bool, stderr_tty: bool) -> Settings {
        let mut argv = vec!["polctl"];
        argv.extend(args);
        argv.push("version");
        let cli = Cli::parse_from(argv);
        Settings::from_parts(&cli.global, no_color, stdout_tty, stderr_tty)
    }

    #[test]
    fn color_follows_the_flag_then_no_color_then_the_terminal() {
        let s = settings(&["--color", "always"], true, false, false);
        assert!(s.printer.out_color && s.printer.err_color);
        let s = settings(&["--color", "never"], false, true, true);
        assert!(!s.printer.out_color && !s.printer.err_color);
        let s = settings(&[], false, true, false);
        assert!(s.printer.out_color && !s.printer.err_color);
        let s = settings(&[], true, true, true);
        assert!(!s.printer.out_color && !s.printer.err_color);
    }

    #[test]
    fn progress_needs_a_terminal_and_no_opt_out() {
        assert!(settings(&[], false, false, true).printer.progress);
        assert!(!settings(&[], false, true, false).printer.progress);
        assert!(
            !settings(&["--no-progress"], false, true, true)
                .printer
                .progress
        );
        let quiet = settings(&["-q"], false, true, true).printer;
        assert_eq!(quiet.verbosity, Verbosity::Quiet);
        assert_eq!(
            settings(&["-qq"], false, true, true).printer.verbosity,
            Verbosity::Silent
        );
        assert_eq!(
            settings(&["-v"], false, true, true).printer.verbosity,
            Verbosity::Verbose
        );
    }
}
