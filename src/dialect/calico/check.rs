//! What Calico's validator (`libcalico-go/lib/validator/v3`) and the CEL
//! rules on the v3 types reject after the values themselves have been read:
//! selector syntax, cross-field constraints, and rule shapes.

use std::collections::HashSet;

use ipnet::IpNet;

use super::{
    Action, EntityRule, GlobalNetworkPolicy, GlobalNetworkSet, HostEndpoint, IpVersion,
    NetworkPolicy, NetworkSet, Object, PolicyType, Profile, Rule, SpecView, StagedAction,
    StagedGlobalNetworkPolicy, StagedKubernetesNetworkPolicy, StagedNetworkPolicy, Tier,
    TierAction,
};
use crate::dialect::common::ObjectMeta;
use crate::dialect::k8s;
use crate::model::{Span, Spanned};
use crate::selector::{self, Expr, validate_k8s_label_key, validate_k8s_label_value};
use crate::syntax::Problem;

/// A Calico object that can report its semantic problems.
pub(crate) trait Check {
    /// Appends every problem found; `source_text` is the text of the file
    /// the object was read from (spans index into it).
    fn check(&self, source_text: &str, out: &mut Vec<Problem>);
}

/// Reports what Calico would reject in `obj`, with spans pointing at the
/// offending value (inside selector strings where possible).
pub(crate) fn check<T: Check + ?Sized>(obj: &T, source_text: &str, out: &mut Vec<Problem>) {
    obj.check(source_text, out);
}

impl Check for Object {
    fn check(&self, source_text: &str, out: &mut Vec<Problem>) {
        match self {
            Object::NetworkPolicy(o) => o.check(source_text, out),
            Object::GlobalNetworkPolicy(o) => o.check(source_text, out),
            Object::StagedNetworkPolicy(o) => o.check(source_text, out),
            Object::StagedGlobalNetworkPolicy(o) => o.check(source_text, out),
            Object::StagedKubernetesNetworkPolicy(o) => o.check(source_text, out),
            Object::Tier(o) => o.check(source_text, out),
            Object::Profile(o) => o.check(source_text, out),
            Object::NetworkSet(o) => o.check(source_text, out),
            Object::GlobalNetworkSet(o) => o.check(source_text, out),
            Object::HostEndpoint(o) => o.check(source_text, out),
            Object::WorkloadEndpoint(o) => o.check(out),
        }
    }
}

impl Check for NetworkPolicy {
    fn check(&self, source_text: &str, out: &mut Vec<Problem>) {
        Ctx {
            src: source_text,
            out,
        }
        .policy(&self.spec.view());
    }
}

impl Check for GlobalNetworkPolicy {
    fn check(&self, source_text: &str, out: &mut Vec<Problem>) {
        Ctx {
            src: source_text,
            out,
        }
        .policy(&self.spec.view());
    }
}

impl Check for StagedNetworkPolicy {
    fn check(&self, source_text: &str, out: &mut Vec<Problem>) {
        Ctx {
            src: source_text,
            out,
        }
        .policy(&self.spec.view());
    }
}

impl Check for StagedGlobalNetworkPolicy {
    fn check(&self, source_text: &str, out: &mut Vec<Problem>) {
        Ctx {
            src: source_text,
            out,
        }
        .policy(&self.spec.view());
    }
}

impl Check for StagedKubernetesNetworkPolicy {
    fn check(&self, _source_text: &str, out: &mut Vec<Problem>) {
        let spec = &self.spec;
        if let Some(action) = &spec.staged_action
            && action.value == StagedAction::Delete
            && (!spec.pod_selector.is_empty()
                || spec.policy_types.as_ref().is_some_and(|t| !t.is_empty())
                || spec.ingress.as_ref().is_some_and(|r| !r.is_empty())
                || spec.egress.as_ref().is_some_and(|r| !r.is_empty()))
        {
            out.push(
                Problem::new(
                    action.span,
                    "with stagedAction Delete the spec must be otherwise empty",
                )
                .help("remove podSelector, policyTypes, ingress and egress"),
            );
        }
        // Calico validates the staged policy as the NetworkPolicy it stages.
        let staged = k8s::NetworkPolicy {
            api_version: "networking.k8s.io/v1".to_string(),
            kind: "NetworkPolicy".to_string(),
            metadata: self.metadata.clone(),
            spec: spec.to_k8s_spec(),
            status: None,
        };
        crate::dialect::k8s::check::network_policy(&staged, out);
    }
}

impl Check for Tier {
    fn check(&self, _source_text: &str, out: &mut Vec<Problem>) {
        finite_order(self.spec.order.as_ref(), out);
        let Some(name) = &self.metadata.name else {
            return;
        };
        if !is_dns1123_label(name) {
            out.push(
                Problem::new(name.span, format!("invalid tier name `{}`", name.value))
                    .help("a tier name is at most 63 lowercase letters, digits and `-` (no dots), starting and ending alphanumeric"),
            );
        }
        // Calico 3.32 pins the built-in tiers (CEL rules on `Tier`).
        let pinned = match name.as_str() {
            "default" => Some((1_000_000.0, TierAction::Deny)),
            "kube-admin" => Some((1_000.0, TierAction::Pass)),
            "kube-baseline" => Some((10_000_000.0, TierAction::Pass)),
            _ => None,
        };
        if let Some((order, action)) = pinned {
            let at = self.spec.order.as_ref().map_or(name.span, |o| o.span);
            if self.spec.order.as_ref().map(|o| o.value) != Some(order) {
                out.push(Problem::new(
                    at,
                    format!("the `{}` tier's order must be {order}", name.value),
                ));
            }
            if self.spec.default_action() != action {
                let at = self
                    .spec
                    .default_action
                    .as_ref()
                    .map_or(name.span, |a| a.span);
                out.push(Problem::new(
                    at,
                    format!(
                        "the `{}` tier's defaultAction must be {action:?}",
                        name.value
                    ),
                ));
            }
        }
    }
}

impl Check for Profile {
    fn check(&self, source_text: &str, out: &mut Vec<Problem>) {
        for (k, v) in &self.spec.labels_to_apply {
            if let Err(e) = validate_k8s_label_key(k) {
                out.push(Problem::new(
                    k.span,
                    format!("invalid label key `{}`: {e}", k.value),
                ));
            }
            if let Err(e) = validate_k8s_label_value(v) {
                out.push(Problem::new(
                    v.span,
                    format!("invalid label value `{}`: {e}", v.value),
                ));
            }
        }
        let mut ctx = Ctx {
            src: source_text,
            out,
        };
        for rule in self.spec.ingress.iter().chain(&self.spec.egress) {
            ctx.rule(rule, None, true);
        }
    }
}

fn check_network_set(meta: &ObjectMeta, out: &mut Vec<Problem>) {
    for key in meta.labels.keys() {
        if key.value == "projectcalico.org/namespace" {
            out.push(
                Problem::new(
                    key.span,
                    "projectcalico.org/namespace is not a valid label name here",
                )
                .help("Calico sets this label itself from the object's namespace"),
            );
        }
    }
}

impl Check for NetworkSet {
    fn check(&self, _source_text: &str, out: &mut Vec<Problem>) {
        check_network_set(&self.metadata, out);
    }
}

impl Check for GlobalNetworkSet {
    fn check(&self, _source_text: &str, out: &mut Vec<Problem>) {
        check_network_set(&self.metadata, out);
    }
}

impl Check for HostEndpoint {
    fn check(&self, _source_text: &str, out: &mut Vec<Problem>) {
        let spec = &self.spec;
        let at = self
            .metadata
            .name
            .as_ref()
            .map_or_else(Span::default, |n| n.span);
        if spec.node.as_ref().is_none_or(|n| n.is_empty()) {
            out.push(
                Problem::new(at, "a HostEndpoint needs spec.node")
                    .help("name the node this interface belongs to"),
            );
        }
        if spec.interface_name.as_ref().is_none_or(|n| n.is_empty()) && spec.expected_ips.is_empty()
        {
            out.push(
                Problem::new(spec.interface_name.as_ref().map_or(at, |n| n.span), "a HostEndpoint needs interfaceName or expectedIPs")
                    .help("set interfaceName (e.g. eth0, or `*` for all interfaces) or list the interface's addresses"),
            );
        }
        for port in &spec.ports {
            if let Err(e) = crate::dialect::common::validate_port_name(&port.name) {
                out.push(Problem::new(port.name.span, e));
            }
            if !port.protocol.supports_ports() {
                out.push(
                    Problem::new(
                        port.protocol.span,
                        format!("protocol {} has no ports", port.protocol.value),
                    )
                    .help("an endpoint port's protocol is TCP, UDP or SCTP"),
                );
            }
        }
    }
}

/// The source text and the problem list of one check run.
struct Ctx<'a> {
    src: &'a str,
    out: &'a mut Vec<Problem>,
}

impl Ctx<'_> {
    fn push(&mut self, mut p: Problem) {
        p.span = trim_span(p.span, self.src);
        self.out.push(p);
    }

    fn policy(&mut self, view: &SpecView<'_>) {
        finite_order(view.order, self.out);
        if let Some(sel) = view.selector {
            self.selector(sel, "selector");
            self.no_global(sel);
        }
        if let Some(sel) = view.service_account_selector {
            self.selector(sel, "serviceAccountSelector");
            self.no_global(sel);
        }
        if let Some(sel) = view.namespace_selector {
            self.selector(sel, "namespaceSelector");
            self.no_global(sel);
        }
        let mut seen = Vec::new();
        for t in view.types.unwrap_or_default() {
            if seen.contains(&t.value) {
                self.push(Problem::new(
                    t.span,
                    format!("type {:?} is listed more than once", t.value),
                ));
            }
            seen.push(t.value);
        }
        let hints: HashSet<_> = view.performance_hints.iter().map(|h| h.value).collect();
        if hints.len() != view.performance_hints.len()
            && let Some(last) = view.performance_hints.last()
        {
            self.push(Problem::new(last.span, "performance hints must not repeat"));
        }
        self.forwarding_flags(view);
        self.staged_delete(view);
        for rule in view.ingress {
            self.rule(rule, Some(PolicyType::Ingress), view.global);
        }
        for rule in view.egress {
            self.rule(rule, Some(PolicyType::Egress), view.global);
        }
    }

    /// CEL rules on (Staged)GlobalNetworkPolicySpec.
    fn forwarding_flags(&mut self, view: &SpecView<'_>) {
        fn on(f: Option<&Spanned<bool>>) -> Option<&Spanned<bool>> {
            f.filter(|f| f.value)
        }
        let (dnt, pre, aof) = (
            on(view.do_not_track),
            on(view.pre_dnat),
            on(view.apply_on_forward),
        );
        if let (Some(_), Some(pre)) = (dnt, pre) {
            self.push(Problem::new(
                pre.span,
                "preDNAT and doNotTrack cannot both be true",
            ));
        }
        if pre.is_some() {
            if let Some(first) = view.egress.first() {
                self.push(
                    Problem::new(first.span, "a preDNAT policy cannot have egress rules")
                        .help("pre-DNAT policy applies to ingress only"),
                );
            }
            for t in view.types.unwrap_or_default() {
                if t.value == PolicyType::Egress {
                    self.push(Problem::new(
                        t.span,
                        "a preDNAT policy cannot have the Egress type",
                    ));
                }
            }
        }
        if aof.is_none() {
            for (flag, name) in [(dnt, "doNotTrack"), (pre, "preDNAT")] {
                if let Some(flag) = flag {
                    self.push(
                        Problem::new(flag.span, format!("{name} requires applyOnForward: true"))
                            .help("add `applyOnForward: true` to the spec"),
                    );
                }
            }
        }
    }

    /// A staged Delete names the policy to delete; only `tier` may be set.
    fn staged_delete(&mut self, view: &SpecView<'_>) {
        let Some(action) = view
            .staged_action
            .filter(|a| a.value == StagedAction::Delete)
        else {
            return;
        };
        let mut set = Vec::new();
        let flag = |f: Option<&Spanned<bool>>| f.is_some_and(|f| f.value);
        for (name, present) in [
            ("order", view.order.is_some()),
            ("selector", view.selector.is_some_and(|s| !s.is_empty())),
            ("types", view.types.is_some_and(|t| !t.is_empty())),
            ("ingress", !view.ingress.is_empty()),
            ("egress", !view.egress.is_empty()),
            (
                "serviceAccountSelector",
                view.service_account_selector.is_some_and(|s| !s.is_empty()),
            ),
            ("performanceHints", !view.performance_hints.is_empty()),
            (
                "namespaceSelector",
                view.namespace_selector.is_some_and(|s| !s.is_empty()),
            ),
            ("doNotTrack", flag(view.do_not_track)),
            ("preDNAT", flag(view.pre_dnat)),
            ("applyOnForward", flag(view.apply_on_forward)),
        ] {
            if present {
                set.push(name);
            }
        }
        if !set.is_empty() {
            self.push(
                Problem::new(
                    action.span,
                    format!(
                        "with stagedAction Delete only `tier` may be set (found {})",
                        set.join(", ")
                    ),
                )
                .help("a staged Delete only names the enforced policy it would remove"),
            );
        }
    }

    /// Checks one rule. `dir` is `None` for profile rules, which skip the
    /// checks Calico makes at the policy-spec level.
    fn rule(&mut self, rule: &Spanned<Rule>, dir: Option<PolicyType>, global: bool) {
        self.http(rule, dir);
        self.ports_need_protocol(rule);
        self.icmp(rule);
        self.nets(rule);
        for entity in [&rule.source, &rule.destination].into_iter().flatten() {
            self.entity(entity);
        }
        self.services(rule, dir, global);
    }

    fn http(&mut self, rule: &Rule, dir: Option<PolicyType>) {
        let Some(http) = &rule.http else { return };
        if rule.action.value != Action::Allow {
            self.push(
                Problem::new(
                    http.span,
                    format!(
                        "HTTP match is only valid on Allow rules, not {}",
                        rule.action.value
                    ),
                )
                .help("move the http match to an Allow rule"),
            );
        }
        if let Some(p) = &rule.protocol
            && p.number() != 6
        {
            self.push(Problem::new(
                p.span,
                format!(
                    "a rule with an HTTP match must have protocol TCP or none, not {}",
                    p.value
                ),
            ));
        }
        if dir == Some(PolicyType::Egress) {
            self.push(
                Problem::new(http.span, "HTTP match is not allowed in egress rules")
                    .help("application layer policy applies to ingress only"),
            );
        }
        let mut methods = HashSet::new();
        for m in &http.methods {
            if !methods.insert(m.as_str()) {
                self.push(Problem::new(
                    m.span,
                    format!("HTTP method `{}` is listed twice", m.value),
                ));
            }
        }
        for path in &http.paths {
            let exact = path.exact.as_ref().filter(|s| !s.is_empty());
            let prefix = path.prefix.as_ref().filter(|s| !s.is_empty());
            let value = match (exact, prefix) {
                (Some(_), Some(_)) => {
                    self.push(Problem::new(
                        path.span,
                        "a path match sets `exact` or `prefix`, not both",
                    ));
                    continue;
                }
                (None, None) => {
                    self.push(Problem::new(
                        path.span,
                        "a path match needs `exact` or `prefix`",
                    ));
                    continue;
                }
                (Some(v), None) | (None, Some(v)) => v,
            };
            if !value.starts_with('/') || value.contains(['?', ' ', '#']) {
                self.push(
                    Problem::new(value.span, format!("invalid HTTP path `{}`", value.value))
                        .help("a path starts with `/` and contains no `?`, `#` or space"),
                );
            }
        }
    }

    /// `validateRule`: numeric ports need a protocol with ports; any port
    /// needs one if a protocol is given.
    fn ports_need_protocol(&mut self, rule: &Rule) {
        let (src, dst) = (rule.source(), rule.destination());
        for ports in [&src.ports, &src.not_ports, &dst.ports, &dst.not_ports] {
            match &rule.protocol {
                None => {
                    if let Some(p) = ports.iter().find(|p| !p.is_named()) {
                        self.push(
                            Problem::new(p.span, format!("port {} needs protocol TCP, UDP or SCTP", p.value))
                                .help("add `protocol: TCP` (or UDP, SCTP) to the rule; only named ports work without one"),
                        );
                    }
                }
                Some(proto) if !proto.supports_ports() => {
                    if let Some(p) = ports.first() {
                        self.push(
                            Problem::new(p.span, format!("protocol {} has no ports", proto.value))
                                .help("ports need protocol TCP, UDP or SCTP"),
                        );
                    }
                }
                Some(_) => {}
            }
        }
    }

    fn icmp(&mut self, rule: &Rule) {
        if let Some(icmp) = &rule.icmp
            && !rule
                .protocol
                .as_ref()
                .is_some_and(|p| p.is_icmp() || p.is_icmpv6())
        {
            self.push(
                Problem::new(icmp.span, "ICMP fields require protocol ICMP or ICMPv6")
                    .help("add `protocol: ICMP` (or ICMPv6) to the rule"),
            );
        }
        for fields in [&rule.icmp, &rule.not_icmp].into_iter().flatten() {
            if let (Some(code), None) = (&fields.code, &fields.icmp_type) {
                self.push(Problem::new(code.span, "an ICMP code needs an ICMP type"));
            }
        }
        let Some(version) = &rule.ip_version else {
            return;
        };
        for p in [&rule.protocol, &rule.not_protocol].into_iter().flatten() {
            if p.is_icmp() && version.value == IpVersion::V6 {
                self.push(
                    Problem::new(version.span, "protocol ICMP requires ipVersion 4")
                        .help("use ICMPv6 for IPv6"),
                );
            }
            if p.is_icmpv6() && version.value == IpVersion::V4 {
                self.push(
                    Problem::new(version.span, "protocol ICMPv6 requires ipVersion 6")
                        .help("use ICMP for IPv4"),
                );
            }
        }
    }

    /// The `net` validator (strictly masked) and `validateRule`'s family checks.
    fn nets(&mut self, rule: &Rule) {
        let (src, dst) = (rule.source(), rule.destination());
        let (mut seen_v4, mut seen_v6) = (false, false);
        for (negated, nets) in [
            (false, &src.nets),
            (true, &src.not_nets),
            (false, &dst.nets),
            (true, &dst.not_nets),
        ] {
            let (mut v4, mut v6) = (false, false);
            for net in nets {
                let cidr = &net.value.0;
                if let Ok(written) = cidr.text.parse::<IpNet>()
                    && written.addr() != written.network()
                {
                    self.push(
                        Problem::new(net.span, format!("`{}` has host bits set", cidr.text))
                            .help(format!("use `{}`", written.trunc())),
                    );
                }
                let is_v4 = matches!(cidr.net, IpNet::V4(_));
                if negated && cidr.net.prefix_len() == 0 {
                    self.push(
                        Problem::new(
                            net.span,
                            format!(
                                "notNets `{}` excludes every address, so the rule matches nothing",
                                cidr.text
                            ),
                        )
                        .help("remove it"),
                    );
                }
                if let Some(version) = &rule.ip_version {
                    let want_v4 = version.value == IpVersion::V4;
                    if want_v4 != is_v4 {
                        self.push(Problem::new(
                            net.span,
                            format!(
                                "`{}` does not match the rule's ipVersion {}",
                                cidr.text,
                                if want_v4 { 4 } else { 6 }
                            ),
                        ));
                    }
                }
                if (is_v4 && (v6 || seen_v6)) || (!is_v4 && (v4 || seen_v4)) {
                    self.push(
                        Problem::new(net.span, "a rule cannot mix IPv4 and IPv6 CIDRs")
                            .help("write one rule per IP family"),
                    );
                }
                v4 |= is_v4;
                v6 |= !is_v4;
            }
            seen_v4 |= v4;
            seen_v6 |= v6;
        }
    }

    fn entity(&mut self, entity: &EntityRule) {
        if let Some(sel) = &entity.selector {
            self.selector(sel, "selector");
            self.no_global(sel);
        }
        if let Some(sel) = &entity.not_selector {
            self.selector(sel, "notSelector");
        }
        if let Some(sel) = &entity.namespace_selector
            && self.selector(sel, "namespaceSelector").is_some()
        {
            self.global_alone(sel);
        }
        if let Some(sel) = entity
            .service_accounts
            .as_ref()
            .and_then(|sa| sa.selector.as_ref())
        {
            self.selector(sel, "serviceAccounts selector");
        }
    }

    /// CEL rules on EntityRule/Rule about `services`, and the spec-level
    /// placement rules.
    fn services(&mut self, rule: &Rule, dir: Option<PolicyType>, global: bool) {
        for (is_source, side) in [(true, &rule.source), (false, &rule.destination)] {
            let Some(side) = side else { continue };
            let Some(svc) = &side.services else { continue };
            if svc.name.as_ref().is_none_or(|n| n.is_empty()) {
                self.push(Problem::new(svc.span, "services needs a service name"));
            }
            let non_empty = |s: &Option<Spanned<String>>| s.as_ref().is_some_and(|s| !s.is_empty());
            for (present, what) in [
                (
                    non_empty(&side.selector) || non_empty(&side.not_selector),
                    "selector or notSelector",
                ),
                (non_empty(&side.namespace_selector), "namespaceSelector"),
                (side.service_accounts.is_some(), "serviceAccounts"),
                (
                    !side.nets.is_empty() || !side.not_nets.is_empty(),
                    "nets or notNets",
                ),
            ] {
                if present {
                    self.push(
                        Problem::new(
                            svc.span,
                            format!(
                                "services cannot be combined with {what} in the same entity rule"
                            ),
                        )
                        .help("use a separate rule"),
                    );
                }
            }
            if !is_source && let Some(p) = side.ports.first().or(side.not_ports.first()) {
                self.push(
                    Problem::new(
                        p.span,
                        "ports and notPorts cannot be combined with destination services",
                    )
                    .help("the service's own ports are matched"),
                );
            }
            match (dir, is_source) {
                (Some(PolicyType::Egress), true) => {
                    self.push(Problem::new(
                        svc.span,
                        "services are not allowed in an egress rule's source",
                    ));
                }
                (Some(PolicyType::Ingress), false) => {
                    self.push(Problem::new(
                        svc.span,
                        "services are not allowed in an ingress rule's destination",
                    ));
                }
                (Some(_), _) if global && svc.namespace.as_ref().is_none_or(|n| n.is_empty()) => {
                    self.push(
                        Problem::new(svc.span, "services in a global policy need a namespace")
                            .help("add `namespace:` next to the service name"),
                    );
                }
                _ => {}
            }
        }
    }

    /// Parses a Calico selector, reporting a syntax error at its exact place
    /// inside the YAML string.
    fn selector(&mut self, sel: &Spanned<String>, field: &str) -> Option<Expr> {
        match selector::parse(&sel.value) {
            Ok(expr) => Some(expr),
            Err(e) => {
                let mut p = Problem::new(
                    scalar_sub_span(sel, self.src, e.offset, e.len),
                    format!("invalid {field}: {}", e.message),
                );
                if let Some(help) = e.help {
                    p = p.help(help);
                }
                self.push(p);
                None
            }
        }
    }

    /// `global()` is only meaningful in an entity rule's namespaceSelector
    /// (CEL: `!self.selector.contains('global(')`).
    fn no_global(&mut self, sel: &Spanned<String>) {
        if let Some(at) = sel.value.find("global(") {
            let len = if sel.value[at..].starts_with("global()") {
                8
            } else {
                7
            };
            self.push(
                Problem::new(
                    scalar_sub_span(sel, self.src, at, len),
                    "global() can only be used in an entity rule's namespaceSelector",
                )
                .help("use all() here"),
            );
        }
    }

    /// `validateEntityRule`: a namespaceSelector using global() must be
    /// exactly `global()`.
    fn global_alone(&mut self, sel: &Spanned<String>) {
        if !sel.value.contains("global(") {
            return;
        }
        let ws: &[char] = &[' ', '\t'];
        let alone = sel
            .value
            .trim_matches(ws)
            .strip_prefix("global(")
            .is_some_and(|rest| rest.trim_start_matches(ws) == ")");
        if !alone {
            self.push(
                Problem::new(sel.span, "global() cannot be combined with other selectors")
                    .help("write `namespaceSelector: global()` in its own rule"),
            );
        }
    }
}

/// `span` without trailing whitespace: the span of a block collection
/// runs up to the next token.
pub(crate) fn trim_span(span: Span, source_text: &str) -> Span {
    match source_text.get(span.start as usize..span.end as usize) {
        Some(text) => {
            let trimmed = text.trim_end_matches([' ', '\t', '\r', '\n']);
            Span::new(
                span.file,
                span.start as usize,
                span.start as usize + trimmed.len(),
            )
        }
        None => span,
    }
}

/// The span of `len` bytes at `offset` in the *value* of a string scalar.
/// The scalar's span covers it as written (with quotes if quoted); when the
/// written text is not the value verbatim (escapes, folding), the whole
/// scalar is returned.
pub(crate) fn scalar_sub_span(
    value: &Spanned<String>,
    source_text: &str,
    offset: usize,
    len: usize,
) -> Span {
    let span = value.span;
    let Some(raw) = source_text.get(span.start as usize..span.end as usize) else {
        return span;
    };
    let (inner, skip) = match raw.as_bytes().first() {
        Some(b'\'' | b'"') if raw.len() >= 2 => (raw.get(1..raw.len() - 1).unwrap_or(""), 1),
        _ => (raw, 0),
    };
    if inner == value.value {
        span.sub(skip + offset, len)
    } else {
        span
    }
}

fn is_dns1123_label(name: &str) -> bool {
    let b = name.as_bytes();
    let alnum = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && b.len() <= 63
        && b.first().is_some_and(alnum)
        && b.last().is_some_and(alnum)
        && b.iter().all(|c| alnum(c) || *c == b'-')
}

/// An order is a float64 the API server parses: `1e400` overflows it (Go's
/// `strconv.ParseFloat` fails with "value out of range"), where a YAML
/// reader would make it infinity.
fn finite_order(order: Option<&Spanned<f64>>, out: &mut Vec<Problem>) {
    if let Some(order) = order
        && !order.value.is_finite()
    {
        out.push(
            Problem::new(order.span, "order is out of range: not a finite number")
                .help("an order is a number such as 100 or 0.5, lower first"),
        );
    }
}
