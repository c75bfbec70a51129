"""ControlBar: start / pause / resume / step / stop, progress, elapsed time, ETA, best, failures.

It reads the run's status events from the feed (``run.status_event()`` builds them; the feed
builds one per batch, only while someone listens) and never queries the run per trial. Status
event format (``{"type": "status", ...}``; an attached run publishes the same):

* ``status``: "idle" | "running" | "paused" | "stopped" | "finished" | "failed";
  ``reason``: why (or None); ``step_remaining``: trials left in a step in progress (or None);
* ``counts``: {"total", "running", "complete", "failed", "pruned"}, the run's totals;
  ``done``: complete + failed + pruned;
* ``budget``: the total number of trials at which the run's budget ends (None: unbounded);
  ``requested``: the ``n_trials`` of the last start (None: unbounded or never started);
* ``started_at``: epoch seconds of the last start or step; ``done_at_start``: ``done`` then;
  ``paused_total``: seconds spent paused since (pauses that ended); ``paused_since``: epoch
  seconds at which the pause in force began (None while not paused). Elapsed time and ETA
  count running time only;
* ``best_value``, ``best_trial_number``; ``metric`` (the value's name); ``direction``.

A delta is the keys that changed since the last message. Elapsed time and ETA tick in the
browser between messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import traitlets

from hcautoml_widgets.core.protocol import RunView
from hcautoml_widgets.widgets._base import Bounded, FeedWidget, Message, bundle
from hcautoml_widgets.widgets._protocol import num

CONTROL_OPS = ("start", "pause", "resume", "step", "stop")


def _shown(event: dict[str, Any]) -> dict[str, Any]:
    """The status event as the bar shows it (JSON-safe numbers, no ``type``)."""
    out = {k: v for k, v in event.items() if k != "type"}
    out["best_value"] = num(out.get("best_value"))
    return out


class ControlBar(FeedWidget):
    """Buttons that follow ``run.status`` and a progress line for a :class:`~hcautoml_widgets.Run`.

    Args:
        run: the run to control.
        n_trials: how many more trials the start button asks for; by default the ``n_trials``
            of the run's last start (the field is empty, and Start refused, until there is one).
        step_trials: how many trials the step button runs.
    """

    _esm = bundle("control_bar")
    n_trials = traitlets.Int(None, allow_none=True).tag(sync=True)
    step_trials = traitlets.Int(1).tag(sync=True)

    def __init__(self, run: RunView, n_trials: int | None = None, step_trials: int = 1,
                 **kwargs: Any) -> None:
        self._last: dict[str, Any] | None = None
        if n_trials is None:
            n_trials = run.status_event().get("requested")
        super().__init__(run, n_trials=n_trials, step_trials=step_trials, **kwargs)

    def snapshot(self) -> list[Message]:
        self._last = _shown(self.run.status_event())
        # "now" lets the browser correct for a clock that differs from the kernel's.
        return [Bounded({"type": "snapshot", **self._last, "now": time.time(),
                         "n_trials": self.n_trials})]

    def delta(self, batch: list[dict[str, Any]]) -> Message | None:
        status = next((ev for ev in reversed(batch) if ev.get("type") == "status"), None)
        return None if status is None else self._changed(status)

    def _changed(self, event: dict[str, Any]) -> Message | None:
        current = _shown(event)
        last = self._last or {}
        changed = {k: v for k, v in current.items() if last.get(k, object()) != v}
        if not changed:
            return None
        self._last = current
        if "requested" in changed and changed["requested"] is not None:
            self.n_trials = changed["requested"]  # the field follows starts made from cells
        return Bounded({"type": "delta", **changed, "now": time.time()})  # a few small keys

    def requests(self) -> dict[str, Callable[[Message], Any]]:
        return {"control": self._control}

    def _control(self, content: Message) -> None:
        op = content.get("op")
        args = content.get("args") or {}
        if op not in CONTROL_OPS:
            raise ValueError(f"unknown control {op!r}; expected one of {', '.join(CONTROL_OPS)}")
        run = self.run
        if op == "start":
            n = args.get("n_trials", self.n_trials)
            if n is None:
                raise ValueError("say how many trials to run: type a number next to Start")
            out = run.start(n_trials=int(n), quiet=True)
            if out.ok:
                self.n_trials = int(n)
        elif op == "pause":
            out = run.pause(quiet=True)
        elif op == "resume":
            out = run.resume(quiet=True)
        elif op == "step":
            out = run.step(int(args.get("n", self.step_trials)), quiet=True)
        else:
            # Never block the kernel's message loop; the status event says when it is done.
            out = run.stop(wait=False, quiet=True)
        # The refusal text comes from the run's answer, not from a warnings filter (which
        # would also catch other threads' warnings).
        if not out.ok:
            raise ValueError(str(out))
        # The new status may come before the feed's next batch: show it at once.
        with self._lock:
            if self._live and self.comm is not None:
                msg = self._changed(run.status_event())
                if msg is not None:
                    self._emit(msg)
