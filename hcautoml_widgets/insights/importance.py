"""Hyperparameter importance: from the partial-dependence curves, or Optuna's own evaluators.

The default, "forest", is each parameter's share of the variance of the partial-dependence
curves of the random forest the insights draw (``dependence.curve_shares``), with its spread
over forests refitted on bootstrap resamples of the trials as its interval: the importance chart
and the curves beside it then tell the same story. Optuna's PED-ANOVA and fANOVA are there on
request, on a throwaway in-memory study holding only the completed, non-rejected trials
(``run.study`` would also hold the rejected ones, which must not count). Their spread over
refits is an interval too: PED-ANOVA is deterministic, so it is refitted on bootstrap resamples
of the trials; fANOVA is refitted with different forest seeds.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
import pandas as pd
from optuna.importance import FanovaImportanceEvaluator, PedAnovaImportanceEvaluator
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, create_trial

from hcautoml_widgets.insights._data import Trials, require, trials
from hcautoml_widgets.insights.dependence import Surrogate, curve_shares, refit_curves

EVALUATORS = ("forest", "ped-anova", "fanova")

Progress = Callable[[int, int], None]


def _evaluator(name: str, seed: int) -> Any:
    """Optuna's evaluator for ``name`` (None for "forest", which is not Optuna's)."""
    if name == "forest":
        return None
    if name == "ped-anova":
        return PedAnovaImportanceEvaluator()
    if name == "fanova":
        # Fewer, shallower trees than Optuna's default (64 x 64): the spread over seeds is shown
        # anyway, and this keeps one refit at 1,000 trials to seconds instead of tens of seconds.
        return FanovaImportanceEvaluator(n_trees=32, max_depth=32, seed=seed)
    raise ValueError(f"evaluator must be one of {list(EVALUATORS)}, got {name!r}")


class _TrialsStudy:
    """The part of ``optuna.Study`` that Optuna's importance evaluators read (completed trials
    and the direction), over a list of frozen trials.

    A real in-memory study validates and copies every trial it is given: 0.3 s at 1,000 trials,
    for each bootstrap refit. The trials here are made once per refresh and shared by the
    refits. ``tests/insights/test_importance.py`` checks that a real study gives the same
    shares, and the Optuna version is pinned to the series that is tested.
    """

    def __init__(self, trials: list[FrozenTrial], direction: str) -> None:
        self._trials = trials
        self.directions = [StudyDirection[direction.upper()]]
        self.direction = self.directions[0]

    def _is_multi_objective(self) -> bool:
        return False

    def get_trials(self, deepcopy: bool = True, states: Any = None) -> list[FrozenTrial]:
        if states is None:
            return list(self._trials)
        return [t for t in self._trials if t.state in states]


def frozen_trials(data: Trials) -> list[FrozenTrial]:
    """``data``'s trials as Optuna trials (parameters of the base space only)."""
    made = []
    for number, (params, value) in enumerate(zip(data.params, data.values, strict=True)):
        active = {n: params[n] for n in data.names if params.get(n) is not None}
        trial = create_trial(params=active,
                             distributions={n: data.distributions[n] for n in active},
                             value=float(value))
        trial.number = number
        trial._trial_id = number  # PED-ANOVA tells trials apart by id; create_trial gives -1
        made.append(trial)
    return made


def study_of(data: Trials, made: list[FrozenTrial] | None = None) -> Any:
    """A study-like view of ``data``'s trials for Optuna's evaluators."""
    return _TrialsStudy(frozen_trials(data) if made is None else made, data.direction)


def real_study_of(data: Trials) -> optuna.Study:
    """A real in-memory study of ``data``'s trials (slower; what :func:`study_of` stands for)."""
    logger = logging.getLogger("optuna")
    level = logger.level
    logger.setLevel(logging.WARNING)  # no "A new study created in memory" line in notebooks
    try:
        study = optuna.create_study(direction=StudyDirection[data.direction.upper()])
    finally:
        logger.setLevel(level)
    study.add_trials(frozen_trials(data))
    return study


def _shares(study: Any, names: list[str], evaluator: Any) -> dict[str, float]:
    # Normalised by Optuna (passing normalize=False warns that the argument is experimental;
    # warnings.catch_warnings would not do: it is not thread-safe and the refresher is a thread).
    raw = optuna.importance.get_param_importances(study, evaluator=evaluator)
    out = {n: max(0.0, float(raw.get(n, 0.0))) for n in names}
    total = sum(out.values())
    if total <= 0:  # nothing matters more than anything else: say so evenly
        return {n: 1.0 / len(names) for n in names}
    return {n: v / total for n, v in out.items()}


def forest_spread(data: Trials, seed: int = 0, refits: int = 0) -> pd.DataFrame:
    """The "forest" importance, with its interval over ``refits`` bootstrap refits (see the
    module docstring)."""
    if not data.names:  # only constants: nothing moves the objective (PED-ANOVA says {} too)
        return pd.DataFrame(columns=["name", "share", "low", "high"])
    sur = Surrogate.fit(data, seed=seed)
    return curve_shares({name: sur.tree_curves(name)[1] for name in data.names},
                        refit_curves(data, refits, seed))


def _shares_of(frame: pd.DataFrame) -> dict[str, float]:
    return dict(zip(frame["name"], frame["share"].astype(float), strict=True))


def importance(run: Any, evaluator: str = "forest", *, seed: int = 0) -> dict[str, float]:
    """Share of each hyperparameter in the objective's variation, most important first.

    Args:
        run: a live, finished or loaded :class:`~hcautoml_widgets.Run`.
        evaluator: "forest" (how much each parameter moves the random forest's partial
            dependence, the curves the insights draw; fast), "ped-anova" (Optuna's default:
            what sets the best 10% of the trials apart from the trials the sampler chose; fast,
            but where the sampler has settled on one choice it calls that choice unimportant) or
            "fanova" (functional ANOVA over the whole space; seconds to tens of seconds).
        seed: forest seed of "forest" and fANOVA.

    Returns:
        ``{name: share}``, shares sum to 1. Constants are left out.

    Raises:
        ValueError: unknown evaluator, or too few completed, non-rejected trials.
    """
    ev = _evaluator(evaluator, seed)
    data = trials(run)
    require(data, "importance")
    if evaluator == "forest":
        return _shares_of(forest_spread(data, seed))
    shares = _shares(study_of(data), data.names, ev)
    return dict(sorted(shares.items(), key=lambda kv: -kv[1]))


def spread(data: Trials, evaluator: str = "forest", refits: int = 5, seed: int = 0,
           progress: Progress | None = None) -> pd.DataFrame:
    """Importance with an interval over refits: columns ``name``, ``share`` (fit on all
    trials), ``low``, ``high`` (10th and 90th percentile of the refits), most important first."""
    require(data, "importance")
    ev = _evaluator(evaluator, seed)
    if evaluator == "forest":
        return forest_spread(data, seed, refits)
    total = refits + 1
    made = frozen_trials(data)
    full = _shares(study_of(data, made), data.names, ev)
    if progress is not None:
        progress(1, total)
    rng = np.random.default_rng(seed)
    fits = []
    for k in range(refits):
        if evaluator == "fanova":
            sample, ev_k = made, _evaluator(evaluator, seed + k + 1)
        else:
            sample, ev_k = [made[i] for i in rng.integers(0, len(data), len(data))], ev
        fits.append(_shares(study_of(data, sample), data.names, ev_k))
        if progress is not None:
            progress(k + 2, total)
    return combine(data.names, full, fits)


def fanova_fit(data: Trials, seed: int) -> dict[str, float]:
    """One fANOVA fit (a job for the insights' worker process: one refit per job, so the
    progress can be told between jobs)."""
    require(data, "importance")
    return _shares(study_of(data), data.names, _evaluator("fanova", seed))


def combine(names: list[str], full: dict[str, float], fits: list[dict[str, float]]
            ) -> pd.DataFrame:
    """The fit on all trials with the 10th-90th percentile interval of the refits."""
    rows = []
    for name in names:
        values = np.array([f[name] for f in fits] or [full[name]])
        rows.append({"name": name, "share": full[name],
                     "low": float(min(np.percentile(values, 10), full[name])),
                     "high": float(max(np.percentile(values, 90), full[name]))})
    frame = pd.DataFrame(rows, columns=["name", "share", "low", "high"])
    return frame.sort_values("share", ascending=False, ignore_index=True)


def importance_interval(run: Any, evaluator: str = "forest", refits: int = 5,
                        seed: int = 0) -> pd.DataFrame:
    """:func:`importance` with its spread over ``refits`` refits (see :func:`spread`)."""
    _evaluator(evaluator, seed)
    return spread(trials(run), evaluator, refits, seed)


def importance_history(run: Any, points: int = 8,
                       evaluator: str = "forest") -> pd.DataFrame:
    """How importance changed as the run went on: the shares computed on the first ``n`` good
    trials, for ``points`` values of ``n`` up to all of them. Columns ``n_trials``, ``name``,
    ``share``."""
    _evaluator(evaluator, 0)
    data = trials(run)
    require(data, "importance history")
    ns = sorted({int(n) for n in np.linspace(max(10, len(data) // points), len(data), points)})
    rows = []
    for n in ns:
        head = data.head(n)
        if evaluator == "forest":
            shares = _shares_of(forest_spread(head))
        else:
            shares = _shares(study_of(head), data.names, _evaluator(evaluator, 0))
        for name, share in shares.items():
            rows.append({"n_trials": n, "name": name, "share": share})
    return pd.DataFrame(rows, columns=["n_trials", "name", "share"])
