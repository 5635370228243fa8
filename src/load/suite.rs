//! Policy test files (`*.polctl-test.yaml`): flows with the verdicts they
//! must get, and reachability assertions over the whole graph.
//!
//! Two forms. The bare list a `--flows` file is (each flow may carry a
//! `name` and an `expect`):
//!
//! ```yaml
//! - {from: shop/web, to: shop/api, port: 8080, expect: allow}
//! ```
//!
//! or a map with named tests:
//!
//! ```yaml
//! tests:
//!   - name: the web tier reaches the api
//!     flow: {from: shop/web, to: shop/api, port: 8080}
//!     expect:
//!       verdict: allow          # allow | deny | deny-l7 | deny-auth
//!       pending: deny           # with staged policies enforced
//!       decidedBy: {kind: NetworkPolicy, namespace: shop, name: api-allow-web, rule: 0}
//!   - name: only the api reaches the database
//!     reach: {to: shop/db, port: 5432, allowed: [shop/api]}
//!   - name: the database opens nothing
//!     isolated: {target: shop/db, direction: egress}
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::flows::FlowSpec;
use crate::model::{Span, Spanned};
use crate::syntax::de::from_node;
use crate::syntax::yaml::{self, SpannedNode, Value};
use crate::syntax::{LoadError, SourceFile, Sources};

/// The file name ending that marks a test file next to the policies.
pub(crate) const TEST_FILE_SUFFIX: &str = ".polctl-test.yaml";

/// Whether `path` names a policy test file.
pub(crate) fn is_test_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.ends_with(TEST_FILE_SUFFIX))
}

/// The test files among `paths` (files as given, directories searched for
/// `*.polctl-test.yaml`, recursively with `recursive`), sorted per
/// directory.
pub(crate) fn find_test_files(paths: &[PathBuf], recursive: bool) -> Vec<PathBuf> {
    fn walk(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                if recursive {
                    walk(&path, recursive, out);
                }
            } else if is_test_file(&path) {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            walk(path, recursive, &mut out);
        } else if is_test_file(path) {
            out.push(path.clone());
        }
    }
    out
}

/// One test file, read.
#[derive(Clone, Debug)]
pub(crate) struct Suite {
    /// The file name as given or found.
    pub name: String,
    pub tests: Vec<TestSpec>,
}

#[derive(Clone, Debug)]
pub(crate) struct TestSpec {
    pub name: String,
    /// The test's entry in the file.
    pub span: Span,
    pub body: TestBody,
}

#[derive(Clone, Debug)]
pub(crate) enum TestBody {
    /// One flow (a Service as destination: each backend) and what it must
    /// get.
    Flow {
        flow: Spanned<FlowSpec>,
        expect: Spanned<Expect>,
    },
    /// Nothing in `from` but `allowed` reaches anything in `to` (on
    /// `port`, when given).
    Reach(ReachSpec),
}

/// What a flow must get; unset fields are not checked.
#[derive(Clone, Debug, Default)]
pub(crate) struct Expect {
    pub verdict: Option<ExpectedVerdict>,
    /// The verdict with staged policies enforced.
    pub pending: Option<ExpectedVerdict>,
    pub decided_by: Option<Spanned<DeciderSpec>>,
}

/// `allow`, `deny` (at any layer), `deny-l7` (a request refused by an
/// application-layer proxy), `deny-auth` (failed mutual authentication).
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum ExpectedVerdict {
    Allow,
    Deny,
    DenyL7,
    DenyAuth,
}

impl std::fmt::Display for ExpectedVerdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ExpectedVerdict::Allow => "allow",
            ExpectedVerdict::Deny => "deny",
            ExpectedVerdict::DenyL7 => "deny-l7",
            ExpectedVerdict::DenyAuth => "deny-auth",
        })
    }
}

/// The policy (and rule) that must decide.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct DeciderSpec {
    /// `NetworkPolicy`, `GlobalNetworkPolicy`, `CiliumNetworkPolicy`, ...
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub tier: Option<String>,
    #[serde(default)]
    pub namespace: Option<String>,
    pub name: String,
    /// The rule's index in its direction's list.
    #[serde(default)]
    pub rule: Option<usize>,
}

/// A reachability assertion; every target with the span it is written at.
#[derive(Clone, Debug)]
pub(crate) struct ReachSpec {
    pub from: Option<Spanned<TargetSpec>>,
    pub to: Option<Spanned<TargetSpec>>,
    pub port: Option<Spanned<String>>,
    pub allowed: Vec<Spanned<TargetSpec>>,
}

/// Graph nodes a reachability assertion names: a graph reference
/// (`NAMESPACE/NAME`, a label selector, a CIDR), or a map.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TargetSpec {
    /// Workloads in this namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Workloads whose labels this kubectl selector matches.
    #[serde(default)]
    pub selector: Option<String>,
    /// A workload (`NAMESPACE/NAME`, or a name in `namespace`).
    #[serde(default)]
    pub name: Option<String>,
    /// External ranges overlapping this address range.
    #[serde(default)]
    pub cidr: Option<String>,
    /// The shorthand a string is.
    #[serde(skip)]
    pub reference: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ExpectMap {
    #[serde(default)]
    verdict: Option<ExpectedVerdict>,
    #[serde(default)]
    pending: Option<ExpectedVerdict>,
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum IsolationDirection {
    Ingress,
    Egress,
    Both,
}

const HELP: &str = "a test file is a list of flows ({from, to, port, protocol, expect}) \
     or `tests:` with named entries, each with `flow` and `expect`, `reach`, or `isolated`";

/// Reads a test file: the tests that read well, and every problem with
/// the others (a syntax error leaves no tests).
pub(crate) fn read_suite(
    name: &str,
    text: String,
    sources: &mut Sources,
) -> (Suite, Vec<LoadError>) {
    let src = SourceFile::new(name, text);
    let id = sources.add(src.clone());
    let mut reader = SuiteReader {
        src: src.clone(),
        errors: Vec::new(),
        tests: Vec::new(),
    };
    match yaml::parse_documents(id, src.text()) {
        Ok(docs) => {
            for doc in &docs {
                reader.document(doc);
            }
        }
        Err(e) => reader.errors.push(LoadError::syntax(
            &src,
            e.span,
            format!("invalid YAML: {}", e.message),
        )),
    }
    let suite = Suite {
        name: name.to_string(),
        tests: reader.tests,
    };
    (suite, reader.errors)
}

struct SuiteReader {
    src: SourceFile,
    errors: Vec<LoadError>,
    tests: Vec<TestSpec>,
}

impl SuiteReader {
    fn document(&mut self, doc: &SpannedNode) {
        match &doc.value {
            Value::Seq(items) => {
                for item in items {
                    self.bare_flow(item);
                }
            }
            Value::Map(_) => match doc.get("tests") {
                Some(SpannedNode {
                    value: Value::Seq(items),
                    ..
                }) => {
                    self.unknown_keys(doc, &["tests"]);
                    for item in items {
                        self.named(item);
                    }
                }
                Some(other) => self.invalid(
                    other.span,
                    format!("`tests` must be a list, found {}", other.type_name()),
                ),
                None => self.invalid(doc.span, "expected a `tests:` list".into()),
            },
            Value::Null => {}
            _ => self.invalid(
                doc.span,
                format!("expected a list of tests, found {}", doc.type_name()),
            ),
        }
    }

    fn invalid(&mut self, span: Span, message: String) {
        self.errors.push(LoadError::invalid(
            &self.src,
            span,
            message,
            "here",
            Some(HELP.into()),
        ));
    }

    fn unknown_keys(&mut self, node: &SpannedNode, known: &[&str]) {
        if let Value::Map(entries) = &node.value {
            for (k, _) in entries {
                let name = k.as_str().unwrap_or("");
                if !known.contains(&name) {
                    self.invalid(
                        k.span,
                        format!(
                            "unknown field `{name}`, expected one of {}",
                            known.join(", ")
                        ),
                    );
                }
            }
        }
    }

    /// An entry of the bare list: a flow with an optional `name` and
    /// `expect`.
    fn bare_flow(&mut self, item: &SpannedNode) {
        let Value::Map(entries) = &item.value else {
            self.invalid(
                item.span,
                format!("expected a flow, found {}", item.type_name()),
            );
            return;
        };
        let (extra, rest): (Vec<_>, Vec<_>) = entries
            .iter()
            .cloned()
            .partition(|(k, _)| matches!(k.as_str(), Some("name" | "expect")));
        let flow_node = SpannedNode {
            span: item.span,
            value: Value::Map(rest),
        };
        let find = |key: &str| extra.iter().find(|(k, _)| k.as_str() == Some(key));
        let name = find("name").and_then(|(_, v)| v.as_str().map(String::from));
        let expect = find("expect").map(|(_, v)| v.clone());
        self.flow_test(item.span, name, &flow_node, expect.as_ref());
    }

    fn flow_test(
        &mut self,
        span: Span,
        name: Option<String>,
        flow: &SpannedNode,
        expect: Option<&SpannedNode>,
    ) {
        let flow = match from_node::<FlowSpec>(flow) {
            Ok(spec) => Spanned::new(flow.span, spec),
            Err(e) => {
                self.invalid(e.span.unwrap_or(flow.span), e.message);
                return;
            }
        };
        let expect = match expect {
            Some(node) => match self.expect(node) {
                Some(e) => Spanned::new(node.span, e),
                None => return,
            },
            None => {
                self.invalid(
                    span,
                    "a flow test needs `expect` (allow, deny, deny-l7 or deny-auth)".into(),
                );
                return;
            }
        };
        let name = name.unwrap_or_else(|| flow_name(&flow.value));
        self.tests.push(TestSpec {
            name,
            span,
            body: TestBody::Flow { flow, expect },
        });
    }

    fn expect(&mut self, node: &SpannedNode) -> Option<Expect> {
        match &node.value {
            Value::Str(_) => match from_node::<ExpectedVerdict>(node) {
                Ok(v) => Some(Expect {
                    verdict: Some(v),
                    ..Expect::default()
                }),
                Err(e) => {
                    self.invalid(e.span.unwrap_or(node.span), e.message);
                    None
                }
            },
            Value::Map(entries) => {
                let (by, rest): (Vec<_>, Vec<_>) = entries
                    .iter()
                    .cloned()
                    .partition(|(k, _)| k.as_str() == Some("decidedBy"));
                let map = match from_node::<ExpectMap>(&SpannedNode {
                    span: node.span,
                    value: Value::Map(rest),
                }) {
                    Ok(m) => m,
                    Err(e) => {
                        self.invalid(e.span.unwrap_or(node.span), e.message);
                        return None;
                    }
                };
                let decided_by = match by.first() {
                    Some((_, v)) => match from_node::<DeciderSpec>(v) {
                        Ok(d) => Some(Spanned::new(v.span, d)),
                        Err(e) => {
                            self.invalid(e.span.unwrap_or(v.span), e.message);
                            return None;
                        }
                    },
                    None => None,
                };
                if map.verdict.is_none() && map.pending.is_none() && decided_by.is_none() {
                    self.invalid(
                        node.span,
                        "`expect` checks nothing: give `verdict`, `pending` or `decidedBy`".into(),
                    );
                    return None;
                }
                Some(Expect {
                    verdict: map.verdict,
                    pending: map.pending,
                    decided_by,
                })
            }
            _ => {
                self.invalid(
                    node.span,
                    format!("`expect` is a verdict or a map, found {}", node.type_name()),
                );
                None
            }
        }
    }

    /// An entry of `tests:`.
    fn named(&mut self, item: &SpannedNode) {
        if !matches!(item.value, Value::Map(_)) {
            self.invalid(
                item.span,
                format!("expected a test, found {}", item.type_name()),
            );
            return;
        }
        let name = match item.get("name") {
            Some(n) => match n.as_str() {
                Some(s) => Some(s.to_string()),
                None => {
                    self.invalid(n.span, "`name` must be a string".into());
                    return;
                }
            },
            None => None,
        };
        let kinds: Vec<&str> = ["flow", "reach", "isolated"]
            .into_iter()
            .filter(|k| item.get(k).is_some())
            .collect();
        match kinds.as_slice() {
            ["flow"] => {
                self.unknown_keys(item, &["name", "flow", "expect"]);
                if let Some(flow) = item.get("flow") {
                    self.flow_test(item.span, name, flow, item.get("expect"));
                }
            }
            ["reach"] => {
                self.unknown_keys(item, &["name", "reach"]);
                if let Some(spec) = item.get("reach").and_then(|n| self.reach(n)) {
                    let name = name.unwrap_or_else(|| reach_name(&spec));
                    self.tests.push(TestSpec {
                        name,
                        span: item.span,
                        body: TestBody::Reach(spec),
                    });
                }
            }
            ["isolated"] => {
                self.unknown_keys(item, &["name", "isolated"]);
                if let Some(node) = item.get("isolated") {
                    self.isolated(item.span, name, node);
                }
            }
            _ => self.invalid(
                item.span,
                "a test has exactly one of `flow` (with `expect`), `reach` or `isolated`".into(),
            ),
        }
    }

    fn reach(&mut self, node: &SpannedNode) -> Option<ReachSpec> {
        if !matches!(node.value, Value::Map(_)) {
            self.invalid(
                node.span,
                format!("`reach` is a map, found {}", node.type_name()),
            );
            return None;
        }
        let before = self.errors.len();
        self.unknown_keys(node, &["from", "to", "port", "allowed"]);
        let from = node.get("from").and_then(|n| self.target(n));
        let to = node.get("to").and_then(|n| self.target(n));
        let port = node.get("port").and_then(|n| match &n.value {
            Value::Int(i) => Some(Spanned::new(n.span, i.to_string())),
            Value::Str(s) => Some(Spanned::new(n.span, s.clone())),
            _ => {
                self.invalid(n.span, "`port` is a number or `PORT/PROTO`".into());
                None
            }
        });
        let mut allowed = Vec::new();
        match node.get("allowed") {
            Some(SpannedNode {
                value: Value::Seq(items),
                ..
            }) => {
                for item in items {
                    if let Some(t) = self.target(item) {
                        allowed.push(t);
                    }
                }
            }
            Some(other) => self.invalid(other.span, "`allowed` is a list of targets".into()),
            None => {}
        }
        if node.get("from").is_none() && node.get("to").is_none() {
            self.invalid(node.span, "`reach` needs `from`, `to` or both".into());
        }
        (self.errors.len() == before).then_some(ReachSpec {
            from,
            to,
            port,
            allowed,
        })
    }

    fn target(&mut self, node: &SpannedNode) -> Option<Spanned<TargetSpec>> {
        match &node.value {
            Value::Str(s) => Some(Spanned::new(
                node.span,
                TargetSpec {
                    namespace: None,
                    selector: None,
                    name: None,
                    cidr: None,
                    reference: Some(s.clone()),
                },
            )),
            Value::Map(_) => match from_node::<TargetSpec>(node) {
                Ok(t) if t == TargetSpec::empty() => {
                    self.invalid(
                        node.span,
                        "a target needs `namespace`, `selector`, `name` or `cidr`".into(),
                    );
                    None
                }
                Ok(t) => Some(Spanned::new(node.span, t)),
                Err(e) => {
                    self.invalid(e.span.unwrap_or(node.span), e.message);
                    None
                }
            },
            _ => {
                self.invalid(
                    node.span,
                    format!(
                        "a target is a reference or a map, found {}",
                        node.type_name()
                    ),
                );
                None
            }
        }
    }

    /// `isolated: TARGET` or `{target, direction}`: nothing reaches it
    /// (ingress), it reaches nothing (egress), or both (the default).
    fn isolated(&mut self, span: Span, name: Option<String>, node: &SpannedNode) {
        let (target_node, direction) = match &node.value {
            Value::Map(_) if node.get("target").is_some() => {
                self.unknown_keys(node, &["target", "direction"]);
                let direction = match node.get("direction").map(from_node::<IsolationDirection>) {
                    None => IsolationDirection::Both,
                    Some(Ok(d)) => d,
                    Some(Err(e)) => {
                        self.invalid(e.span.unwrap_or(node.span), e.message);
                        return;
                    }
                };
                (node.get("target").unwrap_or(node), direction)
            }
            _ => (node, IsolationDirection::Both),
        };
        let Some(target) = self.target(target_node) else {
            return;
        };
        let shown = target_label(&target.value);
        let mut push = |dir: &str, spec: ReachSpec| {
            self.tests.push(TestSpec {
                name: match &name {
                    Some(n) if direction == IsolationDirection::Both => format!("{n} ({dir})"),
                    Some(n) => n.clone(),
                    None => format!("{shown} is isolated for {dir}"),
                },
                span,
                body: TestBody::Reach(spec),
            });
        };
        if direction != IsolationDirection::Egress {
            push(
                "ingress",
                ReachSpec {
                    from: None,
                    to: Some(target.clone()),
                    port: None,
                    allowed: Vec::new(),
                },
            );
        }
        if direction != IsolationDirection::Ingress {
            push(
                "egress",
                ReachSpec {
                    from: Some(target),
                    to: None,
                    port: None,
                    allowed: Vec::new(),
                },
            );
        }
    }
}

impl TargetSpec {
    fn empty() -> Self {
        TargetSpec {
            namespace: None,
            selector: None,
            name: None,
            cidr: None,
            reference: None,
        }
    }
}

/// How a target reads in a test name.
pub(crate) fn target_label(t: &TargetSpec) -> String {
    if let Some(r) = &t.reference {
        return r.clone();
    }
    let mut parts = Vec::new();
    let fields = [
        ("namespace", &t.namespace),
        ("selector", &t.selector),
        ("name", &t.name),
        ("cidr", &t.cidr),
    ];
    for (k, v) in fields {
        if let Some(v) = v {
            parts.push(format!("{k} {v}"));
        }
    }
    parts.join(", ")
}

/// `shop/web -> shop/api 8080/TCP`, the name of an unnamed flow test.
fn flow_name(f: &FlowSpec) -> String {
    use crate::dialect::common::IntOrString;
    let mut s = format!("{} -> {}", f.from, f.to);
    let proto = match &f.protocol {
        Some(IntOrString::Int(n)) => Some(n.to_string()),
        Some(IntOrString::Str(p)) => Some(p.to_uppercase()),
        None => None,
    };
    let port = match &f.port {
        Some(IntOrString::Int(p)) => Some(p.to_string()),
        Some(IntOrString::Str(p)) => Some(p.clone()),
        None => None,
    };
    match (port, proto) {
        (Some(p), pr) => s.push_str(&format!(" {p}/{}", pr.as_deref().unwrap_or("TCP"))),
        (None, Some(pr)) => s.push_str(&format!(" {pr}")),
        (None, None) => {}
    }
    if let (Some(m), Some(p)) = (&f.method, &f.path) {
        s.push_str(&format!(" {m} {p}"));
    }
    s
}

/// `nothing reaches shop/db on 5432 but shop/api`, the name of an unnamed
/// reachability test.
fn reach_name(r: &ReachSpec) -> String {
    let from = r
        .from
        .as_ref()
        .map_or("anything".into(), |t| target_label(&t.value));
    let to =
        r.to.as_ref()
            .map_or("anything".into(), |t| target_label(&t.value));
    let mut s = format!("{from} reaches nothing in {to}");
    if let Some(p) = &r.port {
        s.push_str(&format!(" on {}", p.value));
    }
    if !r.allowed.is_empty() {
        let allowed: Vec<String> = r.allowed.iter().map(|t| target_label(&t.value)).collect();
        s = format!(
            "only {} reach {to}{}",
            allowed.join(", "),
            r.port
                .as_ref()
                .map_or(String::new(), |p| format!(" on {}", p.value))
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str) -> (Suite, Vec<String>) {
        let mut sources = Sources::default();
        let (suite, errors) = read_suite("t.polctl-test.yaml", text.into(), &mut sources);
        let errors = errors.iter().map(|e| e.to_string()).collect();
        (suite, errors)
    }

    #[test]
    fn a_flows_list_is_a_test_file_and_unnamed_flows_are_named_after_themselves() {
        let (suite, errors) = read(
            "- {from: a/x, to: a/y, port: 80, expect: deny-l7}\n\
             - {name: dns, from: a/x, to: a/y, port: 53, protocol: udp, expect: allow}\n",
        );
        assert!(errors.is_empty(), "{errors:?}");
        let names: Vec<&str> = suite.tests.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["a/x -> a/y 80/TCP", "dns"]);
        let TestBody::Flow { expect, .. } = &suite.tests[0].body else {
            panic!("a flow test");
        };
        assert_eq!(expect.value.verdict, Some(ExpectedVerdict::DenyL7));
    }

    #[test]
    fn isolated_in_both_directions_is_two_tests() {
        let (suite, errors) = read("tests:\n  - name: db\n    isolated: shop/db\n");
        assert!(errors.is_empty(), "{errors:?}");
        let sides: Vec<(bool, bool)> = suite
            .tests
            .iter()
            .map(|t| match &t.body {
                TestBody::Reach(r) => (r.from.is_some(), r.to.is_some()),
                TestBody::Flow { .. } => panic!("reach tests"),
            })
            .collect();
        assert_eq!(sides, [(false, true), (true, false)]);
        assert_eq!(suite.tests[0].name, "db (ingress)");
    }

    #[test]
    fn every_problem_of_a_file_is_reported_and_good_tests_are_kept() {
        let (suite, errors) = read(
            "tests:\n\
             \x20 - {name: ok, flow: {from: a/x, to: a/y}, expect: allow}\n\
             \x20 - {name: two kinds, flow: {from: a/x, to: a/y}, reach: {to: a/y}}\n\
             \x20 - {reach: {port: 80}}\n\
             \x20 - {flow: {from: a/x, to: a/y}, expect: {verdict: allow}, extra: 1}\n\
             \x20 - {flow: {from: a/x, to: a/y}}\n",
        );
        assert_eq!(suite.tests.len(), 2, "the good tests are kept");
        assert_eq!(
            errors,
            [
                "a test has exactly one of `flow` (with `expect`), `reach` or `isolated`",
                "`reach` needs `from`, `to` or both",
                "unknown field `extra`, expected one of name, flow, expect",
                "a flow test needs `expect` (allow, deny, deny-l7 or deny-auth)",
            ]
        );
    }

    #[test]
    fn test_files_are_told_apart_by_name() {
        assert!(is_test_file(Path::new("x/tiers.polctl-test.yaml")));
        assert!(!is_test_file(Path::new("x/policies.yaml")));
    }
}
