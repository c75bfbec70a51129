"""Small drivers shared by the core tests: ask/tell a study through the steered sampler."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import optuna

from hcautoml_widgets.core.space import ParamSpec, SearchSpace


def suggest(trial: optuna.Trial, spec: ParamSpec) -> Any:
    if spec.kind == "float":
        return trial.suggest_float(spec.name, spec.low, spec.high, log=spec.log, step=spec.step)
    if spec.kind == "int":
        return trial.suggest_int(spec.name, int(spec.low), int(spec.high), log=spec.log,
                                 step=int(spec.step or 1))
    return trial.suggest_categorical(spec.name, list(spec.choices or ()))


def ask_config(study: optuna.Study, space: SearchSpace) -> tuple[optuna.Trial, dict[str, Any]]:
    trial = study.ask()
    cfg: dict[str, Any] = {}
    for name in space.names:
        if space.is_active(name, cfg):
            cfg[name] = suggest(trial, space.params[name])
    return trial, cfg


def run_trials(study: optuna.Study, space: SearchSpace, n: int,
               objective: Callable[[dict[str, Any]], float]) -> list[optuna.trial.FrozenTrial]:
    out = []
    for _ in range(n):
        trial, cfg = ask_config(study, space)
        study.tell(trial, objective(cfg))
        out.append(study.trials[trial.number])
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
