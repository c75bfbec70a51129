"""TimelineStrip: the steering events as marks on the cost curve's trial axis; click for effect.

Each mark is one steering event, placed just before the first trial that started under it (or
after the newest trial while none has), on the same x domain as :class:`CostCurve` (it grows in
the same round steps, and the strip uses the same left and right margins), so placed under the
curve the marks line up with the curve's flags. Clicking a mark asks the kernel for the event's
measured effect (:func:`hcautoml_widgets.insights.timeline.effect_text`), computed on demand:
nothing about effects streams, so the bytes per trial stay at zero unless the x domain grows.

Selectors for browser tests: ``.hcw-timeline`` (root), ``.hcw-tl-mark[data-seq="3"]`` (a mark,
``data-kind`` its kind), ``.hcw-tl-mark.hcw-selected``, ``.hcw-tl-details`` (the clicked
event's text).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hcautoml_widgets.core.effects import effects
from hcautoml_widgets.core.protocol import RunView
from hcautoml_widgets.insights.labels import label
from hcautoml_widgets.insights.timeline import effect_text
from hcautoml_widgets.widgets._base import FeedWidget, Message, bundle
from hcautoml_widgets.widgets.cost_curve import FIG_MARGIN, nice_ceiling


class TimelineStrip(FeedWidget):
    """A strip of steering events aligned with the cost curve's trial axis.

    Args:
        run: the run.
        k: the window of trials for "best after" in the details.
    """

    _esm = bundle("timeline")

    def __init__(self, run: RunView, k: int = 10, **kwargs: Any) -> None:
        self.k = int(k)
        self._max_x = -1.0
        self._x_max = 0.0
        self._seqs: set[int] = set()
        super().__init__(run, **kwargs)

    def _mark(self, ev: dict[str, Any], x: float) -> list[Any]:
        self._seqs.add(int(ev["seq"]))
        return [int(ev["seq"]), x, ev["kind"], ev["source"], label(ev)]

    def _domain(self) -> list[float] | None:
        """The x domain when it changed since last sent (the cost curve's rule)."""
        x_max = nice_ceiling(self._max_x + 1)
        if x_max == self._x_max:
            return None
        self._x_max = x_max
        return [-0.5, x_max]

    def snapshot(self) -> list[Message]:
        records = self.run.records()
        self._max_x = max((float(r["number"]) for r in records), default=-1.0)
        self._x_max = 0.0
        self._seqs = set()
        log = self.run.steering.log
        placed = {row["seq"]: row["trial"] for row in
                  effects(log, records, self.run.direction, self.run.steering.space)}
        marks = []
        for ev in log:
            at = placed.get(ev.seq)
            marks.append(self._mark(ev.to_dict(), self._max_x + 0.5 if at is None else at - 0.5))
        margin = {"left": FIG_MARGIN["left"], "right": FIG_MARGIN["right"]}
        return [{"type": "snapshot", "domain": self._domain(), "marks": marks, "margin": margin}]

    def delta(self, batch: list[dict[str, Any]]) -> Message | None:
        marks = []
        for item in batch:
            if item.get("type") == "trial":
                self._max_x = max(self._max_x, float(item["record"]["number"]))
            elif item.get("type") == "steering":
                ev = item["event"]
                if int(ev["seq"]) not in self._seqs:
                    # The next trial to start is the first under it, as on the cost curve.
                    marks.append(self._mark(ev, self._max_x + 0.5))
        domain = self._domain()
        if not marks and domain is None:
            return None
        msg: Message = {"type": "delta", "marks": marks}
        if domain is not None:
            msg["domain"] = domain
        return msg

    def requests(self) -> dict[str, Callable[[Message], Any]]:
        return {"details": self._details}

    def _details(self, content: Message) -> dict[str, Any]:
        seq = int(content["seq"])
        rows = effects(self.run.steering.log, self.run.records(), self.run.direction,
                       self.run.steering.space, k=self.k)
        row = next((r for r in rows if r["seq"] == seq), None)
        if row is None:
            raise ValueError(f"no steering event #{seq}")
        return {"seq": seq, "text": effect_text(row), "effect": row}
