//! The generated clusters the benchmarks measure are real input: each
//! family loads without a problem or warning, the loader sees exactly what
//! the generator wrote, and the whole pipeline (compile for every
//! dataplane, simulate, graph, render) runs on it.

use polctl::load::load_text;
use polctl_testkit::cluster::{Spec, generate};

#[test]
fn every_generated_family_loads_as_written_and_runs_through_the_pipeline() {
    for (family, spec) in [
        ("k8s", Spec::k8s(60, 20)),
        ("mixed", Spec::mixed(60, 20)),
        ("single-tier", Spec::single_tier(60, 20)),
        ("cilium", Spec::cilium(60, 20)),
    ] {
        let generated = generate(&spec);
        let inv = load_text("generated.yaml", &generated.yaml)
            .unwrap_or_else(|e| panic!("{family}: {e:?}"));
        assert!(inv.warnings.is_empty(), "{family}: {:?}", inv.warnings);
        assert_eq!(inv.cluster.endpoints.len(), generated.pods, "{family} pods");
        assert_eq!(
            inv.cluster.services.len(),
            generated.services,
            "{family} services"
        );
        assert_eq!(
            inv.policy_count(),
            generated.k8s_policies + generated.calico_policies + generated.cilium_policies,
            "{family} policies"
        );
        assert_eq!(inv.tier_count(), generated.tiers, "{family} tiers");
        polctl_testkit::pipeline::exercise(&inv);
    }
}

#[test]
fn the_same_spec_yields_the_same_cluster() {
    let spec = Spec::mixed(40, 10);
    assert_eq!(generate(&spec).yaml, generate(&spec).yaml);
    let other = Spec {
        seed: spec.seed + 1,
        ..spec.clone()
    };
    assert_ne!(generate(&spec).yaml, generate(&other).yaml);
}
