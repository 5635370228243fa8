//! Cilium API values as IR values: CIDR sets, entities, FQDN patterns and
//! L7 rules.

use std::collections::BTreeMap;

use crate::dialect::cilium::{self as cil, CidrRule, FqdnSelector, L7Rules};
use crate::model::Spanned;
use crate::model::policy::{
    Criterion, Entity, FqdnPattern, HeaderRule, HttpRule, KafkaRule, L7Match, NetScope, Proxylib,
    Side,
};

/// `fromCIDRSet`/`toCIDRSet` entry: the CIDR minus its own exceptions.
/// CIDR rules never match cluster endpoints or nodes (§C7).
pub(super) fn cidr_rule(side: Side, set: &CidrRule) -> Vec<Criterion> {
    let Some(cidr) = &set.cidr else {
        return vec![Criterion::Never {
            why: "CiliumCIDRGroup references are not loaded by polctl".into(),
        }];
    };
    let mut out = vec![Criterion::Nets {
        side,
        nets: vec![cidr.value.net],
        negated: false,
        scope: NetScope::ExternalOnly,
    }];
    if !set.except.is_empty() {
        out.push(Criterion::Nets {
            side,
            nets: set.except.iter().map(|c| c.value.net).collect(),
            negated: true,
            scope: NetScope::ExternalOnly,
        });
    }
    out
}

/// Entity names as reserved identities (pkg/policy/api/entity.go); `none`
/// selects nothing.
pub(super) fn entity(e: cil::Entity) -> Option<Entity> {
    Some(match e {
        cil::Entity::All => Entity::All,
        cil::Entity::World => Entity::World,
        cil::Entity::WorldIpv4 => Entity::WorldIpv4,
        cil::Entity::WorldIpv6 => Entity::WorldIpv6,
        cil::Entity::Cluster => Entity::Cluster,
        cil::Entity::Host => Entity::Host,
        cil::Entity::Init => Entity::Init,
        cil::Entity::Ingress => Entity::Ingress,
        cil::Entity::Unmanaged => Entity::Unmanaged,
        cil::Entity::RemoteNode => Entity::RemoteNode,
        cil::Entity::Health => Entity::Health,
        cil::Entity::KubeApiserver => Entity::KubeApiserver,
        cil::Entity::None => return None,
    })
}

/// A `reserved:<name>` label key as an entity.
pub(super) fn reserved_entity(name: &str) -> Option<Entity> {
    Some(match name {
        "host" => Entity::Host,
        "world" => Entity::World,
        "world-ipv4" => Entity::WorldIpv4,
        "world-ipv6" => Entity::WorldIpv6,
        "remote-node" => Entity::RemoteNode,
        "kube-apiserver" => Entity::KubeApiserver,
        "ingress" => Entity::Ingress,
        "init" => Entity::Init,
        "health" => Entity::Health,
        "unmanaged" => Entity::Unmanaged,
        _ => return None,
    })
}

pub(super) fn fqdn_pattern(f: &FqdnSelector) -> Option<FqdnPattern> {
    if let Some(n) = &f.match_name {
        return Some(FqdnPattern::Name(n.value.clone()));
    }
    f.match_pattern
        .as_ref()
        .map(|p| FqdnPattern::Pattern(p.value.clone()))
}

/// The L7 rules of a port rule; `None` when it has none.
pub(super) fn l7_match(rules: &L7Rules) -> Option<L7Match> {
    if let Some(http) = &rules.http {
        return Some(L7Match::Http(
            http.iter()
                .map(|h| {
                    let h = &h.value;
                    let mut headers: Vec<HeaderRule> = h
                        .headers
                        .iter()
                        .map(|line| header_rule(&line.value))
                        .collect();
                    headers.extend(h.header_matches.iter().map(|m| {
                        let m = &m.value;
                        HeaderRule {
                            name: m.name.value.clone(),
                            value: m.value.as_ref().map(|v| v.value.clone()),
                            secret: m.secret.as_ref().map(|s| {
                                format!("{}/{}", s.namespace.as_deref().unwrap_or(""), s.name.value)
                            }),
                            mismatch: m.mismatch.as_ref().map(|a| {
                                match a.value {
                                    cil::MismatchAction::Log => "LOG",
                                    cil::MismatchAction::Add => "ADD",
                                    cil::MismatchAction::Delete => "DELETE",
                                    cil::MismatchAction::Replace => "REPLACE",
                                }
                                .to_string()
                            }),
                        }
                    }));
                    HttpRule {
                        method: h.method.as_ref().map(|v| v.value.clone()),
                        path: h.path.as_ref().map(|v| v.value.clone()),
                        host: h.host.as_ref().map(|v| v.value.clone()),
                        headers,
                    }
                })
                .collect(),
        ));
    }
    if let Some(kafka) = &rules.kafka {
        return Some(L7Match::Kafka(
            kafka
                .iter()
                .map(|k| {
                    let k = &k.value;
                    let text = |v: &Option<Spanned<String>>| {
                        v.as_ref()
                            .map(|v| v.value.clone())
                            .filter(|v| !v.is_empty())
                    };
                    KafkaRule {
                        role: text(&k.role),
                        api_key: text(&k.api_key),
                        api_version: text(&k.api_version),
                        client_id: text(&k.client_id),
                        topic: text(&k.topic),
                    }
                })
                .collect(),
        ));
    }
    if let Some(dns) = &rules.dns {
        return Some(L7Match::Dns(
            dns.iter().filter_map(|d| fqdn_pattern(&d.value)).collect(),
        ));
    }
    if let Some(parser) = &rules.l7proto {
        let written: Vec<BTreeMap<String, String>> = rules
            .l7
            .iter()
            .flatten()
            .map(|r| {
                r.value
                    .iter()
                    .map(|(k, v)| (k.value.clone(), v.value.clone()))
                    .collect()
            })
            .collect();
        let name = parser.value.as_str();
        let parser = match name {
            "cassandra" => Proxylib::Cassandra,
            "memcache" => Proxylib::Memcache,
            "r2d2" => Proxylib::R2d2,
            // Registered in cilium-envoy's proxylib (libcilium/proxylib.go)
            // but not modelled.
            "kafka" | "test.blockparser" | "test.headerparser" | "test.lineparser"
            | "test.passer" => Proxylib::Unmodelled(name.to_string()),
            // policymap.go: "Unknown L7 (..), should drop everything", and
            // OnNewConnection returns UNKNOWN_PARSER.
            _ => {
                return Some(L7Match::Refused {
                    protocol: name.to_string(),
                    rules: written
                        .iter()
                        .map(|r| {
                            let kv: Vec<String> =
                                r.iter().map(|(k, v)| format!("{k}={v}")).collect();
                            if kv.is_empty() {
                                "any".into()
                            } else {
                                kv.join(" ")
                            }
                        })
                        .collect(),
                    reason: format!(
                        "cilium-envoy has no proxylib parser `{name}` (built in: cassandra, kafka, \
                         memcache, r2d2): the policy for the port cannot be applied"
                    ),
                });
            }
        };
        return Some(L7Match::Generic {
            parser,
            rules: written,
        });
    }
    None
}

/// A `headers` entry: `Name` (present) or `Name: value` (exact). Cilium
/// splits at the first space and trims a trailing colon from the name
/// (envoy_l7_rules_translator.go), so `X-Token:abc` names a header
/// `X-Token:abc` that must be present.
fn header_rule(line: &str) -> HeaderRule {
    let line = line.trim();
    let (name, value) = match line.split_once(' ') {
        Some((name, value)) => (name.trim_end_matches(':'), Some(value.trim().to_string())),
        None => (line, None),
    };
    HeaderRule {
        name: name.to_string(),
        value,
        secret: None,
        mismatch: None,
    }
}
