"""Run controller: pause, resume, step and stop, from 1 and 4 optimiser threads."""

from __future__ import annotations

import random
import threading
import time
from typing import Any

import pytest
from ConfigSpace import ConfigurationSpace, Float, Integer

from hcautoml_widgets import Run, RunStateWarning

SPACE = ConfigurationSpace({"x": Float("x", (0.0, 1.0)), "n": Integer("n", (1, 9))})


def quick(cfg: dict[str, Any]) -> float:
    time.sleep(0.0005)
    return cfg["x"] * cfg["n"]


def _settled(run: Run) -> int:
    """Wait until nothing runs, then return how many trials exist."""
    assert run.wait(timeout=10)
    return len(run.study.trials)


@pytest.mark.parametrize("workers", [1, 4])
def test_pause_is_honoured_over_random_sequences(workers: int) -> None:
    rng = random.Random(workers)
    checks = 0
    for seq in range(200):
        run = Run(quick, SPACE, n_workers=workers, seed=seq)
        run.start(n_trials=100_000)
        for _ in range(rng.randint(2, 5)):
            time.sleep(rng.uniform(0, 0.004))
            op = rng.choice(["pause", "resume", "step"])
            if op == "pause" and run.status == "running":
                started = run.pause()
                assert _settled(run) == started == run.started_count
                time.sleep(0.002)
                assert len(run.study.trials) == started  # nothing started after pause()
                checks += 1
            elif op == "resume" and run.status == "paused":
                run.resume()
            elif op == "step" and run.status == "paused":
                before = _settled(run)
                k = rng.randint(1, 4)
                run.step(k)
                assert _settled(run) == before + k
                assert run.status == "paused"
                checks += 1
        run.stop()
        assert run.status == "finished"
        assert run.counts["running"] == 0
    assert checks >= 200


def test_budget_timeout_and_counts() -> None:
    run = Run(quick, SPACE, seed=0)
    run.start(n_trials=12)
    assert run.wait(timeout=30)
    assert run.status == "finished" and run.status_reason == "budget used up"
    assert run.counts == {"total": 12, "running": 0, "complete": 12, "failed": 0, "pruned": 0}
    run.start(timeout=0.2)  # a second start continues the same study
    assert run.wait(timeout=30)
    assert run.status_reason == "timeout reached" and run.counts["total"] > 12


def test_step_from_idle_then_resume_to_the_end() -> None:
    run = Run(quick, SPACE, seed=0)
    run.step(3)
    run.wait(timeout=10)
    assert run.status == "paused" and run.counts["complete"] == 3
    with pytest.warns(RunStateWarning, match="already paused"):
        run.start(n_trials=2)
    run.stop()
    assert run.status == "finished"


def test_wrong_state_calls_are_harmless_and_say_so() -> None:
    run = Run(quick, SPACE, seed=0)
    with pytest.warns(RunStateWarning, match="not paused"):
        assert "does nothing" in run.resume()
    with pytest.warns(RunStateWarning, match="not running"):
        run.pause()
    with pytest.warns(RunStateWarning, match="not running"):
        run.stop()
    run.start(n_trials=1000)
    with pytest.warns(RunStateWarning, match="already running"):
        run.start()
    run.stop()
    with pytest.raises(ValueError, match="n_trials"):
        run.start(n_trials=-1)
    with pytest.raises(ValueError, match="positive integer"):
        run.step(0)


def test_bad_constructor_arguments() -> None:
    with pytest.raises(ValueError, match="direction"):
        Run(quick, SPACE, direction="up")
    with pytest.raises(ValueError, match="n_workers"):
        Run(quick, SPACE, n_workers=0)


def test_start_after_a_failure_never_runs_beside_old_workers() -> None:
    gate = {"slow": True}

    def flaky(cfg: dict[str, Any]) -> float:
        if gate["slow"] and cfg["n"] > 5:
            time.sleep(0.2)  # a long trial still running when the others have failed the run
            return 1.0
        raise RuntimeError("nope")

    run = Run(flaky, SPACE, n_workers=4, seed=0, max_consecutive_failures=3)
    run.start(n_trials=200)
    deadline = time.monotonic() + 30
    while run.status_reason is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if run.status == "stopping":  # workers still finishing: a new start is refused
        with pytest.warns(RunStateWarning, match="already stopping"):
            run.start(n_trials=1)
    assert run.wait(timeout=30)
    assert run.status == "failed" and "in a row failed" in (run.status_reason or "")
    assert not any(t.name.startswith("hcw-worker") and t.is_alive()
                   for t in threading.enumerate())
    gate["slow"] = False
    run.start(n_trials=2)
    assert run.wait(timeout=30)
    workers = [t for t in threading.enumerate() if t.name.startswith("hcw-worker")]
    assert not workers


def test_a_sampler_error_fails_its_trial_instead_of_leaving_it_running() -> None:
    from optuna.samplers import RandomSampler

    class Broken(RandomSampler):
        def sample_independent(self, *args: Any) -> Any:
            raise RuntimeError("sampler broke")

    run = Run(quick, SPACE, sampler=Broken(), seed=0)
    run.start(n_trials=5)
    assert run.wait(timeout=30)
    assert run.status == "failed"
    assert run.status_reason == "internal error: RuntimeError: sampler broke"
    states = [t.state.name for t in run.study.trials]
    assert states == ["FAIL"]
    assert run.records()[0]["state"] == "failed"
    assert run.sampler._contexts == {}
