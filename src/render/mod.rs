//! Output: tables, YAML/JSON, and the printer everything goes through.

pub mod describe;
pub mod get;
pub mod graph;
pub mod hint;
mod printer;
pub mod report;
pub mod simulate;
pub mod table;
pub mod test;
pub mod trace;

pub use printer::{Printer, PrinterOptions, Verbosity};
