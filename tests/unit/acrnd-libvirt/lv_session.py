# SPDX-License-Identifier: BSD-3-Clause
"""What the libvirt tests of acrnd share, on top of acrnd_session: stock virsh
pointed at acrnd --session's socket, and raw libvirt packets for what virsh
cannot send (hostile input, streams at the protocol level).

init() first: it makes the scratch dir (acrnd_session.init) and sets SOCK and URI.
"""

import os
import socket
import struct

import acrnd_session
from acrnd_session import check, run

REMOTE, KEEPALIVE = 0x20008086, 0x6B656570  # libvirt's program numbers
SOCK = URI = None


def init(prefix):
    """acrnd_session.init(prefix), a C locale and acrnd's URI; returns (tmp, env, procs)."""
    global SOCK, URI
    tmp, env, procs = acrnd_session.init(prefix)
    env["LC_ALL"] = "C"
    env.pop("LIBVIRT_DEFAULT_URI", None)
    SOCK = os.path.join(env["XDG_RUNTIME_DIR"], "libvirt", "virtacrnd-sock")
    # libvirt sends root's acrn:///session to the system socket: name ours explicitly.
    URI = f"acrn+unix:///session?socket={SOCK}" if os.geteuid() == 0 else "acrn:///session"
    return tmp, env, procs


def virsh(*args, ok=True, ro=False):
    return run("virsh", "-q", "-c", URI, *(["-r"] if ro else []), *args, ok=ok, timeout=30)


def virsh_fails(*args, ro=False):
    """virsh's error message for a command that must fail."""
    p = virsh(*args, ok=False, ro=ro)
    check(p.returncode != 0, f"virsh {args} should fail")
    return p.stderr.strip()


def packet(proc, serial, payload=b"", ptype=0, status=0, prog=REMOTE):
    """One packet: length word, header (program, version 1, procedure, type, serial,
    status), payload."""
    body = struct.pack(">IIiiIi", prog, 1, proc, ptype, serial, status) + payload
    return struct.pack(">I", len(body) + 4) + body


def string(text):
    """An XDR string: length, bytes, padding to 4."""
    b = text.encode()
    return struct.pack(">I", len(b)) + b + b"\0" * (-len(b) % 4)


def read_packet(s):
    """(header tuple, payload) of the next packet; None if the server closed."""
    data = b""
    while len(data) < 4:
        chunk = s.recv(4 - len(data))
        if not chunk:
            return None
        data += chunk
    n = struct.unpack(">I", data)[0]
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return struct.unpack(">IIiiIi", data[4:28]), data[28:]


def closed(s):
    """Whether the server closed the connection (within 0.2 s)."""
    s.settimeout(0.2)
    try:
        return s.recv(100) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def raw_connection():
    """A bare connection to acrnd's read-write socket, nothing sent."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(SOCK)
    return s
