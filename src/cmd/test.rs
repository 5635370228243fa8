//! `polctl test`: the policy tests next to the policies (or given with
//! `--tests`), run against the loaded manifests.

use std::path::PathBuf;

use clap::{Args, ValueEnum};
use miette::Result;

use super::args::{ClusterArgs, DataplaneArgs, FormatParser, InputArgs, NamespaceArgs};
use super::{Ctx, ExitStatus, UsageError};
use crate::load::{Inventory, find_test_files, read_suite};
use crate::model::policy::PolicySet;
use crate::render::hint::Wording;
use crate::render::test as view;
use crate::sim::eval::Evaluator;
use crate::sim::reach::Progress;
use crate::verify;

/// Run policy tests: flows with the verdicts they must get, and reachability assertions
#[derive(Debug, Args)]
#[command(
    after_help = "Test files are found next to the policies: every *.polctl-test.yaml in the
directories given with -f (recursively with -R). --tests adds others.

A test file is the list of flows `polctl simulate --flows` reads, each with
`expect` (allow, deny, deny-l7 or deny-auth), or a map of named tests:

  tests:
    - name: the web tier reaches the api
      flow: {from: shop/web, to: shop/api, port: 8080}
      expect: {verdict: allow, pending: deny,
               decidedBy: {kind: NetworkPolicy, namespace: shop, name: api-allow-web}}
    - name: only the api reaches the database
      reach: {to: shop/db, port: 5432, allowed: [shop/api]}
    - name: the database opens no connection
      isolated: {target: shop/db, direction: egress}

Exit status: 0 every test passed, 1 a test failed, 2 bad input (every bad
reference of every test file is reported).

Examples:
  # The tests next to the tiers fixture
  polctl test -f fixtures/tiers

  # The Star Wars demo's flows, each with its expected verdict
  polctl test -f fixtures/starwars

  # A test file kept elsewhere, results as JSON
  polctl test -f fixtures/tiers --tests tests/flows/tiers.yaml -o json"
)]
pub struct TestArgs {
    /// A test file besides those found next to the policies (repeatable)
    #[arg(long = "tests", value_name = "FILE")]
    pub tests: Vec<PathBuf>,
    /// Also write the results as JUnit XML to FILE, for CI (one testsuite per test file)
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Output format [default: table]
    #[arg(short = 'o', long, value_name = "FORMAT", value_parser = FormatParser::<TestFormat>::new())]
    pub output: Option<TestFormat>,
    #[command(flatten)]
    pub namespace: NamespaceArgs,
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub cluster: ClusterArgs,
    #[command(flatten)]
    pub dataplane: DataplaneArgs,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TestFormat {
    Table,
    Json,
}

pub(crate) fn run(ctx: &Ctx, args: &TestArgs) -> Result<ExitStatus> {
    let mut files = find_test_files(&args.input.filename, args.input.recursive);
    for path in &args.tests {
        if !files.contains(path) {
            files.push(path.clone());
        }
    }
    let mut inventory = ctx.load_from(&args.input, &args.cluster)?;
    if files.is_empty() {
        return Err(UsageError::Value {
            flag: "-f",
            value: args
                .input
                .filename
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(" "),
            message: "no test files (*.polctl-test.yaml) there".into(),
            help: Some(
                "put *.polctl-test.yaml files next to the policies (-R to search \
                 subdirectories), or pass --tests FILE"
                    .into(),
            ),
        }
        .into());
    }
    super::read_dns(&args.dataplane, &mut inventory.cluster)?;
    let set = ctx.compile(&inventory, &args.dataplane)?;
    let report = run_files(ctx, &mut inventory, &set, &files, args.namespace.resolve())?;
    if let Some(path) = &args.junit {
        std::fs::write(path, view::junit(&report, &set.dataplane))
            .map_err(|e| UsageError::io(path, e))?;
    }
    match args.output.unwrap_or(TestFormat::Table) {
        TestFormat::Json => ctx.printer.json(&report)?,
        TestFormat::Table => {
            ctx.printer.raw(&view::human(
                &report,
                &set.dataplane,
                ctx.printer.out_color(),
            ))?;
        }
    }
    Ok(if report.failed > 0 {
        ExitStatus::CheckFailed
    } else {
        ExitStatus::Success
    })
}

/// Runs the test files against the compiled policies (`apply` runs them
/// too, before it sends anything). Bad references in any file are bad
/// input, reported together.
pub(in crate::cmd) fn run_files(
    ctx: &Ctx,
    inventory: &mut Inventory,
    set: &PolicySet,
    files: &[PathBuf],
    namespace: &str,
) -> Result<verify::Report> {
    let mut suites = Vec::new();
    let mut errors = Vec::new();
    for path in files {
        let text = super::read_input(path)?;
        let (suite, mut problems) =
            read_suite(&path.display().to_string(), text, &mut inventory.sources);
        suites.push(suite);
        errors.append(&mut problems);
    }
    let evaluator = Evaluator::new(set, &inventory.cluster);
    let target = verify::Target {
        evaluator: &evaluator,
        cluster: &inventory.cluster,
        sources: &inventory.sources,
    };
    let bar = Bar(ctx
        .printer
        .progress_bar("{spinner} probing {pos}/{len} endpoint pairs {wide_bar} {eta}"));
    let report = verify::run(
        &target,
        &suites,
        errors,
        namespace,
        &Wording::FlowsFile,
        &bar,
    );
    bar.0.finish_and_clear();
    Ok(report?)
}

/// The printer's progress bar, fed by the reachability computation.
struct Bar(indicatif::ProgressBar);

impl Progress for Bar {
    fn start(&self, total: u64) {
        self.0.set_length(total);
    }

    fn advance(&self, n: u64) {
        self.0.inc(n);
    }
}
