//! The Calico selector language: parsing, evaluation and canonical printing,
//! plus compilation of Kubernetes `LabelSelector`s into the same AST so every
//! dialect's endpoint selection goes through one matcher.
//!
//! Grammar (from Calico's selector docs):
//!
//! ```text
//! selector := "" | or_expr                    (only spaces/tabs == all())
//! or_expr  := and_expr ("||" and_expr)*
//! and_expr := unary ("&&" unary)*
//! unary    := "!"* primary
//! primary  := "(" or_expr ")" | "all()" | "global()" | "has(" label ")"
//!           | label ("==" | "!=" | "contains" | "starts with" | "ends with") str
//!           | label ("in" | "not in" | "notin") "{" [str ("," str)*] "}"
//! label    := [A-Za-z0-9_./-]{1,512}
//! str      := '...' | "..."                   (no escapes)
//! ```
//!
//! Only spaces and tabs separate tokens; a newline is an error.

mod ast;
mod kubectl;
mod parser;
#[cfg(test)]
mod tests;

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};

pub use ast::Expr;
pub use kubectl::parse_kubectl;
pub use parser::{ParseError, parse};

/// Where a selector looks labels up: a map, a pair list, an endpoint.
pub trait LabelLookup {
    fn label(&self, key: &str) -> Option<&str>;
}

impl<L: LabelLookup + ?Sized> LabelLookup for &L {
    fn label(&self, key: &str) -> Option<&str> {
        (**self).label(key)
    }
}

impl<K: Borrow<str> + Ord, V: AsRef<str>> LabelLookup for BTreeMap<K, V> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(AsRef::as_ref)
    }
}

impl<K: Borrow<str> + Hash + Eq, V: AsRef<str>, S: BuildHasher> LabelLookup for HashMap<K, V, S> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(AsRef::as_ref)
    }
}

/// Pair lists, mainly for tests and literals; the first pair with a key wins.
impl<K: AsRef<str>, V: AsRef<str>> LabelLookup for [(K, V)] {
    fn label(&self, key: &str) -> Option<&str> {
        self.iter()
            .find(|(k, _)| k.as_ref() == key)
            .map(|(_, v)| v.as_ref())
    }
}

impl<K: AsRef<str>, V: AsRef<str>, const N: usize> LabelLookup for [(K, V); N] {
    fn label(&self, key: &str) -> Option<&str> {
        self.as_slice().label(key)
    }
}

impl<K: AsRef<str>, V: AsRef<str>> LabelLookup for Vec<(K, V)> {
    fn label(&self, key: &str) -> Option<&str> {
        self.as_slice().label(key)
    }
}

/// Operator of a Kubernetes `LabelSelectorRequirement`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum LabelOp {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// One `matchExpressions` entry of a Kubernetes `LabelSelector`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Requirement<'a> {
    pub key: &'a str,
    pub op: LabelOp,
    /// Ignored for `Exists` and `DoesNotExist`.
    pub values: &'a [String],
}

/// Compiles a Kubernetes `LabelSelector` into a selector expression.
///
/// `matchLabels` become `k == 'v'` sorted by key (so output does not depend on map
/// order), followed by the requirements in their given order, all joined with `&&`;
/// an empty selector is `All`. Kubernetes `NotIn` matches absent keys, exactly
/// like Calico `not in`, and `DoesNotExist` is `!has(k)`.
pub(crate) fn from_label_selector<'a>(
    match_labels: impl IntoIterator<Item = (&'a str, &'a str)>,
    requirements: &[Requirement<'a>],
) -> Expr {
    let mut pairs: Vec<(&str, &str)> = match_labels.into_iter().collect();
    pairs.sort_unstable();
    pairs.dedup();
    let equalities = pairs
        .into_iter()
        .map(|(k, v)| Expr::Eq(k.to_owned(), v.to_owned()));
    let requirements = requirements.iter().map(|r| {
        let key = r.key.to_owned();
        match r.op {
            LabelOp::In => Expr::In(key, ast::normalize_set(r.values.to_vec())),
            LabelOp::NotIn => Expr::NotIn(key, ast::normalize_set(r.values.to_vec())),
            LabelOp::Exists => Expr::Has(key),
            LabelOp::DoesNotExist => Expr::Has(key).negate(),
        }
    });
    Expr::all_of(equalities.chain(requirements))
}

const MAX_NAME_LEN: usize = 63;
const MAX_PREFIX_LEN: usize = 253;

/// Checks Kubernetes label key syntax: an optional DNS-1123 subdomain prefix
/// (at most 253 bytes) and `/`, then a name of at most 63 bytes made of
/// alphanumerics, `-`, `_` and `.`, starting and ending alphanumeric.
///
/// # Errors
///
/// A human-readable reason, worded like the Kubernetes API server's.
pub(crate) fn validate_k8s_label_key(key: &str) -> Result<(), String> {
    let name = match key.split_once('/') {
        None => key,
        Some((prefix, name)) => {
            if name.contains('/') {
                return Err(
                    "a label key may contain at most one `/`, between the optional \
                            DNS subdomain prefix and the name (e.g. `example.com/my-name`)"
                        .to_owned(),
                );
            }
            if prefix.is_empty() {
                return Err("prefix part must be non-empty".to_owned());
            }
            if prefix.len() > MAX_PREFIX_LEN {
                return Err(format!(
                    "prefix part must be no more than {MAX_PREFIX_LEN} characters"
                ));
            }
            if !prefix.split('.').all(is_dns1123_label) {
                return Err(
                    "prefix part must be a lowercase RFC 1123 subdomain: lowercase \
                            alphanumerics, `-` and `.`, starting and ending with an alphanumeric"
                        .to_owned(),
                );
            }
            name
        }
    };
    if name.is_empty() {
        return Err("name part must be non-empty".to_owned());
    }
    check_name(name, "name part")
}

/// Checks Kubernetes label value syntax: empty, or a name as in [`validate_k8s_label_key`].
///
/// # Errors
///
/// A human-readable reason, worded like the Kubernetes API server's.
pub(crate) fn validate_k8s_label_value(v: &str) -> Result<(), String> {
    if v.is_empty() {
        return Ok(());
    }
    check_name(v, "label value")
}

fn check_name(name: &str, what: &str) -> Result<(), String> {
    if name.len() > MAX_NAME_LEN {
        return Err(format!(
            "{what} must be no more than {MAX_NAME_LEN} characters"
        ));
    }
    let bytes = name.as_bytes();
    let edges_ok = matches!(
        (bytes.first(), bytes.last()),
        (Some(a), Some(b)) if a.is_ascii_alphanumeric() && b.is_ascii_alphanumeric()
    );
    if !edges_ok
        || !bytes
            .iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
    {
        return Err(format!(
            "{what} must consist of alphanumeric characters, `-`, `_` or `.`, and must start \
             and end with an alphanumeric character"
        ));
    }
    Ok(())
}

/// One dot-separated part of a DNS-1123 subdomain.
fn is_dns1123_label(part: &str) -> bool {
    let bytes = part.as_bytes();
    let lower_alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    matches!(
        (bytes.first(), bytes.last()),
        (Some(a), Some(b)) if lower_alnum(a) && lower_alnum(b)
    ) && bytes.iter().all(|c| lower_alnum(c) || *c == b'-')
}
