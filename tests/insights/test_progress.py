"""Best so far and progress, with known answers, and the tracker against the batch function on a
real run (rejections and out-of-order arrival included)."""

from __future__ import annotations

import random
from typing import Any

import pytest

import hcautoml_widgets as hcw
from hcautoml_widgets.insights.progress import BestSoFar, best_so_far, progress
from tests.svm_toy import objective, space


def rows(*values: float | None, state: str = "complete") -> list[dict[str, Any]]:
    return [{"number": i, "state": state if v is not None else "failed", "value": v}
            for i, v in enumerate(values)]


def test_best_so_far_steps_down_when_minimizing_and_up_when_maximizing() -> None:
    data = rows(5.0, 7.0, 3.0, None, 3.0, 1.0)
    assert best_so_far(data) == [(0, 5.0), (2, 3.0), (5, 1.0)]
    assert best_so_far(data, "maximize") == [(0, 5.0), (1, 7.0)]


def test_rejected_pruned_failed_and_infinite_trials_never_count() -> None:
    data = rows(5.0, 1.0, 4.0, 0.5, float("inf"), float("nan"), 4.5)
    data[1]["review"] = "rejected"
    data[3]["state"] = "pruned"  # an intermediate value, not a result
    assert best_so_far(data) == [(0, 5.0), (2, 4.0)]


def test_the_tracker_appends_rebuilds_out_of_order_and_follows_rejections() -> None:
    best = BestSoFar()
    assert best.best is None
    assert best.add({"number": 0, "state": "complete", "value": 3.0}) == "append"
    assert best.add({"number": 2, "state": "complete", "value": 4.0}) == "none"
    assert best.add({"number": 3, "state": "running", "value": None}) == "none"
    assert best.add({"number": 3, "state": "complete", "value": 2.0}) == "append"
    assert best.add({"number": 3, "state": "complete", "value": 2.0}) == "none"  # seen
    # Trial 1 finished last (another worker) and is the best so far at its place.
    assert best.add({"number": 1, "state": "complete", "value": 1.0}) == "rebuild"
    assert best.steps == [(0, 3.0), (1, 1.0)]
    assert best.exclude({1}) == "rebuild"
    assert best.steps == [(0, 3.0), (3, 2.0)] and best.best == (3, 2.0)
    assert best.exclude({1, 99}) == "none"  # 99 is not a trial it holds
    assert best.exclude(set()) == "rebuild" and best.steps == [(0, 3.0), (1, 1.0)]
    assert best.exclude({2}) == "none"  # trial 2 was never a step


def test_the_tracker_matches_the_batch_answer_whatever_the_order() -> None:
    rng = random.Random(0)
    data = [{"number": i, "state": rng.choice(["complete"] * 4 + ["failed", "pruned"]),
             "value": rng.uniform(0, 10)} for i in range(300)]
    shuffled = data[:]
    rng.shuffle(shuffled)
    best = BestSoFar("maximize")
    for r in shuffled:
        best.add(r)
    assert best.steps == best_so_far(data, "maximize")


def test_the_tracker_agrees_with_the_run_on_its_best() -> None:
    run = hcw.Run(objective, space(), seed=1)
    run.step(12)
    run.wait()
    run.steering.reject(run.best_trial_number)
    records = run.records()
    steps = best_so_far(records, run.direction)
    assert steps[-1] == (run.best_trial_number, run.best_value)


def test_bad_direction_is_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        BestSoFar("down")


def test_progress_and_eta_at_the_pace_since_the_last_start() -> None:
    status = {"status": "running", "done": 30, "budget": 100, "started_at": 1000.0,
              "done_at_start": 10, "now": 1040.0}
    # 20 trials in 40 s since the start: 70 left take 140 s.
    assert progress(status) == {"done": 30, "budget": 100, "fraction": 0.3, "elapsed": 40.0,
                                "eta": 140.0}
    assert progress(status, now=1060.0)["eta"] == 210.0


def test_time_spent_paused_is_neither_elapsed_nor_pace() -> None:
    # 60 s since the start, 20 of them paused (a pause that ended): 20 trials in 40 s of
    # running; the ETA is what it was before the pause, not slowed by it.
    resumed = {"status": "running", "done": 30, "budget": 100, "started_at": 1000.0,
               "done_at_start": 10, "now": 1060.0, "paused_total": 20.0, "paused_since": None}
    assert progress(resumed)["elapsed"] == 40.0 and progress(resumed)["eta"] == 140.0
    # Paused now, since 1050: the clock stops there.
    paused = {**resumed, "status": "paused", "paused_total": 0.0, "paused_since": 1050.0}
    assert progress(paused)["elapsed"] == 50.0
    assert progress(paused, now=1500.0)["elapsed"] == 50.0


def test_progress_without_budget_pace_or_start_has_no_eta() -> None:
    assert progress({"status": "running", "done": 5, "budget": None, "started_at": 0.0,
                     "now": 10.0}) == {"done": 5, "budget": None, "fraction": None,
                                       "elapsed": 10.0, "eta": None}
    paused = {"status": "paused", "done": 5, "budget": 10, "started_at": 0.0, "now": 10.0}
    assert progress(paused)["eta"] is None and progress(paused)["fraction"] == 0.5
    assert progress({"status": "idle", "done": 0, "budget": 10})["elapsed"] is None
    over = {"status": "finished", "done": 12, "budget": 10}
    assert progress(over)["fraction"] == 1.0


def test_progress_of_a_real_run() -> None:
    run = hcw.Run(objective, space(), seed=0)
    run.start(n_trials=6)
    run.wait()
    p = progress(run.status_event())
    assert p["done"] == 6 and p["budget"] == 6 and p["fraction"] == 1.0 and p["eta"] is None
