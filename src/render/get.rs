//! The tables and object lists `polctl get` prints.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use serde_json::{Value, json};

use super::table::{self, labels, number};
use crate::dialect::{Kind, PolicyObject};
use crate::load::Inventory;
use crate::model::policy::PolicySet;
use crate::model::{AddressSource, Endpoint, Labels, Span};
use crate::selector::Expr;

/// What the user asked to see.
pub(crate) struct Filter<'a> {
    /// `None`: all namespaces.
    pub namespace: Option<&'a str>,
    pub selector: Option<&'a Expr>,
    /// Only objects of this kind (`get deployments`); `None`: every kind
    /// the view lists.
    pub kind: Option<&'static Kind>,
}

impl Filter<'_> {
    fn namespace(&self, ns: Option<&str>) -> bool {
        match (self.namespace, ns) {
            (Some(want), Some(ns)) => want == ns,
            _ => true,
        }
    }

    fn labels(&self, labels: &Labels) -> bool {
        self.selector.is_none_or(|s| s.matches(labels))
    }
}

pub(crate) struct Row {
    cells: Vec<String>,
    wide: Vec<String>,
    name: String,
    item: Value,
}

/// Rows of one resource type, ready to print in any format.
pub(crate) struct View {
    pub noun: &'static str,
    headers: Vec<&'static str>,
    wide_headers: Vec<&'static str>,
    /// The namespace column is shown only across namespaces, as kubectl does.
    namespaced: bool,
    all_namespaces: bool,
    rows: Vec<Row>,
}

impl View {
    fn new(noun: &'static str, filter: &Filter, namespaced: bool) -> Self {
        View {
            noun,
            headers: Vec::new(),
            wide_headers: Vec::new(),
            namespaced,
            all_namespaces: filter.namespace.is_none(),
            rows: Vec::new(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub(crate) fn table(&self, wide: bool) -> String {
        if self.rows.is_empty() {
            return String::new();
        }
        let skip_ns = usize::from(self.namespaced && !self.all_namespaces);
        let mut headers: Vec<&str> = self.headers.iter().skip(skip_ns).copied().collect();
        if wide {
            headers.extend(&self.wide_headers);
        }
        let mut t = table::table(headers);
        for row in &self.rows {
            let mut cells: Vec<&str> = row.cells.iter().skip(skip_ns).map(String::as_str).collect();
            if wide {
                cells.extend(row.wide.iter().map(String::as_str));
            }
            t.add_row(cells);
        }
        table::render(&t)
    }

    pub(crate) fn names(&self) -> String {
        self.rows.iter().map(|r| format!("{}\n", r.name)).collect()
    }

    /// The rows as JSON: a Kubernetes `List` when every item is a
    /// Kubernetes object (apiVersion, kind, metadata), as kubectl prints
    /// one; else `{"items": [...]}` of polctl's own records, which no
    /// Kubernetes client should read as objects.
    pub(crate) fn items(&self) -> Value {
        let items: Vec<Value> = self.rows.iter().map(|r| r.item.clone()).collect();
        let is_object = |v: &Value| {
            v.get("apiVersion").is_some_and(Value::is_string)
                && v.get("kind").is_some_and(Value::is_string)
                && v.get("metadata").is_some_and(Value::is_object)
        };
        if !items.is_empty() && items.iter().all(is_object) {
            json!({"apiVersion": "v1", "kind": "List", "items": items})
        } else {
            json!({ "items": items })
        }
    }
}

/// The object as JSON, without the `null`s of fields the manifest left out.
fn to_value<T: Serialize>(v: &T) -> Value {
    fn strip(v: Value) -> Value {
        match v {
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .filter(|(_, v)| !v.is_null())
                    .map(|(k, v)| (k, strip(v)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(strip).collect()),
            other => other,
        }
    }
    strip(serde_json::to_value(v).unwrap_or(Value::Null))
}

fn or_none(s: String) -> String {
    if s.is_empty() { "<none>".into() } else { s }
}

pub(crate) fn endpoints(inv: &Inventory, filter: &Filter) -> View {
    let mut view = View::new("endpoints", filter, true);
    view.headers = vec!["NAMESPACE", "NAME", "WORKLOAD", "IP"];
    view.wide_headers = vec!["NODE", "SERVICE ACCOUNT", "PORTS", "LABELS"];
    for ep in inv
        .cluster
        .endpoints
        .iter()
        .filter(|e| filter.namespace(Some(&e.namespace)) && filter.labels(&e.labels))
    {
        let workload = ep
            .owner
            .as_ref()
            .map_or_else(|| "<none>".into(), |o| format!("{}/{}", o.kind, o.name));
        view.rows.push(Row {
            cells: vec![
                ep.namespace.clone(),
                ep.name.clone(),
                workload,
                addresses(ep),
            ],
            wide: vec![
                ep.node.clone().unwrap_or_else(|| "<none>".into()),
                ep.service_account.clone(),
                or_none(
                    ep.ports
                        .iter()
                        .map(|p| format!("{}:{}/{}", p.name, p.port, p.protocol))
                        .collect::<Vec<_>>()
                        .join(","),
                ),
                labels(&ep.labels),
            ],
            name: format!("endpoint/{}", ep.name),
            item: to_value(ep),
        });
    }
    view
}

/// Addresses, marked when polctl made them up or took them from the node.
fn addresses(ep: &Endpoint) -> String {
    let ips: Vec<String> = ep.ips.iter().map(|ip| ip.to_string()).collect();
    let ips = or_none(ips.join(","));
    match ep.address_source {
        AddressSource::Status | AddressSource::IpNetworks => ips,
        AddressSource::Synthetic => format!("{ips} (synthetic)"),
        AddressSource::Node => format!("{ips} (node)"),
    }
}

pub(crate) fn workloads(inv: &Inventory, filter: &Filter) -> View {
    let mut view = View::new("workloads", filter, true);
    view.headers = vec!["NAMESPACE", "KIND", "NAME", "PODS"];
    view.wide_headers = vec!["LABELS"];
    for w in inv
        .cluster
        .workloads
        .iter()
        .filter(|w| filter.namespace(Some(&w.namespace)) && filter.labels(&w.labels))
        .filter(|w| filter.kind.is_none_or(|k| k.kind == w.kind))
    {
        view.rows.push(Row {
            cells: vec![
                w.namespace.clone(),
                w.kind.clone(),
                w.name.clone(),
                w.endpoints.len().to_string(),
            ],
            wide: vec![labels(&w.labels)],
            name: format!("{}/{}", w.kind.to_lowercase(), w.name),
            item: to_value(w),
        });
    }
    view
}

/// Tier order as Calico sorts tiers (SEMANTICS §A2): declared Tier objects
/// by their order; the tiers Kubernetes' own APIs imply at Calico's fixed
/// orders (admin 1000, `default` 1,000,000, baseline 10,000,000); a tier
/// that policies name but nothing declares sorts after every declared one.
fn tier_order(inv: &Inventory, tier: Option<&str>) -> f64 {
    let Some(name) = tier else { return f64::MAX };
    if let Some(t) = inv.tiers.iter().find(|t| t.value.metadata.name() == name) {
        return t
            .value
            .spec
            .order
            .as_ref()
            .map_or(f64::MAX / 4.0, |o| o.value);
    }
    match name {
        "admin" => 1_000.0,
        "default" => 1_000_000.0,
        "baseline" => 10_000_000.0,
        _ => f64::MAX / 2.0,
    }
}

/// Policies in the order the evaluator visits them: tier by tier as the
/// compiled set sorts them (the dataplane version's tie-break included),
/// each policy at its first compiled appearance. Policies the dataplane
/// does not compile (another plugin's kinds) follow, by tier and order.
fn sorted_policies<'a>(
    inv: &'a Inventory,
    set: &PolicySet,
    filter: &Filter,
) -> Vec<&'a PolicyObject> {
    let mut visited: HashMap<Span, usize> = HashMap::new();
    for policy in set.tiers.iter().flat_map(|t| &t.policies) {
        let next = visited.len();
        visited.entry(policy.origin).or_insert(next);
    }
    let mut pols: Vec<&PolicyObject> = inv
        .policies
        .iter()
        .filter(|p| filter.namespace(p.namespace.as_deref()))
        .filter(|p| filter.labels(&p.source.metadata().labels()))
        .filter(|p| {
            filter
                .kind
                .is_none_or(|k| k.kind == p.kind && k.language == p.source.language())
        })
        .collect();
    pols.sort_by(|a, b| {
        let (pa, pb) = (a.placement(), b.placement());
        let (va, vb) = (visited.get(&a.origin), visited.get(&b.origin));
        va.is_none()
            .cmp(&vb.is_none())
            .then_with(|| va.cmp(&vb))
            .then_with(|| {
                tier_order(inv, pa.tier.as_deref()).total_cmp(&tier_order(inv, pb.tier.as_deref()))
            })
            .then_with(|| pa.tier.cmp(&pb.tier))
            .then_with(|| {
                pa.order
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&pb.order.unwrap_or(f64::INFINITY))
            })
            .then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)))
    });
    pols
}

pub(crate) fn policies(inv: &Inventory, set: &PolicySet, filter: &Filter) -> View {
    let mut view = View::new("policies", filter, true);
    view.headers = vec!["NAMESPACE", "NAME", "KIND", "DIALECT", "TIER", "ORDER"];
    view.wide_headers = vec!["SOURCE"];
    for p in sorted_policies(inv, set, filter) {
        let placement = p.placement();
        view.rows.push(Row {
            cells: vec![
                p.namespace.clone().unwrap_or_else(|| "<cluster>".into()),
                p.name.clone(),
                p.kind.clone(),
                p.dialect().to_string(),
                placement.tier.unwrap_or_else(|| "-".into()),
                placement.order.map_or_else(|| "-".into(), number),
            ],
            wide: vec![inv.sources.locate(p.origin)],
            name: format!("{}/{}", p.kind.to_lowercase(), p.name),
            item: to_value(&p.source),
        });
    }
    view
}

pub(crate) fn tiers(inv: &Inventory, filter: &Filter) -> View {
    let mut view = View::new("tiers", filter, false);
    view.headers = vec!["NAME", "ORDER", "DEFAULT ACTION", "POLICIES"];
    view.wide_headers = vec!["SOURCE"];
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for p in &inv.policies {
        if let Some(t) = p.placement().tier {
            *counts.entry(t).or_default() += 1;
        }
    }
    let mut names: Vec<String> = counts.keys().cloned().collect();
    names.extend(
        inv.tiers
            .iter()
            .map(|t| t.value.metadata.name().to_string()),
    );
    names.sort();
    names.dedup();
    let mut rows: Vec<(f64, String, String, usize, String)> = names
        .into_iter()
        .map(|name| {
            let declared = inv.tiers.iter().find(|t| t.value.metadata.name() == name);
            let action = match declared {
                Some(t) => format!("{:?}", t.value.spec.default_action()),
                None if name == "default" => "Deny".into(),
                None if name == "admin" || name == "baseline" => "Pass".into(),
                None => "<undeclared>".into(),
            };
            let source =
                declared.map_or_else(|| "<implied>".into(), |t| inv.sources.locate(t.span));
            let n = counts.get(&name).copied().unwrap_or(0);
            (tier_order(inv, Some(&name)), name, action, n, source)
        })
        .collect();
    rows.sort_by(|a, b| a.0.total_cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    for (order, name, action, n, source) in rows {
        let shown = if order >= f64::MAX / 4.0 {
            "-".to_string()
        } else {
            number(order)
        };
        view.rows.push(Row {
            cells: vec![name.clone(), shown, action.clone(), n.to_string()],
            wide: vec![source],
            name: format!("tier/{name}"),
            item: json!({"name": name, "order": (order < f64::MAX / 4.0).then_some(order), "defaultAction": action, "policies": n}),
        });
    }
    view
}

pub(crate) fn namespaces(inv: &Inventory, filter: &Filter) -> View {
    let mut view = View::new("namespaces", filter, false);
    view.headers = vec!["NAME", "LABELS"];
    view.wide_headers = vec!["DEFINED"];
    for ns in inv
        .cluster
        .namespaces
        .values()
        .filter(|n| filter.labels(&n.labels))
    {
        view.rows.push(Row {
            cells: vec![ns.name.clone(), labels(&ns.labels)],
            wide: vec![if ns.declared {
                "manifest".into()
            } else {
                "implicit".into()
            }],
            name: format!("namespace/{}", ns.name),
            item: to_value(ns),
        });
    }
    view
}

pub(crate) fn services(inv: &Inventory, filter: &Filter) -> View {
    let mut view = View::new("services", filter, true);
    view.headers = vec![
        "NAMESPACE",
        "NAME",
        "TYPE",
        "CLUSTER-IP",
        "PORTS",
        "SELECTOR",
    ];
    view.wide_headers = vec!["BACKENDS"];
    for svc in inv
        .cluster
        .services
        .iter()
        .filter(|s| filter.namespace(Some(&s.namespace)) && filter.labels(&s.labels))
    {
        let ports: Vec<String> = svc
            .ports
            .iter()
            .map(|p| {
                let target = match &p.target {
                    crate::model::TargetPort::Number(n) => n.to_string(),
                    crate::model::TargetPort::Name(n) => n.clone(),
                };
                format!("{}->{}/{}", p.port, target, p.protocol)
            })
            .collect();
        let backends = svc.selector.as_ref().map_or(0, |sel| {
            inv.cluster
                .endpoints
                .iter()
                .filter(|e| {
                    e.namespace == svc.namespace
                        && sel.iter().all(|(k, v)| e.labels.get(k) == Some(v))
                })
                .count()
        });
        view.rows.push(Row {
            cells: vec![
                svc.namespace.clone(),
                svc.name.clone(),
                svc.kind.clone(),
                svc.cluster_ip.clone().unwrap_or_else(|| "<none>".into()),
                or_none(ports.join(",")),
                svc.selector
                    .as_ref()
                    .map_or_else(|| "<none>".into(), labels),
            ],
            wide: vec![backends.to_string()],
            name: format!("service/{}", svc.name),
            item: to_value(svc),
        });
    }
    view
}
