//! `polctl graph`: the reachability graph in every output format, its
//! filters, the SVG as XML, and the HTML page driven in a real browser.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::{fixture, repo, run, temp_file};
use crate::polctl_snapshot;

fn graph_json(extra: &[&str]) -> Value {
    let redis = fixture("redis-frontend");
    let mut args = vec!["graph", "-f", &redis, "-o", "json"];
    args.extend_from_slice(extra);
    let out = run(&args);
    assert_eq!(out.code, 0, "polctl {}: {}", args.join(" "), out.stderr);
    serde_json::from_str(&out.stdout).expect("graph -o json is JSON")
}

fn edges(v: &Value) -> Vec<(String, String, Value)> {
    v["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| {
            (
                e["src"].as_str().unwrap_or_default().to_string(),
                e["dst"].as_str().unwrap_or_default().to_string(),
                e["conns"].clone(),
            )
        })
        .collect()
}

fn node_ids(v: &Value) -> Vec<String> {
    v["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

fn workload_ids(v: &Value) -> Vec<String> {
    v["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["type"] == "workload")
        .map(|n| n["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn redis_frontend_in_every_text_format() {
    let redis = fixture("redis-frontend");
    for (name, format) in [
        ("redis-frontend-table", "table"),
        ("redis-frontend-wide", "wide"),
        ("redis-frontend-json", "json"),
        ("redis-frontend-dot", "dot"),
        ("redis-frontend-mermaid", "mermaid"),
    ] {
        let out = polctl_snapshot!("graph", name, &["graph", "-f", &redis, "-o", format]);
        assert_eq!(out.code, 0, "{format}");
    }
}

#[test]
fn the_frontend_reaches_redis_on_6379_only() {
    let v = graph_json(&[]);
    let edge = v["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["src"] == "myns/frontend" && e["dst"] == "myns/backend")
        .expect("frontend -> backend edge");
    assert_eq!(edge["conns"], serde_json::json!(["TCP 6379"]));
    let policies: Vec<&str> = edge["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        policies.contains(&"NetworkPolicy default/myns/backend-allow-frontend"),
        "{policies:?}"
    );
    // Nothing outside myns reaches the backend or the frontend's 443 from
    // other-ns (no user=bob label there).
    for (src, dst, _) in edges(&v) {
        if dst == "myns/backend" {
            assert_eq!(src, "myns/frontend");
        }
        if dst == "myns/frontend" {
            assert!(src.starts_with("myns/"), "{src} -> {dst}");
        }
    }
}

#[test]
fn filters_narrow_the_graph() {
    let all = graph_json(&[]);
    assert_eq!(edges(&all).len(), 15);

    let from = graph_json(&["--from", "myns/frontend"]);
    assert!(!edges(&from).is_empty());
    assert!(edges(&from).iter().all(|(s, _, _)| s == "myns/frontend"));

    let to = graph_json(&["--to", "myns/backend"]);
    assert_eq!(
        edges(&to),
        [(
            "myns/frontend".to_string(),
            "myns/backend".to_string(),
            serde_json::json!(["TCP 6379"])
        )]
    );
    assert_eq!(node_ids(&to), ["myns/backend", "myns/frontend"]);

    // 6379 is allowed by the redis rule and by every unrestricted edge, but
    // not by the frontend's 443-only ingress.
    let port = graph_json(&["--port", "6379"]);
    let port_edges = edges(&port);
    assert_eq!(port_edges.len(), 13);
    assert!(
        port_edges
            .iter()
            .all(|(_, d, c)| d != "myns/frontend" && (c == "all" || c[0] == "TCP 6379"))
    );
    let udp = graph_json(&["--port", "6379/UDP"]);
    assert!(edges(&udp).iter().all(|(_, _, c)| c == "all"));

    let focus = graph_json(&["--focus", "myns/backend"]);
    assert!(
        edges(&focus)
            .iter()
            .all(|(s, d, _)| s == "myns/backend" || d == "myns/backend")
    );
    assert!(node_ids(&focus).contains(&"myns/backend".to_string()));

    let internal = graph_json(&["--exclude-external"]);
    assert_eq!(node_ids(&internal).len(), 4);
    assert!(
        internal["nodes"]
            .as_array()
            .expect("nodes")
            .iter()
            .all(|n| n["type"] == "workload")
    );

    // -n selects nodes: the namespace's workloads, every edge with an end
    // there, and the nodes at the other ends.
    let ns = graph_json(&["-n", "other-ns"]);
    let ns_edges = edges(&ns);
    assert!(!ns_edges.is_empty());
    assert!(
        ns_edges
            .iter()
            .all(|(s, d, _)| s == "other-ns/client" || d == "other-ns/client")
    );
    let all = graph_json(&[]);
    let touching: Vec<_> = edges(&all)
        .into_iter()
        .filter(|(s, d, _)| s.starts_with("other-ns/") || d.starts_with("other-ns/"))
        .collect();
    assert_eq!(ns_edges, touching);
    let mut ends: Vec<String> = touching
        .iter()
        .flat_map(|(s, d, _)| [s.clone(), d.clone()])
        .chain(["other-ns/client".to_string()])
        .collect();
    ends.sort();
    ends.dedup();
    let mut ids = node_ids(&ns);
    ids.sort();
    assert_eq!(ids, ends);
}

#[test]
fn a_namespace_shows_the_edges_that_leave_it() {
    let out = run(&[
        "graph",
        "-f",
        &fixture("cilium-deny"),
        "-n",
        "audit",
        "-o",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).expect("json");
    // Six edges from the collector to other namespaces, one to it.
    let crossing = edges(&v)
        .into_iter()
        .filter(|(s, d, _)| {
            (s == "audit/collector" && !d.starts_with("audit/"))
                || (d == "audit/collector" && !s.starts_with("audit/"))
        })
        .count();
    assert_eq!(crossing, 7, "{v}");
    let table = run(&["graph", "-f", &fixture("cilium-deny"), "-n", "audit"]);
    assert!(!table.stdout.contains("No connections"), "{}", table.stdout);
}

#[test]
fn a_bad_port_is_a_usage_error() {
    let out = run(&["graph", "-f", &fixture("redis-frontend"), "--port", "http"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--port"), "{}", out.stderr);
}

#[test]
fn other_commands_refuse_diagram_formats() {
    let tiers = fixture("tiers");
    for (format, args) in [
        ("svg", vec!["get", "policies", "-f", &tiers]),
        (
            "dot",
            vec![
                "simulate", "-f", &tiers, "--from", "shop/web", "--to", "shop/api", "--port",
                "8080",
            ],
        ),
        (
            "html",
            vec!["describe", "endpoint", "-f", &tiers, "shop/api"],
        ),
        ("mermaid", vec!["version"]),
    ] {
        let mut args = args.clone();
        args.extend(["-o", format]);
        let out = run(&args);
        assert_eq!(out.code, 2, "polctl {}", args.join(" "));
        assert!(
            out.stderr.contains(&format!(
                "-o {format} draws a graph: only `polctl graph` and `polctl diff` take it"
            )),
            "{}",
            out.stderr
        );
        assert!(out.stdout.is_empty());
    }
    // Their own formats still work.
    let out = run(&["get", "policies", "-f", &tiers, "-o", "name"]);
    assert_eq!(out.code, 0);
}

/// Whether an element's `class` attribute has `class` among its words.
fn has_class(n: roxmltree::Node, class: &str) -> bool {
    n.attribute("class")
        .is_some_and(|c| c.split_whitespace().any(|w| w == class))
}

/// The text of an edge label group.
fn label_text<'a>(n: roxmltree::Node<'a, '_>) -> Option<&'a str> {
    n.children()
        .find(|c| c.tag_name().name() == "text")
        .and_then(|t| t.text())
}

fn svg_of(fixture_name: &str) -> String {
    let out = run(&["graph", "-f", &fixture(fixture_name), "-o", "svg"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.stdout
}

#[test]
fn svg_is_xml_with_a_node_per_workload_and_labelled_edges() {
    let text = svg_of("redis-frontend");
    let doc = roxmltree::Document::parse(&text).expect("the SVG is well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    for attr in ["width", "height", "viewBox"] {
        assert!(root.attribute(attr).is_some(), "svg has {attr}");
    }

    let json = graph_json(&[]);
    let mut want = workload_ids(&json);
    want.sort();
    let mut got: Vec<&str> = doc
        .descendants()
        .filter(|n| has_class(*n, "node") && has_class(*n, "workload"))
        .filter_map(|n| n.attribute("data-id"))
        .collect();
    got.sort();
    assert_eq!(got, want, "one workload node per workload");
    let external = doc
        .descendants()
        .filter(|n| has_class(*n, "external"))
        .count();
    assert_eq!(
        external, 1,
        "the internet, one node as source and destination"
    );
    let drawn_edges = doc.descendants().filter(|n| has_class(*n, "edge")).count();
    assert_eq!(drawn_edges, edges(&json).len());

    let texts: Vec<&str> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "text")
        .filter_map(|n| n.text())
        .collect();
    for ns in ["myns · ", "other-ns · "] {
        assert!(
            texts.iter().any(|t| t.starts_with(ns)),
            "captions name the namespace `{ns}`: {texts:?}"
        );
    }
    for want in [
        "backend",
        "frontend",
        "client",
        "TCP 6379",
        "TCP 443",
        "0.0.0.0/0",
    ] {
        assert!(texts.contains(&want), "`{want}` drawn: {texts:?}");
    }
    let labels: Vec<&str> = doc
        .descendants()
        .filter(|n| has_class(*n, "edge-label"))
        .filter_map(label_text)
        .collect();
    assert!(labels.contains(&"TCP 6379"));
    assert!(labels.contains(&"all"));
}

#[test]
fn svg_marks_l7_and_authenticated_edges() {
    for (name, class, mark) in [
        ("cilium-l7-widen", "l7", "TCP 80 [L7]"),
        ("mutual-auth", "auth", "TCP 80 [auth]"),
    ] {
        let text = svg_of(name);
        let doc = roxmltree::Document::parse(&text).expect("well-formed");
        let styled = doc
            .descendants()
            .filter(|n| has_class(*n, "edge") && has_class(*n, class))
            .count();
        assert_eq!(styled, 1, "{name}: one {class} edge");
        assert!(
            doc.descendants()
                .any(|n| has_class(n, "edge-label") && label_text(n) == Some(mark)),
            "{name}: `{mark}` label"
        );
        let dot = run(&["graph", "-f", &fixture(name), "-o", "dot"]);
        assert!(
            dot.stdout.contains(&format!("label=\"{mark}\"")),
            "{name} dot"
        );
    }
}

#[test]
fn every_fixture_draws_as_valid_svg_dot_and_mermaid() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(repo().join("fixtures"))
        .expect("fixtures/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let name = dir.file_name().unwrap_or_default().to_string_lossy();
        let svg = svg_of(&name);
        roxmltree::Document::parse(&svg).unwrap_or_else(|e| panic!("{name}: SVG is not XML: {e}"));

        let out = run(&["graph", "-f", &fixture(&name), "-o", "mermaid"]);
        assert!(out.stdout.starts_with("flowchart LR\n"), "{name}");
        // Ids: no character Mermaid reads as syntax.
        for line in out.stdout.lines().skip(1) {
            for id in mermaid_ids(line) {
                assert!(
                    !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{name}: mermaid id `{id}` in `{line}`"
                );
            }
        }

        let out = run(&["graph", "-f", &fixture(&name), "-o", "dot"]);
        assert!(out.stdout.starts_with("digraph polctl {"), "{name}");
        assert!(out.stdout.trim_end().ends_with('}'), "{name}");
    }
}

/// The node and subgraph ids a line of our Mermaid output names.
fn mermaid_ids(line: &str) -> Vec<&str> {
    let t = line.trim();
    fn head(s: &str) -> &str {
        s.split(['[', '(']).next().unwrap_or_default()
    }
    if let Some(rest) = t.strip_prefix("subgraph ") {
        vec![head(rest)]
    } else if t == "end" || t.starts_with("linkStyle ") || t.starts_with("classDef ") {
        Vec::new()
    } else if let Some(rest) = t.strip_prefix("class ") {
        rest.split_whitespace()
            .next()
            .unwrap_or_default()
            .split(',')
            .collect()
    } else if t.contains(" -->") || t.contains(" -.->") {
        let words: Vec<&str> = t.split_whitespace().collect();
        vec![words[0], words[words.len() - 1]]
    } else {
        vec![head(t)]
    }
}

#[test]
fn html_is_one_self_contained_page() {
    let out = run(&["graph", "-f", &fixture("redis-frontend"), "-o", "html"]);
    assert_eq!(out.code, 0);
    let page = out.stdout;
    assert!(page.starts_with("<!DOCTYPE html>"));
    let without_svg_namespace = page.replace("xmlns=\"http://www.w3.org/2000/svg\"", "");
    for external in [
        "http://",
        "https://",
        "<link",
        "<script src",
        "@import",
        "<img",
    ] {
        assert!(
            !without_svg_namespace.contains(external),
            "the page loads nothing: found `{external}`"
        );
    }
    let data = page
        .split("<script type=\"application/json\" id=\"graph-data\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .expect("embedded graph data");
    let v: Value = serde_json::from_str(data).expect("the embedded data is JSON");
    assert_eq!(v["nodes"].as_array().map(Vec::len), Some(5));
    assert_eq!(v["edges"].as_array().map(Vec::len), Some(15));
}

/// `chromium` or `chromium-browser` on PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// Chromium, which browser tests cannot do without.
fn needed_chromium() -> PathBuf {
    chromium().expect(
        "chromium is not on PATH: run the tests with scripts/test, which installs it \
         (`apt-get install chromium fonts-liberation`)",
    )
}

/// Runs headless chromium on `url` with `args`, giving up after a minute.
fn browse(browser: &Path, args: &[&str], url: &str) -> String {
    let profile = tempfile::tempdir().expect("profile dir");
    let mut child = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            "--hide-scrollbars",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let stdout = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || std::io::read_to_string(stdout).unwrap_or_default());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().expect("wait").is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("chromium did not finish on {url}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    reader.join().expect("reader")
}

/// The page's details panel, as the DOM holds it.
fn details_panel(dom: &str) -> &str {
    dom.split("<div id=\"details\">")
        .nth(1)
        .and_then(|rest| rest.split("<div class=\"legend\">").next())
        .expect("details panel")
}

/// What the page shows: visible node elements, and the status counts.
struct Shown {
    nodes: usize,
    status_nodes: usize,
    status_edges: usize,
}

fn shown(dom: &str) -> Shown {
    let node = regex::Regex::new(r#"<g class="node [^"]*"[^>]*>"#).expect("regex");
    let nodes = node
        .find_iter(dom)
        .filter(|m| !m.as_str().contains(" hidden=") && !m.as_str().contains("display: none"))
        .count();
    let count = |attr: &str| -> usize {
        let re = regex::Regex::new(&format!(r#"id="status"[^>]*{attr}="(\d+)""#)).expect("regex");
        re.captures(dom)
            .and_then(|c| c[1].parse().ok())
            .unwrap_or_else(|| panic!("status {attr} in the DOM"))
    };
    Shown {
        nodes,
        status_nodes: count("data-nodes"),
        status_edges: count("data-edges"),
    }
}

#[test]
fn html_page_filters_in_a_browser() {
    let browser = needed_chromium();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("graph-test");
    std::fs::create_dir_all(&dir).expect("test output dir");
    let page = dir.join("graph.html");
    let out = run(&["graph", "-f", &fixture("redis-frontend"), "-o", "html"]);
    assert_eq!(out.code, 0);
    std::fs::write(&page, &out.stdout).expect("write page");
    let url = format!("file://{}", page.display());

    // Each view in the page against the same filter on the command line.
    let redis = fixture("redis-frontend");
    for (hash, flags, want_nodes) in [
        ("", vec![], 5),
        ("ns=myns", vec!["-n", "myns"], 5),
        ("ns=other-ns", vec!["-n", "other-ns"], 5),
        ("port=6379&proto=TCP", vec!["--port", "6379"], 5),
        (
            "ns=myns&port=6379&proto=TCP&ext=0",
            vec!["-n", "myns", "--port", "6379", "--exclude-external"],
            4,
        ),
        ("w=frontend", vec!["--focus", "myns/frontend"], 5),
        ("ext=0", vec!["--exclude-external"], 4),
        (
            "port=53&proto=UDP&ext=0",
            vec!["--port", "53/UDP", "--exclude-external"],
            4,
        ),
    ] {
        let dom = browse(&browser, &["--dump-dom"], &format!("{url}#{hash}"));
        let got = shown(&dom);
        let mut args = vec!["graph", "-f", &redis, "-o", "json"];
        args.extend(flags);
        let cli: Value = serde_json::from_str(&run(&args).stdout).expect("json");
        let cli_nodes = cli["nodes"].as_array().map_or(0, Vec::len);
        let cli_edges = cli["edges"].as_array().map_or(0, Vec::len);
        assert_eq!(got.nodes, want_nodes, "#{hash}: visible nodes");
        assert_eq!(got.nodes, got.status_nodes, "#{hash}: status");
        assert_eq!(
            (got.nodes, got.status_edges),
            (cli_nodes, cli_edges),
            "#{hash}: the page and `polctl {}` agree",
            args.join(" ")
        );
    }

    // Selecting an edge from the URL shows its details.
    let json = graph_json(&[]);
    let index = json["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .position(|e| e["src"] == "myns/frontend" && e["dst"] == "myns/backend")
        .expect("frontend -> backend");
    let dom = browse(&browser, &["--dump-dom"], &format!("{url}#sel=e{index}"));
    let details = details_panel(&dom);
    for want in [
        "<h2>Edge</h2>",
        "myns/frontend",
        "myns/backend",
        "TCP 6379",
        "default/myns/backend-allow-frontend",
    ] {
        assert!(details.contains(want), "`{want}` in the details: {details}");
    }

    // Search marks what matches and dims the rest, hiding nothing.
    let dom = browse(&browser, &["--dump-dom"], &format!("{url}#q=front"));
    assert!(
        dom.contains(r#"class="node workload match""#),
        "search marks the frontend"
    );
    assert!(
        dom.contains(r#"class="node workload dim""#),
        "and dims the others"
    );
    assert_eq!(shown(&dom).nodes, 5);

    let shot = dir.join("graph.png");
    let _ = std::fs::remove_file(&shot);
    browse(
        &browser,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=1280,900",
        ],
        &format!("{url}#ns=myns"),
    );
    let png = std::fs::read(&shot).expect("screenshot written");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(png.len() > 10_000, "a real picture: {} bytes", png.len());
}

// Workload grouping: edges hold for every pod pair a workload stands for.

/// Two nodes: a ReplicaSet with a pod on each, a hostNetwork agent on
/// node-1, two static pods (owned by node-1), and ingress isolation for
/// the ReplicaSet.
const CLUSTER: &str = r#"
apiVersion: v1
kind: Node
metadata: {name: node-1}
status: {addresses: [{type: InternalIP, address: 192.168.10.11}]}
---
apiVersion: v1
kind: Node
metadata: {name: node-2}
status: {addresses: [{type: InternalIP, address: 192.168.10.12}]}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-a
  namespace: default
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c, controller: true, uid: a}]
spec: {nodeName: node-1, containers: [{name: c, image: nginx}]}
status: {podIP: 10.244.1.5}
---
apiVersion: v1
kind: Pod
metadata:
  name: web-b
  namespace: default
  labels: {app: web}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d9c, controller: true, uid: a}]
spec: {nodeName: node-2, containers: [{name: c, image: nginx}]}
status: {podIP: 10.244.2.5}
---
apiVersion: v1
kind: Pod
metadata: {name: agent, namespace: default, labels: {app: agent}}
spec: {nodeName: node-1, hostNetwork: true, containers: [{name: c, image: agent}]}
status: {podIP: 192.168.10.11}
---
apiVersion: v1
kind: Pod
metadata:
  name: etcd-node-1
  namespace: kube-system
  labels: {component: etcd}
  ownerReferences: [{apiVersion: v1, kind: Node, name: node-1, controller: true, uid: n}]
spec: {nodeName: node-1, containers: [{name: etcd, image: etcd}]}
status: {podIP: 10.244.1.10}
---
apiVersion: v1
kind: Pod
metadata:
  name: kube-scheduler-node-1
  namespace: kube-system
  labels: {component: kube-scheduler}
  ownerReferences: [{apiVersion: v1, kind: Node, name: node-1, controller: true, uid: n}]
spec: {nodeName: node-1, containers: [{name: scheduler, image: scheduler}]}
status: {podIP: 10.244.1.11}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny, namespace: default}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Ingress]
"#;

fn graph() -> serde_json::Value {
    let manifests = temp_file("cluster.yaml", CLUSTER);
    let out = run(&[
        "graph",
        "-f",
        manifests.path(),
        "--exclude-external",
        "-o",
        "json",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("JSON")
}

#[test]
fn static_pods_stand_alone() {
    let g = graph();
    let ids: Vec<&str> = g["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    assert!(ids.contains(&"kube-system/etcd-node-1"), "{ids:?}");
    assert!(
        ids.contains(&"kube-system/kube-scheduler-node-1"),
        "{ids:?}"
    );
    assert!(!ids.contains(&"kube-system/node-1"), "{ids:?}");
}

#[test]
fn node_local_ingress_holds_only_for_pods_on_that_node() {
    // The agent is node-1's traffic: web-a (node-1) admits it, web-b
    // (node-2) is isolated and does not, so not every pair is allowed.
    let g = graph();
    let edge = g["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["src"] == "default/agent" && e["dst"] == "default/web-5d9c")
        .expect("an edge agent -> web");
    assert_eq!(edge["conns"], serde_json::json!([]), "{edge}");
    assert_eq!(edge["some"], "all", "{edge}");
}

// Views: --group-by, merged ranges, the table's default for big graphs.

fn json_of(args: &[&str]) -> Value {
    let out = run(args);
    assert_eq!(out.code, 0, "polctl {}: {}", args.join(" "), out.stderr);
    serde_json::from_str(&out.stdout).expect("JSON")
}

#[test]
fn cilium_deny_by_namespace() {
    let fixture = fixture("cilium-deny");
    let out = polctl_snapshot!(
        "graph",
        "cilium-deny-by-namespace",
        &["graph", "-f", &fixture, "--group-by", "namespace"]
    );
    assert_eq!(out.code, 0);
}

/// A namespace edge holds what every workload pair between the two
/// namespaces has, and is partial exactly when some pair has more (or a
/// pair has nothing at all).
#[test]
fn a_namespace_edge_is_what_every_workload_pair_has() {
    let fixture = fixture("cilium-deny");
    let workloads = json_of(&["graph", "-f", &fixture, "-o", "json", "--exclude-external"]);
    let namespaces = json_of(&[
        "graph",
        "-f",
        &fixture,
        "-o",
        "json",
        "--exclude-external",
        "--group-by",
        "namespace",
    ]);
    assert_eq!(namespaces["groupBy"], "namespace");
    let ns_of = |id: &str| id.split('/').next().unwrap_or_default().to_string();
    let members: Vec<(String, String)> = workloads["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| {
            let id = n["id"].as_str().unwrap_or_default();
            (ns_of(id), id.to_string())
        })
        .collect();
    let edge_map: std::collections::HashMap<(String, String), Value> = edges(&workloads)
        .into_iter()
        .map(|(s, d, c)| ((s, d), c))
        .collect();
    let ns_edges = namespaces["edges"].as_array().expect("edges");
    assert!(!ns_edges.is_empty());
    for e in ns_edges {
        let (src, dst) = (
            e["src"].as_str().expect("src"),
            e["dst"].as_str().expect("dst"),
        );
        let pairs: Vec<Option<&Value>> = members
            .iter()
            .filter(|(ns, _)| ns == src)
            .flat_map(|(_, a)| {
                members
                    .iter()
                    .filter(|(ns, b)| ns == dst && b != a)
                    .map(|(_, b)| edge_map.get(&(a.clone(), b.clone())))
                    .collect::<Vec<_>>()
            })
            .collect();
        let every = pairs.iter().all(|c| *c == Some(&e["conns"]));
        assert_eq!(
            e["partial"] == true,
            !every,
            "{src} -> {dst}: partial exactly when the pairs differ: {e}"
        );
        if every {
            assert_eq!(e.get("some"), None);
        } else {
            assert!(e["some"].is_string() || e["some"].is_array(), "{e}");
        }
    }
    // Every namespace pair with a workload edge has a namespace edge.
    for (s, d) in edge_map.keys() {
        let (s, d) = (ns_of(s), ns_of(d));
        assert!(
            ns_edges
                .iter()
                .any(|e| e["src"] == s.as_str() && e["dst"] == d.as_str()),
            "{s} -> {d}"
        );
    }
}

#[test]
fn label_groups_name_the_value() {
    let v = json_of(&[
        "graph",
        "-f",
        &fixture("redis-frontend"),
        "-o",
        "json",
        "--group-by",
        "label=app",
    ]);
    let ids = node_ids(&v);
    assert!(ids.iter().any(|id| id.starts_with("app=")), "{ids:?}");
    let out = run(&[
        "graph",
        "-f",
        &fixture("redis-frontend"),
        "--group-by",
        "label=",
    ]);
    assert_eq!(out.code, 2, "an empty label key is refused");
}

/// The policies of fixtures/tiers cut the source side at 10.10.0.0/24;
/// every source range sees the same edges, so they are one node again.
#[test]
fn adjacent_ranges_with_the_same_edges_are_one_node() {
    let v = json_of(&["graph", "-f", &fixture("tiers"), "-o", "json"]);
    let external: Vec<String> = v["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .filter(|n| n["type"] == "external")
        .map(|n| n["id"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(external, ["0.0.0.0/0"]);
    let into_coredns: Vec<_> = edges(&v)
        .into_iter()
        .filter(|(s, d, _)| s == "0.0.0.0/0" && d == "kube-system/coredns")
        .collect();
    assert_eq!(into_coredns.len(), 1);
}

/// 110 pods and no policy: 11,990 workload edges.
fn crowd() -> crate::common::TempFile {
    let mut yaml = String::new();
    for i in 0..110 {
        yaml.push_str(&format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: ns{}, labels: {{app: a{i}}}}}\n\
             spec: {{containers: [{{name: c, image: x}}]}}\nstatus: {{podIP: 10.1.{}.{}}}\n---\n",
            i % 3,
            i / 200,
            i % 200 + 1
        ));
    }
    temp_file("crowd.yaml", &yaml)
}

#[test]
fn a_table_of_over_10000_edges_shows_namespaces_and_says_how_to_see_all() {
    let crowd = crowd();
    let out = run(&["graph", "-f", crowd.path(), "--exclude-external"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains("over 10000 edges") && out.stderr.contains("--group-by workload"),
        "{}",
        out.stderr
    );
    assert_eq!(out.stdout.lines().count(), 1 + 9, "{}", out.stdout);
    let all = run(&[
        "graph",
        "-f",
        crowd.path(),
        "--exclude-external",
        "--group-by",
        "workload",
    ]);
    assert_eq!(all.stdout.lines().count(), 1 + 11_990);
    assert!(all.stderr.is_empty(), "{}", all.stderr);
    let json = json_of(&[
        "graph",
        "-f",
        crowd.path(),
        "--exclude-external",
        "-o",
        "json",
    ]);
    assert_eq!(json["edges"].as_array().map(Vec::len), Some(11_990));
}

// Drawings people read: nothing covers anything, everything is on the page.

/// What a box shows, and its x, y, width and height.
type DrawnBox = (String, f64, f64, f64, f64);

/// Every node box and edge label box of an SVG, in page coordinates, and
/// the page's size.
fn drawn_boxes(text: &str) -> (Vec<DrawnBox>, f64, f64) {
    let doc = roxmltree::Document::parse(text).expect("well-formed");
    let root = doc.root_element();
    let size = |a: &str| -> f64 { root.attribute(a).and_then(|v| v.parse().ok()).expect(a) };
    let content = doc
        .descendants()
        .find(|n| has_class(*n, "content"))
        .expect("g.content");
    let shift: Vec<f64> = content
        .attribute("transform")
        .and_then(|t| {
            t.strip_prefix("translate(")?
                .strip_suffix(')')
                .map(str::to_string)
        })
        .expect("translate")
        .split_whitespace()
        .map(|v| v.parse().expect("number"))
        .collect();
    let mut boxes = Vec::new();
    for g in doc
        .descendants()
        .filter(|n| has_class(*n, "node") || has_class(*n, "edge-label"))
    {
        let rect = g
            .children()
            .find(|c| c.tag_name().name() == "rect")
            .expect("a box");
        let num = |a: &str| -> f64 { rect.attribute(a).and_then(|v| v.parse().ok()).expect(a) };
        let what = g
            .attribute("data-id")
            .map(str::to_string)
            .or_else(|| label_text(g).map(str::to_string))
            .unwrap_or_default();
        boxes.push((
            what,
            num("x") + shift[0],
            num("y") + shift[1],
            num("width"),
            num("height"),
        ));
    }
    (boxes, size("width"), size("height"))
}

fn assert_apart_and_on_the_page(name: &str, text: &str) {
    let (boxes, width, height) = drawn_boxes(text);
    assert!(boxes.len() > 10, "{name}: {} boxes", boxes.len());
    for (i, a) in boxes.iter().enumerate() {
        assert!(
            a.1 >= 0.0 && a.2 >= 0.0 && a.1 + a.3 <= width && a.2 + a.4 <= height,
            "{name}: `{}` lies outside the page {width}x{height}: {a:?}",
            a.0
        );
        for b in &boxes[i + 1..] {
            let apart =
                a.1 + a.3 <= b.1 || b.1 + b.3 <= a.1 || a.2 + a.4 <= b.2 || b.2 + b.4 <= a.2;
            assert!(
                apart,
                "{name}: `{}` and `{}` overlap: {a:?} {b:?}",
                a.0, b.0
            );
        }
    }
}

#[test]
fn svg_labels_and_nodes_never_overlap() {
    for (name, extra) in [
        ("cilium-deny", None),
        ("cilium-deny", Some("namespace")),
        ("shop-60", None),
        ("shop-60", Some("namespace")),
        ("tiers", None),
    ] {
        let fixture = fixture(name);
        let mut args = vec!["graph", "-f", &fixture, "-o", "svg"];
        if let Some(by) = extra {
            args.extend(["--group-by", by]);
        }
        let out = run(&args);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_apart_and_on_the_page(&args.join(" "), &out.stdout);
    }
}

/// The workload pairs a static drawing stands for: each drawn edge's ends
/// (a node, or every workload of a namespace box) and the connector's
/// marks (every filled mark to every hollow one), a workload never its
/// own peer.
fn drawn_pairs(svg: &str, json: &Value) -> BTreeMap<(String, String), usize> {
    let doc = roxmltree::Document::parse(svg).expect("well-formed");
    let mut in_ns: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let workloads: Vec<String> = workload_ids(json);
    for n in json["nodes"].as_array().expect("nodes") {
        if let Some(ns) = n["namespace"].as_str() {
            in_ns
                .entry(ns.to_string())
                .or_default()
                .push(n["id"].as_str().expect("id").to_string());
        }
    }
    let expand = |key: &str| -> Vec<String> {
        match key.strip_prefix("namespace:") {
            Some(ns) => in_ns[ns].clone(),
            None => vec![key.split('#').next().unwrap_or(key).to_string()],
        }
    };
    let mut pairs: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut add = |from: &str, to: &str| -> usize {
        let mut n = 0;
        for s in expand(from) {
            for t in expand(to) {
                if s != t || !workloads.contains(&s) {
                    *pairs.entry((s.clone(), t)).or_default() += 1;
                    n += 1;
                }
            }
        }
        n
    };
    for e in doc.descendants().filter(|n| has_class(*n, "edge")) {
        let attr = |a: &str| e.attribute(a).unwrap_or_else(|| panic!("edge {a}"));
        let n = add(attr("data-src"), attr("data-dst"));
        assert_eq!(
            attr("data-pairs").parse::<usize>().expect("pairs"),
            n,
            "{} -> {}",
            attr("data-src"),
            attr("data-dst")
        );
    }
    let marks = |class: &str| -> Vec<String> {
        doc.descendants()
            .filter(|n| n.tag_name().name() == "circle" && has_class(*n, class))
            .filter(|n| n.ancestors().any(|a| has_class(a, "connector")))
            .map(|n| n.attribute("data-node").expect("marked node").to_string())
            .collect()
    };
    for from in marks("sends") {
        for to in marks("receives") {
            add(&from, &to);
        }
    }
    pairs
}

#[test]
fn a_dense_drawing_boxes_namespaces_and_marks_open_pairs_yet_draws_every_pair() {
    for name in ["shop-60", "cilium-deny"] {
        let fixture = fixture(name);
        let svg = run(&["graph", "-f", &fixture, "-o", "svg"]);
        assert_eq!(svg.code, 0, "{}", svg.stderr);
        let json = json_of(&["graph", "-f", &fixture, "-o", "json"]);
        let want: BTreeMap<(String, String), usize> = edges(&json)
            .into_iter()
            .map(|(s, t, _)| ((s, t), 1))
            .collect();
        let got = drawn_pairs(&svg.stdout, &json);
        assert_eq!(
            got, want,
            "{name}: the pairs drawn are the graph's, once each"
        );
        let doc = roxmltree::Document::parse(&svg.stdout).expect("well-formed");
        let lines = doc.descendants().filter(|n| has_class(*n, "edge")).count();
        assert!(
            lines * 2 < want.len(),
            "{name}: {lines} lines for {} edges",
            want.len()
        );
        // Pairs under the connector allow everything.
        let conns: BTreeMap<(String, String), Value> = edges(&json)
            .into_iter()
            .map(|(s, t, c)| ((s, t), c))
            .collect();
        let marked = |class: &str| -> Vec<String> {
            doc.descendants()
                .filter(|n| n.tag_name().name() == "circle" && has_class(*n, class))
                .filter_map(|n| n.attribute("data-node"))
                .map(str::to_string)
                .collect()
        };
        for from in marked("sends") {
            for to in marked("receives") {
                let one = |k: &str| k.split('#').next().unwrap_or(k).to_string();
                if let Some(c) = conns.get(&(one(&from), one(&to))) {
                    assert_eq!(*c, serde_json::json!("all"), "{from} -> {to}");
                }
            }
        }
    }
    let shop = svg_of("shop-60");
    let doc = roxmltree::Document::parse(&shop).expect("well-formed");
    let boxes: Vec<&str> = doc
        .descendants()
        .filter(|n| has_class(*n, "namespace-box"))
        .filter_map(|n| n.attribute("data-ns"))
        .collect();
    assert_eq!(boxes.len(), 6, "{boxes:?}");
    assert!(
        shop.contains("holds for every workload in it"),
        "the legend says what a box means"
    );
}

/// Where the browser tests leave their screenshots.
fn screenshot_dir() -> PathBuf {
    let dir = repo().join("target/screenshots");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// The page's own check (`#check=1`): node boxes and label texts as the
/// browser lays them out, none overlapping another, all inside the
/// drawing's viewport.
fn page_check(browser: &Path, url: &str) -> Value {
    let dom = browse(
        browser,
        &["--dump-dom", "--window-size=1400,900"],
        &format!("{url}&check=1"),
    );
    let found = regex::Regex::new(r#"data-check="([^"]*)""#)
        .expect("regex")
        .captures(&dom)
        .map(|c| c[1].replace("&quot;", "\"").replace("&amp;", "&"))
        .unwrap_or_else(|| panic!("{url}: the page wrote no check"));
    serde_json::from_str(&found).expect("check JSON")
}

#[test]
fn a_bundled_page_filters_and_details_every_edge_a_line_stands_for() {
    let browser = needed_chromium();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("graph-bundled");
    std::fs::create_dir_all(&dir).expect("test output dir");
    let deny = fixture("cilium-deny");
    let out = run(&["graph", "-f", &deny, "-o", "html"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let page = dir.join("graph.html");
    std::fs::write(&page, &out.stdout).expect("write page");
    let url = format!("file://{}", page.display());
    let visible_lines = |dom: &str| -> (usize, usize) {
        let line = regex::Regex::new(r#"<g class="edge [^"]*"[^>]*>"#).expect("regex");
        let all: Vec<&str> = line.find_iter(dom).map(|m| m.as_str()).collect();
        let shown = all
            .iter()
            .filter(|m| !m.contains(" hidden=") && !m.contains("display: none"))
            .count();
        (shown, all.len())
    };
    let dom = browse(&browser, &["--dump-dom"], &format!("{url}#view=w"));
    let (lines, all) = visible_lines(&dom);
    assert_eq!(lines, all);
    let json = json_of(&["graph", "-f", &deny, "-o", "json"]);
    assert!(
        lines * 2 < edges(&json).len(),
        "{lines} lines for every edge"
    );
    assert_eq!(shown(&dom).status_edges, edges(&json).len());

    let dom = browse(
        &browser,
        &["--dump-dom"],
        &format!("{url}#view=w&port=8080&proto=TCP"),
    );
    let cli = json_of(&["graph", "-f", &deny, "-o", "json", "--port", "8080"]);
    assert_eq!(shown(&dom).status_edges, edges(&cli).len());
    let (lines, all) = visible_lines(&dom);
    assert!(0 < lines && lines < all, "{lines} of {all} lines stay");

    // A line that stands for several edges lists each.
    let bundle = regex::Regex::new(r#"data-key="(e\d+)"[^>]*data-edges="([^"]+)""#)
        .expect("regex")
        .captures(&out.stdout)
        .expect("a bundled line in the page");
    let members = bundle[2].split(' ').count();
    let dom = browse(
        &browser,
        &["--dump-dom"],
        &format!("{url}#view=w&sel={}", &bundle[1]),
    );
    let details = details_panel(&dom);
    assert!(
        details.contains(&format!("Edges drawn as one ({members})")),
        "{details}"
    );
    assert_eq!(details.matches("<li>").count(), members, "{details}");
}

#[test]
fn pages_at_13_and_60_workloads_read_cleanly_in_a_browser() {
    let browser = needed_chromium();
    let shots = screenshot_dir();
    for (name, views) in [
        (
            "cilium-deny",
            &[
                "view=ns",
                "expand=payments",
                "view=w",
                "view=matrix",
                "sel=n0",
            ][..],
        ),
        (
            "shop-60",
            &[
                "view=ns",
                "expand=shop-checkout",
                "ns=shop-web",
                "view=matrix",
            ][..],
        ),
    ] {
        let out = run(&["graph", "-f", &fixture(name), "-o", "html"]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        let page = shots.join(format!("{name}.html"));
        std::fs::write(&page, &out.stdout).expect("write page");
        let url = format!("file://{}", page.display());
        for view in views {
            let check = page_check(&browser, &format!("{url}#{view}"));
            let drawn = check["boxes"].as_u64().unwrap_or(0);
            if *view != "view=matrix" {
                assert!(drawn > 4, "{name}#{view}: {check}");
            }
            assert_eq!(check["overlaps"], serde_json::json!([]), "{name}#{view}");
            assert_eq!(check["outside"], serde_json::json!([]), "{name}#{view}");
            let shot = shots.join(format!("{name}-{}.png", view.replace('=', "-")));
            let _ = std::fs::remove_file(&shot);
            browse(
                &browser,
                &[
                    &format!("--screenshot={}", shot.display()),
                    "--window-size=1400,900",
                ],
                &format!("{url}#{view}"),
            );
            let png = std::fs::read(&shot).expect("screenshot written");
            assert!(png.starts_with(b"\x89PNG"), "{}", shot.display());
        }
    }
    // Each SVG too, as a picture.
    for name in ["cilium-deny", "shop-60"] {
        let svg = shots.join(format!("{name}.svg"));
        let text = svg_of(name);
        std::fs::write(&svg, &text).expect("write svg");
        // The picture at the drawing's own size: a fixed window would crop
        // a wide layout and keep what no reader sees.
        let size = |attr: &str| -> u32 {
            let at = text.find(&format!(" {attr}=\"")).expect(attr) + attr.len() + 3;
            let end = text[at..].find('"').expect(attr);
            text[at..at + end].parse().expect(attr)
        };
        let shot = shots.join(format!("{name}-svg.png"));
        browse(
            &browser,
            &[
                &format!("--screenshot={}", shot.display()),
                &format!("--window-size={},{}", size("width"), size("height")),
            ],
            &format!("file://{}", svg.display()),
        );
        assert!(std::fs::metadata(&shot).is_ok_and(|m| m.len() > 10_000));
    }
}

/// A NetworkPolicy and a CiliumNetworkPolicy of one name in one namespace:
/// `web` reaches `api` through the first, `admin` through the second.
const SAME_NAME: &str = "\
apiVersion: v1
kind: Namespace
metadata: {name: shop}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: shop, labels: {app: web}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: admin, namespace: shop, labels: {app: admin}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: api, namespace: shop, labels: {app: api}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 10.0.0.3}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  podSelector: {matchLabels: {app: api}}
  ingress:
    - from: [{podSelector: {matchLabels: {app: web}}}]
      ports: [{protocol: TCP, port: 80}]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: api, namespace: shop}
spec:
  endpointSelector: {matchLabels: {app: api}}
  ingress:
    - fromEndpoints: [{matchLabels: {app: admin}}]
      toPorts: [{ports: [{port: \"9000\", protocol: TCP}]}]
";

/// The deciding policies of the edge `src` → `dst` in graph JSON.
fn deciders(graph: &Value, src: &str, dst: &str) -> Vec<String> {
    let edge = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .find(|e| e["src"] == src && e["dst"] == dst)
        .unwrap_or_else(|| panic!("an edge {src} -> {dst} in {graph}"));
    edge["policies"]
        .as_array()
        .expect("policies")
        .iter()
        .map(|p| p.as_str().expect("text").to_string())
        .collect()
}

/// Graph JSON, the wide table and the page's details panel name each
/// deciding policy with its kind: the NetworkPolicy `shop/api` and the
/// CiliumNetworkPolicy `shop/api` are told apart.
#[test]
fn policies_of_one_name_are_told_apart_by_kind() {
    let file = temp_file("same-name.yaml", SAME_NAME);
    let base = ["graph", "-f", file.path(), "--exclude-external"];
    let json = json_of(&[&base[..], &["-o", "json"]].concat());
    let (np, cnp) = (
        "NetworkPolicy default/shop/api",
        "CiliumNetworkPolicy default/shop/api",
    );
    assert_eq!(
        deciders(&json, "shop/web", "shop/api"),
        [np, "non-isolated"]
    );
    assert_eq!(
        deciders(&json, "shop/admin", "shop/api"),
        [cnp, "non-isolated"]
    );
    let wide = run(&[&base[..], &["-o", "wide"]].concat());
    assert!(
        wide.stdout
            .lines()
            .any(|l| l.starts_with("shop/web") && l.contains(&format!(" {np}")))
            && wide
                .stdout
                .lines()
                .any(|l| l.starts_with("shop/admin") && l.ends_with(cnp)),
        "{}",
        wide.stdout
    );

    let browser = needed_chromium();
    let out = run(&[&base[..], &["-o", "html"]].concat());
    assert_eq!(out.code, 0, "{}", out.stderr);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("graph-kinds");
    std::fs::create_dir_all(&dir).expect("dir");
    let page = dir.join("page.html");
    std::fs::write(&page, &out.stdout).expect("write");
    // The page's own data, to find each edge's key.
    let data: Value = out
        .stdout
        .split("<script type=\"application/json\" id=\"graph-data\">")
        .nth(1)
        .and_then(|rest| rest.split("</script>").next())
        .and_then(|text| serde_json::from_str(text).ok())
        .expect("the page's graph data");
    let key_of_node = |id: &str| {
        data["nodes"]
            .as_array()
            .and_then(|ns| ns.iter().find(|n| n["id"] == id))
            .map(|n| n["key"].clone())
            .expect("node")
    };
    for (src, decider, other) in [("shop/web", np, cnp), ("shop/admin", cnp, np)] {
        let (s, d) = (key_of_node(src), key_of_node("shop/api"));
        let key = data["edges"]
            .as_array()
            .and_then(|es| es.iter().find(|e| e["src"] == s && e["dst"] == d))
            .and_then(|e| e["key"].as_str())
            .expect("edge key");
        let dom = browse(
            &browser,
            &["--dump-dom"],
            &format!("file://{}#sel={key}", page.display()),
        );
        let details = details_panel(&dom);
        assert!(
            details.contains(&format!(">{decider}<")),
            "{src}: {details}"
        );
        assert!(!details.contains(&format!(">{other}<")), "{src}: {details}");
    }
}

/// A page of a big graph holds the namespace level and the matrix, not a
/// drawing of every edge.
#[test]
fn a_page_of_a_big_graph_stays_small() {
    let crowd = crowd();
    let out = run(&["graph", "-f", crowd.path(), "-o", "html"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("id=\"level-ns\""));
    assert!(out.stdout.contains("<table class=\"matrix\">"));
    assert!(
        !out.stdout.contains("<g class=\"edge "),
        "no drawing of the 11,990 workload edges"
    );
    assert!(out.stdout.len() < 200_000, "{} bytes", out.stdout.len());
}

#[test]
fn a_diagram_of_over_2000_edges_shows_namespaces() {
    let crowd = crowd();
    let out = run(&[
        "graph",
        "-f",
        crowd.path(),
        "--exclude-external",
        "-o",
        "dot",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("--group-by workload"), "{}", out.stderr);
    assert!(
        out.stdout.contains("\"ns0\"") && !out.stdout.contains("ns0/p0"),
        "{}",
        out.stdout
    );
}

/// `-o json` of the whole graph writes edges as they are produced, without
/// storing the graph; `-o yaml` writes the stored graph. Both say the same
/// on every fixture.
#[test]
fn streamed_json_is_the_stored_graph() {
    let dir = repo().join("fixtures");
    let mut fixtures: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixtures")
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir() && e.file_name() != "bad")
        .map(|e| e.path().display().to_string())
        .collect();
    fixtures.sort();
    assert!(fixtures.len() > 10);
    for f in &fixtures {
        for extra in [&[][..], &["--exclude-external"][..]] {
            let mut args = vec!["graph", "-f", f, "-R"];
            args.extend_from_slice(extra);
            let streamed = json_of(&[&args[..], &["-o", "json"]].concat());
            let out = run(&[&args[..], &["-o", "yaml"]].concat());
            assert_eq!(out.code, 0, "{}", out.stderr);
            let stored: Value = serde_yaml::from_str(&out.stdout).expect("YAML");
            assert_eq!(streamed, stored, "{}", args.join(" "));
        }
    }
}

/// The graph evaluates a dual-stack pod at its IPv4 address; where the IPv6
/// policies differ (`tests/node/dual-stack`: the database takes the
/// operators' IPv6 range only) it says so rather than passing the IPv4
/// answer off as the whole one.
#[test]
fn dual_stack_pods_are_shown_over_ipv4_unless_ipv6_is_asked_for() {
    let out = run(&["graph", "-f", "tests/node/dual-stack"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "warning: 4 pod(s) have IPv4 and IPv6 addresses: their connections are shown over IPv4"
        ),
        "{}",
        out.stderr
    );
    // Over IPv4 the probe pod does not reach the database.
    let json = run(&["graph", "-f", "tests/node/dual-stack", "-o", "json"]);
    let graph: Value = serde_json::from_str(&json.stdout).expect("graph JSON");
    let edges = graph["edges"].as_array().expect("edges");
    assert!(!edges.is_empty());
    assert!(
        !edges
            .iter()
            .any(|e| e["src"] == "ops/probe" && e["dst"] == "shop/db"),
        "{edges:?}"
    );
    // Over IPv6 it does, on the one port the database's IPv6 rule opens;
    // a pod without an IPv6 address would be left out.
    let json = run(&[
        "graph",
        "-f",
        "tests/node/dual-stack",
        "--ip-family",
        "ipv6",
        "-o",
        "json",
    ]);
    assert_eq!(json.code, 0, "{}", json.stderr);
    assert!(!json.stderr.contains("IPv4 and IPv6"), "{}", json.stderr);
    let graph: Value = serde_json::from_str(&json.stdout).expect("graph JSON");
    let probe_to_db: Vec<&Value> = graph["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["src"] == "ops/probe" && e["dst"] == "shop/db")
        .collect();
    assert_eq!(probe_to_db.len(), 1, "{probe_to_db:?}");
    assert_eq!(probe_to_db[0]["conns"], serde_json::json!(["TCP 5432"]));
    let single = run(&["graph", "-f", "fixtures/tiers"]);
    assert_eq!(single.code, 0, "{}", single.stderr);
    assert!(!single.stderr.contains("IPv6"), "{}", single.stderr);
}

/// An edge that allows everything reads `all` over IPv6 as it does over
/// IPv4: over IPv6 everything holds ICMPv6 where IPv4's holds ICMP.
/// (`tests/node/dual-stack`: nothing limits the probe pod's egress or the
/// client's ingress.)
#[test]
fn allow_everything_edges_read_all_in_either_family() {
    for family in ["ipv4", "ipv6"] {
        let args = [
            "graph",
            "-f",
            "tests/node/dual-stack",
            "--ip-family",
            family,
        ];
        let json = json_of(&[&args[..], &["-o", "json"]].concat());
        let edges = edges(&json);
        let conns = |src: &str, dst: &str| {
            edges
                .iter()
                .find(|(s, d, _)| s == src && d == dst)
                .map(|(_, _, c)| c.clone())
        };
        assert_eq!(
            conns("ops/probe", "shop/client"),
            Some(Value::from("all")),
            "{family}: {edges:?}"
        );
        assert_eq!(
            conns("shop/web", "shop/client"),
            Some(Value::from("all")),
            "{family}"
        );
        // What is not everything is still listed, with the family's ICMP.
        let client_to_web = match family {
            "ipv4" => serde_json::json!(["UDP 53"]),
            _ => serde_json::json!(["UDP 53", "ICMPv6 128"]),
        };
        assert_eq!(conns("shop/client", "shop/web"), Some(client_to_web));
        assert_eq!(
            conns("shop/web", "shop/db"),
            Some(serde_json::json!(["TCP 5432"]))
        );
        let table = run(&args);
        assert_eq!(table.code, 0, "{}", table.stderr);
        assert!(
            table
                .stdout
                .lines()
                .any(|l| l.split_whitespace().collect::<Vec<_>>()
                    == ["ops/probe", "shop/client", "all"]),
            "{}",
            table.stdout
        );
        assert!(
            !table.stdout.contains("other protocols"),
            "{}",
            table.stdout
        );
    }
}

/// A view of one family leaves out the pods without an address of it, and
/// says which family they lack.
#[test]
fn pods_left_out_of_a_family_view_are_counted_by_family() {
    let mixed = temp_file(
        "mixed.yaml",
        r#"apiVersion: v1
kind: Pod
metadata: {name: v4, namespace: default, labels: {app: v4}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: 192.0.2.10, podIPs: [{ip: 192.0.2.10}]}
---
apiVersion: v1
kind: Pod
metadata: {name: v6, namespace: default, labels: {app: v6}}
spec: {containers: [{name: c, image: x}]}
status: {podIP: "2001:db8::10", podIPs: [{ip: "2001:db8::10"}]}
"#,
    );
    for (family, lacked, shown) in [
        ("ipv4", "IPv4", "default/v4"),
        ("ipv6", "IPv6", "default/v6"),
    ] {
        let out = run(&[
            "graph",
            "-f",
            mixed.path(),
            "--ip-family",
            family,
            "-o",
            "name",
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(
            out.stderr,
            format!("warning: 1 pod(s) have no {lacked} address and are not shown\n"),
            "{family}"
        );
        assert!(out.stdout.lines().any(|l| l == shown), "{}", out.stdout);
    }
    // Every pod of an IPv4 cluster lacks an IPv6 address; the dual-stack
    // pods lack neither.
    let out = run(&[
        "graph",
        "-f",
        &fixture("redis-frontend"),
        "--ip-family",
        "ipv6",
    ]);
    assert!(
        out.stderr
            .contains("warning: 4 pod(s) have no IPv6 address and are not shown"),
        "{}",
        out.stderr
    );
    for family in ["ipv4", "ipv6"] {
        let out = run(&[
            "graph",
            "-f",
            "tests/node/dual-stack",
            "--ip-family",
            family,
        ]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stderr.contains("have no"), "{}", out.stderr);
    }
}
