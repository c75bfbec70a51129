"""A run's trials as arrays: the one place insights read a run.

Only the run's public surface is used (``records()``, ``space``, ``steering.state``,
``direction``), so the analyses work the same on a live run, a finished one and one reattached
with ``Run.load``. Rejected trials never inform an insight (as they never inform the sampler).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from hcautoml_widgets.insights.reviews import rejected

#: Fewer completed, non-rejected trials than this and no insight is computed.
MIN_TRIALS = 10


@dataclass(frozen=True)
class Trials:
    """Completed, non-rejected trials of a run, in trial-number order."""

    names: list[str]  # the parameters an insight can speak about (constants are left out)
    specs: dict[str, Any]  # name -> ParamSpec
    distributions: dict[str, Any]  # name -> Optuna distribution of the base space
    numbers: list[int]
    params: list[dict[str, Any]]
    values: np.ndarray
    direction: str

    def __len__(self) -> int:
        return len(self.numbers)

    def head(self, n: int) -> Trials:
        """The first ``n`` trials (the run as it was when its n-th good trial finished)."""
        return Trials(self.names, self.specs, self.distributions, self.numbers[:n],
                      self.params[:n], self.values[:n], self.direction)

    def take(self, index: np.ndarray) -> Trials:
        """Trials at ``index`` (with repeats: a bootstrap resample)."""
        idx = [int(i) for i in index]
        return Trials(self.names, self.specs, self.distributions,
                      [self.numbers[i] for i in idx], [self.params[i] for i in idx],
                      self.values[idx], self.direction)


def _rejected(run: Any) -> set[int]:
    return rejected(getattr(run.steering.state, "reviews", {}) or {})


def trials(run: Any) -> Trials:
    """The run's completed, non-rejected trials with a finite value."""
    rejected = _rejected(run)
    specs = {n: run.space.params[n] for n in run.space.names}
    names = [n for n in run.space.names if specs[n].kind != "constant"]
    numbers, params, values = [], [], []
    for rec in run.records():
        value = rec.get("value")
        if rec.get("state") != "complete" or value is None or not math.isfinite(value):
            continue
        if rec["number"] in rejected or rec.get("review") == "rejected":
            continue
        numbers.append(int(rec["number"]))
        params.append(dict(rec.get("params") or {}))
        values.append(float(value))
    dists = dict(run.space.distributions)
    return Trials(names, specs, dists, numbers, params, np.asarray(values, dtype=float),
                  run.direction)


def require(data: Trials, what: str, minimum: int = MIN_TRIALS) -> None:
    """ValueError when there are too few trials for ``what``."""
    if len(data) < minimum:
        raise ValueError(
            f"{what} needs at least {minimum} completed, non-rejected trials; "
            f"the run has {len(data)} so far"
        )


def check_name(data: Trials, name: Any) -> str:
    if not isinstance(name, str) or name not in data.specs:
        raise ValueError(f"parameter {name!r}: not in the search space "
                         f"(known: {', '.join(data.specs)})")
    if name not in data.names:
        raise ValueError(f"parameter {name!r}: a constant has no effect to show")
    return name


# -- encoding for surrogates -----------------------------------------------------------------
def encode(spec: Any, value: Any) -> float:
    """A value as a surrogate's feature: log for log-scaled parameters, the choice's index for
    categorical ones (trees split ordinal codes as well as one-hot columns), and a sentinel
    below the range for an inactive (conditional) parameter."""
    if value is None:
        return _sentinel(spec)
    if spec.kind == "categorical":
        choices = list(spec.choices)
        return float(choices.index(value)) if value in choices else -1.0
    x = float(value)
    return math.log(x) if spec.log else x


def _sentinel(spec: Any) -> float:
    if spec.kind == "categorical":
        return -1.0
    lo, hi = float(spec.low), float(spec.high)
    if spec.log:
        lo, hi = math.log(lo), math.log(hi)
    return lo - (hi - lo) - 1.0


def features(data: Trials, names: list[str] | None = None) -> np.ndarray:
    names = data.names if names is None else names
    out = np.empty((len(data), len(names)), dtype=float)
    for j, name in enumerate(names):
        spec = data.specs[name]
        out[:, j] = [encode(spec, p.get(name)) for p in data.params]
    return out


def grid(spec: Any, size: int) -> list[Any]:
    """Values at which to evaluate a partial dependence: every choice, every integer of a small
    integer range, else ``size`` points evenly spaced on the parameter's own (log) scale."""
    if spec.kind == "categorical":
        return list(spec.choices)
    lo, hi = float(spec.low), float(spec.high)
    step = spec.grid
    if step is not None and (hi - lo) / step + 1 <= size:
        count = round((hi - lo) / step) + 1
        values = [lo + k * step for k in range(count)]
    elif spec.log:
        values = list(np.exp(np.linspace(math.log(lo), math.log(hi), size)))
    else:
        values = list(np.linspace(lo, hi, size))
    if spec.kind == "int":
        return sorted({round(v) for v in values})
    return [float(v) for v in values]
