from __future__ import annotations

import math

import optuna
import pytest

from hcautoml_widgets import insights
from tests.insights.known_runs import finished, noisy


def only_x1(c: dict) -> float:
    return (c["x1"] - 0.6) ** 2


@pytest.fixture(scope="module")
def run_x1():  # type: ignore[no-untyped-def]
    return finished(noisy(only_x1, 0.002), n=150)


def test_one_parameter_dominates(run_x1) -> None:  # type: ignore[no-untyped-def]
    shares = insights.importance(run_x1)
    assert math.isclose(sum(shares.values()), 1.0)
    assert next(iter(shares)) == "x1"  # most important first
    assert shares["x1"] >= 0.8
    assert list(shares.values()) == sorted(shares.values(), reverse=True)
    assert set(shares) == {"x0", "x1", "x2", "x3", "lr", "depth", "loss"}


def test_fanova_agrees(run_x1) -> None:  # type: ignore[no-untyped-def]
    shares = insights.importance(run_x1, evaluator="fanova")
    assert shares["x1"] >= 0.8
    assert math.isclose(sum(shares.values()), 1.0)


def test_interval_holds_the_share_and_history_grows(run_x1) -> None:  # type: ignore[no-untyped-def]
    frame = insights.importance_interval(run_x1, refits=4)
    assert list(frame.columns) == ["name", "share", "low", "high"]
    assert frame.iloc[0]["name"] == "x1"
    assert (frame["low"] <= frame["share"]).all() and (frame["share"] <= frame["high"]).all()
    assert frame.iloc[0]["low"] >= 0.6
    hist = insights.importance_history(run_x1, points=4)
    ns = sorted(hist["n_trials"].unique())
    assert len(ns) == 4 and ns[-1] == 150
    last = hist[hist["n_trials"] == 150].set_index("name")["share"]
    assert last["x1"] >= 0.8


def test_a_choice_the_steering_settled_stays_important() -> None:
    # The loss choice decides everything; after 40 random trials the person pins its best value.
    # PED-ANOVA (the best 10% against the trials run) then sees no difference in loss between
    # the best trials and the rest and calls it unimportant; the forest's curves, and fANOVA,
    # still say it decides everything, as the partial dependence drawn beside them shows.
    import hcautoml_widgets as hcw
    from tests.insights.known_runs import space

    run = hcw.Run(lambda c: {"a": 0.0, "b": 1.0, "c": 1.0}[c["loss"]] + 0.3 * (c["x1"] - 0.6) ** 2,
                  space(), sampler=optuna.samplers.RandomSampler(seed=0))
    run.start(n_trials=40)
    run.wait()
    run.steering.pin("loss", "a")
    run.start(n_trials=120)
    run.wait()
    assert insights.importance(run, evaluator="ped-anova")["loss"] < 0.05
    forest = insights.importance(run)
    assert next(iter(forest)) == "loss" and forest["loss"] >= 0.9
    assert next(iter(insights.importance(run, evaluator="fanova"))) == "loss"
    frame = insights.importance_interval(run)
    assert (frame["low"] <= frame["share"]).all() and (frame["share"] <= frame["high"]).all()
    assert frame.iloc[0]["name"] == "loss" and frame.iloc[0]["low"] >= 0.8


def test_rejected_trials_do_not_count() -> None:
    # Trials with x0 < 0.2 are broken (a leak makes them look far too good); while they count,
    # x0 looks decisive. Rejected, they are left out, and x1, the real effect, dominates.
    run = finished(lambda c: (c["x1"] - 0.5) ** 2 - (50.0 if c["x0"] < 0.2 else 0.0), n=120)
    assert next(iter(insights.importance(run))) == "x0"
    for r in run.records():
        if r["params"]["x0"] < 0.2:
            run.steering.reject(r["number"])
    after = insights.importance(run)
    assert after["x1"] >= 0.8


def test_too_few_trials_and_bad_evaluator() -> None:
    run = finished(only_x1, n=5)
    with pytest.raises(ValueError, match="at least 10 completed"):
        insights.importance(run)
    with pytest.raises(ValueError, match="evaluator must be one of"):
        insights.importance(run, evaluator="shap")


def test_loaded_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import hcautoml_widgets as hcw

    url = f"sqlite:///{tmp_path / 'run.db'}"
    finished(noisy(only_x1, 0.002), n=60, storage=url, study_name="s")
    loaded = hcw.Run.load(url, study_name="s")
    assert next(iter(insights.importance(loaded))) == "x1"
    pd_x1 = insights.partial_dependence(loaded, "x1")
    assert abs(pd_x1.loc[pd_x1["mean"].idxmin(), "value"] - 0.6) <= 0.1


@pytest.mark.parametrize("evaluator", ["ped-anova", "fanova"])
def test_the_light_study_view_gives_what_a_real_study_gives(run_x1, evaluator: str) -> None:  # type: ignore[no-untyped-def]
    from hcautoml_widgets.insights._data import trials
    from hcautoml_widgets.insights.importance import _evaluator, _shares, real_study_of, study_of

    data = trials(run_x1)
    light = _shares(study_of(data), data.names, _evaluator(evaluator, 3))
    real = _shares(real_study_of(data), data.names, _evaluator(evaluator, 3))
    assert light == pytest.approx(real)


def test_a_space_of_constants_has_nothing_to_rank() -> None:
    from ConfigSpace import ConfigurationSpace, Constant

    from hcautoml_widgets.insights import summary
    from hcautoml_widgets.insights._data import trials

    run = finished(lambda c: 1.0, n=12, cs=ConfigurationSpace({"c": Constant("c", 3)}))
    assert insights.importance(run) == {}
    assert "constant" in summary.compute(trials(run))["error"]
