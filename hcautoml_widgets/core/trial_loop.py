"""The worker loop: claim a slot, ask, sample, enter the objective, tell, publish; repeat.

Each worker is a daemon thread running :meth:`TrialLoop.work` until the controller says the run
is over. Rows are built from what the worker already knows (the sampler's provenance dict and
the configuration it just sampled): reading a trial back from the storage deep-copies it, which
used to be most of this loop's own cost.
"""

from __future__ import annotations

import contextlib
import threading
import time
from typing import TYPE_CHECKING, Any

from optuna.trial import TrialState

from hcautoml_widgets.core.attrs import ATTR_ERROR
from hcautoml_widgets.core.objective import ask_config, evaluate, tell
from hcautoml_widgets.core.records import new_row

if TYPE_CHECKING:
    from hcautoml_widgets.core.run import Run

_STATE_NAMES = {TrialState.COMPLETE: "complete", TrialState.FAIL: "failed",
                TrialState.PRUNED: "pruned"}


class TrialLoop:
    """The worker threads of one run."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.rows_lock = threading.Lock()  # a row's update and its announcement go together
        self.threads: list[threading.Thread] = []

    def launch(self, n: int) -> None:
        new = [threading.Thread(target=self.work, name="hcw-worker", daemon=True)
               for _ in range(n)]
        self.threads = [t for t in self.threads if t.is_alive()] + new
        for t in new:
            t.start()

    def join(self, timeout: float | None = None) -> bool:
        """Wait for every worker thread to end (they end when the run is not running)."""
        for t in list(self.threads):
            t.join(timeout)
        return not any(t.is_alive() for t in self.threads)

    def work(self) -> None:
        control = self.run.control
        control.worker_started()
        while control.claim():
            failed, error = True, None
            try:
                failed, error = self._one_trial()
            except Exception as exc:  # storage or sampler broke: stop, and say why
                error = f"internal error: {type(exc).__name__}: {exc}"[:500]
                control.fail(error)
            finally:
                control.release(failed, error)

    def _one_trial(self) -> tuple[bool, str | None]:
        run = self.run
        study = run.study
        trial = study.ask()
        # The storage's own start time, so a reloaded row says the same as the live one.
        stamp = trial.datetime_start
        started = stamp.timestamp() if stamp is not None else time.time()
        row: dict[str, Any] = new_row(trial.number, "running", {},
                                      {"version": run.steering.version}, started)
        try:
            row["params"] = ask_config(trial, run.space)
            provenance = run.sampler.provenance(trial)
            row = new_row(trial.number, "running", row["params"],
                          provenance or {"version": row["version"]}, started)
            self.publish_row(dict(row))
            assert run.objective is not None
            run.control.enter()
            state, value, error = evaluate(run.objective, row["params"], trial,
                                           run.accepts_report)
            if error is not None:
                study._storage.set_trial_system_attr(trial._trial_id, ATTR_ERROR, error)
            tell(study, trial, state, value)
        except Exception as exc:
            # The trial must not stay RUNNING for ever: fail it, then let the run stop.
            reason = f"internal error: {type(exc).__name__}: {exc}"[:500]
            with contextlib.suppress(Exception):
                study._storage.set_trial_system_attr(trial._trial_id, ATTR_ERROR, reason)
                tell(study, trial, TrialState.FAIL, None)
            self.publish_row({**row, "state": "failed", "end": time.time(), "error": reason})
            raise
        end = time.time()
        self.publish_row({**row, "state": _STATE_NAMES[state], "value": value, "end": end,
                          "duration": end - started, "error": error})
        return state == TrialState.FAIL, error

    def publish_row(self, row: dict[str, Any]) -> None:
        run = self.run
        with self.rows_lock:
            run.feed.publish({"type": "trial", "record": run.records_.put(row)})
