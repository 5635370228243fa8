//! Node enforcement: the verdicts of the endpoints on this node, compiled
//! into the maps of polctl's tc classifier (crates/ebpf), which is loaded,
//! attached to the host side of each endpoint's interface and pinned so it
//! outlives the command.
//!
//! The kernel enforces L3/L4 only. `compile` lists what it cannot check
//! (application-layer filtering, mutual authentication) and never allows
//! it there; `kernel` talks to the kernel through aya; `show` renders the
//! compiled maps and the status as tables.

mod compile;
mod discover;
mod kernel;
mod maps;
mod show;

pub use compile::{
    CompileError, IdentityEntry, IdentityName, LocalEndpoint, NotEnforced, Plan, PlannedEndpoint,
    RuleEntry, Unenforceable, compile, ipv6_view, merge_families, range_prefixes,
};
pub use discover::{
    Discovery, Found, KernelRoutes, Link, NodeFilter, Route, Routes, SkipReason, Skipped, discover,
    host_name,
};
pub use kernel::{
    NodeError, Pins, State, Status, TC_OBJECT, attach, check_privileges, detach, ifindex, status,
    write_slot,
};
pub use maps::{SlotEntries, slot_entries};
pub use show::{plan_table, status_table};
