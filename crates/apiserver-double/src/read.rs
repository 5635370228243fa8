//! The read side: discovery, `/version`, GET of one object and LIST with
//! `limit`/`continue` and `labelSelector`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::router::{Query, Target};
use crate::selector::Selector;
use crate::status::{self, Failure};
use crate::store::{Key, Store};

/// The verbs discovery lists for every resource: the read side here, the
/// write side (apply PATCH, DELETE) in `write.rs`.
pub const VERBS: &[&str] = &["delete", "get", "list", "patch"];

/// The answer to a GET of `target`.
pub fn get(store: &Store, target: &Target, query: &Query) -> Result<Value, Failure> {
    match target {
        Target::Version => Ok(version()),
        Target::OpenApiIndex => Ok(crate::openapi::index(store)),
        Target::OpenApi { group, version } => Ok(crate::openapi::document(store, group, version)),
        Target::CoreVersions { server } => Ok(json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server}],
        })),
        Target::Groups => Ok(json!({
            "kind": "APIGroupList",
            "apiVersion": "v1",
            "groups": groups(store).iter().map(|g| api_group(store, g)).collect::<Vec<_>>(),
        })),
        Target::Group(group) => {
            let mut answer = json!({"kind": "APIGroup", "apiVersion": "v1"});
            if let (Some(o), Value::Object(g)) = (answer.as_object_mut(), api_group(store, group)) {
                o.extend(g);
            }
            Ok(answer)
        }
        Target::ResourceList { group, version } => Ok(resource_list(store, group, version)),
        Target::Object {
            resource,
            namespace,
            name,
        } => {
            let r = &store.resources[*resource];
            store
                .get(*resource, namespace.as_deref().unwrap_or(""), name)
                .cloned()
                .ok_or_else(|| status::not_found(r.group, r.plural, name))
        }
        Target::Collection {
            resource,
            namespace,
        } => list(store, *resource, namespace.as_deref(), query),
    }
}

fn version() -> Value {
    json!({
        "major": "1",
        "minor": "33",
        "gitVersion": "v1.33.0",
        "gitCommit": "0000000000000000000000000000000000000000",
        "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z",
        "goVersion": "go1.24.0",
        "compiler": "gc",
        "platform": "linux/amd64",
    })
}

/// The named groups served, built-in groups first (as a real server lists
/// them, which is how kubectl prefers `networking.k8s.io` NetworkPolicy
/// over Calico's of the same plural).
fn groups(store: &Store) -> Vec<&'static str> {
    let mut groups: Vec<(bool, &'static str)> = Vec::new();
    for r in &store.resources {
        if !r.group.is_empty() && !groups.iter().any(|(_, g)| *g == r.group) {
            groups.push((!r.builtin, r.group));
        }
    }
    groups.sort_by_key(|(custom, _)| *custom);
    groups.into_iter().map(|(_, g)| g).collect()
}

/// The versions of a group, preferred first: GA before beta before alpha,
/// higher numbers first (apimachinery's version priority).
fn versions(store: &Store, group: &str) -> Vec<&'static str> {
    let mut versions: Vec<&'static str> = Vec::new();
    for r in store.resources.iter().filter(|r| r.group == group) {
        if !versions.contains(&r.version) {
            versions.push(r.version);
        }
    }
    versions.sort_by_key(|v| std::cmp::Reverse(version_priority(v)));
    versions
}

fn version_priority(version: &str) -> (u8, u32, u32) {
    let rest = version.trim_start_matches('v');
    let digits = |s: &str| -> u32 {
        s.chars()
            .take_while(char::is_ascii_digit)
            .collect::<String>()
            .parse()
            .unwrap_or(0)
    };
    let major = digits(rest);
    for (word, stability) in [("alpha", 0), ("beta", 1)] {
        if let Some(at) = rest.find(word) {
            return (stability, major, digits(&rest[at + word.len()..]));
        }
    }
    (2, major, 0)
}

fn api_group(store: &Store, group: &str) -> Value {
    let versions: Vec<Value> = versions(store, group)
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    json!({
        "name": group,
        "versions": versions,
        "preferredVersion": versions.first().cloned().unwrap_or_default(),
    })
}

fn resource_list(store: &Store, group: &str, version: &str) -> Value {
    let resources: Vec<Value> = store
        .resources
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .map(|r| {
            json!({
                "name": r.plural,
                "singularName": r.singular,
                "namespaced": r.namespaced,
                "kind": r.kind,
                "verbs": VERBS,
                "shortNames": r.short_names,
            })
        })
        .collect();
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json!({
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    })
}

/// Where the next page starts: after this key, at this revision. Opaque to
/// clients, like the API server's base64-encoded continue token.
fn encode_continue(revision: u64, after: &Key) -> String {
    let token = json!({"rv": revision, "ns": after.0, "name": after.1});
    STANDARD.encode(token.to_string())
}

fn decode_continue(token: &str) -> Result<Key, Failure> {
    let bad = || status::bad_request(format!("continue key is not valid: {token}"));
    let bytes = STANDARD.decode(token).map_err(|_| bad())?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|_| bad())?;
    let part = |k: &str| value.get(k).and_then(Value::as_str).map(String::from);
    match (part("ns"), part("name")) {
        (Some(ns), Some(name)) => Ok((ns, name)),
        _ => Err(bad()),
    }
}

fn list(
    store: &Store,
    resource: usize,
    namespace: Option<&str>,
    query: &Query,
) -> Result<Value, Failure> {
    let r = &store.resources[resource];
    if query.get("watch").is_some_and(|w| w == "true" || w == "1") {
        return Err(status::method_not_allowed("watch"));
    }
    if let Some(fields) = query.get("fieldSelector").filter(|f| !f.is_empty()) {
        return Err(status::bad_request(format!(
            "field selectors are not served by the double: {fields}"
        )));
    }
    let selector =
        Selector::parse(query.get("labelSelector").unwrap_or("")).map_err(status::bad_request)?;
    let limit = match query.get("limit") {
        Some(l) => Some(
            l.parse::<usize>()
                .map_err(|_| status::bad_request(format!("invalid limit: {l}")))?,
        )
        .filter(|l| *l > 0),
        None => None,
    };
    let after = query
        .get("continue")
        .filter(|c| !c.is_empty())
        .map(decode_continue)
        .transpose()?;

    let matching: Vec<(&Key, &Value)> = store.objects[resource]
        .iter()
        .filter(|((ns, _), _)| namespace.is_none_or(|n| n == ns))
        .filter(|(key, _)| after.as_ref().is_none_or(|a| *key > a))
        .filter(|(_, o)| selector.matches(o.pointer("/metadata/labels").and_then(Value::as_object)))
        .collect();
    let page = limit.map_or(matching.len(), |l| l.min(matching.len()));
    let remaining = matching.len() - page;
    let last = page.checked_sub(1).map(|i| matching[i].0.clone());
    let items: Vec<Value> = matching[..page]
        .iter()
        .map(|(_, object)| {
            let mut item = (*object).clone();
            if r.builtin
                && let Some(o) = item.as_object_mut()
            {
                o.remove("apiVersion");
                o.remove("kind");
            }
            item
        })
        .collect();
    let mut metadata = json!({"resourceVersion": store.revision.to_string()});
    if remaining > 0
        && let Some(last) = &last
    {
        metadata["continue"] = json!(encode_continue(store.revision, last));
        metadata["remainingItemCount"] = json!(remaining);
    }
    Ok(json!({
        "kind": format!("{}List", r.kind),
        "apiVersion": r.api_version(),
        "metadata": metadata,
        "items": items,
    }))
}
