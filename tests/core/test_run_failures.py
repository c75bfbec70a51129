"""A failing objective fails its trial, says why, and the run goes on."""

from __future__ import annotations

import math
from typing import Any

import optuna
import pytest
from ConfigSpace import ConfigurationSpace, Float, Integer

from hcautoml_widgets import Run

SPACE = ConfigurationSpace({"x": Float("x", (0.0, 1.0)), "n": Integer("n", (0, 5))})
BAD = {0: "boom", 1: float("nan"), 2: math.inf, 3: None, 4: "text"}


def flaky(cfg: dict[str, Any]) -> Any:
    n = cfg["n"]
    if n == 0:
        raise RuntimeError("boom")
    return BAD.get(n, cfg["x"]) if n < 5 else cfg["x"]


def test_each_kind_of_failure_fails_its_trial_with_a_reason() -> None:
    run = Run(flaky, SPACE, seed=0, max_consecutive_failures=1000)
    run.start(n_trials=60)
    run.wait(timeout=30)
    assert run.status == "finished"
    by_n: dict[int, set] = {}
    for row in run.records():
        by_n.setdefault(row["params"]["n"], set()).add((row["state"], row["error"]))
    assert by_n[0] == {("failed", "RuntimeError: boom")}
    assert by_n[1] == {("failed", "objective returned NaN")}
    assert by_n[2] == {("failed", "objective returned inf")}
    assert by_n[3] == {("failed", "objective returned None")}
    assert by_n[4] == {("failed", "objective returned str, not a number")}
    assert by_n[5] == {("complete", None)}
    assert run.best_config()["n"] == 5


def test_consecutive_failures_stop_the_run_and_say_why() -> None:
    def always(cfg: dict[str, Any]) -> float:
        raise ValueError("bad data")

    run = Run(always, SPACE, seed=0, max_consecutive_failures=5)
    run.start(n_trials=100)
    run.wait(timeout=30)
    assert run.status == "failed"
    assert run.status_reason == "5 trials in a row failed; last error: ValueError: bad data"
    assert run.counts["failed"] == 5
    with pytest.raises(ValueError, match="no completed trial"):
        run.best_config()


def test_pruning_through_report() -> None:
    def stepped(cfg: dict[str, Any], report: Any) -> float:
        for step in range(10):
            report(cfg["x"] + step * 0.01, step)
        return cfg["x"]

    run = Run(stepped, SPACE, seed=0,
              pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=0))
    run.start(n_trials=40)
    run.wait(timeout=30)
    assert run.counts["pruned"] > 0
    assert run.counts["complete"] + run.counts["pruned"] == 40


def test_rejected_trials_never_count_as_best() -> None:
    run = Run(lambda c: c["x"], SPACE, seed=0)
    run.start(n_trials=15)
    run.wait(timeout=30)
    best = run.best_trial_number
    assert best is not None
    run.steering.reject(best)
    assert run.best_trial_number != best
    assert run.record(best)["review"] == "rejected"
    run.steering.undo()
    assert run.best_trial_number == best and run.record(best)["review"] is None


def test_a_review_made_while_a_trial_runs_survives_its_final_row() -> None:
    from hcautoml_widgets.core.records import Records

    records = Records("minimize")
    row = {"number": 0, "state": "running", "value": None, "review": None}
    records.put(dict(row))
    records.set_reviews({0: "rejected"})  # the person rejects it before it finishes
    final = records.put({**row, "state": "complete", "value": 0.1, "review": None})
    assert final["review"] == "rejected" and records.best is None
