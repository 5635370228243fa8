//! From a request to an answer: the path names a [`Target`], the method
//! picks the verb. One arm per verb in [`route`]; the read side lives in
//! `read.rs`, the write side beside it.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde_json::Value;

use crate::status::{self, Failure};
use crate::store::Store;
use crate::{read, write};

/// What a path names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Version,
    /// `/openapi/v3`: where each group version's OpenAPI document is.
    OpenApiIndex,
    /// `/openapi/v3/api/v1`, `/openapi/v3/apis/<group>/<version>`
    OpenApi {
        group: String,
        version: String,
    },
    /// `/api`; `server` is the address clients reached.
    CoreVersions {
        server: String,
    },
    /// `/apis`
    Groups,
    /// `/apis/<group>`
    Group(String),
    /// `/api/v1`, `/apis/<group>/<version>`
    ResourceList {
        group: String,
        version: String,
    },
    /// A resource's objects: in one namespace, or all of them (`None`).
    Collection {
        resource: usize,
        namespace: Option<String>,
    },
    /// One object; `namespace` is `None` for a cluster-scoped resource.
    Object {
        resource: usize,
        namespace: Option<String>,
        name: String,
    },
}

/// The decoded query parameters (the last value of a repeated one wins).
#[derive(Clone, Debug, Default)]
pub struct Query(BTreeMap<String, String>);

impl Query {
    pub fn parse(query: &str) -> Query {
        let mut params = BTreeMap::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            params.insert(percent_decode(k), percent_decode(v));
        }
        Query(params)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn set(&mut self, name: &str, value: String) {
        self.0.insert(name.to_string(), value);
    }
}

/// `application/x-www-form-urlencoded` decoding: `%XX` and `+`.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(hi), Some(lo)) => {
                        out.push((hi * 16 + lo) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The target a path names among the served resources.
pub fn resolve(store: &Store, path: &str, server: &str) -> Result<Target, Failure> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let (group, version, rest) = match segments.as_slice() {
        ["version"] => return Ok(Target::Version),
        ["openapi", "v3"] => return Ok(Target::OpenApiIndex),
        ["openapi", "v3", "api", version] => {
            return openapi_target(store, "", version);
        }
        ["openapi", "v3", "apis", group, version] => {
            return openapi_target(store, group, version);
        }
        ["api"] => {
            return Ok(Target::CoreVersions {
                server: server.to_string(),
            });
        }
        ["apis"] => return Ok(Target::Groups),
        ["apis", group] => {
            return if store.resources.iter().any(|r| r.group == *group) {
                Ok(Target::Group(group.to_string()))
            } else {
                Err(status::not_found_path())
            };
        }
        ["api", version, rest @ ..] => ("", *version, rest),
        ["apis", group, version, rest @ ..] => (*group, *version, rest),
        _ => return Err(status::not_found_path()),
    };
    if !store
        .resources
        .iter()
        .any(|r| r.group == group && r.version == version)
    {
        return Err(status::not_found_path());
    }
    let find = |plural: &str| {
        store
            .resource(group, version, plural)
            .ok_or_else(status::not_found_path)
    };
    let namespaced = |resource: usize| store.resources[resource].namespaced;
    match rest {
        [] => Ok(Target::ResourceList {
            group: group.to_string(),
            version: version.to_string(),
        }),
        ["namespaces", namespace, plural, tail @ ..] => {
            let resource = find(plural)?;
            if !namespaced(resource) {
                return Err(status::not_found_path());
            }
            let namespace = Some(namespace.to_string());
            match tail {
                [] => Ok(Target::Collection {
                    resource,
                    namespace,
                }),
                [name] => Ok(Target::Object {
                    resource,
                    namespace,
                    name: name.to_string(),
                }),
                _ => Err(status::not_found_path()),
            }
        }
        [plural] => Ok(Target::Collection {
            resource: find(plural)?,
            namespace: None,
        }),
        [plural, name] => {
            let resource = find(plural)?;
            if namespaced(resource) {
                return Err(status::not_found_path());
            }
            Ok(Target::Object {
                resource,
                namespace: None,
                name: name.to_string(),
            })
        }
        _ => Err(status::not_found_path()),
    }
}

fn openapi_target(store: &Store, group: &str, version: &str) -> Result<Target, Failure> {
    if store
        .resources
        .iter()
        .any(|r| r.group == group && r.version == version)
    {
        Ok(Target::OpenApi {
            group: group.to_string(),
            version: version.to_string(),
        })
    } else {
        Err(status::not_found_path())
    }
}

/// What the router needs of a request (the body is read only by verbs
/// that take one).
pub struct Call<'a> {
    pub method: &'a str,
    pub target: Target,
    pub query: Query,
    pub content_type: Option<&'a str>,
    pub body: Bytes,
}

/// One arm per verb.
pub fn route(store: &mut Store, call: &Call<'_>) -> Result<(u16, Value), Failure> {
    match call.method {
        "GET" => read::get(store, &call.target, &call.query).map(|v| (200, v)),
        "PATCH" => write::apply(
            store,
            &call.target,
            &call.query,
            call.content_type,
            &call.body,
        ),
        "DELETE" => write::delete(store, &call.target, &call.query),
        other => Err(status::method_not_allowed(other)),
    }
}

/// The verb RBAC would name for a request (`list` for a collection GET).
pub fn verb(method: &str, target: &Target) -> &'static str {
    match (method, target) {
        ("GET", Target::Collection { .. }) => "list",
        ("GET", _) => "get",
        ("PATCH", _) => "patch",
        ("DELETE", _) => "delete",
        ("POST", _) => "create",
        ("PUT", _) => "update",
        _ => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_form_decoded() {
        let q = Query::parse("labelSelector=app%3Dweb%2Ctier+in+%28a%29&limit=2&x");
        assert_eq!(q.get("labelSelector"), Some("app=web,tier in (a)"));
        assert_eq!(q.get("limit"), Some("2"));
        assert_eq!(q.get("x"), Some(""));
        assert_eq!(Query::parse("a=%zz%4").get("a"), Some("%zz%4"));
    }
}
