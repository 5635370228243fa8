//! Reading manifests: files, directories and stdin; YAML and JSON;
//! `kind: List` and `*List`; every object with its source span.

pub mod dns;
mod flows;
mod observed;
mod suite;

use std::io::Read;
use std::path::{Path, PathBuf};

pub use crate::syntax::{LoadError, LoadErrors, Warning};
pub use crate::syntax::{SourceFile, Sources, source_span};
pub use flows::{AuthOutcome, Expectation, FlowSpec, FlowsRead, read_flows, read_flows_apart};
pub use observed::{
    BadRecord, BadRecords, ObservedEnd, ObservedFlow, ObservedFormat, ObservedVerdict, RecordError,
    parse_line, read_records,
};
pub(crate) use suite::{
    DeciderSpec, Expect, ExpectedVerdict, ReachSpec, Suite, TargetSpec, TestBody, find_test_files,
    is_test_file, read_suite, target_label,
};

use crate::dialect::cluster::{Loaded, assemble};
use crate::dialect::kinds::Kind;
use crate::dialect::lower;
use crate::dialect::{Decoded, Manifest, PolicyObject, calico, decode};
use crate::model::{Cluster, FileId, Span, Spanned};
use crate::syntax::Problem;
use crate::syntax::yaml::{self, SpannedNode, Value};

/// Where manifests come from, as given with `-f`/`-R`.
#[derive(Clone, Debug, Default)]
pub struct Inputs {
    /// Files, directories, or `-` for stdin.
    pub paths: Vec<PathBuf>,
    pub recursive: bool,
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Inventory {
    pub sources: Sources,
    pub cluster: Cluster,
    pub(crate) policies: Vec<PolicyObject>,
    /// Calico Tier objects (the built-in tiers are implied, not listed).
    pub(crate) tiers: Vec<Spanned<calico::Tier>>,
    pub(crate) profiles: Vec<Spanned<calico::Profile>>,
    /// Every object read, in input order, repeats included: what
    /// `polctl apply` sends.
    pub(crate) manifests: Vec<ManifestRef>,
    pub warnings: Vec<Warning>,
}

/// One object as read, before assembly drops repeats: its kind, identity
/// and where its mapping is.
#[derive(Clone, Debug)]
pub(crate) struct ManifestRef {
    pub kind: &'static Kind,
    /// The namespace a namespaced object goes to (`default` when the
    /// manifest leaves it out, as polctl simulates it); `None` for a
    /// cluster-scoped kind.
    pub namespace: Option<String>,
    pub name: String,
    /// The object's mapping.
    pub span: Span,
    /// The content without positions, as `SpannedNode::fingerprint`.
    pub fingerprint: u64,
}

impl Inventory {
    /// How many policies of every dialect were loaded.
    pub fn policy_count(&self) -> usize {
        self.policies.len()
    }

    /// How many Calico Tier objects were loaded (built-in tiers are implied).
    pub fn tier_count(&self) -> usize {
        self.tiers.len()
    }
}

impl<'a> From<&'a Inventory> for lower::Input<'a> {
    /// What the policy compiler reads: the cluster and every policy, tier
    /// and profile loaded.
    fn from(inventory: &'a Inventory) -> Self {
        lower::Input {
            cluster: &inventory.cluster,
            policies: &inventory.policies,
            tiers: &inventory.tiers,
            profiles: &inventory.profiles,
        }
    }
}

/// Where a namespaced object without `metadata.namespace` is.
const DEFAULT_NAMESPACE: &str = "default";

const MANIFEST_EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Reads every input. All problems are collected and returned together.
pub fn load(inputs: &Inputs, stdin: &mut dyn Read) -> Result<Inventory, LoadErrors> {
    load_over(&[], inputs, stdin)
}

/// Reads documents held in memory (the live cluster's objects: a name and
/// YAML text each), then the inputs over them: an object of a file
/// replaces the one of the same name, as `kubectl apply` would.
pub fn load_over(
    texts: &[(String, String)],
    inputs: &Inputs,
    stdin: &mut dyn Read,
) -> Result<Inventory, LoadErrors> {
    let mut reader = Reader::default();
    for (name, text) in texts {
        reader.text(name, text.clone());
    }
    for path in &inputs.paths {
        reader.input(path, inputs.recursive, stdin);
    }
    reader.finish()
}

/// Reads manifests from in-memory text (tests, fuzzing, stdin).
pub fn load_text(name: &str, text: &str) -> Result<Inventory, LoadErrors> {
    let mut reader = Reader::default();
    reader.text(name, text.to_string());
    reader.finish()
}

#[derive(Default)]
struct Reader {
    sources: Sources,
    objects: Vec<Loaded>,
    manifests: Vec<ManifestRef>,
    errors: Vec<LoadError>,
    warnings: Vec<Warning>,
}

impl Reader {
    fn warn(&mut self, span: Span, message: impl Into<String>) {
        self.warnings.push(Warning {
            location: self.sources.locate(span),
            message: message.into(),
            skipped_file: false,
        });
    }

    fn problem(&mut self, problem: Problem, label: &str) {
        self.errors
            .push(LoadError::from_problem(&self.sources, problem, label));
    }

    fn input(&mut self, path: &Path, recursive: bool, stdin: &mut dyn Read) {
        if path.as_os_str() == "-" {
            let mut text = String::new();
            match stdin.read_to_string(&mut text) {
                Ok(_) => self.text("<stdin>", text),
                Err(e) => self.errors.push(LoadError::Io {
                    path: "<stdin>".into(),
                    message: e.to_string(),
                }),
            }
        } else if path.is_dir() {
            self.directory(path, recursive);
        } else if is_test_file(path) {
            // A policy test file: `polctl test` reads it, not as manifests.
        } else {
            self.file(path);
        }
    }

    fn directory(&mut self, dir: &Path, recursive: bool) {
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            Err(e) => {
                self.errors.push(LoadError::Io {
                    path: dir.display().to_string(),
                    message: e.to_string(),
                });
                return;
            }
        };
        let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                if recursive {
                    self.directory(&path, recursive);
                }
            } else if is_test_file(&path) {
                // Policy tests live next to the policies they test.
            } else if is_manifest_file(&path) {
                self.file(&path);
            } else if !is_documentation(&path) {
                self.warnings.push(Warning {
                    location: format!("{}:1:1", path.display()),
                    message: "skipped: not a manifest file (.yaml, .yml or .json)".into(),
                    skipped_file: true,
                });
            }
        }
    }

    fn file(&mut self, path: &Path) {
        match std::fs::read(path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => self.text(&path.display().to_string(), text),
                Err(_) => self.errors.push(LoadError::Io {
                    path: path.display().to_string(),
                    message: "the file is not UTF-8 text".into(),
                }),
            },
            Err(e) => self.errors.push(LoadError::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            }),
        }
    }

    fn text(&mut self, name: &str, text: String) {
        let src = SourceFile::new(name, text);
        let id = self.sources.add(src.clone());
        match yaml::parse_documents(id, src.text()) {
            Ok(docs) => {
                for doc in &docs {
                    self.object(doc, None, id);
                }
            }
            Err(e) => self.errors.push(LoadError::syntax(
                &src,
                e.span,
                format!("invalid YAML: {}", e.message),
            )),
        }
    }

    /// One object, or the items of a list. `list_kind` is the kind a typed
    /// list (`PodList`) implies for items that leave out their own.
    fn object(&mut self, node: &SpannedNode, list: Option<(&str, &str)>, file: FileId) {
        let Value::Map(_) = node.value else {
            self.warn(
                node.span,
                format!("skipped: not a Kubernetes object ({})", node.type_name()),
            );
            return;
        };
        let api_version = node
            .get("apiVersion")
            .and_then(SpannedNode::as_str)
            .or(list.map(|l| l.0));
        let kind_node = node.get("kind");
        let kind = kind_node
            .and_then(SpannedNode::as_str)
            .or(list.map(|l| l.1).filter(|k| !k.is_empty()));
        let (api_version, kind) = match (api_version, kind) {
            (Some(a), Some(k)) => (a.to_string(), k.to_string()),
            (None, None) => {
                self.warn(
                    node.span.sub(0, 0),
                    "skipped: not a Kubernetes object (no apiVersion or kind)",
                );
                return;
            }
            (None, Some(_)) => {
                let span = kind_node.map_or(node.span, |n| n.span);
                self.problem(
                    Problem::new(span, "object has a kind but no apiVersion"),
                    "kind set here",
                );
                return;
            }
            (Some(_), None) => {
                let span = node.get("apiVersion").map_or(node.span, |n| n.span);
                self.problem(
                    Problem::new(span, "object has an apiVersion but no kind"),
                    "apiVersion set here",
                );
                return;
            }
        };
        let kind_span = kind_node.map_or(node.span.sub(0, 0), |n| n.span);

        if kind == "List" || kind.ends_with("List") {
            match node.get("items").map(|n| &n.value) {
                Some(Value::Seq(items)) => {
                    let item_kind = kind.strip_suffix("List").unwrap_or("");
                    for item in items {
                        self.object(item, Some((&api_version, item_kind)), file);
                    }
                }
                Some(Value::Null) | None => {}
                Some(_) => {
                    let span = node.get("items").map_or(node.span, |n| n.span);
                    self.problem(
                        Problem::new(span, format!("{kind}.items must be a sequence")),
                        "here",
                    );
                }
            }
            return;
        }

        match decode(&api_version, &kind, node) {
            Decoded::Manifest { kind: known, result } => match *result {
            Ok(manifest) => {
                self.check(&manifest, file);
                let fingerprint = node.fingerprint();
                let meta = manifest.metadata();
                if let Some(name) = &meta.name {
                    self.manifests.push(ManifestRef {
                        kind: known,
                        namespace: known.namespaced.then(|| {
                            meta.namespace.as_ref().map_or_else(
                                || DEFAULT_NAMESPACE.to_string(),
                                |n| n.value.clone(),
                            )
                        }),
                        name: name.value.clone(),
                        span: node.span,
                        fingerprint,
                    });
                }
                self.objects.push(Loaded { kind: known, manifest, span: node.span, fingerprint })
            }
            Err(e) => {
                let span = e.span.unwrap_or(node.span);
                self.problem(Problem::new(span, format!("{kind}: {}", e.message)), "here");
            }
            },
            Decoded::UnsupportedVersion { expected } => self.warn(
                kind_span,
                format!("skipped: {kind} of apiVersion {api_version} is not supported (polctl reads {expected})"),
            ),
            Decoded::UnknownKind => self.warn(kind_span, format!("skipped: unknown kind {kind} ({api_version})")),
        }
    }

    /// Every meaning check, with the source text at hand (selector strings
    /// whose errors point inside the string).
    fn check(&mut self, manifest: &Manifest, file: FileId) {
        let Some(src) = self.sources.get(file).cloned() else {
            return;
        };
        let mut problems = Vec::new();
        manifest.check(src.text(), &mut problems);
        for p in problems {
            self.problem(p, "here");
        }
    }

    fn finish(mut self) -> Result<Inventory, LoadErrors> {
        let assembled = assemble(std::mem::take(&mut self.objects));
        for p in assembled.errors {
            self.problem(p, "here");
        }
        for d in assembled.duplicates {
            let first = self.sources.locate(d.first);
            if d.replaced {
                self.warn(
                    d.span,
                    format!(
                        "{}: this definition replaces the one at {first} \
                         (the later file wins, as with kubectl apply -f)",
                        d.message
                    ),
                );
                continue;
            }
            self.problem(
                Problem::new(d.span, d.message).help(format!(
                    "first defined at {first}; an object may be defined once in a file"
                )),
                "defined again here",
            );
        }
        for w in assembled.warnings {
            self.warn(w.span, w.message);
        }
        if !self.errors.is_empty() {
            self.errors.sort_by_cached_key(LoadError::sort_key);
            return Err(LoadErrors {
                errors: self.errors,
            });
        }
        Ok(Inventory {
            sources: self.sources,
            cluster: assembled.cluster,
            policies: assembled.policies,
            tiers: assembled.tiers,
            profiles: assembled.profiles,
            manifests: self.manifests,
            warnings: self.warnings,
        })
    }
}

/// A manifest directory's README and other Markdown files are part of the
/// directory's purpose, not stray input: skipping them is not worth a
/// warning.
fn is_documentation(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("md"))
}

fn is_manifest_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| MANIFEST_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::policy::Dialect;

    /// Whether a node runs the API server is decided when the cluster is
    /// read, from the control-plane role labels (old and new).
    #[test]
    fn control_plane_nodes_run_the_api_server() {
        let node = |name: &str, labels: &str| {
            format!(
                "apiVersion: v1\nkind: Node\nmetadata: {{name: {name}, labels: {{{labels}}}}}\n---\n"
            )
        };
        let text = [
            node("cp", "node-role.kubernetes.io/control-plane: ''"),
            node("old", "node-role.kubernetes.io/master: ''"),
            node("worker", "node-role.kubernetes.io/worker: ''"),
        ]
        .concat();
        let inv = load_text("t.yaml", &text).unwrap();
        let runs: Vec<(&str, bool)> = inv
            .cluster
            .nodes
            .iter()
            .map(|n| (n.name.as_str(), n.api_server))
            .collect();
        assert_eq!(runs, [("cp", true), ("old", true), ("worker", false)]);
    }

    /// Metadata is checked with the rest of the object's meaning, whether
    /// or not assembly can use the object: a nameless pod's bad label is
    /// reported along with the missing name.
    #[test]
    fn every_problem_of_a_nameless_object_is_reported() {
        let errors = load_text(
            "t.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {labels: {-bad: x}}\nspec: {containers: []}\n",
        )
        .unwrap_err()
        .errors;
        let messages: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(messages.len(), 2, "{messages:?}");
        assert!(
            messages[0].contains("Pod has no metadata.name"),
            "{messages:?}"
        );
        assert!(
            messages[1].contains("invalid label key `-bad`"),
            "{messages:?}"
        );
    }

    /// A kind read under another apiVersion is pointed there, whichever
    /// group the wrong apiVersion names; a kind read nowhere is unknown.
    #[test]
    fn a_known_kind_under_another_api_version_names_the_one_read() {
        let inv = load_text(
            "t.yaml",
            "apiVersion: projectcalico.org/v3\nkind: Pod\nmetadata: {name: a}\n---\n\
             apiVersion: networking.k8s.io/v1beta1\nkind: NetworkPolicy\nmetadata: {name: b}\n---\n\
             apiVersion: projectcalico.org/v3\nkind: IPPool\nmetadata: {name: c}\n",
        )
        .unwrap();
        let messages: Vec<&str> = inv.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "skipped: Pod of apiVersion projectcalico.org/v3 is not supported (polctl reads v1)",
                "skipped: NetworkPolicy of apiVersion networking.k8s.io/v1beta1 is not supported (polctl reads networking.k8s.io/v1)",
                "skipped: unknown kind IPPool (projectcalico.org/v3)",
            ]
        );
    }

    /// Every fixture loads through the whole pipeline (typing and every
    /// dialect's meaning checks) without a problem. Fixtures are separate
    /// clusters, so each directory is loaded on its own.
    #[test]
    fn every_fixture_loads_and_checks_clean() {
        let root = std::path::Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures"));
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        let mut policies = Vec::new();
        let (mut tiers, mut profiles, mut heps) = (0, 0, 0);
        for dir in dirs {
            let inputs = Inputs {
                paths: vec![dir.clone()],
                recursive: true,
            };
            let inv = load(&inputs, &mut std::io::empty())
                .unwrap_or_else(|e| panic!("{}: {:#?}", dir.display(), e.errors));
            assert!(
                inv.warnings.iter().all(|w| w.skipped_file),
                "{}: {:#?}",
                dir.display(),
                inv.warnings
            );
            tiers += inv.tiers.len();
            profiles += inv.profiles.len();
            heps += inv.cluster.host_endpoints.len();
            policies.extend(inv.policies);
        }
        let count = |d: Dialect| policies.iter().filter(|p| p.dialect() == d).count();
        assert!(count(Dialect::Calico) >= 4, "Calico policies");
        assert_eq!(count(Dialect::CalicoStaged), 1);
        assert!(count(Dialect::Cilium) >= 5, "Cilium policies");
        assert_eq!(tiers, 2);
        assert_eq!(profiles, 1);
        assert_eq!(heps, 1);
    }
}
