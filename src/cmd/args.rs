//! Flag groups that only some commands read. Each command includes, with
//! `#[command(flatten)]`, exactly the groups it honours, so clap refuses a
//! flag the command would otherwise ignore (exit 2).

use std::path::PathBuf;

use clap::builder::{EnumValueParser, PossibleValue, TypedValueParser};
use clap::{Args, ValueEnum};

use super::error::UsageError;
use crate::dialect::lower::{self, Choice};
use crate::model::policy::{Cni, Version};
use crate::model::{Cluster, IpFamily};
use crate::selector::parse_kubectl;
use crate::sim::reach::{Filter, NodeMatch, PortFilter};
use crate::sim::request::{self, Field};
use crate::sim::resolve::{Reference, parse_protocol};

/// The namespace bare names resolve in when `-n` is not given (kubectl's).
pub(crate) const DEFAULT_NAMESPACE: &str = "default";

/// Where manifests come from.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Input")]
pub struct InputArgs {
    /// Manifest file, directory, or `-` for stdin (repeatable)
    #[arg(short = 'f', long = "filename", value_name = "PATH")]
    pub filename: Vec<PathBuf>,
    /// Read directories given with -f recursively
    #[arg(short = 'R', long)]
    pub recursive: bool,
}

/// `-n` for commands that name endpoints: the namespace of a bare `NAME`.
#[derive(Debug, Args, Clone, Default)]
pub struct NamespaceArgs {
    /// Namespace that bare names (`NAME` instead of `NAMESPACE/NAME`) are in [default: default]
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

impl NamespaceArgs {
    /// The namespace of a bare name: `-n`, else `default`.
    pub fn resolve(&self) -> &str {
        resolve_namespace(self.namespace.as_deref())
    }
}

/// The one place the default namespace is decided.
pub(crate) fn resolve_namespace(namespace: Option<&str>) -> &str {
    namespace.unwrap_or(DEFAULT_NAMESPACE)
}

/// `-n`/`-A` for commands that list objects of a namespace, as kubectl's.
#[derive(Debug, Args, Clone, Default)]
pub struct ScopeArgs {
    /// Namespace to list [default: default]
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
    /// List every namespace
    #[arg(short = 'A', long, conflicts_with = "namespace")]
    pub all_namespaces: bool,
}

impl ScopeArgs {
    /// The namespace to list; `None` means every namespace.
    pub(crate) fn filter(&self) -> Option<&str> {
        (!self.all_namespaces).then(|| resolve_namespace(self.namespace.as_deref()))
    }
}

/// `-l` for commands that filter what they list by labels.
#[derive(Debug, Args, Clone, Default)]
pub struct SelectorArgs {
    /// Label selector to filter on, kubectl syntax (`app=web,tier!=db,env in (a,b)`)
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
}

/// The graph's filters, for commands whose result is a set of node pairs
/// (`graph`, `diff`).
#[derive(Debug, Args, Clone, Default)]
pub struct GraphFilterArgs {
    /// Only edges from these workloads (see references below)
    #[arg(long, value_name = "REF|SELECTOR")]
    pub from: Option<String>,
    /// Only edges to these workloads
    #[arg(long, value_name = "REF|SELECTOR")]
    pub to: Option<String>,
    /// Only edges that allow this destination port (`5432`, `53/UDP`)
    #[arg(long, value_name = "PORT[/PROTO]")]
    pub port: Option<String>,
    /// Only this workload and the edges to and from it
    #[arg(long, value_name = "REF|SELECTOR")]
    pub focus: Option<String>,
    /// Leave out external address ranges
    #[arg(long)]
    pub exclude_external: bool,
    /// Only workloads of this namespace (and the edges between them); bare names are in it
    #[arg(short = 'n', long, value_name = "NAMESPACE")]
    pub namespace: Option<String>,
}

/// `--ip-family` for commands that compute reachability (`graph`,
/// `diff`): a flow stays within one address family, so a dual-stack pod
/// has one set of connections per family.
#[derive(Debug, Args, Clone, Default)]
pub struct IpFamilyArgs {
    /// Show one address family: pods are taken at their addresses of that
    /// family, and pods without one are left out [default: each pod at its
    /// first IPv4 address, else its IPv6 one]
    #[arg(long, value_enum, value_name = "FAMILY")]
    pub ip_family: Option<IpFamilyArg>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum IpFamilyArg {
    Ipv4,
    Ipv6,
}

impl IpFamilyArgs {
    /// `cluster` as the family asked for sees it (as loaded without
    /// `--ip-family`).
    pub(crate) fn view(&self, cluster: Cluster) -> Cluster {
        match self.ip_family {
            Some(IpFamilyArg::Ipv4) => cluster.family_view(IpFamily::V4),
            Some(IpFamilyArg::Ipv6) => cluster.family_view(IpFamily::V6),
            None => cluster,
        }
    }
}

/// The dataplane being simulated: explicit inputs for plugin- and
/// version-specific behaviour (auto-detected from the loaded kinds).
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Dataplane")]
pub struct DataplaneArgs {
    /// Network plugin whose semantics apply [default: detected from the loaded kinds]
    #[arg(long, value_enum, value_name = "CNI")]
    pub cni: Option<CniArg>,
    /// Calico release (3.29-3.32): tie-breaks, AdminNetworkPolicy vs ClusterNetworkPolicy, HTTP path matching
    #[arg(long, value_name = "X.Y", value_parser = parse_calico_version)]
    pub calico_version: Option<Version>,
    /// Cilium release (1.15-1.20): how an egress named port resolves
    #[arg(long, value_name = "X.Y", value_parser = parse_cilium_version)]
    pub cilium_version: Option<Version>,
    /// No application layer: HTTP rules act as plain L3/L4 rules
    #[arg(long)]
    pub no_app_layer: bool,
    /// A DNS answer Cilium's proxy saw, for toFQDNs rules (repeatable)
    #[arg(long, value_name = "NAME=IP[,IP]")]
    pub dns: Vec<String>,
    /// DNS answers in /etc/hosts form (`IP NAME...` per line)
    #[arg(long, value_name = "FILE")]
    pub dns_file: Vec<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CniArg {
    K8s,
    Calico,
    Cilium,
}

/// A release of a dataplane polctl models, `oldest..=newest`.
fn parse_modelled(
    text: &str,
    name: &str,
    oldest: Version,
    newest: Version,
) -> Result<Version, String> {
    let version =
        Version::parse(text).ok_or_else(|| format!("`{text}` is not a version like {newest}"))?;
    if (oldest..=newest).contains(&version) {
        Ok(version)
    } else {
        Err(format!(
            "polctl models {name} {oldest} to {newest}, not {version}"
        ))
    }
}

fn parse_calico_version(text: &str) -> Result<Version, String> {
    parse_modelled(text, "Calico", lower::CALICO_OLDEST, lower::CALICO_LATEST)
}

fn parse_cilium_version(text: &str) -> Result<Version, String> {
    parse_modelled(text, "Cilium", lower::CILIUM_OLDEST, lower::CILIUM_NEWEST)
}

impl DataplaneArgs {
    /// The dataplane choice, or the usage error of a contradictory one.
    pub(crate) fn choice(&self) -> Result<Choice, UsageError> {
        let cni = self.cni.map(|c| match c {
            CniArg::K8s => Cni::K8s,
            CniArg::Calico => Cni::Calico,
            CniArg::Cilium => Cni::Cilium,
        });
        if let (Some(version), Some(cni @ (Cni::K8s | Cni::Cilium))) = (self.calico_version, cni) {
            return Err(UsageError::VersionForOtherCni {
                flag: "--calico-version",
                version,
                wants: "calico",
                cni,
            });
        }
        if let (Some(version), Some(cni @ (Cni::K8s | Cni::Calico))) = (self.cilium_version, cni) {
            return Err(UsageError::VersionForOtherCni {
                flag: "--cilium-version",
                version,
                wants: "cilium",
                cni,
            });
        }
        Ok(Choice {
            cni,
            calico_version: self.calico_version,
            cilium_version: self.cilium_version,
            app_layer: !self.no_app_layer,
        })
    }
}

/// Formats that draw a graph: only `polctl graph` has one to draw.
const DIAGRAMS: &[&str] = &["dot", "mermaid", "svg", "html"];

/// The `-o` parser of a command whose formats are `F`: clap's enum parser,
/// with a pointer to `polctl graph` when a diagram format is asked of a
/// command that has no graph.
#[derive(Clone)]
pub(crate) struct FormatParser<F: ValueEnum + Clone + Send + Sync + 'static>(EnumValueParser<F>);

impl<F: ValueEnum + Clone + Send + Sync + 'static> FormatParser<F> {
    pub(crate) fn new() -> Self {
        FormatParser(EnumValueParser::new())
    }
}

impl<F: ValueEnum + Clone + Send + Sync + 'static> Default for FormatParser<F> {
    fn default() -> Self {
        Self::new()
    }
}

impl<F: ValueEnum + Clone + Send + Sync + 'static> TypedValueParser for FormatParser<F> {
    type Value = F;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<F, clap::Error> {
        self.0.parse_ref(cmd, arg, value).map_err(|e| {
            let text = value.to_string_lossy();
            if !DIAGRAMS.contains(&text.as_ref()) {
                return e;
            }
            let formats: Vec<String> = F::value_variants()
                .iter()
                .filter_map(|v| v.to_possible_value().map(|p| p.get_name().to_string()))
                .collect();
            let mut err = clap::Error::raw(
                clap::error::ErrorKind::InvalidValue,
                format!(
                    "-o {text} draws a graph: only `polctl graph` and `polctl diff` take it\n\n\
                     tip: `polctl {}` prints {}; `polctl graph -o {text}` draws the reachability graph\n",
                    cmd.get_name(),
                    formats.join(", ")
                ),
            );
            err = err.with_cmd(cmd);
            err
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        self.0.possible_values()
    }
}

impl GraphFilterArgs {
    /// The filter these flags describe, or the usage error of a bad one.
    pub(crate) fn filter(&self) -> Result<Filter, UsageError> {
        let args = self;
        let port = args
            .port
            .as_deref()
            .map(|text| {
                let (num, proto) = text.split_once('/').unwrap_or((text, "TCP"));
                let port = num.parse::<u16>().ok().filter(|p| *p > 0);
                match (port, parse_protocol(proto)) {
                    (Some(port), Ok(protocol)) => Ok(PortFilter { protocol, port }),
                    (None, _) => Err("the port must be a number 1-65535".to_string()),
                    (_, Err(e)) => Err(e),
                }
            })
            .transpose()
            .map_err(|e| UsageError::value("--port", args.port.clone().unwrap_or_default(), e))?;
        let bare = resolve_namespace(args.namespace.as_deref());
        let node = |flag, text: &Option<String>| {
            text.as_deref()
                .map(|t| node_match(flag, t, bare))
                .transpose()
        };
        Ok(Filter {
            namespace: args.namespace.clone(),
            from: node("--from", &args.from)?,
            to: node("--to", &args.to)?,
            port,
            focus: node("--focus", &args.focus)?,
            exclude_external: args.exclude_external,
        })
    }
}

/// A workload reference, a label selector, or an address; a bare name is
/// in `namespace`.
fn node_match(flag: &'static str, text: &str, namespace: &str) -> Result<NodeMatch, UsageError> {
    if let Ok(net) = text.parse::<ipnet::IpNet>() {
        return Ok(NodeMatch::Addresses(net));
    }
    if let Ok(ip) = text.parse::<std::net::IpAddr>() {
        return Ok(NodeMatch::Addresses(ip.into()));
    }
    let is_selector = text.contains(['=', '!', '(', ',', ' ']);
    if !is_selector {
        // Graph nodes are workloads and address ranges: no prefixes.
        request::end(Field::From, text, &[]).map_err(|e| UsageError::Reference {
            flag,
            reference: e.value.clone(),
            message: e.message,
            help: e.help,
        })?;
    }
    if is_selector {
        return parse_kubectl(text)
            .map(NodeMatch::Selector)
            .map_err(|e| UsageError::Selector {
                flag,
                message: e.message.clone(),
                text: text.to_string(),
                span: (e.offset, e.len).into(),
            });
    }
    // Before loading, a kind word is a kind, never a namespace.
    let r = Reference::parse(text, &|_| false);
    Ok(NodeMatch::Name {
        namespace: Some(r.namespace.unwrap_or(namespace).to_string()),
        kind: r.kind.map(str::to_string),
        name: r.name.to_string(),
    })
}

/// Which cluster to talk to: kubectl's `--kubeconfig` and `--context`.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Cluster")]
pub struct ConnectionArgs {
    /// The kubeconfig file [default: the files in KUBECONFIG, else ~/.kube/config, else the pod's service account]
    #[arg(long, value_name = "PATH")]
    pub kubeconfig: Option<PathBuf>,
    /// The kubeconfig context [default: its current context]
    #[arg(long, value_name = "NAME")]
    pub context: Option<String>,
}

impl ConnectionArgs {
    pub(crate) fn options(&self) -> crate::cluster::ClusterOptions {
        crate::cluster::ClusterOptions {
            kubeconfig: self.kubeconfig.clone(),
            context: self.context.clone(),
        }
    }

    /// The first connection flag given, for refusing it where unused.
    pub(crate) fn given(&self) -> Option<&'static str> {
        if self.kubeconfig.is_some() {
            Some("--kubeconfig")
        } else if self.context.is_some() {
            Some("--context")
        } else {
            None
        }
    }
}

/// `--from-cluster`: the live state as input, the files of `-f` layered
/// over it.
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Cluster")]
pub struct ClusterArgs {
    /// Read the live cluster; files given with -f are layered over it (a file's object replaces the live one of the same name, as kubectl apply would)
    #[arg(long)]
    pub from_cluster: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

impl ClusterArgs {
    /// Whether to read the live cluster; a connection flag without
    /// `--from-cluster` would be ignored, so it is refused.
    pub(crate) fn wanted(&self) -> Result<bool, UsageError> {
        match (self.from_cluster, self.connection.given()) {
            (false, Some(flag)) => Err(UsageError::Flow {
                message: format!("{flag} is read only with --from-cluster"),
                help: Some(format!(
                    "add --from-cluster to read the live cluster, or leave out {flag}"
                )),
            }),
            (wanted, _) => Ok(wanted),
        }
    }
}
