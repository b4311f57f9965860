"""Every lever moves both outcomes the documented way, on paired replicas (model v2).

Outcomes (MODEL.md section 1): attention = `negative_posts` (the 72 h volume) and
trust = `reputation_end` (the index at the end of the run, higher is better).

Pairs: both arms run on the same 200 run seeds (common random numbers: every
concern draws from its own named stream, and the per-edge uniforms are shared), and
the test reads the 200 paired differences arm A - arm B.

Assertions, as MODEL.md states the effect:
- direction (`_direction`): the 95% t-interval of the mean paired difference lies
  wholly on the documented side of zero, for effects the model says are clearly
  non-zero (every effect on trust; the volume effects of tone, a noticed deletion,
  compensation, a contradiction, media, an influencer and advocates);
- band (`_band`): the ratio of the arms' mean volumes lies in MODEL.md's band, for
  the effects it says are small on volume (R9: a fast empathetic reply against none,
  0.85-1.05; a reply's timing, a solution and updates act through the same small
  share multipliers, under R9's "no single lever moves volume by more than ~25%",
  0.8-1.25; R12: an unnoticed deletion cuts volume by at most 20%, 0.8-1.0);
- equivalence (`_about_equal`): compensation and an apology repair trust about
  equally (Coombs & Holladay 2008): the 95% t-interval of their paired difference
  lies within a quarter of what an apology gains over silence (R9's ~25% yardstick).

Scenario: the test factory's crisis (video complaint, complainant with 400 followers,
24/7 watch, detection at 3 posts, no approval delay) on 4000 users with
`spread.outside_reach` 8 (in its documented range 5-40) and every other parameter
at its default. With the fitted outside_reach (~20) a few thousand users saturate:
every storm reaches ~100% of them (against R13), and then levers that only widen
the audience (media, an influencer, advocates) cannot move trust the way the model
says: everyone judges anyway, only earlier or later. At 8 the storms reach about
half of the users on average and (nearly) none reaches 95%; the first test checks
R13 on the arms that spread most.

A check the model currently misses is marked `xfail(strict=True)` with the measured
miss as its reason (as in tests/validation/test_realism.py): the band is never
widened, and the test fails loudly (XPASS) the day the model meets it; then drop
the mark. Verdicts move with `simulator/fitted.py` (outside_reach is set here, the
other fitted values are not): the reasons quote the fits of 30 Nov (discovery
9.2-10.9 h, novelty 3.1-3.4 d, fatigue 0.20-0.22), under which they all held.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import cache

import numpy as np
import pytest
from factory import scenario
from scipy import stats

from simulator import Simulation, Strategy
from simulator.config import Inject, Scenario


def _miss(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"model misses the target: {reason}")


USERS = 4000
PAIRS = 200
SEEDS = range(PAIRS)
REACH_CAP = 0.95  # R13


def _sc(**sections: object) -> Scenario:
    spread = {"outside_reach": 8.0, **sections.pop("spread", {})}  # type: ignore[dict-item]
    return scenario(users=USERS, spread=spread, **sections)


def _ack(**kw: object) -> Strategy:
    return Strategy(name="ack", respond_after_h=0, **kw)  # type: ignore[arg-type]


ADVOCATE_NET = {"brand_audience": 0.3}
#: arm name -> (scenario, strategy)
ARMS: dict[str, Callable[[], tuple[Scenario, Strategy | None]]] = {
    "silent": lambda: (_sc(), None),
    "ack": lambda: (_sc(), _ack()),
    "ack_late": lambda: (_sc(), Strategy(name="late", respond_after_h=12)),
    "reply_empathetic": lambda: (_sc(), Strategy(name="e", respond_after_h=1,
                                                 first_action="reply", tone="empathetic")),
    "reply_defensive": lambda: (_sc(), Strategy(name="d", respond_after_h=1,
                                                first_action="reply", tone="defensive")),
    "delete_unnoticed": lambda: (_sc(response={"notice_prob": 0.0}),
                                 Strategy(name="del", delete_after_h=1)),
    "delete_noticed": lambda: (_sc(response={"notice_prob": 1.0}),
                               Strategy(name="del", delete_after_h=1)),
    "ack_solution": lambda: (_sc(), _ack(solution_after_h=0.5)),
    "ack_updates": lambda: (_sc(), _ack(update_every_h=3, max_updates=20)),
    "ack_contradict": lambda: (_sc(), _ack(contradict_after_h=12)),
    "compensation": lambda: (_sc(), Strategy(name="comp", compensation_after_h=0)),
    "media_off": lambda: (_sc(media={"enabled": False}), None),
    "influencer": lambda: (_sc(injects=[Inject(at_h=2.0, kind="influencer_joins")]), None),
    "advocates_on": lambda: (_sc(network=ADVOCATE_NET, advocates={"share": 0.2}), None),
    "advocates_off": lambda: (_sc(network=ADVOCATE_NET, advocates={"enabled": False}), None),
}


@cache
def _runs(arm: str) -> dict[str, np.ndarray]:
    """Outcomes of an arm over SEEDS (each arm runs once per session)."""
    sc, strategy = ARMS[arm]()
    rows = []
    for seed in SEEDS:
        sim = Simulation(sc, seed=seed, strategy=strategy)
        sim.run()
        s = sim.summary()
        rows.append((s["negative_posts"], s["reputation_end"], s["reach"] / s["users"]))
    out = np.asarray(rows, dtype=float)
    return {"volume": out[:, 0], "trust": out[:, 1], "reach": out[:, 2]}


def _interval(a: str, b: str, outcome: str) -> tuple[float, float, float]:
    """Mean paired difference a - b and its 95% t-interval."""
    d = _runs(a)[outcome] - _runs(b)[outcome]
    half = stats.t.ppf(0.975, d.size - 1) * d.std(ddof=1) / math.sqrt(d.size)
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def _direction(a: str, b: str, outcome: str, sign: int) -> None:
    """Arm a is higher (sign +1) or lower (-1) than arm b on `outcome`, 95% t-interval."""
    mean, lo, hi = _interval(a, b, outcome)
    ok = lo > 0 if sign > 0 else hi < 0
    want = "higher" if sign > 0 else "lower"
    assert ok, (f"{outcome}: expected {a} {want} than {b}; paired difference {mean:+.3f}, "
                f"95% interval [{lo:+.3f}, {hi:+.3f}] (means {_runs(a)[outcome].mean():.3f} "
                f"vs {_runs(b)[outcome].mean():.3f}, {PAIRS} pairs)")


def _band(a: str, b: str, lo: float, hi: float) -> None:
    """The volume ratio mean(a) / mean(b) lies in [lo, hi]."""
    va, vb = _runs(a)["volume"], _runs(b)["volume"]
    ratio = float(va.mean() / vb.mean())
    se = float((va - vb).std(ddof=1) / math.sqrt(va.size) / vb.mean())
    assert lo <= ratio <= hi, (f"volume ratio {a}/{b} = {ratio:.3f} (SE {se:.3f}, "
                               f"{va.mean():.1f} vs {vb.mean():.1f}) outside [{lo}, {hi}]")


def _about_equal(a: str, b: str, reference: float) -> None:
    """The trust difference a - b is small: its 95% t-interval within +-reference / 4."""
    mean, lo, hi = _interval(a, b, "trust")
    margin = reference / 4
    assert -margin < lo and hi < margin, (
        f"trust {a} - {b}: {mean:+.3f}, 95% interval [{lo:+.3f}, {hi:+.3f}], not within "
        f"+-{margin:.3f} (a quarter of the apology's gain over silence, {reference:.3f})")


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_the_scenario_is_not_saturated() -> None:
    """R13: reach stays below 95% of the users in at least 95% of the runs."""
    for arm in ("silent", "ack", "influencer"):
        assert np.mean(_runs(arm)["reach"] < REACH_CAP) >= 0.95, arm


# ---- a reply, its speed and its tone -----------------------------------------------------

@pytest.mark.slow  # statistical: paired replicas of a lever
@_miss("a fast empathetic acknowledgement cuts the 72 h volume to ~0.83 of silence "
       "(R9 band 0.85-1.05): share_empathetic 0.97 is amplified several-fold near the "
       "trend threshold")
def test_reply_vs_none_volume_within_r9_band() -> None:
    _band("ack", "silent", 0.85, 1.05)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_reply_vs_none_trust() -> None:
    _direction("ack", "silent", "trust", +1)  # R11


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_early_vs_late_reply_volume_band() -> None:
    _band("ack", "ack_late", 0.8, 1.25)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_early_vs_late_reply_trust() -> None:
    _direction("ack", "ack_late", "trust", +1)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_defensive_vs_empathetic_volume() -> None:
    _direction("reply_defensive", "reply_empathetic", "volume", +1)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_defensive_vs_empathetic_trust() -> None:
    _direction("reply_defensive", "reply_empathetic", "trust", -1)  # R11


# ---- deletion ------------------------------------------------------------------------------

@pytest.mark.slow  # statistical: paired replicas of a lever
def test_noticed_vs_unnoticed_deletion_volume() -> None:
    _direction("delete_noticed", "delete_unnoticed", "volume", +1)  # R12


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_noticed_vs_unnoticed_deletion_trust() -> None:
    _direction("delete_noticed", "delete_unnoticed", "trust", -1)  # R12


@pytest.mark.slow  # statistical: paired replicas of a lever
@_miss("one unnoticed deletion 1 h after detection cuts volume to ~0.79 "
       "(R12: >= 0.8)")
def test_unnoticed_deletion_cuts_volume_by_at_most_a_fifth() -> None:
    _band("delete_unnoticed", "silent", 0.8, 1.0)  # R12


# ---- what the brand says after its first statement -----------------------------------------

@pytest.mark.slow  # statistical: paired replicas of a lever
def test_solution_volume_band() -> None:
    _band("ack_solution", "ack", 0.8, 1.25)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_solution_trust() -> None:
    _direction("ack_solution", "ack", "trust", +1)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_updates_vs_silence_after_a_statement_volume_band() -> None:
    _band("ack_updates", "ack", 0.8, 1.25)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_updates_vs_silence_after_a_statement_trust() -> None:
    _direction("ack_updates", "ack", "trust", +1)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_contradictory_vs_consistent_volume() -> None:
    """A contradiction 12 h in re-ignites past sharers."""
    _direction("ack_contradict", "ack", "volume", +1)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_contradictory_vs_consistent_trust() -> None:
    _direction("ack_contradict", "ack", "trust", -1)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_compensation_vs_apology_volume() -> None:
    _direction("compensation", "ack", "volume", +1)  # R10 (direction)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_compensation_vs_apology_trust_about_equal() -> None:
    gain = _interval("ack", "silent", "trust")[0]
    assert gain > 0
    _about_equal("compensation", "ack", gain)


# ---- the world around the brand -------------------------------------------------------------

@pytest.mark.slow  # statistical: paired replicas of a lever
def test_media_volume() -> None:
    _direction("silent", "media_off", "volume", +1)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_media_trust() -> None:
    _direction("silent", "media_off", "trust", -1)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_influencer_volume() -> None:
    _direction("influencer", "silent", "volume", +1)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_influencer_trust() -> None:
    _direction("influencer", "silent", "trust", -1)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_advocates_volume() -> None:
    _direction("advocates_on", "advocates_off", "volume", -1)


@pytest.mark.slow  # statistical: paired replicas of a lever
def test_advocates_trust() -> None:
    _direction("advocates_on", "advocates_off", "trust", +1)


# ---- trust over time ----------------------------------------------------------------------

def test_reputation_drops_then_recovers_towards_a_floor() -> None:
    sc = scenario(duration_h=24 * 30.0, reputation={"recovery_days": 7.0})
    sim = Simulation(sc, seed=2)
    sim.run()
    rep = sim.reputation_h[: sim.hours_done + 1]
    low = int(rep.argmin())
    assert rep[0] == sc.reputation.start and rep[low] < rep[0]
    assert rep[-1] > rep[low], "recovers"
    lost = rep[0] - rep[low]
    assert rep[-1] < rep[0] - 0.2 * lost, "to a permanent floor (25% of the damage)"
