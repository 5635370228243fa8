//! projectcalico.org/v3 policies, tiers and profiles into the IR.

use super::Builder;
use crate::dialect::{Policy as Loaded, calico};
use crate::model::Spanned;

pub fn declare_tiers(b: &mut Builder, tiers: &[Spanned<calico::Tier>]) {
    let _ = (b, tiers);
}

pub fn lower(b: &mut Builder, policy: &Loaded, obj: &calico::Object) {
    let _ = (b, policy, obj);
}

pub fn profiles(b: &mut Builder, profiles: &[Spanned<calico::Profile>]) {
    let _ = (b, profiles);
}
