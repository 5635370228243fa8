//! AdminNetworkPolicy, BaselineAdminNetworkPolicy (v1alpha1) and
//! ClusterNetworkPolicy (v1alpha2) into the IR.

use super::Builder;
use crate::dialect::{Policy as Loaded, npapi};

pub fn lower_anp(
    b: &mut Builder,
    policy: &Loaded,
    anp: &npapi::AdminNetworkPolicy,
    baseline: bool,
) {
    let _ = (b, policy, anp, baseline);
}

pub fn lower_cnp(b: &mut Builder, policy: &Loaded, cnp: &npapi::ClusterNetworkPolicy) {
    let _ = (b, policy, cnp);
}
