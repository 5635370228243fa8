//! Evaluation: the selector language, the evaluator with its traces, and
//! resolving what a user names into flow ends.

pub mod eval;
pub mod reach;
pub(crate) mod request;
pub mod resolve;
