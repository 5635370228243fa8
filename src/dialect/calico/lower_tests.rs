//! Calico compilation: tiers, ordering, scoping rewrites, staged kinds,
//! profiles. Selectors are checked by evaluating them against label sets
//! that carry Calico's implicit labels (SEMANTICS.md §B2).

use std::collections::BTreeMap;

use crate::dialect::calico::TierAction;
use crate::dialect::lower::{Choice, Input, Lowered, lower};
use crate::load::{Inputs, load, load_text};
use crate::model::policy::{
    Action, Cni, Criterion, NetScope, PortMatch, PortSpec, Side, Staged, TierDefault, Version,
};
use crate::model::{Proto, Spanned, policy::Policy};
use crate::selector::{Expr, parse};

const V332: Version = Version::new(3, 32);
const V331: Version = Version::new(3, 31);

fn compile_with(yaml: &str, version: Version) -> Lowered {
    let inv = load_text("t.yaml", yaml).unwrap_or_else(|e| panic!("{:#?}", e.errors));
    let input = Input::from(&inv);
    lower(
        &input,
        &Choice {
            cni: Some(Cni::Calico),
            calico_version: Some(version),
            app_layer: true,
            ..Default::default()
        },
    )
}

fn compile(yaml: &str) -> Lowered {
    compile_with(yaml, V332)
}

fn tier_names(l: &Lowered) -> Vec<&str> {
    l.set.tiers.iter().map(|t| t.name.as_str()).collect()
}

fn policy_names<'a>(l: &'a Lowered, tier: &str) -> Vec<&'a str> {
    l.set
        .tiers
        .iter()
        .find(|t| t.name == tier)
        .map(|t| t.policies.iter().map(|p| p.name.as_str()).collect())
        .unwrap_or_default()
}

fn policy<'a>(l: &'a Lowered, name: &str) -> &'a Policy {
    l.set
        .policies()
        .map(|(_, p)| p)
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("no policy {name}"))
}

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A pod's label set as Calico sees it: its own labels plus the namespace,
/// orchestrator and service-account labels and the inherited `pcns.*` /
/// `pcsa.*` ones.
fn pod(
    ns: &str,
    sa: &str,
    own: &[(&str, &str)],
    ns_labels: &[(&str, &str)],
) -> BTreeMap<String, String> {
    let mut l = labels(own);
    l.insert("projectcalico.org/namespace".into(), ns.into());
    l.insert("projectcalico.org/orchestrator".into(), "k8s".into());
    l.insert("projectcalico.org/serviceaccount".into(), sa.into());
    l.insert("pcns.projectcalico.org/name".into(), ns.into());
    l.insert("pcns.kubernetes.io/metadata.name".into(), ns.into());
    for (k, v) in ns_labels {
        l.insert(format!("pcns.{k}"), v.to_string());
    }
    l.insert("pcsa.projectcalico.org/name".into(), sa.into());
    l
}

/// The positive (non-negated) selector criteria of a side.
fn selectors(criteria: &[Criterion], side: Side, negated: bool) -> Vec<&Expr> {
    criteria
        .iter()
        .filter_map(|c| match c {
            Criterion::Selector {
                side: s,
                expr,
                negated: n,
                ..
            } if *s == side && *n == negated => Some(expr),
            _ => None,
        })
        .collect()
}

fn rules(p: &Policy, ingress: bool) -> &[crate::model::policy::Rule] {
    if ingress {
        p.ingress.as_deref().expect("governs ingress")
    } else {
        p.egress.as_deref().expect("governs egress")
    }
}

// ---------------------------------------------------------------------------
// Tiers and ordering
// ---------------------------------------------------------------------------

#[test]
fn tiers_sort_by_order_then_name_with_unordered_and_undefined_last() {
    let l = compile(
        r#"
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: beta}
spec: {order: 100}
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: alpha}
spec: {order: 100, defaultAction: Pass}
---
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: gamma}
spec: {}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: lost}
spec:
  tier: aaa-undefined
  selector: all()
"#,
    );
    assert_eq!(
        tier_names(&l),
        [
            "alpha",
            "beta",
            "kube-admin",
            "default",
            "kube-baseline",
            "gamma",
            "aaa-undefined"
        ]
    );
    let alpha = &l.set.tiers[0];
    assert_eq!(alpha.default_action, TierDefault::Pass);
    assert_eq!(l.set.tiers[1].default_action, TierDefault::Deny);
    assert!(l.set.tiers[0].origin.is_some());
    assert_eq!(policy_names(&l, "aaa-undefined"), ["lost"]);
    assert!(l.notes.iter().any(|n| n.message.contains("aaa-undefined")));
}

#[test]
fn default_tier_keeps_its_order_and_deny_from_332() {
    // The loader rejects these values (check.rs pins the built-in tiers),
    // so edit a loaded Tier to show the compiler's own guard.
    let mut inv = load_text(
        "t.yaml",
        r#"
apiVersion: projectcalico.org/v3
kind: Tier
metadata: {name: default}
spec: {order: 1000000}
"#,
    )
    .unwrap_or_else(|e| panic!("{:#?}", e.errors));
    let span = inv.tiers[0].span;
    inv.tiers[0].value.spec.order = Some(Spanned::new(span, 5.0));
    inv.tiers[0].value.spec.default_action = Some(Spanned::new(span, TierAction::Pass));
    let compile = |version| {
        lower(
            &Input::from(&inv),
            &Choice {
                cni: Some(Cni::Calico),
                calico_version: Some(version),
                app_layer: true,
                ..Default::default()
            },
        )
    };
    let l = compile(V332);
    let default = l.set.tiers.iter().find(|t| t.name == "default").unwrap();
    assert_eq!(default.order, Some(1_000_000.0));
    assert_eq!(default.default_action, TierDefault::Deny);
    assert!(l.notes.iter().any(|n| n.message.contains("defaultAction")));
    assert!(l.notes.iter().any(|n| n.message.contains("order")));

    let l = compile(V331);
    let default = l.set.tiers.iter().find(|t| t.name == "default").unwrap();
    assert_eq!(default.order, Some(1_000_000.0));
    assert_eq!(default.default_action, TierDefault::Pass);
}

#[test]
fn order_ties_break_differently_in_331_and_332() {
    // ≤3.31 keys: NetworkPolicy `b/a-pol`, GlobalNetworkPolicy `b-pol`:
    // '-' < '/', so the GNP is first. 3.32 keys `a-pol/b/NetworkPolicy` and
    // `b-pol//GlobalNetworkPolicy`: the NP is first.
    let yaml = r#"
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: a-pol, namespace: b}
spec: {order: 10, selector: all()}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: b-pol}
spec: {order: 10, selector: all()}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: first}
spec: {order: 1}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: unordered}
spec: {}
"#;
    let l = compile_with(yaml, V331);
    assert_eq!(
        policy_names(&l, "default"),
        ["first", "b-pol", "a-pol", "unordered"]
    );
    assert_eq!(policy(&l, "a-pol").tie_break, "b/a-pol");
    let l = compile_with(yaml, V332);
    assert_eq!(
        policy_names(&l, "default"),
        ["first", "a-pol", "b-pol", "unordered"]
    );
    assert_eq!(policy(&l, "a-pol").tie_break, "a-pol/b/NetworkPolicy");
    assert_eq!(policy(&l, "b-pol").tie_break, "b-pol//GlobalNetworkPolicy");
}

// ---------------------------------------------------------------------------
// Policies
// ---------------------------------------------------------------------------

#[test]
fn types_default_from_the_rules() {
    let l = compile(
        r#"
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: egress-only, namespace: shop}
spec:
  egress: [{action: Allow}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: nothing, namespace: shop}
spec: {}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: both, namespace: shop}
spec:
  ingress: [{action: Deny}]
  egress: [{action: Log}, {action: Pass}]
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: explicit, namespace: shop}
spec:
  types: [Egress]
  ingress: [{action: Deny}]
"#,
    );
    let p = policy(&l, "egress-only");
    assert!(p.ingress.is_none());
    assert_eq!(p.egress.as_ref().unwrap().len(), 1);
    assert_eq!(p.dialect, "calico");
    assert_eq!(p.kind, "NetworkPolicy");
    assert_eq!(p.namespace.as_deref(), Some("shop"));
    assert_eq!(p.isolates, crate::model::policy::Isolates::BOTH);
    assert!(p.staged.is_none());
    let p = policy(&l, "nothing");
    assert_eq!(p.ingress.as_deref(), Some(&[][..]));
    assert!(p.egress.is_none());
    let p = policy(&l, "both");
    assert_eq!(rules(p, true)[0].action, Action::Deny);
    assert_eq!(rules(p, true)[0].label, "ingress[0]");
    let egress = rules(p, false);
    assert_eq!(
        egress.iter().map(|r| r.action).collect::<Vec<_>>(),
        [Action::Log, Action::Pass]
    );
    assert_eq!(egress[1].label, "egress[1]");
    assert!(egress[1].origin.is_some());
    let p = policy(&l, "explicit");
    assert!(p.ingress.is_none());
    assert_eq!(p.egress.as_deref(), Some(&[][..]));
}

#[test]
fn network_policy_subject_is_scoped_to_its_namespace_and_service_accounts() {
    let l = compile(
        r#"
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  selector: app == 'web'
  serviceAccountSelector: role == 'frontend'
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: any-sa, namespace: shop}
spec:
  serviceAccountSelector: all()
"#,
    );
    let s = &policy(&l, "web").subject;
    let mut web = pod("shop", "fe", &[("app", "web")], &[]);
    web.insert("pcsa.role".into(), "frontend".into());
    assert!(s.matches(&web));
    let mut elsewhere = web.clone();
    elsewhere.insert("projectcalico.org/namespace".into(), "other".into());
    assert!(!s.matches(&elsewhere));
    let no_sa_label = pod("shop", "fe", &[("app", "web")], &[]);
    assert!(!s.matches(&no_sa_label));
    assert_eq!(
        *s,
        parse("(app == 'web') && projectcalico.org/namespace == 'shop' && pcsa.role == 'frontend'")
            .unwrap()
    );
    // A NetworkPolicy's serviceAccountSelector is prefixed but its all() is
    // not rewritten (ConvertNetworkPolicyV3ToV1Value), unlike a GNP's.
    let s = &policy(&l, "any-sa").subject;
    let mut no_sa = pod("shop", "x", &[], &[]);
    no_sa.remove("projectcalico.org/serviceaccount");
    assert!(s.matches(&no_sa));
}

#[test]
fn global_policy_namespace_selector_rewrites_every_all() {
    let l = compile(
        r#"
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: prod}
spec:
  selector: all()
  namespaceSelector: env == 'prod'
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: not-all}
spec:
  selector: "!all()"
  namespaceSelector: all()
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: hosts-too}
spec:
  selector: role == 'db'
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: with-sa}
spec:
  serviceAccountSelector: all()
"#,
    );
    let hep = labels(&[("role", "db"), ("env", "prod")]);
    let s = &policy(&l, "prod").subject;
    assert_eq!(
        *s,
        parse("has(projectcalico.org/namespace) && pcns.env == 'prod'").unwrap()
    );
    assert!(s.matches(&pod("shop", "default", &[], &[("env", "prod")])));
    assert!(!s.matches(&pod("shop", "default", &[], &[("env", "dev")])));
    // The rewritten all() no longer matches a host endpoint.
    assert!(!s.matches(&hep));
    // `!all()` became `!has(projectcalico.org/namespace)`: textual rewrite
    // of the combined selector, so it selects nothing namespaced at all.
    let s = &policy(&l, "not-all").subject;
    assert!(!s.matches(&pod("shop", "default", &[], &[])));
    // No namespaceSelector: host endpoints are selected by their own labels.
    let s = &policy(&l, "hosts-too").subject;
    assert!(s.matches(&hep));
    assert!(s.matches(&pod("shop", "default", &[("role", "db")], &[])));
    assert_eq!(policy(&l, "hosts-too").namespace, None);
    // GNP serviceAccountSelector all() ⇒ has(projectcalico.org/serviceaccount).
    let s = &policy(&l, "with-sa").subject;
    assert!(s.matches(&pod("shop", "default", &[], &[])));
    assert!(!s.matches(&hep));
}

#[test]
fn entity_rules_are_scoped_like_getendpointselector() {
    let l = compile(
        r#"
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: scoped, namespace: shop}
spec:
  ingress:
    - action: Allow
      source: {selector: app == 'web'}
    - action: Allow
      source: {nets: [10.0.0.0/8]}
    - action: Deny
      source: {notSelector: app == 'web'}
    - action: Allow
      source: {namespaceSelector: global()}
    - action: Allow
      source: {namespaceSelector: all(), selector: app == 'web'}
    - action: Allow
      source:
        serviceAccounts: {names: [b, a], selector: team == 'x'}
---
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: global-rule}
spec:
  ingress:
    - action: Allow
      source: {selector: role == 'db'}
"#,
    );
    let p = policy(&l, "scoped");
    let r = rules(p, true);
    let shop_web = pod("shop", "default", &[("app", "web")], &[]);
    let other_web = pod("other", "default", &[("app", "web")], &[]);
    let hep = labels(&[("role", "db")]);

    // [0] selector ⇒ implicitly in the policy's namespace.
    let s = selectors(&r[0].criteria, Side::Source, false);
    assert_eq!(s.len(), 1);
    assert!(s[0].matches(&shop_web));
    assert!(!s[0].matches(&other_web));
    assert!(
        matches!(&r[0].criteria[0], Criterion::Selector { text, .. } if text == "app == 'web'")
    );

    // [1] nets only ⇒ no selector at all: any address in range, and the
    // rule is IPv4-only (FilterRuleToIPVersion).
    assert!(selectors(&r[1].criteria, Side::Source, false).is_empty());
    assert!(r[1].criteria.contains(&Criterion::IpVersion { version: 4 }));
    assert!(r[1].criteria.iter().any(|c| matches!(
        c,
        Criterion::Nets { side: Side::Source, negated: false, scope: NetScope::AnyAddress, nets } if nets.len() == 1
    )));
    assert!(r[1].note.as_deref().unwrap().contains("IPv4 only"));

    // [2] notSelector: the positive side is the namespace; the negated
    // selector is raw, so it also excludes app=web pods of other namespaces.
    let pos = selectors(&r[2].criteria, Side::Source, false);
    assert_eq!(
        pos,
        [&parse("projectcalico.org/namespace == 'shop'").unwrap()]
    );
    let neg = selectors(&r[2].criteria, Side::Source, true);
    assert_eq!(neg, [&parse("app == 'web'").unwrap()]);
    assert!(neg[0].matches(&other_web));

    // [3] namespaceSelector: global() ⇒ only non-namespaced objects.
    let s = selectors(&r[3].criteria, Side::Source, false);
    assert!(s[0].matches(&hep));
    assert!(!s[0].matches(&shop_web));

    // [4] namespaceSelector: all() ⇒ any namespace.
    let s = selectors(&r[4].criteria, Side::Source, false);
    assert!(s[0].matches(&other_web));
    assert!(!s[0].matches(&labels(&[("app", "web")])));

    // [5] serviceAccounts: names (sorted) AND pcsa.-prefixed selector,
    // inside the policy's namespace.
    let s = selectors(&r[5].criteria, Side::Source, false);
    assert_eq!(
        *s[0],
        parse("projectcalico.org/namespace == 'shop' && pcsa.team == 'x' && projectcalico.org/serviceaccount in {'a', 'b'}")
            .unwrap()
    );
    let mut sa_a = pod("shop", "a", &[], &[]);
    sa_a.insert("pcsa.team".into(), "x".into());
    assert!(s[0].matches(&sa_a));

    // A global policy's rule selector has no namespace term.
    let r = rules(policy(&l, "global-rule"), true);
    let s = selectors(&r[0].criteria, Side::Source, false);
    assert!(s[0].matches(&hep));
}

#[test]
fn rule_fields_compile_to_criteria() {
    let l = compile(
        r#"
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: fields, namespace: shop}
spec:
  ingress:
    - action: Allow
      protocol: TCP
      notProtocol: 17
      source:
        notNets: ["fd00::/8"]
        ports: ["1000:2000"]
      destination:
        ports: [80, http]
        notPorts: [81]
      http:
        methods: [GET]
        paths: [{exact: /a}, {prefix: /b}]
    - action: Allow
      protocol: ICMP
      icmp: {type: 8, code: 0}
      notICMP: {type: 3}
  egress:
    - action: Allow
      destination:
        services: {name: api}
    - action: Allow
      ipVersion: 6
      destination:
        ports: [dns]
"#,
    );
    let p = policy(&l, "fields");
    let r = &rules(p, true)[0];
    let c = &r.criteria;
    // notNets with only IPv6 ⇒ the rule never matches IPv4.
    assert_eq!(c[0], Criterion::IpVersion { version: 6 });
    assert!(c.contains(&Criterion::Protocol {
        any_of: vec![Proto::TCP],
        negated: false
    }));
    assert!(c.contains(&Criterion::Protocol {
        any_of: vec![Proto::UDP],
        negated: true
    }));
    assert!(c.contains(&Criterion::Ports {
        side: Side::Source,
        any_of: vec![PortMatch {
            protocol: Some(Proto::TCP),
            ports: PortSpec::Range(1000, 2000)
        }],
        negated: false,
    }));
    assert!(c.contains(&Criterion::Ports {
        side: Side::Destination,
        any_of: vec![
            PortMatch {
                protocol: Some(Proto::TCP),
                ports: PortSpec::Range(80, 80)
            },
            PortMatch {
                protocol: Some(Proto::TCP),
                ports: PortSpec::Named("http".into())
            },
        ],
        negated: false,
    }));
    assert!(c.contains(&Criterion::Ports {
        side: Side::Destination,
        any_of: vec![PortMatch {
            protocol: Some(Proto::TCP),
            ports: PortSpec::Range(81, 81)
        }],
        negated: true,
    }));
    assert!(
        c.iter()
            .any(|c| matches!(c, Criterion::Http(h) if h.methods == ["GET"] && h.paths.len() == 2))
    );
    // ports alone force no namespace term (not a selector field).
    assert!(selectors(c, Side::Destination, false).is_empty());

    let c = &rules(p, true)[1].criteria;
    assert!(c.contains(&Criterion::Icmp {
        icmp_type: 8,
        code: Some(0),
        negated: false
    }));
    assert!(c.contains(&Criterion::Icmp {
        icmp_type: 3,
        code: None,
        negated: true
    }));

    let e = rules(p, false);
    assert_eq!(
        e[0].criteria,
        [Criterion::Service {
            side: Side::Destination,
            namespace: "shop".into(),
            name: "api".into()
        }]
    );
    assert_eq!(
        e[1].criteria,
        [
            Criterion::IpVersion { version: 6 },
            Criterion::Ports {
                side: Side::Destination,
                any_of: vec![PortMatch {
                    protocol: None,
                    ports: PortSpec::Named("dns".into())
                }],
                negated: false,
            }
        ]
    );
}

// ---------------------------------------------------------------------------
// Staged policies
// ---------------------------------------------------------------------------

const STAGED: &str = r#"
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: proposal, namespace: shop}
spec:
  order: 100
  selector: app == 'api'
  ingress: [{action: Deny}]
---
apiVersion: projectcalico.org/v3
kind: StagedGlobalNetworkPolicy
metadata: {name: drop-me}
spec:
  stagedAction: Delete
---
apiVersion: projectcalico.org/v3
kind: StagedKubernetesNetworkPolicy
metadata: {name: knp, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Ingress]
  ingress:
    - from:
        - podSelector: {matchLabels: {app: api}}
        - namespaceSelector: {}
        - ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}
      ports:
        - {port: 5432}
        - {protocol: UDP, port: 1000, endPort: 1010}
        - {port: metrics}
        - {protocol: SCTP}
---
apiVersion: projectcalico.org/v3
kind: StagedNetworkPolicy
metadata: {name: learning, namespace: shop}
spec:
  stagedAction: Learn
"#;

#[test]
fn staged_set_and_delete() {
    let l = compile(STAGED);
    let p = policy(&l, "proposal");
    assert_eq!(p.staged, Some(Staged::Set));
    assert_eq!(p.dialect, "calico-staged");
    // It stands in for the Calico NetworkPolicy of its name.
    assert_eq!(p.enforced_kind, "calico:NetworkPolicy");
    assert_eq!(p.tie_break, "proposal/shop/StagedNetworkPolicy");
    assert_eq!(rules(p, true)[0].action, Action::Deny);

    let p = policy(&l, "drop-me");
    assert_eq!(p.staged, Some(Staged::Delete));
    assert_eq!(p.enforced_kind, "calico:GlobalNetworkPolicy");
    assert!(p.ingress.is_none() && p.egress.is_none());

    // Learn proposes nothing: skipped with a note.
    assert!(l.set.policies().all(|(_, p)| p.name != "learning"));
    assert!(l.notes.iter().any(|n| n.message.contains("Learn")));

    // ≤3.31 the tie-break uses the staged backend names.
    let l = compile_with(STAGED, V331);
    assert_eq!(policy(&l, "proposal").tie_break, "shop/staged:proposal");
    assert_eq!(policy(&l, "knp").tie_break, "shop/staged:knp.default.knp");

    // 3.29 has no staged kinds.
    let l = compile_with(STAGED, Version::new(3, 29));
    assert_eq!(l.set.policies().count(), 0);
    assert!(l.notes.iter().any(|n| n.message.contains("3.30")));
}

/// A staged policy is paired with the enforced policy it stands in for by
/// the enforced kind decided at lowering: a StagedKubernetesNetworkPolicy
/// deletes the NetworkPolicy of its name, not a Calico NetworkPolicy of
/// that name, and a staged Calico policy the other way round.
#[test]
fn a_staged_policy_replaces_only_the_enforced_kind_it_stands_for() {
    use crate::sim::eval::{Evaluator, Verdict};
    use crate::sim::resolve::{FlowRequest, PortRef, flows};
    let pods = r#"
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: shop, labels: {app: db}}
spec: {containers: [{name: c}]}
"#;
    // Both isolate db for ingress with no rule: api -> db is denied.
    let k8s = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\n\
        metadata: {name: p, namespace: shop}\n\
        spec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress]}\n";
    let calico = "---\napiVersion: projectcalico.org/v3\nkind: NetworkPolicy\n\
        metadata: {name: p, namespace: shop}\n\
        spec: {selector: app == 'db', types: [Ingress]}\n";
    let staged_delete = |kind: &str| {
        let spec = if kind == "StagedKubernetesNetworkPolicy" {
            "{stagedAction: Delete, podSelector: {}}"
        } else {
            "{stagedAction: Delete}"
        };
        format!(
            "---\napiVersion: projectcalico.org/v3\nkind: {kind}\nmetadata: {{name: p, namespace: shop}}\nspec: {spec}\n"
        )
    };
    let pending = |yaml: String| {
        let inv = load_text("t.yaml", &yaml).unwrap_or_else(|e| panic!("{:#?}", e.errors));
        let set = compile(&yaml).set;
        let req = FlowRequest {
            from: "shop/api".into(),
            to: "shop/db".into(),
            port: Some(PortRef::Number(5432)),
            ..FlowRequest::default()
        };
        let flow = flows(&inv.cluster, &req, "default").unwrap().remove(0);
        let outcome = Evaluator::new(&set, &inv.cluster).evaluate(flow);
        assert_eq!(outcome.verdict, Verdict::Deny);
        outcome.pending_verdict
    };
    let knp = staged_delete("StagedKubernetesNetworkPolicy");
    let snp = staged_delete("StagedNetworkPolicy");
    assert_eq!(pending(format!("{pods}{k8s}{knp}")), Some(Verdict::Allow));
    assert_eq!(pending(format!("{pods}{k8s}{snp}")), Some(Verdict::Deny));
    assert_eq!(
        pending(format!("{pods}{calico}{snp}")),
        Some(Verdict::Allow)
    );
    assert_eq!(pending(format!("{pods}{calico}{knp}")), Some(Verdict::Deny));
}

#[test]
fn staged_kubernetes_policy_converts_like_a_network_policy() {
    let l = compile(STAGED);
    let p = policy(&l, "knp");
    let tier = l.set.policies().find(|(_, p)| p.name == "knp").unwrap().0;
    assert_eq!(tier.name, "default");
    assert_eq!(p.order, Some(1000.0));
    assert_eq!(p.staged, Some(Staged::Set));
    // It stands in for the Kubernetes NetworkPolicy of its name.
    assert_eq!(p.enforced_kind, "k8s:NetworkPolicy");
    assert_eq!(p.tie_break, "knp/shop/StagedKubernetesNetworkPolicy");
    assert!(
        p.subject
            .matches(&pod("shop", "default", &[("app", "db")], &[]))
    );
    assert!(
        !p.subject
            .matches(&pod("other", "default", &[("app", "db")], &[]))
    );
    // Not a pod: no orchestrator label.
    assert!(!p.subject.matches(&labels(&[
        ("app", "db"),
        ("projectcalico.org/namespace", "shop")
    ])));
    assert!(p.egress.is_none());

    let r = &rules(p, true)[0];
    assert_eq!(r.action, Action::Allow);
    let Criterion::AnyOf { what, alternatives } = &r.criteria[0] else {
        panic!("{:?}", r.criteria)
    };
    assert_eq!(what, "from");
    assert_eq!(alternatives.len(), 3);
    assert_eq!(alternatives[0].label, "from[0]");
    let sel = selectors(&alternatives[0].criteria, Side::Source, false);
    assert!(sel[0].matches(&pod("shop", "default", &[("app", "api")], &[])));
    assert!(!sel[0].matches(&pod("other", "default", &[("app", "api")], &[])));
    let sel = selectors(&alternatives[1].criteria, Side::Source, false);
    assert!(sel[0].matches(&pod("other", "default", &[], &[])));
    // namespace-only peers only match pods (orchestrator term), not network sets.
    assert!(!sel[0].matches(&labels(&[("projectcalico.org/namespace", "other")])));
    assert_eq!(alternatives[2].criteria.len(), 2);
    assert!(matches!(
        &alternatives[2].criteria[1],
        Criterion::Nets {
            negated: true,
            scope: NetScope::AnyAddress,
            ..
        }
    ));
    assert_eq!(
        r.criteria[1],
        Criterion::Ports {
            side: Side::Destination,
            any_of: vec![
                PortMatch {
                    protocol: Some(Proto::TCP),
                    ports: PortSpec::Range(5432, 5432)
                },
                PortMatch {
                    protocol: Some(Proto::UDP),
                    ports: PortSpec::Range(1000, 1010)
                },
                PortMatch {
                    protocol: Some(Proto::TCP),
                    ports: PortSpec::Named("metrics".into())
                },
                PortMatch {
                    protocol: Some(Proto::SCTP),
                    ports: PortSpec::All
                },
            ],
            negated: false,
        }
    );
}

// ---------------------------------------------------------------------------
// Profiles
// ---------------------------------------------------------------------------

#[test]
fn profiles_for_namespaces_service_accounts_and_loaded_objects() {
    let yaml = r#"
apiVersion: v1
kind: Namespace
metadata:
  name: shop
  labels: {team: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: api
  namespace: shop
  labels: {tier: backend}
---
apiVersion: projectcalico.org/v3
kind: Profile
metadata: {name: kns.other}
spec:
  labelsToApply: {custom: "yes"}
  ingress:
    - action: Deny
      source: {selector: app == 'x'}
"#;
    let l = compile(yaml);
    let set = &l.set;
    assert_eq!(
        set.profiles_for_pod("shop", "api"),
        ["kns.shop", "ksa.shop.api"]
    );
    let kns = &set.profiles["kns.shop"];
    assert_eq!(kns.labels["pcns.team"], "a");
    assert_eq!(kns.labels["pcns.projectcalico.org/name"], "shop");
    assert_eq!(kns.ingress.len(), 1);
    assert_eq!(kns.ingress[0].action, Action::Allow);
    assert!(kns.ingress[0].criteria.is_empty());
    assert_eq!(kns.egress[0].label, "egress[0]");
    assert!(kns.implicit.as_deref().unwrap().contains("kns.shop"));

    let ksa = &set.profiles["ksa.shop.api"];
    assert_eq!(ksa.labels["pcsa.tier"], "backend");
    assert_eq!(ksa.labels["pcsa.projectcalico.org/name"], "api");
    assert!(ksa.ingress.is_empty() && ksa.egress.is_empty());
    assert!(ksa.implicit.is_some());

    let allow = &set.profiles["projectcalico-default-allow"];
    assert_eq!(allow.ingress[0].action, Action::Allow);
    assert_eq!(allow.egress[0].action, Action::Allow);

    // The loaded Profile replaces the derived kns.other; its rule selectors
    // are not namespace-scoped.
    let other = &set.profiles["kns.other"];
    assert!(other.implicit.is_none());
    assert_eq!(other.labels["custom"], "yes");
    assert!(!other.labels.contains_key("pcns.projectcalico.org/name"));
    assert_eq!(other.ingress[0].action, Action::Deny);
    let s = selectors(&other.ingress[0].criteria, Side::Source, false);
    assert!(s[0].matches(&labels(&[("app", "x")])));
    assert!(other.egress.is_empty());
}

// ---------------------------------------------------------------------------
// Whole fixtures and other dataplanes
// ---------------------------------------------------------------------------

#[test]
fn tiers_fixture_compiles() {
    let inputs = Inputs {
        paths: vec![concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/tiers").into()],
        recursive: true,
    };
    let inv = load(&inputs, &mut std::io::empty()).unwrap_or_else(|e| panic!("{:#?}", e.errors));
    for version in [Version::new(3, 29), V331, V332] {
        let l = lower(
            &Input::from(&inv),
            &Choice {
                cni: Some(Cni::Calico),
                calico_version: Some(version),
                app_layer: true,
                ..Default::default()
            },
        );
        let names = tier_names(&l);
        let pos = |n: &str| names.iter().position(|t| *t == n).unwrap();
        assert!(pos("security") < pos("platform") && pos("platform") < pos("default"));
        let platform = l.set.tiers.iter().find(|t| t.name == "platform").unwrap();
        assert_eq!(platform.default_action, TierDefault::Pass);
        let quarantine = policy(&l, "security.quarantine");
        assert!(
            quarantine
                .subject
                .matches(&labels(&[("node-role", "worker")]))
        );
        assert_eq!(rules(quarantine, true).len(), 3);
        let dns = policy(&l, "platform.allow-dns");
        assert!(dns.ingress.is_none());
        let s = selectors(&rules(dns, false)[0].criteria, Side::Destination, false);
        assert!(s[0].matches(&pod(
            "kube-system",
            "coredns",
            &[("k8s-app", "kube-dns")],
            &[]
        )));
        assert!(!s[0].matches(&pod("shop", "default", &[("k8s-app", "kube-dns")], &[])));
        let staged = l
            .set
            .policies()
            .find(|(_, p)| p.name == "default.staged-deny-web");
        if version >= Version::new(3, 30) {
            assert_eq!(staged.unwrap().1.staged, Some(Staged::Set));
        } else {
            assert!(staged.is_none());
        }
        let monitoring = &l.set.profiles["allow-monitoring"];
        assert_eq!(monitoring.labels["monitoring"], "enabled");
        assert_eq!(monitoring.ingress.len(), 1);
        assert!(l.set.profiles.contains_key("kns.shop"));
    }
}

#[test]
fn other_dataplanes_ignore_calico_policies() {
    let inv = load_text(
        "t.yaml",
        r#"
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: p, namespace: shop}
spec: {}
"#,
    )
    .unwrap_or_else(|e| panic!("{:#?}", e.errors));
    let l = lower(
        &Input::from(&inv),
        &Choice {
            cni: Some(Cni::Cilium),
            ..Default::default()
        },
    );
    assert_eq!(l.set.policies().count(), 0);
    assert!(l.notes.iter().any(|n| n.message.contains("--cni calico")));
}

#[test]
fn a_global_rule_with_only_a_not_selector_matches_any_address() {
    // getEndpointSelector adds a positive selector only from a namespace
    // term, service accounts or a selector; a global policy has no
    // namespace term, so only the negated selector remains and addresses
    // outside the cluster match.
    let l = compile(
        r#"
apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: not-only}
spec:
  egress:
    - action: Allow
      destination: {notSelector: tier != 'back'}
"#,
    );
    let r = &rules(policy(&l, "not-only"), false)[0];
    assert!(selectors(&r.criteria, Side::Destination, false).is_empty());
    assert_eq!(selectors(&r.criteria, Side::Destination, true).len(), 1);
}

#[test]
fn http_paths_are_compared_raw_up_to_331_and_normalised_from_332() {
    const HTTP: &str = r#"
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web, namespace: shop}
spec:
  ingress:
    - action: Allow
      http:
        paths: [{prefix: /public/}]
"#;
    let mode = |version| {
        let l = compile_with(HTTP, version);
        let found = rules(policy(&l, "web"), true)[0]
            .criteria
            .iter()
            .find_map(|c| match c {
                Criterion::Http(m) => Some(m.path_mode),
                _ => None,
            });
        found.expect("an HTTP criterion")
    };
    assert_eq!(mode(V331), crate::model::policy::PathMode::Raw);
    assert_eq!(mode(V332), crate::model::policy::PathMode::Normalised);
}
