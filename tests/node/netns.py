"""Listeners and probes inside a pod's network namespace, for the node
enforcement test.

  netns.py listen [--ipv6] TCP:80 UDP:53 ...
                                      serve until killed (also on IPv6 with
                                      --ipv6); prints "ready"
  netns.py probe                      reads [[ip, proto, port], ...] as JSON
                                      on stdin; prints one boolean each

A TCP probe connects; a UDP probe waits for the echo of its datagram; an
ICMP (to an IPv4 address) or ICMPv6 probe sends an echo request and waits
for the reply. Every probe runs at once, each bounded by TIMEOUT seconds.
"""
import json
import os
import socket
import struct
import sys
import threading

TIMEOUT = 1.0


def listen(specs):
    families = [(socket.AF_INET, "0.0.0.0")]
    if specs and specs[0] == "--ipv6":
        specs = specs[1:]
        families.append((socket.AF_INET6, "::"))
    for family, any_addr in families:
        for spec in specs:
            proto, port = spec.split(":")
            port = int(port)
            kind = socket.SOCK_STREAM if proto == "TCP" else socket.SOCK_DGRAM
            s = socket.socket(family, kind)
            if family == socket.AF_INET6:
                s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            if proto == "TCP":
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind((any_addr, port))
                s.listen(64)
                threading.Thread(target=accept, args=(s,), daemon=True).start()
            elif proto == "UDP":
                s.bind((any_addr, port))
                threading.Thread(target=echo, args=(s,), daemon=True).start()
    print("ready", flush=True)
    threading.Event().wait()


def accept(s):
    while True:
        c, _ = s.accept()
        c.close()


def echo(s):
    while True:
        data, addr = s.recvfrom(2048)
        s.sendto(data, addr)


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    total = (total >> 16) + (total & 0xFFFF)
    total += total >> 16
    return ~total & 0xFFFF


def probe_one(ip, proto, port, ident):
    family = socket.AF_INET6 if ":" in ip else socket.AF_INET
    try:
        if proto == "TCP":
            with socket.create_connection((ip, port), timeout=TIMEOUT):
                return True
        if proto == "UDP":
            with socket.socket(family, socket.SOCK_DGRAM) as s:
                s.settimeout(TIMEOUT)
                s.sendto(b"probe", (ip, port))
                data, _ = s.recvfrom(2048)
                return data == b"probe"
        if proto == "ICMP":
            with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP) as s:
                s.settimeout(TIMEOUT)
                header = struct.pack("!BBHHH", 8, 0, 0, ident, 1)
                payload = b"polctl"
                header = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, 1)
                s.sendto(header + payload, (ip, 0))
                while True:
                    data, addr = s.recvfrom(2048)
                    ihl = (data[0] & 0x0F) * 4
                    ty, _, _, rid, _ = struct.unpack("!BBHHH", data[ihl : ihl + 8])
                    if addr[0] == ip and ty == 0 and rid == ident:
                        return True
        if proto == "ICMPv6":
            with socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6) as s:
                s.settimeout(TIMEOUT)
                # The kernel fills in an ICMPv6 checksum.
                s.sendto(struct.pack("!BBHHH", 128, 0, 0, ident, 1) + b"polctl", (ip, 0))
                while True:
                    data, addr = s.recvfrom(2048)
                    ty, _, _, rid, _ = struct.unpack("!BBHHH", data[:8])
                    if addr[0] == ip and ty == 129 and rid == ident:
                        return True
    except OSError:
        return False
    return False


def probe(probes):
    results = [False] * len(probes)

    def run(i, p):
        results[i] = probe_one(p[0], p[1], p[2], (os.getpid() + i) & 0xFFFF)

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(probes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(results))


if __name__ == "__main__":
    if sys.argv[1] == "listen":
        listen(sys.argv[2:])
    else:
        probe(json.load(sys.stdin))
