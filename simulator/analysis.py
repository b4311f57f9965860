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
from simulator.sensitivity import assumed_parameters
from simulator.store import METRIC_NAMES, ResultsStore, StoreError

Row = dict[str, Any]
GroupKey = tuple[str, str, str]  # (scenario, point, strategy)

# The metrics the terminal table shows, with short headers: trust first, then attention.
KEY_METRICS: tuple[tuple[str, str], ...] = (
    ("reputation_end", "trust end"), ("trust_dip", "trust dip"),
    ("negative_posts", "neg. posts"), ("sharers", "sharers"), ("reach", "reach"))
KEY_METRICS_NOTE = ("trust: a higher end and a smaller dip are better; "
                    "attention (negative posts, sharers, reach): lower is better")

#: outcomes where higher is better (the trust index); every other outcome is better lower
HIGHER_IS_BETTER = frozenset({"reputation_end", "reputation_min", "trust_start", "trust_30d"})


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
    from scipy import stats

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
    half = float(stats.t.ppf(0.5 + level / 2, n - 1)) * sd / math.sqrt(n)
    return {"n": n, "mean": mean, "median": median, "sd": sd,
            "ci_low": mean - half, "ci_high": mean + half}


def _grid_rows(rows: Iterable[Row], design: str = "grid") -> list[Row]:
    return [r for r in rows if r.get("design", "grid") == design]


def _metrics(metrics: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(METRIC_NAMES if metrics is None else metrics)


def strategy_order(rows: Iterable[Row], baseline: str | None = None) -> list[str]:
    """Strategies in the order rows bring them (the store keeps the experiment's order),
    the baseline first: tables read best that way."""
    names = list(dict.fromkeys(r["strategy"] for r in rows))
    if baseline in names:
        names.remove(baseline)
        names.insert(0, baseline)
    return names


# ---- summaries --------------------------------------------------------------------------
def summarise(rows: Iterable[Row], metrics: Sequence[str] | None = None) -> list[Row]:
    """One row per (scenario, point, strategy, metric) of the grid design.

    Failed runs are not averaged in (their metrics are missing); each row
    carries `failed`, the number of failed runs of its group, so a strategy
    that crashes often is not mistaken for one that does well.
    """
    groups: dict[GroupKey, list[Row]] = defaultdict(list)
    failed: dict[GroupKey, int] = defaultdict(int)
    params: dict[GroupKey, dict[str, Any]] = {}
    for r in _grid_rows(rows):
        key = (r["scenario"], r["point"], r["strategy"])
        params.setdefault(key, dict(r.get("params") or {}))
        if r.get("status") == "ok":
            groups[key].append(r)
        else:
            failed[key] += 1
            groups.setdefault(key, [])
    out: list[Row] = []
    for key in groups:  # the rows' order: the experiment's own order of strategies
        for metric in _metrics(metrics):
            values = [r[metric] for r in groups[key] if r.get(metric) is not None]
            out.append({"scenario": key[0], "point": key[1], "strategy": key[2],
                        "metric": metric, **mean_ci(values), "failed": failed[key],
                        "params": params[key]})
    return out


def failures(rows: Iterable[Row]) -> list[Row]:
    """Failed runs (any design) with their errors, in store order."""
    keep = ("run_id", "design", "scenario", "point", "strategy", "replication", "seed", "error")
    return [{k: r.get(k) for k in keep} for r in rows if r.get("status") != "ok"]


def paired_differences(rows: Iterable[Row], baseline: str,
                       metrics: Sequence[str] | None = None) -> list[Row]:
    """Strategy minus baseline, matched by replication, per (scenario, point, metric).

    Only replications where both runs succeeded and both have the metric are
    paired. `relative_pct` is the mean difference in % of the baseline mean
    over those same replications (NaN when that mean is 0).
    """
    by_key: dict[GroupKey, dict[int, Row]] = defaultdict(dict)
    for r in _grid_rows(rows):
        if r.get("status") == "ok":
            by_key[(r["scenario"], r["point"], r["strategy"])][int(r["replication"])] = r
    out: list[Row] = []
    for (scenario, point, strategy) in by_key:
        if strategy == baseline or (scenario, point, baseline) not in by_key:
            continue
        base, other = by_key[(scenario, point, baseline)], by_key[(scenario, point, strategy)]
        for metric in _metrics(metrics):
            pairs = [(other[i][metric], base[i][metric]) for i in sorted(set(base) & set(other))
                     if other[i].get(metric) is not None and base[i].get(metric) is not None]
            stats = mean_ci([a - b for a, b in pairs])
            base_mean = math.fsum(b for _, b in pairs) / len(pairs) if pairs else math.nan
            rel = stats["mean"] / base_mean * 100 if base_mean and pairs else math.nan
            out.append({"scenario": scenario, "point": point, "strategy": strategy,
                        "baseline": baseline, "metric": metric, "n_pairs": stats["n"],
                        "mean_diff": stats["mean"], "ci_low": stats["ci_low"],
                        "ci_high": stats["ci_high"], "sd": stats["sd"],
                        "baseline_mean": base_mean, "relative_pct": rel})
    return out


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


def value_key(value: Any) -> tuple[int, Any]:
    return (0, float(value)) if isinstance(value, (int, float)) else (1, str(value))


def sensitivity(rows: Iterable[Row], metric: str = "reputation_end", *,
                baseline: str | None = None, scenario: str | None = None) -> dict[str, Any]:
    """Which assumptions change the ranking of strategies, and how far each moves the metric.

    The default metric is trust at the end, the drill's first criterion; run
    it again with an attention metric (e.g. `negative_posts`) for the other.

    Uses the rows of the one-at-a-time design (`design == 'sensitivity'`) of
    one scenario (default: the first). The tornado follows the `baseline`
    strategy (default: the best one at the base point), because one bar per
    parameter is what a reader can take in. A flip is a change in the order
    of two strategies' means (a tie at either end is not a flip); with few
    replications small gaps flip by chance, so the report shows the means.
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
    ref = baseline if baseline is not None else (base_rank[0] if base_rank else None)
    result.update(scenario=scenario, strategy=ref,
                  base={"means": base_means, "ranking": base_rank})
    per_param: dict[str, list[tuple[Any, float]]] = defaultdict(list)
    for point in sorted(p for p in by_point if p):
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
            per_param[param].append((value, means[ref]))
    flipping = sorted({s["parameter"] for s in result["settings"] if s["flips"]})
    ranges = dict(assumed_parameters(Scenario()))
    base_ref = base_means.get(ref, math.nan)
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


def _table(header: list[str], body: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]
    line = lambda row: "  ".join(c.ljust(w) if i == 0 else c.rjust(w)  # noqa: E731
                                 for i, (c, w) in enumerate(zip(row, widths, strict=True)))
    return [line(header), "  ".join("-" * w for w in widths), *(line(r) for r in body)]


def format_table(summary_rows: Sequence[Row], diffs: Sequence[Row]) -> str:
    """Plain-text tables per scenario and point: means [95% CI], then paired differences."""
    keys = [m for m, _ in KEY_METRICS]
    stats = {(r["scenario"], r["point"], r["strategy"], r["metric"]): r for r in summary_rows}
    dstats = {(r["scenario"], r["point"], r["strategy"], r["metric"]): r for r in diffs}
    baseline = diffs[0]["baseline"] if diffs else None
    blocks: list[str] = []
    for scenario, point in sorted({(r["scenario"], r["point"]) for r in summary_rows}):
        here = [r for r in summary_rows if (r["scenario"], r["point"]) == (scenario, point)]
        strategies = strategy_order(here, baseline)
        title = f"scenario {scenario}" + (f"  |  {point}" if point else "")
        body = []
        for s in strategies:
            first = next(r for r in here if r["strategy"] == s)
            n = max((r["n"] for r in here if r["strategy"] == s), default=0)
            cells = [ci_cell(st["mean"], st["ci_low"], st["ci_high"]) if st else "-"
                     for st in (stats.get((scenario, point, s, m)) for m in keys)]
            fails = f" ({first['failed']} failed)" if first["failed"] else ""
            body.append([s + fails, str(n), *cells])
        lines = [title, *_table(["strategy", "n", *(h for _, h in KEY_METRICS)], body)]
        dbody = []
        for s in strategies:
            cells = []
            for m in keys:
                d = dstats.get((scenario, point, s, m))
                if d is None:
                    cells.append("")
                    continue
                rel = "" if math.isnan(d["relative_pct"]) else f" {d['relative_pct']:+.0f}%"
                cells.append(ci_cell(d["mean_diff"], d["ci_low"], d["ci_high"], True) + rel)
            if any(cells):
                n = max(dstats[(scenario, point, s, m)]["n_pairs"] for m in keys
                        if (scenario, point, s, m) in dstats)
                dbody.append([s, str(n), *cells])
        if dbody:
            lines += ["", f"paired difference vs {baseline} (mean [95% CI], % of baseline)",
                      *_table(["strategy", "pairs", *(h for _, h in KEY_METRICS)], dbody)]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + (f"\n\n{KEY_METRICS_NOTE}" if blocks else "")


def load_results(path: str | Path) -> tuple[ResultsStore, dict[str, Any]]:
    """Open an existing results file (folder or .sqlite) and its experiment description.

    Refuses a missing file instead of letting SQLite create an empty one.
    """
    p = Path(path)
    file = p / ResultsStore.FILENAME if p.is_dir() or not p.suffix else p
    if not file.is_file():
        raise StoreError(f"{file}: no such results file")
    store = ResultsStore(file)
    text = store.meta("experiment")
    return store, (json.loads(text) if text else {})


def _flat_params(rows: Iterable[Row]) -> list[Row]:
    """Rows with `params` spread into columns; non-scalar values as JSON text for Parquet."""
    out = []
    for r in rows:
        row = {k: v for k, v in r.items() if k not in ("params", "hourly")}
        for k, v in (r.get("params") or {}).items():
            row[k] = v if v is None or isinstance(v, (bool, int, float, str)) else json.dumps(v)
        row["params"] = json.dumps(r.get("params") or {}, sort_keys=True)
        out.append(row)
    return out


def export(rows: Iterable[Row], summary: Sequence[Row], out_dir: str | Path,
           hourly: Iterable[Sequence[Any]] | None = None) -> list[Path]:
    """Write summary.csv, runs.parquet and hourly.parquet for pandas, R or a spreadsheet.

    `hourly` is (run_id, hour, negative, reach, reputation) tuples, e.g.
    `ResultsStore.hourly()`; by default the rows' own `hourly` lists are used
    (rows straight from `run_task`). Parameter columns that mix types across
    rows are written as text, since Parquet columns have one type.
    """
    import pandas as pd

    rows = list(rows)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if hourly is None:
        hourly = [(r["run_id"], h, *vals) for r in rows for h, vals in
                  enumerate(r.get("hourly") or [])]
    summary_df = pd.DataFrame(_flat_params(summary))
    runs = pd.DataFrame(_flat_params(rows))
    for col in [c for c in runs.columns if pd.api.types.is_object_dtype(runs[c])]:
        kinds = {type(v) for v in runs[col] if v is not None and v == v}
        if len(kinds) > 1:
            runs[col] = [None if v is None else str(v) for v in runs[col]]
    hourly_df = pd.DataFrame(list(hourly),
                             columns=["run_id", "hour", "negative", "reach", "reputation"])
    paths = [out / "summary.csv", out / "runs.parquet", out / "hourly.parquet"]
    summary_df.to_csv(paths[0], index=False)
    runs.to_parquet(paths[1], index=False)
    hourly_df.to_parquet(paths[2], index=False)
    return paths
