//! Label selectors as the API server reads `?labelSelector=`: equality
//! (`a=b`, `a==b`, `a!=b`), set-based (`a in (x,y)`, `a notin (x)`) and
//! existence (`a`, `!a`), joined by commas (k8s.io/apimachinery
//! pkg/labels/selector.go).

use serde_json::{Map, Value};

#[derive(Debug, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
    Exists(String),
    DoesNotExist(String),
}

/// A parsed selector: every requirement must hold.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Selector(Vec<Requirement>);

impl Selector {
    pub fn parse(text: &str) -> Result<Selector, String> {
        let mut requirements = Vec::new();
        for term in split_terms(text) {
            let term = term.trim();
            if term.is_empty() {
                continue;
            }
            requirements.push(parse_term(term)?);
        }
        Ok(Selector(requirements))
    }

    /// Whether an object's `metadata.labels` satisfy the selector.
    pub fn matches(&self, labels: Option<&Map<String, Value>>) -> bool {
        let get = |k: &str| labels.and_then(|l| l.get(k)).and_then(Value::as_str);
        self.0.iter().all(|r| match r {
            Requirement::Equals(k, v) => get(k) == Some(v.as_str()),
            // As upstream: `a!=b` holds when `a` is absent.
            Requirement::NotEquals(k, v) => get(k) != Some(v.as_str()),
            Requirement::In(k, vs) => get(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Requirement::NotIn(k, vs) => get(k).is_none_or(|x| vs.iter().all(|v| v != x)),
            Requirement::Exists(k) => get(k).is_some(),
            Requirement::DoesNotExist(k) => get(k).is_none(),
        })
    }
}

/// Splits on the commas outside parentheses.
fn split_terms(text: &str) -> Vec<&str> {
    let mut terms = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                terms.push(&text[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    terms.push(&text[start..]);
    terms
}

fn parse_term(term: &str) -> Result<Requirement, String> {
    if let Some(key) = term.strip_prefix('!') {
        return Ok(Requirement::DoesNotExist(key.trim().to_string()));
    }
    if let Some((k, v)) = term.split_once("!=") {
        return Ok(Requirement::NotEquals(k.trim().into(), v.trim().into()));
    }
    if let Some((k, v)) = term.split_once("==").or_else(|| term.split_once('=')) {
        return Ok(Requirement::Equals(k.trim().into(), v.trim().into()));
    }
    for (word, set) in [(" notin ", false), (" in ", true)] {
        if let Some((k, rest)) = term.split_once(word) {
            let values = rest
                .trim()
                .strip_prefix('(')
                .and_then(|r| r.strip_suffix(')'))
                .ok_or_else(|| format!("unable to parse requirement: {term}"))?;
            let values = values.split(',').map(|v| v.trim().to_string()).collect();
            let key = k.trim().to_string();
            return Ok(if set {
                Requirement::In(key, values)
            } else {
                Requirement::NotIn(key, values)
            });
        }
    }
    if term.contains(char::is_whitespace) || term.contains(['(', ')']) {
        return Err(format!("unable to parse requirement: {term}"));
    }
    Ok(Requirement::Exists(term.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn holds(selector: &str, labels: Value) -> bool {
        Selector::parse(selector)
            .unwrap()
            .matches(labels.as_object())
    }

    #[test]
    fn equality_set_and_existence_terms() {
        let labels = json!({"app": "web", "tier": "front"});
        assert!(holds("app=web", labels.clone()));
        assert!(holds("app==web,tier!=db", labels.clone()));
        assert!(!holds("app!=web", labels.clone()));
        assert!(holds("env!=prod", labels.clone()));
        assert!(holds("tier in (front, back)", labels.clone()));
        assert!(!holds("tier notin (front)", labels.clone()));
        assert!(holds("env notin (prod)", labels.clone()));
        assert!(holds("app,!env", labels.clone()));
        assert!(!holds("app in (db),tier", labels.clone()));
        assert!(holds("", labels));
        assert!(!holds("app", json!(null)));
    }

    #[test]
    fn a_malformed_term_is_refused() {
        assert!(Selector::parse("app in web").is_err());
        assert!(Selector::parse("a b").is_err());
    }
}
