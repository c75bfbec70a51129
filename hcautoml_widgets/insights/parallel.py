"""Parallel coordinates: one axis per hyperparameter, one line per trial, brushes that steer.

:func:`axes` says how to draw each axis (log, categorical, the base range, the current range and
prior); :func:`selected` says which trials a set of brushes selects; :func:`edit_for_brush`
turns one axis's brush into the steering edit "narrow to this" or "prior here" (the same
arguments ``run.steering`` takes, so the view and a cell agree on what a brush means).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd


def axes(run: Any) -> list[dict[str, Any]]:
    """One dict per non-constant parameter: ``name``, ``kind``, ``log``, ``low``, ``high``,
    ``step`` (the grid's spacing: 1 for integers, None for a continuum), ``choices``, and from
    the steering state ``range`` / ``allowed``, ``pin``, ``prior``."""
    state = run.steering.state
    out = []
    for name in run.space.names:
        spec = run.space.params[name]
        if spec.kind == "constant":
            continue
        prior = state.priors.get(name)
        out.append({
            "name": name, "kind": spec.kind, "log": bool(spec.log),
            "low": spec.low, "high": spec.high, "step": spec.grid,
            "choices": list(spec.choices) if spec.choices is not None else None,
            "range": list(state.ranges[name]) if name in state.ranges else None,
            "allowed": list(state.allowed[name]) if name in state.allowed else None,
            "pin": state.pins.get(name),
            "prior": None if prior is None else prior.value,
        })
    return out


def frame(run: Any) -> pd.DataFrame:
    """Every trial (whatever its state) as ``number``, ``state``, ``value``, ``review``, then one
    column per parameter (None where inactive or not yet sampled)."""
    names = [a["name"] for a in axes(run)]
    rows = []
    for rec in run.records():
        params = rec.get("params") or {}
        rows.append({"number": rec["number"], "state": rec.get("state"),
                     "value": rec.get("value"), "review": rec.get("review"),
                     **{n: params.get(n) for n in names}})
    return pd.DataFrame(rows, columns=["number", "state", "value", "review", *names])


def selected(run: Any, brushes: Mapping[str, Any]) -> list[int]:
    """Trial numbers inside every brush: ``{name: (low, high)}`` for numeric axes, ``{name:
    [choices]}`` for categorical ones. A trial without a value on a brushed axis is out."""
    space = run.space
    out = []
    for rec in run.records():
        params = rec.get("params") or {}
        inside = True
        for name, sel in brushes.items():
            if name not in space.params:
                raise ValueError(f"parameter {name!r}: not in the search space")
            v = params.get(name)
            if v is None:
                inside = False
            elif space.params[name].kind == "categorical":
                inside = v in list(sel)
            else:
                lo, hi = sel
                inside = float(lo) <= float(v) <= float(hi)
            if not inside:
                break
        if inside:
            out.append(int(rec["number"]))
    return out


def edit_for_brush(run: Any, name: str, selection: Any, action: str = "narrow"
                   ) -> tuple[str, dict[str, Any]]:
    """The steering call a brush on ``name`` means: ``(op, kwargs)`` for ``run.steering``.

    "narrow" keeps the brushed interval (integers and steps rounded inwards; categorical axes
    allow the brushed choices); "prior" centres a medium-confidence prior in the middle of the
    brush (the geometric middle on a log axis; the first brushed choice on a categorical one).
    """
    if name not in run.space.params:
        raise ValueError(f"parameter {name!r}: not in the search space")
    spec = run.space.params[name]
    if action not in ("narrow", "prior"):
        raise ValueError(f"brush action must be 'narrow' or 'prior', got {action!r}")
    if spec.kind == "categorical":
        choices = [c for c in spec.choices if c in list(selection)]
        if not choices:
            raise ValueError(f"parameter '{name}': the brush holds no choice")
        if action == "narrow":
            return "allow", {"name": name, "choices": choices}
        return "prior", {"name": name, "value": choices[0], "confidence": "medium"}
    lo, hi = sorted(float(x) for x in selection)
    if action == "prior":
        mid = math.sqrt(lo * hi) if spec.log and lo > 0 else (lo + hi) / 2
        return "prior", {"name": name, "value": spec.snap(mid), "confidence": "medium"}
    grid = spec.grid
    if grid is not None:
        base = float(spec.low)
        k_lo, k_hi = math.ceil((lo - base) / grid - 1e-9), math.floor((hi - base) / grid + 1e-9)
        if k_lo > k_hi:  # a brush between two grid points: the nearest one
            k_lo = k_hi = round(((lo + hi) / 2 - base) / grid)
        lo, hi = base + k_lo * grid, base + k_hi * grid
        if spec.kind == "int":
            return "narrow", {"name": name, "low": round(lo), "high": round(hi)}
    return "narrow", {"name": name, "low": lo, "high": hi}
