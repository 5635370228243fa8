#!/usr/bin/env python3
"""Seeded random differential-test corpus against network-config-analyzer (NCA).

For every scenario this writes the manifests to <out>/<name>/input/, runs
`nca --connectivity ... -o txt_no_fw_rules --output_endpoints pods` on them and
stores NCA's result as <out>/<name>/expected_pairs.json, in the canonical form
of the NCA conformance data (see README.md next to this script).

Standard library only. NCA is called as an external program (--nca).

    python3 scripts/nca-differential/generate.py --seed 1 --out tests/differential/nca
    python3 scripts/nca-differential/generate.py --check-parser DIR/scenario ...
"""

import argparse
import ipaddress
import json
import os
import random
import re
import shutil
import subprocess
import sys

# ---------------------------------------------------------------------------
# Canonical form of NCA's txt_no_fw_rules output
# ---------------------------------------------------------------------------

# NCA 2.1.0 CoreDS/ProtocolNameResolver.py (number -> name)
PROTO_NAMES = {
    0: 'HOPOPT', 1: 'ICMP', 2: 'IGMP', 3: 'GGP', 4: 'IPv4', 5: 'ST', 6: 'TCP', 7: 'CBT', 8: 'EGP', 9: 'IGP',
    10: 'BBNRCCMON', 11: 'NVPII', 12: 'PUP', 13: 'ARGUSdeprecated', 14: 'EMCON', 15: 'XNET', 16: 'CHAOS',
    17: 'UDP', 18: 'MUX', 19: 'DCNMEAS', 20: 'HMP', 21: 'PRM', 22: 'XNSIDP', 23: 'TRUNK1', 24: 'TRUNK2',
    25: 'LEAF1', 26: 'LEAF2', 27: 'RDP', 28: 'IRTP', 29: 'ISOTP4', 30: 'NETBLT', 31: 'MFENSP', 32: 'MERITINP',
    33: 'DCCP', 34: '3PC', 35: 'IDPR', 36: 'XTP', 37: 'DDP', 38: 'IDPRCMTP', 39: 'TP', 40: 'IL', 41: 'IPv6',
    42: 'SDRP', 43: 'IPv6Route', 44: 'IPv6Frag', 45: 'IDRP', 46: 'RSVP', 47: 'GRE', 48: 'DSR', 49: 'BNA',
    50: 'ESP', 51: 'AH', 52: 'INLSP', 53: 'SWIPEdeprecated', 54: 'NARP', 55: 'MOBILE', 56: 'TLSP', 57: 'SKIP',
    58: 'ICMPv6', 59: 'IPv6NoNxt', 60: 'IPv6Opts', 62: 'CFTP', 64: 'SATEXPAK', 65: 'KRYPTOLAN', 66: 'RVD',
    67: 'IPPC', 69: 'SATMON', 70: 'VISA', 71: 'IPCV', 72: 'CPNX', 73: 'CPHB', 74: 'WSN', 75: 'PVP',
    76: 'BRSATMON', 77: 'SUNND', 78: 'WBMON', 79: 'WBEXPAK', 80: 'ISOIP', 81: 'VMTP', 82: 'SECUREVMTP',
    83: 'VINES', 84: 'IPTM', 85: 'NSFNETIGP', 86: 'DGP', 87: 'TCF', 88: 'EIGRP', 89: 'OSPFIGP', 90: 'SpriteRPC',
    91: 'LARP', 92: 'MTP', 93: 'AX25', 94: 'IPIP', 95: 'MICPdeprecated', 96: 'SCCSP', 97: 'ETHERIP',
    98: 'ENCAP', 100: 'GMTP', 101: 'IFMP', 102: 'PNNI', 103: 'PIM', 104: 'ARIS', 105: 'SCPS', 106: 'QNX',
    107: 'AN', 108: 'IPComp', 109: 'SNP', 110: 'CompaqPeer', 111: 'IPXinIP', 112: 'VRRP', 113: 'PGM',
    115: 'L2TP', 116: 'DDX', 117: 'IATP', 118: 'STP', 119: 'SRP', 120: 'UTI', 121: 'SMP', 122: 'SMdeprecated',
    123: 'PTP', 124: 'ISISoverIPv4', 125: 'FIRE', 126: 'CRTP', 127: 'CRUDP', 128: 'SSCOPMCE', 129: 'IPLT',
    130: 'SPS', 131: 'PIPE', 132: 'SCTP', 133: 'FC', 134: 'RSVPE2EIGNORE', 135: 'MobilityHeader',
    136: 'UDPLite', 137: 'MPLSinIP', 138: 'manet', 139: 'HIP', 140: 'Shim6', 141: 'WESP', 142: 'ROHC',
    143: 'Ethernet'}
PROTO_NUMBERS = {name: num for num, name in PROTO_NAMES.items()}
PROTO_NUMBERS['TTP'] = 84

TCP, UDP, SCTP, ICMP, ICMPV6 = 6, 17, 132, 1, 58
PORT_PROTOS = (TCP, UDP, SCTP)
ICMP_PROTOS = (ICMP, ICMPV6)
OTHER_PROTOS = [p for p in range(256) if p not in PORT_PROTOS + ICMP_PROTOS]
PORTS = ((1, 65535),)
ICMP_TYPES = ((0, 254),)
ICMP_CODES = ((0, 255),)


def iv_norm(ivs):
    """Sort and merge (also adjacent) closed integer intervals."""
    out = []
    for a, b in sorted(ivs):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return tuple(out)


def iv_sub(x, y):
    out = []
    for a, b in x:
        pieces = [(a, b)]
        for c, d in y:
            nxt = []
            for p, q in pieces:
                if d < p or c > q:
                    nxt.append((p, q))
                    continue
                if p < c:
                    nxt.append((p, c - 1))
                if d < q:
                    nxt.append((d + 1, q))
            pieces = nxt
        out.extend(pieces)
    return iv_norm(out)


def iv_str(ivs):
    return ','.join(str(a) if a == b else f'{a}-{b}' for a, b in ivs)


def iv_parse(text):
    out = []
    for part in text.split(','):
        part = part.strip()
        if '-' in part:
            a, b = part.split('-')
            out.append((int(a), int(b)))
        else:
            out.append((int(part), int(part)))
    return iv_norm(out)


class Conns:
    """A set of connections: per protocol, a 2-D set (outer -> inner).

    TCP/UDP/SCTP: source ports -> destination ports.  ICMP/ICMPv6: type -> code.
    Other protocols: present or not.  The 2-D sets are lists of rectangles.
    """

    def __init__(self):
        self.rects = {p: [] for p in PORT_PROTOS + ICMP_PROTOS}
        self.others = set()

    @staticmethod
    def all():
        c = Conns()
        for p in PORT_PROTOS:
            c.rects[p] = [(PORTS, PORTS)]
        for p in ICMP_PROTOS:
            c.rects[p] = [(ICMP_TYPES, ICMP_CODES)]
        c.others = set(OTHER_PROTOS)
        return c

    def _domain(self, p):
        return (PORTS, PORTS) if p in PORT_PROTOS else (ICMP_TYPES, ICMP_CODES)

    def grouped(self, p):
        """Canonical 2-D form: list of (outer ranges, inner ranges), grouped by inner set."""
        rects = [(o, i) for o, i in self.rects[p] if o and i]
        if not rects:
            return []
        cuts = set()
        for o, _ in rects:
            for a, b in o:
                cuts.add(a)
                cuts.add(b + 1)
        cuts = sorted(cuts)
        by_inner = {}
        for a, b1 in zip(cuts, cuts[1:]):
            b = b1 - 1
            inner = iv_norm([iv for o, i in rects if any(x <= a and b <= y for x, y in o) for iv in i])
            if inner:
                by_inner.setdefault(inner, []).append((a, b))
        groups = [(iv_norm(outer), inner) for inner, outer in by_inner.items()]
        groups.sort(key=lambda g: g[0][0][0])
        return groups

    def add(self, other):
        for p in PORT_PROTOS + ICMP_PROTOS:
            self.rects[p].extend(other.rects[p])
        self.others |= other.others

    def complement(self):
        c = Conns()
        for p in PORT_PROTOS + ICMP_PROTOS:
            dom_o, dom_i = self._domain(p)
            groups = self.grouped(p)
            covered = iv_norm([iv for o, _ in groups for iv in o])
            rest = iv_sub(dom_o, covered)
            if rest:
                c.rects[p].append((rest, dom_i))
            for o, i in groups:
                ci = iv_sub(dom_i, i)
                if ci:
                    c.rects[p].append((o, ci))
        c.others = set(OTHER_PROTOS) - self.others
        return c

    def canonical(self):
        clauses = []
        is_all = True
        for p in PORT_PROTOS + ICMP_PROTOS:
            groups = self.grouped(p)
            dom_o, dom_i = self._domain(p)
            if groups != [(dom_o, dom_i)]:
                is_all = False
            for o, i in groups:
                name = PROTO_NAMES[p]
                if p in PORT_PROTOS:
                    s = name + ('' if i == dom_i else ' ' + iv_str(i)) + ('' if o == dom_o else ' sport:' + iv_str(o))
                else:
                    s = name + ('' if o == dom_o else ' type:' + iv_str(o)) + ('' if i == dom_i else ' code:' + iv_str(i))
                clauses.append((p, s))
        if len(self.others) != len(OTHER_PROTOS):
            is_all = False
        if is_all:
            return 'All'
        order = {p: k for k, p in enumerate(PORT_PROTOS + ICMP_PROTOS)}
        clauses.sort(key=lambda c: order[c[0]])  # stable: groups stay in outer order
        out = [s for _, s in clauses]
        others = sorted(self.others)
        if len(others) == len(OTHER_PROTOS):
            out.append('OTHER')
        elif 2 * len(others) > len(OTHER_PROTOS):
            missing = [p for p in OTHER_PROTOS if p not in self.others]
            out.append('OTHER except ' + ','.join(PROTO_NAMES.get(p, str(p)) for p in missing))
        else:
            out.extend(PROTO_NAMES.get(p, str(p)) for p in others)
        return ';'.join(out) if out else 'None'


DIM_KEYS = ('protocols', 'src_ports', 'dst_ports', 'icmp_type', 'icmp_code')
DIM_SPLIT = re.compile(r',(?=(?:%s):)' % '|'.join(DIM_KEYS))


def parse_protocols(text):
    text = text.strip()
    if text == '*':
        return set(range(256))
    neg = text.startswith('all but ')
    if neg:
        text = text[len('all but '):]
    names = [t.strip() for t in text.split(',') if t.strip()]
    nums = set()
    for n in names:
        if n in PROTO_NUMBERS:
            nums.add(PROTO_NUMBERS[n])
        elif n.isdigit():
            nums.add(int(n))
        else:
            raise ValueError(f'unknown protocol name {n!r}')
    return set(range(256)) - nums if neg else nums


def parse_nca_conns(text):
    text = text.strip()
    if text == 'All connections':
        return Conns.all()
    if text.startswith('All but '):
        return parse_nca_conns(text[len('All but '):]).complement()
    if not (text.startswith('{') and text.endswith('}')):
        raise ValueError(f'unexpected connection string {text!r}')
    res = Conns()
    for cube_text in text[1:-1].split('},{'):
        dims = {}
        for item in DIM_SPLIT.split(cube_text):
            key, _, val = item.partition(':')
            if key not in DIM_KEYS:
                raise ValueError(f'unexpected dimension {key!r} in {text!r}')
            dims[key] = val
        protos = parse_protocols(dims['protocols']) if 'protocols' in dims else set(range(256))
        sp = iv_parse(dims['src_ports']) if 'src_ports' in dims else PORTS
        dp = iv_parse(dims['dst_ports']) if 'dst_ports' in dims else PORTS
        it = iv_parse(dims['icmp_type']) if 'icmp_type' in dims else ICMP_TYPES
        ic = iv_parse(dims['icmp_code']) if 'icmp_code' in dims else ICMP_CODES
        has_ports = 'src_ports' in dims or 'dst_ports' in dims
        has_icmp = 'icmp_type' in dims or 'icmp_code' in dims
        for p in protos:
            if p in PORT_PROTOS:
                if has_icmp:
                    raise ValueError(f'ICMP fields with port protocol in {text!r}')
                res.rects[p].append((sp, dp))
            elif p in ICMP_PROTOS:
                if has_ports:
                    raise ValueError(f'ports with ICMP in {text!r}')
                res.rects[p].append((it, ic))
            else:
                if has_ports or has_icmp:
                    raise ValueError(f'ports/ICMP fields with protocol {p} in {text!r}')
                res.others.add(p)
    return res


def parse_ip_ranges(text):
    """'a-b,c' (NCA IpBlock) -> minimal CIDR list string, IPv4 first; None if not addresses."""
    nets = []
    try:
        for part in text.split(','):
            if '-' in part:
                a, b = part.split('-')
            else:
                a = b = part
            lo, hi = ipaddress.ip_address(a.strip()), ipaddress.ip_address(b.strip())
            nets.extend(ipaddress.summarize_address_range(lo, hi))
    except ValueError:
        return None
    v4 = list(ipaddress.collapse_addresses([n for n in nets if n.version == 4]))
    v6 = list(ipaddress.collapse_addresses([n for n in nets if n.version == 6]))
    return ','.join(str(n) for n in v4 + v6)


def endpoint_name(text):
    ip = parse_ip_ranges(text)
    return ip if ip is not None else text


def parse_nca_output(stdout):
    """Returns (pairs, info) from NCA's txt_no_fw_rules stdout."""
    merged = {}  # NCA may print one (src, dst) on several lines, each with part of the connections
    info = {'unique_endpoints': None, 'other_lines': []}
    for line in stdout.splitlines():
        m = re.match(r'^(\S+) => (\S+) : (.*)$', line)
        if m:
            key = (endpoint_name(m.group(1)), endpoint_name(m.group(2)))
            conns = parse_nca_conns(m.group(3))
            if key in merged:
                merged[key].add(conns)
            else:
                merged[key] = conns
            continue
        m = re.match(r'^\S+: cluster has (\d+) unique endpoints', line)
        if m:
            info['unique_endpoints'] = int(m.group(1))
            continue
        if line.startswith('Total run time') or not line.strip():
            continue
        info['other_lines'].append(line)
    pairs = []
    for (src, dst), conns in sorted(merged.items()):
        canon = conns.canonical()
        if canon != 'None':
            pairs.append({'src': src, 'dst': dst, 'conns': canon})
    return pairs, info


def dump_expected(pairs, pods, hosts=(), not_modeled=(), flags=()):
    lines = ',\n'.join('  ' + json.dumps(p) for p in pairs)
    return ('{"pairs": [\n' + lines + '\n ],\n'
            ' "endpoints": ' + json.dumps({'pods': sorted(pods), 'hosts': sorted(hosts)}) + ',\n'
            ' "not_modeled": ' + json.dumps(sorted(not_modeled)) + ',\n'
            ' "flags": ' + json.dumps(list(flags)) + '\n}\n')


def run_nca(nca, cwd, files):
    cmd_args = ['--connectivity']
    for f in files:
        cmd_args += ['-r', f]
    cmd_args += ['-o', 'txt_no_fw_rules', '--output_endpoints', 'pods']
    proc = subprocess.run([nca] + cmd_args, cwd=cwd, capture_output=True, text=True, timeout=600)
    return proc, 'nca ' + ' '.join(cmd_args)


# ---------------------------------------------------------------------------
# Minimal YAML writer (block style)
# ---------------------------------------------------------------------------

PLAIN_OK = re.compile(r'^[A-Za-z][A-Za-z0-9_./-]*$')
YAML_WORDS = {'y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null'}


def yscalar(v):
    if isinstance(v, bool):
        return 'true' if v else 'false'
    if isinstance(v, int):
        return str(v)
    if PLAIN_OK.match(v) and v.lower() not in YAML_WORDS:
        return v
    return json.dumps(v)


def ydump(obj, indent=0):
    pad = ' ' * indent
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                out.append(f'{pad}{yscalar(k)}:')
                out.append(ydump(v, indent + 2 if isinstance(v, dict) else indent))
            elif isinstance(v, (dict, list)):
                out.append(f'{pad}{yscalar(k)}: ' + ('{}' if isinstance(v, dict) else '[]'))
            else:
                out.append(f'{pad}{yscalar(k)}: {yscalar(v)}')
    else:
        for v in obj:
            if isinstance(v, (dict, list)) and v:
                sub = ydump(v, indent + 2).splitlines()
                out.append(f'{pad}- ' + sub[0][indent + 2:])
                out.extend(sub[1:])
            elif isinstance(v, (dict, list)):
                out.append(f'{pad}- ' + ('{}' if isinstance(v, dict) else '[]'))
            else:
                out.append(f'{pad}- {yscalar(v)}')
    return '\n'.join(out)


def ydump_docs(docs):
    return ''.join('---\n' + ydump(d) + '\n' for d in docs)


# ---------------------------------------------------------------------------
# Scenario generation
# ---------------------------------------------------------------------------

NS_NAMES = ['frontend', 'backend', 'data', 'ops']
POD_LABELS = {'app': ['web', 'api', 'db', 'cache'], 'tier': ['front', 'back'], 'version': ['v1', 'v2']}
NS_LABELS = {'env': ['prod', 'dev'], 'team': ['a', 'b']}
NAMED_PORTS = [('http', 8080, 'TCP'), ('metrics', 9090, 'TCP'), ('dns', 53, 'UDP'), ('grpc', 9000, 'TCP')]
NUM_PORTS = [53, 80, 443, 5432, 6379, 8080, 9000, 9090]
# CIDRs: (cidr, except list).  Pod IPs are in 10.244.0.0/16.
SAFE_BLOCKS = [('192.168.0.0/16', []), ('172.16.0.0/12', ['172.20.0.0/16']), ('10.0.0.0/8', ['10.244.0.0/16']),
               ('0.0.0.0/0', ['10.0.0.0/8']), ('203.0.113.0/24', []), ('198.51.100.0/24', ['198.51.100.128/25']),
               ('8.8.8.8/32', []), ('0.0.0.0/0', ['10.244.0.0/16', '192.168.0.0/16'])]
COVERING_BLOCKS = [('0.0.0.0/0', []), ('10.244.0.0/16', []), ('10.0.0.0/8', ['10.244.2.0/24']),
                   ('10.244.1.0/24', [])]


SAFE_NETS = ['192.168.0.0/16', '172.16.0.0/12', '10.0.0.0/9', '203.0.113.0/24', '198.51.100.0/25', '8.8.8.8/32',
             '100.64.0.0/10']
COVERING_NETS = ['0.0.0.0/0', '10.244.0.0/16', '10.0.0.0/8', '10.244.1.0/24']


def pick_net(rng):
    return rng.choice(COVERING_NETS) if rng.random() < 0.15 else rng.choice(SAFE_NETS)


def pick_block(rng):
    if rng.random() < 0.2:
        return rng.choice(COVERING_BLOCKS)
    return rng.choice(SAFE_BLOCKS)


def ip_set(blocks):
    """[(cidr, except)] -> list of ip_network (union of cidr minus except)."""
    nets = []
    for cidr, exc in blocks:
        pieces = [ipaddress.ip_network(cidr)]
        for e in exc:
            en = ipaddress.ip_network(e)
            nxt = []
            for p in pieces:
                if en.subnet_of(p):
                    nxt.extend(p.address_exclude(en))
                elif not p.subnet_of(en):
                    nxt.append(p)
            pieces = nxt
        nets.extend(pieces)
    return nets


def covers_pod(nets, pod_ips):
    return any(ipaddress.ip_address(ip) in n for n in nets for ip in pod_ips)


def gen_cluster(rng):
    nns = rng.randint(2, 4)
    names = sorted(rng.sample(NS_NAMES, nns))
    namespaces = []
    for n in names:
        labels = {'kubernetes.io/metadata.name': n}
        for k, vals in NS_LABELS.items():
            if rng.random() < 0.75:
                labels[k] = rng.choice(vals)
        namespaces.append({'apiVersion': 'v1', 'kind': 'Namespace', 'metadata': {'name': n, 'labels': labels}})
    pods = []
    npods = rng.randint(5, 9)
    counter = {}
    for _ in range(npods):
        ns_idx = rng.randrange(nns)
        ns = names[ns_idx]
        labels = {}
        if rng.random() < 0.9:
            labels['app'] = rng.choice(POD_LABELS['app'])
        if rng.random() < 0.6:
            labels['tier'] = rng.choice(POD_LABELS['tier'])
        if rng.random() < 0.3:
            labels['version'] = rng.choice(POD_LABELS['version'])
        base = labels.get('app', 'pod')
        counter[(ns, base)] = counter.get((ns, base), 0) + 1
        name = f'{base}-{counter[(ns, base)]}'
        ip = f'10.244.{ns_idx}.{10 + len(pods)}'
        ports = []
        for pname, pnum, proto in NAMED_PORTS:
            if rng.random() < 0.35:
                ports.append({'name': pname, 'containerPort': pnum, 'protocol': proto})
        container = {'name': 'main', 'image': 'registry.example/app:1'}
        if ports:
            container['ports'] = ports
        pods.append({'apiVersion': 'v1', 'kind': 'Pod',
                     'metadata': {'name': name, 'namespace': ns, 'labels': labels},
                     'spec': {'containers': [container]},
                     'status': {'phase': 'Running', 'podIP': ip, 'podIPs': [{'ip': ip}]}})
    return namespaces, pods


# --- Kubernetes NetworkPolicy ---------------------------------------------

def k8s_label_selector(rng, vocab, allow_empty=True):
    r = rng.random()
    if allow_empty and r < 0.25:
        return {}
    sel = {}
    if r < 0.65:
        k = rng.choice(sorted(vocab))
        sel['matchLabels'] = {k: rng.choice(vocab[k])}
        if rng.random() < 0.2:
            k2 = rng.choice(sorted(vocab))
            sel['matchLabels'][k2] = rng.choice(vocab[k2])
    if r >= 0.5 or not sel:
        exprs = []
        for _ in range(rng.randint(1, 2)):
            k = rng.choice(sorted(vocab))
            op = rng.choice(['In', 'NotIn', 'Exists', 'DoesNotExist'])
            e = {'key': k, 'operator': op}
            if op in ('In', 'NotIn'):
                e['values'] = sorted(rng.sample(vocab[k], rng.randint(1, min(2, len(vocab[k])))))
            exprs.append(e)
        sel['matchExpressions'] = exprs
    return sel


def k8s_peer(rng, ctx):
    r = rng.random()
    if r < 0.3:
        return {'podSelector': k8s_label_selector(rng, POD_LABELS)}
    if r < 0.55:
        return {'namespaceSelector': k8s_ns_selector(rng)}
    if r < 0.8:
        return {'namespaceSelector': k8s_ns_selector(rng), 'podSelector': k8s_label_selector(rng, POD_LABELS)}
    cidr, exc = pick_block(rng)
    ctx['blocks'].append((cidr, exc))
    blk = {'cidr': cidr}
    if exc:
        blk['except'] = list(exc)
    return {'ipBlock': blk}


def k8s_ns_selector(rng):
    if rng.random() < 0.3:
        return {'matchLabels': {'kubernetes.io/metadata.name': rng.choice(NS_NAMES)}}
    return k8s_label_selector(rng, NS_LABELS)


def k8s_port(rng, ctx):
    r = rng.random()
    if r < 0.08:
        return {}
    p = {}
    if rng.random() < 0.75:
        p['protocol'] = rng.choices(['TCP', 'UDP', 'SCTP'], [6, 3, 1])[0]
    r = rng.random()
    if r < 0.2:
        pass  # protocol only
    elif r < 0.45:
        name, _, proto = rng.choice(NAMED_PORTS)
        p['port'] = name
        ctx['named_ports'] = True
    elif r < 0.65:
        start = rng.choice([80, 1000, 5000, 8000, 9000])
        p['port'] = start
        p['endPort'] = start + rng.choice([0, 10, 100, 1500])
    else:
        p['port'] = rng.choice(NUM_PORTS)
    if not p:
        p['protocol'] = 'TCP'
    return p


def k8s_rule(rng, ctx, peer_key):
    rule = {}
    r = rng.random()
    if r < 0.15:
        pass  # no peer key: all
    elif r < 0.22:
        rule[peer_key] = []
    else:
        rule[peer_key] = [k8s_peer(rng, ctx) for _ in range(rng.randint(1, 2))]
    r = rng.random()
    if r < 0.3:
        pass
    elif r < 0.36:
        rule['ports'] = []
    else:
        rule['ports'] = [k8s_port(rng, ctx) for _ in range(rng.randint(1, 2))]
    return rule


def gen_k8s_policy(rng, idx, ns_names, ctx):
    ns = rng.choice(ns_names)
    spec = {'podSelector': k8s_label_selector(rng, POD_LABELS)}
    variant = rng.choice(['absent', 'ingress', 'egress', 'both'])
    want_in = variant in ('absent', 'ingress', 'both')
    want_eg = variant in ('egress', 'both') or (variant == 'absent' and rng.random() < 0.5)
    if variant == 'ingress':
        spec['policyTypes'] = ['Ingress']
    elif variant == 'egress':
        spec['policyTypes'] = ['Egress']
    elif variant == 'both':
        spec['policyTypes'] = ['Ingress', 'Egress']
    if want_in:
        n = rng.choices([0, 1, 2, 3], [2, 5, 3, 1])[0]
        if n or variant != 'absent' or rng.random() < 0.5:
            spec['ingress'] = [k8s_rule(rng, ctx, 'from') for _ in range(n)]
    if want_eg:
        n = rng.choices([0, 1, 2, 3], [2, 5, 3, 1])[0]
        if variant == 'absent':
            n = max(n, 1)  # an empty egress list without policyTypes: NCA and Kubernetes disagree
        spec['egress'] = [k8s_rule(rng, ctx, 'to') for _ in range(n)]
    return {'apiVersion': 'networking.k8s.io/v1', 'kind': 'NetworkPolicy',
            'metadata': {'name': f'np-{idx}', 'namespace': ns}, 'spec': spec}


# --- Calico policies ------------------------------------------------------

def calico_atom(rng, vocab):
    k = rng.choice(sorted(vocab))
    vals = vocab[k]
    op = rng.choices(['==', '!=', 'in', 'not in', 'has', '!has'], [5, 2, 2, 1, 2, 1])[0]
    if op in ('==', '!='):
        return f"{k} {op} '{rng.choice(vals)}'"
    if op in ('in', 'not in'):
        vs = sorted(rng.sample(vals, rng.randint(1, min(2, len(vals)))))
        return f"{k} {op} {{" + ', '.join(f"'{v}'" for v in vs) + '}'
    if op == 'has':
        return f'has({k})'
    return f'!has({k})'


def calico_selector(rng, vocab, allow_all=True):
    r = rng.random()
    if allow_all and r < 0.15:
        return 'all()'
    a = calico_atom(rng, vocab)
    r = rng.random()
    if r < 0.55:
        return a
    b = calico_atom(rng, vocab)
    if r < 0.85:
        return f'{a} && {b}'
    if r < 0.95:
        return f'{a} || {b}'
    c = calico_atom(rng, vocab)
    return f'({a} || {b}) && {c}'


def calico_ns_selector(rng):
    if rng.random() < 0.3:
        return f"kubernetes.io/metadata.name == '{rng.choice(NS_NAMES)}'"
    return calico_selector(rng, NS_LABELS)


def calico_ports(rng, proto, ctx):
    out = []
    for _ in range(rng.randint(1, 2)):
        r = rng.random()
        if r < 0.45:
            out.append(rng.choice(NUM_PORTS))
        elif r < 0.75:
            a = rng.choice([80, 1000, 5000, 8000, 9000])
            out.append(f'{a}:{a + rng.choice([10, 100, 1500])}')
        else:
            cands = [n for n, _, p in NAMED_PORTS if p == proto] or [n for n, _, _ in NAMED_PORTS]
            out.append(rng.choice(cands))
            ctx['named_ports'] = True
    return out


def calico_rule(rng, ctx, direction):
    action = rng.choices(['Allow', 'Deny', 'Pass', 'Log'], [10, 5, 2, 1])[0]
    rule = {'action': action}
    r = rng.random()
    proto = None
    if r < 0.35:
        pass
    elif r < 0.75:
        proto = 'TCP'
    elif r < 0.9:
        proto = 'UDP'
    else:
        proto = 'ICMP'
    if proto:
        rule['protocol'] = proto
    elif rng.random() < 0.08:
        rule['notProtocol'] = rng.choice(['TCP', 'UDP'])
    if proto == 'ICMP' and rng.random() < 0.5:
        icmp = {'type': rng.choice([3, 8, 11])}
        if rng.random() < 0.4:
            icmp['code'] = rng.choice([1, 4])
        rule['notICMP' if rng.random() < 0.2 else 'icmp'] = icmp
    src, dst = {}, {}
    remote, local = (src, dst) if direction == 'ingress' else (dst, src)
    # remote side: selectors or nets (never both in one rule)
    r = rng.random()
    if r < 0.2:
        pass
    elif r < 0.45:
        remote['selector'] = calico_selector(rng, POD_LABELS)
    elif r < 0.6:
        remote['namespaceSelector'] = calico_ns_selector(rng)
    elif r < 0.75:
        remote['namespaceSelector'] = calico_ns_selector(rng)
        remote['selector'] = calico_selector(rng, POD_LABELS)
    elif r < 0.96:
        nets = sorted(set(pick_net(rng) for _ in range(rng.randint(1, 2))))
        remote['nets'] = nets
        nn = []
        if rng.random() < 0.2:
            nn = ['10.0.0.0/8']
            remote['notNets'] = nn
        ctx['nets'].append((nets, nn))
    else:
        nn = rng.choice([['10.0.0.0/8'], ['10.244.0.0/16', '192.168.0.0/16'], ['10.244.0.0/16'],
                         ['10.244.1.0/24']])
        remote['notNets'] = nn
        ctx['notnets'].append((None, nn))
    # notSelector: in a namespaced policy only next to selector/namespaceSelector (see README)
    if rng.random() < 0.12 and 'nets' not in remote and 'notNets' not in remote and (
            ctx['global'] or 'selector' in remote or 'namespaceSelector' in remote):
        remote['notSelector'] = calico_atom(rng, POD_LABELS)
    # local side: occasionally a selector restricting the local endpoint
    if rng.random() < 0.1:
        local['selector'] = calico_selector(rng, POD_LABELS, allow_all=False)
    if proto in ('TCP', 'UDP'):
        if rng.random() < 0.6:
            dst['ports'] = calico_ports(rng, proto, ctx)
        elif rng.random() < 0.3:
            dst['notPorts'] = [rng.choice(NUM_PORTS)]
        if rng.random() < 0.08:
            src['ports'] = [rng.choice(['1024:65535', 53, '30000:32767'])]
    if src:
        rule['source'] = src
    if dst:
        rule['destination'] = dst
    return rule


def gen_calico_policy(rng, idx, ns_names, order, ctx):
    glob = rng.random() < 0.4
    ctx['global'] = glob
    spec = {}
    if order is not None:
        spec['order'] = order
    r = rng.random()
    if r < 0.15:
        pass  # no selector: all()
    elif r < 0.25:
        spec['selector'] = 'all()'
    else:
        spec['selector'] = calico_selector(rng, POD_LABELS, allow_all=False)
    if glob and rng.random() < 0.25:
        spec['namespaceSelector'] = calico_ns_selector(rng)
    variant = rng.choice(['absent', 'ingress', 'egress', 'both'])
    n_in = rng.choices([0, 1, 2, 3], [1, 5, 3, 1])[0]
    n_eg = rng.choices([0, 1, 2, 3], [1, 5, 3, 1])[0]
    if variant == 'absent':
        # without types, an empty rule list is where NCA and Calico disagree; emit non-empty lists only
        kind = rng.choice(['in', 'eg', 'both'])
        if kind in ('in', 'both'):
            spec['ingress'] = [calico_rule(rng, ctx, 'ingress') for _ in range(max(n_in, 1))]
        if kind in ('eg', 'both'):
            spec['egress'] = [calico_rule(rng, ctx, 'egress') for _ in range(max(n_eg, 1))]
    else:
        spec['types'] = {'ingress': ['Ingress'], 'egress': ['Egress'], 'both': ['Ingress', 'Egress']}[variant]
        if variant in ('ingress', 'both') and n_in:
            spec['ingress'] = [calico_rule(rng, ctx, 'ingress') for _ in range(n_in)]
        if variant in ('egress', 'both') and n_eg:
            spec['egress'] = [calico_rule(rng, ctx, 'egress') for _ in range(n_eg)]
    if glob:
        return {'apiVersion': 'projectcalico.org/v3', 'kind': 'GlobalNetworkPolicy',
                'metadata': {'name': f'gnp-{idx}'}, 'spec': spec}
    return {'apiVersion': 'projectcalico.org/v3', 'kind': 'NetworkPolicy',
            'metadata': {'name': f'cnp-{idx}', 'namespace': rng.choice(ns_names)}, 'spec': spec}


def new_ctx():
    return {'blocks': [], 'nets': [], 'notnets': [], 'named_ports': False, 'global': False}


def gen_scenario(seed, family, i):
    rng = random.Random(f'{seed}-{family}-{i}')
    namespaces, pods = gen_cluster(rng)
    ns_names = [n['metadata']['name'] for n in namespaces]
    ctx = new_ctx()
    policies = []
    if family == 'k8s':
        for j in range(rng.randint(1, 4)):
            policies.append(gen_k8s_policy(rng, j + 1, ns_names, ctx))
    else:
        n = rng.randint(1, 4)
        orders = rng.sample([10, 50, 100, 200, 300, 500, 800, 1500, 2000], n)
        if rng.random() < 0.2:
            orders[rng.randrange(n)] = None  # at most one policy without order
        for j in range(n):
            policies.append(gen_calico_policy(rng, j + 1, ns_names, orders[j], ctx))
        if rng.random() < 0.25:  # mixed: one Kubernetes policy (order 1000 in the single tier)
            policies.append(gen_k8s_policy(rng, 1, ns_names, ctx))
    pod_ips = [p['status']['podIP'] for p in pods]
    flags = set()
    if any(covers_pod(ip_set([b]), pod_ips) for b in ctx['blocks']):
        flags.add('cidr-covers-endpoint-ips')
    # Calico nets/notNets: the addresses a rule matches = (nets or everything) minus notNets
    for nets, notnets in ctx['nets'] + [(None, nn) for _, nn in ctx['notnets']]:
        universe = [ipaddress.ip_network(n) for n in nets] if nets else [ipaddress.ip_network('0.0.0.0/0')]
        excl = [ipaddress.ip_network(n) for n in notnets]
        for ip in pod_ips:
            a = ipaddress.ip_address(ip)
            if any(a in u for u in universe) and not any(a in e for e in excl):
                flags.add('cidr-covers-endpoint-ips' if nets else 'notnets-only')
    return namespaces, pods, policies, sorted(flags)


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------

SCENARIO_DIR = re.compile(r'^(k8s|calico)-\d{3}$')
INPUT_FILES = ['input/namespaces.yaml', 'input/pods.yaml', 'input/policies.yaml']


def nca_version(nca):
    proc = subprocess.run([nca, '--version'], capture_output=True, text=True)
    m = re.search(r'(\d+\.\d+\.\d+)', proc.stdout + proc.stderr)
    return m.group(1) if m else 'unknown'


def nca_failure(proc, info):
    text = proc.stdout + '\n' + proc.stderr
    if proc.returncode != 0:
        return f'nca exit code {proc.returncode}: ' + ' | '.join(l for l in text.splitlines() if l.strip())[-400:]
    errs = [l for l in text.splitlines() if re.search(r'\berror\b|Traceback', l, re.I)]
    if errs:
        return 'nca error: ' + ' | '.join(errs)[:400]
    if info['unique_endpoints'] is None:
        return 'nca printed no connectivity result'
    return None


def generate(args):
    out = args.out
    os.makedirs(out, exist_ok=True)
    for d in os.listdir(out):
        if SCENARIO_DIR.match(d) and os.path.isdir(os.path.join(out, d)):
            shutil.rmtree(os.path.join(out, d))
    version = nca_version(args.nca)
    index = {'generator': 'scripts/nca-differential/generate.py',
             'regenerate': f'python3 scripts/nca-differential/generate.py --seed {args.seed} '
                           f'--k8s {args.k8s} --calico {args.calico} --out {out}',
             'seed': args.seed,
             'nca': {'package': 'network-config-analyzer', 'version': version},
             'scenarios': [], 'dropped': []}
    for family, count in (('k8s', args.k8s), ('calico', args.calico)):
        for i in range(1, count + 1):
            name = f'{family}-{i:03d}'
            namespaces, pods, policies, flags = gen_scenario(args.seed, family, i)
            sdir = os.path.join(out, name)
            os.makedirs(os.path.join(sdir, 'input'))
            for fname, docs in zip(INPUT_FILES, (namespaces, pods, policies)):
                with open(os.path.join(sdir, fname), 'w') as f:
                    f.write(ydump_docs(docs))
            proc, command = run_nca(args.nca, sdir, INPUT_FILES)
            reason = None
            try:
                pairs, info = parse_nca_output(proc.stdout)
            except ValueError as e:
                pairs, info = [], {'unique_endpoints': None, 'other_lines': []}
                reason = f'unparsed NCA output: {e}'
            reason = reason or nca_failure(proc, info)
            pod_names = [f"{p['metadata']['namespace']}/{p['metadata']['name']}" for p in pods]
            if not reason and info['unique_endpoints'] != len(pod_names):
                reason = f"NCA modeled {info['unique_endpoints']} endpoints, input has {len(pod_names)}"
            if reason:
                shutil.rmtree(sdir)
                index['dropped'].append({'scenario': name, 'command': command, 'reason': reason})
                print(f'{name}: dropped: {reason}', file=sys.stderr)
                continue
            if any(':' in p[k] for p in pairs for k in ('src', 'dst')):
                flags = sorted(set(flags) | {'ipv6-addresses'})
            with open(os.path.join(sdir, 'expected_pairs.json'), 'w') as f:
                f.write(dump_expected(pairs, pod_names, flags=flags))
            warnings = sorted(set(l.strip() for l in (info['other_lines'] + proc.stderr.splitlines())
                                  if l.strip()))
            index['scenarios'].append({'scenario': name, 'family': family, 'files': INPUT_FILES,
                                       'command': command, 'pairs': len(pairs), 'endpoints': len(pod_names),
                                       'policies': len(policies), 'flags': flags, 'nca_warnings': warnings})
            print(f'{name}: {len(pairs)} pairs{" flags=" + ",".join(flags) if flags else ""}', file=sys.stderr)
    index['counts'] = {'scenarios': len(index['scenarios']), 'dropped': len(index['dropped']),
                       'k8s': sum(s['family'] == 'k8s' for s in index['scenarios']),
                       'calico': sum(s['family'] == 'calico' for s in index['scenarios'])}
    with open(os.path.join(out, 'index.json'), 'w') as f:
        json.dump(index, f, indent=1)
        f.write('\n')
    print(json.dumps(index['counts']), file=sys.stderr)


def check_parser(args):
    """Re-run NCA on conformance scenarios (command from their index.json) and compare the pairs."""
    ok = True
    for sdir in args.check_parser:
        sdir = os.path.normpath(sdir)
        idx = json.load(open(os.path.join(os.path.dirname(sdir), 'index.json')))
        entry = next(s for s in idx['scenarios'] if s['scenario'] == os.path.basename(sdir))
        argv = entry['command'].split()
        files = [argv[k + 1] for k, a in enumerate(argv) if a == '-r']
        proc, _ = run_nca(args.nca, sdir, files)
        pairs, _ = parse_nca_output(proc.stdout)
        want = json.load(open(os.path.join(sdir, 'expected_pairs.json')))
        got = json.loads(dump_expected(pairs, want['endpoints']['pods'], want['endpoints']['hosts'],
                                       want['not_modeled'], want['flags']))
        same = got == want
        text_same = dump_expected(pairs, want['endpoints']['pods'], want['endpoints']['hosts'],
                                  want['not_modeled'], want['flags']) == open(
            os.path.join(sdir, 'expected_pairs.json')).read()
        print(f"{os.path.basename(sdir)}: {len(pairs)} pairs, {'equal' if same else 'DIFFERENT'}"
              f"{'' if text_same else ' (text differs)'}")
        ok &= same
    return 0 if ok else 1


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--seed', type=int, default=1)
    ap.add_argument('--out', default='tests/differential/nca')
    ap.add_argument('--k8s', type=int, default=40, help='number of k8s-NNN scenarios to generate')
    ap.add_argument('--calico', type=int, default=40, help='number of calico-NNN scenarios to generate')
    ap.add_argument('--nca', default=shutil.which('nca') or '/tmp/nca/bin/nca', help='nca executable')
    ap.add_argument('--check-parser', nargs='+', metavar='SCENARIO_DIR',
                    help='re-run NCA on conformance scenario dirs and compare with their expected_pairs.json')
    args = ap.parse_args()
    if args.check_parser:
        return check_parser(args)
    generate(args)
    return 0


if __name__ == '__main__':
    sys.exit(main())
