"""Small runs for the widget tests (real ``hcw.Run`` objects, trivial objectives)."""

from __future__ import annotations

from typing import Any

import optuna
from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer

import hcautoml_widgets as hcw

optuna.logging.set_verbosity(optuna.logging.WARNING)


def ten_floats() -> ConfigurationSpace:
    return ConfigurationSpace({f"p{i}": (0.0, 1.0) for i in range(10)})


def mixed() -> ConfigurationSpace:
    cs = ConfigurationSpace()
    cs.add([Float("lr", (1e-4, 1.0), log=True), Integer("depth", (2, 16)),
            Categorical("loss", ["log_loss", "exponential"])])
    return cs


def sphere(config: dict[str, Any]) -> float:
    return float(sum(v * v for v in config.values() if isinstance(v, (int, float))))


def make_run(space: ConfigurationSpace | None = None, random: bool = True,
             objective: Any = sphere, **kw: Any) -> hcw.Run:
    # RandomSampler keeps 2,000 trials fast; the widgets see the same records either way.
    sampler = optuna.samplers.RandomSampler(seed=0) if random else None
    return hcw.Run(objective, space or mixed(), sampler=sampler, seed=0, **kw)


def finish(run: hcw.Run, n: int, *widgets: Any) -> None:
    run.start(n_trials=n)
    run.wait()
    for w in widgets:
        assert w.flush(10.0)
