"""The notebook API: run an experiment file, get tidy rows for pandas."""

from pathlib import Path

import pandas as pd

import scenarios


def test_run_batch_rows_load_into_a_dataframe(tmp_path: Path) -> None:
    exp = tmp_path / "e.yaml"
    exp.write_text("scenarios: [kitchen-gaffe]\nstrategies: [silent, defensive]\n"
                   "replications: 3\nseed: 4\nhours: 6\n"
                   "grid:\n  response.share_defensive: [1.0, 1.2]\n")
    df = pd.DataFrame(scenarios.run_batch(str(exp), workers=1))
    assert len(df) == 12
    assert {"run_id", "scenario", "strategy", "replication", "seed", "version", "sharers",
            "reach", "response.share_defensive"} <= set(df.columns)
    assert (df["status"] == "ok").all()
    paired = df.pivot_table(index=["replication", "response.share_defensive"], columns="strategy",
                            values="seed")
    assert (paired["silent"] == paired["defensive"]).all(), "same seeds across strategies"
