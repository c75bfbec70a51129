"""The background refresher: off the optimiser's thread, rate-limited, current at the end."""

from __future__ import annotations

import threading
from typing import Any

from hcautoml_widgets.insights import Refresher, summary
from tests.insights.known_runs import finished


class Collect:
    def __init__(self) -> None:
        self.msgs: list[dict[str, Any]] = []
        self.threads: set[str] = set()
        self.lock = threading.Lock()

    def __call__(self, msg: dict[str, Any]) -> None:
        with self.lock:
            self.msgs.append(msg)
            self.threads.add(threading.current_thread().name)

    def kinds(self, kind: str) -> list[dict[str, Any]]:
        with self.lock:
            return [m for m in self.msgs if m["kind"] == kind]


def test_refreshes_in_its_own_thread_and_ends_current() -> None:
    import optuna

    import hcautoml_widgets as hcw
    from tests.insights.known_runs import space

    run = hcw.Run(lambda c: (c["x0"] - 0.3) ** 2, space(),
                  sampler=optuna.samplers.RandomSampler(seed=0))
    got = Collect()
    ref = Refresher(run, got, min_new=20, min_interval=0.2)
    assert ref.wait_idle(30)
    first = got.kinds("summary")
    assert first and "error" in first[-1]["summary"]  # no trial yet: says why
    run.start(n_trials=120)
    run.wait()
    assert ref.wait_idle(60)
    ref.close()
    summaries = [m["summary"] for m in got.kinds("summary")]
    assert summaries[-1]["n"] == 120  # the stragglers after the last batch were taken in
    # Rate-limited: far fewer refreshes than trials (those counting too few trials are cheap and
    # stop at the 10th).
    assert len([s for s in summaries if "error" not in s]) <= 120 // 20 + 3
    assert len([s for s in summaries if "error" in s]) <= 10
    assert got.threads == {"hcw-insights"}
    last = summaries[-1]
    assert last["importance"][0]["name"] == "x0"
    assert set(last["pd"]) == set(run.space.names)
    assert ref.history[-1]["n"] == 120 and len(ref.history) >= 1
    # Each refresh on enough trials is announced before it computes (none for the empty run).
    computing = got.kinds("computing")
    assert [m["n"] for m in computing] == [s["n"] for s in summaries if "error" not in s]


def test_too_few_trials_are_recounted_and_the_first_summary_does_not_wait_for_min_new() -> None:
    # A paced run of 20 trials (about 3 s) under min_new = 100: before, the view said "(0 so
    # far)" until the run ended. Now the count follows the trials, and insights come once there
    # are 10.
    import time

    import optuna

    import hcautoml_widgets as hcw
    from tests.insights.known_runs import space

    def objective(c: dict[str, Any]) -> float:
        time.sleep(0.15)
        return float((c["x0"] - 0.3) ** 2)

    run = hcw.Run(objective, space(), sampler=optuna.samplers.RandomSampler(seed=0))
    got = Collect()
    ref = Refresher(run, got, min_new=100, min_interval=3.0)
    assert ref.wait_idle(30)
    run.start(n_trials=20)
    run.wait()
    assert ref.wait_idle(60)
    ref.close()
    summaries = [m["summary"] for m in got.kinds("summary")]
    counts = [s["n"] for s in summaries if "error" in s]
    assert counts[0] == 0 and any(0 < n < 10 for n in counts), counts
    assert all(f"({n} so far)" in s["error"] for s, n in zip(
        [s for s in summaries if "error" in s], counts, strict=True))
    real = [s["n"] for s in summaries if "error" not in s]
    assert real[0] < 20 and real[-1] == 20, real


def test_a_review_triggers_a_refresh_without_new_trials() -> None:
    run = finished(lambda c: c["x0"], n=30)
    got = Collect()
    ref = Refresher(run, got, min_new=100, min_interval=0.0)
    assert ref.wait_idle(30)
    run.steering.reject(run.best_trial_number or 0)
    assert ref.wait_idle(30)
    ref.close()
    assert [m["summary"]["n"] for m in got.kinds("summary")][-2:] == [30, 29]


def test_fanova_on_request_reports_progress() -> None:
    run = finished(lambda c: c["x0"], n=40)
    got = Collect()
    ref = Refresher(run, got, min_interval=0.0)
    assert ref.request_fanova(refits=2)
    assert ref.wait_fanova(120)
    ref.close()
    progress = got.kinds("progress")
    assert [(m["done"], m["total"]) for m in progress] == [(1, 3), (2, 3), (3, 3)]
    result = got.kinds("fanova")[-1]
    assert result["importance"][0]["name"] == "x0" and result["n"] == 40
    assert "hcw-fanova" in got.threads


def test_summary_size_does_not_grow_with_trials() -> None:
    import json

    from hcautoml_widgets.insights._data import trials

    small = summary.compute(trials(finished(lambda c: c["x0"], n=40)))
    large = summary.compute(trials(finished(lambda c: c["x0"], n=400)))
    size = [len(json.dumps(s, separators=(",", ":"))) for s in (small, large)]
    assert size[1] <= 1.1 * size[0] and size[1] < 20_000
