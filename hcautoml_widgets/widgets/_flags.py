"""Where the cost curve's steering flags go: one per gap between trials, merged when close.

Edits are grouped by the gap between two trials they were made in (x = n - 0.5). On a long run
the gaps of edits a few trials apart lie a pixel or two apart on the axis, and their flags drew
over each other as one blurred flag whose tooltip showed only one gap's edits. The kernel does
not know the figure's width in pixels, but the axis spans a known number of trials and the
figure is a few hundred pixels wide, so flags within a small share of the axis are merged into
one, carrying every edit of its gaps (count and tooltip). Merging is redone when the axis grows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

# A flag is ~10 px wide; 1.5 % of the axis is ~9 px on a 600 px plot area.
MERGE_SHARE = 0.015


def clusters(xs: Sequence[float], min_gap: float) -> list[list[float]]:
    """``xs`` (ascending) in runs: a run starts at its first x and takes every later x closer
    to it than ``min_gap``, so the first xs of two runs are at least ``min_gap`` apart."""
    out: list[list[float]] = []
    for x in xs:
        if out and x - out[-1][0] < min_gap:
            out[-1].append(x)
        else:
            out.append([x])
    return out


def flag_layout(groups: Mapping[float, list[dict[str, Any]]], span: float, flag_y: float,
                label: Callable[[dict[str, Any]], str]
                ) -> tuple[list[tuple[float, float, str]], dict[float, list[str]]]:
    """The flags to draw, as (x, y, name) at each run's first gap, and each flag's edits in
    words, in order (its tooltip; their number is its count), for edit ``groups`` keyed by gap
    on an axis ``span`` trials wide. A flag that stands for several gaps says before which
    trial each edit came: its own x is only the first gap's."""
    points: list[tuple[float, float, str]] = []
    lines: dict[float, list[str]] = {}
    for run in clusters(sorted(groups), MERGE_SHARE * span):
        evs = [(x, ev) for x in run for ev in groups[x]]
        name = label(evs[-1][1]) if len(evs) == 1 else f"{len(evs)} edits: {label(evs[-1][1])}"
        points.append((run[0], flag_y, name))
        where = (lambda x: "") if len(run) == 1 else (lambda x: f"before trial {round(x + 0.5)}: ")
        lines[run[0]] = [where(x) + label(ev) for x, ev in evs]
    return points, lines
