"""Runs with known answers for the insight tests (real ``hcw.Run`` objects, random sampling so
the whole space is covered and the answers do not depend on where TPE went)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer

import hcautoml_widgets as hcw

optuna.logging.set_verbosity(optuna.logging.WARNING)


def space(n_floats: int = 4, extras: bool = True) -> ConfigurationSpace:
    cs = ConfigurationSpace({f"x{i}": (0.0, 1.0) for i in range(n_floats)})
    if extras:
        cs.add([Float("lr", (1e-4, 1.0), log=True), Integer("depth", (2, 16)),
                Categorical("loss", ["a", "b", "c"])])
    return cs


def finished(objective: Callable[[dict[str, Any]], float], n: int = 200, seed: int = 0,
             cs: ConfigurationSpace | None = None, **kw: Any) -> hcw.Run:
    run = hcw.Run(objective, cs or space(), sampler=optuna.samplers.RandomSampler(seed=seed),
                  **kw)
    run.start(n_trials=n)
    run.wait()
    return run


def noisy(f: Callable[[dict[str, Any]], float], sd: float, seed: int = 1
          ) -> Callable[[dict[str, Any]], float]:
    rng = np.random.default_rng(seed)
    return lambda c: float(f(c) + sd * rng.normal())
