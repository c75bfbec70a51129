"""A prior's health: do the trials near a belief do better than the others?

The same figures serve two readers. The steered sampler scales each prior's weight by
:attr:`Evidence.factor`, so a belief fades by the evidence against it and not only by time (in
the manner of DynaBO, which rejects a prior whose region looks worse than the rest); and
:func:`prior_health` reports them to the person, with a plain sentence when the belief looks wrong.

"Near" is the prior's high-density region: within one standard deviation of its centre on the
unit (log-)scale for a numeric prior, the favoured choice for a categorical one. The comparison is
the probability that a trial inside beats one outside (the Mann-Whitney AUC), robust to outliers
and to the objective's scale.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hcautoml_widgets.core.priors import Prior

if TYPE_CHECKING:
    from hcautoml_widgets.core.events import SteeringState
    from hcautoml_widgets.core.space import ParamSpec, SearchSpace

# Width of the high-density region, in the prior's standard deviations.
REGION_SIGMAS = 1.0
# Trials needed on each side before the two are compared (inside: see benchmarks.ablations).
MIN_EACH_SIDE = 3
MIN_INSIDE = MIN_EACH_SIDE
# Pseudo-trials of AUC 1/2 the comparison starts from: the AUC is shrunk towards "no evidence"
# by as many imaginary inside trials that beat exactly half of the outside ones.
PSEUDO_TRIALS = 0.0
# Only the most recent trials are compared: the sampler computes this before every trial, so its
# cost must not grow with the run.
WINDOW = 500
# The origin :func:`drawn_and_others` is given for the trial that ran the priors' centres.
CENTRE = "prior-centre"
# AUC below this reads as "worse than elsewhere" in the sentence shown to people.
WRONG_AUC = 0.4


@dataclass(frozen=True)
class Evidence:
    """How the trials inside a prior's high-density region compare with those outside."""

    n_inside: int
    n_outside: int
    median_inside: float | None
    median_outside: float | None
    auc: float | None  # P(a trial inside beats a trial outside); None until both sides have data

    @property
    def factor(self) -> float:
        """Multiplier on the prior's weight: 1 while the region does at least as well as the rest,
        falling to 0 as it does consistently worse, (2 AUC)^2 in between."""
        if self.auc is None or self.auc >= 0.5:
            return 1.0
        return float((2.0 * self.auc) ** 2)

    @property
    def looks_wrong(self) -> bool:
        return self.auc is not None and self.auc < WRONG_AUC


def auc(lin: np.ndarray, lout: np.ndarray) -> float:
    """Mann-Whitney AUC: the probability that a loss of ``lin`` beats one of ``lout``, ties
    counting 1/2, shrunk towards 1/2 by :data:`PSEUDO_TRIALS`."""
    out_sorted = np.sort(lout)
    right = np.searchsorted(out_sorted, lin, side="right")
    ties = right - np.searchsorted(out_sorted, lin, side="left")
    wins = float(((len(lout) - right) + 0.5 * ties).sum()) / len(lout)
    return (wins + 0.5 * PSEUDO_TRIALS) / (len(lin) + PSEUDO_TRIALS)


def drawn_and_others(trials: Sequence[tuple[str, int, float]],
                     since: int) -> tuple[list[float], list[float]]:
    """Split ``(origin, version, loss)`` triples, oldest first, into the losses of the trials
    drawn from the priors in force (origin "prior", sampled at steering version ``since``, when
    the newest prior was stated, or later: earlier ones were drawn from other beliefs) and those
    of every trial not drawn from a prior; the last :data:`WINDOW` only. A trial that ran the
    priors' centres (origin :data:`CENTRE`) is on neither side: it is one point the person
    chose, not a draw from the belief, and its luck alone moved the comparison (a roughly right
    belief whose centre happens to be poor was judged worse than its draws are)."""
    drawn: list[float] = []
    others: list[float] = []
    for origin, version, loss in trials[-WINDOW:]:
        if origin == CENTRE:
            continue
        if origin != "prior":
            others.append(loss)
        elif version >= since:
            drawn.append(loss)
    return drawn, others


def belief_auc(drawn: Sequence[float], others: Sequence[float]) -> float | None:
    """The probability that a trial drawn from the priors beats any other trial (losses, lower
    is better); None while either side has fewer than :data:`MIN_EACH_SIDE` trials. Judged on
    whole trials drawn from the priors jointly, not prior by prior, because that is what a trial
    drawn from them is: one wrong belief among right ones shows here, and a belief that is right
    for one parameter only in the company of a value the person did not state does not."""
    if len(drawn) < MIN_EACH_SIDE or len(others) < MIN_EACH_SIDE:
        return None
    return auc(np.asarray(drawn, dtype=float), np.asarray(others, dtype=float))


def confirmation(belief: float | None) -> float:
    """How clearly the trials confirm the belief, 0 to 1: 2 AUC - 1 from :func:`belief_auc`,
    0 without evidence or when the drawn trials do no better than the rest."""
    return 0.0 if belief is None else max(0.0, 2.0 * belief - 1.0)


def contradiction(belief: float | None) -> float:
    """The multiplier on every prior's weight from :func:`belief_auc`: 1 unless the drawn trials
    do worse than the rest, falling as (2 AUC)^2 to 0, as :attr:`Evidence.factor` does."""
    return 1.0 if belief is None or belief >= 0.5 else float((2.0 * belief) ** 2)


def refinement_factor(belief: float | None, evidence: Mapping[str, Evidence] | None) -> float:
    """The multiplier on the steered sampler's refinement around the incumbent: below 1 only
    when the trials contradict the belief both as a whole (:func:`contradiction`) and in some
    part (the weakest prior's :attr:`Evidence.factor`), the milder of the two. Each signal alone
    misfires: the draws from a wide, right prior lose to the model's own refinement around the
    optimum, so the belief as a whole looks worse than the rest although it is right; and a
    roughly right prior's region can miss the optimum by about its own width, so that part looks
    worse than elsewhere although following it pays."""
    parts = min((e.factor for e in (evidence or {}).values()), default=1.0)
    return max(contradiction(belief), parts)


def flatness(near: Sequence[tuple[float, float]]) -> float:
    """The share of ``(loss, best loss before it)`` pairs, the last few trials proposed near the
    best trial, that tied the best exactly: how flat the incumbent's neighbourhood is. The
    refinement's weight is scaled by one minus this. On a plateau (a cross-validated error counts
    mistakes, so neighbours often score the same) searching near the best learns nothing and held
    the SVC study's runs on the incumbent's ties; a continuous objective never ties, so there it
    changes nothing."""
    if not near:
        return 0.0
    tied = sum(abs(loss - best) <= 1e-12 * max(1.0, abs(best)) for loss, best in near)
    return tied / len(near)


def inside(prior: Prior, spec: ParamSpec, internal: np.ndarray) -> np.ndarray:
    """Which Optuna internal values (raw numbers, or choice indices) lie in the prior's
    high-density region."""
    x = np.asarray(internal, dtype=float)
    if prior.kind == "categorical":
        assert prior.weights is not None
        return x.astype(int) == int(np.argmax(prior.weights))
    u = Prior._to_unit(spec, x)
    if prior.kind == "normal":
        assert prior.mu is not None and prior.sigma is not None
        centre, sd = prior.mu, prior.sigma
    else:
        assert prior.alpha is not None and prior.beta_ is not None
        a, b = prior.alpha, prior.beta_
        centre = a / (a + b)
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
    return np.abs(u - centre) <= REGION_SIGMAS * sd + 1e-12


def evidence(prior: Prior, spec: ParamSpec, internal: np.ndarray,
             losses: np.ndarray) -> Evidence:
    """Compare ``losses`` (lower is better) inside the prior's region with those outside."""
    losses = np.asarray(losses, dtype=float)
    mask = inside(prior, spec, internal)
    lin, lout = losses[mask], losses[~mask]
    med_in = float(np.median(lin)) if len(lin) else None
    med_out = float(np.median(lout)) if len(lout) else None
    found = None
    if len(lin) >= MIN_INSIDE and len(lout) >= MIN_EACH_SIDE:
        found = auc(lin, lout)
    return Evidence(len(lin), len(lout), med_in, med_out, found)


def internal_value(spec: ParamSpec, value: Any) -> float | None:
    """A trial's external value as the internal number priors are evaluated on (None if the
    value is not one of the parameter's)."""
    if spec.is_numeric:
        return float(value)
    if spec.choices is not None and value in spec.choices:
        return float(spec.choices.index(value))
    return None


def evidence_for(state: SteeringState, space: SearchSpace,
                 trials: Sequence[tuple[Mapping[str, Any], float]]) -> dict[str, Evidence]:
    """Evidence per prior from ``(params, loss)`` pairs (lower loss is better), the last
    :data:`WINDOW` of them."""
    trials = trials[-WINDOW:]
    out: dict[str, Evidence] = {}
    for name, prior in state.priors.items():
        spec = space.params.get(name)
        if spec is None or not (spec.is_numeric or spec.kind == "categorical"):
            continue
        if spec.is_numeric:
            # A trial of another objective may use the name for something else: numbers only.
            pairs = [(float(p[name]), loss) for p, loss in trials
                     if isinstance(p.get(name), (int, float)) and not isinstance(p[name], bool)]
        else:
            index = {c: float(i) for i, c in enumerate(spec.choices or ())}
            pairs = [(index[p[name]], loss) for p, loss in trials
                     if isinstance(p.get(name), Hashable) and p.get(name) in index]
        data = np.asarray(pairs, dtype=float).reshape(-1, 2)
        out[name] = evidence(prior, spec, data[:, 0], data[:, 1])
    return out


def _sentence(name: str, ev: Evidence, weight: float, source: str,
              belief: float | None, n_drawn: int, n_others: int) -> str | None:
    fading = "its weight is fading" if weight > 1e-3 else "it no longer steers the search"
    what = "your prior" if source != "accepted" else "the prior"
    if ev.looks_wrong:
        return (f"trials near {what} on {name} are worse than elsewhere "
                f"({ev.n_inside} inside, {ev.n_outside} outside); {fading}")
    if belief is not None and belief < WRONG_AUC:
        # The others include the model's own choices, which beat any fixed belief once it has
        # learnt enough: say that the model leads, not that the belief is wrong. Unless trials
        # near this prior do worse than elsewhere, the model has learnt what it said, and
        # "worse than the rest" beside "near it do better" would read as a contradiction.
        if ev.auc is None or ev.auc >= 0.5:
            return (f"the model has caught up with your priors: its choices now beat fresh "
                    f"draws from them ({n_drawn} drawn, {n_others} others), so {fading} and "
                    f"the model leads")
        return (f"trials drawn from your priors now do worse than the rest, the model's own "
                f"choices included ({n_drawn} drawn, {n_others} others); {fading} and the "
                f"model leads")
    return None


def prior_health(records: Iterable[Mapping[str, Any]], steering_state: SteeringState,
                 space: SearchSpace, direction: str = "minimize",
                 beta: float | None = None, evidence_fading: bool = True,
                 joint_fading: bool = True) -> dict[str, dict[str, Any]]:
    """For every active prior, how the trials near it compare with the rest.

    Args:
        records: trial rows as ``run.records()`` gives them (``state``, ``value``, ``params``,
            ``version``, ``review``); only complete, non-rejected trials count.
        steering_state: the steering state whose priors are examined (``run.steering.state``).
        space: the run's search space (``run.space``).
        direction: "minimize" or "maximize".
        beta: piBO's beta the sampler uses (its default if None), for the current weight.
        evidence_fading, joint_fading: the sampler's settings of the same names, so that
            ``weight`` is the one it uses (the figures are reported either way).

    Returns:
        ``{name: {"value", "confidence", "n_inside", "n_outside", "median_inside",
        "median_outside", "auc", "looks_wrong", "belief_auc", "weight", "message"}}``:
        ``belief_auc`` is :func:`belief_auc` of the trials drawn from all the priors together
        (the same for every prior), ``weight`` the exponent the sampler gives the prior now
        (beta / t times the evidence factor and :func:`contradiction`), ``message`` a plain
        sentence when the trials near the prior, or those drawn from the priors together, do
        worse than the rest, else None.
    """
    from hcautoml_widgets.core.trial_context import DEFAULT_PRIOR_BETA, prior_weights

    if direction not in ("minimize", "maximize"):
        raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
    sign = 1.0 if direction == "minimize" else -1.0
    rows = sorted((r for r in records if r.get("state") == "complete"
                   and r.get("value") is not None and r.get("review") != "rejected"
                   and not steering_state.is_rejected(int(r["number"]))),
                  key=lambda r: r["number"])
    trials = [(r["params"], sign * float(r["value"])) for r in rows]
    found = evidence_for(steering_state, space, trials)
    versions = [int(r.get("version", 0)) for r in rows]
    belief: float | None = None
    drawn: list[float] = []
    others: list[float] = []
    if steering_state.priors:
        since = max(p.since for p in steering_state.priors.values())
        triples = [(CENTRE if r.get("prior_mode") else str(r.get("origin") or "startup"), v, loss)
                   for r, v, (_, loss) in zip(rows, versions, trials, strict=True)]
        drawn, others = drawn_and_others(triples, since)
        belief = belief_auc(drawn, others)
    weights = prior_weights(steering_state, versions,
                            DEFAULT_PRIOR_BETA if beta is None else beta,
                            evidence=found if evidence_fading else None,
                            joint=contradiction(belief) if evidence_fading and joint_fading
                            else 1.0)
    out: dict[str, dict[str, Any]] = {}
    for name, prior in steering_state.priors.items():
        ev = found.get(name)
        if ev is None:
            continue
        w = weights.get(name, 0.0)
        out[name] = {
            "value": prior.value,
            "confidence": prior.confidence,
            "n_inside": ev.n_inside,
            "n_outside": ev.n_outside,
            "median_inside": None if ev.median_inside is None else sign * ev.median_inside,
            "median_outside": None if ev.median_outside is None else sign * ev.median_outside,
            "auc": ev.auc,
            "looks_wrong": ev.looks_wrong,
            "belief_auc": belief,
            "weight": w,
            "message": _sentence(name, ev, w, prior.source, belief, len(drawn), len(others)),
        }
    return out
