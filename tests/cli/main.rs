//! Integration tests: the built `polctl` binary, run as a user runs it.

mod apply;
mod cluster;
mod common;
mod completion;
mod contracts;
mod describe_policy;
mod diff;
mod endpoints;
mod examples;
mod flags;
mod flow_ends;
mod get;
mod graph;
mod help;
mod hints;
mod l7_filtered;
mod lint;
mod load;
mod policy_test;
mod readme;
mod replay;
mod requests;
mod simulate;
