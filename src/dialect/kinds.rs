//! The one table of the kinds polctl reads: where each lives in the API
//! (apiVersion, plural resource name, scope) and which language folder
//! types it. The loader decodes by it, assembly scopes names by it, and a
//! client talking to an API server finds the resource path in it.

/// The folder under `dialect/` that types and checks a kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Language {
    /// Namespaces, pods, workloads, services, nodes (`core.rs`).
    Core,
    /// networking.k8s.io NetworkPolicy (`k8s/`).
    K8s,
    /// policy.networking.k8s.io: AdminNetworkPolicy, BaselineAdminNetworkPolicy,
    /// ClusterNetworkPolicy (`npapi/`).
    Npapi,
    /// projectcalico.org/v3 (`calico/`).
    Calico,
    /// cilium.io/v2 (`cilium/`).
    Cilium,
}

/// One kind polctl reads.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Kind {
    /// `group/version`, or the bare version of the core group.
    pub api_version: &'static str,
    pub kind: &'static str,
    /// The plural resource name: the REST path segment, `kubectl get <resource>`.
    pub resource: &'static str,
    /// Whether objects live in a namespace (cluster-scoped otherwise).
    pub namespaced: bool,
    pub language: Language,
    /// What polctl's model makes of an object of the kind.
    pub class: Class,
    /// kubectl's short names for the resource (the CRD's `shortNames`).
    pub short_names: &'static [&'static str],
}

/// What polctl's model makes of an object of a kind: what `get` lists it as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Class {
    Namespace,
    /// A pod or a Calico WorkloadEndpoint.
    Endpoint,
    /// A pod controller.
    Workload,
    Service,
    Policy,
    Tier,
    /// Read into the cluster model, not listed on its own (service
    /// accounts, nodes, network sets, host endpoints, profiles).
    Other,
}

impl Kind {
    /// The resource, its kind and its short names, each lower-cased: the
    /// words kubectl accepts for it (`pods`, `pod`, `po`).
    pub(crate) fn names(&self) -> impl Iterator<Item = String> + '_ {
        [self.resource.to_string(), self.kind.to_ascii_lowercase()]
            .into_iter()
            .chain(self.short_names.iter().map(|s| s.to_string()))
    }

    const fn short(self, short_names: &'static [&'static str]) -> Kind {
        Kind {
            short_names,
            ..self
        }
    }

    /// The API group (`apps/v1` → `apps`, `v1` → the core group ``).
    pub(crate) fn group(&self) -> &'static str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }
}

const fn kind(
    api_version: &'static str,
    kind: &'static str,
    resource: &'static str,
    namespaced: bool,
    language: Language,
    class: Class,
) -> Kind {
    Kind {
        api_version,
        kind,
        resource,
        namespaced,
        language,
        class,
        short_names: &[],
    }
}

const NAMESPACED: bool = true;
const CLUSTER: bool = false;

/// Every kind polctl reads. Where two groups share a kind name, the first
/// row is the one a wrong apiVersion is pointed to (NetworkPolicy:
/// networking.k8s.io before Calico's).
pub(crate) const KINDS: &[Kind] = {
    use Class::*;
    use Language::*;
    const CALICO: &str = super::calico::API_VERSION;
    const CILIUM: &str = super::cilium::API_VERSION;
    const NPAPI_V1ALPHA1: &str = "policy.networking.k8s.io/v1alpha1";
    &[
        kind("v1", "Namespace", "namespaces", CLUSTER, Core, Namespace).short(&["ns"]),
        kind("v1", "Pod", "pods", NAMESPACED, Core, Endpoint).short(&["po"]),
        kind("v1", "Service", "services", NAMESPACED, Core, Service).short(&["svc"]),
        kind(
            "v1",
            "ServiceAccount",
            "serviceaccounts",
            NAMESPACED,
            Core,
            Other,
        )
        .short(&["sa"]),
        kind("v1", "Node", "nodes", CLUSTER, Core, Other).short(&["no"]),
        kind(
            "apps/v1",
            "Deployment",
            "deployments",
            NAMESPACED,
            Core,
            Workload,
        )
        .short(&["deploy"]),
        kind(
            "apps/v1",
            "StatefulSet",
            "statefulsets",
            NAMESPACED,
            Core,
            Workload,
        )
        .short(&["sts"]),
        kind(
            "apps/v1",
            "DaemonSet",
            "daemonsets",
            NAMESPACED,
            Core,
            Workload,
        )
        .short(&["ds"]),
        kind(
            "apps/v1",
            "ReplicaSet",
            "replicasets",
            NAMESPACED,
            Core,
            Workload,
        )
        .short(&["rs"]),
        kind("batch/v1", "Job", "jobs", NAMESPACED, Core, Workload),
        kind(
            "batch/v1", "CronJob", "cronjobs", NAMESPACED, Core, Workload,
        )
        .short(&["cj"]),
        kind(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            "networkpolicies",
            NAMESPACED,
            K8s,
            Policy,
        )
        .short(&["netpol"]),
        kind(
            NPAPI_V1ALPHA1,
            "AdminNetworkPolicy",
            "adminnetworkpolicies",
            CLUSTER,
            Npapi,
            Policy,
        )
        .short(&["anp"]),
        kind(
            NPAPI_V1ALPHA1,
            "BaselineAdminNetworkPolicy",
            "baselineadminnetworkpolicies",
            CLUSTER,
            Npapi,
            Policy,
        )
        .short(&["banp"]),
        kind(
            "policy.networking.k8s.io/v1alpha2",
            "ClusterNetworkPolicy",
            "clusternetworkpolicies",
            CLUSTER,
            Npapi,
            Policy,
        ),
        kind(
            CALICO,
            "NetworkPolicy",
            "networkpolicies",
            NAMESPACED,
            Calico,
            Policy,
        ),
        kind(
            CALICO,
            "GlobalNetworkPolicy",
            "globalnetworkpolicies",
            CLUSTER,
            Calico,
            Policy,
        ),
        kind(
            CALICO,
            "StagedNetworkPolicy",
            "stagednetworkpolicies",
            NAMESPACED,
            Calico,
            Policy,
        ),
        kind(
            CALICO,
            "StagedGlobalNetworkPolicy",
            "stagedglobalnetworkpolicies",
            CLUSTER,
            Calico,
            Policy,
        ),
        kind(
            CALICO,
            "StagedKubernetesNetworkPolicy",
            "stagedkubernetesnetworkpolicies",
            NAMESPACED,
            Calico,
            Policy,
        ),
        kind(CALICO, "Tier", "tiers", CLUSTER, Calico, Tier),
        kind(CALICO, "Profile", "profiles", CLUSTER, Calico, Other),
        kind(
            CALICO,
            "NetworkSet",
            "networksets",
            NAMESPACED,
            Calico,
            Other,
        ),
        kind(
            CALICO,
            "GlobalNetworkSet",
            "globalnetworksets",
            CLUSTER,
            Calico,
            Other,
        ),
        kind(
            CALICO,
            "HostEndpoint",
            "hostendpoints",
            CLUSTER,
            Calico,
            Other,
        ),
        kind(
            CALICO,
            "WorkloadEndpoint",
            "workloadendpoints",
            NAMESPACED,
            Calico,
            Endpoint,
        ),
        // The CRDs' shortNames (pkg/k8s/apis/cilium.io/client/crds/v2).
        kind(
            CILIUM,
            "CiliumNetworkPolicy",
            "ciliumnetworkpolicies",
            NAMESPACED,
            Cilium,
            Policy,
        )
        .short(&["cnp", "ciliumnp"]),
        kind(
            CILIUM,
            "CiliumClusterwideNetworkPolicy",
            "ciliumclusterwidenetworkpolicies",
            CLUSTER,
            Cilium,
            Policy,
        )
        .short(&["ccnp"]),
    ]
};

/// The kind of that name under that apiVersion.
pub(crate) fn find(api_version: &str, kind: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|k| k.api_version == api_version && k.kind == kind)
}

/// The first kind a kubectl resource word names: its plural, its kind or
/// a short name, in any case (`NetworkPolicy`, `netpol` and
/// `networkpolicies` name networking.k8s.io's, the first row).
pub(crate) fn by_resource_word(word: &str) -> Option<&'static Kind> {
    let word = word.to_ascii_lowercase();
    KINDS.iter().find(|k| k.names().any(|n| n == word))
}

/// The first kind of that name under any apiVersion.
pub(crate) fn by_name(kind: &str) -> Option<&'static Kind> {
    KINDS.iter().find(|k| k.kind == kind)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::{Decoded, decode};
    use crate::syntax::FileId;
    use crate::syntax::yaml::parse_documents;

    /// Every row is decoded by its folder: the table and the decoders agree.
    #[test]
    fn every_kind_in_the_table_decodes() {
        let docs = parse_documents(FileId(0), "metadata: {name: x}\n").unwrap();
        for k in KINDS {
            assert!(
                matches!(
                    decode(k.api_version, k.kind, &docs[0]),
                    Decoded::Manifest { .. }
                ),
                "{} {}",
                k.api_version,
                k.kind
            );
        }
    }

    #[test]
    fn rows_are_unique_and_resources_are_lowercase_plurals() {
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(find(k.api_version, k.kind), Some(k));
            assert!(
                KINDS[..i]
                    .iter()
                    .all(|o| o.resource != k.resource || o.group() != k.group())
            );
            assert_eq!(k.resource, k.resource.to_lowercase());
            assert!(k.resource.ends_with('s'), "{}", k.resource);
        }
        assert_eq!(
            by_name("NetworkPolicy").unwrap().group(),
            "networking.k8s.io"
        );
        assert_eq!(find("v1", "Pod").unwrap().group(), "");
    }

    #[test]
    fn resource_words_are_kubectl_words_and_name_one_kind_each() {
        assert_eq!(by_resource_word("po").unwrap().kind, "Pod");
        assert_eq!(by_resource_word("Deployments").unwrap().kind, "Deployment");
        assert_eq!(
            by_resource_word("netpol").unwrap().group(),
            "networking.k8s.io"
        );
        assert_eq!(by_resource_word("cnp").unwrap().kind, "CiliumNetworkPolicy");
        assert_eq!(by_resource_word("widgets"), None);
        // A short name names one kind only.
        for (i, k) in KINDS.iter().enumerate() {
            for short in k.short_names {
                assert!(
                    KINDS
                        .iter()
                        .enumerate()
                        .all(|(j, o)| i == j || o.names().all(|n| n != *short)),
                    "{short}"
                );
            }
        }
    }
}
