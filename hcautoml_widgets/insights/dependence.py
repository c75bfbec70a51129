"""Partial dependence of the objective on one or two hyperparameters, from a random forest.

A scikit-learn random forest is fitted on the completed, non-rejected trials (log-scaled
parameters on their log scale, categorical ones as choice indices, inactive ones at a sentinel
outside the range, as DeepCAVE does). The partial dependence at a grid value is the forest's
prediction averaged over the trials with that parameter set to the value; its band is the spread
of that average over the forest's trees.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor

from hcautoml_widgets.insights._data import Trials, check_name, encode, features, grid, require
from hcautoml_widgets.insights._data import trials as trials_of

#: Grid points of a numeric parameter (small multiples) and of each side of a pair (heat map).
GRID = 25
PAIR_GRID = 12
#: Trees of each refit behind an importance interval (fewer than the drawn forest's: the interval
#: needs the spread over refits, not each refit's finest curve).
REFIT_TREES = 16


@dataclass
class Surrogate:
    """A forest fitted on a run's trials, with the background rows partial dependence averages
    over (a random subset keeps the cost flat as the run grows)."""

    data: Trials
    forest: RandomForestRegressor
    background: np.ndarray

    @classmethod
    def fit(cls, data: Trials, seed: int = 0, n_trees: int = 32,
            max_background: int = 128) -> Surrogate:
        require(data, "partial dependence")
        X = features(data)
        forest = RandomForestRegressor(n_estimators=n_trees, min_samples_leaf=2,
                                       max_features=0.8, random_state=seed, n_jobs=1)
        forest.fit(X, data.values)
        rng = np.random.default_rng(seed)
        keep = rng.choice(len(X), size=min(len(X), max_background), replace=False)
        return cls(data, forest, X[np.sort(keep)])

    def column(self, name: str) -> int:
        return self.data.names.index(name)

    def _per_tree(self, X: np.ndarray) -> np.ndarray:
        """Predictions of every tree, shape (trees, rows)."""
        return np.stack([tree.predict(X) for tree in self.forest.estimators_])

    def tree_curves(self, name: str, size: int = GRID) -> tuple[list[Any], np.ndarray]:
        """Grid values, and every tree's partial dependence on ``name`` there: shape (trees,
        grid)."""
        spec = self.data.specs[name]
        values = grid(spec, size)
        j = self.column(name)
        bg = self.background
        X = np.repeat(bg[None, :, :], len(values), axis=0)
        X[:, :, j] = np.array([encode(spec, v) for v in values])[:, None]
        per_tree = self._per_tree(X.reshape(-1, bg.shape[1]))
        return values, per_tree.reshape(len(per_tree), len(values), len(bg)).mean(axis=2)

    def curve(self, name: str, size: int = GRID) -> tuple[list[Any], np.ndarray, np.ndarray]:
        """Grid values, mean and std (over trees) of the partial dependence on ``name``."""
        values, curves = self.tree_curves(name, size)
        return values, curves.mean(axis=0), curves.std(axis=0)

    def surface(self, a: str, b: str, size: int = PAIR_GRID,
                trees: bool = True) -> tuple[list[Any], list[Any], np.ndarray, np.ndarray]:
        """Grids of ``a`` and ``b`` values; mean and std arrays of shape (len a, len b)."""
        sa, sb = self.data.specs[a], self.data.specs[b]
        va, vb = grid(sa, size), grid(sb, size)
        ja, jb = self.column(a), self.column(b)
        bg = self.background
        X = np.repeat(bg[None, None, :, :], len(va), axis=0).repeat(len(vb), axis=1)
        X[:, :, :, ja] = np.array([encode(sa, v) for v in va])[:, None, None]
        X[:, :, :, jb] = np.array([encode(sb, v) for v in vb])[None, :, None]
        flat = X.reshape(-1, bg.shape[1])
        if trees:
            per_tree = self._per_tree(flat).reshape(-1, len(va), len(vb), len(bg)).mean(axis=3)
            return va, vb, per_tree.mean(axis=0), per_tree.std(axis=0)
        mean = self.forest.predict(flat).reshape(len(va), len(vb), len(bg)).mean(axis=2)
        return va, vb, mean, np.zeros_like(mean)

    def interaction(self, a: str, b: str, size: int = 8) -> float:
        """How far the pair's joint effect is from the sum of its two single effects (the root
        mean square of the non-additive part, in objective units; Friedman's H unnormalised)."""
        _, _, joint, _ = self.surface(a, b, size=size, trees=False)
        centred = joint - joint.mean()
        additive = (joint.mean(axis=1, keepdims=True) - joint.mean()
                    + joint.mean(axis=0, keepdims=True) - joint.mean())
        return float(np.sqrt(np.mean((centred - additive) ** 2)))

    def top_pair(self, candidates: list[str] | None = None) -> tuple[str, str, float] | None:
        """The pair among ``candidates`` (by default all parameters) that interacts most."""
        names = candidates if candidates is not None else self.data.names
        best: tuple[str, str, float] | None = None
        for a, b in combinations(names, 2):
            h = self.interaction(a, b)
            if best is None or h > best[2]:
                best = (a, b, h)
        return best


def _shares(curves: Mapping[str, np.ndarray]) -> np.ndarray:
    """Each parameter's share of the variance of the forest's curves (its trees averaged)."""
    v = np.array([curves[n].mean(axis=0).var() for n in curves])
    total = v.sum()
    return v / total if total > 0 else np.full(len(v), 1.0 / len(v))


def refit_curves(data: Trials, refits: int, seed: int = 0, n_trees: int = REFIT_TREES
                 ) -> list[dict[str, np.ndarray]]:
    """Every tree's curves of ``refits`` smaller forests, each fitted on a bootstrap resample of
    the trials: how far the importance would move with other trials."""
    rng = np.random.default_rng(seed)
    out = []
    for k in range(refits):
        sur = Surrogate.fit(data.take(rng.integers(0, len(data), len(data))), seed=seed + k + 1,
                            n_trees=n_trees)
        out.append({name: sur.tree_curves(name)[1] for name in data.names})
    return out


def curve_shares(curves: Mapping[str, np.ndarray],
                 refits: Sequence[Mapping[str, np.ndarray]] = ()) -> pd.DataFrame:
    """Importance from partial dependence: each parameter's share of the summed variance of the
    curves along their grids (Greenwell et al., 2018: a flat curve means the parameter does not
    move the prediction), from ``curves`` (every tree's, shape (trees, grid)). Columns ``name``,
    ``share``, ``low``, ``high`` (10th and 90th percentile over the ``refits``' shares, widened
    to hold the share; the share itself without refits), most important first.

    Why not an Optuna evaluator for the live view: PED-ANOVA compares the best trials with the
    trials the sampler chose, so where a (steered) sampler has settled on one choice it calls
    that choice unimportant, while the curves drawn beside it show it decides everything; fANOVA
    agrees with the curves but takes seconds a fit. These shares come from the very curves the
    view draws, so the two cannot disagree.

    Why refits on resampled trials for the interval, not the spread over the trees: one tree
    alone is far noisier than the forest, so its shares wandered over the whole axis (a
    parameter at 0.7 % drew a whisker to 95 %); refits say how far the share would move with
    other trials, which is the doubt worth showing."""
    names = list(curves)
    share = _shares(curves)
    if refits:
        again = np.stack([_shares({n: r[n] for n in names}) for r in refits], axis=1)
        low = np.minimum(np.percentile(again, 10, axis=1), share)
        high = np.maximum(np.percentile(again, 90, axis=1), share)
    else:
        low = high = share
    frame = pd.DataFrame({"name": names, "share": share, "low": low, "high": high})
    return frame.sort_values("share", ascending=False, ignore_index=True)


def partial_dependence(run: Any, name: str | tuple[str, str], *, size: int | None = None,
                       seed: int = 0) -> pd.DataFrame:
    """Partial dependence of the objective on one parameter, or on a pair.

    Args:
        run: a live, finished or loaded :class:`~hcautoml_widgets.Run`.
        name: a parameter name, or a pair ``(a, b)``.
        size: grid points (per side for a pair); every choice of a categorical parameter.
        seed: the forest's seed.

    Returns:
        For one parameter, a DataFrame with columns ``value``, ``mean``, ``std``; for a pair,
        one row per grid cell with columns ``a``, ``b`` (named after the parameters), ``mean``
        and ``std``.

    Raises:
        ValueError: an unknown or constant parameter, a pair of the same parameter, or too few
            completed, non-rejected trials.
    """
    data = trials_of(run)
    if isinstance(name, (tuple, list)):
        if len(name) != 2:
            raise ValueError(f"a pair needs two parameter names, got {name!r}")
        a, b = check_name(data, name[0]), check_name(data, name[1])
        if a == b:
            raise ValueError(f"a pair needs two different parameters, got {a!r} twice")
        if {a, b} & {"mean", "std"}:
            raise ValueError("parameters named 'mean' or 'std' clash with the result's columns")
        sur = Surrogate.fit(data, seed=seed)
        va, vb, mean, std = sur.surface(a, b, size=size or PAIR_GRID)
        ia, ib = np.meshgrid(np.arange(len(va)), np.arange(len(vb)), indexing="ij")
        return pd.DataFrame({a: [va[i] for i in ia.ravel()], b: [vb[i] for i in ib.ravel()],
                             "mean": mean.ravel(), "std": std.ravel()})
    check_name(data, name)
    sur = Surrogate.fit(data, seed=seed)
    values, mean, std = sur.curve(name, size=size or GRID)
    return pd.DataFrame({"value": values, "mean": mean, "std": std})


def top_pair(run: Any, seed: int = 0) -> tuple[str, str]:
    """The two parameters whose joint effect is least explained by their separate effects."""
    data = trials_of(run)
    if len(data.names) < 2:
        raise ValueError("a pair needs at least two non-constant parameters")
    found = Surrogate.fit(data, seed=seed).top_pair()
    assert found is not None
    return found[0], found[1]
