"""Checks that involve more than one field, run after the per-field walk.

Each check is skipped when a field it reads already has a problem: that field
holds its default, and a complaint about the default would only confuse.
"""

from __future__ import annotations

from datetime import datetime

from scenarios.schema import Walker
from simulator.config import Scenario
from simulator.coverage import CoverageError, parse_window
from simulator.netio import MAX_FILE_BYTES, UnreadableFile, check_regular
from simulator.strategy import Strategy


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
            datetime.fromisoformat(sc.start)
        except ValueError:
            _fail(w, "start", f"'{sc.start}' is not a date and time; expected ISO 8601 "
                  "like 2026-03-06T18:00", "write YYYY-MM-DDTHH:MM (local time)")
    _check_network(sc, w)
    _check_times(sc, w)


def _check_network(sc: Scenario, w: Walker) -> None:
    net, cp = sc.network, sc.complaint
    if net.kind == "file" and _ok(w, "network.path"):
        if not net.path:
            _fail(w, "network.path", "missing; expected the path of an edge-list or GraphML "
                  "file when network.kind is 'file'")
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
    # A file network has as many users as the file has nodes; `users` is unused.
    sized = net.kind != "file" and _ok(w, "network.users")
    if _ok(w, "complaint.seed_users"):
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
