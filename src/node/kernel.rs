//! Loading, attaching, updating and removing the tc classifier (aya).
//!
//! Everything polctl makes lives under `/sys/fs/bpf/polctl` (programs,
//! maps, TCX links, all pinned so enforcement outlives the command) and
//! `/run/polctl/node.json` (which interface stands for which endpoint,
//! and what is not enforced). A second attach reuses the pinned programs
//! and maps: it fills the policy slot not in use, flips the active slot in
//! one map write, then attaches new interfaces and detaches dropped ones.

use std::collections::BTreeMap;
use std::ffi::CString;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use aya::maps::lpm_trie::{Key, LpmTrie};
use aya::maps::{Array, HashMap, Map, MapData, PerCpuArray};
use aya::programs::links::{FdLink, PinnedLink};
use aya::programs::{SchedClassifier, TcAttachType};
use polctl_node_maps as maps;
use serde::{Deserialize, Serialize};

use super::compile::{NotEnforced, Plan};
use super::discover::Discovery;
use super::maps::{SlotEntries, slot_entries};

/// The classifier polctl embeds (see build.rs).
pub static TC_OBJECT: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/polctl-tc.o"));

const BPFFS: &str = "/sys/fs/bpf";
const STATE_DIR: &str = "/run/polctl";
const PROGRAMS: [(&str, TcAttachType, &str); 2] = [
    ("from_endpoint", TcAttachType::Ingress, "ingress"),
    ("to_endpoint", TcAttachType::Egress, "egress"),
];
const SLOT_MAPS: [&str; 7] = [
    "ENDPOINTS",
    "ENDPOINT_INDEX",
    "HOSTS",
    "IDENTITIES",
    "RULES",
    "PORTS",
    "PROTOCOLS",
];
const SHARED_MAPS: [&str; 5] = ["CONFIG", "CONNTRACK", "CONNTRACK4", "FRAGMENTS", "COUNTERS"];

/// Where polctl pins its objects (a directory on a bpffs) and keeps its
/// state (`/run/polctl/<the directory's name>.json`).
#[derive(Clone, Debug)]
pub struct Pins {
    root: PathBuf,
}

impl Default for Pins {
    fn default() -> Self {
        Pins {
            root: Path::new(BPFFS).join("polctl"),
        }
    }
}

impl Pins {
    /// Pins under `root`, whose parent must be on a bpffs.
    pub fn new(root: PathBuf) -> Self {
        Pins { root }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn state(&self) -> PathBuf {
        let name = self
            .root
            .file_name()
            .map_or_else(|| "polctl".into(), |n| n.to_string_lossy().into_owned());
        Path::new(STATE_DIR).join(format!("{name}.json"))
    }

    fn map(&self, name: &str) -> PathBuf {
        self.root.join("maps").join(name)
    }

    fn program(&self, name: &str) -> PathBuf {
        self.root.join("programs").join(name)
    }

    fn link(&self, iface: &str, hook: &str) -> PathBuf {
        self.root.join("links").join(format!("{iface}-{hook}"))
    }
}

/// Why the kernel side failed.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum NodeError {
    #[error("polctl node {0} needs root (CAP_BPF or CAP_SYS_ADMIN, and CAP_NET_ADMIN)")]
    #[diagnostic(help("run it with sudo, or try --dry-run to see the maps without privileges"))]
    Privileges(&'static str),
    #[error("no interface {0} on this node")]
    #[diagnostic(help(
        "`ip link` lists the interfaces; give the host side of the pod's veth pair"
    ))]
    UnknownInterface(String),
    #[error("nothing is attached: {0} does not exist")]
    NotAttached(String),
    #[error("{what}: {message}")]
    Kernel { what: String, message: String },
}

fn kernel(what: impl Into<String>, e: impl std::fmt::Display) -> NodeError {
    NodeError::Kernel {
        what: what.into(),
        message: e.to_string(),
    }
}

/// What `/run/polctl/node.json` records about the enforcement in place.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct State {
    pub endpoints: Vec<StateEndpoint>,
    pub not_enforced: Vec<StateNotEnforced>,
    pub unenforceable: String,
    pub slot: u32,
    /// What the last `attach --auto` found (none after `--iface`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<Discovery>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StateEndpoint {
    pub number: u32,
    pub iface: String,
    pub ifindex: u32,
    pub name: String,
    pub identity: u32,
    pub addresses: Vec<IpAddr>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct StateNotEnforced {
    pub endpoint: String,
    pub direction: String,
    pub peer: String,
    pub kind: String,
    pub connections: String,
    pub treatment: String,
}

impl From<&NotEnforced> for StateNotEnforced {
    fn from(n: &NotEnforced) -> Self {
        StateNotEnforced {
            endpoint: n.endpoint.clone(),
            direction: n.direction.to_string(),
            peer: n.peer.clone(),
            kind: n.kind.to_string(),
            connections: n.connections.to_string(),
            treatment: n.treatment.to_string(),
        }
    }
}

/// Whether this process may load programs and attach them.
pub fn check_privileges(command: &'static str) -> Result<(), NodeError> {
    const CAP_NET_ADMIN: u32 = 12;
    const CAP_SYS_ADMIN: u32 = 21;
    const CAP_BPF: u32 = 39;
    let status = fs::read_to_string("/proc/self/status").unwrap_or_default();
    let caps = status
        .lines()
        .find_map(|l| l.strip_prefix("CapEff:"))
        .and_then(|v| u64::from_str_radix(v.trim(), 16).ok())
        .unwrap_or(0);
    let has = |c: u32| caps & (1 << c) != 0;
    if (has(CAP_BPF) || has(CAP_SYS_ADMIN)) && has(CAP_NET_ADMIN) {
        Ok(())
    } else {
        Err(NodeError::Privileges(command))
    }
}

/// The index of a network interface.
pub fn ifindex(iface: &str) -> Result<u32, NodeError> {
    let name = CString::new(iface).map_err(|_| NodeError::UnknownInterface(iface.into()))?;
    // SAFETY: a NUL-terminated name; the call only reads it.
    let index = unsafe { libc::if_nametoindex(name.as_ptr()) };
    if index == 0 {
        Err(NodeError::UnknownInterface(iface.into()))
    } else {
        Ok(index)
    }
}

fn is_bpffs(dir: &Path) -> bool {
    const BPF_FS_MAGIC: i64 = 0xcafe_4a11;
    let Ok(path) = CString::new(dir.as_os_str().as_encoded_bytes()) else {
        return false;
    };
    // SAFETY: statfs writes into the zeroed struct we own.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    let ok = unsafe { libc::statfs(path.as_ptr(), &mut st) } == 0;
    #[allow(clippy::unnecessary_cast)]
    let bpf = ok && st.f_type as i64 == BPF_FS_MAGIC;
    bpf
}

/// Mounts bpffs at /sys/fs/bpf when it is not there, as Cilium's agent
/// does; another pin directory must already be on a bpffs.
fn ensure_bpffs(pins: &Pins) -> Result<(), NodeError> {
    let parent = pins.root.parent().unwrap_or(Path::new("/"));
    if is_bpffs(parent) {
        return Ok(());
    }
    if parent != Path::new(BPFFS) {
        return Err(kernel(
            parent.display().to_string(),
            "not on a bpffs (mount -t bpf bpf DIR)",
        ));
    }
    let path = CString::new(BPFFS).expect("no NUL");
    fs::create_dir_all(BPFFS).map_err(|e| kernel(BPFFS, e))?;
    let fstype = CString::new("bpf").expect("no NUL");
    // SAFETY: valid NUL-terminated strings; no data argument.
    let rc = unsafe {
        libc::mount(
            fstype.as_ptr(),
            path.as_ptr(),
            fstype.as_ptr(),
            0,
            std::ptr::null(),
        )
    };
    if rc != 0 {
        return Err(kernel(
            format!("mounting bpffs at {BPFFS}"),
            std::io::Error::last_os_error(),
        ));
    }
    Ok(())
}

fn open_map(pins: &Pins, name: &str) -> Result<Map, NodeError> {
    let path = pins.map(name);
    let data = MapData::from_pin(&path).map_err(|e| kernel(path.display().to_string(), e))?;
    Map::from_map_data(data).map_err(|e| kernel(name, e))
}

/// Loads the object and pins its programs and maps, unless they are
/// pinned already.
fn load_pinned(pins: &Pins) -> Result<(), NodeError> {
    if pins.map("CONFIG").exists() && pins.program("to_endpoint").exists() {
        return Ok(());
    }
    for dir in ["maps", "programs", "links"] {
        fs::create_dir_all(pins.root.join(dir)).map_err(|e| kernel("creating pin directory", e))?;
    }
    let mut ebpf = aya::EbpfLoader::new()
        .load(TC_OBJECT)
        .map_err(|e| kernel("loading the tc classifier", e))?;
    for (name, _, _) in PROGRAMS {
        let prog: &mut SchedClassifier = ebpf
            .program_mut(name)
            .ok_or_else(|| kernel(name, "missing from the object"))?
            .try_into()
            .map_err(|e| kernel(name, e))?;
        prog.load()
            .map_err(|e| kernel(format!("verifying {name}"), e))?;
        prog.pin(pins.program(name)).map_err(|e| kernel(name, e))?;
    }
    let names = SHARED_MAPS.iter().map(|m| m.to_string()).chain(
        SLOT_MAPS
            .iter()
            .flat_map(|m| [format!("{m}_0"), format!("{m}_1")]),
    );
    for name in names {
        let map = ebpf
            .map(&name)
            .ok_or_else(|| kernel(&name, "missing from the object"))?;
        map.pin(pins.map(&name)).map_err(|e| kernel(&name, e))?;
    }
    Ok(())
}

/// Loads (once), fills the unused slot with `plan`, switches to it, and
/// attaches the interfaces of `plan`.
pub fn attach(plan: &Plan, pins: &Pins) -> Result<State, NodeError> {
    check_privileges("attach")?;
    let ifindexes: Vec<u32> = plan
        .endpoints
        .iter()
        .map(|e| ifindex(&e.iface))
        .collect::<Result<_, _>>()?;
    ensure_bpffs(pins)?;
    load_pinned(pins)?;

    let mut config: Array<MapData, u32> =
        Array::try_from(open_map(pins, "CONFIG")?).map_err(|e| kernel("CONFIG", e))?;
    let version = config
        .get(&maps::CONFIG_ACTIVE_SLOT, 0)
        .map_err(|e| kernel("CONFIG", e))?
        .wrapping_add(1);
    // The next version uses the other slot: fill it, then switch.
    let slot = maps::active_slot(version);
    fill_slot(pins, slot, plan, &ifindexes)?;
    config
        .set(maps::CONFIG_ACTIVE_SLOT, version, 0)
        .map_err(|e| kernel("switching the policy slot", e))?;

    let previous = read_state(pins).ok();
    for ep in &plan.endpoints {
        for (name, hook, hook_name) in PROGRAMS {
            let pin = pins.link(&ep.iface, hook_name);
            if pin.exists() {
                continue;
            }
            let mut prog =
                SchedClassifier::from_pin(pins.program(name)).map_err(|e| kernel(name, e))?;
            let id = prog
                .attach(&ep.iface, hook)
                .map_err(|e| kernel(format!("attaching to {}", ep.iface), e))?;
            let link = prog.take_link(id).map_err(|e| kernel(name, e))?;
            let link: FdLink = link
                .try_into()
                .map_err(|e| kernel(format!("{} is not a TCX link", ep.iface), e))?;
            link.pin(&pin)
                .map_err(|e| kernel(pin.display().to_string(), e))?;
        }
    }
    // Interfaces no longer listed stop being enforced only now that the
    // new slot (without them) is in use.
    if let Some(prev) = previous {
        for old in prev
            .endpoints
            .iter()
            .filter(|o| !plan.endpoints.iter().any(|e| e.iface == o.iface))
        {
            unpin_links(pins, &old.iface)?;
        }
    }
    let state = State {
        endpoints: plan
            .endpoints
            .iter()
            .zip(&ifindexes)
            .map(|(e, &ifindex)| StateEndpoint {
                number: e.number,
                iface: e.iface.clone(),
                ifindex,
                name: e.name.clone(),
                identity: e.identity,
                addresses: e.addresses.clone(),
            })
            .collect(),
        not_enforced: plan
            .not_enforced
            .iter()
            .map(StateNotEnforced::from)
            .collect(),
        unenforceable: match plan.unenforceable {
            super::Unenforceable::Drop => "drop".into(),
            super::Unenforceable::Refuse => "refuse".into(),
        },
        slot,
        discovery: plan.discovery.clone(),
    };
    write_state(pins, &state)?;
    Ok(state)
}

fn unpin_links(pins: &Pins, iface: &str) -> Result<(), NodeError> {
    for (_, _, hook) in PROGRAMS {
        let pin = pins.link(iface, hook);
        if pin.exists() {
            let link =
                PinnedLink::from_pin(&pin).map_err(|e| kernel(pin.display().to_string(), e))?;
            // Dropping the last reference to an unpinned TCX link detaches it.
            drop(
                link.unpin()
                    .map_err(|e| kernel(pin.display().to_string(), e))?,
            );
        }
    }
    Ok(())
}

fn fill_slot(pins: &Pins, slot: u32, plan: &Plan, ifindexes: &[u32]) -> Result<(), NodeError> {
    let endpoints: Vec<(u32, maps::EndpointInfo)> = plan
        .endpoints
        .iter()
        .zip(ifindexes)
        .map(|(ep, &index)| {
            (
                index,
                maps::EndpointInfo {
                    endpoint: ep.number,
                    identity: ep.identity,
                },
            )
        })
        .collect();
    write_slot(&slot_entries(plan), &endpoints, slot, |name| {
        open_map(pins, name)
    })
}

/// Empties the maps of `slot` (opened by name, e.g. `RULES_1`, through
/// `open`) and writes `entries` and `endpoints` (interface index →
/// endpoint) into them. The classifier reads the slot only once
/// `CONFIG_ACTIVE_SLOT` names it.
pub fn write_slot(
    entries: &SlotEntries,
    endpoints: &[(u32, maps::EndpointInfo)],
    slot: u32,
    mut open: impl FnMut(&str) -> Result<Map, NodeError>,
) -> Result<(), NodeError> {
    let name = |m: &str| format!("{m}_{slot}");

    let mut map: HashMap<MapData, u32, maps::EndpointInfo> =
        HashMap::try_from(open(&name("ENDPOINTS"))?).map_err(|e| kernel("ENDPOINTS", e))?;
    let mut array: Array<MapData, maps::EndpointInfo> =
        Array::try_from(open(&name("ENDPOINT_INDEX"))?).map_err(|e| kernel("ENDPOINT_INDEX", e))?;
    // The hash holds every endpoint of the slot: the array entries to
    // empty are at its keys.
    let none = maps::EndpointInfo {
        endpoint: 0,
        identity: 0,
    };
    for index in map.keys().filter_map(Result::ok) {
        if index < maps::ENDPOINT_INDEX_ENTRIES {
            array
                .set(index, none, 0)
                .map_err(|e| kernel("ENDPOINT_INDEX", e))?;
        }
    }
    clear_hash(&mut map, "ENDPOINTS")?;
    for (index, info) in endpoints {
        map.insert(index, info, 0)
            .map_err(|e| kernel("ENDPOINTS", e))?;
        if *index < maps::ENDPOINT_INDEX_ENTRIES {
            array
                .set(*index, info, 0)
                .map_err(|e| kernel("ENDPOINT_INDEX", e))?;
        }
    }

    let mut map: HashMap<MapData, maps::IdentityAddr, maps::IdentityInfo> =
        HashMap::try_from(open(&name("HOSTS"))?).map_err(|e| kernel("HOSTS", e))?;
    clear_hash(&mut map, "HOSTS")?;
    for (key, value) in &entries.hosts {
        map.insert(key, value, 0).map_err(|e| kernel("HOSTS", e))?;
    }

    let mut trie: LpmTrie<MapData, maps::IdentityAddr, maps::IdentityInfo> =
        LpmTrie::try_from(open(&name("IDENTITIES"))?).map_err(|e| kernel("IDENTITIES", e))?;
    let old: Vec<Key<maps::IdentityAddr>> = trie.keys().filter_map(Result::ok).collect();
    for k in old {
        trie.remove(&k).map_err(|e| kernel("IDENTITIES", e))?;
    }
    for &(bits, key, value) in &entries.prefixes {
        trie.insert(&Key::new(bits, key), value, 0)
            .map_err(|e| kernel("IDENTITIES", e))?;
    }

    let mut map: HashMap<MapData, maps::RuleKey, maps::RuleValue> =
        HashMap::try_from(open(&name("RULES"))?).map_err(|e| kernel("RULES", e))?;
    clear_hash(&mut map, "RULES")?;
    for (key, value) in &entries.rules {
        map.insert(key, value, 0).map_err(|e| kernel("RULES", e))?;
    }

    let mut map: HashMap<MapData, maps::PortChunk, maps::PortBits> =
        HashMap::try_from(open(&name("PORTS"))?).map_err(|e| kernel("PORTS", e))?;
    clear_hash(&mut map, "PORTS")?;
    for (key, value) in &entries.ports {
        map.insert(key, value, 0).map_err(|e| kernel("PORTS", e))?;
    }

    let mut protocols: Array<MapData, u8> =
        Array::try_from(open(&name("PROTOCOLS"))?).map_err(|e| kernel("PROTOCOLS", e))?;
    for p in 0..=255u8 {
        let named = u8::from(entries.protocols.contains(&p));
        protocols
            .set(u32::from(p), named, 0)
            .map_err(|e| kernel("PROTOCOLS", e))?;
    }
    Ok(())
}

fn clear_hash<K: aya::Pod, V: aya::Pod>(
    map: &mut HashMap<MapData, K, V>,
    what: &str,
) -> Result<(), NodeError> {
    let old: Vec<K> = map.keys().filter_map(Result::ok).collect();
    for k in old {
        map.remove(&k).map_err(|e| kernel(what, e))?;
    }
    Ok(())
}

fn write_state(pins: &Pins, state: &State) -> Result<(), NodeError> {
    let path = pins.state();
    let path = path.as_path();
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| kernel(dir.display().to_string(), e))?;
    }
    let what = path.display().to_string();
    let text = serde_json::to_string_pretty(state).map_err(|e| kernel(&what, e))?;
    fs::write(path, text).map_err(|e| kernel(&what, e))
}

fn read_state(pins: &Pins) -> Result<State, NodeError> {
    let path = pins.state();
    let what = path.display().to_string();
    let text = fs::read_to_string(&path).map_err(|_| NodeError::NotAttached(what.clone()))?;
    serde_json::from_str(&text).map_err(|e| kernel(&what, e))
}

/// Per endpoint and direction, packets by verdict.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Counters {
    pub allowed: u64,
    pub reply: u64,
    pub denied: u64,
    pub fragment_dropped: u64,
    pub infrastructure: u64,
}

/// What `polctl node status` reports.
#[derive(Clone, Debug, Serialize)]
pub struct Status {
    pub interfaces: Vec<InterfaceStatus>,
    /// Entries per map (the active slot's for the policy maps).
    pub maps: BTreeMap<String, usize>,
    pub not_enforced: Vec<StateNotEnforced>,
    pub unenforceable: String,
    /// What the last `attach --auto` found.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discovery: Option<Discovery>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InterfaceStatus {
    pub iface: String,
    pub endpoint: String,
    pub identity: u32,
    /// Both TCX links are pinned.
    pub attached: bool,
    pub egress: Counters,
    pub ingress: Counters,
}

/// `None` when nothing is attached.
pub fn status(pins: &Pins) -> Result<Option<Status>, NodeError> {
    check_privileges("status")?;
    if !pins.state().exists() && !pins.root.exists() {
        return Ok(None);
    }
    let state = read_state(pins)?;
    if !pins.map("CONFIG").exists() {
        return Err(NodeError::NotAttached(
            pins.map("CONFIG").display().to_string(),
        ));
    }
    let config: Array<MapData, u32> =
        Array::try_from(open_map(pins, "CONFIG")?).map_err(|e| kernel("CONFIG", e))?;
    let slot = maps::active_slot(
        config
            .get(&maps::CONFIG_ACTIVE_SLOT, 0)
            .map_err(|e| kernel("CONFIG", e))?,
    );
    let mut sizes = BTreeMap::new();
    sizes.insert(
        "endpoints".to_string(),
        HashMap::<MapData, u32, maps::EndpointInfo>::try_from(open_map(
            pins,
            &format!("ENDPOINTS_{slot}"),
        )?)
        .map_err(|e| kernel("ENDPOINTS", e))?
        .keys()
        .count(),
    );
    let slot_map = |m: &str| open_map(pins, &format!("{m}_{slot}"));
    sizes.insert(
        "hosts".to_string(),
        HashMap::<MapData, maps::IdentityAddr, maps::IdentityInfo>::try_from(slot_map("HOSTS")?)
            .map_err(|e| kernel("HOSTS", e))?
            .keys()
            .count(),
    );
    sizes.insert(
        "identity prefixes".to_string(),
        LpmTrie::<MapData, maps::IdentityAddr, maps::IdentityInfo>::try_from(slot_map(
            "IDENTITIES",
        )?)
        .map_err(|e| kernel("IDENTITIES", e))?
        .keys()
        .count(),
    );
    sizes.insert(
        "rules".to_string(),
        HashMap::<MapData, maps::RuleKey, maps::RuleValue>::try_from(slot_map("RULES")?)
            .map_err(|e| kernel("RULES", e))?
            .keys()
            .count(),
    );
    sizes.insert(
        "port bitmaps".to_string(),
        HashMap::<MapData, maps::PortChunk, maps::PortBits>::try_from(slot_map("PORTS")?)
            .map_err(|e| kernel("PORTS", e))?
            .keys()
            .count(),
    );
    sizes.insert(
        "conntrack".to_string(),
        HashMap::<MapData, maps::FlowKey, maps::Connection>::try_from(open_map(pins, "CONNTRACK")?)
            .map_err(|e| kernel("CONNTRACK", e))?
            .keys()
            .count()
            + HashMap::<MapData, maps::FlowKey4, maps::Connection>::try_from(open_map(
                pins,
                "CONNTRACK4",
            )?)
            .map_err(|e| kernel("CONNTRACK4", e))?
            .keys()
            .count(),
    );
    let counters: PerCpuArray<MapData, u64> =
        PerCpuArray::try_from(open_map(pins, "COUNTERS")?).map_err(|e| kernel("COUNTERS", e))?;
    let read = |endpoint: u32, direction: u8| -> Result<Counters, NodeError> {
        let get = |what: u32| -> Result<u64, NodeError> {
            let values = counters
                .get(&maps::counter_index(endpoint, direction, what), 0)
                .map_err(|e| kernel("COUNTERS", e))?;
            Ok(values.iter().sum())
        };
        Ok(Counters {
            allowed: get(maps::COUNT_ALLOWED)?,
            reply: get(maps::COUNT_REPLY)?,
            denied: get(maps::COUNT_DENIED)?,
            fragment_dropped: get(maps::COUNT_FRAGMENT_DROPPED)?,
            infrastructure: get(maps::COUNT_INFRASTRUCTURE)?,
        })
    };
    let interfaces = state
        .endpoints
        .iter()
        .map(|e| {
            Ok(InterfaceStatus {
                iface: e.iface.clone(),
                endpoint: e.name.clone(),
                identity: e.identity,
                attached: PROGRAMS
                    .iter()
                    .all(|(_, _, hook)| pins.link(&e.iface, hook).exists()),
                egress: read(e.number, maps::EGRESS)?,
                ingress: read(e.number, maps::INGRESS)?,
            })
        })
        .collect::<Result<_, NodeError>>()?;
    Ok(Some(Status {
        interfaces,
        maps: sizes,
        not_enforced: state.not_enforced,
        unenforceable: state.unenforceable,
        discovery: state.discovery,
    }))
}

/// Removes every link, program and map polctl pinned, and its state.
/// Returns the interfaces it detached (none when nothing was attached).
pub fn detach(pins: &Pins) -> Result<Vec<String>, NodeError> {
    check_privileges("detach")?;
    let root = pins.root.clone();
    let state = pins.state();
    if !root.exists() && !state.exists() {
        return Ok(Vec::new());
    }
    let mut detached = Vec::new();
    let links = root.join("links");
    if let Ok(entries) = fs::read_dir(&links) {
        for entry in entries.flatten() {
            let path = entry.path();
            let link =
                PinnedLink::from_pin(&path).map_err(|e| kernel(path.display().to_string(), e))?;
            drop(
                link.unpin()
                    .map_err(|e| kernel(path.display().to_string(), e))?,
            );
            if let Some(name) = path.file_name().and_then(|n| n.to_str())
                && let Some((iface, _)) = name.rsplit_once('-')
                && !detached.iter().any(|d| d == iface)
            {
                detached.push(iface.to_string());
            }
        }
    }
    // Unpinning programs and maps drops the last reference to them once no
    // link holds them.
    if root.exists() {
        fs::remove_dir_all(&root).map_err(|e| kernel(root.display().to_string(), e))?;
    }
    match fs::remove_file(&state) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(kernel(state.display().to_string(), e)),
    }
    detached.sort();
    Ok(detached)
}
