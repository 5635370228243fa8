//! Output: tables, YAML/JSON, and the printer everything goes through.

pub(crate) mod apply;
pub(crate) mod describe;
pub(crate) mod diff;
pub(crate) mod flows;
pub(crate) mod get;
pub mod graph;
pub(crate) mod hint;
pub mod layout;
pub(crate) mod lint;
pub(crate) mod policy;
mod printer;
pub(crate) mod replay;
mod reply;
pub(crate) mod report;
pub(crate) mod simulate;
pub(crate) mod table;
pub(crate) mod test;
pub(crate) mod trace;

pub use printer::{Printer, PrinterOptions, Verbosity};
