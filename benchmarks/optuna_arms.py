"""The plain-Optuna arms: random search, TPE, and TPE with the expert's guess enqueued first
(what Optuna users do today to use what they know)."""

from __future__ import annotations

import time
from typing import Any

import optuna

from benchmarks.common import RunResult, TimedObjective, base_tpe
from benchmarks.problems import Problem


def _optuna_run(problem: Problem, arm: str, seed: int, budget: int,
                sampler: optuna.samplers.BaseSampler,
                enqueue: dict[str, Any] | None = None) -> RunResult:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    objective = TimedObjective(problem)
    study = optuna.create_study(direction="minimize", sampler=sampler)
    if enqueue is not None:
        study.enqueue_trial(enqueue)

    def optuna_objective(trial: optuna.Trial) -> float:
        return objective(problem.suggest(trial))

    t0 = time.perf_counter()
    study.optimize(optuna_objective, n_trials=budget)
    wall = time.perf_counter() - t0
    values = [float(t.value) for t in study.trials if t.value is not None]
    return RunResult(problem.name, arm, seed, budget, values, wall, objective.seconds)


def run_random(problem: Problem, seed: int, budget: int) -> RunResult:
    return _optuna_run(problem, "random", seed, budget, optuna.samplers.RandomSampler(seed=seed))


def run_tpe(problem: Problem, seed: int, budget: int) -> RunResult:
    return _optuna_run(problem, "tpe", seed, budget, base_tpe(seed))


def run_tpe_enqueue_good(problem: Problem, seed: int, budget: int) -> RunResult:
    return _optuna_run(problem, "tpe_enqueue_good", seed, budget, base_tpe(seed),
                       enqueue=problem.good)


def run_tpe_enqueue_misleading(problem: Problem, seed: int, budget: int) -> RunResult:
    return _optuna_run(problem, "tpe_enqueue_misleading", seed, budget, base_tpe(seed),
                       enqueue=problem.misleading)
