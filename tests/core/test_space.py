from __future__ import annotations

import json

import pytest
from ConfigSpace import (
    ConfigurationSpace,
    Float,
    ForbiddenEqualsClause,
    GreaterThanCondition,
    Integer,
    OrdinalHyperparameter,
)
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

from hcautoml_widgets.core.space import SearchSpace


def test_configspace_round_trip_keeps_everything(rich_space: ConfigurationSpace) -> None:
    space = SearchSpace.from_any(rich_space)
    back = SearchSpace.from_any(space.to_configspace())
    assert back.to_dict() == space.to_dict()
    for name in space.names:
        a, b = space.params[name], back.params[name]
        assert (a.kind, a.low, a.high, a.log, a.step, a.choices) == (
            b.kind, b.low, b.high, b.log, b.step, b.choices)
        assert (a.prior is None) == (b.prior is None)


def test_configspace_json_round_trip(rich_space: ConfigurationSpace) -> None:
    space = SearchSpace.from_any(rich_space)
    again = SearchSpace.from_configspace_json(space.to_configspace_json())
    assert again.to_dict() == space.to_dict()


def test_distributions_become_starting_priors(rich_space: ConfigurationSpace) -> None:
    space = SearchSpace.from_any(rich_space)
    assert space.params["mom"].prior is not None
    assert space.params["mom"].prior.kind == "normal"
    assert space.params["mom"].prior.value == pytest.approx(0.9)
    assert space.params["frac"].prior is not None and space.params["frac"].prior.kind == "beta"
    loss = space.params["loss"].prior
    assert loss is not None and loss.value == "l1" and loss.weights == pytest.approx((0.8, 0.2))
    assert space.params["x"].prior is None
    assert space.params["kind"].prior is None  # equal weights are no belief


def test_conditions_order_and_activity(rich_space: ConfigurationSpace) -> None:
    space = SearchSpace.from_any(rich_space)
    assert space.names.index("kind") < space.names.index("alpha")
    assert space.params["alpha"].condition == ("kind", ("a",))
    assert space.params["k"].condition == ("kind", ("b", "c"))
    assert space.is_active("alpha", {"kind": "a"})
    assert not space.is_active("alpha", {"kind": "b"})
    assert space.is_active("k", {"kind": "c"})


def test_optuna_dict_round_trip() -> None:
    dists = {
        "a": FloatDistribution(0.0, 1.0, step=0.1),
        "b": FloatDistribution(1e-3, 10.0, log=True),
        "c": IntDistribution(0, 100, step=5),
        "d": IntDistribution(1, 1024, log=True),
        "e": CategoricalDistribution(["x", "y", 3]),
        "f": CategoricalDistribution(["only"]),
    }
    space = SearchSpace.from_any(dists)
    assert space.to_optuna() == dists
    # ... and through ConfigSpace, where step rides in meta.
    via_cs = SearchSpace.from_any(space.to_configspace())
    assert via_cs.to_optuna() == dists


def test_plain_python_values_come_out(rich_space: ConfigurationSpace) -> None:
    space = SearchSpace.from_any(rich_space)
    cfg = dict(rich_space.sample_configuration())
    # ConfigSpace keeps a step only as metadata, so its samples are off our grid: snap them.
    cfg = {k: space.params[k].snap(v) if space.params[k].step else v for k, v in cfg.items()}
    out = space.validate_config(cfg)
    json.dumps(out)
    assert all(not hasattr(v, "dtype") for v in out.values())


@pytest.mark.parametrize(
    "make, needle",
    [
        (lambda cs: cs.add(OrdinalHyperparameter("o", ["s", "m", "l"])), "OrdinalHyperparameter"),
        (lambda cs: cs.add(ForbiddenEqualsClause(cs["i"], 3)), "forbidden"),
        (lambda cs: cs.add(GreaterThanCondition(cs["f"], cs["i"], 3)), "GreaterThanCondition"),
    ],
)
def test_unsupported_constructs_are_named(make, needle: str) -> None:  # type: ignore[no-untyped-def]
    cs = ConfigurationSpace({"i": Integer("i", (1, 10)), "f": Float("f", (0.0, 1.0))})
    make(cs)
    with pytest.raises(ValueError, match=needle):
        SearchSpace.from_any(cs)


def test_unsupported_space_types() -> None:
    with pytest.raises(ValueError, match="not supported"):
        SearchSpace.from_any([1, 2, 3])
    with pytest.raises(ValueError, match="parameter 'a'"):
        SearchSpace.from_any({"a": (0, 1)})


@pytest.mark.parametrize(
    "cfg, needle",
    [
        ({"i": 3}, "'f': missing"),
        ({"i": 3, "f": 0.5, "z": 1}, "'z': not in the search space"),
        ({"i": 3.5, "f": 0.5}, "'i': expected an integer"),
        ({"i": 3, "f": float("nan")}, "'f': value must be finite"),
        ({"i": 30, "f": 0.5}, "'i': 30 is outside"),
        ({"i": "3", "f": 0.5}, "'i': expected a number"),
    ],
)
def test_validate_config_errors(cfg: dict, needle: str) -> None:
    space = SearchSpace.from_any(
        ConfigurationSpace({"i": Integer("i", (1, 10)), "f": Float("f", (0.0, 1.0))}))
    with pytest.raises(ValueError, match=needle):
        space.validate_config(cfg)
