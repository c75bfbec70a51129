from __future__ import annotations

import itertools
import threading
import time
from typing import Any

from ConfigSpace import ConfigurationSpace, Float

from hcautoml_widgets import Run
from hcautoml_widgets.core.feed import EventFeed


def _trial(number: int, state: str) -> dict[str, Any]:
    return {"type": "trial", "record": {"number": number, "state": state}}


def test_batches_coalesce_and_hold_only_what_is_new() -> None:
    feed = EventFeed()
    got: list[list[dict[str, Any]]] = []
    gate = threading.Event()

    def slow(batch: list[dict[str, Any]]) -> None:
        gate.wait(5)
        got.append(batch)

    sub = feed.subscribe(slow, max_rate=1000)
    feed.publish(_trial(0, "running"))
    time.sleep(0.05)  # the first batch is now being delivered (held by the gate)
    for i in range(1, 50):
        feed.publish(_trial(i, "running"))
        feed.publish(_trial(i, "complete"))
        feed.publish({"type": "status", "status": "running", "n": i})
    gate.set()
    assert feed.flush(5)
    assert [len(b) for b in got] == [1, 50]
    second = got[1]
    assert [e["record"]["state"] for e in second if e["type"] == "trial"] == ["complete"] * 49
    assert [e["n"] for e in second if e["type"] == "status"] == [49]
    sub.close()


def test_rate_is_limited() -> None:
    feed = EventFeed()
    times: list[float] = []
    feed.subscribe(lambda b: times.append(time.monotonic()), max_rate=20)
    end = time.monotonic() + 0.6
    i = 0
    while time.monotonic() < end:
        feed.publish(_trial(i, "complete"))
        i += 1
        time.sleep(0.001)
    feed.flush(5)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) <= 0.6 * 20 + 2
    assert min(gaps) >= 0.045


def test_a_stalled_subscriber_does_not_stall_the_run() -> None:
    stuck = threading.Event()
    run = Run(lambda c: c["x"], ConfigurationSpace({"x": Float("x", (0.0, 1.0))}), seed=0)
    run.feed.subscribe(lambda b: stuck.wait(30))
    done: set[int] = set()

    def healthy(batch: list[dict[str, Any]]) -> None:
        done.update(e["record"]["number"] for e in batch
                    if e["type"] == "trial" and e["record"]["state"] == "complete")

    run.feed.subscribe(healthy)
    run.start(n_trials=150)
    assert run.wait(timeout=60)
    assert run.counts["complete"] == 150
    run.feed._subs[1].flush(5)
    assert done == set(range(150))  # the healthy subscriber saw every trial complete
    stuck.set()


def test_a_failing_subscriber_keeps_receiving() -> None:
    feed = EventFeed()
    calls: list[int] = []

    def broken(batch: list[dict[str, Any]]) -> None:
        calls.append(len(batch))
        raise RuntimeError("view crashed")

    feed.subscribe(broken, max_rate=1000)
    feed.publish(_trial(0, "running"))
    feed.flush(5)
    feed.publish(_trial(1, "running"))
    feed.flush(5)
    assert calls == [1, 1]
