"""Batch report and plots from a small real results file."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from simulator import analysis
from simulator.batch import Experiment
from simulator.config import NetworkConfig, Scenario
from simulator.outcomes import HEADLINE, outcome
from simulator.plots import plot_all
from simulator.runner import run_batch
from simulator.store import METRIC_NAMES, ResultsStore
from simulator.strategy import Strategy
from tui.reports.batch import FIGURE_CAPTIONS, SENSITIVITY_METRICS, write_batch_report

STRATEGIES = ("silent", "fast", "slow")


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A grid batch (18 runs, 1000 users, 24 h), plus a failed run and a tiny sensitivity set.

    The sensitivity rows are written by hand: the real sweep has ~40 settings,
    too slow for a unit test, and the report only reads rows.
    """
    out = tmp_path_factory.mktemp("batch")
    sc = Scenario(name="s", network=NetworkConfig(users=1000))
    exp = Experiment(
        name="report-test", scenarios=(("s", sc),),
        strategies=(("silent", None),
                    ("fast", Strategy(name="fast", respond_after_h=0, solution_after_h=1)),
                    ("slow", Strategy(name="slow", respond_after_h=12))),
        replications=3, seed=1, grid=(("plan.approval_delay_h", (0.0, 3.0)),),
        baseline="silent", hours=24)
    rows = run_batch(exp, workers=1, out=out)
    assert len(rows) == 18
    extra = [{**{k: v for k, v in rows[0].items() if k not in ("params", "hourly")},
              "run_id": "failed-1", "replication": 7, "status": "error",
              "error": "ValueError: a broken run", "params": rows[0]["params"],
              **dict.fromkeys(METRIC_NAMES)}]
    for point, params, fast, slow in (("", {}, 5, 9), ("spread.repeat_exposure=1.5",
                                                      {"spread.repeat_exposure": 1.5}, 12, 9)):
        for strategy, value in (("silent", 20), ("fast", fast), ("slow", slow)):
            extra.append({"run_id": f"sens-{point}-{strategy}", "design": "sensitivity",
                          "scenario": "s", "strategy": strategy, "point": point,
                          "replication": 0, "seed": 1, "params": params, "version": "t",
                          "status": "ok", "error": None, "elapsed_s": 0.0, "sharers": value,
                          "negative_posts": 10 * value, "reputation_end": 30.0 - value})
    with ResultsStore(out) as store:
        store.add(extra)
    return out


@pytest.mark.slow  # draws every plot with matplotlib: seconds
def test_plots_are_written_and_svgs_parse(results: Path, tmp_path: Path) -> None:
    paths = plot_all(results / "results.sqlite", tmp_path)
    names = {p.name for p in paths}
    for stem in ("distributions-s", "hourly-s", "sweep-s-plan-approval-delay-h", "tornado-s"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
    for p in paths:
        assert p.stat().st_size > 1000
        if p.suffix == ".svg":
            assert ET.parse(p).getroot().tag.endswith("svg")


@pytest.mark.slow  # a full HTML report with figures: seconds
def test_html_report_is_self_contained(results: Path, tmp_path: Path) -> None:
    out = write_batch_report(results, tmp_path / "report.html")
    text = out.read_text(encoding="utf-8")
    for name in STRATEGIES:
        assert f"<td>{name}</td>" in text
    assert text.count("<table>") >= 4 and text.count("<svg") == 4
    assert "Paired difference vs <strong>silent</strong>" in text
    assert "ValueError: a broken run" in text and "Failed runs (1)" in text
    assert "spread.repeat_exposure" in text  # flips the ranking of fast and slow
    assert text.index("trust at the end") < text.index("Base ranking by mean negative posts")
    assert "Base ranking by mean trust at the end (best first): fast (25.0) &gt; slow" in text
    assert not re.search(r"(src|href)=\"https?:", text)


@pytest.mark.slow  # a full HTML report with figures: seconds
def test_html_report_reads_like_a_report(results: Path, tmp_path: Path) -> None:
    """The scenario as a table of settings, no empty header row, honest differences."""
    text = write_batch_report(results, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Scenario(" not in text and "NetworkConfig(" not in text
    assert "<td>network.users</td><td class=\"num\">1000</td>" in text
    assert "<td>respond_after_h</td>" in text  # the strategies' settings too
    assert "<th></th>" not in text
    assert "% of the baseline mean" not in text and "index points" in text
    assert "never responded" in text and "3 of 3 (100%)" in text  # silent never replies
    points = [m.group(1) for m in re.finditer(r"<h3>s: plan\.approval_delay_h=([\d.]+)</h3>",
                                              text)]
    assert points == ["0.0", "3.0"]


@pytest.mark.slow  # renders PNG figures: seconds
def test_markdown_report_writes_pngs_beside_it(results: Path, tmp_path: Path) -> None:
    out = write_batch_report(results / "results.sqlite", tmp_path / "report.md")
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# stormdrill batch report: report-test")
    assert "| strategy |" in text and "<svg" not in text
    images = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    assert len(images) == 4
    assert all((tmp_path / img).is_file() and img.endswith(".png") for img in images)


def test_real_rows_pair_across_strategies(results: Path) -> None:
    store, meta = analysis.load_results(results)
    with store:
        rows = list(store.rows())
    assert meta["baseline"] == "silent"
    diffs = analysis.paired_differences(rows, "silent", ["sharers"])
    assert {(d["point"], d["strategy"]) for d in diffs} == {
        (p, s) for p in ("plan.approval_delay_h=0.0", "plan.approval_delay_h=3.0")
        for s in ("fast", "slow")}
    assert all(d["n_pairs"] == 3 for d in diffs)
    assert "fast" in analysis.format_table(analysis.summarise(rows), diffs)


def test_missing_results_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such results file"):
        write_batch_report(tmp_path / "nowhere", tmp_path / "r.html")
    assert not (tmp_path / "nowhere").exists()


def test_sensitivity_labels_are_the_outcomes_labels() -> None:
    """The report names outcomes as `simulator.outcomes` does, ranking keys trust first."""
    assert [name for name, _ in SENSITIVITY_METRICS] == list(HEADLINE)
    assert all(label == outcome(name).label for name, label in SENSITIVITY_METRICS)
    assert outcome("reputation_end").label in FIGURE_CAPTIONS["tornado"]
