"""Open the run elsewhere: copy its study into an Optuna storage that other tools open as it is.

Plain Optuna (``optuna.load_study``) and optuna-dashboard read the copy without this package: each
finished trial keeps its state, values, parameters, distributions, intermediate values and times,
and gains its provenance and review as *user* attributes (which optuna-dashboard shows per trial):
``origin``, ``version``, ``review``, ``enqueued``, ``enqueued_by``, ``score``, ``error``,
``prior_mode`` (the trial that ran the priors' centres), ``near_best`` (the best trial it was
proposed near) and ``near_accepted``. The
steering log and the state it folds into are study user attributes (``steering_log``,
``steering_state``); the space and the log are also stored as this package's study system
attributes, so ``hcw.Run.load(url, study_name=...)`` reattaches to the copy too.

A trial still running (or waiting) is copied as failed, without values, with the user attribute
``unfinished_when_exported`` ("running" or "waiting"): its result is not known, and a copy is
not the place it finishes; copying it keeps every later trial's number, which the steering log,
``review`` and ``near_best`` refer to (Optuna numbers the copy's trials itself: leaving it out
made ``Run.load`` of the copy apply a review to the trial after the one reviewed).
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from typing import Any

import optuna
from optuna.storages import BaseStorage
from optuna.trial import FrozenTrial, TrialState

from hcautoml_widgets.core import persistence as store

PROVENANCE = ("origin", "version", "review", "enqueued", "score", "error", "prior_mode",
              "near_best", "near_accepted")


def _jsonable(x: Any) -> Any:
    """Optuna stores attributes as JSON: numpy scalars and tuples must become plain."""
    return json.loads(json.dumps(x, default=lambda o: o.item() if hasattr(o, "item") else str(o)))


def export_study(run: Any, storage: str | BaseStorage, study_name: str | None = None
                 ) -> optuna.Study:
    """Copy ``run``'s study (finished trials, provenance, reviews, steering) into ``storage``.

    Args:
        run: the run.
        storage: an Optuna storage URL (``sqlite:///run.db``, ``postgresql://...``,
            ``journal:///path.log``) or storage object.
        study_name: the copy's name; the run's study name by default.

    Returns:
        The copy, as an ``optuna.Study`` (without a sampler of ours: it is for reading).

    Raises:
        ValueError: when ``storage`` already holds a study of that name (nothing is written).
    """
    target = store.open_storage(storage)
    name = study_name or run.study.study_name
    if store.study_exists(target, name):
        raise ValueError(f"export_study: the storage already has a study named {name!r}; "
                         "pass study_name= to write a new one")
    study_id = target.create_new_study(list(run.study.directions), name)
    log = list(run.steering.log)
    by_seq = {ev.seq: ev for ev in log}
    target.set_study_user_attr(study_id, "steering_log", _jsonable([ev.to_dict() for ev in log]))
    target.set_study_user_attr(study_id, "steering_state", _jsonable(run.steering.state_dict()))
    store.save_space(target, study_id, run.space)
    for ev in log:
        store.save_event(target, study_id, ev)
    rows = {int(r["number"]): r for r in run.records()}
    study = optuna.load_study(study_name=name, storage=target)
    trials = run.study._storage.get_all_trials(run.study._study_id, deepcopy=False)
    for trial in trials:
        if trial.state in (TrialState.RUNNING, TrialState.WAITING):
            study.add_trial(_unfinished(trial))
            continue
        study.add_trial(_with_provenance(trial, rows.get(trial.number), by_seq))
    return study


def _unfinished(trial: FrozenTrial) -> FrozenTrial:
    out = copy.copy(trial)
    out.user_attrs = {**_jsonable(dict(trial.user_attrs)),
                      "unfinished_when_exported": trial.state.name.lower()}
    out.system_attrs = _jsonable(dict(trial.system_attrs))
    out.state = TrialState.FAIL
    out.values = None
    out.intermediate_values = dict(trial.intermediate_values)
    out.datetime_start = trial.datetime_start or datetime.now()
    out.datetime_complete = datetime.now()
    return out


def _with_provenance(trial: FrozenTrial, row: dict[str, Any] | None,
                     by_seq: dict[int, Any]) -> FrozenTrial:
    out = copy.copy(trial)
    attrs = dict(trial.user_attrs)
    if row is not None:
        for key in PROVENANCE:
            if row.get(key) is not None:
                attrs[key] = _jsonable(row[key])
        seq = row.get("enqueued")
        if seq is not None and int(seq) in by_seq:
            attrs["enqueued_by"] = by_seq[int(seq)].source
    out.user_attrs = attrs
    out.system_attrs = _jsonable(dict(trial.system_attrs))
    return out
