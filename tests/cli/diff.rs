//! `polctl diff`: a fixture against a copy with something changed, made in
//! a temporary directory.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{fixture, run, settings};

/// A copy of a fixture with `edit` applied to one of its files.
fn changed_copy(name: &str, file: &str, edit: impl Fn(String) -> String) -> tempfile::TempDir {
    changed_copy_of(Path::new("fixtures").join(name), file, edit)
}

/// A copy of the manifest directory `from` (relative to the repository)
/// with `edit` applied to one of its files.
fn changed_copy_of(
    from: impl AsRef<Path>,
    file: &str,
    edit: impl Fn(String) -> String,
) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let from = crate::common::repo().join(from);
    for entry in std::fs::read_dir(&from).expect("fixture") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let target = dir.path().join(path.file_name().expect("name"));
            std::fs::copy(&path, &target).expect("copy");
        }
    }
    let target = dir.path().join(file);
    let text = std::fs::read_to_string(&target).expect("file");
    let edited = edit(text.clone());
    assert_ne!(edited, text, "the edit changes {file}");
    std::fs::write(&target, edited).expect("write");
    dir
}

fn path(dir: &Path) -> String {
    dir.display().to_string()
}

/// redis-frontend with the backend opened on 6380 instead of 6379 and the
/// frontend policy deleted (everything may reach it).
fn redis_changed() -> tempfile::TempDir {
    changed_copy("redis-frontend", "policies.yaml", |text| {
        let cut = text
            .find("---\n# Any pod in any namespace")
            .expect("second policy");
        text[..cut].replace("port: 6379", "port: 6380")
    })
}

fn json(args: &[&str]) -> Value {
    let out = run(args);
    assert!(out.code == 0 || out.code == 1, "{}", out.stderr);
    serde_json::from_str(&out.stdout).expect("json")
}

#[test]
fn table_of_a_changed_policy() {
    let new = redis_changed();
    let out = run(&["diff", &fixture("redis-frontend"), &path(new.path())]);
    settings("diff").bind(|| {
        insta::assert_snapshot!(
            "redis-frontend-table",
            out.transcript(),
            "polctl diff fixtures/redis-frontend [changed copy]"
        );
    });
    assert_eq!(out.code, 0);
}

#[test]
fn wide_names_the_deciding_policies() {
    let new = redis_changed();
    let out = run(&[
        "diff",
        &fixture("redis-frontend"),
        &path(new.path()),
        "-o",
        "wide",
        "--to",
        "myns/backend",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("POLICIES"), "{}", out.stdout);
    assert!(
        out.stdout.contains("default/myns/backend-allow-frontend"),
        "{}",
        out.stdout
    );
}

#[test]
fn gained_lost_and_changed_pairs_are_exact() {
    let new = redis_changed();
    let v = json(&[
        "diff",
        &fixture("redis-frontend"),
        &path(new.path()),
        "-o",
        "json",
    ]);
    let pairs = v["pairs"].as_array().expect("pairs");
    let pair = |src: &str, dst: &str| {
        pairs
            .iter()
            .find(|p| p["src"] == src && p["dst"] == dst)
            .unwrap_or_else(|| panic!("{src} -> {dst} in {v}"))
    };
    let backend = pair("myns/frontend", "myns/backend");
    assert_eq!(backend["change"], "changed");
    assert_eq!(backend["gained"], serde_json::json!(["TCP 6380"]));
    assert_eq!(backend["lost"], serde_json::json!(["TCP 6379"]));
    // With the frontend's policy gone, the client (refused before) now
    // reaches it on everything.
    let client = pair("other-ns/client", "myns/frontend");
    assert_eq!(client["change"], "gained");
    assert_eq!(client["before"], serde_json::json!([]));
    assert_eq!(client["after"], "all");
    // The pods that had 443 gain everything else, and lose nothing.
    let other = pair("myns/other", "myns/frontend");
    assert_eq!(other["change"], "changed");
    assert_eq!(other["lost"], serde_json::json!([]));
    assert!(
        !other["gained"].as_array().expect("list").iter().any(|p| p
            .as_str()
            .is_some_and(|p| p.contains("443") && !p.contains('-'))),
        "443 was already allowed: {other}"
    );
    // Nothing changes between pairs the policies never touched.
    assert!(
        !pairs
            .iter()
            .any(|p| p["src"] == "myns/frontend" && p["dst"] == "other-ns/client"),
        "{v}"
    );
}

#[test]
fn the_same_input_has_no_change_for_every_fixture() {
    for name in [
        "redis-frontend",
        "tiers",
        "starwars",
        "admin",
        "mutual-auth",
        "cilium-deny",
        "app-layer",
    ] {
        let f = fixture(name);
        let out = run(&["diff", &f, &f, "-R", "--exit-code"]);
        assert_eq!(out.code, 0, "{name}: {}\n{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("No change in reachability."), "{name}");
    }
}

#[test]
fn exit_code_is_one_only_when_something_changed_and_asked_for() {
    let new = redis_changed();
    let (old, new) = (fixture("redis-frontend"), path(new.path()));
    assert_eq!(run(&["diff", &old, &new]).code, 0);
    assert_eq!(run(&["diff", &old, &new, "--exit-code"]).code, 1);
    // Filtered down to pairs that did not change: nothing to report.
    let out = run(&[
        "diff",
        &old,
        &new,
        "--exit-code",
        "--from",
        "other-ns/client",
        "--to",
        "myns/other",
    ]);
    assert_eq!(out.code, 0, "{}", out.stdout);
}

#[test]
fn filters_narrow_the_pairs() {
    let new = redis_changed();
    let (old, new) = (fixture("redis-frontend"), path(new.path()));
    let srcs_dsts = |extra: &[&str]| -> Vec<(String, String)> {
        let mut args = vec!["diff", &old, &new, "-o", "json"];
        args.extend(extra);
        let v = json(&args);
        v["pairs"]
            .as_array()
            .expect("pairs")
            .iter()
            .map(|p| {
                (
                    p["src"].as_str().unwrap_or("").to_string(),
                    p["dst"].as_str().unwrap_or("").to_string(),
                )
            })
            .collect()
    };
    let to_backend = srcs_dsts(&["--to", "myns/backend"]);
    assert_eq!(
        to_backend,
        [("myns/frontend".to_string(), "myns/backend".to_string())]
    );
    // Exact: the pairs that gained everything but 443 did not change on it.
    let on_443 = srcs_dsts(&["--port", "443"]);
    assert_eq!(
        on_443,
        [
            ("0.0.0.0/0".to_string(), "myns/frontend".to_string()),
            ("other-ns/client".to_string(), "myns/frontend".to_string())
        ]
    );
    let from_client = srcs_dsts(&["--from", "role=frontend"]);
    assert!(from_client.iter().all(|(s, _)| s == "myns/frontend"));
    let other_ns = srcs_dsts(&["-n", "other-ns"]);
    assert!(!other_ns.is_empty());
    assert!(
        other_ns
            .iter()
            .all(|(s, d)| s.starts_with("other-ns/") || d.starts_with("other-ns/"))
    );
    // A typo is an error, not an empty diff.
    let out = run(&["diff", &old, &new, "--to", "myns/backnd"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("myns/backend"), "{}", out.stderr);
}

#[test]
fn workloads_on_one_side_are_added_or_removed_not_pairs() {
    let new = changed_copy("redis-frontend", "workloads.yaml", |text| {
        format!(
            "{text}\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: newcomer\n  \
             namespace: myns\n  labels:\n    role: frontend\nspec:\n  containers:\n    \
             - name: c\n      image: busybox\n"
        )
    });
    let (old, new) = (fixture("redis-frontend"), path(new.path()));
    let v = json(&["diff", &old, &new, "-o", "json"]);
    assert_eq!(v["added"][0]["id"], "myns/newcomer", "{v}");
    assert_eq!(v["removed"], serde_json::json!([]));
    assert_eq!(v["pairs"], serde_json::json!([]), "{v}");
    assert_eq!(v["changed"], true);
    let back = json(&["diff", &new, &old, "-o", "json"]);
    assert_eq!(back["removed"][0]["id"], "myns/newcomer");
    let out = run(&["diff", &old, &new, "--exit-code"]);
    assert_eq!(out.code, 1);
    assert!(
        out.stdout
            .contains("Added (only in NEW):\n  myns/newcomer (Pod, 1 pod)")
    );
}

#[test]
fn sides_can_be_several_paths() {
    let dir = crate::common::repo().join("fixtures/redis-frontend");
    let file = |f: &str| dir.join(f).display().to_string();
    let new = redis_changed();
    let new_policies: PathBuf = new.path().join("policies.yaml");
    let v = json(&[
        "diff",
        "--old",
        &file("namespaces.yaml"),
        "--old",
        &file("workloads.yaml"),
        "--old",
        &file("policies.yaml"),
        "--new",
        &file("namespaces.yaml"),
        "--new",
        &file("workloads.yaml"),
        "--new",
        &new_policies.display().to_string(),
        "-o",
        "json",
    ]);
    assert_eq!(v["summary"]["changed"], 3, "{v}");
    assert_eq!(v["summary"]["gained"], 2, "{v}");
}

#[test]
fn bad_input_exits_two() {
    let f = fixture("redis-frontend");
    for args in [
        vec!["diff", f.as_str()],
        vec!["diff", "--old", f.as_str()],
        vec!["diff", f.as_str(), "no/such/dir"],
        vec!["diff", "-", "-"],
        vec!["diff", f.as_str(), f.as_str(), "--port", "http"],
        vec!["diff", f.as_str(), f.as_str(), "--old", f.as_str()],
    ] {
        let out = run(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
    }
}

#[test]
fn different_dataplanes_are_refused() {
    // OLD has only Kubernetes policies; NEW adds a Calico one: the
    // detected dataplane differs, so the comparison would not be of the
    // policies alone.
    let new = changed_copy("redis-frontend", "policies.yaml", |text| {
        format!(
            "{text}\n---\napiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata:\n  \
             name: extra\n  namespace: myns\nspec:\n  selector: role == 'other'\n  \
             types: [Ingress]\n  ingress:\n    - action: Deny\n"
        )
    });
    let (old, new) = (fixture("redis-frontend"), path(new.path()));
    let out = run(&["diff", &old, &new]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("different dataplanes"),
        "{}",
        out.stderr
    );
    let out = run(&["diff", &old, &new, "--cni", "calico", "--exit-code"]);
    assert_eq!(out.code, 1, "{}", out.stderr);
}

#[test]
fn dot_draws_gained_edges_green_and_lost_ones_red_and_dashed() {
    let new = redis_changed();
    let out = run(&[
        "diff",
        &fixture("redis-frontend"),
        &path(new.path()),
        "-o",
        "dot",
        "--to",
        "myns/backend",
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    settings("diff").bind(|| {
        insta::assert_snapshot!(
            "redis-frontend-dot",
            out.transcript(),
            "polctl diff fixtures/redis-frontend [changed copy] -o dot --to myns/backend"
        );
    });
    let gained = out
        .stdout
        .lines()
        .find(|l| l.contains("label=\"+ TCP 6380\""))
        .expect("a gained edge");
    assert!(
        gained.contains("#1a7f37") && !gained.contains("dashed"),
        "{gained}"
    );
    let lost = out
        .stdout
        .lines()
        .find(|l| l.contains("label=\"- TCP 6379\""))
        .expect("a lost edge");
    assert!(
        lost.contains("#cf222e") && lost.contains("style=dashed"),
        "{lost}"
    );
}

#[test]
fn svg_and_html_draw_the_changes() {
    let new = changed_copy("redis-frontend", "workloads.yaml", |text| {
        // The client leaves; a newcomer arrives.
        let cut = text.find("# A client outside myns").expect("client");
        format!(
            "{}apiVersion: v1\nkind: Pod\nmetadata:\n  name: newcomer\n  namespace: myns\n  \
             labels:\n    role: frontend\nspec:\n  containers:\n    - name: c\n      \
             image: busybox\n",
            &text[..cut]
        )
    });
    let policies = changed_copy("redis-frontend", "policies.yaml", |t| {
        t.replace("port: 6379", "port: 6380")
    });
    std::fs::copy(
        policies.path().join("policies.yaml"),
        new.path().join("policies.yaml"),
    )
    .expect("copy");
    let (old, new) = (fixture("redis-frontend"), path(new.path()));
    let out = run(&["diff", &old, &new, "-o", "svg"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let doc = roxmltree::Document::parse(&out.stdout).expect("well-formed SVG");
    let edges: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| {
            n.attribute("class")
                .is_some_and(|c| c.split(' ').next() == Some("edge"))
        })
        .collect();
    let class = |n: &roxmltree::Node| n.attribute("class").unwrap_or("").to_string();
    assert!(
        edges.iter().any(|e| class(e) == "edge gained"),
        "{}",
        out.stdout
    );
    assert!(
        edges.iter().any(|e| class(e) == "edge lost"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(">Reachability changes</text>"));
    // The newcomer and the client are drawn as added and removed, with no
    // edges of their own.
    let ids: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("data-id"))
        .collect();
    assert!(ids.contains(&"myns/newcomer") && ids.contains(&"other-ns/client"));
    assert!(out.stdout.contains("added Pod, 1 pod<"), "{}", out.stdout);
    assert!(out.stdout.contains("removed Pod, 1 pod<"), "{}", out.stdout);
    assert!(
        !edges.iter().any(|e| {
            let ends = [e.attribute("data-src"), e.attribute("data-dst")];
            ends.contains(&Some("myns/newcomer")) || ends.contains(&Some("other-ns/client"))
        }),
        "no pair of an added or removed workload"
    );
    let page = run(&["diff", &old, &new, "-o", "html"]);
    assert_eq!(page.code, 0, "{}", page.stderr);
    assert!(page.stdout.contains("<h1>Reachability changes</h1>"));
    assert!(
        page.stdout.contains("\"change\":\"+ TCP 6380\""),
        "the edge data says how it changed"
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let new = redis_changed();
    let (old, new) = (fixture("redis-frontend"), path(new.path()));
    // Piped (the test's stdout is not a terminal): no escape codes.
    let plain = run(&["diff", &old, &new]);
    assert!(!plain.stdout.contains('\u{1b}'), "{}", plain.stdout);
    let coloured = run(&["--color", "always", "diff", &old, &new]);
    assert_eq!(coloured.code, 0, "{}", coloured.stderr);
    // Gained in green, lost in red (SGR 32 and 31, as crossterm writes them).
    let line = coloured
        .stdout
        .lines()
        .find(|l| l.contains("6380"))
        .expect("the backend pair");
    assert!(
        line.contains("\u{1b}[38;5;10m") || line.contains("\u{1b}[32m"),
        "{line:?}"
    );
    assert!(
        line.contains("\u{1b}[38;5;9m") || line.contains("\u{1b}[31m"),
        "{line:?}"
    );
}

/// `tests/node/dual-stack` with the database's IPv6 source range moved off
/// the operators' /64: no IPv4 flow changes, the probe pod's IPv6 one does.
fn dual_stack_db_range_moved() -> tempfile::TempDir {
    changed_copy_of("tests/node/dual-stack", "policies.yaml", |text| {
        text.replace("cidr: 2001:db8:0:2::/64", "cidr: 2001:db8:0:3::/64")
    })
}

#[test]
fn a_change_over_ipv6_only_shows_with_ip_family_ipv6() {
    let new = dual_stack_db_range_moved();
    let old = "tests/node/dual-stack";
    // The default view takes the dual-stack pods at their IPv4 addresses:
    // nothing changed there, and the warning says how to see IPv6.
    let out = run(&["diff", old, &path(new.path()), "--exit-code"]);
    assert_eq!(out.code, 0, "{}\n{}", out.stdout, out.stderr);
    assert!(
        out.stderr.contains(
            "4 pod(s) have IPv4 and IPv6 addresses: their connections are shown over IPv4; \
             `--ip-family ipv6` compares their IPv6 connections"
        ),
        "{}",
        out.stderr
    );
    let v4 = json(&[
        "diff",
        old,
        &path(new.path()),
        "--ip-family",
        "ipv4",
        "-o",
        "json",
    ]);
    assert_eq!(v4["changed"], false, "{v4}");

    let args = [
        "diff",
        old,
        &path(new.path()),
        "--ip-family",
        "ipv6",
        "--exit-code",
    ];
    let out = run(&args);
    assert_eq!(out.code, 1, "{}\n{}", out.stdout, out.stderr);
    assert!(!out.stderr.contains("IPv4 and IPv6"), "{}", out.stderr);
    let v6 = json(&[&args[..], &["-o", "json"]].concat());
    let pairs = v6["pairs"].as_array().expect("pairs");
    let probe_to_db: Vec<&Value> = pairs
        .iter()
        .filter(|p| p["src"] == "ops/probe" && p["dst"] == "shop/db")
        .collect();
    assert_eq!(probe_to_db.len(), 1, "{pairs:?}");
    assert_eq!(probe_to_db[0]["change"], "lost");
    assert_eq!(probe_to_db[0]["lost"], serde_json::json!(["TCP 5432"]));
    // The moved range's external nodes are IPv6 ranges; no IPv4 pair or
    // range shows up.
    for p in pairs {
        for end in ["src", "dst"] {
            let id = p[end].as_str().expect("id");
            assert!(!id.contains('.'), "an IPv4 range in the IPv6 view: {p}");
        }
    }
}

/// In a view of one family, the pods either side leaves out are counted
/// with the family they lack an address of.
#[test]
fn pods_without_an_address_of_the_family_are_counted_per_side() {
    let redis = fixture("redis-frontend");
    let out = run(&["diff", &redis, &redis, "--ip-family", "ipv6"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for side in ["old", "new"] {
        assert!(
            out.stderr.contains(&format!(
                "warning: 4 pod(s) of the {side} side have no IPv6 address and are not compared"
            )),
            "{}",
            out.stderr
        );
    }
    let out = run(&["diff", &redis, &redis, "--ip-family", "ipv4"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stderr, "");
}
