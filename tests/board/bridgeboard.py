# SPDX-License-Identifier: BSD-3-Clause
"""A board with a bridge Service VM, kept up while a test or benchmark talks to
it: acrn-board run --timeout 0 in the background, its console collected, the
multiplexer's socket private to this run, stopped (and checked clean) at the end."""

import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time


class BridgeBoard:
    def __init__(self, build, scenario, smp=3, search=()):
        self.build, self.scenario, self.smp, self.search = build, scenario, smp, list(search)
        self.board = os.path.join(build, "tools", "acrn-board", "acrn-board")
        self.ctl_path = os.path.join(build, "tools", "acrn-bridge", "acrn-bridge-ctl")
        self.dir = tempfile.mkdtemp(prefix="bridge-board-")
        self.socket = os.path.join(self.dir, "bridge.sock")
        self.lines, self.lock, self.proc, self.ram_file = [], threading.Lock(), None, None

    def start(self):
        cmd = [self.board, "run", "--scenario", self.scenario, "--smp", str(self.smp),
               "--timeout", "0", "--bridge-socket", self.socket]
        for d in self.search:
            cmd += ["--search", d]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for raw in self.proc.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            with self.lock:
                self.lines.append(line)
            m = re.search(r"board RAM (\S+),", line)
            if m:
                self.ram_file = m.group(1)

    def mark(self):
        with self.lock:
            return len(self.lines)

    def wait_line(self, regex, timeout, start=0):
        """The first console line from index start matching regex, or None."""
        rx = re.compile(regex)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                for line in self.lines[start:]:
                    if rx.search(line):
                        return line
            if self.proc.poll() is not None:
                time.sleep(0.2)
                with self.lock:
                    return next((l for l in self.lines[start:] if rx.search(l)), None)
            time.sleep(0.1)
        return None

    def env(self):
        return dict(os.environ, ACRN_BRIDGE=self.socket)

    def ctl(self, *args, timeout=120):
        return subprocess.run([self.ctl_path, *args], env=self.env(), text=True,
                              capture_output=True, timeout=timeout)

    def stop(self):
        """SIGTERM acrn-board; returns its exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        return self.proc.returncode

    def console(self):
        with self.lock:
            return list(self.lines)
