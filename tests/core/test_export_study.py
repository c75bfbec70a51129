"""run.export_study: plain Optuna opens the copy and finds the same trials and values."""

from __future__ import annotations

import math
from pathlib import Path

import optuna
import pytest

import hcautoml_widgets as hcw
from hcautoml_widgets.core import persistence as store
from hcautoml_widgets.core.export_study import export_study
from tests.core.test_preview import objective, space

optuna.logging.set_verbosity(optuna.logging.WARNING)


def steered_run() -> hcw.Run:
    run = hcw.Run(objective, space(), seed=0, study_name="demo")
    run.steering.enqueue({"gamma": 0.5, "C": 2.0, "kernel": "rbf"}, source="widget")
    run.step(12)
    run.wait()
    run.steering.narrow("C", 1.0, 20.0)
    run.steering.prior("gamma", 0.3, confidence="high")
    run.step(3)
    run.wait()
    run.steering.reject(2)
    run.steering.accept(5)
    return run


def test_optuna_load_study_gives_the_same_trials_and_values(tmp_path: Path) -> None:
    run = steered_run()
    url = f"sqlite:///{tmp_path / 'run.db'}"
    run.export_study(url)  # the public method
    loaded = optuna.load_study(study_name="demo", storage=url)  # plain Optuna, no sampler of ours
    mine = run.study.get_trials()
    theirs = loaded.get_trials()
    assert [t.number for t in theirs] == [t.number for t in mine]
    assert [t.state for t in theirs] == [t.state for t in mine]
    assert [t.params for t in theirs] == [t.params for t in mine]
    assert all(math.isclose(a.value, b.value) for a, b in zip(theirs, mine, strict=True))
    assert loaded.direction == run.study.direction
    assert loaded.best_trial.number == run.study.best_trial.number
    attrs = {t.number: t.user_attrs for t in theirs}
    assert attrs[0]["origin"] == "enqueued" and attrs[0]["enqueued_by"] == "widget"
    assert attrs[2]["review"] == "rejected" and attrs[5]["review"] == "accepted"
    assert attrs[12]["version"] == 3 and "log_l" in attrs[12]["score"]
    log = loaded.user_attrs["steering_log"]
    assert [ev["kind"] for ev in log] == ["enqueue", "narrow", "prior", "reject", "accept"]
    assert loaded.user_attrs["steering_state"]["ranges"]["C"] == [1.0, 20.0]
    backend = store.open_storage(url)
    study_id = backend.get_study_id_from_name("demo")
    assert store.load_events(backend, study_id) == run.steering.log  # Run.load reads these
    assert store.load_space(backend, study_id).names == run.space.names


def test_an_existing_study_name_is_refused(tmp_path: Path) -> None:
    run = steered_run()
    url = f"sqlite:///{tmp_path / 'run.db'}"
    export_study(run, url)
    with pytest.raises(ValueError, match="already has a study named 'demo'"):
        export_study(run, url)
    assert len(optuna.get_all_study_summaries(url)) == 1
    export_study(run, url, study_name="again")
    assert len(optuna.load_study(study_name="again", storage=url).trials) == 15


def test_the_centre_trial_and_the_best_trial_a_trial_was_proposed_near_are_copied(
        tmp_path: Path) -> None:
    run = steered_run()
    rows = {int(r["number"]): r for r in run.records()}
    url = f"sqlite:///{tmp_path / 'run.db'}"
    loaded = export_study(run, url)
    attrs = {t.number: t.user_attrs for t in loaded.get_trials()}
    centre = [n for n, r in rows.items() if r.get("prior_mode")]
    near = {n: r["near_best"] for n, r in rows.items() if r.get("near_best") is not None}
    assert centre == [12] and near  # the prior stated before trial 12
    assert [n for n, a in attrs.items() if a.get("prior_mode")] == centre
    assert {n: a["near_best"] for n, a in attrs.items() if "near_best" in a} == near


def test_a_running_trial_is_copied_as_unfinished_and_later_numbers_hold(tmp_path: Path) -> None:
    run = hcw.Run(objective, space(), seed=0, study_name="gap")
    run.step(2)
    run.wait()
    # A trial a worker has started and not finished.
    run.study._storage.create_new_trial(run.study._study_id)
    run.step(2)
    run.wait()
    run.steering.reject(4)
    run.steering.accept(3)
    url = f"sqlite:///{tmp_path / 'run.db'}"
    loaded = export_study(run, url)
    copied = loaded.get_trials()
    assert [t.number for t in copied] == [0, 1, 2, 3, 4]
    assert copied[2].state == optuna.trial.TrialState.FAIL and copied[2].values is None
    assert copied[2].user_attrs["unfinished_when_exported"] == "running"
    mine = {t.number: t.params for t in run.study.get_trials()}
    assert [t.params for t in copied[3:]] == [mine[3], mine[4]]
    assert copied[4].user_attrs["review"] == "rejected"
    # Reattached, the copy's reviews fall on the trials they were made on.
    again = hcw.Run.load(url, "gap")
    assert again.record(4)["review"] == "rejected" and again.record(3)["review"] == "accepted"
    assert again.best_trial_number != 4
