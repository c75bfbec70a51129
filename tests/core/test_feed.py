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


def _feed_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "hcw-feed"]


def test_batches_coalesce_and_hold_only_what_is_new() -> None:
    feed = EventFeed()
    got: list[list[dict[str, Any]]] = []
    started, gate = threading.Event(), threading.Event()

    def slow(batch: list[dict[str, Any]]) -> None:
        started.set()
        gate.wait(5)
        got.append(batch)

    sub = feed.subscribe(slow, max_rate=1000)
    feed.publish(_trial(0, "running"))
    assert started.wait(5)  # the first batch is now being delivered (held by the gate)
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
    sub = feed.subscribe(lambda b: times.append(time.monotonic()), max_rate=20)
    end = time.monotonic() + 0.6
    i = 0
    while time.monotonic() < end:
        feed.publish(_trial(i, "complete"))
        i += 1
        time.sleep(0.001)
    assert feed.flush(5)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert len(times) <= 0.6 * 20 + 2
    assert min(gaps) >= 0.045
    sub.close()


def test_one_delivery_thread_for_every_subscriber_and_one_batch_object() -> None:
    for t in _feed_threads():  # an earlier test's feed ends its thread when it next wakes
        t.join(5)
    before = len(_feed_threads())
    feed = EventFeed()
    seen: list[list[int]] = [[] for _ in range(5)]
    subs = [feed.subscribe(lambda b, i=i: seen[i].append(id(b))) for i in range(5)]
    assert len(_feed_threads()) == before + 1
    for i in range(20):
        feed.publish(_trial(i, "complete"))
        assert feed.flush(5)
    assert all(s == seen[0] for s in seen) and len(seen[0]) == 20  # the same list, shared
    for sub in subs:
        sub.close()
    thread = [t for t in _feed_threads() if t.is_alive()]
    for t in thread:
        t.join(5)
    assert len([t for t in _feed_threads() if t.is_alive()]) == before  # ended with the last


def test_status_is_built_only_when_someone_reads_it_and_once_per_batch() -> None:
    built: list[int] = []

    def status() -> dict[str, Any]:
        built.append(1)
        return {"type": "status", "status": "running", "n": len(built)}

    feed = EventFeed(status)
    for _ in range(100):
        feed.status_changed()  # nobody listens: nothing is built
    assert built == []
    got: list[list[dict[str, Any]]] = []
    subs = [feed.subscribe(got.append, max_rate=5) for _ in range(3)]
    for i in range(100):
        feed.publish(_trial(i, "complete"))
        feed.status_changed()
    assert feed.flush(5)
    assert 1 <= len(built) <= 3  # once per batch, not per change nor per subscriber
    assert got[-1][-1] == {"type": "status", "status": "running", "n": len(built)}
    for sub in subs:
        sub.close()


def test_a_stalled_subscriber_does_not_stall_the_run() -> None:
    stuck, entered = threading.Event(), threading.Event()
    run = Run(lambda c: c["x"], ConfigurationSpace({"x": Float("x", (0.0, 1.0))}), seed=0)

    def stalled(batch: list[dict[str, Any]]) -> None:
        entered.set()
        stuck.wait(30)

    done: set[int] = set()

    def healthy(batch: list[dict[str, Any]]) -> None:
        done.update(e["record"]["number"] for e in batch
                    if e["type"] == "trial" and e["record"]["state"] == "complete")

    run.feed.subscribe(stalled)
    sub = run.feed.subscribe(healthy)
    run.start(n_trials=150)
    assert run.wait(timeout=60)  # the optimiser never waits on a subscriber
    assert entered.wait(5) and run.counts["complete"] == 150
    stuck.set()
    assert sub.flush(10)
    assert done == set(range(150))  # once unstuck, every trial reached the others
    assert run.feed.flush(5)


def test_a_failing_subscriber_keeps_receiving() -> None:
    feed = EventFeed()
    calls: list[int] = []

    def broken(batch: list[dict[str, Any]]) -> None:
        calls.append(len(batch))
        raise RuntimeError("view crashed")

    feed.subscribe(broken, max_rate=1000)
    feed.publish(_trial(0, "running"))
    assert feed.flush(5)
    feed.publish(_trial(1, "running"))
    assert feed.flush(5)
    assert calls == [1, 1]


def test_a_slower_subscriber_gets_fewer_batches_and_every_event() -> None:
    feed = EventFeed()
    fast: list[int] = []
    slow: list[int] = []
    subs = [feed.subscribe(lambda b: fast.extend(e["record"]["number"] for e in b), 50),
            feed.subscribe(lambda b: slow.extend(e["record"]["number"] for e in b), 4)]
    end = time.monotonic() + 1.0
    i = 0
    while time.monotonic() < end:
        feed.publish(_trial(i, "complete"))
        i += 1
        time.sleep(0.002)
    assert feed.flush(5)
    assert sorted(fast) == sorted(slow) == list(range(i))
    assert subs[1].batches <= 4 * 1.0 + 2 < subs[0].batches
    for sub in subs:
        sub.close()


def test_a_costly_subscriber_is_fed_less_often_and_everything_at_the_end() -> None:
    state = {"status": "running"}
    feed = EventFeed(lambda: {"type": "status", **state})
    cheap: list[list[dict[str, Any]]] = []
    costly: list[list[dict[str, Any]]] = []

    def slow(batch: list[dict[str, Any]]) -> None:
        costly.append(batch)
        _busy(0.01)  # a view that takes 10 ms a batch: fed ~1.5 times a second, not 50

    subs = [feed.subscribe(cheap.append, 50), feed.subscribe(slow, 50)]
    end = time.monotonic() + 1.0
    i = 0
    while time.monotonic() < end:
        feed.publish(_trial(i, "complete"))
        feed.status_changed()
        i += 1
        time.sleep(0.002)
    assert len(costly) * 3 < len(cheap)
    state["status"] = "finished"
    feed.status_changed()
    assert feed.flush(5)
    # The end of the run reaches both in the same round, whatever their pace.
    assert cheap[-1][-1]["status"] == costly[-1][-1]["status"] == "finished"
    numbers = sorted(e["record"]["number"] for b in costly for e in b if e["type"] == "trial")
    assert numbers == list(range(i))
    for sub in subs:
        sub.close()


def _busy(seconds: float) -> None:
    """Work for ``seconds`` of this thread's CPU time (the feed charges a view its CPU time)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def _batches_each(n_subscribers: int, seconds: float = 1.2) -> list[int]:
    """How many batches each of ``n_subscribers`` equally costly subscribers got."""
    feed = EventFeed()
    subs = [feed.subscribe(lambda b: _busy(0.004), 50) for _ in range(n_subscribers)]
    end = time.monotonic() + seconds
    i = 0
    while time.monotonic() < end:
        feed.publish(_trial(i, "complete"))
        i += 1
        time.sleep(0.002)
    counts = [sub.batches for sub in subs]
    for sub in subs:
        sub.close()
    return counts


def test_the_views_share_one_budget_however_many_are_open() -> None:
    # Six views of a dashboard may together take what one alone may: each is fed less often.
    alone = _batches_each(1)[0]
    six = _batches_each(6)
    assert max(six) * 2 < alone, (six, alone)


def test_an_edit_is_delivered_at_once_while_trials_wait_for_the_rate() -> None:
    # A slow rate (one batch every 2 s) holds the stream of trials; a steering event published
    # in the middle of the wait goes out at once, to every subscriber, with what gathered.
    feed = EventFeed()
    got: dict[str, list[tuple[float, list[dict[str, Any]]]]] = {"a": [], "b": []}
    subs = [feed.subscribe(lambda b, k=k: got[k].append((time.monotonic(), b)), max_rate=0.5)
            for k in got]
    feed.publish(_trial(0, "complete"))
    assert feed.flush(5)  # the first batch goes at once; the next must wait 2 s
    feed.publish(_trial(1, "complete"))
    time.sleep(0.2)
    assert all(len(g) == 1 for g in got.values())  # trial 1 is held for the rate
    sent = time.monotonic()
    feed.publish({"type": "steering", "event": {"op": "narrow"}})
    assert feed.flush(5)
    for g in got.values():
        when, batch = g[-1]
        assert [e["type"] for e in batch] == ["trial", "steering"]
        assert when - sent < 1.0  # well before the 2 s the rate would have held it
    for sub in subs:
        sub.close()


def test_the_end_of_a_run_is_delivered_at_once() -> None:
    # Trials wait for the rate; a status that says the run stopped running does not.
    status = {"type": "status", "status": "running"}
    feed = EventFeed(lambda: dict(status))
    got: list[tuple[float, list[dict[str, Any]]]] = []
    sub = feed.subscribe(lambda b: got.append((time.monotonic(), b)), max_rate=0.5)
    feed.publish(_trial(0, "complete"))
    assert feed.flush(5)
    feed.publish(_trial(1, "complete"))
    feed.status_changed()  # counts changed while running: waits with the trial
    time.sleep(0.2)
    assert len(got) == 1
    status["status"] = "finished"
    sent = time.monotonic()
    feed.status_changed(urgent=True)
    assert feed.flush(5)
    when, batch = got[-1]
    assert when - sent < 1.0
    assert [e["type"] for e in batch] == ["trial", "status"] and batch[-1]["status"] == "finished"
    sub.close()
