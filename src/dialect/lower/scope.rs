//! Selector scoping shared by the dialect compilers: how Calico turns a
//! policy's selectors into selectors over the endpoint label universe
//! (`model::policy::implicit`, SEMANTICS.md §B2-B3).

use crate::dialect::common::LabelSelector;
use crate::model::policy::implicit;
use crate::selector::Expr;

/// `projectcalico.org/namespace == '<ns>'`.
pub(crate) fn in_namespace(namespace: &str) -> Expr {
    Expr::Eq(implicit::NAMESPACE.to_string(), namespace.to_string())
}

/// `projectcalico.org/orchestrator == 'k8s'`: Kubernetes pods only (not
/// network sets or host endpoints).
pub(crate) fn k8s_pods() -> Expr {
    Expr::Eq(implicit::ORCHESTRATOR.to_string(), "k8s".to_string())
}

/// A namespace selector over namespace labels, as a selector over the
/// endpoints in those namespaces: keys get the `pcns.` prefix, `all()`
/// becomes "any namespaced object" and `global()` "any object outside a
/// namespace" (`updateprocessors/rules.go`, `selectors.go`).
pub(crate) fn namespace_selector(expr: &Expr) -> Expr {
    expr.map_keys(&mut |k| format!("{}{k}", implicit::NAMESPACE_PREFIX))
        .replace_all(&Expr::Has(implicit::NAMESPACE.to_string()))
        .replace_global(&Expr::Has(implicit::NAMESPACE.to_string()).negate())
}

/// A Kubernetes namespace `LabelSelector` as an endpoint selector (an empty
/// one is every namespace: `all()` rewritten to `has(namespace)`).
pub(crate) fn k8s_namespace_selector(selector: &LabelSelector) -> Expr {
    namespace_selector(&selector.to_expr())
}

/// A Kubernetes pod `LabelSelector` as Calico converts it: Kubernetes pods
/// matching the labels (`k8sSelectorToCalico` adds the orchestrator term).
pub(crate) fn k8s_pod_selector(selector: &LabelSelector) -> Expr {
    let pods = selector.to_expr();
    if pods.is_all() {
        k8s_pods()
    } else {
        k8s_pods().and(pods)
    }
}
