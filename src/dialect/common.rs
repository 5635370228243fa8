//! Field types shared by several dialects, validated as they are read so a
//! bad value is reported at its own position.

use std::collections::BTreeMap;
use std::fmt;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Deserializer, Serialize, de};

use crate::model::{Proto, Spanned};
use crate::selector::{validate_k8s_label_key, validate_k8s_label_value};
use crate::syntax::Problem;

/// Kubernetes object metadata: the fields polctl reads; others are ignored
/// (they carry no network semantics).
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ObjectMeta {
    #[serde(default)]
    pub name: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<Spanned<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub owner_references: Vec<OwnerReference>,
}

impl ObjectMeta {
    pub(crate) fn name(&self) -> &str {
        self.name.as_ref().map_or("", |n| n.value.as_str())
    }

    pub(crate) fn labels(&self) -> BTreeMap<String, String> {
        self.labels
            .iter()
            .map(|(k, v)| (k.value.clone(), v.value.clone()))
            .collect()
    }

    /// The name and namespace as the API server validates them: the
    /// namespace is a DNS-1123 label; the name follows the kind's `rule`.
    pub(crate) fn check_names(&self, rule: NameRule, out: &mut Vec<Problem>) {
        if let Some(name) = self.name.as_ref().filter(|n| !n.value.is_empty())
            && let Err(e) = rule.validate(&name.value)
        {
            out.push(Problem::new(
                name.span,
                format!("invalid name `{}`: {e}", name.value),
            ));
        }
        if let Some(ns) = self.namespace.as_ref().filter(|n| !n.value.is_empty())
            && let Err(e) = NameRule::Label.validate(&ns.value)
        {
            out.push(Problem::new(
                ns.span,
                format!("invalid namespace `{}`: {e}", ns.value),
            ));
        }
    }

    /// Label keys and values as the API server validates them on every
    /// object.
    pub(crate) fn check(&self, out: &mut Vec<Problem>) {
        for (k, v) in &self.labels {
            if let Err(e) = validate_k8s_label_key(&k.value) {
                out.push(Problem::new(
                    k.span,
                    format!("invalid label key `{}`: {e}", k.value),
                ));
            }
            if let Err(e) = validate_k8s_label_value(&v.value) {
                out.push(Problem::new(
                    v.span,
                    format!("invalid label value `{}`: {e}", v.value),
                ));
            }
        }
    }
}

#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct OwnerReference {
    #[serde(default)]
    pub api_version: String,
    pub kind: String,
    pub name: String,
    #[serde(default)]
    pub controller: Option<bool>,
}

/// A Kubernetes `metav1.LabelSelector`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct LabelSelector {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

impl LabelSelector {
    pub(crate) fn is_empty(&self) -> bool {
        self.match_labels.is_empty() && self.match_expressions.is_empty()
    }

    /// The selector as an expression of the one selector language polctl
    /// evaluates (an empty selector is `all()`).
    pub(crate) fn to_expr(&self) -> crate::selector::Expr {
        use crate::selector::{LabelOp, Requirement, from_label_selector};
        let values: Vec<Vec<String>> = self
            .match_expressions
            .iter()
            .map(|e| e.values.iter().map(|v| v.value.clone()).collect())
            .collect();
        let requirements: Vec<Requirement> = self
            .match_expressions
            .iter()
            .zip(&values)
            .map(|(e, values)| Requirement {
                key: &e.key.value,
                op: match e.operator.value {
                    SelectorOperator::In => LabelOp::In,
                    SelectorOperator::NotIn => LabelOp::NotIn,
                    SelectorOperator::Exists => LabelOp::Exists,
                    SelectorOperator::DoesNotExist => LabelOp::DoesNotExist,
                },
                values,
            })
            .collect();
        let labels = self
            .match_labels
            .iter()
            .map(|(k, v)| (k.value.as_str(), v.value.as_str()));
        from_label_selector(labels, &requirements)
    }
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct LabelSelectorRequirement {
    pub key: Spanned<String>,
    pub operator: Spanned<SelectorOperator>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<Spanned<String>>,
}

#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq)]
pub(crate) enum SelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

/// A string or an integer, as in `targetPort` and NetworkPolicy `port`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum IntOrString {
    Int(i64),
    Str(String),
}

impl<'de> Deserialize<'de> for IntOrString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl de::Visitor<'_> for V {
            type Value = IntOrString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer or a string")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IntOrString, E> {
                Ok(IntOrString::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IntOrString, E> {
                i64::try_from(v)
                    .map(IntOrString::Int)
                    .map_err(|_| E::custom("integer is too large"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IntOrString, E> {
                Ok(IntOrString::Str(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// A port given by number (1–65535) or by the name of a container port.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(untagged)]
pub(crate) enum Port {
    Number(u16),
    Name(String),
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Port::Number(n) => write!(f, "{n}"),
            Port::Name(n) => f.write_str(n),
        }
    }
}

impl<'de> Deserialize<'de> for Port {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match IntOrString::deserialize(d)? {
            IntOrString::Int(n) => port_number(n).map(Port::Number).map_err(de::Error::custom),
            IntOrString::Str(s) => {
                // Kubernetes itself accepts "80" as a string for IntOrString ports.
                if let Ok(n) = s.parse::<i64>() {
                    return port_number(n).map(Port::Number).map_err(de::Error::custom);
                }
                validate_port_name(&s).map_err(de::Error::custom)?;
                Ok(Port::Name(s))
            }
        }
    }
}

/// A port number 1–65535.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub(crate) struct PortNumber(pub u16);

impl<'de> Deserialize<'de> for PortNumber {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        PortNumber::parse(&IntOrString::deserialize(d)?).map_err(de::Error::custom)
    }
}

impl PortNumber {
    /// Reads a port number written as YAML; a field read leniently is
    /// checked with this after typing, so that one run reports every bad port.
    pub(crate) fn parse(written: &IntOrString) -> Result<PortNumber, String> {
        match written {
            IntOrString::Int(n) => port_number(*n).map(PortNumber),
            IntOrString::Str(s) => Err(format!("expected a port number, found string `{s}`")),
        }
    }
}

pub(crate) fn port_number(n: i64) -> Result<u16, String> {
    match u16::try_from(n) {
        Ok(p) if p >= 1 => Ok(p),
        _ => Err(format!("port {n} is out of range 1-65535")),
    }
}

/// Container and Service port protocols: TCP (the default), UDP or SCTP.
pub(crate) fn protocol_of(written: Option<&Spanned<String>>) -> Result<Proto, Problem> {
    match written.map(|s| s.value.as_str()) {
        None | Some("TCP") => Ok(Proto::TCP),
        Some("UDP") => Ok(Proto::UDP),
        Some("SCTP") => Ok(Proto::SCTP),
        Some(other) => Err(Problem::new(
            written.map(|s| s.span).unwrap_or_default(),
            format!("unsupported protocol `{other}`"),
        )
        .help("Kubernetes ports take TCP, UDP or SCTP")),
    }
}

pub(crate) use crate::model::validate_port_name;

/// A CIDR such as `10.0.0.0/8`. Host bits are cleared as Go's
/// `net.ParseCIDR` does; the text as written is kept for display.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Cidr {
    pub net: IpNet,
    pub text: String,
}

impl Cidr {
    pub(crate) fn parse(text: &str, allow_bare_ip: bool) -> Result<Cidr, String> {
        if let Ok(net) = text.parse::<IpNet>() {
            return Ok(Cidr {
                net: net.trunc(),
                text: text.to_string(),
            });
        }
        if allow_bare_ip && let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(Cidr {
                net: IpNet::from(ip),
                text: text.to_string(),
            });
        }
        Err(format!("invalid CIDR `{text}`"))
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

/// Kubernetes spelling: a CIDR is required (a bare address is an error).
impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Cidr::parse(&text, false).map_err(|e| {
            de::Error::custom(format!(
                "{e}: expected an address and a prefix length such as 10.0.0.0/8"
            ))
        })
    }
}

/// Calico and Cilium also accept a bare address as a /32 or /128.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub(crate) struct Net(pub Cidr);

impl<'de> Deserialize<'de> for Net {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Cidr::parse(&text, true).map(Net).map_err(de::Error::custom)
    }
}

/// An IP address.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub(crate) struct Ip(pub IpAddr);

impl<'de> Deserialize<'de> for Ip {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ip::parse(&String::deserialize(d)?).map_err(de::Error::custom)
    }
}

impl Ip {
    pub(crate) fn parse(text: &str) -> Result<Ip, String> {
        text.parse::<IpAddr>()
            .map(Ip)
            .map_err(|_| format!("invalid IP address `{text}`"))
    }
}

/// Which DNS rule the API server applies to a kind's `metadata.name`
/// (apimachinery `validation.IsDNS1123Subdomain`, `IsDNS1123Label`,
/// `IsDNS1035Label`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NameRule {
    /// Most kinds: lowercase alphanumerics, `-` and `.`, at most 253
    /// characters, alphanumeric at both ends of every dot-separated part.
    Subdomain,
    /// Namespaces: one such part, at most 63 characters, no dots.
    Label,
    /// Services: a label that starts with a letter.
    Label1035,
}

impl NameRule {
    pub(crate) fn validate(self, name: &str) -> Result<(), String> {
        // A label is at most 63 characters; a subdomain's parts are not
        // limited, only the whole name (apimachinery's regexes).
        let part = |part: &str| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !part.starts_with('-')
                && !part.ends_with('-')
        };
        let label = |name: &str| name.len() <= 63 && part(name);
        match self {
            NameRule::Subdomain if name.len() <= 253 && name.split('.').all(part) => Ok(()),
            NameRule::Subdomain => Err(
                "a name is lowercase letters, digits, `-` and `.`, at most 253 characters, \
                 starting and ending with a letter or digit (RFC 1123 subdomain)"
                    .into(),
            ),
            NameRule::Label if label(name) => Ok(()),
            NameRule::Label => Err(
                "a namespace is lowercase letters, digits and `-`, at most 63 characters, \
                 starting and ending with a letter or digit (RFC 1123 label; no dots)"
                    .into(),
            ),
            NameRule::Label1035
                if label(name) && name.bytes().next().is_some_and(|b| b.is_ascii_lowercase()) =>
            {
                Ok(())
            }
            NameRule::Label1035 => Err(
                "a Service name is lowercase letters, digits and `-`, at most 63 characters, \
                 starting with a letter and ending with a letter or digit (RFC 1035 label)"
                    .into(),
            ),
        }
    }
}

#[cfg(test)]
mod name_tests {
    use super::NameRule;

    #[test]
    fn names_follow_the_api_server_s_dns_rules() {
        assert!(NameRule::Subdomain.validate("web-0").is_ok());
        assert!(NameRule::Subdomain.validate("default.allow-web").is_ok());
        assert!(NameRule::Subdomain.validate("Bad_Name").is_err());
        assert!(NameRule::Subdomain.validate("a..b").is_err());
        assert!(NameRule::Subdomain.validate(&"a".repeat(254)).is_err());
        assert!(NameRule::Subdomain.validate(&"a".repeat(100)).is_ok());
        assert!(NameRule::Label.validate("kube-system").is_ok());
        assert!(NameRule::Label.validate("a.b").is_err());
        assert!(NameRule::Label.validate(&"a".repeat(64)).is_err());
        assert!(NameRule::Label1035.validate("web").is_ok());
        assert!(NameRule::Label1035.validate("1web").is_err());
        assert!(NameRule::Label.validate("1web").is_ok());
    }
}
