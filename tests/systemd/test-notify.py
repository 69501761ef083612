#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""systemd-notify (suite unit): the sd_notify side of acrnd and acrn-vm-follow,
without systemd: this script plays the service manager (a NOTIFY_SOCKET of its
own, WATCHDOG_USEC/WATCHDOG_PID) on a private session bus, with
tests/unit/acrnd/fake-acrn-dm as the device model.

acrnd: STATUS= and READY=1 at start, WATCHDOG=1 at half the interval (and no
busy main loop in between), STATUS=
following VM starts and stops, no WATCHDOG_* in acrn-dm's environment, no pings
without WATCHDOG_USEC. acrn-vm-follow: READY=1 once the VM runs, SIGTERM shuts
the VM down and exits 0, a guest power-off exits 0, a crash exits 1, an
unknown VM exits 1.

usage: test-notify.py ACRND ACRN_VM_FOLLOW FAKE_ACRN_DM
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
ACRND, FOLLOW, FAKE_DM = (os.path.abspath(a) for a in sys.argv[1:4])
BUS = "org.projectacrn.Acrnd1"
MGR = "/org/projectacrn/Acrnd1"
MGR_IF = "org.projectacrn.Acrnd1.Manager"
VM_IF = "org.projectacrn.Acrnd1.VM"
failures = []


def check(cond, what):
    print(f"{'ok' if cond else 'not ok'} - {what}", flush=True)
    if not cond:
        failures.append(what)
    return cond


class Notify:
    """A NOTIFY_SOCKET: each datagram is one message of KEY=VALUE lines."""

    def __init__(self, path):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(path)
        self.msgs = []  # (monotonic time, text)

    def poll(self, timeout):
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None
        self.msgs.append((time.monotonic(), data.decode()))
        return data.decode()

    def wait(self, want, timeout=10):
        """Until a message containing the line @want arrives; True if it did."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            m = self.poll(max(end - time.monotonic(), 0.01))
            if m is not None and want in m.split("\n"):
                return True
        return False

    def drain(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            self.poll(max(end - time.monotonic(), 0.01))


def busctl(*args, ok=True):
    p = subprocess.run(["busctl", "--user", *args], capture_output=True, text=True, env=env)
    if ok and p.returncode != 0:
        raise RuntimeError(f"busctl {' '.join(args)}: {p.stderr.strip()}")
    return p


def state(vm):
    return busctl("get-property", BUS, f"{MGR}/vm/{vm}", VM_IF, "State").stdout.split()[-1]


def wait_state(vm, want, timeout=10):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if state(vm) == f'"{want}"':
            return True
        time.sleep(0.05)
    return False


def vm_xml(name, extra=""):
    return (f"<domain type='acrn'><name>{name}</name><memory unit='MiB'>64</memory>"
            f"<vcpu>1</vcpu><os><type>hvm</type><kernel>{FAKE_DM}</kernel>"
            f"<cmdline>console=ttyS0 {extra}</cmdline></os><on_crash>destroy</on_crash>"
            f"<devices><serial type='file'><source path='{tmp}/{name}.console'/></serial>"
            f"</devices></domain>")


def cpu_seconds(pid):
    """User plus system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_acrnd(notify, watchdog_usec):
    e = dict(env, NOTIFY_SOCKET=notify.path)
    if watchdog_usec:
        e["WATCHDOG_USEC"] = str(watchdog_usec)
    # WATCHDOG_PID must be acrnd's own pid: the shell execs acrnd in its place.
    return subprocess.Popen(
        ["sh", "-c", 'WATCHDOG_PID=$$ exec "$@"', "sh", ACRND, "--session", "--acrn-dm",
         FAKE_DM, "--state-dir", f"{tmp}/state", "--runtime-dir", f"{tmp}/run"],
        env=e if watchdog_usec else {k: v for k, v in e.items() if k != "WATCHDOG_PID"},
        stderr=open(f"{tmp}/acrnd.log", "a"))


def test_acrnd():
    notify = Notify(f"{tmp}/notify-acrnd")
    acrnd = start_acrnd(notify, 400000)
    procs.append(acrnd)
    check(notify.wait("READY=1"), "acrnd: READY=1")
    check(any("STATUS=0 VMs, 0 running" in m for _, m in notify.msgs),
          "acrnd: STATUS=0 VMs, 0 running before READY=1")
    notify.msgs.clear()
    notify.drain(1.2)
    pings = [t for t, m in notify.msgs if "WATCHDOG=1" in m.split("\n")]
    gaps = [b - a for a, b in zip(pings, pings[1:])]
    check(len(pings) >= 4 and max(gaps) < 0.35,
          f"acrnd: WATCHDOG=1 every ~0.2 s at WatchdogSec=0.4 s ({len(pings)} in 1.2 s, "
          f"gaps {[round(g, 2) for g in gaps]})")
    cpu = cpu_seconds(acrnd.pid)
    notify.drain(1.0)
    cpu = cpu_seconds(acrnd.pid) - cpu
    check(cpu < 0.1, f"acrnd: idle between pings ({cpu:.2f} s CPU in 1 s)")

    busctl("call", BUS, MGR, MGR_IF, "DefineVM", "s", vm_xml("n1"))
    check(notify.wait("STATUS=1 VM, 0 running"), "acrnd: STATUS after DefineVM")
    busctl("call", BUS, f"{MGR}/vm/n1", VM_IF, "Start")
    check(notify.wait("STATUS=1 VM, 1 running"), "acrnd: STATUS after Start")
    pid = busctl("get-property", BUS, f"{MGR}/vm/n1", VM_IF, "PID").stdout.split()[-1]
    with open(f"/proc/{pid}/environ", "rb") as f:
        dm_env = f.read().split(b"\0")
    check(not any(v.startswith(b"WATCHDOG_") for v in dm_env),
          "acrnd: acrn-dm does not inherit WATCHDOG_USEC/WATCHDOG_PID")
    busctl("call", BUS, f"{MGR}/vm/n1", VM_IF, "Destroy")
    check(notify.wait("STATUS=1 VM, 0 running"), "acrnd: STATUS after Destroy")
    busctl("call", BUS, MGR, MGR_IF, "UndefineVM", "s", "n1")
    check(notify.wait("STATUS=0 VMs, 0 running"), "acrnd: STATUS after UndefineVM")
    acrnd.send_signal(signal.SIGTERM)
    check(notify.wait("STOPPING=1") and acrnd.wait(10) == 0, "acrnd: STOPPING=1, exit 0")

    notify = Notify(f"{tmp}/notify-acrnd2")
    acrnd = start_acrnd(notify, 0)
    procs.append(acrnd)
    check(notify.wait("READY=1"), "acrnd without a watchdog: READY=1")
    notify.drain(0.5)
    check(not any("WATCHDOG=1" in m for _, m in notify.msgs),
          "acrnd without WATCHDOG_USEC: no pings")


def follow(vm, notify):
    return subprocess.Popen([FOLLOW, "--session", "--shutdown-timeout", "5", vm],
                            env=dict(env, NOTIFY_SOCKET=notify.path),
                            stderr=open(f"{tmp}/follow-{vm}.log", "a"))


def test_follow():
    for name, extra in (("f1", ""), ("f2", "fake.crash_ms=300")):
        busctl("call", BUS, MGR, MGR_IF, "DefineVM", "s", vm_xml(name, extra))

    notify = Notify(f"{tmp}/notify-f1")
    p = follow("f1", notify)
    check(notify.wait("READY=1", 20), "follow: READY=1")
    check(state("f1") == '"running"', "follow: the VM runs when READY=1 arrives")
    time.sleep(0.3)
    check(p.poll() is None, "follow: stays while the VM runs")
    p.send_signal(signal.SIGTERM)
    check(p.wait(20) == 0, "follow: SIGTERM shuts the VM down, exit 0")
    check(state("f1") == '"shutoff"', "follow: the VM is off when it exits")
    notify.drain(0.1)
    check(any("STOPPING=1" in m.split("\n") for _, m in notify.msgs), "follow: STOPPING=1")

    # Adopt a running VM, then the guest powers off by itself (the power button here).
    busctl("call", BUS, f"{MGR}/vm/f1", VM_IF, "Start")
    notify = Notify(f"{tmp}/notify-f1b")
    p = follow("f1", notify)
    check(notify.wait("READY=1", 20), "follow: adopts a running VM")
    busctl("call", BUS, f"{MGR}/vm/f1", VM_IF, "Shutdown", "u", "0")
    check(p.wait(20) == 0, "follow: the guest's power-off ends it with 0")

    notify = Notify(f"{tmp}/notify-f2")
    p = follow("f2", notify)
    check(p.wait(20) == 1 and wait_state("f2", "crashed"), "follow: a crash ends it with 1")

    p = follow("nosuch", notify)
    check(p.wait(20) == 1, "follow: an unknown VM ends it with 1")
    with open(f"{tmp}/follow-nosuch.log") as f:
        log = f.read()
    check("nosuch" in log, f"follow: says which VM is unknown: {log.strip()}")


def cleanup(bus_pid):
    """acrnd, the acrn-dm processes it left (their own sessions), the bus."""
    for p in procs:
        if p.poll() is None and p.args[0] != "sh":
            p.kill()
    for name in ("n1", "f1", "f2"):
        p = busctl("get-property", BUS, f"{MGR}/vm/{name}", VM_IF, "PID", ok=False)
        pid = int(p.stdout.split()[-1]) if p.returncode == 0 else 0
        if pid:
            os.kill(pid, signal.SIGKILL)
    for p in procs:
        p.kill()
        p.wait()
    os.kill(bus_pid, signal.SIGTERM)


def main():
    global tmp, env, procs
    tmp = tempfile.mkdtemp(prefix="acrnd-notify-")
    procs = []
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("NOTIFY_", "WATCHDOG_", "DBUS_"))}
    out = subprocess.run(["dbus-daemon", "--session", f"--address=unix:path={tmp}/bus",
                          "--print-address=1", "--print-pid=1", "--fork"],
                         capture_output=True, text=True, check=True).stdout.split()
    env["DBUS_SESSION_BUS_ADDRESS"], bus_pid = out[0], int(out[1])
    try:
        test_acrnd()  # leaves an acrnd without a watchdog running
        test_follow()
    except Exception as e:  # a broken step fails the test with its reason
        check(False, f"{type(e).__name__}: {e}")
    finally:
        cleanup(bus_pid)
    if failures:
        for name in ("acrnd.log", "follow-f1.log", "follow-f2.log"):
            path = os.path.join(tmp, name)
            if os.path.exists(path):
                print(f"--- {name} ---\n{open(path).read()}")
        print(f"FAIL: {len(failures)} checks")
        return 1
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
