"""The methods ("arms") of the prior study, each run as one seed of one problem.

Every arm returns the same :class:`RunResult`: the objective values in trial order, the wall time,
and the time spent inside the objective, so ``optimiser time = wall - objective`` is measured the
same way for Optuna, hcautoml-widgets and SMAC.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks.common import RunResult
from benchmarks.optuna_arms import (
    run_random,
    run_tpe,
    run_tpe_enqueue_good,
    run_tpe_enqueue_misleading,
)
from benchmarks.problems import Problem
from benchmarks.reference_arm import run_prior_sampling

# Fraction of the budget after which the "late" arm states its prior.
LATE_FRACTION = 0.3


def run_smac_good(problem: Problem, seed: int, budget: int) -> RunResult:
    from benchmarks.smac_arm import run_smac

    return run_smac(problem, "smac_pibo_good", seed, budget, problem.good)


def run_smac_misleading(problem: Problem, seed: int, budget: int) -> RunResult:
    from benchmarks.smac_arm import run_smac

    return run_smac(problem, "smac_pibo_misleading", seed, budget, problem.misleading)


def run_steered_good(problem: Problem, seed: int, budget: int) -> RunResult:
    from benchmarks.steered import run_steered

    return run_steered(problem, "steered_good", seed, budget, problem.good, at_trial=0)


def run_steered_misleading(problem: Problem, seed: int, budget: int) -> RunResult:
    from benchmarks.steered import run_steered

    return run_steered(problem, "steered_misleading", seed, budget, problem.misleading,
                       at_trial=0)


def run_steered_rough(problem: Problem, seed: int, budget: int) -> RunResult:
    from benchmarks.steered import run_steered

    return run_steered(problem, "steered_rough", seed, budget, problem.rough, at_trial=0)


def run_steered_good_high(problem: Problem, seed: int, budget: int) -> RunResult:
    from benchmarks.steered import run_steered

    return run_steered(problem, "steered_good_high", seed, budget, problem.good, at_trial=0,
                       confidence="high")


def run_steered_good_low(problem: Problem, seed: int, budget: int) -> RunResult:
    from benchmarks.steered import run_steered

    return run_steered(problem, "steered_good_low", seed, budget, problem.good, at_trial=0,
                       confidence="low")


def run_steered_misleading_high(problem: Problem, seed: int, budget: int) -> RunResult:
    from benchmarks.steered import run_steered

    return run_steered(problem, "steered_misleading_high", seed, budget, problem.misleading,
                       at_trial=0, confidence="high")


def run_steered_good_late(problem: Problem, seed: int, budget: int) -> RunResult:
    from benchmarks.steered import run_steered

    return run_steered(problem, "steered_good_at_30pct", seed, budget, problem.good,
                       at_trial=round(LATE_FRACTION * budget))


Arm = Callable[[Problem, int, int], RunResult]

# Order = order of rows in the tables and of lines in the plot.
ARMS: dict[str, Arm] = {
    "random": run_random,
    "tpe": run_tpe,
    "tpe_enqueue_good": run_tpe_enqueue_good,
    "tpe_enqueue_misleading": run_tpe_enqueue_misleading,
    "steered_good": run_steered_good,
    "steered_rough": run_steered_rough,
    "steered_misleading": run_steered_misleading,
    "steered_good_at_30pct": run_steered_good_late,
    "steered_good_high": run_steered_good_high,
    "steered_good_low": run_steered_good_low,
    "steered_misleading_high": run_steered_misleading_high,
    "smac_pibo_good": run_smac_good,
    "smac_pibo_misleading": run_smac_misleading,
    "prior_sampling_good": run_prior_sampling,
}

ARM_LABELS = {
    "random": "random search",
    "tpe": "plain TPE",
    "tpe_enqueue_good": "TPE + good guess enqueued",
    "tpe_enqueue_misleading": "TPE + misleading guess enqueued",
    "steered_good": "steered TPE, good prior",
    "steered_rough": "steered TPE, roughly right prior",
    "steered_misleading": "steered TPE, misleading prior",
    "steered_good_at_30pct": "steered TPE, good prior at 30%",
    "steered_good_high": "steered TPE, good prior, high confidence",
    "steered_good_low": "steered TPE, good prior, low confidence",
    "steered_misleading_high": "steered TPE, misleading prior, high confidence",
    "smac_pibo_good": "SMAC3 piBO, good prior",
    "smac_pibo_misleading": "SMAC3 piBO, misleading prior",
    "prior_sampling_good": "(reference) sampling the good prior only",
}


# Which code a family's runs depend on, besides the problem itself: a cached run is reused only
# while these are unchanged. (A problem's target and optimum only enter the summary, so changing
# them re-summarises without re-running.)
FAMILY_SOURCES = {
    "optuna": ["benchmarks/common.py", "benchmarks/optuna_arms.py"],
    "smac": ["benchmarks/common.py", "benchmarks/smac_arm.py"],
    "steered": ["benchmarks/common.py", "benchmarks/steered.py", "hcautoml_widgets/core/*.py"],
    "reference": ["benchmarks/common.py", "benchmarks/reference_arm.py"],
}


def family(arm: str) -> str:
    if arm.startswith("smac"):
        return "smac"
    if arm == "prior_sampling_good":
        return "reference"
    return "steered" if arm.startswith("steered") else "optuna"


def fingerprint(problem: Problem, arm: str) -> str:
    """A short hash of what a run's outcome depends on: the problem's objective, space and
    priors, the sources of the arm's family, and the optimiser library's version."""
    import glob
    import hashlib
    import inspect
    from importlib.metadata import version
    from pathlib import Path

    from benchmarks.problems import _FUNCTIONS

    root = Path(__file__).resolve().parent.parent
    h = hashlib.sha256()
    fam = family(arm)
    h.update(version("smac" if fam == "smac" else "ConfigSpace" if fam == "reference"
                     else "optuna").encode())
    h.update(repr((problem.params, problem.good, problem.misleading, problem.rough)).encode())
    h.update(inspect.getsource(_FUNCTIONS[problem.name]).encode())
    for pattern in FAMILY_SOURCES[fam]:
        for path in sorted(glob.glob(str(root / pattern))):
            h.update(Path(path).read_bytes())
    return h.hexdigest()[:12]


def run_arm(problem: Problem, arm: str, seed: int, budget: int) -> RunResult:
    """Run one arm; a failure becomes a result with ``error`` set, so one bad run does not sink
    the whole study."""
    try:
        return ARMS[arm](problem, seed, budget)
    except Exception as exc:
        return RunResult(problem.name, arm, seed, budget, [], 0.0, 0.0,
                         error=f"{type(exc).__name__}: {exc}")
