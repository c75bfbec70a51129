"""Watching and steering a worker fleet from the notebook: ``hcw.Run.attach(storage, name)``.

The attached run is a :class:`~hcautoml_widgets.core.run.Run` without an objective. A background
poller reads, about once a second, only what changed in the study (see :mod:`fleet`): steering
events made elsewhere, the fleet control, the workers' records, and the trials that are new or
were unfinished at the previous read. It publishes them into ``run.feed`` exactly as a local run
does, so the dashboard and the insights work unchanged. ``pause()``, ``resume()`` and ``stop()``
store the fleet control instead of steering threads; each row carries the worker that ran it.
"""

from __future__ import annotations

import contextlib
import threading
import time
import warnings
from typing import Any

from optuna.storages import BaseStorage, RDBStorage
from optuna.trial import FrozenTrial, TrialState

from hcautoml_widgets.core import fleet
from hcautoml_widgets.core import persistence as store
from hcautoml_widgets.core.attrs import ATTR_ENQUEUED, ATTR_ERROR
from hcautoml_widgets.core.control import Outcome, RunStateWarning
from hcautoml_widgets.core.events import SteeringEvent
from hcautoml_widgets.core.records import row_from_trial
from hcautoml_widgets.core.run import Run
from hcautoml_widgets.core.steering import Steering
from hcautoml_widgets.core.storage_url import connect, redact
from hcautoml_widgets.core.words import plural
from hcautoml_widgets.core.worker import enqueue_waiting

UNDONE_REASON = "its enqueue was undone before a worker ran it"
_STATUS = {"paused": "paused", "stopped": "stopped"}


def open_fleet_storage(storage: str | BaseStorage) -> BaseStorage:
    if isinstance(storage, BaseStorage):
        return storage
    if not isinstance(storage, str):
        raise ValueError(f"storage must be a URL or an Optuna storage, got {type(storage)}")
    return connect(storage)


def row_of(trial: FrozenTrial) -> dict[str, Any]:
    """A trial's row, with the worker that ran it."""
    row = row_from_trial(trial)
    row["worker"] = trial.system_attrs.get(fleet.ATTR_WORKER)
    return row


class AttachedRun(Run):
    """A run whose trials worker processes run; see :func:`attach_run`."""

    refresh_interval: float = 1.0
    _url: str = ""

    # -- wiring (called once by attach_run) --------------------------------------------------
    def _attach(self, url: str, refresh_interval: float) -> None:
        self._url = redact(url)
        self.refresh_interval = refresh_interval
        self.fleet_control = fleet.Control()
        self.workers: dict[str, dict[str, Any]] = {}
        self.last_refresh: dict[str, int] = {"attrs": 0, "trials": 0}
        self.refreshes = 0
        self._max_trial_id = -1
        self._unfinished: set[int] = set()
        self._poll_lock = threading.Lock()
        self._closed = threading.Event()
        self._poller: threading.Thread | None = None
        self._adopting = threading.local()  # set while this thread applies an edit made elsewhere
        self.steering.subscribe(self._on_own_edit)
        self.refresh()
        self._poller = threading.Thread(target=self._poll, name="hcw-attach", daemon=True)
        self._poller.start()

    def __repr__(self) -> str:
        return (f"<AttachedRun study={self.study.study_name!r} storage={self._url!r} "
                f"status={self.status!r} workers_alive={self.workers_alive}>")

    def close(self) -> None:
        """Stop polling the storage (the fleet is not affected)."""
        self._closed.set()

    # -- state --------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        state = self.fleet_control.state
        if state in _STATUS:
            return _STATUS[state]
        return "running" if self.workers_alive else "idle"

    @property
    def status_reason(self) -> str | None:
        return f"{plural(self.workers_alive, 'worker')} alive"

    @property
    def workers_alive(self) -> int:
        return len(fleet.alive(self.workers))

    def status_event(self) -> dict[str, Any]:
        event = super().status_event()
        event.update(status=self.status, reason=self.status_reason, budget=None,
                     step_remaining=None, workers_alive=self.workers_alive,
                     workers=len(self.workers), fleet_version=self.fleet_control.version)
        return event

    # -- control: stored with the study, obeyed by every worker -------------------------------
    def _set_fleet(self, state: str) -> Outcome:
        self.fleet_control = fleet.set_control(self._storage, self._study_id, state)
        self.feed.status_changed()
        return Outcome(self.status, True)

    def start(self, n_trials: int | None = None, timeout: float | None = None, *,
              quiet: bool = False) -> Outcome:
        """Lets a paused or stopped fleet run; trials are run by worker processes, started
        with ``hcautoml-widgets worker`` (budgets are theirs)."""
        return self._set_fleet("running")

    def pause(self, *, quiet: bool = False) -> Outcome:
        """Store a fleet pause: each worker acknowledges it before its next trial and starts
        none until resumed (trials inside their objective finish)."""
        return self._set_fleet("paused")

    def resume(self, *, quiet: bool = False) -> Outcome:
        return self._set_fleet("running")

    def stop(self, wait: bool = True, *, quiet: bool = False) -> Outcome:
        """Store a fleet stop: every worker exits after its running trial; with ``wait``,
        return once none is alive (at most a minute)."""
        out = self._set_fleet("stopped")
        if wait:
            self.wait(60.0)
        return out

    def step(self, n: int = 1, *, quiet: bool = False) -> Outcome:
        out = Outcome("step() is not available for a worker fleet: pause, then resume", False)
        if not quiet:
            warnings.warn(str(out), RunStateWarning, stacklevel=2)
        return out

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no worker is alive, or the fleet is paused with no trial running."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            self.refresh()
            running = self.records_.counts()["running"]
            if not self.workers_alive or (self.fleet_control.state == "paused" and not running):
                return True
            if deadline is not None and time.monotonic() >= deadline:
                return False
            time.sleep(min(0.5, self.refresh_interval))

    # -- polling ------------------------------------------------------------------------------
    def _poll(self) -> None:
        while not self._closed.wait(self.refresh_interval):
            # A lost connection is retried at the next tick; the views keep what they have.
            with contextlib.suppress(*fleet.transient_errors()):
                self.refresh()

    def refresh(self) -> dict[str, int]:
        """Read what changed since the last refresh and publish it; returns the rows read."""
        with self._poll_lock:
            snap = fleet.Snapshot.read(self._storage, self._study_id,
                                       after=len(self.steering.log), with_workers=True)
            for ev in snap.events:
                self._adopt(ev)
            status_before = (self.status, self.workers_alive)
            self.fleet_control, self.workers = snap.control, snap.workers
            trials = fleet.fetch_trials(self._storage, self._study_id, self._max_trial_id,
                                        self._unfinished)
            self._take(trials)
            self.last_refresh = {"attrs": snap.rows_read, "trials": len(trials)}
            self.refreshes += 1
        if trials or status_before != (self.status, self.workers_alive):
            self.feed.status_changed()
        return dict(self.last_refresh)

    def _adopt(self, ev: SteeringEvent) -> None:
        """An edit stored by another process (another notebook)."""
        if ev.seq <= len(self.steering.log):  # ours, stored first, applied meanwhile
            return
        self._adopting.on = True
        try:
            with contextlib.suppress(ValueError):  # out of order: the next refresh rereads it
                self.steering.append(ev)
        finally:
            self._adopting.on = False

    def _take(self, trials: list[FrozenTrial]) -> None:
        for t in trials:
            self._max_trial_id = max(self._max_trial_id, t._trial_id)
            if t.state.is_finished():
                self._unfinished.discard(t._trial_id)
            else:
                self._unfinished.add(t._trial_id)
            seq = t.system_attrs.get(ATTR_ENQUEUED)
            if seq is not None and t.state != TrialState.WAITING:
                self.steering.mark_consumed(int(seq), t.number)
            if t.state == TrialState.WAITING:
                continue  # not a trial yet: the queue in the steering state shows it
            with self._loop.rows_lock:
                row = self.records_.put(row_of(t))
                self.feed.publish({"type": "trial", "record": row})

    # -- enqueues: Optuna's WAITING trials, which the storage hands to one worker -------------
    def _on_own_edit(self, ev: SteeringEvent) -> None:
        if getattr(self._adopting, "on", False):
            return  # made elsewhere (another notebook), which queued it
        if ev.kind == "enqueue":
            enqueue_waiting(self._storage, self._study_id, ev.seq, dict(ev.payload["config"]))
        elif ev.kind == "undo" and ev.payload.get("kind") == "enqueue":
            self._cancel_waiting(int(ev.payload["target"]))
        elif ev.kind == "dequeue":
            for seq in ev.payload["seqs"]:
                self._cancel_waiting(int(seq))
        elif ev.kind == "undo" and ev.payload.get("kind") == "dequeue":
            # The cleared configurations are queued again, as the enqueues they were.
            target = self.steering.log[int(ev.payload["target"]) - 1]
            queued = dict(self.steering.state.enqueued)
            for seq in target.payload["seqs"]:
                if int(seq) in queued:
                    enqueue_waiting(self._storage, self._study_id, int(seq),
                                    dict(queued[int(seq)]))

    def _cancel_waiting(self, seq: int) -> None:
        """Fail the WAITING trial of enqueue ``seq`` (whichever notebook queued it)."""
        for t in self._storage.get_all_trials(self._study_id, deepcopy=False,
                                              states=(TrialState.WAITING,)):
            if t.system_attrs.get(ATTR_ENQUEUED) == seq:
                # False when a worker popped it first: then it runs, as enqueued.
                fleet.cancel_waiting(self._storage, t._trial_id, ATTR_ERROR, UNDONE_REASON)


def attach_run(storage: str | BaseStorage, study_name: str, *, space: Any = None,
               direction: str = "minimize", metric: str | None = None,
               refresh_interval: float = 1.0, cls: type[AttachedRun] = AttachedRun,
               **kwargs: Any) -> AttachedRun:
    """Attach to the study ``study_name`` that fleet workers run (see :meth:`Run.attach`).

    Args:
        storage: a database URL (``postgresql://user:pw@host/db``; the password is never shown)
            or an Optuna RDB storage.
        study_name: the study's name.
        space: when the study does not exist yet, create it with this space (and
            ``direction``, ``metric``), ready for workers.
        refresh_interval: seconds between reads of the storage.
    """
    if not refresh_interval > 0:
        raise ValueError(f"refresh_interval must be positive, got {refresh_interval!r}")
    backend = open_fleet_storage(storage)
    url = storage if isinstance(storage, str) else getattr(storage, "url", "")
    if store.study_exists(backend, study_name):
        study_id = backend.get_study_id_from_name(study_name)
        loaded = store.load_space(backend, study_id)
        steering: Steering | None = Steering(loaded, store.load_events(backend, study_id))
        direction = backend.get_study_directions(study_id)[0].name.lower()
        metric = metric or store.load_metric(backend, study_id)
        space = loaded
    elif space is None:
        raise ValueError(f"no study named {study_name!r} in {redact(str(url))}; pass space=... "
                         "to create it")
    else:
        steering = None
    run = cls(None, space, direction=direction, storage=backend, study_name=study_name,
              metric=metric, _steering=steering, **kwargs)
    run._attach(str(url), refresh_interval)
    return run


def storage_url_of(run: Run) -> str:
    """The storage's URL as it may be shown (password redacted)."""
    storage = getattr(run, "_storage", None)
    return redact(str(storage.url)) if isinstance(storage, RDBStorage) else ""


__all__ = ["AttachedRun", "attach_run", "row_of", "storage_url_of"]
