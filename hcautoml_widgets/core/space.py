"""Search spaces: one description read from ConfigSpace or Optuna, and written back to either.

The rest of the package talks to :class:`SearchSpace` only, so the two libraries' quirks stay
here: ConfigSpace returns numpy scalars and keeps priors as distributions; Optuna keeps ``step``
and has no conditions. Anything that cannot be converted without loss raises a ``ValueError``
naming it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import ConfigSpace as CS
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from hcautoml_widgets.core.priors import Prior

NUMERIC_KINDS = ("float", "int")


@dataclass(frozen=True)
class ParamSpec:
    """One hyperparameter of the base space.

    ``condition`` is ``(parent, values)``: the parameter is active only when the parent's value is
    one of ``values``. ``prior`` is the starting prior given by the space itself, if any.
    """

    name: str
    kind: str  # "float" | "int" | "categorical" | "constant"
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple[Any, ...] | None = None
    default: Any = None
    condition: tuple[str, tuple[Any, ...]] | None = None
    prior: Prior | None = field(default=None, compare=False)

    @property
    def is_numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    def to_unit(self, value: float) -> float:
        """Position of ``value`` in the base range, 0..1, on the log scale when ``log``."""
        assert self.low is not None and self.high is not None
        lo, hi, x = float(self.low), float(self.high), float(value)
        if self.log:
            lo, hi, x = math.log(lo), math.log(hi), math.log(x)
        return 0.0 if hi == lo else (x - lo) / (hi - lo)

    def from_unit(self, u: float) -> float | int:
        """Inverse of :meth:`to_unit`, snapped to the parameter's grid (integers, step)."""
        assert self.low is not None and self.high is not None
        lo, hi = float(self.low), float(self.high)
        if self.log:
            x = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
        else:
            x = lo + u * (hi - lo)
        return self.snap(x)

    @property
    def grid(self) -> float | None:
        """Spacing of the values the parameter can take (None: a continuum)."""
        if self.step is not None:
            return float(self.step)
        return 1.0 if self.kind == "int" else None

    def snap(self, x: float, lo: float | None = None, hi: float | None = None) -> float | int:
        """The value on the parameter's grid nearest ``x`` within ``[lo, hi]`` (by default the
        base range). Clipping first and rounding after could land one step outside a narrowed
        range, so the grid index itself is clamped."""
        assert self.low is not None and self.high is not None
        low = float(self.low)
        lo = low if lo is None else float(lo)
        hi = float(self.high) if hi is None else float(hi)
        x = min(max(x, lo), hi)
        g = self.grid
        if g is not None:
            first = math.ceil((lo - low) / g - 1e-9)
            last = math.floor((hi - low) / g + 1e-9)
            k = min(max(round((x - low) / g), first), last)
            x = round(low + k * g, 12)  # 0.1 * 3 is 0.30000000000000004; the grid says 0.3
        if self.kind == "int":
            return round(x)
        return float(x)

    def on_grid(self, value: float) -> bool:
        g = self.grid
        if g is None:
            return True
        assert self.low is not None
        k = (float(value) - float(self.low)) / g
        return abs(k - round(k)) < 1e-9

    def to_dict(self) -> dict[str, Any]:
        cond = None
        if self.condition is not None:
            cond = {"parent": self.condition[0], "values": list(self.condition[1])}
        return {
            "name": self.name,
            "kind": self.kind,
            "low": self.low,
            "high": self.high,
            "log": self.log,
            "step": self.step,
            "choices": list(self.choices) if self.choices is not None else None,
            "default": self.default,
            "condition": cond,
        }


def _plain(value: Any) -> Any:
    """numpy scalar -> Python scalar (ConfigSpace hands out numpy values)."""
    return value.item() if hasattr(value, "item") else value


def _condition_of(space: CS.ConfigurationSpace, name: str) -> tuple[str, tuple[Any, ...]] | None:
    mine = [c for c in space.conditions if _child_name(c) == name]
    if not mine:
        return None
    if len(mine) > 1:
        raise ValueError(f"parameter '{name}': more than one condition is not supported")
    cond = mine[0]
    if isinstance(cond, CS.EqualsCondition):
        return cond.parent.name, (_plain(cond.value),)
    if isinstance(cond, CS.InCondition):
        return cond.parent.name, tuple(_plain(v) for v in cond.values)
    raise ValueError(
        f"parameter '{name}': condition {type(cond).__name__} is not supported "
        "(use EqualsCondition or InCondition)"
    )


def _child_name(cond: Any) -> str | None:
    child = getattr(cond, "child", None)
    return child.name if child is not None else None


def _spec_from_hp(hp: Any, condition: tuple[str, tuple[Any, ...]] | None) -> ParamSpec:
    meta = dict(hp.meta or {})
    step = meta.get("step")
    name = hp.name
    if isinstance(hp, CS.Constant):
        value = _plain(hp.value)
        return ParamSpec(name, "constant", choices=(value,), default=value, condition=condition)
    if isinstance(hp, CS.CategoricalHyperparameter):
        choices = tuple(_plain(c) for c in hp.choices)
        prior = None
        if hp.weights is not None and len(set(hp.weights)) > 1:
            prior = Prior.categorical_weights(choices, [float(w) for w in hp.weights])
        return ParamSpec(
            name, "categorical", choices=choices, default=_plain(hp.default_value),
            condition=condition, prior=prior,
        )
    float_types = (CS.UniformFloatHyperparameter, CS.NormalFloatHyperparameter,
                   CS.BetaFloatHyperparameter)
    int_types = (CS.UniformIntegerHyperparameter, CS.NormalIntegerHyperparameter,
                 CS.BetaIntegerHyperparameter)
    if isinstance(hp, float_types + int_types):
        kind = "float" if isinstance(hp, float_types) else "int"
        low, high = _plain(hp.lower), _plain(hp.upper)
        if kind == "int":
            low, high = int(low), int(high)
            step = int(step) if step is not None else None
        spec = ParamSpec(
            name, kind, low=low, high=high, log=bool(hp.log), step=step,
            default=_plain(hp.default_value), condition=condition,
        )
        prior = None
        if isinstance(hp, (CS.NormalFloatHyperparameter, CS.NormalIntegerHyperparameter)):
            prior = Prior.normal_from_space(spec, float(hp.mu), float(hp.sigma))
        elif isinstance(hp, (CS.BetaFloatHyperparameter, CS.BetaIntegerHyperparameter)):
            prior = Prior.beta(spec, float(hp.alpha), float(hp.beta))
        return ParamSpec(**{**spec.__dict__, "prior": prior})
    raise ValueError(
        f"parameter '{name}': {type(hp).__name__} is not supported "
        "(use Float, Integer, Categorical or Constant)"
    )


def _spec_from_distribution(name: str, dist: BaseDistribution) -> ParamSpec:
    if isinstance(dist, FloatDistribution):
        return ParamSpec(name, "float", low=dist.low, high=dist.high, log=dist.log,
                         step=dist.step, default=None)
    if isinstance(dist, IntDistribution):
        step = dist.step if dist.step != 1 else None
        return ParamSpec(name, "int", low=dist.low, high=dist.high, log=dist.log, step=step)
    if isinstance(dist, CategoricalDistribution):
        choices = tuple(dist.choices)
        if len(choices) == 1:
            return ParamSpec(name, "constant", choices=choices, default=choices[0])
        return ParamSpec(name, "categorical", choices=choices, default=choices[0])
    raise ValueError(f"parameter '{name}': distribution {type(dist).__name__} is not supported")


class SearchSpace:
    """The base space of a run: immutable; steering narrows within it, never outside."""

    def __init__(self, params: list[ParamSpec]) -> None:
        self.params: dict[str, ParamSpec] = {p.name: p for p in params}
        if len(self.params) != len(params):
            raise ValueError("search space: duplicate parameter names")
        for p in params:
            if p.condition is not None and p.condition[0] not in self.params:
                raise ValueError(f"parameter '{p.name}': condition on unknown '{p.condition[0]}'")
        self.names: list[str] = self._topological(params)
        self.distributions: dict[str, BaseDistribution] = {
            n: self._distribution(self.params[n]) for n in self.names
        }

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_any(cls, space: Any) -> SearchSpace:
        """Accept a ``ConfigurationSpace``, a dict of Optuna distributions or a ``SearchSpace``."""
        if isinstance(space, SearchSpace):
            return space
        if isinstance(space, CS.ConfigurationSpace):
            return cls.from_configspace(space)
        if isinstance(space, Mapping):
            bad = [k for k, v in space.items() if not isinstance(v, BaseDistribution)]
            if bad:
                raise ValueError(
                    f"parameter '{bad[0]}': a dict space must map names to Optuna distributions"
                )
            return cls([_spec_from_distribution(k, v) for k, v in space.items()])
        raise ValueError(
            f"search space of type {type(space).__name__} is not supported "
            "(use a ConfigSpace ConfigurationSpace or a dict of Optuna distributions)"
        )

    @classmethod
    def from_configspace(cls, space: CS.ConfigurationSpace) -> SearchSpace:
        if list(space.forbidden_clauses):
            raise ValueError("search space: forbidden clauses are not supported")
        return cls([_spec_from_hp(hp, _condition_of(space, name)) for name, hp in space.items()])

    # -- conversion ---------------------------------------------------------------------------
    def to_configspace(self) -> CS.ConfigurationSpace:
        cs = CS.ConfigurationSpace()
        for name in self.names:
            cs.add(self._hyperparameter(self.params[name]))
        for name in self.names:
            p = self.params[name]
            if p.condition is None:
                continue
            parent, values = p.condition
            if len(values) == 1:
                cs.add(CS.EqualsCondition(cs[name], cs[parent], values[0]))
            else:
                cs.add(CS.InCondition(cs[name], cs[parent], list(values)))
        return cs

    def to_optuna(self) -> dict[str, BaseDistribution]:
        return dict(self.distributions)

    def to_dict(self) -> dict[str, Any]:
        return {"params": [self.params[n].to_dict() for n in self.names]}

    def to_configspace_json(self) -> str:
        """The space as ConfigSpace's own JSON (what SMAC users read and write)."""
        import io

        buf = io.StringIO()
        self.to_configspace().to_json(buf)
        return buf.getvalue()

    @classmethod
    def from_configspace_json(cls, text: str) -> SearchSpace:
        return cls.from_configspace(CS.ConfigurationSpace.from_serialized_dict(json.loads(text)))

    # -- queries ------------------------------------------------------------------------------
    def is_active(self, name: str, config: Mapping[str, Any]) -> bool:
        cond = self.params[name].condition
        if cond is None:
            return True
        parent, values = cond
        return self.is_active(parent, config) and parent in config and config[parent] in values

    def validate_config(self, config: Mapping[str, Any]) -> dict[str, Any]:
        """Check a full configuration against the base space; return it with plain values."""
        if not isinstance(config, Mapping):
            raise ValueError(f"configuration must be a dict, got {type(config).__name__}")
        unknown = [k for k in config if k not in self.params]
        if unknown:
            raise ValueError(f"parameter '{unknown[0]}': not in the search space")
        out: dict[str, Any] = {}
        for name in self.names:
            active = self.is_active(name, out)
            if not active:
                if name in config:
                    raise ValueError(f"parameter '{name}': inactive under its condition, omit it")
                continue
            if name not in config:
                raise ValueError(f"parameter '{name}': missing from the configuration")
            out[name] = self.check_value(name, config[name])
        return out

    def check_value(self, name: str, value: Any) -> Any:
        """Validate one value against the base space; return it as a plain Python scalar."""
        p = self.params[name]
        value = _plain(value)
        if p.kind in ("categorical", "constant"):
            assert p.choices is not None
            if value not in p.choices:
                raise ValueError(f"parameter '{name}': {value!r} is not one of {list(p.choices)}")
            return p.choices[p.choices.index(value)]
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"parameter '{name}': expected a number, got {type(value).__name__}")
        if not math.isfinite(value):
            raise ValueError(f"parameter '{name}': value must be finite, got {value}")
        assert p.low is not None and p.high is not None
        if value < p.low or value > p.high:
            raise ValueError(
                f"parameter '{name}': {value} is outside the base range [{p.low}, {p.high}]"
            )
        if p.kind == "int" and float(value) != int(value):
            raise ValueError(f"parameter '{name}': expected an integer, got {value}")
        if p.step is not None and not p.on_grid(value):
            raise ValueError(
                f"parameter '{name}': {value} is not on its grid (from {p.low} in steps of "
                f"{p.step})"
            )
        return int(value) if p.kind == "int" else float(value)

    # -- internals ----------------------------------------------------------------------------
    @staticmethod
    def _topological(params: list[ParamSpec]) -> list[str]:
        by_name = {p.name: p for p in params}
        order: list[str] = []
        visiting: set[str] = set()

        def visit(name: str) -> None:
            if name in order:
                return
            if name in visiting:
                raise ValueError(f"parameter '{name}': cyclic conditions")
            visiting.add(name)
            cond = by_name[name].condition
            if cond is not None:
                visit(cond[0])
            visiting.discard(name)
            order.append(name)

        for p in params:
            visit(p.name)
        return order

    @staticmethod
    def _distribution(p: ParamSpec) -> BaseDistribution:
        if p.kind == "float":
            assert p.low is not None and p.high is not None
            return FloatDistribution(float(p.low), float(p.high), log=p.log, step=p.step)
        if p.kind == "int":
            assert p.low is not None and p.high is not None
            return IntDistribution(int(p.low), int(p.high), log=p.log, step=int(p.step or 1))
        assert p.choices is not None
        return CategoricalDistribution(list(p.choices))

    @staticmethod
    def _hyperparameter(p: ParamSpec) -> Any:
        meta: dict[Any, Any] | None = {"step": p.step} if p.step is not None else None
        if p.kind == "constant":
            assert p.choices is not None
            return CS.Constant(p.name, p.choices[0], meta=meta)
        if p.kind == "categorical":
            assert p.choices is not None
            weights = None
            if p.prior is not None and p.prior.weights is not None:
                weights = list(p.prior.weights)
            return CS.CategoricalHyperparameter(
                p.name, list(p.choices), weights=weights, default_value=p.default, meta=meta
            )
        assert p.low is not None and p.high is not None
        default = p.default
        is_int = p.kind == "int"
        if p.prior is not None and p.prior.kind == "normal":
            mu, sigma = p.prior.space_mu_sigma(p)
            cls = CS.NormalIntegerHyperparameter if is_int else CS.NormalFloatHyperparameter
            return cls(p.name, mu=mu, sigma=sigma, lower=p.low, upper=p.high, log=p.log,
                       default_value=default, meta=meta)
        if p.prior is not None and p.prior.kind == "beta":
            assert p.prior.alpha is not None and p.prior.beta_ is not None
            cls_b = CS.BetaIntegerHyperparameter if is_int else CS.BetaFloatHyperparameter
            return cls_b(p.name, alpha=p.prior.alpha, beta=p.prior.beta_, lower=p.low,
                         upper=p.high, log=p.log, default_value=default, meta=meta)
        cls_u = CS.UniformIntegerHyperparameter if is_int else CS.UniformFloatHyperparameter
        return cls_u(p.name, lower=p.low, upper=p.high, log=p.log, default_value=default,
                     meta=meta)
