//! Checking policies against what their authors expect: flows with the
//! verdicts they must get (`flow`), and assertions over the exact
//! reachability graph (`reach`). The test files are read by `load`; this
//! resolves every reference first (all bad ones reported together), then
//! evaluates.

mod flow;
mod reach;
mod replay;

pub(crate) use flow::flow_request;
pub(crate) use replay::{Example, Group, ReplayReport, Replayer, Rule};

use serde::Serialize;

use crate::load::{Suite, TestBody};
use crate::model::Cluster;
use crate::sim::eval::Words;
use crate::sim::eval::{Evaluator, Outcome};
use crate::sim::reach::{Conns, Progress};
use crate::syntax::{LoadError, LoadErrors, Sources};

/// The results of every test file.
#[derive(Debug, Serialize)]
pub(crate) struct Report {
    pub passed: usize,
    pub failed: usize,
    pub suites: Vec<SuiteReport>,
}

impl Report {
    pub(crate) fn tests(&self) -> impl Iterator<Item = (&SuiteReport, &TestResult)> {
        self.suites
            .iter()
            .flat_map(|s| s.tests.iter().map(move |t| (s, t)))
    }
}

/// One test file's results, in file order.
#[derive(Debug, Serialize)]
pub(crate) struct SuiteReport {
    pub file: String,
    pub tests: Vec<TestResult>,
}

/// What a test checks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TestKind {
    Flow,
    Reach,
}

#[derive(Debug, Serialize)]
pub(crate) struct TestResult {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: TestKind,
    /// Where the test is written, `file:line:col`.
    pub at: String,
    pub passed: bool,
    /// What the policies did, in a line: `allow (ingress: shop/api-allow-web
    /// ingress[0])`, or for a reachability test what reaches.
    pub got: String,
    /// Why the test failed, one line per unmet expectation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<String>,
    /// A failed reachability test: each connection it forbids that the
    /// policies allow.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reached: Vec<Reached>,
    /// A failed flow test: the full evaluation of the (first) failing flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outcome: Option<Box<Outcome>>,
}

/// Connections a reachability test forbids that the policies allow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Reached {
    /// Graph node ids: `namespace/name` of a workload, or an address range.
    pub src: String,
    pub dst: String,
    /// Exactly what passes (restricted to the test's port, when it has
    /// one): what at least one pod of `src` can open to one of `dst`.
    pub conns: Conns,
}

/// What the tests run against: the compiled policies, the cluster, and
/// the sources (for `file:line:col`).
#[derive(Clone, Copy)]
pub(crate) struct Target<'a> {
    pub evaluator: &'a Evaluator<'a>,
    pub cluster: &'a Cluster,
    pub sources: &'a Sources,
}

/// Runs every test of `suites` against the compiled policies. Bad
/// references (an unknown pod, a policy that does not exist, a target
/// that matches nothing) are bad input: all of them, with the `read`
/// errors found reading the files, are returned at once and nothing is
/// evaluated. `namespace` is where bare names in flows are;
/// `words` words what a flow lacks in the test file's terms, and what a
/// refused client gets.
pub(crate) fn run(
    target: &Target,
    suites: &[Suite],
    read: Vec<LoadError>,
    namespace: &str,
    words: &dyn Words,
    progress: &dyn Progress,
) -> Result<Report, LoadErrors> {
    let Target {
        evaluator: ev,
        cluster,
        sources,
    } = *target;
    let mut problems: Vec<Problem> = Vec::new();
    // The graph is computed once, and only when some test asks about it.
    let graph = std::cell::OnceCell::new();
    let graph = || {
        graph.get_or_init(|| {
            crate::sim::reach::compute(
                ev,
                cluster,
                &crate::sim::reach::Options::default(),
                progress,
            )
        })
    };
    let mut resolved = Vec::new();
    for suite in suites {
        let mut tests = Vec::new();
        for test in &suite.tests {
            let checked = match &test.body {
                TestBody::Flow { flow, expect } => {
                    flow::resolve(ev, cluster, flow, expect, namespace, words).map(Resolved::Flow)
                }
                TestBody::Reach(spec) => {
                    reach::resolve(graph(), spec, namespace).map(Resolved::Reach)
                }
            };
            match checked {
                Ok(r) => tests.push((test, r)),
                Err(mut p) => problems.append(&mut p),
            }
        }
        resolved.push((suite, tests));
    }
    if !problems.is_empty() || !read.is_empty() {
        let mut errors: Vec<LoadError> = problems
            .into_iter()
            .map(|p| match sources.get(p.span.file) {
                Some(src) => LoadError::invalid(src, p.span, p.message, p.label, p.help),
                None => LoadError::Io {
                    path: "<unknown>".into(),
                    message: p.message,
                },
            })
            .chain(read)
            .collect();
        errors.sort_by_key(LoadError::sort_key);
        return Err(LoadErrors { errors });
    }
    let locate = |s| sources.locate(s);
    let mut report = Report {
        passed: 0,
        failed: 0,
        suites: Vec::new(),
    };
    for (suite, tests) in resolved {
        let mut results = Vec::new();
        for (test, r) in tests {
            let mut result = match r {
                Resolved::Flow(f) => f.check(ev, &locate, words),
                Resolved::Reach(r) => r.check(graph()),
            };
            result.name = test.name.clone();
            result.at = sources.locate(test.span);
            if result.passed {
                report.passed += 1;
            } else {
                report.failed += 1;
            }
            results.push(result);
        }
        report.suites.push(SuiteReport {
            file: suite.name.clone(),
            tests: results,
        });
    }
    Ok(report)
}

enum Resolved {
    Flow(flow::FlowTest),
    Reach(reach::ReachTest),
}

/// A bad reference in a test file.
struct Problem {
    span: crate::model::Span,
    message: String,
    label: &'static str,
    help: Option<String>,
}
