//! Integration tests: the built `polctl` binary, run as a user runs it.

mod common;
mod completion;
mod flow_ends;
mod endpoints;
mod get;
mod graph;
mod help;
mod load;
mod readme;
mod simulate;
