"""The run controller: a hyperparameter search in background threads that a person can steer.

The optimiser runs in daemon threads through Optuna's ask/tell, so the notebook's kernel stays
free to run cells and to handle the widgets' messages (which it only does between cells). Every
control call is safe from any thread and in any state: one that makes no sense now (resume when
not paused, start twice) changes nothing and says so with a :class:`RunStateWarning`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
import pandas as pd
from optuna.samplers import BaseSampler
from optuna.storages import BaseStorage
from optuna.trial import TrialState

from hcautoml_widgets.core import export as export_mod
from hcautoml_widgets.core import persistence as store
from hcautoml_widgets.core.feed import EventFeed
from hcautoml_widgets.core.objective import ask_config, evaluate, takes_report
from hcautoml_widgets.core.records import ATTR_ERROR, Records, row_from_trial
from hcautoml_widgets.core.sampler import (
    ATTR_ENQUEUED,
    ATTR_ORIGIN,
    ATTR_SCORE,
    ATTR_VERSION,
    SteeredSampler,
)
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering

if TYPE_CHECKING:
    from hcautoml_widgets.core.events import SteeringEvent

_STATE_NAMES = {TrialState.COMPLETE: "complete", TrialState.FAIL: "failed",
                TrialState.PRUNED: "pruned"}


class RunStateWarning(UserWarning):
    """A control call that does nothing in the run's current state."""


class Run:
    """A steerable hyperparameter search (see the package README for a tour).

    Args:
        objective: ``objective(config)`` or ``objective(config, report)`` returning a float;
            ``config`` is a dict of plain Python scalars (active parameters only) and
            ``report(value, step)`` reports an intermediate value, raising
            ``optuna.TrialPruned`` when the pruner says the trial should stop.
        space: a ConfigSpace ``ConfigurationSpace`` or a dict of Optuna distributions.
        direction: "minimize" or "maximize".
        sampler: the base sampler to steer (TPE by default).
        storage: None (memory), an Optuna storage URL or object.
        study_name: the study's name in the storage.
        n_workers: optimiser threads.
        seed: seeds the default sampler.
        max_consecutive_failures: the run stops with status "failed" after this many failed
            trials in a row.
        pruner: an Optuna pruner for objectives that report.
    """

    def __init__(self, objective: Callable[..., Any] | None, space: Any,
                 direction: str = "minimize", sampler: BaseSampler | None = None,
                 storage: str | BaseStorage | None = None, study_name: str | None = None,
                 n_workers: int = 1, seed: int | None = None, max_consecutive_failures: int = 10,
                 pruner: optuna.pruners.BasePruner | None = None,
                 _steering: Steering | None = None) -> None:
        if direction not in ("minimize", "maximize"):
            raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
        if n_workers < 1:
            raise ValueError(f"n_workers must be at least 1, got {n_workers}")
        self.objective = objective
        self.space = SearchSpace.from_any(space)
        self.direction = direction
        self.n_workers = int(n_workers)
        self.max_consecutive_failures = int(max_consecutive_failures)
        self.feed = EventFeed()
        self.records_ = Records(direction)
        self.steering = _steering or Steering(self.space)
        self.steering.bind_trials(lambda n: n in self.records_)
        self.sampler = SteeredSampler(self.steering, sampler, seed=seed)
        self._storage = store.open_storage(storage)
        with _quiet_optuna():
            self.study = optuna.create_study(
                storage=self._storage, sampler=self.sampler, study_name=study_name,
                direction=optuna.study.StudyDirection[direction.upper()], pruner=pruner,
                load_if_exists=True)
        self._study_id = self.study._study_id
        if _steering is None:
            store.save_space(self._storage, self._study_id, self.space)
        self._accepts_report = objective is not None and takes_report(objective)
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._status = "idle"
        self.status_reason: str | None = None
        self._paused = False
        self._stop = False
        self._limit: int | None = None  # total trials started at which the budget ends
        self._pause_at: int | None = None  # total started at which step() pauses
        self._deadline: float | None = None
        self._started = 0
        self._failed = False  # the run is stopping because it failed; "failed" once all exit
        self._rows_lock = threading.Lock()  # a row's update and its announcement go together
        self._active = 0  # slots claimed whose trial has not been told yet
        self._failures_in_row = 0
        self.budget: int | None = None
        self.started_at: float | None = None
        self._dashboard: Any = None
        self.steering.subscribe(self._on_steering)

    # -- state --------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        return self._status

    @property
    def started_count(self) -> int:
        """Trials started by this process's run (those a pause stops)."""
        with self._cond:
            return self._started

    @property
    def counts(self) -> dict[str, int]:
        return self.records_.counts()

    @property
    def best_value(self) -> float | None:
        best = self.records_.best
        return None if best is None else best["value"]

    @property
    def best_trial_number(self) -> int | None:
        best = self.records_.best
        return None if best is None else best["number"]

    def best_config(self) -> dict[str, Any]:
        """The best trial's configuration; rejected trials never count."""
        best = self.records_.best
        if best is None:
            raise ValueError("no completed trial yet (rejected trials do not count)")
        return dict(best["params"])

    def records(self) -> list[dict[str, Any]]:
        return self.records_.all()

    def record(self, number: int) -> dict[str, Any]:
        return self.records_.get(number)

    def to_dataframe(self) -> pd.DataFrame:
        return export_mod.dataframe(self.records(), self.space)

    def export(self, path: str | Path) -> Path:
        """Write best config, space, steering log and every trial (JSON, or YAML by suffix)."""
        doc = export_mod.document(self.direction, self.space, self.steering, self.records(),
                                  self.records_.best)
        return export_mod.dump(doc, Path(path))

    @staticmethod
    def from_export(path: str | Path) -> export_mod.ExportedRun:
        return export_mod.read(Path(path))

    def dashboard(self) -> Any:
        """The widgets for this run. Re-running the cell that calls this replaces the previous
        dashboard, which is closed so it stops listening to the run."""
        from hcautoml_widgets.widgets import Dashboard

        if self._dashboard is not None:
            self._dashboard.close()
        self._dashboard = Dashboard(self)
        return self._dashboard

    # -- control ------------------------------------------------------------------------------
    def start(self, n_trials: int | None = None, timeout: float | None = None) -> str:
        """Start optimising in the background and return at once."""
        if self.objective is None:
            raise ValueError("this run has no objective (loaded for inspection); pass one to "
                             "Run.load(..., objective=f) to continue it")
        if n_trials is not None and (not isinstance(n_trials, int) or n_trials < 0):
            raise ValueError(f"n_trials must be a non-negative integer, got {n_trials!r}")
        with self._cond:
            if self._status in ("running", "paused", "stopping"):
                return self._refuse(f"already {self._status}: start() does nothing")
            self._begin(n_trials, timeout)
            self._launch()
            return "running"

    def _begin(self, n_trials: int | None, timeout: float | None) -> None:
        self._stop = False
        self._failed = False
        self._paused = False
        self._pause_at = None
        self._failures_in_row = 0
        self.status_reason = None
        self.budget = n_trials
        self._limit = None if n_trials is None else self._started + n_trials
        self._deadline = None if timeout is None else time.monotonic() + timeout
        self.started_at = time.time()

    def pause(self) -> int:
        """No new trial starts once this returns; running trials finish. Returns the number of
        trials started so far."""
        with self._cond:
            if self._status != "running":
                self._refuse(f"not running ({self._status}): pause() does nothing")
                return self._started
            self._paused = True
            self._pause_at = None
            self._set_status("paused")
            return self._started

    def resume(self) -> str:
        with self._cond:
            if self._status != "paused":
                return self._refuse(f"not paused ({self._status}): resume() does nothing")
            self._paused = False
            self._pause_at = None
            self._set_status("running")
            self._cond.notify_all()
            return "running"

    def step(self, n: int = 1) -> str:
        """Run ``n`` more trials, then pause."""
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"step(n): n must be a positive integer, got {n!r}")
        with self._cond:
            if self._status in ("idle", "finished", "failed"):
                if self.objective is None:
                    raise ValueError("this run has no objective (loaded for inspection)")
                self._begin(None, None)
                self._pause_at = self._started + n
                self._launch()
                return "running"
            if self._status == "stopping":
                return self._refuse("stopping: step() does nothing")
            self._pause_at = self._started + n
            self._paused = False
            self._set_status("running")
            self._cond.notify_all()
            return "running"

    def stop(self, wait: bool = True) -> str:
        """Start no more trials; with ``wait``, return once running trials have finished."""
        with self._cond:
            if self._status in ("idle", "finished", "failed"):
                return self._refuse(f"not running ({self._status}): stop() does nothing")
            self._stop = True
            self._paused = False
            self.status_reason = "stopped by request"
            self._set_status("stopping")
            self._cond.notify_all()
        if wait:
            self.wait()
        return self._status

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the workers have exited (or the run is paused with nothing running).
        Returns False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._threads and not (self._paused and not self._stop
                                         and self._running_count() == 0):
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    return False
                self._cond.wait(left if left is not None else 0.5)
        return True

    # -- the optimiser threads ----------------------------------------------------------------
    def _launch(self) -> None:
        self._set_status("running")
        self._threads = [threading.Thread(target=self._work, name=f"hcw-worker-{i}", daemon=True)
                         for i in range(self.n_workers)]
        for t in self._threads:
            t.start()

    def _running_count(self) -> int:
        return self._active

    def _claim(self) -> bool:
        """Reserve the next trial slot, waiting while paused; False when the run is over."""
        with self._cond:
            while True:
                if self._stop:
                    return False
                if self._limit is not None and self._started >= self._limit:
                    self.status_reason = self.status_reason or "budget used up"
                    return False
                if self._deadline is not None and time.monotonic() >= self._deadline:
                    self.status_reason = self.status_reason or "timeout reached"
                    return False
                if self._pause_at is not None and self._started >= self._pause_at:
                    self._pause_at = None
                    self._paused = True
                    self._set_status("paused")
                if not self._paused:
                    self._started += 1
                    self._active += 1
                    if self._pause_at is not None and self._started >= self._pause_at:
                        self._pause_at = None
                        self._paused = True
                        self._set_status("paused")
                    return True
                self._cond.notify_all()  # wake wait(): paused may mean done for now
                self._cond.wait(0.5)

    def _work(self) -> None:
        try:
            while self._claim():
                try:
                    self._one_trial()
                except Exception as exc:  # storage or sampler broke: stop, and say why
                    with self._cond:
                        self._active -= 1
                    self._fail_run(f"internal error: {type(exc).__name__}: {exc}")
        finally:
            with self._cond:
                me = threading.current_thread()
                self._threads = [t for t in self._threads if t is not me]
                if not self._threads:
                    # Only now: a new start() must not run beside workers still finishing.
                    self._set_status("failed" if self._failed else "finished")
                self._cond.notify_all()

    def _one_trial(self) -> None:
        started = time.time()
        trial = self.study.ask()
        # Rows are built from what this thread already knows: reading the trial back from the
        # storage deep-copies it, which was most of this loop's own cost.
        row: dict[str, Any] = {
            "number": trial.number, "state": "running", "value": None, "params": {},
            "origin": "startup", "version": self.steering.version, "review": None,
            "start": started, "end": None, "duration": None, "error": None, "score": None,
            "enqueued": None,
        }
        try:
            row["params"] = ask_config(trial, self.space)
            provenance = self.sampler.provenance(trial)
            row.update(origin=provenance.get(ATTR_ORIGIN, "startup"),
                       version=provenance.get(ATTR_VERSION, row["version"]),
                       score=provenance.get(ATTR_SCORE),
                       enqueued=provenance.get(ATTR_ENQUEUED))
            self._publish_row(dict(row))
            assert self.objective is not None
            state, value, error = evaluate(self.objective, row["params"], trial,
                                           self._accepts_report)
            if error is not None:
                self.study._storage.set_trial_system_attr(trial._trial_id, ATTR_ERROR, error)
            if state == TrialState.COMPLETE:
                self.study.tell(trial, value)
            else:
                self.study.tell(trial, state=state)
        except Exception as exc:
            # The trial must not stay RUNNING for ever: fail it, then let the run stop.
            reason = f"internal error: {type(exc).__name__}: {exc}"[:500]
            with contextlib.suppress(Exception):
                self.study._storage.set_trial_system_attr(trial._trial_id, ATTR_ERROR, reason)
                self.study.tell(trial, state=TrialState.FAIL)
            self._publish_row({**row, "state": "failed", "end": time.time(), "error": reason})
            raise
        end = time.time()
        self._publish_row({**row, "state": _STATE_NAMES[state], "value": value, "end": end,
                           "duration": end - started, "error": error})
        self._after_trial(state, error)

    def _publish_row(self, row: dict[str, Any]) -> None:
        with self._rows_lock:
            self.feed.publish({"type": "trial", "record": self.records_.put(row)})

    def _after_trial(self, state: TrialState, error: str | None) -> None:
        with self._cond:
            self._active -= 1
            if state == TrialState.FAIL:
                self._failures_in_row += 1
            else:
                self._failures_in_row = 0
            self._publish_status()
            self._cond.notify_all()
        if self._failures_in_row >= self.max_consecutive_failures:
            self._fail_run(f"{self._failures_in_row} trials in a row failed; last error: {error}")

    def _fail_run(self, reason: str) -> None:
        with self._cond:
            if not self._failed:
                self._stop = True
                self._failed = True
                self._paused = False
                self.status_reason = reason
                self._set_status("stopping")
            self._cond.notify_all()

    # -- events -------------------------------------------------------------------------------
    def _set_status(self, status: str) -> None:
        self._status = status
        self._publish_status()

    def _publish_status(self) -> None:
        best = self.records_.best
        self.feed.publish({
            "type": "status", "status": self._status, "reason": self.status_reason,
            "counts": self.records_.counts(), "budget": self.budget,
            "best_value": None if best is None else best["value"],
            "best_trial_number": None if best is None else best["number"],
            "started_at": self.started_at,
        })

    def _on_steering(self, event: SteeringEvent) -> None:
        store.save_event(self._storage, self._study_id, event)
        with self._rows_lock:
            changed = self.records_.set_reviews(self.steering.state.reviews)
            self.feed.publish({"type": "steering", "event": event.to_dict(),
                               "state": self.steering.state_dict()})
            for row in changed:
                self.feed.publish({"type": "trial", "record": row})
        if changed:
            self._publish_status()

    def _refuse(self, message: str) -> str:
        warnings.warn(message, RunStateWarning, stacklevel=3)
        return message

    # -- loading ------------------------------------------------------------------------------
    @classmethod
    def load(cls, storage: str | BaseStorage, study_name: str,
             objective: Callable[..., Any] | None = None, fail_running: bool = True,
             **kwargs: Any) -> Run:
        """Reattach to a stored run: its trials, its steering log and state come back.

        With ``fail_running`` (after a kernel restart), trials left RUNNING by the process that
        died are marked failed with that reason. Pass ``fail_running=False`` to attach to a
        study whose trials other live processes are still running."""
        backend = store.open_storage(storage)
        if not store.study_exists(backend, study_name):
            raise ValueError(f"no study named {study_name!r} in this storage")
        study_id = backend.get_study_id_from_name(study_name)
        space = store.load_space(backend, study_id)
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
        return run


@contextmanager
def _quiet_optuna() -> Iterator[None]:
    """Optuna announces every study it creates at INFO level; in a notebook that line lands
    under the cell that made the run, before the dashboard. Warnings still come through."""
    logger = logging.getLogger("optuna")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)
