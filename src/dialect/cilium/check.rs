//! What Cilium rejects after typing: `Rule.Sanitize` and friends
//! (`pkg/policy/api/rule_validation.go`), the CRD's one-of constraints, the
//! Kafka rule checks, and the proxylib parsers' key checks for `l7proto`.

use super::{
    CidrRule, CiliumNetworkPolicy, EndpointSelector, FqdnSelector, IcmpRule, IcmpType, L4Proto,
    L7Rule, L7Rules, PortRule, PortRuleHttp, Removed, Rule, Service, icmp_type_by_name,
};
use crate::dialect::calico::trim_span;
use crate::dialect::common::{LabelSelector, SelectorOperator};
use crate::model::{Span, Spanned};
use crate::selector::{validate_k8s_label_key, validate_k8s_label_value};
use crate::syntax::Problem;

const MAX_PORTS: usize = 40;
const MAX_ICMP_FIELDS: usize = 40;

/// Reports what Cilium would reject in a CiliumNetworkPolicy or
/// CiliumClusterwideNetworkPolicy. Spans point at the offending value.
pub(crate) fn check(policy: &CiliumNetworkPolicy, source_text: &str, out: &mut Vec<Problem>) {
    let first = out.len();
    if policy.spec.is_none() && policy.specs.is_none() {
        out.push(
            Problem::new(
                policy.kind.span,
                format!("a {} needs `spec` or `specs`", policy.kind.value),
            )
            .help("add `spec:` with an endpointSelector and rules"),
        );
    }
    let mut ctx = Ctx {
        out,
        clusterwide: policy.is_clusterwide(),
    };
    for rule in policy.rules() {
        ctx.rule(rule);
    }
    for p in &mut out[first..] {
        p.span = trim_span(p.span, source_text);
    }
}

/// Checks a Cilium selector label key: an optional source (`k8s:`, `any:`,
/// `reserved:`, `cidr:`, ..., or `$` for `reserved:`) and a key; Cilium
/// validates `<source>.<key>` as a Kubernetes label key, with source `any`
/// when none is given.
pub(crate) fn check_selector_key(key: &str) -> Result<(), String> {
    let (source, rest) = if let Some(rest) = key.strip_prefix('$') {
        ("reserved", rest)
    } else if let Some((source, rest)) = key.split_once(':') {
        (if source.is_empty() { "any" } else { source }, rest)
    } else if let Some(rest) = key.strip_prefix("reserved.") {
        ("reserved", rest)
    } else {
        ("any", key)
    };
    if rest.is_empty() {
        return Err("the key after the source is empty".to_string());
    }
    validate_k8s_label_key(&format!("{source}.{rest}"))
        .map_err(|e| format!("{e} (checked as `{source}.{rest}`)"))
}

/// Which section a rule is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Section {
    Ingress,
    IngressDeny,
    Egress,
    EgressDeny,
}

impl Section {
    fn ingress(self) -> bool {
        matches!(self, Section::Ingress | Section::IngressDeny)
    }

    fn deny(self) -> bool {
        matches!(self, Section::IngressDeny | Section::EgressDeny)
    }

    fn name(self) -> &'static str {
        match self {
            Section::Ingress => "ingress",
            Section::IngressDeny => "ingressDeny",
            Section::Egress => "egress",
            Section::EgressDeny => "egressDeny",
        }
    }
}

/// The parts of an ingress/egress (allow or deny) rule the checks look at.
struct Parts<'a> {
    section: Section,
    l3: Vec<(&'static str, Span)>,
    requires: Option<(&'static str, &'a [Spanned<Removed>])>,
    selectors: Vec<&'a Spanned<EndpointSelector>>,
    cidr_sets: &'a [Spanned<CidrRule>],
    services: &'a [Spanned<Service>],
    fqdns: &'a [Spanned<FqdnSelector>],
    to_ports: &'a [Spanned<PortRule>],
    icmps: &'a [Spanned<IcmpRule>],
}

macro_rules! ingress_parts {
    ($r:expr, $section:expr) => {{
        let r = $r;
        Parts {
            section: $section,
            l3: r.l3_members(),
            requires: r.from_requires.as_deref().map(|l| ("fromRequires", l)),
            selectors: r
                .from_endpoints
                .iter()
                .flatten()
                .chain(r.from_nodes.iter().flatten())
                .collect(),
            cidr_sets: r.from_cidr_set.as_deref().unwrap_or_default(),
            services: &[],
            fqdns: &[],
            to_ports: r.to_ports.as_deref().unwrap_or_default(),
            icmps: r.icmps.as_deref().unwrap_or_default(),
        }
    }};
}

macro_rules! egress_parts {
    ($r:expr, $section:expr) => {{
        let r = $r;
        Parts {
            section: $section,
            l3: r.l3_members(),
            requires: r.to_requires.as_deref().map(|l| ("toRequires", l)),
            selectors: r
                .to_endpoints
                .iter()
                .flatten()
                .chain(r.to_nodes.iter().flatten())
                .collect(),
            cidr_sets: r.to_cidr_set.as_deref().unwrap_or_default(),
            services: r.to_services.as_deref().unwrap_or_default(),
            fqdns: r.to_fqdns.as_deref().unwrap_or_default(),
            to_ports: r.to_ports.as_deref().unwrap_or_default(),
            icmps: r.icmps.as_deref().unwrap_or_default(),
        }
    }};
}

struct Ctx<'a> {
    out: &'a mut Vec<Problem>,
    clusterwide: bool,
}

impl Ctx<'_> {
    fn push(&mut self, p: Problem) {
        self.out.push(p);
    }

    fn rule(&mut self, rule: &Spanned<Rule>) {
        let r = &rule.value;
        match (&r.endpoint_selector, &r.node_selector) {
            (None, None) => self.push(
                Problem::new(rule.span, "a rule needs endpointSelector or nodeSelector")
                    .help("`endpointSelector: {}` selects every endpoint the policy can apply to"),
            ),
            (Some(_), Some(node)) => {
                self.push(Problem::new(
                    node.span,
                    "endpointSelector and nodeSelector cannot both be set",
                ));
            }
            _ => {}
        }
        if let Some(node) = &r.node_selector
            && !self.clusterwide
        {
            self.push(
                Problem::new(
                    node.span,
                    "nodeSelector is only allowed in a CiliumClusterwideNetworkPolicy",
                )
                .help("use endpointSelector, or make the policy clusterwide"),
            );
        }
        if r.ingress.is_empty()
            && r.ingress_deny.is_empty()
            && r.egress.is_empty()
            && r.egress_deny.is_empty()
        {
            self.push(
                Problem::new(
                    rule.span,
                    "a rule needs at least one of ingress, ingressDeny, egress or egressDeny",
                )
                .help("`ingress: [{}]` puts the endpoints into ingress default-deny"),
            );
        }
        for sel in r.endpoint_selector.iter().chain(&r.node_selector) {
            self.selector(sel);
        }
        if let Some(value) = r.log.as_ref().and_then(|l| l.value.as_ref())
            && (value.chars().count() > 32 || value.chars().any(char::is_control))
        {
            self.push(Problem::new(
                value.span,
                "log.value is at most 32 printable characters",
            ));
        }
        let host = r.node_selector.is_some();
        for ing in &r.ingress {
            self.parts(&ingress_parts!(&ing.value, Section::Ingress), host);
        }
        for ing in &r.ingress_deny {
            self.parts(&ingress_parts!(&ing.value, Section::IngressDeny), host);
        }
        for eg in &r.egress {
            self.parts(&egress_parts!(&eg.value, Section::Egress), host);
        }
        for eg in &r.egress_deny {
            self.parts(&egress_parts!(&eg.value, Section::EgressDeny), host);
        }
    }

    fn parts(&mut self, p: &Parts<'_>, host: bool) {
        if let [(first, _), (second, at), ..] = p.l3.as_slice() {
            self.push(
                Problem::new(
                    *at,
                    format!("{second} cannot be combined with {first} in one rule"),
                )
                .help("Cilium allows one kind of peer per rule; split it into separate rules"),
            );
        }
        if p.section == Section::EgressDeny
            && let Some(f) = p.fqdns.first()
        {
            self.push(
                Problem::new(f.span, "egressDeny rules cannot use toFQDNs")
                    .help("deny by toCIDR/toCIDRSet, or allow only the names you want"),
            );
        }
        if let Some((name, items)) = p.requires
            && let Some(first) = items.first()
        {
            self.push(
                Problem::new(
                    first.span,
                    format!("{name} was removed in Cilium 1.19 (deprecated since 1.17)"),
                )
                .help("add the required labels to each selector's matchLabels instead"),
            );
        }
        for sel in &p.selectors {
            self.selector(sel);
        }
        for set in p.cidr_sets {
            self.cidr_rule(set);
        }
        for svc in p.services {
            if let Some(s) = &svc.k8s_service_selector {
                self.selector(&s.selector);
            }
        }
        for f in p.fqdns {
            self.fqdn(f);
        }
        if let (Some(icmp), false) = (p.icmps.first(), p.to_ports.is_empty()) {
            self.push(
                Problem::new(
                    icmp.span,
                    "icmps cannot be combined with toPorts in one rule",
                )
                .help("define a separate rule for the ICMP types"),
            );
        }
        for icmp in p.icmps {
            self.icmp(icmp);
        }
        for port_rule in p.to_ports {
            self.port_rule(port_rule, p.section, host);
        }
    }

    fn cidr_rule(&mut self, set: &Spanned<CidrRule>) {
        let group_ref = set.cidr_group_ref.as_ref().filter(|r| !r.is_empty());
        let count = usize::from(set.cidr.is_some())
            + usize::from(group_ref.is_some())
            + usize::from(set.cidr_group_selector.is_some());
        if count == 0 {
            self.push(Problem::new(
                set.span,
                "a CIDR rule needs one of cidr, cidrGroupRef or cidrGroupSelector",
            ));
        } else if count > 1 {
            self.push(Problem::new(
                set.span,
                "set only one of cidr, cidrGroupRef and cidrGroupSelector",
            ));
        }
        if let Some(sel) = &set.cidr_group_selector {
            let key = |k: &str| validate_k8s_label_key(&format!("cidrgroup.{k}"));
            label_selector(sel, &key, self.out);
        }
        match &set.cidr {
            Some(cidr) => {
                for except in &set.except {
                    if !cidr.net.contains(&except.net.addr()) {
                        self.push(Problem::new(
                            except.span,
                            format!(
                                "except `{}` is not inside cidr `{}`",
                                except.text, cidr.text
                            ),
                        ));
                    }
                }
            }
            None => {
                if let Some(except) = set.except.first() {
                    self.push(
                        Problem::new(except.span, "except only applies to `cidr`")
                            .help("exceptions to CIDR groups are not supported"),
                    );
                }
            }
        }
    }

    fn fqdn(&mut self, f: &Spanned<FqdnSelector>) {
        match (&f.match_name, &f.match_pattern) {
            (Some(_), Some(_)) => self.push(Problem::new(
                f.span,
                "set matchName or matchPattern, not both",
            )),
            (None, None) => self.push(Problem::new(f.span, "set matchName or matchPattern")),
            _ => {}
        }
        if let Some(name) = &f.match_name
            && !is_dns_name(name, false)
        {
            self.push(
                Problem::new(name.span, format!("invalid matchName `{}`", name.value)).help(
                    "a DNS name of letters, digits, `-` and `_`, with single dots between labels",
                ),
            );
        }
        if let Some(pattern) = &f.match_pattern
            && !is_dns_name(pattern, true)
        {
            self.push(
                Problem::new(
                    pattern.span,
                    format!("invalid matchPattern `{}`", pattern.value),
                )
                .help("a DNS name where `*` matches within a label, e.g. `*.example.com`"),
            );
        }
    }

    fn icmp(&mut self, icmp: &Spanned<IcmpRule>) {
        if icmp.fields.len() > MAX_ICMP_FIELDS {
            self.push(Problem::new(
                icmp.span,
                format!("too many ICMP types: at most {MAX_ICMP_FIELDS}"),
            ));
        }
        for field in &icmp.fields {
            if let IcmpType::Name(name) = &field.icmp_type.value {
                let family = field.family();
                if icmp_type_by_name(family, name).is_none() {
                    self.push(
                        Problem::new(
                            field.icmp_type.span,
                            format!("`{name}` is not an {family:?} ICMP type"),
                        )
                        .help("use a number 0-255 or a name such as EchoRequest"),
                    );
                }
            }
        }
    }

    fn port_rule(&mut self, pr: &Spanned<PortRule>, section: Section, host: bool) {
        let rules = pr.rules.as_ref().filter(|r| !r.is_empty());
        if section.deny() {
            if let Some(rules) = rules {
                self.push(
                    Problem::new(
                        rules.span,
                        format!("{} rules cannot have L7 rules", section.name()),
                    )
                    .help("deny policies are L3/L4 only; put L7 rules in an allow rule"),
                );
            }
            let extra = [
                pr.terminating_tls.as_ref().map(|t| t.span),
                pr.originating_tls.as_ref().map(|t| t.span),
                pr.server_names.first().map(|s| s.span),
                pr.listener.as_ref().map(|l| l.span),
            ];
            if let Some(at) = extra.into_iter().flatten().next() {
                self.push(Problem::new(
                    at,
                    format!("{} toPorts can only list ports", section.name()),
                ));
            }
        }
        if pr.ports.len() > MAX_PORTS {
            self.push(Problem::new(
                pr.span,
                format!("too many ports: at most {MAX_PORTS}"),
            ));
        }
        let dns = rules.is_some_and(|r| r.dns.as_ref().is_some_and(|d| !d.is_empty()));
        for port in &pr.ports {
            let proto = port.protocol();
            let at = port.protocol.as_ref().map_or(port.span, |p| p.span);
            match &port.port {
                None if !matches!(proto, L4Proto::Vrrp | L4Proto::Igmp) => self.push(
                    Problem::new(port.span, "a port entry needs `port`")
                        .help("use `port: \"0\"` for every port"),
                ),
                Some(p)
                    if matches!(proto, L4Proto::Vrrp | L4Proto::Igmp)
                        && p.value != super::CiliumPort::Number(0) =>
                {
                    self.push(Problem::new(
                        p.span,
                        format!("{proto} has no ports: leave `port` empty or \"0\""),
                    ));
                }
                _ => {}
            }
            let number = match port.port.as_ref().map(|p| &p.value) {
                Some(super::CiliumPort::Number(n)) => Some(*n),
                _ => None,
            };
            if let (Some(end), Some(start)) = (&port.end_port, number) {
                if end.value.0 != 0 && end.value.0 < start {
                    self.push(Problem::new(
                        end.span,
                        format!("endPort {} is below port {start}", end.value.0),
                    ));
                }
                if dns && end.value.0 > start {
                    self.push(Problem::new(
                        end.span,
                        "DNS rules do not support port ranges",
                    ));
                }
            }
            if rules.is_some() && !dns {
                if proto != L4Proto::Tcp {
                    self.push(
                        Problem::new(at, format!("L7 rules need protocol TCP, not {proto}"))
                            .help("set `protocol: TCP`; only DNS rules work on UDP"),
                    );
                }
                if number == Some(0) {
                    self.push(Problem::new(
                        port.span,
                        "L7 rules cannot be used with port 0",
                    ));
                }
            }
        }
        if let Some(listener) = &pr.listener {
            if section.ingress() {
                self.push(Problem::new(
                    listener.span,
                    "a listener is not allowed on ingress",
                ));
            }
            if rules.is_some() {
                self.push(Problem::new(
                    listener.span,
                    "a listener cannot be combined with L7 rules",
                ));
            }
        }
        for name in &pr.server_names {
            if name.is_empty() {
                self.push(Problem::new(name.span, "empty server name"));
            }
        }
        if let (Some(first), Some(_), None) = (pr.server_names.first(), rules, &pr.terminating_tls)
        {
            self.push(
                Problem::new(first.span, "serverNames with L7 rules need terminatingTLS")
                    .help("the proxy must terminate TLS to see L7 requests"),
            );
        }
        for tls in [&pr.terminating_tls, &pr.originating_tls]
            .into_iter()
            .flatten()
        {
            if tls.secret.name.is_empty() {
                self.push(Problem::new(tls.secret.name.span, "secret name missing"));
            }
        }
        if let Some(rules) = rules
            && !section.deny()
        {
            self.l7(rules, pr.ports.is_empty(), section, host);
        }
    }

    fn l7(&mut self, rules: &Spanned<L7Rules>, no_ports: bool, section: Section, host: bool) {
        let kinds: Vec<&str> = [
            (rules.http.is_some(), "http"),
            (rules.kafka.is_some(), "kafka"),
            (rules.dns.is_some(), "dns"),
            (rules.l7proto.is_some(), "l7proto"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect();
        if kinds.len() > 1 {
            self.push(
                Problem::new(
                    rules.span,
                    format!(
                        "only one kind of L7 rule per port rule (found {})",
                        kinds.join(", ")
                    ),
                )
                .help("use a separate toPorts entry for each kind"),
            );
        }
        if rules.l7.is_some() && rules.l7proto.is_none() {
            self.push(
                Problem::new(rules.span, "`l7` needs `l7proto`")
                    .help("name the parser, e.g. `l7proto: cassandra`"),
            );
        }
        if let Some(dns) = rules.dns.as_ref().filter(|d| !d.is_empty()) {
            if section.ingress() {
                self.push(Problem::new(
                    rules.span,
                    "DNS rules are not allowed on ingress",
                ));
            }
            if no_ports {
                self.push(
                    Problem::new(rules.span, "DNS rules need a port")
                        .help("add `ports: [{port: \"53\", protocol: ANY}]`"),
                );
            }
            for f in dns {
                self.fqdn(f);
            }
        }
        if host {
            if section.ingress() {
                self.push(Problem::new(
                    rules.span,
                    "L7 rules are not supported on host ingress",
                ));
            } else if rules.http.as_ref().is_some_and(|h| !h.is_empty())
                || rules.kafka.as_ref().is_some_and(|k| !k.is_empty())
            {
                self.push(Problem::new(
                    rules.span,
                    "HTTP and Kafka rules are not supported on host egress",
                ));
            }
        }
        // Bad regular expressions and Kafka values, found by compiling the
        // rules once.
        for p in &super::lower::compiled(rules).problems {
            self.push(p.clone());
        }
        for http in rules.http.iter().flatten() {
            self.http(http);
        }
        for entry in rules.l7.iter().flatten() {
            self.generic_l7(rules.l7proto.as_ref().map(|p| p.as_str()), entry);
        }
    }

    fn http(&mut self, http: &PortRuleHttp) {
        for m in &http.header_matches {
            if m.name.is_empty() {
                self.push(Problem::new(m.name.span, "header name missing"));
            }
            if let Some(secret) = &m.secret
                && secret.name.is_empty()
            {
                self.push(Problem::new(secret.name.span, "secret name missing"));
            }
        }
    }

    /// Key checks of the proxylib parsers for `l7proto` rules.
    fn generic_l7(&mut self, proto: Option<&str>, entry: &Spanned<L7Rule>) {
        for key in entry.keys() {
            if key.is_empty() {
                self.push(Problem::new(key.span, "empty key not allowed"));
            }
        }
        let known: &[&str] = match proto {
            Some("cassandra") => &["query_action", "query_table"],
            Some("memcache") => &["command", "keyExact", "keyPrefix", "keyRegex"],
            _ => return,
        };
        let proto = proto.unwrap_or_default();
        for key in entry.keys() {
            if !key.is_empty() && !known.contains(&key.as_str()) {
                self.push(
                    Problem::new(
                        key.span,
                        format!("unknown {proto} rule key `{}`", key.value),
                    )
                    .help(format!("the {proto} parser reads {}", known.join(", "))),
                );
            }
        }
        let get = |name: &str| {
            entry
                .iter()
                .find(|(k, _)| k.as_str() == name)
                .map(|(_, v)| v)
        };
        match proto {
            "cassandra" => {
                let table = get("query_table").filter(|t| !t.is_empty());
                if let Some(action) = get("query_action").filter(|a| !a.is_empty()) {
                    if CASSANDRA_NO_TABLE_ACTIONS.contains(&action.as_str()) {
                        if let Some(table) = table {
                            self.push(Problem::new(
                                table.span,
                                format!(
                                    "query_action `{}` cannot be combined with query_table",
                                    action.value
                                ),
                            ));
                        }
                    } else if !CASSANDRA_TABLE_ACTIONS.contains(&action.as_str()) {
                        self.push(
                            Problem::new(action.span, format!("invalid cassandra query_action `{}`", action.value))
                                .help("e.g. select, insert, update, delete, create-table, drop-table, use"),
                        );
                    }
                }
            }
            _ => {
                let has_key = ["keyExact", "keyPrefix", "keyRegex"]
                    .iter()
                    .any(|k| get(k).is_some());
                if has_key && get("command").is_none_or(|c| c.is_empty()) {
                    self.push(
                        Problem::new(entry.span, "memcache rule has a key match but no command")
                            .help("add `command:` (e.g. get, set, or a group such as writeGroup)"),
                    );
                }
            }
        }
    }

    fn selector(&mut self, sel: &Spanned<EndpointSelector>) {
        label_selector(sel, &check_selector_key, self.out);
    }
}

/// Checks a `LabelSelector`: keys with `key_check`, values as Kubernetes
/// label values, and operators against their values.
fn label_selector(
    sel: &LabelSelector,
    key_check: &dyn Fn(&str) -> Result<(), String>,
    out: &mut Vec<Problem>,
) {
    let key = |k: &Spanned<String>, out: &mut Vec<Problem>| {
        if let Err(e) = key_check(k) {
            out.push(Problem::new(
                k.span,
                format!("invalid label key `{}`: {e}", k.value),
            ));
        }
    };
    let value = |v: &Spanned<String>, out: &mut Vec<Problem>| {
        if let Err(e) = validate_k8s_label_value(v) {
            out.push(Problem::new(
                v.span,
                format!("invalid label value `{}`: {e}", v.value),
            ));
        }
    };
    for (k, v) in &sel.match_labels {
        key(k, out);
        value(v, out);
    }
    for req in &sel.match_expressions {
        key(&req.key, out);
        match req.operator.value {
            SelectorOperator::In | SelectorOperator::NotIn if req.values.is_empty() => out.push(
                Problem::new(
                    req.operator.span,
                    format!("operator {:?} needs at least one value", req.operator.value),
                )
                .help("add `values: [...]`, or use Exists/DoesNotExist"),
            ),
            SelectorOperator::Exists | SelectorOperator::DoesNotExist if !req.values.is_empty() => {
                out.push(
                    Problem::new(
                        req.values[0].span,
                        format!("operator {:?} takes no values", req.operator.value),
                    )
                    .help("remove `values`, or use In/NotIn"),
                )
            }
            _ => {}
        }
        for v in &req.values {
            value(v, out);
        }
    }
}

/// The CRD patterns for `matchName` (`^([-a-zA-Z0-9_]+[.]?)+$`) and
/// `matchPattern` (the same with `*`), at most 255 characters.
fn is_dns_name(name: &str, pattern: bool) -> bool {
    let ok_char =
        |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_' || (pattern && c == '*');
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && !name.contains("..")
        && name.chars().all(|c| ok_char(c) || c == '.')
}

/// Cassandra query actions that take a table (or keyspace) match.
const CASSANDRA_TABLE_ACTIONS: &[&str] = &[
    "select",
    "delete",
    "insert",
    "update",
    "create-table",
    "drop-table",
    "alter-table",
    "truncate-table",
    "use",
    "create-keyspace",
    "alter-keyspace",
    "drop-keyspace",
];

/// Cassandra query actions that cannot be combined with `query_table`.
const CASSANDRA_NO_TABLE_ACTIONS: &[&str] = &[
    "drop-index",
    "create-index",
    "create-materialized-view",
    "drop-materialized-view",
    "create-role",
    "alter-role",
    "drop-role",
    "grant-role",
    "revoke-role",
    "list-roles",
    "grant-permission",
    "revoke-permission",
    "list-permissions",
    "create-user",
    "alter-user",
    "drop-user",
    "list-users",
    "create-function",
    "drop-function",
    "create-aggregate",
    "drop-aggregate",
    "create-type",
    "alter-type",
    "drop-type",
    "create-trigger",
    "drop-trigger",
];
