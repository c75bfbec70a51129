from __future__ import annotations

from typing import Any

import numpy as np
import optuna
import pytest
from ConfigSpace import Categorical, ConfigurationSpace, Float
from optuna.samplers import TPESampler

from hcautoml_widgets.core.attrs import provenance_from
from hcautoml_widgets.core.prior_health import (
    Evidence,
    evidence,
    inside,
    prior_health,
    refinement_factor,
)
from hcautoml_widgets.core.priors import Prior
from hcautoml_widgets.core.records import row_from_trial
from hcautoml_widgets.core.sampler import SteeredSampler
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering
from tests.core.core_helpers import run_trials


def _space() -> SearchSpace:
    return SearchSpace.from_any(ConfigurationSpace({
        "x": Float("x", (0.0, 10.0)),
        "lr": Float("lr", (1e-4, 1.0), log=True),
        "kind": Categorical("kind", ["a", "b", "c"]),
    }))


def _objective(c: dict[str, Any]) -> float:
    # Best at x = 1 and kind "b"; lr does not matter.
    return abs(c["x"] - 1.0) + (0.0 if c["kind"] == "b" else 2.0)


def _study(space: SearchSpace, steering: Steering, seed: int = 0,
           **kwargs: Any) -> optuna.Study:
    return optuna.create_study(sampler=SteeredSampler(
        steering, TPESampler(seed=seed, n_startup_trials=6, multivariate=True), seed=seed,
        **kwargs))


def test_region_is_one_sd_wide_numeric_and_the_favourite_categorical() -> None:
    space = _space()
    px = Prior.from_confidence(space.params["x"], 5.0, "medium")  # sd = 1.0 in x units
    assert inside(px, space.params["x"], np.array([5.0, 5.9, 6.2, 3.9])).tolist() == [
        True, True, False, False]
    plr = Prior.from_confidence(space.params["lr"], 1e-2, "medium")  # sd = 0.4 decades
    assert inside(plr, space.params["lr"], np.array([1e-2, 2e-2, 1e-1])).tolist() == [
        True, True, False]
    pk = Prior.from_confidence(space.params["kind"], "c", "high")
    assert inside(pk, space.params["kind"], np.array([0.0, 1.0, 2.0])).tolist() == [
        False, False, True]


def test_evidence_compares_inside_with_outside() -> None:
    spec = _space().params["x"]
    prior = Prior.from_confidence(spec, 5.0, "medium")
    xs = np.array([5.0, 5.1, 4.9, 5.2, 1.0, 9.0, 0.5, 8.0])
    good_inside = evidence(prior, spec, xs, np.array([0, 0, 0, 0, 1, 1, 1, 1.0]))
    assert (good_inside.n_inside, good_inside.n_outside) == (4, 4)
    assert good_inside.auc == 1.0 and good_inside.factor == 1.0 and not good_inside.looks_wrong
    bad_inside = evidence(prior, spec, xs, np.array([1, 1, 1, 1, 0, 0, 0, 0.0]))
    assert bad_inside.auc == 0.0 and bad_inside.factor == 0.0 and bad_inside.looks_wrong
    assert bad_inside.median_inside == 1.0 and bad_inside.median_outside == 0.0
    too_few = evidence(prior, spec, xs[:6], np.array([1, 1, 1, 1, 0, 0.0]))
    assert too_few.auc is None and too_few.factor == 1.0 and not too_few.looks_wrong


def _health(study: optuna.Study, steering: Steering, space: SearchSpace,
            direction: str = "minimize") -> dict[str, dict[str, Any]]:
    rows = [row_from_trial(t) for t in study.trials]
    return prior_health(rows, steering.state, space, direction)


def test_a_wrong_prior_is_reported_and_fades() -> None:
    space = _space()
    steering = Steering(space)
    steering.prior("x", 9.0, "medium")  # wrong: the best x is 1
    study = _study(space, steering)
    trials = run_trials(study, space, 40, _objective)
    x = _health(study, steering, space)["x"]
    assert x["looks_wrong"] and x["n_inside"] >= 3 and x["n_outside"] >= 3
    assert x["median_inside"] > x["median_outside"]
    assert x["message"].startswith("trials near your prior on x are worse than elsewhere")
    assert x["weight"] < 10.0 / 41  # below what time alone would leave it
    assert x["value"] == 9.0 and x["confidence"] == "medium"
    # The sampler weighs the priors with the same figures, as they stood when it sampled.
    seen = prior_health([row_from_trial(t) for t in study.trials[:-1]], steering.state, space)
    last = provenance_from(trials[-1].system_attrs)["score"]
    assert last["prior_weight"] == pytest.approx(seen["x"]["weight"])


def test_a_right_prior_is_not_flagged() -> None:
    space = _space()
    steering = Steering(space)
    steering.prior("kind", "b", "medium")  # right
    # Judged alone, a parameter's evidence can be confounded by the others: on 1-2 seeds in 20
    # here, the few start-up trials with kind "b" all have a bad x, the model then refines
    # kind "a", and the right prior looks wrong (seed 0 is one). Seed 1 is a typical run.
    study = _study(space, steering, seed=1)
    run_trials(study, space, 40, _objective)
    kind = _health(study, steering, space)["kind"]
    assert not kind["looks_wrong"]
    assert kind["median_inside"] < kind["median_outside"]
    # Its own evidence leaves the weight to time; the model's choices (x near 1) now beat the
    # trials drawn from the prior (x anywhere), so the whole belief fades and the text says the
    # model leads, not that the prior is wrong.
    belief = kind["belief_auc"]
    assert belief is not None and belief < 0.4
    assert kind["weight"] == pytest.approx(10.0 / 41 * (2 * belief) ** 2)
    # Nothing says trials near the prior do worse (nearly every trial chose "b", too few did
    # not to compare): the sentence says the model has caught up, not that the drawn trials
    # "do worse", which read as a contradiction beside the editor's "near it do better".
    assert kind["auc"] is None and kind["n_inside"] > 30
    assert kind["message"].startswith("the model has caught up with your priors: its choices "
                                      "now beat fresh draws from them (")
    assert kind["message"].endswith("the model leads") and "wrong" not in kind["message"]
    assert "worse" not in kind["message"]


def test_without_evidence_fading_the_wrong_prior_keeps_its_time_weight() -> None:
    space = _space()
    weights = []
    for fading in (True, False):
        steering = Steering(space)
        steering.prior("x", 9.0, "medium")
        study = _study(space, steering, evidence_fading=fading)
        trials = run_trials(study, space, 30, _objective)
        weights.append(provenance_from(trials[-1].system_attrs)["score"]["prior_weight"])
    assert weights[0] < weights[1] == pytest.approx(10.0 / 30)


def test_maximize_reports_values_in_their_own_units() -> None:
    space = _space()
    steering = Steering(space)
    steering.prior("x", 1.0, "medium")
    study = optuna.create_study(direction="maximize", sampler=SteeredSampler(
        steering, TPESampler(seed=0, n_startup_trials=6), seed=0))
    run_trials(study, space, 25, lambda c: -_objective(c))
    x = _health(study, steering, space, "maximize")["x"]
    assert x["median_inside"] > x["median_outside"]  # higher is better here
    assert not x["looks_wrong"]


def test_rejected_trials_do_not_count_and_bad_direction_is_refused() -> None:
    space = _space()
    steering = Steering(space)
    steering.prior("x", 9.0, "high")
    study = _study(space, steering)
    steering.bind_trials(lambda n: 0 <= n < len(study.trials))
    run_trials(study, space, 12, _objective)
    before = _health(study, steering, space)["x"]
    steering.reject(0)
    after = _health(study, steering, space)["x"]
    assert after["n_inside"] + after["n_outside"] == before["n_inside"] + before["n_outside"] - 1
    with pytest.raises(ValueError, match="direction"):
        _health(study, steering, space, "up")
    assert _health(study, Steering(space), space) == {}  # no prior, nothing to report


def test_confirmation_is_how_clearly_the_drawn_trials_beat_the_others() -> None:
    from hcautoml_widgets.core.prior_health import belief_auc, confirmation, contradiction

    def both(drawn: list[float], others: list[float]) -> tuple[float, float]:
        found = belief_auc(drawn, others)
        return confirmation(found), contradiction(found)

    assert both([0.1, 0.2, 0.3], [1.0, 2.0, 3.0]) == (1.0, 1.0)
    assert both([1.0, 2.0, 3.0], [0.1, 0.2, 0.3]) == (0.0, 0.0)  # worse: faded out
    assert both([1.0, 2.0, 3.0], [1.0, 2.0, 3.0]) == pytest.approx((0.0, 1.0))
    # 0.1 and 0.2 beat all three others, 2.5 beats one: AUC 7/9, so 2 * 7/9 - 1.
    assert both([0.1, 0.2, 2.5], [1.0, 2.0, 3.0]) == pytest.approx((5 / 9, 1.0))
    # Reversed: AUC 2/9, so (2 * 2/9)^2.
    assert both([1.0, 2.0, 3.0], [0.1, 0.2, 2.5])[1] == pytest.approx((4 / 9) ** 2)
    assert belief_auc([0.1, 0.2], [1.0, 2.0, 3.0]) is None  # too few drawn trials to judge
    assert both([0.1, 0.2], [1.0, 2.0, 3.0]) == (0.0, 1.0)


def test_the_reported_weight_follows_the_samplers_fading_settings() -> None:
    space = _space()
    steering = Steering(space)
    steering.prior("x", 9.0, "medium")  # wrong: the best x is 1
    study = _study(space, steering)
    run_trials(study, space, 30, _objective)
    rows = [row_from_trial(t) for t in study.trials]
    faded = prior_health(rows, steering.state, space)["x"]
    by_time = prior_health(rows, steering.state, space, evidence_fading=False)["x"]
    assert faded["weight"] < by_time["weight"] == pytest.approx(10.0 / 31)
    assert by_time["looks_wrong"]  # the figures are reported either way


def test_the_centres_trial_is_on_neither_side_of_the_belief() -> None:
    from hcautoml_widgets.core.prior_health import CENTRE, drawn_and_others

    triples = [(CENTRE, 1, 9.0), ("prior", 1, 1.0), ("startup", 1, 2.0), ("prior", 0, 3.0),
               ("model", 1, 4.0)]
    # The centre is one chosen point, not a draw; a prior trial from an older belief is not
    # this belief's draw either, nor is it another method's trial.
    assert drawn_and_others(triples, since=1) == ([1.0], [2.0, 4.0])


def _part(auc: float | None) -> Evidence:
    return Evidence(n_inside=5, n_outside=5, median_inside=None, median_outside=None, auc=auc)


def test_the_refinement_fades_only_when_the_belief_is_behind_as_a_whole_and_in_a_part() -> None:
    assert refinement_factor(None, None) == 1.0  # no evidence yet
    # Behind as a whole only (a wide right prior's draws lose to the model's refinement).
    assert refinement_factor(0.25, {"x": _part(0.8)}) == 1.0
    # Behind in a part only (a roughly right prior's region beside the optimum).
    assert refinement_factor(0.6, {"x": _part(0.8), "y": _part(0.2)}) == 1.0
    # Behind both ways: the milder of the two factors, (2 AUC)^2.
    assert refinement_factor(0.25, {"x": _part(0.8), "y": _part(0.1)}) == pytest.approx(0.25)
    assert refinement_factor(0.1, {"y": _part(0.25)}) == pytest.approx(0.25)


def test_the_sentence_says_the_model_leads_without_contradicting_the_priors_region() -> None:
    from hcautoml_widgets.core.prior_health import Evidence, _sentence

    behind = 0.2  # the drawn trials lose to the rest
    better = Evidence(8, 20, 1.0, 2.0, 0.7)  # trials near the prior do better than elsewhere
    worse = Evidence(8, 20, 2.0, 1.8, 0.45)  # a little worse, not enough to look wrong
    caught_up = _sentence("gamma", better, 0.5, "widget", behind, 14, 30)
    assert caught_up == ("the model has caught up with your priors: its choices now beat fresh "
                         "draws from them (14 drawn, 30 others), so its weight is fading and "
                         "the model leads")
    assert _sentence("gamma", worse, 0.0, "widget", behind, 14, 30) == (
        "trials drawn from your priors now do worse than the rest, the model's own choices "
        "included (14 drawn, 30 others); it no longer steers the search and the model leads")
    assert _sentence("gamma", better, 0.5, "widget", 0.6, 14, 30) is None


def test_flatness_is_the_share_of_exact_ties_with_the_best() -> None:
    from hcautoml_widgets.core.prior_health import flatness

    assert flatness([]) == 0.0
    assert flatness([(16 / 600, 16 / 600), (17 / 600, 16 / 600)]) == 0.5
    # Float noise of a mean of fold scores is a tie; a better or a near value is not.
    assert flatness([(0.1 + 0.2, 0.3), (0.29, 0.3), (0.3000001, 0.3)]) == 1 / 3
