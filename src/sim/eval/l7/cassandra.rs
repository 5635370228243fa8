//! Cassandra (proxylib/cassandra/cassandraparser.go).

use crate::model::Pattern;
use crate::model::policy::ProxylibRule;

use super::L7Check;
use super::proxylib::{parse_error, parser_error, rule_regex};
use super::request::Attrs;
use super::verdict::{Cond, EMPTY_LIST, Verdict, decide, judge, without_request};
use crate::sim::eval::Reply;
use crate::sim::eval::hint::{Hint, Input};

const QUERY_TABLE: Input = Input::L7 {
    key: "query_table",
    value: "<keyspace.table>",
};

const CASSANDRA_DENIED: Reply = Reply::CassandraUnauthorized;

/// queryActionMap: `true` for actions matched against a table (or
/// keyspace).
fn cassandra_action(a: &str) -> Option<bool> {
    Some(match a {
        "select" | "delete" | "insert" | "update" | "create-table" | "drop-table"
        | "alter-table" | "truncate-table" | "use" | "create-keyspace" | "alter-keyspace"
        | "drop-keyspace" => true,
        "drop-index"
        | "create-index"
        | "create-materialized-view"
        | "drop-materialized-view"
        | "create-role"
        | "alter-role"
        | "drop-role"
        | "grant-role"
        | "revoke-role"
        | "list-roles"
        | "grant-permission"
        | "revoke-permission"
        | "list-permissions"
        | "create-user"
        | "alter-user"
        | "drop-user"
        | "list-users"
        | "create-function"
        | "drop-function"
        | "create-aggregate"
        | "drop-aggregate"
        | "create-type"
        | "alter-type"
        | "drop-type"
        | "create-trigger"
        | "drop-trigger" => false,
        _ => return None,
    })
}

struct CassandraRule {
    action: Option<String>,
    table: Option<Pattern>,
}

fn cassandra_rule(r: &ProxylibRule) -> Result<CassandraRule, String> {
    let mut rule = CassandraRule {
        action: None,
        table: None,
    };
    for (k, v) in &r.pairs {
        match k.as_str() {
            "query_action" => rule.action = Some(v.clone()).filter(|v| !v.is_empty()),
            "query_table" if v.is_empty() => {}
            "query_table" => rule.table = Some(rule_regex(r, k)?),
            _ => return Err(format!("unsupported key `{k}`")),
        }
    }
    if let Some(a) = &rule.action {
        match cassandra_action(a) {
            None => return Err(format!("invalid query_action `{a}`")),
            Some(false) if rule.table.is_some() => {
                return Err(format!(
                    "query_action `{a}` is not compatible with a query_table"
                ));
            }
            _ => {}
        }
    }
    Ok(rule)
}

/// The actions parseQuery produces: the first word, or for
/// alter/create/drop/truncate/list the first two joined by `-`.
fn cassandra_parses(action: &str) -> bool {
    match action {
        "select" | "delete" | "insert" | "update" | "use" => true,
        _ => action.split_once('-').is_some_and(|(verb, rest)| {
            matches!(verb, "alter" | "create" | "drop" | "truncate" | "list") && !rest.is_empty()
        }),
    }
}

/// Whether parseQuery extracts a table (or keyspace) for the action.
fn cassandra_has_table(action: &str) -> bool {
    matches!(action, "select" | "delete" | "insert" | "update" | "use")
        || action.ends_with("-table")
        || action.ends_with("-keyspace")
}

pub(super) fn check_cassandra(rules: &[ProxylibRule], l7: &[(String, String)]) -> L7Check {
    let mut parsed = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        match cassandra_rule(r) {
            Ok(p) => parsed.push(p),
            Err(why) => return parse_error("cassandra", i, &why, CASSANDRA_DENIED),
        }
    }
    let attrs = match Attrs::parse(
        l7,
        "cassandra",
        super::CASSANDRA_KEYS,
        &[],
        &CASSANDRA_DENIED,
    ) {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let Some(action) = attrs.one("query_action") else {
        let open = parsed
            .iter()
            .position(|r| r.action.is_none() && r.table.is_none());
        return without_request(
            rules.len(),
            open,
            Hint::give([
                Input::L7 {
                    key: "query_action",
                    value: "<select|insert|...>",
                },
                QUERY_TABLE,
            ])
            .note("non-query requests such as STARTUP and OPTIONS always pass"),
        );
    };
    // parseQuery lower-cases the query.
    let action = action.to_ascii_lowercase();
    if !cassandra_parses(&action) {
        return parser_error("cassandra", format!("query_action `{action}`"));
    }
    if action == "use" {
        return L7Check::Pass(
            "`use` queries are never refused (the parser only remembers the keyspace)".into(),
        );
    }
    if rules.is_empty() {
        return L7Check::Pass(EMPTY_LIST.into());
    }
    let has_table = cassandra_has_table(&action);
    let table = if has_table {
        attrs.one("query_table").map(str::to_ascii_lowercase)
    } else {
        Some(String::new())
    };
    let verdicts: Vec<Verdict> = parsed
        .iter()
        .map(|r| {
            let mut conds = Vec::new();
            if let Some(a) = &r.action {
                conds.push(if *a == action {
                    Cond::Holds(format!("query_action `{a}`"))
                } else {
                    Cond::Fails(format!("query_action `{a}` != {action}"))
                });
            }
            if let Some(re) = &r.table {
                conds.push(match table.as_deref() {
                    None => Cond::Unknown {
                        give: QUERY_TABLE,
                        why: format!("has query_table `{re}`"),
                    },
                    // The parser leaves the table empty for actions without
                    // one, and an empty table skips the regex.
                    Some("") => {
                        Cond::Holds(format!("query_table `{re}` (no table in a {action} query)"))
                    }
                    Some(t) if re.is_match(t) => Cond::Holds(format!("query_table `{re}` ~ {t}")),
                    Some(t) => Cond::Fails(format!("query_table `{re}` !~ {t}")),
                });
            }
            judge(conds)
        })
        .collect();
    decide(&verdicts, CASSANDRA_DENIED)
}
