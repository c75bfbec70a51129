"""Reattaching to a stored run: its space, metric name, steering log and trials come back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from optuna.storages import BaseStorage

from hcautoml_widgets.core import persistence as store
from hcautoml_widgets.core.attrs import ATTR_ENQUEUED
from hcautoml_widgets.core.records import row_from_trial
from hcautoml_widgets.core.steering import Steering
from hcautoml_widgets.core.words import plural

if TYPE_CHECKING:
    from hcautoml_widgets.core.run import Run


def load(cls: type[Run], storage: str | BaseStorage, study_name: str,
         objective: Callable[..., Any] | None = None, fail_running: bool = True,
         **kwargs: Any) -> Run:
    """See :meth:`Run.load`."""
    backend = store.open_storage(storage)
    if not store.study_exists(backend, study_name):
        raise ValueError(f"no study named {study_name!r} in this storage")
    study_id = backend.get_study_id_from_name(study_name)
    space = store.load_space(backend, study_id)
    kwargs.setdefault("metric", store.load_metric(backend, study_id))
    if fail_running:
        store.fail_dead_trials(backend, study_id)
    steering = Steering(space, store.load_events(backend, study_id))
    direction = backend.get_study_directions(study_id)[0].name.lower()
    run = cls(objective, space, direction=direction, storage=backend, study_name=study_name,
              _steering=steering, **kwargs)
    run.records_.set_reviews(steering.state.reviews)
    for trial in run.study.get_trials(deepcopy=False):
        run.records_.put(row_from_trial(trial))
        seq = trial.system_attrs.get(ATTR_ENQUEUED)
        if seq is not None:
            steering.mark_consumed(int(seq), trial.number)
    run.trials_before = run.records_.counts()["total"]
    # "idle" alone reads as a run that never ran: say what was loaded and how to go on.
    go_on = ("start() or step() continues it" if objective is not None
             else "pass objective= to Run.load to continue it")
    run.control.reason = (f"loaded from storage with {plural(run.trials_before, 'trial')}; "
                          f"{go_on}")
    return run
