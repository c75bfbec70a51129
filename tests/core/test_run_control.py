"""Run controller: start, pause, resume, step and stop, from 1 and 4 optimiser threads.

Pause is checked where it matters, inside the objective: the tests count objective *entries*.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from ConfigSpace import ConfigurationSpace, Float, Integer
from optuna.samplers import RandomSampler

from hcautoml_widgets import Run, RunStateWarning

SPACE = ConfigurationSpace({"x": Float("x", (0.0, 1.0)), "n": Integer("n", (1, 9))})


def quick(cfg: dict[str, Any]) -> float:
    time.sleep(0.0005)
    return cfg["x"] * cfg["n"]


class Entries:
    """An objective that counts how many times it was entered, and sleeps 0-20 ms."""

    def __init__(self, seed: int) -> None:
        self.n = 0
        self._lock = threading.Lock()
        self._rng = random.Random(seed)

    def __call__(self, cfg: dict[str, Any]) -> float:
        with self._lock:
            self.n += 1
            pause = self._rng.uniform(0, 0.02)
        time.sleep(pause)
        return cfg["x"]


@pytest.mark.parametrize("workers", [1, 4])
def test_no_objective_is_entered_after_pause_returned(workers: int) -> None:
    rng = random.Random(workers)
    pauses = steps = 0
    for seq in range(250):
        objective = Entries(seq)
        run = Run(objective, SPACE, sampler=RandomSampler(seed=seq), n_workers=workers)
        run.start(n_trials=100_000)
        frozen: int | None = None  # entries when pause() returned, while paused
        for _ in range(rng.randint(2, 6)):
            time.sleep(rng.uniform(0, 0.01))  # a random moment, not an ordering device
            op = rng.choice(["pause", "pause", "resume", "step", "look"])
            if frozen is not None:
                assert objective.n == frozen, f"sequence {seq}: entered while paused"
            if op == "pause" and run.status == "running":
                assert run.pause().ok
                frozen = objective.n
                pauses += 1
            elif op == "resume" and frozen is not None:
                assert run.resume().ok
                frozen = None
            elif op == "step" and frozen is not None:
                k = rng.randint(1, 3)
                assert run.step(k).ok
                assert run.wait(timeout=30)
                assert objective.n == frozen + k and run.status == "paused"
                frozen = objective.n
                steps += 1
        if frozen is not None:
            assert objective.n == frozen, f"sequence {seq}: entered while paused"
        assert run.stop().ok
        assert run.status == "stopped" and run.status_reason == "stopped by request"
        assert run.counts["running"] == 0
        assert run.counts["total"] == run.started_count == objective.n
    assert pauses >= 200 and steps >= 20


# -- every control call from every status --------------------------------------------------------
class Harness:
    """A run on one worker whose objective can be held inside (``gate``) or made to fail."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.gate.set()
        self.inside = threading.Event()
        self.failing = False

        def objective(cfg: dict[str, Any]) -> float:
            self.inside.set()
            assert self.gate.wait(30)
            if self.failing:
                raise RuntimeError("broken")
            return cfg["x"]

        self.run = Run(objective, SPACE, sampler=RandomSampler(seed=0),
                       max_consecutive_failures=2)

    def hold(self) -> None:
        """Close the gate: the next trial stays inside its objective."""
        self.gate.clear()
        self.inside.clear()

    def held(self) -> None:
        assert self.inside.wait(30)


def make(status: str) -> Harness:
    h = Harness()
    run = h.run
    if status == "running":
        h.hold()
        run.start()
        h.held()
    elif status == "paused":
        run.step(2)
        assert run.wait(30)
    elif status == "stepping":
        h.hold()
        run.step(3)
        h.held()
    elif status == "finished":
        run.start(n_trials=3)
        assert run.wait(30)
    elif status == "stopped":
        run.start()
        while run.counts["complete"] < 2:
            time.sleep(0.001)
        run.stop()
    elif status == "failed":
        h.failing = True
        run.start(n_trials=10)
        assert run.wait(30)
        h.failing = False
    assert run.status == ("running" if status == "stepping" else status)
    assert (run.step_remaining is not None) == (status == "stepping")
    return h


CALLS: dict[str, Callable[[Run], Any]] = {
    "start": lambda r: r.start(n_trials=4, quiet=True),
    "pause": lambda r: r.pause(quiet=True),
    "resume": lambda r: r.resume(quiet=True),
    "step": lambda r: r.step(2, quiet=True),
    "stop": lambda r: r.stop(wait=False, quiet=True),
}
# (status, call) -> (accepted, status right after, status once settled, total after - total
# before, budget after: "+k" relative to the total before, "=k" absolute, or None)
MATRIX: dict[tuple[str, str], tuple[bool, str, str, int, str | None]] = {
    ("idle", "start"): (True, "running", "finished", 4, "+4"),
    ("idle", "pause"): (False, "idle", "idle", 0, None),
    ("idle", "resume"): (False, "idle", "idle", 0, None),
    ("idle", "step"): (True, "running", "paused", 2, "+2"),
    ("idle", "stop"): (False, "idle", "idle", 0, None),
    ("running", "start"): (False, "running", "stopped", -1, None),
    ("running", "pause"): (True, "paused", "paused", 0, None),
    ("running", "resume"): (False, "running", "stopped", -1, None),
    ("running", "step"): (True, "running", "paused", 2, None),
    ("running", "stop"): (True, "stopped", "stopped", 0, None),
    ("stepping", "start"): (False, "running", "paused", 2, "=3"),
    ("stepping", "pause"): (True, "paused", "paused", 0, "=3"),
    ("stepping", "resume"): (True, "running", "finished", 2, "=3"),
    ("stepping", "step"): (True, "running", "paused", 4, "=5"),
    ("stepping", "stop"): (True, "stopped", "stopped", 0, "=3"),
    ("paused", "start"): (False, "paused", "paused", 0, "=2"),
    ("paused", "pause"): (False, "paused", "paused", 0, "=2"),
    ("paused", "resume"): (True, "running", "finished", 0, "=2"),
    ("paused", "step"): (True, "running", "paused", 2, "=4"),
    ("paused", "stop"): (True, "stopped", "stopped", 0, "=2"),
    ("finished", "start"): (True, "running", "finished", 4, "=7"),
    ("finished", "pause"): (False, "finished", "finished", 0, "=3"),
    ("finished", "resume"): (False, "finished", "finished", 0, "=3"),
    ("finished", "step"): (True, "running", "paused", 2, "=5"),
    ("finished", "stop"): (False, "finished", "finished", 0, "=3"),
    ("stopped", "start"): (True, "running", "finished", 4, "+4"),
    ("stopped", "pause"): (False, "stopped", "stopped", 0, None),
    ("stopped", "resume"): (False, "stopped", "stopped", 0, None),
    ("stopped", "step"): (True, "running", "paused", 2, "+2"),
    ("stopped", "stop"): (False, "stopped", "stopped", 0, None),
    ("failed", "start"): (True, "running", "finished", 4, "=6"),
    ("failed", "pause"): (False, "failed", "failed", 0, "=10"),
    ("failed", "resume"): (False, "failed", "failed", 0, "=10"),
    ("failed", "step"): (True, "running", "paused", 2, "=4"),
    ("failed", "stop"): (False, "failed", "failed", 0, "=10"),
}


@pytest.mark.parametrize("status, call", sorted(MATRIX), ids=[f"{s}-{c}" for s, c in
                                                             sorted(MATRIX)])
def test_every_call_from_every_status(status: str, call: str) -> None:
    accepted, now, settled, added, budget = MATRIX[status, call]
    h = make(status)
    run = h.run
    before = run.counts["total"]
    out = CALLS[call](run)
    assert out.ok is accepted, out
    assert ("does nothing" in out) is not accepted
    if not (accepted and call == "start"):  # a start may already have finished 4 fast trials
        assert run.status == now or (now == "running" and run.status in ("paused", "finished"))
    h.gate.set()
    if added < 0:  # the call left an unbounded run running: end it to look at it
        assert run.status == "running"
        assert run.stop().ok
    else:
        assert run.wait(30)
        assert run.counts["total"] - before == added, run.counts
    assert run.status == settled, (run.status, run.status_reason)
    assert run.counts["running"] == 0
    assert run.counts["total"] == sum(run.counts[k] for k in ("complete", "failed", "pruned"))
    if budget is None:
        assert run.budget is None or status in ("stopped", "idle") or call in ("pause", "step")
    elif budget.startswith("+"):
        assert run.budget == before + int(budget[1:])
    else:
        assert run.budget == int(budget[1:])
    event = run.status_event()  # what the views read says the same
    assert event["status"] == run.status and event["budget"] == run.budget
    assert event["counts"] == run.counts


def test_reasons_say_why() -> None:
    run = Run(quick, SPACE, seed=0)
    run.start(n_trials=12)
    assert run.wait(timeout=30)
    assert run.status == "finished" and run.status_reason == "budget used up"
    assert run.counts == {"total": 12, "running": 0, "complete": 12, "failed": 0, "pruned": 0}
    run.start(timeout=0.2)  # a second start continues the same study
    assert run.wait(timeout=30)
    assert run.status == "finished" and run.status_reason == "timeout reached"
    assert run.counts["total"] > 12
    run.step(2)
    assert run.wait(timeout=30) and run.status_reason == "step done"
    run.stop()
    assert run.status == "stopped" and run.status_reason == "stopped by request"


def test_time_spent_paused_is_recorded_for_the_elapsed_time_and_eta() -> None:
    run = Run(quick, SPACE, seed=0)
    run.step(2)  # runs 2 trials, then pauses
    assert run.wait(timeout=30) and run.status == "paused"
    event = run.status_event()
    assert event["paused_since"] is not None and event["paused_total"] == 0.0
    time.sleep(0.3)
    run.step(2)  # leaving the pause adds it up
    assert run.wait(timeout=30)
    event = run.status_event()
    assert event["paused_total"] >= 0.3
    run.stop()
    stopped = run.status_event()
    assert stopped["paused_since"] is None and stopped["paused_total"] >= event["paused_total"]
    run.start(n_trials=1)  # a new start counts from zero
    assert run.wait(timeout=30)
    assert run.status_event()["paused_total"] == 0.0


def test_a_trial_still_running_when_the_run_pauses_is_not_paused_time() -> None:
    # A step pauses the run when its last trial is claimed, pause() while trials finish: the
    # pause clock starts once no trial is inside its objective.
    from hcautoml_widgets.insights.progress import progress

    run = Run(lambda c: time.sleep(0.2) or c["x"], SPACE, sampler=RandomSampler(seed=0))
    for _ in range(4):
        run.step(1)
        assert run.wait(timeout=30)
        time.sleep(0.3)  # paused, nothing running
    event = run.status_event()
    elapsed = progress(event, now=time.time())["elapsed"]
    assert elapsed is not None and elapsed >= 0.75  # four trials of 0.2 s ran
    assert event["paused_total"] >= 0.85  # three pauses of 0.3 s have ended; one is on
    assert event["paused_since"] is not None


def test_steps_add_up_and_resume_after_a_step_ends_the_budget() -> None:
    gate = threading.Event()
    run = Run(lambda c: gate.wait(30) and c["x"], SPACE, sampler=RandomSampler(seed=0))
    run.step(3)
    run.step(3)  # during a step: adds to it
    assert run.step_remaining is not None and run.step_remaining >= 5
    gate.set()
    assert run.wait(timeout=30)
    assert run.status == "paused" and run.counts["complete"] == 6 and run.budget == 6
    run.resume()  # the step used the budget up: the run finishes, it does not run for ever
    assert run.wait(timeout=30)
    assert run.status == "finished" and run.counts["total"] == 6


def test_wrong_state_calls_are_harmless_and_say_so() -> None:
    run = Run(quick, SPACE, seed=0)
    with pytest.warns(RunStateWarning, match="not paused"):
        out = run.resume()
    assert not out.ok and "does nothing" in out
    with pytest.warns(RunStateWarning, match="not running"):
        run.pause()
    with pytest.warns(RunStateWarning, match="not running"):
        run.stop()
    run.start(n_trials=1000)
    with pytest.warns(RunStateWarning, match="already running"):
        run.start()
    run.pause()
    with pytest.warns(RunStateWarning, match=r"already paused: start\(\) does nothing; "
                       r"resume\(\) runs on, step\(n\) runs n more"):
        run.start()
    run.stop()
    shown = repr(run)
    assert shown.startswith(f"<hcw.Run {run.study.study_name!r}: stopped, ")
    assert f"({run.counts['complete']} complete, 0 failed), best value " in shown
    assert repr(Run(quick, SPACE, seed=0)).endswith("0 trials (0 complete, 0 failed), "
                                                    "no completed trial>")
    with pytest.raises(ValueError, match="n_trials"):
        run.start(n_trials=-1)
    with pytest.raises(ValueError, match="positive integer"):
        run.step(0)
    with pytest.raises(ValueError, match="timeout"):
        run.start(timeout=0)


def test_bad_constructor_arguments() -> None:
    with pytest.raises(ValueError, match="direction"):
        Run(quick, SPACE, direction="up")
    with pytest.raises(ValueError, match="n_workers"):
        Run(quick, SPACE, n_workers=0)
    with pytest.raises(ValueError, match="metric"):
        Run(quick, SPACE, metric="")


def test_start_after_a_failure_reuses_the_workers_still_finishing() -> None:
    release = threading.Event()
    lock = threading.Lock()
    inside = {"now": 0, "most": 0, "held": 0}

    def flaky(cfg: dict[str, Any]) -> float:
        with lock:
            inside["now"] += 1
            inside["most"] = max(inside["most"], inside["now"])
            hold = inside["held"] == 0
            inside["held"] = 1
        try:
            if hold:
                release.wait(30)  # a long trial still running when the others failed the run
                return 1.0
            if release.is_set():
                return 0.5
            raise RuntimeError("nope")
        finally:
            with lock:
                inside["now"] -= 1

    run = Run(flaky, SPACE, n_workers=4, seed=0, max_consecutive_failures=3)
    run.start(n_trials=200)
    deadline = time.monotonic() + 30
    while run.status != "failed" and time.monotonic() < deadline:
        time.sleep(0.001)
    assert run.status == "failed" and "in a row failed" in (run.status_reason or "")
    release.set()
    assert run.start(n_trials=8).ok
    assert run.wait(timeout=30)
    assert run.status == "finished" and inside["most"] <= 4
    assert run._loop.join(timeout=30) and run.control.workers == 0


def test_a_sampler_error_fails_its_trial_instead_of_leaving_it_running() -> None:
    class Broken(RandomSampler):
        def sample_independent(self, *args: Any) -> Any:
            raise RuntimeError("sampler broke")

    run = Run(quick, SPACE, sampler=Broken(), seed=0)
    run.start(n_trials=5)
    assert run.wait(timeout=30)
    assert run.status == "failed"
    assert run.status_reason == "internal error: RuntimeError: sampler broke"
    assert [t.state.name for t in run.study.trials] == ["FAIL"]
    assert run.records()[0]["state"] == "failed"
    assert run.sampler._contexts == {}


def test_a_pre_claim_hook_can_pause_and_stop_the_run() -> None:
    """What an external control source (a fleet's stored commands) plugs into."""
    commands = ["", "", "pause"]
    seen: list[str] = []

    def hook(control: Any) -> None:
        cmd = commands.pop(0) if commands else ""
        seen.append(cmd)
        if cmd == "pause":
            control.pause()

    run = Run(quick, SPACE, sampler=RandomSampler(seed=0))
    remove = run.add_control_hook(hook)
    run.start(n_trials=50)
    assert run.wait(timeout=30)
    assert run.status == "paused" and run.counts["total"] == 2
    remove()
    run.stop()
    assert run.status == "stopped"

    def broken(control: Any) -> None:
        raise ConnectionError("storage gone")

    run.add_control_hook(broken)
    run.start(n_trials=5)
    assert run.wait(timeout=30)
    assert run.status == "failed" and "storage gone" in (run.status_reason or "")


def test_an_objective_may_control_its_own_run() -> None:
    holder: dict[str, Run] = {}

    def objective(cfg: dict[str, Any]) -> float:
        holder["run"].stop()  # from the worker thread: must not wait for itself
        return cfg["x"]

    run = Run(objective, SPACE, sampler=RandomSampler(seed=0))
    holder["run"] = run
    run.start(n_trials=10)
    assert run.wait(timeout=30)
    assert run.status == "stopped" and run.counts["total"] == 1
