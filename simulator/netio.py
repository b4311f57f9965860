"""Read a user's own follower network from an edge list or GraphML.

Edge list: one edge per line, `u v` (whitespace or comma separated), meaning
v follows u; `#` starts a comment; extra columns (weights) are ignored. Node
names may be any token. GraphML goes through networkx; a directed GraphML
edge u -> v has the same meaning. Problems raise `NetworkFileError` naming the
file and line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from simulator.config import NetworkConfig
from simulator.network import Network, from_edge_arrays

MAX_FILE_BYTES = 2 * 1024**3


class NetworkFileError(ValueError):
    """A network file that cannot be read, with where and why."""

    def __init__(self, path: str, message: str, line: int | None = None,
                 hint: str = "") -> None:
        self.path, self.line, self.hint = path, line, hint
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}" + (f"\n  hint: {hint}" if hint else ""))


def read_edgelist(path: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Node names and edge arrays (indices into the names) of an edge-list file."""
    p = Path(path)
    if not p.is_file():
        raise NetworkFileError(path, "file not found", hint="check the path; relative paths "
                               "are resolved from the scenario file's folder")
    if p.stat().st_size > MAX_FILE_BYTES:
        raise NetworkFileError(path, "file is larger than 2 GiB")
    ids: dict[str, int] = {}
    src: list[int] = []
    dst: list[int] = []
    with p.open("rb") as fh:
        for lineno, raw in enumerate(fh, start=1):
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

    if not Path(path).is_file():
        raise NetworkFileError(path, "file not found", hint="check the path")
    try:
        g = nx.read_graphml(path)
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
