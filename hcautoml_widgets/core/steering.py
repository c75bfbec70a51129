"""The steering log: human edits, validated, persisted, applied, then announced.

An edit goes through four steps, in this order: it is validated against the base space and the
current state; persisted (the store bound with :meth:`Steering.bind_store`, e.g. the study's
storage); applied (appended to the log and folded into the state); then announced to listeners.
If validation or persisting fails, nothing has changed and the caller gets the error. Edits are
serialised by one lock, held from validation to application; listeners run after it is
released (so a slow listener never blocks the next edit, and never blocks the sampler, which
reads the immutable state without any lock), in the order the edits were applied.

An edit that would change nothing (rejecting a rejected trial, narrowing to the current range,
re-stating the same prior) is not logged: the method returns None. Several edits made as one
action are one ``group`` event (:meth:`Steering.group`, :meth:`Steering.priors`): validated
together, applied together, taken back together by one ``undo()``.

A prior and a range that disagree are both accepted: a prior outside the current range (or on a
choice that is not allowed), or a narrowing that leaves an existing prior outside, is logged
with a ``note`` in its payload saying that the prior now acts truncated to the range. A prior on
a pinned parameter, and an enqueued configuration outside the ranges, choices or pins in force
(it runs as given), are noted the same way.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from hcautoml_widgets.core import validation as check
from hcautoml_widgets.core.events import (
    GROUPABLE,
    SteeringEvent,
    SteeringState,
    apply,
    fold,
    undone,
)
from hcautoml_widgets.core.space import SearchSpace

Listener = Callable[[SteeringEvent], None]
Store = Callable[[SteeringEvent], None]


class Steering:
    """Thread-safe log of steering events over a base space (``run.steering``).

    Every method validates against the base space and the current state first and raises
    ``ValueError`` without touching anything when the edit is invalid. ``source`` tells who made
    the edit ("code", "widget", "worker", ...), and is shown on the timeline. Methods return the
    event appended, or None when the edit would have changed nothing.
    """

    def __init__(
        self,
        space: SearchSpace,
        events: list[SteeringEvent] | None = None,
        trial_exists: Callable[[int], bool] | None = None,
    ) -> None:
        self.space = space
        self._lock = threading.RLock()  # edits: validate -> persist -> apply
        self._announce = threading.RLock()  # listeners hear edits one at a time, in order
        self._queue_lock = threading.Lock()  # which enqueued configurations ran
        self._events: list[SteeringEvent] = []
        self._state = SteeringState.initial(space)
        self._consumed: dict[int, int] = {}  # enqueue seq -> trial number that ran it
        self._listeners: list[Listener] = []
        self._store: Store | None = None
        self._trial_exists = trial_exists
        for ev in events or []:
            self._apply(ev)

    # -- reading (no lock: the state is immutable and replaced whole) -------------------------
    @property
    def log(self) -> list[SteeringEvent]:
        return list(self._events)

    @property
    def state(self) -> SteeringState:
        return self._state

    @property
    def version(self) -> int:
        return self._state.version

    def pending(self) -> list[tuple[int, Mapping[str, Any]]]:
        """Enqueued configurations that have not run yet, oldest first."""
        state = self._state
        with self._queue_lock:
            return [(s, c) for s, c in state.enqueued if s not in self._consumed]

    def state_dict(self) -> dict[str, Any]:
        return self._state.to_dict(self.pending())

    # -- wiring -------------------------------------------------------------------------------
    def bind_trials(self, exists: Callable[[int], bool]) -> None:
        """Tell the log how to check that a trial number exists (for accept/reject)."""
        self._trial_exists = exists

    def bind_store(self, store: Store | None) -> None:
        """Persist every new event with ``store(event)`` before it is applied; an exception
        from it refuses the edit."""
        self._store = store

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` after every append; returns a function that unsubscribes."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = [x for x in self._listeners if x is not listener]

        return unsubscribe

    def take_next(self, trial_number: int) -> tuple[int, dict[str, Any]] | None:
        """Hand the oldest pending enqueued configuration to a trial, atomically."""
        state = self._state
        with self._queue_lock:
            for seq, cfg in state.enqueued:
                if seq not in self._consumed:
                    self._consumed[seq] = trial_number
                    return seq, dict(cfg)
        return None

    def mark_consumed(self, seq: int, trial_number: int) -> None:
        """Record that an enqueued configuration already ran (after a reload, or elsewhere)."""
        with self._queue_lock:
            self._consumed[seq] = trial_number

    def append(self, event: SteeringEvent) -> None:
        """Apply an event made elsewhere (another process, read from the storage): it must be
        the next in sequence. Not persisted again; announced."""
        with self._lock:
            if event.seq != len(self._events) + 1:
                raise ValueError(f"steering event {event.seq}: expected sequence "
                                 f"{len(self._events) + 1}")
            self._apply(event)
            self._announce.acquire()
        self._tell(event)

    # -- edits --------------------------------------------------------------------------------
    def narrow(self, name: str, low: float, high: float, *,
               source: str = "code") -> SteeringEvent | None:
        """Restrict a numeric parameter to ``[low, high]`` within its base range."""
        return self._edit(source, "narrow", lambda st: check.narrow(self.space, st, name, low,
                                                                      high))

    def reset(self, name: str, *, source: str = "code") -> SteeringEvent | None:
        """Give a parameter its base range (or all its base choices) back."""
        return self._edit(source, "reset", lambda st: check.reset(self.space, st, name))

    def allow(self, name: str, choices: list[Any], *,
              source: str = "code") -> SteeringEvent | None:
        """Restrict a categorical parameter to ``choices``."""
        return self._edit(source, "allow", lambda st: check.allow(self.space, st, name, choices))

    def pin(self, name: str, value: Any, *, source: str = "code") -> SteeringEvent | None:
        """Fix a parameter to ``value`` for every trial from now on."""
        return self._edit(source, "pin", lambda st: check.pin(self.space, st, name, value))

    def unpin(self, name: str, *, source: str = "code") -> SteeringEvent | None:
        return self._edit(source, "unpin", lambda st: check.unpin(self.space, st, name))

    def prior(self, name: str, value: Any, confidence: str = "medium", *,
              source: str = "code") -> SteeringEvent | None:
        """State a belief that good values of ``name`` lie near ``value``."""
        return self._edit(source, "prior",
                          lambda st: check.prior(self.space, st, name, value, confidence))

    def clear_prior(self, name: str, *, source: str = "code") -> SteeringEvent | None:
        return self._edit(source, "clear_prior",
                          lambda st: check.clear_prior(self.space, st, name))

    def accept(self, trial: int, *, source: str = "code") -> SteeringEvent | None:
        """Mark a trial as good: positive evidence about its region (see the sampler)."""
        return self._edit(source, "accept",
                          lambda st: {"trial": check.trial(trial, self._trial_exists)})

    def reject(self, trial: int, *, source: str = "code") -> SteeringEvent | None:
        """Mark a trial as untrustworthy: hidden from the model and never the best."""
        return self._edit(source, "reject",
                          lambda st: {"trial": check.trial(trial, self._trial_exists)})

    def unreview(self, trial: int, *, source: str = "code") -> SteeringEvent | None:
        def validate(st: SteeringState) -> dict[str, Any]:
            number = check.trial(trial, self._trial_exists)
            check.review_target(st, number)
            return {"trial": number}

        return self._edit(source, "unreview", validate)

    def enqueue(self, config: Mapping[str, Any], *, source: str = "code") -> SteeringEvent:
        """Run ``config`` next (after configurations enqueued before it)."""
        def validate(st: SteeringState) -> dict[str, Any]:
            cfg = self.space.validate_config(config)
            note = check.enqueued_note(self.space, st, cfg)
            return {"config": cfg} if note is None else {"config": cfg, "note": note}

        ev = self._edit(source, "enqueue", validate)
        assert ev is not None
        return ev

    def clear_queue(self, *, source: str = "code") -> SteeringEvent:
        """Take back every enqueued configuration that has not run yet, as one event (one
        ``undo()`` puts them back in the queue). Unlike undoing each enqueue, this works whatever
        edits were made after them."""
        def validate(st: SteeringState) -> dict[str, Any]:
            with self._queue_lock:
                ran = set(self._consumed)
            seqs = [seq for seq, _ in st.enqueued if seq not in ran]
            if not seqs:
                raise ValueError("clear_queue: the queue is already empty")
            return {"seqs": seqs}

        ev = self._edit(source, "dequeue", validate)
        assert ev is not None
        return ev

    def priors(self, values: Mapping[str, Any], confidence: str = "medium", *,
               source: str = "code") -> SteeringEvent | None:
        """One prior per parameter in ``values`` (constants skipped), as one event: "use this
        trial as a prior". All or nothing; one ``undo()`` takes them all back."""
        edits = [("prior", {"name": k, "value": v, "confidence": confidence})
                 for k, v in values.items()
                 if not (k in self.space.params and self.space.params[k].kind == "constant")]
        return self.group(edits, source=source)

    def group(self, edits: Sequence[tuple[str, Mapping[str, Any]]], *,
              source: str = "code") -> SteeringEvent | None:
        """Several edits as one event: ``[("narrow", {"name": "x", "low": 0, "high": 1}),
        ("prior", {...})]``. Each is validated against the state the earlier ones leave; if any
        is invalid, none is made. Edits that would change nothing are left out."""
        def validate(st: SteeringState) -> dict[str, Any]:
            parts = []
            for i, (kind, args) in enumerate(edits):
                if kind not in GROUPABLE:
                    raise ValueError(f"group: edit {i + 1}: {kind!r} cannot be grouped "
                                     f"(one of {', '.join(GROUPABLE)})")
                payload = self._validator(kind, dict(args))(st)
                if self._changes(kind, payload, st):
                    parts.append({"kind": kind, "payload": payload})
                    st = apply(st, SteeringEvent.new(st.version, source, kind, payload),
                               self.space)
            if not parts:
                raise _NoChange
            return {"edits": parts}

        return self._edit(source, "group", validate)

    def undo(self, *, source: str = "code") -> SteeringEvent:
        """Take back the most recent edit that is still in effect."""
        def validate(st: SteeringState) -> dict[str, Any]:
            gone = undone(self._events)
            with self._queue_lock:
                ran = set(self._consumed)
            for ev in reversed(self._events):
                # An enqueued configuration that already ran is history, not an edit in effect.
                if ev.kind == "undo" or ev.seq in gone or (ev.kind == "enqueue" and ev.seq in ran):
                    continue
                return {"target": ev.seq, "kind": ev.kind}
            raise ValueError("undo: there is no edit to undo")

        ev = self._edit(source, "undo", validate)
        assert ev is not None
        return ev

    # -- persistence --------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps([ev.to_dict() for ev in self.log])

    @classmethod
    def from_json(cls, space: SearchSpace, text: str) -> Steering:
        return cls(space, [SteeringEvent.from_dict(d) for d in json.loads(text)])

    # -- internals ----------------------------------------------------------------------------
    def _validator(self, kind: str, args: dict[str, Any]
                   ) -> Callable[[SteeringState], dict[str, Any]]:
        name = args.get("name")
        if kind == "narrow":
            return lambda st: check.narrow(self.space, st, name, args.get("low"),
                                           args.get("high"))
        if kind == "allow":
            return lambda st: check.allow(self.space, st, name, args.get("choices"))
        if kind == "pin":
            return lambda st: check.pin(self.space, st, name, args.get("value"))
        if kind == "prior":
            return lambda st: check.prior(self.space, st, name, args.get("value"),
                                          args.get("confidence", "medium"))
        if kind in ("reset", "unpin", "clear_prior"):
            return lambda st: getattr(check, kind)(self.space, st, name)
        if kind in ("accept", "reject"):
            return lambda st: {"trial": check.trial(args.get("trial"), self._trial_exists)}
        raise ValueError(f"group: unknown edit {kind!r}")

    def _changes(self, kind: str, payload: Mapping[str, Any], st: SteeringState) -> bool:
        """Whether a valid edit would change the state (if not, it is not logged)."""
        name = payload.get("name")
        if kind == "narrow":
            return st.ranges.get(str(name)) != (payload["low"], payload["high"])
        if kind == "reset":
            spec = self.space.params[str(name)]
            if spec.is_numeric:
                return st.ranges.get(str(name)) != (spec.low, spec.high)
            return st.allowed.get(str(name)) != spec.choices
        if kind == "allow":
            return st.allowed.get(str(name)) != tuple(payload["choices"])
        if kind == "pin":
            return str(name) not in st.pins or st.pins[str(name)] != payload["value"]
        if kind == "prior":
            old = st.priors.get(str(name))
            return old is None or (old.value, old.confidence) != (payload["value"],
                                                                   payload["confidence"])
        if kind in ("accept", "reject"):
            want = "accepted" if kind == "accept" else "rejected"
            return st.reviews.get(int(payload["trial"])) != want
        return True

    def _edit(self, source: str, kind: str,
              validate: Callable[[SteeringState], dict[str, Any]]) -> SteeringEvent | None:
        if not isinstance(source, str) or not source:
            raise ValueError(f"source must be a non-empty string, got {source!r}")
        with self._lock:
            try:
                payload = validate(self._state)
            except _NoChange:
                return None
            if not self._changes(kind, payload, self._state):
                return None
            ev = SteeringEvent.new(len(self._events) + 1, source, kind, payload)
            if self._store is not None:
                self._store(ev)  # raises: nothing has changed yet
            self._apply(ev)
            # Taken before the edit lock is let go, so listeners hear edits in log order.
            self._announce.acquire()
        self._tell(ev)
        return ev

    def _tell(self, ev: SteeringEvent) -> None:
        try:
            for listener in self._listeners:
                listener(ev)
        finally:
            self._announce.release()

    def _apply(self, ev: SteeringEvent) -> None:
        if ev.seq != len(self._events) + 1:
            raise ValueError(f"steering event {ev.seq}: expected sequence {len(self._events) + 1}")
        events = [*self._events, ev]
        state = fold(events, self.space) if ev.kind == "undo" else apply(self._state, ev,
                                                                          self.space)
        # The list is replaced, not appended to, so a reader never sees a half-made edit.
        self._events, self._state = events, state


class _NoChange(Exception):
    """A group whose every edit would change nothing."""
