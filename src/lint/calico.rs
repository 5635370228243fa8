//! Lints on Calico objects: tiers a policy names that nothing defines, and
//! HTTP matches the dataplane never enforces.

use super::{CALICO_HTTP_IGNORED, Finding, PolicyRef, UNDEFINED_TIER};
use crate::dialect::PolicySource;
use crate::dialect::calico::{Object, Rule, SpecView};
use crate::load::Inventory;
use crate::model::Spanned;
use crate::model::policy::{Cni, PolicySet};

pub(super) fn lint(inventory: &Inventory, set: &PolicySet, out: &mut Vec<Finding>) {
    if set.dataplane.cni != Cni::Calico {
        return;
    }
    // The compiler creates a tier a policy names and nothing declares
    // with no order and no source; built-in tiers have an order.
    let undefined: Vec<&str> = set
        .tiers
        .iter()
        .filter(|t| t.origin.is_none() && t.order.is_none())
        .map(|t| t.name.as_str())
        .collect();
    let app_layer = set.dataplane.app_layer;
    for object in &inventory.policies {
        let PolicySource::Calico(obj) = &object.source else {
            continue;
        };
        let Some(view) = view(obj) else { continue };
        let pref = PolicyRef {
            kind: object.kind.clone(),
            namespace: object.namespace.clone(),
            name: object.name.clone(),
        };
        if let Some(tier) = view.tier
            && undefined.contains(&tier.value.as_str())
        {
            let known: Vec<&str> = set
                .tiers
                .iter()
                .filter(|t| !undefined.contains(&t.name.as_str()))
                .map(|t| t.name.as_str())
                .collect();
            let suggestion = known
                .iter()
                .map(|k| (strsim::jaro_winkler(k, &tier.value), *k))
                .filter(|(s, _)| *s > 0.8)
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .map(|(_, k)| format!("did you mean `{k}`? "))
                .unwrap_or_default();
            out.push(
                Finding::new(
                    &UNDEFINED_TIER,
                    tier.span,
                    format!(
                        "{pref} names tier `{}`, which no Tier object defines: Calico refuses the policy; polctl evaluates it after every tier with a Deny default",
                        tier.value
                    ),
                )
                .label("no such tier")
                .help(format!(
                    "{suggestion}load the Tier object with the policies (tiers loaded: {})",
                    known.join(", ")
                ))
                .policy(pref.clone()),
            );
        }
        if !app_layer {
            for rule in view.ingress.iter().chain(view.egress) {
                no_app_layer(rule, &pref, out);
            }
        }
    }
    // Profile rules skip the policy checks: an egress HTTP match loads,
    // and Dikastes never sees it (application layer policy is ingress only,
    // SEMANTICS.md §B6).
    for profile in &inventory.profiles {
        let pref = PolicyRef {
            kind: "Profile".into(),
            namespace: None,
            name: profile.metadata.name().to_string(),
        };
        for rule in &profile.spec.egress {
            if let Some(http) = &rule.http {
                out.push(
                    Finding::new(
                        &CALICO_HTTP_IGNORED,
                        http.span,
                        format!(
                            "the HTTP match of an egress rule of {pref} is never enforced: Calico's application layer policy applies to ingress only, so the rule admits every request"
                        ),
                    )
                    .label("ignored on egress")
                    .help("match HTTP on the destination's ingress rules")
                    .policy(pref.clone()),
                );
            }
        }
        if !app_layer {
            for rule in &profile.spec.ingress {
                no_app_layer(rule, &pref, out);
            }
        }
    }
}

/// Without application layer policy, the L3/L4 dataplane ignores HTTP
/// matches (felix/rules/policy.go renders no HTTP field, §B6).
fn no_app_layer(rule: &Spanned<Rule>, pref: &PolicyRef, out: &mut Vec<Finding>) {
    let Some(http) = &rule.http else { return };
    out.push(
        Finding::new(
            &CALICO_HTTP_IGNORED,
            http.span,
            format!(
                "the HTTP match of a rule of {pref} is never enforced without application layer policy (--no-app-layer): the rule admits every request"
            ),
        )
        .label("ignored by the L3/L4 dataplane")
        .help("enable application layer policy (Dikastes), or drop the HTTP match")
        .policy(pref.clone()),
    );
}

fn view(obj: &Object) -> Option<SpecView<'_>> {
    Some(match obj {
        Object::NetworkPolicy(o) => o.spec.view(),
        Object::GlobalNetworkPolicy(o) => o.spec.view(),
        Object::StagedNetworkPolicy(o) => o.spec.view(),
        Object::StagedGlobalNetworkPolicy(o) => o.spec.view(),
        _ => return None,
    })
}
