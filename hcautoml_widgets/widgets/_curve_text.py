"""Small HTML of the cost curve: tooltips, the legend, the history.

The words for steering events come from :mod:`hcautoml_widgets.insights.labels`, the same ones
the timeline uses; ``event_label`` is kept as this module's name for them.

Kept apart from ``cost_curve.py`` so the drawing code stays about marks and scales.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

from hcautoml_widgets.insights.labels import describe
from hcautoml_widgets.insights.labels import label as event_label
from hcautoml_widgets.widgets._protocol import num

__all__ = ["ORIGINS", "PALETTE", "event_label", "history_html", "legend_html", "nice_ceiling",
           "short", "tip_html", "trial_tip"]

ORIGINS = ("startup", "model", "prior", "enqueued", "pinned")
PALETTE = ["#ff7f0e", "#1f77b4", "#2ca02c", "#9467bd", "#17becf", "#c7c7c7"]
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


def short(v: Any) -> str:
    """A value rounded for reading (the exact one is in the run and the table's details)."""
    v = num(v)
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def tip_html(title: str, lines: Sequence[str]) -> str:
    body = "".join(f"<div>{html.escape(line)}</div>" for line in lines)
    return (f'<div class="hcw-tip" style="font-size:12px;line-height:1.4;padding:2px 4px">'
            f"<b>{html.escape(title)}</b>{body}</div>")


def trial_tip(rec: dict[str, Any] | None, metric: str) -> str:
    """Tooltip of one trial's point: its value, where it came from, its configuration."""
    if not rec:
        return tip_html("trial ?", [])
    lines = [f"{metric} = {short(rec.get('value'))}", f"origin: {rec.get('origin')}"]
    if rec.get("review"):
        lines.append(f"review: {rec['review']}")
    lines += [f"{k} = {short(v)}" for k, v in (rec.get("params") or {}).items()]
    return tip_html(f"trial {rec.get('number')}", lines)


def history_html(events: Sequence[dict[str, Any]]) -> str:
    """The steering log, newest first, one line an event."""
    if not events:
        return '<div class="hcw-history" style="font-size:12px;color:#666">no steering yet</div>'
    rows = "".join(
        f'<li data-seq="{ev.get("seq")}"><span style="color:#888">#{ev.get("seq")}</span> '
        f"{html.escape(describe(ev))} "
        f'<span style="color:#888">({html.escape(str(ev.get("source")))})</span></li>'
        for ev in reversed(events))
    return ('<ul class="hcw-history" style="font-size:12px;margin:2px 0;padding-left:4px;'
            'list-style:none;max-height:140px;overflow-y:auto;line-height:1.5">' + rows + "</ul>")


def legend_html() -> str:
    item = '<span style="white-space:nowrap">{}</span>'
    keys = [f'<span style="color:{c}">●</span> {name}'
            for name, c in zip([*ORIGINS, "rejected"], PALETTE, strict=True)]
    keys += ['<span style="color:#d62728">✚</span> failed',
             '<span style="color:#d62728">━</span> best so far', "▼ steering"]
    return ('<div class="hcw-legend" style="font-size:12px;line-height:1.6;display:flex;'
            'flex-wrap:wrap;column-gap:10px">'
            + "".join(item.format(k) for k in keys) + "</div>")
