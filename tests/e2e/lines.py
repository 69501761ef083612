# SPDX-License-Identifier: BSD-3-Clause
"""Console and log lines collected from a stream by a thread, for the e2e
tests (test-e2e, test-acrnd): wait for a regex with a deadline, show a tail."""

import re
import threading
import time

TAIL = 40


class Lines:
    """Lines from a stream, collected by a thread, each with its arrival time."""

    def __init__(self, prefix=""):
        self.items, self.cond, self.prefix, self.closed = [], threading.Condition(), prefix, False

    def feed(self, stream):
        def run():
            try:
                for raw in stream:
                    line = raw.decode(errors="replace").rstrip("\r\n")
                    with self.cond:
                        self.items.append((time.monotonic(), line))
                        self.cond.notify_all()
            except OSError:
                pass  # a pty whose other side went away reads EIO: the end
            with self.cond:
                self.closed = True
                self.cond.notify_all()

        threading.Thread(target=run, daemon=True).start()

    def add(self, line):
        with self.cond:
            self.items.append((time.monotonic(), line))
            self.cond.notify_all()

    def find(self, regex, start=0):
        """(index, time, match) of the first line from index start matching, or None."""
        rx = re.compile(regex)
        with self.cond:
            for i in range(start, len(self.items)):
                m = rx.search(self.items[i][1])
                if m:
                    return i, self.items[i][0], m
        return None

    def wait(self, regex, deadline, start=0, alive=lambda: True):
        while True:
            hit = self.find(regex, start)
            if hit or time.monotonic() >= deadline or not alive():
                return hit or self.find(regex, start)
            with self.cond:
                self.cond.wait(timeout=0.2)

    def tail(self, n=TAIL):
        with self.cond:
            return [l for _, l in self.items[-n:]]
