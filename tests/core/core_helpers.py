"""Small drivers shared by the core tests: ask/tell a study through the steered sampler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import optuna

from hcautoml_widgets.core import objective
from hcautoml_widgets.core.space import SearchSpace


def ask_config(study: optuna.Study, space: SearchSpace) -> tuple[optuna.Trial, dict[str, Any]]:
    trial = study.ask()
    return trial, objective.ask_config(trial, space)


def run_trials(study: optuna.Study, space: SearchSpace, n: int,
               objective: Callable[[dict[str, Any]], float]) -> list[optuna.trial.FrozenTrial]:
    out = []
    for _ in range(n):
        trial, cfg = ask_config(study, space)
        study.tell(trial, objective(cfg))
        out.append(study.get_trials(deepcopy=False)[trial.number])
    return out


def toy_objective(cfg: dict[str, Any]) -> float:
    """Smooth in the numeric parameters, with the categorical ones mattering a little."""
    total = 0.0
    for v in cfg.values():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            total += (float(v) - 0.3) ** 2 * 1e-2
        else:
            total += 0.1 * (hash(str(v)) % 3)
    return total
