"""timeline() on a real run: one row per event, oldest first, effects where they are due."""

from __future__ import annotations

import json
from pathlib import Path

import optuna
import pandas as pd

import hcautoml_widgets as hcw
from hcautoml_widgets.core.effects import COLUMNS
from hcautoml_widgets.insights.timeline import timeline
from tests.svm_toy import objective, space

optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_timeline_rows_follow_the_log(tmp_path: Path) -> None:
    run = hcw.Run(objective, space(), seed=0)
    run.step(4)
    run.wait()
    run.steering.narrow("C", 1.0, 20.0)
    run.steering.enqueue({"gamma": 0.3, "C": 5.0, "kernel": "rbf"}, source="widget")
    run.step(6)
    run.wait()
    run.steering.reject(0)
    df = timeline(run, k=3)
    assert list(df.columns) == COLUMNS
    assert list(df["seq"]) == [1, 2, 3] and list(df["kind"]) == ["narrow", "enqueue", "reject"]
    assert list(df["source"]) == ["code", "widget", "code"]
    assert isinstance(df["time"].dtype, pd.DatetimeTZDtype)
    narrow, enqueue, reject = (df.iloc[i] for i in range(3))
    assert narrow["trial"] == 4 and enqueue["trial"] == 4  # both before trial 4 started
    assert narrow["n_after"] == 3 and narrow["share_inside"] == 1.0  # a constraint is obeyed
    assert enqueue["description"] == "enqueued C=5, gamma=0.3, kernel=rbf"
    assert pd.isna(reject["trial"]) and pd.isna(reject["best_after"])
    records = run.records()
    best_first4 = min(r["value"] for r in records[1:4])  # trial 0 is rejected now
    assert narrow["best_before"] == best_first4
    exported = json.loads(run.export(tmp_path / "run.json").read_text())
    assert [row["seq"] for row in exported["timeline"]] == [1, 2, 3]
    assert exported["timeline"][0]["share_inside"] == 1.0
