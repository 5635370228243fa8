//! Reading manifests: files, directories and stdin; YAML and JSON; every
//! object with its source span.

pub mod de;
mod source;
pub mod yaml;

pub use source::{SourceFile, Sources, source_span};
