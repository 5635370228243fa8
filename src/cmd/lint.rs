//! `polctl lint`: findings on policies that load cleanly but probably do
//! not do what was meant, with per-lint levels as rustc and clippy set them.

use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches, ValueEnum};
use miette::Result;

use super::args::{ClusterArgs, DataplaneArgs, FormatParser, InputArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::lint::{self, Level, Levels, Lint};
use crate::render::lint as view;

/// Find what loads but misleads: shadowed rules and policies, empty selectors, CNI quirks
#[derive(Debug, Args)]
#[command(
    after_help = "Each finding has a code, polctl::lint::<name>, and a level: deny fails the
run, warn is reported, allow is silent. -W, -A and -D set a lint's level
(the name, with or without the polctl::lint:: prefix; `-` or `_`); a later
flag wins. `polctl lint --list` lists the lints with their default levels.

Exit status: 0 no finding at deny level (and no warning with
--deny-warnings), 1 otherwise, 2 bad input.

Examples:
  # Every finding on the tiers fixture
  polctl lint -f fixtures/tiers

  # In CI: warnings fail too; SARIF for code scanning
  polctl lint -f fixtures/tiers -R --deny-warnings -o sarif > lint.sarif

  # The Cilium fixture's findings, one lint silenced, as JSON
  polctl lint -f fixtures/cilium-deny -A shadowed_policy -o json

  # The lints, their codes and default levels
  polctl lint --list"
)]
pub struct LintArgs {
    /// List the lints with their codes and levels, and exit
    #[arg(long, conflicts_with_all = [
        "filename", "recursive", "deny_warnings", "cni", "calico_version",
        "cilium_version", "no_app_layer", "dns", "dns_file",
    ])]
    pub list: bool,
    #[command(flatten)]
    pub levels: LintLevels,
    /// Output format [default: text]
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = FormatParser::<LintFormat>::new())]
    pub output: Option<LintFormat>,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LintFormat {
    /// Located diagnostics
    Text,
    Json,
    /// SARIF 2.1.0, for code scanning
    Sarif,
}

/// What decides whether a finding fails: `-W`/`-A`/`-D LINT` and
/// `--deny-warnings`, as `lint` and `apply` (which lints first) take them.
#[derive(Debug, Args)]
pub struct LintLevels {
    #[command(flatten)]
    pub overrides: LevelArgs,
    /// Fail on lint warnings too, not only on lint errors (for CI)
    #[arg(long)]
    pub deny_warnings: bool,
}

impl LintLevels {
    pub fn levels(&self) -> Levels {
        Levels {
            overrides: self.overrides.overrides.clone(),
            deny_warnings: self.deny_warnings,
        }
    }
}

/// `-W`/`-A`/`-D LINT`, in the order given: clap's derive keeps each flag's
/// values apart, so the order across flags is read from their indices.
#[derive(Clone, Debug, Default)]
pub struct LevelArgs {
    pub overrides: Vec<(&'static Lint, Level)>,
}

const LEVEL_FLAGS: [(&str, char, Level, &str); 3] = [
    (
        "warn",
        'W',
        Level::Warn,
        "Report LINT as a warning (repeatable; a later -W/-A/-D wins)",
    ),
    (
        "allow",
        'A',
        Level::Allow,
        "Do not report LINT (repeatable)",
    ),
    (
        "deny",
        'D',
        Level::Deny,
        "Report LINT as an error that fails the run (repeatable)",
    ),
];

fn parse_lint(name: &str) -> Result<&'static Lint, String> {
    lint::find(name).ok_or_else(|| {
        let hint = lint::suggest(name)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        format!("unknown lint `{name}`{hint} (`polctl lint --list` lists them)")
    })
}

impl FromArgMatches for LevelArgs {
    fn from_arg_matches(m: &ArgMatches) -> Result<Self, clap::Error> {
        let mut given: Vec<(usize, &'static Lint, Level)> = Vec::new();
        for (id, _, level, _) in LEVEL_FLAGS {
            if let (Some(values), Some(indices)) =
                (m.get_many::<&'static Lint>(id), m.indices_of(id))
            {
                given.extend(values.zip(indices).map(|(l, i)| (i, *l, level)));
            }
        }
        given.sort_by_key(|(i, _, _)| *i);
        Ok(LevelArgs {
            overrides: given.into_iter().map(|(_, l, level)| (l, level)).collect(),
        })
    }

    fn update_from_arg_matches(&mut self, m: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(m)?;
        Ok(())
    }
}

impl Args for LevelArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        let mut cmd = cmd.next_help_heading("Lint levels");
        for (id, short, _, help) in LEVEL_FLAGS {
            cmd = cmd.arg(
                Arg::new(id)
                    .short(short)
                    .long(id)
                    .value_name("LINT")
                    .action(ArgAction::Append)
                    .value_parser(parse_lint)
                    .help(help),
            );
        }
        cmd
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
    }
}

pub(crate) fn run(ctx: &Ctx, args: &LintArgs) -> Result<ExitStatus> {
    let levels = args.levels.levels();
    if args.list {
        match args.output {
            Some(LintFormat::Json) => ctx.printer.json(&view::list_json(&levels))?,
            Some(LintFormat::Sarif) => {
                return Err(UsageError::Output {
                    message: "--list prints text or JSON, not SARIF".into(),
                }
                .into());
            }
            Some(LintFormat::Text) | None => ctx.printer.raw(&view::list(&levels))?,
        }
        return Ok(ExitStatus::Success);
    }
    let mut inventory = ctx.load_from(&args.input, &args.cluster)?;
    super::read_dns(&args.dataplane, &mut inventory.cluster)?;
    let set = ctx.compile(&inventory, &args.dataplane)?;
    let findings = levels.apply(lint::lint(&inventory, &set));
    match args.output.unwrap_or(LintFormat::Text) {
        LintFormat::Text => ctx.printer.raw(&view::human(
            &findings,
            &inventory.sources,
            &levels,
            &set.dataplane,
            ctx.printer.out_color(),
        ))?,
        LintFormat::Json => ctx.printer.json(&view::json(
            &findings,
            &inventory.sources,
            &levels,
            &set.dataplane,
        ))?,
        LintFormat::Sarif => {
            let base = std::env::current_dir().unwrap_or_default();
            ctx.printer
                .json(&view::sarif(&findings, &inventory.sources, &base))?;
        }
    }
    Ok(if levels.fails(&findings) {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    })
}
