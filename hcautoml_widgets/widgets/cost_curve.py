"""CostCurve: each trial's value over trial number, drawn with bqplot.

Colour says where a trial came from (startup, model, prior, enqueued, pinned); rejected trials
turn grey; failed trials are crosses along the top edge; the step line is the best value so far
(rejected trials never count); a flag and a vertical rule mark the steering edits made between
two trials (several edits there share one flag, with their count beside it and all of them in
its tooltip; so do edits a few trials apart on a long run, whose flags would overlap: see
``_flags.py``). What is drawn is derived in ``hcautoml_widgets.insights`` (the best-so-far steps,
the events' words, which reviews changed); this module only turns it into marks. Every growing
series is a :class:`ChunkedSeries`, so the bytes sent per trial do not grow with the run (see
``_chunks.py``). A point's tooltip (its configuration) is filled on hover from the kernel, so
configurations never ride along with every trial.

Clicking a point sets :attr:`CostCurve.selected` (a trial number); setting it rings the point.
The dashboard links it with the trial table's selection.

Selectors for browser tests: ``.hcw-cost-curve`` (root), ``.hcw-log-toggle`` (the log-scale
toggle button), ``.hcw-history-toggle`` and ``.hcw-history`` (the steering history, newest
first), ``.hcw-cost-figure`` (the bqplot figure; its ``svg`` holds the marks), ``.hcw-legend``.
"""

from __future__ import annotations

import bisect
import math
import threading
from typing import Any, TypeGuard

import bqplot as bq
import ipywidgets as w
import traitlets

from hcautoml_widgets.core.feed import VIEW_RATE
from hcautoml_widgets.core.protocol import RunView
from hcautoml_widgets.insights.progress import BestSoFar
from hcautoml_widgets.insights.reviews import rejected, review_changes
from hcautoml_widgets.widgets._chunks import ChunkedSeries
from hcautoml_widgets.widgets._curve_text import (
    ORIGINS,
    PALETTE,
    event_label,
    history_html,
    legend_html,
    nice_ceiling,
    tip_html,
    trial_tip,
)
from hcautoml_widgets.widgets._flags import flag_layout

__all__ = ["FAILED_Y", "ORIGINS", "PALETTE", "REJECTED", "CostCurve", "event_label",
           "nice_ceiling"]

REJECTED = len(ORIGINS)  # colour index of a rejected trial
FAILED_Y = 0.97  # on the unit scale: failed trials have no value, they sit at the top edge
FLAG_Y = 0.93  # flags sit a little below the top edge, clear of the failed crosses and points
LOG_FORMAT = ".3~g"  # 0.5, 1, 2, 5, 10, 20: a log axis's ticks are round numbers


def log_ticks(lo: float, hi: float) -> list[float]:
    """Round ticks for a log axis over [lo, hi]: 1, 2, 5 per decade, or every digit when the
    domain is less than a decade and a half (d3 labels all nine a decade: they run together)."""
    for mantissas in ((1.0,), (1.0, 2.0, 5.0), tuple(float(m) for m in range(1, 10))):
        ticks = [float(f"{m * 10.0 ** k:.12g}")
                 for k in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1)
                 for m in mantissas if lo <= m * 10.0 ** k <= hi]
        if len(ticks) >= 4 or mantissas[-1] == 9.0:
            return ticks
    return [lo, hi]


def linear_format(lo: float, hi: float) -> str:
    """One tick format for a linear axis over [lo, hi]: as many decimals as its tick step needs,
    the same for every tick (0.040, 0.042, not 0.04, 0.042)."""
    step = (hi - lo) / 6 if hi > lo else abs(hi) or 1.0
    decimals = max(0, -math.floor(math.log10(step)))
    if decimals > 5 or max(abs(lo), abs(hi)) >= 1e6:
        return ".2e"
    return f",.{decimals}f"


def _finite(x: Any) -> TypeGuard[float]:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _hover_x(content: dict[str, Any], mark: Any) -> float | None:
    """The x of the point an interaction message is about (bqplot sends it as point or data)."""
    data = content.get("point") or content.get("data") or {}
    if isinstance(data, dict):
        if _finite(data.get("x")):
            return float(data["x"])
        index = data.get("index")
        if isinstance(index, int) and 0 <= index < len(mark.x):
            return float(mark.x[index])
    return None


#: The figure's margins in pixels; the timeline strip under the curve takes the same left and
#: right ones, so its marks stand under the trials they belong to.
FIG_MARGIN = {"top": 16, "bottom": 40, "left": 72, "right": 16}

class CostCurve(w.VBox):
    """Live cost curve of a run (a bqplot Figure with a log-scale toggle).

    Args:
        run: the run to draw.
        levels: mark capacities of the growing point series (see ``ChunkedSeries``).
    """

    selected = traitlets.Int(None, allow_none=True)

    def __init__(self, run: RunView, levels: tuple[int, ...] = (8, 64, 512), **kwargs: Any) -> None:
        self.run = run
        self.metric = str(getattr(run, "metric", None) or "value")
        self._lock = threading.RLock()
        # No padding for the markers' size: bqplot widens a padded domain by a few pixels at
        # each end, so the steering timeline under the curve, which maps the same domain onto
        # the plot area exactly, stood 5-8 trials off the flags on a long run.
        self._sx = bq.LinearScale(allow_padding=False)
        self._sy: bq.Scale = bq.LinearScale()
        self._unit = bq.LinearScale(min=0.0, max=1.0)
        self._color = bq.OrdinalColorScale(domain=list(range(len(PALETTE))), colors=PALETTE)
        self._ax_x = bq.Axis(scale=self._sx, label="trial", grid_lines="none", tick_format="d")
        self._ax_y = self._value_axis(log=False)
        # No integrated toolbar: it floats over the top right corner, where the newest flags are,
        # and its pan/zoom fights the fixed domains below.
        self.figure = bq.Figure(marks=[], axes=[self._ax_x, self._ax_y], animation_duration=0,
                                fig_margin=dict(FIG_MARGIN),
                                display_toolbar=False,
                                layout=w.Layout(width="100%", height="320px", min_width="0"))
        self.figure.add_class("hcw-cost-figure")
        self._tip = w.HTML(tip_html("trial", []))
        self._flag_tip = w.HTML(tip_html("steering", []))

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
        self.points = ChunkedSeries([*xy, ("color", "uint8")], self._point_mark, add,
                                    levels=levels)
        self.failed = ChunkedSeries(xy, lambda d: bq.Scatter(
            scales={"x": self._sx, "y": self._unit}, marker="cross", colors=["#d62728"],
            default_size=30, **d), add, levels=levels)
        self.flags = ChunkedSeries([*xy, ("names", "str")], self._flag_mark, add,
                                   levels=(4, 64))
        # How many edits each flag stands for, when more than one (flags are few: one mark).
        # Centred above its flag: beside it, a count on an edit made after the newest trial ran
        # past the plot area's right edge (the trial axis is not padded) and was cut off.
        self.counts = bq.Label(x=[], y=[], text=[], scales={"x": self._sx, "y": self._unit},
                               colors=["#333333"], default_size=11, x_offset=0, y_offset=-8,
                               align="middle", font_weight="bold")
        self.ring = bq.Scatter(x=[], y=[], scales={"x": self._sx, "y": self._sy},
                               colors=["#111111"], fill=False, stroke="#111111",
                               stroke_width=2.5, default_size=180, enable_hover=False)
        add([self.counts, self.ring])

        self.log_toggle = w.ToggleButton(value=False, description="log scale",
                                         tooltip="Logarithmic value axis",
                                         layout=w.Layout(width="100px", flex="0 0 auto"))
        self.log_toggle.add_class("hcw-log-toggle")
        self.log_toggle.observe(self._on_log, names="value")
        self.history_toggle = w.ToggleButton(value=False, description="history (0)",
                                             tooltip="The steering history, newest first",
                                             layout=w.Layout(width="110px", flex="0 0 auto"))
        self.history_toggle.add_class("hcw-history-toggle")
        self.history_toggle.observe(lambda _: self._paint_history(), names="value")
        self.history = w.HTML("", layout=w.Layout(display="none"))
        legend = w.HTML(legend_html(), layout=w.Layout(flex="1 1 0%", min_width="0"))
        header = w.HBox([self.log_toggle, self.history_toggle, legend],
                        layout=w.Layout(align_items="center", min_width="0"))
        super().__init__([header, self.history, self.figure], **kwargs)
        # bqplot's SVG is as wide as its box; nothing in it needs a horizontal scrollbar.
        self.layout.overflow = "hidden"
        self.add_class("hcw-cost-curve")

        self._values: dict[int, tuple[float, str]] = {}  # plotted trial -> (value, origin)
        self._failed: set[int] = set()
        self._reviews: dict[str, str] = {}
        self._tracker = BestSoFar(run.direction)
        self._max_x = -1.0
        self._last_seq = 0
        self._groups: dict[float, list[dict[str, Any]]] = {}  # gap between trials -> its edits
        self._flag_events: dict[float, list[str]] = {}  # drawn flag x -> its edits, in words
        self._flag_span = 0.0  # the axis span the flags were laid out for
        self._events: list[dict[str, Any]] = []
        self._ylim: tuple[float, float] | None = None  # values the y domain covers
        self._fresh: list[float] = []  # values plotted since the domain was last checked
        self.observe(self._on_selected, names="selected")
        with self._lock:
            self._load()
        self._sub = run.feed.subscribe(self._on_batch, max_rate=VIEW_RATE)

    # -- public -------------------------------------------------------------------------------
    def close(self) -> None:
        self._sub.close()
        super().close()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the feed has delivered everything so far (for tests)."""
        return bool(self._sub.flush(timeout))

    def tick_scale(self) -> str:
        """"log" or "linear": the scale the value axis draws (for tests)."""
        return "log" if isinstance(self._ax_y.scale, bq.LogScale) else "linear"

    # -- marks --------------------------------------------------------------------------------
    def _value_axis(self, log: bool) -> bq.Axis:
        return bq.Axis(scale=self._sy, side="left", label=self.metric,
                       tick_format=LOG_FORMAT if log else ".3~g",
                       grid_lines="dashed", label_offset="56px")

    def _point_mark(self, data: dict[str, Any]) -> bq.Scatter:
        mark = bq.Scatter(scales={"x": self._sx, "y": self._sy, "color": self._color},
                          default_size=20, stroke=None, tooltip=self._tip, **data)
        mark.on_hover(self._on_point_hover)
        mark.on_element_click(self._on_point_click)
        return mark

    def _flag_mark(self, data: dict[str, Any]) -> bq.Scatter:
        mark = bq.Scatter(scales={"x": self._sx, "y": self._unit}, marker="triangle-down",
                          colors=["#555555"], default_size=60, display_names=False,
                          tooltip=self._flag_tip, **data)
        mark.on_hover(self._on_flag_hover)
        return mark

    def _on_point_hover(self, mark: Any, content: dict[str, Any]) -> None:
        x = _hover_x(content, mark)
        if x is not None:
            self._tip.value = trial_tip(self.run.record(round(x)), self.metric)

    def _on_point_click(self, mark: Any, content: dict[str, Any]) -> None:
        x = _hover_x(content, mark)
        if x is not None:
            self.selected = round(x)

    def _on_flag_hover(self, mark: Any, content: dict[str, Any]) -> None:
        x = _hover_x(content, mark)
        lines = self._flag_events.get(x, []) if x is not None else []
        title = f"{len(lines)} steering edits" if len(lines) > 1 else "steering"
        self._flag_tip.value = tip_html(title, lines)

    def _on_selected(self, change: dict[str, Any]) -> None:
        with self._lock:
            n = change["new"]
            point = self._values.get(n) if n is not None else None
            with self.ring.hold_sync():
                self.ring.x, self.ring.y = ([n], [point[0]]) if point else ([], [])

    # -- feeding ------------------------------------------------------------------------------
    def _load(self) -> None:
        records = self.run.records()
        reviews = self.run.steering.state_dict().get("reviews", {})
        self._reviews = {str(k): v for k, v in reviews.items()}
        self._tracker.exclude(rejected(self._reviews))
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
            steered = False
            for ev in batch:
                if ev.get("type") == "trial":
                    rebuild |= self._add_trial(ev["record"])
                elif ev.get("type") == "steering":
                    if ev["event"]["seq"] > self._last_seq:
                        self._add_flag(ev["event"], self._max_x + 0.5)
                        steered = True
                    rebuild |= self._apply_reviews(ev.get("state", {}).get("reviews", {}))
            if rebuild:
                self._rebuild_best()
            self._flush(steered)

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
        change = self._tracker.add(rec)
        if change == "append":
            self.best.append(self._tracker.steps[-1])
        return change == "rebuild"  # finished out of order (several workers)

    def _apply_reviews(self, reviews: dict[str, str]) -> bool:
        changed = review_changes(self._reviews, reviews)
        self._reviews = {str(k): v for k, v in reviews.items()}
        for n in changed:
            if n in self._values:
                value, origin = self._values[n]
                self.points.update(n, (n, value, self._code(n, origin)))
        return self._tracker.exclude(rejected(self._reviews)) == "rebuild"

    def _add_flag(self, ev: dict[str, Any], x: float) -> None:
        """An edit made in the gap before trial x + 0.5: a rule per gap; the flags are laid out
        at the next flush (several gaps close on the axis share one)."""
        self._last_seq = max(self._last_seq, int(ev["seq"]))
        self._events.append(ev)
        group = self._groups.get(x)
        if group is None:
            self._groups[x] = [ev]
            self.rules.append(([x, x], [0.0, 1.0]))
        else:
            group.append(ev)

    def _rebuild_best(self) -> None:
        # ChunkedSeries.reset resends only the marks whose points changed.
        self.best.reset(list(self._tracker.steps))

    def _flush(self, steered: bool = True) -> None:
        self._set_domains()
        span = float(self._sx.max) + 0.5
        if steered or span != self._flag_span:
            self._flag_span = span
            points, self._flag_events = flag_layout(self._groups, span, FLAG_Y, event_label)
            self.flags.reset(points)
            self._paint_counts()
        for series in (self.rules, self.best, self.points, self.failed, self.flags):
            series.flush()
        best = self.best.points()
        # The flat end of the best line reaches the newest trial, no further: it was rounded up
        # to a multiple of 8 to save a message per batch, and so drew trials that do not exist
        # (a run ending at trial 51 showed its best line to 56). One small message per batch
        # (batches, not trials) is the price.
        x = [best[-1][0], max(self._max_x, best[-1][0])] if best else []
        y = [best[-1][1]] * 2 if best else []
        if list(self.best_tail.x) != x or list(self.best_tail.y) != y:
            with self.best_tail.hold_sync():
                self.best_tail.x, self.best_tail.y = x, y
        if steered:
            self._paint_history()

    def _paint_counts(self) -> None:
        many = [(x, len(g)) for x, g in sorted(self._flag_events.items()) if len(g) > 1]
        text = [f"×{k}" for _, k in many]
        if list(self.counts.text) != text:
            with self.counts.hold_sync():
                self.counts.x = [x for x, _ in many]
                self.counts.y = [FLAG_Y] * len(many)
                self.counts.text = text

    def _paint_history(self) -> None:
        self.history_toggle.description = f"history ({len(self._events)})"
        shown = self.history_toggle.value
        self.history.layout.display = "block" if shown else "none"
        if shown:  # built only while someone looks at it
            self.history.value = history_html(self._events)

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
        # More room above than below: the top of the plot is the flags' lane.
        if self.log_toggle.value:
            pad = (hi / lo) ** 0.05 if hi > lo else 2.0
            y_min, y_max = lo / pad, hi * pad**3
            self._ax_y.tick_values = log_ticks(y_min, y_max)
        else:
            pad = (hi - lo) * 0.05 or abs(hi) * 0.05 or 1.0
            # No negative ticks under values that cannot be negative (errors, losses).
            y_min, y_max = (max(lo - pad, 0.0) if lo >= 0 else lo - pad), hi + 3 * pad
        with self._sy.hold_sync():
            self._sy.min, self._sy.max = float(y_min), float(y_max)
        if not self.log_toggle.value:
            self._ax_y.tick_format = linear_format(y_min, y_max)

    def _on_log(self, change: dict[str, Any]) -> None:
        with self._lock:
            self._sy = bq.LogScale() if change["new"] else bq.LinearScale()
            # A new axis, not a new scale on the old one: bqplot's axis view keeps drawing the
            # ticks of the scale it was created with (the log toggle showed linear ticks).
            self._ax_y = self._value_axis(log=change["new"])
            self._ylim = None  # recomputed over every value for the new scale
            self._set_domains()
            for series in (self.best, self.points):
                for mark in series.marks:
                    mark.scales = {**mark.scales, "y": self._sy}
            for mark in (self.best_tail, self.ring):
                mark.scales = {**mark.scales, "y": self._sy}
            self.figure.axes = [self._ax_x, self._ax_y]

    @staticmethod
    def _legend() -> str:
        return legend_html()
