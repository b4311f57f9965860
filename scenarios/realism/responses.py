"""Realism targets on the brand's levers: R9-R12, on paired strategies over the library."""

from __future__ import annotations

import math

import numpy as np

from scenarios.realism.estimates import (
    Estimate,
    Part,
    Result,
    _result,
    bootstrap,
    mean_t,
    ratio_of_sums,
)
from scenarios.realism.runs import (
    DOC_SCALE,
    LEVER_SHARE,
    LEVERS,
    ORDINARY,
    Scale,
    _scenario,
    library,
    library_batch,
    library_strategies,
)
from simulator.config import (
    ResponseEffects,
)


# ---- R9-R12: paired strategies over the shipped library ---------------------------------------
def _paired(arm_a: str, arm_b: str, runs: int, key: str = "vol72", shipped: bool = True
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(arm a's values, arm b's, scenario names), paired by (scenario, seed)."""
    a, b = library_batch(arm_a, runs, shipped), library_batch(arm_b, runs, shipped)
    if [(r["scenario"], r["seed"]) for r in a] != [(r["scenario"], r["seed"]) for r in b]:
        raise RuntimeError("arms are not paired")
    return (np.array([r[key] for r in a], dtype=float), np.array([r[key] for r in b], dtype=float),
            np.array([r["scenario"] for r in a]))


def _volume_ratio(arm_a: str, arm_b: str, runs: int, shipped: bool = True) -> Estimate:
    a, b, strata = _paired(arm_a, arm_b, runs, shipped=shipped)
    return ratio_of_sums(a, b, strata)


def _abs_change(ratio: Estimate) -> Estimate:
    """|ratio - 1| with the interval mapped through it (from 0 when it holds 1)."""
    value = abs(ratio.value - 1.0)
    if ratio.lo is None or ratio.hi is None:
        return Estimate(value)
    ends = (abs(ratio.lo - 1.0), abs(ratio.hi - 1.0))
    lo = 0.0 if ratio.lo <= 1.0 <= ratio.hi else min(ends)
    return Estimate(value, lo, max(ends))


def _elasticities(ratios: dict[str, Estimate]) -> str:
    fx = ResponseEffects()
    out = []
    for lever, field_name in LEVER_SHARE.items():
        mult = float(getattr(fx, field_name))
        text = f"{lever} x{mult:g} per exposure -> x{ratios[lever].value:.2f} volume"
        out.append(text)
    return "; ".join(out)


def r9(scale: Scale = DOC_SCALE) -> Result:
    """R9: fast empathetic vs none 0.85-1.05; single levers within ~25%; strategies within 3x.

    Measured on the shipped library (every scenario, injects kept, >= 72 h),
    paired seeds; volume = negative posts in the 72 h after the complaint:

    - fast-empathetic / silent: ratio of the library's total volumes
      (stratified paired bootstrap);
    - single levers: each lever alone at detection (`LEVERS`: apology,
      neutral reply, defensive reply, solution, compensation, one deletion)
      against silence; the part is the largest |ratio - 1| over the levers
      (band <= 25%); the note gives every lever's ratio;
    - spread of built-in strategies: per scenario, the largest mean 72 h
      volume over the built-in strategies divided by the smallest; the part
      is the worst scenario's ratio (band <= 3; bootstrap over its seeds).
    """
    runs = scale.library
    fast = _volume_ratio("fast-empathetic", "silent", runs)
    ratios = {lever: _volume_ratio(f"lever:{lever}", "silent", runs) for lever in LEVERS}
    worst = max(ratios, key=lambda k: abs(ratios[k].value - 1.0))
    spread, where = _strategy_spread(runs)
    fast_why = ("the levers' effect on volume compounds: " + _elasticities(ratios)
                + "; a statement's share multiplier acts on every later generation of the "
                "cascade and, through the volume, on the trend and media feedbacks")
    if scale.diagnostics:
        plain = _volume_ratio("fast-empathetic", "silent", runs, shipped=False)
        neutral = _volume_ratio("lever:neutral reply", "silent", runs, shipped=False)
        fast_why += (f". With every inject removed fast-empathetic / silent is "
                     f"{plain.value:.2f} and a neutral reply {neutral.value:.2f} (shipped: "
                     f"{ratios['neutral reply'].value:.2f}): the shipped journalist injects "
                     f"publish half as often once the brand has spoken")
    parts = (Part("fast-empathetic / silent", fast, 0.85, 1.05, "0.85-1.05", "x", why=fast_why),
             Part("largest single-lever change", _abs_change(ratios[worst]), 0.0, 0.25,
                  "<= 25%", "%", why=f"largest: {worst}"),
             Part("strategy spread (worst preset)", spread, 1.0, 3.0, "<= 3x", "x",
                  why=f"widest in {where}"))
    facts = "lever / silent: " + ", ".join(f"{k} {v.value:.2f}" for k, v in ratios.items())
    n = len(library_batch("silent", runs)) * (len(library_strategies()) + len(LEVERS))
    if scale.diagnostics:
        n += 3 * len(library_batch("silent", runs))
    return _result("R9", "fast empathetic reply vs none: 72 h volume ratio 0.85-1.05; no "
                   "single lever moves volume by more than ~25%; all built-in strategies "
                   "within 3x of each other in volume", parts, n, facts, r9)


def _strategy_spread(runs: int) -> tuple[Estimate, str]:
    """The worst scenario's max/min mean 72 h volume over the built-in strategies."""
    names = library_strategies()
    batches = [library_batch(s, runs) for s in names]
    scen = np.array([r["scenario"] for r in batches[0]])
    vol = np.array([[r["vol72"] for r in rows] for rows in batches], dtype=float)  # (S, units)
    worst, worst_name, cols = -1.0, "", np.zeros(0, dtype=int)
    for name in dict.fromkeys(scen.tolist()):
        c = np.flatnonzero(scen == name)
        means = vol[:, c].mean(axis=1)
        ratio = means.max() / means.min() if means.min() > 0 else math.inf
        if ratio > worst:
            worst, worst_name, cols = ratio, name, c
    sub = vol[:, cols]
    means = sub.mean(axis=1)
    label = (f"{worst_name}: {names[int(means.argmax())]} {means.max():.0f} vs "
             f"{names[int(means.argmin())]} {means.min():.1f} posts")

    def stat(idx: np.ndarray) -> np.ndarray:
        m = sub[:, idx].mean(axis=2)  # (S, B)
        with np.errstate(divide="ignore", invalid="ignore"):
            return m.max(axis=0) / m.min(axis=0)

    return bootstrap(stat, cols.size, value=worst), label


def r10(scale: Scale = DOC_SCALE) -> Result:
    """R10: early public compensation draws more volume than an apology (ratio 1-1.3).

    Measured on the shipped library, paired seeds: 72 h negative volume with a
    public compensation offer at detection and nothing else, divided by the
    volume with an empathetic apology at detection and nothing else (the
    `LEVERS` arms); ratio of library totals, stratified paired bootstrap.
    """
    ratio = _volume_ratio("lever:compensation", "lever:apology", scale.library)
    fx = ResponseEffects()
    per = fx.share_compensation / fx.share_empathetic
    why = (f"per exposure the two differ by {per:.2f}x ({fx.share_compensation:g} / "
           f"{fx.share_empathetic:g}) plus copy-cat claims on the offer "
           f"({fx.backlash_compensation:g} x p0 per viewer); compounded over the cascade "
           f"that becomes {ratio.value:.2f}x in volume" if ratio.value > 1.3
           else "compensation does not draw more volume than an apology")
    parts = (Part("compensation / apology", ratio, 1.0, 1.3, "1-1.3", "x", why=why),)
    return _result("R10", "early public compensation: more volume than an apology (ratio "
                   "1-1.3)", parts, 2 * len(library_batch("silent", scale.library)),
                   "both at detection, nothing else", r10)


def r11(scale: Scale = DOC_SCALE) -> Result:
    """R11: on trust, fast accommodative beats silence in every utilitarian preset; defensive worse.

    Measured on every utilitarian library scenario (`complaint.context`),
    shipped, paired seeds, trust = `reputation_end` (the ranking rule's first
    key):

    - accommodative beats silence: per preset, mean trust with fast-empathetic
      minus with silent; the part is the smallest difference over the presets
      (band > 0), with its paired t interval;
    - defensive worse: per preset, mean trust with a defensive reply minus with
      an empathetic reply at the same time (1 h after detection,
      `MATCHED_EMPATHETIC`); the part is the largest difference (band < 0).
    """
    runs = scale.library
    names = [n for n in library() if _scenario(n).complaint.context == "utilitarian"]
    f, s, strata = _paired("fast-empathetic", "silent", runs, "reputation_end")
    d, e, _ = _paired("defensive", "empathetic-reply-1h", runs, "reputation_end")
    beats = {n: mean_t(f[strata == n] - s[strata == n]) for n in names}
    worse = {n: mean_t(d[strata == n] - e[strata == n]) for n in names}
    b_name = min(beats, key=lambda k: beats[k].value)
    w_name = max(worse, key=lambda k: worse[k].value)
    nb = sum(v.value > 0 for v in beats.values())
    nw = sum(v.value < 0 for v in worse.values())
    parts = (Part("fast-empathetic - silent (worst preset)", beats[b_name], 0.0, math.inf,
                  "> 0 in every preset", "pts", strict=True,
                  why=f"silence wins on trust in {len(names) - nb} presets, e.g. {b_name}"),
             Part("defensive - empathetic (worst preset)", worse[w_name], -math.inf, 0.0,
                  "< 0 in every preset", "pts", strict=True,
                  why=f"defensive does as well in {len(names) - nw} presets, e.g. {w_name}"))
    facts = (f"{len(names)} utilitarian presets; accommodative beats silence in {nb}, "
             f"defensive below accommodative in {nw}; worst: {b_name} / {w_name}")
    return _result("R11", "on trust: a fast accommodative reply beats silence in every "
                   "utilitarian preset, and defensive does worse than accommodative there",
                   parts, 4 * len(f), facts, r11)


def r12(scale: Scale = DOC_SCALE) -> Result:
    """R12: unnoticed deletion cuts volume by <= 20%; noticed deletion raises volume, lowers trust.

    Measured on the shipped library, paired seeds, with the deleter strategy
    (deletes at detection and every 6 h, never speaks):

    - unnoticed: `response.notice_prob` 0; 72 h volume / silent's; band
      0.8-1.0 (cuts by at most 20%);
    - noticed: `response.notice_prob` 1; over the pairs in which a deletion
      was noticed, 72 h volume / silent's (band > 1) and mean trust
      (`reputation_end`) minus silent's (band < 0, paired t interval).
    """
    runs = scale.library
    unnoticed = _volume_ratio("deleter-unnoticed", "silent", runs)
    rows = library_batch("deleter-noticed", runs)
    seen = np.array([r["deletions_noticed"] > 0 for r in rows])
    x, y, st = _paired("deleter-noticed", "silent", runs)
    up = ratio_of_sums(x[seen], y[seen], st[seen])
    tx, ty, _ = _paired("deleter-noticed", "silent", runs, "reputation_end")
    trust = mean_t(tx[seen] - ty[seen])
    rx, ry, rs = _paired("deleter-noticed", "silent", runs, "reach")
    reach = ratio_of_sums(rx[seen], ry[seen], rs[seen])
    penalty = _scenario(ORDINARY).response.trust_deletion_noticed
    gone = np.array([r["deleted_share"] for r in library_batch("deleter-unnoticed", runs)
                     if r["negative_posts"] > 0])
    on_channel = _scenario(ORDINARY).response.on_channel
    cut_why = (f"the deleter removes {np.mean(gone):.0%} of negative posts on average "
               f"(every post by a brand follower and {on_channel:.0%} of the rest sit on its "
               f"channel) and with them all their pending reactions, at every round of "
               f"deletions")
    up_why = (f"the 'they deleted my comment' storyline adds volume (noticed {up.value:.2f} "
              f"vs unnoticed {unnoticed.value:.2f} of silent's) but less than the deletions "
              f"remove" if up.value <= 1.0 else "")
    parts = (Part("unnoticed / silent", unnoticed, 0.80, 1.0, "0.8-1.0", "x", why=cut_why),
             Part("noticed / silent", up, 1.0, math.inf, "> 1", "x", strict=True, why=up_why),
             Part("noticed trust - silent", trust, -math.inf, 0.0, "< 0", "pts", strict=True,
                  why=f"the deletions also shrink the audience (reach {reach.value:.2f} of "
                  f"silent's), so fewer people judge the brand, and the heavier judgement after "
                  f"a noticed deletion (x{penalty:g}) does not make up for it"))
    facts = f"a deletion was noticed in {int(seen.sum())} of {seen.size} noticed-arm runs"
    return _result("R12", "unnoticed deletion cuts 72 h volume by at most 20%; noticed deletion "
                   "raises volume and lowers trust", parts, 3 * len(rows), facts, r12)
