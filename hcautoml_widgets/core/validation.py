"""Validation of steering edits against the base space and the current state.

Every check raises ``ValueError`` naming the parameter (or trial) and the reason, before anything
is appended to the log, so a refused edit changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hcautoml_widgets.core.events import SteeringState
from hcautoml_widgets.core.priors import CONFIDENCES
from hcautoml_widgets.core.space import ParamSpec, SearchSpace
from hcautoml_widgets.core.trial_context import obeys  # the sampler's own rule, tolerance included
from hcautoml_widgets.core.words import shown


def param(space: SearchSpace, name: Any) -> ParamSpec:
    if not isinstance(name, str) or name not in space.params:
        known = ", ".join(space.names)
        raise ValueError(f"parameter {name!r}: not in the search space (known: {known})")
    return space.params[name]


def _number(spec: ParamSpec, what: str, value: Any) -> float | int:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if hasattr(value, "item"):
            return _number(spec, what, value.item())
        raise ValueError(
            f"parameter '{spec.name}': {what} must be a number, got {type(value).__name__}"
        )
    if not math.isfinite(value):
        raise ValueError(f"parameter '{spec.name}': {what} must be finite, got {value}")
    if spec.kind == "int":
        if float(value) != int(value):
            raise ValueError(f"parameter '{spec.name}': {what} must be an integer, got {value}")
        return int(value)
    return float(value)


def _onto_grid(spec: ParamSpec, x: float | int) -> float | int:
    """A bound within float noise of a grid point, as that grid point: the sampler hands out
    grid values, and a range of [5e-118, 1] on a 0.1 grid would hold its own sampled 0.0 just
    outside it (and [0.30000000000000004, ...] would leave out 0.3)."""
    assert spec.low is not None and spec.step is not None
    if not spec.on_grid(x):
        return x
    k = round((float(x) - float(spec.low)) / spec.step)
    # Rounded to 15 significant digits, not decimals: a grid of step 1e-13 must keep its points.
    on = float(f"{float(spec.low) + k * spec.step:.15g}")
    return round(on) if spec.kind == "int" else on


def narrow(space: SearchSpace, state: SteeringState, name: Any, low: Any, high: Any) -> dict:
    spec = param(space, name)
    if not spec.is_numeric:
        raise ValueError(
            f"parameter '{spec.name}': narrow applies to numeric parameters; "
            "use allow() for categorical ones"
        )
    lo, hi = _number(spec, "low", low), _number(spec, "high", high)
    if spec.kind == "float" and lo == hi:
        raise ValueError(
            f"parameter '{spec.name}': an empty range [{lo}, {hi}]; use pin() to fix a value"
        )
    if spec.step is not None:
        # After the check above: bounds a hair apart around one grid point hold that point.
        lo, hi = _onto_grid(spec, lo), _onto_grid(spec, hi)
    if spec.log and (lo <= 0 or hi <= 0):
        raise ValueError(
            f"parameter '{spec.name}': bounds must be positive on a log scale, got [{lo}, {hi}]"
        )
    if lo > hi:
        raise ValueError(f"parameter '{spec.name}': low {lo} is greater than high {hi}")
    assert spec.low is not None and spec.high is not None
    if lo < spec.low or hi > spec.high:
        raise ValueError(
            f"parameter '{spec.name}': [{lo}, {hi}] lies outside the base range "
            f"[{spec.low}, {spec.high}]"
        )
    if spec.step is not None:
        # A range with no grid point inside would leave nothing to sample.
        first = spec.low + math.ceil((lo - spec.low) / spec.step - 1e-9) * spec.step
        if first > hi + 1e-12:
            raise ValueError(
                f"parameter '{spec.name}': [{lo}, {hi}] holds no value of step {spec.step}"
            )
    pinned = state.pins.get(spec.name)
    if pinned is not None and not lo <= pinned <= hi:
        raise ValueError(
            f"parameter '{spec.name}': pinned at {shown(pinned)}, outside "
            f"[{shown(lo)}, {shown(hi)}]; unpin it first"
        )
    out: dict[str, Any] = {"name": spec.name, "low": lo, "high": hi}
    prior_ = state.priors.get(spec.name)
    if prior_ is not None and isinstance(prior_.value, (int, float)) and not (
            lo <= prior_.value <= hi):
        out["note"] = truncated_note(spec.name, prior_.value, f"[{shown(lo)}, {shown(hi)}]")
    return out


def truncated_note(name: str, value: Any, where: str) -> str:
    """The one rule for a prior and a range that disagree: both edits are accepted, and the
    prior acts truncated to the range (its draws and its density stay inside it)."""
    return (f"the prior on '{name}' at {shown(value)} lies outside {where}: "
            "it now acts truncated to it")


def allow(space: SearchSpace, state: SteeringState, name: Any, choices: Any) -> dict:
    spec = param(space, name)
    if spec.kind != "categorical":
        raise ValueError(
            f"parameter '{spec.name}': allow applies to categorical parameters; "
            "use narrow() for numeric ones"
        )
    if isinstance(choices, (str, bytes)) or not isinstance(choices, Sequence | set | frozenset):
        raise ValueError(
            f"parameter '{spec.name}': choices must be a list, got {type(choices).__name__}"
        )
    picked = list(choices)
    if not picked:
        raise ValueError(f"parameter '{spec.name}': the set of allowed choices is empty")
    assert spec.choices is not None
    for c in picked:
        if c not in spec.choices:
            raise ValueError(
                f"parameter '{spec.name}': {c!r} is not one of {list(spec.choices)}"
            )
    # Keep the base order so the same set always reads the same.
    ordered = [c for c in spec.choices if c in picked]
    pinned = state.pins.get(spec.name, _MISSING)
    if pinned is not _MISSING and pinned not in ordered:
        raise ValueError(
            f"parameter '{spec.name}': pinned at {pinned!r}, which is not allowed; unpin it first"
        )
    out: dict[str, Any] = {"name": spec.name, "choices": ordered}
    prior_ = state.priors.get(spec.name)
    if prior_ is not None and prior_.value not in ordered:
        out["note"] = truncated_note(spec.name, prior_.value, f"the allowed choices {ordered}")
    return out


_MISSING = object()


def in_current(space: SearchSpace, state: SteeringState, spec: ParamSpec, value: Any,
               what: str) -> Any:
    """Check a value against the base space and the current range or allowed choices."""
    if spec.kind == "constant":
        raise ValueError(f"parameter '{spec.name}': a constant cannot take a {what}")
    if spec.is_numeric:
        v = _number(spec, what, value)
        v = space.check_value(spec.name, v)
        lo, hi = state.ranges[spec.name]
        if not lo <= v <= hi:
            raise ValueError(
                f"parameter '{spec.name}': {what} {v} is outside the current range [{lo}, {hi}]"
            )
        return v
    v = space.check_value(spec.name, value)
    if v not in state.allowed[spec.name]:
        raise ValueError(
            f"parameter '{spec.name}': {what} {v!r} is not among the allowed choices "
            f"{list(state.allowed[spec.name])}"
        )
    return v


def pin(space: SearchSpace, state: SteeringState, name: Any, value: Any) -> dict:
    spec = param(space, name)
    return {"name": spec.name, "value": in_current(space, state, spec, value, "pin")}


def unpin(space: SearchSpace, state: SteeringState, name: Any) -> dict:
    spec = param(space, name)
    if spec.name not in state.pins:
        raise ValueError(f"parameter '{spec.name}': not pinned")
    return {"name": spec.name}


def prior(space: SearchSpace, state: SteeringState, name: Any, value: Any,
          confidence: Any) -> dict:
    spec = param(space, name)
    if confidence not in CONFIDENCES:
        raise ValueError(
            f"parameter '{spec.name}': confidence must be one of {list(CONFIDENCES)}, "
            f"got {confidence!r}"
        )
    if spec.kind == "constant":
        raise ValueError(f"parameter '{spec.name}': a constant cannot take a prior")
    v = space.check_value(spec.name, _number(spec, "prior", value) if spec.is_numeric else value)
    out: dict[str, Any] = {"name": spec.name, "value": v, "confidence": confidence}
    note = prior_note(spec, state, v)
    if note is not None:
        out["note"] = note
    return out


def prior_note(spec: ParamSpec, state: SteeringState, value: Any) -> str | None:
    """What the steering in ``state`` does to a prior on ``spec`` at ``value``: outside the
    current range or choices it acts truncated to them; on a pinned parameter it waits for the
    unpin. None when it acts as stated."""
    notes = []
    if spec.is_numeric:
        lo, hi = state.ranges[spec.name]
        if not lo <= value <= hi:
            notes.append(truncated_note(spec.name, value,
                                        f"the current range [{shown(lo)}, {shown(hi)}]"))
    elif value not in state.allowed[spec.name]:
        notes.append(truncated_note(spec.name, value,
                                    f"the allowed choices {list(state.allowed[spec.name])}"))
    if spec.name in state.pins:
        notes.append(f"parameter '{spec.name}' is pinned at {shown(state.pins[spec.name])}: the "
                     "prior acts once it is unpinned")
    return "; ".join(notes) or None


def prior_notes(space: SearchSpace, state: SteeringState) -> dict[str, str]:
    """:func:`prior_note` of every prior in force that has one: what the edits made since,
    from anywhere, do to it (the note an edit's answer carried holds only for its own time)."""
    out = {}
    for name, p in state.priors.items():
        note = prior_note(space.params[name], state, p.value) if name in space.params else None
        if note is not None:
            out[name] = note
    return out


def enqueued_note(space: SearchSpace, state: SteeringState,
                  config: Mapping[str, Any]) -> str | None:
    """What an enqueued configuration does against the steering in force: it runs as given (the
    person asked for exactly it), and the log says where it leaves the ranges, choices or pins,
    so that a trial outside them is not a surprise later."""
    out = []
    for name, v in config.items():
        spec = space.params.get(name)
        if spec is None or obeys(state, spec, v):
            continue
        if name in state.pins:
            out.append(f"'{name}' = {shown(v)} while it is pinned at {shown(state.pins[name])}")
        elif spec.is_numeric:
            lo, hi = state.ranges[name]
            out.append(f"'{name}' = {shown(v)} lies outside the current range "
                       f"[{shown(lo)}, {shown(hi)}]")
        else:
            out.append(f"'{name}' = {shown(v)} is not among the allowed choices "
                       f"{list(state.allowed[name])}")
    return "; ".join(out) + ": it runs as given" if out else None


def clear_prior(space: SearchSpace, state: SteeringState, name: Any) -> dict:
    spec = param(space, name)
    if spec.name not in state.priors:
        raise ValueError(f"parameter '{spec.name}': has no prior to clear")
    return {"name": spec.name}


def reset(space: SearchSpace, state: SteeringState, name: Any) -> dict:
    spec = param(space, name)
    if spec.kind == "constant":
        raise ValueError(f"parameter '{spec.name}': a constant has no range to reset")
    return {"name": spec.name}


def trial(number: Any, exists: Callable[[int], bool] | None) -> int:
    if isinstance(number, bool) or not isinstance(number, int):
        if hasattr(number, "item") and not isinstance(number, bool):
            return trial(number.item(), exists)
        raise ValueError(f"trial {number!r}: a trial number must be an integer")
    if number < 0 or exists is None or not exists(number):
        raise ValueError(f"trial {number}: no such trial")
    return number


def review_target(state: SteeringState, number: int) -> None:
    if number not in state.reviews:
        raise ValueError(f"trial {number}: has no review to take back")
