"""Keeping the insights current while a run goes on, off the optimiser's thread.

A :class:`Refresher` listens to the run's feed (its callback only counts, in constant time) and
recomputes the summary in its own daemon thread when enough new trials arrived and a few seconds
passed since the last refresh, or when a review changed which trials count; while there are too few
trials for insights, every half second as trials arrive (see TOO_FEW_INTERVAL). Once the run stops
running, the trials that arrived since the last refresh are taken in at once. The computing itself
happens in a worker process (``_pool.py``), so it never holds the GIL against the optimiser; the
refresher rests at least fifteen times as long as its last refresh took (three times after a
review), so on a two-core machine it never takes a core away from the search for long. The worker
*process* runs at a lower CPU priority; the refresher's *thread* does not: a low-priority thread
that holds the GIL (to gather the trials, to pickle them) and is then preempted by the machine's
other jobs stalls the optimiser's thread until it is scheduled again, a priority inversion that
cost wall time on a loaded machine. fANOVA, which takes seconds to tens of seconds, runs on request
(one refit per job) and reports its progress.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from hcautoml_widgets.insights import _pool
from hcautoml_widgets.insights import summary as summary_mod
from hcautoml_widgets.insights._data import MIN_TRIALS, trials
from hcautoml_widgets.insights.importance import combine, fanova_fit

_log = logging.getLogger(__name__)

Listener = Callable[[dict[str, Any]], None]

#: At most this many importance history points are kept (older ones are thinned out).
MAX_HISTORY = 120
#: The pause after a refresh is at least this many times the refresh's own duration, so the
#: worker process takes at most 1/16 of a core. At 1/6 (it was 5), on a two-vCPU machine, the
#: optimiser's own thread ran ~10 % slower with the insights open than closed, for the same
#: calls: the worker competes for what the two cores share.
DUTY = 15.0
#: The same after a person's action (a review changed which trials count): they wait for it.
DUTY_AFTER_ACTION = 3.0
#: While there are too few trials for insights, the view's "(n so far)" is recounted this often
#: as trials arrive (counting needs no worker process), and the first summary is computed as soon
#: as there are enough, not after ``min_new`` more: the count on screen would otherwise stay at
#: the run's start ("0 so far") beside a table of a dozen trials.
TOO_FEW_INTERVAL = 0.5


class Refresher:
    """Recompute a run's insights in the background; ``listener(message)`` gets each result.

    Messages: ``{"kind": "computing", "n"}`` when a refresh on enough trials starts,
    ``{"kind": "summary", "summary": {...}, "history": {"n", "shares"}}`` after each refresh,
    ``{"kind": "progress", "done", "total"}`` while fANOVA runs, and
    ``{"kind": "fanova", "importance": [...], "n"}`` or ``{"kind": "fanova", "error"}`` at its end.

    Args:
        run: the run to follow (live, finished or loaded).
        listener: called from the refresher's threads; must not block for long.
        min_new: completed trials to wait for between refreshes while the run is running.
        min_interval: seconds between refreshes at least.
    """

    def __init__(self, run: Any, listener: Listener, min_new: int = 20,
                 min_interval: float = 3.0, compute: Callable[..., dict[str, Any]] | None = None
                 ) -> None:
        self.run = run
        self.min_new = max(1, int(min_new))
        self.min_interval = float(min_interval)
        self._listener = listener
        self._compute = compute
        self._cond = threading.Condition()
        self._new = 0
        self._changed = True  # compute once at start: a loaded run already has trials
        self._too_few = True  # the last refresh found too few trials for insights
        self._closed = False
        self._last = 0.0
        self._cost = 0.0  # seconds the last refresh took
        self._busy = False
        self.latest: dict[str, Any] | None = None
        self.history: list[dict[str, Any]] = []
        self.fanova: dict[str, Any] | None = None
        self._fanova_thread: threading.Thread | None = None
        self.refreshes = 0
        self._thread = threading.Thread(target=self._loop, name="hcw-insights", daemon=True)
        self._sub = run.feed.subscribe(self._on_batch, max_rate=4.0)
        self._thread.start()

    # -- feed side (constant time) --------------------------------------------------------------
    def _on_batch(self, batch: list[dict[str, Any]]) -> None:
        new = 0
        changed = False
        ended = False
        for ev in batch:
            kind = ev.get("type")
            if kind == "trial" and ev["record"].get("state") == "complete":
                new += 1
            elif kind == "steering":
                changed = True  # a review (or its undo) changes which trials count
            elif kind == "status" and ev.get("status") not in ("running", "stopping"):
                ended = True  # take in the last trials at once
        if new or changed or ended:
            with self._cond:
                self._new += new
                self._changed = self._changed or changed
                # Wake the refresher only when a refresh may be due: waking it for every batch
                # (up to 20 a second) only makes it take the GIL from the optimiser to go back
                # to sleep. Its half-second poll catches the interval running out.
                if changed or ended or self._new >= self.min_new or self._too_few:
                    self._cond.notify_all()

    # -- worker ---------------------------------------------------------------------------------
    def _due(self) -> bool:
        if not (self._new or self._changed):
            return False
        if self._too_few and self._new:
            return time.monotonic() - self._last >= TOO_FEW_INTERVAL
        # At most every min_interval seconds, and never busy more than 1/(1 + DUTY) of the time:
        # on a small machine the refresher must leave the optimiser its core.
        duty = DUTY_AFTER_ACTION if self._changed else DUTY
        if time.monotonic() - self._last < max(self.min_interval, duty * self._cost):
            return False
        running = getattr(self.run, "status", "") in ("running", "stopping")
        return self._changed or self._new >= self.min_new or not running

    def _loop(self) -> None:
        while True:
            with self._cond:
                while not self._closed and not self._due():
                    self._cond.wait(timeout=0.5)
                if self._closed:
                    return
                self._new = 0
                self._changed = False
                self._busy = True
            try:
                self.refresh_now()
            finally:
                with self._cond:
                    self._busy = False

    def refresh_now(self) -> dict[str, Any] | None:
        """Compute a summary in the calling thread and announce it (used by the worker)."""
        started = time.monotonic()
        try:
            data = trials(self.run)
            self._too_few = len(data) < MIN_TRIALS
            if len(data) < MIN_TRIALS and self.latest is not None and "error" in self.latest \
                    and self.latest.get("n") == len(data):
                return self.latest
            if len(data) >= MIN_TRIALS:
                # The first refresh also waits for the worker process to start (seconds on a
                # busy machine): the view says what it waits for, not a stale "too few trials".
                self._announce({"kind": "computing", "n": len(data)})
            if self._compute is not None:
                result = self._compute(data)
            elif len(data) < MIN_TRIALS:
                # "Too few trials" needs no worker process: starting one (seconds on a busy
                # machine) only kept that stale answer on screen while the trials arrived.
                result = summary_mod.compute(data)
            else:
                result = _pool.call("summary", summary_mod.compute, data)
        except Exception as exc:  # a bug must not kill the thread: the view shows it
            _log.exception("insights refresh failed")
            result = {"n": 0, "error": f"{type(exc).__name__}: {exc}"}
            self._too_few = False  # not a count to keep current: wait for the usual triggers
        self._last = time.monotonic()
        # The computing time, as the worker measured it (the first call also waits for the
        # worker process to start, which says nothing about the next refreshes).
        self._cost = (float(result.get("seconds") or 0.0) if self._compute is None
                      else self._last - started)
        self.refreshes += 1
        self.latest = result
        point = None
        if "importance" in result:
            point = {"n": result["n"],
                     "shares": {r["name"]: r["share"] for r in result["importance"]}}
            if self.history and self.history[-1]["n"] == point["n"]:
                self.history[-1] = point
            else:
                self.history.append(point)
            if len(self.history) > MAX_HISTORY:  # keep the first and every other one after
                self.history = self.history[:1] + self.history[1::2]
        self._announce({"kind": "summary", "summary": result, "history": point})
        return result

    # -- fANOVA on request ----------------------------------------------------------------------
    @property
    def fanova_running(self) -> bool:
        return self._fanova_thread is not None and self._fanova_thread.is_alive()

    def request_fanova(self, refits: int = 2) -> bool:
        """Start fANOVA in the background; False (and nothing started) if it already runs."""
        if self.fanova_running:
            return False
        data = trials(self.run)
        if len(data) < MIN_TRIALS:
            raise ValueError(f"fANOVA needs at least {MIN_TRIALS} completed, non-rejected trials;"
                             f" the run has {len(data)} so far")

        def work() -> None:
            def progress(done: int, total: int) -> None:
                self._announce({"kind": "progress", "done": done, "total": total})

            try:
                # One job per refit, in the worker process: fANOVA is pure Python for tens of
                # seconds, which in a thread would hold the GIL against the optimiser.
                total = refits + 1
                fits = []
                for k in range(total):
                    fits.append(_pool.call("fanova", fanova_fit, data, k))
                    progress(k + 1, total)
                frame = combine(data.names, fits[0], fits[1:])
                imp = [{"name": r.name, "share": summary_mod.short(r.share),
                        "low": summary_mod.short(r.low), "high": summary_mod.short(r.high)}
                       for r in frame.itertuples()]
                self.fanova = {"kind": "fanova", "n": len(data), "importance": imp}
            except Exception as exc:
                _log.exception("fANOVA failed")
                self.fanova = {"kind": "fanova", "n": len(data),
                               "error": f"{type(exc).__name__}: {exc}"}
            self._announce(self.fanova)

        self._fanova_thread = threading.Thread(target=work, name="hcw-fanova", daemon=True)
        self._fanova_thread.start()
        return True

    def wait_fanova(self, timeout: float | None = None) -> bool:
        t = self._fanova_thread
        if t is not None:
            t.join(timeout)
        return not self.fanova_running

    # -- plumbing -------------------------------------------------------------------------------
    def _announce(self, message: dict[str, Any]) -> None:
        if self._closed:
            return
        try:
            self._listener(message)
        except Exception:
            _log.exception("insights listener failed")

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until nothing is left to refresh (for tests and notebooks that want the final
        figures before reading them)."""
        self._sub.flush(timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                if not (self._new or self._changed or self._busy):
                    return True
            time.sleep(0.05)
        return False

    def close(self) -> None:
        self._sub.close()
        with self._cond:
            self._closed = True
            self._cond.notify_all()

