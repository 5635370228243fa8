//! `polctl apply`: verified objects to the cluster with server-side apply.

pub(crate) mod plan;

pub(crate) use plan::{Ambiguous, Object, Plan, Stage, plan};
