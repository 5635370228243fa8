//! Observed flows, as exported by the dataplane: Hubble's `hubble observe
//! -o json` lines, Calico flow logs and Goldmane flows as JSON, or a plain
//! CSV. One line is one record; a file is read as a stream, never whole.
//!
//! Field names follow the exporters: Hubble's flow (`IP.source`,
//! `l4.TCP.destination_port`, `source.pod_name`, `is_reply`, `verdict`,
//! `l7.http`), and Calico's flow-log data types (`source_namespace`,
//! `source_name`/`source_name_aggr`, `dest_ip`, `dest_port`, `proto`,
//! `action`, `reporter`), which Goldmane writes in camelCase under `key`.

use std::collections::BTreeMap;
use std::io::BufRead;
use std::net::IpAddr;

use miette::Diagnostic;
use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

/// A record that does not read, at `file:line:col`.
#[derive(Debug, Error, Diagnostic)]
#[error("{location}: {message}")]
#[diagnostic(code(polctl::input::flow_record))]
pub struct BadRecord {
    pub location: String,
    pub message: String,
    #[help]
    pub help: Option<String>,
}

/// Every record that does not read (the first hundred shown); its own
/// message is the summary printed after them.
#[derive(Debug, Error, Diagnostic)]
#[error("{count} {} not read; nothing was replayed", if *.count == 1 { "record was" } else { "records were" })]
#[diagnostic(code(polctl::input::flow_records))]
pub struct BadRecords {
    #[related]
    pub errors: Vec<BadRecord>,
    pub count: usize,
}

impl BadRecords {
    /// How many bad records are shown one by one.
    pub const SHOWN: usize = 100;

    pub fn push(&mut self, record: BadRecord) {
        self.count += 1;
        if self.errors.len() < Self::SHOWN {
            self.errors.push(record);
        }
    }
}

/// Why a line does not read, and the column (1-based) it went wrong at.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordError {
    pub message: String,
    pub column: usize,
}

impl From<String> for RecordError {
    fn from(message: String) -> Self {
        RecordError { message, column: 1 }
    }
}

fn json_error(e: serde_json::Error) -> RecordError {
    // serde_json's message ends with its own "at line 1 column N".
    let text = e.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(m, _)| m)
        .to_string();
    RecordError {
        message: format!("not a flow record: {message}"),
        column: e.column().max(1),
    }
}

/// Reads a stream of records one line at a time, calling `on_flow` with
/// each flow and its line number; bad lines go to `bad`. The format is
/// `format`, or detected from the first line. Returns the format read
/// (`None` for an empty stream).
pub fn read_records(
    name: &str,
    reader: &mut dyn BufRead,
    format: Option<ObservedFormat>,
    on_flow: &mut dyn FnMut(usize, &ObservedFlow),
    bad: &mut BadRecords,
) -> std::io::Result<Option<ObservedFormat>> {
    let mut format = format;
    let mut buf = Vec::new();
    let mut line_no = 0;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            return Ok(format);
        }
        line_no += 1;
        let Ok(line) = std::str::from_utf8(&buf) else {
            bad.push(BadRecord {
                location: format!("{name}:{line_no}:1"),
                message: "the line is not UTF-8 text".into(),
                help: None,
            });
            continue;
        };
        if line.trim().is_empty() {
            continue;
        }
        let format = *format.get_or_insert_with(|| ObservedFormat::detect(line));
        match parse_line(format, line) {
            Ok(Some(flow)) => on_flow(line_no, &flow),
            Ok(None) => {}
            Err(e) => bad.push(BadRecord {
                location: format!("{name}:{line_no}:{}", e.column),
                message: e.message,
                help: Some(format!(
                    "the file is read as {} records; --format names another",
                    format.name()
                )),
            }),
        }
    }
}

/// How a file of observed flows is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObservedFormat {
    Hubble,
    Calico,
    Csv,
}

impl ObservedFormat {
    pub fn name(self) -> &'static str {
        match self {
            ObservedFormat::Hubble => "hubble",
            ObservedFormat::Calico => "calico",
            ObservedFormat::Csv => "csv",
        }
    }

    /// The format of a file, from its first record: Hubble's lines carry a
    /// `flow` object (or its `IP`/`l4` fields), Calico's its `source_*`
    /// and `dest_*` fields; anything that is not JSON is CSV.
    pub fn detect(first_line: &str) -> ObservedFormat {
        let line = first_line.trim_start();
        if !line.starts_with('{') {
            return ObservedFormat::Csv;
        }
        let calico = [
            "\"dest_port\"",
            "\"destPort\"",
            "\"source_name",
            "\"sourceName",
            "\"reporter\"",
        ];
        if line.contains("\"flow\"") || line.contains("\"l4\"") || line.contains("\"IP\"") {
            ObservedFormat::Hubble
        } else if calico.iter().any(|k| line.contains(k)) {
            ObservedFormat::Calico
        } else {
            ObservedFormat::Hubble
        }
    }
}

/// One end of an observed flow, as the exporter named it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedEnd {
    pub namespace: Option<String>,
    /// A pod name; with `*` (Calico's aggregation) a name prefix.
    pub pod: Option<String>,
    /// A Calico HostEndpoint name.
    pub host_endpoint: Option<String>,
    pub ip: Option<IpAddr>,
}

/// What the dataplane did with the flow when it was observed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObservedVerdict {
    Forwarded,
    Dropped,
}

/// One observed flow (the first packet of a connection, or a reply).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedFlow {
    pub src: ObservedEnd,
    pub dst: ObservedEnd,
    /// `TCP`, `UDP`, `SCTP`, `ICMP`, `ICMPv6` or a protocol number.
    pub protocol: Option<String>,
    pub port: Option<u16>,
    pub icmp_type: Option<u8>,
    pub icmp_code: Option<u8>,
    pub method: Option<String>,
    pub path: Option<String>,
    /// A reply packet of a connection: conntrack passes it, policy does
    /// not judge it.
    pub reply: bool,
    pub observed: Option<ObservedVerdict>,
}

/// Reads one line. `Ok(None)`: the line holds no flow (blank, a CSV
/// header, a Hubble event that is not a flow).
pub fn parse_line(format: ObservedFormat, line: &str) -> Result<Option<ObservedFlow>, RecordError> {
    let line = line.trim();
    if line.is_empty() {
        return Ok(None);
    }
    match format {
        ObservedFormat::Hubble => hubble(line),
        ObservedFormat::Calico => calico(line),
        ObservedFormat::Csv => csv(line),
    }
}

#[derive(Deserialize)]
struct HubbleLine {
    #[serde(default)]
    flow: Option<HubbleFlow>,
}

#[derive(Default, Deserialize)]
struct HubbleFlow {
    #[serde(default)]
    verdict: Option<String>,
    #[serde(default, rename = "IP")]
    ip: Option<HubbleIp>,
    #[serde(default)]
    l4: Option<HubbleL4>,
    #[serde(default)]
    source: Option<HubbleEndpoint>,
    #[serde(default)]
    destination: Option<HubbleEndpoint>,
    #[serde(default)]
    is_reply: Option<bool>,
    #[serde(default)]
    l7: Option<HubbleL7>,
}

#[derive(Default, Deserialize)]
struct HubbleIp {
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    destination: Option<String>,
}

#[derive(Default, Deserialize)]
#[allow(non_snake_case)]
struct HubbleL4 {
    #[serde(default)]
    TCP: Option<HubblePorts>,
    #[serde(default)]
    UDP: Option<HubblePorts>,
    #[serde(default)]
    SCTP: Option<HubblePorts>,
    #[serde(default)]
    ICMPv4: Option<HubbleIcmp>,
    #[serde(default)]
    ICMPv6: Option<HubbleIcmp>,
}

#[derive(Default, Deserialize)]
struct HubblePorts {
    #[serde(default)]
    destination_port: Option<u32>,
    #[serde(default)]
    flags: Option<BTreeMap<String, bool>>,
}

#[derive(Default, Deserialize)]
#[serde(rename_all = "lowercase")]
struct HubbleIcmp {
    #[serde(default, rename = "type")]
    kind: Option<u32>,
    #[serde(default)]
    code: Option<u32>,
}

#[derive(Default, Deserialize)]
struct HubbleEndpoint {
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    pod_name: Option<String>,
}

#[derive(Default, Deserialize)]
struct HubbleL7 {
    /// `REQUEST` or `RESPONSE`.
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    http: Option<HubbleHttp>,
}

#[derive(Default, Deserialize)]
struct HubbleHttp {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    url: Option<String>,
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

fn address(text: Option<&str>) -> Result<Option<IpAddr>, String> {
    match text.filter(|t| !t.is_empty() && *t != "-") {
        None => Ok(None),
        Some(t) => t
            .parse()
            .map(Some)
            .map_err(|_| format!("invalid IP address `{t}`")),
    }
}

fn port(n: Option<u32>, what: &str) -> Result<Option<u16>, String> {
    match n {
        None | Some(0) => Ok(None),
        Some(n) => u16::try_from(n)
            .map(Some)
            .map_err(|_| format!("{what} {n} is out of range 1-65535")),
    }
}

fn icmp_field(n: Option<u32>, what: &str) -> Result<Option<u8>, String> {
    n.map(|n| u8::try_from(n).map_err(|_| format!("ICMP {what} {n} is out of range 0-255")))
        .transpose()
}

/// The path of an HTTP URL as Hubble writes it (`http://host/path?q`).
fn url_path(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, rest)| {
        rest.find('/').map_or("/", |at| &rest[at..])
    });
    if rest.is_empty() {
        "/".into()
    } else {
        rest.to_string()
    }
}

fn hubble(line: &str) -> Result<Option<ObservedFlow>, RecordError> {
    let parsed: HubbleLine = serde_json::from_str(line).map_err(json_error)?;
    let flow = match parsed.flow {
        Some(flow) => flow,
        // A bare flow object, as the Hubble API returns it unwrapped.
        None if line.contains("\"l4\"") => serde_json::from_str(line).map_err(json_error)?,
        None => return Ok(None),
    };
    let Some(l4) = flow.l4 else {
        // An event without a transport header (a drop of a non-IP frame,
        // an agent event): no flow to judge.
        return Ok(None);
    };
    let ip = flow.ip.unwrap_or_default();
    let end = |e: Option<HubbleEndpoint>, ip: Option<&str>| -> Result<ObservedEnd, String> {
        let e = e.unwrap_or_default();
        Ok(ObservedEnd {
            namespace: non_empty(e.namespace),
            pod: non_empty(e.pod_name),
            host_endpoint: None,
            ip: address(ip)?,
        })
    };
    let mut out = ObservedFlow {
        src: end(flow.source, ip.source.as_deref())?,
        dst: end(flow.destination, ip.destination.as_deref())?,
        ..ObservedFlow::default()
    };
    let mut flags = None;
    for (name, ports) in [("TCP", l4.TCP), ("UDP", l4.UDP), ("SCTP", l4.SCTP)] {
        if let Some(p) = ports {
            out.protocol = Some(name.into());
            out.port = port(p.destination_port, "destination_port")?;
            flags = p.flags;
        }
    }
    for (name, icmp) in [("ICMP", l4.ICMPv4), ("ICMPv6", l4.ICMPv6)] {
        if let Some(i) = icmp {
            out.protocol = Some(name.into());
            out.icmp_type = icmp_field(i.kind, "type")?;
            out.icmp_code = icmp_field(i.code, "code")?;
        }
    }
    // Hubble says which packets are replies; where it does not, a TCP
    // segment that acknowledges without opening is not a connection's
    // first packet.
    let flag = |name: &str| flags.as_ref().is_some_and(|f| f.get(name) == Some(&true));
    out.reply = flow
        .is_reply
        .unwrap_or(flags.is_some() && flag("ACK") && !flag("SYN"));
    out.observed = match flow.verdict.as_deref() {
        Some("DROPPED" | "ERROR") => Some(ObservedVerdict::Dropped),
        // AUDIT: policy would drop it, but audit mode forwarded it.
        Some("FORWARDED" | "REDIRECTED" | "TRANSLATED" | "TRACED" | "AUDIT") => {
            Some(ObservedVerdict::Forwarded)
        }
        _ => None,
    };
    if let Some(l7) = flow.l7 {
        // A proxy's record of a response travels back on the connection.
        out.reply |= l7.kind.as_deref() == Some("RESPONSE");
        if let Some(http) = l7.http {
            out.method = non_empty(http.method);
            out.path = non_empty(http.url).map(|u| url_path(&u));
        }
    }
    Ok(Some(out))
}

/// A Calico flow-log record, or a Goldmane flow (its `key` holds the
/// same fields in camelCase).
fn calico(line: &str) -> Result<Option<ObservedFlow>, RecordError> {
    let value: Value = serde_json::from_str(line).map_err(json_error)?;
    let Value::Object(top) = value else {
        return Err(RecordError::from("expected a JSON object".to_string()));
    };
    let mut fields: BTreeMap<String, Value> = BTreeMap::new();
    let add = |map: serde_json::Map<String, Value>, fields: &mut BTreeMap<String, Value>| {
        for (k, v) in map {
            if k != "key" {
                fields.insert(k.replace('_', "").to_ascii_lowercase(), v);
            }
        }
    };
    if let Some(Value::Object(key)) = top.get("key").or(top.get("Key")).cloned() {
        add(key, &mut fields);
    }
    add(top, &mut fields);
    let text = |name: &str| -> Option<String> {
        match fields.get(name) {
            Some(Value::String(s)) if !s.is_empty() && s != "-" => Some(s.clone()),
            Some(Value::Number(n)) => Some(n.to_string()),
            _ => None,
        }
    };
    let number = |name: &str| -> Result<Option<u32>, String> {
        match fields.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .map(Some)
                .ok_or_else(|| format!("`{name}` is not a port number: {n}")),
            Some(Value::String(s)) if s.is_empty() || s == "-" => Ok(None),
            Some(Value::String(s)) => s
                .parse()
                .map(Some)
                .map_err(|_| format!("`{name}` is not a number: `{s}`")),
            Some(other) => Err(format!("`{name}` is not a number: {other}")),
        }
    };
    let end = |side: &str| -> Result<ObservedEnd, String> {
        let kind = text(&format!("{side}type")).map(|t| t.to_ascii_lowercase());
        // A name is a pod's own name, or (aggregated) its prefix with `*`;
        // `pub`/`pvt` say only that the peer is outside the cluster.
        let name = text(&format!("{side}name"))
            .or_else(|| text(&format!("{side}nameaggr")))
            .filter(|n| n != "pub" && n != "pvt");
        let ip = address(text(&format!("{side}ip")).as_deref())?;
        let namespace = text(&format!("{side}namespace"));
        Ok(match kind.as_deref() {
            Some("hep") => ObservedEnd {
                host_endpoint: name,
                ip,
                ..ObservedEnd::default()
            },
            Some("net" | "ns") => ObservedEnd {
                ip,
                ..ObservedEnd::default()
            },
            _ => ObservedEnd {
                pod: name.filter(|_| namespace.is_some()),
                namespace,
                ip,
                host_endpoint: None,
            },
        })
    };
    let protocol = text("proto").map(|p| match p.to_ascii_lowercase().as_str() {
        "tcp" | "6" => "TCP".to_string(),
        "udp" | "17" => "UDP".to_string(),
        "sctp" | "132" => "SCTP".to_string(),
        "icmp" | "1" => "ICMP".to_string(),
        "icmp6" | "icmpv6" | "58" => "ICMPv6".to_string(),
        _ => p,
    });
    let has_ports = matches!(protocol.as_deref(), None | Some("TCP" | "UDP" | "SCTP"));
    Ok(Some(ObservedFlow {
        src: end("source")?,
        dst: end("dest")?,
        port: if has_ports {
            port(number("destport")?, "dest_port")?
        } else {
            None
        },
        protocol,
        observed: match text("action").map(|a| a.to_ascii_lowercase()).as_deref() {
            Some("allow") => Some(ObservedVerdict::Forwarded),
            Some("deny") => Some(ObservedVerdict::Dropped),
            _ => None,
        },
        ..ObservedFlow::default()
    }))
}

/// `src,dst,proto,port[,method,path]`: ends as `NAMESPACE/POD` or an
/// address. A first line whose first field is `src` is a header.
fn csv(line: &str) -> Result<Option<ObservedFlow>, RecordError> {
    let fields: Vec<&str> = line.split(',').map(str::trim).collect();
    if fields[0].eq_ignore_ascii_case("src") || line.starts_with('#') {
        return Ok(None);
    }
    if !(4..=6).contains(&fields.len()) {
        return Err(RecordError::from(format!(
            "expected src,dst,proto,port[,method,path]: found {} fields",
            fields.len()
        )));
    }
    let end = |text: &str| -> Result<ObservedEnd, String> {
        if let Ok(ip) = text.parse::<IpAddr>() {
            return Ok(ObservedEnd {
                ip: Some(ip),
                ..ObservedEnd::default()
            });
        }
        match text.split_once('/') {
            Some((ns, pod)) if !ns.is_empty() && !pod.is_empty() && !pod.contains('/') => {
                Ok(ObservedEnd {
                    namespace: Some(ns.to_string()),
                    pod: Some(pod.to_string()),
                    ..ObservedEnd::default()
                })
            }
            _ => Err(format!(
                "`{text}` is neither NAMESPACE/POD nor an IP address"
            )),
        }
    };
    let port_text = fields[3];
    let port = if port_text.is_empty() {
        None
    } else {
        let n: u32 = port_text
            .parse()
            .map_err(|_| format!("port `{port_text}` is not a number"))?;
        match u16::try_from(n) {
            Ok(p) if p > 0 => Some(p),
            _ => {
                return Err(RecordError::from(format!(
                    "port {n} is out of range 1-65535"
                )));
            }
        }
    };
    let opt = |i: usize| {
        fields
            .get(i)
            .filter(|f| !f.is_empty())
            .map(|f| f.to_string())
    };
    Ok(Some(ObservedFlow {
        src: end(fields[0])?,
        dst: end(fields[1])?,
        protocol: Some(fields[2].to_string()).filter(|p| !p.is_empty()),
        port,
        method: opt(4),
        path: opt(5),
        ..ObservedFlow::default()
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hubble_line_names_its_ends_ports_and_verdict() {
        let line = r#"{"flow":{"time":"2026-01-01T00:00:00Z","verdict":"DROPPED","IP":{"source":"10.0.1.50","destination":"10.0.2.60","ipVersion":"IPv4"},"l4":{"TCP":{"source_port":45000,"destination_port":8080,"flags":{"SYN":true}}},"source":{"namespace":"demo","pod_name":"client-1","labels":["k8s:app=client"]},"destination":{"namespace":"demo","pod_name":"api-0"},"Type":"L7","traffic_direction":"INGRESS","is_reply":false,"l7":{"type":"REQUEST","http":{"method":"POST","url":"http://api.demo/admin?x=1"}}},"node_name":"w1"}"#;
        assert_eq!(ObservedFormat::detect(line), ObservedFormat::Hubble);
        let f = parse_line(ObservedFormat::Hubble, line).unwrap().unwrap();
        assert_eq!(f.src.pod.as_deref(), Some("client-1"));
        assert_eq!(f.dst.ip, Some("10.0.2.60".parse().unwrap()));
        assert_eq!((f.protocol.as_deref(), f.port), (Some("TCP"), Some(8080)));
        assert_eq!(f.observed, Some(ObservedVerdict::Dropped));
        assert_eq!(f.method.as_deref(), Some("POST"));
        assert_eq!(f.path.as_deref(), Some("/admin?x=1"));
        assert!(!f.reply);
    }

    #[test]
    fn hubble_replies_and_mid_connection_segments_are_not_judged() {
        let reply = r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.0.2","destination":"10.0.0.1"},"l4":{"TCP":{"source_port":80,"destination_port":40000,"flags":{"ACK":true,"SYN":true}}},"is_reply":true}}"#;
        assert!(
            parse_line(ObservedFormat::Hubble, reply)
                .unwrap()
                .unwrap()
                .reply
        );
        let ack = r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.0.2","destination":"10.0.0.1"},"l4":{"TCP":{"destination_port":80,"flags":{"ACK":true}}}}}"#;
        assert!(
            parse_line(ObservedFormat::Hubble, ack)
                .unwrap()
                .unwrap()
                .reply
        );
        let icmp = r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.0.2","destination":"10.0.0.1"},"l4":{"ICMPv4":{"type":8}}}}"#;
        let f = parse_line(ObservedFormat::Hubble, icmp).unwrap().unwrap();
        assert_eq!(
            (f.protocol.as_deref(), f.icmp_type, f.reply),
            (Some("ICMP"), Some(8), false)
        );
        let response = r#"{"flow":{"verdict":"FORWARDED","IP":{"source":"10.0.0.2","destination":"10.0.0.1"},"l4":{"TCP":{"source_port":80,"destination_port":40000}},"Type":"L7","l7":{"type":"RESPONSE","http":{"code":200,"method":"GET","url":"http://a/b"}}}}"#;
        assert!(
            parse_line(ObservedFormat::Hubble, response)
                .unwrap()
                .unwrap()
                .reply
        );
        let event = r#"{"agent_event":{"type":"AGENT_STARTED"}}"#;
        assert_eq!(parse_line(ObservedFormat::Hubble, event).unwrap(), None);
    }

    #[test]
    fn calico_flow_logs_and_goldmane_flows_read_alike() {
        let log = r#"{"start_time":1700000000,"source_ip":"10.0.0.5","source_name":"web-0","source_name_aggr":"web-*","source_namespace":"shop","source_type":"wep","dest_ip":"8.8.8.8","dest_name":"-","dest_name_aggr":"pub","dest_namespace":"-","dest_type":"net","dest_port":53,"proto":"udp","action":"deny","reporter":"src"}"#;
        assert_eq!(ObservedFormat::detect(log), ObservedFormat::Calico);
        let f = parse_line(ObservedFormat::Calico, log).unwrap().unwrap();
        assert_eq!(f.src.namespace.as_deref(), Some("shop"));
        assert_eq!(f.src.pod.as_deref(), Some("web-0"));
        assert_eq!(f.dst.pod, None);
        assert_eq!(f.dst.ip, Some("8.8.8.8".parse().unwrap()));
        assert_eq!((f.protocol.as_deref(), f.port), (Some("UDP"), Some(53)));
        assert_eq!(f.observed, Some(ObservedVerdict::Dropped));
        let goldmane = r#"{"key":{"sourceName":"web-*","sourceNamespace":"shop","sourceType":"WorkloadEndpoint","destName":"db-*","destNamespace":"shop","destType":"WorkloadEndpoint","destPort":5432,"proto":"tcp","reporter":"Dst","action":"Allow"},"startTime":1}"#;
        assert_eq!(ObservedFormat::detect(goldmane), ObservedFormat::Calico);
        let g = parse_line(ObservedFormat::Calico, goldmane)
            .unwrap()
            .unwrap();
        assert_eq!(g.src.pod.as_deref(), Some("web-*"));
        assert_eq!(g.dst.pod.as_deref(), Some("db-*"));
        assert_eq!(g.port, Some(5432));
        assert_eq!(g.observed, Some(ObservedVerdict::Forwarded));
    }

    #[test]
    fn csv_rows_with_names_addresses_and_http() {
        assert_eq!(
            ObservedFormat::detect("src,dst,proto,port"),
            ObservedFormat::Csv
        );
        assert_eq!(
            parse_line(ObservedFormat::Csv, "src,dst,proto,port").unwrap(),
            None
        );
        let f = parse_line(ObservedFormat::Csv, "shop/web-0, 10.96.0.10, UDP, 53")
            .unwrap()
            .unwrap();
        assert_eq!(f.src.pod.as_deref(), Some("web-0"));
        assert_eq!(f.dst.ip, Some("10.96.0.10".parse().unwrap()));
        let h = parse_line(ObservedFormat::Csv, "a/b,a/c,TCP,80,GET,/x")
            .unwrap()
            .unwrap();
        assert_eq!(
            (h.method.as_deref(), h.path.as_deref()),
            (Some("GET"), Some("/x"))
        );
        assert!(parse_line(ObservedFormat::Csv, "a/b,a/c,TCP,70000").is_err());
        assert!(parse_line(ObservedFormat::Csv, "a/b,a/c").is_err());
        assert!(parse_line(ObservedFormat::Csv, "web,a/c,TCP,80").is_err());
    }
}
