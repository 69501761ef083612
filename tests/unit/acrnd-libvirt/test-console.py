#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The serial console over libvirt streams: stock `virsh console` (under a
pty, as it needs a terminal) against acrnd --session with the fake acrn-dm,
whose pty guest prints a boot line and echoes input as "echo:...". Then the
stream at the protocol level with raw packets: data both ways, finish, abort,
and bad stream packets.

usage: test-console.py ACRND FAKE_ACRN_DM ACRND_TEST_DIR
"""

import os
import pty
import select
import struct
import subprocess
import sys
import time
import uuid as uuidlib

ACRND, FAKE_DM, LIBDIR = (os.path.abspath(a) for a in sys.argv[1:4])
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, LIBDIR)
import acrnd_session  # noqa: E402
from acrnd_session import check, wait_for  # noqa: E402

import lv_session  # noqa: E402

OPEN_CONSOLE = 201
tmp, env, procs = lv_session.init("acrnd-console-")
from lv_session import (SOCK, URI, closed, packet, raw_connection, read_packet, string,  # noqa: E402
                        virsh)
LOG = os.path.join(tmp, "acrnd.log")


class Console:
    """`virsh console` on a pty of its own; its output collected."""

    def __init__(self, *args):
        self.master, slave = pty.openpty()
        self.p = subprocess.Popen(["virsh", "-c", URI, "console", *args], env=env, stdin=slave,
                                  stdout=slave, stderr=slave, start_new_session=True)
        procs.append(self.p)
        os.close(slave)
        self.out = b""

    def _read(self, timeout):
        r, _, _ = select.select([self.master], [], [], timeout)
        if r:
            try:
                self.out += os.read(self.master, 4096)
            except OSError:  # EIO: virsh exited and closed the pty
                return False
        return True

    def wait(self, needle, timeout=10.0):
        end = time.monotonic() + timeout
        while needle.encode() not in self.out and time.monotonic() < end:
            if not self._read(0.1) and needle.encode() not in self.out:
                break
        if needle.encode() not in self.out:
            raise AssertionError(f"virsh console never showed {needle!r}: {self.out!r}")

    def type(self, data):
        os.write(self.master, data)

    def exit_status(self, timeout=10.0):
        end = time.monotonic() + timeout
        while self.p.poll() is None and time.monotonic() < end:
            self._read(0.1)
        while self._read(0):  # the rest of its output
            if not select.select([self.master], [], [], 0)[0]:
                break
        return self.p.poll()

    def close(self):
        os.close(self.master)


def vm_xml(name, serial="pty", cmdline=""):
    dev = {"pty": "<serial type='pty'><target port='0'/></serial>",
           "file": f"<serial type='file'><source path='{tmp}/{name}.console'/></serial>",
           "two": "<serial type='pty'><target port='0'/></serial>"
                  "<serial type='pty'><target port='1'/></serial>"}[serial]
    return (f"<domain type='acrn'><name>{name}</name><memory unit='MiB'>64</memory>"
            f"<vcpu>1</vcpu><os><type>hvm</type><kernel>{FAKE_DM}</kernel>"
            f"<cmdline>console=ttyS0 {cmdline}</cmdline></os><devices>{dev}</devices></domain>")


def define(name, serial="pty", cmdline=""):
    path = os.path.join(tmp, name + ".xml")
    with open(path, "w") as f:
        f.write(vm_xml(name, serial, cmdline))
    virsh("define", path)


def with_virsh():
    define("vm1")
    virsh("start", "vm1")
    c = Console("vm1")
    c.wait("Escape character is ^]")
    c.wait("fake guest vm1: booted")
    c.type(b"hello console\r")
    c.wait("echo:hello console")

    # One console per VM: a second one is refused.
    second = Console("vm1")
    check(second.exit_status() == 1, "a second console without --force fails")
    check(b"Active console session exists for domain 'vm1'" in second.out,
          f"the refusal says why: {second.out!r}")
    second.close()
    c.type(b"still here\r")
    c.wait("echo:still here")

    # Ctrl-] ends virsh console cleanly, and frees the console for the next one.
    c.type(b"\x1d")
    check(c.exit_status() == 0, f"Ctrl-] ends virsh console with status 0: {c.out!r}")
    check(b"error" not in c.out.lower(), f"no error on Ctrl-]: {c.out!r}")
    c.close()

    a = Console("vm1")
    a.wait("Escape character is ^]")
    b = Console("vm1", "--force")
    b.wait("Escape character is ^]")
    check(a.exit_status() is not None, "--force ends the first console")
    b.type(b"forced\r")
    b.wait("echo:forced")
    check(b"echo:forced" not in a.out, "only the forcing console gets the echo")
    a.close()

    # The VM stopping ends the console: virsh leaves by itself.
    virsh("destroy", "vm1")
    check(b.exit_status() is not None, f"virsh console leaves when the VM stops: {b.out!r}")
    b.close()

    # Refusals: a shut-off VM, a VM without a pty console.
    p = virsh("console", "vm1", ok=False)
    check(p.returncode != 0 and "not running" in p.stderr, f"console of a shut-off VM: {p.stderr}")
    define("vm2", serial="file")
    virsh("start", "vm2")
    c = Console("vm2")
    check(c.exit_status() == 1 and b"has no pty console" in c.out,
          f"console of a VM without a pty: {c.out!r}")
    c.close()
    c = Console("vm2", "--devname", "serial0")
    check(c.exit_status() == 1 and b"character device serial0 of domain 'vm2' is not a pty"
          in c.out, f"--devname of a file serial port: {c.out!r}")
    c.close()
    virsh("destroy", "vm2")

    # Two pty serial ports: --devname serialN picks one (libvirt's aliases), and each
    # device has a session of its own.
    define("vm3", serial="two")
    virsh("start", "vm3")
    com2 = Console("vm3", "--devname", "serial1")
    com2.wait("fake guest vm3: booted")
    com2.wait(", com2")
    com1 = Console("vm3")
    com1.wait(", com1")
    check(com2.p.poll() is None, "console0 opens while serial1 has a session")
    com2.type(b"on two\r")
    com2.wait("echo:on two")
    check(b"echo:on two" not in com1.out, "input on serial1 stays on com2")
    live = virsh("dumpxml", "vm3").stdout
    check(live.count("<source path='/dev/pts/") == 2 and "<alias name='serial1'/>" in live,
          f"the live XML has both ptys and their aliases: {live}")
    with open(os.path.join(tmp, "vm3-live.xml"), "w") as f:
        f.write(live)
    virsh("define", os.path.join(tmp, "vm3-live.xml"))  # the live XML defines again
    check("alias" not in virsh("dumpxml", "--inactive", "vm3").stdout,
          "aliases and ptys are not stored")
    c = Console("vm3", "--devname", "serial2")
    check(c.exit_status() == 1 and b"cannot find character device serial2" in c.out,
          f"--devname of a port the VM lacks: {c.out!r}")
    c.close()
    virsh("destroy", "vm3")
    for con in (com1, com2):
        check(con.exit_status() is not None, "the VM stopping ends both consoles")
        con.close()


def connect(flags=0):
    s = raw_connection()
    s.sendall(packet(1, 0, struct.pack(">II", 0, flags)))
    check(read_packet(s)[0][5] == 0, "CONNECT_OPEN")
    return s


def dom_arg(name):
    u = uuidlib.UUID(virsh("domuuid", name).stdout.strip()).bytes
    return string(name) + u + struct.pack(">i", 1)


def open_console(s, serial, dom, dev=None, flags=0):
    dev_arg = struct.pack(">I", 0) if dev is None else struct.pack(">I", 1) + string(dev)
    s.sendall(packet(OPEN_CONSOLE, serial, dom + dev_arg + struct.pack(">I", flags)))
    return read_packet(s)


def stream_data(s, serial):
    """The guest output the stream carries until a pause of 0.5 s."""
    out = b""
    s.settimeout(0.5)
    try:
        while True:
            hdr, body = read_packet(s)
            check(hdr[3] == 3 and hdr[4] == serial and hdr[5] == 2 and hdr[2] == OPEN_CONSOLE,
                  f"a STREAM CONTINUE packet for the console: {hdr}")
            out += body
    except TimeoutError:
        pass
    s.settimeout(5)
    return out


def raw():
    virsh("start", "vm1")
    dom = dom_arg("vm1")
    s = connect()
    hdr, _ = open_console(s, 5, dom)
    check(hdr[3] == 1 and hdr[4] == 5 and hdr[5] == 0, f"DOMAIN_OPEN_CONSOLE answered OK: {hdr}")
    check(b"fake guest vm1: booted" in stream_data(s, 5), "the boot line on the stream")
    s.sendall(packet(OPEN_CONSOLE, 5, b"ping\n", ptype=3, status=2))
    check(b"echo:ping" in stream_data(s, 5), "client data reaches the guest, its echo returns")

    # A stream packet for an unknown serial is dropped; the connection serves on.
    s.sendall(packet(OPEN_CONSOLE, 77, b"lost", ptype=3, status=2))
    s.sendall(packet(3, 6))  # GET_TYPE
    hdr, body = read_packet(s)
    check(hdr[4] == 6 and hdr[5] == 0 and b"ACRN" in body, "served after a stray stream packet")

    # Finish: confirmed with an empty OK STREAM packet; data after it is dropped.
    s.sendall(packet(OPEN_CONSOLE, 5, ptype=3, status=0))
    hdr, body = read_packet(s)
    check(hdr[3] == 3 and hdr[4] == 5 and hdr[5] == 0 and body == b"",
          f"finish confirmed: {hdr} {body!r}")
    s.sendall(packet(OPEN_CONSOLE, 5, b"late", ptype=3, status=2))
    s.sendall(packet(3, 7))
    check(read_packet(s)[0][4] == 7, "served after data past the finish")

    # Abort: answered with an error packet on the stream.
    hdr, _ = open_console(s, 8, dom, dev="console0", flags=2)  # SAFE
    check(hdr[5] == 0, "console0 with SAFE opens")
    s.sendall(packet(OPEN_CONSOLE, 8, ptype=3, status=1))
    s.settimeout(5)
    while True:
        hdr, body = read_packet(s)
        if hdr[5] != 2:
            break
    check(hdr[3] == 3 and hdr[4] == 8 and hdr[5] == 1 and b"aborted" in body,
          f"abort answered with an error: {hdr} {body!r}")

    # Refusals: an unknown device, unknown flags, a read-only connection.
    hdr, body = open_console(s, 9, dom, dev="serial7")
    check(hdr[5] == 1 and b"cannot find character device serial7" in body, "unknown device")
    hdr, body = open_console(s, 10, dom, flags=8)
    check(hdr[5] == 1 and struct.unpack(">i", body[:4])[0] == 8, "unknown flags")
    s.close()
    r = connect(flags=1)
    hdr, body = open_console(r, 1, dom)
    check(hdr[5] == 1 and struct.unpack(">i", body[:4])[0] == 29, "read-only: refused")
    r.close()

    # The connection closing ends its stream: the console is free again at once.
    s = connect()
    check(open_console(s, 1, dom)[0][5] == 0, "console opened")
    s.close()
    s = connect()
    check(wait_for(lambda: open_console(s, 2, dom)[0][5] == 0 or None, "a free console", 5),
          "a closed connection's console is free again")

    # Bad stream packets close the connection: oversized data, the wrong procedure,
    # an unknown status, a finish with data.
    cases = {
        "an oversized chunk": packet(OPEN_CONSOLE, 2, b"x" * 262124, ptype=3, status=2),
        "another procedure": packet(23, 2, b"x", ptype=3, status=2),
        "an unknown status": packet(OPEN_CONSOLE, 2, b"x", ptype=3, status=7),
        "a finish with data": packet(OPEN_CONSOLE, 2, b"x", ptype=3, status=0),
    }
    before = open(LOG).read().count("malformed packet")
    for i, (what, data) in enumerate(cases.items()):
        if i:
            s = connect()
            check(open_console(s, 2, dom)[0][5] == 0, "console opened")
        s.sendall(data)
        check(wait_for(lambda: closed(s), f"acrnd closing on {what}"), what)
        s.close()
    check(open(LOG).read().count("malformed packet") - before == len(cases),
          "each bad stream packet is logged")

    # The VM stopping: the stream's finishing packet.
    s = connect()
    check(open_console(s, 3, dom)[0][5] == 0, "console opened")
    stream_data(s, 3)
    virsh("destroy", "vm1")
    s.settimeout(10)
    hdr, body = read_packet(s)
    while hdr[5] == 2 and body:
        hdr, body = read_packet(s)
    check(hdr[3] == 3 and hdr[4] == 3 and hdr[5] == 2 and body == b"",
          f"a stopped VM ends the stream's data (an empty CONTINUE): {hdr} {body!r}")
    s.sendall(packet(OPEN_CONSOLE, 3, b"too late", ptype=3, status=2))
    s.sendall(packet(OPEN_CONSOLE, 3, ptype=3, status=0))
    hdr, body = read_packet(s)
    check(hdr[3] == 3 and hdr[4] == 3 and hdr[5] == 0 and body == b"",
          f"the client's finish is confirmed: {hdr}")

    # acrn-dm dying under the guest: the stream ends with an error naming the crash.
    define("vm3", cmdline="fake.crash_ms=1500")
    virsh("start", "vm3")
    check(open_console(s, 4, dom_arg("vm3"))[0][5] == 0, "console of vm3 opened")
    s.settimeout(10)
    hdr, body = read_packet(s)
    while hdr[5] == 2 and body:
        hdr, body = read_packet(s)
    check(hdr[3] == 3 and hdr[4] == 4 and hdr[5] == 1 and b"domain 'vm3' crashed" in body,
          f"a crash ends the stream with an error: {hdr} {body!r}")
    s.sendall(packet(OPEN_CONSOLE, 4, ptype=3, status=1))  # virsh aborts then
    hdr, body = read_packet(s)
    check(hdr[3] == 3 and hdr[4] == 4 and hdr[5] == 1, "the abort is answered")
    s.close()
    virsh("undefine", "vm3")


def main():
    def body():
        p = subprocess.Popen([ACRND, "--session", "--acrn-dm", FAKE_DM], env=env,
                             stderr=open(LOG, "a"))
        procs.append(p)
        wait_for(lambda: os.path.exists(SOCK), "acrnd's libvirt socket")
        with_virsh()
        raw()
        check(p.poll() is None, "acrnd still runs")
        check(virsh("list", "--all", "--name").stdout.split() == ["vm1", "vm2"], "virsh works")

    acrnd_session.run_on_private_bus(body, "test-console")


if __name__ == "__main__":
    main()
