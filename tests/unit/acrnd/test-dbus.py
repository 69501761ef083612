#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""acrnd on a private session bus with a fake acrn-dm, driven by busctl,
gdbus (to see D-Bus error names) and acrnctl.

usage: test-dbus.py ACRND FAKE_ACRN_DM ACRNCTL API_DBUS_DIR
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import acrnd_session  # noqa: E402
from acrnd_session import (BUS, ERR, MGR, MGR_IF, VM_IF, Lines, busctl, check,  # noqa: E402
                           gdbus_error, prop, run, wait_for)

ACRND, FAKE_DM, ACRNCTL, API_DIR = (os.path.abspath(a) for a in sys.argv[1:5])
tmp, env, procs = acrnd_session.init("acrnd-dbus-")


def call(path, iface, method, sig="", *args, ok=True):
    p = busctl("call", BUS, path, iface, method, *([sig] + list(args) if sig else []), ok=ok)
    return json.loads(p.stdout)["data"] if ok and p.stdout.strip() else p


def list_vms():
    return {v[0]: v[2] for v in call(MGR, MGR_IF, "ListVMs")[0]}


def vm_xml(name, extra_cmdline="", on_crash="destroy"):
    return (f"<domain type='acrn'><name>{name}</name><memory unit='MiB'>64</memory>"
            f"<vcpu>1</vcpu><os><type>hvm</type><kernel>{FAKE_DM}</kernel>"
            f"<cmdline>console=ttyS0 {extra_cmdline}</cmdline></os>"
            f"<on_crash>{on_crash}</on_crash><devices><serial type='file'>"
            f"<source path='{tmp}/{name}.console'/></serial></devices></domain>")


def start_acrnd():
    return acrnd_session.start_acrnd(ACRND, FAKE_DM)


def canonical(el):
    """An element as nested tuples, comments and whitespace dropped."""
    return (el.tag, tuple(sorted(el.attrib.items())),
            tuple(canonical(c) for c in el if isinstance(c.tag, str)))


def check_introspection(path, iface):
    served = ET.fromstring(busctl("introspect", "--xml-interface", BUS, path).stdout
                           .replace("--json=short", ""))
    api = ET.parse(os.path.join(API_DIR, iface + ".xml")).getroot()
    s = [i for i in served.findall("interface") if i.get("name") == iface]
    a = [i for i in api.findall("interface") if i.get("name") == iface]
    check(len(s) == 1 and len(a) == 1, f"{iface} served and in api/dbus")
    check(canonical(s[0]) == canonical(a[0]),
          f"{iface}: served introspection differs from api/dbus/{iface}.xml")


def main():
    def body():
        scenario()
        unprivileged()

    acrnd_session.run_on_private_bus(body, "test-dbus")


def console_pty(mon):
    """A pty serial: ConsolePTY and the live Definition name acrn-dm's pty."""
    xml = vm_xml("vm8").replace(f"<serial type='file'><source path='{tmp}/vm8.console'/>",
                                "<serial type='pty'>")
    p8 = call(MGR, MGR_IF, "DefineVM", "s", xml)[0]
    check(prop(p8, "ConsolePTY") == "", "no pty while shut off")
    call(p8, VM_IF, "Start")
    pty = prop(p8, "ConsolePTY")
    check(pty.startswith("/dev/pts/"), f"Start returns with ConsolePTY set ({pty!r})")
    check(f"<serial type='pty'>\n      <source path='{pty}'/>" in prop(p8, "Definition"),
          "the live Definition shows the pty")
    fd = os.open(pty, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    got = []

    def read_pty():
        try:
            got.append(os.read(fd, 4096))
        except BlockingIOError:
            pass
        return b"fake guest vm8: booted" in b"".join(got)

    try:
        wait_for(read_pty, "the boot line on the pty")
    finally:
        os.close(fd)
    call(p8, VM_IF, "Destroy")
    mon.wait("vm8", "PropertiesChanged", "ConsolePTY")
    check(prop(p8, "ConsolePTY") == "" and "<source" not in prop(p8, "Definition"),
          "the pty is gone with acrn-dm")
    call(MGR, MGR_IF, "UndefineVM", "s", "vm8")


def scenario():
    acrnd = start_acrnd()
    check_introspection(MGR, MGR_IF)
    mon = Lines(["gdbus", "monitor", "--session", "--dest", BUS])
    events = Lines([ACRNCTL, "--session", "--json", "events"])
    time.sleep(0.3)  # both subscribed

    # define, list, start → StateChanged; the console shows the guest
    path = call(MGR, MGR_IF, "DefineVM", "s", vm_xml("vm1", "fake.rtc_ms=400"))[0]
    check(path == "/org/projectacrn/Acrnd1/vm/vm1", f"DefineVM returned {path}")
    mon.wait("VMAdded", "vm1")
    check_introspection(path, VM_IF)
    check(list_vms() == {"vm1": "shutoff"}, "vm1 listed shut off")
    check(prop(path, "MemoryMiB") == 64 and prop(path, "VCPUs") == 1, "sizes")
    call(path, VM_IF, "Start")
    check(prop(path, "State") == "running", "Start returns once running")
    mon.wait("vm1", "StateChanged", "'running'", "'booted'")
    mon.wait("vm1", "PropertiesChanged", "State")
    pid = prop(path, "PID")
    check(pid > 0, "PID set")
    wait_for(lambda: os.path.exists(f"{tmp}/vm1.console") and
             f"booted, pid {pid}" in open(f"{tmp}/vm1.console").read(), "the guest console")
    # every monitor event becomes an Event signal with its details
    mon.wait("vm1", "Event", "'rtc_change'", '"delta":-3600')
    call(path, VM_IF, "Pause")
    check(prop(path, "State") == "paused", "paused")
    mon.wait("vm1", "Event", "'paused'")
    call(path, VM_IF, "Resume")
    mon.wait("vm1", "Event", "'resumed'")
    check(prop(path, "State") == "running", "resumed")
    # graceful shutdown: power button, the guest powers off
    call(path, VM_IF, "Shutdown", "u", "5")
    mon.wait("vm1", "Event", "'power_button'")
    mon.wait("vm1", "Event", "'poweroff'", '"reason":"guest"')
    mon.wait("vm1", "StateChanged", "'shutoff'", "'guest'")
    check(prop(path, "PID") == 0, "PID cleared")
    console_pty(mon)

    # a guest that ignores the power button is destroyed after the timeout
    p7 = call(MGR, MGR_IF, "DefineVM", "s", vm_xml("vm7", "fake.ignore_button"))[0]
    call(p7, VM_IF, "Start")
    call(p7, VM_IF, "Shutdown", "u", "1")
    check(prop(p7, "State") == "shutting-down", "power button pressed")
    mon.wait("vm7", "Event", "'shutdown_timeout'", timeout=5)
    mon.wait("vm7", "StateChanged", "'shutoff'", "'destroy'")
    managed = busctl("call", BUS, MGR, "org.freedesktop.DBus.ObjectManager",
                     "GetManagedObjects").stdout
    check(MGR + "/vm/vm7" in managed and '"Definition"' in managed, "ObjectManager lists VMs")
    call(MGR, MGR_IF, "UndefineVM", "s", "vm7")

    # errors: precise names, nothing written
    vms_dir = os.path.join(env["XDG_DATA_HOME"], "acrnd", "vms")
    before = sorted(os.listdir(vms_dir))
    check(before == ["vm1.xml"], f"stored definitions {before}")
    name, msg = gdbus_error(MGR, MGR_IF, "GetVM", "nope")
    check(name == ERR + "NoSuchVM" and "nope" in msg, msg)
    name, msg = gdbus_error(MGR, MGR_IF, "UndefineVM", "nope")
    check(name == ERR + "NoSuchVM", msg)
    hostile = {
        "<domain": "not well-formed",
        vm_xml("a/b"): "contains '/'",
        vm_xml(".."): "contains '.'",
        vm_xml("../../etc"): "contains '.'",
        vm_xml("x" * 16): "16 characters",
        "<!DOCTYPE d [<!ENTITY a 'x'><!ENTITY b '&a;&a;&a;&a;'>]><domain>&b;</domain>":
            "not allowed",
        "<!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><domain>&x;</domain>":
            "not allowed",
        vm_xml("vm9").replace("<memory unit='MiB'>64", "<memory unit='MiB'>banana"):
            "memory",
    }
    for xml, needle in hostile.items():
        name, msg = gdbus_error(MGR, MGR_IF, "DefineVM", xml)
        check(name == ERR + "InvalidArgument" and needle in msg, f"{needle}: {msg}")
    # too big for a command line: acrnctl add reads it from a file
    with open(os.path.join(tmp, "big.xml"), "w") as f:
        f.write(vm_xml("big").replace("console=ttyS0", "x" * (1 << 20)))
    p = run(ACRNCTL, "--session", "--json", "add", os.path.join(tmp, "big.xml"), ok=False)
    reply = json.loads(p.stdout)
    check(p.returncode == 1 and reply["error"] == ERR + "InvalidArgument" and
          "at most" in reply["message"], f"huge definition: {p.stdout}")
    p = busctl("call", BUS, MGR, MGR_IF, "DefineVM", "u", "5", ok=False)
    check(p.returncode != 0, "wrong argument type refused")
    name, msg = gdbus_error(MGR, MGR_IF, "GetVM", "a/b")
    check(name == ERR + "InvalidArgument", msg)
    check(sorted(os.listdir(vms_dir)) == before, "bad input wrote nothing")
    check(list_vms() == {"vm1": "shutoff"}, "bad input defined nothing")
    # redefining updates the VM and keeps its UUID; another UUID is refused
    uuid = prop(path, "UUID")
    check(call(MGR, MGR_IF, "DefineVM", "s", vm_xml("vm1", "fake.rtc_ms=400").replace(
        "<memory unit='MiB'>64", "<memory unit='MiB'>96"))[0] == path, "redefine vm1")
    check(prop(path, "MemoryMiB") == 96 and prop(path, "UUID") == uuid, "updated in place")
    check(f"<uuid>{uuid}</uuid>" in prop(path, "Definition"), "Definition is canonical XML")
    mon.wait("vm1", "PropertiesChanged", "MemoryMiB")
    name, msg = gdbus_error(MGR, MGR_IF, "DefineVM", vm_xml("vm1").replace(
        "<name>vm1</name>", "<name>vm1</name><uuid>11111111-2222-3333-4444-555555555555</uuid>"))
    check(name == ERR + "InvalidArgument" and uuid in msg, msg)
    name, msg = gdbus_error(path, VM_IF, "Destroy")
    check(name == ERR + "Busy" and "shutoff" in msg, msg)
    name, msg = gdbus_error(path, VM_IF, "Suspend")
    check(name == ERR + "NotSupported", msg)

    # acrn-dm failing at start-up: Start says how, the VM stays shut off
    p6 = call(MGR, MGR_IF, "DefineVM", "s", vm_xml("vm6", "fake.exit=1"))[0]
    name, msg = gdbus_error(p6, VM_IF, "Start")
    check(name == ERR + "Failed" and "exited with status 1" in msg and
          "failing at start-up as asked" in msg, msg)
    check(prop(p6, "State") == "shutoff", "failed start is shut off")
    mon.wait("vm6", "StateChanged", "'shutoff'", "'failed'")
    call(MGR, MGR_IF, "UndefineVM", "s", "vm6")

    # a crashing acrn-dm: crashed state, an event
    p3 = call(MGR, MGR_IF, "DefineVM", "s", vm_xml("vm3", "fake.crash_ms=300"))[0]
    call(p3, VM_IF, "Start")
    mon.wait("vm3", "StateChanged", "'crashed'", "signal 6")
    mon.wait("vm3", "Event", "'crashed'", '"signal":6')
    check(prop(p3, "State") == "crashed", "crashed")
    # on_crash restart: acrnd starts it again, up to the limit
    p4 = call(MGR, MGR_IF, "DefineVM", "s",
              vm_xml("vm4", "fake.crash_ms=200", "restart")
              .replace("</domain>", "<acrn:restart-limit xmlns:acrn="
                       "'https://projectacrn.org/acrnd/1'>1</acrn:restart-limit></domain>"))[0]
    call(p4, VM_IF, "Start")
    mon.wait("vm4", "Event", "'restarted'")
    wait_for(lambda: sum("vm4" in l and "StateChanged ('crashed'" in l for l in mon.lines) == 2,
             "vm4 crashed twice")
    time.sleep(0.3)
    check(prop(p4, "State") == "crashed", "restart limit reached")

    # SIGKILL acrnd with two VMs running; a new acrnd re-adopts them
    p2 = call(MGR, MGR_IF, "DefineVM", "s", vm_xml("vm2"))[0]
    pa = call(MGR, MGR_IF, "DefineVM", "s", vm_xml("auto"))[0]
    call(pa, VM_IF, "SetAutostart", "b", "true")
    check(prop(pa, "Autostart") is True, "Autostart set")
    mon.wait("auto", "PropertiesChanged", "Autostart")
    call(path, VM_IF, "Start")
    call(p2, VM_IF, "Start")
    pids = (prop(path, "PID"), prop(p2, "PID"))
    acrnd.send_signal(signal.SIGKILL)
    acrnd.wait()
    for pid in pids:
        os.kill(pid, 0)  # still alive
    acrnd = start_acrnd()
    vms = list_vms()
    check(vms["vm1"] == "running" and vms["vm2"] == "running", f"after restart: {vms}")
    check((prop(path, "PID"), prop(p2, "PID")) == pids, "same acrn-dm processes")
    # autostart VMs start with acrnd
    wait_for(lambda: prop(pa, "State") == "running", "the autostart VM running")
    call(pa, VM_IF, "Destroy")
    busctl("set-property", BUS, pa, VM_IF, "Autostart", "b", "false")
    check(prop(pa, "Autostart") is False, "Autostart cleared")
    call(path, VM_IF, "Pause")  # they still answer
    check(prop(path, "State") == "paused", "re-adopted vm1 paused")
    call(path, VM_IF, "Resume")
    name, msg = gdbus_error(MGR, MGR_IF, "UndefineVM", "vm2")
    check(name == ERR + "Busy", msg)
    call(p2, VM_IF, "Shutdown", "u", "5")
    wait_for(lambda: prop(p2, "State") == "shutoff", "re-adopted vm2 shuts down")

    # acrnctl against the same bus
    ctl = [ACRNCTL, "--session"]
    listed = json.loads(run(*ctl, "--json", "list").stdout)
    check({v["name"]: v["state"] for v in listed}["vm1"] == "running", f"acrnctl list {listed}")
    human = run(*ctl, "list").stdout
    check("vm1" in human and "running" in human, human)
    run(*ctl, "stop", "-f", "vm1")
    check(prop(path, "State") == "shutoff", "acrnctl stop -f")
    p = run(*ctl, "start", "nope", ok=False)
    check(p.returncode == 1 and "NoSuchVM" in p.stderr, p.stderr)
    disk = os.path.join(tmp, "vm5.img")
    with open(disk, "wb") as f:
        f.truncate(1 << 20)
    with open(os.path.join(tmp, "vm5.xml"), "w") as f:
        f.write(vm_xml("vm5").replace("<devices>", DISK.format(file=disk)))
    run(*ctl, "add", os.path.join(tmp, "vm5.xml"))
    p = run(*ctl, "--json", "blkrescan", "vm5", "vda", ok=False)
    check(p.returncode == 1 and json.loads(p.stdout)["error"] == ERR + "Busy", p.stdout)
    run(*ctl, "start", "vm5")
    blkrescan(ctl, disk)
    run(*ctl, "pause", "vm5")
    # ACRN's names: "continue" un-pauses, "resume" wakes a suspended VM
    p = run(*ctl, "--json", "resume", "vm5", ok=False)
    check(p.returncode == 1 and "acrnctl continue vm5" in json.loads(p.stdout)["message"],
          f"resume on a paused VM points to continue: {p.stdout}")
    run(*ctl, "continue", "vm5")
    check(prop("/org/projectacrn/Acrnd1/vm/vm5", "State") == "running", "acrnctl continue")
    p = run(*ctl, "--json", "suspend", "vm5", ok=False)
    check(p.returncode == 1 and json.loads(p.stdout)["error"] == ERR + "NotSupported",
          p.stdout)
    p = run(*ctl, "--json", "resume", "vm5", ok=False)
    check(p.returncode == 1 and json.loads(p.stdout)["error"] == ERR + "NotSupported",
          p.stdout)
    check(json.loads(run(*ctl, "--json", "start", "vm1").stdout) == {}, "--json start: {}")
    run(*ctl, "--json", "stop", "-f", "vm1")
    run(*ctl, "reset", "vm5")
    check(prop("/org/projectacrn/Acrnd1/vm/vm5", "State") == "running", "acrnctl reset")
    run(*ctl, "stop", "vm5")
    events.wait('"vm":"vm5"', '"state":"shutoff"', '"reason":"guest"')
    wait_for(lambda: prop("/org/projectacrn/Acrnd1/vm/vm5", "State") == "shutoff", "vm5 off")
    events.wait('"vm":"vm1"', '"event":"rtc_change"', '"delta":-3600')
    run(*ctl, "del", "vm5")
    mon.wait("VMRemoved", "vm5")
    check(not os.path.exists(os.path.join(vms_dir, "vm5.xml")), "vm5 undefined on disk")
    p = run(*ctl, "del", "vm5", ok=False)
    check(p.returncode == 1, "del twice fails")


DISK = ("<devices><disk type='file' device='disk'><driver name='acrn' type='raw'/>"
        "<source file='{file}'/><target dev='vda' bus='virtio'/></disk>")


def blkrescan(ctl, disk):
    """acrnctl blkrescan → VM.BlockRescan → the monitor's blkrescan (vm5 runs)."""
    events = Lines([ACRNCTL, "--session", "--json", "events"])
    time.sleep(0.3)
    check(json.loads(run(*ctl, "--json", "blkrescan", "vm5", "vda").stdout) == {},
          "blkrescan vda")
    events.wait('"event":"blk_resized"', '"device":"vda"', '"size":1048576')
    with open(disk, "r+b") as f:
        f.truncate(2 << 20)
    run(*ctl, "blkrescan", "vm5", "3")  # ACRN names the disk by its PCI slot
    events.wait('"event":"blk_resized"', '"size":2097152')
    other = os.path.join(tmp, "other.img")
    with open(other, "wb") as f:
        f.truncate(3 << 20)
    run(*ctl, "blkrescan", "vm5", f"3,{other}")  # ACRN's SLOT,PATH
    events.wait('"event":"blk_resized"', f'"path":"{other}"', '"size":3145728')
    vm5 = "/org/projectacrn/Acrnd1/vm/vm5"
    call(vm5, VM_IF, "BlockRescan", "ss", "vda", disk)
    events.wait('"event":"blk_resized"', f'"path":"{disk}"')
    check(f"<source file='{disk}'/>" in prop(vm5, "Definition"), "the definition is unchanged")
    bad = {("vdb", ""): ("InvalidArgument", "no disk 'vdb' (its disks: vda (slot 3))"),
           ("4", ""): ("InvalidArgument", "no disk '4'"),
           ("vda", "rel.img"): ("InvalidArgument", "'rel.img' is not absolute"),
           ("vda", "/a,b"): ("InvalidArgument", "contains ','"),
           ("vda", tmp + "/missing.img"): ("Failed", "blkrescan vda failed: Failed")}
    for (dev, path), (err, needle) in bad.items():
        name, msg = gdbus_error(vm5, VM_IF, "BlockRescan", dev, path)
        check(name == ERR + err and needle in msg, f"BlockRescan {dev} {path}: {msg}")
    p = run(*ctl, "--json", "blkrescan", "vm5", "vdb", ok=False)
    reply = json.loads(p.stdout)
    check(p.returncode == 1 and reply["error"] == ERR + "InvalidArgument" and
          "vdb" in reply["message"] and "InvalidArgument" in p.stderr, f"acrnctl: {p.stdout}")
    name, msg = gdbus_error("/org/projectacrn/Acrnd1/vm/vm1", VM_IF, "BlockRescan", "3", "")
    check(name == ERR + "InvalidArgument" and "its disks: none" in msg, f"no disks: {msg}")
    p = run(*ctl, "--json", "blkrescan", "nope", "vda", ok=False)
    check(p.returncode == 1 and json.loads(p.stdout)["error"] == ERR + "NoSuchVM", p.stdout)
    p = run(*ctl, "blkrescan", "vm5", ok=False)
    check(p.returncode == 2, "blkrescan without a device is a usage error")
    p = run(*ctl, "stop", "-t", "soon", "vm5", ok=False)
    check(p.returncode == 2 and "'soon'" in p.stderr, f"stop -t soon: {p.stderr}")
    events.p.kill()


BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path={path}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def unprivileged():
    """System mode on a private 'system' bus: another user may read, not change."""
    if os.getuid() != 0 or not shutil.which("setpriv"):
        print("test-dbus: unprivileged-user checks skipped (need root and setpriv)")
        return
    busdir = tempfile.mkdtemp(prefix="acrnd-sysbus-")
    os.chmod(busdir, 0o755)
    conf = os.path.join(busdir, "bus.conf")
    with open(conf, "w") as f:
        f.write(BUS_CONFIG.format(path=os.path.join(busdir, "socket")))
    out = subprocess.run(["dbus-daemon", f"--config-file={conf}", "--print-address=1",
                          "--print-pid=1", "--fork"], capture_output=True, text=True,
                         check=True).stdout.split()
    env["DBUS_SYSTEM_BUS_ADDRESS"], bus_pid = out[0], int(out[1])
    sysdir = os.path.join(tmp, "system")
    acrnd = subprocess.Popen([ACRND, "--system", "--acrn-dm", FAKE_DM, "--state-dir",
                              sysdir + "/lib", "--runtime-dir", sysdir + "/run"], env=env,
                             stderr=open(os.path.join(tmp, "acrnd-system.log"), "a"))
    procs.append(acrnd)
    sysctl = ["busctl", "--system", "--json=short"]
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    try:
        wait_for(lambda: run(*sysctl, "call", BUS, MGR, MGR_IF, "ListVMs",
                             ok=False).returncode == 0, "system acrnd")
        run(*sysctl, "call", BUS, MGR, MGR_IF, "DefineVM", "s", vm_xml("sys1"))  # root may
        p = run(*nobody, *sysctl, "call", BUS, MGR, MGR_IF, "ListVMs")
        check('"sys1"' in p.stdout, f"nobody lists VMs: {p.stdout}")
        p = run(*nobody, *sysctl, "get-property", BUS, MGR + "/vm/sys1", VM_IF, "State")
        check('"shutoff"' in p.stdout, "nobody reads a property")
        for args in (["/vm/sys1", VM_IF, "Start"], ["", MGR_IF, "UndefineVM", "s", "sys1"],
                     ["", MGR_IF, "DefineVM", "s", vm_xml("sys2")]):
            p = run(*nobody, *sysctl, "call", BUS, MGR + args[0], *args[1:], ok=False)
            check(p.returncode != 0 and "polkit" in p.stderr, f"nobody {args[2]}: {p.stderr}")
        p = run(*nobody, ACRNCTL, "--system", "--json", "stop", "-f", "sys1", ok=False)
        check(p.returncode == 1 and "PermissionDenied" in p.stdout, f"acrnctl: {p.stdout}")
        p = run(*nobody, *sysctl, "set-property", BUS, MGR + "/vm/sys1", VM_IF, "Autostart",
                "b", "true", ok=False)
        check(p.returncode != 0, "nobody cannot set Autostart")
        check(sorted(os.listdir(sysdir + "/lib/vms")) == ["sys1.xml"], "nobody wrote nothing")
        run(*sysctl, "call", BUS, MGR + "/vm/sys1", VM_IF, "Start")  # root may
        run(*sysctl, "call", BUS, MGR + "/vm/sys1", VM_IF, "Destroy")
        # Its bus goes away: acrnd leaves with status 1 (a supervisor restarts it).
        os.kill(bus_pid, signal.SIGTERM)
        bus_pid = None
        wait_for(lambda: acrnd.poll() is not None, "acrnd to leave after losing its bus")
        check(acrnd.returncode == 1, f"acrnd's status after losing its bus: {acrnd.returncode}")
        check("lost the connection to the bus" in
              open(os.path.join(tmp, "acrnd-system.log")).read(), "acrnd says why it left")
    finally:
        acrnd.kill()
        if bus_pid:
            os.kill(bus_pid, signal.SIGTERM)
        shutil.rmtree(busdir, ignore_errors=True)


if __name__ == "__main__":
    main()
