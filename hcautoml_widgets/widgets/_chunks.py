"""A growing bqplot series whose bytes per point stay constant.

bqplot sends a mark's whole arrays whenever one of them changes, so one mark that grows with the
run would resend its history on every trial. Here a series is spread over marks in levels of
growing capacity, e.g. ``levels=(8, 64, 512)``:

* level 0 (the tail, 8 points) takes every new point and is resent while it fills;
* when a level is full its points move up into the next level's mark (one resend of that mark)
  and it empties; level 1 holds up to 64 points, so it is resent once every 8 points;
* the top level is a row of frozen *blocks* of 512 points: a full block is never sent again.

Each point therefore costs the small tail resend plus about ``9 bytes x ratio / 2`` per level
(ratio = 8 here), whatever the length of the series; the figure's list of marks changes only once
per top-level block. Which points live in which mark is a pure function of the series length, so
a change to an old point (a rejected trial greyed) resends only the mark that holds it.

With ``carry`` (for lines) every mark but the first begins with the last point of the mark
before it, so the line stays continuous.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np

Factory = Callable[[dict[str, Any]], Any]
Segment = tuple[str, int]  # ("L", level) below the top, ("B", block index) at the top


def segments(n: int, levels: Sequence[int]) -> dict[Segment, tuple[int, int]]:
    """Where the first ``n`` points live: segment -> [lo, hi) point indices.

    A level moves up whenever it holds ``levels[i]`` points, so everything below index
    ``floor(n / levels[i]) * levels[i]`` has left level ``i``.
    """
    out: dict[Segment, tuple[int, int]] = {}
    hi = n
    for i, cap in enumerate(levels[:-1]):
        lo = (n // cap) * cap
        out[("L", i)] = (lo, hi)
        hi = lo
    top = levels[-1]
    for k in range((hi + top - 1) // top):
        out[("B", k)] = (k * top, min((k + 1) * top, hi))
    return out


class ChunkedSeries:
    """Points (tuples, one value per column) kept in Python and mirrored into bqplot marks.

    Args:
        columns: trait name and numpy dtype of each column, e.g. ``[("x", "float32"), ...]``
            (dtype "str" for text); a column of pairs becomes a 2-D array (multi-line Lines).
        factory: creates a mark holding the given arrays.
        add_marks: puts new marks into the figure.
        levels: capacities, each dividing the next; the last is the frozen block size.
        carry: repeat the last point of a mark at the start of the next (continuous lines).
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, str]],
        factory: Factory,
        add_marks: Callable[[list[Any]], None],
        levels: Sequence[int] = (8, 64, 512),
        carry: bool = False,
    ) -> None:
        if any(b % a for a, b in pairwise(levels)):
            raise ValueError(f"each level must divide the next: {levels}")
        self.columns = list(columns)
        self._factory = factory
        self._add_marks = add_marks
        self._levels = tuple(levels)
        self._carry = carry
        self._pts: list[tuple[Any, ...]] = []
        self._index: dict[Any, int] = {}
        self._segs = segments(0, self._levels)
        self._dirty: set[Segment] = set()
        # Lower levels exist from the start (top level first, so the tail is drawn on top).
        self._marks: dict[Segment, Any] = {
            ("L", i): factory(self._arrays([])) for i in reversed(range(len(levels) - 1))}
        add_marks(list(self._marks.values()))

    @property
    def marks(self) -> list[Any]:
        return list(self._marks.values())

    def __len__(self) -> int:
        return len(self._pts)

    def points(self) -> list[tuple[Any, ...]]:
        return list(self._pts)

    def append(self, point: tuple[Any, ...], key: Any = None) -> None:
        if key is not None:
            self._index[key] = len(self._pts)
        self._pts.append(point)
        self._resegment()

    def update(self, key: Any, point: tuple[Any, ...]) -> bool:
        """Replace the point stored under ``key``; only the mark(s) showing it are resent."""
        i = self._index.get(key)
        if i is None:
            return False
        self._pts[i] = point
        for seg in self._segs:
            lo, hi = self._span(seg)
            if lo <= i < hi:
                self._dirty.add(seg)
        return True

    def reset(self, points: list[tuple[Any, ...]]) -> None:
        """Replace every point; marks whose content does not change are not resent."""
        old = {seg: self._pts[slice(*self._span(seg))] for seg in self._segs}
        self._pts = list(points)
        self._index = {}
        self._resegment()
        for seg in self._segs:
            if old.get(seg) != self._pts[slice(*self._span(seg))]:
                self._dirty.add(seg)
        self._dirty.update(seg for seg in old if seg not in self._segs)

    def flush(self) -> None:
        """Send every changed mark (new top-level blocks join the figure in one update)."""
        new: list[Any] = []
        for seg in sorted(self._dirty):
            span = self._span(seg) if seg in self._segs else (0, 0)
            data = self._arrays(self._pts[slice(*span)])
            mark = self._marks.get(seg)
            if mark is None:
                mark = self._marks[seg] = self._factory(data)
                new.append(mark)
            else:
                with mark.hold_sync():
                    for name, value in data.items():
                        setattr(mark, name, value)
        self._dirty.clear()
        if new:
            self._add_marks(new)

    # -- internals ----------------------------------------------------------------------------
    def _resegment(self) -> None:
        segs = segments(len(self._pts), self._levels)
        self._dirty.update(seg for seg, span in segs.items() if self._segs.get(seg) != span)
        self._segs = segs

    def _span(self, seg: Segment) -> tuple[int, int]:
        lo, hi = self._segs[seg]
        if self._carry and lo > 0 and hi > lo:
            lo -= 1
        return lo, hi

    def _arrays(self, pts: list[tuple[Any, ...]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for j, (name, dtype) in enumerate(self.columns):
            values = [p[j] for p in pts]
            out[name] = np.array(values, dtype=str if dtype == "str" else dtype)
        return out
