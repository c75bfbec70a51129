"""Insights: importance, partial dependence and parallel coordinates of a run, live; brushes steer.

The browser keeps every trial's row (sent once when it starts, again only when its state, value or
review changes, parameters only the first time) and draws the parallel coordinates and the rugs
from them. The heavy parts (importance with its interval, partial dependence of every parameter,
the pair's heat map) are computed by a :class:`~hcautoml_widgets.insights.Refresher` in its own
thread and sent as one small summary at most every few seconds and only after enough new
trials, so bytes per trial stay flat. A brush's "narrow to this" and "prior here" are ordinary
``edit`` requests (see ``_base.py``): they go through ``run.steering`` like any edit.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hcautoml_widgets.core.protocol import RunView
from hcautoml_widgets.insights.parallel import axes
from hcautoml_widgets.insights.refresh import Refresher
from hcautoml_widgets.insights.reviews import review_changes
from hcautoml_widgets.widgets._base import FeedWidget, Message, bundle, paged
from hcautoml_widgets.widgets._protocol import num, row_once
from hcautoml_widgets.widgets.space_editor import editor_state


def _axes(run: RunView) -> list[dict[str, Any]]:
    out = []
    for a in axes(run):
        a = dict(a)
        for key in ("low", "high", "step", "pin", "prior"):
            a[key] = num(a[key])
        for key in ("choices", "allowed", "range"):
            if a[key] is not None:
                a[key] = [num(v) for v in a[key]]
        out.append(a)
    return out


class Insights(FeedWidget):
    """What matters and where the search went: importance bars with intervals and their history,
    partial dependence small multiples and the top pair's heat map, parallel coordinates whose
    brushes narrow ranges or set priors.

    Args:
        run: a live, finished or loaded :class:`~hcautoml_widgets.Run`.
        min_new: completed trials between two refreshes of the heavy insights while running.
        min_interval: seconds between two refreshes at least.
    """

    _esm = bundle("insights")

    def __init__(self, run: RunView, min_new: int = 20, min_interval: float = 3.0,
                 **kwargs: Any) -> None:
        self._names = [a["name"] for a in axes(run)]
        self._reviews: dict[str, str] = {}
        self._has_params: set[int] = set()
        self._version = -1
        self._min_new = min_new
        self._min_interval = min_interval
        self._refresher: Refresher | None = None
        super().__init__(run, **kwargs)
        self.add_class("hcw-insights-widget")

    @property
    def refresher(self) -> Refresher:
        """The background refresher, started when a browser first renders the view (a view
        nobody looks at costs nothing)."""
        with self._lock:
            if self._refresher is None:
                self._refresher = Refresher(self.run, self._on_insight, min_new=self._min_new,
                                            min_interval=self._min_interval)
            return self._refresher

    # -- rows, as the trial table sends them --------------------------------------------------
    def _row(self, rec: dict[str, Any]) -> list[Any]:
        return row_once(rec, self._names, self._has_params)

    def snapshot(self) -> list[Message]:
        state = self.run.steering.state_dict()
        self._reviews = dict(state.get("reviews", {}))
        self._version = state.get("version", 0)
        self._has_params = set()
        rows = [self._row(r) for r in self.run.records()]
        ref = self.refresher
        first: Message = {
            "type": "snapshot", "names": self._names, "direction": self.run.direction,
            # The objective's name, as the cost curve's axis and the table's column say it.
            "metric": str(getattr(self.run, "metric", None) or "value"),
            "axes": _axes(self.run), "state": editor_state(state),
            "summary": ref.latest, "history": list(ref.history), "fanova": ref.fanova,
            "fanova_running": ref.fanova_running,
        }
        return paged(first, "rows", rows)

    def delta(self, batch: list[dict[str, Any]]) -> list[Message] | None:
        rows: dict[int, list[Any]] = {}
        msg: Message = {"type": "delta"}
        for ev in batch:
            if ev.get("type") == "trial":
                rec = ev["record"]
                rows[rec["number"]] = self._row(rec)
            elif ev.get("type") == "steering":
                state = ev.get("state", {})
                reviews = dict(state.get("reviews", {}))
                changed = review_changes(self._reviews, reviews)
                self._reviews = reviews
                for number in changed:
                    rows[number] = self._row(self.run.record(number))
                if state.get("version", 0) != self._version:
                    self._version = state.get("version", 0)
                    msg["state"] = editor_state(state)
        if not rows:
            return [msg] if len(msg) > 1 else None
        return paged(msg, "rows", list(rows.values()), follow="delta")

    # -- the refresher's results ------------------------------------------------------------------
    def _on_insight(self, message: dict[str, Any]) -> None:
        with self._lock:
            if self._live:
                self._emit({"type": "insight", **message})

    def requests(self) -> dict[str, Callable[[Message], Any]]:
        return {"fanova": self._fanova}

    def _fanova(self, _content: Message) -> dict[str, Any]:
        started = self.refresher.request_fanova()
        return {"started": started}

    def close(self) -> None:
        if self._refresher is not None:
            self._refresher.close()
        super().close()

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Wait until the rows and the latest insights have been sent (for tests, notebooks)."""
        ref = self._refresher
        return (ref is None or ref.wait_idle(timeout)) and self.flush(timeout)
