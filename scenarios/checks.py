"""Checks that involve more than one field, run after the per-field walk.

Each check is skipped when a field it reads already has a problem: that field
holds its default, and a complaint about the default would only confuse.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
from datetime import datetime

from scenarios.schema import Walker
from simulator import netio
from simulator.config import NetworkConfig, Scenario
from simulator.coverage import CoverageError, parse_window
from simulator.netio import MAX_FILE_BYTES, UnreadableFile, check_regular
from simulator.strategy import Strategy

# -- admission: what a run may ask of this machine -----------------------------------------
#: Most memory one run's graph may take while it is built. A third of this 24 GiB
#: machine, so a batch's two workers (each builds its own graph) and the interpreters fit
#: side by side; a constant (not read from the machine) so a file validates the same
#: everywhere.
MEMORY_BUDGET = 8 * 2**30
#: Peak bytes per stored edge while simulator/network.py builds a graph. Measured with
#: tracemalloc around `Simulation(scenario)` (graph build included) and solved for edges
#: and users over two sizes (1M users x 20 and x 1 followers; 100k x 200): synthetic
#: 20.3-22.6 (int64 edge keys, a deduplicated copy, int32 CSR indices), complete 33-37
#: (int64 src and dst of n^2 pairs), erdos_renyi 61-62 (int64 pairs, np.unique,
#: both directions). The run itself peaks at 6-7 bytes per edge, below the build.
#: tests/scenarios/test_admission.py re-measures a small graph against these.
BYTES_PER_EDGE = {"synthetic": 24, "complete": 40, "erdos_renyi": 64}
#: Peak bytes per user besides the edges (38.5 solved from the 1M-user builds; a
#: 100k-user synthetic build needs ~50: Pareto weights, multinomial counts, CSR row
#: offsets, audience draws, types), rounded up with room for the run's per-user state.
BYTES_PER_USER = 96
#: Years a `start` may fall in: the run's clock (start + duration_h) must stay a date
#: Python represents (year 9999 overflowed), and 1970 keeps timestamps non-negative.
START_YEARS = (1970, 2200)


def graph_edges(net: NetworkConfig, complainant_followers: int | None) -> int:
    """Edges a generated graph stores: the users' own plus the broadcast audiences.

    `complainant_followers` is None when explicit seed users replace the complainant.
    """
    n = net.users
    # synthetic and erdos_renyi: mean_followers per user (G(n, p) capped at p = 1)
    own = (n * (n - 1) if net.kind == "complete"
           else min(round(n * net.mean_followers), n * (n - 1)))
    audiences = int(net.brand_audience * n) + net.media_outlets * int(net.media_audience * n)
    return own + audiences + min(complainant_followers or 0, n)


def peak_bytes(net: NetworkConfig, complainant_followers: int | None) -> int:
    """Estimated peak memory of building the graph (generated kinds only)."""
    return (BYTES_PER_EDGE[net.kind] * graph_edges(net, complainant_followers)
            + BYTES_PER_USER * net.users)


def _gib(n: float) -> str:
    return f"{n / 2**30:.1f} GiB"


def _line(w: Walker, key: str) -> int | None:
    """Line of a key, or of the nearest enclosing key that was written."""
    while key:
        if key in w.lines:
            return w.lines[key]
        key = key.rpartition(".")[0]
    return None


def _ok(w: Walker, *keys: str) -> bool:
    return not any(k in w.bad for k in keys)


def _fail(w: Walker, key: str, message: str, hint: str = "") -> None:
    w.add(_line(w, key), key, message, hint)


def check_scenario(sc: Scenario, w: Walker) -> None:
    """Cross-field rules of a scenario (the network path is already absolute)."""
    sp = sc.spread
    if sp.diurnal and _ok(w, "spread.diurnal_trough", "spread.diurnal_peak"):
        if not sp.diurnal_trough < 1.0:
            _fail(w, "spread.diurnal_trough", f"{sp.diurnal_trough:g} is not below 1; expected "
                  "diurnal_trough < 1 < diurnal_peak (activity averages 1 over a day)")
        if not sp.diurnal_peak > 1.0:
            _fail(w, "spread.diurnal_peak", f"{sp.diurnal_peak:g} is not above 1; expected "
                  "diurnal_trough < 1 < diurnal_peak (activity averages 1 over a day)")
    for i, entry in enumerate(sc.plan.coverage):
        try:
            parse_window(entry)
        except CoverageError as exc:
            message = str(exc)
            if "expected" not in message:  # some engine messages say "use ..." instead
                message = f"{message}; expected '24/7' or 'DAYS HH:MM-HH:MM'"
            _fail(w, f"plan.coverage[{i}]", message)
    if _ok(w, "start"):
        try:
            year = datetime.fromisoformat(sc.start).year
        except ValueError:
            _fail(w, "start", f"'{sc.start}' is not a date and time; expected ISO 8601 "
                  "like 2026-03-06T18:00", "write YYYY-MM-DDTHH:MM (local time)")
        else:
            lo, hi = START_YEARS
            if not lo <= year <= hi:
                _fail(w, "start", f"year {year} is out of range; expected a start from {lo} "
                      f"to {hi}", "the run's clock (start plus duration_h) must stay a "
                      "calendar date")
    _check_network(sc, w)
    _check_memory(sc, w)
    _check_times(sc, w)


def _check_network(sc: Scenario, w: Walker) -> None:
    net, cp = sc.network, sc.complaint
    if net.kind == "file" and _ok(w, "network.path"):
        if not net.path:
            _fail(w, "network.path", "missing; expected the path of an edge-list or GraphML "
                  "file when network.kind is 'file'")
        elif "\0" in net.path:  # os.stat and open raise ValueError (not OSError) on it
            _fail(w, "network.path", f"{net.path!r} contains a NUL character, which no file "
                  "name can; expected the path of an edge-list or GraphML file",
                  "a \\0 escape in a quoted YAML string writes NUL; remove it")
        else:
            try:  # a FIFO or a device is not "not found": say what it is, and never open it
                check_regular(net.path, MAX_FILE_BYTES)
            except UnreadableFile as exc:
                if exc.message == "file not found":
                    _fail(w, "network.path", f"file not found: {net.path}; expected an "
                          "edge-list or GraphML file",
                          "relative paths are resolved from the scenario file's folder")
                else:
                    _fail(w, "network.path", f"{net.path} {exc.message}", exc.hint)
            else:
                _check_file_parses(net.path, net.format, w)
    # A file network has as many users as the file has nodes; `users` is unused.
    sized = net.kind != "file" and _ok(w, "network.users")
    # network.path is ok here only if it names a regular file of a readable size
    if net.kind == "file" and net.path and cp.seed_users \
            and _ok(w, "complaint.seed_users", "network.path", "network.format"):
        _check_file_seeds(sc, w)
    elif _ok(w, "complaint.seed_users"):
        top = net.users if sized else None
        for i, user in enumerate(cp.seed_users):
            if user < 0 or (top is not None and user >= top):
                expected = (f"0 to {top - 1} (network.users is {top})" if top is not None
                            else "a node id of at least 0")
                _fail(w, f"complaint.seed_users[{i}]",
                      f"{user} is not a user id; expected {expected}")
    if sized and _ok(w, "complaint.complainant_followers") \
            and cp.complainant_followers > net.users:
        _fail(w, "complaint.complainant_followers", f"{cp.complainant_followers} is more than "
              f"network.users ({net.users}); expected at most {net.users}")


def _check_file_parses(path: str, fmt: str, w: Walker) -> None:
    """Read the network file as `run` would, so `validate` reports a bad line too."""
    try:
        info = os.stat(path)
        _file_nodes(path, fmt, info.st_mtime_ns, info.st_size)
    except netio.NetworkFileError as exc:
        where = f"{exc.path}:{exc.line}" if exc.line else exc.path
        _fail(w, "network.path", f"{where}: {exc.message}",
              exc.hint)
    except (ValueError, OSError):
        pass  # reported by the regular-file check above


def _check_file_seeds(sc: Scenario, w: Walker) -> None:
    """Seed users of a file network are node positions: each must be one of the file's.

    Ids from the node count up are the brand and media accounts the engine appends,
    so an id past the file's nodes would make the brand post the complaint (or fail).
    The file is read only when seed users are given; a file that cannot be read is
    reported by the network checks and at run time, not here.
    """
    net = sc.network
    path = net.path or ""
    try:
        info = os.stat(path)
        nodes = _file_nodes(path, net.format, info.st_mtime_ns, info.st_size)
    except (ValueError, OSError):
        return
    n, first = nodes
    for i, user in enumerate(sc.complaint.seed_users):
        if not 0 <= user < n:
            _fail(w, f"complaint.seed_users[{i}]", f"{user} is not a user of {net.path} "
                  f"({n} nodes); expected a node position from 0 to {n - 1}",
                  f"seed users count the file's nodes in order of first appearance, "
                  f"from 0 ('{first}'); node names are not ids")


@functools.lru_cache(maxsize=8)
def _file_nodes(path: str, fmt: str, mtime_ns: int, size: int) -> tuple[int, str]:
    """Node count and first node name of a network file, read once per version of it.

    Cached because an experiment checks every grid point against the same file.
    """
    del mtime_ns, size  # only part of the cache key: an edited file is read again
    names = (netio.read_graphml(path) if fmt == "graphml" else netio.read_edgelist(path))[0]
    return len(names), names[0]


def _check_memory(sc: Scenario, w: Walker) -> None:
    """Refuse a generated graph whose build would not fit MEMORY_BUDGET, naming the keys."""
    net, cp = sc.network, sc.complaint
    keys = ("network.kind", "network.users", "network.mean_followers", "network.media_outlets",
            "network.media_audience", "network.brand_audience",
            "complaint.complainant_followers", "complaint.seed_users")
    if net.kind not in BYTES_PER_EDGE or not _ok(w, *keys):
        return
    followers = None if cp.seed_users else cp.complainant_followers
    need = peak_bytes(net, followers)
    if need <= MEMORY_BUDGET:
        return
    edges = graph_edges(net, followers)
    per_edge = BYTES_PER_EDGE[net.kind]
    room = (MEMORY_BUDGET - BYTES_PER_USER * net.users) // per_edge
    if net.kind == "complete":
        change = "network.users"
        fit = math.isqrt(MEMORY_BUDGET // per_edge) + 1
        while fit > 1 and peak_bytes(dataclasses.replace(net, users=fit),
                                     followers) > MEMORY_BUDGET:
            fit -= 1  # a few steps: the audiences and per-user bytes are small beside n^2
        hint = f"lower network.users to at most {fit:,} (everyone follows everyone)"
    else:
        change = "network.users or network.mean_followers"
        hint = (f"lower network.users or network.mean_followers: users x mean_followers "
                f"(plus media and brand audiences) of about {max(room, 0):,} edges fit")
    _fail(w, "network.users", f"{net.users:,} users with {edges:,} follow edges ({net.kind}) "
          f"would need about {_gib(need)} of memory to build; expected at most "
          f"{_gib(MEMORY_BUDGET)}: change {change}", hint)


def _check_times(sc: Scenario, w: Walker) -> None:
    if not _ok(w, "duration_h"):
        return
    end = sc.duration_h
    if _ok(w, "complaint.posted_at_h") and sc.complaint.posted_at_h >= end:
        _fail(w, "complaint.posted_at_h", f"{sc.complaint.posted_at_h:g} is not before the end "
              f"of the run; expected less than duration_h ({end:g})")
    for i, inject in enumerate(sc.injects):
        key = f"injects[{i}].at_h"
        if _ok(w, key) and inject.at_h > end:
            _fail(w, key, f"{inject.at_h:g} is after the end of the run; expected at most "
                  f"duration_h ({end:g})", "move the inject earlier or lengthen duration_h")


def check_strategy(st: Strategy, w: Walker) -> None:
    """Cross-field rules of a strategy: settings that would silently do nothing."""
    if _ok(w, "later_tone", "later_after_h") \
            and (st.later_tone is None) != (st.later_after_h is None):
        given, missing = (("later_tone", "later_after_h") if st.later_tone is not None
                          else ("later_after_h", "later_tone"))
        _fail(w, given, f"given without {missing}; expected both or neither",
              f"add {missing}, or remove {given}")
    pairs = (("delete_every_h", "delete_after_h"), ("update_every_h", "respond_after_h"))
    for key, needs in pairs:
        if _ok(w, key, needs) and getattr(st, key) is not None and getattr(st, needs) is None:
            _fail(w, key, f"has no effect without {needs}; expected {needs} to be set too",
                  f"set {needs}, or remove {key}")
