"""Steering inside Optuna's TPE, through its two private seams.

* ``_parzen_estimator_cls``: the estimator's ``sample`` makes TPE's candidates. We keep the model's
  candidates that obey the constraints, repair the others (their offending coordinates redrawn
  inside the current range), and add candidates drawn from the priors and around accepted trials,
  so a belief stated mid-run has candidates to favour.
* ``_compute_acquisition_func``: scores candidates with log l(x) - log g(x). We add the piBO term
  sum_p (beta / t_p) log prior_p(x), the like terms of accepted trials and of the refinement
  around the incumbent, and mask anything infeasible with -inf; TPE's own argmax then picks the
  steered choice, and we record the parts of its score.

Both are installed on one sampler *instance* and read the trial being sampled from a thread-local,
so samplers in the same process that we do not wrap are untouched. Optuna is pinned to the
version these seams were tested against (see pyproject.toml and tests/core/test_tpe_hooks.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from optuna.samplers import TPESampler
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator

from hcautoml_widgets.core.trial_context import TERMS, TrialContext

_active = threading.local()


@contextmanager
def active(ctx: TrialContext) -> Iterator[None]:
    """Make ``ctx`` the trial that TPE samples for, on this thread."""
    previous = getattr(_active, "ctx", None)
    _active.ctx = ctx
    try:
        yield
    finally:
        _active.ctx = previous


def current() -> TrialContext | None:
    return getattr(_active, "ctx", None)


def _augment(ctx: TrialContext, samples: dict[str, np.ndarray],
             names: list[str]) -> dict[str, np.ndarray]:
    n = len(next(iter(samples.values())))
    feasible = np.ones(n, dtype=bool)
    for name in names:
        feasible &= ctx.feasible(name, samples[name])
    source = []
    parts: list[dict[str, np.ndarray]] = []
    kept = {k: v[feasible] for k, v in samples.items()}
    parts.append(kept)
    source += ["model"] * int(feasible.sum())

    # Repairs keep the model's view of the other coordinates and move only what breaks a rule.
    if not feasible.all():
        repaired = {k: v[~feasible].copy() for k, v in samples.items()}
        for name in names:
            spec = ctx.spec(name)
            if spec is None:
                continue
            bad = ~ctx.feasible(name, repaired[name])
            if bad.any():
                repaired[name][bad] = ctx.draw_uniform(spec, int(bad.sum()))
        parts.append(repaired)
        source += ["model"] * int((~feasible).sum())

    if ctx.has_beliefs(names):
        base_rows = np.arange(n) if n else np.zeros(0, dtype=int)
        # Candidates drawn from the priors only when one of these parameters has a prior in
        # force: otherwise the block held copies of the model's candidates (or uniform redraws)
        # labelled "prior", and a trial steered only by accepted trials, or a parameter without
        # a prior sampled on its own, was explained as "proposed by your prior".
        drawn = [name for name in names if name in ctx.state.priors and name in ctx.weights
                 and name not in ctx.state.pins and ctx.spec(name) is not None]
        if drawn:
            prior_rows = {k: v[base_rows].copy() for k, v in samples.items()}
            for name in names:
                spec = ctx.spec(name)
                if spec is None:
                    continue
                if name in drawn:
                    prior_rows[name] = ctx.draw_prior(spec, ctx.state.priors[name], n)
                elif not ctx.feasible(name, prior_rows[name]).all():
                    bad = ~ctx.feasible(name, prior_rows[name])
                    prior_rows[name][bad] = ctx.draw_uniform(spec, int(bad.sum()))
            parts.append(prior_rows)
            source += ["prior"] * n
        # Candidates around an accepted trial and around the incumbent are labelled apart from
        # the priors' draws, so that "why this trial" says which the winner came from and the
        # priors' health counts only draws from the priors as the belief's.
        around = [(config, "medium", "accepted") for config, _w in ctx.accepted]
        if ctx.incumbent is not None:
            around.append((ctx.incumbent[0], ctx.incumbent_confidence, "incumbent"))
        for config, confidence, label in around:
            near = {k: v[base_rows[: max(1, n // 4)]].copy() for k, v in samples.items()}
            m = len(next(iter(near.values())))
            for name in names:
                spec = ctx.spec(name)
                if spec is None or name not in config or name in ctx.state.pins:
                    continue
                if ctx.obeys(name, config[name]):
                    near[name] = ctx.draw_near(spec, config[name], m, confidence)
                elif not ctx.feasible(name, near[name]).all():
                    bad = ~ctx.feasible(name, near[name])
                    near[name][bad] = ctx.draw_uniform(spec, int(bad.sum()))
            parts.append(near)
            source += [label] * m

    out = {k: np.concatenate([p[k] for p in parts]) for k in samples}
    ctx.candidate_sources = source
    return out


def _estimator_class(base: type[_ParzenEstimator]) -> type[_ParzenEstimator]:
    class SteeredParzenEstimator(base):  # type: ignore[valid-type,misc]
        def sample(self, rng: np.random.RandomState, size: int) -> dict[str, np.ndarray]:
            samples = super().sample(rng, size)
            ctx = current()
            if ctx is None or not samples:
                return samples
            names = ctx.steered(self._search_space)
            if not names or not (ctx.restricts(names) or ctx.has_beliefs(names)):
                return samples
            return _augment(ctx, samples, names)

    SteeredParzenEstimator.__name__ = f"Steered{base.__name__}"
    return SteeredParzenEstimator


def _acquisition(samples: dict[str, np.ndarray], mpe_below: _ParzenEstimator,
                 mpe_above: _ParzenEstimator) -> np.ndarray:
    log_l = mpe_below.log_pdf(samples)
    log_g = mpe_above.log_pdf(samples)
    acq = log_l - log_g
    ctx = current()
    if ctx is None:
        return acq
    names = ctx.steered(mpe_below._search_space)
    if not names:
        return acq
    if not (ctx.restricts(names) or ctx.has_beliefs(names)):
        # Nothing to mask or weigh: TPE's own argmax stands; only the explanation is recorded.
        _record(ctx, acq, log_l, log_g, np.zeros(len(acq)))
        _record_counterfactual(ctx, samples, acq, mpe_below)
        ctx.chose("model")
        return acq
    terms, raw = ctx.belief_terms(samples, names)
    weighted = sum(terms.values(), np.zeros(len(acq)))
    feasible = np.ones(len(acq), dtype=bool)
    for name in names:
        feasible &= ctx.feasible(name, samples[name])
    if ctx.prior_bound is not None and feasible.any():
        # The prior may reorder the candidates at most as much as TPE's own evidence does.
        spread = float(np.ptp(acq[feasible]))
        pull = float(np.ptp(weighted[feasible]))
        if pull > ctx.prior_bound * spread and pull > 0:
            scale = ctx.prior_bound * spread / pull
            weighted = weighted * scale
            terms = {k: v * scale for k, v in terms.items()}
    total = acq + weighted
    if feasible.any():
        total = np.where(feasible, total, -np.inf)
    i = _record(ctx, total, log_l, log_g, raw, terms, feasible)
    _record_counterfactual(ctx, samples, acq, mpe_below)
    sources = ctx.candidate_sources
    ctx.chose(sources[i] if i < len(sources) else "model")
    return total


def _record(ctx: TrialContext, total: np.ndarray, log_l: np.ndarray, log_g: np.ndarray,
            raw: np.ndarray, terms: dict[str, np.ndarray] | None = None,
            feasible: np.ndarray | None = None) -> int:
    """Keep the parts of the winning candidate's score (the trial's explanation); its index.

    Besides each part's value, its *pull*: how far it lifts the winner above the average
    feasible candidate. The pulls add up to the winner's lead, so they say what set it apart,
    with their signs (a log density is negative almost everywhere: its level says nothing)."""
    i = int(np.argmax(total))
    ok = feasible if feasible is not None and feasible.any() else np.ones(len(total), bool)
    model = log_l - log_g
    part = {
        "log_l": float(log_l[i]),
        "log_g": float(log_g[i]),
        "log_prior": float(raw[i]),
        "acquisition": float(total[i]),
        "pull_model": float(model[i] - model[ok].mean()),
    }
    for key in TERMS:
        if terms is None:  # nothing steered this acquisition: no arrays to build
            part[f"{key}_term"] = part[f"pull_{key}"] = 0.0
            continue
        term = terms[key]
        part[f"{key}_term"] = float(term[i])
        part[f"pull_{key}"] = float(term[i] - term[ok].mean())
    if ctx.score is None:
        ctx.score = part
    else:  # independent sampling scores one parameter at a time; the parts add up in log space
        ctx.score = {k: ctx.score.get(k, 0.0) + v for k, v in part.items()}
    return i


def _record_counterfactual(ctx: TrialContext, samples: dict[str, np.ndarray], acq: np.ndarray,
                           mpe_below: _ParzenEstimator) -> None:
    """What TPE alone would have picked among the same candidates: no prior term, no masks."""
    j = int(np.argmax(acq))
    chosen = ctx.counterfactual if ctx.counterfactual is not None else {}
    dists = mpe_below._search_space
    for name, column in samples.items():
        value = dists[name].to_external_repr(column[j]) if name in dists else column[j]
        chosen[name] = value.item() if isinstance(value, np.generic) else value
    ctx.counterfactual = chosen
    ctx.n_candidates = max(ctx.n_candidates, len(acq))


def install(sampler: TPESampler) -> None:
    """Wire the steering seams into one TPESampler instance (idempotent)."""
    if getattr(sampler, "_hcw_steered", False):
        return
    sampler._parzen_estimator_cls = _estimator_class(sampler._parzen_estimator_cls)
    sampler._compute_acquisition_func = _acquisition  # type: ignore[method-assign]
    sampler._hcw_steered = True  # type: ignore[attr-defined]



