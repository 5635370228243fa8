//! The write side: server-side apply (`PATCH` with
//! `application/apply-patch+yaml`, honouring `fieldManager`, `force` and
//! `dryRun`) and `DELETE`.

use serde_json::{Value, json};

use crate::managed::{self, Entry, Field};
use crate::router::{Query, Target};
use crate::status::{self, Failure};
use crate::store::Store;

/// The patch type of server-side apply; the double serves no other.
pub const APPLY_PATCH: &str = "application/apply-patch+yaml";

/// The time written into managedFields: fixed, so answers are repeatable.
const TIME: &str = "2026-01-01T00:00:00Z";

/// Whether a request is a dry run (`dryRun=All`, the only value the API
/// server accepts).
pub fn dry_run(query: &Query) -> Result<bool, Failure> {
    match query.get("dryRun") {
        None | Some("") => Ok(false),
        Some("All") => Ok(true),
        Some(other) => Err(status::bad_request(format!(
            "Invalid dry run value: {other}; supported values are [All]"
        ))),
    }
}

/// `PATCH` of one object with an apply configuration.
pub fn apply(
    store: &mut Store,
    target: &Target,
    query: &Query,
    content_type: Option<&str>,
    body: &[u8],
) -> Result<(u16, Value), Failure> {
    let Target::Object {
        resource,
        namespace,
        name,
    } = target
    else {
        return Err(status::method_not_allowed("PATCH"));
    };
    let media = content_type
        .map(|c| c.split(';').next().unwrap_or("").trim())
        .unwrap_or("");
    if media != APPLY_PATCH {
        return Err(status::unsupported_media_type(media));
    }
    // apiserver pkg/endpoints/handlers/patch.go: apply needs a manager.
    let manager = query
        .get("fieldManager")
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            status::bad_request("PATCH: fieldManager is required for apply requests".into())
        })?
        .to_string();
    let force = query.get("force").is_some_and(|f| f == "true");
    let dry = dry_run(query)?;
    let applied: Value = serde_yaml::from_slice::<serde_yaml::Value>(body)
        .map_err(|e| status::bad_request(format!("error decoding YAML: {e}")))
        .and_then(|y| serde_json::to_value(y).map_err(|e| status::bad_request(e.to_string())))?;
    let r = store.resources[*resource].clone();
    let text = |p: &str| applied.pointer(p).and_then(Value::as_str);
    if text("/apiVersion") != Some(r.api_version().as_str()) || text("/kind") != Some(r.kind) {
        return Err(status::bad_request(format!(
            "the apply configuration's apiVersion and kind ({}, {}) are not those of {} ({}, {})",
            text("/apiVersion").unwrap_or(""),
            text("/kind").unwrap_or(""),
            r.plural,
            r.api_version(),
            r.kind
        )));
    }
    if text("/metadata/name") != Some(name.as_str()) {
        return Err(status::bad_request(
            "the name of the object does not match the name on the URL".into(),
        ));
    }
    if let (Some(ns), Some(url)) = (text("/metadata/namespace"), namespace)
        && ns != url
    {
        return Err(status::bad_request(
            "the namespace of the object does not match the namespace on the URL".into(),
        ));
    }
    let ns = namespace.clone().unwrap_or_default();
    // A namespaced object is created only in a namespace that exists.
    if !ns.is_empty()
        && let Some(namespaces) = store.resource("", "v1", "namespaces")
        && store.get(namespaces, "", &ns).is_none()
    {
        return Err(status::not_found("", "namespaces", &ns));
    }
    let live = store.get(*resource, &ns, name).cloned();
    let merged = merge(live.as_ref(), &applied, &manager, force)?;
    let created = live.is_none();
    let unchanged = live.as_ref() == Some(&merged);
    let code = if created { 201 } else { 200 };
    if unchanged {
        return Ok((200, merged));
    }
    if dry {
        return Ok((code, merged));
    }
    let stored = store.put(*resource, merged).map_err(status::bad_request)?;
    Ok((code, stored))
}

/// The object after `manager` applies `applied` to `live`: conflicts
/// first (a field another manager owns, set to another value), then the
/// fields the manager no longer applies are removed (unless another
/// manager owns them too), then the applied fields are set.
fn merge(
    live: Option<&Value>,
    applied: &Value,
    manager: &str,
    force: bool,
) -> Result<Value, Failure> {
    let wanted = managed::fields(applied);
    let mut object = match live {
        Some(o) => o.clone(),
        None => {
            let mut fresh = json!({
                "apiVersion": applied["apiVersion"],
                "kind": applied["kind"],
                "metadata": {"name": applied["metadata"]["name"]},
            });
            if let Some(ns) = applied.pointer("/metadata/namespace") {
                fresh["metadata"]["namespace"] = ns.clone();
            }
            fresh
        }
    };
    let mut entries = managed::entries(&object);
    let mut conflicts: Vec<(usize, Field)> = Vec::new();
    for (i, other) in entries.iter().enumerate() {
        if other.manager == manager && other.operation == "Apply" {
            continue;
        }
        for owned in &other.fields {
            for (field, value) in &wanted {
                if overlaps(owned, field) && managed::get(&object, field) != Some(value) {
                    conflicts.push((i, owned.clone()));
                    break;
                }
            }
        }
    }
    if !conflicts.is_empty() && !force {
        return Err(conflict(&entries, &conflicts));
    }
    // Forced: the others lose the fields they conflicted on.
    for (i, field) in &conflicts {
        entries[*i].fields.remove(field);
    }
    let mine = entries
        .iter()
        .position(|e| e.manager == manager && e.operation == "Apply");
    let previous = mine.map(|i| entries[i].fields.clone()).unwrap_or_default();
    for field in previous.iter().filter(|f| !wanted.contains_key(*f)) {
        let shared = entries
            .iter()
            .filter(|e| !(e.manager == manager && e.operation == "Apply"))
            .any(|e| e.fields.iter().any(|o| overlaps(o, field)));
        if !shared {
            managed::remove(&mut object, field);
        }
    }
    for (field, value) in &wanted {
        managed::set(&mut object, field, value.clone());
    }
    let entry = Entry {
        manager: manager.to_string(),
        operation: "Apply".into(),
        api_version: applied["apiVersion"].as_str().unwrap_or("").to_string(),
        time: Some(TIME.into()),
        fields: wanted.keys().cloned().collect(),
    };
    match mine {
        Some(i) if entries[i] == entry => {}
        Some(i) => entries[i] = entry,
        None => entries.push(entry),
    }
    managed::store(&mut object, &entries);
    Ok(object)
}

/// One field is the other or holds it.
fn overlaps(a: &Field, b: &Field) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// 409 Conflict, worded and detailed as the API server's
/// (apimachinery pkg/util/managedfields/internal/conflict.go).
fn conflict(entries: &[Entry], conflicts: &[(usize, Field)]) -> Failure {
    let causes: Vec<Value> = conflicts
        .iter()
        .map(|(i, field)| {
            json!({
                "reason": "FieldManagerConflict",
                "message": format!("conflict with {}", entries[*i].describe()),
                "field": managed::path(field),
            })
        })
        .collect();
    let message = if let [(i, field)] = conflicts {
        format!(
            "Apply failed with 1 conflict: conflict with {}: {}",
            entries[*i].describe(),
            managed::path(field)
        )
    } else {
        let mut by_manager: Vec<(String, Vec<String>)> = Vec::new();
        for (i, field) in conflicts {
            let who = entries[*i].describe();
            match by_manager.iter_mut().find(|(m, _)| *m == who) {
                Some((_, paths)) => paths.push(managed::path(field)),
                None => by_manager.push((who, vec![managed::path(field)])),
            }
        }
        by_manager.sort();
        let lines: Vec<String> = by_manager
            .iter()
            .flat_map(|(who, paths)| {
                std::iter::once(format!("conflicts with {who}:"))
                    .chain(paths.iter().map(|p| format!("- {p}")))
            })
            .collect();
        format!(
            "Apply failed with {} conflicts: {}",
            conflicts.len(),
            lines.join("\n")
        )
    };
    status::apply_conflict(message, causes)
}

/// `DELETE` of one object: the object as it was, with 200.
pub fn delete(store: &mut Store, target: &Target, query: &Query) -> Result<(u16, Value), Failure> {
    let Target::Object {
        resource,
        namespace,
        name,
    } = target
    else {
        return Err(status::method_not_allowed("DELETE"));
    };
    let dry = dry_run(query)?;
    let r = &store.resources[*resource];
    let ns = namespace.clone().unwrap_or_default();
    let Some(object) = store.get(*resource, &ns, name).cloned() else {
        return Err(status::not_found(r.group, r.plural, name));
    };
    if !dry {
        store.objects[*resource].remove(&(ns, name.clone()));
        store.revision += 1;
    }
    Ok((200, object))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources;

    fn store() -> Store {
        let mut store = Store::new(resources::known());
        store
            .seed(
                "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\n\
                 apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
                 metadata:\n  name: owned\n  namespace: shop\n  managedFields:\n\
                 \x20 - manager: calicoctl\n    operation: Apply\n    apiVersion: networking.k8s.io/v1\n\
                 \x20   fieldsType: FieldsV1\n    fieldsV1: {f:spec: {f:podSelector: {}, f:policyTypes: {}}}\n\
                 spec: {podSelector: {}, policyTypes: [Ingress]}\n",
            )
            .unwrap();
        store
    }

    fn target(store: &Store, name: &str) -> Target {
        Target::Object {
            resource: store
                .resource("networking.k8s.io", "v1", "networkpolicies")
                .unwrap(),
            namespace: Some("shop".into()),
            name: name.into(),
        }
    }

    fn patch(
        store: &mut Store,
        name: &str,
        query: &str,
        spec: &str,
    ) -> Result<(u16, Value), Failure> {
        let body = format!(
            "{{\"apiVersion\": \"networking.k8s.io/v1\", \"kind\": \"NetworkPolicy\", \
             \"metadata\": {{\"name\": \"{name}\", \"namespace\": \"shop\"}}, \"spec\": {spec}}}"
        );
        let t = target(store, name);
        apply(
            store,
            &t,
            &Query::parse(query),
            Some(APPLY_PATCH),
            body.as_bytes(),
        )
    }

    fn rv(v: &Value) -> &str {
        v.pointer("/metadata/resourceVersion")
            .and_then(Value::as_str)
            .unwrap()
    }

    #[test]
    fn apply_creates_then_configures_then_leaves_unchanged() {
        let mut s = store();
        let (code, created) = patch(
            &mut s,
            "web",
            "fieldManager=polctl",
            r#"{"podSelector": {}}"#,
        )
        .unwrap();
        assert_eq!(code, 201);
        assert_eq!(
            created
                .pointer("/metadata/managedFields/0/fieldsV1")
                .unwrap(),
            &json!({"f:spec": {"f:podSelector": {}}})
        );
        let (code, again) = patch(
            &mut s,
            "web",
            "fieldManager=polctl",
            r#"{"podSelector": {}}"#,
        )
        .unwrap();
        assert_eq!(
            (code, rv(&again)),
            (200, rv(&created)),
            "a no-op apply writes nothing"
        );
        let (code, changed) = patch(
            &mut s,
            "web",
            "fieldManager=polctl",
            r#"{"podSelector": {"matchLabels": {"app": "web"}}}"#,
        )
        .unwrap();
        assert_eq!(code, 200);
        assert_ne!(rv(&changed), rv(&created));
    }

    #[test]
    fn a_field_the_manager_stops_applying_is_removed() {
        let mut s = store();
        patch(
            &mut s,
            "web",
            "fieldManager=polctl",
            r#"{"podSelector": {}, "policyTypes": ["Egress"]}"#,
        )
        .unwrap();
        let (_, after) = patch(
            &mut s,
            "web",
            "fieldManager=polctl",
            r#"{"podSelector": {}}"#,
        )
        .unwrap();
        assert_eq!(after["spec"], json!({"podSelector": {}}));
    }

    #[test]
    fn another_managers_field_with_another_value_conflicts_unless_forced() {
        let mut s = store();
        // The same value is shared ownership, not a conflict.
        patch(
            &mut s,
            "owned",
            "fieldManager=polctl",
            r#"{"podSelector": {}}"#,
        )
        .unwrap();
        let err = patch(
            &mut s,
            "owned",
            "fieldManager=polctl",
            r#"{"podSelector": {}, "policyTypes": ["Egress"]}"#,
        )
        .unwrap_err();
        assert_eq!(err.code, 409);
        assert_eq!(err.body["reason"], "Conflict");
        assert_eq!(
            err.body["message"],
            "Apply failed with 1 conflict: conflict with \"calicoctl\": .spec.policyTypes"
        );
        assert_eq!(
            err.body["details"]["causes"],
            json!([{"reason": "FieldManagerConflict", "message": "conflict with \"calicoctl\"", "field": ".spec.policyTypes"}])
        );
        let (code, forced) = patch(
            &mut s,
            "owned",
            "fieldManager=polctl&force=true",
            r#"{"podSelector": {}, "policyTypes": ["Egress"]}"#,
        )
        .unwrap();
        assert_eq!(code, 200);
        assert_eq!(forced["spec"]["policyTypes"], json!(["Egress"]));
        let managers = managed::entries(&forced);
        let calicoctl = managers.iter().find(|e| e.manager == "calicoctl").unwrap();
        assert_eq!(
            calicoctl.fields.len(),
            1,
            "calicoctl keeps .spec.podSelector only"
        );
    }

    #[test]
    fn dry_run_answers_without_storing() {
        let mut s = store();
        let (code, _) = patch(
            &mut s,
            "web",
            "fieldManager=polctl&dryRun=All",
            r#"{"podSelector": {}}"#,
        )
        .unwrap();
        assert_eq!(code, 201);
        assert!(s.get(target_resource(&s), "shop", "web").is_none());
    }

    fn target_resource(s: &Store) -> usize {
        s.resource("networking.k8s.io", "v1", "networkpolicies")
            .unwrap()
    }

    #[test]
    fn apply_needs_a_manager_an_existing_namespace_and_the_apply_patch_type() {
        let mut s = store();
        assert_eq!(patch(&mut s, "web", "", "{}").unwrap_err().code, 400);
        let t = Target::Object {
            resource: target_resource(&s),
            namespace: Some("bank".into()),
            name: "x".into(),
        };
        let body = br#"{"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": {"name": "x"}}"#;
        let err = apply(
            &mut s,
            &t,
            &Query::parse("fieldManager=polctl"),
            Some(APPLY_PATCH),
            body,
        )
        .unwrap_err();
        assert_eq!(
            (err.code, err.body["message"].as_str()),
            (404, Some("namespaces \"bank\" not found"))
        );
        let t = target(&s, "web");
        let err = apply(
            &mut s,
            &t,
            &Query::parse("fieldManager=polctl"),
            Some("application/merge-patch+json"),
            body,
        )
        .unwrap_err();
        assert_eq!(err.code, 415);
    }

    #[test]
    fn delete_removes_and_a_missing_object_is_404() {
        let mut s = store();
        let t = target(&s, "owned");
        assert_eq!(delete(&mut s, &t, &Query::default()).unwrap().0, 200);
        assert!(s.get(target_resource(&s), "shop", "owned").is_none());
        assert_eq!(delete(&mut s, &t, &Query::default()).unwrap_err().code, 404);
    }
}
