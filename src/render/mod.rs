//! Output: tables, YAML/JSON, and the printer everything goes through.
