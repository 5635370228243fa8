//! What a flow request may say, checked before anything is resolved: the
//! one place a written flow becomes a [`FlowRequest`], with the same checks
//! for `simulate`'s flags, the entries of a flows file or a policy test,
//! and replayed flows, worded for each (`--port` there, `port` here).

use std::net::IpAddr;

use ipnet::IpNet;

use crate::model::{HttpRequest, Proto, validate_port_name};
use crate::sim::eval::l7::REQUEST_KEYS;
use crate::sim::resolve::{FlowRequest, PortRef, parse_protocol};

/// The prefixes a flow end may carry.
pub(crate) const END_PREFIXES: &[&str] = &["svc", "hep", "node", "netset"];

/// A field of a flow request, named as a flag or as a flows-file key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    From,
    To,
    Port,
    Proto,
    SrcPort,
    IcmpType,
    IcmpCode,
    L7,
}

/// How fields are named where the request was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Naming {
    Flags,
    FlowsFile,
}

impl Naming {
    pub(crate) fn name(self, field: Field) -> &'static str {
        match (self, field) {
            (Naming::Flags, Field::From) => "--from",
            (Naming::Flags, Field::To) => "--to",
            (Naming::Flags, Field::Port) => "--port",
            (Naming::Flags, Field::Proto) => "--proto",
            (Naming::Flags, Field::SrcPort) => "--src-port",
            (Naming::Flags, Field::IcmpType) => "--icmp-type",
            (Naming::Flags, Field::IcmpCode) => "--icmp-code",
            (Naming::Flags, Field::L7) => "--l7",
            (Naming::FlowsFile, Field::From) => "from",
            (Naming::FlowsFile, Field::To) => "to",
            (Naming::FlowsFile, Field::Port) => "port",
            (Naming::FlowsFile, Field::Proto) => "protocol",
            (Naming::FlowsFile, Field::SrcPort) => "srcPort",
            (Naming::FlowsFile, Field::IcmpType) => "icmpType",
            (Naming::FlowsFile, Field::IcmpCode) => "icmpCode",
            (Naming::FlowsFile, Field::L7) => "l7",
        }
    }
}

/// A problem with one field: what was given and what is wrong with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct FieldError {
    pub field: Field,
    pub value: String,
    pub message: String,
    pub help: Option<String>,
}

impl FieldError {
    fn new(field: Field, value: &str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            value: value.to_string(),
            message: message.into(),
            help: None,
        }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// `--port `70000`: out of range ...` (or `port `70000`: ...`).
    pub(crate) fn worded(&self, naming: Naming) -> String {
        format!(
            "{} `{}`: {}",
            naming.name(self.field),
            self.value,
            self.message.replace("{proto}", naming.name(Field::Proto))
        )
    }
}

/// A destination port: a number 1-65535 or a port name.
pub(crate) fn port(text: &str) -> Result<PortRef, FieldError> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(n @ 1..=65535) => Ok(PortRef::Number(n as u16)),
            Ok(0) => Err(FieldError::new(
                Field::Port,
                text,
                "port 0 is not a destination port: ports are 1-65535",
            )),
            _ => Err(FieldError::new(
                Field::Port,
                text,
                "out of range: ports are 1-65535",
            )),
        };
    }
    validate_port_name(text)
        .map(|()| PortRef::Name(text.to_string()))
        .map_err(|_| {
            FieldError::new(
                Field::Port,
                text,
                "neither a port number (1-65535) nor a port name (1-15 lowercase letters, digits and hyphens)",
            )
        })
}

/// Port fields that only some protocols have: a port for TCP, UDP and
/// SCTP, a type and code for ICMP. `protocol` is `None` when not given
/// (TCP, or the protocol of a named port).
pub(crate) fn protocol_fields(
    protocol: Option<Proto>,
    port: Option<&str>,
    src_port: Option<u16>,
    icmp: (Option<u8>, Option<u8>),
) -> Result<(), FieldError> {
    let is_icmp = matches!(protocol, Some(Proto::ICMP | Proto::ICMPV6));
    let has_ports = protocol.is_none_or(|p| matches!(p, Proto::TCP | Proto::UDP | Proto::SCTP));
    let name = protocol.map_or("TCP".to_string(), |p| p.to_string());
    if !has_ports {
        if let Some(port) = port {
            return Err(FieldError::new(
                Field::Port,
                port,
                format!("{name} has no ports: a port applies to TCP, UDP and SCTP"),
            ));
        }
        if let Some(p) = src_port {
            return Err(FieldError::new(
                Field::SrcPort,
                &p.to_string(),
                format!("{name} has no ports: a source port applies to TCP, UDP and SCTP"),
            ));
        }
    }
    if !is_icmp {
        for (field, value) in [(Field::IcmpType, icmp.0), (Field::IcmpCode, icmp.1)] {
            if let Some(v) = value {
                return Err(FieldError::new(
                    field,
                    &v.to_string(),
                    format!("applies to ICMP and ICMPv6, and the flow is {name} (set {{proto}})"),
                ));
            }
        }
    }
    Ok(())
}

/// An application-protocol key must be one a protocol reads: a typo would
/// otherwise become a request the proxy refuses.
pub(crate) fn l7_key(key: &str, pair: &str) -> Result<(), FieldError> {
    if REQUEST_KEYS.iter().any(|(_, keys)| keys.contains(&key)) {
        return Ok(());
    }
    let listed: Vec<String> = REQUEST_KEYS
        .iter()
        .map(|(proto, keys)| format!("{proto}: {}", keys.join(", ")))
        .collect();
    let nearest = REQUEST_KEYS
        .iter()
        .flat_map(|(_, keys)| keys.iter())
        .map(|k| (strsim::jaro_winkler(k, key), *k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let message = format!("no protocol has the key `{key}`");
    let mut err = FieldError::new(Field::L7, pair, message);
    err = err.help(match nearest {
        Some((_, k)) => format!("did you mean `{k}`? The keys are {}", listed.join("; ")),
        None => format!("the keys are {}", listed.join("; ")),
    });
    Err(err)
}

/// A flow end: a name, a prefixed reference, an address or a CIDR. What
/// looks like an address must be one; a prefix must be one polctl knows.
/// `prefixes` are those the command takes.
pub(crate) fn end(field: Field, text: &str, prefixes: &[&str]) -> Result<(), FieldError> {
    if text.is_empty() {
        return Err(FieldError::new(field, text, "empty reference"));
    }
    if text.parse::<IpAddr>().is_ok() || text.parse::<IpNet>().is_ok() {
        return Ok(());
    }
    if let Some(message) = bad_address(text) {
        return Err(FieldError::new(field, text, message));
    }
    if let Some((prefix, _)) = text.split_once(':') {
        let is_word =
            !prefix.is_empty() && prefix.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-');
        if is_word && !prefixes.contains(&prefix) {
            let known = if prefixes.is_empty() {
                "this command takes no prefixed references".to_string()
            } else {
                let list: Vec<String> = prefixes.iter().map(|p| format!("{p}:")).collect();
                format!("the prefixes are {}", list.join(", "))
            };
            return Err(
                FieldError::new(field, text, format!("unknown prefix `{prefix}:`")).help(format!(
                    "a reference is NAMESPACE/NAME, NAME, an IP address or a CIDR; {known}"
                )),
            );
        }
    }
    Ok(())
}

/// Why text that looks like an IP address or CIDR is not one.
fn bad_address(text: &str) -> Option<String> {
    let (addr, prefix) = match text.split_once('/') {
        Some((a, p)) => (a, Some(p)),
        None => (text, None),
    };
    let v4_like = addr.contains('.') && addr.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let v6_like = addr.matches(':').count() >= 2
        && addr
            .bytes()
            .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
    if !v4_like && !v6_like {
        return None;
    }
    let Ok(ip) = addr.parse::<IpAddr>() else {
        let what = if v4_like {
            "an IPv4 address: four numbers 0-255 separated by dots"
        } else {
            "an IPv6 address"
        };
        return Some(match prefix {
            Some(_) => format!("`{addr}` is not {what}"),
            None => format!("not {what}"),
        });
    };
    let bits = if ip.is_ipv4() { 32 } else { 128 };
    match prefix.map(str::parse::<u32>) {
        Some(Ok(n)) if n > bits => Some(format!(
            "a /{n} prefix is longer than an {} address ({bits} bits)",
            if ip.is_ipv4() { "IPv4" } else { "IPv6" }
        )),
        Some(_) => Some(format!(
            "the prefix length after `/` must be a number 0-{bits}"
        )),
        None => None,
    }
}

/// A flow request as written, before its fields are checked.
pub(crate) struct Written {
    pub from: String,
    pub to: String,
    pub port: Option<String>,
    pub protocol: Option<String>,
    pub src_port: Option<u16>,
    pub icmp_type: Option<u8>,
    pub icmp_code: Option<u8>,
    pub http: Option<HttpRequest>,
    pub l7: Vec<(String, String)>,
    pub auth_fails: bool,
}

/// The one place a written flow becomes a request: the same checks for
/// flags, flows files, policy tests and replayed flows.
pub(crate) fn checked(given: Written) -> Result<FlowRequest, FieldError> {
    end(Field::From, &given.from, END_PREFIXES)?;
    end(Field::To, &given.to, END_PREFIXES)?;
    let protocol = given
        .protocol
        .as_deref()
        .map(|p| {
            parse_protocol(p).map_err(|e| FieldError {
                field: Field::Proto,
                value: p.to_string(),
                message: e,
                help: None,
            })
        })
        .transpose()?;
    let port = given.port.as_deref().map(port).transpose()?;
    protocol_fields(
        protocol,
        given.port.as_deref(),
        given.src_port,
        (given.icmp_type, given.icmp_code),
    )?;
    for (k, v) in &given.l7 {
        l7_key(k, &format!("{k}={v}"))?;
    }
    Ok(FlowRequest {
        from: given.from,
        to: given.to,
        port,
        protocol,
        src_port: given.src_port,
        icmp_type: given.icmp_type,
        icmp_code: given.icmp_code,
        http: given.http,
        l7: given.l7,
        auth_fails: given.auth_fails,
    })
}

/// The HTTP request a flow carries, when any HTTP attribute is given.
pub(crate) fn http_request(
    method: &Option<String>,
    path: &Option<String>,
    host: &Option<String>,
    headers: Vec<(String, String)>,
) -> Option<HttpRequest> {
    (method.is_some() || path.is_some() || host.is_some() || !headers.is_empty()).then(|| {
        HttpRequest {
            method: method.clone(),
            path: path.clone(),
            host: host.clone(),
            headers,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_are_numbers_in_range_or_names() {
        assert_eq!(port("80"), Ok(PortRef::Number(80)));
        assert_eq!(port("http"), Ok(PortRef::Name("http".into())));
        assert!(port("0").unwrap_err().message.contains("port 0"));
        assert!(port("70000").unwrap_err().message.contains("out of range"));
        assert!(port("Not_A_Port").is_err());
    }

    #[test]
    fn addresses_and_prefixes() {
        assert!(end(Field::To, "10.0.0.1", END_PREFIXES).is_ok());
        assert!(end(Field::To, "10.0.0.0/8", END_PREFIXES).is_ok());
        assert!(end(Field::To, "2001:db8::1", END_PREFIXES).is_ok());
        assert!(end(Field::To, "shop/api", END_PREFIXES).is_ok());
        assert!(end(Field::To, "svc:shop/api", END_PREFIXES).is_ok());
        let e = end(Field::To, "999.1.1.1", END_PREFIXES).unwrap_err();
        assert!(e.message.contains("not an IPv4 address"), "{e:?}");
        let e = end(Field::From, "10.0.0.1/33", END_PREFIXES).unwrap_err();
        assert!(e.message.contains("/33 prefix is longer"), "{e:?}");
        let e = end(Field::From, "fqdn:x", END_PREFIXES).unwrap_err();
        assert_eq!(e.message, "unknown prefix `fqdn:`");
        assert!(end(Field::From, "svc:x", &[]).is_err());
    }

    #[test]
    fn l7_keys_are_some_protocols() {
        assert!(l7_key("api_key", "api_key=fetch").is_ok());
        let e = l7_key("apikey", "apikey=fetch").unwrap_err();
        assert!(
            e.help
                .as_deref()
                .unwrap_or("")
                .contains("did you mean `api_key`")
        );
    }

    #[test]
    fn icmp_has_no_ports_and_tcp_no_type() {
        assert!(protocol_fields(Some(Proto::ICMP), Some("80"), None, (None, None)).is_err());
        assert!(protocol_fields(None, Some("80"), None, (Some(8), None)).is_err());
        assert!(protocol_fields(Some(Proto::ICMP), None, None, (Some(8), Some(0))).is_ok());
        assert!(protocol_fields(Some(Proto::UDP), Some("53"), Some(1000), (None, None)).is_ok());
    }
}
