"""A reference, not a method: configurations drawn from the good prior alone, no optimiser.

It tells how much the prior itself carries: an optimiser that uses the prior well should need
no more trials than this, and fewer when it also learns from what it has seen.
"""

from __future__ import annotations

import time

from benchmarks.common import RunResult, TimedObjective
from benchmarks.problems import Problem


def run_prior_sampling(problem: Problem, seed: int, budget: int) -> RunResult:
    objective = TimedObjective(problem)
    # The same density SMAC's piBO is given: ConfigSpace's Normal / weighted categorical.
    space = problem.configspace(problem.good, seed=seed)
    t0 = time.perf_counter()
    for config in space.sample_configuration(budget):
        objective(dict(config))
    wall = time.perf_counter() - t0
    return RunResult(problem.name, "prior_sampling_good", seed, budget, objective.values, wall,
                     objective.seconds)
