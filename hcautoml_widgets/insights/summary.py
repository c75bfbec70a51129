"""One refresh of the live insights: importance with its interval, partial dependence of every
parameter, and the heat map of the pair that interacts most, as one small JSON-ready dict.

The dict is what the views draw; its size depends on the number of parameters and the grids,
never on the number of trials, so sending it every few seconds keeps bytes per trial flat.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import pandas as pd

from hcautoml_widgets.insights._data import MIN_TRIALS, Trials
from hcautoml_widgets.insights.dependence import (
    GRID,
    PAIR_GRID,
    Surrogate,
    curve_shares,
    refit_curves,
)
from hcautoml_widgets.insights.importance import Progress, spread

#: Parameters among which the heat map's pair is chosen (the most important ones).
PAIR_CANDIDATES = 4
#: Bootstrap refits behind the importance's whiskers.
REFITS = 4


def short(x: Any) -> Any:
    """A JSON-safe scalar with 4 significant digits (drawn, never computed with)."""
    if isinstance(x, (bool, str)) or x is None:
        return x
    if isinstance(x, (int, np.integer)):
        return int(x)
    f = float(x)
    return float(f"{f:.4g}") if math.isfinite(f) else None


def _arr(values: Any) -> list[Any]:
    return [short(v) for v in values]


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{"name": r.name, "share": short(r.share), "low": short(r.low), "high": short(r.high)}
            for r in frame.itertuples()]


def importance_part(data: Trials, evaluator: str = "forest", refits: int = REFITS,
                    progress: Progress | None = None) -> list[dict[str, Any]]:
    return _rows(spread(data, evaluator, refits=refits, progress=progress))


def compute(data: Trials, evaluator: str = "forest", seed: int = 0) -> dict[str, Any]:
    """The whole refresh for ``data`` (see the module docstring).

    Returns ``{"n", "evaluator", "importance": [{name, share, low, high}], "pd": {name:
    {"x", "mean", "std"}}, "pair": {"a", "b", "x", "y", "mean", "std", "strength"} | None,
    "seconds"}`` (the time it took), or
    ``{"n", "error"}`` when there are too few trials.
    """
    started = time.perf_counter()
    n = len(data)
    if n < MIN_TRIALS:
        return {"n": n, "error": f"insights start after {MIN_TRIALS} completed, non-rejected "
                                 f"trials ({n} so far)"}
    if not data.names:
        return {"n": n, "error": "every hyperparameter is a constant: there is nothing to explain"}
    sur = Surrogate.fit(data, seed=seed)
    curves = {name: sur.tree_curves(name, GRID) for name in data.names}
    # "forest" importance is read off the very curves drawn below it (no second fit).
    imp = (_rows(curve_shares({name: c for name, (_, c) in curves.items()},
                              refit_curves(data, REFITS, seed)))
           if evaluator == "forest" else importance_part(data, evaluator))
    pd_part = {name: {"x": _arr(values), "mean": _arr(c.mean(axis=0)), "std": _arr(c.std(axis=0))}
               for name, (values, c) in curves.items()}
    pair = None
    if len(data.names) >= 2:
        top = [r["name"] for r in imp[:PAIR_CANDIDATES]]
        found = sur.top_pair(top)
        if found is not None:
            a, b, strength = found
            va, vb, mean, std = sur.surface(a, b, PAIR_GRID)
            pair = {"a": a, "b": b, "x": _arr(va), "y": _arr(vb),
                    "mean": [_arr(row) for row in mean], "std": [_arr(row) for row in std],
                    "strength": short(strength)}
    return {"n": n, "evaluator": evaluator, "importance": imp, "pd": pd_part, "pair": pair,
            "seconds": short(time.perf_counter() - started)}
