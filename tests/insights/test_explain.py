"""explain(): known answers for enqueued, prior-driven and start-up trials."""

from __future__ import annotations

from typing import Any

import optuna
import pytest

import hcautoml_widgets as hcw
from hcautoml_widgets.core.export import ExportedRun
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.insights.explain import explain
from tests.svm_toy import objective, space

optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_a_trial_enqueued_from_a_cell_is_explained_as_enqueued_from_code() -> None:
    run = hcw.Run(objective, space(), seed=0)
    ev = run.steering.enqueue({"gamma": 0.5, "C": 2.0, "kernel": "rbf"})
    run.step(2)
    run.wait()
    got = explain(run, 0)
    assert got["origin"] == "enqueued"
    assert got["enqueued"]["seq"] == ev.seq and got["enqueued"]["source"] == "code"
    assert got["params"] == {"gamma": 0.5, "C": 2.0, "kernel": "rbf"}
    assert "enqueued from code" in got["text"] and f"#{ev.seq}" in got["text"]
    assert got["score"] is None
    start = explain(run, 1)
    assert start["origin"] == "startup" and "start-up" in start["text"]


def test_a_centre_outside_the_range_says_where_it_ran_instead() -> None:
    run = hcw.Run(objective, space(), seed=0)
    run.steering.narrow("C", 1.0, 50.0)
    run.steering.prior("C", 80.0)  # believed outside the range: acts truncated to it
    run.steering.prior("gamma", 0.3)
    run.step(2)
    run.wait()
    centre = explain(run, 0)
    assert centre["prior_mode"] and centre["params"]["C"] == pytest.approx(50.0)
    assert "But C ran at 50, not your 80 (the nearest bound of its range [1, 50])." \
        in centre["text"]
    assert "gamma ran at" not in centre["text"]  # gamma ran as believed


def test_a_trial_under_a_strong_prior_reports_the_priors_share() -> None:
    run = hcw.Run(objective, space(), seed=0)
    run.step(12)
    run.wait()
    run.steering.narrow("C", 1.0, 50.0)
    run.steering.prior("gamma", 0.3, confidence="high")
    run.step(3)
    run.wait()
    centre = explain(run, 12)  # the first trial after the prior runs its centre
    assert centre["prior_mode"] and centre["params"]["gamma"] == pytest.approx(0.3)
    assert centre["text"].startswith(
        "Trial 12 ran the centre of your prior on gamma, the values you believe best: the first "
        "trial after a belief is stated tries it as it stands.")
    # Past the start-up, C and kernel, which have no prior, came from the model.
    assert centre["score"] is not None
    # Its score and counterfactual speak of those only: the believed gamma was not scored.
    assert "The model chose the other parameters (C, kernel); for those, its score: " \
        in centre["text"]
    assert "would have tried among the other parameters C = " in centre["text"]
    assert "gamma = " not in centre["text"].split("would have tried")[-1]
    got = explain(run, 13)
    assert not got["prior_mode"]
    assert got["steering"]["version"] == 2
    assert got["steering"]["ranges"] == {"C": [1.0, 50.0]}
    assert got["steering"]["priors"]["gamma"]["confidence"] == "high"
    assert got["origin"] in ("prior", "model")
    score = got["score"]
    # One trial (the centre's) after it is stated, the prior's weight is beta / 2: with the
    # refinement around the best trial (on while a prior is stated) it sets the winner apart,
    # each credited by its own pull, not lumped together as "your prior".
    assert score["prior_weight"] == pytest.approx(5.0)
    assert score["prior_share"] > 0.05 and score["incumbent_share"] > 0.05
    assert score["prior_share"] + score["incumbent_share"] > 0.9
    shares = sum(score[f"{k}_share"] for k in ("model", "prior", "accepted", "incumbent"))
    assert shares == pytest.approx(1.0)
    assert f"your prior ({score['prior_share']:.0%})" in got["text"]
    assert f"the refinement near the best trial ({score['incumbent_share']:.0%})" in got["text"]
    # The parts add up to the acquisition, and the pulls to the winner's lead.
    parts = score["log_l"] - score["log_g"] + score["prior_term"] + score["incumbent_term"]
    assert parts == pytest.approx(score["acquisition"])
    assert "C narrowed to [1, 50]" in got["text"]
    assert "high-confidence prior gamma ≈ 0.3" in got["text"]
    if got["counterfactual"] is None:
        pytest.skip("this sampler does not record what the model alone would have picked")
    assert got["changed"], "a strong prior right after it was stated should change the choice"
    without = got["text"][got["text"].index("Without"):]
    assert "your prior on gamma" in without and "would have tried" in without
    assert "the refinement near the best trial" in without
    assert "proposed by your prior on gamma." in got["text"] or got["origin"] == "model"


def exported(score: dict[str, Any] | None, params: dict[str, Any],
             **extra: Any) -> ExportedRun:
    """A run read back from an export: a real object, with a trial recorded as given."""
    sp = SearchSpace.from_any(space())
    steering = hcw.Steering(sp)
    steering.prior("gamma", 0.1, confidence="high", source="widget")
    row = {"number": 0, "state": "complete", "value": 1.0, "params": params, "origin": "prior",
           "version": 1, "review": None, "start": 0.0, "end": 1.0, "duration": 1.0,
           "error": None, "score": score, "enqueued": None, **extra}
    return ExportedRun("minimize", sp, steering, [row], None)


def test_the_counterfactual_names_what_the_prior_changed() -> None:
    params = {"gamma": 0.1, "C": 2.0, "kernel": "rbf"}
    score = {"log_l": -1.0, "log_g": -2.0, "log_prior": 0.4, "prior_term": 3.0,
             "acquisition": 4.0, "prior_weight": 7.5, "n_candidates": 48,
             "counterfactual": {"gamma": 0.3141, "C": 2.0, "kernel": "rbf"}}
    got = explain(exported(score, params), 0)
    assert got["score"]["model_term"] == 1.0
    assert got["score"]["prior_share"] == pytest.approx(0.75)  # exact in the structure
    assert got["changed"] == {"gamma": {"chosen": 0.1, "model_alone": 0.3141}}
    assert "among 48 candidates" in got["text"]
    assert "Your prior made up 75% of it." in got["text"]
    assert ("Without your prior on gamma, the model would have tried gamma = 0.314 "
            "(instead of 0.1).") in got["text"]


def test_without_a_counterfactual_the_text_says_nothing_about_one() -> None:
    params = {"gamma": 0.1, "C": 2.0, "kernel": "rbf"}
    got = explain(exported({"log_l": -1.0, "log_g": -2.0, "prior_term": 0.0}, params), 0)
    assert got["counterfactual"] is None and got["changed"] == {}
    assert "would have" not in got["text"] and "among its candidates" in got["text"]
    same = {"log_l": -1.0, "log_g": -2.0, "counterfactual": dict(params)}
    assert "would have picked the same" in explain(exported(same, params), 0)["text"]


def test_a_trial_chosen_near_the_best_trial_says_which() -> None:
    params = {"gamma": 0.1, "C": 2.0, "kernel": "rbf"}
    score = {"log_l": -1.0, "log_g": -2.0, "n_candidates": 30}
    got = explain(exported(score, params, origin="model", near_best=7), 0)
    assert got["near_best"] == 7
    assert got["text"].startswith(
        "The model (TPE) chose trial 0 as the best-scoring configuration among 30 candidates; "
        "it was proposed near trial 7, the best so far, where the search refines.")
    plain = explain(exported(score, params, origin="model"), 0)
    assert plain["near_best"] is None and "proposed near" not in plain["text"]


def test_a_trial_chosen_near_an_accepted_trial_says_which() -> None:
    params = {"gamma": 0.1, "C": 2.0, "kernel": "rbf"}
    score = {"log_l": -1.0, "log_g": -2.0, "n_candidates": 30}
    got = explain(exported(score, params, origin="model", near_accepted=True), 0)
    assert got["near_accepted"]
    assert got["text"].startswith(
        "The model (TPE) chose trial 0 as the best-scoring configuration among 30 candidates; "
        "it was proposed near a trial you accepted.")


def test_each_part_is_credited_by_its_pull_with_its_sign() -> None:
    params = {"gamma": 0.1, "C": 2.0, "kernel": "rbf"}
    # A faded prior whose log density is large and negative at the winner, but whose pull over
    # the average candidate is small: it is not "most of the score".
    score = {"log_l": -1.0, "log_g": -3.0, "log_prior": -60.0, "prior_term": -0.6,
             "accepted_term": 0.0, "incumbent_term": 4.0, "acquisition": 5.4,
             "prior_weight": 0.01, "pull_model": 1.5, "pull_prior": -0.5,
             "pull_accepted": 0.0, "pull_incumbent": 3.0}
    got = explain(exported(score, params, origin="model"), 0)
    s = got["score"]
    assert s["model_share"] == pytest.approx(0.3) and s["prior_share"] == pytest.approx(0.1)
    assert s["incumbent_share"] == pytest.approx(0.6)
    assert ("What set it apart from the average candidate: the refinement near the best trial "
            "(60%) and the model's evidence (30%); your prior (10%) counted against it.") \
        in got["text"]
    assert "made up" not in got["text"]
    faint = {**score, "pull_prior": 0.0001, "pull_incumbent": 0.0}
    assert "Your steering's terms hardly weighed in." in explain(
        exported(faint, params, origin="model"), 0)["text"]


def test_a_trial_drawn_from_a_confirmed_prior_says_so_and_how_often() -> None:
    params = {"gamma": 0.1, "C": 2.0, "kernel": "rbf"}
    got = explain(exported(None, params, prior_trial_share=0.42), 0)
    assert got["prior_trial_share"] == 0.42 and got["origin"] == "prior"
    assert got["text"].startswith(
        "Trial 0 was drawn from your prior on gamma: trials drawn from it have beaten the others "
        "so far, so while that holds about 42% of trials are drawn from it.")
    assert "before the model was guiding" not in got["text"]
    plain = explain(exported(None, params), 0)
    assert plain["prior_trial_share"] is None
    assert "before the model was guiding the search" in plain["text"]


def test_unknown_trial_is_a_value_error() -> None:
    run = hcw.Run(objective, space(), seed=0)
    with pytest.raises(ValueError, match="no trial 3"):
        explain(run, 3)
