//! Evaluation: the selector language and, built on it, the evaluator.

pub mod selector;
