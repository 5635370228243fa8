//! What `polctl apply` sends, and in which order: every object read, once,
//! as the JSON an API server receives. Pure: no cluster is contacted here.

use std::collections::{HashMap, HashSet};

use miette::Diagnostic;
use serde_json::Value;
use thiserror::Error;

use crate::dialect::kinds::{Class, Kind};
use crate::load::{Inventory, LoadError, ManifestRef};
use crate::model::Span;
use crate::syntax::yaml::{self, SpannedNode};

/// Where an object goes in the sending order. Namespaces first, so that
/// what lives in them can be created; Calico tiers before the policies in
/// them (Calico refuses a policy whose tier does not exist); policies
/// before the workloads they protect, so that no pod starts unprotected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Stage {
    Namespace,
    Tier,
    Policy,
    Rest,
}

impl Stage {
    fn of(kind: &Kind) -> Stage {
        match kind.class {
            Class::Namespace => Stage::Namespace,
            Class::Tier => Stage::Tier,
            Class::Policy => Stage::Policy,
            _ => Stage::Rest,
        }
    }
}

/// One object to send.
#[derive(Clone, Debug)]
pub(crate) struct Object {
    pub kind: &'static Kind,
    /// `None` for a cluster-scoped kind.
    pub namespace: Option<String>,
    pub name: String,
    /// The object's mapping in the input.
    pub span: Span,
    /// What is sent: the manifest with its apiVersion, kind and namespace
    /// spelled out, without `status` (the cluster's to write; the API
    /// server ignores it on apply).
    pub body: Value,
}

impl Object {
    /// kubectl's name for the object: `networkpolicy.networking.k8s.io/web`,
    /// `namespace/shop` (the core group has no suffix).
    pub(crate) fn reference(&self) -> String {
        let kind = self.kind.kind.to_ascii_lowercase();
        match self.kind.group() {
            "" => format!("{kind}/{}", self.name),
            group => format!("{kind}.{group}/{}", self.name),
        }
    }

    /// The reference with the namespace, for messages: `shop/networkpolicy…/web`.
    pub(crate) fn qualified(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.reference()),
            None => self.reference(),
        }
    }
}

/// Every object of the input once, in sending order (stable: input order
/// within a stage, as `kubectl apply -f` sends files).
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub objects: Vec<Object>,
}

/// The same object given twice with different content. `polctl`'s other
/// commands let the later file win, as `kubectl apply -f` leaves the
/// cluster; apply refuses, since what the cluster gets would then depend
/// on the order the files are named in.
#[derive(Debug, Error, Diagnostic)]
#[error("{} defined twice with different content; nothing was sent", count(.errors.len()))]
#[diagnostic(
    code(polctl::apply::ambiguous),
    help("keep one definition of each object, or apply the files separately")
)]
pub(crate) struct Ambiguous {
    #[related]
    pub errors: Vec<LoadError>,
}

fn count(n: usize) -> String {
    if n == 1 {
        "1 object".into()
    } else {
        format!("{n} objects")
    }
}

type Key<'a> = (&'static str, &'static str, Option<&'a str>, &'a str);

fn key(m: &ManifestRef) -> Key<'_> {
    (m.kind.group(), m.kind.kind, m.namespace.as_deref(), &m.name)
}

/// The objects of `inventory` in sending order. Repeats with the same
/// content are sent once; repeats with different content are refused,
/// each naming both places.
pub(crate) fn plan(inventory: &Inventory) -> Result<Plan, Ambiguous> {
    let mut first: HashMap<Key, &ManifestRef> = HashMap::new();
    let mut kept: Vec<&ManifestRef> = Vec::new();
    let mut errors = Vec::new();
    for m in &inventory.manifests {
        match first.get(&key(m)) {
            Some(earlier) if earlier.fingerprint == m.fingerprint => {}
            Some(earlier) => {
                let Some(src) = inventory.sources.get(m.span.file) else {
                    continue;
                };
                errors.push(LoadError::invalid(
                    src,
                    m.span.sub(0, 0),
                    format!(
                        "{} {} is defined twice with different content",
                        m.kind.kind,
                        match &m.namespace {
                            Some(ns) => format!("{ns}/{}", m.name),
                            None => m.name.clone(),
                        }
                    ),
                    "defined again here",
                    Some(format!(
                        "first defined at {}",
                        inventory.sources.locate(earlier.span.sub(0, 0))
                    )),
                ));
            }
            None => {
                first.insert(key(m), m);
                kept.push(m);
            }
        }
    }
    if !errors.is_empty() {
        errors.sort_by_cached_key(LoadError::sort_key);
        return Err(Ambiguous { errors });
    }
    kept.sort_by_key(|m| Stage::of(m.kind));
    let bodies = bodies(inventory, &kept);
    let objects = kept
        .into_iter()
        .map(|m| Object {
            kind: m.kind,
            namespace: m.namespace.clone(),
            name: m.name.clone(),
            span: m.span,
            body: body(m, bodies.get(&m.span)),
        })
        .collect();
    Ok(Plan { objects })
}

/// The mappings of `wanted`, read again from their files: the inventory
/// keeps typed objects, and only apply needs them as they were written.
fn bodies(inventory: &Inventory, wanted: &[&ManifestRef]) -> HashMap<Span, Value> {
    let spans: HashSet<Span> = wanted.iter().map(|m| m.span).collect();
    let mut files: Vec<_> = spans.iter().map(|s| s.file).collect();
    files.sort();
    files.dedup();
    let mut out = HashMap::new();
    for file in files {
        let Some(src) = inventory.sources.get(file) else {
            continue;
        };
        // The file parsed when it was loaded; it parses the same again.
        let Ok(docs) = yaml::parse_documents(file, src.text()) else {
            continue;
        };
        for doc in &docs {
            collect(doc, &spans, &mut out);
        }
    }
    out
}

/// Finds the wanted mappings in a document: the document itself, or the
/// items of a `List`.
fn collect(node: &SpannedNode, spans: &HashSet<Span>, out: &mut HashMap<Span, Value>) {
    if spans.contains(&node.span) {
        out.insert(node.span, node.to_json());
        return;
    }
    if let Some(items) = node.get("items")
        && let yaml::Value::Seq(items) = &items.value
    {
        for item in items {
            collect(item, spans, out);
        }
    }
}

fn body(m: &ManifestRef, read: Option<&Value>) -> Value {
    let mut body = match read {
        Some(Value::Object(map)) => map.clone(),
        _ => serde_json::Map::new(),
    };
    body.remove("status");
    // A typed list's items may leave out apiVersion and kind.
    body.insert("apiVersion".into(), m.kind.api_version.into());
    body.insert("kind".into(), m.kind.kind.into());
    let meta = body
        .entry("metadata")
        .or_insert_with(|| Value::Object(Default::default()));
    if let Value::Object(meta) = meta {
        meta.insert("name".into(), m.name.clone().into());
        // Sent where polctl simulated it: an object without a namespace is
        // in `default` whatever the kubeconfig's context says.
        if let Some(ns) = &m.namespace {
            meta.insert("namespace".into(), ns.clone().into());
        }
    }
    // apiVersion and kind first, as manifests are written.
    let mut ordered = serde_json::Map::new();
    for k in ["apiVersion", "kind", "metadata"] {
        if let Some(v) = body.remove(k) {
            ordered.insert(k.into(), v);
        }
    }
    ordered.extend(body);
    Value::Object(ordered)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::load_text;

    fn names(plan: &Plan) -> Vec<String> {
        plan.objects.iter().map(Object::qualified).collect()
    }

    /// Namespaces, then tiers, then policies, then the rest; input order
    /// within each.
    #[test]
    fn objects_are_sent_namespaces_tiers_policies_then_the_rest() {
        let inv = load_text(
            "t.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec: {containers: []}\n---\n\
             apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: shop}\nspec: {podSelector: {}}\n---\n\
             apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: security.q}\nspec: {tier: security, selector: all()}\n---\n\
             apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: 10}\n---\n\
             apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
        )
        .unwrap();
        let plan = plan(&inv).unwrap();
        assert_eq!(
            names(&plan),
            [
                "namespace/shop",
                "tier.projectcalico.org/security",
                "shop/networkpolicy.networking.k8s.io/deny",
                "globalnetworkpolicy.projectcalico.org/security.q",
                "shop/pod/web",
            ]
        );
    }

    /// The body is the manifest as written, with what the API server
    /// needs spelled out: a typed list's item gets its kind, an object
    /// without a namespace goes to `default`, status is left out.
    #[test]
    fn bodies_spell_out_kind_and_namespace_and_leave_out_status() {
        let inv = load_text(
            "t.yaml",
            "apiVersion: v1\nkind: PodList\nitems:\n- metadata: {name: web, labels: {app: web}}\n  spec: {containers: []}\n  status: {podIP: 10.0.0.1}\n",
        )
        .unwrap();
        let plan = plan(&inv).unwrap();
        assert_eq!(
            serde_json::to_string(&plan.objects[0].body).unwrap(),
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web","labels":{"app":"web"},"namespace":"default"},"spec":{"containers":[]}}"#
        );
    }

    /// The same object twice: identical content is sent once; different
    /// content in two files is refused, naming both places.
    #[test]
    fn an_object_defined_twice_differently_is_refused() {
        let ns = |label: &str| {
            format!(
                "apiVersion: v1\nkind: Namespace\nmetadata: {{name: shop, labels: {{a: {label}}}}}\n"
            )
        };
        let same = load_text("t.yaml", &format!("{}---\n{}", ns("x"), ns("x"))).unwrap();
        assert_eq!(names(&plan(&same).unwrap()), ["namespace/shop"]);

        let mut inputs = crate::load::Inputs::default();
        let dir = tempfile::tempdir().unwrap();
        for (file, label) in [("a.yaml", "x"), ("b.yaml", "y")] {
            let path = dir.path().join(file);
            std::fs::write(&path, ns(label)).unwrap();
            inputs.paths.push(path);
        }
        let inv = crate::load::load(&inputs, &mut std::io::empty()).unwrap();
        let err = plan(&inv).unwrap_err();
        assert_eq!(err.errors.len(), 1);
        let LoadError::Invalid { message, help, .. } = &err.errors[0] else {
            panic!("{:?}", err.errors[0]);
        };
        assert_eq!(
            message,
            "Namespace shop is defined twice with different content"
        );
        let first = dir.path().join("a.yaml").display().to_string();
        assert_eq!(
            help.as_deref(),
            Some(format!("first defined at {first}:1:1").as_str())
        );
        assert!(err.errors[0].sort_key().0.ends_with("b.yaml"));
    }
}
