//! Application-protocol request matching (Cilium proxy rules).
use crate::model::Flow;
use crate::model::policy::{FqdnPattern, L7Match};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum L7Check {
    NoRequest(String),
    Pass(String),
    Refused { reason: String, response: String },
}

pub fn check(_m: &L7Match, _flow: &Flow) -> L7Check {
    L7Check::NoRequest(String::new())
}

pub fn fqdn_matches(_pattern: &FqdnPattern, _name: &str) -> bool {
    false
}

pub fn describe(m: &L7Match) -> String {
    m.protocol().to_string()
}
