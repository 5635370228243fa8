//! OpenAPI v3, only as far as clients read it to decide what a write may
//! carry: kubectl looks up each kind's PATCH operation (by its
//! `x-kubernetes-group-version-kind`) for a `fieldValidation` query
//! parameter, and sends `fieldValidation=Strict` when it is there instead
//! of validating against the schema itself (k8s.io/kubectl
//! pkg/util/openapi queryparam verifier). No schemas are served.

use serde_json::{Map, Value, json};

use crate::store::Store;

/// The query parameters of the double's PATCH and DELETE.
const WRITE_PARAMETERS: &[&str] = &["dryRun", "fieldManager", "fieldValidation", "force"];

/// `api/v1`, `apis/<group>/<version>`: the document's key in the index.
fn key(group: &str, version: &str) -> String {
    if group.is_empty() {
        format!("api/{version}")
    } else {
        format!("apis/{group}/{version}")
    }
}

/// `/openapi/v3`: every served group version and where its document is.
pub fn index(store: &Store) -> Value {
    let mut paths = Map::new();
    for r in &store.resources {
        let key = key(r.group, r.version);
        paths
            .entry(key.clone())
            .or_insert_with(|| json!({"serverRelativeURL": format!("/openapi/v3/{key}")}));
    }
    json!({"paths": paths})
}

/// One group version's document: each resource's object path with its
/// PATCH and DELETE operations.
pub fn document(store: &Store, group: &str, version: &str) -> Value {
    let parameters: Vec<Value> = WRITE_PARAMETERS
        .iter()
        .map(|name| json!({"name": name, "in": "query", "schema": {"type": "string"}}))
        .collect();
    let mut paths = Map::new();
    for r in store
        .resources
        .iter()
        .filter(|r| r.group == group && r.version == version)
    {
        let scope = if r.namespaced {
            "namespaces/{namespace}/"
        } else {
            ""
        };
        let path = format!("/{}/{scope}{}/{{name}}", key(group, version), r.plural);
        let gvk = json!({"group": group, "version": version, "kind": r.kind});
        let operation = |id: &str| {
            json!({
                "operationId": format!("{id}{}", r.kind),
                "x-kubernetes-group-version-kind": gvk,
                "parameters": parameters,
                "responses": {"200": {"description": "OK"}},
            })
        };
        paths.insert(
            path,
            json!({"patch": operation("patch"), "delete": operation("delete")}),
        );
    }
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.33.0"},
        "paths": paths,
    })
}
