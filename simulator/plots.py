"""Figures of a batch: outcome distributions, hourly curves, delay sweeps, a tornado.

matplotlib is imported inside the functions and figures are drawn on an Agg
canvas without pyplot, so `import simulator` never pulls matplotlib in, no
global figure state leaks between calls, and it works on a headless cluster
node. Sizes, colours and file names are fixed by the data alone and SVGs
carry no date and a fixed id salt, so the same results give the same files.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from simulator import analysis

Row = dict[str, Any]
DIST_METRICS = ("reputation_end", "negative_posts", "reach")  # trust first, then attention
PANELS_PER_PAGE = 6
TORNADO_BARS = 15
DELAY_SUFFIXES = ("_h", "_min")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "base"


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _pages(items: Sequence[Any], size: int = PANELS_PER_PAGE) -> Iterator[tuple[str, list[Any]]]:
    """Chunks of panels, so a big grid never makes a figure metres tall."""
    chunks = [list(items[i:i + size]) for i in range(0, len(items), size)] or [[]]
    for i, chunk in enumerate(chunks):
        yield ("" if len(chunks) == 1 else f"-p{i + 1}"), chunk


def _colours(strategies: Sequence[str]) -> dict[str, Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return {s: cmap(i % 10) for i, s in enumerate(strategies)}


def _ci(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-column mean and t-interval of a runs x hours matrix padded with NaN."""
    from scipy import stats

    n = np.sum(~np.isnan(matrix), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(matrix, axis=0) if matrix.size else np.array([])
        sd = np.nanstd(matrix, axis=0, ddof=1) if matrix.size else np.array([])
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sd / np.sqrt(n)
    half[n < 2] = np.nan
    return mean, mean - half, mean + half


def _panel_title(scenario: str, point: str) -> str:
    return f"{scenario}: {point}" if point else scenario


# ---- (a) outcome distributions -------------------------------------------------------
def _distributions(rows: list[Row], order: list[str], colours: dict[str, Any]) -> Iterator[
        tuple[str, Any]]:
    ok = [r for r in rows if r.get("design", "grid") == "grid" and r.get("status") == "ok"]
    for scenario in sorted({r["scenario"] for r in ok}):
        points = sorted({r["point"] for r in ok if r["scenario"] == scenario})
        for suffix, chunk in _pages(points):
            fig = _figure(4 * len(DIST_METRICS), 0.6 + 3.0 * len(chunk))
            axes = fig.subplots(len(chunk), len(DIST_METRICS), squeeze=False)
            for i, point in enumerate(chunk):
                here = [r for r in ok if (r["scenario"], r["point"]) == (scenario, point)]
                names = [s for s in order if any(r["strategy"] == s for r in here)]
                for j, metric in enumerate(DIST_METRICS):
                    ax = axes[i][j]
                    data = [[r[metric] for r in here if r["strategy"] == s
                             and r.get(metric) is not None] or [math.nan] for s in names]
                    box = ax.boxplot(data, patch_artist=True, showmeans=True, widths=0.6)
                    for patch, s in zip(box["boxes"], names, strict=True):
                        patch.set_facecolor(colours[s])
                        patch.set_alpha(0.55)
                    ax.set_xticks(range(1, len(names) + 1), names, rotation=20)
                    ax.set_ylabel(metric)
                    ax.set_title(_panel_title(scenario, point), fontsize=9)
                    ax.grid(axis="y", alpha=0.3)
            fig.suptitle(f"Outcomes per strategy (box: quartiles, triangle: mean) - {scenario}")
            yield f"distributions-{_slug(scenario)}{suffix}", fig


# ---- (b) hourly negative posts -------------------------------------------------------
def _hourly(rows: list[Row], hourly: dict[str, list[float]], order: list[str],
            colours: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    ok = [r for r in rows if r.get("design", "grid") == "grid" and r.get("status") == "ok"
          and r["run_id"] in hourly]
    for scenario in sorted({r["scenario"] for r in ok}):
        points = sorted({r["point"] for r in ok if r["scenario"] == scenario})
        for suffix, chunk in _pages(points):
            ncols = 1 if len(chunk) == 1 else 2
            nrows = math.ceil(len(chunk) / ncols)
            fig = _figure(10, 0.8 + 3.2 * nrows)
            axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
            for ax in axes[len(chunk):]:
                ax.set_visible(False)
            for ax, point in zip(axes, chunk, strict=False):
                for s in order:
                    series = [hourly[r["run_id"]] for r in ok if r["strategy"] == s
                              and (r["scenario"], r["point"]) == (scenario, point)]
                    if not series:
                        continue
                    width = max(len(x) for x in series)
                    matrix = np.full((len(series), width), np.nan)
                    for k, x in enumerate(series):
                        matrix[k, :len(x)] = x
                    mean, low, high = _ci(matrix)
                    hours = np.arange(width)
                    ax.plot(hours, mean, color=colours[s], label=f"{s} (n={len(series)})")
                    ax.fill_between(hours, low, high, color=colours[s], alpha=0.2, lw=0)
                ax.set_xlabel("hour since the complaint")
                ax.set_ylabel("negative posts per hour")
                ax.set_title(_panel_title(scenario, point), fontsize=9)
                ax.grid(alpha=0.3)
                ax.legend(fontsize=8)
            fig.suptitle(f"Mean negative posts per hour, 95% band - {scenario}")
            yield f"hourly-{_slug(scenario)}{suffix}", fig


# ---- (c) delay sweeps ----------------------------------------------------------------
def is_delay(path: str) -> bool:
    """A grid parameter measured in time (`..._h`, `..._min`): worth a sweep curve."""
    return path.rsplit(".", 1)[-1].endswith(DELAY_SUFFIXES)


def _sweeps(summary: list[Row], order: list[str], colours: dict[str, Any]) -> Iterator[
        tuple[str, Any]]:
    paths = sorted({p for r in summary for p in r["params"]})
    for scenario in sorted({r["scenario"] for r in summary}):
        mine = [r for r in summary if r["scenario"] == scenario and r["metric"] in DIST_METRICS]
        for path in filter(is_delay, paths):
            others = [p for p in paths if p != path]
            combos = sorted({tuple(str(r["params"].get(p)) for p in others) for r in mine},
                            key=str)
            xs = sorted({r["params"].get(path) for r in mine if path in r["params"]},
                        key=analysis.value_key)
            if len(xs) < 2:
                continue
            numeric = all(isinstance(x, (int, float)) for x in xs)
            pos = {x: (float(x) if numeric else float(i)) for i, x in enumerate(xs)}
            span = (max(pos.values()) - min(pos.values())) or 1.0
            for suffix, chunk in _pages(combos):
                fig = _figure(4 * len(DIST_METRICS), 0.8 + 3.2 * len(chunk))
                axes = fig.subplots(len(chunk), len(DIST_METRICS), squeeze=False)
                for i, combo in enumerate(chunk):
                    label = ", ".join(f"{p}={v}" for p, v in zip(others, combo, strict=True))
                    for j, metric in enumerate(DIST_METRICS):
                        ax = axes[i][j]
                        for k, s in enumerate(order):
                            pts = sorted(((pos[r["params"][path]], r) for r in mine
                                          if r["strategy"] == s and r["metric"] == metric
                                          and path in r["params"] and tuple(
                                              str(r["params"].get(p)) for p in others) == combo),
                                         key=lambda t: t[0])
                            if not pts:
                                continue
                            dodge = (k - (len(order) - 1) / 2) * span * 0.012
                            x = np.array([p for p, _ in pts]) + dodge
                            y = np.array([r["mean"] for _, r in pts])
                            err = np.array([[r["mean"] - r["ci_low"], r["ci_high"] - r["mean"]]
                                            for _, r in pts]).T
                            ax.errorbar(x, y, yerr=np.nan_to_num(err), color=colours[s],
                                        marker="o", capsize=3, label=s)
                        if not numeric:
                            ax.set_xticks(list(pos.values()), [str(x) for x in xs])
                        ax.set_xlabel(path)
                        ax.set_ylabel(f"mean {metric}")
                        ax.set_title(f"{scenario}" + (f" ({label})" if label else ""),
                                     fontsize=9)
                        ax.grid(alpha=0.3)
                        ax.legend(fontsize=8)
                fig.suptitle(f"Mean outcome vs {path}, 95% CI - {scenario}")
                yield f"sweep-{_slug(scenario)}-{_slug(path)}{suffix}", fig


# ---- (d) tornado ---------------------------------------------------------------------
def _tornado(rows: list[Row], baseline: str | None, metric: str) -> Iterator[tuple[str, Any]]:
    scenarios = sorted({r["scenario"] for r in rows if r.get("design") == "sensitivity"})
    for scenario in scenarios:
        sens = analysis.sensitivity(rows, metric, baseline=baseline, scenario=scenario)
        bars = sens["tornado"][:TORNADO_BARS][::-1]  # largest swing on top
        if not bars:
            continue
        fig = _figure(10, 1.6 + 0.42 * len(bars))
        ax = fig.subplots()
        base = sens["tornado"][0]["base"]
        ys = np.arange(len(bars))
        lows = np.array([b["metric_low"] for b in bars]) - base
        highs = np.array([b["metric_high"] for b in bars]) - base
        ax.barh(ys, lows, left=base, color="#4c72b0", label="low end of range")
        ax.barh(ys, highs, left=base, color="#dd8452", alpha=0.85, label="high end of range")
        ax.axvline(base, color="black", lw=1)
        labels = [f"{b['parameter']} [{b['low']} .. {b['high']}]"
                  + ("  * flips ranking" if b["flips"] else "") for b in bars]
        ax.set_yticks(ys, labels, fontsize=8)
        ax.set_xlabel(f"mean {metric} of '{sens['strategy']}' (base {analysis.fmt(base)})")
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=8, loc="lower right")
        fig.suptitle(f"Sensitivity of mean {metric} to model assumptions - {scenario}\n"
                     f"{len(sens['flipping'])} parameter(s) flip the ranking of strategies",
                     fontsize=11)
        yield f"tornado-{_slug(scenario)}", fig


# ---- entry point ---------------------------------------------------------------------
def _load(source: str | Path | Iterable[Row]) -> tuple[list[Row], dict[str, list[float]],
                                                         str | None]:
    """Rows, hourly negatives per run and the baseline, from a results file or rows."""
    if isinstance(source, (str, Path)):
        store, meta = analysis.load_results(source)
        try:
            rows = list(store.rows())
            hourly: dict[str, list[float]] = defaultdict(list)
            for run_id, _hour, negative, _reach, _rep in store.hourly():
                hourly[run_id].append(float(negative))
        finally:
            store.close()
        return rows, dict(hourly), meta.get("baseline")
    rows = list(source)
    hourly = {r["run_id"]: [float(h[0]) for h in r["hourly"]] for r in rows if r.get("hourly")}
    return rows, hourly, None


def _save(name: str, fig: Any, out: Path, formats: Sequence[str]) -> list[Path]:
    from matplotlib import rc_context

    paths = []
    with rc_context({"svg.hashsalt": "stormdrill", "svg.fonttype": "path"}):
        for fmt in formats:
            path = out / f"{name}.{fmt}"
            meta = {"Date": None} if fmt in ("svg", "pdf") else {}
            fig.savefig(path, format=fmt, metadata=meta)
            fig.set_layout_engine("none")  # reuse this layout: later formats save faster
            paths.append(path)
    return paths


def plot_all(source: str | Path | Iterable[Row], out_dir: str | Path,
             formats: Sequence[str] = ("png", "svg"), *, baseline: str | None = None,
             metric: str = "reputation_end") -> list[Path]:
    """Draw every figure the data allows into `out_dir`; the paths written, in a fixed order.

    `source` is a results folder or .sqlite file, or tidy rows (hourly curves
    then need the rows' own `hourly` lists, as `run_task` returns them).
    `baseline` defaults to the experiment's; it is drawn first and is the
    strategy the tornado follows. The tornado shows `metric`, by default trust
    at the end, the outcome drills are scored on first.
    """
    rows, hourly, meta_baseline = _load(source)
    baseline = baseline or meta_baseline
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    order = analysis.strategy_order(rows, baseline)
    colours = _colours(order)
    summary = analysis.summarise(rows, DIST_METRICS)
    figures = itertools.chain(_distributions(rows, order, colours),
                              _hourly(rows, hourly, order, colours),
                              _sweeps(summary, order, colours), _tornado(rows, baseline, metric))
    written: list[Path] = []
    for name, fig in figures:  # one figure in memory at a time
        written += _save(name, fig, out, formats)
    return written
