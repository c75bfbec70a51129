"""The steered arms: hcautoml-widgets' ``hcw.Run`` with a prior stated through its steering API.

A prior is stated exactly as a person would in a notebook, ``run.steering.prior(name, value,
confidence)`` for every parameter (medium unless the arm says otherwise); for the "late" arm the
run is started for the first part of the budget, and the prior is stated before the run is
resumed for the rest.
"""

from __future__ import annotations

import time
from typing import Any

import optuna

from benchmarks.common import RunResult, TimedObjective, base_tpe
from benchmarks.problems import Problem


def make_run(problem: Problem, objective: Any, seed: int) -> Any:
    """A ``hcw.Run`` whose steered sampler wraps the same TPE as the plain-TPE arm."""
    import hcautoml_widgets as hcw

    # The base sampler is passed explicitly (hcw.Run would build the same one from the seed), so
    # plain and steered TPE cannot drift apart if a default changes.
    return hcw.Run(objective, problem.optuna_space(), direction="minimize",
                   sampler=base_tpe(seed), seed=seed)


def _state_prior(run: Any, prior: dict[str, Any], confidence: str) -> None:
    for name, value in prior.items():
        run.steering.prior(name, value, confidence=confidence)


def _wait(run: Any) -> None:
    run.wait()
    if run.status == "failed":
        raise RuntimeError(f"hcw.Run failed: {run.status_reason}")


def run_steered(problem: Problem, arm: str, seed: int, budget: int, prior: dict[str, Any],
                at_trial: int, confidence: str = "medium") -> RunResult:
    """Steered TPE with ``prior`` stated at ``confidence`` before trial ``at_trial`` (0: before
    the run starts)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    objective = TimedObjective(problem)
    run = make_run(problem, objective, seed)
    t0 = time.perf_counter()
    if at_trial > 0:
        run.start(n_trials=at_trial)
        _wait(run)
    _state_prior(run, prior, confidence)
    run.start(n_trials=budget - at_trial)
    _wait(run)
    wall = time.perf_counter() - t0
    rows = sorted(run.records(), key=lambda r: r["number"])
    values = [float(r["value"]) for r in rows if r["value"] is not None]
    origins: dict[str, int] = {}
    for r in rows:
        origins[r["origin"]] = origins.get(r["origin"], 0) + 1
    return RunResult(problem.name, arm, seed, budget, values, wall, objective.seconds,
                     extra={"origins": origins})
