//! The verdicts of one subject in one direction, computed rather than
//! probed: its tiers, policies, rules and profiles are walked once over a
//! grid of (peer classes, as a bitset) × (pieces of the port space its
//! rules cut), and each cell is decided by the first rule that matches it,
//! as the evaluator decides one flow (`eval::Evaluator::direction`).
//!
//! A rule's criteria each become a region of the grid: a peer-side
//! selector, CIDR list or entity is the bitset of the peer classes it
//! matches (evaluated once per class by the evaluator itself); ports,
//! protocols and ICMP types are the pieces they hold; what looks at the
//! subject is the same for every cell. An egress named port, which
//! resolves on the destination, is the one criterion that is both: per
//! piece, the peers that declare it.
//!
//! Subjects whose rules name what the grid does not model (Services,
//! mutual authentication, entities or nodes on the subject's own side),
//! subjects that are not plain workload endpoints (host endpoints, nodes,
//! hostNetwork pods), and peers that are the node's traffic (hostNetwork
//! pods) are probed through the evaluator as before: the caller falls
//! back to it where [`view`] answers `None` or a peer is not `regular`.

use std::collections::{HashMap, HashSet};

use super::conns::{PORT_PROTOCOLS, is_icmp, listed_protocols};
use super::matrix::{Allowed, Cuts, atoms};
use crate::model::policy::{Action, Criterion, Direction, PortSpec, Rule, Side, TierDefault};
use crate::model::{IpFamily, Proto};
use crate::sim::eval::Evaluator;

/// A set of classes, one bit each.
pub(super) type Bits = Vec<u64>;

pub(super) fn empty(n: usize) -> Bits {
    vec![0; n.div_ceil(64)]
}

pub(super) fn set(bits: &mut Bits, i: usize) {
    bits[i / 64] |= 1 << (i % 64);
}

pub(super) fn has(bits: &Bits, i: usize) -> bool {
    bits[i / 64] >> (i % 64) & 1 == 1
}

fn is_zero(bits: &Bits) -> bool {
    bits.iter().all(|w| *w == 0)
}

fn and(a: &Bits, b: &Bits) -> Bits {
    a.iter().zip(b).map(|(x, y)| x & y).collect()
}

fn or(a: &Bits, b: &Bits) -> Bits {
    a.iter().zip(b).map(|(x, y)| x | y).collect()
}

fn and_not(a: &Bits, b: &Bits) -> Bits {
    a.iter().zip(b).map(|(x, y)| x & !y).collect()
}

/// Iterates the members of a set.
pub(super) fn members(bits: &Bits) -> impl Iterator<Item = usize> + '_ {
    bits.iter().enumerate().flat_map(|(w, &word)| {
        let mut word = word;
        std::iter::from_fn(move || {
            (word != 0).then(|| {
                let b = word.trailing_zeros() as usize;
                word &= word - 1;
                w * 64 + b
            })
        })
    })
}

/// The members of a set as spans of consecutive classes, `start..end`,
/// ascending: a word at a time where they are dense.
pub(super) fn spans(bits: &Bits) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<usize> = None;
    for (w, &word) in bits.iter().enumerate() {
        let base = w * 64;
        match word {
            0 => {
                if let Some(start) = open.take() {
                    out.push((start, base));
                }
                continue;
            }
            u64::MAX => {
                open.get_or_insert(base);
                continue;
            }
            _ => {}
        }
        let mut at = 0u32;
        while at < 64 {
            let rest = word >> at;
            match open {
                Some(start) => {
                    let ones = rest.trailing_ones();
                    if at + ones >= 64 {
                        break;
                    }
                    at += ones;
                    out.push((start, base + at as usize));
                    open = None;
                }
                None => {
                    if rest == 0 {
                        break;
                    }
                    at += rest.trailing_zeros();
                    open = Some(base + at as usize);
                }
            }
        }
    }
    if let Some(start) = open {
        out.push((start, bits.len() * 64));
    }
    out
}

/// One piece of the connection space: every value in it is judged alike.
#[derive(Clone, Copy, Debug)]
struct Atom {
    proto: Proto,
    lo: u16,
    hi: u16,
    /// The protocol no rule names: it stands for all of them
    /// (`Conns::other`).
    unnamed: bool,
}

/// The cells a criterion (or rule) matches.
#[derive(Clone, Debug)]
enum Region {
    /// These peers at these atoms.
    Rect { peers: Bits, atoms: Vec<bool> },
    /// Per atom, the peers.
    Cols(Vec<Bits>),
}

/// What the grid needs besides the subject's rules.
pub(super) struct Grid<'g, 'a> {
    pub ev: &'g Evaluator<'a>,
    /// Per leaf criterion (see `matrix::is_peer_leaf`): the classes it
    /// matches as a peer.
    pub leaf_sets: &'g [Bits],
    pub leaf_index: &'g HashMap<(usize, Side), usize>,
    /// Per (name, protocol, port): the classes declaring that named port.
    pub named: &'g HashMap<(String, u8, u16), Bits>,
    /// The subject's own named ports.
    pub own_ports: &'g [(String, u8, u16)],
    pub other_protocols: &'g [Proto],
    pub unnamed: Proto,
}

/// What one walk decided for a cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Outcome {
    allowed: bool,
    /// Index into the walk's policy names.
    policy: Option<u32>,
}

/// Per atom, the cells each decision took: the sets of one atom partition
/// the peers.
struct Walk {
    decided: Vec<Vec<(Bits, Outcome)>>,
}

/// The subject's verdicts towards every peer of `peers`, grouped: each
/// group's peers (disjoint, covering `peers`) and what the direction
/// allows them. `None` when the rules hold a criterion the grid does not
/// model.
pub(super) fn view(
    grid: &Grid,
    subject: &crate::model::Peer,
    dir: Direction,
    peers: &Bits,
    cuts: &Cuts,
) -> Option<Vec<(Bits, Allowed)>> {
    let ev = grid.ev;
    let (selection, profiles) = ev.pod_plan(subject, dir)?;
    let set = ev.policy_set();
    // Every rule the walk may meet, in order, with the name that decides.
    let mut steps: Vec<Step> = Vec::new();
    for (ti, tier) in set.tiers.iter().enumerate() {
        if selection[ti].is_empty() {
            continue;
        }
        for &pi in &selection[ti] {
            let p = &tier.policies[pi];
            for rule in p.rules(dir).unwrap_or(&[]) {
                steps.push(Step::Rule {
                    rule,
                    name: p.decider_name(&tier.name),
                });
            }
        }
        let trigger = selection[ti]
            .iter()
            .map(|&pi| &tier.policies[pi])
            .find(|p| p.isolates.get(dir));
        steps.push(Step::EndOfTier {
            deny: match (trigger, tier.default_action) {
                (Some(t), TierDefault::Deny) => Some(t.decider_name(&tier.name)),
                _ => None,
            },
        });
    }
    for name in profiles.iter() {
        if let Some(profile) = set.profiles.get(name) {
            for rule in profile.rules(dir) {
                if matches!(rule.action, Action::Allow | Action::Deny) {
                    steps.push(Step::Rule {
                        rule,
                        name: name.clone(),
                    });
                }
            }
        }
    }

    let mut grid_atoms: Vec<Atom> = Vec::new();
    for proto in listed_protocols(IpFamily::of(&subject.ip)) {
        for (lo, hi) in atoms(cuts, proto) {
            grid_atoms.push(Atom {
                proto,
                lo,
                hi,
                unnamed: false,
            });
        }
    }
    for &proto in grid.other_protocols {
        grid_atoms.push(Atom {
            proto,
            lo: 0,
            hi: 0,
            unnamed: false,
        });
    }
    grid_atoms.push(Atom {
        proto: grid.unnamed,
        lo: 0,
        hi: 0,
        unnamed: true,
    });

    let ctx = RegionCtx {
        grid,
        subject,
        dir,
        peers,
        atoms: &grid_atoms,
    };
    // The regions of every rule, once for both walks; an L7 criterion
    // holds in the first and refuses in the second when a proxy enforces.
    let app_layer = set.dataplane.app_layer;
    let mut regions: Vec<Option<(Region, Option<Region>)>> = Vec::with_capacity(steps.len());
    for step in &steps {
        regions.push(match step {
            Step::Rule { rule, .. } if rule.action != Action::Log => {
                let l4 = ctx.all(&rule.criteria, true)?;
                let refusing = if app_layer && has_l7(&rule.criteria) {
                    Some(ctx.all(&rule.criteria, false)?)
                } else {
                    None
                };
                Some((l4, refusing))
            }
            _ => None,
        });
    }
    let mut names: Vec<String> = Vec::new();
    let l4 = walk(&ctx, &steps, &regions, false, &mut names);
    let refusing = regions
        .iter()
        .any(|r| r.as_ref().is_some_and(|(_, refusing)| refusing.is_some()))
        .then(|| walk(&ctx, &steps, &regions, true, &mut names));

    // Peers decided alike at every atom in both walks form a group.
    let mut blocks: Vec<Bits> = vec![peers.clone()];
    let mut seen: HashSet<&Bits> = HashSet::new();
    for w in std::iter::once(&l4).chain(refusing.as_ref()) {
        for per_atom in &w.decided {
            for (cells, _) in per_atom {
                if !seen.insert(cells) {
                    continue;
                }
                let mut next = Vec::with_capacity(blocks.len() + 1);
                for b in blocks {
                    let inside = and(&b, cells);
                    if is_zero(&inside) {
                        next.push(b);
                        continue;
                    }
                    let outside = and_not(&b, cells);
                    next.push(inside);
                    if !is_zero(&outside) {
                        next.push(outside);
                    }
                }
                blocks = next;
            }
        }
    }
    let outcome = |w: &Walk, a: usize, peer: usize| {
        w.decided[a]
            .iter()
            .find(|(cells, _)| has(cells, peer))
            .map(|(_, o)| *o)
    };
    let groups = blocks
        .into_iter()
        .filter(|b| !is_zero(b))
        .map(|b| {
            let rep = members(&b).next().unwrap_or(0);
            let mut allowed = Allowed::default();
            for (a, atom) in grid_atoms.iter().enumerate() {
                let Some(o) = outcome(&l4, a, rep) else {
                    continue;
                };
                if !o.allowed {
                    continue;
                }
                let l7 = refusing
                    .as_ref()
                    .and_then(|w| outcome(w, a, rep))
                    .is_some_and(|r| !r.allowed);
                if atom.unnamed {
                    allowed.conns.other = true;
                    allowed.l7.other |= l7;
                } else {
                    allowed.conns.add(atom.proto, atom.lo, atom.hi);
                    if l7 {
                        allowed.l7.add(atom.proto, atom.lo, atom.hi);
                    }
                }
                if let Some(p) = o.policy {
                    allowed.policies.insert(names[p as usize].clone());
                }
            }
            (b, allowed)
        })
        .collect();
    Some(groups)
}

/// One thing the walk meets, in evaluation order.
enum Step<'r> {
    /// A rule of a selecting policy or of a profile (profiles contribute
    /// only Allow and Deny rules: Pass and Log fall through there).
    Rule { rule: &'r Rule, name: String },
    /// The end of a tier that selected the subject: what no rule decided
    /// is denied (`Some(trigger name)`) or goes on; cells passed within
    /// the tier go on to the next.
    EndOfTier { deny: Option<String> },
}

/// The first-match walk over every cell. `refusing`: L7 criteria refuse.
fn walk(
    ctx: &RegionCtx,
    steps: &[Step],
    regions: &[Option<(Region, Option<Region>)>],
    refusing: bool,
    names: &mut Vec<String>,
) -> Walk {
    let n_atoms = ctx.atoms.len();
    let mut open: Vec<Bits> = vec![ctx.peers.clone(); n_atoms];
    let mut passed: Vec<Bits> = vec![empty_like(ctx.peers); n_atoms];
    let mut decided: Vec<Vec<(Bits, Outcome)>> = vec![Vec::new(); n_atoms];
    let name_id = |names: &mut Vec<String>, name: &str| -> u32 {
        match names.iter().position(|n| n == name) {
            Some(i) => i as u32,
            None => {
                names.push(name.to_string());
                (names.len() - 1) as u32
            }
        }
    };
    for (step, region) in steps.iter().zip(regions) {
        match step {
            Step::Rule { rule, name } => {
                let Some((l4, refuse)) = region else { continue };
                let region = if refusing {
                    refuse.as_ref().unwrap_or(l4)
                } else {
                    l4
                };
                let mut id = None;
                for (a, open_a) in open.iter_mut().enumerate() {
                    let Some(hit) = region_at(region, a, open_a) else {
                        continue;
                    };
                    *open_a = and_not(open_a, &hit);
                    match rule.action {
                        Action::Pass => passed[a] = or(&passed[a], &hit),
                        action => {
                            let policy = *id.get_or_insert_with(|| name_id(names, name));
                            decided[a].push((
                                hit,
                                Outcome {
                                    allowed: action == Action::Allow,
                                    policy: Some(policy),
                                },
                            ));
                        }
                    }
                }
            }
            Step::EndOfTier { deny } => {
                let id = deny.as_ref().map(|d| name_id(names, d));
                for a in 0..n_atoms {
                    if let Some(policy) = id
                        && !is_zero(&open[a])
                    {
                        let cells = std::mem::replace(&mut open[a], empty_like(ctx.peers));
                        decided[a].push((
                            cells,
                            Outcome {
                                allowed: false,
                                policy: Some(policy),
                            },
                        ));
                    }
                    let p = std::mem::replace(&mut passed[a], empty_like(ctx.peers));
                    open[a] = or(&open[a], &p);
                }
            }
        }
    }
    // No profile decided: denied.
    for (a, cells) in open.into_iter().enumerate() {
        if !is_zero(&cells) {
            decided[a].push((
                cells,
                Outcome {
                    allowed: false,
                    policy: None,
                },
            ));
        }
    }
    Walk { decided }
}

fn empty_like(bits: &Bits) -> Bits {
    vec![0; bits.len()]
}

/// The open cells of atom `a` a region takes (`None`: none).
fn region_at(region: &Region, a: usize, open: &Bits) -> Option<Bits> {
    let hit = match region {
        Region::Rect { peers, atoms } => {
            if !atoms[a] {
                return None;
            }
            and(open, peers)
        }
        Region::Cols(cols) => and(open, &cols[a]),
    };
    (!is_zero(&hit)).then_some(hit)
}

fn has_l7(criteria: &[Criterion]) -> bool {
    criteria.iter().any(|c| match c {
        Criterion::Http(_) | Criterion::L7(_) => true,
        Criterion::AnyOf { alternatives, .. } => alternatives.iter().any(|a| has_l7(&a.criteria)),
        _ => false,
    })
}

struct RegionCtx<'c, 'g, 'a> {
    grid: &'c Grid<'g, 'a>,
    subject: &'c crate::model::Peer,
    dir: Direction,
    /// Every peer of the grid.
    peers: &'c Bits,
    atoms: &'c [Atom],
}

impl RegionCtx<'_, '_, '_> {
    fn everything(&self) -> Region {
        Region::Rect {
            peers: self.peers.clone(),
            atoms: vec![true; self.atoms.len()],
        }
    }

    fn nothing(&self) -> Region {
        Region::Rect {
            peers: empty_like(self.peers),
            atoms: vec![false; self.atoms.len()],
        }
    }

    fn atoms_where(&self, f: impl Fn(&Atom) -> bool) -> Region {
        Region::Rect {
            peers: self.peers.clone(),
            atoms: self.atoms.iter().map(f).collect(),
        }
    }

    fn constant(&self, holds: bool) -> Region {
        if holds {
            self.everything()
        } else {
            self.nothing()
        }
    }

    /// The conjunction of `criteria` (`l7`: application-layer criteria
    /// hold).
    fn all(&self, criteria: &[Criterion], l7: bool) -> Option<Region> {
        let mut out = self.everything();
        for c in criteria {
            let r = self.one(c, l7)?;
            out = intersect(&out, &r);
        }
        Some(out)
    }

    fn one(&self, c: &Criterion, l7: bool) -> Option<Region> {
        let peer_side = super::scan::peer_side(self.dir);
        Some(match c {
            Criterion::Protocol { any_of, negated } => {
                self.atoms_where(|a| any_of.contains(&a.proto) != *negated)
            }
            Criterion::IpVersion { version } => {
                let actual = if self.subject.ip.is_ipv4() { 4 } else { 6 };
                self.constant(actual == *version)
            }
            Criterion::Icmp {
                icmp_type,
                code,
                negated,
            } => self.atoms_where(|a| {
                let hit = is_icmp(a.proto)
                    && (a.lo >> 8) as u8 == *icmp_type
                    && code.is_none_or(|c| (a.lo & 0xff) as u8 == c);
                hit != *negated
            }),
            Criterion::Ports {
                side,
                any_of,
                negated,
            } => {
                if *side == Side::Source {
                    // Probed flows carry no source port: never matches.
                    return Some(self.nothing());
                }
                let ported = |a: &Atom| !a.unnamed && PORT_PROTOCOLS.contains(&a.proto);
                let mut hit = self.nothing();
                for m in any_of {
                    let proto_ok = |a: &Atom| m.protocol.is_none_or(|p| p == a.proto);
                    let r = match &m.ports {
                        PortSpec::All => self.atoms_where(|a| ported(a) && proto_ok(a)),
                        PortSpec::Range(lo, hi) => self.atoms_where(|a| {
                            ported(a) && proto_ok(a) && (*lo..=*hi).contains(&a.lo)
                        }),
                        // Named ports resolve on the destination: the
                        // subject for ingress, the peer for egress.
                        PortSpec::Named(name) => match self.dir {
                            Direction::Ingress => self.atoms_where(|a| {
                                ported(a)
                                    && self.grid.own_ports.iter().any(|(n, p, port)| {
                                        n == name
                                            && *p == a.proto.0
                                            && m.protocol.is_none_or(|mp| mp.0 == *p)
                                            && *port == a.lo
                                    })
                            }),
                            Direction::Egress => Region::Cols(
                                self.atoms
                                    .iter()
                                    .map(|a| {
                                        let declared = (ported(a) && proto_ok(a))
                                            .then(|| {
                                                self.grid.named.get(&(
                                                    name.clone(),
                                                    a.proto.0,
                                                    a.lo,
                                                ))
                                            })
                                            .flatten();
                                        match declared {
                                            Some(b) => and(b, self.peers),
                                            None => empty_like(self.peers),
                                        }
                                    })
                                    .collect(),
                            ),
                        },
                    };
                    hit = union(&hit, &r);
                }
                if *negated {
                    // Without ports the criterion fails either way.
                    difference(&self.atoms_where(ported), &hit)
                } else {
                    hit
                }
            }
            Criterion::Selector { side, .. }
            | Criterion::Nets { side, .. }
            | Criterion::Entities { side, .. }
            | Criterion::Nodes { side, .. }
            | Criterion::Fqdn { side, .. }
                if *side == peer_side =>
            {
                let k = self
                    .grid
                    .leaf_index
                    .get(&(std::ptr::from_ref(c) as usize, *side))?;
                Region::Rect {
                    peers: and(&self.grid.leaf_sets[*k], self.peers),
                    atoms: vec![true; self.atoms.len()],
                }
            }
            // The subject's own side: the same for every cell.
            Criterion::Selector { .. } | Criterion::Nets { .. } => {
                let flow = super::matrix::probe_flow(self.subject, self.subject, Proto::TCP, 1);
                self.constant(self.grid.ev.criteria_match(&[c], &flow)[0])
            }
            Criterion::AnyOf { alternatives, .. } => {
                let mut out = self.nothing();
                for alt in alternatives {
                    out = union(&out, &self.all(&alt.criteria, l7)?);
                }
                out
            }
            Criterion::Http(_) | Criterion::L7(_) => self.constant(l7),
            Criterion::Never { .. } => self.nothing(),
            Criterion::Entities { .. }
            | Criterion::Nodes { .. }
            | Criterion::Fqdn { .. }
            | Criterion::Service { .. }
            | Criterion::Auth { .. } => return None,
        })
    }
}

fn cols(r: &Region, n_atoms: usize) -> Vec<Bits> {
    match r {
        Region::Cols(c) => c.clone(),
        Region::Rect { peers, atoms } => (0..n_atoms)
            .map(|a| {
                if atoms[a] {
                    peers.clone()
                } else {
                    empty_like(peers)
                }
            })
            .collect(),
    }
}

fn intersect(x: &Region, y: &Region) -> Region {
    match (x, y) {
        (Region::Rect { peers: p, atoms: a }, Region::Rect { peers: q, atoms: b }) => {
            Region::Rect {
                peers: and(p, q),
                atoms: a.iter().zip(b).map(|(x, y)| *x && *y).collect(),
            }
        }
        _ => {
            let n = n_atoms(x, y);
            Region::Cols(
                cols(x, n)
                    .iter()
                    .zip(cols(y, n))
                    .map(|(a, b)| and(a, &b))
                    .collect(),
            )
        }
    }
}

fn union(x: &Region, y: &Region) -> Region {
    if let (Region::Rect { peers: p, atoms: a }, Region::Rect { peers: q, atoms: b }) = (x, y) {
        if a == b {
            return Region::Rect {
                peers: or(p, q),
                atoms: a.clone(),
            };
        }
        if p == q {
            return Region::Rect {
                peers: p.clone(),
                atoms: a.iter().zip(b).map(|(x, y)| *x || *y).collect(),
            };
        }
        if is_zero(p) || !a.iter().any(|x| *x) {
            return y.clone();
        }
        if is_zero(q) || !b.iter().any(|x| *x) {
            return x.clone();
        }
    }
    let n = n_atoms(x, y);
    Region::Cols(
        cols(x, n)
            .iter()
            .zip(cols(y, n))
            .map(|(a, b)| or(a, &b))
            .collect(),
    )
}

fn difference(x: &Region, y: &Region) -> Region {
    let n = n_atoms(x, y);
    Region::Cols(
        cols(x, n)
            .iter()
            .zip(cols(y, n))
            .map(|(a, b)| and_not(a, &b))
            .collect(),
    )
}

fn n_atoms(x: &Region, y: &Region) -> usize {
    match (x, y) {
        (Region::Rect { atoms, .. }, _) | (_, Region::Rect { atoms, .. }) => atoms.len(),
        (Region::Cols(c), _) => c.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spans of a set, one member at a time.
    fn spans_one_by_one(bits: &Bits) -> Vec<(usize, usize)> {
        let mut out: Vec<(usize, usize)> = Vec::new();
        for m in members(bits) {
            match out.last_mut() {
                Some(last) if last.1 == m => last.1 += 1,
                _ => out.push((m, m + 1)),
            }
        }
        out
    }

    #[test]
    fn spans_are_the_runs_of_members_across_words() {
        let n = 300;
        let patterns: Vec<Vec<usize>> = vec![
            vec![],
            (0..n).collect(),
            vec![0],
            vec![63],
            vec![63, 64],
            (60..130).collect(),
            (0..64).chain(128..192).collect(),
            (0..n).filter(|i| i % 3 != 0).collect(),
            (0..n).filter(|i| (i / 7) % 2 == 0).collect(),
            vec![n - 1],
            (64..n).collect(),
        ];
        for p in patterns {
            let mut bits = empty(n);
            for &i in &p {
                set(&mut bits, i);
            }
            assert_eq!(spans(&bits), spans_one_by_one(&bits), "{p:?}");
        }
    }
}
