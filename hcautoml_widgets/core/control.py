"""The run's control state machine: one status, one condition variable, and the rules of start,
pause, resume, step and stop.

Statuses (:class:`Status`): ``idle`` (never started), ``running``, ``paused``, ``stopped``
(``stop()`` was called; trials already inside their objective still finish), ``finished`` (the
budget or the timeout ended the run), ``failed`` (too many failures in a row, or an internal
error). ``status_reason`` says why. A step in progress is ``running`` with ``step_remaining`` set.
There is no transitional status: ``wait()`` tells when the trials still running have ended.

Counting. A worker *claims* a slot (``claim``), samples the trial, then *enters* the objective
(``enter``). Budgets and steps count claims, so ``step(n)`` makes exactly n objective calls.

Pause is exact. Once ``pause()`` (or ``stop()``) returns, no objective call begins until
``resume()`` or ``step()``. A slot that was claimed before the pause but is still being sampled
would otherwise enter its objective later, under steering that may have changed while paused.
Two designs were possible: hold such a trial and re-check it against the steering on resume, or
let ``pause()`` wait the few milliseconds until every claimed slot has entered. The second is
used: sampling takes milliseconds (TPE ~20 ms), a held trial would need a second sampling rule,
and a trial is never started under steering older than the pause. The trials that were sampled
before ``pause()`` returned belong to the run before the pause, and their rows say so.

External control. :meth:`Controller.add_hook` registers a *pre-claim hook*, called by every
worker, outside the lock, before it claims a slot, and about every ``poll_interval`` seconds while
the run is paused. A hook may read steering events from a shared storage and apply them, or call
``pause()``/``resume()``/``stop()`` to follow a fleet-wide command (a hook must not call
``wait()``). An exception in a hook fails the run with the hook's error as reason.

Budgets. ``start(n)`` from idle, stopped, finished or failed allows n more claims. ``step(n)``
from any status allows n more claims and pauses after them: after the budget ended it extends
the budget by n (never to unbounded), while running it lengthens the budget if needed, during a
step it adds n to the step. ``resume()`` during a step cancels the step's pause. ``resume()``
after a step that used the budget up finishes the run.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
from collections.abc import Callable
from typing import NamedTuple

_log = logging.getLogger(__name__)


class Status(str, enum.Enum):
    IDLE = "idle"
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"
    FINISHED = "finished"
    FAILED = "failed"

    def __str__(self) -> str:
        return self.value


#: Statuses from which ``start`` begins a new budget.
ENDED = (Status.IDLE, Status.STOPPED, Status.FINISHED, Status.FAILED)


class RunStateWarning(UserWarning):
    """A control call that does nothing in the run's current state."""


class Outcome(str):
    """What a control call did: the status it left (``ok``), or why it did nothing.

    A ``str`` so a cell shows it as it is; ``ok`` says whether it was accepted.
    """

    ok: bool

    def __new__(cls, text: str, ok: bool) -> Outcome:
        out = super().__new__(cls, text)
        out.ok = ok
        return out


PreClaimHook = Callable[["Controller"], None]


class Snapshot(NamedTuple):
    status: str
    reason: str | None
    started: int
    limit: int | None
    pause_at: int | None
    requested: int | None
    started_at: float | None
    paused_total: float
    paused_since: float | None


class Controller:
    """The control state of one run, shared by the caller's thread and the worker threads.

    Args:
        n_workers: worker threads a start launches (fewer when some are still alive).
        max_consecutive_failures: failed trials in a row that fail the run.
        on_change: called (without the lock) after every change of status or counts, so the
            feed can mark the status event stale; it must be cheap.
        poll_interval: how often a paused worker wakes to call the pre-claim hooks.
    """

    def __init__(self, n_workers: int, max_consecutive_failures: int,
                 on_change: Callable[[], None] = lambda: None, poll_interval: float = 0.5) -> None:
        self.n_workers = n_workers
        self.max_consecutive_failures = max_consecutive_failures
        self.poll_interval = poll_interval
        self._on_change = on_change
        self._cond = threading.Condition()
        self.status = Status.IDLE
        self.reason: str | None = None
        self.started = 0  # slots claimed in this process
        self.entered = 0  # objective calls begun in this process
        self.limit: int | None = None  # ``started`` at which the budget ends
        self.pause_at: int | None = None  # ``started`` at which the current step pauses
        self.deadline: float | None = None  # time.monotonic() at which the timeout ends
        self.active = 0  # claimed, not yet released
        self.workers = 0  # worker threads alive (or about to start)
        self.requested: int | None = None  # n_trials of the last start()
        self.started_at: float | None = None  # time.time() of the last start or step
        # Time spent paused since then (ended pauses), and when the pause in force began: the
        # elapsed time and the ETA count running time only, so a pause does not slow the pace.
        self.paused_total = 0.0
        self.paused_since: float | None = None
        self._failures_in_row = 0
        self._unentered: set[int] = set()  # threads holding a claimed slot not yet entered
        self._worker_ids: set[int] = set()
        self._hooks: list[PreClaimHook] = []
        self._waiters = 0  # threads waiting for claimed slots to enter (pause, step)
        self._idle_waiters = 0  # threads in wait()

    # -- hooks --------------------------------------------------------------------------------
    def add_hook(self, hook: PreClaimHook) -> Callable[[], None]:
        """Register a pre-claim hook (see the module docstring); returns its remover."""
        with self._cond:
            self._hooks = [*self._hooks, hook]

        def remove() -> None:
            with self._cond:
                self._hooks = [h for h in self._hooks if h is not hook]

        return remove

    # -- reading ------------------------------------------------------------------------------
    @property
    def step_remaining(self) -> int | None:
        """Claims left in the current step (None when no step is in progress)."""
        with self._cond:
            return None if self.pause_at is None else max(0, self.pause_at - self.started)

    def snapshot(self) -> Snapshot:
        """A consistent copy of the counters, for status events."""
        with self._cond:
            return Snapshot(self.status.value, self.reason, self.started, self.limit,
                            self.pause_at, self.requested, self.started_at,
                            self.paused_total, self.paused_since)

    # -- calls from the person ----------------------------------------------------------------
    def start(self, n_trials: int | None, timeout: float | None) -> tuple[Outcome, int]:
        """Begin a budget of ``n_trials`` more claims (None: no limit). Returns the outcome and
        how many worker threads the caller must launch."""
        with self._cond:
            if self.status not in ENDED:
                hint = ("; resume() runs on, step(n) runs n more"
                        if self.status == Status.PAUSED else "")
                return self._refused(f"already {self.status}: start() does nothing{hint}"), 0
            self.limit = None if n_trials is None else self.started + n_trials
            self.requested = n_trials
            self.pause_at = None
            self.deadline = None if timeout is None else time.monotonic() + timeout
            return self._launch()

    def pause(self) -> Outcome:
        with self._cond:
            if self.status != Status.RUNNING:
                return self._refused(f"not running ({self.status}): pause() does nothing")
            self.pause_at = None
            self._set(Status.PAUSED, "paused by request")
            self._await_entries()
            return Outcome(self.status.value, True)

    def resume(self) -> Outcome:
        with self._cond:
            if self.status == Status.RUNNING and self.pause_at is not None:
                self.pause_at = None  # resume during a step: run on instead of pausing
                self._changed()
                return Outcome(self.status.value, True)
            if self.status != Status.PAUSED:
                return self._refused(f"not paused ({self.status}): resume() does nothing")
            self._set(Status.RUNNING, None)
            return Outcome(self.status.value, True)

    def step(self, n: int) -> tuple[Outcome, int]:
        """``n`` more objective calls, then pause. Returns the outcome and threads to launch."""
        with self._cond:
            if self.status in ENDED:
                self.limit = self.started + n
                self.pause_at = self.limit
                self.deadline = None
                return self._launch()
            base = self.started if self.pause_at is None else self.pause_at
            self.pause_at = base + n
            if self.limit is not None:
                self.limit = max(self.limit, self.pause_at)
            if self.status == Status.PAUSED:
                self._set(Status.RUNNING, None)
            else:
                self._changed()
            return Outcome(self.status.value, True), 0

    def stop(self) -> Outcome:
        with self._cond:
            if self.status not in (Status.RUNNING, Status.PAUSED):
                return self._refused(f"not running ({self.status}): stop() does nothing")
            self.pause_at = None
            self._set(Status.STOPPED, "stopped by request")
            self._await_entries()
            return Outcome(self.status.value, True)

    def fail(self, reason: str) -> None:
        """End the run as failed (first reason wins); running trials still finish."""
        with self._cond:
            if self.status in (Status.RUNNING, Status.PAUSED):
                self.pause_at = None
                self._set(Status.FAILED, reason)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the workers have exited, or the run is paused with nothing running.
        From a worker thread (an objective that controls its own run) it returns at once."""
        if threading.get_ident() in self._worker_ids:
            return True
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._idle_waiters += 1
            try:
                while self.workers and not (self.status == Status.PAUSED and self.active == 0):
                    left = None if deadline is None else deadline - time.monotonic()
                    if left is not None and left <= 0:
                        return False
                    self._cond.wait(left)
            finally:
                self._idle_waiters -= 1
        return True

    # -- calls from the workers ---------------------------------------------------------------
    def worker_started(self) -> None:
        with self._cond:
            self._worker_ids.add(threading.get_ident())

    def claim(self) -> bool:
        """Reserve the next objective call, waiting while paused; False: the worker must exit
        (it is then no longer counted as alive)."""
        me = threading.get_ident()
        while True:
            self._run_hooks()
            with self._cond:
                if self.status == Status.RUNNING:
                    if self.deadline is not None and time.monotonic() >= self.deadline:
                        self._set(Status.FINISHED, "timeout reached")
                    elif self.limit is not None and self.started >= self.limit:
                        self._set(Status.FINISHED, "budget used up")
                    else:
                        self.started += 1
                        self.active += 1
                        self._unentered.add(me)
                        if self.pause_at is not None and self.started >= self.pause_at:
                            self.pause_at = None
                            self._set(Status.PAUSED, "step done")
                        return True
                if self.status == Status.PAUSED:
                    self._cond.notify_all()  # wake wait(): paused may mean done for now
                    self._cond.wait(self.poll_interval)
                    continue
                if self.status == Status.RUNNING:
                    continue
                self.workers -= 1
                self._worker_ids.discard(me)
                self._cond.notify_all()
                return False

    def enter(self) -> None:
        """The claimed slot's objective begins now."""
        with self._cond:
            self._unentered.discard(threading.get_ident())
            self.entered += 1
            self._wake(idle_may_change=False)

    def release(self, failed: bool, error: str | None) -> None:
        """The claimed slot's trial has been told (or broke before its objective)."""
        with self._cond:
            self._unentered.discard(threading.get_ident())
            self.active -= 1
            self._pause_clock()
            self._failures_in_row = self._failures_in_row + 1 if failed else 0
            if self._failures_in_row >= self.max_consecutive_failures:
                self.fail(f"{self._failures_in_row} trials in a row failed; last error: {error}")
            self._wake()
        self._on_change()

    # -- internals ----------------------------------------------------------------------------
    def _launch(self) -> tuple[Outcome, int]:
        self._failures_in_row = 0
        self.started_at = time.time()
        self.paused_total, self.paused_since = 0.0, None
        self._set(Status.RUNNING, None)
        # Workers still finishing a trial of the previous budget go on with this one.
        spawn = max(0, self.n_workers - self.workers)
        self.workers += spawn
        self._cond.notify_all()
        return Outcome(self.status.value, True), spawn

    def _run_hooks(self) -> None:
        """Call the pre-claim hooks (outside the lock); a failing hook fails the run."""
        for hook in self._hooks:
            try:
                hook(self)
            except Exception as exc:
                _log.exception("pre-claim hook failed")
                self.fail(f"control hook: {type(exc).__name__}: {exc}"[:500])

    def _await_entries(self) -> None:
        """Wait (holding the condition) until every claimed slot has entered its objective,
        except one held by the calling thread."""
        me = threading.get_ident()
        self._waiters += 1
        try:
            while self._unentered - {me}:
                self._cond.wait(0.05)
        finally:
            self._waiters -= 1

    def _wake(self, idle_may_change: bool = True) -> None:
        """Wake pause() (waiting for claimed slots to enter) and wait() only when what they wait
        for may have happened: a notify per trial would make the waiting thread take the GIL for
        nothing, which on a busy machine costs a time slice. wait() is the usual case (a script's
        ``run.start(); run.wait()``): while the run is running, only a worker's exit (which
        notifies in claim()) can end it, so entries and releases wake it only once paused."""
        if self._waiters or (idle_may_change and self._idle_waiters
                             and self.status != Status.RUNNING and self.active == 0):
            self._cond.notify_all()

    def _set(self, status: Status, reason: str | None) -> None:
        self.status = status
        self._pause_clock()
        self.reason = reason
        self._changed()

    def _pause_clock(self) -> None:
        """Paused time runs while the run is paused with no trial inside its objective: a step
        pauses when its last trial is claimed and pause() while trials finish, and that running
        time is not a pause (four step(1) of 0.5 s trials read elapsed 0)."""
        idle = self.status == Status.PAUSED and self.active == 0
        if idle and self.paused_since is None:
            self.paused_since = time.time()
        elif not idle and self.paused_since is not None:
            self.paused_total += time.time() - self.paused_since
            self.paused_since = None

    def _changed(self) -> None:
        self._cond.notify_all()
        # Called with the lock held by design: it only marks the status event stale.
        self._on_change()

    def _refused(self, message: str) -> Outcome:
        return Outcome(message, False)
