//! projectcalico.org/v3 policies, tiers and profiles into the IR.
//!
//! Everything here mirrors what Calico's datastore layer hands Felix
//! (`libcalico-go/lib/backend/syncersv1/updateprocessors`): selectors are
//! scoped exactly as the update processors rewrite them (SEMANTICS.md §B3),
//! rules keep Calico's field-by-field meaning (§B4), tiers and profiles are
//! the ones Calico creates (§A2, §A6).

use ipnet::IpNet;

use crate::dialect::PolicyObject;
use crate::dialect::calico::{
    self, CalicoPort, EntityRule, IpVersion, PolicyType, SpecView, StagedAction, TierAction,
};
use crate::dialect::common::Net;
use crate::dialect::lower::{Builder, CALICO_LATEST, scope, tie_break};
use crate::model::policy::{
    Action, Cni, Criterion, Failsafe, HttpMatch, Isolates, NetScope, PathMatch, PathMode, Policy,
    PortMatch, PortSpec, Profile, Rule, Side, Staged, TierDefault, Version, implicit,
};
use crate::model::{Labels, Proto, Spanned};
use crate::selector::{self, Expr};

/// The `default` tier's fixed order (`libcalico-go/lib/clientv3/client.go`
/// `ensureTierExists`; CEL-enforced in 3.32).
const DEFAULT_TIER_ORDER: f64 = 1_000_000.0;
/// Calico's order for converted Kubernetes NetworkPolicies (conversion.go
/// `K8sNetworkPolicyToCalico`).
const K8S_POLICY_ORDER: f64 = 1_000.0;
/// The static allow-all profile (`libcalico-go/lib/resources/static.go`).
const DEFAULT_ALLOW_PROFILE: &str = "projectcalico-default-allow";

// ---------------------------------------------------------------------------
// Tiers
// ---------------------------------------------------------------------------

/// Declares every Tier object. Built-in tiers keep what Calico enforces
/// about them (SEMANTICS.md §A2): the `default` tier's order is always
/// 1,000,000 and, from 3.32, its defaultAction is always Deny; 3.32's
/// `kube-admin`/`kube-baseline` are fixed to 1,000/10,000,000 and Pass.
pub(crate) fn declare_tiers(b: &mut Builder, tiers: &[Spanned<calico::Tier>]) {
    let version = b.calico().unwrap_or(CALICO_LATEST);
    let v332 = version >= Version::new(3, 32);
    for tier in tiers {
        let name = tier.metadata.name();
        if name.is_empty() {
            b.note(Some(tier.span), "a Tier without a name is ignored");
            continue;
        }
        let spec = &tier.spec;
        let written_order = spec.order.as_ref().map(|o| o.value);
        let mut order = written_order;
        let mut action = match spec.default_action() {
            TierAction::Deny => TierDefault::Deny,
            TierAction::Pass => TierDefault::Pass,
        };
        let fixed = match name {
            calico::DEFAULT_TIER => Some((DEFAULT_TIER_ORDER, v332.then_some(TierDefault::Deny))),
            "kube-admin" if v332 => Some((1_000.0, Some(TierDefault::Pass))),
            "kube-baseline" if v332 => Some((10_000_000.0, Some(TierDefault::Pass))),
            _ => None,
        };
        if let Some((fixed_order, fixed_action)) = fixed {
            if let Some(o) = written_order
                && o != fixed_order
            {
                b.note(
                    Some(spec.order.as_ref().map_or(tier.span, |o| o.span)),
                    format!(
                        "tier `{name}` always has order {fixed_order} in Calico {version}; the order {o} written here is not used"
                    ),
                );
            }
            order = Some(fixed_order);
            if let Some(fixed_action) = fixed_action
                && fixed_action != action
            {
                b.note(
                    Some(spec.default_action.as_ref().map_or(tier.span, |a| a.span)),
                    format!(
                        "tier `{name}` always has defaultAction {fixed_action} in Calico {version} (CEL rule on the Tier CRD); {action} is not used"
                    ),
                );
                action = fixed_action;
            }
        }
        b.declare_tier(name, order, action, Some(tier.span));
    }
}

// ---------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------

/// Compiles one of Calico's five policy kinds.
pub(crate) fn lower(b: &mut Builder, policy: &PolicyObject, obj: &calico::Object) {
    if b.dataplane.cni != Cni::Calico {
        b.ignore(
            policy,
            "Calico policies are enforced only by Calico (--cni calico)",
        );
        return;
    }
    let version = b.calico().unwrap_or(CALICO_LATEST);
    // Staged kinds arrived in 3.30 (calico#9746, SEMANTICS.md §0, §A11).
    if obj.is_staged() && version < Version::new(3, 30) {
        b.ignore(
            policy,
            "staged policies exist from Calico 3.30 (calico#9746); it is not evaluated",
        );
        return;
    }
    match obj {
        calico::Object::NetworkPolicy(o) => lower_spec(b, policy, &o.spec.view(), "NetworkPolicy"),
        calico::Object::GlobalNetworkPolicy(o) => {
            lower_spec(b, policy, &o.spec.view(), "GlobalNetworkPolicy")
        }
        calico::Object::StagedNetworkPolicy(o) => {
            lower_spec(b, policy, &o.spec.view(), "StagedNetworkPolicy")
        }
        calico::Object::StagedGlobalNetworkPolicy(o) => {
            lower_spec(b, policy, &o.spec.view(), "StagedGlobalNetworkPolicy")
        }
        calico::Object::StagedKubernetesNetworkPolicy(o) => lower_staged_k8s(b, policy, &o.spec),
        // Not policies: the loader never hands these over as one.
        calico::Object::Tier(_)
        | calico::Object::Profile(_)
        | calico::Object::NetworkSet(_)
        | calico::Object::GlobalNetworkSet(_)
        | calico::Object::HostEndpoint(_)
        | calico::Object::WorkloadEndpoint(_) => {}
    }
}

/// `stagedAction` as the IR's [`Staged`]; `Err(())` when the object is
/// skipped (`Learn` and `Ignore` have no policy meaning: they are
/// policy-recommendation states, not proposals to evaluate).
fn staged(
    b: &mut Builder,
    policy: &PolicyObject,
    action: Option<StagedAction>,
) -> Result<Option<Staged>, ()> {
    match action {
        None => Ok(None),
        Some(StagedAction::Set) => Ok(Some(Staged::Set)),
        Some(StagedAction::Delete) => Ok(Some(Staged::Delete)),
        Some(other) => {
            b.note(
                Some(policy.origin),
                format!(
                    "{} {} has stagedAction {other:?}, which proposes no policy change; it is not evaluated (only Set and Delete are)",
                    policy.kind,
                    policy.key()
                ),
            );
            Err(())
        }
    }
}

/// The backend (Felix) name that breaks order ties (SEMANTICS.md §A3):
/// ≤3.31 staged kinds are keyed `staged:<name>`; 3.32+ keys carry the kind
/// instead.
fn backend_name(version: Version, staged: bool, name: &str) -> String {
    if staged && version < Version::new(3, 32) {
        format!("staged:{name}")
    } else {
        name.to_string()
    }
}

fn lower_spec(b: &mut Builder, policy: &PolicyObject, view: &SpecView<'_>, backend_kind: &str) {
    let Ok(staged) = staged(b, policy, view.staged_action()) else {
        return;
    };
    let on = |f: Option<&Spanned<bool>>| f.is_some_and(|f| f.value);
    if on(view.do_not_track) || on(view.pre_dnat) {
        // These render into the raw/mangle chains of host endpoints, before
        // conntrack or DNAT, with no end-of-tier or profile drop (§A8); the
        // IR models the filter chain only. Compiling them as normal policy
        // would wrongly apply them to pods.
        b.note(
            Some(policy.origin),
            format!(
                "{} {} is a {} policy: it runs in host endpoints' pre-{} chains, which polctl does not simulate; it is not evaluated",
                policy.kind,
                policy.key(),
                if on(view.do_not_track) { "doNotTrack" } else { "preDNAT" },
                if on(view.do_not_track) { "conntrack" } else { "DNAT" },
            ),
        );
        return;
    }
    let version = b.calico().unwrap_or(CALICO_LATEST);
    let namespace = (!view.global).then(|| {
        policy
            .namespace
            .clone()
            .unwrap_or_else(|| "default".to_string())
    });
    let ns = namespace.as_deref();
    let (subject, subject_text) = match subject(view, ns) {
        Ok(s) => s,
        Err(why) => {
            b.note(
                Some(policy.origin),
                format!(
                    "{} {}: {why}; the policy selects nothing",
                    policy.kind,
                    policy.key()
                ),
            );
            (nothing(), why)
        }
    };
    let types = view.effective_types();
    // A Delete proposes removing a policy: it has no rules of its own.
    let governs = |t: PolicyType| staged != Some(Staged::Delete) && types.contains(&t);
    let ingress =
        governs(PolicyType::Ingress).then(|| compile_rules(view.ingress, "ingress", ns, version));
    let egress =
        governs(PolicyType::Egress).then(|| compile_rules(view.egress, "egress", ns, version));
    let name = policy.name.clone();
    let compiled = Policy {
        kind: policy.kind.clone(),
        dialect: policy.dialect().to_string(),
        namespace: namespace.clone(),
        order: view.order(),
        tie_break: tie_break(
            b.calico(),
            backend_kind,
            ns,
            &backend_name(version, view.staged, &name),
        ),
        name,
        subject,
        subject_text,
        ingress,
        egress,
        isolates: Isolates::BOTH,
        staged,
        enforced_kind: policy.enforced_kind(),
        origin: policy.origin,
    };
    b.add(view.tier_name(), compiled);
}

/// A selector that matches nothing.
fn nothing() -> Expr {
    Expr::All.negate()
}

fn parse(text: &str, field: &str) -> Result<Expr, String> {
    selector::parse(text).map_err(|e| format!("{field} `{text}` does not parse: {}", e.message))
}

/// A selector field as written; an empty string counts as absent, as the
/// update processors' `!= ""` checks do.
fn written(field: Option<&Spanned<String>>) -> Option<&str> {
    field
        .map(|f| f.value.as_str())
        .filter(|t| !t.trim().is_empty())
}

/// `expr` with `prefix` on every label key.
fn prefixed(expr: &Expr, prefix: &str) -> Expr {
    expr.map_keys(&mut |k| format!("{prefix}{k}"))
}

/// The policy's effective selector (`updateprocessors`, SEMANTICS.md §B3).
///
/// NetworkPolicy: `(selector) && projectcalico.org/namespace == '<ns>'`,
/// then `&& pcsa.`-prefixed serviceAccountSelector (its `all()` is kept:
/// `ConvertNetworkPolicyV3ToV1Value` does not rewrite it).
/// GlobalNetworkPolicy: `selector && pcns.`-prefixed namespaceSelector, then
/// every `all()` of the combined selector becomes
/// `has(projectcalico.org/namespace)`; likewise for serviceAccountSelector
/// with `has(projectcalico.org/serviceaccount)`
/// (`convertGlobalNetworkPolicyV2ToV1Value`).
fn subject(view: &SpecView<'_>, ns: Option<&str>) -> Result<(Expr, String), String> {
    let base = match written(view.selector) {
        Some(t) => parse(t, "selector")?,
        None => Expr::All,
    };
    let mut text = written(view.selector).unwrap_or("all()").to_string();
    let mut expr = base;
    if let Some(ns) = ns {
        expr = expr.and(scope::in_namespace(ns));
        text = format!("namespace {ns}: {text}");
    }
    if view.global
        && let Some(t) = written(view.namespace_selector)
    {
        let ns_sel = parse(t, "namespaceSelector")?;
        expr = expr
            .and(prefixed(&ns_sel, implicit::NAMESPACE_PREFIX))
            .replace_all(&Expr::Has(implicit::NAMESPACE.to_string()));
        text = format!("{text}; namespaces: {t}");
    }
    if let Some(t) = written(view.service_account_selector) {
        let sa = parse(t, "serviceAccountSelector")?;
        expr = expr.and(prefixed(&sa, implicit::SERVICE_ACCOUNT_PREFIX));
        if view.global {
            expr = expr.replace_all(&Expr::Has(implicit::SERVICE_ACCOUNT.to_string()));
        }
        text = format!("{text}; service accounts: {t}");
    }
    Ok((expr, text))
}

fn compile_rules(
    rules: &[Spanned<calico::Rule>],
    direction: &str,
    ns: Option<&str>,
    version: Version,
) -> Vec<Rule> {
    rules
        .iter()
        .enumerate()
        .map(|(i, r)| compile_rule(r, format!("{direction}[{i}]"), ns, version))
        .collect()
}

/// How Dikastes compares request paths: raw up to 3.31; normalised from
/// 3.32 (calico#12532/#12533).
fn path_mode(version: Version) -> PathMode {
    if version >= Version::new(3, 32) {
        PathMode::Normalised
    } else {
        PathMode::Raw
    }
}

fn action(a: calico::Action) -> Action {
    match a {
        calico::Action::Allow => Action::Allow,
        calico::Action::Deny => Action::Deny,
        calico::Action::Pass => Action::Pass,
        calico::Action::Log => Action::Log,
    }
}

/// One rule; all its criteria are ANDed (SEMANTICS.md §B4). A selector
/// that does not parse (the loader reports it first) makes the rule match
/// nothing rather than something.
fn compile_rule(
    rule: &Spanned<calico::Rule>,
    label: String,
    ns: Option<&str>,
    version: Version,
) -> Rule {
    let r = &rule.value;
    let mut criteria = Vec::new();
    let mut notes = Vec::new();
    ip_families(r, &mut criteria, &mut notes);
    let protocol = r.protocol.as_ref().map(|p| Proto(p.value.number()));
    if let Some(p) = protocol {
        criteria.push(Criterion::Protocol {
            any_of: vec![p],
            negated: false,
        });
    }
    if let Some(p) = &r.not_protocol {
        criteria.push(Criterion::Protocol {
            any_of: vec![Proto(p.value.number())],
            negated: true,
        });
    }
    for (icmp, negated) in [(&r.icmp, false), (&r.not_icmp, true)] {
        if let Some(icmp) = icmp
            && let Some(t) = &icmp.value.icmp_type
        {
            criteria.push(Criterion::Icmp {
                icmp_type: t.value.0,
                code: icmp.value.code.as_ref().map(|c| c.value.0),
                negated,
            });
        }
    }
    for (side, e) in [
        (Side::Source, r.source()),
        (Side::Destination, r.destination()),
    ] {
        if let Err(why) = entity(side, e, ns, protocol, &mut criteria) {
            criteria = vec![Criterion::Never { why }];
            break;
        }
    }
    if let Some(http) = &r.http {
        criteria.push(Criterion::Http(HttpMatch {
            methods: http.value.methods.iter().map(|m| m.value.clone()).collect(),
            paths: http
                .value
                .paths
                .iter()
                .filter_map(|p| match (&p.value.exact, &p.value.prefix) {
                    (Some(e), _) => Some(PathMatch::Exact(e.value.clone())),
                    (None, Some(pre)) => Some(PathMatch::Prefix(pre.value.clone())),
                    (None, None) => None,
                })
                .collect(),
            path_mode: path_mode(version),
        }));
    }
    Rule {
        label,
        action: action(r.action.value),
        criteria,
        note: (!notes.is_empty()).then(|| notes.join("; ")),
        origin: Some(rule.span),
    }
}

fn is_v4(net: &Spanned<Net>) -> bool {
    net.value.0.net.addr().is_ipv4()
}

/// Felix renders a rule once per IP family and drops it for a family when
/// a non-empty `nets`/`notNets` list keeps no CIDR of that family
/// (`felix/rules/policy.go` FilterRuleToIPVersion): the surviving families,
/// narrowed by `ipVersion`, become one IpVersion criterion (first), or
/// Never when none survives.
fn ip_families(r: &calico::Rule, criteria: &mut Vec<Criterion>, notes: &mut Vec<String>) {
    let mut v4 = r
        .ip_version
        .as_ref()
        .is_none_or(|v| v.value == IpVersion::V4);
    let mut v6 = r
        .ip_version
        .as_ref()
        .is_none_or(|v| v.value == IpVersion::V6);
    let explicit = r.ip_version.is_some();
    let mut narrowed = false;
    for e in [r.source(), r.destination()] {
        for list in [&e.nets, &e.not_nets] {
            if list.is_empty() {
                continue;
            }
            let has4 = list.iter().any(is_v4);
            let has6 = list.iter().any(|n| !is_v4(n));
            narrowed |= (v4 && !has4) || (v6 && !has6);
            v4 &= has4;
            v6 &= has6;
        }
    }
    match (v4, v6) {
        (true, true) => {}
        (true, false) | (false, true) => {
            let version = if v4 { 4 } else { 6 };
            criteria.push(Criterion::IpVersion { version });
            if narrowed && !explicit {
                notes.push(format!(
                    "IPv{version} only: its nets/notNets name no IPv{} network, so Felix drops the rule for that family",
                    if v4 { 6 } else { 4 }
                ));
            }
        }
        (false, false) => {
            criteria.push(Criterion::Never {
                why: "no IP family survives the rule's ipVersion and nets/notNets (Felix drops it for both)".into(),
            });
        }
    }
}

fn port_match(port: &CalicoPort, protocol: Option<Proto>) -> PortMatch {
    PortMatch {
        protocol,
        ports: match port {
            CalicoPort::Number(n) => PortSpec::Range(*n, *n),
            CalicoPort::Range(a, b) => PortSpec::Range(*a, *b),
            CalicoPort::Name(n) => PortSpec::Named(n.clone()),
        },
    }
}

/// One side of a rule (an EntityRule) as criteria.
fn entity(
    side: Side,
    e: &EntityRule,
    ns: Option<&str>,
    protocol: Option<Proto>,
    criteria: &mut Vec<Criterion>,
) -> Result<(), String> {
    let nets =
        |list: &[Spanned<Net>]| -> Vec<IpNet> { list.iter().map(|n| n.value.0.net).collect() };
    if !e.nets.is_empty() {
        criteria.push(Criterion::Nets {
            side,
            nets: nets(&e.nets),
            negated: false,
            scope: NetScope::AnyAddress,
        });
    }
    if !e.not_nets.is_empty() {
        criteria.push(Criterion::Nets {
            side,
            nets: nets(&e.not_nets),
            negated: true,
            scope: NetScope::AnyAddress,
        });
    }
    if let Some((expr, text)) = positive_selector(e, ns)? {
        criteria.push(Criterion::Selector {
            side,
            expr,
            text,
            negated: false,
        });
    }
    // notSelector is passed through raw, not namespace-scoped
    // (`NotSrcSelector: ar.Source.NotSelector`, updateprocessors/rules.go):
    // it excludes matching endpoints of every namespace.
    if let Some(t) = written(e.not_selector.as_ref()) {
        criteria.push(Criterion::Selector {
            side,
            expr: parse(t, "notSelector")?,
            text: t.to_string(),
            negated: true,
        });
    }
    if !e.ports.is_empty() {
        criteria.push(Criterion::Ports {
            side,
            any_of: e
                .ports
                .iter()
                .map(|p| port_match(&p.value, protocol))
                .collect(),
            negated: false,
        });
    }
    if !e.not_ports.is_empty() {
        criteria.push(Criterion::Ports {
            side,
            any_of: e
                .not_ports
                .iter()
                .map(|p| port_match(&p.value, protocol))
                .collect(),
            negated: true,
        });
    }
    if let Some(svc) = &e.services {
        let name = svc
            .value
            .name
            .as_ref()
            .map(|n| n.value.clone())
            .unwrap_or_default();
        let namespace = svc
            .value
            .namespace
            .as_ref()
            .map(|n| n.value.clone())
            .or_else(|| ns.map(str::to_string));
        match namespace {
            Some(namespace) => criteria.push(Criterion::Service {
                side,
                namespace,
                name,
            }),
            None => criteria.push(Criterion::Never {
                why: format!(
                    "services `{name}` names no namespace and the rule has none to default to"
                ),
            }),
        }
    }
    Ok(())
}

/// `serviceAccounts`: the pcsa.-prefixed selector AND the names
/// (`parseServiceAccounts`).
fn service_accounts(sa: &calico::ServiceAccountMatch) -> Result<Option<(Expr, String)>, String> {
    let mut parts = Vec::new();
    let mut text = Vec::new();
    if let Some(t) = written(sa.selector.as_ref()) {
        parts.push(prefixed(
            &parse(t, "serviceAccounts.selector")?,
            implicit::SERVICE_ACCOUNT_PREFIX,
        ));
        text.push(format!("service accounts {t}"));
    }
    if !sa.names.is_empty() {
        let mut names: Vec<String> = sa.names.iter().map(|n| n.value.clone()).collect();
        names.sort();
        names.dedup();
        text.push(format!("service accounts named {}", names.join(", ")));
        parts.push(Expr::In(implicit::SERVICE_ACCOUNT.to_string(), names));
    }
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some((Expr::all_of(parts), text.join(" and "))))
}

/// The positive selector of an EntityRule (`getEndpointSelector`): as soon
/// as any of selector, notSelector, namespaceSelector or serviceAccounts is
/// used, `(namespace term) && (service accounts) && (selector)`, where the
/// namespace term is the pcns.-prefixed namespaceSelector (`all()` is any
/// namespaced object, `global()` any non-namespaced one) or, in a
/// namespaced policy, the policy's own namespace.
fn positive_selector(e: &EntityRule, ns: Option<&str>) -> Result<Option<(Expr, String)>, String> {
    let selector = written(e.selector.as_ref());
    let ns_selector = written(e.namespace_selector.as_ref());
    let sa = match &e.service_accounts {
        Some(sa) => service_accounts(&sa.value)?,
        None => None,
    };
    let uses = selector.is_some()
        || written(e.not_selector.as_ref()).is_some()
        || ns_selector.is_some()
        || sa.is_some();
    if !uses {
        return Ok(None);
    }
    let mut parts = Vec::new();
    let mut text = Vec::new();
    match (ns_selector, ns) {
        (Some(t), _) => {
            parts.push(scope::namespace_selector(&parse(t, "namespaceSelector")?));
            text.push(format!("namespaces {t}"));
        }
        (None, Some(ns)) => {
            parts.push(scope::in_namespace(ns));
            text.push(format!("namespace {ns}"));
        }
        (None, None) => {}
    }
    if let Some((expr, t)) = sa {
        parts.push(expr);
        text.push(t);
    }
    if let Some(t) = selector {
        parts.push(parse(t, "selector")?);
        // The selector as written is what a reader recognises.
        if text.is_empty() || (ns_selector.is_none() && e.service_accounts.is_none()) {
            text = vec![t.to_string()];
        } else {
            text.push(t.to_string());
        }
    }
    // A global policy's rule with only a notSelector has no positive
    // selector at all: it matches any address, not only labelled ones.
    if parts.is_empty() {
        return Ok(None);
    }
    Ok(Some((Expr::all_of(parts), text.join(" && "))))
}

// ---------------------------------------------------------------------------
// StagedKubernetesNetworkPolicy
// ---------------------------------------------------------------------------

/// A StagedKubernetesNetworkPolicy, converted like the Kubernetes
/// NetworkPolicy it stages (SEMANTICS.md §A9, §A11): default tier, order
/// 1000, the orchestrator term on every pod selector, Allow rules only.
/// The rules are the enforced NetworkPolicy's conversion (`k8s::rules`).
fn lower_staged_k8s(
    b: &mut Builder,
    policy: &PolicyObject,
    spec: &calico::StagedKubernetesNetworkPolicySpec,
) {
    let Ok(staged) = staged(b, policy, Some(spec.staged_action())) else {
        return;
    };
    let version = b.calico().unwrap_or(CALICO_LATEST);
    let ns = policy
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string());
    let np = spec.to_k8s_spec();
    let subject = scope::k8s_pod_selector(&np.pod_selector).and(scope::in_namespace(&ns));
    let subject_text = format!("namespace {ns}: {}", np.pod_selector.to_expr());
    // Types come from policyTypes only; none ⇒ [Ingress] (conversion.go
    // K8sNetworkPolicyToCalico). Unlike an enforced NetworkPolicy, the
    // Kubernetes apiserver's defaulting (SEMANTICS.md §F1) never ran on
    // this Calico object, so egress rules without `Egress` are ignored.
    let mut types: Vec<PolicyType> = np.policy_types.iter().flatten().map(|t| t.value).collect();
    if types.is_empty() {
        types.push(PolicyType::Ingress);
    }
    let has_egress_rules = np.egress.as_ref().is_some_and(|e| !e.is_empty());
    if has_egress_rules && !types.contains(&PolicyType::Egress) && staged == Some(Staged::Set) {
        b.note(
            Some(policy.origin),
            format!(
                "{} {} has egress rules but its policyTypes do not list Egress; Calico converts it with types {:?} and ignores them",
                policy.kind,
                policy.key(),
                types
            ),
        );
    }
    let governs = |t: PolicyType| staged != Some(Staged::Delete) && types.contains(&t);
    let (ingress, egress) = crate::dialect::k8s::lower::rules(
        b.dataplane.cni,
        &ns,
        policy.origin,
        &np,
        (governs(PolicyType::Ingress), governs(PolicyType::Egress)),
    );
    // ≤3.31 the backend key is `<ns>/staged:knp.default.<name>`; 3.32+
    // `<name>/<ns>/StagedKubernetesNetworkPolicy` (SEMANTICS.md §A3).
    let backend = if version < Version::new(3, 32) {
        format!("staged:knp.default.{}", policy.name)
    } else {
        policy.name.clone()
    };
    let compiled = Policy {
        kind: policy.kind.clone(),
        dialect: policy.dialect().to_string(),
        namespace: Some(ns.clone()),
        name: policy.name.clone(),
        order: Some(K8S_POLICY_ORDER),
        tie_break: tie_break(
            b.calico(),
            "StagedKubernetesNetworkPolicy",
            Some(&ns),
            &backend,
        ),
        subject,
        subject_text,
        ingress,
        egress,
        isolates: Isolates::BOTH,
        staged,
        enforced_kind: policy.enforced_kind(),
        origin: policy.origin,
    };
    let tier = b.tier_names().default;
    b.add(tier, compiled);
}

// ---------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------

fn allow_all(label: &str) -> Rule {
    Rule {
        label: label.to_string(),
        action: Action::Allow,
        criteria: Vec::new(),
        note: None,
        origin: None,
    }
}

/// The profiles Calico creates and the loaded Profile objects
/// (SEMANTICS.md §A6): every pod uses `kns.<ns>` (allow all both ways,
/// `pcns.*` labels) then `ksa.<ns>.<sa>` (labels only); host endpoints name
/// theirs, e.g. the static `projectcalico-default-allow`.
pub(crate) fn profiles(b: &mut Builder, profiles: &[Spanned<calico::Profile>]) {
    // workload_endpoint_default.go: Profiles = [kns.<ns>, ksa.<ns>.<sa>].
    b.set_pod_profiles(vec![
        "kns.{namespace}".to_string(),
        "ksa.{namespace}.{serviceaccount}".to_string(),
    ]);
    let cluster = b.cluster;
    for ns in cluster.namespaces.values() {
        // conversion.go NamespaceToProfile.
        let mut labels: Labels = ns
            .labels
            .iter()
            .map(|(k, v)| (format!("{}{k}", implicit::NAMESPACE_PREFIX), v.clone()))
            .collect();
        labels.insert(
            format!("{}{}", implicit::NAMESPACE_PREFIX, implicit::NAME),
            ns.name.clone(),
        );
        b.add_profile(Profile {
            name: format!("kns.{}", ns.name),
            ingress: vec![allow_all("ingress[0]")],
            egress: vec![allow_all("egress[0]")],
            labels,
            implicit: Some(format!(
                "Calico creates kns.{} for every namespace: allow all",
                ns.name
            )),
            origin: ns.origin,
        });
    }
    for sa in &cluster.service_accounts {
        // conversion.go ServiceAccountToProfile: labels only, no rules.
        let mut labels: Labels = sa
            .labels
            .iter()
            .map(|(k, v)| {
                (
                    format!("{}{k}", implicit::SERVICE_ACCOUNT_PREFIX),
                    v.clone(),
                )
            })
            .collect();
        labels.insert(
            format!("{}{}", implicit::SERVICE_ACCOUNT_PREFIX, implicit::NAME),
            sa.name.clone(),
        );
        let name = format!("ksa.{}.{}", sa.namespace, sa.name);
        b.add_profile(Profile {
            implicit: Some(format!(
                "Calico creates {name} for every service account: its labels, no rules"
            )),
            name,
            ingress: Vec::new(),
            egress: Vec::new(),
            labels,
            origin: sa.origin,
        });
    }
    b.add_profile(Profile {
        name: DEFAULT_ALLOW_PROFILE.to_string(),
        ingress: vec![allow_all("ingress[0]")],
        egress: vec![allow_all("egress[0]")],
        labels: Labels::new(),
        implicit: Some("Calico's static allow-all profile".to_string()),
        origin: None,
    });
    for profile in profiles {
        let name = profile.metadata.name().to_string();
        if name.is_empty() {
            b.note(Some(profile.span), "a Profile without a name is ignored");
            continue;
        }
        if name == DEFAULT_ALLOW_PROFILE {
            b.note(
                Some(profile.span),
                format!("{DEFAULT_ALLOW_PROFILE} is Calico's static, read-only profile; this Profile object is ignored"),
            );
            continue;
        }
        if b.has_profile(&name) {
            b.note(
                Some(profile.span),
                format!("Profile {name} replaces the profile Calico derives for it"),
            );
        }
        let spec = &profile.spec;
        let version = b.calico().unwrap_or(CALICO_LATEST);
        b.add_profile(Profile {
            ingress: compile_rules(&spec.ingress, "ingress", None, version),
            egress: compile_rules(&spec.egress, "egress", None, version),
            labels: spec
                .labels_to_apply
                .iter()
                .map(|(k, v)| (k.value.clone(), v.value.clone()))
                .collect(),
            implicit: None,
            origin: Some(profile.span),
            name,
        });
    }
}

#[cfg(test)]
#[path = "lower_tests.rs"]
mod tests;

/// Ports Felix always allows to and from a host endpoint, before policy
/// (FelixConfiguration failsafeInboundHostPorts/failsafeOutboundHostPorts
/// defaults, felixconfig.go), as one allow rule per port.
pub(crate) fn failsafe() -> Failsafe {
    const INBOUND: &[(Proto, u16)] = &[
        (Proto::TCP, 22),
        (Proto::TCP, 179),
        (Proto::TCP, 2379),
        (Proto::TCP, 2380),
        (Proto::TCP, 5473),
        (Proto::TCP, 6443),
        (Proto::TCP, 6666),
        (Proto::TCP, 6667),
        (Proto::UDP, 68),
    ];
    const OUTBOUND: &[(Proto, u16)] = &[
        (Proto::UDP, 53),
        (Proto::UDP, 67),
        (Proto::TCP, 179),
        (Proto::TCP, 2379),
        (Proto::TCP, 2380),
        (Proto::TCP, 5473),
        (Proto::TCP, 6443),
        (Proto::TCP, 6666),
        (Proto::TCP, 6667),
    ];
    let rules = |list: &[(Proto, u16)], setting: &str| -> Vec<Rule> {
        list.iter()
            .enumerate()
            .map(|(i, &(protocol, port))| Rule {
                label: format!("{setting}[{i}]"),
                action: Action::Allow,
                criteria: vec![Criterion::Ports {
                    side: Side::Destination,
                    any_of: vec![PortMatch {
                        protocol: Some(protocol),
                        ports: PortSpec::Range(port, port),
                    }],
                    negated: false,
                }],
                note: Some(format!(
                    "{port}/{protocol} is a failsafe port of host endpoints: Felix allows it before \
                     policy (FelixConfiguration {setting}, default)"
                )),
                origin: None,
            })
            .collect()
    };
    Failsafe {
        ingress: rules(INBOUND, "failsafeInboundHostPorts"),
        egress: rules(OUTBOUND, "failsafeOutboundHostPorts"),
    }
}
