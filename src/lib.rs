#![warn(unreachable_pub)]
//! polctl: an offline simulator for Kubernetes network policy.
//!
//! Data flows one way: `load` reads manifests with their source spans,
//! `dialect` types each policy language, `model` holds the cluster and the
//! policy IR, `sim` evaluates, and `render` prints.

pub mod cmd;
pub mod dialect;
pub mod load;
pub mod model;
pub mod render;
pub mod selector;
pub mod sim;
pub(crate) mod syntax;
pub(crate) mod verify;
