//! Choosing the dataplane and ordering tiers: what every dialect relies on.

use super::{CALICO_LAST_ANP, CALICO_LATEST, Choice, Input, lower};
use crate::model::policy::{Cni, TierDefault, Version};

fn compile(yaml: &str, choice: &Choice) -> super::Lowered {
    let inv = crate::load::load_text("t.yaml", yaml).unwrap_or_else(|e| panic!("{e:?}"));
    let input = Input::from(&inv);
    lower(&input, choice)
}

const NP: &str = "apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: np, namespace: a}
spec:
  podSelector: {}
";

const ANP: &str = "apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: anp}
spec:
  priority: 10
  subject: {namespaces: {}}
  ingress:
    - {action: Deny, from: [{namespaces: {}}]}
";

const TIER: &str = "apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: security}
spec: {order: 100}
";

fn auto() -> Choice {
    Choice {
        app_layer: true,
        ..Choice::default()
    }
}

#[test]
fn the_cni_follows_the_loaded_kinds_unless_chosen() {
    let l = compile(NP, &auto());
    assert_eq!(l.set.dataplane.cni, Cni::K8s);
    assert_eq!(l.set.dataplane.calico_version, None);
    assert_eq!(l.set.pod_profiles, ["non-isolated"]);

    let l = compile(&format!("{NP}---\n{TIER}"), &auto());
    assert_eq!(l.set.dataplane.cni, Cni::Calico);
    assert_eq!(l.set.dataplane.calico_version, Some(CALICO_LATEST));
    assert_eq!(l.set.pod_profiles[0], "kns.{namespace}");

    let chosen = Choice {
        cni: Some(Cni::K8s),
        ..auto()
    };
    let l = compile(&format!("{NP}---\n{TIER}"), &chosen);
    assert_eq!(l.set.dataplane.cni, Cni::K8s);
    assert_eq!(l.set.dataplane.cni_reason, "--cni");
}

#[test]
fn calico_defaults_to_the_last_release_enforcing_loaded_admin_policies() {
    let calico = Choice {
        cni: Some(Cni::Calico),
        ..auto()
    };
    let l = compile(ANP, &calico);
    assert_eq!(l.set.dataplane.calico_version, Some(CALICO_LAST_ANP));
    assert!(
        l.set
            .policies()
            .any(|(t, p)| t.name == "adminnetworkpolicy" && p.name == "anp")
    );

    // Asked for 3.32 explicitly: the ANP is not enforced, and a note says so.
    let v332 = Choice {
        calico_version: Some(Version::new(3, 32)),
        ..calico
    };
    let l = compile(ANP, &v332);
    assert_eq!(l.set.policies().count(), 0);
    assert!(l.notes.iter().any(|n| n.message.contains("calico#11144")));
}

#[test]
fn builtin_tiers_keep_the_kubernetes_sequence() {
    let l = compile(&format!("{NP}---\n{ANP}"), &auto());
    let tiers: Vec<(&str, TierDefault)> = l
        .set
        .tiers
        .iter()
        .map(|t| (t.name.as_str(), t.default_action))
        .collect();
    assert_eq!(
        tiers,
        [
            ("admin", TierDefault::Pass),
            ("default", TierDefault::Deny),
            ("baseline", TierDefault::Pass)
        ]
    );
}

#[test]
fn versions_parse_with_or_without_patch_and_prefix() {
    assert_eq!(Version::parse("3.31"), Some(Version::new(3, 31)));
    assert_eq!(Version::parse("v3.29.4"), Some(Version::new(3, 29)));
    assert_eq!(Version::parse("3"), None);
    assert_eq!(Version::parse("3.31.x"), None);
    assert_eq!(Version::parse("3.31.1.2"), None);
    assert!(Version::new(3, 32) > Version::new(3, 31));
}
