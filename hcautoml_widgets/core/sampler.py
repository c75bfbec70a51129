"""SteeredSampler: any Optuna sampler, obeying the steering log between trials.

Trials always use the base space's distributions, so the study's history stays consistent and
multivariate TPE keeps every parameter; the constraints are enforced here instead:

* enqueued configurations run next, in order; pins are returned as they are;
* with TPE, candidates are steered inside TPE (see :mod:`tpe_hooks`): infeasible ones are
  repaired or masked, and priors weight the acquisition piBO-style, prior^(beta/t);
* with any other base sampler (random, QMC, CMA-ES, ...), and in TPE's random start-up phase, a
  parameter with a prior is drawn from that prior with probability min(1, beta/t) (piBO's
  fallback for a sampler without an acquisition function), and a proposal that breaks a
  constraint is redrawn uniformly inside the current range or allowed choices;
* rejected trials are hidden from the base sampler (it sees a view of the study without them)
  until they are unreviewed;
* accepted trials are positive evidence: each acts as a medium-confidence prior centred on its
  configuration, fading like a prior from the moment it was accepted, and contributes candidates
  around itself to TPE.

Each trial records its provenance in system attributes (``hcw:*``), see :func:`provenance`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution
from optuna.samplers import BaseSampler, QMCSampler, RandomSampler, TPESampler
from optuna.study import Study, StudyDirection
from optuna.trial import FrozenTrial, TrialState

from hcautoml_widgets.core import tpe_hooks
from hcautoml_widgets.core.attrs import (
    ATTR_ENQUEUED,
    ATTR_TRIAL,
    origin_from,
    ran_centre_from,
    version_from,
)
from hcautoml_widgets.core.centres import CentreClaims
from hcautoml_widgets.core.prior_health import (
    CENTRE,
    WINDOW,
    Evidence,
    belief_auc,
    confirmation,
    contradiction,
    drawn_and_others,
    evidence_for,
    flatness,
    refinement_factor,
)
from hcautoml_widgets.core.space import ParamSpec, SearchSpace
from hcautoml_widgets.core.steering import Steering
from hcautoml_widgets.core.study_view import ReviewedStudy, past_startup
from hcautoml_widgets.core.trial_context import (
    DEFAULT_INCUMBENT_BETA,
    DEFAULT_PRIOR_BETA,
    DEFAULT_PRIOR_TRIALS,
    DEFAULT_STARTUP_PRIOR_SHARE,
    TrialContext,
    accepted_evidence,
    prior_weights,
)


class SteeredSampler(BaseSampler):
    """Wrap ``base_sampler`` (TPE by default) so that every trial obeys ``steering``.

    Args:
        steering: the steering log; a space (ConfigurationSpace, dict of distributions or
            SearchSpace) is accepted too and gets a fresh log.
        base_sampler: the sampler that proposes values; ``TPESampler(multivariate=True)`` if None.
        seed: seeds the default base sampler and the sampler's own draws.
        prior_beta: piBO's beta; a prior's exponent is ``prior_beta / t``.
        incumbent_beta: while a prior is active, the best trial so far acts as an accepted trial
            of weight ``incumbent_beta / t`` (t counted from when it became best), so that once a
            prior has found a good region the search refines around it; 0 turns this off.
        evidence_fading: scale each prior's weight by the evidence for it (trials near it against
            the rest, see :mod:`prior_health`), so a belief the trials contradict fades fast.
        startup_prior_share: the largest share of TPE's start-up trials drawn from the priors;
            the rest are drawn uniformly, so a wrong belief is seen to be wrong early.
        prior_trials: past the start-up, a trial is drawn wholly from the priors (every
            parameter with a prior; the others still come from TPE) with probability
            ``prior_trials`` times how clearly the trials confirm the priors
            (:func:`prior_health.confirmation`, 0 to 1). A belief the trials bear out keeps
            being sampled, as sampling it alone would, while TPE refines on the other trials;
            one they do not bear out gets no such trials. Needs ``evidence_fading``.
        joint_fading: fade every prior, as :attr:`Evidence.factor` fades one, when the trials
            drawn from the priors jointly do worse than the others
            (:func:`prior_health.contradiction`): a belief can be wrong as a whole while each of
            its parts, judged alone, looks fine (C and gamma near values that suit another
            kernel than the one believed in). Needs ``evidence_fading``.
        prior_mode_first: the first trial after a belief is stated (the priors in force, counted
            from the newest) runs every prior's centre, the values believed best, as NePS's
            ``sample_prior_first`` does; the other parameters are sampled as usual. A right
            guess is then known at once, and a wrong one is on record as a bad trial drawn from
            the priors, which is what fades them.
        incumbent_fading: the refinement around the incumbent fades when the trials contradict
            the belief both as a whole and in some part (:func:`prior_health.refinement_factor`).
            The refinement is on while any prior is stated; without this it kept pulling the
            search towards the best trial of the basin a wrong belief led to (the SVC study's
            poly plateau) after the belief itself had faded. Needs ``evidence_fading``.
        plateau_fading: the refinement around the incumbent fades by the share of its last
            :data:`PLATEAU_WINDOW` trials that tied the best loss exactly
            (:func:`prior_health.flatness`): searching near the best on a plateau learns
            nothing, and its weight held runs on the incumbent's ties.
    """

    def __init__(self, steering: Steering | Any = None, base_sampler: BaseSampler | None = None,
                 *, seed: int | None = None, prior_beta: float = DEFAULT_PRIOR_BETA,
                 incumbent_beta: float = DEFAULT_INCUMBENT_BETA, evidence_fading: bool = True,
                 startup_prior_share: float = DEFAULT_STARTUP_PRIOR_SHARE,
                 prior_trials: float = DEFAULT_PRIOR_TRIALS, joint_fading: bool = True,
                 prior_mode_first: bool = True, incumbent_fading: bool = True,
                 plateau_fading: bool = True) -> None:
        if steering is None:
            steering = Steering(SearchSpace([]))
        elif not isinstance(steering, Steering):
            steering = Steering(SearchSpace.from_any(steering))
        self.steering: Steering = steering
        self.base_sampler = base_sampler or TPESampler(seed=seed, multivariate=True)
        self.prior_beta = float(prior_beta)
        self.incumbent_beta = float(incumbent_beta)
        self.evidence_fading = bool(evidence_fading)
        self.startup_prior_share = float(startup_prior_share)
        if not 0.0 <= prior_trials <= 1.0:
            raise ValueError(f"prior_trials must be between 0 and 1, got {prior_trials!r}")
        self.prior_trials = float(prior_trials)
        self.joint_fading = bool(joint_fading)
        self.prior_mode_first = bool(prior_mode_first)
        self.incumbent_fading = bool(incumbent_fading)
        self.plateau_fading = bool(plateau_fading)
        self.incumbent_confidence = "high"
        # Refine around the incumbent even when no prior is stated (ablation knob).
        self.refine_always = False
        # Ablation knob: the start-up's share of prior draws grows towards 1 as the drawn trials
        # beat the uniform ones.
        self.adaptive_startup = False
        # Ablation knob: the chance that a start-up trial drawn from the priors is drawn instead
        # near the best trial so far, when that trial came from the belief (its centre or a draw).
        self.startup_refine = 0.0
        # Ablation knob (None: off): bound the prior term's spread over the candidates by this
        # multiple of the spread of TPE's own score.
        self.prior_bound: float | None = None
        self._rng = np.random.RandomState(seed)
        self._contexts: dict[int, TrialContext] = {}
        self._provenance: dict[int, dict[str, Any]] = {}  # trial id -> provenance, once known
        self._lock = threading.Lock()
        # The study known to be past TPE's start-up: (its storage, weakly; its id).
        self._past_startup: tuple[weakref.ref[Any], int] | None = None
        self._centres = CentreClaims()
        if isinstance(self.base_sampler, TPESampler):
            tpe_hooks.install(self.base_sampler)

    @property
    def space(self) -> SearchSpace:
        return self.steering.space

    def reseed_rng(self) -> None:
        self.base_sampler.reseed_rng()
        self._rng.seed()

    # -- the trial's context ------------------------------------------------------------------
    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        ctx = self._context(study, trial)
        storage = study._storage
        # The version now, so a trial that is still running (or dies) says what it ran under;
        # after_trial replaces it with the whole provenance.
        if ctx.enqueued is not None:
            storage.set_trial_system_attr(trial._trial_id, ATTR_ENQUEUED, ctx.enqueued[0])
        # The marker of a trial running the priors' centres is stored at once, so that another
        # worker sharing the study does not run them again.
        early: dict[str, Any] = {"version": ctx.state.version}
        if ctx.prior_mode:
            early["prior_mode"] = True
        storage.set_trial_system_attr(trial._trial_id, ATTR_TRIAL, early)
        self.base_sampler.before_trial(study, trial)

    def _context(self, study: Study, trial: FrozenTrial) -> TrialContext:
        with self._lock:
            ctx = self._contexts.get(trial._trial_id)
        if ctx is not None:
            return ctx
        state = self.steering.state
        versions: list[int] = []
        accepted: list[tuple[Mapping[str, Any], float]] = []
        evidence: dict[str, Evidence] | None = None
        incumbent: tuple[Mapping[str, Any], float] | None = None
        finished: list[FrozenTrial] = []
        ctx_share = 0.0
        belief: float | None = None
        near: Mapping[str, Any] | None = None
        incumbent_number: int | None = None
        refine = self.incumbent_beta > 0 and (bool(state.priors) or self.refine_always)
        # Trials drawn from the priors count as evidence for the belief only from the newest
        # prior's version on: earlier draws were drawn from another belief.
        since = max((p.since for p in state.priors.values()), default=0)
        if state.priors or state.accepted_since or refine:
            # Only beliefs need the history (to count t since each was stated): skip the scan
            # otherwise, it is the one per-trial cost that grows with the run.
            finished = [t for t in study._get_trials(deepcopy=False, states=(TrialState.COMPLETE,),
                                                     use_cache=True)
                        if not state.is_rejected(t.number)]
            versions = [version_from(t.system_attrs) for t in finished]
        if state.accepted_since:
            configs = {t.number: t.params for t in finished if t.number in state.accepted_since}
            accepted = accepted_evidence(state, configs, versions, self.prior_beta)
        if (state.priors or refine) and finished and len(study.directions) == 1:
            sign = 1.0 if study.direction == StudyDirection.MINIMIZE else -1.0
            losses = [sign * float(t.values[0]) for t in finished]
            if self.evidence_fading and state.priors:
                pairs = [(t.params, v) for t, v in zip(finished, losses, strict=True)]
                evidence = evidence_for(state, self.space, pairs)
                belief = self._belief(finished, losses, since)
                if self.prior_trials > 0 and isinstance(self.base_sampler, TPESampler):
                    ctx_share = self.prior_trials * confirmation(belief)
            best = int(np.argmin(losses))
            if self.startup_refine > 0 and state.priors:
                top = finished[best]
                if version_from(top.system_attrs) >= since and (
                        ran_centre_from(top.system_attrs)
                        or origin_from(top.system_attrs) == "prior"):
                    near = top.params
            if refine:
                # t counts the trials finished since the incumbent was found (or since TPE's
                # start-up ended): refinement is strongest right after an improvement and fades
                # while the incumbent stays unbeaten.
                start = max(best + 1, getattr(self.base_sampler, "_n_startup_trials", 0))
                weight = self.incumbent_beta / (1 + max(0, len(finished) - start))
                if self.incumbent_fading:
                    weight *= refinement_factor(belief, evidence)
                if self.plateau_fading:
                    weight *= 1.0 - flatness(_near_best(finished, losses, best))
                incumbent = (finished[best].params, weight)
                incumbent_number = finished[best].number
        ctx = TrialContext(
            space=self.space,
            state=state,
            weights=prior_weights(state, versions, self.prior_beta, evidence=evidence,
                                  joint=contradiction(belief) if self.joint_fading else 1.0),
            accepted=accepted,
            rng=self._rng,
            enqueued=self.steering.take_next(trial.number),
            prior_bound=self.prior_bound,
            incumbent=incumbent,
            incumbent_confidence=self.incumbent_confidence,
            incumbent_number=incumbent_number,
        )
        if state.priors and self.startup_prior_share < 1 and isinstance(self.base_sampler,
                                                                          TPESampler):
            # Decided per trial, so a start-up trial is either the prior's or a uniform one:
            # the uniform ones are what a wrong prior's region is compared against.
            share = self.startup_prior_share
            if self.adaptive_startup:
                share += (1.0 - share) * confirmation(belief)
            ctx.prior_draws = bool(self._rng.uniform() < share)
        if (near is not None and ctx.prior_draws and isinstance(self.base_sampler, TPESampler)
                and self._rng.uniform() < self.startup_refine):
            ctx.startup_near = near
        if ctx_share > 0:  # no draw otherwise: the random stream stays as it was
            ctx.prior_trial_share = ctx_share
            ctx.prior_trial = bool(self._rng.uniform() < ctx_share)
        if state.priors and self.prior_mode_first and ctx.enqueued is None:
            ctx.prior_mode = self._centres.claim(
                study, since, {name: p.value for name, p in state.priors.items()})
        with self._lock:
            self._contexts[trial._trial_id] = ctx
        return ctx

    @staticmethod
    def _belief(finished: list[FrozenTrial], losses: list[float], since: int) -> float | None:
        """How the trials drawn from the priors in force (stated at steering version ``since``
        and before) compare with the others, see :func:`prior_health.belief_auc`."""
        tail = list(zip(finished, losses, strict=True))[-WINDOW:]
        triples = [(CENTRE if ran_centre_from(t.system_attrs) else origin_from(t.system_attrs),
                    version_from(t.system_attrs), loss) for t, loss in tail]
        return belief_auc(*drawn_and_others(triples, since))

    def _view(self, study: Study, ctx: TrialContext) -> Study:
        hidden = frozenset(n for n, r in ctx.state.reviews.items() if r == "rejected")
        if not hidden:
            return study
        return ReviewedStudy(study, hidden)  # type: ignore[return-value]

    # -- sampling -----------------------------------------------------------------------------
    def infer_relative_search_space(self, study: Study,
                                    trial: FrozenTrial) -> dict[str, BaseDistribution]:
        ctx = self._context(study, trial)
        if ctx.enqueued is not None:
            return {}
        view = self._view(study, ctx)
        space = self.base_sampler.infer_relative_search_space(view, trial)
        # A trial drawn from the priors leaves TPE only the parameters without one.
        drawn = ctx.state.priors if ctx.prior_mode or self._prior_trial(view, ctx) else {}
        return {k: v for k, v in space.items() if k not in ctx.state.pins and k not in drawn}

    def sample_relative(self, study: Study, trial: FrozenTrial,
                        search_space: dict[str, BaseDistribution]) -> dict[str, Any]:
        if not search_space:
            return {}
        ctx = self._context(study, trial)
        view = self._view(study, ctx)
        with tpe_hooks.active(ctx):
            params = self.base_sampler.sample_relative(view, trial, search_space)
        if not params:
            return {}
        origin = self._model_origin(view, ctx)
        ours = set(ctx.steered(search_space))
        out: dict[str, Any] = {}
        for name, value in params.items():
            spec = ctx.space.params[name] if name in ours else None
            if spec is None:  # not a parameter of ours: passed through untouched
                out[name] = value
                continue
            out[name], how = self._steer(ctx, spec, value, origin)
            ctx.origins[name] = how
        return out

    def sample_independent(self, study: Study, trial: FrozenTrial, param_name: str,
                           param_distribution: BaseDistribution) -> Any:
        ctx = self._context(study, trial)
        spec = ctx.steers(param_name, param_distribution)
        if ctx.enqueued is not None and param_name in ctx.enqueued[1]:
            ctx.origins[param_name] = "enqueued"
            return ctx.enqueued[1][param_name]
        if spec is not None and param_name in ctx.state.pins:
            ctx.origins[param_name] = "pinned"
            return ctx.state.pins[param_name]
        if spec is not None and ctx.prior_mode and param_name in ctx.state.priors:
            ctx.origins[param_name] = "prior"
            return ctx.prior_centre(spec, ctx.state.priors[param_name])
        view = self._view(study, ctx)
        origin = self._model_origin(view, ctx)
        near = ctx.startup_near
        if (spec is not None and near is not None and origin == "startup" and param_name in near
                and ctx.obeys(param_name, near[param_name])):
            ctx.origins[param_name] = "prior"
            return TrialContext.external(spec, float(ctx.draw_near(
                spec, near[param_name], 1, ctx.incumbent_confidence)[0]))
        if spec is not None and param_name in ctx.state.priors and (
                self._prior_trial(view, ctx) or (
                    origin == "startup" and ctx.rng.uniform() < ctx.prior_probability(param_name))):
            prior = ctx.state.priors[param_name]
            value = TrialContext.external(spec, float(ctx.draw_prior(spec, prior, 1)[0]))
            ctx.origins[param_name] = "prior"
            return value
        with tpe_hooks.active(ctx):
            value = self.base_sampler.sample_independent(view, trial, param_name,
                                                         param_distribution)
        if spec is None:
            return value
        value, how = self._steer(ctx, spec, value, origin)
        ctx.origins[param_name] = how
        return value

    def _prior_trial(self, study: Study, ctx: TrialContext) -> bool:
        """Whether this trial is drawn from the priors: chosen so, and past TPE's start-up
        (before it, ``startup_prior_share`` decides)."""
        return ctx.prior_trial and self._model_origin(study, ctx) == "model"

    def _model_origin(self, study: Study, ctx: TrialContext) -> str:
        """Whether the base sampler is past its start-up phase, decided once per trial."""
        if ctx.model_origin is None:
            base = self.base_sampler
            origin = "model"
            if isinstance(base, (RandomSampler, QMCSampler)):
                origin = "startup"
            elif isinstance(base, TPESampler) and not past_startup(self._past_startup, study):
                done = study._get_trials(deepcopy=False,
                                         states=(TrialState.COMPLETE, TrialState.PRUNED),
                                         use_cache=True)
                if len(done) < base._n_startup_trials:
                    origin = "startup"
                elif not isinstance(study, ReviewedStudy):
                    # Finished trials never leave a study, so once past its start-up it stays
                    # past (counting them was a scan of the whole history every trial). A view
                    # without rejected trials can fall back below: it is counted each time.
                    self._past_startup = (weakref.ref(study._storage), study._study_id)
            ctx.model_origin = origin
        return ctx.model_origin

    def _steer(self, ctx: TrialContext, spec: ParamSpec, value: Any,
               origin: str) -> tuple[Any, str]:
        """Apply the fallback prior draw and repair a proposal that breaks a constraint."""
        name = spec.name
        if name in ctx.state.pins:
            return ctx.state.pins[name], "pinned"
        tpe_model = isinstance(self.base_sampler, TPESampler) and origin == "model"
        if tpe_model:
            # A candidate drawn from the priors keeps the model's values of the parameters
            # without one: those are the model's.
            how = "prior" if ctx.chosen_from == "prior" and name in ctx.state.priors else "model"
        else:
            how = origin
            prior = ctx.state.priors.get(name)
            if prior is not None and ctx.rng.uniform() < ctx.prior_probability(name):
                value = TrialContext.external(spec, float(ctx.draw_prior(spec, prior, 1)[0]))
                how = "prior"
        if not ctx.obeys(name, value):
            value = TrialContext.external(spec, float(ctx.draw_uniform(spec, 1)[0]))
        elif spec.step is not None or (spec.kind == "float" and isinstance(value, float)):
            # Base samplers compute grid points as low + k * step, which can land a hair past a
            # bound (0.1 * 6 = 0.6000000000000001); hand out the grid's own value instead. A
            # float that obeys only within the tolerance is clamped onto the bound likewise.
            value = spec.snap(value, *ctx.state.ranges[name])
        return value, how

    # -- after the trial ----------------------------------------------------------------------
    def after_trial(self, study: Study, trial: FrozenTrial, state: TrialState,
                    values: Sequence[float] | None) -> None:
        with self._lock:
            ctx = self._contexts.pop(trial._trial_id, None)
            known = self._provenance.pop(trial._trial_id, None)
        if ctx is not None:
            study._storage.set_trial_system_attr(trial._trial_id, ATTR_TRIAL,
                                                 known or ctx.provenance())
        self.base_sampler.after_trial(study, trial, state, values)

    def provenance(self, trial: FrozenTrial | optuna.trial.Trial) -> dict[str, Any]:
        """The provenance of a trial whose sampling is done (empty when unknown). Computed once:
        after_trial stores this same dict instead of working it out again."""
        with self._lock:
            ctx = self._contexts.get(trial._trial_id)
        if ctx is None:
            return {}
        out = ctx.provenance()
        with self._lock:
            if trial._trial_id in self._contexts:
                self._provenance[trial._trial_id] = out
        return out


# How many of the newest trials proposed near the best judge its neighbourhood's flatness, and how
# far back to look for them (the scan runs every trial).
PLATEAU_WINDOW = 5
PLATEAU_LOOKBACK = 200


def _near_best(finished: list[FrozenTrial], losses: list[float],
               best: int) -> list[tuple[float, float]]:
    """(loss, best loss before it) of the newest trials proposed near the best trial,
    ``finished[best]``: its own neighbourhood, not an earlier incumbent's (whose ties would
    silence the refinement just when a new best resets it to its strongest)."""
    number = finished[best].number
    stop = max(best, len(finished) - 1 - PLATEAU_LOOKBACK)
    picked = [i for i in range(len(finished) - 1, stop, -1)
              if isinstance(p := finished[i].system_attrs.get(ATTR_TRIAL), Mapping)
              and p.get("near_best") == number][:PLATEAU_WINDOW]
    if not picked:
        return []
    running = np.minimum.accumulate(np.asarray(losses[:picked[0]], dtype=float))
    return [(losses[i], float(running[i - 1])) for i in picked if i > 0]
