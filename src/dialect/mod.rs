//! The policy and workload languages polctl reads, typed as their APIs
//! define them.

pub mod common;
pub mod core;
pub mod k8s;
pub mod npapi;
