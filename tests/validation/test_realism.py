"""Realism targets R1-R15 of MODEL.md section 6: one test per target, sized for CI.

Each test measures its target with `scenarios.realism` (the definitions are
there, in each `rN` docstring) and asserts the band of MODEL.md on the point
estimate, the same check as the docs table (`python -m scenarios.realism
--write`, docs/model.md). Bands are never widened here: a target the model
currently misses is marked `xfail(strict=True)` with the miss the docs table
measured as its reason, so the docs show it as a miss and the test fails
loudly (XPASS) the day the model meets it; then drop the mark.

Sizing (`SCALE`, about a minute in all): 2 seeds per library scenario and
arm (30 paired runs per arm, 16 arms), 10 seeds per firestorm preset (80
runs), the ordinary-complaint preset at its full 1,000 runs (R2 sits next to
its band edge, so it gets the docs table's own runs; R3 and R15 share that
batch), and no diagnostic runs (they only feed the docs' notes). Every run
has a fixed seed, so a test cannot flake; its verdict moves only when the
engine, a scenario or a strategy changes. The tolerance holds at these
counts because each verdict below agrees with the docs table at 40 seeds
per arm: every miss is several of the table's interval half-widths from its
band edge (R9-R12 misses are by a factor, not a few percent), and the
passes (R4, R11, R14) sit inside their bands at both sizes. When the fitted
parameters change, regenerate the table, rerun this file, and move the
xfail marks to the targets that miss then (the reasons quote the table).
"""

from __future__ import annotations

import pytest

from scenarios import realism as R

pytestmark = pytest.mark.slow

SCALE = R.Scale(library=2, firestorm=10, ordinary=1000, diagnostics=False)


def check(result: R.Result) -> None:
    """The band itself: every part of the target in its band (see `realism.Part.ok`)."""
    assert result.passed is True, result.explain()


def miss(reason: str) -> pytest.MarkDecorator:
    return pytest.mark.xfail(strict=True, reason=f"model misses the target: {reason}")


@miss("reshares come too early: 70% within 1 h and 97% within 24 h of exposure (band "
      "45-60% / 70-85%); the kernel is truncated at 14 days, not renormalised, and "
      "novelty decay thins late reactions")
def test_r1_reshare_delay() -> None:
    check(R.r1(SCALE))


@miss("5.4% [4.2, 7.0] of ordinary complaints become storms (band 1-5%)")
def test_r2_ordinary_complaints_rarely_become_storms() -> None:
    check(R.r2(SCALE))


@miss("about 10% of ordinary cascades end within one hop (band > 50%): a complaint by a "
      "300-follower customer expects several direct reactions and spreads on")
def test_r3_cascades_are_shallow() -> None:
    check(R.r3(SCALE))


def test_r4_storms_peak_between_hour_2_and_72() -> None:
    check(R.r4(SCALE))


@miss("after the peak the daily decline steepens instead of slowing (no heavy tail): "
      "novelty decay keeps lowering the reproduction number")
def test_r5_front_loaded_multi_day_storms() -> None:
    check(R.r5(SCALE))


@miss("about 75% of participants come from outside the follower graph (band 20-40%)")
def test_r6_outside_share() -> None:
    check(R.r6(SCALE))


@miss("social volume peaks ~9-14 h after the first story (band 1-6 h): the story comes "
      "while the storm is still growing")
def test_r7_media_hand_off() -> None:
    check(R.r7(SCALE))


@miss("the 'they deleted my comment' multiplier (1.5) stacks on the capped content "
      "multiplier: 2.25x per exposure (band <= 1.5x)")
def test_r8_content_multipliers_are_modest() -> None:
    check(R.r8(SCALE))


@miss("fast-empathetic / silent 72 h volume ~0.5-0.55 (band 0.85-1.05); single levers move "
      "volume by up to ~50-90%; built-in strategies differ by >30x in the ordinary preset")
def test_r9_levers_move_volume_little() -> None:
    check(R.r9(SCALE))


@miss("early compensation draws ~1.7-2x the volume of an apology (band 1-1.3)")
def test_r10_compensation_fuels_the_fire_a_little() -> None:
    check(R.r10(SCALE))


def test_r11_trust_accommodative_beats_silence_and_defensive() -> None:
    check(R.r11(SCALE))


@miss("unnoticed deletion cuts 72 h volume by ~30-50% (band <= 20%) and noticed deletion "
      "lowers volume (band: raises it)")
def test_r12_deletion_is_not_a_kill_switch() -> None:
    check(R.r12(SCALE))


@miss("reach reaches 95% of the users in ~35-50% of runs (band: in at most 5%)")
def test_r13_reach_stays_below_95_percent() -> None:
    check(R.r13(SCALE))


def test_r14_trust_dips_and_residuals() -> None:
    check(R.r14(SCALE))


@miss("median first reply ~2-2.5 h after the complaint (band 20-50 min): a reply waits for "
      "detection (5 mentions, hourly polls) and 30 min of approval")
def test_r15_typical_webcare() -> None:
    check(R.r15(SCALE))


def test_docs_block_is_replaced_or_appended() -> None:
    """`--write` touches only its block; without the markers it appends its own section."""
    body = "table\n"
    plain = "# Model\n\ntext\n"
    appended = R.render(plain, body)
    assert appended.startswith(plain.rstrip("\n"))
    assert appended.endswith(f"{R.SECTION}\n\n{R.BEGIN}\n{body}{R.END}\n")
    again = R.render(appended.replace(body, "old\nrows\n") + "\nafter\n", body)
    assert again == appended + "\nafter\n"
