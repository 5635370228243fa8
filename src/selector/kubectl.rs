//! kubectl's `-l/--selector` syntax (`app=web,tier!=db,env in (a,b),!x`),
//! compiled into the same [`Expr`] as Calico selectors.

use super::{Expr, ParseError, validate_k8s_label_key, validate_k8s_label_value};

/// Parses a kubectl label selector. An empty string selects everything.
pub fn parse_kubectl(text: &str) -> Result<Expr, ParseError> {
    let mut terms = Vec::new();
    for (start, part) in split_top_level(text) {
        let trimmed = part.trim();
        if trimmed.is_empty() {
            if text.trim().is_empty() {
                continue;
            }
            return Err(error(start, part.len(), "empty requirement"));
        }
        let offset = start + (part.len() - part.trim_start().len());
        terms.push(requirement(trimmed, offset)?);
    }
    Ok(Expr::all_of(terms))
}

/// Splits on commas that are not inside `( … )`, keeping byte offsets.
fn split_top_level(text: &str) -> Vec<(usize, &str)> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, c) in text.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                parts.push((start, &text[start..i]));
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push((start, &text[start..]));
    parts
}

fn error(offset: usize, len: usize, message: &str) -> ParseError {
    ParseError {
        offset,
        len,
        message: message.to_string(),
        help: None,
    }
}

fn key(text: &str, offset: usize) -> Result<String, ParseError> {
    validate_k8s_label_key(text)
        .map_err(|e| error(offset, text.len(), &format!("invalid label key: {e}")))?;
    Ok(text.to_string())
}

fn value(text: &str, offset: usize) -> Result<String, ParseError> {
    validate_k8s_label_value(text)
        .map_err(|e| error(offset, text.len(), &format!("invalid label value: {e}")))?;
    Ok(text.to_string())
}

fn requirement(req: &str, offset: usize) -> Result<Expr, ParseError> {
    if let Some(rest) = req.strip_prefix('!') {
        let k = rest.trim_start();
        return Ok(Expr::Has(key(k, offset + (req.len() - k.len()))?).negate());
    }
    for (op, negate) in [("!=", true), ("==", false), ("=", false)] {
        if let Some(i) = req.find(op) {
            let k = req[..i].trim_end();
            let v_raw = &req[i + op.len()..];
            let v = v_raw.trim();
            let v_off = offset + i + op.len() + (v_raw.len() - v_raw.trim_start().len());
            let (k, v) = (key(k, offset)?, value(v, v_off)?);
            return Ok(if negate {
                Expr::Ne(k, v)
            } else {
                Expr::Eq(k, v)
            });
        }
    }
    for (word, negate) in [(" notin ", true), (" in ", false)] {
        if let Some(i) = req.find(word) {
            let k = key(req[..i].trim_end(), offset)?;
            let set_raw = req[i + word.len()..].trim();
            let set_off = offset + req.len() - set_raw.len();
            let inner = set_raw
                .strip_prefix('(')
                .and_then(|s| s.strip_suffix(')'))
                .ok_or_else(|| {
                    error(
                        set_off,
                        set_raw.len(),
                        "expected a set of values in parentheses, such as (a,b)",
                    )
                })?;
            let mut values = Vec::new();
            let mut at = set_off + 1;
            for v in inner.split(',') {
                let lead = v.len() - v.trim_start().len();
                values.push(value(v.trim(), at + lead)?);
                at += v.len() + 1;
            }
            values.sort();
            values.dedup();
            return Ok(if negate {
                Expr::NotIn(k, values)
            } else {
                Expr::In(k, values)
            });
        }
    }
    Ok(Expr::Has(key(req, offset)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn kubectl_forms() {
        let l = labels(&[("app", "web"), ("env", "prod")]);
        for (sel, want) in [
            ("", true),
            ("app=web", true),
            ("app==web", true),
            ("app!=web", false),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("env in (prod, dev)", true),
            ("env notin (prod)", false),
            ("app=web,env=dev", false),
            ("app = web , env in (prod)", true),
        ] {
            assert_eq!(parse_kubectl(sel).expect(sel).matches(&l), want, "{sel}");
        }
    }

    #[test]
    fn errors_point_at_the_bad_part() {
        let err = parse_kubectl("app=web,bad key=x").expect_err("space in key");
        assert_eq!(err.offset, 8);
        let err = parse_kubectl("env in prod").expect_err("no parens");
        assert_eq!(err.offset, 7);
        let err = parse_kubectl("app=web,,x").expect_err("empty");
        assert_eq!(err.offset, 8);
    }
}
