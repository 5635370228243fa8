//! Reading the live cluster: discovery of what it serves, then a
//! paginated LIST of every kind polctl loads.

use std::collections::BTreeMap;

use kube::api::ListParams;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::connect::Connection;
use super::error::ClusterError;
use crate::dialect::kinds::{KINDS, Kind};

/// Items asked for per LIST request (kubectl's `--chunk-size` default).
pub const PAGE_SIZE: u32 = 500;

/// One object as the cluster holds it (without `managedFields`).
#[derive(Debug)]
pub struct LiveObject {
    pub(crate) kind: &'static Kind,
    pub(crate) namespace: Option<String>,
    pub(crate) name: String,
    pub(crate) object: Value,
}

impl LiveObject {
    /// Where the object is reported from: `cluster:<context>/<namespace>/<kind>/<name>`,
    /// without the namespace for a cluster-scoped object.
    pub fn location(&self, context: &str) -> String {
        match &self.namespace {
            Some(ns) => format!("cluster:{context}/{ns}/{}/{}", self.kind.kind, self.name),
            None => format!("cluster:{context}/{}/{}", self.kind.kind, self.name),
        }
    }

    pub fn object(&self) -> &Value {
        &self.object
    }
}

/// The live state: every object of every kind polctl loads that the
/// cluster serves, and a note for each kind it does not.
#[derive(Debug)]
pub struct Live {
    pub context: String,
    pub server: String,
    pub objects: Vec<LiveObject>,
    /// Kinds skipped, and why (a group the cluster does not serve).
    pub notes: Vec<String>,
}

/// One page of a LIST answer; the list's own kind is not needed.
#[derive(Deserialize)]
struct Page {
    #[serde(default)]
    metadata: PageMeta,
    #[serde(default)]
    items: Vec<Value>,
}

#[derive(Default, Deserialize)]
struct PageMeta {
    #[serde(rename = "continue", default)]
    continue_: Option<String>,
}

/// What polctl reads from a cluster: every kind of the table. Pod
/// controllers come too: pods are grouped under their top owner, and a
/// controller whose pods are listed is not expanded from its template.
fn wanted() -> impl Iterator<Item = &'static Kind> {
    KINDS.iter()
}

impl Live {
    /// Reads the cluster, `page_size` items per LIST request.
    pub fn read(connection: &Connection, page_size: u32) -> Result<Live, ClusterError> {
        connection.block_on(read(connection, page_size))
    }

    /// The objects as the loader's in-memory sources: (location, YAML).
    pub fn sources(&self) -> Vec<(String, String)> {
        self.objects
            .iter()
            .map(|o| {
                let text = serde_yaml::to_string(&o.object).unwrap_or_default();
                (o.location(&self.context), text)
            })
            .collect()
    }

    /// Every object in one `kind: List`, as `kubectl get -o yaml` writes it.
    pub fn to_list(&self) -> Value {
        let items: Vec<Value> = self.objects.iter().map(|o| o.object.clone()).collect();
        let mut list = Map::new();
        list.insert("apiVersion".into(), "v1".into());
        list.insert("kind".into(), "List".into());
        list.insert("items".into(), Value::Array(items));
        Value::Object(list)
    }
}

async fn read(connection: &Connection, page_size: u32) -> Result<Live, ClusterError> {
    let (served, mut notes) = discover(connection).await?;
    let mut objects = Vec::new();
    for kind in wanted() {
        if !served
            .get(kind.api_version)
            .is_some_and(|r| r.iter().any(|p| p == kind.resource))
        {
            continue;
        }
        list(connection, kind, page_size, &mut objects).await?;
    }
    notes.dedup();
    Ok(Live {
        context: connection.context().to_string(),
        server: connection.server().to_string(),
        objects,
        notes,
    })
}

/// The resources served under each group/version polctl reads, and a note
/// for every kind left out.
async fn discover(
    connection: &Connection,
) -> Result<(BTreeMap<&'static str, Vec<String>>, Vec<String>), ClusterError> {
    let client = &connection.client;
    let mut served: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    let mut notes = Vec::new();
    let core = client
        .list_core_api_resources("v1")
        .await
        .map_err(|e| connection.failure("discovery (/api/v1)", &e))?;
    served.insert("v1", core.resources.into_iter().map(|r| r.name).collect());
    let groups = client
        .list_api_groups()
        .await
        .map_err(|e| connection.failure("discovery (/apis)", &e))?;
    // The groups and versions the kinds polctl reads live in, in order.
    let mut needed: Vec<(&'static str, &'static str)> = Vec::new();
    for kind in wanted().filter(|k| !k.group().is_empty()) {
        if !needed.iter().any(|(_, v)| *v == kind.api_version) {
            needed.push((kind.group(), kind.api_version));
        }
    }
    for (group, api_version) in needed {
        let kinds_of = || {
            wanted()
                .filter(|k| k.api_version == api_version)
                .map(|k| k.kind)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let Some(found) = groups.groups.iter().find(|g| g.name == group) else {
            notes.push(missing_group(
                group,
                api_version,
                &kinds_of(),
                &groups.groups,
            ));
            continue;
        };
        if !found
            .versions
            .iter()
            .any(|v| v.group_version == api_version)
        {
            let versions: Vec<&str> = found
                .versions
                .iter()
                .map(|v| v.group_version.as_str())
                .collect();
            notes.push(format!(
                "skipped {}: the cluster serves {} but not {api_version}",
                kinds_of(),
                versions.join(", ")
            ));
            continue;
        }
        let resources = client
            .list_api_group_resources(api_version)
            .await
            .map_err(|e| connection.failure(&format!("discovery of {api_version}"), &e))?;
        served.insert(
            api_version,
            resources.resources.into_iter().map(|r| r.name).collect(),
        );
    }
    for kind in wanted() {
        if let Some(resources) = served.get(kind.api_version)
            && !resources.iter().any(|r| r == kind.resource)
        {
            notes.push(format!(
                "skipped {}: {} serves no {}",
                kind.kind, kind.api_version, kind.resource
            ));
        }
    }
    Ok((served, notes))
}

fn missing_group(
    group: &str,
    api_version: &str,
    kinds: &str,
    groups: &[k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroup],
) -> String {
    let mut note = format!("skipped {kinds}: the cluster does not serve {api_version}");
    // Calico without its API server has only the CRDs' storage group,
    // whose objects are not the v3 API (docs.tigera.io, "Install the
    // Calico API server").
    let storage = format!("crd.{group}");
    if groups.iter().any(|g| g.name == storage) {
        note.push_str(&format!(
            " ({storage} is served: install Calico's API server to read its policies)"
        ));
    }
    note
}

async fn list(
    connection: &Connection,
    kind: &'static Kind,
    page_size: u32,
    out: &mut Vec<LiveObject>,
) -> Result<(), ClusterError> {
    let path = if kind.group().is_empty() {
        format!("/api/{}/{}", kind.api_version, kind.resource)
    } else {
        format!("/apis/{}/{}", kind.api_version, kind.resource)
    };
    let what = format!("listing {}", kind.resource);
    let mut params = ListParams::default().limit(page_size);
    loop {
        let request = kube::core::Request::new(&path)
            .list(&params)
            .map_err(|e| connection.failure(&what, &kube::Error::BuildRequest(e)))?;
        let page: Page = connection
            .client
            .request(request)
            .await
            .map_err(|e| connection.failure(&what, &e))?;
        for item in page.items {
            if let Some(object) = live_object(kind, item) {
                out.push(object);
            }
        }
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(()),
        }
    }
}

/// An item of a list as a whole object: `apiVersion` and `kind` first (a
/// built-in type's list leaves them out of its items), `managedFields`
/// dropped.
fn live_object(kind: &'static Kind, item: Value) -> Option<LiveObject> {
    let Value::Object(mut fields) = item else {
        return None;
    };
    fields.remove("apiVersion");
    fields.remove("kind");
    let meta = fields.get_mut("metadata").and_then(Value::as_object_mut)?;
    meta.remove("managedFields");
    let name = meta.get("name").and_then(Value::as_str)?.to_string();
    let namespace = meta
        .get("namespace")
        .and_then(Value::as_str)
        .filter(|_| kind.namespaced)
        .map(String::from);
    let mut object = Map::new();
    object.insert("apiVersion".into(), kind.api_version.into());
    object.insert("kind".into(), kind.kind.into());
    object.extend(fields);
    Some(LiveObject {
        kind,
        namespace,
        name,
        object: Value::Object(object),
    })
}
