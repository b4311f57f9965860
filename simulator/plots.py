"""Figures of a batch (outcome distributions, hourly curves, paired effects of sweeps,
heatmaps of 2-D sweeps, a tornado) and of one drill (`drill_chart_svg`): every chart the
tool draws.

matplotlib is imported inside the functions and figures are drawn on an Agg
canvas without pyplot, so `import simulator` never pulls matplotlib in, no
global figure state leaks between calls, and it works on a headless cluster
node. Sizes, colours and file names are fixed by the data alone and SVGs
carry no date and a fixed id salt, so the same results give the same files.

What a reader should be able to trust: each panel has a short title (the
outcome) and each row of panels names its grid point once, in its own
line; legends sit outside the data; sweeps show the *paired difference* to
the baseline with its interval (separate means with overlapping bars hide
effects the paired design measures precisely); axes whose values are
log-spaced (15, 60, 240) are drawn on a log scale; points sort numerically.
"""

from __future__ import annotations

import itertools
import math
import numbers
import re
import textwrap
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from simulator import analysis
from simulator.intervals import t_half_width

if TYPE_CHECKING:
    from simulator.results import Results

Row = dict[str, Any]
DIST_METRICS = ("reputation_end", "negative_posts", "reach")  # trust first, then attention
HEATMAP_METRICS = ("reputation_end", "negative_posts")  # the drill's two criteria
METRIC_LABELS = {"reputation_end": "trust at the end (index points)",
                 "negative_posts": "negative posts", "reach": "reach (users)"}
PANELS_PER_PAGE = 6
TORNADO_BARS = 15
TITLE_WIDTH = 90
SPANS_ZERO_NOTE = "open markers: the 95% interval spans 0 (no clear difference)"
Axis = tuple[str, str]  # ("params" or "policy_params", parameter name)


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
    n = np.sum(~np.isnan(matrix), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.nanmean(matrix, axis=0) if matrix.size else np.array([])
        sd = np.nanstd(matrix, axis=0, ddof=1) if matrix.size else np.array([])
        half = t_half_width(sd, n)
    half[n < 2] = np.nan
    return mean, mean - half, mean + half


def _wrap(text: str, width: int = TITLE_WIDTH) -> str:
    """A long point label broken over lines at its commas, so titles never run into each other."""
    return "\n".join(textwrap.wrap(text, width, break_long_words=False)) or text


def _label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric)


def _row_figures(fig: Any, titles: Sequence[str], ncols: int, **kw: Any) -> list[list[Any]]:
    """One sub-figure per row of panels, titled once (the grid point); panels below it."""
    subs = fig.subfigures(len(titles), 1, squeeze=False).ravel() if titles else []
    rows = []
    for sub, title in zip(subs, titles, strict=True):
        if title:
            sub.suptitle(_wrap(title), fontsize=9, x=0.01, ha="left")
        rows.append(list(sub.subplots(1, ncols, squeeze=False, **kw)[0]))
    return rows


def is_log_spaced(values: Iterable[Any]) -> bool:
    """Positive values growing by a roughly constant factor of 1.8 or more (15, 60, 240):
    a log axis spaces them evenly, a linear one squeezes the small ones together."""
    xs = sorted(float(v) for v in values)
    if len(xs) < 3 or xs[0] <= 0:
        return False
    ratios = [b / a for a, b in itertools.pairwise(xs)]
    return min(ratios) >= 1.8 and max(ratios) / min(ratios) <= 1.5


def _numeric(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


# ---- (a) outcome distributions -------------------------------------------------------
def _distributions(rows: list[Row], order: list[str], colours: dict[str, Any],
                   design: str) -> Iterator[tuple[str, Any]]:
    ok = [r for r in rows if r.get("design", "grid") == design and r.get("status") == "ok"]
    for scenario in sorted({r["scenario"] for r in ok}):
        points = analysis.point_order([r for r in ok if r["scenario"] == scenario])
        for suffix, chunk in _pages([p for _, p in points]):
            fig = _figure(4 * len(DIST_METRICS), 0.8 + 3.2 * len(chunk))
            panels = _row_figures(fig, [p or "base point" for p in chunk], len(DIST_METRICS))
            for point, axes in zip(chunk, panels, strict=True):
                here = [r for r in ok if (r["scenario"], r["point"]) == (scenario, point)]
                names = [s for s in order if any(r["strategy"] == s for r in here)]
                for ax, metric in zip(axes, DIST_METRICS, strict=True):
                    data = [[r[metric] for r in here if r["strategy"] == s
                             and r.get(metric) is not None] or [math.nan] for s in names]
                    box = ax.boxplot(data, patch_artist=True, showmeans=True, widths=0.6)
                    for patch, s in zip(box["boxes"], names, strict=True):
                        patch.set_facecolor(colours[s])
                        patch.set_alpha(0.55)
                    ax.set_xticks(range(1, len(names) + 1), names, rotation=20, ha="right",
                                  fontsize=8)
                    ax.set_title(_label(metric), fontsize=9)
                    ax.grid(axis="y", alpha=0.3)
            fig.suptitle(f"{scenario}: outcomes per strategy (box: quartiles, triangle: mean)")
            yield f"distributions-{_slug(scenario)}{suffix}", fig


# ---- (b) hourly negative posts -------------------------------------------------------
def _hourly(rows: list[Row], hourly: dict[str, list[float]], order: list[str],
            colours: dict[str, Any], design: str) -> Iterator[tuple[str, Any]]:
    ok = [r for r in rows if r.get("design", "grid") == design and r.get("status") == "ok"
          and r["run_id"] in hourly]
    for scenario in sorted({r["scenario"] for r in ok}):
        points = [p for _, p in analysis.point_order([r for r in ok
                                                      if r["scenario"] == scenario])]
        for suffix, chunk in _pages(points):
            ncols = 1 if len(chunk) == 1 else 2
            nrows = math.ceil(len(chunk) / ncols)
            fig = _figure(11, 0.8 + 3.2 * nrows)
            axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
            for ax in axes[len(chunk):]:
                ax.set_visible(False)
            drawn: dict[str, Any] = {}
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
                    (drawn[s],) = ax.plot(hours, mean, color=colours[s])
                    ax.fill_between(hours, low, high, color=colours[s], alpha=0.2, lw=0)
                ax.set_xlabel("hour since the complaint")
                ax.set_ylabel("negative posts per hour")
                ax.set_title(_wrap(point or "base point", 55), fontsize=9)
                ax.grid(alpha=0.3)
            if drawn:
                fig.legend(list(drawn.values()), list(drawn), loc="outside right upper",
                           fontsize=8, title="strategy")
            fig.suptitle(f"{scenario}: mean negative posts per hour, 95% band")
            yield f"hourly-{_slug(scenario)}{suffix}", fig


# ---- (c) paired effects of sweeps ----------------------------------------------------
def sweep_axes(records: Sequence[Row]) -> list[tuple[Axis, list[Any]]]:
    """Numeric grid (`params`) and policy (`policy_params`) parameters with two or more
    values, each with its values in numeric order: the axes a sweep can be drawn along."""
    values: dict[Axis, set[Any]] = defaultdict(set)
    other: set[Axis] = set()
    points = set()
    for r in records:
        points.add(tuple(sorted((k, str(v)) for k, v in (r.get("params") or {}).items())))
        for kind in ("params", "policy_params"):
            for name, v in (r.get(kind) or {}).items():
                (values[(kind, name)].add(v) if _numeric(v) else other.add((kind, name)))
    # grid parameters are axes only when the points are their full product; sampled points
    # (Latin hypercube, Sobol) each have values of their own, and a line or heatmap through
    # them would draw a pattern the design does not have
    sizes = [len(vs) for (kind, _), vs in values.items() if kind == "params"]
    factorial = math.prod(sizes) == len(points)
    return [(axis, sorted(vs, key=analysis.value_key)) for axis, vs in sorted(values.items())
            if len(vs) >= 2 and axis not in other and (factorial or axis[0] != "params")]


def _short(value: Any) -> str:
    """A value for a title: floats to 4 significant digits (sampled points have many)."""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _key(r: Row, kind: str, skip: Sequence[str]) -> tuple[tuple[str, str], ...]:
    return tuple((k, _short(v)) for k, v in sorted((r.get(kind) or {}).items()) if k not in skip)


def _text(key: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{k}={v}" for k, v in key)


def _series(r: Row, axes: Sequence[Axis]) -> str:
    """What one line (or heatmap) follows: the strategy along a grid parameter; along a
    policy parameter, the strategy's other policy settings (the label changes with it)."""
    policy = [name for kind, name in axes if kind == "policy_params"]
    if not policy:
        return str(r["strategy"])
    label = family = str(r["strategy"])  # the label without the plotted values: "answer"
    for name in policy:
        family = re.sub(rf"[\s,]*{re.escape(name)}=\S+", "", family)
    family = "" if family == label else family  # a label that does not spell the values out
    rest = _text(_key(r, "policy_params", policy))
    return ", ".join(t for t in (family.strip(" ,"), rest) if t) or "policy"


def _facet(r: Row, axes: Sequence[Axis]) -> str:
    """The grid point apart from the plotted axes: one row of panels each."""
    return _text(_key(r, "params", [name for kind, name in axes if kind == "params"]))


def _axis_name(axis: Axis) -> str:
    return axis[1] if axis[0] == "params" else f"policy {axis[1]}"


def _sweeps(diffs: list[Row], colours: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """Paired difference to the baseline (mean, 95% CI) against each numeric sweep axis."""
    from matplotlib import colormaps

    for scenario in sorted({d["scenario"] for d in diffs}):
        mine = [d for d in diffs if d["scenario"] == scenario and d["metric"] in DIST_METRICS]
        baseline = mine[0]["baseline"] if mine else ""
        for axis, xs in sweep_axes(mine):
            kind, name = axis
            here = [d for d in mine if name in (d.get(kind) or {})]
            log = is_log_spaced(xs)
            facets = sorted({_facet(d, [axis]) for d in here})
            series = list(dict.fromkeys(_series(d, [axis]) for d in here))
            cmap = colormaps["tab10"]
            colour = {s: colours.get(s, cmap((i + 1) % 10)) for i, s in enumerate(series)}
            span = (math.log(xs[-1] / xs[0]) if log else float(xs[-1] - xs[0])) or 1.0
            for suffix, chunk in _pages(facets):
                fig = _figure(4.2 * len(DIST_METRICS) + 2, 0.9 + 3.3 * len(chunk))
                panels = _row_figures(fig, chunk, len(DIST_METRICS))
                handles: dict[str, Any] = {}
                for facet, axes in zip(chunk, panels, strict=True):
                    for ax, metric in zip(axes, DIST_METRICS, strict=True):
                        for k, s in enumerate(series):
                            pts = sorted(((float(d[kind][name]), d) for d in here
                                          if d["metric"] == metric and _series(d, [axis]) == s
                                          and _facet(d, [axis]) == facet), key=lambda t: t[0])
                            if not pts:
                                continue
                            dodge = (k - (len(series) - 1) / 2) * span * 0.015
                            x = np.array([p for p, _ in pts])
                            x = x * math.exp(dodge) if log else x + dodge
                            y = np.array([d["mean_diff"] for _, d in pts])
                            err = np.array([[d["mean_diff"] - d["ci_low"],
                                             d["ci_high"] - d["mean_diff"]] for _, d in pts]).T
                            line = ax.errorbar(x, y, yerr=np.nan_to_num(err), color=colour[s],
                                               marker="none", capsize=3, lw=1.2)
                            clear = np.array([d["spans_zero"] is False for _, d in pts])
                            ax.plot(x[clear], y[clear], "o", color=colour[s])
                            ax.plot(x[~clear], y[~clear], "o", mfc="white", color=colour[s])
                            handles.setdefault(s, line)
                        ax.axhline(0, color="black", lw=0.8)
                        if log:
                            ax.set_xscale("log")
                        ax.set_xticks([float(v) for v in xs], [f"{v:g}" for v in xs])
                        ax.minorticks_off()
                        ax.set_xlabel(_axis_name(axis) + (" (log scale)" if log else ""))
                        ax.set_title(f"{_label(metric)}: difference", fontsize=9)
                        ax.grid(alpha=0.3)
                if handles:
                    fig.legend(list(handles.values()), list(handles), loc="outside right upper",
                               fontsize=8, title="strategy" if kind == "params" else "policy")
                for axes in panels:
                    axes[0].set_ylabel(f"difference to {baseline}")
                fig.suptitle(f"{scenario}: paired difference to {baseline} along "
                             f"{_axis_name(axis)}, mean and 95% CI\n{SPANS_ZERO_NOTE}",
                             fontsize=10)
                yield f"sweep-{_slug(scenario)}-{_slug(name)}{suffix}", fig


# ---- (d) heatmaps of 2-D sweeps ------------------------------------------------------
def _heatmaps(diffs: list[Row]) -> Iterator[tuple[str, Any]]:
    """The paired effect over each pair of sweep axes: one heatmap per series and outcome.

    Colour is the difference, centred on 0, with the colour map turned so
    that blue is better than the baseline and red worse (higher trust, fewer
    posts); the colour bar shows the difference itself; each
    cell prints the difference, in brackets where its interval spans 0.
    """
    from matplotlib.colors import CenteredNorm

    for scenario in sorted({d["scenario"] for d in diffs}):
        mine = [d for d in diffs if d["scenario"] == scenario and d["metric"] in HEATMAP_METRICS]
        baseline = mine[0]["baseline"] if mine else ""
        for (ax_x, xs), (ax_y, ys) in itertools.combinations(sweep_axes(mine), 2):
            pair = [ax_x, ax_y]
            here = [d for d in mine if ax_x[1] in (d.get(ax_x[0]) or {})
                    and ax_y[1] in (d.get(ax_y[0]) or {})]
            panels = list(dict.fromkeys((_series(d, pair), _facet(d, pair)) for d in here))
            if not panels:
                continue
            for suffix, chunk in _pages(panels, 4):
                fig = _figure(5.2 * len(HEATMAP_METRICS) + 1, 1.0 + 3.6 * len(chunk))
                rows = _row_figures(fig, [", ".join(t for t in p if t) for p in chunk],
                                    len(HEATMAP_METRICS))
                for (series, facet), axes in zip(chunk, rows, strict=True):
                    for ax, metric in zip(axes, HEATMAP_METRICS, strict=True):
                        cells = {(d[ax_x[0]][ax_x[1]], d[ax_y[0]][ax_y[1]]): d for d in here
                                 if d["metric"] == metric and _series(d, pair) == series
                                 and _facet(d, pair) == facet}
                        grid = np.full((len(ys), len(xs)), np.nan)
                        for (x, y), d in cells.items():
                            grid[ys.index(y), xs.index(x)] = d["mean_diff"]
                        cmap = "RdBu" if metric in analysis.HIGHER_IS_BETTER else "RdBu_r"
                        image = ax.imshow(grid, cmap=cmap, norm=CenteredNorm(),
                                          origin="lower", aspect="auto")
                        for (x, y), d in cells.items():
                            text = analysis.fmt(d["mean_diff"])
                            if d["spans_zero"] is not False:
                                text = f"({text})"
                            ax.text(xs.index(x), ys.index(y), text, ha="center",
                                    va="center", fontsize=8)
                        ax.set_xticks(range(len(xs)), [f"{v:g}" for v in xs])
                        ax.set_yticks(range(len(ys)), [f"{v:g}" for v in ys])
                        ax.set_xlabel(_axis_name(ax_x))
                        ax.set_ylabel(_axis_name(ax_y))
                        ax.set_title(f"{_label(metric)}: difference", fontsize=9)
                        fig.colorbar(image, ax=ax, shrink=0.9,
                                     label=f"difference to {baseline} (blue: better)")
                fig.suptitle(f"{scenario}: paired difference to {baseline} over "
                             f"{_axis_name(ax_x)} x {_axis_name(ax_y)}\n(blue: better, red: "
                             "worse; bracketed: the 95% interval spans 0)", fontsize=10)
                yield (f"heatmap-{_slug(scenario)}-{_slug(ax_x[1])}-{_slug(ax_y[1])}{suffix}",
                       fig)


# ---- (e) tornado ---------------------------------------------------------------------
def _tornado(rows: list[Row], baseline: str | None, metric: str) -> Iterator[tuple[str, Any]]:
    scenarios = sorted({r["scenario"] for r in rows if r.get("design") == "sensitivity"})
    for scenario in scenarios:
        sens = analysis.sensitivity(rows, metric, baseline=baseline, scenario=scenario)
        bars = sens["tornado"][:TORNADO_BARS][::-1]  # largest swing on top
        if not bars:
            continue
        fig = _figure(11, 1.8 + 0.42 * len(bars))
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
        ax.set_xlabel(f"mean {_label(metric)} of '{sens['strategy']}' "
                      f"(base {analysis.fmt(base)})")
        ax.grid(axis="x", alpha=0.3)
        fig.legend(fontsize=8, loc="outside right upper")
        fig.suptitle(f"{scenario}: sensitivity of mean {_label(metric)} to model assumptions\n"
                     f"{len(sens['flipping'])} parameter(s) flip the ranking of strategies",
                     fontsize=11)
        yield f"tornado-{_slug(scenario)}", fig


# ---- entry point ---------------------------------------------------------------------
def _load(source: str | Path | Iterable[Row] | Results) -> Results:
    """A `Results` from a results file, rows, or itself."""
    from simulator.results import Results

    if isinstance(source, Results):
        return source
    if isinstance(source, (str, Path)):
        return Results.open(source)
    return Results.from_rows(source)


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


def drill_chart_svg(hourly: Sequence[int], trust: Sequence[float],
                    action_hours: Sequence[float], labels: tuple[str, str, str]) -> str:
    """One drill as inline SVG: negative posts per hour (bars) and the trust index (line),
    the team's actions as dotted lines. `labels`: the hour, negative posts and trust axes,
    in the report's language."""
    import io

    from matplotlib import rc_context

    hour, negative, trust_label = labels
    fig = _figure(8, 3.2)
    ax = fig.add_subplot(111)
    ax.bar(range(len(hourly)), hourly, color="#c0392b", alpha=0.7)
    ax.set_xlabel(hour)
    ax.set_ylabel(negative)
    for at in action_hours:
        ax.axvline(at, color="#2c3e50", linestyle=":", linewidth=1)
    ax2 = ax.twinx()
    ax2.plot(range(len(trust)), trust, color="#2980b9")
    ax2.set_ylabel(trust_label)
    buf = io.StringIO()
    with rc_context({"svg.hashsalt": "stormdrill"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    return text[text.index("<svg"):]


def plot_all(source: str | Path | Iterable[Row] | Results, out_dir: str | Path,
             formats: Sequence[str] = ("png", "svg"), *, baseline: str | None = None,
             metric: str = "reputation_end") -> list[Path]:
    """Draw every figure the data allows into `out_dir`; the paths written, in a fixed order.

    `source` is a `Results`, a results folder or .sqlite file, or tidy rows
    (hourly curves then need the rows' own `hourly` lists, as `run_task`
    returns them). `baseline` defaults to the experiment's; it is drawn first
    and sweeps and heatmaps show differences to it. The tornado shows
    `metric`, by default trust at the end, the outcome drills are scored on first.
    """
    res = _load(source)
    rows = res.rows
    baseline = baseline or res.baseline
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    order = analysis.strategy_order(rows, baseline)
    colours = _colours(order)
    hourly: dict[str, list[float]] = defaultdict(list)
    for run_id, _hour, negative, *_ in res.hourly_rows:
        hourly[run_id].append(float(negative))
    diffs = res.paired_records(baseline, DIST_METRICS) if baseline else []
    design = res.main_design
    figures = itertools.chain(_distributions(rows, order, colours, design),
                              _hourly(rows, dict(hourly), order, colours, design),
                              _sweeps(diffs, colours), _heatmaps(diffs),
                              _tornado(rows, baseline, metric))
    written: list[Path] = []
    for name, fig in figures:  # one figure in memory at a time
        written += _save(name, fig, out, formats)
    return written
