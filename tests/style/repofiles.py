# SPDX-License-Identifier: BSD-3-Clause
"""The source files the style checks look at.

In a git checkout: tracked files plus untracked ones that are not ignored (so
new files are checked before they are added). Otherwise: a walk of the tree.
Either way, meson build directories and .git are left out.
"""

import os
import subprocess


def _is_build_dir(path):
    return os.path.isdir(os.path.join(path, "meson-private")) or os.path.isfile(
        os.path.join(path, "build.ninja"))


def list_files(root):
    """Repository-relative paths of the source files under root, sorted."""
    root = os.path.abspath(root)
    paths = None
    try:
        r = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], capture_output=True, check=False)
        if r.returncode == 0:
            paths = [p for p in r.stdout.decode("utf-8", "replace").split("\0") if p]
    except OSError:
        pass
    if paths is None:
        paths = []
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if d != ".git"
                                 and not _is_build_dir(os.path.join(dirpath, d)))
            rel = os.path.relpath(dirpath, root)
            paths += [os.path.normpath(os.path.join(rel, f)) for f in filenames]
    build_dirs = {}
    out = []
    for p in paths:
        top = p.split("/", 1)[0]
        if top == ".git":
            continue
        if "/" in p:
            if top not in build_dirs:
                build_dirs[top] = _is_build_dir(os.path.join(root, top))
            if build_dirs[top]:
                continue
        if os.path.isfile(os.path.join(root, p)):  # skip deleted, keep symlinks to files
            out.append(p)
    return sorted(set(out))
