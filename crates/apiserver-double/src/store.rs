//! The objects the double holds, by resource, namespace and name, each
//! with a `resourceVersion` from one counter (etcd's revision).

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::resources::{Resource, split_api_version};

/// (namespace, name); cluster-scoped objects have an empty namespace.
pub type Key = (String, String);

#[derive(Debug, Default)]
pub struct Store {
    /// The served resources; an index here names a resource.
    pub resources: Vec<Resource>,
    pub objects: Vec<BTreeMap<Key, Value>>,
    /// The last resourceVersion handed out.
    pub revision: u64,
}

impl Store {
    pub fn new(resources: Vec<Resource>) -> Store {
        let objects = resources.iter().map(|_| BTreeMap::new()).collect();
        Store {
            resources,
            objects,
            revision: 0,
        }
    }

    /// The served resource of that group, version and plural.
    pub fn resource(&self, group: &str, version: &str, plural: &str) -> Option<usize> {
        self.resources
            .iter()
            .position(|r| r.group == group && r.version == version && r.plural == plural)
    }

    /// The served resource of an object's `apiVersion` and `kind`.
    pub fn resource_of_kind(&self, api_version: &str, kind: &str) -> Option<usize> {
        let (group, version) = split_api_version(api_version);
        self.resources
            .iter()
            .position(|r| r.group == group && r.version == version && r.kind == kind)
    }

    /// Stores an object (replacing one of the same name), giving it a new
    /// resourceVersion, a uid and a creation time if it has none.
    pub fn put(&mut self, resource: usize, mut object: Value) -> Result<Value, String> {
        let namespaced = self.resources[resource].namespaced;
        let meta = object
            .as_object_mut()
            .ok_or("an object must be a mapping")?
            .entry("metadata")
            .or_insert_with(|| json!({}));
        let meta = meta.as_object_mut().ok_or("metadata must be a mapping")?;
        let name = meta
            .get("name")
            .and_then(Value::as_str)
            .ok_or("metadata.name is required")?
            .to_string();
        let namespace = if namespaced {
            let ns = meta
                .get("namespace")
                .and_then(Value::as_str)
                .unwrap_or("default")
                .to_string();
            meta.insert("namespace".into(), json!(ns));
            ns
        } else {
            meta.remove("namespace");
            String::new()
        };
        self.revision += 1;
        meta.insert("resourceVersion".into(), json!(self.revision.to_string()));
        meta.entry("uid")
            .or_insert_with(|| json!(format!("00000000-0000-4000-8000-{:012x}", self.revision)));
        meta.entry("creationTimestamp")
            .or_insert_with(|| json!("2026-01-01T00:00:00Z"));
        self.objects[resource].insert((namespace, name), object.clone());
        Ok(object)
    }

    /// Seeds the store from YAML or JSON text (several documents, `kind:
    /// List`). Objects of a resource the double does not serve are left
    /// out: the cluster does not have them. Returns how many were stored.
    pub fn seed(&mut self, text: &str) -> Result<usize, String> {
        let mut count = 0;
        for document in serde_yaml::Deserializer::from_str(text) {
            let yaml = serde_yaml::Value::deserialize(document).map_err(|e| e.to_string())?;
            let value: Value = serde_json::to_value(yaml).map_err(|e| e.to_string())?;
            count += self.seed_object(value)?;
        }
        Ok(count)
    }

    fn seed_object(&mut self, value: Value) -> Result<usize, String> {
        let Value::Object(mut object) = value else {
            return Ok(0);
        };
        let text =
            |o: &Map<String, Value>, k: &str| o.get(k).and_then(Value::as_str).map(String::from);
        let (Some(api_version), Some(kind)) = (text(&object, "apiVersion"), text(&object, "kind"))
        else {
            return Ok(0);
        };
        if kind == "List" || kind.ends_with("List") {
            let mut count = 0;
            if let Some(Value::Array(items)) = object.remove("items") {
                for item in items {
                    count += self.seed_object(item)?;
                }
            }
            return Ok(count);
        }
        match self.resource_of_kind(&api_version, &kind) {
            Some(resource) => self.put(resource, Value::Object(object)).map(|_| 1),
            None => Ok(0),
        }
    }

    pub fn get(&self, resource: usize, namespace: &str, name: &str) -> Option<&Value> {
        self.objects[resource].get(&(namespace.to_string(), name.to_string()))
    }
}
