"""Where a run stands: the best value so far (as the steps of a line) and progress with an ETA.

:class:`BestSoFar` is fed trial by trial, so a live view pays for each new trial only, not for
the whole history; :func:`best_so_far` is the same answer for a list of rows at once.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, Literal, TypeGuard

Change = Literal["none", "append", "rebuild"]


def _finite(x: Any) -> TypeGuard[float]:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


class BestSoFar:
    """The steps of the best-so-far line: ``(trial number, value)`` wherever the best improved.

    Only completed trials with a finite value count, and never a rejected one (the run's own
    best follows the same rule). Trials may arrive out of order (several workers); then the
    steps are recomputed, which is the only case besides a review change that looks back.

    Args:
        direction: "minimize" or "maximize".
    """

    def __init__(self, direction: str = "minimize") -> None:
        if direction not in ("minimize", "maximize"):
            raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
        self._sign = 1.0 if direction == "minimize" else -1.0
        self._values: dict[int, float] = {}
        self._excluded: set[int] = set()
        self.steps: list[tuple[int, float]] = []

    @property
    def best(self) -> tuple[int, float] | None:
        """The best trial so far as ``(number, value)``, or None."""
        return self.steps[-1] if self.steps else None

    def add(self, row: Mapping[str, Any]) -> Change:
        """Take one trial row (``number``, ``state``, ``value``); say what happened to the steps:
        "none", "append" (one step added at the end) or "rebuild" (read :attr:`steps` anew)."""
        n, value = int(row["number"]), row.get("value")
        if row.get("state") != "complete" or not _finite(value) or n in self._values:
            return "none"
        v = self._values[n] = float(value)
        if n in self._excluded:
            return "none"
        if self.steps and n < self.steps[-1][0]:
            return self._rebuild()
        if not self.steps or self._sign * v < self._sign * self.steps[-1][1]:
            self.steps.append((n, v))
            return "append"
        return "none"

    def exclude(self, numbers: Iterable[int]) -> Change:
        """Set which trials do not count (the rejected ones): the whole set, replacing the last."""
        new = {int(n) for n in numbers}
        touched = (new ^ self._excluded) & self._values.keys()
        self._excluded = new
        return self._rebuild() if touched else "none"

    def _rebuild(self) -> Change:
        old = self.steps
        self.steps = []
        for n in sorted(self._values):
            v = self._values[n]
            if n not in self._excluded and (not self.steps
                                            or self._sign * v < self._sign * self.steps[-1][1]):
                self.steps.append((n, v))
        return "none" if self.steps == old else "rebuild"


def best_so_far(rows: Iterable[Mapping[str, Any]], direction: str = "minimize"
                ) -> list[tuple[int, float]]:
    """The best-so-far steps of a run's rows (``run.records()``; rejected trials skipped)."""
    rows = list(rows)
    tracker = BestSoFar(direction)
    tracker.exclude(int(r["number"]) for r in rows if r.get("review") == "rejected")
    for r in sorted(rows, key=lambda r: int(r["number"])):
        tracker.add(r)
    return list(tracker.steps)


def progress(status: Mapping[str, Any], now: float | None = None) -> dict[str, Any]:
    """Progress of a run from its status event (``run.status_event()``), as the control bar
    shows it: ``done``, ``budget``, ``fraction`` (of the budget, None when unbounded),
    ``elapsed`` (running seconds since the last start: time spent paused is left out) and
    ``eta`` (seconds left at the pace since that start; None unless running towards a budget
    with a trial done since the start).

    Args:
        status: the status event.
        now: the clock (epoch seconds) to read the elapsed time at; by default the event's
            own ``now`` (None: no elapsed time).
    """
    done = int(status.get("done") or 0)
    budget = status.get("budget")
    fraction = None if not budget else min(1.0, done / float(budget))
    started = status.get("started_at")
    if now is None:
        now = status.get("now")
    elapsed = None
    if started is not None and now is not None:
        # Running time: a pause neither counts as elapsed nor slows the pace the ETA uses.
        paused = float(status.get("paused_total") or 0.0)
        since_pause = status.get("paused_since")
        if since_pause is not None:
            paused += max(0.0, float(now) - float(since_pause))
        elapsed = max(0.0, float(now) - float(started) - paused)
    since = done - int(status.get("done_at_start") or 0)
    eta = None
    if (status.get("status") == "running" and budget is not None and since > 0
            and elapsed is not None):
        eta = elapsed / since * max(0, int(budget) - done)
    return {"done": done, "budget": budget, "fraction": fraction, "elapsed": elapsed,
            "eta": eta}
