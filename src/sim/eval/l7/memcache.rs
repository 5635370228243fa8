//! Memcached (proxylib/memcached), text protocol.

use crate::model::Pattern;
use crate::model::policy::ProxylibRule;

use super::L7Check;
use super::proxylib::{parse_error, parser_error, rule_regex};
use super::request::Attrs;
use super::verdict::{Cond, EMPTY_LIST, Verdict, decide, judge, without_request};
use crate::sim::eval::Reply;
use crate::sim::eval::hint::{Hint, Input};

const KEY: Input = Input::L7 {
    key: "key",
    value: "<key>",
};

const MEMCACHE_DENIED: Reply = Reply::MemcacheAccessDenied;

/// MemcacheOpCodeMap: the text-protocol commands of each rule `command`
/// (binary-only names have none).
fn memcache_group(name: &str) -> Option<&'static [&'static str]> {
    const STORAGE: &[&str] = &[
        "add", "set", "replace", "append", "prepend", "cas", "incr", "decr",
    ];
    const WRITE: &[&str] = &[
        "add", "set", "replace", "append", "prepend", "cas", "incr", "decr", "delete", "touch",
    ];
    Some(match name {
        "add" => &["add"],
        "set" => &["set"],
        "replace" => &["replace"],
        "append" => &["append"],
        "prepend" => &["prepend"],
        "cas" => &["cas"],
        "incr" => &["incr"],
        "decr" => &["decr"],
        "storage" => STORAGE,
        "get" => &["get", "gets"],
        "delete" => &["delete"],
        "touch" => &["touch"],
        "gat" => &["gat", "gats"],
        "writeGroup" => WRITE,
        "slabs" => &["slabs"],
        "lru" => &["lru"],
        "lru_crawler" => &["lru_crawler"],
        "watch" => &["watch"],
        "stats" => &["stats"],
        "flush_all" => &["flush_all"],
        "cache_memlimit" => &["cache_memlimit"],
        "version" => &["version"],
        "misbehave" => &["misbehave"],
        "quit" => &["quit"],
        "noop"
        | "verbosity"
        | "sasl-list-mechs"
        | "sasl-auth"
        | "sasl-step"
        | "rget"
        | "rset"
        | "rsetq"
        | "rappend"
        | "rappendq"
        | "rprepend"
        | "rprependq"
        | "rdelete"
        | "rdeleteq"
        | "rincr"
        | "rincrq"
        | "rdecr"
        | "rdecrq"
        | "set-vbucket"
        | "get-vbucket"
        | "del-vbucket"
        | "tap-connect"
        | "tap-mutation"
        | "tap-delete"
        | "tap-flush"
        | "tap-opaque"
        | "tap-vbucket-set"
        | "tap-checkpoint-start"
        | "tap-checkpoint-end" => &[],
        _ => return None,
    })
}

enum KeyRule {
    Exact(String),
    Prefix(String),
    Regex(Pattern),
}

impl KeyRule {
    fn accepts(&self, key: &str) -> bool {
        match self {
            KeyRule::Exact(e) => key == e,
            KeyRule::Prefix(p) => key.starts_with(p.as_str()),
            // Go regexp.Match: anywhere in the key.
            KeyRule::Regex(re) => re.is_match(key),
        }
    }
}

impl std::fmt::Display for KeyRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyRule::Exact(e) => write!(f, "keyExact `{e}`"),
            KeyRule::Prefix(p) => write!(f, "keyPrefix `{p}`"),
            KeyRule::Regex(re) => write!(f, "keyRegex `{re}`"),
        }
    }
}

struct MemcacheRule {
    /// `None`: the rule is empty and matches everything (no `command`, or
    /// one proxylib does not know, and no key condition).
    command: Option<(String, &'static [&'static str])>,
    keys: Option<KeyRule>,
    /// Why the rule is empty, when a `command` was given.
    note: Option<String>,
}

fn memcache_rule(r: &ProxylibRule) -> Result<MemcacheRule, String> {
    let (mut exact, mut prefix, mut regex) = (None, None, None);
    let mut command = None;
    let mut note = None;
    for (k, v) in &r.pairs {
        match k.as_str() {
            "command" => match memcache_group(v) {
                Some(cmds) => command = Some((v.clone(), cmds)),
                None => {
                    note = Some(format!(
                        "command `{v}` is not one proxylib knows, so the rule counts as empty"
                    ));
                }
            },
            "keyExact" => exact = Some(v.clone()).filter(|v| !v.is_empty()),
            "keyPrefix" => prefix = Some(v.clone()).filter(|v| !v.is_empty()),
            "keyRegex" => regex = Some(rule_regex(r, k)?),
            _ => return Err(format!("unsupported key `{k}`")),
        }
    }
    // Matches checks keyExact, else keyPrefix, else keyRegex.
    let keys = exact
        .map(KeyRule::Exact)
        .or(prefix.map(KeyRule::Prefix))
        .or(regex.map(KeyRule::Regex));
    if command.is_none() && keys.is_some() {
        return Err("command not specified but key was provided".into());
    }
    Ok(MemcacheRule {
        command,
        keys,
        note,
    })
}

enum McKeys {
    /// get, gets, gat, gats: every key.
    All,
    /// Storage, delete, incr/decr, touch: the first token.
    One,
    None,
}

/// The text parser's command classes (text/parser.go OnData); `None`: the
/// parser fails on it.
fn memcache_command(cmd: &str) -> Option<McKeys> {
    if cmd.starts_with("get") || cmd.starts_with("gat") {
        return Some(McKeys::All);
    }
    Some(match cmd {
        "set" | "add" | "replace" | "append" | "prepend" | "cas" | "delete" | "incr" | "decr"
        | "touch" => McKeys::One,
        "slabs" | "lru" | "lru_crawler" | "stats" | "version" | "misbehave" | "flush_all"
        | "cache_memlimit" | "quit" | "watch" => McKeys::None,
        _ => return None,
    })
}

pub(super) fn check_memcache(rules: &[ProxylibRule], l7: &[(String, String)]) -> L7Check {
    let mut parsed = Vec::with_capacity(rules.len());
    for (i, r) in rules.iter().enumerate() {
        match memcache_rule(r) {
            Ok(p) => parsed.push(p),
            Err(why) => return parse_error("memcache", i, &why, MEMCACHE_DENIED),
        }
    }
    let attrs = match Attrs::parse(
        l7,
        "memcache",
        super::MEMCACHE_KEYS,
        &["key"],
        &MEMCACHE_DENIED,
    ) {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    let Some(cmd) = attrs.one("command") else {
        let open = parsed.iter().position(|r| r.command.is_none());
        return without_request(
            rules.len(),
            open,
            Hint::give([
                Input::L7 {
                    key: "command",
                    value: "<get|set|delete|...>",
                },
                KEY,
            ])
            .note("one key attribute for each key of the request"),
        );
    };
    let Some(class) = memcache_command(cmd) else {
        return parser_error(
            "memcache",
            format!("`{cmd}` is not a text-protocol command it knows"),
        );
    };
    if rules.is_empty() {
        return L7Check::Pass(EMPTY_LIST.into());
    }
    let given = attrs.all("key");
    let keys: Option<Vec<&str>> = match class {
        McKeys::All => given.map(|k| k.to_vec()),
        McKeys::One => given.and_then(|k| k.first()).map(|k| vec![*k]),
        McKeys::None => Some(Vec::new()),
    };
    let verdicts: Vec<Verdict> = parsed
        .iter()
        .map(|r| memcache_verdict(r, cmd, keys.as_deref()))
        .collect();
    decide(&verdicts, MEMCACHE_DENIED)
}

fn memcache_verdict(r: &MemcacheRule, cmd: &str, keys: Option<&[&str]>) -> Verdict {
    let Some((group, cmds)) = &r.command else {
        let why = r
            .note
            .clone()
            .unwrap_or_else(|| "the rule has no command, so it matches every request".into());
        return Verdict::Match(vec![why]);
    };
    let mut conds = vec![if cmds.contains(&cmd) {
        Cond::Holds(format!("command `{group}` includes {cmd}"))
    } else {
        Cond::Fails(format!("command `{group}` does not include {cmd}"))
    }];
    if let Some(rule) = &r.keys {
        let what = rule.to_string();
        conds.push(match keys {
            None => Cond::Unknown {
                give: KEY,
                why: format!("has {what}"),
            },
            // Every key of the request must satisfy the rule.
            Some(ks) => match ks.iter().find(|k| !rule.accepts(k)) {
                Some(bad) => Cond::Fails(format!("{what} !~ key {bad}")),
                None if ks.is_empty() => Cond::Holds(format!("{what} (the command has no keys)")),
                None => Cond::Holds(format!("{what} ~ {}", ks.join(", "))),
            },
        });
    }
    judge(conds)
}
