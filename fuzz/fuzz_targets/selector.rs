//! Arbitrary bytes (read as lossy UTF-8) through both selector parsers; any
//! expression they return must print as Calico text that parses back to
//! the same expression.

#![no_main]

use libfuzzer_sys::fuzz_target;
use polctl::selector::{Expr, parse, parse_kubectl};

fn round_trip(source: &str, expr: &Expr) {
    let printed = expr.to_string();
    match parse(&printed) {
        Ok(again) => assert_eq!(
            &again, expr,
            "{source:?} printed as {printed:?} reads back differently"
        ),
        Err(e) => panic!("{source:?} printed as {printed:?}, which does not parse: {e}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(expr) = parse(&text) {
        round_trip(&text, &expr);
    }
    if let Ok(expr) = parse_kubectl(&text) {
        round_trip(&text, &expr);
    }
});
