"""The outcome schema is the one description of a run's outcomes: the summary computes
exactly what it lists, and the store, analysis and command line derive from it."""

from __future__ import annotations

from factory import scenario

from simulator import Simulation, analysis, store
from simulator.outcomes import OUTCOMES, STORED, Unit, outcome

#: summary keys that describe the run rather than measure it
IDENTITY = {"scenario", "strategy", "seed", "hours", "users", "hourly_negative",
            "hourly_trust"}


def test_the_summary_computes_exactly_the_stored_outcomes() -> None:
    sim = Simulation(scenario(users=300), seed=3)
    sim.run(6)
    measured = set(sim.summary()) - IDENTITY
    assert measured == {o.name for o in STORED}


def test_store_and_analysis_derive_from_the_schema() -> None:
    assert tuple(o.name for o in STORED) == store.METRIC_NAMES
    assert {o.name for o in STORED if o.unit is Unit.INDEX} == analysis.TRUST_METRICS
    assert "reputation_end" in analysis.HIGHER_IS_BETTER
    assert "negative_posts" not in analysis.HIGHER_IS_BETTER
    assert "reputation_end" not in analysis.PERCENT_METRICS, "an index crossing 0 has no %"


def test_every_clock_outcome_says_what_empty_means() -> None:
    assert all(o.never for o in OUTCOMES if o.unit is Unit.CLOCK)
    assert outcome("first_response_at_h").never == "never responded"
