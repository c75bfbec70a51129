"""The user's objective: how a trial's configuration is asked for, and how its answer is judged.

An objective is ``objective(config)`` or ``objective(config, report)``; whatever it does, its
trial ends as complete, pruned or failed with a short reason, never as an exception that would
end the run.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from typing import Any

import optuna
from optuna.study._tell import _tell_with_warning
from optuna.trial import TrialState

from hcautoml_widgets.core.space import ParamSpec, SearchSpace

Objective = Callable[..., Any]
MAX_ERROR_CHARS = 500


def ask_config(trial: optuna.Trial, space: SearchSpace) -> dict[str, Any]:
    """The trial's configuration: active parameters only, on the base distributions (the
    steered sampler applies the steering)."""
    config: dict[str, Any] = {}
    for name in space.names:
        if space.is_active(name, config):
            config[name] = _suggest(trial, space.params[name])
    return config


def _suggest(trial: optuna.Trial, spec: ParamSpec) -> Any:
    if spec.kind == "float":
        assert spec.low is not None and spec.high is not None
        return trial.suggest_float(spec.name, spec.low, spec.high, log=spec.log, step=spec.step)
    if spec.kind == "int":
        assert spec.low is not None and spec.high is not None
        return trial.suggest_int(spec.name, int(spec.low), int(spec.high), log=spec.log,
                                 step=int(spec.step or 1))
    assert spec.choices is not None
    return trial.suggest_categorical(spec.name, list(spec.choices))


def tell(study: optuna.Study, trial: optuna.Trial, state: TrialState,
         value: float | None) -> None:
    """Finish a trial as ``study.optimize`` does. ``Study.tell`` also returns a deep copy of the
    finished trial, which nobody here reads and which was a third of the run's own cost per
    trial (Optuna is pinned to 5.0.x for this and the TPE seams)."""
    _tell_with_warning(study=study, trial=trial,
                       value_or_values=value if state == TrialState.COMPLETE else None,
                       state=state, suppress_warning=True)


def takes_report(objective: Objective) -> bool:
    """Whether the objective wants a second, ``report(value, step)`` argument."""
    try:
        params = inspect.signature(objective).parameters.values()
    except (TypeError, ValueError):
        return False
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return len(positional) >= 2 or any(p.kind == p.VAR_POSITIONAL for p in params)


def _reporter(trial: optuna.Trial) -> Callable[[float, int], None]:
    def report(value: float, step: int) -> None:
        trial.report(float(value), int(step))
        if trial.should_prune():
            raise optuna.TrialPruned(f"pruned at step {step}")

    return report


def evaluate(objective: Objective, config: dict[str, Any], trial: optuna.Trial,
             with_report: bool) -> tuple[TrialState, float | None, str | None]:
    """Run the objective once: (state, value, error)."""
    try:
        args = (dict(config), _reporter(trial)) if with_report else (dict(config),)
        raw = objective(*args)
    except optuna.TrialPruned:
        return TrialState.PRUNED, None, None
    except Exception as exc:  # the objective's failure fails its trial, not the run
        return TrialState.FAIL, None, f"{type(exc).__name__}: {exc}"[:MAX_ERROR_CHARS]
    value, error = plain_value(raw)
    return (TrialState.FAIL if error is not None else TrialState.COMPLETE), value, error


def plain_value(value: Any) -> tuple[float | None, str | None]:
    """An objective's return value as a float, or why it is not one."""
    if value is None:
        return None, "objective returned None"
    if isinstance(value, bool):
        return None, "objective returned a bool, not a number"
    if hasattr(value, "item") and getattr(value, "size", 1) == 1:
        value = value.item()
    if not isinstance(value, (int, float)):
        return None, f"objective returned {type(value).__name__}, not a number"
    v = float(value)
    if math.isnan(v):
        return None, "objective returned NaN"
    if math.isinf(v):
        return None, f"objective returned {v}"
    return v, None
