//! networking.k8s.io/v1 NetworkPolicy into the IR.

use super::Builder;
use crate::dialect::{Policy as Loaded, k8s};

pub fn lower(b: &mut Builder, policy: &Loaded, np: &k8s::NetworkPolicy) {
    let _ = (b, policy, np);
}
