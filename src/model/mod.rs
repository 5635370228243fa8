//! The cluster model and source positions shared by every layer.

mod cluster;
mod span;

pub use cluster::*;
pub use span::{FileId, Span, Spanned};
