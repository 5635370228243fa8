//! The resources the double serves: what a real API server would list in
//! discovery for the built-in groups and for the CRDs of the policy
//! dataplanes (NetworkPolicy API, Calico's API server, Cilium).

/// One served resource.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    /// The API group; `""` is the core group (`/api/v1`).
    pub group: &'static str,
    pub version: &'static str,
    pub kind: &'static str,
    /// The plural: the path segment.
    pub plural: &'static str,
    pub singular: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    /// Whether list items carry `apiVersion`/`kind`. Built-in types are
    /// encoded without them in lists (the typed `PodList` names them once);
    /// custom resources are unstructured and keep them per item.
    pub builtin: bool,
}

impl Resource {
    /// `group/version`, or the bare version of the core group.
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }
}

const fn builtin(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
) -> Resource {
    Resource {
        group,
        version,
        kind,
        plural,
        singular,
        namespaced,
        short_names,
        builtin: true,
    }
}

const fn custom(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    singular: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
) -> Resource {
    Resource {
        builtin: false,
        ..builtin(
            group,
            version,
            kind,
            plural,
            singular,
            namespaced,
            short_names,
        )
    }
}

const NS: bool = true;
const CLUSTER: bool = false;

/// Every resource the double knows. A group is served when the builder
/// keeps it (all are, by default).
pub fn known() -> Vec<Resource> {
    const CALICO: &str = "projectcalico.org";
    const CILIUM: &str = "cilium.io";
    const NPAPI: &str = "policy.networking.k8s.io";
    vec![
        builtin(
            "",
            "v1",
            "Namespace",
            "namespaces",
            "namespace",
            CLUSTER,
            &["ns"],
        ),
        builtin("", "v1", "Pod", "pods", "pod", NS, &["po"]),
        builtin("", "v1", "Service", "services", "service", NS, &["svc"]),
        builtin(
            "",
            "v1",
            "ServiceAccount",
            "serviceaccounts",
            "serviceaccount",
            NS,
            &["sa"],
        ),
        builtin("", "v1", "Node", "nodes", "node", CLUSTER, &["no"]),
        builtin(
            "",
            "v1",
            "ConfigMap",
            "configmaps",
            "configmap",
            NS,
            &["cm"],
        ),
        builtin(
            "apps",
            "v1",
            "Deployment",
            "deployments",
            "deployment",
            NS,
            &["deploy"],
        ),
        builtin(
            "apps",
            "v1",
            "StatefulSet",
            "statefulsets",
            "statefulset",
            NS,
            &["sts"],
        ),
        builtin(
            "apps",
            "v1",
            "DaemonSet",
            "daemonsets",
            "daemonset",
            NS,
            &["ds"],
        ),
        builtin(
            "apps",
            "v1",
            "ReplicaSet",
            "replicasets",
            "replicaset",
            NS,
            &["rs"],
        ),
        builtin("batch", "v1", "Job", "jobs", "job", NS, &[]),
        builtin("batch", "v1", "CronJob", "cronjobs", "cronjob", NS, &["cj"]),
        builtin(
            "networking.k8s.io",
            "v1",
            "NetworkPolicy",
            "networkpolicies",
            "networkpolicy",
            NS,
            &["netpol"],
        ),
        custom(
            NPAPI,
            "v1alpha1",
            "AdminNetworkPolicy",
            "adminnetworkpolicies",
            "adminnetworkpolicy",
            CLUSTER,
            &["anp"],
        ),
        custom(
            NPAPI,
            "v1alpha1",
            "BaselineAdminNetworkPolicy",
            "baselineadminnetworkpolicies",
            "baselineadminnetworkpolicy",
            CLUSTER,
            &["banp"],
        ),
        custom(
            NPAPI,
            "v1alpha2",
            "ClusterNetworkPolicy",
            "clusternetworkpolicies",
            "clusternetworkpolicy",
            CLUSTER,
            &[],
        ),
        custom(
            CALICO,
            "v3",
            "NetworkPolicy",
            "networkpolicies",
            "networkpolicy",
            NS,
            &["cnp", "caliconetworkpolicy", "caliconetworkpolicies"],
        ),
        custom(
            CALICO,
            "v3",
            "GlobalNetworkPolicy",
            "globalnetworkpolicies",
            "globalnetworkpolicy",
            CLUSTER,
            &["gnp", "cgnp", "calicoglobalnetworkpolicies"],
        ),
        custom(
            CALICO,
            "v3",
            "StagedNetworkPolicy",
            "stagednetworkpolicies",
            "stagednetworkpolicy",
            NS,
            &[],
        ),
        custom(
            CALICO,
            "v3",
            "StagedGlobalNetworkPolicy",
            "stagedglobalnetworkpolicies",
            "stagedglobalnetworkpolicy",
            CLUSTER,
            &[],
        ),
        custom(
            CALICO,
            "v3",
            "StagedKubernetesNetworkPolicy",
            "stagedkubernetesnetworkpolicies",
            "stagedkubernetesnetworkpolicy",
            NS,
            &[],
        ),
        custom(CALICO, "v3", "Tier", "tiers", "tier", CLUSTER, &[]),
        custom(CALICO, "v3", "Profile", "profiles", "profile", CLUSTER, &[]),
        custom(
            CALICO,
            "v3",
            "NetworkSet",
            "networksets",
            "networkset",
            NS,
            &["netsets"],
        ),
        custom(
            CALICO,
            "v3",
            "GlobalNetworkSet",
            "globalnetworksets",
            "globalnetworkset",
            CLUSTER,
            &[],
        ),
        custom(
            CALICO,
            "v3",
            "HostEndpoint",
            "hostendpoints",
            "hostendpoint",
            CLUSTER,
            &["hep", "heps"],
        ),
        custom(
            CALICO,
            "v3",
            "WorkloadEndpoint",
            "workloadendpoints",
            "workloadendpoint",
            NS,
            &["wep", "weps"],
        ),
        custom(
            CILIUM,
            "v2",
            "CiliumNetworkPolicy",
            "ciliumnetworkpolicies",
            "ciliumnetworkpolicy",
            NS,
            &["cnp", "ciliumnp"],
        ),
        custom(
            CILIUM,
            "v2",
            "CiliumClusterwideNetworkPolicy",
            "ciliumclusterwidenetworkpolicies",
            "ciliumclusterwidenetworkpolicy",
            CLUSTER,
            &["ccnp"],
        ),
        custom(
            CILIUM,
            "v2alpha1",
            "CiliumCIDRGroup",
            "ciliumcidrgroups",
            "ciliumcidrgroup",
            CLUSTER,
            &["ccg"],
        ),
    ]
}

/// The group an `apiVersion` names (`apps/v1` → `apps`, `v1` → ``).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    api_version.rsplit_once('/').unwrap_or(("", api_version))
}
