//! Field ownership for server-side apply: which manager set which field,
//! kept in `metadata.managedFields` as the API server keeps it (FieldsV1
//! tries: `{"f:spec": {"f:podSelector": {}}}`).
//!
//! The API server tracks ownership down to every leaf of the schema
//! (sigs.k8s.io/structured-merge-diff). The double has no schemas, so it
//! tracks at a coarser grain that is still honest for what polctl sends:
//! each label and each annotation, each field directly under a top-level
//! mapping (`.spec.podSelector`, `.spec.ingress`), and each other
//! top-level field. Two managers setting the same such field to different
//! values conflict, as on a real server.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

/// A field: the keys from the object's root (`["spec", "podSelector"]`).
pub type Field = Vec<String>;

/// Fields the double never tracks: the object's identity and what the
/// server itself writes.
const UNTRACKED: &[&str] = &["apiVersion", "kind", "status"];
/// Metadata fields a manager owns key by key; other metadata (name,
/// namespace, uid, resourceVersion, …) is the object's identity or the
/// server's.
const METADATA_MAPS: &[&str] = &["labels", "annotations"];

/// The fields an applied configuration sets, each with its value.
pub fn fields(object: &Value) -> BTreeMap<Field, Value> {
    let mut out = BTreeMap::new();
    let Some(root) = object.as_object() else {
        return out;
    };
    for (key, value) in root {
        if UNTRACKED.contains(&key.as_str()) {
            continue;
        }
        if key == "metadata" {
            for map in METADATA_MAPS {
                if let Some(Value::Object(entries)) = value.get(*map) {
                    for (k, v) in entries {
                        out.insert(vec![key.clone(), map.to_string(), k.clone()], v.clone());
                    }
                }
            }
            continue;
        }
        match value {
            Value::Object(entries) if !entries.is_empty() => {
                for (k, v) in entries {
                    out.insert(vec![key.clone(), k.clone()], v.clone());
                }
            }
            _ => {
                out.insert(vec![key.clone()], value.clone());
            }
        }
    }
    out
}

/// The value at a field of an object.
pub fn get<'a>(object: &'a Value, field: &[String]) -> Option<&'a Value> {
    field.iter().try_fold(object, |v, k| v.get(k))
}

/// Sets a field, making the mappings on the way.
pub fn set(object: &mut Value, field: &[String], value: Value) {
    let Some((last, path)) = field.split_last() else {
        return;
    };
    let mut at = object;
    for k in path {
        let Some(map) = at.as_object_mut() else {
            return;
        };
        at = map.entry(k.clone()).or_insert_with(|| json!({}));
        if !at.is_object() {
            *at = json!({});
        }
    }
    if let Some(map) = at.as_object_mut() {
        map.insert(last.clone(), value);
    }
}

/// Removes a field, and the mappings it leaves empty.
pub fn remove(object: &mut Value, field: &[String]) {
    fn go(at: &mut Value, field: &[String]) {
        let Some(map) = at.as_object_mut() else {
            return;
        };
        match field {
            [] => {}
            [last] => {
                map.remove(last);
            }
            [first, rest @ ..] => {
                if let Some(child) = map.get_mut(first) {
                    go(child, rest);
                    if child.as_object().is_some_and(Map::is_empty) {
                        map.remove(first);
                    }
                }
            }
        }
    }
    go(object, field);
}

/// `.spec.podSelector`: how the API server writes a field path.
pub fn path(field: &[String]) -> String {
    field.iter().map(|k| format!(".{k}")).collect()
}

/// One manager's entry of `metadata.managedFields`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub manager: String,
    /// `Apply` or `Update`.
    pub operation: String,
    pub api_version: String,
    pub time: Option<String>,
    pub fields: BTreeSet<Field>,
}

impl Entry {
    /// How a conflict names the manager (apimachinery
    /// pkg/util/managedfields/internal/conflict.go, printManager): an
    /// Update manager with its apiVersion and time.
    pub fn describe(&self) -> String {
        let name = format!("{:?}", self.manager);
        if self.operation != "Update" {
            return name;
        }
        match &self.time {
            Some(time) => format!("{name} using {} at {time}", self.api_version),
            None => format!("{name} using {}", self.api_version),
        }
    }

    fn to_json(&self) -> Value {
        let mut trie = json!({});
        for field in &self.fields {
            let keys: Vec<String> = field.iter().map(|k| format!("f:{k}")).collect();
            set(&mut trie, &keys, json!({}));
        }
        let mut entry = json!({
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
        });
        if let Some(time) = &self.time {
            entry["time"] = json!(time);
        }
        entry["fieldsType"] = json!("FieldsV1");
        entry["fieldsV1"] = trie;
        entry
    }
}

/// The managers of an object, from its `metadata.managedFields`.
pub fn entries(object: &Value) -> Vec<Entry> {
    let Some(Value::Array(items)) = object.pointer("/metadata/managedFields") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let text = |k: &str| item.get(k).and_then(Value::as_str).map(String::from);
            let mut fields = BTreeSet::new();
            if let Some(trie) = item.get("fieldsV1") {
                leaves(trie, &mut Vec::new(), &mut fields);
            }
            Some(Entry {
                manager: text("manager")?,
                operation: text("operation").unwrap_or_else(|| "Update".into()),
                api_version: text("apiVersion").unwrap_or_default(),
                time: text("time"),
                fields,
            })
        })
        .collect()
}

/// The fields of a FieldsV1 trie: its leaves (`"f:name": {}`), with `.`
/// (the mapping itself) and list keys (`k:…`, `i:…`) owning their parent.
fn leaves(trie: &Value, at: &mut Field, out: &mut BTreeSet<Field>) {
    let Some(map) = trie.as_object() else {
        return;
    };
    let mut named = false;
    for (key, child) in map {
        if let Some(name) = key.strip_prefix("f:") {
            named = true;
            at.push(name.to_string());
            leaves(child, at, out);
            at.pop();
        }
    }
    if !named && !at.is_empty() {
        out.insert(at.clone());
    }
}

/// Writes the entries back into the object (dropping managers that own
/// nothing).
pub fn store(object: &mut Value, entries: &[Entry]) {
    let items: Vec<Value> = entries
        .iter()
        .filter(|e| !e.fields.is_empty())
        .map(Entry::to_json)
        .collect();
    if items.is_empty() {
        remove(object, &["metadata".into(), "managedFields".into()]);
    } else {
        set(
            object,
            &["metadata".into(), "managedFields".into()],
            Value::Array(items),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_labels_annotations_and_spec_keys() {
        let object = json!({
            "apiVersion": "v1", "kind": "X",
            "metadata": {"name": "a", "labels": {"app": "web"}, "annotations": {"n": "1"}},
            "spec": {"podSelector": {}, "policyTypes": ["Ingress"]},
            "data": "x",
            "status": {"phase": "Running"},
        });
        let got: Vec<String> = fields(&object).keys().map(|f| path(f)).collect();
        assert_eq!(
            got,
            [
                ".data",
                ".metadata.annotations.n",
                ".metadata.labels.app",
                ".spec.podSelector",
                ".spec.policyTypes"
            ]
        );
    }

    #[test]
    fn entries_round_trip_through_fields_v1() {
        let mut object = json!({"metadata": {"name": "a"}});
        let entry = Entry {
            manager: "polctl".into(),
            operation: "Apply".into(),
            api_version: "v1".into(),
            time: None,
            fields: [
                vec!["spec".to_string(), "a".to_string()],
                vec!["metadata".into(), "labels".into(), "x".into()],
            ]
            .into_iter()
            .collect(),
        };
        store(&mut object, std::slice::from_ref(&entry));
        assert_eq!(
            object
                .pointer("/metadata/managedFields/0/fieldsV1")
                .unwrap(),
            &json!({"f:metadata": {"f:labels": {"f:x": {}}}, "f:spec": {"f:a": {}}})
        );
        assert_eq!(entries(&object), [entry]);
    }
}
