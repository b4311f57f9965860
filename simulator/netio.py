"""Read a user's own follower network from an edge list or GraphML.

Edge list: one edge per line, `u v` (whitespace or comma separated), meaning
v follows u; `#` starts a comment; extra columns (weights) are ignored. Node
names may be any token. GraphML goes through networkx; a directed GraphML
edge u -> v has the same meaning. Problems raise `NetworkFileError` naming the
file and line.

Only regular files are read, and at most `MAX_FILE_BYTES` (2 GiB) of them:
a FIFO would block the run for ever on open, and a link to a device such as
/dev/zero never ends. `open_regular` and `read_bounded` enforce that; they
live here, the lowest layer that reads a user's file, so that scenario YAML
(`scenarios.source`) and session JSON (`tui.session`) use the same checks.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

import numpy as np

from simulator.config import NetworkConfig
from simulator.errors import StormdrillError
from simulator.network import Network, from_edge_arrays

MAX_FILE_BYTES = 2 * 1024**3

_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
         (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


class UnreadableFile(ValueError):
    """Why a user's file cannot be read at all: `message` and `hint`, no file name.

    Each reader turns it into its own error type (FileError, SessionError,
    NetworkFileError), which adds the file name in that type's format.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        self.message, self.hint = message, hint
        super().__init__(message)


def _size_text(n: int) -> str:
    return f"{n / 1024**3:g} GiB" if n >= 1024**3 else f"{n / 1024**2:g} MB"


def _not_regular(mode: int) -> str:
    """What a non-regular file is, in words ('' for a regular file)."""
    for test, words in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                        (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                        (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return words
    return "" if stat.S_ISREG(mode) else "not a regular file"


def check_regular(path: str | Path, cap: int) -> None:
    """Raise UnreadableFile unless `path` is a regular file of at most `cap` bytes.

    Opens nothing (opening a FIFO blocks), so `validate` can use it too.
    `os.stat` follows links, so a link to /dev/zero is seen as the device.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UnreadableFile("file not found") from None
    except OSError as exc:
        raise UnreadableFile(f"cannot read the file ({exc.strerror or exc})") from None
    what = _not_regular(info.st_mode)
    if what:
        if os.path.islink(path):
            what = f"a link to {os.path.realpath(path)}, {what}"
        raise UnreadableFile(f"is {what}, not a regular file; expected a file saved on disk",
                             "copy the content into an ordinary file and pass that")
    if info.st_size > cap:
        raise UnreadableFile(f"file is {_size_text(info.st_size)}; expected at most "
                             f"{_size_text(cap)}", "this file is far larger than any valid "
                             "one; check that the path points to the right file")


def open_regular(path: str | Path, cap: int) -> BinaryIO:
    """The file opened for reading, after checking it is a regular file of at most `cap` bytes.

    The open uses O_NONBLOCK so that even a file swapped for a FIFO between the
    check and the open cannot block; `fstat` then checks what was opened.
    Raises UnreadableFile.
    """
    check_regular(path, cap)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise UnreadableFile(f"cannot read the file ({exc.strerror or exc})") from None
    fh = os.fdopen(fd, "rb")
    what = _not_regular(os.fstat(fd).st_mode)
    if what:
        fh.close()
        raise UnreadableFile(f"is {what}, not a regular file; expected a file saved on disk")
    return fh


def read_bounded(path: str | Path, cap: int) -> bytes:
    """All bytes of a regular file of at most `cap` bytes (a file still growing is cut
    off at the cap and refused, never read without end). Raises UnreadableFile."""
    with open_regular(path, cap) as fh:
        try:
            data = fh.read(cap + 1)
        except OSError as exc:
            raise UnreadableFile(f"cannot read the file ({exc.strerror or exc})") from None
    if len(data) > cap:
        raise UnreadableFile(f"file is larger than {_size_text(cap)}; expected at most "
                             f"{_size_text(cap)}")
    return data


def wide_encoding(data: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when the bytes are text in one of those, else None.

    Editors on Windows save 'Unicode' as UTF-16; its NUL bytes would otherwise
    be reported as a binary file. A byte-order mark decides; without one, NULs
    at every other (or every fourth) byte of the start do.
    """
    for bom, name in _BOMS:
        if data.startswith(bom):
            return name
    head = data[:64]
    if len(head) >= 4 and b"\x00" in head:
        for step, name in ((4, "UTF-32"), (2, "UTF-16")):
            for offset in range(step):
                text = [b for i, b in enumerate(head) if i % step == offset]
                rest = [b for i, b in enumerate(head) if i % step != offset]
                if all(b == 0 for b in rest) and all(b != 0 for b in text):
                    return name
    return None


class NetworkFileError(StormdrillError, ValueError):
    """A network file that cannot be read, with where and why."""

    names_its_file = True

    def __init__(self, path: str, message: str, line: int | None = None,
                 hint: str = "") -> None:
        self.path, self.line, self.message, self.hint = path, line, message, hint
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}" + (f"\n  hint: {hint}" if hint else ""))


def _open(path: str) -> BinaryIO:
    """The network file opened for reading; a NetworkFileError for anything else."""
    try:
        return open_regular(path, MAX_FILE_BYTES)
    except UnreadableFile as exc:
        hint = exc.hint
        if exc.message == "file not found":
            hint = "check the path; relative paths are resolved from the scenario file's folder"
        raise NetworkFileError(path, exc.message, hint=hint) from None


def read_edgelist(path: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Node names and edge arrays (indices into the names) of an edge-list file."""
    ids: dict[str, int] = {}
    src: list[int] = []
    dst: list[int] = []
    read = 0
    with _open(path) as fh:
        for lineno, raw in enumerate(fh, start=1):
            read += len(raw)
            if read > MAX_FILE_BYTES:  # the file grew after the size check
                raise NetworkFileError(path, f"file is larger than "
                                       f"{_size_text(MAX_FILE_BYTES)}; expected at most that")
            if lineno == 1 and wide_encoding(raw):
                raise NetworkFileError(path, f"{wide_encoding(raw)} text; save it as UTF-8",
                                       1, "an edge list is UTF-8 text, one 'u v' pair "
                                       "per line")
            try:
                if b"\x00" in raw:
                    raise UnicodeDecodeError("utf-8", raw, 0, 1, "NUL byte")
                line = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise NetworkFileError(path, "not a text file (bytes that are not UTF-8)",
                                       lineno, "an edge list has one 'u v' pair per line"
                                       ) from None
            line = line.split("#", 1)[0].replace(",", " ").strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) < 2:
                raise NetworkFileError(path, f"expected two node names, found {line!r}", lineno,
                                       "write one edge per line: 'followed follower'")
            for name, out in ((parts[0], src), (parts[1], dst)):
                out.append(ids.setdefault(name, len(ids)))
    if not src:
        raise NetworkFileError(path, "no edges found", hint="an edge list has one 'u v' pair "
                               "per line")
    return list(ids), np.asarray(src, np.int64), np.asarray(dst, np.int64)


def read_graphml(path: str) -> tuple[list[str], np.ndarray, np.ndarray, bool]:
    """Node names, edge arrays and directedness of a GraphML file."""
    import networkx as nx

    try:
        with _open(path) as fh:
            g = nx.read_graphml(fh)
    except NetworkFileError:
        raise
    except Exception as exc:  # networkx raises many kinds for malformed XML
        raise NetworkFileError(path, f"not valid GraphML ({type(exc).__name__}: {exc})",
                               hint="export the graph again, or use an edge list") from None
    names = [str(n) for n in g.nodes]
    index = {n: i for i, n in enumerate(g.nodes)}
    if g.number_of_edges() == 0:
        raise NetworkFileError(path, "the graph has no edges")
    pairs = np.asarray([(index[u], index[v]) for u, v in g.edges()], dtype=np.int64)
    return names, pairs[:, 0], pairs[:, 1], g.is_directed()


def read_network(cfg: NetworkConfig) -> Network:
    """The network a `kind: file` scenario points to."""
    if not cfg.path:
        raise NetworkFileError("<scenario>", "network.kind is 'file' but network.path is empty")
    if cfg.format == "graphml":
        names, src, dst, directed = read_graphml(cfg.path)
        if not directed:
            src, dst = np.concatenate((src, dst)), np.concatenate((dst, src))
    else:
        names, src, dst = read_edgelist(cfg.path)
    return from_edge_arrays(len(names), src, dst, cfg, labels=names)
