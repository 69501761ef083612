#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Stock virsh against acrnd --session (private bus, fake acrn-dm): the
lifecycle, events, read-only connections, changes crossing between virsh and
D-Bus, and hostile packets after which virsh still works.

usage: test-virsh.py ACRND FAKE_ACRN_DM ACRND_TEST_DIR
"""

import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

ACRND, FAKE_DM, LIBDIR = (os.path.abspath(a) for a in sys.argv[1:4])
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, LIBDIR)
import acrnd_session  # noqa: E402
from acrnd_session import BUS, MGR, MGR_IF, VM_IF, check, run, wait_for  # noqa: E402

import lv_session  # noqa: E402

tmp, env, procs = lv_session.init("acrnd-virsh-")
from lv_session import (KEEPALIVE, SOCK, URI, closed, packet, raw_connection,  # noqa: E402
                        read_packet, virsh, virsh_fails)


def busctl(*args):
    p = run("busctl", "--user", "--json=short", *args)
    return json.loads(p.stdout)["data"] if p.stdout.strip() else None


def dbus_state(name):
    return busctl("get-property", BUS, f"{MGR}/vm/{name}", VM_IF, "State")


def domstate(name):
    return virsh("domstate", "--reason", name).stdout.strip()


def vm_xml(name, cmdline=""):
    return (f"<domain type='acrn'><name>{name}</name><memory unit='MiB'>64</memory>"
            f"<vcpu>2</vcpu><os><type>hvm</type><kernel>{FAKE_DM}</kernel>"
            f"<cmdline>console=ttyS0 {cmdline}</cmdline></os><devices><serial type='file'>"
            f"<source path='{tmp}/{name}.console'/></serial></devices></domain>")


def connection():
    """The connection-level procedures virsh and virt-manager call."""
    ver = virsh("version").stdout
    check("Using API: ACRN 9.0.0" in ver and "Running hypervisor: ACRN 3.3.0" in ver,
          f"virsh version: {ver}")
    check(virsh("hostname").stdout.strip() == socket.gethostname(), "hostname")
    check(virsh("uri").stdout.strip() == URI, "uri")  # answered by the client
    check(virsh("maxvcpus").stdout.strip() == "16", "maxvcpus")
    info = virsh("nodeinfo").stdout
    check("CPU model:           x86_64" in info and f"CPU(s):              {len(os.sched_getaffinity(0))}"
          in info, f"nodeinfo: {info}")
    caps = ET.fromstring(virsh("capabilities").stdout)
    guest = caps.find("guest")
    check(guest is not None and guest.findtext("os_type") == "hvm"
          and guest.find("arch").get("name") == "x86_64"
          and guest.find("arch/domain").get("type") == "acrn"
          and guest.findtext("arch/machine") == "acrn", "capabilities: an hvm x86_64 acrn guest")
    dc = ET.fromstring(virsh("domcapabilities").stdout)
    check(dc.findtext("domain") == "acrn" and dc.find("vcpu").get("max") == "16"
          and [v.text for v in dc.findall("devices/disk/enum[@name='bus']/value")] == ["virtio"],
          "domcapabilities: acrn, 16 vCPUs, virtio disks")
    err = virsh_fails("domcapabilities", "--virttype", "kvm")
    check("invalid argument" in err, f"domcapabilities for kvm: {err}")


def lifecycle():
    events = acrnd_session.Lines(["stdbuf", "-oL", "virsh", "-c", URI, "event", "--loop",
                                  "--all"])
    time.sleep(1)  # its 27 registrations
    check(virsh("list", "--all").stdout.strip() == "", "no domains at first")
    with open(os.path.join(tmp, "vm1.xml"), "w") as f:
        f.write(vm_xml("vm1"))
    virsh("define", os.path.join(tmp, "vm1.xml"))
    events.wait_index("'vm1': Defined Added")
    check(virsh("list", "--all").stdout.split() == ["-", "vm1", "shut", "off"],
          "list --all shows vm1 shut off")
    check(dbus_state("vm1") == "shutoff", "D-Bus sees the VM virsh defined")

    virsh("start", "vm1")
    n = events.wait_index("'vm1': Started Booted")
    info = dict(l.split(":", 1) for l in virsh("dominfo", "vm1").stdout.splitlines() if ":" in l)
    check(info["Id"].strip() == "1" and info["State"].strip() == "running"
          and info["CPU(s)"].strip() == "2" and info["Max memory"].strip() == "65536 KiB",
          f"dominfo of the running vm1: {info}")
    check(domstate("vm1") == "running (booted)", "domstate after start")
    counts = virsh("vcpucount", "vm1").stdout.split()
    check(counts == ["maximum", "config", "2", "maximum", "live", "2", "current", "config", "2",
                     "current", "live", "2"], f"vcpucount: {counts}")
    check(int(virsh("freecell").stdout.split()[-2]) > 0, "freecell: free memory")
    check(virsh("list").stdout.split() == ["1", "vm1", "running"], "list shows id 1")
    check(virsh("domid", "vm1").stdout.strip() == "1", "domid")
    check(virsh("domname", "1").stdout.strip() == "vm1", "lookup by id")
    uuid = virsh("domuuid", "vm1").stdout.strip()
    check(virsh("domname", uuid).stdout.strip() == "vm1", "lookup by uuid")

    virsh("suspend", "vm1")
    n = events.wait_index("'vm1': Suspended Paused", after=n)
    check(domstate("vm1") == "paused (user)", "domstate after suspend")
    check(dbus_state("vm1") == "paused", "D-Bus sees virsh's suspend")
    virsh("resume", "vm1")
    n = events.wait_index("'vm1': Resumed Unpaused", after=n)
    check(domstate("vm1") == "running (unpaused)", "domstate after resume")

    # D-Bus → virsh: a pause through busctl is a libvirt event and state.
    busctl("call", BUS, f"{MGR}/vm/vm1", VM_IF, "Pause")
    n = events.wait_index("'vm1': Suspended Paused", after=n)
    check(domstate("vm1").startswith("paused"), "virsh sees the D-Bus pause")
    busctl("call", BUS, f"{MGR}/vm/vm1", VM_IF, "Resume")
    n = events.wait_index("'vm1': Resumed Unpaused", after=n)

    err = virsh_fails("resume", "vm1")
    check("error:" in err, f"resume of a running VM fails: {err}")
    virsh("shutdown", "vm1")
    n = events.wait_index("'vm1': Stopped Shutdown", after=n)
    check("'vm1': Shutdown Finished" in "\n".join(events.lines), "Shutdown Finished came")
    check(domstate("vm1") == "shut off (shutdown)", "domstate after shutdown")
    check(virsh("domid", "vm1").stdout.strip() == "-", "no id while shut off")

    virsh("start", "vm1")
    n = events.wait_index("'vm1': Started Booted", after=n)
    check(virsh("domid", "vm1").stdout.strip() == "2", "a new id for the next run")
    virsh("destroy", "vm1")
    n = events.wait_index("'vm1': Stopped Destroyed", after=n)
    check(domstate("vm1") == "shut off (destroyed)", "domstate after destroy")
    err = virsh_fails("suspend", "vm1")
    check("error:" in err, f"suspend of a shut-off VM fails: {err}")

    virsh("autostart", "vm1")
    check(busctl("get-property", BUS, f"{MGR}/vm/vm1", VM_IF, "Autostart") is True,
          "D-Bus sees virsh's autostart")
    check("enable" in virsh("dominfo", "vm1").stdout.split("Autostart:")[1].split("\n")[0],
          "dominfo shows autostart")
    virsh("autostart", "--disable", "vm1")
    check(busctl("get-property", BUS, f"{MGR}/vm/vm1", VM_IF, "Autostart") is False,
          "autostart --disable")

    xml = virsh("dumpxml", "vm1").stdout
    check("<name>vm1</name>" in xml and uuid in xml, "dumpxml names the domain")
    with open(os.path.join(tmp, "dump.xml"), "w") as f:
        f.write(xml)
    virsh("define", os.path.join(tmp, "dump.xml"))
    check(virsh("dumpxml", "vm1").stdout == xml, "dumpxml → define → dumpxml round trip")
    check(virsh("domuuid", "vm1").stdout.strip() == uuid, "the UUID survives the round trip")

    # D-Bus → virsh: a VM defined over D-Bus is listed, with its event.
    busctl("call", BUS, MGR, MGR_IF, "DefineVM", "s", vm_xml("vm2"))
    n = events.wait_index("'vm2': Defined Added", after=n)
    check(virsh("list", "--all", "--name").stdout.split() == ["vm1", "vm2"], "virsh lists vm2")

    # Read-only connections read, and may not change anything.
    check(virsh("list", "--all", "--name", ro=True).stdout.split() == ["vm1", "vm2"],
          "read-only list")
    err = virsh_fails("start", "vm2", ro=True)
    check("forbidden" in err and "read only" in err, f"read-only start refused: {err}")
    check(dbus_state("vm2") == "shutoff", "the refused start did nothing")

    err = virsh_fails("dompmsuspend", "vm1", "mem")
    check("not supported" in err.lower(), f"pm-suspend is unsupported: {err}")
    err = virsh_fails("dominfo", "nosuch")
    check("nosuch" in err, f"an unknown domain is named: {err}")

    # The guest setting its RTC: an rtc-change event with the offset.
    with open(os.path.join(tmp, "vm4.xml"), "w") as f:
        f.write(vm_xml("vm4", "fake.rtc_ms=200"))
    virsh("define", os.path.join(tmp, "vm4.xml"))
    virsh("start", "vm4")
    n = events.wait_index("event 'rtc-change' for domain 'vm4'", after=n)
    check(events.lines[n - 1].endswith("'vm4': -3600"), f"the offset: {events.lines[n - 1]}")
    virsh("destroy", "vm4")
    virsh("undefine", "vm4")

    # acrn-dm dying under a running guest: Crashed Panicked.
    with open(os.path.join(tmp, "vm3.xml"), "w") as f:
        f.write(vm_xml("vm3", "fake.crash_ms=300"))
    virsh("define", os.path.join(tmp, "vm3.xml"))
    virsh("start", "vm3")
    n = events.wait_index("'vm3': Crashed Panicked", after=n)
    check(domstate("vm3") == "crashed (panicked)", "domstate of the crashed VM")
    check(dbus_state("vm3") == "crashed", "D-Bus agrees")
    virsh("undefine", "vm3")

    virsh("undefine", "vm1")
    n = events.wait_index("'vm1': Undefined Removed", after=n)
    vms = [v[0] for v in busctl("call", BUS, MGR, MGR_IF, "ListVMs")[0]]
    check(vms == ["vm2"], f"D-Bus no longer lists vm1: {vms}")
    busctl("call", BUS, MGR, MGR_IF, "UndefineVM", "s", "vm2")
    events.wait_index("'vm2': Undefined Removed", after=n)
    events.p.send_signal(signal.SIGINT)


def stats(*args, ro=False):
    """virsh domstats as {domain: {field: value}}."""
    out, dom = {}, None
    for line in virsh("domstats", *args, ro=ro).stdout.splitlines():
        if line.startswith("Domain: "):
            dom = out.setdefault(line.split("'")[1], {})
        elif "=" in line:
            k, v = line.strip().split("=", 1)
            dom[k] = v
    return out


def domstats():
    """CONNECT_GET_ALL_DOMAIN_STATS (344) through virsh domstats."""
    defs = {"sa": (64, 2), "sb": (128, 1), "sc": (96, 4)}
    for name, (mib, vcpus) in defs.items():
        xml = vm_xml(name).replace(">64</memory>", f">{mib}</memory>").replace(
            "<vcpu>2</vcpu>", f"<vcpu>{vcpus}</vcpu>")
        with open(os.path.join(tmp, f"{name}.xml"), "w") as f:
            f.write(xml)
        virsh("define", os.path.join(tmp, f"{name}.xml"))
    virsh("start", "sa")
    virsh("start", "sc")
    virsh("suspend", "sc")
    # GET_STATE's words for the numbers domstats gives.
    want_state = {"sa": ("1", "1", "running (booted)"), "sb": ("5", "0", "shut off (unknown)"),
                  "sc": ("3", "1", "paused (user)")}

    all_ = stats()
    check(sorted(all_) == ["sa", "sb", "sc"], f"domstats lists every domain: {sorted(all_)}")
    for name, (mib, vcpus) in defs.items():
        st = all_[name]
        check((st["state.state"], st["state.reason"]) == want_state[name][:2]
              and domstate(name) == want_state[name][2],
              f"{name}: state and reason as GET_STATE ({domstate(name)}): {st}")
        check(st["balloon.current"] == st["balloon.maximum"] == str(mib * 1024),
              f"{name}: balloon = the defined memory in KiB: {st}")
        check(st["vcpu.current"] == st["vcpu.maximum"] == str(vcpus),
              f"{name}: vcpus as defined: {st}")
        active = name != "sb"
        check(("cpu.time" in st) == active, f"{name}: cpu.time only with an acrn-dm: {st}")
    check(int(all_["sa"]["cpu.time"]) >= 0, "cpu.time is a count of ns")
    # The state group alone, read-only too.
    for ro in (False, True):
        st = stats("--state", ro=ro)
        check(all(sorted(v) == ["state.reason", "state.state"] for v in st.values())
              and len(st) == 3, f"--state gives only the state group (ro={ro}): {st}")
    st = stats("--vcpu")
    check(st["sc"] == {"vcpu.current": "4", "vcpu.maximum": "4"}, f"--vcpu: {st}")
    st = stats("--balloon", "sb")
    check(st == {"sb": {"balloon.current": "131072", "balloon.maximum": "131072"}},
          f"--balloon of a named domain: {st}")
    st = stats("--state", "sa", "sb")
    check(sorted(st) == ["sa", "sb"] and st["sb"]["state.state"] == "5",
          f"two named domains: {st}")
    st = stats("--list-active")
    check(sorted(st) == ["sa", "sc"], f"--list-active: {sorted(st)}")
    check(sorted(stats("--list-inactive")) == ["sb"], "--list-inactive")
    check(sorted(stats("--list-paused")) == ["sc"], "--list-paused")
    check(sorted(stats("--list-running", "--list-shutoff")) == ["sa", "sb"],
          "--list-running --list-shutoff")
    # Unsupported groups: skipped, unless enforced.
    st = stats("--block", "--state")
    check(all(sorted(v) == ["state.reason", "state.state"] for v in st.values()),
          f"the block group is skipped without --enforce: {st}")
    err = virsh_fails("domstats", "--enforce", "--block")
    check("unsupported" in err and "0x20" in err, f"--enforce --block refused: {err}")
    for name in defs:
        if name != "sb":
            virsh("destroy", name)
        virsh("undefine", name)


def hostile():
    # Keepalive: PING is answered with PONG.
    s = raw_connection()
    s.sendall(packet(1, 0, ptype=2, prog=KEEPALIVE))
    hdr, _ = read_packet(s)
    check(hdr[0] == KEEPALIVE and hdr[2] == 2 and hdr[3] == 2, f"PONG: {hdr}")
    # An unknown program gets an error reply; the connection stays.
    s.sendall(packet(1, 7, prog=0x12345678))
    hdr, body = read_packet(s)
    check(hdr[3] == 1 and hdr[4] == 7 and hdr[5] == 1, f"error reply to an unknown program {hdr}")
    check(struct.unpack(">i", body[:4])[0] == 39, "VIR_ERR_RPC")
    # Any call before CONNECT_OPEN is refused; an unknown procedure is NO_SUPPORT.
    s.sendall(packet(3, 8))  # GET_TYPE
    hdr, body = read_packet(s)
    check(hdr[5] == 1 and b"not open" in body, "a call before CONNECT_OPEN is refused")
    s.sendall(packet(1, 8, struct.pack(">II", 0, 0)))  # open(NULL, 0)
    hdr, _ = read_packet(s)
    check(hdr[5] == 0, "CONNECT_OPEN with no name")
    s.sendall(packet(9999, 9))
    hdr, body = read_packet(s)
    check(hdr[5] == 1 and struct.unpack(">i", body[:4])[0] == 3, "unknown procedure: NO_SUPPORT")
    s.close()
    # A read-only open (flag 1): every procedure that changes something is refused.
    s = raw_connection()
    s.sendall(packet(1, 1, struct.pack(">II", 0, 1)))
    check(read_packet(s)[0][5] == 0, "read-only CONNECT_OPEN")
    for proc in (9, 11, 12, 27, 28, 29, 33, 34, 35, 196, 231, 234, 245, 258, 261, 267, 350):
        s.sendall(packet(proc, proc))
        hdr, body = read_packet(s)
        check(hdr[4] == proc and hdr[5] == 1 and struct.unpack(">i", body[:4])[0] == 29,
              f"procedure {proc} refused on a read-only connection")
    s.close()

    cases = {
        "a length below a header": struct.pack(">I", 5) + b"x" * 32,
        "a length over 32 MiB": struct.pack(">I", 0x7FFFFFFF) + b"x" * 64,
        "a string longer than the packet": packet(23, 1, struct.pack(">I", 1000) + b"ab"),
        "a string over 4 MiB": packet(23, 1, struct.pack(">I", 5 << 20)),
        "a reply sent by a client": packet(3, 1, ptype=1),
        "an unknown packet type": packet(3, 1, ptype=99),
        "a call with an error status": packet(3, 1, status=1),
        "CONNECT_OPEN cut short": packet(1, 1, struct.pack(">I", 1)),
        "GET_ALL_DOMAIN_STATS with 16385 domains": packet(344, 1,
                                                          struct.pack(">I", 16385)),
        "GET_ALL_DOMAIN_STATS cut in a domain": packet(344, 1,
                                                       struct.pack(">II", 1, 0) + b"\0" * 8),
    }
    for what, data in cases.items():
        s = raw_connection()
        s.sendall(packet(1, 0, struct.pack(">II", 0, 0)))  # a sane open first
        hdr, _ = read_packet(s)
        check(hdr[5] == 0, "CONNECT_OPEN answered")
        s.sendall(data)
        check(wait_for(lambda: closed(s), f"acrnd closing on {what}"), what)
        s.close()
    log = open(os.path.join(tmp, "acrnd.log")).read()
    check(log.count("malformed packet") == len(cases), "each malformed packet is logged")
    # Half a packet, then the client vanishes.
    s = raw_connection()
    s.sendall(bytes(range(256)))
    s.close()
    # After all that, virsh still works.
    check(virsh("list", "--all").returncode == 0, "virsh works after the hostile packets")


def activation():
    """Socket activation: the socket exists before acrnd; a virsh call starts it;
    acrnd serves the passed socket, creates none, and leaves it when it stops."""
    path = os.path.join(tmp, "activated", "virtacrnd-sock")
    os.makedirs(os.path.dirname(path), mode=0o700)
    p = subprocess.Popen(["systemd-socket-activate", "-l", path, "--fdname=virtacrnd-sock",
                          "-E", "DBUS_SESSION_BUS_ADDRESS", "-E", "XDG_RUNTIME_DIR",
                          "-E", "XDG_DATA_HOME", ACRND, "--session", "--acrn-dm", FAKE_DM],
                         env=env, stderr=open(os.path.join(tmp, "acrnd.log"), "a"))
    procs.append(p)
    wait_for(lambda: os.path.exists(path), "the activation socket")
    with open(os.path.join(tmp, "vm6.xml"), "w") as f:
        f.write(vm_xml("vm6"))
    uri = f"acrn+unix:///session?socket={path}"
    run("virsh", "-q", "-c", uri, "define", os.path.join(tmp, "vm6.xml"))
    names = run("virsh", "-q", "-c", uri, "list", "--all", "--name").stdout.split()
    check(names == ["vm6"], f"an activated acrnd serves virsh: {names}")
    check(not os.path.exists(SOCK), "an activated acrnd creates no socket of its own")
    check(busctl("call", BUS, MGR, MGR_IF, "ListVMs")[0][0][0] == "vm6", "and serves D-Bus")
    busctl("call", BUS, MGR, MGR_IF, "UndefineVM", "s", "vm6")
    p.terminate()
    p.wait(10)
    check(os.path.exists(path), "the activation socket outlives acrnd")


def system_mode(bus_address):
    """acrnd --system (the private bus standing in for the system bus): the
    read-only socket serves anyone, read-only; the read-write one only root,
    by SO_PEERCRED even when its file mode would let others in."""
    sysdir = os.path.join(tmp, "sys")
    home = os.path.join(tmp, "nobody")
    os.makedirs(home)
    os.makedirs(sysdir, mode=0o755)
    os.chmod(tmp, 0o755)
    os.chown(home, 65534, 65534)
    senv = dict(env, DBUS_SYSTEM_BUS_ADDRESS=bus_address)
    p = subprocess.Popen([ACRND, "--system", "--acrn-dm", FAKE_DM, "--state-dir",
                          os.path.join(sysdir, "state"), "--runtime-dir",
                          os.path.join(sysdir, "run"), "--libvirt-dir", sysdir], env=senv,
                         stderr=open(os.path.join(tmp, "acrnd.log"), "a"))
    procs.append(p)
    rw, ro = os.path.join(sysdir, "virtacrnd-sock"), os.path.join(sysdir, "virtacrnd-sock-ro")
    wait_for(lambda: os.path.exists(ro), "the read-only socket")
    check(os.stat(rw).st_mode & 0o777 == 0o600 and os.stat(ro).st_mode & 0o777 == 0o666,
          "socket modes: read-write 0600, read-only 0666")
    root = ["virsh", "-q", "-c", f"acrn+unix:///system?socket={rw}"]
    with open(os.path.join(tmp, "vm5.xml"), "w") as f:
        f.write(vm_xml("vm5"))
    run(*root, "define", os.path.join(tmp, "vm5.xml"))
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env",
              f"HOME={home}", f"XDG_RUNTIME_DIR={home}", f"XDG_CACHE_HOME={home}",
              f"XDG_CONFIG_HOME={home}", "virsh", "-q"]
    p = run(*nobody, "-r", "-c", f"acrn+unix:///system?socket={ro}", "list", "--all", "--name")
    check(p.stdout.split() == ["vm5"], f"nobody lists through the read-only socket: {p.stdout}")
    p = run(*nobody, "-c", f"acrn+unix:///system?socket={ro}", "start", "vm5", ok=False)
    check(p.returncode != 0 and "forbidden" in p.stderr,
          f"nobody cannot start through the read-only socket: {p.stderr}")
    os.chmod(rw, 0o666)
    p = run(*nobody, "-c", f"acrn+unix:///system?socket={rw}", "list", ok=False)
    check(p.returncode != 0 and "uid 65534 may not use" in p.stderr,
          f"SO_PEERCRED keeps nobody off the read-write socket: {p.stderr}")
    run(*root, "start", "vm5")
    check(run(*root, "domstate", "vm5").stdout.strip() == "running", "root starts vm5")
    run(*root, "destroy", "vm5")


def main():
    def body():
        p = subprocess.Popen([ACRND, "--session", "--acrn-dm", FAKE_DM], env=env,
                             stderr=open(os.path.join(tmp, "acrnd.log"), "a"))
        procs.append(p)
        wait_for(lambda: os.path.exists(SOCK), "acrnd's libvirt socket")
        connection()
        lifecycle()
        domstats()
        hostile()
        check(p.poll() is None, "acrnd still runs")
        p.terminate()
        p.wait(10)
        check(not os.path.exists(SOCK), "acrnd removes its socket when it stops")
        if shutil.which("systemd-socket-activate"):
            activation()
        if os.geteuid() == 0 and shutil.which("setpriv"):
            system_mode(env["DBUS_SESSION_BUS_ADDRESS"])

    acrnd_session.run_on_private_bus(body, "test-virsh")


if __name__ == "__main__":
    main()
