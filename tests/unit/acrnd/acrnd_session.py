# SPDX-License-Identifier: BSD-3-Clause
"""What the acrnd tests on a private session bus share: a scratch dir with its
own XDG dirs, the processes to reap, checks that count, command runners,
D-Bus error names via gdbus, a line collector and acrnd itself.

A test calls init() once, before anything else here."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

BUS = "org.projectacrn.Acrnd1"
MGR = "/org/projectacrn/Acrnd1"
MGR_IF = "org.projectacrn.Acrnd1.Manager"
VM_IF = "org.projectacrn.Acrnd1.VM"
ERR = "org.projectacrn.Acrnd1.Error."

tmp = None
env = {}
procs = []
_checks = 0


def init(prefix):
    """A fresh scratch dir; returns (tmp, env, procs), shared with this module."""
    global tmp
    tmp = tempfile.mkdtemp(prefix=prefix)
    env.update(os.environ, XDG_RUNTIME_DIR=os.path.join(tmp, "run"),
               XDG_DATA_HOME=os.path.join(tmp, "data"))
    os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
    return tmp, env, procs


def checks():
    return _checks


def check(cond, what):
    global _checks
    _checks += 1
    if not cond:
        raise AssertionError(what)


def wait_for(pred, what, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def run(*args, ok=True, extra_env=None, timeout=60):
    p = subprocess.run(list(args), env=dict(env, **(extra_env or {})), capture_output=True,
                       text=True, timeout=timeout)
    if ok and p.returncode != 0:
        raise AssertionError(f"{args} failed ({p.returncode}): {p.stderr.strip()}")
    return p


def busctl(*args, ok=True):
    return run("busctl", "--user", "--json=short", *args, ok=ok)


def gdbus_error(path, iface, method, *args):
    """Call with gdbus and return the D-Bus error name (gdbus prints it) and message."""
    p = run("gdbus", "call", "--session", "--dest", BUS, "--object-path", path,
            "--method", f"{iface}.{method}", *args, ok=False)
    check(p.returncode != 0, f"{method}{args} should fail")
    msg = p.stderr.strip()
    name = msg.split("GDBus.Error:", 1)[1].split(":", 1)[0] if "GDBus.Error:" in msg else msg
    return name, msg


def prop(path, name):
    return json.loads(busctl("get-property", BUS, path, VM_IF, name).stdout)["data"]


class Lines:
    """Collect a child's stdout lines in a thread."""

    def __init__(self, args):
        self.p = subprocess.Popen(args, env=env, stdout=subprocess.PIPE, text=True)
        procs.append(self.p)
        self.lines = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait(self, *needles, timeout=10.0):
        """The first line holding all @needles."""
        return self.lines[self.wait_index(*needles, timeout=timeout) - 1]

    def wait_index(self, *needles, after=0, timeout=10.0):
        """Wait for a line at or after index @after holding all @needles; the index after it."""
        try:
            return wait_for(lambda: next((i + 1 for i, l in enumerate(self.lines)
                                          if i >= after and all(n in l for n in needles)),
                                         None),
                            " ".join(needles), timeout)
        except AssertionError:
            print("\n".join(["last lines seen:"] + self.lines[-20:]), file=sys.stderr)
            raise


def start_acrnd(acrnd, acrn_dm):
    """acrnd --session with @acrn_dm, its stderr appended to tmp/acrnd.log; once on the bus."""
    p = subprocess.Popen([acrnd, "--session", "--acrn-dm", acrn_dm], env=env,
                         stderr=open(os.path.join(tmp, "acrnd.log"), "a"))
    procs.append(p)
    wait_for(lambda: busctl("call", BUS, MGR, MGR_IF, "ListVMs", ok=False).returncode == 0,
             "acrnd on the bus")
    return p


def run_on_private_bus(body, name):
    """body() on a private session bus; on failure acrnd's log goes to stderr.
    Then every process is reaped (fake acrn-dm ones by their runtime records),
    the bus stops and the scratch dir goes; "NAME: N checks passed"."""
    out = subprocess.run(["dbus-daemon", "--session", "--print-address=1", "--print-pid=1",
                          "--fork"], capture_output=True, text=True, check=True).stdout.split()
    env["DBUS_SESSION_BUS_ADDRESS"], bus_pid = out[0], int(out[1])
    try:
        body()
    except BaseException:
        log = os.path.join(tmp, "acrnd.log")
        if os.path.exists(log):
            print("acrnd's log:\n" + open(log).read(), file=sys.stderr)
        raise
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
        # Fake acrn-dm processes left by a failure: their pids are in the runtime records.
        rundir = os.path.join(env["XDG_RUNTIME_DIR"], "acrnd")
        for f in os.listdir(rundir) if os.path.isdir(rundir) else []:
            if f.endswith(".run"):
                try:
                    os.kill(json.load(open(os.path.join(rundir, f)))["pid"], signal.SIGKILL)
                except (OSError, ValueError, KeyError):
                    pass
        os.kill(bus_pid, signal.SIGTERM)
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{name}: {checks()} checks passed")
