"""ControlBar: start / pause / resume / step / stop, progress, elapsed time, ETA, best, failures.

Its state is small (one status dict), so a delta is simply the new status whenever it differs
from the last one sent. Elapsed time and ETA tick in the browser between messages.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import traitlets

from hcautoml_widgets.widgets._base import FeedWidget, Message, bundle
from hcautoml_widgets.widgets._protocol import status_of

CONTROL_OPS = ("start", "pause", "resume", "step", "stop")


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
        super().__init__(run, n_trials=n_trials, step_trials=step_trials, **kwargs)
        self._last: dict[str, Any] | None = None

    def _status(self) -> dict[str, Any]:
        out = status_of(self.run)
        out["started_at"] = self.run.started_at
        return out

    def snapshot(self) -> list[Message]:
        self._last = self._status()
        # "now" lets the browser correct for a clock that differs from the kernel's.
        return [{"type": "snapshot", **self._last, "now": time.time(),
                 "direction": self.run.direction}]

    def delta(self, batch: list[dict[str, Any]]) -> Message | None:
        # Any event may change counts or the best value; the run itself is the freshest source.
        current = self._status()
        if current == self._last:
            return None
        self._last = current
        return {"type": "delta", **current, "now": time.time()}

    def requests(self) -> dict[str, Callable[[Message], Any]]:
        return {"control": self._control}

    def _control(self, content: Message) -> None:
        op = content.get("op")
        args = content.get("args") or {}
        if op == "start":
            self.run.start(n_trials=int(args.get("n_trials", self.n_trials)))
        elif op == "pause":
            self.run.pause()
        elif op == "resume":
            self.run.resume()
        elif op == "step":
            self.run.step(int(args.get("n", self.step_trials)))
        elif op == "stop":
            # Never block the kernel's message loop: the status event tells the view when done.
            self.run.stop(wait=False)
        else:
            raise ValueError(f"unknown control {op!r}; expected one of {', '.join(CONTROL_OPS)}")
        # A status change may be faster than the feed's next batch; show it at once.
        self._on_batch([])
