use std::collections::{BTreeMap, HashMap};

use proptest::prelude::*;

use super::*;

fn p(text: &str) -> Expr {
    parse(text).unwrap_or_else(|e| panic!("{text:?} should parse: {e}"))
}

fn err(text: &str) -> ParseError {
    match parse(text) {
        Ok(e) => panic!("{text:?} should not parse, got {e:?}"),
        Err(e) => e,
    }
}

fn has(k: &str) -> Expr {
    Expr::Has(k.into())
}

fn eq(k: &str, v: &str) -> Expr {
    Expr::Eq(k.into(), v.into())
}

fn set(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| (*v).to_owned()).collect()
}

// ---- operators and syntax ----

#[test]
fn every_operator_parses() {
    let cases = [
        ("all()", Expr::All),
        ("global()", Expr::Global),
        ("has(app)", has("app")),
        ("app == 'web'", eq("app", "web")),
        ("app != 'web'", Expr::Ne("app".into(), "web".into())),
        (
            "app in {'web', 'db'}",
            Expr::In("app".into(), set(&["db", "web"])),
        ),
        (
            "app not in {'web'}",
            Expr::NotIn("app".into(), set(&["web"])),
        ),
        (
            "app notin {'web'}",
            Expr::NotIn("app".into(), set(&["web"])),
        ),
        ("app contains 'e'", Expr::Contains("app".into(), "e".into())),
        (
            "app starts with 'w'",
            Expr::StartsWith("app".into(), "w".into()),
        ),
        (
            "app ends with 'b'",
            Expr::EndsWith("app".into(), "b".into()),
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(p(text), expected, "{text}");
    }
}

#[test]
fn both_quote_styles() {
    assert_eq!(p(r#"a == "x""#), p("a == 'x'"));
    assert_eq!(p(r#"a == "it's""#), eq("a", "it's"));
    assert_eq!(p(r#"a == 'say "hi"'"#), eq("a", "say \"hi\""));
    assert_eq!(
        p(r#"a in {"x", 'y'}"#),
        Expr::In("a".into(), set(&["x", "y"]))
    );
    assert_eq!(p("a == ''"), eq("a", ""));
}

#[test]
fn optional_and_missing_whitespace() {
    assert_eq!(p("a=='x'&&b!='y'"), p("a == 'x' && b != 'y'"));
    assert_eq!(p("\ta\t==\t'x'\t"), eq("a", "x"));
    assert_eq!(p("has( a )"), has("a"));
    assert_eq!(p("has (a)"), has("a"));
    assert_eq!(p("all ( )"), Expr::All);
    assert_eq!(p("global(\t)"), Expr::Global);
    assert_eq!(p("a in{'x'}"), p("a in {'x'}"));
    assert_eq!(p("a notin{}"), Expr::NotIn("a".into(), vec![]));
    assert_eq!(p("a not\tin {}"), Expr::NotIn("a".into(), vec![]));
    assert_eq!(p("a startswith 'x'"), p("a starts with 'x'"));
    assert_eq!(p("a starts\t  with'x'"), p("a starts with 'x'"));
    assert_eq!(p("a endswith 'x'"), p("a ends with 'x'"));
    assert_eq!(p("a contains'x'"), p("a contains 'x'"));
}

#[test]
fn empty_and_blank_mean_all() {
    for text in ["", " ", "\t", " \t \t "] {
        assert_eq!(p(text), Expr::All, "{text:?}");
    }
}

#[test]
fn set_values_sorted_deduped_and_empty_allowed() {
    assert_eq!(p("a in {}"), Expr::In("a".into(), vec![]));
    assert_eq!(
        p("a in {'b', 'a', 'b', \"a\"}"),
        Expr::In("a".into(), set(&["a", "b"]))
    );
    assert_eq!(
        p("a not in { 'z' ,'y' }"),
        Expr::NotIn("a".into(), set(&["y", "z"]))
    );
}

#[test]
fn keywords_are_labels_unless_followed_by_paren() {
    assert_eq!(p("has == 'x'"), eq("has", "x"));
    assert_eq!(p("all == 'x'"), eq("all", "x"));
    assert_eq!(p("global != 'x'"), Expr::Ne("global".into(), "x".into()));
    assert_eq!(p("in in {'a'}"), Expr::In("in".into(), set(&["a"])));
    assert_eq!(p("not not in {}"), Expr::NotIn("not".into(), vec![]));
    assert_eq!(
        p("contains contains 'c'"),
        Expr::Contains("contains".into(), "c".into())
    );
    assert_eq!(
        p("starts starts with 's'"),
        Expr::StartsWith("starts".into(), "s".into())
    );
    assert_eq!(p("has(has)"), has("has"));
    assert_eq!(p("has(all)"), has("all"));
}

#[test]
fn label_charset_and_length() {
    assert_eq!(
        p("projectcalico.org/namespace == 'x'"),
        eq("projectcalico.org/namespace", "x")
    );
    assert_eq!(p("a_b-c.d/e == 'x'"), eq("a_b-c.d/e", "x"));
    assert_eq!(p("123 == '4'"), eq("123", "4"));
    assert_eq!(p("- == '4'"), eq("-", "4"));
    let max = "k".repeat(512);
    assert_eq!(p(&format!("has({max})")), has(&max));
}

#[test]
fn values_are_raw_text() {
    // No escapes, any character (including newlines) up to the closing quote.
    assert_eq!(p(r"a == 'x\'"), eq("a", r"x\"));
    assert_eq!(p("a == 'x\ny'"), eq("a", "x\ny"));
    assert_eq!(p("a == 'héllo && ü'"), eq("a", "héllo && ü"));
    assert_eq!(p("a == ')'"), eq("a", ")"));
}

#[test]
fn precedence_and_binds_tighter_than_or() {
    let expected = Expr::Or(vec![
        eq("a", "x"),
        Expr::And(vec![eq("b", "y"), eq("c", "z")]),
    ]);
    assert_eq!(p("a == 'x' || b == 'y' && c == 'z'"), expected);
    let expected = Expr::Or(vec![
        Expr::And(vec![eq("a", "x"), eq("b", "y")]),
        eq("c", "z"),
    ]);
    assert_eq!(p("a == 'x' && b == 'y' || c == 'z'"), expected);
    let expected = Expr::And(vec![
        Expr::Or(vec![eq("a", "x"), eq("b", "y")]),
        eq("c", "z"),
    ]);
    assert_eq!(p("(a == 'x' || b == 'y') && c == 'z'"), expected);
}

#[test]
fn not_binds_to_the_primary() {
    assert_eq!(
        p("!a == 'x' && b == 'y'"),
        Expr::And(vec![eq("a", "x").negate(), eq("b", "y")])
    );
    assert_eq!(
        p("!(a == 'x' || b == 'y')"),
        Expr::Or(vec![eq("a", "x"), eq("b", "y")]).negate()
    );
}

#[test]
fn bang_chains_cancel_pairwise() {
    assert_eq!(p("!has(x)"), Expr::Not(Box::new(has("x"))));
    assert_eq!(p("!!has(x)"), has("x"));
    assert_eq!(p("!!!has(x)"), p("!has(x)"));
    assert_eq!(p("! ! !\t!has(x)"), has("x"));
    assert_eq!(p("!(!has(x))"), has("x"));
    assert_eq!(p("!(!(!has(x)))"), p("!has(x)"));
    assert_eq!(p("!all()"), Expr::Not(Box::new(Expr::All)));
}

#[test]
fn and_or_are_flattened() {
    assert_eq!(
        p("has(a) && (has(b) && has(c)) && has(d)"),
        Expr::And(vec![has("a"), has("b"), has("c"), has("d")])
    );
    assert_eq!(
        p("has(a) || (has(b) || (has(c)))"),
        Expr::Or(vec![has("a"), has("b"), has("c")])
    );
    assert_eq!(p("((has(a)))"), has("a"));
}

#[test]
fn long_chains_and_deep_nesting() {
    let bangs = format!("{}has(a)", "!".repeat(100_000));
    assert_eq!(p(&bangs), has("a"));
    let flat = vec!["has(a)"; 20_000].join(" || ");
    assert!(matches!(p(&flat), Expr::Or(m) if m.len() == 20_000));
    let nested = format!("{}has(a) || has(b){}", "(!".repeat(128), ")".repeat(128));
    let e = p(&nested);
    assert_eq!(p(&e.to_string()), e);
    let too_deep = "(".repeat(100_000);
    let e = err(&too_deep);
    assert_eq!((e.offset, e.len), (128, 1));
    assert!(e.message.contains("128 levels"), "{}", e.message);
}

// ---- errors ----

#[test]
fn error_offsets() {
    let label_513 = "k".repeat(513);
    let deep = format!("{}has(a){}", "(".repeat(129), ")".repeat(129));
    let cases: Vec<(&str, usize, usize, &str)> = vec![
        ("role == web", 8, 3, "expected a quoted string after `==`"),
        ("a == 'b", 5, 2, "unterminated string"),
        ("a == \"b' ", 5, 4, "unterminated string"),
        ("a == 'b' &&", 11, 0, "unexpected end of selector"),
        ("a == 'b' &&  ", 13, 0, "unexpected end of selector"),
        (")", 0, 1, "unexpected `)`"),
        ("()", 1, 1, "unexpected `)`"),
        ("a == 'b')", 8, 1, "unexpected `)`"),
        ("(a == 'b'", 9, 0, "expected `)`"),
        ("has(a", 5, 0, "expected `)` to close `has(`"),
        ("has()", 4, 1, "expected a label inside `has(`"),
        ("has('a')", 4, 3, "expected a label inside `has(`"),
        ("all(x)", 4, 1, "`all()` takes no arguments"),
        ("global( a )", 8, 1, "`global()` takes no arguments"),
        ("foo(a)", 0, 3, "unknown function `foo()`"),
        ("a", 1, 0, "expected an operator after label `a`"),
        ("a 'x'", 2, 3, "expected an operator after label `a`"),
        ("a containsx 'b'", 2, 9, "unknown operator `containsx`"),
        ("a in {'x' 'y'}", 10, 3, "expected `,` or `}`"),
        ("a in {'x',}", 10, 1, "expected a quoted string in set"),
        ("a in {'x'", 9, 0, "expected `,` or `}`"),
        ("a in 'x'", 5, 3, "expected `{` after `in`"),
        ("a not 'x'", 6, 3, "expected `in` after `not`"),
        ("a not inx {}", 6, 3, "expected `in` after `not`"),
        ("a starts 'x'", 9, 3, "expected `with` after `starts`"),
        (
            "a ends with",
            11,
            0,
            "expected a quoted string after `ends with`",
        ),
        (
            "a == 'b' b == 'c'",
            9,
            1,
            "expected `&&`, `||` or end of selector",
        ),
        ("a == 'x' | b == 'y'", 9, 1, "unexpected `|`"),
        ("a == 'x' & b == 'y'", 9, 1, "unexpected `&`"),
        ("a = 'x'", 2, 1, "unexpected `=`"),
        ("&& a == 'b'", 0, 2, "expected an expression, found `&&`"),
        ("'x' == a", 0, 3, "unexpected quoted string"),
        ("!", 1, 0, "unexpected end of selector"),
        (
            "a:b == 'x'",
            1,
            1,
            "label must match [A-Za-z0-9_./-]{1,512}",
        ),
        (
            "a == 'x'\n&& b == 'y'",
            8,
            1,
            "newlines are not allowed in selectors",
        ),
        ("\n", 0, 1, "newlines are not allowed in selectors"),
        (
            "a == 'x' \t\r\n",
            10,
            1,
            "newlines are not allowed in selectors",
        ),
        ("é == 'x'", 0, 2, "unexpected character `é`"),
        ("a == 'x' && \u{a0}", 12, 2, "unexpected character"),
        (
            &label_513,
            0,
            513,
            "label must match [A-Za-z0-9_./-]{1,512}",
        ),
        (&deep, 128, 1, "more than 128 levels"),
    ];
    for (text, offset, len, message) in cases {
        let e = err(text);
        assert_eq!((e.offset, e.len), (offset, len), "{text:?}: {e:?}");
        assert!(e.message.contains(message), "{text:?}: {e:?}");
    }
}

#[test]
fn error_help_and_display() {
    let e = err("role == web");
    assert_eq!(e.message, "expected a quoted string after `==`");
    assert_eq!(e.help.as_deref(), Some("values must be quoted: 'web'"));
    assert_eq!(e.span(), 8..11);
    assert_eq!(
        err("a == 'b").to_string(),
        "unterminated string (at byte 5)"
    );
    let boxed: Box<dyn std::error::Error> = Box::new(err(")"));
    assert_eq!(boxed.to_string(), "unexpected `)` (at byte 0)");
}

#[test]
fn first_error_in_text_order_wins() {
    // The syntax error at `web` comes before the bad character later on.
    let e = err("role == web && a:b == 'c'");
    assert_eq!(e.offset, 8);
    let text = "a == 'é' && ö";
    assert_eq!(err(text).offset, text.find('ö').unwrap_or_default());
}

// ---- evaluation ----

#[test]
fn evaluation_table() {
    let labels: BTreeMap<String, String> = [("app", "web"), ("tier", "frontend-prod"), ("e", "")]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let cases = [
        ("all()", true),
        ("global()", true),
        ("has(app)", true),
        ("has(e)", true),
        ("has(x)", false),
        ("app == 'web'", true),
        ("app == 'db'", false),
        ("app == 'WEB'", false),
        ("x == 'web'", false),
        ("x == ''", false),
        ("e == ''", true),
        ("app != 'db'", true),
        ("app != 'web'", false),
        ("x != 'web'", true),
        ("e != ''", false),
        ("app in {'web', 'db'}", true),
        ("app in {'db'}", false),
        ("app in {}", false),
        ("x in {'web'}", false),
        ("x in {''}", false),
        ("app not in {'db'}", true),
        ("app not in {'web', 'db'}", false),
        ("app not in {}", true),
        ("x not in {'web'}", true),
        ("tier contains 'end-p'", true),
        ("tier contains ''", true),
        ("tier contains 'END'", false),
        ("x contains ''", false),
        ("tier starts with 'front'", true),
        ("tier starts with 'Front'", false),
        ("tier starts with 'prod'", false),
        ("x starts with ''", false),
        ("tier ends with 'prod'", true),
        ("tier ends with 'front'", false),
        ("x ends with ''", false),
        ("!has(x)", true),
        ("!has(app)", false),
        ("has(app) && has(x)", false),
        ("has(app) || has(x)", true),
        ("!(has(app) && has(x))", true),
        ("x == 'a' || app == 'web' && tier ends with 'prod'", true),
        ("(x == 'a' || app == 'web') && has(nope)", false),
    ];
    for (text, expected) in cases {
        assert_eq!(p(text).matches(&labels), expected, "{text}");
    }
}

#[test]
fn all_and_global_match_empty_labels() {
    let none: [(&str, &str); 0] = [];
    assert!(Expr::All.matches(&none));
    assert!(Expr::Global.matches(&none));
    assert!(p("").matches(&none));
}

#[test]
fn every_labels_impl_agrees() {
    let e = p("app == 'web' && tier != 'db'");
    let btree: BTreeMap<String, String> = [("app".to_owned(), "web".to_owned())].into();
    let hash: HashMap<String, String> = [("app".to_owned(), "web".to_owned())].into();
    let owned = vec![("app".to_owned(), "web".to_owned())];
    let borrowed = [("app", "web")];
    let btree_str: BTreeMap<&str, &str> = [("app", "web")].into();
    assert!(e.matches(&btree));
    assert!(e.matches(&hash));
    assert!(e.matches(&owned));
    assert!(e.matches(owned.as_slice()));
    assert!(e.matches(&borrowed));
    assert!(e.matches(&borrowed[..]));
    assert!(e.matches(&btree_str));
    assert!(e.matches(&&btree));
    // First occurrence wins in pair lists.
    assert!(!e.matches(&[("app", "db"), ("app", "web")]));
}

// ---- printing ----

#[test]
fn canonical_display() {
    let cases = [
        ("", "all()"),
        ("global( )", "global()"),
        ("has( a )", "has(a)"),
        ("a=='x'", r#"a == "x""#),
        ("a != \"x\"", r#"a != "x""#),
        (r#"a == 'say "hi"'"#, r#"a == 'say "hi"'"#),
        (r#"a == "it's""#, r#"a == "it's""#),
        ("a in {'b','a'}", r#"a in {"a", "b"}"#),
        ("a notin {}", "a not in {}"),
        ("a contains 'x'", r#"a contains "x""#),
        ("a startswith 'x'", r#"a starts with "x""#),
        ("a   ends   with 'x'", r#"a ends with "x""#),
        ("!has(a)", "!has(a)"),
        ("!(has(a) && has(b))", "!(has(a) && has(b))"),
        ("!(has(a) || has(b))", "!(has(a) || has(b))"),
        (
            "(has(a) || has(b)) && has(c)",
            "(has(a) || has(b)) && has(c)",
        ),
        ("has(a) && has(b) || has(c)", "has(a) && has(b) || has(c)"),
        ("!has(a) && !b == 'x'", r#"!has(a) && !b == "x""#),
    ];
    for (text, canonical) in cases {
        assert_eq!(p(text).to_string(), canonical, "{text}");
    }
}

#[test]
fn display_round_trips() {
    let examples = [
        "all()",
        "global()",
        "!global()",
        "has(projectcalico.org/namespace)",
        "role == 'web'",
        "role != \"db\"",
        "role in {'a', 'b', 'c'}",
        "role not in {}",
        "a contains '' && b starts with 'x' || c ends with 'y'",
        "!(a == 'x' || !(b == 'y' && !has(c)))",
        "(a == 'x' || b == 'y') && (c == 'z' || !has(d)) && all()",
        "has(x) || (has(y) && (has(z) || global()))",
        "has == 'x' && in in {'in'} && not not in {'not'}",
        r#"a == 'q"q' || b == "q'q""#,
        "a == 'multi\nline'",
        "a == 'ünïcødé ✓'",
    ];
    for text in examples {
        let e = p(text);
        assert_eq!(p(&e.to_string()), e, "{text} -> {e}");
    }
}

#[test]
fn display_of_unnormalised_trees_keeps_meaning() {
    assert_eq!(Expr::And(vec![]).to_string(), "all()");
    assert_eq!(Expr::Or(vec![]).to_string(), "!all()");
    assert_eq!(Expr::And(vec![has("a")]).to_string(), "has(a)");
    let nested = Expr::And(vec![
        Expr::And(vec![Expr::Or(vec![has("a"), has("b")])]),
        has("c"),
    ]);
    assert_eq!(nested.to_string(), "(has(a) || has(b)) && has(c)");
}

// ---- combinators and rewrites ----

#[test]
fn and_or_negate_combinators() {
    assert_eq!(
        Expr::All.and(Expr::All),
        Expr::And(vec![Expr::All, Expr::All])
    );
    assert_eq!(
        has("a").and(has("b").and(has("c"))),
        Expr::And(vec![has("a"), has("b"), has("c")])
    );
    assert_eq!(
        has("a").or(has("b")).or(has("c").and(has("d"))),
        Expr::Or(vec![
            has("a"),
            has("b"),
            Expr::And(vec![has("c"), has("d")])
        ])
    );
    assert_eq!(has("a").negate().negate(), has("a"));
    assert_eq!(Expr::all_of([]), Expr::All);
    assert_eq!(Expr::all_of([has("a")]), has("a"));
    assert!(!Expr::any_of([]).matches(&[("a", "b")]));
    assert_eq!(Expr::any_of([has("a")]), has("a"));
}

#[test]
fn map_keys_rewrites_every_key() {
    let e = p(
        "has(a) && b in {'x'} && !c == 'y' && d not in {} && e != 'z' \
               && f contains 'q' && g starts with 'q' && h ends with 'q' && all()",
    );
    let mapped = e.map_keys(&mut |k| format!("pcns.{k}"));
    let expected = p(
        "has(pcns.a) && pcns.b in {'x'} && !pcns.c == 'y' && pcns.d not in {} \
                      && pcns.e != 'z' && pcns.f contains 'q' && pcns.g starts with 'q' \
                      && pcns.h ends with 'q' && all()",
    );
    assert_eq!(mapped, expected);
    assert_eq!(e.keys(), vec!["a", "b", "c", "d", "e", "f", "g", "h"]);
}

#[test]
fn replace_all_and_global() {
    let ns = has("projectcalico.org/namespace");
    assert_eq!(
        p("all() && a == 'x'").replace_all(&ns),
        Expr::And(vec![ns.clone(), eq("a", "x")])
    );
    // A compound replacement is flattened into the surrounding `&&`.
    assert_eq!(
        p("all() && a == 'x'").replace_all(&p("has(x) && has(y)")),
        p("has(x) && has(y) && a == 'x'")
    );
    // Negated replacements cancel against an enclosing `!`.
    assert_eq!(p("!all()").replace_all(&p("!has(z)")), has("z"));
    // `global()` is untouched by replace_all and vice versa.
    let mixed = p("global() || !all()");
    assert_eq!(
        mixed.replace_all(&ns),
        Expr::Or(vec![Expr::Global, ns.clone().negate()])
    );
    assert_eq!(
        mixed.replace_global(&ns),
        Expr::Or(vec![ns, Expr::All.negate()])
    );
    assert_eq!(p("all()").replace_all(&Expr::Global), Expr::Global);
}

#[test]
fn inspection_helpers() {
    assert!(p("has(a) && !(b == 'x' || global())").contains_global());
    assert!(!p("has(a) && all()").contains_global());
    assert!(p("").is_all());
    assert!(!p("all() && all()").is_all());
    assert!(!p("global()").is_all());
    assert_eq!(p("b == 'x' || a in {} && has(b)").keys(), vec!["a", "b"]);
    assert!(p("all() || global()").keys().is_empty());
    assert_eq!(has("k").key(), Some("k"));
    assert_eq!(Expr::All.key(), None);
}

// ---- Kubernetes LabelSelectors ----

#[test]
fn label_selector_compilation() {
    assert_eq!(from_label_selector([], &[]), Expr::All);
    assert_eq!(from_label_selector([("app", "web")], &[]), eq("app", "web"));
    assert_eq!(
        from_label_selector([("b", "2"), ("a", "1")], &[]),
        Expr::And(vec![eq("a", "1"), eq("b", "2")])
    );
    let envs = set(&["prod", "dev", "prod"]);
    let tiers = set(&["db"]);
    let requirements = [
        Requirement {
            key: "env",
            op: LabelOp::In,
            values: &envs,
        },
        Requirement {
            key: "tier",
            op: LabelOp::NotIn,
            values: &tiers,
        },
        Requirement {
            key: "team",
            op: LabelOp::Exists,
            values: &[],
        },
        Requirement {
            key: "legacy",
            op: LabelOp::DoesNotExist,
            values: &tiers,
        },
    ];
    let e = from_label_selector([("app", "web")], &requirements);
    assert_eq!(
        e.to_string(),
        r#"app == "web" && env in {"dev", "prod"} && tier not in {"db"} && has(team) && !has(legacy)"#
    );
    assert_eq!(p(&e.to_string()), e);
    assert_eq!(
        from_label_selector([], &requirements[3..]),
        Expr::Not(Box::new(has("legacy")))
    );

    let pod = [("app", "web"), ("env", "dev"), ("team", "a")];
    assert!(e.matches(&pod), "NotIn matches an absent key");
    assert!(!e.matches(&[
        ("app", "web"),
        ("env", "dev"),
        ("team", "a"),
        ("tier", "db")
    ]));
    assert!(!e.matches(&[
        ("app", "web"),
        ("env", "dev"),
        ("team", "a"),
        ("legacy", "")
    ]));
    assert!(!e.matches(&[("app", "web"), ("env", "qa"), ("team", "a")]));
}

#[test]
fn k8s_label_key_validation() {
    let max_name = "a".repeat(63);
    let max_prefix = format!("{}com/x", "a.".repeat(125));
    for ok in [
        "app",
        "a",
        "A-b_c.d",
        "app.kubernetes.io/name",
        "example.com/MyName",
        "projectcalico.org/namespace",
        "1-2.a-b/c",
        &max_name,
        &max_prefix,
    ] {
        assert_eq!(validate_k8s_label_key(ok), Ok(()), "{ok}");
    }
    let long_name = "a".repeat(64);
    let long_prefix = format!("{}/x", "a".repeat(254));
    for bad in [
        "",
        "/a",
        "a/",
        "a/b/c",
        "-a",
        "a-",
        ".a",
        "a b",
        "é",
        "Example.com/a",
        "exa_mple.com/a",
        "-example.com/a",
        "example..com/a",
        "example.com./a",
        &long_name,
        &long_prefix,
    ] {
        assert!(validate_k8s_label_key(bad).is_err(), "{bad:?}");
    }
    assert!(validate_k8s_label_key(&long_name).is_err_and(|m| m.contains("no more than 63")));
    assert!(validate_k8s_label_key(&long_prefix).is_err_and(|m| m.contains("no more than 253")));
}

#[test]
fn k8s_label_value_validation() {
    let max = "v".repeat(63);
    for ok in ["", "v1", "a.b-c_d", "A", &max] {
        assert_eq!(validate_k8s_label_value(ok), Ok(()), "{ok}");
    }
    let long = "v".repeat(64);
    for bad in ["-a", "a-", "a ", "a/b", "ü", &long] {
        assert!(validate_k8s_label_value(bad).is_err(), "{bad:?}");
    }
}

// ---- property tests ----

/// Fragments that steer random input towards the parser's interesting paths.
fn selector_soup() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "a", "b.c/d", "has", "all", "global", "(", ")", "{", "}", ",", "==", "!=", "!", "&&", "||",
        "&", "|", "=", "in", "not", "notin", "contains", "starts", "with", "ends", "'x'", "\"y\"",
        "'", "\"", " ", "\t", "\n", ":", "é", "✓",
    ]);
    prop::collection::vec(pieces, 0..24).prop_map(|v| v.concat())
}

fn check_parse_result(text: &str) -> Result<(), TestCaseError> {
    match parse(text) {
        Ok(e) => prop_assert_eq!(parse(&e.to_string()), Ok(e)),
        Err(e) => {
            prop_assert!(
                text.get(e.span()).is_some(),
                "span {:?} not on char boundaries",
                e
            );
            prop_assert!(
                e.len > 0 || e.offset == text.len(),
                "empty span before end: {:?}",
                e
            );
        }
    }
    Ok(())
}

fn arb_label() -> impl Strategy<Value = String> + Clone {
    "[A-Za-z0-9_./-]{1,12}"
}

/// Arbitrary text minus values the language cannot express (both quote kinds).
fn arb_value() -> impl Strategy<Value = String> + Clone {
    any::<String>().prop_map(|s| {
        if s.contains('"') && s.contains('\'') {
            s.replace('\'', "")
        } else {
            s
        }
    })
}

/// Normalised expressions: flattened And/Or, sorted sets, no `Not(Not(_))`.
fn arb_expr(
    label: impl Strategy<Value = String> + Clone + 'static,
    value: impl Strategy<Value = String> + Clone + 'static,
) -> impl Strategy<Value = Expr> {
    let values = prop::collection::vec(value.clone(), 0..4).prop_map(ast::normalize_set);
    let leaf = prop_oneof![
        Just(Expr::All),
        Just(Expr::Global),
        label.clone().prop_map(Expr::Has),
        (label.clone(), value.clone()).prop_map(|(k, v)| Expr::Eq(k, v)),
        (label.clone(), value.clone()).prop_map(|(k, v)| Expr::Ne(k, v)),
        (label.clone(), values.clone()).prop_map(|(k, v)| Expr::In(k, v)),
        (label.clone(), values).prop_map(|(k, v)| Expr::NotIn(k, v)),
        (label.clone(), value.clone()).prop_map(|(k, v)| Expr::Contains(k, v)),
        (label.clone(), value.clone()).prop_map(|(k, v)| Expr::StartsWith(k, v)),
        (label, value).prop_map(|(k, v)| Expr::EndsWith(k, v)),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            inner.clone().prop_map(Expr::negate),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::all_of),
            prop::collection::vec(inner, 2..4).prop_map(Expr::any_of),
        ]
    })
}

fn small_label() -> impl Strategy<Value = String> + Clone {
    prop::sample::select(vec!["a", "b", "c"]).prop_map(str::to_owned)
}

fn small_value() -> impl Strategy<Value = String> + Clone {
    prop::sample::select(vec!["", "x", "xy", "yx", "y"]).prop_map(str::to_owned)
}

fn small_labels() -> impl Strategy<Value = BTreeMap<String, String>> {
    prop::collection::btree_map(small_label(), small_value(), 0..4)
}

proptest! {
    #[test]
    fn parse_never_panics_on_any_string(text in any::<String>()) {
        check_parse_result(&text)?;
    }

    #[test]
    fn parse_never_panics_on_selector_soup(text in selector_soup()) {
        check_parse_result(&text)?;
    }

    #[test]
    fn display_parse_round_trip(e in arb_expr(arb_label(), arb_value())) {
        let text = e.to_string();
        prop_assert_eq!(parse(&text), Ok(e), "text: {:?}", text);
    }

    #[test]
    fn round_trip_preserves_meaning(
        e in arb_expr(small_label(), small_value()),
        labels in small_labels(),
    ) {
        let parsed = parse(&e.to_string()).map_err(|err| TestCaseError::fail(err.to_string()))?;
        let again = parse(&parsed.to_string()).map_err(|err| TestCaseError::fail(err.to_string()))?;
        prop_assert_eq!(e.matches(&labels), parsed.matches(&labels));
        prop_assert_eq!(parsed.matches(&labels), again.matches(&labels));
        prop_assert_eq!(parsed.clone().negate().matches(&labels), !parsed.matches(&labels));
    }
}
