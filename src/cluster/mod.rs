//! The live cluster, through kube: the connection (kubeconfig resolution
//! as kubectl does it) and reading every object polctl loads. Async stays
//! in here: each call runs on a small runtime of its own, so commands, the
//! loader and the simulator stay synchronous. `apply` sends verified
//! objects with server-side apply.

pub(crate) mod apply;
mod connect;
mod error;
mod live;

pub use connect::{ClusterOptions, Connection};
pub use error::ClusterError;
pub use live::{Live, LiveObject, PAGE_SIZE};
