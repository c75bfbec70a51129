from __future__ import annotations

import copy

import optuna

from hcautoml_widgets.core.attrs import ATTR_TRIAL
from hcautoml_widgets.core.centres import CentreClaims, same_value


def test_same_value_forgives_float_noise_only() -> None:
    assert same_value(0.1 * 3, 0.3)
    assert same_value(2, 2.0)
    assert not same_value(0.3, 0.3001)
    assert same_value("rbf", "rbf") and not same_value("rbf", "poly")
    assert not same_value("1", 1)


def test_a_belief_is_claimed_once_and_not_when_a_trial_already_ran_its_centre() -> None:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.enqueue_trial({"x": 0.25})
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=3)
    claims = CentreClaims()
    assert claims.claim(study, 1, {"x": 0.5})
    assert not claims.claim(study, 1, {"x": 0.5})  # the same belief, this process
    assert claims.claim(study, 2, {"x": 0.75})  # a newer belief
    # Another process (a fresh CentreClaims) believes the study: a trial with every centre.
    assert not CentreClaims().claim(study, 3, {"x": 0.25 + 1e-15})


def test_a_trial_marked_as_the_centre_of_a_belief_counts_for_it_and_not_for_a_newer_one() -> None:
    # The marker another worker stores when it starts the centre's trial, still running and
    # without values yet.
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    running = study.ask()
    study._storage.set_trial_system_attr(running._trial_id, ATTR_TRIAL,
                                         {"version": 4, "prior_mode": True})
    assert not CentreClaims().claim(study, 4, {"x": 0.5})
    assert not CentreClaims().claim(study, 3, {"x": 0.5})
    assert CentreClaims().claim(study, 5, {"x": 0.5})


def test_a_copy_keeps_the_claims_and_has_its_own_lock() -> None:
    # A preview deep-copies the sampler, and with it these claims.
    study = optuna.create_study()
    claims = CentreClaims()
    assert claims.claim(study, 1, {"x": 0.5})
    clone = copy.deepcopy(claims)
    assert clone._lock is not claims._lock
    assert not clone.claim(study, 1, {"x": 0.5})
    assert clone.claim(study, 2, {"x": 0.5})
    assert claims.claim(study, 2, {"x": 0.5})  # the copy's claim stays the copy's
