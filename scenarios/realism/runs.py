"""The runs the realism targets measure: scales, presets, paired arms and batches.

Runs are cached per process (`clear_cache`), so targets that share a batch run it once.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from scenarios.calibration import reference_strategy
from scenarios.loader import load_scenario, load_strategy
from scenarios.refs import SCENARIO_DIR, STRATEGY_DIR, library_names
from scenarios.scenario_file import ScenarioFile
from simulator.config import (
    Scenario,
    replace_path,
)
from simulator.kinds import NEGATIVE_KINDS, EventKind, PostKind
from simulator.simulation import Simulation
from simulator.strategy import Strategy

DEFAULT_RUNS = 40  # seeds per scenario and arm for the docs table (see `Scale.of`)
ORDINARY = "ordinary-complaint"
WEBCARE = "typical-webcare"
STORM_SHARE = 0.01  # a storm: at least this share of the users posts something negative
TRUST_CLEAR = 1.0  # R14: a clear change of the trust index, in index points (see `r14`)
NOVELTY_NEAR_OFF = 60.0  # R5 diagnostic: novelty_days at its upper limit (decay ~30x slower)
FAST_DISCOVERY_H = 1.0  # R5 diagnostic: discovery_h at the low end of its range


@dataclass(frozen=True)
class Scale:
    """How many runs each batch uses (the docs table: `Scale.of(DEFAULT_RUNS)`)."""

    library: int  # seeds per library scenario and arm (R6, R9-R13)
    firestorm: int  # seeds per firestorm preset (R1, R4-R7, R13, R14)
    ordinary: int  # runs of the ordinary-complaint preset (R2, R3, R15)
    diagnostics: bool = True  # extra runs that explain a miss in the notes (R5, R9)

    @classmethod
    def of(cls, runs: int) -> Scale:
        """`runs` seeds per scenario and arm; the ordinary preset 25x as many runs
        (a 1-5% rate needs about a thousand complaints for a useful interval)."""
        return cls(library=runs, firestorm=runs, ordinary=25 * runs)

    def describe(self) -> str:
        return (f"{self.library} seeds per library scenario and arm, {self.firestorm} per "
                f"firestorm preset, {self.ordinary} ordinary complaints")


DOC_SCALE = Scale.of(DEFAULT_RUNS)


# ---- presets and batches ----------------------------------------------------------------------
_CACHE: dict[tuple[Any, ...], Any] = {}


def clear_cache() -> None:
    """Forget every cached batch (after the engine or a scenario changed in-process)."""
    _CACHE.clear()


def _cached(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    if key not in _CACHE:
        _CACHE[key] = make()
    return _CACHE[key]


def _scenario(name: str) -> ScenarioFile:
    return _cached(("scenario", name), lambda: load_scenario(str(SCENARIO_DIR / f"{name}.yaml")))


def _strategy(name: str) -> Strategy:
    return _cached(("strategy", name), lambda: load_strategy(str(STRATEGY_DIR / f"{name}.yaml")))


def library() -> list[str]:
    """Every library scenario, sorted."""
    return library_names(SCENARIO_DIR)


def library_strategies() -> list[str]:
    """Every built-in strategy, sorted."""
    return library_names(STRATEGY_DIR)


def case_scenarios() -> list[str]:
    """The firestorm presets: library scenarios that fictionalise a real case."""
    return [n for n in library() if _scenario(n).calibration.case]


def without_injects(sc: Scenario) -> Scenario:
    """A copy of the scenario with every scripted inject removed."""
    return dataclasses.replace(sc, injects=[])


def at_least(sc: Scenario, hours: float) -> Scenario:
    """The scenario run for at least `hours` after the complaint."""
    need = sc.complaint.posted_at_h + hours
    return sc if sc.duration_h >= need else dataclasses.replace(sc, duration_h=need)


def _origin(sc: Scenario) -> int:
    return math.floor(sc.complaint.posted_at_h)


def _is_storm(row: dict[str, Any]) -> bool:
    return int(row["sharers"]) >= STORM_SHARE * int(row["users"])


@dataclass(frozen=True)
class Arm:
    """One arm of a paired comparison: a strategy and scenario overrides (dotted paths)."""

    name: str
    strategy: Strategy | None
    overrides: tuple[tuple[str, Any], ...] = ()

    def apply(self, sc: Scenario) -> Scenario:
        for path, value in self.overrides:
            sc = replace_path(sc, path, value)
        return sc


# single levers, each taken once at detection and nothing else (R9, R10)
LEVERS: dict[str, Strategy] = {
    "apology": Strategy(name="lever-apology", respond_after_h=0.0, first_action="acknowledge",
                        tone="empathetic"),
    "neutral reply": Strategy(name="lever-neutral", respond_after_h=0.0, first_action="reply",
                              tone="neutral"),
    "defensive reply": Strategy(name="lever-defensive", respond_after_h=0.0,
                                first_action="reply", tone="defensive"),
    "solution": Strategy(name="lever-solution", solution_after_h=0.0),
    "compensation": Strategy(name="lever-compensation", compensation_after_h=0.0),
    "one deletion": Strategy(name="lever-delete", delete_after_h=0.0),
}
# each lever's per-exposure share multiplier (ResponseEffects field), for the notes
LEVER_SHARE = {"apology": "share_empathetic", "neutral reply": "share_neutral",
               "defensive reply": "share_defensive", "solution": "share_solution",
               "compensation": "share_compensation"}
# R11: an accommodative reply at the defensive strategy's own time (1 h after detection)
MATCHED_EMPATHETIC = Strategy(name="empathetic-reply-1h", respond_after_h=1.0,
                              first_action="reply", tone="empathetic")


def arm(name: str) -> Arm:
    """Arms by name: a built-in strategy, `lever:<LEVERS key>`, `empathetic-reply-1h`,
    `deleter-unnoticed` / `deleter-noticed` (the deleter with `response.notice_prob` 0 / 1)."""
    if name.startswith("lever:"):
        return Arm(name, LEVERS[name[len("lever:"):]])
    if name == "empathetic-reply-1h":
        return Arm(name, MATCHED_EMPATHETIC)
    if name == "deleter-unnoticed":
        return Arm(name, _strategy("deleter"), (("response.notice_prob", 0.0),))
    if name == "deleter-noticed":
        return Arm(name, _strategy("deleter"), (("response.notice_prob", 1.0),))
    return Arm(name, _strategy(name))


def _run(sc: Scenario, seed: int, strategy: Strategy | None) -> Simulation:
    sim = Simulation(sc, seed=seed, strategy=strategy)
    sim.run()
    return sim


def _record(sim: Simulation, origin: int, delays: bool = False, cascade: bool = False
            ) -> dict[str, Any]:
    """The summary of a finished run plus what the targets need beyond it."""
    s = sim.summary()
    sp = sim.spread
    neg = np.isin(np.asarray(sp.post_kind), np.asarray(sorted(NEGATIVE_KINDS)))
    s.update(
        origin=origin, posted_at_h=sim.scenario.complaint.posted_at_h,
        vol72=int(sum(s["hourly_negative"][origin:origin + 72])),
        deleted_share=float(sp.post_deleted[neg].mean()) if neg.any() else 0.0,
        outside_views=sp.outside_views, views=sp.exposures_total,
        media_times=[e.t for e in sim.events if e.kind == EventKind.MEDIA_STORY.value],
        trending=any(e.kind == EventKind.TRENDING.value for e in sim.events))
    del s["hourly_trust"]
    if delays:
        d = reaction_delays(sim)
        s.update(delays_n=int(d.size), delays_1h=int(np.count_nonzero(d <= 1.0)),
                 delays_24h=int(np.count_nonzero(d <= 24.0)))
    if cascade:
        s["cascade_size"], s["cascade_depth"] = complaint_cascade(sim)
    return s


def library_batch(arm_name: str, runs: int, shipped: bool = True) -> list[dict[str, Any]]:
    """Every library scenario (>= 72 h) with one arm, seeds 0..runs-1.

    As shipped (injects kept), or with `shipped=False` every inject removed.
    One record per (scenario, seed), in a fixed order, so two arms' lists are
    paired element by element.
    """
    def make() -> list[dict[str, Any]]:
        a = arm(arm_name)
        out = []
        for name in library():
            sc = _scenario(name) if shipped else without_injects(_scenario(name))
            sc = a.apply(at_least(sc, 72.0))
            for seed in range(runs):
                out.append(_record(_run(sc, seed, a.strategy), _origin(sc)))
        return out

    return _cached(("library", arm_name, runs, shipped), make)


def firestorm_batch(runs: int, overrides: tuple[tuple[str, Any], ...] = ()
                    ) -> list[dict[str, Any]]:
    """The firestorm presets: case scenarios, no injects, reference strategy, >= 7 days.

    `overrides` (dotted paths) change a setting for a diagnostic batch.
    """
    def make() -> list[dict[str, Any]]:
        out = []
        for name in case_scenarios():
            shipped = _scenario(name)
            strategy = reference_strategy(shipped, SCENARIO_DIR / f"{name}.yaml")
            sc = at_least(without_injects(shipped), 168.0)
            for path, value in overrides:
                sc = replace_path(sc, path, value)
            for seed in range(runs):
                out.append(_record(_run(sc, seed, strategy), _origin(sc), delays=True))
        return out

    return _cached(("firestorm", runs, overrides), make)


def ordinary_batch(runs: int) -> list[dict[str, Any]]:
    """The ordinary-complaint preset with the typical-webcare strategy, seeds 0..runs-1."""
    def make() -> list[dict[str, Any]]:
        sc = _scenario(ORDINARY)
        strategy = _strategy(WEBCARE)
        out = []
        for seed in range(runs):
            out.append(_record(_run(sc, seed, strategy), _origin(sc), cascade=True))
        return out

    return _cached(("ordinary", runs), make)


# ---- what the post record says about reactions and cascades (post_parent) --------------------
REACTION_KINDS = np.asarray([int(k) for k in (PostKind.RESHARE, PostKind.DELETION,
                                              PostKind.BACKLASH, PostKind.SUPPORT)])
BROADCAST_KINDS = np.asarray([int(PostKind.MEDIA), int(PostKind.COMPETITOR)])
DELAY_PARENTS_H = 24.0  # R1: parents posted in the first day after the complaint ...
DELAY_WINDOW_H = 144.0  # ... and their reactions within this window (all observed: runs >= 168 h)


def reaction_delays(sim: Simulation) -> np.ndarray:
    """Delays (h) from a post to the reactions of those who saw it when it was posted.

    Reactions are reshares of every kind (reshare, "they deleted my comment",
    backlash, support) whose parent post (`post_parent`) was posted within
    `DELAY_PARENTS_H` of the complaint. Only reactions whose exposure time is
    the parent's post time count: the reacting user follows the parent's
    author, or the parent is a news story or a jab read on publication.
    Viewers who found the parent later through search or trends are left out:
    their exposure time is not recorded. Delays beyond `DELAY_WINDOW_H` are
    dropped, so every parent is observed over the same window.
    """
    sp, net = sim.spread, sim.net
    kinds = np.asarray(sp.post_kind)
    parent = np.asarray(sp.post_parent, dtype=np.int64)
    times = np.asarray(sp.post_time, dtype=float)
    authors = np.asarray(sp.post_author, dtype=np.int64)
    origin = sim.scenario.complaint.posted_at_h
    react = np.flatnonzero(np.isin(kinds, REACTION_KINDS) & (parent >= 0))
    par = parent[react]
    keep = times[par] - origin < DELAY_PARENTS_H
    react, par = react[keep], par[keep]
    if not react.size:
        return np.zeros(0)
    broadcast = np.isin(kinds[par], BROADCAST_KINDS)
    pa = authors[par]
    follows = np.zeros(react.size, dtype=bool)
    own = np.flatnonzero(~broadcast & (pa >= 0))
    if own.size:
        heads = np.unique(pa[own])
        rows = [np.asarray(net.followers(u), dtype=np.int64) + int(u) * net.n for u in heads]
        edges = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        follows[own] = np.isin(pa[own] * net.n + authors[react[own]], edges)
    seen_at_post = broadcast | follows
    delays = times[react[seen_at_post]] - times[par[seen_at_post]]
    return delays[delays <= DELAY_WINDOW_H]


def complaint_cascade(sim: Simulation) -> tuple[int, int]:
    """(size, depth) of the complaint's cascade: the tree of posts reacting to its first post.

    Size counts the posts in the tree, the complaint included (each user posts
    once per storyline, so it is about the users in it); depth is the largest
    number of hops from the complaint (0: nobody reacted). Trees rooted
    elsewhere (a news story, a brand statement, a re-ignited sharer) are
    other cascades.
    """
    sp = sim.spread
    parent = np.asarray(sp.post_parent, dtype=np.int64)
    kinds = np.asarray(sp.post_kind)
    roots = np.flatnonzero((kinds == int(PostKind.COMPLAINT)) & (parent < 0))
    if not roots.size:
        return 0, 0
    root = int(roots[0])
    depth = np.full(parent.size, -1, dtype=np.int64)
    depth[root] = 0
    for i in range(root + 1, parent.size):  # a post's parent always comes before it
        j = parent[i]
        if j >= 0 and depth[j] >= 0:
            depth[i] = depth[j] + 1
    tree = depth >= 0
    return int(np.count_nonzero(tree)), int(depth[tree].max())
