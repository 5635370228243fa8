//! The cluster model, the flow type, the policy IR and source positions
//! shared by every layer.

mod cluster;
mod flow;
mod pattern;
pub mod policy;

pub use crate::syntax::{FileId, Span, Spanned};
pub use cluster::*;
pub use flow::{Flow, FlowEnd, HttpRequest, Peer, ServiceHop};
pub use pattern::Pattern;
