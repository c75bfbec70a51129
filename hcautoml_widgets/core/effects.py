"""The measured effect of each steering event, from the trial rows and the log alone.

Headless and storage-free, so both the export (core) and the insights layer
(:func:`hcautoml_widgets.insights.timeline`) use it. An event "takes effect" at the first trial
that started under a steering version at least its own (``version`` is recorded on every trial).

Regions for the share columns:

* narrow: inside ``[low, high]``; allow: among the allowed choices; pin: equal to the pinned value;
* prior: *near* the prior's value: within two prior standard deviations on the parameter's unit
  scale (the width the confidence maps to, see :mod:`core.priors`), or the favoured choice for a
  categorical parameter.

Each share is counted over the trials that started while the edit was in force (until a later
edit of the same kind on the same parameter, or an undo of it), next to the same share over the
trials before it (``share_before``), so "90% inside" can be read against what the search did
anyway.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from hcautoml_widgets.core.events import SteeringEvent
from hcautoml_widgets.core.prior_health import REGION_SIGMAS
from hcautoml_widgets.core.priors import UNIT_SIGMA
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.words import shown

#: Width of "near a prior", in prior standard deviations on the unit scale: the prior's health
#: line counts trials near it the same way, and both are shown under the same word.
NEAR_SIGMAS = REGION_SIGMAS
#: Which edits end which: a later edit of the same family on the same parameter replaces it.
FAMILY = {"narrow": "range", "allow": "range", "reset": "range", "pin": "pin", "unpin": "pin",
          "prior": "prior", "clear_prior": "prior"}
REGION_KINDS = ("narrow", "allow", "pin", "prior")
COLUMNS = ["seq", "time", "source", "kind", "description", "trial", "best_before", "best_after",
           "n_after", "trials_to_improvement", "share_inside", "share_before"]


def _fmt(x: Any) -> str:
    return shown(x, quote=False)


def describe(ev: SteeringEvent | Mapping[str, Any]) -> str:
    """A readable phrase for one event ("narrowed C to [0.1, 10]").

    The one wording of steering events: the timeline, the export and the cost curve's flags and
    history all use it (``hcautoml_widgets.insights.labels`` re-exports it). Missing payload
    keys read as "?" rather than failing: a view must be able to show any logged event.
    """
    d = ev.to_dict() if isinstance(ev, SteeringEvent) else dict(ev)
    kind, p = str(d.get("kind", "?")), dict(d.get("payload") or {})
    name = p.get("name", "")

    def f(key: str) -> str:
        return _fmt(p.get(key, "?"))

    if kind == "narrow":
        return f"narrowed {name} to [{f('low')}, {f('high')}]"
    if kind == "reset":
        return f"reset {name} to its full range"
    if kind == "allow":
        return f"allowed only {', '.join(map(_fmt, p.get('choices') or ()))} for {name}"
    if kind == "pin":
        return f"pinned {name} = {f('value')}"
    if kind == "unpin":
        return f"unpinned {name}"
    if kind == "prior":
        return f"stated a {p.get('confidence', '?')}-confidence prior {name} ≈ {f('value')}"
    if kind == "clear_prior":
        return f"cleared the prior on {name}"
    if kind in ("accept", "reject"):
        return f"{kind}ed trial {f('trial')}"
    if kind == "unreview":
        return f"took back the review of trial {f('trial')}"
    if kind == "enqueue":
        cfg = p.get("config") or {}
        return "enqueued " + ", ".join(f"{k}={_fmt(v)}" for k, v in cfg.items())
    if kind == "dequeue":
        n = len(p.get("seqs") or ())
        return f"cleared the queue ({n} configuration{'s' if n != 1 else ''})"
    if kind == "undo":
        return f"undid #{f('target')} ({f('kind')})"
    if kind == "group":
        return _describe_group(list(p.get("edits") or ()))
    return kind


def _describe_group(parts: list[Mapping[str, Any]]) -> str:
    """Several edits made as one action ("use as prior" sets one prior per parameter)."""
    if not parts:
        return "made no edit"
    priors = [dict(part.get("payload") or {}) for part in parts if part.get("kind") == "prior"]
    confidences = {str(q.get("confidence", "?")) for q in priors}
    if len(priors) == len(parts) and len(confidences) == 1:
        values = ", ".join(f"{q.get('name', '')} ≈ {_fmt(q.get('value', '?'))}" for q in priors)
        kind = "prior" if len(priors) == 1 else "priors"
        return f"stated {len(priors)} {confidences.pop()}-confidence {kind}: {values}"
    return f"{len(parts)} edits at once: " + "; ".join(describe(part) for part in parts)


def label(ev: SteeringEvent | Mapping[str, Any], limit: int = 200) -> str:
    """One line for an event: ``#seq description [source]``, cut at ``limit`` characters."""
    d = ev.to_dict() if isinstance(ev, SteeringEvent) else dict(ev)
    return f"#{d.get('seq')} {describe(d)} [{d.get('source')}]"[:limit]


def _valid(row: Mapping[str, Any]) -> bool:
    v = row.get("value")
    return (row.get("state") == "complete" and row.get("review") != "rejected"
            and isinstance(v, (int, float)) and math.isfinite(float(v)))


def _in_region(ev: SteeringEvent, space: SearchSpace, value: Any) -> bool:
    p = ev.payload
    spec = space.params[str(p["name"])]
    if ev.kind == "narrow":
        return bool(float(p["low"]) - 1e-12 <= float(value) <= float(p["high"]) + 1e-12)
    if ev.kind == "allow":
        return value in tuple(p["choices"])
    if ev.kind == "pin":
        if spec.is_numeric:
            return math.isclose(float(value), float(p["value"]), rel_tol=1e-9, abs_tol=1e-12)
        return bool(value == p["value"])
    # prior
    if not spec.is_numeric:
        return bool(value == p["value"])
    width = NEAR_SIGMAS * UNIT_SIGMA[str(p["confidence"])]
    return abs(spec.to_unit(float(value)) - spec.to_unit(float(p["value"]))) <= width + 1e-12


def _ends(events: Sequence[SteeringEvent]) -> dict[int, float]:
    """For each region event, the seq of the event that ended it (inf while in force)."""
    out: dict[int, float] = {}
    for i, ev in enumerate(events):
        if ev.kind not in REGION_KINDS:
            continue
        end = math.inf
        for later in events[i + 1:]:
            p = later.payload
            same = (FAMILY.get(later.kind) == FAMILY[ev.kind]
                    and p.get("name") == ev.payload.get("name"))
            if same or (later.kind == "undo" and p.get("target") == ev.seq):
                end = later.seq
                break
        out[ev.seq] = end
    return out


def _share(ev: SteeringEvent, space: SearchSpace, rows: Iterable[Mapping[str, Any]]
           ) -> float | None:
    name = str(ev.payload["name"])
    values = [r["params"][name] for r in rows if name in (r.get("params") or {})]
    if not values:
        return None
    return sum(_in_region(ev, space, v) for v in values) / len(values)


def effects(events: Sequence[SteeringEvent], rows: Sequence[Mapping[str, Any]], direction: str,
            space: SearchSpace, k: int = 10) -> list[dict[str, Any]]:
    """One JSON-able dict per event, oldest first, with the columns in :data:`COLUMNS`.

    Args:
        events: the steering log.
        rows: the trial rows (``run.records()``): number, state, value, review, version, params.
        direction: "minimize" or "maximize".
        space: the run's space (for the prior's width and parameter kinds).
        k: how many trials after the event count for ``best_after``.
    """
    if k < 1:
        raise ValueError(f"timeline: k must be a positive integer, got {k!r}")
    sign = 1.0 if direction == "minimize" else -1.0
    ordered = sorted(rows, key=lambda r: int(r["number"]))
    numbers = [int(r["number"]) for r in ordered]
    # The first trial at or after each event's version; versions need not grow with the number
    # when several workers run, so take the first trial number whose version is high enough.
    ends = _ends(events)
    out: list[dict[str, Any]] = []
    for ev in events:
        at = next((int(r["number"]) for r in ordered if int(r.get("version") or 0) >= ev.seq),
                  None)
        split = len(ordered) if at is None else bisect.bisect_left(numbers, at)
        before, after = ordered[:split], ordered[split:]
        best_before = _best((float(r["value"]) for r in before if _valid(r)), sign)
        window = after[:k]
        best_after = (None if not window else
                      _best((float(r["value"]) for r in [*before, *window] if _valid(r)), sign))
        until: int | None = None
        for i, r in enumerate(after, start=1):
            if _valid(r) and (best_before is None
                              or sign * float(r["value"]) < sign * best_before):
                until = i
                break
        share = share_before = None
        if ev.kind in REGION_KINDS and str(ev.payload.get("name")) in space.params:
            end = ends[ev.seq]
            share = _share(ev, space, [r for r in ordered
                                       if ev.seq <= int(r.get("version") or 0) < end])
            share_before = _share(ev, space, [r for r in ordered
                                              if int(r.get("version") or 0) < ev.seq])
        out.append({
            "seq": ev.seq, "time": ev.time, "source": ev.source, "kind": ev.kind,
            "description": describe(ev), "trial": at, "best_before": best_before,
            "best_after": best_after, "n_after": len(window), "trials_to_improvement": until,
            "share_inside": share, "share_before": share_before,
        })
    return out


def _best(values: Iterable[float], sign: float) -> float | None:
    best: float | None = None
    for v in values:
        if best is None or sign * v < sign * best:
            best = v
    return best
