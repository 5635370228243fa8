//! DNS answers for Cilium `toFQDNs` rules: `--dns NAME=IP[,IP...]` and
//! `--dns-file FILE` in /etc/hosts form (`IP NAME [NAME...]`, `#` comments).
//!
//! Cilium learns which addresses a name stands for only from the DNS
//! responses its proxy sees; offline, the user says what those were.

use std::collections::BTreeMap;
use std::net::IpAddr;

use miette::{Diagnostic, NamedSource, SourceSpan};
use thiserror::Error;

/// A DNS table: lower-case names without the trailing dot, to addresses.
pub(crate) type DnsTable = BTreeMap<String, Vec<IpAddr>>;

/// A bad line of a hosts file.
#[derive(Debug, Diagnostic, Error)]
#[error("{message}")]
#[diagnostic(code(polctl::input::dns))]
pub struct DnsError {
    message: String,
    #[source_code]
    src: NamedSource<String>,
    #[label("here")]
    at: SourceSpan,
    #[help]
    help: Option<String>,
}

/// Normalises a DNS name as Cilium compares them (case-insensitive, the
/// root dot implied).
pub(crate) fn normalize(name: &str) -> String {
    name.trim_end_matches('.').to_ascii_lowercase()
}

fn valid_name(name: &str) -> bool {
    let name = name.trim_end_matches('.');
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && l.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

fn add(table: &mut DnsTable, name: &str, ip: IpAddr) {
    let ips = table.entry(normalize(name)).or_default();
    if !ips.contains(&ip) {
        ips.push(ip);
    }
}

/// Reads a hosts-format file into `table`.
pub fn read_hosts(path: &str, text: &str, table: &mut DnsTable) -> Result<(), Box<DnsError>> {
    let error = |offset: usize, len: usize, message: String, help: Option<&str>| {
        Box::new(DnsError {
            message: format!("{path}: {message}"),
            src: NamedSource::new(path, text.to_string()),
            at: (offset, len.max(1)).into(),
            help: help.map(String::from),
        })
    };
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let content = line.split('#').next().unwrap_or_default();
        let mut words = Vec::new();
        let mut at = 0;
        for word in content.split_ascii_whitespace() {
            let start = content[at..].find(word).map_or(at, |i| at + i);
            words.push((offset + start, word));
            at = start + word.len();
        }
        if let Some(&(ip_at, ip_text)) = words.first() {
            let ip: IpAddr = ip_text.parse().map_err(|_| {
                error(
                    ip_at,
                    ip_text.len(),
                    format!("`{ip_text}` is not an IP address"),
                    Some("each line is `IP NAME [NAME...]`, as in /etc/hosts"),
                )
            })?;
            if words.len() == 1 {
                return Err(error(
                    ip_at,
                    ip_text.len(),
                    format!("{ip} has no name"),
                    Some("each line is `IP NAME [NAME...]`, as in /etc/hosts"),
                ));
            }
            for &(name_at, name) in &words[1..] {
                if !valid_name(name) {
                    return Err(error(
                        name_at,
                        name.len(),
                        format!("`{name}` is not a DNS name"),
                        None,
                    ));
                }
                add(table, name, ip);
            }
        }
        offset += line.len();
    }
    Ok(())
}

/// Reads one `--dns NAME=IP[,IP...]` argument into `table`.
pub(crate) fn read_arg(arg: &str, table: &mut DnsTable) -> Result<(), String> {
    let (name, ips) = arg
        .split_once('=')
        .ok_or_else(|| format!("--dns `{arg}`: expected NAME=IP[,IP...]"))?;
    if !valid_name(name) {
        return Err(format!("--dns `{arg}`: `{name}` is not a DNS name"));
    }
    for ip in ips.split(',') {
        let ip: IpAddr = ip
            .trim()
            .parse()
            .map_err(|_| format!("--dns `{arg}`: `{ip}` is not an IP address"))?;
        add(table, name, ip);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_lines_with_comments_and_several_names() {
        let mut t = DnsTable::new();
        let text = "# answers seen\n140.82.112.3  api.github.com  GitHub.com.\n\n2606:50c0::1 api.github.com # v6\n";
        read_hosts("dns.hosts", text, &mut t).unwrap();
        assert_eq!(
            t["api.github.com"],
            vec![
                "140.82.112.3".parse::<IpAddr>().unwrap(),
                "2606:50c0::1".parse().unwrap()
            ]
        );
        assert_eq!(
            t["github.com"],
            vec!["140.82.112.3".parse::<IpAddr>().unwrap()]
        );
    }

    #[test]
    fn a_bad_address_points_at_its_column() {
        let mut t = DnsTable::new();
        let text = "1.2.3.4 ok.example\n  1.2.3 broken.example\n";
        let e = read_hosts("dns.hosts", text, &mut t).unwrap_err();
        assert_eq!(e.at.offset(), text.find("1.2.3 ").unwrap());
        assert!(e.message.contains("`1.2.3` is not an IP address"));
        let e = read_hosts("dns.hosts", "10.0.0.1\n", &mut t).unwrap_err();
        assert!(e.message.contains("has no name"));
        let e = read_hosts("dns.hosts", "10.0.0.1 bad..name\n", &mut t).unwrap_err();
        assert_eq!(e.at.offset(), 9);
    }

    proptest::proptest! {
        /// Any text either reads or is refused at a span inside it.
        #[test]
        fn any_hosts_text_reads_or_points_inside_it(text in "[0-9a-z:.# \\t\\n-]{0,80}|\\PC{0,40}") {
            let mut t = DnsTable::new();
            if let Err(e) = read_hosts("f", &text, &mut t) {
                proptest::prop_assert!(e.at.offset() + e.at.len() <= text.len().max(1));
            }
            let _ = read_arg(&text, &mut t);
        }
    }

    #[test]
    fn arguments_take_several_addresses() {
        let mut t = DnsTable::new();
        read_arg("Example.COM=1.1.1.1,2.2.2.2", &mut t).unwrap();
        assert_eq!(t["example.com"].len(), 2);
        assert!(read_arg("example.com", &mut t).is_err());
        assert!(read_arg("example.com=nope", &mut t).is_err());
    }
}
