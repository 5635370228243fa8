//! Regular expressions of the policy IR, compiled once when a policy is
//! lowered: the evaluator only runs them.

use std::fmt;

use regex::Regex;
use serde::Serialize;

/// A regular expression as written and compiled. It compares, prints and
/// serializes as written (with how it is anchored); the evaluator calls
/// [`Pattern::is_match`].
#[derive(Clone)]
pub struct Pattern {
    source: String,
    /// `None`: a pattern the dataplane rejects, which matches nothing.
    regex: Option<Regex>,
}

impl Pattern {
    /// Matches the whole value, as Envoy's `safe_regex` (RE2) matchers do
    /// for Cilium's HTTP `method`, `path` and `host` (SEMANTICS.md §C8:
    /// "The regex \d{3} does not match the value 1234").
    pub fn whole(source: &str) -> Result<Pattern, regex::Error> {
        Ok(Pattern {
            source: source.to_string(),
            regex: Some(Regex::new(&format!("^(?:{source})$"))?),
        })
    }

    /// Matches anywhere in the value, as Go's `regexp.MatchString` does in
    /// proxylib's parsers.
    pub fn anywhere(source: &str) -> Result<Pattern, regex::Error> {
        Ok(Pattern {
            source: source.to_string(),
            regex: Some(Regex::new(source)?),
        })
    }

    /// A pattern written in another notation (a DNS `matchPattern`) and the
    /// regex it stands for; `None` when the dataplane rejects it, and then
    /// it matches nothing.
    pub fn translated(source: &str, regex: Option<&str>) -> Pattern {
        Pattern {
            source: source.to_string(),
            regex: regex.and_then(|r| Regex::new(r).ok()),
        }
    }

    pub fn is_match(&self, value: &str) -> bool {
        self.regex.as_ref().is_some_and(|r| r.is_match(value))
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    fn compiled(&self) -> Option<&str> {
        self.regex.as_ref().map(Regex::as_str)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source && self.compiled() == other.compiled()
    }
}

impl Eq for Pattern {}

impl fmt::Debug for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl Serialize for Pattern {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_is_anchored_anywhere_is_not() {
        let whole = Pattern::whole(r"\d{3}").unwrap();
        assert!(whole.is_match("123"));
        assert!(!whole.is_match("1234"));
        // An alternation is anchored as a whole, not its first branch.
        let alt = Pattern::whole("GET|POST").unwrap();
        assert!(alt.is_match("POST"));
        assert!(!alt.is_match("POSTX"));
        let anywhere = Pattern::anywhere(r"\d{3}").unwrap();
        assert!(anywhere.is_match("x1234"));
        assert!(Pattern::whole("[unclosed").is_err());
        assert_ne!(whole, anywhere);
        assert_eq!(whole, Pattern::whole(r"\d{3}").unwrap());
        assert_eq!(whole.to_string(), r"\d{3}");
    }

    #[test]
    fn a_rejected_translation_matches_nothing() {
        let p = Pattern::translated("a+b", None);
        assert!(!p.is_match("a+b"));
        assert!(!p.is_match(""));
        assert_eq!(p.as_str(), "a+b");
    }
}
