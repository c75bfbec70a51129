"""Restart, reload and export: nothing a person did is lost."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer, Normal

from hcautoml_widgets import Run
from hcautoml_widgets.core.persistence import DEAD_TRIAL_REASON


def space() -> ConfigurationSpace:
    return ConfigurationSpace({
        "lr": Float("lr", (1e-4, 1.0), log=True),
        "depth": Integer("depth", (2, 12), distribution=Normal(6, 2)),
        "loss": Categorical("loss", ["a", "b"]),
    })


def objective(cfg: dict[str, Any]) -> float:
    return abs(cfg["lr"] - 0.1) + cfg["depth"] / 100 + (cfg["loss"] == "b") * 0.05


TIMING = ("start", "end", "duration")


def same_rows(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> None:
    """Rows are equal; timings agree to within what separates the run's clock reading from the
    storage's (the live row is stamped by the optimiser thread, the stored one by Optuna)."""
    assert [{k: v for k, v in r.items() if k not in TIMING} for r in a] == [
        {k: v for k, v in r.items() if k not in TIMING} for r in b]
    for x, y in zip(a, b, strict=True):
        for key in TIMING:
            assert (x[key] is None) == (y[key] is None)
            if x[key] is not None:
                assert abs(x[key] - y[key]) < 0.25, (key, x, y)


def steered_run(storage: str | None, name: str = "demo") -> Run:
    run = Run(objective, space(), storage=storage, study_name=name, seed=0)
    run.start(n_trials=8)
    run.wait(timeout=30)
    run.steering.narrow("lr", 0.01, 0.5)
    run.steering.prior("depth", 5, "high")
    run.steering.reject(2)
    run.steering.accept(3)
    run.steering.enqueue({"lr": 0.1, "depth": 4, "loss": "a"})
    run.steering.enqueue({"lr": 0.2, "depth": 4, "loss": "a"})
    run.steering.allow("loss", ["a"])
    run.steering.undo()
    run.step(1)  # consumes the first enqueued configuration
    run.wait(timeout=30)
    run.stop()
    return run


def test_sqlite_restart_restores_trials_and_steering(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    first = steered_run(url)
    again = Run.load(url, "demo")
    assert [e.to_dict() for e in again.steering.log] == [e.to_dict() for e in first.steering.log]
    assert again.steering.state == first.steering.state
    assert again.steering.state_dict() == first.steering.state_dict()  # queue: one left
    assert len(again.steering.pending()) == 1
    same_rows(again.records(), first.records())
    assert again.best_config() == first.best_config()
    assert again.space.to_dict() == first.space.to_dict()
    n = len(first.records())
    assert again.status == "idle"
    assert again.status_reason == (f"loaded from storage with {n} trials; pass objective= to "
                                   "Run.load to continue it")
    # ... and it continues with an objective.
    more = Run.load(url, "demo", objective=objective)
    assert more.status_reason == (f"loaded from storage with {n} trials; start() or step() "
                                  "continues it")
    more.start(n_trials=3)
    more.wait(timeout=30)
    rows = more.records()
    assert len(rows) == len(first.records()) + 3
    assert rows[-3]["origin"] == "enqueued" and rows[-3]["params"]["lr"] == 0.2
    assert all(0.01 <= r["params"]["lr"] <= 0.5 for r in rows[-2:])


def test_trials_left_running_by_a_dead_process_are_failed(tmp_path: Path) -> None:
    db = tmp_path / "dead.db"
    script = textwrap.dedent(f"""
        import os
        from hcautoml_widgets import Run
        from ConfigSpace import ConfigurationSpace, Float
        def objective(cfg):
            if cfg["x"] > -1:
                os._exit(3)  # the kernel dies in the middle of the trial
        run = Run(objective, ConfigurationSpace({{"x": Float("x", (0.0, 1.0))}}),
                  storage="sqlite:///{db}", study_name="s")
        run.steering.narrow("x", 0.2, 0.4)
        run.start(n_trials=5)
        run.wait()
    """)
    proc = subprocess.run([sys.executable, "-c", script], cwd=Path(__file__).parents[2],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3, proc.stderr
    run = Run.load(f"sqlite:///{db}", "s")
    (row,) = run.records()
    assert row["state"] == "failed" and row["error"] == DEAD_TRIAL_REASON
    assert run.steering.state.ranges["x"] == (0.2, 0.4)


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_export_round_trip_is_lossless(tmp_path: Path, suffix: str) -> None:
    run = steered_run(None)
    path = run.export(tmp_path / f"run{suffix}")
    back = Run.from_export(path)
    assert back.best_config() == run.best_config()
    assert back.records() == run.records()
    assert [e.to_dict() for e in back.steering.log] == [e.to_dict() for e in run.steering.log]
    assert back.steering.state_dict() == run.steering.state_dict()
    assert back.space.to_dict() == run.space.to_dict()
    again = back.export(tmp_path / f"again{suffix}")
    assert again.read_text() == path.read_text()
    assert back.to_dataframe().equals(run.to_dataframe())


def test_export_json_holds_what_it_promises(tmp_path: Path) -> None:
    run = steered_run(None)
    doc = json.loads(run.export(tmp_path / "run.json").read_text())
    assert set(doc) >= {"best", "space", "steering", "trials"}
    assert doc["best"]["config"] == run.best_config()
    assert doc["space"]["hyperparameters"][0]["name"]  # ConfigSpace's own JSON
    row = doc["trials"][0]
    assert {"origin", "version", "review", "score", "params", "state"} <= set(row)
    frame = run.to_dataframe()
    assert {"origin", "version", "review", "params_lr", "score_acquisition"} <= set(frame.columns)
    assert frame.loc[frame.number == 2, "review"].item() == "rejected"


def test_bad_export_and_load_inputs(tmp_path: Path) -> None:
    bad = tmp_path / "x.json"
    bad.write_text(json.dumps({"format": "other"}))
    with pytest.raises(ValueError, match="not an hcautoml-widgets export"):
        Run.from_export(bad)
    with pytest.raises(ValueError, match="no study named 'nope'"):
        Run.load(f"sqlite:///{tmp_path / 'empty.db'}", "nope")


def test_attaching_to_a_live_study_leaves_its_running_trials_alone(tmp_path: Path) -> None:
    import threading

    url = f"sqlite:///{tmp_path / 'live.db'}"
    release = threading.Event()

    def slow(cfg: dict[str, Any]) -> float:
        release.wait(30)
        return objective(cfg)

    live = Run(slow, space(), storage=url, study_name="live", seed=0)
    live.start(n_trials=1)
    while live.counts["running"] == 0:
        pass
    watcher = Run.load(url, "live", fail_running=False)
    assert [r["state"] for r in watcher.records()] == ["running"]
    release.set()
    assert live.wait(timeout=30)
    assert live.status == "finished" and live.counts["complete"] == 1


def test_the_metric_name_is_stored_with_the_space(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'metric.db'}"
    run = Run(objective, space(), storage=url, study_name="m", metric="CV error")
    assert run.metric == "CV error" and run.status_event()["metric"] == "CV error"
    assert Run.load(url, "m").metric == "CV error"
    assert Run.load(url, "m", metric="error rate").metric == "error rate"
    assert Run.load(url, "m").metric == "error rate"
    assert Run(objective, space()).metric == "value"
