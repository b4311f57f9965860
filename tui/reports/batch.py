"""The batch report: one self-contained HTML file (or Markdown + PNGs) from a results file.

The content is built once as a list of simple blocks and rendered twice,
so the HTML and Markdown versions cannot drift apart. The HTML inlines its
SVG figures and style and loads nothing from the network: it opens offline,
can be mailed as one attachment and archived next to the results.
"""

from __future__ import annotations

import ast
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from simulator import analysis
from simulator.errors import StormdrillError
from simulator.outcomes import HEADLINE, outcome
from simulator.results import Results
from tui.reports.blocks import Block, render_html, render_md

MAX_FAILED_LISTED = 200
FIGURE_CAPTIONS = {
    "distributions": "Outcome distributions per strategy",
    "hourly": "Mean negative posts per hour with 95% bands",
    "sweep": "Paired difference to the baseline along each swept value (mean, 95% CI; "
             "open markers: no clear difference)",
    "heatmap": "Paired difference to the baseline over two swept values (blue better, red "
               "worse; bracketed: no clear difference)",
    # the tornado shows plot_all's default metric, trust at the end
    "tornado": f"One-at-a-time sensitivity of {outcome('reputation_end').label} to the "
               "model's assumptions",
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
    "as 1/sqrt(n); one that includes 0 is shown as **no clear difference**. Trust is an "
    "index that crosses zero, so its differences are given in index points, never as a "
    "percentage of the baseline; counts (posts, sharers, reach) also get a percentage. "
    "Response times are averaged over the runs where the response came; the share of runs "
    "that never responded is shown next to them. "
    "Outcomes come in two kinds, and strategies are ranked on **trust first**: "
    "trust is the reputation index the crisis leaves (higher at the end and a smaller dip "
    "are better), attention is the storm itself (fewer negative posts, sharers and less "
    "reach are better). Responses move trust more than they move volume."
)
#: the outcomes the sensitivity analysis ranks strategies on (the ranking keys, trust
#: first), each with its label from `simulator.outcomes`
SENSITIVITY_METRICS: tuple[tuple[str, str], ...] = tuple(
    (name, outcome(name).label) for name in HEADLINE)
SENSITIVITY_TEXT = (
    "Each parameter the model assumes (tagged [A]) was moved to each end of its plausible "
    "range, all else at the base scenario. A ranking **flips** only where a paired "
    "difference between two strategies is significant and opposite to the base point's after "
    "false-discovery-rate control over every comparison made (Benjamini-Hochberg); a change "
    "in the order of means alone is shown but is not a flip: with few replications small "
    "gaps change order by chance."
)


#: the last line of every report stormdrill writes: a file ending in it may be rewritten
REPORT_MARK = "<!-- written by stormdrill report -->"
#: how much of an existing file is read to tell whether it is a previous report
REPORT_SNIFF_BYTES = 65536


class ReportPathError(StormdrillError, ValueError):
    """An output path a report must not be written to; nothing was written."""


def is_previous_report(path: Path) -> bool:
    """Whether `path` is a report stormdrill wrote (so rewriting it loses nothing of the user's).

    Reports end in REPORT_MARK; an HTML report from before the mark is known
    by its inlined style sheet, which no other program writes.
    """
    from tui.reports.blocks import STYLE

    try:
        with path.open("rb") as fh:
            head = fh.read(REPORT_SNIFF_BYTES)
            fh.seek(max(0, path.stat().st_size - 256))
            tail = fh.read()
    except OSError:
        return False
    return (REPORT_MARK.encode() in tail
            or (head.startswith(b"<!DOCTYPE html>") and f"<style>{STYLE}</style>".encode() in head))


def check_report_output(out: Path, sources: Sequence[Path] = ()) -> None:
    """Refuse a report path whose writing would overwrite or break something of the user's.

    A report may replace only a previous report (rerunning `stormdrill report`
    refreshes it); any other existing file, a source, a folder or a parent
    that is a file is refused before anything is read or written.
    """
    out = Path(out)
    again = "remove it or choose another -o file (.html or .md)"
    if out.exists():
        if not out.is_file():
            raise ReportPathError(f"{out}: exists and is not a file; expected a report file "
                                  "name, e.g. -o report.html")
        if any(src.exists() and out.samefile(src) for src in sources):
            raise ReportPathError(f"{out}: is also a source of this report and would be "
                                  f"overwritten; {again}")
        if not is_previous_report(out):
            raise ReportPathError(f"{out}: exists and is not a report written by stormdrill, "
                                  f"so it is left as it is; {again}")
    base = out.parent
    while not base.exists() and base != base.parent:
        base = base.parent
    if not base.is_dir():
        raise ReportPathError(f"{base}: is a file, so {out} cannot be written inside it; "
                              "choose another -o file")
    if not os.access(base, os.W_OK | os.X_OK):
        raise ReportPathError(f"{base}: no permission to write here; choose another -o file")
    plots = out.parent / f"{out.stem}_plots"
    if out.suffix.lower() == ".md" and plots.exists() and not plots.is_dir():
        raise ReportPathError(f"{plots}: a Markdown report puts its figures in this folder, "
                              f"but it is a file; {again}")


def write_report_text(out: Path, text: str) -> None:
    """Write a report's text, ending in REPORT_MARK so a later report may replace it."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(f"{text.rstrip()}\n{REPORT_MARK}\n", encoding="utf-8")


# ---- content ---------------------------------------------------------------------------
def _value(node: ast.expr) -> str:
    """One setting of a dataclass repr as plain text: no quotes, nested objects as k=v."""
    if isinstance(node, ast.Call):
        return ", ".join(f"{k.arg}={_value(k.value)}" for k in node.keywords)
    if isinstance(node, (ast.List, ast.Tuple)):
        return "; ".join(_value(e) for e in node.elts) or "none"
    try:
        value = ast.literal_eval(node)
    except ValueError:
        return ast.unparse(node)
    return "none" if value is None else str(value)


def readable_settings(text: str) -> list[list[str]] | None:
    """A scenario or strategy as (setting, value) rows, read from its stored repr.

    The experiment description keeps each scenario as its dataclass repr;
    this turns `Scenario(name='x', network=NetworkConfig(users=1000, ...))`
    into rows `name | x`, `network.users | 1000`. The repr is parsed, never
    evaluated; None when it is not a dataclass repr (then it is shown as is).
    """
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError:
        return None
    if not isinstance(tree, ast.Call):
        return None
    rows: list[list[str]] = []

    def walk(call: ast.Call, prefix: str) -> None:
        for kw in call.keywords:
            if isinstance(kw.value, ast.Call):
                walk(kw.value, f"{prefix}{kw.arg}.")
            else:
                rows.append([f"{prefix}{kw.arg}", _value(kw.value)])

    walk(tree, "")
    return rows


def _design_facts(meta: dict[str, Any], strategies: list[str]) -> list[list[str]]:
    """Rows for the policies, uncertainties and replication rule, when the experiment has them."""
    facts = []
    policies = meta.get("policies") or {}
    rank = {s: i for i, s in enumerate(strategies)}
    for label, policy in sorted(policies.items(), key=lambda p: rank.get(p[0], len(rank))):
        values = ", ".join(f"{k}={v}" for k, v in (policy.get("params") or {}).items())
        facts.append([f"policy {label}", values or "as its strategy file"])
    for u in meta.get("uncertainties") or []:
        span = (", ".join(map(str, u["values"])) if u.get("values")
                else f"{u.get('low')} to {u.get('high')}" + (" (log)" if u.get("log") else ""))
        facts.append([f"uncertainty {u.get('name')}", span])
    if meta.get("sampler"):
        facts.append(["sampler", f"{meta['sampler']}, {meta.get('samples')} samples"])
    if meta.get("auto"):
        targets = ", ".join(f"{k} +-{v}" for k, v in meta["auto"].get("targets", {}).items())
        facts.append(["replications: auto", f"until the 95% half-width is {targets}, at most "
                                            f"{meta['auto'].get('max_replications')}"])
    return facts


def _experiment_blocks(meta: dict[str, Any], counts: dict[str, int], baseline: str | None,
                       strategies: list[str]) -> list[Block]:
    grid = "; ".join(f"{p} in {', '.join(map(str, sorted(v, key=analysis.value_key)))}"
                     for p, v in meta.get("grid", [])) or "none"
    facts = [["experiment", str(meta.get("name", "?"))],
             ["scenarios", ", ".join(meta.get("scenarios", {})) or "?"],
             ["strategies", ", ".join(strategies) or "?"],
             ["baseline", baseline or "none"], ["grid", grid], *_design_facts(meta, strategies),
             ["replications", str(meta.get("replications", "?"))],
             ["seed", str(meta.get("seed", "?"))],
             ["hours", str(meta.get("hours") or "scenario duration")],
             ["sensitivity replications", str(meta.get("sensitivity_replications", 0))],
             ["runs", f"{counts['total']} ({counts['ok']} ok, {counts['failed']} failed)"]]
    blocks: list[Block] = [("h", 2, "Experiment"), ("table", ["setting", "value"], facts)]
    for kind, noun in (("scenarios", "scenario"), ("strategies", "strategy")):
        for label, text in meta.get(kind, {}).items():
            if text == "None":
                blocks.append(("p", f"{noun.capitalize()} **{label}**: no response at all."))
                continue
            rows = readable_settings(str(text))
            if rows is None:
                blocks.append(("pre", f"{noun} {label}", str(text)))
            else:
                blocks.append(("details", f"{noun} {label}: all {len(rows)} settings",
                               ("table", ["setting", "value"], rows)))
    return blocks


def _result_blocks(summary: list[dict[str, Any]], diffs: list[dict[str, Any]],
                   baseline: str | None) -> list[Block]:
    """Per point (in numeric order) the same three tables `stormdrill batch` prints."""
    blocks: list[Block] = [("h", 2, "Results"), ("p", EXPLANATION)]
    for scenario, point in analysis.point_order(summary):
        blocks.append(("h", 3, f"{scenario}" + (f": {point}" if point else "")))
        head, body = analysis.means_table(summary, scenario, point, baseline)
        blocks.append(("table", [*head[:2], *(f"{h} mean [95% CI]" for h in head[2:])], body))
        head, body = analysis.paired_table(diffs, scenario, point)
        if body:
            blocks += [("p", f"Paired difference vs **{baseline}** (same seeds; mean [95% CI]; "
                             "trust in index points):"), ("table", head, body)]
        head, body = analysis.response_table(summary, scenario, point, baseline)
        if body:
            blocks += [("p", "Response times, averaged over the runs where the moment came; "
                             "the last column of each says how often it never did:"),
                       ("table", head, body)]
    full = [[r["scenario"], r["point"], r["strategy"], r["metric"], str(r["n"]),
             analysis.fmt(r["mean"]), analysis.fmt(r["median"]), analysis.fmt(r["sd"]),
             f"[{analysis.fmt(r['ci_low'])}, {analysis.fmt(r['ci_high'])}]",
             analysis.fmt(r["half_width"]),
             f"{r['missing']} ({100 * r['missing_share']:.0f}%)" if r["missing"] else "0"]
            for r in summary if r["n"] or r["missing"]]
    blocks.append(("details", "All metrics", ("table", [
        "scenario", "point", "strategy", "metric", "n", "mean", "median", "sd", "95% CI",
        "half-width", "runs without a value (never)"], full)))
    return blocks


def _sensitivity_blocks(res: Results, baseline: str | None) -> list[Block]:
    scenarios = sorted({r["scenario"] for r in res.rows if r.get("design") == "sensitivity"})
    if not scenarios:
        return []
    blocks: list[Block] = [("h", 2, "Sensitivity"), ("p", SENSITIVITY_TEXT),
                           ("p", f"Flips, tested: {res.flips().summary()}")]
    for scenario in scenarios:
        blocks.append(("h", 3, f"{scenario}"))
        for metric, label in SENSITIVITY_METRICS:
            blocks += _sensitivity_metric(res, scenario, baseline, metric, label)
    return blocks


def _sensitivity_metric(res: Results, scenario: str, baseline: str | None,
                        metric: str, label: str) -> list[Block]:
    """One outcome's ranking, the parameters that flip it and its tornado table."""
    sens = res.one_at_a_time(metric, baseline=baseline, scenario=scenario)
    base = sens["base"]
    if not base["ranking"]:
        return [("p", f"No {label} in the sensitivity runs.")]
    order = " > " if metric in analysis.HIGHER_IS_BETTER else " < "
    ranking = order.join(f"{s} ({analysis.fmt(base['means'][s])})" for s in base["ranking"])
    blocks: list[Block] = [("p", f"Base ranking by mean {label} (best first): {ranking}. "
                                 "The bars show how far each assumption moves the paired "
                                 f"difference {sens['strategy']}.")]
    tornado = [[t["parameter"], str(t["low"]), str(t["high"]),
                analysis.fmt(t["metric_low"]), analysis.fmt(t["metric_high"]),
                analysis.fmt(t["swing"]), "yes" if t["flips"] else ""]
               for t in sens["tornado"]]
    blocks.append(("table", ["parameter", "low", "high", f"{label}: {sens['strategy']} "
                             "at low", "at high", "swing", "order of means changes"], tornado))
    flipped = [[s["point"], order.join(f"{n} ({analysis.fmt(s['means'][n])})"
                                       for n in s["ranking"])]
               for s in sens["settings"] if s["flips"]]
    if flipped:
        blocks.append(("details", f"Settings that flip the ranking on {label}",
                       ("table", ["setting", f"ranking (mean {label})"], flipped)))
    return blocks


def _global_blocks(res: Results) -> list[Block]:
    """Sobol or Morris indices of each paired difference, with intervals, and the regions
    where a policy wins or loses (scenario discovery)."""
    from simulator.results import GLOBAL_DESIGNS

    if not res.designs & GLOBAL_DESIGNS:
        return []
    indices = res.sensitivity()
    blocks: list[Block] = [
        ("h", 2, "Global sensitivity of the strategy differences"),
        ("p", "Each index says how much of the variation in a paired difference (a policy "
              "minus the baseline, on the same seeds) an assumption explains: S1 alone, ST "
              "with its interactions (Sobol); mu* the mean absolute elementary effect "
              "(Morris). Intervals are bootstrap 95% intervals; '(replication noise)' is the "
              "share of the variance that is run-to-run noise.")]
    body = [[str(r.method), str(r.policy), str(r.outcome), str(r.parameter), str(r.index),
             analysis.ci_cell(float(r.value), float(r.ci_low), float(r.ci_high))]
            for r in indices.itertuples()]
    blocks.append(("table", ["method", "policy", "outcome", "assumption", "index",
                             "value [95% interval]"], body))
    rules = [d.rule for d in res.discoveries()]
    if rules:
        blocks += [("h", 3, "Where a policy wins or loses"), ("ul", rules)]
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
def write_batch_report(results_path: str | Path | Results, out_file: str | Path) -> Path:
    """Write the report of a batch; `.md` gives Markdown with PNGs beside it, else HTML.

    `results_path` is the batch's folder, its results.sqlite or a `Results`:
    the report shows the same numbers as `stormdrill batch` and the Python
    API. Markdown figures go to `<name>_plots/` next to the report, so the
    pair can be committed or pasted into a wiki together. An existing
    `out_file` is replaced only if it is a previous report (ReportPathError).
    """
    out = Path(out_file)
    sources = [] if isinstance(results_path, Results) else [Path(results_path)]
    if sources and sources[0].is_dir():
        sources.append(sources[0] / "results.sqlite")
    check_report_output(out, sources)
    res = results_path if isinstance(results_path, Results) else Results.open(results_path)
    meta = res.experiment
    baseline = res.baseline
    summary = res.summary_records()
    diffs = res.paired_records(baseline)
    failed = analysis.failures(res.rows)
    counts = {"total": len(res.rows), "ok": len(res.rows) - len(failed), "failed": len(failed)}
    head = (_experiment_blocks(meta, counts, baseline, res.strategies)
            + _result_blocks(summary, diffs, baseline))
    tail = (_sensitivity_blocks(res, baseline) + _global_blocks(res)
            + _failure_blocks(failed))
    if not meta.get("baseline") and baseline:
        head.insert(0, ("p", f"No baseline was set; differences are taken against "
                             f"**{baseline}**."))
    name = meta.get("name") or (Path(results_path).name if isinstance(results_path, (str, Path))
                                else "results")
    title = f"stormdrill batch report: {name}"
    if out.suffix.lower() == ".md":
        figures = res.plot(out.parent / f"{out.stem}_plots", ("png",), baseline=baseline)
        blocks = [*head, *_figure_blocks(figures), *tail]
        write_report_text(out, f"# {title}\n\n" + render_md(blocks, out.parent))
        return out
    with tempfile.TemporaryDirectory(prefix="stormdrill-report-") as tmp:
        figures = res.plot(tmp, ("svg",), baseline=baseline)
        text = render_html([*head, *_figure_blocks(figures), *tail], title)
    write_report_text(out, text)
    return out
