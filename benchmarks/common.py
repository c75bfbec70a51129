"""What every arm of the prior study shares: the result record, the timed objective, and the TPE
configuration that plain TPE and the steered sampler both use."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

import optuna

from benchmarks.problems import Problem

# TPE's random start-up trials: Optuna's default, kept explicit because SMAC's initial design is
# sized to match it.
N_STARTUP = 10


def base_tpe(seed: int) -> optuna.samplers.TPESampler:
    """The TPE that hcw.Run's steered sampler wraps by default (multivariate, Optuna's other
    defaults), so that the only difference between plain and steered TPE is the steering."""
    return optuna.samplers.TPESampler(seed=seed, multivariate=True, n_startup_trials=N_STARTUP)


@dataclass
class RunResult:
    problem: str
    arm: str
    seed: int
    budget: int
    values: list[float]
    wall: float
    objective_time: float
    error: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class TimedObjective:
    """Wraps a problem so that the time spent evaluating it is known, whoever calls it."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        self.seconds = 0.0
        self.values: list[float] = []

    def __call__(self, config: dict[str, Any]) -> float:
        t0 = time.perf_counter()
        value = self.problem.evaluate(config)
        self.seconds += time.perf_counter() - t0
        self.values.append(value)
        return value
