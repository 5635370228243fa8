//! Output: tables, YAML/JSON, and the printer everything goes through.

pub mod get;
mod printer;
pub mod table;

pub use printer::Printer;
