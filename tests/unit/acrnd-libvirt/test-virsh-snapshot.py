#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Stock virsh's snapshot-* commands against acrnd --session (private bus,
the fake acrn-dm on real qcow2 images), with qemu-img/qemu-io as the
independent judge of the disks and D-Bus seeing the same snapshots.

usage: test-virsh-snapshot.py ACRND FAKE_ACRN_DM ACRND_TEST_DIR
"""

import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET

ACRND, FAKE_DM, LIBDIR = (os.path.abspath(a) for a in sys.argv[1:4])
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, LIBDIR)
import acrnd_session  # noqa: E402
from acrnd_session import BUS, MGR, MGR_IF, VM_IF, check, run  # noqa: E402

import lv_session  # noqa: E402

tmp, env, procs = lv_session.init("acrnd-virsh-snap-")
from lv_session import SOCK, virsh, virsh_fails  # noqa: E402


def dbus(path, method, sig="", *args):
    p = run("busctl", "--user", "--json=short", "call", BUS, path, VM_IF if path != MGR
            else MGR_IF, method, *([sig] + list(args) if sig else []))
    return json.loads(p.stdout)["data"] if p.stdout.strip() else None


def qemu_snapshots(img):
    out = run("qemu-img", "snapshot", "-U", "-l", img).stdout
    return [l.split()[1] for l in out.splitlines()[2:] if l.strip()]


def holds(img, pattern):
    """qemu-io reads @pattern in the first 64 KiB of @img."""
    p = run("qemu-io", "-r", "-U", "-f", "qcow2", "-c", f"read -P {pattern} 0 64k", img,
            ok=False)
    check("read 65536/65536 bytes" in p.stdout, f"qemu-io read {img}: {p.stdout} {p.stderr}")
    return "Pattern verification failed" not in p.stdout


def names(*opts):
    return virsh("snapshot-list", "vm1", "--name", *opts).stdout.split()


def info(snap):
    out = virsh("snapshot-info", "vm1", snap).stdout
    return {k.strip(): v.strip() for k, v in (l.split(":", 1) for l in out.splitlines()
                                               if ":" in l)}


def scenario():
    d0, raw = os.path.join(tmp, "d0.qcow2"), os.path.join(tmp, "r.img")
    run("qemu-img", "create", "-q", "-f", "qcow2", d0, "4M")
    run("qemu-io", "-f", "qcow2", "-c", "write -P 0x11 0 64k", d0)
    run("qemu-img", "create", "-q", "-f", "raw", raw, "1M")
    acrnd_session.start_acrnd(ACRND, FAKE_DM)
    acrnd_session.wait_for(lambda: os.path.exists(SOCK), "acrnd's libvirt socket")

    def disk(f, fmt, dev):
        return (f"<disk type='file' device='disk'><driver name='acrn' type='{fmt}'/>"
                f"<source file='{f}'/><target dev='{dev}' bus='virtio'/></disk>")

    def vm_xml(name, disks):
        return (f"<domain type='acrn'><name>{name}</name><memory unit='MiB'>64</memory>"
                f"<vcpu>1</vcpu><os><type>hvm</type><kernel>{FAKE_DM}</kernel>"
                f"<cmdline>console=ttyS0</cmdline></os><devices>{disks}</devices></domain>")

    for name, disks in (("vm1", disk(d0, "qcow2", "vda")), ("rawvm", disk(raw, "raw", "vda"))):
        with open(os.path.join(tmp, name + ".xml"), "w") as f:
            f.write(vm_xml(name, disks))
        virsh("define", os.path.join(tmp, name + ".xml"))
    path = f"{MGR}/vm/vm1"

    # Nothing yet.
    check(names() == [], "no snapshots at first")
    err = virsh_fails("snapshot-current", "vm1", "--name")
    check("has no current snapshot" in err, f"snapshot-current with none: {err}")

    # Shut off: named, with a description.
    out = virsh("snapshot-create-as", "vm1", "s1", "--description", "first <one>").stdout
    check(qemu_snapshots(d0) == ["s1"], "qemu-img sees s1")
    check(names() == ["s1"], f"snapshot-list names s1 ({out})")
    x = ET.fromstring(virsh("snapshot-dumpxml", "vm1", "s1").stdout)
    check(x.tag == "domainsnapshot" and x.findtext("name") == "s1"
          and x.findtext("description") == "first <one>" and x.findtext("state") == "shutoff"
          and x.find("parent") is None and abs(int(x.findtext("creationTime")) - time.time()) < 60,
          f"snapshot-dumpxml s1: {ET.tostring(x)}")
    i = info("s1")
    check(i["Name"] == "s1" and i["Domain"] == "vm1" and i["Current"] == "yes"
          and i["State"] == "shutoff" and i["Parent"] == "-" and i["Children"] == "0"
          and i["Metadata"] == "yes", f"snapshot-info s1: {i}")
    dbs = {s[0]: s for s in dbus(path, "ListSnapshots")[0]}
    check(set(dbs) == {"s1"} and dbs["s1"][1] == "first <one>", f"D-Bus lists s1: {dbs}")

    # The guest writes later; the VM runs: a live snapshot, then an unnamed one.
    run("qemu-io", "-f", "qcow2", "-c", "write -P 0x33 0 64k", d0)
    virsh("start", "vm1")
    virsh("snapshot-create-as", "vm1", "s2", "--description", "live")
    auto = virsh("snapshot-create-as", "vm1", "--print-xml").stdout  # client-side only
    check("<domainsnapshot" in auto, f"--print-xml: {auto}")
    out = virsh("snapshot-create-as", "vm1").stdout
    auto = next((n for n in names() if re.fullmatch(r"\d+", n)), None)
    check(auto is not None and abs(int(auto) - time.time()) < 60,
          f"an unnamed snapshot gets epoch seconds: {names()} ({out})")
    # virsh sorts by name; --topological keeps acrnd's order, parents first.
    check(names() == sorted(["s1", "s2", auto]), f"snapshot-list: {names()}")
    check(names("--topological") == ["s1", "s2", auto], f"--topological: {names('--topological')}")
    check(qemu_snapshots(d0) == ["s1", "s2", auto], "qemu-img sees all three")
    check(virsh("snapshot-current", "vm1", "--name").stdout.strip() == auto,
          "the newest is current")
    x = ET.fromstring(virsh("snapshot-dumpxml", "vm1", "s2").stdout)
    check(x.findtext("state") == "running" and x.findtext("parent/name") == "s1",
          f"s2 was taken running, below s1: {ET.tostring(x)}")
    listing = virsh("snapshot-list", "vm1", "--parent").stdout
    rows = {l.split()[0]: l.split() for l in listing.splitlines() if l.strip()}
    check(rows["s1"][-1] == "shutoff" and rows["s2"][-2:] == ["running", "s1"]
          and rows[auto][-1] == "s2", f"snapshot-list --parent: {listing}")
    tree = [l for l in virsh("snapshot-list", "vm1", "--tree").stdout.splitlines() if l.strip()]
    check(tree[0] == "s1" and tree[-1].strip() == "+- " + auto
          and tree[-1].index("+") > tree[2].index("+") and tree[2].strip() == "+- s2",
          f"snapshot-list --tree: {tree}")
    check(names("--roots") == ["s1"] and names("--leaves") == [auto]
          and names("--from", "s1") == ["s2"] and names("--from", "s1", "--descendants")
          == sorted(["s2", auto]), "snapshot-list filters")
    check(info("s1")["Children"] == "1" and info("s1")["Descendants"] == "2"
          and info("s1")["Current"] == "no", f"snapshot-info counts: {info('s1')}")

    # Revert needs the VM off.
    err = virsh_fails("snapshot-revert", "vm1", "s1")
    check("Requested operation is not valid" in err and "shut off" in err,
          f"revert of a running VM: {err}")
    check(virsh("domstate", "vm1").stdout.strip() == "running", "it still runs")
    virsh("destroy", "vm1")
    check(holds(d0, "0x33"), "d0 has the later write")
    virsh("snapshot-revert", "vm1", "s1")
    check(holds(d0, "0x11") and not holds(d0, "0x33"), "qemu-io: s1's data is back")
    check(virsh("snapshot-current", "vm1", "--name").stdout.strip() == "s1",
          "s1 is current after the revert")
    check(virsh("domstate", "vm1").stdout.strip() == "shut off", "the VM stays off")

    # Unknown snapshots, refused flags, raw disks.
    for cmd in (("snapshot-info", "vm1", "nosuch"), ("snapshot-revert", "vm1", "nosuch"),
                ("snapshot-delete", "vm1", "nosuch"), ("snapshot-dumpxml", "vm1", "nosuch")):
        err = virsh_fails(*cmd)
        check("Domain snapshot not found" in err and "nosuch" in err, f"{cmd}: {err}")
    err = virsh_fails("snapshot-parent", "vm1", "s1")
    check("does not have a parent" in err or "no parent" in err, f"root's parent: {err}")
    check(virsh("snapshot-parent", "vm1", "s2").stdout.strip() == "s1", "snapshot-parent s2")
    err = virsh_fails("snapshot-create-as", "vm1", "s3", "--disk-only")
    check("not supported" in err, f"--disk-only: {err}")
    err = virsh_fails("snapshot-create-as", "vm1", "s1")
    check("invalid argument" in err and "already" in err, f"a taken name: {err}")
    err = virsh_fails("snapshot-delete", "vm1", "s1", "--children")
    check("not supported" in err, f"delete --children: {err}")
    err = virsh_fails("snapshot-create-as", "rawvm", "r1")
    check("Operation not supported" in err and "raw" in err, f"a raw disk: {err}")
    with open(os.path.join(tmp, "bad.xml"), "w") as f:
        f.write("<!DOCTYPE x [<!ENTITY a 'b'>]><domainsnapshot><name>&a;</name>"
                "</domainsnapshot>")
    err = virsh_fails("snapshot-create", "vm1", os.path.join(tmp, "bad.xml"))
    check("XML error" in err, f"a DTD in the snapshot XML: {err}")
    check(names() == sorted(["s1", "s2", auto]), "nothing changed by the refusals")

    # Read-only connections read, and may not change anything.
    check(virsh("snapshot-list", "vm1", "--name", ro=True).stdout.split()
          == sorted(["s1", "s2", auto]),
          "read-only snapshot-list")
    check(virsh("snapshot-current", "vm1", "--name", ro=True).stdout.strip() == "s1",
          "read-only snapshot-current")
    for cmd in (("snapshot-create-as", "vm1", "ro1"), ("snapshot-revert", "vm1", "s2"),
                ("snapshot-delete", "vm1", "s2")):
        err = virsh_fails(*cmd, ro=True)
        check("forbidden" in err and "read only" in err, f"read-only {cmd}: {err}")

    # D-Bus → virsh, virsh → D-Bus.
    dbus(path, "CreateSnapshot", "ss", "fromdbus", "made over D-Bus")
    x = ET.fromstring(virsh("snapshot-dumpxml", "vm1", "fromdbus").stdout)
    check(x.findtext("description") == "made over D-Bus" and x.findtext("parent/name") == "s1",
          f"virsh sees the D-Bus snapshot: {ET.tostring(x)}")
    virsh("snapshot-delete", "vm1", auto)
    virsh("snapshot-delete", "vm1", "--current")
    dbs = sorted(s[0] for s in dbus(path, "ListSnapshots")[0])
    check(dbs == ["s1", "s2"], f"D-Bus sees virsh's deletions: {dbs}")
    check(qemu_snapshots(d0) == ["s1", "s2"], "qemu-img agrees")
    check(virsh("snapshot-list", "vm1", "--name", "--no-leaves").stdout.split() == ["s1"],
          "--no-leaves")
    check(run("qemu-img", "check", "-U", d0, ok=False).returncode == 0, "qemu-img check")
    virsh("undefine", "rawvm")


def main():
    acrnd_session.run_on_private_bus(scenario, "test-virsh-snapshot")


if __name__ == "__main__":
    main()
