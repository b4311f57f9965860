"""Realism targets R1-R15 of MODEL.md section 6: one test per target, sized for CI.

Each test measures its target with `scenarios.realism` (the definitions are
there, in each `rN` docstring) and asserts the band of MODEL.md on the point
estimate: the same check as the docs table (`python -m tests.regenerate
realism`, docs/model.md), never a widened band. A target the model currently
misses is marked `xfail(strict=True)`, its reason the miss the docs table
measured, so the docs show it as a miss and the test fails loudly (XPASS) the
day the model meets it: then drop the mark.

Sizing (`SCALE`; about a minute on one core): 2 seeds per library scenario
and arm (30 paired runs per arm, 16 arms: R6 and R9-R13) instead of the
table's 40; 400 ordinary complaints (R2, R3, R15) instead of 1,000; the
firestorm presets at the table's own 40 seeds each (320 runs, about 10 s:
R1, R4, R5, R7, R13 and R14 then see exactly the table's runs, which matters
for R14, whose clear-dip share sits 0.6 points below its band edge); no
diagnostic runs (they only feed the table's notes). Every run has a fixed
seed, so a test cannot flake; its verdict moves only when the engine, a
scenario or a strategy changes. Why the smaller counts still give the
table's verdicts (checked for every target when the table was made): each
library-arm miss is a factor, not a few percent, away from its band (R9
fast/silent 0.61 against 0.85-1.05; R10 1.38 against <= 1.3; R12 0.61
against >= 0.8; R13 62% against >= 95%), and at 2 seeds their values stay
there (0.67, 1.37, 0.58, 59%); R11 passes in all 15 presets at both sizes;
for the ordinary preset the 95% half-width at 400 runs is about 2 points on
R2's 3.3% (band 1-5%) and R3 (7.5% within one hop, band > 50%) and R15 (a
99-minute median, band 20-50) miss by far more. When the model changes,
regenerate the table, rerun this file and move the marks.
"""

from __future__ import annotations

import pytest

from scenarios import realism as R

pytestmark = pytest.mark.slow

SCALE = R.Scale(library=2, firestorm=40, ordinary=400, diagnostics=False)


def check(result: R.Result) -> None:
    """The band itself: every part of the target in its band (`realism.Part.ok`)."""
    assert result.passed is True, result.explain()


def miss(measured: str) -> pytest.MarkDecorator:
    """A target the model misses: the band assertion must fail (any other error still fails)."""
    return pytest.mark.xfail(strict=True, raises=AssertionError,
                             reason=f"the model misses this target: {measured}")


@miss("70% of reshares within 1 h and 96% within 24 h of exposure (band 45-60% / 70-85%): "
      "the band is the raw, untruncated SEISMIC CDF and thinning removes late reactions")
def test_r1_reshare_delay() -> None:
    check(R.r1(SCALE))


def test_r2_ordinary_complaints_rarely_become_storms() -> None:
    check(R.r2(SCALE))


@miss("7.5% of ordinary cascades end within one hop (band > 50%); 99th percentile size 565 "
      "posts (band 10^3-10^5): an ordinary complaint expects ~10 direct reactions")
def test_r3_cascades_are_shallow() -> None:
    check(R.r3(SCALE))


@miss("65% of storms peak at 2-72 h (band >= 80%), median 44.5 h (band 6-36 h): the slow "
      "discovery channel (mean 10.6 h) builds storms over a day or more")
def test_r4_storms_peak_between_hour_2_and_72() -> None:
    check(R.r4(SCALE))


@miss("day 1 carries 26% of 7-day volume (band 30-70%), the day after the peak falls 39% "
      "(band 50-85%) and the decline steepens instead of slowing (no heavy tail)")
def test_r5_front_loaded_multi_day_storms() -> None:
    check(R.r5(SCALE))


@miss("73% of participants come from outside the follower graph (band 20-40%)")
def test_r6_outside_share() -> None:
    check(R.r6(SCALE))


@miss("volume peaks 17 h after the first news story (band 1-6 h): the story comes while the "
      "storm is still growing")
def test_r7_media_hand_off() -> None:
    check(R.r7(SCALE))


@miss("the 'they deleted my comment' multiplier (1.5) stacks on the capped content "
      "multiplier: 2.25x per exposure (band <= 1.5x)")
def test_r8_content_multipliers_are_modest() -> None:
    check(R.r8(SCALE))


@miss("fast-empathetic / silent 72 h volume 0.61 (band 0.85-1.05); one deletion moves volume "
      "by 36% (band <= 25%); built-in strategies differ 8.6x in telecom-storing (band <= 3x)")
def test_r9_levers_move_volume_little() -> None:
    check(R.r9(SCALE))


@miss("early compensation draws 1.38x the volume of an apology (band 1-1.3)")
def test_r10_compensation_fuels_the_fire_a_little() -> None:
    check(R.r10(SCALE))


def test_r11_trust_accommodative_beats_silence_and_defensive() -> None:
    check(R.r11(SCALE))


@miss("unnoticed deletion cuts 72 h volume by 39% (band <= 20%) and noticed deletion lowers "
      "it (0.92x; band: raises it)")
def test_r12_deletion_is_not_a_kill_switch() -> None:
    check(R.r12(SCALE))


@miss("reach stays below 95% of the users in 74% of firestorm runs and 62% of library runs "
      "(band >= 95%)")
def test_r13_reach_stays_below_95_percent() -> None:
    check(R.r13(SCALE))


@miss("44.4% of firestorm runs show a clear trust dip (band 45-70%; 1 index point)")
def test_r14_trust_dips_and_residuals() -> None:
    check(R.r14(SCALE))


@miss("median first reply 99 min after the complaint (band 20-50 min): a reply waits for "
      "detection (5 mentions, hourly polls in office hours) and 30 min of approval")
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
