# SPDX-License-Identifier: BSD-3-Clause
"""The two libvirt servers the client harnesses run against, both private.

PrivateLibvirtd  Debian's libvirtd in session mode with every directory (config,
                 runtime, cache, data, home) under one temporary directory, so
                 nothing of the host's libvirt state is read or written. Run as
                 root, it drops to `nobody` (libvirtd is "session" only when
                 unprivileged); the clients connect as they are, through
                 qemu+unix:///session?socket=<its socket>.
AcrndSession     acrnd --session on its own dbus-daemon with private XDG
                 directories and an acrn-dm (the fake one in unit tests); its
                 libvirt socket is $XDG_RUNTIME_DIR/libvirt/virtacrnd-sock
                 (issue 5), reached through acrn+unix:///session?socket=...

Both clean up what they started: domains destroyed, daemons stopped, and what
the daemons left (QEMU and acrn-dm daemonize away from their parent) ended by
PID: each daemon runs under a small subreaper wrapper (REAPER) that reaps its
orphans as they exit and ends those still there when the daemon has gone.

Only the standard library: the bench runs it under any python3.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

NOBODY = 65534
ACRND_BUS = "org.projectacrn.Acrnd1"
ACRND_MGR = "/org/projectacrn/Acrnd1"
ACRND_MGR_IF = "org.projectacrn.Acrnd1.Manager"
NOT_SERVED = "acrnd does not serve libvirt's protocol yet"


class StackError(Exception):
    pass


# Runs a daemon as its child, as the child subreaper of the daemon's subtree: it reaps
# the daemon's orphans (QEMU and acrn-dm daemonize) as they exit, so nobody waits on
# a zombie; forwards SIGTERM/SIGINT; once the daemon is gone, ends the orphans left
# (SIGTERM, then SIGKILL after 5 s) and exits with the daemon's status.
REAPER = r"""
import ctypes, os, signal, sys, time
ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
signal.signal(signal.SIGTERM, lambda s, f: os.kill(pid, s))
signal.signal(signal.SIGINT, lambda s, f: os.kill(pid, s))
status = 0
while True:
    try:
        got, st = os.waitpid(-1, 0)
    except ChildProcessError:
        break
    if got == pid:
        status = os.waitstatus_to_exitcode(st)
        break
left = set()
for sig in (signal.SIGTERM, signal.SIGKILL):
    for e in os.listdir("/proc"):
        try:
            stat = open(f"/proc/{e}/stat").read() if e.isdigit() else ""
        except OSError:
            continue
        if stat and int(stat[stat.rindex(")") + 2:].split()[1]) == os.getpid():
            left.add(int(e))
            os.kill(int(e), sig)
    end = time.monotonic() + 5
    while left and time.monotonic() < end:
        try:
            got, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            left.clear()
            break
        left.discard(got)
        time.sleep(0.05 if not got else 0)
    if not left:
        break
sys.exit(status if status >= 0 else 128 - status)
"""


def reaped(cmd):
    """cmd run under the REAPER wrapper (for Popen)."""
    return [sys.executable, "-c", REAPER, *cmd]


def stop_process(proc, timeout=15):
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


class PrivateLibvirtd:
    """libvirtd (session mode, QEMU driver) in a temporary directory."""

    def __init__(self, tmp=None):
        self.dir = tempfile.mkdtemp(prefix="lv", dir=tmp)  # short: socket paths
        os.chmod(self.dir, 0o755)  # nobody walks into it
        self.drop = os.geteuid() == 0
        sub = {k: os.path.join(self.dir, k) for k in ("home", "run", "config", "cache", "data",
                                                      "img")}
        for path in sub.values():
            os.makedirs(path, mode=0o700 if path.endswith("run") else 0o755)
        # QEMU's stdio to a log file: no virtlogd to spawn (and to clean up).
        os.makedirs(os.path.join(sub["config"], "libvirt"))
        with open(os.path.join(sub["config"], "libvirt", "qemu.conf"), "w") as f:
            f.write('stdio_handler = "file"\n')
        if self.drop:
            path = os.path.dirname(self.dir)
            while path != "/":  # nobody must reach its directories
                if not os.stat(path).st_mode & 0o001:
                    raise StackError(f"{path} is not searchable by others: libvirtd runs as "
                                     f"nobody below it (set TMPDIR elsewhere)")
                path = os.path.dirname(path)
            for root, dirs, files in os.walk(self.dir):
                for name in dirs + files:
                    os.chown(os.path.join(root, name), NOBODY, NOBODY)
        self.env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": sub["home"],
                    "XDG_RUNTIME_DIR": sub["run"], "XDG_CONFIG_HOME": sub["config"],
                    "XDG_CACHE_HOME": sub["cache"], "XDG_DATA_HOME": sub["data"],
                    "LANG": "C.UTF-8"}
        self.img = sub["img"]
        self.socket = os.path.join(sub["run"], "libvirt", "libvirt-sock")
        self.uri = f"qemu+unix:///session?socket={self.socket}"
        self.log = os.path.join(self.dir, "libvirtd.log")
        self.proc = None

    def start(self, timeout=30):
        libvirtd = shutil.which("libvirtd", path="/usr/sbin:/usr/bin")
        if not libvirtd:
            raise StackError("libvirtd not found (Debian package libvirt-daemon)")
        cmd = [libvirtd]
        if self.drop:
            cmd = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] + cmd
        with open(self.log, "w") as f:
            self.proc = subprocess.Popen(reaped(cmd), env=self.env, cwd=self.dir,
                                         stdin=subprocess.DEVNULL, stdout=f, stderr=f)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise StackError(f"libvirtd exited with status {self.proc.returncode}: "
                                 f"{self.tail()}")
            if os.path.exists(self.socket) and self.virsh("uri", ok=False).returncode == 0:
                return self
            time.sleep(0.1)
        raise StackError(f"libvirtd did not answer on {self.socket} within {timeout} s")

    def tail(self, n=2000):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return "(no log)"

    def virsh(self, *args, ok=True, timeout=60):
        p = subprocess.run(["virsh", "-q", "-c", self.uri, *args], capture_output=True,
                           text=True, timeout=timeout)
        if ok and p.returncode != 0:
            raise StackError(f"virsh {' '.join(args)}: {p.stderr.strip()}")
        return p

    def guest_files(self, linux_dir):
        """Debian's kernel and the test initramfs, copied where nobody reads them."""
        out = []
        for name in ("vmlinuz", "initramfs.cpio.gz"):
            dst = os.path.join(self.img, name)
            if not os.path.exists(dst):
                shutil.copyfile(os.path.join(linux_dir, name), dst)
                os.chmod(dst, 0o644)
            out.append(dst)
        return out

    def domain_xml(self, name, kernel, initrd, cmdline="console=ttyS0 acrn.test=serve",
                   mem_mib=128):
        """A small TCG guest: the kernel booted directly, a pty serial console."""
        return (f"<domain type='qemu'><name>{name}</name>"
                f"<memory unit='MiB'>{mem_mib}</memory><vcpu>1</vcpu>"
                f"<os><type arch='x86_64' machine='pc'>hvm</type><kernel>{kernel}</kernel>"
                f"<initrd>{initrd}</initrd><cmdline>{cmdline}</cmdline></os>"
                "<features><acpi/></features>"
                "<cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model></cpu>"
                "<on_poweroff>destroy</on_poweroff><on_crash>destroy</on_crash>"
                "<devices><emulator>/usr/bin/qemu-system-x86_64</emulator>"
                "<serial type='pty'/><console type='pty'/><memballoon model='none'/>"
                "</devices></domain>")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            p = self.virsh("list", "--name", ok=False, timeout=20)
            for name in p.stdout.split() if p.returncode == 0 else []:
                self.virsh("destroy", name, ok=False, timeout=20)
        stop_process(self.proc)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class AcrndSession:
    """acrnd --session on a private dbus-daemon, its directories under one tmp dir."""

    def __init__(self, build, acrn_dm=None, tmp=None):
        self.build = build
        self.acrnd_exe = os.path.join(build, "acrnd", "dbus", "acrnd")
        self.acrnctl = os.path.join(build, "clients", "acrnctl", "acrnctl")
        self.acrn_dm = acrn_dm or os.path.join(build, "tests", "unit", "acrnd", "fake-acrn-dm")
        self.dir = tempfile.mkdtemp(prefix="ad", dir=tmp)  # short: socket paths
        run = os.path.join(self.dir, "run")
        os.makedirs(run, mode=0o700)
        self.env = dict(os.environ, XDG_RUNTIME_DIR=run,
                        XDG_DATA_HOME=os.path.join(self.dir, "data"),
                        XDG_CONFIG_HOME=os.path.join(self.dir, "config"))
        self.socket = os.path.join(run, "libvirt", "virtacrnd-sock")
        self.uri = f"acrn+unix:///session?socket={self.socket}"
        self.log = os.path.join(self.dir, "acrnd.log")
        self.proc = self.bus = None

    def missing(self):
        """Why this stack cannot run here, or None."""
        for path in (self.acrnd_exe, self.acrn_dm):
            if not os.access(path, os.X_OK):
                return f"{path} is not built"
        for tool in ("dbus-daemon", "busctl"):
            if not shutil.which(tool):
                return f"{tool} not found"
        return None

    def busctl(self, *args, ok=True, timeout=30):
        p = subprocess.run(["busctl", "--user", *args], env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        if ok and p.returncode != 0:
            raise StackError(f"busctl {' '.join(args)[:120]}: {p.stderr.strip()}")
        return p

    def start(self, timeout=20):
        self.bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork",
                                     "--print-address=1"], env=self.env,
                                    stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True,
                                    stderr=open(os.path.join(self.dir, "bus.log"), "w"))
        self.env["DBUS_SESSION_BUS_ADDRESS"] = self.bus.stdout.readline().strip()
        if not self.env["DBUS_SESSION_BUS_ADDRESS"]:
            raise StackError(f"dbus-daemon did not start (status {self.bus.wait()})")
        with open(self.log, "w") as f:
            # ACRND_WRAPPER="valgrind --log-file=..." runs acrnd under a checker.
            wrapper = os.environ.get("ACRND_WRAPPER", "").split()
            self.proc = subprocess.Popen(reaped(wrapper + [self.acrnd_exe, "--session",
                                                           "--acrn-dm", self.acrn_dm]),
                                         env=self.env,
                                         stdin=subprocess.DEVNULL, stdout=f, stderr=f)
        deadline = time.monotonic() + timeout
        while self.busctl("call", ACRND_BUS, ACRND_MGR, "org.freedesktop.DBus.Peer", "Ping",
                          ok=False).returncode != 0:
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise StackError(f"acrnd did not come up on its bus: {self.tail()}")
            time.sleep(0.1)
        return self

    def serves_libvirt(self, timeout=3.0):
        """Whether acrnd listens on its libvirt socket (it binds it at start-up)."""
        deadline = time.monotonic() + timeout
        while not os.path.exists(self.socket):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.1)
        return True

    def not_served(self):
        return f"{NOT_SERVED} (no socket {self.socket})"

    def define(self, xml):
        self.busctl("call", ACRND_BUS, ACRND_MGR, ACRND_MGR_IF, "DefineVM", "s", xml)

    def domain_xml(self, name, cmdline="console=ttyS0", mem_mib=64):
        """A VM for the fake acrn-dm (its 'kernel' only has to exist), pty console."""
        return (f"<domain type='acrn'><name>{name}</name><memory unit='MiB'>{mem_mib}</memory>"
                f"<vcpu>1</vcpu><os><type>hvm</type><kernel>{self.acrn_dm}</kernel>"
                f"<cmdline>{cmdline}</cmdline></os><on_crash>destroy</on_crash>"
                "<devices><serial type='pty'/></devices></domain>")

    def tail(self, n=2000):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()[-n:]
        except OSError:
            return "(no log)"

    def cleanup(self):
        stop_process(self.proc, timeout=20)
        stop_process(self.bus)
        shutil.rmtree(self.dir, ignore_errors=True)
