#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Snapshots through acrnd on a private session bus: a VM on real qcow2 images
(the fake acrn-dm opens them through the real block layer and serves the
real monitor snapshot commands), driven by busctl, gdbus and acrnctl, with
qemu-img/qemu-io as the independent judge. Then the rotation client.

usage: test-snapshot.py ACRND FAKE_ACRN_DM ACRNCTL ROTATE
"""

import json
import os
import re
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import acrnd_session  # noqa: E402
from acrnd_session import (BUS, ERR, MGR, MGR_IF, VM_IF, Lines, check, gdbus_error,  # noqa: E402
                           run)

ACRND, FAKE_DM, ACRNCTL, ROTATE = (os.path.abspath(a) for a in sys.argv[1:5])
tmp, env, procs = acrnd_session.init("acrnd-snap-")


def call(path, method, sig="", *args):
    p = run("busctl", "--user", "--json=short", "call", BUS, path, VM_IF if path != MGR
            else MGR_IF, method, *([sig] + list(args) if sig else []))
    return json.loads(p.stdout)["data"] if p.stdout.strip() else None


def snapshots(path):
    """ListSnapshots as {name: (description, created, state, parent, current, disks)}."""
    return {s[0]: tuple(s[1:]) for s in call(path, "ListSnapshots")[0]}


def qemu_snapshots(img):
    out = run("qemu-img", "snapshot", "-U", "-l", img).stdout
    return [l.split()[1] for l in out.splitlines()[2:] if l.strip()]


def qemu_check(img):
    return run("qemu-img", "check", "-U", img, ok=False).returncode


def holds(img, pattern, offset=0, length="64k"):
    """qemu-io reads @pattern at @offset of @img."""
    p = run("qemu-io", "-r", "-U", "-f", "qcow2", "-c",
            f"read -P {pattern} {offset} {length}", img, ok=False)
    check("read 65536/65536 bytes" in p.stdout, f"qemu-io read {img}: {p.stdout} {p.stderr}")
    mismatch = "Pattern verification failed" in p.stdout
    check(p.returncode == (1 if mismatch else 0), f"qemu-io exit status {p.returncode}")
    return not mismatch


def disk_xml(f, fmt, dev, ro=False):
    return (f"<disk type='file' device='disk'><driver name='acrn' type='{fmt}'/>"
            f"<source file='{f}'/><target dev='{dev}' bus='virtio'/>"
            f"{'<readonly/>' if ro else ''}</disk>")


def vm_xml(name, disks):
    return (f"<domain type='acrn'><name>{name}</name><memory unit='MiB'>64</memory>"
            f"<vcpu>1</vcpu><os><type>hvm</type><kernel>{FAKE_DM}</kernel>"
            f"<cmdline>console=ttyS0</cmdline></os><devices>{''.join(disks)}"
            f"</devices></domain>")


def scenario():
    d0, d1 = os.path.join(tmp, "d0.qcow2"), os.path.join(tmp, "d1.qcow2")
    ro, raw = os.path.join(tmp, "ro.raw"), os.path.join(tmp, "data.raw")
    for img, pat in ((d0, "0x11"), (d1, "0x22")):
        run("qemu-img", "create", "-q", "-f", "qcow2", img, "4M")
        run("qemu-io", "-f", "qcow2", "-c", f"write -P {pat} 0 64k", img)
    run("qemu-img", "create", "-q", "-f", "raw", ro, "1M")
    run("qemu-img", "create", "-q", "-f", "raw", raw, "1M")
    acrnd_session.start_acrnd(ACRND, FAKE_DM)
    mon = Lines(["gdbus", "monitor", "--session", "--dest", BUS])
    ctl = [ACRNCTL, "--session"]
    events = Lines([*ctl, "--json", "events"])
    time.sleep(0.3)
    path = call(MGR, "DefineVM", "s", vm_xml("snap1", [disk_xml(d0, "qcow2", "vda"),
                                                         disk_xml(d1, "qcow2", "vdb"),
                                                         disk_xml(ro, "raw", "vdc", True)]))[0]

    # shut off: acrnd takes the snapshot itself
    check(call(path, "CreateSnapshot", "ss", "before", "the first one")[0] == "before",
          "CreateSnapshot returns the name")
    mon.wait("snap1", "SnapshotCreated", "'before'")
    check(qemu_snapshots(d0) == ["before"] and qemu_snapshots(d1) == ["before"],
          "qemu-img lists it on both disks")
    s = snapshots(path)
    check(s["before"][0] == "the first one" and s["before"][2] == "shutoff" and
          s["before"][3] == "" and s["before"][4] is True and s["before"][5] == 2,
          f"ListSnapshots offline: {s}")
    check(abs(s["before"][1] - time.time()) < 60, "creation time")
    meta = json.load(open(os.path.join(env["XDG_DATA_HOME"], "acrnd", "snapshots",
                                       "snap1.json")))
    check(meta["current"] == "before", f"metadata stored: {meta}")

    # the guest's later writes (made here with qemu-io while the VM is off)
    run("qemu-io", "-f", "qcow2", "-c", "write -P 0x33 0 64k", d0)

    # running: through acrn-dm's monitor, live
    call(path, "Start")
    p = run(*ctl, "--json", "snapshot", "create", "snap1", "live", "-d", "while running")
    check(json.loads(p.stdout) == {"name": "live"}, p.stdout)
    mon.wait("snap1", "Event", "'snapshot_created'", '"quiesced_us"', '"vda"', '"vdb"')
    mon.wait("snap1", "SnapshotCreated", "'live'")
    events.wait('{"vm":"snap1","signal":"SnapshotCreated","snapshot":"live"}')
    s = snapshots(path)
    check(set(s) == {"before", "live"} and s["live"][2] == "running" and
          s["live"][3] == "before" and s["live"][4] and not s["before"][4],
          f"ListSnapshots running: {s}")
    check(qemu_snapshots(d0) == ["before", "live"], "qemu-img sees the live one")
    name, msg = gdbus_error(path, VM_IF, "RevertSnapshot", "before")
    check(name == ERR + "Busy" and "shut off" in msg, msg)
    name, msg = gdbus_error(path, VM_IF, "CreateSnapshot", "live", "")
    check(name == ERR + "InvalidArgument" and "already has" in msg, msg)
    name, msg = gdbus_error(path, VM_IF, "DeleteSnapshot", "nope")
    check(name == ERR + "NoSuchSnapshot", msg)
    name, msg = gdbus_error(path, VM_IF, "CreateSnapshot", ".hidden", "")
    check(name == ERR + "InvalidArgument", msg)
    auto = call(path, "CreateSnapshot", "ss", "", "")[0]
    check(re.fullmatch(r"\d+", auto) is not None, f"a generated name: {auto}")
    run(*ctl, "snapshot", "delete", "snap1", auto)
    mon.wait("snap1", "SnapshotDeleted", f"'{auto}'")
    events.wait(f'{{"vm":"snap1","signal":"SnapshotDeleted","snapshot":"{auto}"}}')
    check(qemu_snapshots(d1) == ["before", "live"], "deleted live from the disks")
    human = run(*ctl, "snapshot", "list", "snap1").stdout
    check("live" in human and "(current) while running" in human, human)
    call(path, "Destroy")

    # revert, shut off: the data before the snapshot, not the later writes
    check(holds(d0, "0x33"), "d0 has the later write")
    run(*ctl, "snapshot", "revert", "snap1", "before")
    mon.wait("snap1", "SnapshotReverted", "'before'")
    check(holds(d0, "0x11") and holds(d1, "0x22") and not holds(d0, "0x33"),
          "reverted to the data before")
    check(qemu_check(d0) == 0 and qemu_check(d1) == 0, "qemu-img check after revert")
    check(qemu_snapshots(d0) == ["before", "live"], "revert keeps the snapshots")
    s = snapshots(path)
    check(s["before"][4] and not s["live"][4], f"before is current: {s}")

    # all or nothing: vdb lacks 'live', so neither disk moves
    run("qemu-img", "snapshot", "-d", "live", d1)
    p = run(*ctl, "--json", "snapshot", "revert", "snap1", "live", ok=False)
    reply = json.loads(p.stdout)
    check(p.returncode == 1 and reply["error"] == ERR + "NoSuchSnapshot" and
          "'vdb'" in reply["message"], p.stdout)
    check(holds(d0, "0x11"), "d0 untouched by the refused revert")
    check(qemu_snapshots(d0) == ["before", "live"], "no undo snapshot left behind")

    # offline delete; then the listing as JSON
    run(*ctl, "snapshot", "delete", "snap1", "live")
    listed = json.loads(run(*ctl, "--json", "snapshot", "list", "snap1").stdout)
    check([x["name"] for x in listed] == ["before"] and listed[0]["current"] and
          listed[0]["disks"] == 2, f"acrnctl --json snapshot list: {listed}")
    # the tree: a child of the current one; deleting its parent hands it the grandparent
    call(path, "CreateSnapshot", "ss", "child", "")
    check(snapshots(path)["child"][3] == "before", "child's parent is the current snapshot")
    run(*ctl, "snapshot", "delete", "snap1", "before")
    s = snapshots(path)
    check(set(s) == {"child"} and s["child"][3] == "" and s["child"][4],
          f"parent deleted: {s}")
    check(qemu_snapshots(d0) == ["child"] and qemu_snapshots(d1) == ["child"],
          "qemu-img agrees")
    check(qemu_check(d0) == 0 and qemu_check(d1) == 0, "qemu-img check at the end")

    # all or nothing offline: the second disk cannot share clusters (1-bit refcounts)
    tiny = os.path.join(tmp, "tiny.qcow2")
    run("qemu-img", "create", "-q", "-f", "qcow2", "-o", "refcount_bits=1", tiny, "4M")
    run("qemu-io", "-f", "qcow2", "-c", "write -P 0x44 0 64k", tiny)
    p3 = call(MGR, "DefineVM", "s", vm_xml("tinyvm", [disk_xml(d0, "qcow2", "vda"),
                                                      disk_xml(tiny, "qcow2", "vdb")]))[0]
    name, msg = gdbus_error(p3, VM_IF, "CreateSnapshot", "both", "")
    check(name == ERR + "Failed" and "'vdb'" in msg and "no disk keeps" in msg, msg)
    check("both" not in qemu_snapshots(d0) and qemu_snapshots(tiny) == [],
          "neither disk keeps the failed snapshot")
    check(qemu_check(d0) == 0 and qemu_check(tiny) == 0, "qemu-img check after the rollback")
    call(MGR, "UndefineVM", "s", "tinyvm")

    # a writable raw disk: no internal snapshots
    p2 = call(MGR, "DefineVM", "s", vm_xml("rawvm", [disk_xml(raw, "raw", "vda")]))[0]
    name, msg = gdbus_error(p2, VM_IF, "CreateSnapshot", "x", "")
    check(name == ERR + "NotSupported" and "raw" in msg, msg)
    check(snapshots(p2) == {}, "a raw VM lists none")
    return path, d0


def rotation(path, d0):
    """K runs of the rotation client with N=3: exactly the newest 3 of its own remain."""
    call(path, "Start")
    kept = []
    for k in range(5):
        p = run(ROTATE, "--session", "--keep", "3", "snap1")
        made = [l.split()[-1] for l in p.stdout.splitlines() if l.startswith("created")]
        check(len(made) == 1 and made[0].startswith("auto-"), f"run {k}: {p.stdout}")
        kept.append(made[0])
        time.sleep(1.1)  # names have one-second resolution
    s = snapshots(path)
    auto = sorted(n for n in s if n.startswith("auto-"))
    check(auto == kept[-3:], f"rotation keeps the newest 3: {auto}, made {kept}")
    check("child" in s, "rotation leaves other snapshots alone")
    check(sorted(x for x in qemu_snapshots(d0) if x.startswith("auto-")) == kept[-3:],
          "the images agree")
    # N from the environment, as the systemd unit passes it
    run(ROTATE, "--session", "snap1", extra_env={"ACRN_SNAPSHOT_KEEP": "1"})
    auto = [n for n in snapshots(path) if n.startswith("auto-")]
    check(len(auto) == 1, f"ACRN_SNAPSHOT_KEEP=1: {auto}")
    p = run(ROTATE, "--session", "--keep", "0", "snap1", ok=False)
    check(p.returncode == 2, "--keep 0 refused")
    p = run(ROTATE, "--session", "--keep", "2", "nope", ok=False)
    check(p.returncode == 1 and "NoSuchVM" in p.stderr, p.stderr)
    call(path, "Destroy")
    check(qemu_check(d0) == 0, "qemu-img check after rotation")


def main():
    def body():
        path, d0 = scenario()
        rotation(path, d0)

    acrnd_session.run_on_private_bus(body, "test-snapshot")


if __name__ == "__main__":
    main()
