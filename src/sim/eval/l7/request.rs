//! The request attributes a flow carries (its `l7` key/value pairs), checked
//! against a protocol's keys.

use std::collections::BTreeMap;

use super::L7Check;
use crate::sim::eval::Reply;

/// The request's `l7` attributes, checked against the protocol's keys.
pub(super) struct Attrs<'a>(BTreeMap<&'a str, Vec<&'a str>>);

impl<'a> Attrs<'a> {
    pub(super) fn parse(
        l7: &'a [(String, String)],
        proto: &str,
        keys: &[&str],
        repeatable: &[&str],
        reply: &Reply,
    ) -> Result<Self, L7Check> {
        let mut map: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (k, v) in l7 {
            if !keys.contains(&k.as_str()) {
                return Err(L7Check::Refused {
                    reason: format!(
                        "`{k}` is not a {proto} request attribute (polctl knows {}); \
                         polctl cannot model such a request and assumes it is refused",
                        keys.join(", ")
                    ),
                    reply: reply.clone(),
                });
            }
            map.entry(k.as_str()).or_default().push(v.as_str());
        }
        for (k, vs) in &map {
            if vs.len() > 1 && !repeatable.contains(k) {
                return Err(L7Check::Refused {
                    reason: format!(
                        "`{k}` given {} times, but a {proto} request carries one; \
                         polctl assumes such a request is refused",
                        vs.len()
                    ),
                    reply: reply.clone(),
                });
            }
        }
        Ok(Attrs(map))
    }

    pub(super) fn one(&self, k: &str) -> Option<&'a str> {
        self.0.get(k).and_then(|v| v.first().copied())
    }

    pub(super) fn all(&self, k: &str) -> Option<&[&'a str]> {
        self.0.get(k).map(|v| v.as_slice())
    }
}

pub(super) fn non_empty(s: &Option<String>) -> Option<&str> {
    s.as_deref().filter(|s| !s.is_empty())
}
