"""Statistics over batch results: summaries, paired differences, sensitivity.

Everything here works on the tidy row dicts of `ResultsStore.rows()` (or
`run_batch`), so it needs no database and is easy to test on hand-made rows.
Confidence intervals are t intervals of a mean: with the tens to thousands of
replications a batch runs they are accurate enough and they need no
resampling, so a report stays reproducible to the last digit. Differences
between strategies are *paired* by replication (every strategy runs
replication i with the same seed), which removes most of the run-to-run
noise that unpaired intervals would carry.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from simulator.config import Scenario
from simulator.intervals import t_half_width
from simulator.outcomes import STORED, Unit, outcome
from simulator.sensitivity import assumed_parameters
from simulator.store import METRIC_NAMES, ResultsStore, StoreError, params_key, value_key

Row = dict[str, Any]
GroupKey = tuple[str, str, str]  # (scenario, point, strategy)

# The metrics the terminal table shows, with short headers: trust first, then attention.
KEY_METRICS: tuple[tuple[str, str], ...] = tuple(
    (name, outcome(name).short)
    for name in ("reputation_end", "trust_dip", "negative_posts", "sharers", "reach"))
KEY_METRICS_NOTE = ("trust: a higher end and a smaller dip are better; "
                    "attention (negative posts, sharers, reach): lower is better; "
                    "trust differences are index points (the index crosses 0, so no %); "
                    "'no clear difference': the 95% interval contains 0")

#: outcomes where higher is better (the trust index); every other outcome is better lower
HIGHER_IS_BETTER = frozenset(o.name for o in STORED if o.higher_is_better)
#: outcomes on a ratio scale (counts and durations, zero means none): only for these is a
#: difference "% of the baseline" meaningful. The trust index crosses zero and is read in
#: index points (+6.22 on a baseline of -1.6 is not "-382%"); shares are read in points too.
PERCENT_METRICS = frozenset(o.name for o in STORED if o.ratio_scale)
#: clock times that stay empty when the moment never came (never detected, never answered)
NEVER_LABELS = {o.name: o.never for o in STORED if o.unit is Unit.CLOCK}
NO_CLEAR_DIFFERENCE = "no clear difference"
#: the trust index and its derivatives: differences are read in index points
TRUST_METRICS = frozenset(o.name for o in STORED if o.unit is Unit.INDEX)


def rank_key(summary: Mapping[str, Any]) -> tuple[float, float]:
    """Sort key of one outcome, best first: the drill's one ranking rule.

    Drills are scored on trust first (what the crisis costs the brand), then
    on attention: higher `reputation_end`, then fewer `negative_posts`. A
    missing value ranks last, so an unfinished or failed outcome never wins.
    Leaderboards, debrief percentiles and "best" strategies all sort on this.
    """
    trust = summary.get("reputation_end")
    negative = summary.get("negative_posts")
    return (math.inf if trust is None else -float(trust),
            math.inf if negative is None else float(negative))


def better_first(metric: str) -> int:
    """+1 if lower values of `metric` are better, -1 if higher are (multiply before sorting)."""
    return -1 if metric in HIGHER_IS_BETTER else 1


# ---- basic statistics -------------------------------------------------------------------
def mean_ci(values: Sequence[float], level: float = 0.95) -> dict[str, float]:
    """n, mean, median, sd and the t interval of the mean; NaN where undefined (n < 2)."""
    n = len(values)
    if n == 0:
        nan = math.nan
        return {"n": 0, "mean": nan, "median": nan, "sd": nan, "ci_low": nan, "ci_high": nan}
    xs = sorted(float(v) for v in values)
    mean = math.fsum(xs) / n
    median = xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2
    if n < 2:
        return {"n": 1, "mean": mean, "median": median, "sd": math.nan,
                "ci_low": math.nan, "ci_high": math.nan}
    sd = math.sqrt(math.fsum((x - mean) ** 2 for x in xs) / (n - 1))
    half = t_half_width(sd, n, level)
    return {"n": n, "mean": mean, "median": median, "sd": sd,
            "ci_low": mean - half, "ci_high": mean + half}


def _grid_rows(rows: Iterable[Row], design: str = "grid") -> list[Row]:
    return [r for r in rows if r.get("design", "grid") == design]


def _metrics(metrics: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(METRIC_NAMES if metrics is None else metrics)


def policy_params(row: Mapping[str, Any]) -> dict[str, Any]:
    """The policy parameters of a run (strategy settings as experiment axes); {} in old files."""
    value = row.get("policy_params") or {}
    return json.loads(value) if isinstance(value, str) else dict(value)


def strategy_order(rows: Iterable[Row], baseline: str | None = None) -> list[str]:
    """Strategies in the order rows bring them (the store keeps the experiment's order),
    the baseline first: tables read best that way.

    Policies that differ only in the values of the same policy parameters
    (respond after 15, 60 or 240 minutes) are put in numeric order of those
    values, at the place of the first of them, whatever order they came in.
    """
    first: dict[str, Row] = {}
    for r in rows:
        first.setdefault(r["strategy"], r)
    family = {s: tuple(sorted(policy_params(r))) for s, r in first.items()}
    names: list[str] = []
    for s in first:
        if not family[s]:
            names.append(s)
        elif s not in names:
            names += sorted((t for t in first if family[t] == family[s]),
                            key=lambda t: (params_key(policy_params(first[t])), t))
    if baseline in names:
        names.remove(baseline)
        names.insert(0, baseline)
    return names


# ---- summaries --------------------------------------------------------------------------
def _group_order(rows: Iterable[Row]) -> list[GroupKey]:
    """(scenario, point, strategy) keys: scenarios by name, points numerically, strategies
    in the rows' (the experiment's) order."""
    rows = list(rows)
    rank = {s: i for i, s in enumerate(strategy_order(rows))}
    params: dict[GroupKey, Mapping[str, Any]] = {}
    for r in rows:
        params.setdefault((r["scenario"], r["point"], r["strategy"]), r.get("params") or {})
    return sorted(params, key=lambda k: (k[0], params_key(params[k]), k[1], rank[k[2]]))


def summarise(rows: Iterable[Row], metrics: Sequence[str] | None = None,
              design: str = "grid") -> list[Row]:
    """One row per (scenario, point, strategy, metric) of one design (default the grid).

    Failed runs are not averaged in (their metrics are missing); each row
    carries `failed`, the number of failed runs of its group, so a strategy
    that crashes often is not mistaken for one that does well. `missing`
    counts the successful runs without a value (for a clock time such as the
    first response: the runs where it never came); the mean and its interval
    are over the others only, so they must be read next to it. `half_width`
    is the achieved half-width of the 95% interval.
    """
    rows = _grid_rows(rows, design)
    groups: dict[GroupKey, list[Row]] = defaultdict(list)
    failed: dict[GroupKey, int] = defaultdict(int)
    first: dict[GroupKey, Row] = {}
    for r in rows:
        key = (r["scenario"], r["point"], r["strategy"])
        first.setdefault(key, r)
        if r.get("status") == "ok":
            groups[key].append(r)
        else:
            failed[key] += 1
    out: list[Row] = []
    for key in _group_order(rows):
        ok = groups.get(key, [])
        for metric in _metrics(metrics):
            values = [r[metric] for r in ok if r.get(metric) is not None]
            stats = mean_ci(values)
            out.append({"scenario": key[0], "point": key[1], "strategy": key[2],
                        "metric": metric, **stats,
                        "half_width": (stats["ci_high"] - stats["ci_low"]) / 2,
                        "missing": len(ok) - len(values),
                        "missing_share": (len(ok) - len(values)) / len(ok) if ok else math.nan,
                        "failed": failed[key], "params": dict(first[key].get("params") or {}),
                        "policy_params": policy_params(first[key])})
    return out


def failures(rows: Iterable[Row]) -> list[Row]:
    """Failed runs (any design) with their errors, in store order."""
    keep = ("run_id", "design", "scenario", "point", "strategy", "replication", "seed", "error")
    return [{k: r.get(k) for k in keep} for r in rows if r.get("status") != "ok"]


def spans_zero(low: float, high: float) -> bool | None:
    """Whether an interval contains 0 (no clear difference); None when it is undefined."""
    if math.isnan(low) or math.isnan(high):
        return None
    return low <= 0 <= high


def paired_differences(rows: Iterable[Row], baseline: str,
                       metrics: Sequence[str] | None = None, design: str = "grid") -> list[Row]:
    """Strategy minus baseline, matched by replication, per (scenario, point, metric).

    Only replications where both runs succeeded and both have the metric are
    paired. `spans_zero` says whether the 95% interval contains 0 (then the
    data show no clear difference). `relative_pct` is the mean difference in %
    of the baseline mean over those same replications, and only for counts
    and durations (`PERCENT_METRICS`): on the trust index, which crosses zero,
    a percentage would be meaningless or even flip the sign (NaN there).
    """
    rows = _grid_rows(rows, design)
    by_key: dict[GroupKey, dict[int, Row]] = defaultdict(dict)
    for r in rows:
        if r.get("status") == "ok":
            by_key[(r["scenario"], r["point"], r["strategy"])][int(r["replication"])] = r
    out: list[Row] = []
    for (scenario, point, strategy) in _group_order(rows):
        if strategy == baseline or (scenario, point, baseline) not in by_key:
            continue
        base = by_key[(scenario, point, baseline)]
        other = by_key.get((scenario, point, strategy), {})
        first = next(iter(other.values()), None)
        for metric in _metrics(metrics):
            pairs = [(other[i][metric], base[i][metric]) for i in sorted(set(base) & set(other))
                     if other[i].get(metric) is not None and base[i].get(metric) is not None]
            stats = mean_ci([a - b for a, b in pairs])
            base_mean = math.fsum(b for _, b in pairs) / len(pairs) if pairs else math.nan
            rel = (stats["mean"] / base_mean * 100
                   if metric in PERCENT_METRICS and pairs and base_mean > 0 else math.nan)
            out.append({"scenario": scenario, "point": point, "strategy": strategy,
                        "baseline": baseline, "metric": metric, "n_pairs": stats["n"],
                        "mean_diff": stats["mean"], "ci_low": stats["ci_low"],
                        "ci_high": stats["ci_high"], "sd": stats["sd"],
                        "half_width": (stats["ci_high"] - stats["ci_low"]) / 2,
                        "spans_zero": spans_zero(stats["ci_low"], stats["ci_high"]),
                        "baseline_mean": base_mean, "relative_pct": rel,
                        "params": dict((first or {}).get("params") or {}),
                        "policy_params": policy_params(first or {})})
    return out


def verdict(diff: Mapping[str, Any]) -> str:
    """A paired difference in words: better, worse, or no clear difference (interval spans 0)."""
    spans = diff.get("spans_zero")
    if spans is None:
        return "too few pairs"
    if spans:
        return NO_CLEAR_DIFFERENCE
    good = diff["mean_diff"] * better_first(diff["metric"]) < 0
    return "better" if good else "worse"


# ---- sensitivity ------------------------------------------------------------------------
def _ranking(means: dict[str, float], metric: str) -> list[str]:
    """Strategies from best to worst on `metric` (higher trust, lower attention); ties by name."""
    sign = better_first(metric)
    return sorted((s for s, m in means.items() if not math.isnan(m)),
                  key=lambda s: (sign * means[s], s))


def _means(rows: Iterable[Row], metric: str) -> dict[str, float]:
    values: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        if r.get(metric) is not None:
            values[r["strategy"]].append(float(r[metric]))
    return {s: math.fsum(v) / len(v) for s, v in sorted(values.items())}


def _reverses(base: dict[str, float], other: dict[str, float], names: set[str]) -> bool:
    """Whether some pair of strategies is in strictly opposite order (ties never flip)."""
    ordered = sorted(names)
    return any((base[a] - base[b]) * (other[a] - other[b]) < 0
               for i, a in enumerate(ordered) for b in ordered[i + 1:])


def sensitivity(rows: Iterable[Row], metric: str = "reputation_end", *,
                baseline: str | None = None, scenario: str | None = None) -> dict[str, Any]:
    """Which assumptions change the ranking of strategies, and how far each moves the metric.

    The default metric is trust at the end, the drill's first criterion; run
    it again with an attention metric (e.g. `negative_posts`) for the other.

    Uses the rows of the one-at-a-time design (`design == 'sensitivity'`) of
    one scenario (default: the first). The tornado follows the *difference*
    between the best other strategy at the base point and the `baseline`
    (paired: every strategy runs the same seeds), because what an assumption
    does to one strategy alone says nothing about which to choose (the
    baseline's own bars for response parameters are zero by construction).
    `flipping` lists settings where the order of two means changes; it is
    descriptive only: `simulator.gsa.flips` decides which changes are real,
    with paired intervals and false-discovery-rate control.
    """
    sens = [r for r in _grid_rows(rows, "sensitivity") if r.get("status") == "ok"]
    scenarios = sorted({r["scenario"] for r in sens})
    result: dict[str, Any] = {"scenario": scenario, "metric": metric, "strategy": baseline,
                              "base": {"means": {}, "ranking": []}, "settings": [],
                              "tornado": [], "flipping": []}
    if not sens:
        return result
    scenario = scenario if scenario is not None else scenarios[0]
    sens = [r for r in sens if r["scenario"] == scenario]
    by_point: dict[str, list[Row]] = defaultdict(list)
    for r in sens:
        by_point[r["point"]].append(r)
    base_means = _means(by_point.get("", []), metric)
    base_rank = _ranking(base_means, metric)
    ref = baseline if baseline is not None else (base_rank[-1] if base_rank else None)
    contrast = next((s for s in base_rank if s != ref), None)
    result.update(scenario=scenario, strategy=f"{contrast} - {ref}" if contrast else ref,
                  base={"means": base_means, "ranking": base_rank})

    def gap(means: dict[str, float]) -> float:
        """The tornado's quantity: the contrast minus the baseline (or the baseline alone
        when there is nothing to compare it with)."""
        if ref is None:  # no strategies at all (a contrast needs a ref to differ from)
            return math.nan
        if contrast is None:
            return means.get(ref, math.nan)
        return means.get(contrast, math.nan) - means.get(ref, math.nan)

    per_param: dict[str, list[tuple[Any, float]]] = defaultdict(list)
    for point in sorted((p for p in by_point if p),
                        key=lambda p: (params_key(by_point[p][0].get("params")), p)):
        group = by_point[point]
        (param, value), = group[0]["params"].items()
        means = _means(group, metric)
        common = set(means) & set(base_means)
        rank = [s for s in _ranking(means, metric) if s in common]
        flips = _reverses(base_means, means, common)
        result["settings"].append({"parameter": param, "value": value, "point": point,
                                   "means": means, "ranking": rank, "flips": flips,
                                   "n": len(group)})
        if ref in means:
            per_param[param].append((value, gap(means)))
    flipping = sorted({s["parameter"] for s in result["settings"] if s["flips"]})
    ranges = dict(assumed_parameters(Scenario()))
    base_ref = gap(base_means)
    tornado = []
    for param, points in per_param.items():
        points.sort(key=lambda p: value_key(p[0]))
        (low, at_low), (high, at_high) = points[0], points[-1]
        if len(points) == 1:  # the sweep skipped the end of the range that is the base value
            lo_end, hi_end = ranges.get(param, (None, None))
            if low == lo_end:
                high, at_high = hi_end, base_ref
            else:
                low, at_low = lo_end, base_ref
        tornado.append({"parameter": param, "low": low, "high": high, "metric_low": at_low,
                        "metric_high": at_high, "base": base_ref,
                        "swing": abs(at_high - at_low), "flips": param in flipping})
    tornado.sort(key=lambda t: (-t["swing"], t["parameter"]))
    result.update(tornado=tornado, flipping=flipping)
    return result


# ---- output -----------------------------------------------------------------------------
def fmt(x: float | None) -> str:
    """A number with as many digits as its size deserves; '-' when missing."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    ax = abs(x)
    if ax >= 100:
        return f"{x:,.0f}"
    return f"{x:.1f}" if ax >= 10 else f"{x:.2f}"


def ci_cell(mean: float, low: float, high: float, signed: bool = False) -> str:
    """`mean [low, high]`, signed for differences."""
    sign = "+" if signed and not math.isnan(mean) and mean > 0 else ""
    return f"{sign}{fmt(mean)} [{fmt(low)}, {fmt(high)}]"


def _is_number(cell: str) -> bool:
    return bool(cell) and (cell[0].isdigit() or cell[0] in "+-") and cell != "-"


def _table(header: list[str], body: list[list[str]]) -> list[str]:
    """Columns of numbers align right (to compare them), columns of words left (to read them)."""
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    numeric = [any(_is_number(row[i]) for row in body) for i in range(len(header))]
    line = lambda row: "  ".join(c.rjust(w) if numeric[i] else c.ljust(w)  # noqa: E731
                                 for i, (c, w) in enumerate(zip(row, widths,
                                                                strict=True))).rstrip()
    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in body)]


def point_order(rows: Iterable[Row]) -> list[tuple[str, str]]:
    """(scenario, point) pairs of summary or difference rows, points in numeric order."""
    params: dict[tuple[str, str], Mapping[str, Any]] = {}
    for r in rows:
        params.setdefault((r["scenario"], r["point"]), r.get("params") or {})
    return sorted(params, key=lambda k: (k[0], params_key(params[k]), k[1]))


def _never(stats: Mapping[str, Any] | None) -> str:
    """'53 of 100 (53%)': the runs without a value, out of the successful ones."""
    if stats is None:
        return "-"
    total = stats["n"] + stats["missing"]
    return f"{stats['missing']} of {total} ({100 * stats['missing_share']:.0f}%)" if total else "-"


def means_table(summary_rows: Sequence[Row], scenario: str, point: str,
                baseline: str | None) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one point's means [95% CI] of the key metrics, baseline first."""
    here = [r for r in summary_rows if (r["scenario"], r["point"]) == (scenario, point)]
    stats = {(r["strategy"], r["metric"]): r for r in here}
    body = []
    for s in strategy_order(here, baseline):
        first = next(r for r in here if r["strategy"] == s)
        n = max((r["n"] for r in here if r["strategy"] == s), default=0)
        cells = [ci_cell(st["mean"], st["ci_low"], st["ci_high"]) if st else "-"
                 for st in (stats.get((s, m)) for m, _ in KEY_METRICS)]
        fails = f" ({first['failed']} failed)" if first["failed"] else ""
        body.append([s + fails, str(n), *cells])
    return ["strategy", "n", *(h for _, h in KEY_METRICS)], body


def relative_cell(diff: Mapping[str, Any]) -> str:
    """'-8% of baseline' for counts; 'index points' for trust, where % would mislead."""
    if diff["metric"] not in PERCENT_METRICS:
        return "index points" if diff["metric"] in TRUST_METRICS else ""
    rel = diff["relative_pct"]
    return "" if rel is None or math.isnan(rel) else f"{rel:+.0f}% of baseline"


def paired_table(diffs: Sequence[Row], scenario: str, point: str,
                 metrics: Sequence[tuple[str, str]] = KEY_METRICS
                 ) -> tuple[list[str], list[list[str]]]:
    """Header and rows of one point's paired differences: one row per strategy and outcome.

    Every difference is read in words too: an interval that spans 0 says
    "no clear difference" rather than leaving a reader to spot the signs.
    """
    here = {(r["strategy"], r["metric"]): r for r in diffs
            if (r["scenario"], r["point"]) == (scenario, point)}
    body = []
    for s in dict.fromkeys(r["strategy"] for r in diffs
                           if (r["scenario"], r["point"]) == (scenario, point)):
        for i, (m, label) in enumerate(metrics):
            d = here.get((s, m))
            if d is None:
                continue
            body.append([s if i == 0 else "", label, str(d["n_pairs"]),
                         ci_cell(d["mean_diff"], d["ci_low"], d["ci_high"], True),
                         relative_cell(d), verdict(d)])
    return ["strategy", "outcome", "pairs", "difference [95% CI]", "relative", "reading"], body


def response_table(summary_rows: Sequence[Row], scenario: str, point: str,
                   baseline: str | None) -> tuple[list[str], list[list[str]]]:
    """Header and rows of detection and first-response times, with the runs where they
    never came: a mean over the runs that responded says nothing without that share."""
    here = [r for r in summary_rows if (r["scenario"], r["point"]) == (scenario, point)]
    stats = {(r["strategy"], r["metric"]): r for r in here}
    body = []
    for s in strategy_order(here, baseline):
        det, resp = stats.get((s, "detected_at_h")), stats.get((s, "first_response_at_h"))
        if det is None and resp is None:
            continue
        cells = []
        for st in (det, resp):
            cells += ["-", "-", "-"] if st is None else [
                fmt(st["median"]),
                ci_cell(st["mean"], st["ci_low"], st["ci_high"]) if st["n"] else "-",
                _never(st)]
        body.append([s, *cells])
    return ["strategy", "detected: median h", "mean h [95% CI]", "never detected",
            "1st response: median h", "mean h [95% CI]", "never responded"], body


def format_table(summary_rows: Sequence[Row], diffs: Sequence[Row]) -> str:
    """Plain-text tables per scenario and point (points in numeric order): means [95% CI],
    paired differences in long form with their reading, and response times with the share
    of runs that never responded."""
    baseline = diffs[0]["baseline"] if diffs else None
    blocks: list[str] = []
    for scenario, point in point_order(summary_rows):
        title = f"scenario {scenario}" + (f"  |  {point}" if point else "")
        lines = [title, *_table(*means_table(summary_rows, scenario, point, baseline))]
        head, body = paired_table(diffs, scenario, point)
        if body:
            lines += ["", f"paired difference vs {baseline} (same seeds; mean [95% CI])",
                      *_table(head, body)]
        head, body = response_table(summary_rows, scenario, point, baseline)
        if body:
            lines += ["", "response times (means over the runs where it happened)",
                      *_table(head, body)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + (f"\n\n{KEY_METRICS_NOTE}" if blocks else "")


def load_results(path: str | Path) -> tuple[ResultsStore, dict[str, Any]]:
    """Open an existing results file (folder or its results.sqlite) read-only, and its experiment.

    Read-only (SQLite `mode=ro`): reading never creates a file where there was
    none, and never turns a user's file into a database; a file that is not an
    intact stormdrill results file is a StoreError naming it.
    """
    p = Path(path)
    if p.is_dir() and not (p / ResultsStore.FILENAME).exists():
        raise StoreError(f"{p}: no {ResultsStore.FILENAME} in this folder; expected the --out "
                         "folder of `stormdrill batch` (or its results.sqlite)")
    store = ResultsStore(p, readonly=True)
    text = store.meta("experiment")
    return store, (json.loads(text) if text else {})
