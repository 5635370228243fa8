#![warn(unreachable_pub)]
//! polctl: an offline simulator for Kubernetes network policy.
//!
//! Layers point one way (`tests/layers.rs` keeps them so): `selector` and
//! `syntax` at the bottom; `model` (cluster, flow, policy IR); `dialect`
//! (one folder per policy language, lowered to the IR); `load` (files →
//! inventory); `sim` (evaluator, reachability; reads only model and
//! selector); `verify` (policy tests); `render` and `cmd` on top.

pub mod cluster;
pub mod cmd;
pub mod dialect;
pub mod lint;
pub mod load;
pub mod model;
pub mod node;
pub mod render;
pub mod selector;
pub mod sim;
pub(crate) mod syntax;
pub(crate) mod verify;
