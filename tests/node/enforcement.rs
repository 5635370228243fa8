//! The kernel agrees with the simulator. A network namespace plays the
//! node; each endpoint of a fixture gets its own namespace behind a veth
//! pair whose host side is on the node, wired as Calico wires pods (a /32
//! route to the pod, proxy ARP, the pod's default route via 169.254.1.1;
//! for a dual-stack pod also a /128 route, proxy NDP, and the pod's IPv6
//! default route via the host side's link-local address).
//! polctl attaches its classifier in the node's namespace; every (source,
//! destination, port, protocol) is probed from inside the pods and the
//! answer compared with `polctl simulate`'s L3/L4 verdict. Then detach
//! must leave nothing behind.
//!
//! Needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN for namespaces), which
//! the machines that run scripts/test have.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::Value;

use crate::common::{polctl, repo};

static LABS: AtomicUsize = AtomicUsize::new(0);

fn sh(args: &[&str]) -> String {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", args.join(" ")));
    assert!(
        out.status.success(),
        "{} failed: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Pod {
    /// `namespace/name`.
    name: String,
    netns: String,
    iface: String,
    ip: String,
    /// The pod's IPv6 address, when it has one.
    ip6: Option<String>,
}

/// Namespaces, links, listeners and pins of one test; all removed on drop,
/// also when the test fails.
struct Lab {
    node: String,
    pods: Vec<Pod>,
    pin_dir: PathBuf,
    listeners: Vec<Child>,
}

impl Lab {
    fn new() -> Lab {
        let n = LABS.fetch_add(1, Ordering::SeqCst);
        let id = format!("{}{n}", std::process::id() % 100_000);
        let node = format!("polctl-node-{id}");
        sh(&["ip", "netns", "add", &node]);
        let lab = Lab {
            pin_dir: Path::new("/sys/fs/bpf").join(format!("polctl-test-{id}")),
            node,
            pods: Vec::new(),
            listeners: Vec::new(),
        };
        lab.in_node(&["ip", "link", "set", "lo", "up"]);
        lab.in_node(&["sysctl", "-qw", "net.ipv4.ip_forward=1"]);
        lab.in_node(&["sysctl", "-qw", "net.ipv6.conf.all.forwarding=1"]);
        // Addresses usable at once, not after duplicate address detection
        // (up to a second or more per interface).
        lab.in_node(&["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"]);
        // The node's uplink: proxy ARP only answers for addresses routed
        // through another interface, so the pods' gateway 169.254.1.1 must
        // be (as it is on a real node, through its default route).
        lab.in_node(&[
            "ip", "link", "add", "up0", "type", "veth", "peer", "name", "up1",
        ]);
        lab.in_node(&["ip", "link", "set", "up0", "up"]);
        lab.in_node(&["ip", "link", "set", "up1", "up"]);
        lab.in_node(&["ip", "route", "add", "default", "dev", "up0"]);
        lab
    }

    fn in_node(&self, args: &[&str]) -> String {
        let mut full = vec!["ip", "netns", "exec", &self.node];
        full.extend(args);
        sh(&full)
    }

    fn add_pod(&mut self, name: &str, ip: &str, ip6: Option<&str>) {
        let k = self.pods.len();
        let netns = format!("{}-{k}", self.node);
        let suffix = self.node.trim_start_matches("polctl-node-");
        let iface = format!("pc{suffix}p{k}");
        assert!(iface.len() <= 15, "{iface}");
        sh(&["ip", "netns", "add", &netns]);
        self.pods.push(Pod {
            name: name.to_string(),
            netns: netns.clone(),
            iface: iface.clone(),
            ip: ip.to_string(),
            ip6: ip6.map(str::to_string),
        });
        sh(&[
            "ip",
            "netns",
            "exec",
            &netns,
            "sysctl",
            "-qw",
            "net.ipv6.conf.default.accept_dad=0",
        ]);
        // The first pod's interface gets an index past the classifier's
        // endpoint array, so the hash it falls back to is exercised too.
        let index = (65_600 + k).to_string();
        let mut add = vec!["ip", "link", "add", &iface];
        if k == 0 {
            add.extend(["index", index.as_str()]);
        }
        add.extend([
            "netns", &self.node, "type", "veth", "peer", "name", "eth0", "netns", &netns,
        ]);
        sh(&add);
        if k == 0 {
            let shown = self.in_node(&["ip", "-o", "link", "show", &iface]);
            assert!(shown.starts_with(&format!("{index}:")), "{shown}");
        }
        let pod = |args: &[&str]| {
            let mut full = vec!["ip", "-n", &netns];
            full.extend(args);
            sh(&full);
        };
        pod(&["link", "set", "lo", "up"]);
        pod(&["addr", "add", &format!("{ip}/32"), "dev", "eth0"]);
        pod(&["link", "set", "eth0", "up"]);
        pod(&["route", "add", "169.254.1.1", "dev", "eth0"]);
        pod(&[
            "route",
            "add",
            "default",
            "via",
            "169.254.1.1",
            "dev",
            "eth0",
        ]);
        self.in_node(&["ip", "link", "set", &iface, "up"]);
        self.in_node(&[
            "sysctl",
            "-qw",
            &format!("net.ipv4.conf.{iface}.proxy_arp=1"),
        ]);
        // Calico's setting: answer ARP at once, not after up to 0.8 s.
        self.in_node(&[
            "sysctl",
            "-qw",
            &format!("net.ipv4.neigh.{iface}.proxy_delay=0"),
        ]);
        self.in_node(&["ip", "route", "add", &format!("{ip}/32"), "dev", &iface]);
        if let Some(ip6) = ip6 {
            self.wire_ipv6(k, ip6);
        }
    }

    /// The IPv6 wiring of pod `k`, the counterpart of the IPv4 one: the
    /// pod's default route goes via fe80::1, which the node answers for on
    /// the pod's veth by proxy NDP (`proxy_ndp` and an `ip -6 neigh add
    /// proxy` entry, as proxy ARP answers for 169.254.1.1), and the node
    /// routes the pod's /128 to the veth.
    fn wire_ipv6(&self, k: usize, ip6: &str) {
        const GATEWAY: &str = "fe80::1";
        let (netns, iface) = (&self.pods[k].netns, &self.pods[k].iface);
        self.in_node(&[
            "sysctl",
            "-qw",
            &format!("net.ipv6.conf.{iface}.proxy_ndp=1"),
        ]);
        // Answer at once, not after up to 0.8 s.
        self.in_node(&[
            "sysctl",
            "-qw",
            &format!("net.ipv6.neigh.{iface}.proxy_delay=0"),
        ]);
        self.in_node(&["ip", "-6", "neigh", "add", "proxy", GATEWAY, "dev", iface]);
        self.in_node(&[
            "ip",
            "-6",
            "route",
            "add",
            &format!("{ip6}/128"),
            "dev",
            iface,
        ]);
        let pod = |args: &[&str]| {
            let mut full = vec!["ip", "-n", netns];
            full.extend(args);
            sh(&full);
        };
        pod(&[
            "-6",
            "addr",
            "add",
            &format!("{ip6}/128"),
            "dev",
            "eth0",
            "nodad",
        ]);
        pod(&[
            "-6", "route", "add", "default", "via", GATEWAY, "dev", "eth0",
        ]);
    }

    fn listen(&mut self, pod: usize, specs: &[String]) {
        let ipv6 = self.pods[pod].ip6.is_some().then_some("--ipv6");
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.pods[pod].netns, "python3"])
            .arg(repo().join("tests/node/netns.py"))
            .arg("listen")
            .args(ipv6)
            .args(specs)
            .stdout(Stdio::piped())
            .spawn()
            .expect("listener starts");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().expect("stdout"))
            .read_line(&mut line)
            .expect("listener says ready");
        self.listeners.push(child);
        assert_eq!(line.trim(), "ready", "listener in {}", self.pods[pod].name);
    }

    /// Probes from `pod`, all at once: `(ip, protocol, port)` → reached.
    fn probe(&self, pod: usize, probes: &[(String, String, u16)]) -> Vec<bool> {
        let mut child = Command::new("ip")
            .args(["netns", "exec", &self.pods[pod].netns, "python3"])
            .arg(repo().join("tests/node/netns.py"))
            .arg("probe")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("prober starts");
        let input = serde_json::to_string(probes).expect("json");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write probes");
        let out = child.wait_with_output().expect("prober ends");
        serde_json::from_slice(&out.stdout).expect("one boolean per probe")
    }

    /// `polctl node ARGS --pin-dir DIR` run in the node's network
    /// namespace only (the host's bpffs stays visible).
    fn polctl_node(&self, args: &[&str]) -> std::process::Output {
        let mut full = args.to_vec();
        let pin_dir = self.pin_dir.to_str().expect("utf-8 pin dir");
        full.extend(["--pin-dir", pin_dir]);
        self.polctl_in_node(&full)
    }

    /// `polctl node ARGS` in the node's network namespace.
    fn polctl_in_node(&self, args: &[&str]) -> std::process::Output {
        let mut cmd = Command::new("nsenter");
        cmd.arg(format!("--net=/run/netns/{}", self.node))
            .arg("--")
            .arg(env!("CARGO_BIN_EXE_polctl"))
            .arg("node")
            .args(args)
            .env("NO_COLOR", "1")
            .current_dir(repo());
        cmd.output().expect("polctl runs")
    }
}

impl Drop for Lab {
    fn drop(&mut self) {
        for l in &mut self.listeners {
            let _ = l.kill();
            let _ = l.wait();
        }
        if self.pin_dir.exists() {
            let _ = self.polctl_node(&["detach"]);
        }
        for p in &self.pods {
            let _ = Command::new("ip").args(["netns", "del", &p.netns]).status();
        }
        let _ = Command::new("ip")
            .args(["netns", "del", &self.node])
            .status();
    }
}

fn json(args: &[&str]) -> Value {
    let out = polctl().args(args).output().expect("polctl runs");
    assert!(
        out.status.success(),
        "polctl {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("json")
}

/// The ports worth probing: every container port, the bounds of every
/// port range the reachability graph shows, and one nobody names.
fn ports(fixture: &str, endpoints: &Value) -> BTreeSet<(String, u16)> {
    let mut out = BTreeSet::new();
    for e in endpoints["items"].as_array().expect("items") {
        for p in e["ports"].as_array().into_iter().flatten() {
            let proto = match p["protocol"].as_u64() {
                Some(6) => "TCP",
                Some(17) => "UDP",
                _ => continue,
            };
            out.insert((proto.to_string(), p["port"].as_u64().expect("port") as u16));
        }
    }
    let graph = json(&["graph", "-f", fixture, "-o", "json"]);
    for edge in graph["edges"].as_array().expect("edges") {
        for conn in edge["conns"].as_array().into_iter().flatten() {
            let text = conn.as_str().unwrap_or("");
            let Some((proto, ranges)) = text.split_once(' ') else {
                continue;
            };
            if proto != "TCP" && proto != "UDP" {
                continue;
            }
            for range in ranges.split(',') {
                for bound in range.split('-') {
                    if let Ok(p) = bound.parse::<u16>()
                        && p != 65535
                        && p > 1
                    {
                        out.insert((proto.to_string(), p));
                    }
                }
            }
        }
    }
    out.insert(("TCP".into(), 9999));
    out.insert(("UDP".into(), 9999));
    out
}

/// How attach learns the local endpoints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Endpoints {
    /// `--iface HOSTIF:NAMESPACE/POD` for each pod.
    Named,
    /// `--auto`: from the node's routes.
    Discovered,
}

/// The maps of a dry-run plan with endpoints by name instead of number,
/// sorted: equal for equal enforcement whatever order endpoints come in.
fn enforcement(plan: &Value) -> Value {
    let endpoints = plan["endpoints"].as_array().expect("endpoints");
    let name = |number: &Value| {
        endpoints
            .iter()
            .find(|e| e["number"] == *number)
            .map_or(Value::Null, |e| e["name"].clone())
    };
    let sorted = |mut v: Vec<Value>| {
        v.sort_by_key(|x| x.to_string());
        Value::Array(v)
    };
    let mut rules: Vec<Value> = plan["rules"].as_array().expect("rules").clone();
    for r in &mut rules {
        r["endpoint"] = name(&r["endpoint"]);
    }
    let mut entries: Vec<Value> = plan["identity_entries"]
        .as_array()
        .expect("entries")
        .clone();
    for e in &mut entries {
        let local = e["local_endpoint"].as_u64().expect("local");
        e["local_endpoint"] = if local == 0 {
            Value::Null
        } else {
            name(&(local - 1).into())
        };
    }
    let mut endpoints: Vec<Value> = endpoints.clone();
    for e in &mut endpoints {
        e["number"] = Value::Null;
    }
    serde_json::json!({
        "endpoints": sorted(endpoints),
        "identities": plan["identities"],
        "identity_entries": sorted(entries),
        "rules": sorted(rules),
    })
}

/// `--auto` in the node's namespace, before the last pod is wired: it finds
/// every wired pod on its veth, skips the last one (its address goes by the
/// node's default route, through the uplink) and, with `--node`, every pod
/// (the fixture's pods carry no spec.nodeName). Then its plan, once all are
/// wired, is the plan of the explicit `--iface` list.
fn auto_finds_the_wired_pods(lab: &Lab, fixture: &str, last: &str) {
    let dry = |extra: &[&str]| -> Value {
        let mut args = vec!["attach", "--dry-run", "-o", "json", "-f", fixture, "--auto"];
        args.extend(extra);
        let out = lab.polctl_in_node(&args);
        assert!(
            out.status.success(),
            "attach --dry-run --auto: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("json")
    };
    let plan = dry(&[]);
    let found: BTreeSet<(String, String)> = plan["discovery"]["found"]
        .as_array()
        .expect("found")
        .iter()
        .map(|f| {
            (
                f["iface"].as_str().expect("iface").to_string(),
                f["endpoint"].as_str().expect("endpoint").to_string(),
            )
        })
        .collect();
    let wired: BTreeSet<(String, String)> = lab
        .pods
        .iter()
        .map(|p| (p.iface.clone(), p.name.clone()))
        .collect();
    assert_eq!(found, wired, "--auto finds every wired pod on its veth");
    let skipped = plan["discovery"]["skipped"].as_array().expect("skipped");
    assert_eq!(skipped.len(), 1, "{skipped:?}");
    assert_eq!(skipped[0]["endpoint"], last);
    assert_eq!(skipped[0]["reason"], "not-local");
    assert!(
        skipped[0]["detail"]
            .as_str()
            .is_some_and(|d| d.contains("/0 route on up0")),
        "{skipped:?}"
    );

    let plan = dry(&["--node", "elsewhere"]);
    assert_eq!(plan["discovery"]["found"].as_array().map(Vec::len), Some(0));
    assert!(
        plan["discovery"]["skipped"]
            .as_array()
            .expect("skipped")
            .iter()
            .all(|s| s["reason"] == "no-node-name")
    );
}

/// Attaches to every endpoint of `fixture`, probes every pair, and
/// compares with `polctl simulate`; then detaches.
/// `then` runs after the probes agree, before detach.
fn kernel_agrees_with_simulate(
    fixture: &str,
    how: Endpoints,
    then: Option<fn(&Lab, &str, &[&str])>,
) {
    let endpoints = json(&["get", "endpoints", "-A", "-f", fixture, "-o", "json"]);
    let mut lab = Lab::new();
    let mut pods = Vec::new();
    for e in endpoints["items"].as_array().expect("items") {
        if e["host_network"].as_bool() == Some(true) {
            continue;
        }
        let ips: Vec<&str> = e["ips"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let Some(ip) = ips.iter().find(|ip| !ip.contains(':')) else {
            continue;
        };
        let ip6 = ips.iter().find(|ip| ip.contains(':'));
        let name = format!(
            "{}/{}",
            e["namespace"].as_str().expect("ns"),
            e["name"].as_str().expect("name")
        );
        pods.push((name, ip.to_string(), ip6.map(|ip| ip.to_string())));
    }
    let (last, last_ip, last_ip6) = pods.pop().expect("a pod");
    for (name, ip, ip6) in &pods {
        lab.add_pod(name, ip, ip6.as_deref());
    }
    if how == Endpoints::Discovered {
        auto_finds_the_wired_pods(&lab, fixture, &last);
    }
    lab.add_pod(&last, &last_ip, last_ip6.as_deref());
    let ports = ports(fixture, &endpoints);
    let specs: Vec<String> = ports.iter().map(|(p, n)| format!("{p}:{n}")).collect();
    for k in 0..lab.pods.len() {
        lab.listen(k, &specs);
    }

    let ifaces: Vec<String> = lab
        .pods
        .iter()
        .map(|p| format!("{}:{}", p.iface, p.name))
        .collect();
    let mut attach = vec!["attach", "-f", fixture];
    for i in &ifaces {
        attach.extend(["--iface", i.as_str()]);
    }
    if how == Endpoints::Discovered {
        let plan = |args: &[&str]| -> Value {
            let mut full = args.to_vec();
            full.extend(["--dry-run", "-o", "json"]);
            let out = lab.polctl_in_node(&full);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            serde_json::from_slice(&out.stdout).expect("json")
        };
        let auto = ["attach", "-f", fixture, "--auto"];
        assert_eq!(
            enforcement(&plan(&auto)),
            enforcement(&plan(&attach)),
            "--auto compiles what the explicit --iface list compiles"
        );
        attach = auto.to_vec();
    }
    let out = lab.polctl_node(&attach);
    assert!(
        out.status.success(),
        "attach: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    if how == Endpoints::Discovered {
        let stdout = String::from_utf8_lossy(&out.stdout);
        let found = format!(
            "found {n} local endpoint(s) of {n} pod(s)",
            n = lab.pods.len()
        );
        assert!(stdout.contains(&found), "{stdout}");
        let status = lab.polctl_node(&["status", "-o", "json"]);
        let status: Value = serde_json::from_slice(&status.stdout).expect("status json");
        assert_eq!(
            status["discovery"]["found"].as_array().map(Vec::len),
            Some(lab.pods.len()),
            "status says what --auto found"
        );
    }

    let mut mismatches = Vec::new();
    let mut probed = 0;
    let mut allowed = 0;
    // IPv6 probes and how many of them simulate allows; per (source,
    // destination, protocol, port) the verdicts of IPv4 and IPv6.
    let (mut probed6, mut allowed6) = (0, 0);
    let mut by_family: std::collections::BTreeMap<(String, String, String, u16), Vec<bool>> =
        std::collections::BTreeMap::new();
    for (s, src) in lab.pods.iter().enumerate() {
        let mut probes = Vec::new();
        let mut expected = Vec::new();
        for dst in lab.pods.iter().filter(|d| d.name != src.name) {
            // IPv4 between the pods by name (their first addresses); IPv6,
            // when both ends have it, between their IPv6 addresses (given
            // as addresses at both ends: simulate keeps a flow in the
            // family of its source).
            let mut targets = vec![(src.name.clone(), dst.name.clone(), dst.ip.clone(), "ICMP")];
            if let (Some(ip6), Some(src6)) = (&dst.ip6, &src.ip6) {
                targets.push((src6.clone(), ip6.clone(), ip6.clone(), "ICMPv6"));
            }
            for (from, to, ip, icmp) in targets {
                let mut flows: Vec<(String, u16)> = ports.iter().cloned().collect();
                flows.push((icmp.into(), 0));
                for (proto, port) in flows {
                    let mut args = vec![
                        "simulate".to_string(),
                        "-f".into(),
                        fixture.into(),
                        "--from".into(),
                        from.clone(),
                        "--to".into(),
                        to.clone(),
                        "--proto".into(),
                        proto.clone(),
                        "-o".into(),
                        "json".into(),
                    ];
                    if !proto.starts_with("ICMP") {
                        args.extend(["--port".into(), port.to_string()]);
                    }
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    let sim = json(&args);
                    let verdict = sim["verdict"] == "allow" && sim["l7_filtered"] != true;
                    expected.push((format!("{} ({ip})", dst.name), proto.clone(), port, verdict));
                    let l4 = if proto.starts_with("ICMP") {
                        "ICMP"
                    } else {
                        &proto
                    };
                    by_family
                        .entry((src.name.clone(), dst.name.clone(), l4.to_string(), port))
                        .or_default()
                        .push(verdict);
                    probes.push((ip.clone(), proto, port));
                }
            }
        }
        let got = lab.probe(s, &probes);
        assert_eq!(got.len(), probes.len(), "one answer per probe");
        for (((dst, proto, port, want), got), (ip, _, _)) in
            expected.into_iter().zip(got).zip(&probes)
        {
            probed += 1;
            allowed += usize::from(want);
            if ip.contains(':') {
                probed6 += 1;
                allowed6 += usize::from(want);
            }
            if want != got {
                mismatches.push(format!(
                    "{} -> {dst} {proto} {port}: simulate {}, kernel {}",
                    src.name,
                    if want { "allow" } else { "deny" },
                    if got { "allow" } else { "deny" }
                ));
            }
        }
    }
    assert!(
        mismatches.is_empty(),
        "{fixture}: {} of {probed} probes differ:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
    assert!(
        allowed > 0 && allowed < probed,
        "{fixture}: both verdicts are probed"
    );
    if lab.pods.iter().any(|p| p.ip6.is_some()) {
        assert!(
            allowed6 > 0 && allowed6 < probed6,
            "{fixture}: both verdicts are probed over IPv6 ({allowed6} of {probed6} allowed)"
        );
        assert!(
            by_family.values().any(|v| v.len() == 2 && v[0] != v[1]),
            "{fixture}: some flow is decided apart for each family"
        );
    }

    if let Some(then) = then {
        then(&lab, fixture, &attach);
    }

    let status = lab.polctl_node(&["status", "-o", "json"]);
    assert!(status.status.success(), "status");
    let status: Value = serde_json::from_slice(&status.stdout).expect("status json");
    let denied: u64 = status["interfaces"]
        .as_array()
        .expect("interfaces")
        .iter()
        .map(|i| {
            i["egress"]["denied"].as_u64().unwrap_or(0)
                + i["ingress"]["denied"].as_u64().unwrap_or(0)
        })
        .sum();
    assert!(denied > 0, "the counters saw the drops");

    let out = lab.polctl_node(&["detach"]);
    assert!(
        out.status.success(),
        "detach: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!lab.pin_dir.exists(), "pins removed");
    for p in &lab.pods {
        let qdisc = lab.in_node(&["tc", "qdisc", "show", "dev", &p.iface]);
        assert!(
            !qdisc.contains("clsact"),
            "no clsact qdisc left on {}",
            p.iface
        );
    }
    let tcx = lab.in_node(&["bpftool", "net", "show"]);
    assert!(
        !tcx.contains("from_endpoint") && !tcx.contains("to_endpoint"),
        "nothing attached:\n{tcx}"
    );
}

/// Re-attaching while traffic flows (redis-frontend): every probe during
/// three updates gets the verdict it had before, as the new maps are filled
/// aside and switched to in one write.
fn updates_keep_every_verdict(lab: &Lab, _fixture: &str, attach: &[&str]) {
    let find = |n: &str| lab.pods.iter().position(|p| p.name == n).expect(n);
    let backend = lab.pods[find("myns/backend")].ip.clone();
    // Checked against simulate above: frontend may reach the database,
    // other may not.
    let flows = [(find("myns/frontend"), true), (find("myns/other"), false)];
    let done = AtomicBool::new(false);
    let seen = std::thread::scope(|s| {
        let prober = s.spawn(|| {
            let mut seen = Vec::new();
            while !done.load(Ordering::SeqCst) || seen.len() < 4 {
                for &(src, want) in &flows {
                    let got = lab.probe(src, &[(backend.clone(), "TCP".to_string(), 6379)]);
                    seen.push((lab.pods[src].name.clone(), want, got[0]));
                }
            }
            seen
        });
        for _ in 0..3 {
            let out = lab.polctl_node(attach);
            assert!(
                out.status.success(),
                "re-attach: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        done.store(true, Ordering::SeqCst);
        prober.join().expect("prober")
    });
    for (src, want, got) in seen {
        assert_eq!(got, want, "{src} -> myns/backend TCP 6379 during an update");
    }
}

/// Re-attaching redis-frontend with a policy that lets myns/other reach
/// the database instead of myns/frontend, while probes run one after the
/// other: each flipped flow shows its old verdict, then its new one, and
/// once any probe has seen the new policy every later probe does; flows
/// both policies decide alike never change.
fn a_new_policy_takes_over_at_once(lab: &Lab, fixture: &str, attach: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    for file in ["namespaces.yaml", "workloads.yaml", "policies.yaml"] {
        let text = std::fs::read_to_string(repo().join(fixture).join(file)).expect(file);
        let text = if file == "policies.yaml" {
            let flipped = text.replacen(
                "role: frontend\n      ports:",
                "role: other\n      ports:",
                1,
            );
            assert_ne!(flipped, text, "the backend's ingress peer is rewritten");
            flipped
        } else {
            text
        };
        std::fs::write(dir.path().join(file), text).expect("write");
    }
    let new_fixture = dir.path().to_str().expect("utf-8 path").to_string();
    let new_attach: Vec<&str> = attach
        .iter()
        .map(|&a| {
            if a == fixture {
                new_fixture.as_str()
            } else {
                a
            }
        })
        .collect();

    let find = |n: &str| lab.pods.iter().position(|p| p.name == n).expect(n);
    let ip = |n: &str| lab.pods[find(n)].ip.clone();
    // (source, destination, port, before, after)
    let flows = [
        ("myns/frontend", ip("myns/backend"), 6379, true, false),
        ("myns/other", ip("myns/backend"), 6379, false, true),
        ("other-ns/client", ip("myns/backend"), 6379, false, false),
        ("myns/other", ip("myns/frontend"), 443, true, true),
    ];
    let attached = AtomicBool::new(false);
    let started = AtomicUsize::new(0);
    let seen = std::thread::scope(|s| {
        let prober = s.spawn(|| {
            let mut seen = Vec::new();
            let mut rounds_after = 0;
            while rounds_after < 2 {
                let done = attached.load(Ordering::SeqCst);
                for (k, (src, dst, port, _, _)) in flows.iter().enumerate() {
                    let got = lab.probe(find(src), &[(dst.clone(), "TCP".to_string(), *port)]);
                    seen.push((k, got[0]));
                }
                started.fetch_add(1, Ordering::SeqCst);
                rounds_after += usize::from(done);
            }
            seen
        });
        while started.load(Ordering::SeqCst) == 0 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = lab.polctl_node(&new_attach);
        assert!(
            out.status.success(),
            "attach with the new policy: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        attached.store(true, Ordering::SeqCst);
        prober.join().expect("prober")
    });
    let describe = |k: usize| format!("{} -> {}:{}", flows[k].0, flows[k].1, flows[k].2);
    let mut switched = false;
    for (i, &(k, got)) in seen.iter().enumerate() {
        let (_, _, _, before, after) = flows[k];
        if before == after {
            assert_eq!(
                got,
                before,
                "{} (probe {i}) is decided alike by both policies",
                describe(k)
            );
            continue;
        }
        if got == after {
            switched = true;
        } else {
            assert!(
                !switched,
                "{} (probe {i}) sees the old policy after a probe saw the new one",
                describe(k)
            );
        }
    }
    // The first round ran before the update, the last two after it.
    for &(k, got) in &seen[..flows.len()] {
        assert_eq!(got, flows[k].3, "{} before the update", describe(k));
    }
    for &(k, got) in &seen[seen.len() - flows.len()..] {
        assert_eq!(got, flows[k].4, "{} after the update", describe(k));
    }
}

/// What needs an L7 proxy (store/partner's HTTP rules to the store/api
/// pods) is
/// dropped in the kernel under `--unenforceable drop` (the probes above
/// found it so), `status` says so, and `--unenforceable refuse` fails
/// without touching the enforcement in place.
fn l7_rules_are_dropped_and_shown(lab: &Lab, _fixture: &str, attach: &[&str]) {
    let status = lab.polctl_node(&["status", "-o", "json"]);
    assert!(status.status.success(), "status");
    let status: Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert_eq!(status["unenforceable"], "drop");
    let not_enforced = status["not_enforced"].as_array().expect("not_enforced");
    assert!(
        not_enforced.iter().any(|n| n["endpoint"] == "store/api-0"
            && n["direction"] == "ingress"
            && n["peer"] == "store/partner"
            && n["kind"] == "l7"
            && n["treatment"] == "dropped"),
        "{not_enforced:?}"
    );
    let table = lab.polctl_node(&["status"]);
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains("store/partner"), "{table}");

    let mut refuse = attach.to_vec();
    refuse.extend(["--unenforceable", "refuse"]);
    let out = lab.polctl_node(&refuse);
    assert_eq!(out.status.code(), Some(2), "refused");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--unenforceable drop"), "{stderr}");
    let status = lab.polctl_node(&["status", "-o", "json"]);
    let status: Value = serde_json::from_slice(&status.stdout).expect("status json");
    assert_eq!(
        status["unenforceable"], "drop",
        "the refused attach changed nothing"
    );
}

#[test]
fn kubernetes_policies_are_enforced_as_simulated() {
    kernel_agrees_with_simulate(
        "fixtures/redis-frontend",
        Endpoints::Named,
        Some(|lab, fixture, attach| {
            updates_keep_every_verdict(lab, fixture, attach);
            a_new_policy_takes_over_at_once(lab, fixture, attach);
        }),
    );
}

#[test]
fn cilium_l7_rules_are_dropped_in_the_kernel() {
    kernel_agrees_with_simulate(
        "fixtures/cilium-l7-widen",
        Endpoints::Named,
        Some(l7_rules_are_dropped_and_shown),
    );
}

/// Calico's wiring (a /32 route to each pod's veth) is what `--auto`
/// reads: it finds the pods itself and enforces the same.
#[test]
fn calico_tiers_are_enforced_as_simulated_on_the_endpoints_found() {
    kernel_agrees_with_simulate("fixtures/tiers", Endpoints::Discovered, None);
}

/// Dual-stack pods: every probe is made over IPv4 and over IPv6 (TCP,
/// UDP, ICMP and ICMPv6 echo), and IPv6 ipBlocks decide some of them.
#[test]
fn dual_stack_pods_are_enforced_as_simulated_over_both_families() {
    kernel_agrees_with_simulate("tests/node/dual-stack", Endpoints::Named, None);
}

#[test]
fn cilium_policies_are_enforced_as_simulated() {
    kernel_agrees_with_simulate("fixtures/cilium-deny", Endpoints::Named, None);
}
