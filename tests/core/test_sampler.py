from __future__ import annotations

from typing import Any

import numpy as np
import optuna
import pytest
from ConfigSpace import ConfigurationSpace, Float
from optuna.samplers import CmaEsSampler, QMCSampler, RandomSampler, TPESampler

from hcautoml_widgets.core.attrs import provenance_from
from hcautoml_widgets.core.prior_health import contradiction
from hcautoml_widgets.core.sampler import SteeredSampler
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering
from tests.core.core_helpers import run_trials, toy_objective

BASES = {
    "tpe": lambda: TPESampler(seed=1, multivariate=True, n_startup_trials=5),
    "tpe-independent": lambda: TPESampler(seed=1, multivariate=False, n_startup_trials=5),
    "random": lambda: RandomSampler(seed=1),
    "qmc": lambda: QMCSampler(seed=1, warn_independent_sampling=False),
    "cmaes": lambda: CmaEsSampler(seed=1, n_startup_trials=5, warn_independent_sampling=False),
}


def make(space_cs: ConfigurationSpace, base: str) -> tuple[SearchSpace, Steering, optuna.Study]:
    space = SearchSpace.from_any(space_cs)
    steering = Steering(space)
    study = optuna.create_study(sampler=SteeredSampler(steering, BASES[base](), seed=1))
    steering.bind_trials(lambda n: 0 <= n < len(study.trials))
    return space, steering, study


def violations(trial: optuna.trial.FrozenTrial, steering: Steering) -> list[str]:
    state = steering.state
    bad = []
    for name, value in trial.params.items():
        if name in state.pins and value != state.pins[name]:
            bad.append(f"{name}={value} not pinned {state.pins[name]}")
        if name in state.ranges:
            lo, hi = state.ranges[name]
            if not lo <= value <= hi:
                bad.append(f"{name}={value} outside [{lo}, {hi}]")
        if name in state.allowed and value not in state.allowed[name]:
            bad.append(f"{name}={value!r} not allowed")
    return bad


@pytest.mark.parametrize("base", list(BASES))
def test_constraints_hold_after_an_edit(rich_space: ConfigurationSpace, base: str) -> None:
    space, steering, study = make(rich_space, base)
    run_trials(study, space, 12, toy_objective)
    steering.narrow("lr", 0.01, 0.05)
    steering.narrow("width", 100, 120)
    steering.allow("kind", ["a", "c"])
    steering.pin("depth", 7)
    steering.narrow("alpha", 0.2, 0.3)  # conditional: only active when kind == "a"
    steering.narrow("mom", 0.1, 0.2)  # far from its space prior at 0.9
    after = run_trials(study, space, 25, toy_objective)
    for t in after:
        assert violations(t, steering) == [], (t.number, t.params)
        assert provenance_from(t.system_attrs)["version"] == steering.version
    assert any("alpha" in t.params for t in after)


def test_trials_keep_base_distributions(rich_space: ConfigurationSpace) -> None:
    space, steering, study = make(rich_space, "tpe")
    steering.narrow("x", 0.0, 1.0)
    t = run_trials(study, space, 3, toy_objective)[-1]
    assert t.distributions["x"] == space.distributions["x"]


def test_rejected_trials_are_hidden_from_the_base_sampler() -> None:
    cs = ConfigurationSpace({"x": Float("x", (0.0, 1.0))})
    space = SearchSpace.from_any(cs)
    steering = Steering(space)
    seen: list[set[int]] = []

    class Spy(RandomSampler):
        def sample_independent(self, study, trial, name, dist):  # type: ignore[no-untyped-def]
            seen.append({t.number for t in study.get_trials(deepcopy=False)})
            return super().sample_independent(study, trial, name, dist)

    study = optuna.create_study(sampler=SteeredSampler(steering, Spy(seed=0)))
    steering.bind_trials(lambda n: 0 <= n < len(study.trials))
    run_trials(study, space, 3, lambda c: c["x"])
    steering.reject(1)
    run_trials(study, space, 1, lambda c: c["x"])
    assert 1 not in seen[-1] and {0, 2} <= seen[-1]
    steering.unreview(1)
    run_trials(study, space, 1, lambda c: c["x"])
    assert 1 in seen[-1]


def test_past_trials_outside_a_narrowed_range_still_inform_tpe() -> None:
    cs = ConfigurationSpace({"x": Float("x", (0.0, 1.0)), "y": Float("y", (0.0, 1.0))})
    space, steering, study = SearchSpace.from_any(cs), None, None
    steering = Steering(space)
    tpe = TPESampler(seed=0, n_startup_trials=5, multivariate=True)
    study = optuna.create_study(sampler=SteeredSampler(steering, tpe))
    run_trials(study, space, 10, lambda c: c["x"] + c["y"])
    steering.narrow("x", 0.5, 1.0)
    captured: list[int] = []
    original = tpe._build_parzen_estimator

    def spy(study, search_space, trials, handle_below):  # type: ignore[no-untyped-def]
        captured.append(len(trials))
        return original(study, search_space, trials, handle_below)

    tpe._build_parzen_estimator = spy  # type: ignore[method-assign]
    run_trials(study, space, 1, lambda c: c["x"] + c["y"])
    assert sum(captured[:2]) == 10  # below + above hold every past trial


def test_enqueued_configs_run_next_in_order(rich_space: ConfigurationSpace) -> None:
    space, steering, study = make(rich_space, "tpe")
    run_trials(study, space, 6, toy_objective)
    base = {"lr": 0.05, "x": 1.0, "mom": 0.9, "frac": 0.2, "width": 64, "kind": "b", "k": 3,
            "loss": "l2", "tag": "v1", "batch": 32, "drop": 0.2}
    steering.enqueue({**base, "depth": 11})
    steering.enqueue({**base, "depth": 12})
    a, b, c = run_trials(study, space, 3, toy_objective)
    assert a.params == {**base, "depth": 11} and b.params["depth"] == 12
    assert provenance_from(a.system_attrs)["origin"] == "enqueued"
    assert provenance_from(b.system_attrs)["enqueued"] == 2
    assert provenance_from(c.system_attrs)["origin"] != "enqueued"


def test_provenance_origins_and_score(rich_space: ConfigurationSpace) -> None:
    space, steering, study = make(rich_space, "tpe")
    first = run_trials(study, space, 5, toy_objective)
    assert {provenance_from(t.system_attrs)["origin"] for t in first} <= {"startup", "prior"}
    later = run_trials(study, space, 5, toy_objective)
    model = [t for t in later if provenance_from(t.system_attrs)["origin"] in ("model", "prior")]
    assert model, [provenance_from(t.system_attrs)["origin"] for t in later]
    score = provenance_from(model[-1].system_attrs)["score"]
    assert {"log_l", "log_g", "log_prior", "acquisition", "prior_weight"} <= set(score)
    assert np.isfinite(score["acquisition"])
    # Constants never reach a sampler: Optuna returns a single-valued distribution itself.
    sampled = {n for n in model[-1].params if space.params[n].kind != "constant"}
    assert set(provenance_from(model[-1].system_attrs)["origins"]) == sampled
    for name in sampled:
        steering.pin(name, model[-1].params[name])
    pinned = run_trials(study, space, 1, toy_objective)[0]
    assert provenance_from(pinned.system_attrs)["origin"] == "pinned"


def _distance_to(trials: list[optuna.trial.FrozenTrial], target: float) -> float:
    return float(np.median([abs(t.params["x"] - target) for t in trials]))


@pytest.mark.parametrize("base", ["tpe", "random", "cmaes"])
def test_a_prior_set_mid_run_pulls_the_search(base: str) -> None:
    cs = ConfigurationSpace({"x": Float("x", (0.0, 10.0)), "y": Float("y", (0.0, 10.0))})
    space = SearchSpace.from_any(cs)

    def objective(c: dict[str, Any]) -> float:  # flat in x: only the prior can pull x
        return abs(c["y"] - 5.0)

    medians = []
    for with_prior in (False, True):
        steering = Steering(space)
        study = optuna.create_study(sampler=SteeredSampler(steering, BASES[base](), seed=3))
        run_trials(study, space, 10, objective)
        if with_prior:
            steering.prior("x", 8.5, "high")
        medians.append(_distance_to(run_trials(study, space, 15, objective), 8.5))
    assert medians[1] < medians[0] / 2, medians


def test_prior_fades_with_evidence() -> None:
    cs = ConfigurationSpace({"x": Float("x", (0.0, 10.0))})
    space = SearchSpace.from_any(cs)
    steering = Steering(space)
    study = optuna.create_study(
        sampler=SteeredSampler(steering, TPESampler(seed=0, n_startup_trials=5), seed=0))
    steering.prior("x", 9.0, "high")  # misleading: the optimum is at 1
    trials = run_trials(study, space, 60, lambda c: abs(c["x"] - 1.0))
    weights = [provenance_from(t.system_attrs).get("score", {}).get("prior_weight")
               for t in trials[10:]]
    assert weights[0] > weights[-1] >= 0
    assert weights[-1] < 10.0 / 51  # the evidence against it fades it faster than time alone
    assert min(abs(t.params["x"] - 1.0) for t in trials[-20:]) < 0.5  # it recovered


def test_accepted_trials_pull_the_model_towards_them() -> None:
    cs = ConfigurationSpace({"x": Float("x", (0.0, 10.0)), "y": Float("y", (0.0, 10.0))})
    space = SearchSpace.from_any(cs)
    results = []
    for accept in (False, True):
        steering = Steering(space)
        study = optuna.create_study(
            sampler=SteeredSampler(steering, TPESampler(seed=5, n_startup_trials=8)))
        steering.bind_trials(lambda n, s=study: 0 <= n < len(s.trials))
        first = run_trials(study, space, 8, lambda c: abs(c["y"] - 5.0))
        target = max(first, key=lambda t: t.params["x"])
        if accept:
            steering.accept(target.number)
        later = run_trials(study, space, 12, lambda c: abs(c["y"] - 5.0))
        results.append(_distance_to(later, target.params["x"]))
    assert results[1] < results[0], results


def test_sampler_on_a_plain_study_without_space_passes_through() -> None:
    study = optuna.create_study(sampler=SteeredSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("z", -1, 1) ** 2, n_trials=15)
    assert len(study.trials) == 15


def test_the_incumbent_is_refined_while_a_prior_is_active() -> None:
    cs = ConfigurationSpace({"x": Float("x", (0.0, 10.0)), "y": Float("y", (0.0, 10.0))})
    space = SearchSpace.from_any(cs)
    for beta in (10.0, 0.0):
        steering = Steering(space)
        sampler = SteeredSampler(steering, TPESampler(seed=0, n_startup_trials=5), seed=0,
                                 incumbent_beta=beta)
        study = optuna.create_study(sampler=sampler)
        run_trials(study, space, 8, lambda c: abs(c["x"] - 2) + abs(c["y"] - 7))
        best = study.best_trial
        assert sampler._context(study, study.ask()._cached_frozen_trial).incumbent is None
        steering.prior("x", 5.0, "low")
        ctx = sampler._context(study, study.ask()._cached_frozen_trial)
        if beta:
            assert ctx.incumbent is not None and ctx.incumbent[0] == best.params
            # 8 finished, best among them, start-up of 5: weight beta / (1 + trials after both)
            start = max(best.number + 1, 5)
            assert ctx.incumbent[1] == pytest.approx(beta / (1 + 8 - start))
        else:
            assert ctx.incumbent is None


def test_a_trial_chosen_near_the_incumbent_names_it() -> None:
    # While a prior is stated, candidates proposed near the best trial compete with TPE's own;
    # a trial whose winner was one of them records that best trial's number ("near_best"),
    # and the run's row carries it for "why this trial".
    from hcautoml_widgets.core.records import row_from_trial

    cs = ConfigurationSpace({"x": Float("x", (0.0, 10.0)), "y": Float("y", (0.0, 10.0))})
    space = SearchSpace.from_any(cs)
    steering = Steering(space)
    steering.prior("x", 2.0, "low")
    sampler = SteeredSampler(steering, TPESampler(seed=0, n_startup_trials=5,
                                                  multivariate=True), seed=0)
    study = optuna.create_study(sampler=sampler)
    trials = run_trials(study, space, 30, lambda c: abs(c["x"] - 2) + abs(c["y"] - 7))
    near = [(t, provenance_from(t.system_attrs)["near_best"]) for t in trials
            if "near_best" in provenance_from(t.system_attrs)]
    assert near, "no trial was chosen near the incumbent in 25 model trials"
    for t, best in near:
        assert provenance_from(t.system_attrs)["origin"] == "model"
        before = [u for u in trials if u.number < t.number]
        assert best == min(before, key=lambda u: (u.value, u.number)).number
        assert row_from_trial(t)["near_best"] == best
    others = [t for t in trials if "near_best" not in provenance_from(t.system_attrs)]
    assert "near_best" not in row_from_trial(others[-1])
    # TPE without multivariate picks each parameter in its own acquisition: the trial was
    # proposed near the best trial only if every one of them picked such a candidate.
    ctx = sampler._context(study, study.ask()._cached_frozen_trial)
    ctx.model_origin, ctx.origins = "model", {"x": "model", "y": "model"}
    ctx.chose("incumbent")
    assert "near_best" in ctx.provenance()
    ctx.chose("model")
    ctx.chose("incumbent")
    assert "near_best" not in ctx.provenance()


def test_a_trial_chosen_near_an_accepted_trial_is_the_models_and_says_so() -> None:
    # Candidates around an accepted trial are not draws from a prior: a trial whose winner was
    # one has origin "model" (never "prior", which would count it as the belief's draw in the
    # priors' health) and records "near_accepted"; its score credits the accepted trials' term.
    from hcautoml_widgets.core.records import row_from_trial

    cs = ConfigurationSpace({"x": Float("x", (0.0, 10.0)), "y": Float("y", (0.0, 10.0))})
    space = SearchSpace.from_any(cs)
    steering = Steering(space)
    study = optuna.create_study(sampler=SteeredSampler(
        steering, TPESampler(seed=0, n_startup_trials=5, multivariate=True), seed=0))
    steering.bind_trials(lambda n: 0 <= n < len(study.trials))
    first = run_trials(study, space, 6, lambda c: abs(c["x"] - 2) + abs(c["y"] - 7))
    steering.accept(min(first, key=lambda t: t.value).number)
    # A narrowed range: candidates that break it are redrawn, which once made copies of the
    # model's candidates labelled "prior" when no prior was stated.
    steering.narrow("y", 5.0, 10.0)
    later = run_trials(study, space, 20, lambda c: abs(c["x"] - 2) + abs(c["y"] - 7))
    prov = [provenance_from(t.system_attrs) for t in later]
    assert all(p["origin"] == "model" for p in prov), [p["origin"] for p in prov]
    near = [t for t, p in zip(later, prov, strict=True) if p.get("near_accepted")]
    assert near, "no trial was chosen near the accepted trial in 20 model trials"
    assert row_from_trial(near[0])["near_accepted"] is True
    score = provenance_from(near[0].system_attrs)["score"]
    assert score["accepted_term"] != 0 and score["prior_term"] == 0
    assert score["pull_accepted"] > 0  # what set it apart from the average candidate
    parts = score["log_l"] - score["log_g"] + score["accepted_term"]
    assert parts == pytest.approx(score["acquisition"])


def test_a_parameter_without_a_prior_is_never_drawn_from_one() -> None:
    # y has no prior: a candidate drawn from x's prior keeps the model's y, so no trial says
    # its y came from a prior (the trial as a whole still does when its x did).
    cs = ConfigurationSpace({"x": Float("x", (0.0, 10.0)), "y": Float("y", (0.0, 10.0))})
    space = SearchSpace.from_any(cs)
    steering = Steering(space)
    steering.prior("x", 2.0, "medium")
    study = optuna.create_study(sampler=SteeredSampler(
        steering, TPESampler(seed=0, n_startup_trials=5), seed=0))
    trials = run_trials(study, space, 30, lambda c: abs(c["x"] - 2) + abs(c["y"] - 7))
    origins = [provenance_from(t.system_attrs)["origins"] for t in trials[5:]]
    assert all(o["y"] != "prior" for o in origins), [o["y"] for o in origins]
    assert any(o["x"] == "prior" for o in origins)  # x's prior still proposes candidates


def _incumbent_weights(prior_at: float, share: float) -> tuple[float, float, float | None]:
    """The incumbent's weight for the next trial with and without ``incumbent_fading``, and the
    belief's AUC, after 20 trials under a medium prior on x at ``prior_at`` (the optimum is at
    x = 8) with ``share`` of the start-up drawn from it."""
    cs = ConfigurationSpace({"x": Float("x", (0.0, 10.0)), "y": Float("y", (0.0, 10.0))})
    space = SearchSpace.from_any(cs)
    steering = Steering(space)
    steering.prior("x", prior_at, "medium")
    sampler = SteeredSampler(steering, TPESampler(seed=0, n_startup_trials=10), seed=0,
                             startup_prior_share=share)
    study = optuna.create_study(sampler=sampler)
    trials = run_trials(study, space, 20, lambda c: abs(c["x"] - 8.0) + 0.1 * abs(c["y"] - 5))
    weights = []
    for fading in (True, False):
        sampler.incumbent_fading = fading
        ctx = sampler._context(study, study.ask()._cached_frozen_trial)
        assert ctx.incumbent is not None
        weights.append(ctx.incumbent[1])
    belief = sampler._belief(trials, [float(t.values[0]) for t in trials], 1)
    return weights[0], weights[1], belief


def test_the_incumbent_fades_with_a_belief_the_trials_contradict() -> None:
    # Every start-up trial drawn from a prior far from the optimum: they lose to the model's,
    # and trials near x = 1 lose to the rest.
    faded, unfaded, belief = _incumbent_weights(1.0, share=1.0)
    assert belief is not None and belief < 0.25
    assert faded < 0.5 * unfaded
    # A right belief: its draws lose to the model's refinement around x = 8 (the belief as a
    # whole looks behind), but trials near it beat the rest, so the refinement keeps its weight.
    faded, unfaded, belief = _incumbent_weights(8.0, share=1.0)
    assert belief is not None and contradiction(belief) < 1
    assert faded == unfaded > 0


def test_the_incumbent_fades_on_a_plateau() -> None:
    # A cross-validated error counts mistakes: near the best trial most configurations score
    # the same. Once trials proposed near the best tie it, searching there learns nothing and
    # the refinement's weight goes; a continuous objective never ties, so it keeps it.
    cs = ConfigurationSpace({"x": Float("x", (0.0, 10.0)), "y": Float("y", (0.0, 10.0))})
    space = SearchSpace.from_any(cs)

    def weights(loss: Any, plateau_fading: bool = True) -> tuple[float, int]:
        steering = Steering(space)
        steering.prior("x", 2.0, "medium")
        sampler = SteeredSampler(steering, TPESampler(seed=0, n_startup_trials=5,
                                                      multivariate=True), seed=0,
                                 plateau_fading=plateau_fading)
        study = optuna.create_study(sampler=sampler)
        trials = run_trials(study, space, 40, loss)
        ctx = sampler._context(study, study.ask()._cached_frozen_trial)
        near = sum("near_best" in provenance_from(t.system_attrs) for t in trials)
        assert ctx.incumbent is not None
        return ctx.incumbent[1], near

    def plateau(c: dict[str, Any]) -> float:  # 1 error anywhere near x = 2, y = 7
        return float(round(abs(c["x"] - 2) + abs(c["y"] - 7)) // 3)

    flat, near = weights(plateau)
    kept, near_kept = weights(plateau, plateau_fading=False)
    # Every trial proposed near the best tied it: the weight is gone, and with it most of
    # the trials the refinement would have won.
    assert near >= 1 and flat == 0.0
    assert kept > 0 and near_kept > near
    smooth, near = weights(lambda c: abs(c["x"] - 2) + abs(c["y"] - 7))
    unfaded, _ = weights(lambda c: abs(c["x"] - 2) + abs(c["y"] - 7), plateau_fading=False)
    assert near >= 5 and smooth == unfaded > 0


def test_a_new_best_is_not_judged_by_the_last_ones_ties() -> None:
    # Trials 3-7 were proposed near trial 2 and tied it; trial 8 then improved. The plateau was
    # trial 2's: trial 8's neighbourhood is unexplored, and its refinement keeps its weight.
    from optuna.distributions import FloatDistribution
    from optuna.trial import create_trial

    from hcautoml_widgets.core.attrs import ATTR_TRIAL
    from hcautoml_widgets.core.prior_health import flatness
    from hcautoml_widgets.core.sampler import _near_best

    # Trial 9 was proposed near trial 8 and tied it; trial 10, by a worker that asked before
    # trial 8 finished, near trial 2: only trial 9 speaks of trial 8's neighbourhood.
    losses = [0.5, 0.4, 0.2, 0.2, 0.2, 0.2, 0.2, 0.2, 0.1, 0.1, 0.1]
    near = {n: 2 for n in range(3, 8)} | {9: 8, 10: 2}
    finished = []
    for n, loss in enumerate(losses):
        attrs = {ATTR_TRIAL: {"near_best": near[n]}} if n in near else {}
        t = create_trial(params={"x": float(n)}, distributions={"x": FloatDistribution(0, 10)},
                         value=loss, system_attrs=attrs)
        t.number = n
        finished.append(t)
    assert flatness(_near_best(finished, losses, 2)) == 1.0  # trial 2's plateau
    assert _near_best(finished[:9], losses[:9], 8) == []  # trial 8 has no neighbourhood yet
    assert _near_best(finished, losses, 8) == [(0.1, 0.1)]  # trial 9 alone


def _startup_of_one_param(prior_at: float, confidence: str, n: int, loss: Any,
                          knobs: dict[str, Any] | None = None,
                          **kwargs: Any) -> list[optuna.trial.FrozenTrial]:
    """``n`` start-up trials on x in [0, 10] under a prior at ``prior_at``; beta = n keeps the
    prior's weight >= 1 throughout, so only the start-up's own rules decide the draws."""
    space = SearchSpace.from_any(ConfigurationSpace({"x": Float("x", (0.0, 10.0))}))
    steering = Steering(space)
    steering.prior("x", prior_at, confidence)
    sampler = SteeredSampler(steering, TPESampler(seed=0, n_startup_trials=n), seed=0,
                             prior_beta=float(n), **kwargs)
    for name, value in (knobs or {}).items():
        setattr(sampler, name, value)
    return run_trials(optuna.create_study(sampler=sampler), space, n, loss)


def _origins(trials: list[optuna.trial.FrozenTrial]) -> list[str]:
    return [provenance_from(t.system_attrs)["origin"] for t in trials]


def test_only_part_of_the_startup_is_drawn_from_the_prior() -> None:
    shares = [_origins(_startup_of_one_param(9.0, "high", 40, lambda c: 0.0,
                                             startup_prior_share=share)).count("prior") / 40
              for share in (1.0, 0.5)]
    assert shares[0] > 0.9
    assert 0.25 < shares[1] < 0.75


def test_an_adaptive_startup_draws_more_from_a_belief_the_trials_confirm() -> None:
    # The ablation knob adaptive_startup: with the prior at the optimum the drawn trials beat
    # the uniform ones, so the later start-up trials come from the prior more often than half.
    late = []
    for adaptive in (False, True):
        trials = _startup_of_one_param(9.0, "high", 60, lambda c: abs(c["x"] - 9.0),
                                       {"adaptive_startup": adaptive}, prior_mode_first=False)
        late.append(_origins(trials[20:]).count("prior") / 40)
    assert 0.25 < late[0] < 0.75
    assert late[1] > 0.85


def test_a_startup_refine_draws_near_the_best_trial_from_the_belief() -> None:
    # The ablation knob startup_refine: the centre (x = 5, the optimum) is the best trial, so
    # the start-up trials that follow are drawn near it (sd 4 % of the range), not from the
    # prior (sd 10 %).
    spreads = []
    for refine in (0.0, 1.0):
        trials = _startup_of_one_param(5.0, "medium", 30, lambda c: abs(c["x"] - 5.0),
                                       {"startup_refine": refine}, startup_prior_share=1.0)
        assert set(_origins(trials)) == {"prior"}
        spreads.append(float(np.std([t.params["x"] for t in trials[1:]])))
    assert 0.7 < spreads[0] < 1.3
    assert spreads[1] < 0.5 * spreads[0]


def test_rejecting_trials_can_bring_tpe_back_to_its_startup() -> None:
    # The sampler remembers that a study is past TPE's start-up; a view without rejected trials
    # is counted again, so rejecting start-up trials sends TPE back to random start-up draws.
    cs = ConfigurationSpace({"x": Float("x", (0.0, 1.0))})
    space = SearchSpace.from_any(cs)
    steering = Steering(space)
    study = optuna.create_study(sampler=SteeredSampler(
        steering, TPESampler(seed=0, n_startup_trials=5)))
    steering.bind_trials(lambda n: 0 <= n < len(study.trials))
    trials = run_trials(study, space, 7, lambda c: c["x"])
    assert [provenance_from(t.system_attrs)["origin"] for t in trials] == ["startup"] * 5 + [
        "model"] * 2
    steering.reject(0)
    steering.reject(1)
    steering.reject(2)
    (after,) = run_trials(study, space, 1, lambda c: c["x"])
    assert provenance_from(after.system_attrs)["origin"] == "startup"
    steering.unreview(0)
    steering.unreview(1)
    (again,) = run_trials(study, space, 1, lambda c: c["x"])
    assert provenance_from(again.system_attrs)["origin"] == "model"


def _prior_trials(prior_at: float, share: float) -> list[dict[str, Any]]:
    cs = ConfigurationSpace({"x": Float("x", (0.0, 10.0)), "y": Float("y", (0.0, 10.0))})
    space = SearchSpace.from_any(cs)
    steering = Steering(space)
    steering.prior("x", prior_at, "medium")
    study = optuna.create_study(sampler=SteeredSampler(
        steering, TPESampler(seed=0, n_startup_trials=10, multivariate=True), seed=0,
        prior_trials=share))
    trials = run_trials(study, space, 40, lambda c: abs(c["x"] - 8.0) + 0.1 * abs(c["y"] - 5))
    return [provenance_from(t.system_attrs) for t in trials[10:]]


def test_a_prior_the_trials_confirm_keeps_being_sampled() -> None:
    right = _prior_trials(8.0, 1.0)
    drawn = [p for p in right if "prior_trial_share" in p]
    assert len(drawn) >= 8, right  # the prior's draws beat the uniform ones: confirmed
    for p in drawn:
        # x from the prior; y, which has none, still from the model (multivariate TPE).
        assert p["origins"] == {"x": "prior", "y": "model"} and p["origin"] == "prior"
        assert 0 < p["prior_trial_share"] <= 1
    wrong = _prior_trials(1.0, 1.0)  # trials near x = 1 are worse than the rest
    assert not [p for p in wrong if "prior_trial_share" in p], wrong
    off = _prior_trials(8.0, 0.0)  # switched off: none
    assert not [p for p in off if "prior_trial_share" in p], off


def test_prior_trials_share_is_checked() -> None:
    with pytest.raises(ValueError, match="prior_trials must be between 0 and 1"):
        SteeredSampler(prior_trials=1.5)


def _two_params() -> tuple[SearchSpace, Steering]:
    space = SearchSpace.from_any(ConfigurationSpace({"x": Float("x", (0.0, 10.0)),
                                                     "y": Float("y", (0.0, 10.0))}))
    return space, Steering(space)


def _tpe() -> TPESampler:
    return TPESampler(seed=0, n_startup_trials=5, multivariate=True)


def test_the_first_trial_after_a_belief_runs_its_centre() -> None:
    space, steering = _two_params()
    steering.prior("x", 7.3, "low")
    study = optuna.create_study(sampler=SteeredSampler(steering, _tpe(), seed=0))
    trials = run_trials(study, space, 12, lambda c: abs(c["x"] - 8.0) + abs(c["y"] - 5))
    first = provenance_from(trials[0].system_attrs)
    assert trials[0].params["x"] == 7.3
    assert first["prior_mode"] is True and first["origin"] == "prior"
    assert first["origins"] == {"x": "prior", "y": "startup"}  # y has no prior: as usual
    assert not [t.number for t in trials[1:] if t.params["x"] == 7.3]
    assert not [t for t in trials[1:] if provenance_from(t.system_attrs).get("prior_mode")]
    # Stated mid-run, past TPE's start-up, with x narrowed below it and y pinned: the centre
    # runs next, at the nearest value the range allows, and the pin holds.
    steering.narrow("x", 0.0, 6.0)
    steering.pin("y", 4.0)
    steering.prior("x", 7.0, "medium")
    later = run_trials(study, space, 3, lambda c: abs(c["x"] - 8.0) + abs(c["y"] - 5))
    mode = provenance_from(later[0].system_attrs)
    assert later[0].params == {"x": 6.0, "y": 4.0} and mode["prior_mode"] is True
    assert mode["origins"] == {"x": "prior", "y": "pinned"}
    assert not [t for t in later[1:] if provenance_from(t.system_attrs).get("prior_mode")]


def test_an_enqueued_configuration_runs_before_the_centre() -> None:
    space, steering = _two_params()
    steering.prior("x", 2.0, "medium")
    steering.enqueue({"x": 9.0, "y": 9.0})
    study = optuna.create_study(sampler=SteeredSampler(steering, _tpe(), seed=0))
    trials = run_trials(study, space, 3, lambda c: c["x"])
    assert trials[0].params == {"x": 9.0, "y": 9.0}
    assert trials[1].params["x"] == 2.0
    assert provenance_from(trials[1].system_attrs)["prior_mode"] is True


def test_the_centre_runs_once_per_belief_across_workers_and_not_when_switched_off() -> None:
    space, steering = _two_params()
    steering.prior("x", 3.0, "medium")
    storage = optuna.storages.InMemoryStorage()
    one = optuna.create_study(storage=storage, study_name="s",
                              sampler=SteeredSampler(steering, _tpe(), seed=0))
    run_trials(one, space, 2, lambda c: c["x"])
    # A second worker (or a restarted process) on the same study believes the stored marker.
    two = optuna.load_study(storage=storage, study_name="s",
                            sampler=SteeredSampler(steering, _tpe(), seed=1))
    run_trials(two, space, 4, lambda c: c["x"])
    marked = [t.number for t in two.trials if provenance_from(t.system_attrs).get("prior_mode")]
    assert marked == [0]
    off = optuna.create_study(sampler=SteeredSampler(steering, _tpe(), seed=0,
                                                     prior_mode_first=False))
    trials = run_trials(off, space, 4, lambda c: c["x"])
    assert not [t for t in trials if provenance_from(t.system_attrs).get("prior_mode")]


def test_a_belief_made_from_a_trial_does_not_run_that_trial_again() -> None:
    space, steering = _two_params()
    study = optuna.create_study(sampler=SteeredSampler(steering, _tpe(), seed=0))
    trials = run_trials(study, space, 8, lambda c: abs(c["x"] - 8.0) + abs(c["y"] - 5))
    steering.priors(trials[3].params)  # the table's "use as prior"
    later = run_trials(study, space, 3, lambda c: abs(c["x"] - 8.0) + abs(c["y"] - 5))
    assert not [t for t in later if provenance_from(t.system_attrs).get("prior_mode")]
    assert trials[3].params not in [t.params for t in later]
