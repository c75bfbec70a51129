"""The steering timeline: every human action, when and from where, and what it measurably did.

The computation lives in :mod:`hcautoml_widgets.core.effects` (the export carries it too); this
wraps it as a DataFrame for notebooks.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from hcautoml_widgets.core.effects import COLUMNS, effects
from hcautoml_widgets.core.words import plural


def timeline(run: Any, k: int = 10) -> pd.DataFrame:
    """One row per steering event, oldest first.

    Columns: ``seq``, ``time`` (UTC timestamp), ``source`` ("code", "widget", ...), ``kind``,
    ``description``, ``trial`` (the first trial that started under it; None before any did),
    ``best_before`` (best value before that trial), ``best_after`` (best after the next ``k``
    trials), ``n_after`` (how many of those ``k`` exist yet), ``trials_to_improvement`` (1 when
    the very next trial improved; None while none has), ``share_inside`` (narrow, allow, pin,
    prior: the share of trials run under the edit that landed inside the new range, or near the
    new prior) and ``share_before`` (the same share before it, for comparison).

    Args:
        run: a :class:`~hcautoml_widgets.Run` (or an exported run read back).
        k: the window for ``best_after``.
    """
    direction = getattr(run, "direction", "minimize")
    rows = effects(run.steering.log, run.records(), direction, run.steering.space, k=k)
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["time"] = pd.to_datetime(df["time"], unit="s", utc=True)
    for col in ("trial", "n_after", "trials_to_improvement"):
        df[col] = df[col].astype("Int64")
    return df


def _n(x: Any) -> str:
    return "–" if x is None else f"{x:.4g}"


def effect_text(row: dict[str, Any]) -> str:
    """A few plain lines about one event's effect (a row of :func:`timeline`, as a dict)."""
    lines = [f"#{row['seq']} {row['description']} (from {row['source']})"]
    if row["trial"] is None:
        lines.append("No trial has started under it yet.")
        if row["best_before"] is not None:
            lines.append(f"Best so far: {_n(row['best_before'])}.")
        return "\n".join(lines)
    lines.append(f"First trial under it: #{row['trial']}.")
    after = (f"best after the next {plural(row['n_after'], 'trial')}: {_n(row['best_after'])}"
             if row["n_after"] else "no trial after it yet")
    lines.append(f"Best before: {_n(row['best_before'])}; {after}.")
    until = row["trials_to_improvement"]
    lines.append("No improvement since." if until is None else
                 f"The best improved {plural(until, 'trial')} after it.")
    if row["share_inside"] is not None:
        # "Near" as the prior's health line counts it (core/prior_health.REGION_SIGMAS, or the
        # favoured choice of a categorical), so the two agree under the same word.
        where = ("near the prior (as its health line counts them)" if row["kind"] == "prior"
                 else "inside the new region")
        before = ("" if row["share_before"] is None
                  else f" (before it: {row['share_before']:.0%})")
        lines.append(f"{row['share_inside']:.0%} of the trials under it landed {where}{before}.")
    return "\n".join(lines)
