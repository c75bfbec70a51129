"""CostCurve: each trial's value over trial number, drawn with bqplot.

Colour says where a trial came from (startup, model, prior, enqueued, pinned); rejected trials
turn grey; failed trials are crosses along the top edge; the step line is the best value so far
(rejected trials never count); a flag and a vertical rule mark each steering event, with what it
was in the tooltip. Every growing series is a :class:`ChunkedSeries`, so the bytes sent per trial
do not grow with the run (see ``_chunks.py``).

Selectors for browser tests: ``.hcw-cost-curve`` (root), ``.hcw-log-toggle`` (the log-scale
toggle button), ``.hcw-cost-figure`` (the bqplot figure; its ``svg`` holds the marks),
``.hcw-legend``.
"""

from __future__ import annotations

import bisect
import math
import threading
from typing import Any, TypeGuard

import bqplot as bq
import ipywidgets as w

from hcautoml_widgets.widgets._chunks import ChunkedSeries

ORIGINS = ("startup", "model", "prior", "enqueued", "pinned")
REJECTED = len(ORIGINS)  # colour index of a rejected trial
PALETTE = ["#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#17becf", "#c7c7c7"]
FAILED_Y = 0.97  # on the unit scale: failed trials have no value, they sit at the top edge


NICE = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)


def nice_ceiling(n: float) -> float:
    """The smallest round number (10, 12.5, 15, 20, ... 80, 100, 125, ...) at least ``n``.

    Ten steps a decade: the axis never wastes more than a fifth of its width, and a run of
    10,000 trials changes the x domain about 30 times in all.
    """
    step = 10.0
    while True:
        for m in NICE:
            if step * m >= n:
                return step * m
        step *= 10


def event_label(ev: dict[str, Any]) -> str:
    """A short human description of a steering event, for the flag's tooltip."""
    kind, p = ev.get("kind", "?"), ev.get("payload") or {}
    name = p.get("name", "")
    if kind == "narrow":
        text = f"narrow {name} to [{p.get('low'):.4g}, {p.get('high'):.4g}]"
    elif kind == "allow":
        text = f"allow {name}: {', '.join(map(str, p.get('choices', [])))}"
    elif kind == "pin":
        text = f"pin {name} = {p.get('value')}"
    elif kind == "prior":
        text = f"prior {name} ≈ {p.get('value')} ({p.get('confidence')})"
    elif kind in ("accept", "reject", "unreview"):
        text = f"{kind} trial {p.get('trial')}"
    elif kind == "enqueue":
        text = "enqueue " + ", ".join(f"{k}={v}" for k, v in (p.get("config") or {}).items())
    elif kind == "undo":
        text = f"undo #{p.get('target')} ({p.get('kind')})"
    else:
        text = f"{kind} {name}".strip()
    return f"#{ev.get('seq')} {text} [{ev.get('source')}]"[:200]


def _finite(x: Any) -> TypeGuard[float]:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


class CostCurve(w.VBox):
    """Live cost curve of a run (a bqplot Figure with a log-scale toggle).

    Args:
        run: the run to draw.
        levels: mark capacities of the growing point series (see ``ChunkedSeries``).
    """

    def __init__(self, run: Any, levels: tuple[int, ...] = (8, 64, 512), **kwargs: Any) -> None:
        self.run = run
        self._lock = threading.RLock()
        self._sx = bq.LinearScale()
        self._sy: bq.Scale = bq.LinearScale()
        self._unit = bq.LinearScale(min=0.0, max=1.0)
        self._color = bq.OrdinalColorScale(domain=list(range(len(PALETTE))), colors=PALETTE)
        self._ax_y = bq.Axis(scale=self._sy, side="left", label="value",
                             tick_format=".3g", grid_lines="dashed")
        axes = [bq.Axis(scale=self._sx, label="trial", grid_lines="none"), self._ax_y]
        self.figure = bq.Figure(marks=[], axes=axes, animation_duration=0,
                                fig_margin={"top": 20, "bottom": 40, "left": 60, "right": 20},
                                layout=w.Layout(width="100%", height="320px"))
        self.figure.add_class("hcw-cost-figure")
        tip = bq.Tooltip(fields=["x", "y"], labels=["trial", "value"], formats=[".0f", ".4g"])
        flag_tip = bq.Tooltip(fields=["name"], labels=["steering"])

        def add(marks: list[Any]) -> None:
            self.figure.marks = [*self.figure.marks, *marks]

        xy = [("x", "float32"), ("y", "float32")]
        self.rules = ChunkedSeries(xy, lambda d: bq.Lines(
            scales={"x": self._sx, "y": self._unit}, colors=["#999999"], stroke_width=1,
            line_style="dashed", **d), add, levels=(4, 64))
        self.best = ChunkedSeries(xy, lambda d: bq.Lines(
            scales={"x": self._sx, "y": self._sy}, colors=["#d62728"], stroke_width=2,
            interpolation="step-after", **d), add, levels=(8, 64), carry=True)
        self.best_tail = bq.Lines(x=[], y=[], scales={"x": self._sx, "y": self._sy},
                                  colors=["#d62728"], stroke_width=2)
        add([self.best_tail])
        self.points = ChunkedSeries([*xy, ("color", "uint8")], lambda d: bq.Scatter(
            scales={"x": self._sx, "y": self._sy, "color": self._color}, default_size=20,
            stroke=None, tooltip=tip, **d), add, levels=levels)
        self.failed = ChunkedSeries(xy, lambda d: bq.Scatter(
            scales={"x": self._sx, "y": self._unit}, marker="cross", colors=["#d62728"],
            default_size=30, **d), add, levels=levels)
        self.flags = ChunkedSeries([*xy, ("names", "str")], lambda d: bq.Scatter(
            scales={"x": self._sx, "y": self._unit}, marker="triangle-down",
            colors=["#555555"], default_size=60, display_names=False, tooltip=flag_tip, **d),
            add, levels=(4, 64))

        self.log_toggle = w.ToggleButton(value=False, description="log scale",
                                         tooltip="Logarithmic value axis",
                                         layout=w.Layout(width="110px", flex="0 0 auto"))
        self.log_toggle.add_class("hcw-log-toggle")
        self.log_toggle.observe(self._on_log, names="value")
        legend = w.HTML(self._legend(), layout=w.Layout(flex="1 1 0%", min_width="0"))
        super().__init__([w.HBox([self.log_toggle, legend]), self.figure],
                         **kwargs)
        self.add_class("hcw-cost-curve")

        self._values: dict[int, tuple[float, str]] = {}  # plotted trial -> (value, origin)
        self._failed: set[int] = set()
        self._reviews: dict[str, str] = {}
        self._max_x = -1.0
        self._last_seq = 0
        self._ylim: tuple[float, float] | None = None  # values the y domain covers
        self._fresh: list[float] = []  # values plotted since the domain was last checked
        with self._lock:
            self._load()
        self._sub = run.feed.subscribe(self._on_batch, max_rate=20.0)

    # -- public -------------------------------------------------------------------------------
    def close(self) -> None:
        self._sub.close()
        super().close()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the feed has delivered everything so far (for tests)."""
        return bool(self._sub.flush(timeout))

    # -- feeding ------------------------------------------------------------------------------
    def _load(self) -> None:
        records = self.run.records()
        self._reviews = dict(self.run.steering.state_dict().get("reviews", {}))
        for rec in records:
            self._add_trial(rec)
        starts = sorted(r["start"] for r in records if r.get("start") is not None)
        for ev in self.run.steering.log:
            d = ev.to_dict()
            self._add_flag(d, bisect.bisect_left(starts, d["time"]) - 0.5)
        self._rebuild_best()
        self._flush()

    def _on_batch(self, batch: list[dict[str, Any]]) -> None:
        with self._lock:
            rebuild = False
            for ev in batch:
                if ev.get("type") == "trial":
                    rebuild |= self._add_trial(ev["record"])
                elif ev.get("type") == "steering":
                    if ev["event"]["seq"] > self._last_seq:
                        self._add_flag(ev["event"], self._max_x + 0.5)
                    rebuild |= self._apply_reviews(ev.get("state", {}).get("reviews", {}))
            if rebuild:
                self._rebuild_best()
            self._flush()

    def _code(self, number: int, origin: str) -> int:
        if self._reviews.get(str(number)) == "rejected":
            return REJECTED
        return ORIGINS.index(origin) if origin in ORIGINS else 1

    def _add_trial(self, rec: dict[str, Any]) -> bool:
        """Plot a trial; True when the best-so-far line must be recomputed."""
        n = int(rec["number"])
        self._max_x = max(self._max_x, float(n))
        state, raw = rec.get("state"), rec.get("value")
        if state == "failed" and n not in self._failed:
            self._failed.add(n)
            self.failed.append((n, FAILED_Y))
        if state not in ("complete", "pruned") or not _finite(raw) or n in self._values:
            return False
        value = float(raw)
        origin = rec.get("origin") or "model"
        self._values[n] = (value, origin)
        self._fresh.append(value)
        self.points.append((n, value, self._code(n, origin)), key=n)
        if self._code(n, origin) == REJECTED:
            return False
        best = self.best.points()
        if not best:
            self.best.append((n, value))
        elif n < best[-1][0]:
            return True  # finished out of order (several workers): recompute
        elif self._better(value, best[-1][1]):
            self.best.append((n, value))
        return False

    def _apply_reviews(self, reviews: dict[str, str]) -> bool:
        changed = {k for k in reviews.keys() | self._reviews.keys()
                   if reviews.get(k) != self._reviews.get(k)}
        self._reviews = dict(reviews)
        for key in changed:
            n = int(key)
            if n in self._values:
                value, origin = self._values[n]
                self.points.update(n, (n, value, self._code(n, origin)))
        return bool(changed)

    def _add_flag(self, ev: dict[str, Any], x: float) -> None:
        self._last_seq = max(self._last_seq, int(ev["seq"]))
        self.rules.append(([x, x], [0.0, 1.0]))
        self.flags.append((x, 1.0, event_label(ev)))

    def _better(self, a: float, b: float) -> bool:
        return a > b if self.run.direction == "maximize" else a < b

    def _rebuild_best(self) -> None:
        pts: list[tuple[Any, ...]] = []
        for n in sorted(self._values):
            value, origin = self._values[n]
            if self._code(n, origin) == REJECTED:
                continue
            if not pts or self._better(value, pts[-1][1]):
                pts.append((n, value))
        self.best.reset(pts)

    def _flush(self) -> None:
        self._set_domains()
        for series in (self.rules, self.best, self.points, self.failed, self.flags):
            series.flush()
        best = self.best.points()
        # The flat end of the best line reaches the newest trial in steps of 8, not on every
        # batch: it is one more message per batch otherwise.
        end = math.ceil(max(self._max_x, 0.0) / 8) * 8
        x = [best[-1][0], max(end, best[-1][0])] if best else []
        y = [best[-1][1]] * 2 if best else []
        if list(self.best_tail.x) != x or list(self.best_tail.y) != y:
            with self.best_tail.hold_sync():
                self.best_tail.x, self.best_tail.y = x, y

    # -- scales -------------------------------------------------------------------------------
    def _set_domains(self) -> None:
        """Fix the scales' domains and widen them only in steps.

        A change of domain makes bqplot redraw every point of every mark (with a d3 transition
        per point), which is what made a free-running curve crawl at a few thousand trials.
        The x domain grows in round steps (``nice_ceiling``); the y domain only when a value
        falls outside it.
        """
        x_max = nice_ceiling(self._max_x + 1)
        if self._sx.max != x_max:
            with self._sx.hold_sync():
                self._sx.min, self._sx.max = -0.5, x_max
        values = [v for v, _ in self._values.values()] if self._ylim is None else self._fresh
        self._fresh = []
        if self.log_toggle.value:
            values = [v for v in values if v > 0]
        if not values:
            return
        lo, hi = min(values), max(values)
        cur = self._ylim
        if cur is not None and cur[0] <= lo and hi <= cur[1]:
            return
        if cur is not None:
            lo, hi = min(lo, cur[0]), max(hi, cur[1])
        self._ylim = (lo, hi)
        if self.log_toggle.value:
            pad = (hi / lo) ** 0.05 if hi > lo else 2.0
            y_min, y_max = lo / pad, hi * pad
        else:
            pad = (hi - lo) * 0.05 or abs(hi) * 0.05 or 1.0
            y_min, y_max = lo - pad, hi + pad
        with self._sy.hold_sync():
            self._sy.min, self._sy.max = float(y_min), float(y_max)

    def _on_log(self, change: dict[str, Any]) -> None:
        with self._lock:
            self._sy = bq.LogScale() if change["new"] else bq.LinearScale()
            self._ylim = None  # recomputed over every value for the new scale
            self._set_domains()
            for series in (self.best, self.points):
                for mark in series.marks:
                    mark.scales = {**mark.scales, "y": self._sy}
            self.best_tail.scales = {**self.best_tail.scales, "y": self._sy}
            self._ax_y.scale = self._sy

    @staticmethod
    def _legend() -> str:
        item = '<span style="white-space:nowrap">{}</span>'
        keys = [f'<span style="color:{c}">●</span> {name}'
                for name, c in zip([*ORIGINS, "rejected"], PALETTE, strict=True)]
        keys += ['<span style="color:#d62728">✚</span> failed',
                 '<span style="color:#d62728">━</span> best so far', "▼ steering"]
        return ('<div class="hcw-legend" style="font-size:12px;line-height:1.6;display:flex;'
                'flex-wrap:wrap;column-gap:10px">'
                + "".join(item.format(k) for k in keys) + "</div>")
