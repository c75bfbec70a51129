"""Steering events and the state they fold into.

The log of events is the single source of truth for human input; :class:`SteeringState` is what
the log means at one version, computed by :func:`fold`. Both are immutable so a snapshot handed
to the optimiser thread can never change under it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

from hcautoml_widgets.core.priors import Prior
from hcautoml_widgets.core.space import SearchSpace

KINDS = (
    "narrow", "reset", "allow", "pin", "unpin", "prior", "clear_prior",
    "accept", "reject", "unreview", "enqueue", "dequeue", "undo", "group",
)
#: Kinds a ``group`` event may hold (several edits made as one action, undone together).
GROUPABLE = ("narrow", "reset", "allow", "pin", "unpin", "prior", "clear_prior", "accept",
             "reject")


@dataclass(frozen=True)
class SteeringEvent:
    """One human edit. ``seq`` is its 1-based position in the log, which is also the version the
    state has once the event is applied."""

    seq: int
    time: float
    source: str
    kind: str
    payload: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"seq": self.seq, "time": self.time, "source": self.source, "kind": self.kind,
                "payload": dict(self.payload)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> SteeringEvent:
        kind = d["kind"]
        if kind not in KINDS:
            raise ValueError(f"steering event: unknown kind {kind!r}")
        return cls(int(d["seq"]), float(d["time"]), str(d["source"]), kind,
                   MappingProxyType(dict(d["payload"])))

    @classmethod
    def new(cls, seq: int, source: str, kind: str, payload: dict[str, Any]) -> SteeringEvent:
        return cls(seq, time.time(), source, kind, MappingProxyType(payload))


def _frozen(d: dict[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(d)


@dataclass(frozen=True)
class SteeringState:
    """What the log means at ``version``: the constraints and beliefs the next trial obeys.

    ``enqueued`` holds every enqueued configuration that was not undone, as ``(seq, config)``;
    which of them already ran is not part of the fold (it is a fact about trials, not about human
    input) and is tracked by :class:`~hcautoml_widgets.core.steering.Steering`.
    """

    version: int
    ranges: Mapping[str, tuple[float, float]]
    allowed: Mapping[str, tuple[Any, ...]]
    pins: Mapping[str, Any]
    priors: Mapping[str, Prior]
    reviews: Mapping[int, str]
    enqueued: tuple[tuple[int, Mapping[str, Any]], ...] = ()
    accepted_since: Mapping[int, int] = field(default_factory=lambda: MappingProxyType({}))

    @classmethod
    def initial(cls, space: SearchSpace) -> SteeringState:
        ranges: dict[str, tuple[float, float]] = {}
        allowed: dict[str, tuple[Any, ...]] = {}
        priors: dict[str, Prior] = {}
        for name in space.names:
            p = space.params[name]
            if p.is_numeric:
                assert p.low is not None and p.high is not None
                ranges[name] = (p.low, p.high)
            elif p.kind == "categorical":
                assert p.choices is not None
                allowed[name] = p.choices
            if p.prior is not None:
                priors[name] = p.prior
        return cls(0, _frozen(ranges), _frozen(allowed), _frozen({}), _frozen(priors),
                   _frozen({}))

    def is_rejected(self, number: int) -> bool:
        return self.reviews.get(number) == "rejected"

    def to_dict(self, pending: Iterable[tuple[int, Mapping[str, Any]]] | None = None) -> dict:
        queue = self.enqueued if pending is None else tuple(pending)
        return {
            "version": self.version,
            "ranges": {k: [v[0], v[1]] for k, v in self.ranges.items()},
            "allowed": {k: list(v) for k, v in self.allowed.items()},
            "pins": dict(self.pins),
            "priors": {k: {"value": p.value, "confidence": p.confidence, "source": p.source,
                           "kind": p.kind}
                       for k, p in self.priors.items()},
            "reviews": {str(k): v for k, v in self.reviews.items()},
            "queue": [{"id": seq, "config": dict(cfg)} for seq, cfg in queue],
        }


def apply(state: SteeringState, ev: SteeringEvent, space: SearchSpace) -> SteeringState:
    """The state after one (already validated) event. ``undo`` is handled by :func:`fold`."""
    p = dict(ev.payload)
    name = str(p.get("name"))
    new = replace(state, version=ev.seq)
    if ev.kind == "narrow":
        return replace(new, ranges=_frozen({**state.ranges, name: (p["low"], p["high"])}))
    if ev.kind == "reset":
        spec = space.params[name]
        if spec.is_numeric:
            assert spec.low is not None and spec.high is not None
            return replace(new, ranges=_frozen({**state.ranges, name: (spec.low, spec.high)}))
        assert spec.choices is not None
        return replace(new, allowed=_frozen({**state.allowed, name: spec.choices}))
    if ev.kind == "allow":
        return replace(new, allowed=_frozen({**state.allowed, name: tuple(p["choices"])}))
    if ev.kind == "pin":
        return replace(new, pins=_frozen({**state.pins, name: p["value"]}))
    if ev.kind == "unpin":
        return replace(new, pins=_frozen({k: v for k, v in state.pins.items() if k != name}))
    if ev.kind == "prior":
        prior = Prior.from_confidence(space.params[name], p["value"], p["confidence"],
                                      source=ev.source, since=ev.seq)
        return replace(new, priors=_frozen({**state.priors, name: prior}))
    if ev.kind == "clear_prior":
        return replace(new, priors=_frozen({k: v for k, v in state.priors.items() if k != name}))
    if ev.kind in ("accept", "reject"):
        number = int(p["trial"])
        review = "accepted" if ev.kind == "accept" else "rejected"
        since = {k: v for k, v in state.accepted_since.items() if k != number}
        if review == "accepted":
            since[number] = ev.seq
        return replace(new, reviews=_frozen({**state.reviews, number: review}),
                       accepted_since=_frozen(since))
    if ev.kind == "unreview":
        number = int(p["trial"])
        return replace(
            new,
            reviews=_frozen({k: v for k, v in state.reviews.items() if k != number}),
            accepted_since=_frozen({k: v for k, v in state.accepted_since.items() if k != number}),
        )
    if ev.kind == "enqueue":
        return replace(new, enqueued=(*state.enqueued, (ev.seq, _frozen(dict(p["config"])))))
    if ev.kind == "dequeue":
        gone = {int(x) for x in p["seqs"]}
        return replace(new, enqueued=tuple(e for e in state.enqueued if e[0] not in gone))
    if ev.kind == "group":
        # Each part acts as if it were an event of its own at this sequence number.
        for part in p["edits"]:
            new = apply(new, SteeringEvent(ev.seq, ev.time, ev.source, part["kind"],
                                           MappingProxyType(dict(part["payload"]))), space)
        return new
    raise ValueError(f"steering event: cannot apply kind {ev.kind!r}")


def undone(events: Iterable[SteeringEvent]) -> set[int]:
    """Sequence numbers of the events that an ``undo`` took back."""
    out: set[int] = set()
    for ev in events:
        if ev.kind == "undo":
            out.add(int(ev.payload["target"]))
    return out


def fold(events: list[SteeringEvent], space: SearchSpace) -> SteeringState:
    """Replay a log from the space's initial state."""
    state = SteeringState.initial(space)
    skip = undone(events)
    for ev in events:
        if ev.kind == "undo" or ev.seq in skip:
            state = replace(state, version=ev.seq)
            continue
        state = apply(state, ev, space)
    return state
