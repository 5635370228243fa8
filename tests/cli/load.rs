use crate::common::{run, temp_file};
use crate::polctl_snapshot;

/// Every file in tests/bad-manifests has at least one problem; all are
/// reported in one run, each at its file:line:col, and the exit code is 2.
#[test]
fn broken_manifests_yield_one_located_diagnostic_per_problem() {
    let out = polctl_snapshot!(
        "load",
        "bad-manifests",
        &[
            "get",
            "policies",
            "-A",
            "-f",
            "tests/bad-manifests",
            "--color",
            "never"
        ]
    );
    assert_eq!(out.code, 2);
    let located: Vec<&str> = out
        .stderr
        .lines()
        .filter(|l| l.contains("[tests/bad-manifests/"))
        .collect();
    assert_eq!(located.len(), 33, "{}", out.stderr);
    for file in std::fs::read_dir("tests/bad-manifests")
        .expect("dir")
        .flatten()
    {
        let name = file.file_name().to_string_lossy().into_owned();
        if name.ends_with(".yaml") {
            assert!(
                located.iter().any(|l| l.contains(&name)),
                "no diagnostic for {name}"
            );
        }
    }
    assert!(!out.stderr.contains("panicked"));
}

/// Every bad port and address of one Pod is reported in the same run, not
/// only the first one the reader meets.
#[test]
fn every_problem_of_a_pod_is_reported_at_once() {
    let out = run(&[
        "get",
        "endpoints",
        "-A",
        "-f",
        "tests/bad-manifests/pod-ports.yaml",
        "--color",
        "never",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    for (place, message) in [
        (
            "pod-ports.yaml:10:26]",
            "port 70000 is out of range 1-65535",
        ),
        ("pod-ports.yaml:11:26]", "port 0 is out of range 1-65535"),
        (
            "pod-ports.yaml:12:17]",
            "invalid port name `sixteen-chars-ab`",
        ),
        ("pod-ports.yaml:15:10]", "invalid IP address `10.0.0.300`"),
    ] {
        assert!(out.stderr.contains(place), "no {place}: {}", out.stderr);
        assert!(out.stderr.contains(message), "no {message}: {}", out.stderr);
    }
    assert!(
        out.stderr.contains("4 problems in 1 file"),
        "{}",
        out.stderr
    );
}

/// Every bad port of one Service (number, targetPort, name, protocol) is
/// reported in the same run, as the API server's validation lists them.
#[test]
fn every_bad_service_port_is_reported_at_once() {
    let out = run(&[
        "get",
        "endpoints",
        "-A",
        "-f",
        "tests/bad-manifests/service-ports.yaml",
    ]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    for (place, message) in [
        (
            "service-ports.yaml:9:26]",
            "port 70000 is out of range 1-65535",
        ),
        (
            "service-ports.yaml:10:14]",
            "Service port name `http` is already the name of spec.ports[0]",
        ),
        ("service-ports.yaml:10:43]", "invalid port name `8443`"),
        (
            "service-ports.yaml:11:14]",
            "invalid Service port name `Metrics_1`",
        ),
        ("service-ports.yaml:11:47]", "unsupported protocol `ICMP`"),
        ("service-ports.yaml:12:14]", "Service port has no name"),
        (
            "service-ports.yaml:12:32]",
            "port 0 is out of range 1-65535",
        ),
    ] {
        assert!(out.stderr.contains(place), "no {place}: {}", out.stderr);
        assert!(out.stderr.contains(message), "no {message}: {}", out.stderr);
    }
    assert!(
        out.stderr.contains("7 problems in 1 file"),
        "{}",
        out.stderr
    );
}

/// `kubectl get pods -A -o json`, minified onto one line: `count` pods,
/// the one at `bad` with container port 70000.
fn one_line_pod_list(count: usize, bad: usize) -> String {
    let items: Vec<String> = (0..count)
        .map(|i| {
            let port = if i == bad { 70000 } else { 8080 };
            format!(
                r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"pod-{i}","namespace":"ns","labels":{{"app":"a{}"}}}},"spec":{{"containers":[{{"name":"c","image":"nginx:1.25","ports":[{{"name":"http","containerPort":{port},"protocol":"TCP"}}]}}]}},"status":{{"podIP":"10.1.{}.{}"}}}}"#,
                i % 10,
                i / 250,
                i % 250 + 1
            )
        })
        .collect();
    format!(
        r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
        items.join(",")
    )
}

/// An error in a one-line JSON list names the item path and shows a window
/// of the line at its real line:column, not the whole line.
#[test]
fn an_error_in_one_line_json_names_the_item_path_and_shows_a_window() {
    let text = one_line_pod_list(2000, 1234);
    assert!(!text.contains('\n') && text.len() > 400_000);
    let file = temp_file("pods.json", &text);
    let out = run(&["get", "endpoints", "-A", "-f", file.path()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(
            "items[1234].spec.containers[0].ports[0].containerPort: port 70000 is out of range"
        ),
        "{}",
        out.stderr
    );
    let col = text.find("70000").expect("bad port") + 1;
    assert!(
        out.stderr.contains(&format!("pods.json:1:{col}]")),
        "no pods.json:1:{col}: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("…"),
        "the cut is marked: {}",
        out.stderr
    );
    assert!(
        out.stderr.len() < 2048,
        "{} bytes of stderr: {}",
        out.stderr.len(),
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

/// Unknown kinds and files that are not manifests are skipped with a
/// warning; Markdown (a fixture's README.md) is skipped without one.
#[test]
fn unknown_kinds_and_other_files_are_warnings() {
    let dir = tempfile::tempdir().expect("tmp");
    std::fs::write(dir.path().join("notes.txt"), "hello").expect("write");
    std::fs::write(dir.path().join("README.md"), "# policies\n").expect("write");
    std::fs::write(dir.path().join("CHANGES.MD"), "- v2\n").expect("write");
    std::fs::write(
        dir.path().join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: []}\n",
    )
    .expect("write");
    let path = dir.path().display().to_string();
    let out = run(&["get", "endpoints", "-f", &path]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("cm.yaml:2:7: skipped: unknown kind ConfigMap"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("skipped 1 file(s)"), "{}", out.stderr);
    let out = run(&["get", "endpoints", "-v", "-f", &path]);
    assert!(
        out.stderr
            .contains("notes.txt:1:1: skipped: not a manifest file"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("README.md") && !out.stderr.contains("CHANGES.MD"),
        "{}",
        out.stderr
    );
}

/// The fixtures load together with no warning but the one for the DNS
/// answers file (not a manifest): no README, and no object that two
/// fixtures define differently.
#[test]
fn all_fixtures_load_together_without_warnings() {
    let out = run(&["get", "policies", "-A", "-v", "-f", "fixtures/", "-R"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let warnings: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(
        warnings,
        [
            "warning: fixtures/dns-fqdn/dns.hosts:1:1: skipped: not a manifest file (.yaml, .yml or .json)"
        ]
    );
}

#[test]
fn implicit_namespaces_get_their_name_label() {
    let out = run(&["get", "namespaces", "-f", "fixtures/starwars", "-o", "wide"]);
    assert!(
        out.stdout
            .contains("default   kubernetes.io/metadata.name=default   implicit"),
        "{}",
        out.stdout
    );
}

#[test]
fn missing_input_is_a_usage_error() {
    let out = run(&["get", "policies"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no input manifests"));
    let out = run(&["get", "policies", "-f", "does/not/exist.yaml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("does/not/exist.yaml"));
}

const WEB_POD_V1: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels: {app: web, version: v1}
spec: {containers: []}
";

const WEB_POD_V2: &str = "apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: shop
  labels: {app: web, version: v2}
spec: {containers: []}
";

/// One object defined differently in two files: the later file's
/// definition is the one in force, as `kubectl apply -f` leaves it, and a
/// warning names both places.
#[test]
fn the_later_file_wins_with_a_warning_naming_both_places() {
    let dir = tempfile::tempdir().expect("tmp");
    let base = dir.path().join("base.yaml");
    let overlay = dir.path().join("overlay.yaml");
    std::fs::write(&base, WEB_POD_V1).expect("write");
    std::fs::write(&overlay, format!("# the v2 rollout\n{WEB_POD_V2}")).expect("write");
    let (base, overlay) = (base.display().to_string(), overlay.display().to_string());

    // A directory is read in name order: overlay.yaml comes last.
    let dir_path = dir.path().display().to_string();
    let out = run(&[
        "get",
        "endpoints",
        "-n",
        "shop",
        "-o",
        "wide",
        "-f",
        &dir_path,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("version=v2"), "{}", out.stdout);
    assert!(!out.stdout.contains("version=v1"), "{}", out.stdout);
    assert_eq!(
        out.stderr,
        format!(
            "warning: {overlay}:5:9: duplicate Pod shop/web with different content: this \
             definition replaces the one at {base}:4:9 (the later file wins, as with kubectl \
             apply -f)\n"
        )
    );

    // Files are read in the order -f names them.
    let out = run(&[
        "get",
        "endpoints",
        "-n",
        "shop",
        "-o",
        "wide",
        "-f",
        &overlay,
        "-f",
        &base,
    ]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("version=v1"), "{}", out.stdout);
    assert!(!out.stdout.contains("version=v2"), "{}", out.stdout);
    assert!(
        out.stderr
            .starts_with(&format!("warning: {base}:4:9: duplicate Pod shop/web"))
            && out
                .stderr
                .contains(&format!("replaces the one at {overlay}:5:9")),
        "{}",
        out.stderr
    );
}

/// Within one file, two different definitions are a mistake, not an
/// overlay: an error naming both, exit 2.
#[test]
fn one_object_twice_in_one_file_is_an_error() {
    let file = temp_file("pods.yaml", &format!("{WEB_POD_V1}---\n{WEB_POD_V2}"));
    let out = run(&["get", "endpoints", "-n", "shop", "-f", file.path()]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr
            .contains("duplicate Pod shop/web with different content"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr
            .contains(&format!("first defined at {}:4:9", file.path())),
        "{}",
        out.stderr
    );
}
