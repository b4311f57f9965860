"""The scenario file's own sections: what a file sets that the engine never reads.

A scenario file is the engine's `simulator.config.Scenario` (network,
complaint, model parameters, plan, injects, decision points) plus four
sections only the drill and the calibration read: the briefing, the drill
clock's defaults (facilitation), the names the feed is filled with (setting)
and the real case behind the scenario (calibration). They live here, not in
the engine, so that `simulator` carries only what a run needs (architecture
issue 11); `ScenarioFile` is the engine's `Scenario` with them added, so the
loader returns one object that the engine runs as it is and the drill reads
its briefing from. The schema, its validation and the generated docs walk
`ScenarioFile`, so the file format is unchanged.
"""

# ruff: noqa: RUF009  (`param(...)` returns a dataclasses.field carrying limits and docs)

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

from simulator.config import Scenario, param, section


@dataclass(frozen=True)
class Briefing:
    """What the facilitator reads out before the drill."""

    situation: str = param("", doc="what has happened")
    brand: str = param("", doc="the brand and its customers")
    stakes: str = param("", doc="what is at stake")
    learning_objectives: list[str] = param([], doc="what the team should learn")
    difficulty: Literal["easy", "medium", "hard"] = param("medium", doc="difficulty rating")
    recommended_minutes: int = param(60, lo=5, hi=600, doc="recommended drill length")


@dataclass(frozen=True)
class Facilitation:
    """How the drill's clock treats the team (`stormdrill play --prompts` overrides it)."""

    # Time belongs to the facilitator: a decision prompt should not expire while the
    # team is still reading it, so by default an open prompt stops the simulated clock.

    prompt_clock: Literal["freeze", "real", "run"] = param(
        "freeze", doc="while a decision prompt is open: freeze the simulated clock until the "
        "team answers; real: freeze it and give the team `prompt_minutes` real minutes, then "
        "apply the timeout option; run: the clock keeps running and the deadline is in "
        "simulated hours")
    prompt_minutes: float = param(3.0, lo=0.25, hi=120.0,
                                  doc="real minutes to decide when prompt_clock is real")
    auto_pause: list[Literal["inject", "decision", "detection", "media", "trending"]] = param(
        ["inject", "decision", "detection"],
        doc="moments that pause the clock so the facilitator can talk them through")


@dataclass(frozen=True)
class Setting:
    """Names the feed's post templates are filled with."""

    brand_name: str = param("the brand", doc="the brand's name")
    brand_handle: str = param("@brand", doc="the brand account's handle")
    product: str = param("product", doc="what the complaint is about")
    issue: str = param("the problem", doc="the complaint in a few words")
    place: str = param("", doc="where it happened")
    people: list[str] = param([], doc="named people in the story (the complainant first)")


@dataclass(frozen=True)
class Calibration:
    """The real case a scenario fictionalises, and its shape to reproduce.

    Targets are facts about the real case, each with its tolerance written
    next to it before any fitting (docs/model.md, "10. Calibration"): the simulated median
    over replicas must lie within target +- tolerance. Days count 24-hour
    bins from the complaint (day 1 = its first 24 hours); volume means
    negative posts. Response latency is a consistency check of the
    reference strategy (reported, never fitted and never a calibration
    target). `python -m tests.regenerate calibration` checks them and `fit`
    fits the shared parameter set (simulator/fitted.py) to every case at once.
    """

    case: str = param("", doc="the real case (e.g. Domino's, April 2009)")
    reference_strategy: str = param("", doc="strategy the real brand followed (path "
                                    "relative to the scenario file, or a library name)")
    response_latency_h: float | None = param(None, lo=0.0, hi=10_000.0,
                                             doc="consistency check, not a target: hours "
                                             "from the complaint to the first public "
                                             "response in the real case")
    tolerance_h: float = param(12.0, lo=0.0, hi=1000.0,
                               doc="allowed gap for the response latency (hours)")
    peak_day: float | None = param(None, lo=1.0, hi=60.0,
                                   doc="target: day of the negative-volume peak (1 = the "
                                   "first 24 hours; 1.5 = day 1 or 2)")
    tolerance_days: float = param(1.0, lo=0.0, hi=30.0, doc="allowed gap for the peak day")
    first_media_day: float | None = param(None, lo=1.0, hi=60.0,
                                          doc="target: day of the first news story")
    tolerance_media_days: float = param(1.0, lo=0.0, hi=30.0,
                                        doc="allowed gap for the first media day")
    day1_share: float | None = param(None, lo=0.0, hi=1.0,
                                     doc="target: share of the run's negative volume in "
                                     "day 1")
    tolerance_day1_share: float = param(0.1, lo=0.0, hi=1.0,
                                        doc="allowed gap for the day-1 share")
    duration_days: float | None = param(None, lo=0.0, hi=365.0,
                                        doc="target: days from the complaint to 90% of the "
                                        "run's cumulative negative volume")
    tolerance_duration_days: float = param(1.0, lo=0.0, hi=30.0,
                                           doc="allowed gap for the duration (days)")
    trust_dip: float | None = param(None, lo=0.0, hi=1.0,
                                    doc="target: share of the starting trust index lost by "
                                    "its lowest point within `trust_dip_days`")
    trust_dip_days: float = param(4.0, lo=0.1, hi=60.0,
                                  doc="days after the complaint over which the trust dip "
                                  "is measured")
    tolerance_trust_dip: float = param(0.1, lo=0.0, hi=1.0,
                                       doc="allowed gap for the trust dip (share of the index)")


@dataclass(frozen=True)
class ScenarioFile(Scenario):
    """One crisis: network, complaint, model parameters, plan and injects.

    The scenario as its file states it: the engine's `Scenario` plus the
    sections only the drill and the calibration read. `load_scenario` returns
    one; the engine runs it as a `Scenario`.
    """

    briefing: Briefing = section(Briefing, doc="drill briefing")
    facilitation: Facilitation = section(Facilitation, doc="the drill clock's defaults")
    setting: Setting = section(Setting, doc="names for the feed")
    calibration: Calibration = section(Calibration, doc="the real case behind the scenario")

    #: the top-level keys in the order files write them and the schema lists them: the
    #: drill's sections before the decision points (dataclass fields put every field of
    #: the engine's `Scenario` first)
    KEY_ORDER: ClassVar[tuple[str, ...]] = (
        "name", "title", "description", "locale", "start", "duration_h", "network",
        "complaint", "spread", "response", "advocates", "media", "reputation", "plan",
        "injects", "briefing", "facilitation", "setting", "decision_points", "calibration")

    def __repr__(self) -> str:
        """The text the dataclass repr gave before the file's sections left the engine
        (`Scenario(...)`, keys in file order): `Experiment.describe` hashes it, so a
        results folder of an earlier stormdrill still resumes."""
        return "Scenario(" + ", ".join(f"{f.name}={getattr(self, f.name)!r}"
                                       for f in file_fields(self)) + ")"

    @classmethod
    def of(cls, scenario: Scenario) -> ScenarioFile:
        """`scenario` itself if it came from a file, else it with the sections' defaults
        (a scenario built in code has no briefing, names or real case of its own)."""
        if isinstance(scenario, ScenarioFile):
            return scenario
        return cls(**{f.name: getattr(scenario, f.name) for f in dataclasses.fields(Scenario)})


def file_fields(format_: Any) -> tuple[dataclasses.Field[Any], ...]:
    """The fields of a format (a dataclass or an instance) in the order its files write them:
    `KEY_ORDER` where the class has one, then the rest in field order. The schema and the
    YAML dump list keys in this order."""
    rank = {name: i for i, name in enumerate(getattr(format_, "KEY_ORDER", ()))}
    return tuple(sorted(dataclasses.fields(format_), key=lambda f: rank.get(f.name, len(rank))))
