//! Calico's HTTP match as Dikastes applies it (app-policy/checker/match.go):
//! methods ORed with `*` matching all; paths ORed, `exact` or `prefix`;
//! methods AND paths.
//!
//! The path is compared as the rule's [`PathMode`] says: raw (query and
//! fragment stripped), or normalised first — one percent-decoding, `\` to
//! `/`, duplicate slashes collapsed, matrix parameters and dot segments
//! removed — with prefixes matching only at segment boundaries, and a path
//! still holding an encoded `.`, `/`, `\` or a NUL after decoding matching
//! nothing.

use crate::model::HttpRequest;
use crate::model::policy::{HttpMatch, PathMatch, PathMode};

pub(crate) fn matches(m: &HttpMatch, req: &HttpRequest) -> (bool, String) {
    let method = req.method.as_deref().unwrap_or("GET");
    let method_ok = m.methods.is_empty() || m.methods.iter().any(|x| x == "*" || x == method);
    if !method_ok {
        return (
            false,
            format!("method {method} not in [{}]", m.methods.join(", ")),
        );
    }
    if m.paths.is_empty() {
        return (true, format!("method {method} allowed, any path"));
    }
    let raw = req.path.as_deref().unwrap_or("/");
    let normalising = m.path_mode == PathMode::Normalised;
    let path = if normalising {
        match normalise(raw) {
            Some(p) => p,
            None => {
                return (
                    false,
                    format!(
                        "path {raw} still holds an encoded separator or NUL after decoding: no path rule matches"
                    ),
                );
            }
        }
    } else {
        strip_query(raw).to_string()
    };
    let hit = m.paths.iter().find(|p| match p {
        PathMatch::Exact(e) => &path == e,
        PathMatch::Prefix(pre) if normalising => segment_prefix(&path, pre),
        PathMatch::Prefix(pre) => path.starts_with(pre.as_str()),
    });
    let shown = if path == raw {
        path.clone()
    } else {
        format!("{raw} (as {path})")
    };
    match hit {
        Some(p) => (true, format!("{method} {shown} matched {p}")),
        None => (
            false,
            format!(
                "path {shown} matched none of [{}]",
                m.paths
                    .iter()
                    .map(|p| p.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
    }
}

fn strip_query(path: &str) -> &str {
    let end = path.find(['?', '#']).unwrap_or(path.len());
    &path[..end]
}

/// A prefix that ends at a path-segment boundary: `/pub` matches `/pub` and
/// `/pub/x`, not `/public`.
fn segment_prefix(path: &str, prefix: &str) -> bool {
    if !path.starts_with(prefix) {
        return false;
    }
    prefix.ends_with('/') || path.len() == prefix.len() || path[prefix.len()..].starts_with('/')
}

/// RFC 3986 normalisation as Dikastes 3.32 does it; `None` when the path is
/// refused.
pub(crate) fn normalise(raw: &str) -> Option<String> {
    let path = strip_query(raw);
    let decoded = percent_decode_once(path)?;
    let lower = decoded.to_ascii_lowercase();
    if decoded.contains('\0') || ["%2e", "%2f", "%5c"].iter().any(|e| lower.contains(e)) {
        return None;
    }
    let slashed = decoded.replace('\\', "/");
    let mut out: Vec<&str> = Vec::new();
    for segment in slashed.split('/') {
        // Matrix parameters: `/a;v=1/b` is `/a/b`.
        let segment = segment.split(';').next().unwrap_or("");
        match segment {
            "" | "." => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut normal = format!("/{}", out.join("/"));
    let ends_dir = slashed.ends_with('/') || slashed.ends_with("/.") || slashed.ends_with("/..");
    if ends_dir && normal != "/" {
        normal.push('/');
    }
    Some(normal)
}

fn percent_decode_once(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            // An invalid escape fails decoding (Go's url.PathUnescape).
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(method: &str, path: &str) -> HttpRequest {
        HttpRequest {
            method: Some(method.into()),
            path: Some(path.into()),
            ..Default::default()
        }
    }

    fn rule(methods: &[&str], paths: Vec<PathMatch>) -> HttpMatch {
        HttpMatch {
            methods: methods.iter().map(|s| s.to_string()).collect(),
            paths,
            path_mode: PathMode::Normalised,
        }
    }

    /// Calico up to 3.31.
    const RAW: PathMode = PathMode::Raw;
    /// Calico 3.32 and later.
    const NORMALISED: PathMode = PathMode::Normalised;

    fn matches_in(m: &HttpMatch, req: &HttpRequest, mode: PathMode) -> (bool, String) {
        let m = HttpMatch {
            path_mode: mode,
            ..m.clone()
        };
        matches(&m, req)
    }

    #[test]
    fn methods_are_ored_exact_and_star_matches_all() {
        let m = rule(&["GET", "HEAD"], vec![]);
        assert!(matches_in(&m, &req("HEAD", "/"), NORMALISED).0);
        assert!(
            !matches_in(&m, &req("get", "/"), NORMALISED).0,
            "methods are case-sensitive"
        );
        assert!(matches_in(&rule(&["*"], vec![]), &req("DELETE", "/x"), NORMALISED).0);
    }

    #[test]
    fn prefix_is_raw_before_332_and_segment_anchored_after() {
        let m = rule(&[], vec![PathMatch::Prefix("/pub".into())]);
        assert!(matches_in(&m, &req("GET", "/public"), RAW).0);
        assert!(!matches_in(&m, &req("GET", "/public"), NORMALISED).0);
        assert!(matches_in(&m, &req("GET", "/pub/x"), NORMALISED).0);
        assert!(matches_in(&m, &req("GET", "/pub"), NORMALISED).0);
    }

    #[test]
    fn query_is_stripped_in_every_version() {
        let m = rule(&[], vec![PathMatch::Exact("/a".into())]);
        assert!(matches_in(&m, &req("GET", "/a?x=1"), RAW).0);
        assert!(matches_in(&m, &req("GET", "/a#frag"), NORMALISED).0);
    }

    #[test]
    fn dot_segments_escape_a_prefix_only_before_332() {
        let m = rule(&[], vec![PathMatch::Prefix("/public/".into())]);
        // 3.31 compares the raw path: the traversal passes the prefix check.
        assert!(matches_in(&m, &req("GET", "/public/../admin"), RAW).0);
        // 3.32 normalises it to /admin first.
        assert!(!matches_in(&m, &req("GET", "/public/../admin"), NORMALISED).0);
    }

    #[test]
    fn normalisation() {
        assert_eq!(normalise("/a//b/./c/../d").as_deref(), Some("/a/b/d"));
        assert_eq!(normalise("/a%2Fb").as_deref(), Some("/a/b"));
        assert_eq!(
            normalise("/a%252Fb"),
            None,
            "an encoded slash survives one decoding"
        );
        assert_eq!(normalise("/a%00"), None);
        assert_eq!(normalise("/a%zz"), None);
        assert_eq!(normalise("\\a\\b;v=1/").as_deref(), Some("/a/b/"));
    }
}
