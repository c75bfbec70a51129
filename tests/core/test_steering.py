from __future__ import annotations

import json
import threading
from collections.abc import Callable
from typing import Any

import pytest
from ConfigSpace import ConfigurationSpace

from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering

_CFG = {"lr": 0.05, "x": 1.0, "mom": 0.9, "frac": 0.2, "depth": 8, "width": 64, "kind": "a",
        "batch": 32, "drop": 0.2, "alpha": 0.3, "loss": "l1", "tag": "v1"}


@pytest.fixture
def steering(rich_space: ConfigurationSpace) -> Steering:
    return Steering(SearchSpace.from_any(rich_space), trial_exists=lambda n: 0 <= n < 10)


def test_narrow_and_reset(steering: Steering) -> None:
    ev = steering.narrow("lr", 0.01, 0.3)
    assert ev.kind == "narrow" and ev.source == "code" and ev.seq == 1
    assert steering.state.ranges["lr"] == (0.01, 0.3)
    steering.reset("lr", source="widget")
    assert steering.state.ranges["lr"] == (1e-4, 1.0)
    assert steering.log[-1].source == "widget"
    assert steering.version == 2


def test_allow_and_reset(steering: Steering) -> None:
    steering.allow("kind", ["c", "a"])
    assert steering.state.allowed["kind"] == ("a", "c")  # base order
    steering.reset("kind")
    assert steering.state.allowed["kind"] == ("a", "b", "c")


def test_pin_unpin(steering: Steering) -> None:
    steering.pin("depth", 6)
    assert steering.state.pins == {"depth": 6}
    steering.unpin("depth")
    assert steering.state.pins == {}


def test_prior_and_clear(steering: Steering) -> None:
    steering.prior("depth", 6, confidence="high")
    prior = steering.state.priors["depth"]
    assert prior.value == 6 and prior.confidence == "high" and prior.since == 1
    steering.prior("kind", "b", "low")
    assert steering.state.priors["kind"].weights is not None
    steering.clear_prior("depth")
    assert "depth" not in steering.state.priors
    # Space priors can be cleared as well.
    steering.clear_prior("mom")
    assert "mom" not in steering.state.priors


def test_reviews(steering: Steering) -> None:
    steering.reject(3)
    steering.accept(7)
    assert steering.state.reviews == {3: "rejected", 7: "accepted"}
    assert steering.state.accepted_since == {7: 2}
    steering.unreview(3)
    assert steering.state.reviews == {7: "accepted"}
    steering.reject(7)
    assert steering.state.reviews == {7: "rejected"} and steering.state.accepted_since == {}


def test_enqueue_and_take(steering: Steering) -> None:
    cfg = dict(_CFG)
    steering.enqueue(cfg)
    steering.enqueue({**cfg, "depth": 9})
    assert [c["depth"] for _, c in steering.pending()] == [8, 9]
    seq, got = steering.take_next(0) or (0, {})
    assert got["depth"] == 8 and seq == 1
    assert [c["depth"] for _, c in steering.pending()] == [9]
    assert steering.state_dict()["queue"] == [{"id": 2, "config": {**cfg, "depth": 9}}]


def test_undo_walks_back(steering: Steering) -> None:
    steering.narrow("x", 0.0, 1.0)
    steering.pin("depth", 4)
    steering.undo()
    assert steering.state.pins == {} and steering.state.ranges["x"] == (0.0, 1.0)
    steering.undo()
    assert steering.state.ranges["x"] == (-5.0, 10.0)
    with pytest.raises(ValueError, match="no edit to undo"):
        steering.undo()
    assert [e.kind for e in steering.log] == ["narrow", "pin", "undo", "undo"]


def test_undo_passes_over_an_enqueued_config_that_already_ran(steering: Steering) -> None:
    steering.narrow("x", 0.0, 1.0)
    steering.enqueue({**_CFG, "depth": 9})
    steering.take_next(5)
    ev = steering.undo()
    assert ev.payload["target"] == 1 and steering.state.ranges["x"] == (-5.0, 10.0)
    with pytest.raises(ValueError, match="no edit to undo"):
        steering.undo()


def test_clear_queue_takes_back_what_has_not_run_as_one_event(steering: Steering) -> None:
    steering.enqueue({**_CFG, "depth": 7})
    steering.enqueue({**_CFG, "depth": 8})
    steering.narrow("x", 0.0, 1.0)  # an edit after them: undo alone could not reach them
    steering.enqueue({**_CFG, "depth": 9})
    steering.take_next(3)  # depth 7 ran: it is history, not part of the queue
    ev = steering.clear_queue(source="widget")
    assert ev.kind == "dequeue" and list(ev.payload["seqs"]) == [2, 4]
    assert steering.pending() == [] and steering.take_next(4) is None
    assert steering.state.ranges["x"] == (0.0, 1.0)  # nothing else changed
    version = steering.version
    with pytest.raises(ValueError, match="already empty"):
        steering.clear_queue()
    assert steering.version == version
    steering.undo()  # one undo puts both back, in their order
    assert [c["depth"] for _, c in steering.pending()] == [8, 9]
    replayed = Steering.from_json(steering.space, steering.to_json())
    assert [c["depth"] for _, c in replayed.state.enqueued] == [7, 8, 9]


def test_json_round_trip(steering: Steering) -> None:
    steering.narrow("lr", 0.01, 0.3)
    steering.prior("x", 2.0)
    steering.reject(1)
    steering.undo()
    steering.allow("kind", ["a"])
    again = Steering.from_json(steering.space, steering.to_json())
    assert again.state == steering.state
    assert [e.to_dict() for e in again.log] == json.loads(steering.to_json())


def test_listeners_hear_every_append(steering: Steering) -> None:
    heard: list[str] = []
    off = steering.subscribe(lambda ev: heard.append(ev.kind))
    steering.pin("depth", 3)
    off()
    steering.unpin("depth")
    assert heard == ["pin"]


INVALID: list[tuple[str, Callable[[Steering], Any], str]] = [
    ("low > high", lambda s: s.narrow("x", 5, 1), "'x': low 5.0 is greater than high 1.0"),
    ("outside base", lambda s: s.narrow("x", -10, 1), "'x': .* outside the base range"),
    ("non-positive log bound", lambda s: s.narrow("lr", 0, 0.1), "'lr': bounds must be positive"),
    ("unknown name", lambda s: s.narrow("nope", 0, 1), "'nope': not in the search space"),
    ("wrong type", lambda s: s.narrow("x", "a", 1), "'x': low must be a number"),
    ("int bound not int", lambda s: s.narrow("depth", 2.5, 8), "'depth': low must be an integer"),
    ("NaN", lambda s: s.narrow("x", float("nan"), 1), "'x': low must be finite"),
    ("infinity", lambda s: s.narrow("x", 0, float("inf")), "'x': high must be finite"),
    ("narrow categorical", lambda s: s.narrow("kind", 0, 1), "'kind': narrow applies"),
    ("empty allowed", lambda s: s.allow("kind", []), "'kind': the set of allowed choices is empty"),
    ("unknown choice", lambda s: s.allow("kind", ["zz"]), "'kind': 'zz' is not one of"),
    ("allow numeric", lambda s: s.allow("x", [1]), "'x': allow applies"),
    ("pin outside base", lambda s: s.pin("depth", 99), "'depth': 99 is outside the base range"),
    ("pin wrong type", lambda s: s.pin("depth", "six"), "'depth': pin must be a number"),
    ("pin NaN", lambda s: s.pin("x", float("nan")), "'x': pin must be finite"),
    ("pin a constant", lambda s: s.pin("tag", "v1"), "'tag': a constant cannot"),
    ("unpin unpinned", lambda s: s.unpin("x"), "'x': not pinned"),
    ("prior bad confidence", lambda s: s.prior("x", 1.0, "very"), "'x': confidence must be"),
    ("prior unknown choice", lambda s: s.prior("kind", "q"), "'kind': 'q' is not one of"),
    ("clear missing prior", lambda s: s.clear_prior("x"), "'x': has no prior"),
    ("unknown trial", lambda s: s.reject(99), "trial 99: no such trial"),
    ("trial not int", lambda s: s.accept("3"), "trial '3': a trial number must be an integer"),
    ("unreview unreviewed", lambda s: s.unreview(2), "trial 2: has no review"),
    ("enqueue missing key", lambda s: s.enqueue({"x": 1.0}), "missing from the configuration"),
    ("enqueue extra key",
     lambda s: s.enqueue({**_CFG, "zz": 1}), "'zz': not in the search space"),
    ("enqueue inactive value",
     lambda s: s.enqueue({**_CFG, "k": 2}), "'k': inactive under its condition"),
    ("enqueue off the step grid",
     lambda s: s.enqueue({**_CFG, "batch": 40}), "'batch': 40 is not on its grid"),
    ("pin off the step grid", lambda s: s.pin("drop", 0.25), "'drop': 0.25 is not on its grid"),
    ("narrow between grid points", lambda s: s.narrow("batch", 17, 31),
     "'batch': .* holds no value of step 16"),
    ("enqueue bad value",
     lambda s: s.enqueue({**_CFG, "depth": 1}), "'depth': 1 is outside the base range"),
    ("reset a constant", lambda s: s.reset("tag"), "'tag': a constant has no range"),
    ("empty source", lambda s: s.pin("depth", 3, source=""), "source must be"),
]
# Edits that are invalid only because of what came before them.
INVALID_IN_STATE: list[tuple[str, Callable[[Steering], Any], Callable[[Steering], Any], str]] = [
    ("pin outside current range", lambda s: s.narrow("x", 0, 1), lambda s: s.pin("x", 5.0),
     "'x': pin 5.0 is outside the current range"),
    ("narrow past a pin", lambda s: s.pin("x", 5.0), lambda s: s.narrow("x", 0, 1),
     "'x': pinned at 5, outside"),
    ("disallow a pinned choice", lambda s: s.pin("kind", "b"), lambda s: s.allow("kind", ["a"]),
     "'kind': pinned at 'b'"),
]


def _snapshot(s: Steering) -> tuple[int, str, dict]:
    return s.version, s.to_json(), s.state_dict()


@pytest.mark.parametrize("label, edit, needle", INVALID, ids=[i[0] for i in INVALID])
def test_invalid_edit_changes_nothing(steering: Steering, label: str,
                                      edit: Callable[[Steering], Any], needle: str) -> None:
    steering.narrow("width", 16, 256)
    before = _snapshot(steering)
    with pytest.raises(ValueError, match=needle):
        edit(steering)
    assert _snapshot(steering) == before


@pytest.mark.parametrize("label, setup, edit, needle", INVALID_IN_STATE,
                         ids=[i[0] for i in INVALID_IN_STATE])
def test_invalid_in_state_changes_nothing(steering: Steering, label: str, setup: Callable,
                                          edit: Callable, needle: str) -> None:
    setup(steering)
    before = _snapshot(steering)
    with pytest.raises(ValueError, match=needle):
        edit(steering)
    assert _snapshot(steering) == before


def test_edits_from_many_threads_make_one_consistent_log(steering: Steering) -> None:
    def worker(i: int) -> None:
        for j in range(50):
            steering.narrow("x", -5.0 + (i + j) % 5, 10.0)
            steering.pin("depth", 2 + (i * j) % 14)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [e.seq for e in steering.log]
    assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) > 50
    assert Steering(steering.space, steering.log).state == steering.state


# -- one rule for priors and ranges ------------------------------------------------------------
@pytest.mark.parametrize("order", ["prior first", "range first"])
def test_a_prior_outside_the_range_is_accepted_and_says_it_is_truncated(
        steering: Steering, order: str) -> None:
    if order == "prior first":
        steering.prior("x", 5.0)
        ev = steering.narrow("x", 0, 1)
    else:
        steering.narrow("x", 0, 1)
        ev = steering.prior("x", 5.0)
    assert ev is not None and "acts truncated" in ev.payload["note"]
    assert steering.state.priors["x"].value == 5.0 and steering.state.ranges["x"] == (0.0, 1.0)
    steering.allow("kind", ["a"])
    note = steering.prior("kind", "b").payload["note"]  # type: ignore[union-attr]
    assert "'kind'" in note and "allowed choices" in note
    assert "note" not in steering.prior("x", 0.5).payload  # type: ignore[union-attr]


def test_a_prior_on_a_pinned_parameter_and_an_enqueue_outside_the_steering_say_so(
        steering: Steering) -> None:
    steering.pin("depth", 4)
    note = steering.prior("depth", 6).payload["note"]  # type: ignore[union-attr]
    assert note == "parameter 'depth' is pinned at 4: the prior acts once it is unpinned"
    steering.narrow("x", 0, 0.5)
    steering.allow("kind", ["b"])
    ev = steering.enqueue(dict(_CFG))  # x 1.0, kind "a", depth 8: outside all three
    assert ev.payload["note"] == (
        "'depth' = 8 while it is pinned at 4; 'kind' = 'a' is not among the allowed choices "
        "['b']; 'x' = 1 lies outside the current range [0, 0.5]: it runs as given")
    assert ev.payload["config"] == steering.space.validate_config(_CFG)  # queued as given
    steering.allow("kind", ["a", "b"])
    inside = steering.enqueue({**_CFG, "x": 0.5 + 1e-12, "depth": 4})  # float noise: inside
    assert "note" not in inside.payload
    assert [c["x"] for _, c in steering.pending()] == [1.0, 0.5 + 1e-12]


def test_a_bound_within_float_noise_of_a_grid_point_is_that_point(steering: Steering) -> None:
    # "drop" has step 0.1: the sampler hands out grid values, which must lie inside the range
    # (the stress test found 0.0 sampled under [5.5e-118, 0.5]).
    steering.narrow("drop", 5.5e-118, 0.30000000000000004)
    assert steering.state.ranges["drop"] == (0.0, 0.3)
    steering.narrow("drop", 0.15, 0.4)  # between grid points: kept as given
    assert steering.state.ranges["drop"] == (0.15, 0.4)
    steering.narrow("drop", 0.3, 0.30000000000000004)  # one grid point, as a step allows
    assert steering.state.ranges["drop"] == (0.3, 0.3)
    with pytest.raises(ValueError, match="empty range"):
        steering.narrow("drop", 0.25, 0.25)
    from ConfigSpace import Float

    tiny = Steering(SearchSpace.from_any(ConfigurationSpace(
        [Float("t", (0.0, 1e-12), meta={"step": 1e-13})])))
    tiny.narrow("t", 3e-13, 9e-13)  # a fine grid keeps its points
    assert tiny.state.ranges["t"] == (3e-13, 9e-13)


# -- edits that change nothing are not logged --------------------------------------------------
NO_OPS: list[tuple[str, Callable[[Steering], Any], Callable[[Steering], Any]]] = [
    ("reject a rejected trial", lambda s: s.reject(3), lambda s: s.reject(3)),
    ("accept an accepted trial", lambda s: s.accept(3), lambda s: s.accept(3)),
    ("narrow to the current range", lambda s: s.narrow("x", 0, 1), lambda s: s.narrow("x", 0, 1)),
    ("narrow to the base range", lambda s: None, lambda s: s.narrow("x", -5, 10)),
    ("reset an untouched range", lambda s: None, lambda s: s.reset("x")),
    ("allow the allowed", lambda s: s.allow("kind", ["a", "b"]),
     lambda s: s.allow("kind", ["b", "a"])),
    ("pin the pinned value", lambda s: s.pin("depth", 4), lambda s: s.pin("depth", 4)),
    ("the same prior again", lambda s: s.prior("x", 1.0, "high"),
     lambda s: s.prior("x", 1.0, "high")),
]


@pytest.mark.parametrize("label, setup, edit", NO_OPS, ids=[i[0] for i in NO_OPS])
def test_an_edit_that_changes_nothing_is_not_logged(steering: Steering, label: str,
                                                    setup: Callable, edit: Callable) -> None:
    setup(steering)
    heard: list[Any] = []
    steering.subscribe(heard.append)
    before = _snapshot(steering)
    assert edit(steering) is None
    assert _snapshot(steering) == before and heard == []


# -- atomic edits ------------------------------------------------------------------------------
class FailingStore:
    """A storage write that fails on purpose (after ``ok`` successful writes)."""

    def __init__(self, ok: int) -> None:
        self.ok = ok
        self.saved: list[int] = []

    def __call__(self, ev: Any) -> None:
        if len(self.saved) >= self.ok:
            raise OSError("disk full")
        self.saved.append(ev.seq)


def test_a_failed_write_refuses_the_edit_and_changes_nothing(steering: Steering) -> None:
    store = FailingStore(ok=1)
    steering.bind_store(store)
    heard: list[int] = []
    steering.subscribe(lambda ev: heard.append(ev.seq))
    steering.narrow("x", 0, 1)
    before = _snapshot(steering)
    with pytest.raises(OSError, match="disk full"):
        steering.pin("depth", 4)
    with pytest.raises(OSError, match="disk full"):
        steering.priors({"x": 0.5, "depth": 4})
    assert _snapshot(steering) == before and heard == [1] and store.saved == [1]
    store.ok = 10  # the storage is back: the next edit gets the next number
    assert steering.pin("depth", 4).seq == 2  # type: ignore[union-attr]


def test_a_failed_write_through_a_real_storage_changes_nothing() -> None:
    """The run persists through Optuna's storage; a storage that fails on purpose."""
    from ConfigSpace import Float
    from optuna.storages import InMemoryStorage

    from hcautoml_widgets import Run

    class Flaky(InMemoryStorage):
        fail = False

        def set_study_system_attr(self, study_id: int, key: str, value: Any) -> None:
            if self.fail and key.startswith("hcw:steering:"):
                raise RuntimeError("storage unavailable")
            super().set_study_system_attr(study_id, key, value)

    storage = Flaky()
    run = Run(lambda c: c["x"], ConfigurationSpace({"x": Float("x", (0.0, 1.0))}),
              storage=storage, seed=0)
    events: list[dict[str, Any]] = []
    sub = run.feed.subscribe(lambda b: events.extend(e for e in b if e["type"] == "steering"))
    run.steering.narrow("x", 0.1, 0.9)
    storage.fail = True
    with pytest.raises(RuntimeError, match="storage unavailable"):
        run.steering.narrow("x", 0.2, 0.3)
    assert run.steering.state.ranges["x"] == (0.1, 0.9) and run.steering.version == 1
    assert run.feed.flush(5)
    assert [e["event"]["seq"] for e in events] == [1]
    storage.fail = False
    run.steering.narrow("x", 0.2, 0.3)
    again = Run.load(storage, run.study.study_name)
    assert again.steering.state.ranges["x"] == (0.2, 0.3) and again.steering.version == 2
    sub.close()


def test_listeners_run_outside_the_edit_lock(steering: Steering) -> None:
    """A slow listener (a storage, a view) must not block the next edit or the sampler."""
    entered, release = threading.Event(), threading.Event()

    def slow(ev: Any) -> None:
        if ev.seq == 1:
            entered.set()
            release.wait(10)

    steering.subscribe(slow)
    first = threading.Thread(target=steering.narrow, args=("x", 0, 1))
    first.start()
    assert entered.wait(10)
    assert steering.state.ranges["x"] == (0.0, 1.0)  # readers never wait on listeners
    second = threading.Thread(target=steering.pin, args=("depth", 4))
    second.start()
    second.join(0.5)  # the second edit is applied though the first one's listener still runs
    assert steering.state.pins == {"depth": 4}
    release.set()
    first.join()
    second.join()
    assert [e.kind for e in steering.log] == ["narrow", "pin"]


def test_a_group_is_one_event_all_or_nothing_and_one_undo(steering: Steering) -> None:
    ev = steering.priors({"x": 1.0, "depth": 6, "kind": "b", "tag": "v1"}, "high")
    assert ev is not None and ev.kind == "group" and steering.version == 1
    assert {p["payload"]["name"] for p in ev.payload["edits"]} == {"x", "depth", "kind"}
    assert set(steering.state.priors) >= {"x", "depth", "kind"}
    before = _snapshot(steering)
    with pytest.raises(ValueError, match="'depth'"):
        steering.group([("narrow", {"name": "x", "low": 0, "high": 2}),
                        ("pin", {"name": "depth", "value": 99})])
    with pytest.raises(ValueError, match="cannot be grouped"):
        steering.group([("enqueue", {"config": _CFG})])
    assert _snapshot(steering) == before
    steering.undo()
    assert not {"x", "depth", "kind"} & set(steering.state.priors)
    again = Steering.from_json(steering.space, steering.to_json())
    assert again.state == steering.state
