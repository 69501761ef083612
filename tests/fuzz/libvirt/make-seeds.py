#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write the fuzzer's seed inputs (seeds/): a flags byte, then packets as
stock virsh sends them. Run by hand when the seeds should change."""
import os
import struct
import uuid

REMOTE, KEEP = 0x20008086, 0x6B656570
VM1 = uuid.UUID("11111111-1111-1111-1111-111111111111").bytes


def pkt(proc, serial, payload=b"", prog=REMOTE, ptype=0, status=0):
    body = struct.pack(">IIiiIi", prog, 1, proc, ptype, serial, status) + payload
    return struct.pack(">I", len(body) + 4) + body


def s(text):
    b = text.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)


def dom(name, u, i):
    return s(name) + u + struct.pack(">i", i)


OPEN = pkt(66, 0) + pkt(60, 1, struct.pack(">i", 10)) + pkt(1, 2, struct.pack(">I", 1) + s("acrn:///session") + struct.pack(">I", 0))
seeds = {
    "open-list": b"\1" + OPEN + pkt(273, 3, struct.pack(">iI", 1, 3)) + pkt(212, 4, dom("vm1", VM1, 1) + struct.pack(">I", 0)),
    "dominfo": b"\3" + pkt(23, 1, s("vm1")) + pkt(19, 2, dom("vm1", VM1, 1)) + pkt(16, 3, dom("vm1", VM1, 1)) + pkt(122, 4) + pkt(426, 5, dom("vm1", VM1, 1) + struct.pack(">I", 0)),
    "lifecycle": b"\3" + pkt(316, 1, struct.pack(">iI", 0, 0)) + pkt(34, 2, dom("vm1", VM1, 1)) + pkt(28, 3, dom("vm1", VM1, 1)) + pkt(12, 4, dom("vm1", VM1, 1)) + pkt(196, 5, dom("vm1", VM1, -1) + struct.pack(">I", 0)) + pkt(317, 6, struct.pack(">i", 1)),
    "define": b"\3" + pkt(350, 1, s("<domain type='acrn'><name>vm1</name></domain>") + struct.pack(">I", 0)) + pkt(14, 2, dom("vm1", VM1, -1) + struct.pack(">I", 0)) + pkt(231, 3, dom("vm1", VM1, -1) + struct.pack(">I", 0)),
    "readonly": b"\2" + pkt(9, 1, dom("vm1", VM1, -1)) + pkt(22, 2, struct.pack(">i", 1)) + pkt(24, 3, VM1) + pkt(342, 4, struct.pack(">IIIII", 0, 0, 0, 0, 0)),
    "snapshots": b"\3" + pkt(274, 1, dom("vm1", VM1, 1) + struct.pack(">iI", 1, 0)) + pkt(186, 2, s("b") + dom("vm1", VM1, 1) + struct.pack(">I", 0)) + pkt(244, 3, s("a") + dom("vm1", VM1, 1) + struct.pack(">I", 0)) + pkt(275, 4, s("a") + dom("vm1", VM1, 1) + struct.pack(">iI", 1, 1)) + pkt(188, 5, dom("vm1", VM1, 1) + struct.pack(">iI", 10, 4)) + pkt(191, 6, dom("vm1", VM1, 1) + struct.pack(">I", 0)) + pkt(185, 7, dom("vm1", VM1, 1) + s("<domainsnapshot><name>c</name><description>d</description></domainsnapshot>") + struct.pack(">I", 0)) + pkt(192, 8, s("a") + dom("vm2", uuid.UUID("22222222-2222-2222-2222-222222222222").bytes, -1) + struct.pack(">I", 0)) + pkt(193, 9, s("b") + dom("vm1", VM1, 1) + struct.pack(">I", 0)),
    "console": b"\3" + pkt(201, 1, dom("vm1", VM1, 1) + struct.pack(">II", 0, 0)) + pkt(201, 1, b"typed\r", ptype=3, status=2) + pkt(201, 9, b"stray", ptype=3, status=2) + pkt(201, 2, dom("vm1", VM1, 1) + struct.pack(">I", 1) + s("console0") + struct.pack(">I", 1)) + pkt(201, 1, ptype=3, status=1) + pkt(201, 2, ptype=3) + pkt(201, 2, b"late", ptype=3, status=2),
    "stats": b"\3" + pkt(344, 1, struct.pack(">III", 0, 0, 0)) + pkt(344, 2, struct.pack(">I", 2) + dom("vm1", VM1, 1) + dom("vm2", uuid.UUID("22222222-2222-2222-2222-222222222222").bytes, -1) + struct.pack(">II", 0xF, 0x80000000)) + pkt(344, 3, struct.pack(">III", 0, 0x20, 0x80000011)),
    "keepalive": b"\0" + pkt(1, 0, prog=KEEP, ptype=2) + pkt(7, 1, prog=0x12345678),
}
here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")
os.makedirs(here, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)
