//! The reachability graph agrees with `simulate`: for every fixture, every
//! ordered pair of graph nodes and a set of probe ports (every boundary of
//! every edge's ranges, and common ports), a flow that `simulate` resolves
//! and allows is inside the edge's connections, and one it denies is not.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use polctl::dialect::lower::{Choice, Input, lower};
use polctl::load::{Inputs, Inventory, load};
use polctl::model::Proto;
use polctl::model::policy::{Direction, PolicySet};
use polctl::sim::eval::Evaluator;
use polctl::sim::reach::{self, Conns, IdentityClass, Options, VerdictMatrix};
use polctl::sim::resolve::{FlowRequest, PortRef, flows};

const COMMON_PORTS: &[u16] = &[1, 22, 53, 79, 80, 81, 443, 5000, 6379, 8080, 9000, 65535];

fn allows(conns: &Conns, proto: Proto, value: u16) -> bool {
    conns.is_all()
        || conns
            .protocols
            .get(&proto)
            .is_some_and(|s| s.contains(value))
}

/// A reference `simulate` resolves for a node: the workload, or the first
/// address of an external range.
fn reference(id: &str, external: bool) -> String {
    if !external {
        return id.to_string();
    }
    let first = id.split(['-', '/']).next().unwrap_or(id);
    first
        .parse::<IpAddr>()
        .map_or(id.to_string(), |ip| ip.to_string())
}

/// A fixture loaded and lowered with the application layer on.
fn setup(dir: &Path) -> (Inventory, PolicySet) {
    let mut inventory = load(
        &Inputs {
            paths: vec![dir.to_path_buf()],
            recursive: false,
        },
        &mut std::io::empty(),
    )
    .expect("fixture loads");
    let hosts = dir.join("dns.hosts");
    if hosts.exists() {
        let text = std::fs::read_to_string(&hosts).expect("dns table");
        polctl::load::dns::read_hosts("dns.hosts", &text, &mut inventory.cluster.dns)
            .expect("dns table parses");
    }
    let input = Input::from(&inventory);
    let choice = Choice {
        app_layer: true,
        ..Choice::default()
    };
    let set = lower(&input, &choice).set;
    (inventory, set)
}

fn check_fixture(dir: &Path) -> (usize, Vec<String>) {
    let (inventory, set) = setup(dir);
    let ev = Evaluator::new(&set, &inventory.cluster);
    let graph = reach::compute(&ev, &inventory.cluster, &Options::default(), &());
    let g = &graph.graph;

    let mut ports: BTreeSet<u16> = COMMON_PORTS.iter().copied().collect();
    for e in g.edge_weights() {
        for set in e.conns.protocols.values() {
            for &(lo, hi) in set.intervals() {
                ports.extend([lo.saturating_sub(1).max(1), lo, hi, hi.saturating_add(1)]);
            }
        }
    }
    let mut checked = 0;
    let mut wrong = Vec::new();
    for s in g.node_indices() {
        for d in g.node_indices() {
            let (sn, dn) = (&g[s], &g[d]);
            if s == d || (sn.is_external() && dn.is_external()) {
                continue;
            }
            // External ranges are cut separately as sources and as
            // destinations: a range only stands for a destination when
            // something reaches it, and for a source when it reaches
            // something.
            let has = |i, d| g.edges_directed(i, d).next().is_some();
            if (dn.is_external() && !has(d, petgraph::Direction::Incoming))
                || (sn.is_external() && !has(s, petgraph::Direction::Outgoing))
            {
                continue;
            }
            let edge = g.find_edge(s, d).map(|e| &g[e]);
            if edge.is_some_and(|e| e.some.is_some()) {
                continue; // pods of the workloads differ; not one answer
            }
            let empty = Conns::default();
            let conns = edge.map_or(&empty, |e| &e.conns);
            let probes = [Proto::TCP, Proto::UDP, Proto::SCTP]
                .into_iter()
                .flat_map(|p| ports.iter().map(move |&n| (p, Some(n), None)))
                .chain([(Proto::ICMP, None, Some(8u8)), (Proto(47), None, None)]);
            for (proto, port, icmp_type) in probes {
                let req = FlowRequest {
                    from: reference(&sn.id, sn.is_external()),
                    to: reference(&dn.id, dn.is_external()),
                    port: port.map(PortRef::Number),
                    protocol: Some(proto),
                    src_port: None,
                    icmp_type,
                    icmp_code: icmp_type.map(|_| 0),
                    http: None,
                    l7: Vec::new(),
                    auth_fails: false,
                };
                let Ok(resolved) = flows(&inventory.cluster, &req, "default") else {
                    continue;
                };
                let value = match (port, icmp_type) {
                    (Some(p), _) => p,
                    (None, Some(t)) => u16::from(t) << 8,
                    _ => 0,
                };
                let in_graph = if proto == Proto(47) {
                    conns.other || conns.is_all()
                } else {
                    allows(conns, proto, value)
                };
                for flow in resolved {
                    if flow.src.end == flow.dst.end {
                        continue;
                    }
                    let what = flow.to_string();
                    let allowed = ev.evaluate(flow).verdict.is_allow();
                    checked += 1;
                    if allowed != in_graph {
                        wrong.push(format!(
                            "{}: {what}: simulate says {}, the graph edge {} -> {} is `{conns}`",
                            dir.display(),
                            if allowed { "allow" } else { "deny" },
                            sn.id,
                            dn.id
                        ));
                    }
                }
            }
        }
    }
    (checked, wrong)
}

fn fixture_dirs() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("fixtures/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn the_graph_agrees_with_simulate_on_every_fixture() {
    let dirs = fixture_dirs();
    let mut total = 0;
    let mut wrong = Vec::new();
    for dir in &dirs {
        let (checked, w) = check_fixture(dir);
        assert!(checked > 0, "{}: nothing was checked", dir.display());
        total += checked;
        wrong.extend(w);
    }
    assert!(
        wrong.is_empty(),
        "{} of {total} flows disagree:\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Each cell of the verdict matrix is what the subject's policies alone
/// decide for the direction: a flow between the classes' first members,
/// probed in that direction, is allowed exactly where the cell says.
#[test]
fn every_matrix_cell_agrees_with_the_evaluator() {
    let mut checked = 0;
    let mut wrong = Vec::new();
    for dir in fixture_dirs() {
        let (inventory, set) = setup(&dir);
        let cluster = &inventory.cluster;
        let ev = Evaluator::new(&set, cluster);
        let matrix = VerdictMatrix::compute(&ev, cluster, &Options::default(), &());
        let member = |class: usize, nth: usize| match &matrix.classes()[class] {
            IdentityClass::Endpoints { members } => members.get(nth).map(|&m| {
                let e = &cluster.endpoints[m];
                format!("{}/{}", e.namespace, e.name)
            }),
            IdentityClass::External { .. } => None,
        };
        for (subject, peer, direction, allowed) in matrix.cells() {
            let (Some(me), Some(other)) = (
                member(subject, 0),
                member(peer, usize::from(subject == peer)),
            ) else {
                continue;
            };
            let (from, to) = match direction {
                Direction::Egress => (me, other),
                Direction::Ingress => (other, me),
            };
            for &port in COMMON_PORTS {
                let req = FlowRequest {
                    from: from.clone(),
                    to: to.clone(),
                    port: Some(PortRef::Number(port)),
                    protocol: Some(Proto::TCP),
                    src_port: None,
                    icmp_type: None,
                    icmp_code: None,
                    http: None,
                    l7: Vec::new(),
                    auth_fails: false,
                };
                let Ok(resolved) = flows(cluster, &req, "default") else {
                    continue;
                };
                for flow in resolved {
                    let probed = ev.probe(&flow, direction).allowed;
                    checked += 1;
                    if probed != allows(&allowed.conns, Proto::TCP, port) {
                        wrong.push(format!(
                            "{}: {flow} {direction:?}: the evaluator says {probed}, the cell is `{}`",
                            dir.display(),
                            allowed.conns
                        ));
                    }
                }
            }
        }
    }
    assert!(checked > 1000, "only {checked} cells were checked");
    assert!(
        wrong.is_empty(),
        "{} of {checked} probes disagree:\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Loads YAML text and lowers it for `cni` (detected when `None`).
fn compile_text(text: &str, cni: Option<polctl::model::policy::Cni>) -> (Inventory, PolicySet) {
    let inventory = load(
        &Inputs {
            paths: vec![PathBuf::from("-")],
            recursive: false,
        },
        &mut text.as_bytes(),
    )
    .expect("generated cluster loads");
    let choice = Choice {
        cni,
        app_layer: true,
        ..Choice::default()
    };
    let set = lower(&Input::from(&inventory), &choice).set;
    (inventory, set)
}

fn diff_of(
    old: &(Inventory, PolicySet),
    new: &(Inventory, PolicySet),
) -> polctl::sim::reach::ReachDiff {
    let old_ev = Evaluator::new(&old.1, &old.0.cluster);
    let new_ev = Evaluator::new(&new.1, &new.0.cluster);
    reach::diff(
        &reach::DiffSide {
            evaluator: &old_ev,
            cluster: &old.0.cluster,
        },
        &reach::DiffSide {
            evaluator: &new_ev,
            cluster: &new.0.cluster,
        },
        &Options::default(),
        &(),
    )
}

/// A fixture compared with itself has no change.
#[test]
fn every_fixture_has_no_diff_with_itself() {
    for dir in fixture_dirs() {
        let side = setup(&dir);
        let d = diff_of(&side, &side);
        assert!(
            d.is_empty(),
            "{}: {} changes, added {:?}, removed {:?}",
            dir.display(),
            d.changes.len(),
            d.added,
            d.removed
        );
    }
}

/// Generated clusters, and the same clusters with some policies removed:
/// the diff is empty against itself, and on every node pair and probe port
/// where `simulate` gives the two sides different verdicts the diff lists
/// the pair with the port gained or lost; where the pair is not listed
/// (or its pods all see the same change and the port is not in it) the
/// verdicts agree.
#[test]
fn diff_agrees_with_simulate_on_generated_changes() {
    use polctl_testkit::cluster::{Spec, generate};
    let mut checked = 0;
    let mut differing = 0;
    let mut wrong = Vec::new();
    for (i, spec) in [Spec::k8s(40, 14), Spec::mixed(40, 14), Spec::cilium(40, 14)]
        .into_iter()
        .enumerate()
    {
        let spec = Spec {
            seed: 0xD1FF + i as u64,
            ..spec
        };
        let yaml = generate(&spec).yaml;
        let docs: Vec<&str> = yaml.split("---\n").collect();
        // Every third policy document is left out of the new side.
        let mut nth_policy = 0;
        let kept: Vec<&str> = docs
            .iter()
            .copied()
            .filter(|d| {
                let policy = d.contains("kind: NetworkPolicy")
                    || d.contains("kind: GlobalNetworkPolicy")
                    || d.contains("kind: CiliumNetworkPolicy")
                    || d.contains("kind: CiliumClusterwideNetworkPolicy");
                if !policy {
                    return true;
                }
                nth_policy += 1;
                nth_policy % 3 != 0
            })
            .collect();
        assert!(kept.len() < docs.len(), "spec {i}: a policy was removed");
        let old = compile_text(&yaml, None);
        let new = compile_text(&kept.join("---\n"), Some(old.1.dataplane.cni));
        assert!(diff_of(&old, &old).is_empty(), "spec {i}: diff with itself");
        let d = diff_of(&old, &new);
        assert!(
            !d.changes.is_empty(),
            "spec {i}: removing policies changes something"
        );
        let (old_ev, new_ev) = (
            Evaluator::new(&old.1, &old.0.cluster),
            Evaluator::new(&new.1, &new.0.cluster),
        );
        let workloads: Vec<&str> = d
            .nodes
            .iter()
            .filter(|n| !n.is_external())
            .map(|n| n.id.as_str())
            .collect();
        let mut ports: BTreeSet<u16> = COMMON_PORTS.iter().copied().collect();
        for c in &d.changes {
            for set in [&c.gained, &c.lost] {
                if let Some(ps) = set.protocols.get(&Proto::TCP) {
                    for &(lo, hi) in ps.intervals() {
                        ports.extend([lo.saturating_sub(1).max(1), lo, hi, hi.saturating_add(1)]);
                    }
                }
            }
        }
        // Every 5th ordered pair of workloads, and every listed pair.
        let mut pairs: BTreeSet<(&str, &str)> = BTreeSet::new();
        let mut k = 0;
        for s in &workloads {
            for t in &workloads {
                k += 1;
                if s != t && k % 5 == 0 {
                    pairs.insert((s, t));
                }
            }
        }
        for c in &d.changes {
            let (s, t) = (&d.nodes[c.src], &d.nodes[c.dst]);
            if !s.is_external() && !t.is_external() {
                pairs.insert((s.id.as_str(), t.id.as_str()));
            }
        }
        for (s, t) in pairs {
            let change = d
                .changes
                .iter()
                .find(|c| d.nodes[c.src].id == s && d.nodes[c.dst].id == t);
            for &port in &ports {
                let req = FlowRequest {
                    from: s.to_string(),
                    to: t.to_string(),
                    port: Some(PortRef::Number(port)),
                    protocol: Some(Proto::TCP),
                    ..FlowRequest::default()
                };
                let verdict = |side: &(Inventory, PolicySet), ev: &Evaluator| {
                    flows(&side.0.cluster, &req, "default")
                        .expect("workloads resolve")
                        .into_iter()
                        .next()
                        .map(|f| ev.evaluate(f).verdict.is_allow())
                };
                let (Some(before), Some(after)) = (verdict(&old, &old_ev), verdict(&new, &new_ev))
                else {
                    continue;
                };
                checked += 1;
                let gained = change.is_some_and(|c| allows(&c.gained, Proto::TCP, port));
                let lost = change.is_some_and(|c| allows(&c.lost, Proto::TCP, port));
                let exact = change.is_none_or(|c| !c.some_pods);
                let ok = match (before, after) {
                    (false, true) => gained,
                    (true, false) => lost,
                    _ => !exact || (!gained && !lost),
                };
                if before != after {
                    differing += 1;
                }
                if !ok {
                    wrong.push(format!(
                        "spec {i}: {s} -> {t} TCP {port}: simulate {before} -> {after}, diff \
                         gained {gained} lost {lost}"
                    ));
                }
            }
        }
    }
    assert!(differing > 0, "some sampled flow changed verdict");
    assert!(
        wrong.is_empty(),
        "{} of {checked} flows disagree:\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(30)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// Where the computed matrix and the probed one (every cell through the
/// evaluator) differ: cell by cell, connections, L7 and authentication
/// marks, and the policies that decided.
fn computed_against_probed(what: &str, inventory: &Inventory, set: &PolicySet) -> Vec<String> {
    let cluster = &inventory.cluster;
    let ev = Evaluator::new(set, cluster);
    let computed = VerdictMatrix::compute(&ev, cluster, &Options::default(), &());
    let probed = VerdictMatrix::compute(
        &ev,
        cluster,
        &Options {
            probe_only: true,
            ..Options::default()
        },
        &(),
    );
    assert_eq!(computed.classes(), probed.classes(), "{what}: classes");
    let cells = |m: &VerdictMatrix| -> Vec<(usize, usize, Direction, reach::Allowed)> {
        m.cells().map(|(s, p, d, a)| (s, p, d, a.clone())).collect()
    };
    let (a, b) = (cells(&computed), cells(&probed));
    let mut wrong = Vec::new();
    if a.len() != b.len() {
        wrong.push(format!(
            "{what}: {} cells computed, {} probed",
            a.len(),
            b.len()
        ));
    }
    for (x, y) in a.iter().zip(&b) {
        if x != y {
            wrong.push(format!(
                "{what}: class {} -> {} {:?}: computed `{}` (l7 `{}`, {:?}), probed `{}` (l7 `{}`, {:?}) at {} -> {} {:?}",
                x.0, x.1, x.2, x.3.conns, x.3.l7, x.3.policies, y.3.conns, y.3.l7, y.3.policies, y.0, y.1, y.2
            ));
        }
    }
    wrong
}

/// The symbolic computation decides every cell of every fixture as the
/// evaluator does when each cell is probed.
#[test]
fn the_computed_matrix_equals_the_probed_one_on_every_fixture() {
    let mut wrong = Vec::new();
    for dir in fixture_dirs() {
        let (inventory, set) = setup(&dir);
        wrong.extend(computed_against_probed(
            &dir.display().to_string(),
            &inventory,
            &set,
        ));
    }
    assert!(
        wrong.is_empty(),
        "{} cells differ:\n{}",
        wrong.len(),
        wrong
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 24,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// The same on generated clusters: Kubernetes, Calico (tiers, Pass,
    /// L7, service accounts, GlobalNetworkPolicies) and Cilium policies
    /// (deny rules, entities, L7) drawn at random, over Deployments or bare
    /// pods of random labels: every class pair, every cut of the ports.
    #[test]
    fn the_computed_matrix_equals_the_probed_one_on_generated_clusters(
        seed in proptest::prelude::any::<u64>(),
        dialect in 0usize..3,
        bare in proptest::prelude::any::<bool>(),
        pods in 12usize..60,
        policies in 1usize..30,
    ) {
        use polctl::model::policy::{Cni, Version};
        use polctl_testkit::cluster::{Spec, generate};
        let spec = match dialect {
            0 => Spec::k8s(pods, policies),
            1 => Spec::mixed(pods, policies),
            _ => Spec::cilium(pods, policies),
        };
        let spec = Spec { seed, bare, ..spec };
        let generated = generate(&spec);
        let inventory = polctl::load::load_text("cluster.yaml", &generated.yaml)
            .expect("the generated cluster loads");
        let choice = Choice {
            cni: Some([Cni::K8s, Cni::Calico, Cni::Cilium][dialect]),
            calico_version: (dialect == 1).then_some(Version::new(3, 32)),
            cilium_version: None,
            app_layer: true,
        };
        let set = lower(&Input::from(&inventory), &choice).set;
        let wrong = computed_against_probed(
            &format!("seed {seed}, dialect {dialect}, bare {bare}, {pods} pods, {policies} policies"),
            &inventory,
            &set,
        );
        proptest::prop_assert!(wrong.is_empty(), "{}", wrong.iter().take(10).cloned().collect::<Vec<_>>().join("\n"));
    }
}

/// Every view `polctl graph` writes without storing the graph, next to the
/// same view of the stored graph: the workload view (JSON and the wide
/// table) narrowed by each kind of filter, and the namespace and label
/// views (added up per pair of workload profiles when nothing narrows
/// them). Returns what differs.
fn views_against_stored(what: &str, inventory: &Inventory, set: &PolicySet) -> Vec<String> {
    use polctl::render::graph::{GroupBy, JsonGraph, Streamed, View, table, write_streamed_table};
    use polctl::sim::reach::{Filter, NodeMatch, PortFilter};
    let ev = Evaluator::new(set, &inventory.cluster);
    let mut wrong = Vec::new();
    for external in [true, false] {
        let opts = Options {
            external,
            ..Options::default()
        };
        let exp = reach::expansion(&ev, &inventory.cluster, &opts, &());
        let stored = reach::compute(&ev, &inventory.cluster, &opts, &());
        let workloads: Vec<_> = exp.nodes().iter().filter(|n| !n.is_external()).collect();
        let (Some(first), Some(last)) = (workloads.first(), workloads.last()) else {
            continue;
        };
        let name = |n: &polctl::sim::reach::GraphNode| NodeMatch::Name {
            namespace: n.namespace.clone(),
            kind: None,
            name: n.name.clone(),
        };
        let base = Filter {
            exclude_external: !external,
            ..Filter::default()
        };
        let port = Some(PortFilter {
            protocol: Proto::TCP,
            port: 80,
        });
        let filters = [
            ("none", base.clone()),
            (
                "-n",
                Filter {
                    namespace: first.namespace.clone(),
                    ..base.clone()
                },
            ),
            (
                "--from",
                Filter {
                    from: Some(name(first)),
                    ..base.clone()
                },
            ),
            (
                "--to",
                Filter {
                    to: Some(name(last)),
                    ..base.clone()
                },
            ),
            (
                "--to CIDR",
                Filter {
                    to: Some(NodeMatch::Addresses("10.0.0.0/8".parse().expect("CIDR"))),
                    ..base.clone()
                },
            ),
            (
                "--focus -n",
                Filter {
                    focus: Some(name(last)),
                    namespace: first.namespace.clone(),
                    ..base.clone()
                },
            ),
            (
                "--port",
                Filter {
                    port,
                    ..base.clone()
                },
            ),
        ];
        wrong.extend(group_sums_against_pairs(
            &format!("{what}, external {external}"),
            &exp,
        ));
        let pretty = |v: &dyn erased::Json| v.pretty();
        for (label, filter) in &filters {
            let at = format!("{what}, external {external}, {label}");
            let stored_view = View::new(stored.filtered(filter), GroupBy::Workload);
            let streamed = Streamed::new(&exp, filter);
            if pretty(&JsonGraph(&stored_view)) != pretty(&streamed) {
                wrong.push(format!("{at}: JSON differs"));
            }
            let mut text = Vec::new();
            write_streamed_table(&mut text, &streamed, true).expect("written");
            if String::from_utf8_lossy(&text) != table(&stored_view, true) {
                wrong.push(format!("{at}: table differs"));
            }
            for by in [GroupBy::Namespace, GroupBy::Label("app".into())] {
                let stored_view = View::new(stored.filtered(filter), by.clone());
                let grouped = View::grouped(&exp, filter, &by);
                if pretty(&JsonGraph(&stored_view)) != pretty(&JsonGraph(&grouped))
                    || table(&stored_view, true) != table(&grouped, true)
                {
                    wrong.push(format!("{at}: {by:?} view differs"));
                }
            }
        }
    }
    wrong
}

/// `Expansion::group_edges` (sums per pair of groups, counted per block
/// of the matrix) next to the same sums taken workload pair by workload
/// pair, for groupings that follow the classes (namespaces), that do not
/// (a label of the workload, every third workload: a class in several
/// groups), one group, a group per workload, and workloads left out.
/// Returns what differs: a pair count or a distinct edge.
fn group_sums_against_pairs(what: &str, exp: &polctl::sim::reach::Expansion) -> Vec<String> {
    use std::collections::HashMap;
    let nodes = &exp.nodes()[..exp.workloads()];
    let by_name = |names: Vec<String>| -> Vec<usize> {
        let mut index: HashMap<String, usize> = HashMap::new();
        names
            .into_iter()
            .map(|n| {
                let next = index.len();
                *index.entry(n).or_insert(next)
            })
            .collect()
    };
    let groupings: Vec<(&str, Vec<usize>)> = vec![
        (
            "namespace",
            by_name(
                nodes
                    .iter()
                    .map(|n| n.namespace.clone().unwrap_or_default())
                    .collect(),
            ),
        ),
        (
            "label app",
            by_name(
                nodes
                    .iter()
                    .map(|n| n.labels.get("app").cloned().unwrap_or_default())
                    .collect(),
            ),
        ),
        ("every third", (0..nodes.len()).map(|w| w % 3).collect()),
        ("one group", vec![0; nodes.len()]),
        ("one each", (0..nodes.len()).collect()),
        (
            "some left out",
            (0..nodes.len())
                .map(|w| if w % 4 == 1 { usize::MAX } else { w % 2 })
                .collect(),
        ),
    ];
    let mut wrong = Vec::new();
    for (label, group_of) in groupings {
        let mut expected: HashMap<(usize, usize), (usize, Vec<polctl::sim::reach::Edge>)> =
            HashMap::new();
        let mut edges = exp.workload_edges();
        for s in 0..nodes.len() {
            for d in 0..nodes.len() {
                let (a, b) = (group_of[s], group_of[d]);
                if a == usize::MAX || b == usize::MAX {
                    continue;
                }
                if let Some(e) = edges.edge(s, d) {
                    let entry = expected.entry((a, b)).or_default();
                    entry.0 += 1;
                    if !entry.1.contains(&e) {
                        entry.1.push((*e).clone());
                    }
                }
            }
        }
        let got = exp.group_edges(&group_of);
        let mut keys: Vec<&(usize, usize)> = expected.keys().chain(got.keys()).collect();
        keys.sort();
        keys.dedup();
        for key in keys {
            let (pairs, distinct) = expected.get(key).cloned().unwrap_or_default();
            let (got_pairs, got_distinct): (usize, Vec<polctl::sim::reach::Edge>) = got
                .get(key)
                .map(|g| (g.pairs, g.edges.iter().map(|e| (**e).clone()).collect()))
                .unwrap_or_default();
            let same_edges = distinct.len() == got_distinct.len()
                && distinct.iter().all(|e| got_distinct.contains(e));
            if pairs != got_pairs || !same_edges {
                wrong.push(format!(
                    "{what}, {label}, groups {key:?}: {got_pairs} pairs and {} distinct edges summed, {pairs} and {} pair by pair",
                    got_distinct.len(),
                    distinct.len()
                ));
            }
        }
    }
    wrong
}

/// Pods of one identity in two workloads whose policy admits only that
/// identity: the class's row holds one cell for every peer but itself, so
/// its cell with itself must still be counted where it joins two
/// workloads (in one group, and across two).
#[test]
fn group_sums_count_a_class_that_only_admits_itself() {
    let pod = |name: &str, app: &str, ip: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: a\n  labels:\n    app: {app}\nspec:\n  containers:\n    - name: c\n      image: x\nstatus:\n  podIP: {ip}\n"
        )
    };
    let policy = "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: db-only\n  namespace: a\nspec:\n  podSelector:\n    matchLabels:\n      app: db\n  policyTypes: [Ingress, Egress]\n  ingress:\n    - from:\n        - podSelector:\n            matchLabels:\n              app: db\n  egress:\n    - to:\n        - podSelector:\n            matchLabels:\n              app: db\n";
    let text = [
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n".to_string(),
        pod("web-1", "web", "10.244.0.1"),
        pod("db-1", "db", "10.244.0.2"),
        pod("db-2", "db", "10.244.0.3"),
        pod("api-1", "api", "10.244.0.4"),
        pod("db-3", "db", "10.244.0.5"),
        policy.to_string(),
    ]
    .join("---\n");
    let (inventory, set) = compile_text(&text, None);
    let ev = Evaluator::new(&set, &inventory.cluster);
    let exp = reach::expansion(&ev, &inventory.cluster, &Options::default(), &());
    let wrong = group_sums_against_pairs("db admits only db", &exp);
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The three db pods reach each other and nothing else does.
    let mut edges = exp.workload_edges();
    let names: Vec<String> = exp.nodes()[..exp.workloads()]
        .iter()
        .map(|n| n.name.clone())
        .collect();
    let mut linked = Vec::new();
    for s in 0..names.len() {
        for d in 0..names.len() {
            let db = |i: usize| names[i].starts_with("db");
            if (db(s) || db(d)) && edges.edge(s, d).is_some() {
                linked.push(format!("{}>{}", names[s], names[d]));
            }
        }
    }
    assert_eq!(
        linked,
        [
            "db-1>db-2",
            "db-1>db-3",
            "db-2>db-1",
            "db-2>db-3",
            "db-3>db-1",
            "db-3>db-2"
        ]
    );
}

/// Pretty JSON of any serializable view.
mod erased {
    pub trait Json {
        fn pretty(&self) -> String;
    }
    impl<T: serde::Serialize> Json for T {
        fn pretty(&self) -> String {
            serde_json::to_string_pretty(self).expect("JSON")
        }
    }
}

#[test]
fn streamed_and_grouped_views_say_what_the_stored_graph_says_on_every_fixture() {
    let mut wrong = Vec::new();
    for dir in fixture_dirs() {
        let (inventory, set) = setup(&dir);
        wrong.extend(views_against_stored(
            &dir.display().to_string(),
            &inventory,
            &set,
        ));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 12,
        ..proptest::prelude::ProptestConfig::default()
    })]

    /// The same on generated clusters: Deployments (workloads of many pods,
    /// some of several classes) and bare pods, in every dialect.
    #[test]
    fn streamed_and_grouped_views_say_what_the_stored_graph_says_on_generated_clusters(
        seed in proptest::prelude::any::<u64>(),
        dialect in 0usize..3,
        bare in proptest::prelude::any::<bool>(),
        pods in 12usize..80,
        policies in 1usize..30,
    ) {
        use polctl::model::policy::{Cni, Version};
        use polctl_testkit::cluster::{Spec, generate};
        let spec = match dialect {
            0 => Spec::k8s(pods, policies),
            1 => Spec::mixed(pods, policies),
            _ => Spec::cilium(pods, policies),
        };
        let generated = generate(&Spec { seed, bare, ..spec });
        let inventory = polctl::load::load_text("cluster.yaml", &generated.yaml)
            .expect("the generated cluster loads");
        let choice = Choice {
            cni: Some([Cni::K8s, Cni::Calico, Cni::Cilium][dialect]),
            calico_version: (dialect == 1).then_some(Version::new(3, 32)),
            cilium_version: None,
            app_layer: true,
        };
        let set = lower(&Input::from(&inventory), &choice).set;
        let wrong = views_against_stored(
            &format!("seed {seed}, dialect {dialect}, bare {bare}, {pods} pods"),
            &inventory,
            &set,
        );
        proptest::prop_assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    }
}
