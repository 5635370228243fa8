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
}

impl Kind {
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
) -> Kind {
    Kind {
        api_version,
        kind,
        resource,
        namespaced,
        language,
    }
}

const NAMESPACED: bool = true;
const CLUSTER: bool = false;

/// Every kind polctl reads. Where two groups share a kind name, the first
/// row is the one a wrong apiVersion is pointed to (NetworkPolicy:
/// networking.k8s.io before Calico's).
pub(crate) const KINDS: &[Kind] = {
    use Language::*;
    const CALICO: &str = super::calico::API_VERSION;
    const CILIUM: &str = super::cilium::API_VERSION;
    &[
        kind("v1", "Namespace", "namespaces", CLUSTER, Core),
        kind("v1", "Pod", "pods", NAMESPACED, Core),
        kind("v1", "Service", "services", NAMESPACED, Core),
        kind("v1", "ServiceAccount", "serviceaccounts", NAMESPACED, Core),
        kind("v1", "Node", "nodes", CLUSTER, Core),
        kind("apps/v1", "Deployment", "deployments", NAMESPACED, Core),
        kind("apps/v1", "StatefulSet", "statefulsets", NAMESPACED, Core),
        kind("apps/v1", "DaemonSet", "daemonsets", NAMESPACED, Core),
        kind("apps/v1", "ReplicaSet", "replicasets", NAMESPACED, Core),
        kind("batch/v1", "Job", "jobs", NAMESPACED, Core),
        kind("batch/v1", "CronJob", "cronjobs", NAMESPACED, Core),
        kind(
            "networking.k8s.io/v1",
            "NetworkPolicy",
            "networkpolicies",
            NAMESPACED,
            K8s,
        ),
        kind(
            "policy.networking.k8s.io/v1alpha1",
            "AdminNetworkPolicy",
            "adminnetworkpolicies",
            CLUSTER,
            Npapi,
        ),
        kind(
            "policy.networking.k8s.io/v1alpha1",
            "BaselineAdminNetworkPolicy",
            "baselineadminnetworkpolicies",
            CLUSTER,
            Npapi,
        ),
        kind(
            "policy.networking.k8s.io/v1alpha2",
            "ClusterNetworkPolicy",
            "clusternetworkpolicies",
            CLUSTER,
            Npapi,
        ),
        kind(
            CALICO,
            "NetworkPolicy",
            "networkpolicies",
            NAMESPACED,
            Calico,
        ),
        kind(
            CALICO,
            "GlobalNetworkPolicy",
            "globalnetworkpolicies",
            CLUSTER,
            Calico,
        ),
        kind(
            CALICO,
            "StagedNetworkPolicy",
            "stagednetworkpolicies",
            NAMESPACED,
            Calico,
        ),
        kind(
            CALICO,
            "StagedGlobalNetworkPolicy",
            "stagedglobalnetworkpolicies",
            CLUSTER,
            Calico,
        ),
        kind(
            CALICO,
            "StagedKubernetesNetworkPolicy",
            "stagedkubernetesnetworkpolicies",
            NAMESPACED,
            Calico,
        ),
        kind(CALICO, "Tier", "tiers", CLUSTER, Calico),
        kind(CALICO, "Profile", "profiles", CLUSTER, Calico),
        kind(CALICO, "NetworkSet", "networksets", NAMESPACED, Calico),
        kind(
            CALICO,
            "GlobalNetworkSet",
            "globalnetworksets",
            CLUSTER,
            Calico,
        ),
        kind(CALICO, "HostEndpoint", "hostendpoints", CLUSTER, Calico),
        kind(
            CALICO,
            "WorkloadEndpoint",
            "workloadendpoints",
            NAMESPACED,
            Calico,
        ),
        kind(
            CILIUM,
            "CiliumNetworkPolicy",
            "ciliumnetworkpolicies",
            NAMESPACED,
            Cilium,
        ),
        kind(
            CILIUM,
            "CiliumClusterwideNetworkPolicy",
            "ciliumclusterwidenetworkpolicies",
            CLUSTER,
            Cilium,
        ),
    ]
};

/// The kind of that name under that apiVersion.
pub(crate) fn find(api_version: &str, kind: &str) -> Option<&'static Kind> {
    KINDS
        .iter()
        .find(|k| k.api_version == api_version && k.kind == kind)
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
}
