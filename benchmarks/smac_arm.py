"""SMAC3 with piBO: the reference for prior-guided optimisation, given the very same priors."""

from __future__ import annotations

import logging
import time
from typing import Any

from benchmarks.common import N_STARTUP, RunResult, TimedObjective
from benchmarks.problems import Problem


def run_smac(problem: Problem, arm: str, seed: int, budget: int,
             prior: dict[str, Any] | None) -> RunResult:
    """SMAC3's hyperparameter-optimisation facade (random forest + EI), with piBO when given a
    prior: the acquisition is multiplied by the prior raised to beta/t (PriorAcquisitionFunction,
    decay_beta = budget / 10 as SMAC recommends).

    Two deliberate departures from the facade's defaults, both to compare like with like:
    the initial design is N_STARTUP configurations drawn from the space's distributions, i.e. from
    the prior as piBO prescribes (SMAC's own random design samples a uniform copy of the space),
    which is what the steered sampler's start-up does too; and the forest is fitted on one thread
    (the facade asks joblib for all cores), as every other arm runs on one core.
    """
    import tempfile

    from smac import HyperparameterOptimizationFacade as HPO
    from smac import Scenario
    from smac.acquisition.function import PriorAcquisitionFunction
    from smac.initial_design import RandomInitialDesign
    from smac.model.random_forest import RandomForest

    logging.getLogger("smac").setLevel(logging.ERROR)
    objective = TimedObjective(problem)

    def target(config: Any, seed: int = 0) -> float:
        return objective(dict(config))

    with tempfile.TemporaryDirectory(prefix="hcw-smac-") as out:
        cs = problem.configspace(prior, seed=seed)
        scenario = Scenario(cs, deterministic=True, n_trials=budget, seed=seed,
                            output_directory=out)
        acquisition = HPO.get_acquisition_function(scenario)
        if prior is not None:
            acquisition = PriorAcquisitionFunction(acquisition, decay_beta=budget / 10)
        # Same settings as HPO.get_model, except n_jobs.
        model = RandomForest(cs, log_y=True, n_trees=10, bootstrapping=True, ratio_features=1.0,
                             min_samples_split=2, min_samples_leaf=1, max_depth=2**20,
                             seed=seed, n_jobs=1)
        startup = cs.sample_configuration(N_STARTUP)
        smac = HPO(
            scenario,
            target,
            model=model,
            initial_design=RandomInitialDesign(scenario, n_configs=0, additional_configs=startup),
            intensifier=HPO.get_intensifier(scenario, max_config_calls=1),
            acquisition_function=acquisition,
            overwrite=True,
            logging_level=logging.ERROR,
        )
        t0 = time.perf_counter()
        smac.optimize()
        wall = time.perf_counter() - t0
    return RunResult(problem.name, arm, seed, budget, objective.values[:budget], wall,
                     objective.seconds)


def run_smac_good(problem: Problem, seed: int, budget: int) -> RunResult:
    return run_smac(problem, "smac_pibo_good", seed, budget, problem.good)


def run_smac_misleading(problem: Problem, seed: int, budget: int) -> RunResult:
    return run_smac(problem, "smac_pibo_misleading", seed, budget, problem.misleading)
