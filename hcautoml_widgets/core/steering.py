"""The steering log: human edits, validated, appended, folded into state, and announced."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from typing import Any

from hcautoml_widgets.core import validation as check
from hcautoml_widgets.core.events import SteeringEvent, SteeringState, apply, fold, undone
from hcautoml_widgets.core.space import SearchSpace

Listener = Callable[[SteeringEvent], None]


class Steering:
    """Thread-safe log of steering events over a base space (``run.steering``).

    Every method validates against the base space and the current state first and raises
    ``ValueError`` without touching anything when the edit is invalid. ``source`` tells who made
    the edit ("code", "widget", "worker", ...), and is shown on the timeline.
    """

    def __init__(
        self,
        space: SearchSpace,
        events: list[SteeringEvent] | None = None,
        trial_exists: Callable[[int], bool] | None = None,
    ) -> None:
        self.space = space
        self._lock = threading.RLock()
        self._events: list[SteeringEvent] = []
        self._state = SteeringState.initial(space)
        self._consumed: dict[int, int] = {}  # enqueue seq -> trial number that ran it
        self._listeners: list[Listener] = []
        self._trial_exists = trial_exists
        for ev in events or []:
            self._append(ev, announce=False)

    # -- reading ------------------------------------------------------------------------------
    @property
    def log(self) -> list[SteeringEvent]:
        with self._lock:
            return list(self._events)

    @property
    def state(self) -> SteeringState:
        with self._lock:
            return self._state

    @property
    def version(self) -> int:
        with self._lock:
            return self._state.version

    def pending(self) -> list[tuple[int, Mapping[str, Any]]]:
        """Enqueued configurations that have not run yet, oldest first."""
        with self._lock:
            return [(s, c) for s, c in self._state.enqueued if s not in self._consumed]

    def state_dict(self) -> dict[str, Any]:
        with self._lock:
            return self._state.to_dict(self.pending())

    # -- wiring -------------------------------------------------------------------------------
    def bind_trials(self, exists: Callable[[int], bool]) -> None:
        """Tell the log how to check that a trial number exists (for accept/reject)."""
        self._trial_exists = exists

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(event)`` after every append; returns a function that unsubscribes."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def take_next(self, trial_number: int) -> tuple[int, dict[str, Any]] | None:
        """Hand the oldest pending enqueued configuration to a trial, atomically."""
        with self._lock:
            for seq, cfg in self._state.enqueued:
                if seq not in self._consumed:
                    self._consumed[seq] = trial_number
                    return seq, dict(cfg)
        return None

    def mark_consumed(self, seq: int, trial_number: int) -> None:
        """Record that an enqueued configuration already ran (after a reload, or elsewhere)."""
        with self._lock:
            self._consumed[seq] = trial_number

    # -- edits --------------------------------------------------------------------------------
    def narrow(self, name: str, low: float, high: float, *, source: str = "code") -> SteeringEvent:
        """Restrict a numeric parameter to ``[low, high]`` within its base range."""
        with self._lock:
            return self._add(source, "narrow", check.narrow(self.space, self._state, name, low,
                                                              high))

    def reset(self, name: str, *, source: str = "code") -> SteeringEvent:
        """Give a parameter its base range (or all its base choices) back."""
        with self._lock:
            return self._add(source, "reset", check.reset(self.space, self._state, name))

    def allow(self, name: str, choices: list[Any], *, source: str = "code") -> SteeringEvent:
        """Restrict a categorical parameter to ``choices``."""
        with self._lock:
            return self._add(source, "allow", check.allow(self.space, self._state, name, choices))

    def pin(self, name: str, value: Any, *, source: str = "code") -> SteeringEvent:
        """Fix a parameter to ``value`` for every trial from now on."""
        with self._lock:
            return self._add(source, "pin", check.pin(self.space, self._state, name, value))

    def unpin(self, name: str, *, source: str = "code") -> SteeringEvent:
        with self._lock:
            return self._add(source, "unpin", check.unpin(self.space, self._state, name))

    def prior(self, name: str, value: Any, confidence: str = "medium", *,
              source: str = "code") -> SteeringEvent:
        """State a belief that good values of ``name`` lie near ``value``."""
        with self._lock:
            return self._add(source, "prior",
                             check.prior(self.space, self._state, name, value, confidence))

    def clear_prior(self, name: str, *, source: str = "code") -> SteeringEvent:
        with self._lock:
            return self._add(source, "clear_prior",
                             check.clear_prior(self.space, self._state, name))

    def accept(self, trial: int, *, source: str = "code") -> SteeringEvent:
        """Mark a trial as good: positive evidence about its region (see the sampler)."""
        with self._lock:
            return self._add(source, "accept", {"trial": check.trial(trial, self._trial_exists)})

    def reject(self, trial: int, *, source: str = "code") -> SteeringEvent:
        """Mark a trial as untrustworthy: hidden from the model and never the best."""
        with self._lock:
            return self._add(source, "reject", {"trial": check.trial(trial, self._trial_exists)})

    def unreview(self, trial: int, *, source: str = "code") -> SteeringEvent:
        with self._lock:
            number = check.trial(trial, self._trial_exists)
            check.review_target(self._state, number)
            return self._add(source, "unreview", {"trial": number})

    def enqueue(self, config: Mapping[str, Any], *, source: str = "code") -> SteeringEvent:
        """Run ``config`` next (after configurations enqueued before it)."""
        with self._lock:
            return self._add(source, "enqueue", {"config": self.space.validate_config(config)})

    def undo(self, *, source: str = "code") -> SteeringEvent:
        """Take back the most recent edit that is still in effect."""
        with self._lock:
            gone = undone(self._events)
            for ev in reversed(self._events):
                # An enqueued configuration that already ran is history, not an edit in effect.
                if ev.kind == "undo" or ev.seq in gone or (
                        ev.kind == "enqueue" and ev.seq in self._consumed):
                    continue
                return self._add(source, "undo", {"target": ev.seq, "kind": ev.kind})
            raise ValueError("undo: there is no edit to undo")

    # -- persistence --------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps([ev.to_dict() for ev in self.log])

    @classmethod
    def from_json(cls, space: SearchSpace, text: str) -> Steering:
        return cls(space, [SteeringEvent.from_dict(d) for d in json.loads(text)])

    # -- internals ----------------------------------------------------------------------------
    def _add(self, source: str, kind: str, payload: dict[str, Any]) -> SteeringEvent:
        if not isinstance(source, str) or not source:
            raise ValueError(f"source must be a non-empty string, got {source!r}")
        ev = SteeringEvent.new(len(self._events) + 1, source, kind, payload)
        self._append(ev, announce=True)
        return ev

    def _append(self, ev: SteeringEvent, announce: bool) -> None:
        if ev.seq != len(self._events) + 1:
            raise ValueError(f"steering event {ev.seq}: expected sequence {len(self._events) + 1}")
        self._events.append(ev)
        if ev.kind == "undo":
            self._state = fold(self._events, self.space)
        else:
            self._state = apply(self._state, ev, self.space)
        if announce:
            for listener in list(self._listeners):
                listener(ev)
