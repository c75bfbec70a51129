"""A small SVM-shaped problem (log-scaled gamma and C, a kernel choice) that the preview and
explanation tests share: cheap to evaluate, with a known best region (gamma 0.3, C 5, rbf)."""

from __future__ import annotations

from typing import Any

from ConfigSpace import Categorical, ConfigurationSpace, Float


def space() -> ConfigurationSpace:
    cs = ConfigurationSpace()
    cs.add([Float("gamma", (1e-3, 10.0), log=True), Float("C", (0.1, 100.0), log=True),
            Categorical("kernel", ["rbf", "linear"])])
    return cs


def objective(cfg: dict[str, Any]) -> float:
    return (cfg["gamma"] - 0.3) ** 2 + (cfg["C"] - 5.0) ** 2 / 100 + (cfg["kernel"] == "linear")
