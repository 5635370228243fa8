//! The policy IR: the one form every dialect compiles into and the only one
//! the evaluator reads.
//!
//! Ordered tiers hold ordered policies; a policy holds ordered rules per
//! direction; a rule is an action and a conjunction of criteria. Profiles
//! come after the tiers. Everything keeps the span of the YAML it came from
//! so traces can point at `file:line`.
//!
//! The semantics are Calico's tier pipeline (SEMANTICS.md §A1), which is
//! general enough for the other dialects: Kubernetes NetworkPolicy is a tier
//! of Allow rules with a Deny end-of-tier; AdminNetworkPolicy and its
//! baseline are tiers that Pass by default; Cilium's "deny beats allow,
//! allows are a union" is a Pass-by-default deny tier before a union tier.

use std::collections::BTreeMap;
use std::fmt;

use ipnet::IpNet;
use serde::Serialize;

use super::{Labels, Pattern, Proto, Span};
use crate::selector::Expr;

/// Traffic direction relative to the endpoint a policy protects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Ingress,
    Egress,
}

impl fmt::Display for Direction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        })
    }
}

/// What a matching rule does (Calico's four actions; every dialect's
/// actions map onto them).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Action {
    /// Final: the direction allows the flow.
    Allow,
    /// Final: the flow is dropped.
    Deny,
    /// Skip the rest of this tier; continue with the next tier.
    Pass,
    /// Record and continue with the next rule.
    Log,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Action::Allow => "Allow",
            Action::Deny => "Deny",
            Action::Pass => "Pass",
            Action::Log => "Log",
        })
    }
}

/// What happens when policies of a tier selected the endpoint and no rule
/// decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum TierDefault {
    Deny,
    Pass,
}

impl fmt::Display for TierDefault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TierDefault::Deny => "Deny",
            TierDefault::Pass => "Pass",
        })
    }
}

/// Which side of the flow a criterion inspects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Side {
    Source,
    Destination,
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Side::Source => "source",
            Side::Destination => "destination",
        })
    }
}

/// A port criterion item: a protocol (or any) and a port range or a named
/// port resolved on the endpoint at that side of the flow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PortMatch {
    /// `None`: any protocol that has ports (a Calico named port without
    /// `protocol`; Calico rules with ports always name the protocol).
    pub protocol: Option<Proto>,
    pub ports: PortSpec,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PortSpec {
    /// Every port of the protocol.
    All,
    /// An inclusive range (a single port is `n..=n`).
    Range(u16, u16),
    /// A container/endpoint port name.
    Named(String),
}

impl fmt::Display for PortMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let proto = self.protocol.map(|p| p.to_string());
        match (&self.ports, proto) {
            (PortSpec::All, Some(p)) => write!(f, "{p} (all ports)"),
            (PortSpec::All, None) => f.write_str("any port"),
            (PortSpec::Range(a, b), p) => {
                if a == b {
                    write!(f, "{a}")?;
                } else {
                    write!(f, "{a}-{b}")?;
                }
                if let Some(p) = p {
                    write!(f, "/{p}")?;
                }
                Ok(())
            }
            (PortSpec::Named(n), p) => {
                write!(f, "{n}")?;
                if let Some(p) = p {
                    write!(f, "/{p}")?;
                }
                Ok(())
            }
        }
    }
}

/// Which addresses a CIDR criterion can match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NetScope {
    /// Any address in range, pods included (Calico: `nets` has no selector).
    AnyAddress,
    /// Only addresses that are not cluster endpoints or nodes (Cilium: CIDR
    /// rules never match managed endpoints or node addresses).
    ExternalOnly,
}

/// An HTTP request matcher.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HttpMatch {
    /// ORed; empty matches any method; `*` matches any method (Dikastes).
    pub methods: Vec<String>,
    /// ORed; empty matches any path.
    pub paths: Vec<PathMatch>,
    /// How the request path is compared.
    #[serde(skip)]
    pub path_mode: PathMode,
}

/// How an HTTP request path is compared with path rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum PathMode {
    /// Query and fragment stripped, the rest compared as sent; a prefix is
    /// a plain string prefix.
    Raw,
    /// Normalised first (one percent-decoding, `\` to `/`, duplicate
    /// slashes, matrix parameters and dot segments removed); a prefix
    /// matches at segment boundaries; a path still holding an encoded
    /// separator or NUL matches nothing.
    #[default]
    Normalised,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PathMatch {
    Exact(String),
    Prefix(String),
}

impl fmt::Display for PathMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PathMatch::Exact(p) => write!(f, "exact {p}"),
            PathMatch::Prefix(p) => write!(f, "prefix {p}"),
        }
    }
}

/// One condition of a rule (or of a policy's subject). All criteria of a
/// rule are ANDed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Criterion {
    /// The flow's protocol is one of these (`negated`: none of them).
    Protocol { any_of: Vec<Proto>, negated: bool },
    /// The flow's address family.
    IpVersion { version: u8 },
    /// ICMP type and optional code (`negated`: notICMP).
    Icmp {
        icmp_type: u8,
        code: Option<u8>,
        negated: bool,
    },
    /// The address at `side` lies in one of `nets` (`negated`: in none).
    Nets {
        side: Side,
        nets: Vec<IpNet>,
        negated: bool,
        scope: NetScope,
    },
    /// Some labelled object owning the address at `side` (an endpoint, a
    /// host endpoint, a network set) matches the selector (`negated`: none
    /// does). `text` is the selector as written, `expr` after scoping.
    Selector {
        side: Side,
        expr: Expr,
        text: String,
        negated: bool,
    },
    /// The port at `side` is one of these (`negated`: none of them).
    Ports {
        side: Side,
        any_of: Vec<PortMatch>,
        negated: bool,
    },
    /// The address at `side` is a backend of the Service (post-DNAT); on
    /// the destination side the port must be one of its target ports.
    Service {
        side: Side,
        namespace: String,
        name: String,
    },
    /// At least one of the alternatives (each a conjunction) holds. Used
    /// for lists of peers or ports that are ORed, as in NetworkPolicy.
    AnyOf {
        what: String,
        alternatives: Vec<Alternative>,
    },
    /// An application-layer HTTP match. Enforced only when the dataplane
    /// has an application layer and the flow carries a request.
    Http(HttpMatch),
    /// An application-protocol policy enforced by a proxy on the port
    /// (Cilium's Envoy or proxylib parsers): the connection is admitted and
    /// each request must match one of the rules.
    L7(L7Match),
    /// The peer at `side` is one of these reserved identities (Cilium
    /// entities, and endpoint selectors on `reserved:` labels).
    Entities { side: Side, entities: Vec<Entity> },
    /// The address at `side` is a node (or a hostNetwork pod on it) other
    /// than the enforcing endpoint's own whose labels match (Cilium
    /// `fromNodes`/`toNodes`).
    Nodes {
        side: Side,
        expr: Expr,
        text: String,
    },
    /// The address at `side` was returned for a DNS name matching one of
    /// the patterns (Cilium `toFQDNs`, against the DNS table the user
    /// supplies). Cluster endpoints never match.
    Fqdn {
        side: Side,
        patterns: Vec<FqdnPattern>,
    },
    /// The allowed traffic must also pass mutual authentication between the
    /// two identities (Cilium `authentication.mode`).
    Auth { mode: AuthMode },
    /// Never holds: a rule that cannot match (fail-closed conversions,
    /// empty peer lists). `why` is shown in traces.
    Never { why: String },
}

/// Cilium's reserved identities, as policy entities name them
/// (SEMANTICS.md §C3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Entity {
    /// Everything, world included.
    All,
    /// Addresses outside the cluster, either family.
    World,
    WorldIpv4,
    WorldIpv6,
    /// Every endpoint of the local cluster and every node.
    Cluster,
    /// The node the enforcing endpoint runs on (and its hostNetwork pods).
    Host,
    /// Every other node (and their hostNetwork pods).
    RemoteNode,
    /// The Kubernetes API server.
    KubeApiserver,
    /// Cilium's Envoy ingress/Gateway API proxy.
    Ingress,
    /// Endpoints whose identity is not resolved yet.
    Init,
    /// Cilium's health-check endpoints.
    Health,
    /// Pods Cilium does not manage.
    Unmanaged,
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Entity::All => "all",
            Entity::World => "world",
            Entity::WorldIpv4 => "world-ipv4",
            Entity::WorldIpv6 => "world-ipv6",
            Entity::Cluster => "cluster",
            Entity::Host => "host",
            Entity::RemoteNode => "remote-node",
            Entity::KubeApiserver => "kube-apiserver",
            Entity::Ingress => "ingress",
            Entity::Init => "init",
            Entity::Health => "health",
            Entity::Unmanaged => "unmanaged",
        })
    }
}

/// A DNS name pattern (Cilium `matchName` / `matchPattern`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FqdnPattern {
    /// Exact, case-insensitive; a trailing dot is implied.
    Name(String),
    /// `*` is any run of DNS characters within one label; a leading `**.`
    /// any number (one or more) of labels; `*` alone every name. Compiled
    /// into the regex the dataplane builds from it.
    Pattern(Pattern),
}

impl fmt::Display for FqdnPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FqdnPattern::Name(n) => write!(f, "matchName {n}"),
            FqdnPattern::Pattern(p) => write!(f, "matchPattern {p}"),
        }
    }
}

/// Cilium `authentication.mode` values that constrain traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthMode {
    /// Mutual authentication must succeed.
    Required,
    /// Authentication always fails (Cilium's test mode).
    TestAlwaysFail,
}

/// The requests a proxy lets through on a port: one protocol's rules, any
/// of which may match; an empty list lets every request through.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "protocol", content = "rules", rename_all = "kebab-case")]
pub enum L7Match {
    Http(Vec<HttpRule>),
    Kafka(Vec<KafkaRule>),
    /// Query names (Cilium's DNS proxy).
    Dns(Vec<FqdnPattern>),
    /// A proxylib parser and its key/value rules.
    Generic {
        parser: Proxylib,
        rules: Vec<ProxylibRule>,
    },
    /// Rules the proxy cannot apply: no request passes (fail closed).
    Refused {
        /// The protocol as written.
        protocol: String,
        /// Each rule as written, for the trace.
        rules: Vec<String>,
        /// Why the rules cannot be applied.
        reason: String,
    },
}

/// A proxylib parser of cilium-envoy (libcilium/proxylib.go).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Proxylib {
    Cassandra,
    Memcache,
    R2d2,
    /// Registered but not modelled (`kafka` with key/value rules, the
    /// `test.*` parsers): the connection is admitted and its requests are
    /// judged by a parser polctl does not reproduce.
    Unmodelled(String),
}

impl Proxylib {
    /// The parser's name as an `l7proto` value.
    pub(crate) fn name(&self) -> &str {
        match self {
            Proxylib::Cassandra => "cassandra",
            Proxylib::Memcache => "memcache",
            Proxylib::R2d2 => "r2d2",
            Proxylib::Unmodelled(name) => name,
        }
    }
}

impl Serialize for Proxylib {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// A proxylib rule: its key/value pairs as written, and the values of the
/// keys the parser reads as regular expressions, compiled.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ProxylibRule {
    #[serde(flatten)]
    pub pairs: BTreeMap<String, String>,
    /// By key; the error text for a regex the parser would reject.
    #[serde(skip)]
    pub patterns: BTreeMap<String, Result<Pattern, String>>,
}

impl ProxylibRule {
    /// The compiled regex of a key.
    pub fn pattern(&self, key: &str) -> Option<&Result<Pattern, String>> {
        self.patterns.get(key)
    }
}

/// A Cilium HTTP rule: `method`, `path` and `host` are RE2 regular
/// expressions Envoy matches against the whole value; every header
/// condition must hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HttpRule {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Pattern>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<Pattern>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<Pattern>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HeaderRule>,
}

/// A header condition: presence (`value: None`) or an exact value. A rule
/// with a `mismatch` action still matches when the header differs; the
/// proxy logs or rewrites it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HeaderRule {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The value comes from a Kubernetes Secret polctl cannot read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mismatch: Option<String>,
}

/// Kafka API names by key number (Cilium `kafka.APIKeyMap`,
/// pkg/policy/api/kafka/kafka.go).
pub(crate) const KAFKA_API_KEYS: [&str; 34] = [
    "produce",
    "fetch",
    "offsets",
    "metadata",
    "leaderandisr",
    "stopreplica",
    "updatemetadata",
    "controlledshutdown",
    "offsetcommit",
    "offsetfetch",
    "findcoordinator",
    "joingroup",
    "heartbeat",
    "leavegroup",
    "syncgroup",
    "describegroups",
    "listgroups",
    "saslhandshake",
    "apiversions",
    "createtopics",
    "deletetopics",
    "deleterecords",
    "initproducerid",
    "offsetforleaderepoch",
    "addpartitionstotxn",
    "addoffsetstotxn",
    "endtxn",
    "writetxnmarkers",
    "txnoffsetcommit",
    "describeacls",
    "createacls",
    "deleteacls",
    "describeconfigs",
    "alterconfigs",
];

/// A Kafka rule as the proxy holds it (proxylib's kafkalib.NewRule after
/// Cilium's PortRule.Sanitize): parsed when lowered. A rule Cilium rejects
/// never gets here (the port's rules become [`L7Match::Refused`]).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct KafkaRule {
    /// The request types allowed; `None`: any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_keys: Option<KafkaApiKeys>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub api_version: Option<i16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
}

/// The request types (API key numbers) a Kafka rule allows, and how it
/// named them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KafkaApiKeys {
    /// `role` or `apiKey`.
    pub field: &'static str,
    /// The value as written (`produce`, `fetch`).
    pub written: String,
    pub keys: Vec<i16>,
}

/// One alternative of [`Criterion::AnyOf`].
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Alternative {
    /// How the trace names it, e.g. `from[1]`.
    pub label: String,
    pub criteria: Vec<Criterion>,
    #[serde(skip)]
    pub origin: Option<Span>,
}

/// An ordered rule of a policy or profile.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    /// How the trace names it, e.g. `ingress[0]`.
    pub label: String,
    pub action: Action,
    pub criteria: Vec<Criterion>,
    /// A note shown with the rule, e.g. a dialect quirk that shaped it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(skip)]
    pub origin: Option<Span>,
}

/// What a staged policy proposes (Calico `stagedAction`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Staged {
    /// Evaluated as if enforced in the pending verdict; replaces an
    /// enforced policy of the same identity.
    Set,
    /// The enforced policy of the same identity is removed in the pending
    /// verdict.
    Delete,
}

/// A policy as the evaluator sees it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Policy {
    /// The kind as written (`NetworkPolicy`, `GlobalNetworkPolicy`, ...).
    pub kind: String,
    pub dialect: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    /// Lower first; `None` after every ordered policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<f64>,
    /// Ties in `order` are broken by this string (version-dependent in
    /// Calico, SEMANTICS.md §A3).
    pub tie_break: String,
    /// Which endpoints the policy applies to, after scoping rewrites.
    pub subject: Expr,
    /// The subject selector as a reader would write it, for traces.
    pub subject_text: String,
    /// `None` when the policy does not govern that direction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ingress: Option<Vec<Rule>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub egress: Option<Vec<Rule>>,
    /// Per direction, whether selecting an endpoint makes the tier's
    /// default action apply to it (false for Cilium policies with
    /// `enableDefaultDeny: false`).
    pub isolates: Isolates,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub staged: Option<Staged>,
    /// The enforced kind the policy is, or for a staged policy the one it
    /// stands in for, as `dialect:kind` (`k8s:NetworkPolicy` for both a
    /// NetworkPolicy and a StagedKubernetesNetworkPolicy): a staged policy
    /// replaces or deletes the enforced policy of the same tier, enforced
    /// kind, namespace and name.
    #[serde(skip)]
    pub enforced_kind: String,
    #[serde(skip)]
    pub origin: Span,
}

impl Policy {
    pub fn rules(&self, direction: Direction) -> Option<&[Rule]> {
        match direction {
            Direction::Ingress => self.ingress.as_deref(),
            Direction::Egress => self.egress.as_deref(),
        }
    }

    /// `namespace/name`, or the name of a cluster-scoped policy.
    pub(crate) fn key(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{ns}/{}", self.name),
            None => self.name.clone(),
        }
    }

    /// `Kind tier/namespace/name`: the policy as a reachability edge or a
    /// diff names the one that decided. The kind is part of it because a
    /// NetworkPolicy and a CiliumNetworkPolicy (or a Calico
    /// NetworkPolicy) may share a namespace and a name.
    pub(crate) fn decider_name(&self, tier: &str) -> String {
        decider_name(&self.kind, tier, &self.key())
    }
}

/// [`Policy::decider_name`] from its parts: `kind`, the `tier` and the
/// policy's `namespace/name` key.
pub(crate) fn decider_name(kind: &str, tier: &str, key: &str) -> String {
    format!("{kind} {tier}/{key}")
}

/// Which directions a policy isolates the endpoints it selects in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Isolates {
    pub ingress: bool,
    pub egress: bool,
}

impl Isolates {
    pub(crate) const BOTH: Isolates = Isolates {
        ingress: true,
        egress: true,
    };

    pub(crate) fn get(self, direction: Direction) -> bool {
        match direction {
            Direction::Ingress => self.ingress,
            Direction::Egress => self.egress,
        }
    }
}

/// An ordered group of policies.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Tier {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<f64>,
    pub default_action: TierDefault,
    /// Sorted in evaluation order.
    pub policies: Vec<Policy>,
    #[serde(skip)]
    pub origin: Option<Span>,
}

/// Rules evaluated after every tier passed or none applied, plus labels the
/// endpoints using the profile inherit.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Profile {
    pub name: String,
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
    pub labels: Labels,
    /// Why the profile exists when no manifest defines it (e.g. "Calico
    /// creates kns.<namespace> for every namespace").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub implicit: Option<String>,
    #[serde(skip)]
    pub origin: Option<Span>,
}

impl Profile {
    pub fn rules(&self, direction: Direction) -> &[Rule] {
        match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

/// Rules that decide a host endpoint's traffic before any policy: the
/// first that matches allows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Failsafe {
    pub ingress: Vec<Rule>,
    pub egress: Vec<Rule>,
}

impl Failsafe {
    pub fn rules(&self, direction: Direction) -> &[Rule] {
        match direction {
            Direction::Ingress => &self.ingress,
            Direction::Egress => &self.egress,
        }
    }
}

/// The network plugin whose semantics are simulated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Cni {
    /// The Kubernetes API text, with no plugin-specific behaviour.
    K8s,
    Calico,
    Cilium,
}

impl fmt::Display for Cni {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Cni::K8s => "k8s",
            Cni::Calico => "calico",
            Cni::Cilium => "cilium",
        })
    }
}

/// A `major.minor` release of a network plugin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Version {
    pub major: u16,
    pub minor: u16,
}

impl Version {
    pub const fn new(major: u16, minor: u16) -> Version {
        Version { major, minor }
    }

    /// Parses `3.31`, `v3.31` or `3.31.2` (the patch level is ignored).
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.strip_prefix('v').unwrap_or(text);
        let mut parts = text.split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        if let Some(patch) = parts.next() {
            patch.parse::<u16>().ok()?;
        }
        if parts.next().is_some() {
            return None;
        }
        Some(Version { major, minor })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl Serialize for Version {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The dataplane behaviour being simulated: the explicit inputs that make
/// version- and plugin-specific semantics reproducible. Shown in every
/// trace.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dataplane {
    pub cni: Cni,
    /// Why this CNI: `"--cni"` or what auto-detection saw.
    pub cni_reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub calico_version: Option<Version>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cilium_version: Option<Version>,
    /// Whether HTTP rules are enforced (Calico application layer policy,
    /// Cilium's Envoy proxy).
    pub app_layer: bool,
}

/// The compiled policy of a whole cluster.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PolicySet {
    pub dataplane: Dataplane,
    /// Sorted in evaluation order.
    pub tiers: Vec<Tier>,
    pub profiles: BTreeMap<String, Profile>,
    /// Profiles every pod gets, in order, with `{namespace}` and
    /// `{serviceaccount}` substituted (Calico: `kns.{namespace}`,
    /// `ksa.{namespace}.{serviceaccount}`).
    pub pod_profiles: Vec<String>,
    /// Nodes, and the hostNetwork pods on them, are endpoints that
    /// policies select by the host label (Cilium's host firewall).
    pub host_firewall: bool,
    /// What host endpoints allow before any policy.
    pub failsafe: Failsafe,
}

impl PolicySet {
    /// The profile names a pod in `namespace` running as `service_account`
    /// uses, in order.
    pub(crate) fn profiles_for_pod(&self, namespace: &str, service_account: &str) -> Vec<String> {
        self.pod_profiles
            .iter()
            .map(|p| {
                p.replace("{namespace}", namespace)
                    .replace("{serviceaccount}", service_account)
            })
            .collect()
    }

    /// Every policy with its tier, in evaluation order.
    pub fn policies(&self) -> impl Iterator<Item = (&Tier, &Policy)> {
        self.tiers
            .iter()
            .flat_map(|t| t.policies.iter().map(move |p| (t, p)))
    }
}

/// The label universe selectors in the IR are written against: an
/// endpoint's own labels plus the ones Calico adds (SEMANTICS.md §B2).
/// Every dialect's selectors compile into these keys.
pub(crate) mod implicit {
    /// `projectcalico.org/namespace=<ns>` on pods and namespaced network sets.
    pub(crate) const NAMESPACE: &str = "projectcalico.org/namespace";
    /// `projectcalico.org/orchestrator=k8s` on pods.
    pub(crate) const ORCHESTRATOR: &str = "projectcalico.org/orchestrator";
    /// `projectcalico.org/serviceaccount=<sa>` on pods (names under 63 characters).
    pub(crate) const SERVICE_ACCOUNT: &str = "projectcalico.org/serviceaccount";
    /// Prefix of labels inherited from the namespace (`kns.<ns>` profile).
    pub(crate) const NAMESPACE_PREFIX: &str = "pcns.";
    /// Prefix of labels inherited from the service account (`ksa.*` profile).
    pub(crate) const SERVICE_ACCOUNT_PREFIX: &str = "pcsa.";
    /// `pcns.projectcalico.org/name=<ns>` and `pcsa.projectcalico.org/name=<sa>`.
    pub(crate) const NAME: &str = "projectcalico.org/name";
    /// Carried by nodes as Cilium host endpoints (`reserved:host`); no
    /// Kubernetes label can have this key, so pods never match it.
    pub(crate) const HOST: &str = "reserved:host";

    /// Whether a label key is one of the added ones (namespace, service
    /// account, orchestrator, inherited), not one the user wrote.
    pub(crate) fn is_added(key: &str) -> bool {
        key.starts_with("projectcalico.org/")
            || key.starts_with(NAMESPACE_PREFIX)
            || key.starts_with(SERVICE_ACCOUNT_PREFIX)
    }
}
