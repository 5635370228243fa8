//! The selector AST: evaluation, rewriting and canonical (re-parseable) printing.

use std::collections::BTreeSet;
use std::fmt;

use super::LabelLookup;

/// A Calico selector expression.
///
/// Constructors that combine expressions ([`Expr::and`], [`Expr::or`],
/// [`Expr::all_of`], [`Expr::any_of`], [`Expr::negate`]) keep the AST in a
/// normal form: `And`/`Or` are flattened and have at least two members, and
/// `Not(Not(x))` never appears. The parser only builds normalised trees, so
/// `parse(&e.to_string()) == Ok(e)` holds for every normalised `e` whose keys are
/// valid labels and whose values do not contain both quote characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Expr {
    /// `all()`: matches everything; kept distinct because scoping rewrites replace it.
    All,
    /// `global()`: matches everything; kept distinct because scoping rewrites replace it.
    Global,
    /// `has(k)`.
    Has(String),
    /// `k == "v"`: the label must be present and equal.
    Eq(String, String),
    /// `k != "v"`: true when the label is absent or different.
    Ne(String, String),
    /// `k in {...}`: the label must be present and one of the (sorted, deduplicated) values.
    In(String, Vec<String>),
    /// `k not in {...}`: true when the label is absent or not one of the values.
    NotIn(String, Vec<String>),
    /// `k contains "v"`: case-sensitive substring test on a present label.
    Contains(String, String),
    /// `k starts with "v"`: prefix test on a present label.
    StartsWith(String, String),
    /// `k ends with "v"`: suffix test on a present label.
    EndsWith(String, String),
    /// `!x`.
    Not(Box<Expr>),
    /// `a && b && ...`.
    And(Vec<Expr>),
    /// `a || b || ...`.
    Or(Vec<Expr>),
}

impl Expr {
    /// Evaluates the selector against a label set.
    pub fn matches<L: LabelLookup + ?Sized>(&self, labels: &L) -> bool {
        match self {
            Expr::All | Expr::Global => true,
            Expr::Has(k) => labels.label(k).is_some(),
            Expr::Eq(k, v) => labels.label(k) == Some(v.as_str()),
            Expr::Ne(k, v) => labels.label(k) != Some(v.as_str()),
            // Linear scan rather than binary search so hand-built, unsorted sets still work.
            Expr::In(k, vs) => labels.label(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Expr::NotIn(k, vs) => !labels.label(k).is_some_and(|x| vs.iter().any(|v| v == x)),
            Expr::Contains(k, v) => labels.label(k).is_some_and(|x| x.contains(v.as_str())),
            Expr::StartsWith(k, v) => labels.label(k).is_some_and(|x| x.starts_with(v.as_str())),
            Expr::EndsWith(k, v) => labels.label(k).is_some_and(|x| x.ends_with(v.as_str())),
            Expr::Not(inner) => !inner.matches(labels),
            Expr::And(members) => members.iter().all(|m| m.matches(labels)),
            Expr::Or(members) => members.iter().any(|m| m.matches(labels)),
        }
    }

    /// Conjunction of any number of expressions, flattening nested `And`s.
    /// No members gives `All` (the neutral element); one member is returned as is.
    pub(crate) fn all_of(items: impl IntoIterator<Item = Expr>) -> Expr {
        let mut members = Vec::new();
        for item in items {
            match item {
                Expr::And(inner) => members.extend(inner),
                other => members.push(other),
            }
        }
        collapse(members, Expr::All, Expr::And)
    }

    /// Disjunction of any number of expressions, flattening nested `Or`s.
    /// No members gives `!all()` (matches nothing); one member is returned as is.
    pub(crate) fn any_of(items: impl IntoIterator<Item = Expr>) -> Expr {
        let mut members = Vec::new();
        for item in items {
            match item {
                Expr::Or(inner) => members.extend(inner),
                other => members.push(other),
            }
        }
        collapse(members, Expr::Not(Box::new(Expr::All)), Expr::Or)
    }

    /// `self && other`, flattened; no other simplification, because `all()`
    /// and `global()` still carry meaning for later scoping rewrites.
    #[must_use]
    pub(crate) fn and(self, other: Expr) -> Expr {
        Expr::all_of([self, other])
    }

    /// `self || other`, flattened.
    #[cfg(test)]
    #[must_use]
    pub(crate) fn or(self, other: Expr) -> Expr {
        Expr::any_of([self, other])
    }

    /// `!self`, cancelling a double negation.
    #[must_use]
    pub(crate) fn negate(self) -> Expr {
        match self {
            Expr::Not(inner) => *inner,
            other => Expr::Not(Box::new(other)),
        }
    }

    /// Rewrites every label key (Has/Eq/Ne/In/NotIn/Contains/StartsWith/EndsWith) with `f`,
    /// e.g. to prefix `pcns.` when a namespace selector is evaluated against pod labels.
    #[must_use]
    pub(crate) fn map_keys(&self, f: &mut dyn FnMut(&str) -> String) -> Expr {
        self.rewrite(&mut |e| {
            Some(match e {
                Expr::Has(k) => Expr::Has(f(k)),
                Expr::Eq(k, v) => Expr::Eq(f(k), v.clone()),
                Expr::Ne(k, v) => Expr::Ne(f(k), v.clone()),
                Expr::In(k, vs) => Expr::In(f(k), vs.clone()),
                Expr::NotIn(k, vs) => Expr::NotIn(f(k), vs.clone()),
                Expr::Contains(k, v) => Expr::Contains(f(k), v.clone()),
                Expr::StartsWith(k, v) => Expr::StartsWith(f(k), v.clone()),
                Expr::EndsWith(k, v) => Expr::EndsWith(f(k), v.clone()),
                _ => return None,
            })
        })
    }

    /// Replaces every `All` node with `with` (Calico rewrites `all()` textually,
    /// e.g. to `has(projectcalico.org/namespace)` for namespaced policies).
    #[must_use]
    pub(crate) fn replace_all(&self, with: &Expr) -> Expr {
        self.rewrite(&mut |e| matches!(e, Expr::All).then(|| with.clone()))
    }

    /// Replaces every `Global` node with `with`.
    #[must_use]
    pub(crate) fn replace_global(&self, with: &Expr) -> Expr {
        self.rewrite(&mut |e| matches!(e, Expr::Global).then(|| with.clone()))
    }

    /// Whether a `global()` appears anywhere in the expression.
    #[cfg(test)]
    pub(crate) fn contains_global(&self) -> bool {
        match self {
            Expr::Global => true,
            Expr::Not(inner) => inner.contains_global(),
            Expr::And(members) | Expr::Or(members) => members.iter().any(Expr::contains_global),
            _ => false,
        }
    }

    /// Whether the expression is exactly `all()` (not merely equivalent to it).
    pub fn is_all(&self) -> bool {
        matches!(self, Expr::All)
    }

    /// Every label key the expression reads, sorted and deduplicated (for traces and indexing).
    pub(crate) fn keys(&self) -> Vec<&str> {
        let mut keys = BTreeSet::new();
        self.collect_keys(&mut keys);
        keys.into_iter().collect()
    }

    /// The label key of a comparison leaf, `None` for everything else.
    pub(crate) fn key(&self) -> Option<&str> {
        match self {
            Expr::Has(k)
            | Expr::Eq(k, _)
            | Expr::Ne(k, _)
            | Expr::In(k, _)
            | Expr::NotIn(k, _)
            | Expr::Contains(k, _)
            | Expr::StartsWith(k, _)
            | Expr::EndsWith(k, _) => Some(k),
            _ => None,
        }
    }

    fn collect_keys<'a>(&'a self, keys: &mut BTreeSet<&'a str>) {
        match self {
            Expr::Not(inner) => inner.collect_keys(keys),
            Expr::And(members) | Expr::Or(members) => {
                for m in members {
                    m.collect_keys(keys);
                }
            }
            leaf => keys.extend(leaf.key()),
        }
    }

    /// Bottom-up rebuild shared by the rewriting methods: `replace` gets the first
    /// say on every node; composite nodes are rebuilt through the normalising
    /// constructors so a replacement that is itself an `And`/`Or`/`Not` stays flat.
    fn rewrite(&self, replace: &mut dyn FnMut(&Expr) -> Option<Expr>) -> Expr {
        if let Some(new) = replace(self) {
            return new;
        }
        match self {
            Expr::Not(inner) => inner.rewrite(replace).negate(),
            Expr::And(members) => Expr::all_of(members.iter().map(|m| m.rewrite(replace))),
            Expr::Or(members) => Expr::any_of(members.iter().map(|m| m.rewrite(replace))),
            leaf => leaf.clone(),
        }
    }

    /// Leaves print without parentheses after `!`.
    fn is_leaf(&self) -> bool {
        !matches!(self, Expr::Not(_) | Expr::And(_) | Expr::Or(_))
    }

    /// Whether this prints as a top-level `||` and so needs parentheses inside `&&`.
    /// Looks through single-member `And`/`Or`, which print as their member.
    fn prints_as_or(&self) -> bool {
        match self {
            Expr::Or(members) | Expr::And(members) if members.len() == 1 => {
                members.iter().any(Expr::prints_as_or)
            }
            Expr::Or(members) => members.len() > 1,
            _ => false,
        }
    }
}

/// Normalises a list of `And`/`Or` members: fewer than two members do not need a wrapper.
fn collapse(mut members: Vec<Expr>, empty: Expr, wrap: fn(Vec<Expr>) -> Expr) -> Expr {
    if members.len() > 1 {
        wrap(members)
    } else {
        members.pop().unwrap_or(empty)
    }
}

/// Sorts and deduplicates set values so equal sets compare (and print) equal.
pub(super) fn normalize_set(mut values: Vec<String>) -> Vec<String> {
    values.sort_unstable();
    values.dedup();
    values
}

/// A value quoted the way Calico can re-read it. The language has no escapes,
/// so double quotes are used unless the value itself contains one.
struct Quoted<'a>(&'a str);

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.contains('"') {
            write!(f, "'{}'", self.0)
        } else {
            write!(f, "\"{}\"", self.0)
        }
    }
}

fn write_set(f: &mut fmt::Formatter<'_>, values: &[String]) -> fmt::Result {
    f.write_str("{")?;
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{}", Quoted(v))?;
    }
    f.write_str("}")
}

/// Canonical Calico text. Re-parseable for every expression the parser can produce;
/// an empty `And` prints as `all()` and an empty `Or` as `!all()` (same meaning).
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::All => f.write_str("all()"),
            Expr::Global => f.write_str("global()"),
            Expr::Has(k) => write!(f, "has({k})"),
            Expr::Eq(k, v) => write!(f, "{k} == {}", Quoted(v)),
            Expr::Ne(k, v) => write!(f, "{k} != {}", Quoted(v)),
            Expr::In(k, vs) => {
                write!(f, "{k} in ")?;
                write_set(f, vs)
            }
            Expr::NotIn(k, vs) => {
                write!(f, "{k} not in ")?;
                write_set(f, vs)
            }
            Expr::Contains(k, v) => write!(f, "{k} contains {}", Quoted(v)),
            Expr::StartsWith(k, v) => write!(f, "{k} starts with {}", Quoted(v)),
            Expr::EndsWith(k, v) => write!(f, "{k} ends with {}", Quoted(v)),
            Expr::Not(inner) if inner.is_leaf() => write!(f, "!{inner}"),
            Expr::Not(inner) => write!(f, "!({inner})"),
            Expr::And(members) => match members.as_slice() {
                [] => f.write_str("all()"),
                [only] => only.fmt(f),
                _ => {
                    for (i, m) in members.iter().enumerate() {
                        if i > 0 {
                            f.write_str(" && ")?;
                        }
                        if m.prints_as_or() {
                            write!(f, "({m})")?;
                        } else {
                            write!(f, "{m}")?;
                        }
                    }
                    Ok(())
                }
            },
            Expr::Or(members) => match members.as_slice() {
                [] => f.write_str("!all()"),
                [only] => only.fmt(f),
                _ => {
                    for (i, m) in members.iter().enumerate() {
                        if i > 0 {
                            f.write_str(" || ")?;
                        }
                        write!(f, "{m}")?;
                    }
                    Ok(())
                }
            },
        }
    }
}

/// Serialized as its canonical text, which parses back to the same tree.
impl serde::Serialize for Expr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
