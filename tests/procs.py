"""Processes seen through /proc, for tests that kill them and check none is left behind.

A pid can be reused, so a process is named by (pid, start time) and "alive" means that
same process still runs and is not a zombie.
"""

from __future__ import annotations

import contextlib
from pathlib import Path


def stat(pid: int) -> tuple[str, int, str] | None:
    """(state, parent pid, start time) of a process; None once it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[1]), fields[19]


def alive(pid: int, started: str) -> bool:
    """The process that had this start time still runs (a reused pid is another process)."""
    st = stat(pid)
    return st is not None and st[2] == started and st[0] != "Z"


def children(parent: int) -> dict[int, str]:
    """Live (not zombie) children of `parent`: pid -> start time."""
    found = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            st = stat(int(entry.name))
            if st is not None and st[1] == parent and st[0] != "Z":
                found[int(entry.name)] = st[2]
    return found


def pool_workers(parent: int) -> dict[int, str]:
    """Live forked pool workers of `parent` (children with its command line): pid -> start."""
    try:
        cmdline = Path(f"/proc/{parent}/cmdline").read_bytes()
    except FileNotFoundError:
        return {}
    found = {}
    for pid, started in children(parent).items():
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            if Path(f"/proc/{pid}/cmdline").read_bytes() == cmdline:
                found[pid] = started
    return found
