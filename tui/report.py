"""The batch report: one self-contained HTML file (or Markdown + PNGs) from a results file.

The content is built once as a list of simple blocks and rendered twice,
so the HTML and Markdown versions cannot drift apart. The HTML inlines its
SVG figures and style and loads nothing from the network: it opens offline,
can be mailed as one attachment and archived next to the results.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator import analysis, plots
from tui.blocks import Block, render_html, render_md

MAX_FAILED_LISTED = 200
FIGURE_CAPTIONS = {
    "distributions": "Outcome distributions per strategy",
    "hourly": "Mean negative posts per hour with 95% bands",
    "sweep": "Mean outcome across the delay values of the grid (95% CI bars)",
    "tornado": "One-at-a-time sensitivity of trust at the end to the model's assumptions",
}
EXPLANATION = (
    "Every strategy ran the same replications with the same seeds (common random numbers), "
    "so the crisis each strategy faced in replication i was the same draw. A **paired "
    "difference** is the strategy's outcome minus the baseline's in the same replication, "
    "averaged over replications; it removes most of the luck of the draw, so it is far more "
    "precise than comparing the two means. **[low, high]** is a 95% confidence interval of "
    "the mean (t distribution): if the batch were repeated with new seeds, intervals built "
    "this way would contain the true mean 95% of the time. A difference whose interval "
    "excludes 0 is unlikely to be noise; more replications narrow every interval roughly "
    "as 1/sqrt(n). Outcomes come in two kinds, and strategies are ranked on **trust first**: "
    "trust is the reputation index the crisis leaves (higher at the end and a smaller dip "
    "are better), attention is the storm itself (fewer negative posts, sharers and less "
    "reach are better). Responses move trust more than they move volume."
)
#: the outcomes the sensitivity analysis ranks strategies on, trust first
SENSITIVITY_METRICS = (("reputation_end", "trust at the end"), ("negative_posts",
                                                                 "negative posts"))
SENSITIVITY_TEXT = (
    "Each parameter the model assumes (tagged [A]) was moved to each end of its plausible "
    "range, all else at the base scenario. A parameter **flips the ranking** when two "
    "strategies change order at one end of its range: conclusions that depend on it rest on "
    "an assumption, not on evidence. With few sensitivity replications, small gaps can flip "
    "by chance, so compare the means shown."
)


# ---- content ---------------------------------------------------------------------------
def _cell(row: dict[str, Any] | None, signed: bool = False) -> str:
    if row is None:
        return ""
    mean = row.get("mean", row.get("mean_diff"))
    text = analysis.ci_cell(mean, row["ci_low"], row["ci_high"], signed)
    rel = row.get("relative_pct")
    return text if rel is None or math.isnan(rel) else f"{text} ({rel:+.0f}%)"


def _experiment_blocks(meta: dict[str, Any], counts: dict[str, int],
                       baseline: str | None) -> list[Block]:
    grid = "; ".join(f"{p} in {v}" for p, v in meta.get("grid", [])) or "none"
    facts = [["experiment", str(meta.get("name", "?"))],
             ["scenarios", ", ".join(meta.get("scenarios", {})) or "?"],
             ["strategies", ", ".join(meta.get("strategies", {})) or "?"],
             ["baseline", baseline or "none"], ["grid", grid],
             ["replications", str(meta.get("replications", "?"))],
             ["seed", str(meta.get("seed", "?"))],
             ["hours", str(meta.get("hours") or "scenario duration")],
             ["sensitivity replications", str(meta.get("sensitivity_replications", 0))],
             ["runs", f"{counts['total']} ({counts['ok']} ok, {counts['failed']} failed)"]]
    blocks: list[Block] = [("h", 2, "Experiment"), ("table", ["", ""], facts)]
    for kind, noun in (("scenarios", "scenario"), ("strategies", "strategy")):
        for label, text in meta.get(kind, {}).items():
            text = "no response at all" if text == "None" else str(text)
            blocks.append(("pre", f"{noun} {label}", text))
    return blocks


def _result_blocks(summary: list[dict[str, Any]], diffs: list[dict[str, Any]],
                   baseline: str | None) -> list[Block]:
    stats = {(r["scenario"], r["point"], r["strategy"], r["metric"]): r for r in summary}
    dstats = {(r["scenario"], r["point"], r["strategy"], r["metric"]): r for r in diffs}
    keys = [m for m, _ in analysis.KEY_METRICS]
    heads = [h for _, h in analysis.KEY_METRICS]
    blocks: list[Block] = [("h", 2, "Results"), ("p", EXPLANATION)]
    for scenario, point in sorted({(r["scenario"], r["point"]) for r in summary}):
        here = [r for r in summary if (r["scenario"], r["point"]) == (scenario, point)]
        order = analysis.strategy_order(here, baseline)
        blocks.append(("h", 3, f"{scenario}" + (f": {point}" if point else "")))
        body = []
        for s in order:
            first = stats[(scenario, point, s, keys[0])]
            body.append([s, str(first["n"]), str(first["failed"]),
                         *(_cell(stats.get((scenario, point, s, m))) for m in keys)])
        blocks.append(("table", ["strategy", "n", "failed", *(f"{h} mean [95% CI]"
                                                              for h in heads)], body))
        dbody = [[s, str(dstats[(scenario, point, s, keys[0])]["n_pairs"]),
                  *(_cell(dstats.get((scenario, point, s, m)), True) for m in keys)]
                 for s in order if (scenario, point, s, keys[0]) in dstats]
        if dbody:
            blocks += [("p", f"Paired difference vs **{baseline}** (mean [95% CI], % of the "
                        "baseline mean):"),
                       ("table", ["strategy", "pairs", *heads], dbody)]
    full = [[r["scenario"], r["point"], r["strategy"], r["metric"], str(r["n"]),
             analysis.fmt(r["mean"]), analysis.fmt(r["median"]), analysis.fmt(r["sd"]),
             f"[{analysis.fmt(r['ci_low'])}, {analysis.fmt(r['ci_high'])}]"]
            for r in summary if r["n"]]
    blocks.append(("details", "All metrics", ("table", ["scenario", "point", "strategy",
                                                        "metric", "n", "mean", "median", "sd",
                                                        "95% CI"], full)))
    return blocks


def _sensitivity_blocks(rows: list[dict[str, Any]], baseline: str | None) -> list[Block]:
    scenarios = sorted({r["scenario"] for r in rows if r.get("design") == "sensitivity"})
    if not scenarios:
        return []
    blocks: list[Block] = [("h", 2, "Sensitivity"), ("p", SENSITIVITY_TEXT)]
    for scenario in scenarios:
        blocks.append(("h", 3, f"{scenario}"))
        for metric, label in SENSITIVITY_METRICS:
            blocks += _sensitivity_metric(rows, scenario, baseline, metric, label)
    return blocks


def _sensitivity_metric(rows: list[dict[str, Any]], scenario: str, baseline: str | None,
                        metric: str, label: str) -> list[Block]:
    """One outcome's ranking, the parameters that flip it and its tornado table."""
    sens = analysis.sensitivity(rows, metric, baseline=baseline, scenario=scenario)
    base = sens["base"]
    if not base["ranking"]:
        return [("p", f"No {label} in the sensitivity runs.")]
    order = " > " if metric in analysis.HIGHER_IS_BETTER else " < "
    ranking = order.join(f"{s} ({analysis.fmt(base['means'][s])})" for s in base["ranking"])
    flips = ", ".join(sens["flipping"]) or "none"
    blocks: list[Block] = [("p", f"Base ranking by mean {label} (best first): {ranking}. "
                                 f"Parameters that flip it: **{flips}**.")]
    tornado = [[t["parameter"], str(t["low"]), str(t["high"]),
                analysis.fmt(t["metric_low"]), analysis.fmt(t["metric_high"]),
                analysis.fmt(t["swing"]), "yes" if t["flips"] else ""]
               for t in sens["tornado"]]
    blocks.append(("table", ["parameter", "low", "high", f"{label} ({sens['strategy']}) "
                             "at low", "at high", "swing", "flips ranking"], tornado))
    flipped = [[s["point"], order.join(f"{n} ({analysis.fmt(s['means'][n])})"
                                       for n in s["ranking"])]
               for s in sens["settings"] if s["flips"]]
    if flipped:
        blocks.append(("details", f"Settings that flip the ranking on {label}",
                       ("table", ["setting", f"ranking (mean {label})"], flipped)))
    return blocks


def _failure_blocks(failed: list[dict[str, Any]]) -> list[Block]:
    if not failed:
        return []
    body = [[str(f[k]) for k in ("design", "scenario", "point", "strategy", "replication",
                                 "seed", "run_id")] + [str(f["error"] or "")]
            for f in failed[:MAX_FAILED_LISTED]]
    blocks: list[Block] = [("h", 2, f"Failed runs ({len(failed)})"),
                           ("p", "These runs raised an error; they are left out of every "
                            "statistic above. Re-run one with `stormdrill run` and its seed.")]
    blocks.append(("table", ["design", "scenario", "point", "strategy", "replication", "seed",
                             "run id", "error"], body))
    if len(failed) > MAX_FAILED_LISTED:
        blocks.append(("p", f"... and {len(failed) - MAX_FAILED_LISTED} more (see runs.parquet "
                       "or the `runs` table)."))
    return blocks


def _figure_blocks(paths: Sequence[Path]) -> list[Block]:
    blocks: list[Block] = [("h", 2, "Figures")] if paths else []
    for path in paths:
        kind = path.stem.split("-", 1)[0]
        blocks.append(("figure", path, f"{FIGURE_CAPTIONS.get(kind, kind)} ({path.stem})"))
    return blocks


# ---- entry point -----------------------------------------------------------------------
def write_batch_report(results_path: str | Path, out_file: str | Path) -> Path:
    """Write the report of a batch; `.md` gives Markdown with PNGs beside it, else HTML.

    `results_path` is the batch's folder or its results.sqlite. Markdown
    figures go to `<name>_plots/` next to the report, so the pair can be
    committed or pasted into a wiki together.
    """
    store, meta = analysis.load_results(results_path)
    try:
        rows = list(store.rows())
    finally:
        store.close()
    out = Path(out_file)
    out.parent.mkdir(parents=True, exist_ok=True)
    order = analysis.strategy_order(rows, meta.get("baseline"))
    baseline = meta.get("baseline") or (order[0] if order else None)
    summary = analysis.summarise(rows)
    diffs = analysis.paired_differences(rows, baseline) if baseline else []
    failed = analysis.failures(rows)
    counts = {"total": len(rows), "ok": len(rows) - len(failed), "failed": len(failed)}
    head = _experiment_blocks(meta, counts, baseline) + _result_blocks(summary, diffs, baseline)
    tail = _sensitivity_blocks(rows, baseline) + _failure_blocks(failed)
    if not meta.get("baseline") and baseline:
        head.insert(0, ("p", f"No baseline was set; differences are taken against "
                             f"**{baseline}**."))
    title = f"stormdrill batch report: {meta.get('name', Path(results_path).name)}"
    if out.suffix.lower() == ".md":
        figures = plots.plot_all(results_path, out.parent / f"{out.stem}_plots", ("png",),
                                 baseline=baseline)
        blocks = [*head, *_figure_blocks(figures), *tail]
        out.write_text(f"# {title}\n\n" + render_md(blocks, out.parent), encoding="utf-8")
        return out
    with tempfile.TemporaryDirectory(prefix="stormdrill-report-") as tmp:
        figures = plots.plot_all(results_path, tmp, ("svg",), baseline=baseline)
        text = render_html([*head, *_figure_blocks(figures), *tail], title)
    out.write_text(text, encoding="utf-8")
    return out
