"""A fleet worker: runs trials of a study stored in an RDB (PostgreSQL), obeying the steering log
and the fleet control stored with it (``hcautoml-widgets worker``).

Before each trial the worker reads, in one query, the steering events newer than those it holds
and the fleet control; so an edit stored by the notebook binds every trial a worker starts after
it. Pause is acknowledged (see :mod:`fleet`); stop and SIGTERM end the worker after its running
trial (a second SIGTERM, or SIGINT, fails that trial at once): a trial is never left RUNNING.
A worker killed outright leaves its trial to Optuna's heartbeat: the next worker to start a trial
fails it with :data:`STALE_REASON`. Lost connections are retried with backoff.

Enqueued configurations run exactly once in a fleet: the notebook turns each enqueue event into
an Optuna WAITING trial (:func:`enqueue_waiting`), which the storage hands to one worker only.
"""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from types import FrameType
from typing import Any, cast

import optuna
from optuna.storages import BaseStorage
from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState

from hcautoml_widgets.core import fleet
from hcautoml_widgets.core import persistence as store
from hcautoml_widgets.core.attrs import ATTR_ENQUEUED, ATTR_ERROR
from hcautoml_widgets.core.events import SteeringEvent
from hcautoml_widgets.core.objective import ask_config, evaluate, takes_report
from hcautoml_widgets.core.sampler import SteeredSampler
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering
from hcautoml_widgets.core.storage_url import StorageUnavailable, connect, redact

STALE_REASON = "worker lost: no heartbeat within the grace period (killed or cut off)"
TERM_REASON = "worker terminated (SIGTERM/SIGINT) while the trial ran"
_log = logging.getLogger("hcautoml_widgets.worker")


class _Terminate(BaseException):
    """Raised in the main thread to abandon the running objective (not an Exception, so the
    objective's own ``except Exception`` cannot swallow it)."""


class FleetSteering(Steering):
    """The steering log as a worker holds it. Enqueued configurations are never taken from the
    log (every worker holds the same log, so each would run them); a trial popped from Optuna's
    WAITING queue brings its own, registered by :class:`FleetSampler`."""

    def __init__(self, space: SearchSpace, events: list[SteeringEvent]) -> None:
        super().__init__(space, events)
        self.assigned: dict[int, tuple[int, dict[str, Any]]] = {}

    def take_next(self, trial_number: int) -> tuple[int, dict[str, Any]] | None:
        return self.assigned.pop(trial_number, None)


class FleetSampler(SteeredSampler):
    """The steered sampler of a worker: it reads the newest steering events once the trial
    exists, so a trial created after an edit was stored always obeys it."""

    refresh: Callable[[], None] | None = None
    on_trial: Callable[[int], None] | None = None
    fleet_storage: fleet.FleetStorage | None = None

    def before_trial(self, study: Study, trial: FrozenTrial) -> None:
        if self.refresh is not None:
            self.refresh()
        seq = trial.system_attrs.get(ATTR_ENQUEUED)
        fixed = trial.system_attrs.get("fixed_params")
        if seq is not None and fixed and isinstance(self.steering, FleetSteering):
            self.steering.assigned[trial.number] = (int(seq), dict(fixed))
        if self.fleet_storage is not None:
            self.fleet_storage.holding = trial._trial_id
        super().before_trial(study, trial)
        if self.on_trial is not None:
            # The heartbeat starts, the worker is named, and the steering version the sampler
            # just noted is stored: one transaction.
            self.on_trial(trial._trial_id)


def enqueue_waiting(storage: BaseStorage, study_id: int, seq: int,
                    config: dict[str, Any]) -> int:
    """Turn enqueue event ``seq`` into a WAITING trial that exactly one worker will pop."""
    template = optuna.trial.create_trial(state=TrialState.WAITING,
                                         system_attrs={"fixed_params": dict(config),
                                                       ATTR_ENQUEUED: int(seq)})
    return storage.create_new_trial(study_id, template_trial=template)


def load_objective(spec: str) -> Callable[..., Any]:
    """``package.module:function`` -> the function (the working directory is importable)."""
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise ValueError(f"--objective must look like module:function, got {spec!r}")
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ValueError(f"cannot import {module_name!r} for --objective: {exc}") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            raise ValueError(f"{module_name!r} has no attribute {attr!r} for --objective")
        obj = getattr(obj, part)
    if not callable(obj):
        raise ValueError(f"--objective {spec!r} is not callable")
    return obj


class Worker:
    """One worker process's loop. ``run()`` returns the number of trials it finished.

    Args:
        storage: an RDB URL (``postgresql://user:pw@host/db``).
        study_name: the study, created beforehand by the notebook (it stores the space).
        objective: ``objective(config)`` or ``objective(config, report)``.
        n_trials / timeout: this worker's own budget; None runs until the fleet is stopped.
        heartbeat_interval / grace_period: Optuna's trial heartbeat (seconds).
        poll_interval: how often a paused worker reads the control again (seconds).
        seed: seeds this worker's sampler (give each worker its own, or None).
    """

    def __init__(self, storage: str, study_name: str, objective: Callable[..., Any], *,
                 n_trials: int | None = None, timeout: float | None = None,
                 heartbeat_interval: int = 2, grace_period: int | None = None,
                 poll_interval: float = 0.5, seed: int | None = None,
                 patience: float = 300.0) -> None:
        if n_trials is not None and n_trials < 0:
            raise ValueError(f"n_trials must be non-negative, got {n_trials}")
        self.url = storage
        self.study_name = study_name
        self.objective = objective
        self.n_trials = n_trials
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.patience = patience
        self.id = fleet.worker_id()
        self.heartbeat_interval = heartbeat_interval
        # Optuna's default grace (twice the interval) fails a trial after a 4-second hiccup.
        self.grace_period = grace_period or max(20, 5 * heartbeat_interval)
        self._last_outage = -float("inf")
        self._last_stale_check = -float("inf")
        self.storage = cast(fleet.FleetStorage, connect(
            storage, heartbeat_interval=heartbeat_interval, grace_period=self.grace_period,
            storage_cls=fleet.FleetStorage))
        try:
            self.study_id = self.storage.get_study_id_from_name(study_name)
        except KeyError:
            raise ValueError(f"no study named {study_name!r} in {redact(storage)}: create it "
                             "from the notebook first (hcw.Run.attach(..., space=...))") from None
        self.space = store.load_space(self.storage, self.study_id)
        self.steering = FleetSteering(self.space, [])
        self.sampler = FleetSampler(self.steering, seed=seed)
        self.sampler.refresh = self._refresh
        self.sampler.fleet_storage = self.storage
        self.sampler.on_trial = lambda trial_id: self._retry(
            lambda: self.storage.label(trial_id, self.id), "labelling a trial")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            self.study = optuna.load_study(study_name=study_name, storage=self.storage,
                                           sampler=self.sampler)
        self._with_report = takes_report(objective)
        self.control = fleet.Control()
        self.finished = 0
        self._term = 0
        self._in_objective = False
        self._trial: optuna.Trial | None = None
        self._state = "starting"
        self._acked = -1
        self._ack_key: tuple[str, int] = ("", -1)
        self._ack_time = 0.0
        self._lock = threading.Lock()
        self._done = threading.Event()

    # -- signals ------------------------------------------------------------------------------
    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self._term += 1
        hard = signum == signal.SIGINT or self._term > 1
        if hard and self._in_objective:
            raise _Terminate()

    # -- storage ------------------------------------------------------------------------------
    def _retry(self, fn: Callable[[], Any], what: str) -> Any:
        return fleet.retrying(fn, what, patience=self.patience, on_retry=self._outage)

    def _outage(self, message: str = "") -> None:
        self._last_outage = time.monotonic()

    def _report(self, state: str | None = None) -> None:
        if state is not None:
            self._state = state
        trial = self._trial
        if (self._state, self.control.version) != self._ack_key:
            self._ack_key = (self._state, self.control.version)
            self._ack_time = time.time()
        self._acked = self.control.version
        info = {"id": self.id, "ack": self._acked, "ack_time": self._ack_time,
                "state": self._state,
                "trial": None if trial is None else trial.number, "finished": self.finished}
        fleet.write_worker(self.storage, self.study_id, self.id, info)

    def _beat(self) -> None:
        """Trial heartbeat (Optuna's) and worker liveness, until the worker ends."""
        interval = float(self.storage.heartbeat_interval or 2)
        while not self._done.wait(interval):
            try:
                trial = self._trial
                if trial is not None:
                    self.storage.record_heartbeat(trial._trial_id)
                self._report()
            except fleet.transient_errors():
                self._outage()

    def _refresh(self, with_control: bool = False) -> None:
        """Read the steering events newer than ours (and the fleet control) in one query."""
        snap = self._retry(lambda: fleet.Snapshot.read(
            self.storage, self.study_id, after=len(self.steering.log), with_control=with_control),
            "reading the steering log")
        if snap.events:
            # Rebuilt, not appended to: the log is validated as a whole, and edits are rare.
            self.steering = FleetSteering(self.space, [*self.steering.log, *snap.events])
            self.sampler.steering = self.steering
        if with_control:
            self.control = snap.control

    def _fail_stale(self) -> None:
        """Optuna's stale-trial check, saying why on the trial before failing it.

        Right after this worker lost the storage, every live worker's heartbeat looks stale
        too (none could beat during the outage): the check waits one grace period, so an
        outage fails no trial that is still running."""
        now = time.monotonic()
        if now - self._last_outage < self.grace_period + self.heartbeat_interval:
            return
        if now - self._last_stale_check < self.heartbeat_interval:
            return  # a trial goes stale in grace-period seconds: checking per trial buys nothing
        self._last_stale_check = now
        for trial_id in self.storage._get_stale_trial_ids(self.study_id):
            with contextlib.suppress(optuna.exceptions.UpdateFinishedTrialError, RuntimeError):
                self.storage.set_trial_system_attr(trial_id, ATTR_ERROR, STALE_REASON)
                self.storage.set_trial_state_values(trial_id, TrialState.FAIL)

    # -- the loop -----------------------------------------------------------------------------
    def run(self) -> int:
        main = threading.current_thread() is threading.main_thread()
        old = {}
        if main:
            for sig in (signal.SIGTERM, signal.SIGINT):
                old[sig] = signal.signal(sig, self._on_signal)
        beat = threading.Thread(target=self._beat, name="hcw-worker-beat", daemon=True)
        deadline = None if self.timeout is None else time.monotonic() + self.timeout
        try:
            self._retry(lambda: self._report("running"), "registering")
            beat.start()
            while not self._term:
                if self.n_trials is not None and self.finished >= self.n_trials:
                    break
                if deadline is not None and time.monotonic() >= deadline:
                    break
                self._refresh(with_control=True)
                if self.control.state == "stopped":
                    break
                if self.control.state == "paused":
                    # Acknowledged only here, where no objective starts before the next read.
                    self._acknowledge("paused")
                    time.sleep(self.poll_interval)
                    continue
                self._acknowledge("running")
                self._one_trial()
        finally:
            self._done.set()
            with contextlib.suppress(Exception):
                self._report("exited")
            for sig, handler in old.items():
                signal.signal(sig, handler)
        return self.finished

    def _acknowledge(self, state: str) -> None:
        if (self._state, self._acked) != (state, self.control.version):
            self._retry(lambda: self._report(state), "acknowledging the fleet control")

    def _one_trial(self) -> None:
        with warnings.catch_warnings():
            # Optuna warns that heartbeats are meant for optimize(); this loop beats itself.
            warnings.simplefilter("ignore")
            self._retry(self._fail_stale, "checking heartbeats")
            trial = self._retry(self.study.ask, "starting a trial")
        self._trial = trial
        try:
            # Optuna samples on the first suggest, after ask: an outage that begins between the
            # two must be ridden out here too. Asking again is safe: a parameter already stored
            # is read back, and the relative sample is only kept once it succeeded.
            config = self._retry(lambda: ask_config(trial, self.space), "sampling a trial")
            self._in_objective = True
            try:
                state, value, error = evaluate(self.objective, config, trial, self._with_report)
            finally:
                self._in_objective = False
        except _Terminate:
            state, value, error = TrialState.FAIL, None, TERM_REASON
        except Exception as exc:  # the sampler or storage broke: fail the trial, not silently
            self._finish(trial, TrialState.FAIL, None, f"{type(exc).__name__}: {exc}"[:500])
            raise
        self._finish(trial, state, value, error)

    def _finish(self, trial: optuna.Trial, state: TrialState, value: float | None,
                error: str | None) -> None:
        tries = 0

        def tell() -> None:
            nonlocal tries
            tries += 1
            current = self.storage.get_trial(trial._trial_id).state if tries > 1 else None
            if current is not None and current.is_finished():
                # Told already before a connection broke, or failed as stale by another worker.
                if current != state:
                    _log.warning("trial %d was already %s; its result is dropped",
                                 trial.number, current.name)
                return
            if error is not None:
                self.storage.set_trial_system_attr(trial._trial_id, ATTR_ERROR, error)
            if state == TrialState.COMPLETE:
                self.study.tell(trial, value)
            else:
                self.study.tell(trial, state=state)

        self._retry(tell, "finishing a trial")
        self._trial = None
        self.storage.holding = None
        self.finished += 1


def main(storage: str, study_name: str, objective: str, n_trials: int | None = None,
         timeout: float | None = None, heartbeat_interval: int = 2,
         grace_period: int | None = None, seed: int | None = None) -> int:
    """The CLI's entry: a one-line error on stderr (exit 2) for what the user must fix."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        fn = load_objective(objective)
        worker = Worker(storage, study_name, fn, n_trials=n_trials, timeout=timeout,
                        heartbeat_interval=heartbeat_interval, grace_period=grace_period,
                        seed=seed)
    except (ValueError, StorageUnavailable) as exc:
        print(f"hcautoml-widgets worker: {redact(str(exc))}", file=sys.stderr)
        return 2
    _log.info("worker %s on study %r at %s", worker.id, study_name, redact(storage))
    done = worker.run()
    if worker._term:
        # run() put the previous handlers back; a second SIGTERM sent a moment after the first
        # (the way to say "fail the trial now") can land after the trial ended by itself, and
        # would then kill a process that has nothing left to abort as it exits.
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, signal.SIG_IGN)
    _log.info("worker %s finished %d trials", worker.id, done)
    return 0
