"""A trial's provenance is one stored attribute, and studies written one key a field still read."""

from __future__ import annotations

import optuna
from ConfigSpace import ConfigurationSpace, Float
from optuna.samplers import TPESampler

from hcautoml_widgets.core.attrs import (
    ATTR_ENQUEUED,
    ATTR_ERROR,
    ATTR_TRIAL,
    provenance_from,
    ran_centre_from,
)
from hcautoml_widgets.core.records import row_from_trial
from hcautoml_widgets.core.sampler import SteeredSampler
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering
from tests.core.core_helpers import run_trials


def test_a_steered_trial_carries_one_provenance_attribute() -> None:
    space = SearchSpace.from_configspace(ConfigurationSpace({"x": Float("x", (0.0, 1.0))}))
    steering = Steering(space)
    study = optuna.create_study(sampler=SteeredSampler(steering,
                                                       TPESampler(seed=0, n_startup_trials=3)))
    steering.narrow("x", 0.2, 0.8)
    trials = run_trials(study, space, 6, lambda c: c["x"])
    for t in trials:
        # TPE scans every key of every past trial at each sample: a field a key would cost
        # time growing with the run, so the provenance stays one key.
        assert [k for k in t.system_attrs if k.startswith("hcw:")] == [ATTR_TRIAL]
        info = provenance_from(t.system_attrs)
        assert info["version"] == 1
        assert set(info["origins"]) == {"x"}
    assert provenance_from(trials[-1].system_attrs)["origin"] == "model"
    assert "acquisition" in provenance_from(trials[-1].system_attrs)["score"]


def test_a_study_written_one_key_a_field_reads_the_same() -> None:
    legacy = {"hcw:version": 3, "hcw:origin": "prior", "hcw:origins": {"x": "prior"},
              "hcw:score": {"acquisition": 1.5}, ATTR_ENQUEUED: 7, ATTR_ERROR: "boom"}
    assert provenance_from(legacy) == {"version": 3, "origin": "prior", "origins": {"x": "prior"},
                                       "score": {"acquisition": 1.5}, "enqueued": 7}
    trial = optuna.trial.create_trial(
        params={"x": 0.5}, distributions={"x": optuna.distributions.FloatDistribution(0, 1)},
        state=optuna.trial.TrialState.FAIL, system_attrs=legacy)
    row = row_from_trial(trial)
    assert (row["origin"], row["version"], row["enqueued"], row["error"]) == ("prior", 3, 7, "boom")
    assert row["score"] == {"acquisition": 1.5}


def test_a_trial_without_provenance_reads_as_empty() -> None:
    assert provenance_from({}) == {}
    assert provenance_from({"fixed_params": {"x": 1}}) == {}


def test_only_the_trial_marked_as_the_centre_reads_as_having_run_it() -> None:
    assert ran_centre_from({ATTR_TRIAL: {"version": 2, "prior_mode": True}})
    assert not ran_centre_from({ATTR_TRIAL: {"version": 2, "origin": "prior"}})
    assert not ran_centre_from({"hcw:origin": "prior"})  # studies from before the centre
    assert not ran_centre_from({})
