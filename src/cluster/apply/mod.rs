//! `polctl apply`: verified objects to the cluster with server-side apply.

mod plan;
mod send;

pub(crate) use plan::{Ambiguous, Object, Plan, plan};
pub(crate) use send::{
    Conflict, FIELD_MANAGER, Failure, NotServed, Options, Outcome, SendError, Sent, Stale,
    check_served, content, delete, read_live, stale,
};
pub(crate) use send::apply;
