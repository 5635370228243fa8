//! The command line: global flags, one file per subcommand, dispatch.

mod completion;
mod describe;
mod get;
mod graph;
mod simulate;
mod version;

pub use completion::generate as completion_script;

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use miette::Result;

use crate::dialect::lower::{self, Choice};
use crate::load::{Inputs, Inventory, load};
use crate::model::policy::{Cni, PolicySet, Version};
use crate::render::Printer;

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

/// Flags every command takes, kubectl's names and meanings.
#[derive(Debug, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Manifest file, directory, or `-` for stdin (repeatable)
    #[arg(short = 'f', long = "filename", global = true, value_name = "PATH")]
    pub filename: Vec<PathBuf>,
    /// Read directories given with -f recursively
    #[arg(short = 'R', long, global = true)]
    pub recursive: bool,
    /// Namespace to show or resolve bare names in
    #[arg(short = 'n', long, global = true, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// All namespaces
    #[arg(short = 'A', long, global = true, conflicts_with = "namespace")]
    pub all_namespaces: bool,
    /// Output format
    #[arg(short = 'o', long, global = true, value_enum, value_name = "FORMAT")]
    pub output: Option<OutputFormat>,
    /// Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)
    #[arg(short = 'l', long, global = true, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Kubeconfig context, for commands that talk to a cluster
    #[arg(long, global = true, value_name = "NAME")]
    pub context: Option<String>,
    /// Kubeconfig file, for commands that talk to a cluster
    #[arg(
        long,
        global = true,
        value_name = "PATH",
        env = "KUBECONFIG",
        hide_env_values = true
    )]
    pub kubeconfig: Option<PathBuf>,
    /// When to color output (NO_COLOR is honoured; never when not a terminal)
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// More detail on stderr (repeatable)
    #[arg(short = 'v', long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether a stream should be colored, by flag, NO_COLOR and terminal.
    pub fn resolve(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Table,
    Wide,
    Yaml,
    Json,
    Name,
    // Diagrams, for `polctl graph` only.
    Dot,
    Mermaid,
    Svg,
    Html,
}

impl OutputFormat {
    /// Formats that draw a graph: only `polctl graph` has one to draw.
    pub fn is_diagram(self) -> bool {
        matches!(
            self,
            OutputFormat::Dot | OutputFormat::Mermaid | OutputFormat::Svg | OutputFormat::Html
        )
    }

    fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }
}

/// The usage error for a diagram format given to a command without a graph;
/// `formats` lists what the command prints instead.
pub fn diagram_only(format: OutputFormat, command: &str, formats: &str) -> miette::Report {
    miette::miette!(
        code = "polctl::usage::output",
        help = format!(
            "`polctl {command}` prints {formats}; \
             `polctl graph -o {}` draws the reachability graph",
            format.name()
        ),
        "-o {} draws a graph: only `polctl graph` takes it",
        format.name()
    )
}

/// The dataplane being simulated: explicit inputs for plugin- and
/// version-specific behaviour (auto-detected from the loaded kinds).
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Dataplane")]
pub struct DataplaneArgs {
    /// Network plugin whose semantics apply [default: detected from the loaded kinds]
    #[arg(long, value_enum, value_name = "CNI")]
    pub cni: Option<CniArg>,
    /// Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching
    #[arg(long, value_name = "X.Y", value_parser = parse_version)]
    pub calico_version: Option<Version>,
    /// Cilium release
    #[arg(long, value_name = "X.Y", value_parser = parse_version)]
    pub cilium_version: Option<Version>,
    /// No application layer: HTTP rules act as plain L3/L4 rules
    #[arg(long)]
    pub no_app_layer: bool,
    /// A DNS answer Cilium's proxy saw, for toFQDNs rules (repeatable)
    #[arg(long, value_name = "NAME=IP[,IP]")]
    pub dns: Vec<String>,
    /// DNS answers in /etc/hosts form (`IP NAME...` per line)
    #[arg(long, value_name = "FILE")]
    pub dns_file: Vec<std::path::PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CniArg {
    K8s,
    Calico,
    Cilium,
}

fn parse_version(text: &str) -> std::result::Result<Version, String> {
    Version::parse(text).ok_or_else(|| format!("`{text}` is not a version like 3.31"))
}

/// Reads a file named on the command line (a flows file, a DNS table).
pub fn read_input(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        miette::miette!(
            code = "polctl::input::io",
            "cannot read {}: {e}",
            path.display()
        )
    })
}

impl DataplaneArgs {
    /// Adds the DNS answers given on the command line to the cluster.
    pub fn read_dns(&self, cluster: &mut crate::model::Cluster) -> Result<()> {
        use crate::load::dns;
        for path in &self.dns_file {
            let text = read_input(path)?;
            dns::read_hosts(&path.display().to_string(), &text, &mut cluster.dns)
                .map_err(|e| miette::Report::new(*e))?;
        }
        for arg in &self.dns {
            dns::read_arg(arg, &mut cluster.dns)
                .map_err(|e| miette::miette!(code = "polctl::usage::dns", "{e}"))?;
        }
        Ok(())
    }

    pub fn choice(&self) -> Choice {
        Choice {
            cni: self.cni.map(|c| match c {
                CniArg::K8s => Cni::K8s,
                CniArg::Calico => Cni::Calico,
                CniArg::Cilium => Cni::Cilium,
            }),
            calico_version: self.calico_version,
            cilium_version: self.cilium_version,
            app_layer: !self.no_app_layer,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Simulate(Box<simulate::SimulateArgs>),
    Graph(Box<graph::GraphArgs>),
    Describe(describe::DescribeArgs),
    Get(get::GetArgs),
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
    pub global: GlobalArgs,
    pub printer: Printer,
}

impl Ctx {
    pub fn new(global: GlobalArgs) -> Self {
        let printer = Printer::new(
            global.color.resolve(std::io::stderr().is_terminal()),
            global.color.resolve(std::io::stdout().is_terminal()),
        );
        Ctx { global, printer }
    }

    /// The `-o` format of a command that prints no graph: diagram formats
    /// are a usage error naming the `formats` it takes.
    pub fn output(&self, command: &str, formats: &str) -> Result<Option<OutputFormat>> {
        match self.global.output {
            Some(format) if format.is_diagram() => Err(diagram_only(format, command, formats)),
            other => Ok(other),
        }
    }

    /// The namespace filter: `None` means all namespaces.
    pub fn namespace_filter(&self) -> Option<&str> {
        if self.global.all_namespaces {
            None
        } else {
            Some(self.global.namespace.as_deref().unwrap_or("default"))
        }
    }

    /// Loads the manifests named with `-f`, printing warnings.
    pub fn load(&self) -> Result<Inventory> {
        if self.global.filename.is_empty() {
            return Err(miette::miette!(
                code = "polctl::usage::no_input",
                help = "pass manifests with -f FILE, -f DIR (-R to recurse) or -f - for stdin",
                "no input manifests"
            ));
        }
        let inputs = Inputs {
            paths: self.global.filename.clone(),
            recursive: self.global.recursive,
        };
        let inventory = load(&inputs, &mut std::io::stdin().lock())?;
        let verbose = self.global.verbose > 0;
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
    pub fn compile(&self, inventory: &Inventory, dataplane: &DataplaneArgs) -> Result<PolicySet> {
        let choice = dataplane.choice();
        if let (Some(v), Some(Cni::K8s | Cni::Cilium)) = (choice.calico_version, choice.cni) {
            return Err(miette::miette!(
                code = "polctl::usage::dataplane",
                "--calico-version {v} needs --cni calico"
            ));
        }
        if let Some(v) = choice.calico_version
            && !(lower::CALICO_OLDEST..=lower::CALICO_LATEST).contains(&v)
        {
            return Err(miette::miette!(
                code = "polctl::usage::dataplane",
                help = format!(
                    "polctl models Calico {} to {}",
                    lower::CALICO_OLDEST,
                    lower::CALICO_LATEST
                ),
                "unsupported --calico-version {v}"
            ));
        }
        let input = lower::Input::from(inventory);
        let lowered = lower::lower(&input, &choice);
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

pub fn run(cli: Cli) -> Result<ExitStatus> {
    let ctx = Ctx::new(cli.global);
    match &cli.command {
        Command::Simulate(args) => simulate::run(&ctx, args),
        Command::Graph(args) => graph::run(&ctx, args),
        Command::Describe(args) => describe::run(&ctx, args),
        Command::Get(args) => get::run(&ctx, args),
        Command::Completion(args) => completion::run(&ctx, args),
        Command::Version(args) => version::run(&ctx, args),
    }
}
