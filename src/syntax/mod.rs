//! The syntax every layer shares: source files and spans, the YAML parser
//! that keeps byte positions, deserialization from its tree, and the
//! diagnostics that point back at the text. A leaf: it imports no other
//! polctl module.

pub(crate) mod de;
mod diagnostic;
mod source;
mod span;
pub(crate) mod yaml;

pub(crate) use diagnostic::Problem;
pub use diagnostic::{LoadError, LoadErrors, Warning};
pub use source::{SourceFile, Sources, source_span};
pub use span::{FileId, Span, Spanned};
