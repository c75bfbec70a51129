"""What one trial's sampling obeys: a steering snapshot turned into checks, draws and prior terms.

Values here are Optuna *internal* representations (raw numbers; choice indices for categorical
parameters), because that is what TPE's candidates are made of.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from optuna.distributions import BaseDistribution

from hcautoml_widgets.core.events import SteeringState
from hcautoml_widgets.core.prior_health import Evidence
from hcautoml_widgets.core.priors import Prior
from hcautoml_widgets.core.space import ParamSpec, SearchSpace

# piBO's beta: the prior's exponent is beta / t, t counting finished trials since it was set.
DEFAULT_PRIOR_BETA = 10.0
# While a prior is active, the incumbent acts as an accepted trial of weight this / t.
DEFAULT_INCUMBENT_BETA = 10.0
# The largest share of TPE's start-up trials drawn from the priors.
DEFAULT_STARTUP_PRIOR_SHARE = 0.5
# The largest share of the model's trials drawn wholly from the priors while the trials confirm
# them (see SteeredSampler's ``prior_trials``).
DEFAULT_PRIOR_TRIALS = 0.25
_TOL = 1e-9


#: The terms the steering adds to TPE's acquisition, see :meth:`TrialContext.belief_terms`.
TERMS = ("prior", "accepted", "incumbent")


@dataclass
class TrialContext:
    """The steering a trial started under, and what its sampling recorded."""

    space: SearchSpace
    state: SteeringState
    weights: dict[str, float]  # parameter -> beta / t of its prior
    accepted: list[tuple[Mapping[str, Any], float]]  # (config, beta / t) per accepted trial
    rng: np.random.RandomState
    enqueued: tuple[int, dict[str, Any]] | None = None
    origins: dict[str, str] = field(default_factory=dict)
    score: dict[str, float] | None = None
    chosen_from: str | None = None
    # Where the winner of every acquisition of this trial came from: TPE without multivariate
    # runs one per parameter, and "proposed near the best trial" is only true of the trial when
    # it is true of each.
    chosen_all: set[str] = field(default_factory=set)
    candidate_sources: list[str] = field(default_factory=list)
    model_origin: str | None = None  # "startup" or "model", once the base sampler is asked
    prior_draws: bool = True  # whether the fallback may draw this trial from the priors
    # Chance that this trial, once past TPE's start-up, is drawn from the priors (0: never), and
    # whether it is: decided when the context is made, in effect only past the start-up.
    prior_trial_share: float = 0.0
    prior_trial: bool = False
    # Whether this trial runs the priors' centres: the first trial after a belief is stated.
    prior_mode: bool = False
    counterfactual: dict[str, Any] | None = None  # the model's own choice, without steering
    n_candidates: int = 0
    prior_bound: float | None = None  # cap on the prior term's spread, in units of TPE's own
    incumbent: tuple[Mapping[str, Any], float] | None = None  # (config, weight) while priors act
    # id(search space) -> (that space, its steered names): TPE asks for every estimator and
    # every acquisition of a trial, and comparing distributions each time cost ~0.2 ms a trial.
    # The space is kept with its answer so that its id cannot be reused while this lives.
    _steered: dict[int, tuple[Mapping[str, BaseDistribution], list[str]]] = field(
        default_factory=dict, repr=False)
    incumbent_confidence: str = "high"  # the width of the search around the incumbent
    incumbent_number: int | None = None  # the incumbent's trial number
    # In TPE's start-up: draw near this config (the best trial, from the belief) instead.
    startup_near: Mapping[str, Any] | None = None
    _restricted: frozenset[str] | None = field(default=None, repr=False)

    # -- constraints --------------------------------------------------------------------------
    def spec(self, name: str) -> ParamSpec | None:
        return self.space.params.get(name)

    def steered(self, search_space: Mapping[str, BaseDistribution]) -> list[str]:
        """The names in ``search_space`` that are ours: same name *and* same distribution as the
        base space (an objective may suggest other parameters; those pass through untouched)."""
        known = self._steered.get(id(search_space))
        if known is not None and known[0] is search_space:
            return known[1]
        dists = self.space.distributions
        names = [n for n, d in search_space.items() if n in dists and dists[n] == d]
        self._steered[id(search_space)] = (search_space, names)
        return names

    def restricts(self, names: list[str]) -> bool:
        """Whether the snapshot narrows any of ``names``: a pin, a range short of the base
        range, or a choice left out. Without one (and without beliefs), the hooks leave TPE's
        candidates and scores as they are, which is most trials of an unsteered run."""
        if self._restricted is None:
            out = set(self.state.pins)
            for name, spec in self.space.params.items():
                if spec.is_numeric:
                    assert spec.low is not None and spec.high is not None
                    lo, hi = self.state.ranges[name]
                    if lo > float(spec.low) + _TOL or hi < float(spec.high) - _TOL:
                        out.add(name)
                elif (spec.kind == "categorical"
                      and len(self.state.allowed[name]) != len(spec.choices or ())):
                    out.add(name)
            self._restricted = frozenset(out)
        return any(n in self._restricted for n in names)

    def steers(self, name: str, dist: BaseDistribution) -> ParamSpec | None:
        """The spec of ``name`` when it is ours (see :meth:`steered`), else None."""
        ours = self.space.distributions.get(name)
        return self.space.params[name] if ours is not None and ours == dist else None

    def feasible(self, name: str, internal: np.ndarray) -> np.ndarray:
        """Which internal values of ``name`` obey the snapshot's range, choices and pin."""
        x = np.asarray(internal, dtype=float)
        spec = self.spec(name)
        if spec is None:
            return np.ones(x.shape, dtype=bool)
        if name in self.state.pins:
            return np.isclose(x, self._internal(spec, self.state.pins[name]), rtol=0, atol=_TOL)
        if spec.is_numeric:
            lo, hi = self.state.ranges[name]
            return (x >= lo - _TOL) & (x <= hi + _TOL)
        if spec.kind == "categorical":
            if len(self.state.allowed[name]) == len(spec.choices or ()):
                # Every choice allowed, the usual case: np.isin cost ~0.1 ms a call.
                return np.ones(x.shape, dtype=bool)
            return np.isin(x.astype(int), self.allowed_indices(spec))
        return np.ones(x.shape, dtype=bool)

    def allowed_indices(self, spec: ParamSpec) -> list[int]:
        assert spec.choices is not None
        allowed = self.state.allowed[spec.name]
        return [i for i, c in enumerate(spec.choices) if c in allowed]

    def obeys(self, name: str, external: Any) -> bool:
        """:meth:`feasible` for one external value, in plain Python (called for every parameter
        of every trial: a one-element numpy round trip cost ~50 us each)."""
        spec = self.spec(name)
        return True if spec is None else obeys(self.state, spec, external)

    @staticmethod
    def _internal(spec: ParamSpec, value: Any) -> float:
        if spec.is_numeric:
            return float(value)
        assert spec.choices is not None
        return float(spec.choices.index(value))

    @staticmethod
    def external(spec: ParamSpec, internal: float) -> Any:
        if spec.is_numeric:
            return spec.snap(float(internal))
        assert spec.choices is not None
        return spec.choices[int(internal)]

    # -- draws --------------------------------------------------------------------------------
    def draw_uniform(self, spec: ParamSpec, n: int) -> np.ndarray:
        """Internal values drawn uniformly (on the log scale when log) from the current range."""
        if spec.name in self.state.pins:
            return np.full(n, self._internal(spec, self.state.pins[spec.name]))
        if spec.is_numeric:
            lo, hi = self.state.ranges[spec.name]
            ulo, uhi = spec.to_unit(lo), spec.to_unit(hi)
            return self._snap_all(spec, self.rng.uniform(ulo, uhi, size=n))
        idx = self.allowed_indices(spec) if spec.kind == "categorical" else [0]
        return np.asarray(self.rng.choice(idx, size=n), dtype=float)

    def draw_prior(self, spec: ParamSpec, prior: Prior, n: int) -> np.ndarray:
        """Internal values drawn from ``prior`` truncated to the current range or choices."""
        if spec.is_numeric:
            lo, hi = self.state.ranges[spec.name]
            u = prior.sample_unit(self.rng, n, spec.to_unit(lo), spec.to_unit(hi))
            return self._snap_all(spec, u)
        idx = self.allowed_indices(spec)
        return np.asarray([prior.sample_choice(self.rng, idx) for _ in range(n)], dtype=float)

    def prior_centre(self, spec: ParamSpec, prior: Prior) -> Any:
        """The value ``prior`` centres on, inside the current range or choices (the nearest
        bound when narrowed past it; a draw from the prior when its choice is not allowed)."""
        if spec.is_numeric:
            lo, hi = self.state.ranges[spec.name]
            return spec.snap(float(prior.value), lo, hi)
        if spec.kind == "categorical" and prior.value not in self.state.allowed[spec.name]:
            return self.external(spec, float(self.draw_prior(spec, prior, 1)[0]))
        return prior.value

    def draw_near(self, spec: ParamSpec, center: Any, n: int,
                  confidence: str = "medium") -> np.ndarray:
        """Draws around an accepted trial's value, as a prior of ``confidence`` would give."""
        prior = Prior.from_confidence(spec, center, confidence)
        return self.draw_prior(spec, prior, n)

    def _snap_all(self, spec: ParamSpec, u: np.ndarray) -> np.ndarray:
        """Unit-scale draws to values on the grid, inside the current range."""
        lo, hi = self.state.ranges[spec.name]
        if spec.grid is None:  # a continuum: the transform and the clip, vectorised
            assert spec.low is not None and spec.high is not None
            blo, bhi = float(spec.low), float(spec.high)
            u = np.asarray(u, dtype=float)
            if spec.log:
                x = np.exp(math.log(blo) + u * (math.log(bhi) - math.log(blo)))
            else:
                x = blo + u * (bhi - blo)
            return np.clip(x, max(float(lo), blo), min(float(hi), bhi))
        return np.asarray([float(spec.snap(float(spec.from_unit(float(v))), lo, hi))
                           for v in u])

    # -- the piBO term ------------------------------------------------------------------------
    def has_beliefs(self, names: list[str]) -> bool:
        return (any(n in self.weights for n in names) or bool(self.accepted)
                or self.incumbent is not None)

    def belief_terms(self, samples: Mapping[str, np.ndarray],
                     names: list[str]) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The terms added to TPE's acquisition per candidate, over steered ``names``, each
        weighted: ``"prior"`` (the person's priors, piBO's term), ``"accepted"`` (the accepted
        trials) and ``"incumbent"`` (the refinement around the best trial); and the priors' own
        unweighted log density. Kept apart so that "why this trial" credits each to what it is:
        the refinement is the sampler's, not the person's prior."""
        n = len(next(iter(samples.values())))
        terms = {key: np.zeros(n) for key in TERMS}
        raw = np.zeros(n)
        samples = {k: samples[k] for k in names}
        for name, x in samples.items():
            prior = self.state.priors.get(name)
            spec = self.spec(name)
            if prior is None or spec is None or name not in self.weights:
                continue
            lp = prior.log_pdf(spec, x)
            raw += lp
            terms["prior"] += self.weights[name] * lp
        for config, w in self.accepted if samples else ():
            terms["accepted"] += w * self._accepted_log_pdf(config, samples)
        if self.incumbent is not None and samples:
            config, w = self.incumbent
            terms["incumbent"] += w * self._accepted_log_pdf(config, samples,
                                                             self.incumbent_confidence)
        return terms, raw

    def _accepted_log_pdf(self, config: Mapping[str, Any], samples: Mapping[str, np.ndarray],
                          confidence: str = "medium") -> np.ndarray:
        n = len(next(iter(samples.values())))
        total = np.zeros(n)
        for name, x in samples.items():
            spec = self.spec(name)
            if spec is None or name not in config or spec.kind == "constant":
                continue
            total += Prior.from_confidence(spec, config[name], confidence).log_pdf(spec, x)
        return total

    def prior_probability(self, name: str) -> float:
        """Chance of drawing ``name`` from its prior when no model is choosing (piBO's fallback)."""
        w = self.weights.get(name)
        return 0.0 if w is None or not self.prior_draws else min(1.0, w)

    def chose(self, source: str) -> None:
        """Record where the winning candidate of one acquisition came from."""
        self.chosen_from = source
        self.chosen_all.add(source)

    def provenance(self) -> dict[str, Any]:
        """The trial's provenance as stored in its ``hcw:trial`` attribute: where its values came
        from (per parameter and as a whole), the steering version and, for a chosen trial, its
        score."""
        origins = dict(self.origins)
        if self.enqueued is not None:
            origin = "enqueued"
        else:
            free = [o for o in origins.values() if o != "pinned"]
            if not free:
                origin = "pinned" if origins else "startup"
            elif "prior" in free:
                origin = "prior"
            elif "model" in free:
                origin = "model"
            else:
                origin = "startup"
        out: dict[str, Any] = {"version": self.state.version, "origin": origin,
                               "origins": origins}
        if self.score is not None and origin in ("model", "prior"):
            score: dict[str, Any] = {**self.score,
                                     "prior_weight": max(self.weights.values(), default=0.0)}
            if self.counterfactual is not None:
                score["counterfactual"] = dict(self.counterfactual)
                score["n_candidates"] = self.n_candidates
            out["score"] = score
        if self.enqueued is not None:
            out["enqueued"] = self.enqueued[0]
        elif self.prior_mode and origin == "prior":
            out["prior_mode"] = True
        elif self.prior_trial and self.model_origin == "model" and origin == "prior":
            out["prior_trial_share"] = round(self.prior_trial_share, 4)
        elif (self.chosen_all == {"incumbent"} and origin == "model"
              and self.incumbent_number is not None):
            out["near_best"] = self.incumbent_number
        elif self.chosen_all == {"accepted"} and origin == "model":
            out["near_accepted"] = True
        return out


def obeys(state: SteeringState, spec: ParamSpec, external: Any) -> bool:
    """Whether an external value obeys the pin, range or allowed choices in force, within the
    sampler's float tolerance."""
    name = spec.name
    if name in state.pins:
        pin = state.pins[name]
        if spec.is_numeric:
            return abs(float(external) - float(pin)) <= _TOL
        return bool(external == pin)
    if spec.is_numeric:
        lo, hi = state.ranges[name]
        return lo - _TOL <= float(external) <= hi + _TOL
    if spec.kind == "categorical":
        return external in state.allowed[name]
    return True


def prior_weights(state: SteeringState, finished_versions: list[int], beta: float,
                  names: set[str] | None = None,
                  evidence: Mapping[str, Evidence] | None = None,
                  joint: float = 1.0) -> dict[str, float]:
    """beta / t for every prior, t = 1 + finished trials that started at or after it was set,
    times the prior's evidence factor when ``evidence`` is given and ``joint``, the factor all
    priors share (see :mod:`prior_health`)."""
    import bisect

    ordered = sorted(finished_versions)
    out: dict[str, float] = {}
    for name, prior in state.priors.items():
        if names is not None and name not in names:
            continue
        t = 1 + len(ordered) - bisect.bisect_left(ordered, prior.since)
        factor = evidence[name].factor if evidence is not None and name in evidence else 1.0
        out[name] = beta / t * factor * joint
    return out


def accepted_evidence(state: SteeringState, configs: Mapping[int, Mapping[str, Any]],
                      finished_versions: list[int], beta: float
                      ) -> list[tuple[Mapping[str, Any], float]]:
    import bisect

    ordered = sorted(finished_versions)
    out = []
    for number, since in state.accepted_since.items():
        cfg = configs.get(number)
        if cfg is None:
            continue
        t = 1 + len(ordered) - bisect.bisect_left(ordered, since)
        out.append((cfg, beta / t))
    return out
