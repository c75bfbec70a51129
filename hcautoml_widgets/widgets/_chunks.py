"""A growing bqplot series whose bytes per point stay constant.

bqplot sends a mark's whole arrays whenever one of them changes, so one mark that grows with the
run would resend its history on every trial. Here a series is spread over marks of two sizes:

* a small *tail* mark (``tail`` points) that takes every new point and is resent while it fills;
* *blocks* of ``block`` points: when the tail is full its points move into the open block (one
  resend of that block) and the tail empties; a full block is frozen and never sent again.

So each new point costs a resend of the small tail, plus its share of one block resend per
``tail`` points, plus, once per ``block`` points, the figure's list of marks. A change to an old
point (a rejected trial greyed) resends only the block that holds it.

With ``carry`` (for lines) every block and the tail begin with the previous segment's last point,
so the line stays continuous across marks.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

Factory = Callable[[dict[str, Any]], Any]


class ChunkedSeries:
    """Points (tuples, one value per column) kept in Python and mirrored into bqplot marks.

    Args:
        columns: trait name and numpy dtype of each column, e.g. ``[("x", "float32"), ...]``.
            A column whose values are sequences becomes a 2-D array (multi-line Lines marks).
        factory: creates a mark holding the given arrays (called for the tail and each block).
        add_marks: puts new marks into the figure.
        tail: points in the tail mark; block: points in a block mark.
        carry: repeat the last point of a segment at the start of the next (continuous lines).
    """

    def __init__(
        self,
        columns: Sequence[tuple[str, str]],
        factory: Factory,
        add_marks: Callable[[list[Any]], None],
        tail: int = 16,
        block: int = 512,
        carry: bool = False,
    ) -> None:
        if block % tail:
            raise ValueError("block must be a multiple of tail")
        self.columns = list(columns)
        self._factory = factory
        self._add_marks = add_marks
        self._tail_size = tail
        self._block_size = block
        self._carry = carry
        self._pts: list[tuple[Any, ...]] = []
        self._index: dict[Any, int] = {}
        self._committed = 0  # points that live in blocks
        self.blocks: list[Any] = []
        self._dirty: set[int] = set()  # block indices; -1 is the tail
        self.tail = factory(self._arrays([]))
        add_marks([self.tail])

    @property
    def marks(self) -> list[Any]:
        return [*self.blocks, self.tail]

    def __len__(self) -> int:
        return len(self._pts)

    def points(self) -> list[tuple[Any, ...]]:
        return list(self._pts)

    def append(self, point: tuple[Any, ...], key: Any = None) -> None:
        if key is not None:
            self._index[key] = len(self._pts)
        self._pts.append(point)
        self._dirty.add(-1)
        if len(self._pts) - self._committed >= self._tail_size:
            # The tail is full: its points join the open block, which is resent once.
            self._committed = len(self._pts)
            self._dirty.add((self._committed - 1) // self._block_size)

    def update(self, key: Any, point: tuple[Any, ...]) -> bool:
        """Replace the point stored under ``key``; only the segment(s) holding it are resent."""
        i = self._index.get(key)
        if i is None:
            return False
        self._pts[i] = point
        self._touch(i)
        return True

    def reset(self, points: list[tuple[Any, ...]]) -> None:
        """Replace every point; segments whose content did not change are not resent."""
        old = self._pts
        first = next((i for i, (a, b) in enumerate(zip(old, points, strict=False)) if a != b),
                     min(len(old), len(points)))
        if first == len(old) == len(points):
            return
        self._pts = list(points)
        self._index = {}
        keep = min(self._committed, first - first % self._tail_size)
        self._committed = keep
        # Blocks from the first changed point on may change; extra old blocks become empty.
        start = max(0, first - 1) // self._block_size
        self._dirty.update(range(start, len(self.blocks)))
        self._dirty.add(-1)
        while len(self._pts) - self._committed >= self._tail_size:
            self._committed += self._tail_size
            self._dirty.add((self._committed - 1) // self._block_size)

    def flush(self) -> None:
        """Send every changed segment (call inside the figure's hold_sync for one message)."""
        new: list[Any] = []
        for k in sorted(self._dirty):
            if k < 0:
                continue
            data = self._arrays(self._block_points(k))
            if k < len(self.blocks):
                _assign(self.blocks[k], data)
            else:
                while len(self.blocks) < k:  # cannot happen, but never leave a gap
                    self.blocks.append(self._factory(self._arrays([])))
                    new.append(self.blocks[-1])
                self.blocks.append(self._factory(data))
                new.append(self.blocks[-1])
        if -1 in self._dirty:
            start = self._committed - 1 if self._carry and self._committed else self._committed
            _assign(self.tail, self._arrays(self._pts[start:]))
        self._dirty.clear()
        if new:
            self._add_marks(new)

    def set_all(self, **traits: Any) -> None:
        """Set traits on every mark of the series (e.g. a new y scale)."""
        for mark in self.marks:
            for name, value in traits.items():
                setattr(mark, name, value)

    # -- internals ----------------------------------------------------------------------------
    def _touch(self, i: int) -> None:
        if i >= self._committed:
            self._dirty.add(-1)
            return
        k = i // self._block_size
        self._dirty.add(k)
        if self._carry and i % self._block_size == self._block_size - 1:
            self._dirty.add(k + 1 if (k + 1) * self._block_size < self._committed else -1)
        if self._carry and i == self._committed - 1:
            self._dirty.add(-1)

    def _block_points(self, k: int) -> list[tuple[Any, ...]]:
        lo = k * self._block_size
        hi = min(lo + self._block_size, self._committed)
        if self._carry and k > 0:
            lo -= 1
        return self._pts[lo:hi] if lo < hi else []

    def _arrays(self, pts: list[tuple[Any, ...]]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for j, (name, dtype) in enumerate(self.columns):
            values = [p[j] for p in pts]
            if dtype == "str":
                out[name] = np.array(values, dtype=str) if values else np.array([], dtype=str)
            else:
                out[name] = np.array(values, dtype=dtype)
        return out


def _assign(mark: Any, data: dict[str, Any]) -> None:
    with mark.hold_sync():
        for name, value in data.items():
            setattr(mark, name, value)
