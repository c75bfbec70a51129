"""The private TPE seams the steering relies on, pinned so an Optuna upgrade fails loudly here."""

from __future__ import annotations

import inspect

import numpy as np
import optuna
import pytest
from ConfigSpace import ConfigurationSpace, Float
from optuna.samplers import TPESampler
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator

from hcautoml_widgets.core import tpe_hooks
from hcautoml_widgets.core.attrs import provenance_from
from hcautoml_widgets.core.sampler import SteeredSampler
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering
from tests.core.core_helpers import run_trials


def test_seams_exist_with_the_expected_shape() -> None:
    tpe = TPESampler()
    params = list(inspect.signature(tpe._compute_acquisition_func).parameters)
    assert params == ["samples", "mpe_below", "mpe_above"]
    assert tpe._parzen_estimator_cls is _ParzenEstimator
    assert list(inspect.signature(_ParzenEstimator.sample).parameters) == ["self", "rng", "size"]
    # TPE's argmax picks index 0 when every candidate is -inf: the reason we never let every
    # candidate be infeasible (repairs are always added).
    assert TPESampler._compare({"x": np.array([5.0, 6.0])}, np.array([-np.inf, -np.inf])) == {
        "x": 5.0}


def test_install_is_per_instance_and_idempotent() -> None:
    a, b = TPESampler(), TPESampler()
    tpe_hooks.install(a)
    est = a._parzen_estimator_cls
    tpe_hooks.install(a)
    assert a._parzen_estimator_cls is est
    assert b._parzen_estimator_cls is _ParzenEstimator


def test_choice_stays_feasible_when_the_model_points_elsewhere() -> None:
    space = SearchSpace.from_any(ConfigurationSpace({"x": Float("x", (0.0, 10.0))}))
    steering = Steering(space)
    study = optuna.create_study(
        sampler=SteeredSampler(steering, TPESampler(seed=0, n_startup_trials=5)))
    # The model learns that small x is good, then x is confined to the bad end.
    run_trials(study, space, 20, lambda c: c["x"])
    steering.narrow("x", 9.0, 9.5)
    later = run_trials(study, space, 10, lambda c: c["x"])
    assert all(9.0 <= t.params["x"] <= 9.5 for t in later)
    assert all(np.isfinite(provenance_from(t.system_attrs)["score"]["acquisition"]) for t in later)


def test_unsteered_tpe_in_the_same_process_is_untouched() -> None:
    def values(sampler: optuna.samplers.BaseSampler) -> list[float]:
        study = optuna.create_study(sampler=sampler)
        study.optimize(lambda t: t.suggest_float("x", 0, 1) ** 2, n_trials=15)
        return [t.params["x"] for t in study.trials]

    plain = values(TPESampler(seed=3, n_startup_trials=5))
    SteeredSampler(Steering(SearchSpace([])), TPESampler(seed=9))  # installs on another instance
    assert values(TPESampler(seed=3, n_startup_trials=5)) == plain


def _space2() -> SearchSpace:
    return SearchSpace.from_any(ConfigurationSpace({"x": Float("x", (0.0, 10.0)),
                                                    "y": Float("y", (0.0, 10.0))}))


def test_counterfactual_is_the_choice_when_nothing_steers() -> None:
    space = _space2()
    steering = Steering(space)
    study = optuna.create_study(sampler=SteeredSampler(
        steering, TPESampler(seed=0, n_startup_trials=5, multivariate=True)))
    trials = run_trials(study, space, 12, lambda c: c["x"] + c["y"])
    model = [t for t in trials if "score" in provenance_from(t.system_attrs)]
    assert model
    for t in model:
        score = provenance_from(t.system_attrs)["score"]
        assert score["counterfactual"] == t.params  # TPE's own argmax is what ran
        assert all(type(v) is float for v in score["counterfactual"].values())
        assert score["n_candidates"] >= 24  # TPE's default candidate count


def test_counterfactual_ignores_the_prior_term() -> None:
    space = _space2()
    steering = Steering(space)
    study = optuna.create_study(sampler=SteeredSampler(
        steering, TPESampler(seed=0, n_startup_trials=5, multivariate=True), seed=0,
        evidence_fading=False, prior_mode_first=False))
    # The model learns that small x and y are good; then a confident prior pulls y to the bad
    # end: the trials follow the prior, the counterfactual says where the model alone would go.
    # (Every trial here is scored: the prior's centre is not run first, unscored.)
    run_trials(study, space, 20, lambda c: c["x"] + c["y"])
    steering.prior("y", 9.5, "high")
    later = run_trials(study, space, 3, lambda c: c["x"] + c["y"])
    for t in later:
        cf = provenance_from(t.system_attrs)["score"]["counterfactual"]
        assert t.params["y"] > 8.5
        assert cf["y"] < 5.0


def test_an_unsteered_run_samples_exactly_what_plain_tpe_samples() -> None:
    # With nothing narrowed, pinned or believed, the hooks must not touch TPE's candidates or
    # scores: the same seed gives the same trials, and the explanation is still recorded.
    space = _space2()

    def objective(c: dict[str, float]) -> float:
        return (c["x"] - 3) ** 2 + c["y"]

    plain = optuna.create_study(sampler=TPESampler(seed=4, n_startup_trials=5,
                                                   multivariate=True))
    plain_trials = run_trials(plain, space, 25, objective)
    steered = optuna.create_study(sampler=SteeredSampler(
        Steering(space), TPESampler(seed=4, n_startup_trials=5, multivariate=True)))
    steered_trials = run_trials(steered, space, 25, objective)
    assert [t.params for t in steered_trials] == [t.params for t in plain_trials]
    scores = [provenance_from(t.system_attrs).get("score") for t in steered_trials[5:]]
    assert all(s is not None and s["prior_term"] == 0.0 for s in scores)


def test_restricts_sees_only_what_narrows_the_base_space() -> None:
    cs = ConfigurationSpace({"x": Float("x", (0.0, 10.0)), "y": Float("y", (0.0, 10.0)),
                             "k": ["a", "b", "c"]})
    space = SearchSpace.from_any(cs)
    steering = Steering(space)

    def restricts(names: list[str]) -> bool:
        sampler = SteeredSampler(steering, TPESampler(seed=0))
        study = optuna.create_study(sampler=sampler)
        trial = study.ask()
        return sampler._context(study, study._storage.get_trial(trial._trial_id)).restricts(names)

    assert not restricts(["x", "y", "k"])
    steering.narrow("x", 0.0, 10.0)  # the whole range: still nothing narrowed
    assert not restricts(["x"])
    steering.narrow("x", 0.0, 9.0)
    assert restricts(["x"]) and not restricts(["y", "k"])
    steering.allow("k", ["a", "b"])
    assert restricts(["k"])
    steering.pin("y", 2.0)
    assert restricts(["y"])


def test_the_recorded_pulls_add_up_to_the_winners_lead_over_feasible_candidates() -> None:
    from hcautoml_widgets.core.events import SteeringState
    from hcautoml_widgets.core.trial_context import TrialContext

    space = SearchSpace.from_any(ConfigurationSpace({"x": Float("x", (0.0, 1.0))}))
    ctx = TrialContext(space=space, state=SteeringState.initial(space), weights={}, accepted=[],
                       rng=np.random.RandomState(0))
    log_l, log_g = np.array([-1.0, -2.0, 0.5, -9.0]), np.array([-2.0, -1.0, -1.0, -1.0])
    terms = {"prior": np.array([0.2, 0.0, -0.4, 50.0]), "accepted": np.zeros(4),
             "incumbent": np.array([1.0, 0.0, 3.0, 0.0])}
    feasible = np.array([True, True, True, False])  # the last one broke a range: masked
    total = np.where(feasible, log_l - log_g + sum(terms.values()), -np.inf)
    i = tpe_hooks._record(ctx, total, log_l, log_g, terms["prior"], terms, feasible)
    assert i == 2
    score = ctx.score
    assert score is not None
    # Means over the three feasible candidates only: the masked one's huge prior term is out.
    assert score["pull_prior"] == pytest.approx(-0.4 - (0.2 + 0.0 - 0.4) / 3)
    assert score["pull_incumbent"] == pytest.approx(3.0 - 4.0 / 3)
    lead = total[2] - total[feasible].mean()
    pulls = sum(score[f"pull_{k}"] for k in ("model", "prior", "accepted", "incumbent"))
    assert abs(pulls - lead) < 1e-12
    assert score["prior_term"] == -0.4 and score["incumbent_term"] == 3.0
