"""Shared spaces for the core tests: every construct the space layer supports."""

from __future__ import annotations

import optuna
import pytest
from ConfigSpace import (
    Beta,
    Categorical,
    ConfigurationSpace,
    Constant,
    EqualsCondition,
    Float,
    InCondition,
    Integer,
    Normal,
)

optuna.logging.set_verbosity(optuna.logging.WARNING)


def rich_configspace() -> ConfigurationSpace:
    cs = ConfigurationSpace(seed=0)
    cs.add(Float("lr", (1e-4, 1.0), log=True))
    cs.add(Float("x", (-5.0, 10.0)))
    cs.add(Float("mom", (0.0, 1.0), distribution=Normal(0.9, 0.05)))
    cs.add(Float("frac", (0.0, 1.0), distribution=Beta(2.0, 5.0)))
    cs.add(Integer("depth", (2, 16)))
    cs.add(Integer("width", (8, 512), log=True))
    cs.add(Categorical("kind", ["a", "b", "c"]))
    cs.add(Categorical("loss", ["l1", "l2"], weights=[0.8, 0.2]))
    cs.add(Constant("tag", "v1"))
    cs.add(Integer("batch", (16, 256), meta={"step": 16}))
    cs.add(Float("drop", (0.0, 0.5), meta={"step": 0.1}))
    cs.add(Float("alpha", (0.0, 1.0)))
    cs.add(Integer("k", (1, 5)))
    cs.add(EqualsCondition(cs["alpha"], cs["kind"], "a"))
    cs.add(InCondition(cs["k"], cs["kind"], ["b", "c"]))
    return cs


@pytest.fixture
def rich_space() -> ConfigurationSpace:
    return rich_configspace()
