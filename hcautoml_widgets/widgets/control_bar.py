"""ControlBar: start / pause / resume / step / stop, progress, elapsed time, ETA, best, failures.

Its state is small (one status dict), so a delta is simply the new status whenever it differs
from the last one sent. Elapsed time and ETA tick in the browser between messages.
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from typing import Any

import traitlets

from hcautoml_widgets.widgets._base import FeedWidget, Message, bundle
from hcautoml_widgets.widgets._protocol import status_of

CONTROL_OPS = ("start", "pause", "resume", "step", "stop")
FINISHED = ("complete", "failed", "pruned")


class ControlBar(FeedWidget):
    """Buttons that follow ``run.status`` and a progress line for a :class:`~hcautoml_widgets.Run`.

    Args:
        run: the run to control.
        n_trials: how many trials the start button asks for (editable in the bar).
        step_trials: how many trials the step button runs.
    """

    _esm = bundle("control_bar")
    n_trials = traitlets.Int(100).tag(sync=True)
    step_trials = traitlets.Int(1).tag(sync=True)

    def __init__(self, run: Any, n_trials: int = 100, step_trials: int = 1, **kwargs: Any) -> None:
        self._last: dict[str, Any] | None = None
        # Progress counts trials finished since the last start()/step() (the budget's scope):
        # number -> start time of finished trials, filtered when started_at changes.
        self._finished: dict[int, float] = {}
        self._since: float | None = None
        super().__init__(run, n_trials=n_trials, step_trials=step_trials, **kwargs)

    def _status(self) -> dict[str, Any]:
        out = status_of(self.run)
        since = self.run.started_at
        if since != self._since:
            self._since = since
            self._finished = {n: s for n, s in self._finished.items()
                              if since is not None and s >= since}
        out["started_at"] = since
        out["done"] = len(self._finished)
        return out

    def _note(self, rec: dict[str, Any]) -> None:
        start = rec.get("start")
        if rec.get("state") in FINISHED and start is not None:
            self._finished[int(rec["number"])] = float(start)

    def snapshot(self) -> list[Message]:
        self._since = self.run.started_at
        self._finished = {}
        for rec in self.run.records():
            if self._since is not None and (rec.get("start") or 0.0) >= self._since:
                self._note(rec)
        self._last = self._status()
        # "now" lets the browser correct for a clock that differs from the kernel's.
        return [{"type": "snapshot", **self._last, "now": time.time(),
                 "direction": self.run.direction, "n_trials": self.n_trials}]

    def delta(self, batch: list[dict[str, Any]]) -> Message | None:
        for ev in batch:
            if ev.get("type") == "trial":
                self._note(ev["record"])
        # The run itself is the freshest source for status, counts and best.
        current = self._status()
        if self._since is not None:
            self._finished = {n: s for n, s in self._finished.items() if s >= self._since}
            current["done"] = len(self._finished)
        if current == self._last:
            return None
        # Only what changed (counts and "done" on most batches): the view merges it.
        last = self._last or {}
        changed = {k: v for k, v in current.items() if last.get(k, object()) != v}
        self._last = current
        return {"type": "delta", **changed, "now": time.time()}

    def requests(self) -> dict[str, Callable[[Message], Any]]:
        return {"control": self._control}

    def _control(self, content: Message) -> None:
        op = content.get("op")
        args = content.get("args") or {}
        if op not in CONTROL_OPS:
            raise ValueError(f"unknown control {op!r}; expected one of {', '.join(CONTROL_OPS)}")
        # The run refuses a control that does not fit its status with a warning (a cell would
        # see it); here it becomes the inline error of the ack.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if op == "start":
                self.run.start(n_trials=int(args.get("n_trials", self.n_trials)))
            elif op == "pause":
                self.run.pause()
            elif op == "resume":
                self.run.resume()
            elif op == "step":
                self.run.step(int(args.get("n", self.step_trials)))
            else:
                # Never block the kernel's message loop; the status event says when it is done.
                self.run.stop(wait=False)
        # A status change may come before the feed's next batch; show it at once.
        self._on_batch([])
        if caught:
            raise ValueError(str(caught[-1].message))
