//! `polctl apply`: verified objects to the cluster with server-side apply.

mod plan;
mod send;

pub(crate) use plan::{Object, Plan, plan};
pub(crate) use send::{
    Options, Outcome, Sent, apply, check_served, content, delete, read_live, stale,
};
