"""Storing a run with its Optuna study: the space and the steering log ride in study attributes.

Each steering event is its own study system attribute (``hcw:steering:000012``), so appending
never rewrites the log and several processes can read it from an RDB storage.
"""

from __future__ import annotations

import json

import optuna
from optuna.storages import BaseStorage, InMemoryStorage
from optuna.trial import TrialState

from hcautoml_widgets.core.attrs import (
    ATTR_ERROR,
    ATTR_METRIC,
    ATTR_SPACE,
    STEERING_PREFIX,
    steering_key,
)
from hcautoml_widgets.core.events import SteeringEvent
from hcautoml_widgets.core.space import SearchSpace

DEFAULT_METRIC = "value"
DEAD_TRIAL_REASON = "the process running this trial ended before it finished"


def open_storage(storage: str | BaseStorage | None) -> BaseStorage:
    """An Optuna storage from a URL (``sqlite:///...``, ``postgresql://...``,
    ``journal:///path/to/file.log``), a storage object, or None for memory."""
    if storage is None:
        return InMemoryStorage()
    if isinstance(storage, BaseStorage):
        return storage
    if isinstance(storage, str):
        if storage.startswith("journal://"):
            from optuna.storages import JournalStorage
            from optuna.storages.journal import JournalFileBackend

            return JournalStorage(JournalFileBackend(storage[len("journal://"):]))
        return optuna.storages.get_storage(storage)
    raise ValueError(f"storage must be a URL string or an Optuna storage, got {type(storage)}")


def save_space(storage: BaseStorage, study_id: int, space: SearchSpace,
               metric: str = DEFAULT_METRIC) -> None:
    storage.set_study_system_attr(study_id, ATTR_SPACE, space.to_configspace_json())
    storage.set_study_system_attr(study_id, ATTR_METRIC, metric)


def save_metric(storage: BaseStorage, study_id: int, metric: str) -> None:
    storage.set_study_system_attr(study_id, ATTR_METRIC, metric)


def load_metric(storage: BaseStorage, study_id: int) -> str:
    """The objective's name stored with the space ("value" for studies that stored none)."""
    return str(storage.get_study_system_attrs(study_id).get(ATTR_METRIC, DEFAULT_METRIC))


def load_space(storage: BaseStorage, study_id: int) -> SearchSpace:
    attrs = storage.get_study_system_attrs(study_id)
    if ATTR_SPACE not in attrs:
        raise ValueError("this study was not created by hcautoml-widgets: it stores no space")
    return SearchSpace.from_configspace_json(attrs[ATTR_SPACE])


def save_event(storage: BaseStorage, study_id: int, event: SteeringEvent) -> None:
    storage.set_study_system_attr(study_id, steering_key(event.seq), json.dumps(event.to_dict()))


def load_events(storage: BaseStorage, study_id: int, after: int = 0) -> list[SteeringEvent]:
    attrs = storage.get_study_system_attrs(study_id)
    out = []
    for key in sorted(k for k in attrs if k.startswith(STEERING_PREFIX)):
        seq = int(key[len(STEERING_PREFIX):])
        if seq > after:
            out.append(SteeringEvent.from_dict(json.loads(attrs[key])))
    return out


def fail_dead_trials(storage: BaseStorage, study_id: int) -> list[int]:
    """Mark trials left RUNNING by a process that is gone as failed, saying so."""
    dead = []
    for trial in storage.get_all_trials(study_id, deepcopy=False, states=(TrialState.RUNNING,)):
        storage.set_trial_system_attr(trial._trial_id, ATTR_ERROR, DEAD_TRIAL_REASON)
        storage.set_trial_state_values(trial._trial_id, TrialState.FAIL)
        dead.append(trial.number)
    return dead


def study_exists(storage: BaseStorage, study_name: str) -> bool:
    try:
        storage.get_study_id_from_name(study_name)
    except KeyError:
        return False
    return True
