"""Priors: a person's belief about where good values lie, as a density over one parameter.

Numeric priors live on the *unit* scale of the base range (log-transformed when the parameter is
log-scaled), so "confidence" means the same width for every parameter: a fraction of its range.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import special, stats

if TYPE_CHECKING:
    from hcautoml_widgets.core.space import ParamSpec

CONFIDENCES = ("low", "medium", "high")
# Standard deviation of a numeric prior, as a fraction of the (log-)range.
UNIT_SIGMA = {"low": 0.25, "medium": 0.1, "high": 0.04}
# How many times more likely the favoured choice of a categorical prior is than each other one.
CATEGORICAL_ODDS = {"low": 2.0, "medium": 4.0, "high": 12.0}
# A numeric prior is mixed with this much of a uniform density, so its log never falls below
# log(FLOOR): a wrong belief costs a bounded penalty that the fading exponent soon outweighs,
# instead of vetoing the region where the optimum really is.
FLOOR = 0.1


@dataclass(frozen=True)
class Prior:
    """A prior over one parameter.

    ``kind`` is "normal" (``mu``/``sigma`` on the unit scale), "beta" (``alpha``/``beta_`` on the
    unit scale) or "categorical" (``weights`` aligned with the choices). ``value`` is the value the
    belief centres on, as shown to people; ``since`` is the steering version that set it, from which
    the prior's fading is counted.
    """

    kind: str
    value: Any
    confidence: str | None = None
    mu: float | None = None
    sigma: float | None = None
    alpha: float | None = None
    beta_: float | None = None
    weights: tuple[float, ...] | None = None
    source: str = "code"
    since: int = 0
    space_sigma: float | None = None  # ConfigSpace's own sigma, kept so the space round-trips

    # -- construction -------------------------------------------------------------------------
    @classmethod
    def from_confidence(
        cls, spec: ParamSpec, value: Any, confidence: str, source: str = "code", since: int = 0
    ) -> Prior:
        if confidence not in CONFIDENCES:
            raise ValueError(
                f"parameter '{spec.name}': confidence must be one of {list(CONFIDENCES)}, "
                f"got {confidence!r}"
            )
        if spec.is_numeric:
            return cls("normal", value, confidence, mu=spec.to_unit(value),
                       sigma=UNIT_SIGMA[confidence], source=source, since=since)
        assert spec.choices is not None
        odds = CATEGORICAL_ODDS[confidence]
        raw = [odds if c == value else 1.0 for c in spec.choices]
        total = sum(raw)
        return cls("categorical", value, confidence, weights=tuple(w / total for w in raw),
                   source=source, since=since)

    @classmethod
    def normal_from_space(cls, spec: ParamSpec, mu: float, sigma: float) -> Prior:
        """ConfigSpace's Normal(mu, sigma), read as ConfigSpace 1.2 reads it: mu in value units;
        sigma in value units, which on a log scale ConfigSpace turns into the unit width
        |log(lower + sigma)| / log-range (an odd rule, but SMAC samples with it)."""
        assert spec.low is not None and spec.high is not None
        lo, hi = float(spec.low), float(spec.high)
        if spec.log:
            unit = abs(math.log(lo + sigma)) / (math.log(hi) - math.log(lo))
        else:
            unit = sigma / (hi - lo)
        return cls("normal", spec.snap(mu), None, mu=spec.to_unit(min(max(mu, lo), hi)),
                   sigma=unit, source="space", space_sigma=sigma)

    @classmethod
    def beta(cls, spec: ParamSpec, alpha: float, beta: float) -> Prior:
        if alpha > 1 and beta > 1:
            mode = (alpha - 1) / (alpha + beta - 2)
        else:
            mode = alpha / (alpha + beta)
        return cls("beta", spec.from_unit(mode), None, alpha=alpha, beta_=beta, source="space")

    @classmethod
    def categorical_weights(cls, choices: tuple[Any, ...], weights: list[float]) -> Prior:
        total = float(sum(weights))
        best = choices[int(np.argmax(weights))]
        return cls("categorical", best, None, weights=tuple(w / total for w in weights),
                   source="space")

    # -- densities ----------------------------------------------------------------------------
    def log_pdf(self, spec: ParamSpec, internal: np.ndarray) -> np.ndarray:
        """Log density at Optuna internal values (raw numbers, or choice indices)."""
        x = np.asarray(internal, dtype=float)
        if self.kind == "categorical":
            assert self.weights is not None
            w = np.asarray(self.weights)
            idx = np.clip(x.astype(int), 0, len(w) - 1)
            return np.log(np.maximum(w[idx], 1e-300))
        u = self._to_unit(spec, x)
        if self.kind == "normal":
            assert self.mu is not None and self.sigma is not None
            density = np.exp(-0.5 * ((u - self.mu) / self.sigma) ** 2) / (
                self.sigma * math.sqrt(2 * math.pi))
        else:
            assert self.alpha is not None and self.beta_ is not None
            uc = np.clip(u, 1e-9, 1 - 1e-9)
            density = np.asarray(stats.beta.pdf(uc, self.alpha, self.beta_))
        return np.log((1 - FLOOR) * density + FLOOR)

    def sample_unit(self, rng: np.random.RandomState, n: int, lo: float, hi: float) -> np.ndarray:
        """Draw unit-scale values from the prior truncated to [lo, hi]."""
        if hi <= lo:
            return np.full(n, lo)
        if self.kind == "normal":
            assert self.mu is not None and self.sigma is not None
            a, b = (lo - self.mu) / self.sigma, (hi - self.mu) / self.sigma
            if not np.isfinite(a) or not np.isfinite(b) or a >= 8 or b <= -8:
                # The range lies far in the prior's tail: its mass there is ~0, so the truncated
                # density is numerically unstable; the nearest edge is what it would favour.
                return np.full(n, lo if a >= 8 else hi)
            # Inverse-CDF sampling with scipy's ufuncs: the same law as stats.truncnorm, at a
            # hundredth of its cost (this runs for every candidate of every trial).
            pa, pb = special.ndtr(a), special.ndtr(b)
            q = np.clip(pa + rng.uniform(size=n) * (pb - pa), 1e-300, 1 - 1e-16)
            return np.clip(self.mu + self.sigma * special.ndtri(q), lo, hi)
        assert self.alpha is not None and self.beta_ is not None
        dist = stats.beta(self.alpha, self.beta_)
        clo, chi = dist.cdf(lo), dist.cdf(hi)
        if chi - clo < 1e-12:
            return rng.uniform(lo, hi, size=n)
        return np.asarray(dist.ppf(rng.uniform(clo, chi, size=n)))

    def sample_choice(self, rng: np.random.RandomState, allowed_idx: list[int]) -> int:
        assert self.weights is not None
        w = np.asarray([self.weights[i] for i in allowed_idx], dtype=float)
        w = w / w.sum() if w.sum() > 0 else np.full(len(w), 1.0 / len(w))
        return int(allowed_idx[int(rng.choice(len(allowed_idx), p=w))])

    def space_mu_sigma(self, spec: ParamSpec) -> tuple[float, float]:
        """(mu, sigma) in value units, as ConfigSpace's Normal wants them (the inverse of
        :meth:`normal_from_space`; on a log scale, the branch with lower + sigma >= 1)."""
        assert self.mu is not None and self.sigma is not None
        assert spec.low is not None and spec.high is not None
        lo, hi = float(spec.low), float(spec.high)
        mu = float(spec.from_unit(self.mu))
        if self.space_sigma is not None:
            return mu, self.space_sigma
        if spec.log:
            return mu, math.exp(self.sigma * (math.log(hi) - math.log(lo))) - lo
        return mu, self.sigma * (hi - lo)

    def to_dict(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.__dict__.items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Prior:
        d = dict(d)
        if d.get("weights") is not None:
            d["weights"] = tuple(d["weights"])
        return cls(**d)

    @staticmethod
    def _to_unit(spec: ParamSpec, x: np.ndarray) -> np.ndarray:
        assert spec.low is not None and spec.high is not None
        lo, hi = float(spec.low), float(spec.high)
        if spec.log:
            lo, hi, x = math.log(lo), math.log(hi), np.log(np.maximum(x, 1e-300))
        return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)
