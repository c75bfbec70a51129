"""SpaceEditor: one row per hyperparameter; every edit goes through ``run.steering``.

The browser keeps every sampled value to draw its histograms; the kernel sends each trial's
parameters once (when it is first seen), so bytes per trial stay constant. The steering state is
sent again only when a steering event arrived, stripped of the parts this view does not draw
(reviews and the queue), which grow with the run.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hcautoml_widgets.core.preview import MAX_N, preview_points
from hcautoml_widgets.core.protocol import RunView
from hcautoml_widgets.core.validation import prior_notes
from hcautoml_widgets.widgets._base import FeedWidget, Message, bundle, op_and_args, paged
from hcautoml_widgets.widgets._protocol import num, sample

#: Edits the editor previews while a handle is held (ghost markers, js/src/ghosts.ts).
PREVIEW_OPS = ("narrow", "prior", "pin")


def editor_state(state: dict[str, Any]) -> dict[str, Any]:
    """The part of ``steering.state_dict()`` the editor draws, made JSON-safe."""
    priors = {k: {"value": num(v.get("value")), "confidence": v.get("confidence")}
              for k, v in state.get("priors", {}).items()}
    return {
        "version": state.get("version", 0),
        "ranges": {k: [num(a), num(b)] for k, (a, b) in state.get("ranges", {}).items()},
        "allowed": {k: [num(c) for c in v] for k, v in state.get("allowed", {}).items()},
        "pins": {k: num(v) for k, v in state.get("pins", {}).items()},
        "priors": priors,
    }


def editor_health(health: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The part of ``run.prior_health()`` a row shows under its prior, JSON-safe."""
    return {name: {"n_inside": h["n_inside"], "n_outside": h["n_outside"],
                   "median_inside": num(h["median_inside"]),
                   "median_outside": num(h["median_outside"]),
                   "auc": num(h["auc"]), "looks_wrong": bool(h["looks_wrong"]),
                   "weight": num(h["weight"]),
                   "message": h["message"]}
            for name, h in health.items()}


class SpaceEditor(FeedWidget):
    """Ranges, priors, pins and choices of a run's search space, editable while it runs."""

    _esm = bundle("space_editor")

    def __init__(self, run: RunView, **kwargs: Any) -> None:
        self._names: list[str] = list(run.space.names)
        self._seen: set[int] = set()
        self._version = -1
        self._health: dict[str, dict[str, Any]] = {}
        super().__init__(run, **kwargs)

    def _state(self) -> dict[str, Any]:
        # One read of the state for both, so the notes match the version they are sent with.
        st = self.run.steering.state
        return editor_state(st.to_dict()) | {"notes": prior_notes(self.run.space, st)}

    def _health_now(self) -> dict[str, dict[str, Any]]:
        if not self.run.steering.state.priors:
            return {}
        return editor_health(self.run.prior_health())

    def snapshot(self) -> list[Message]:
        records = [r for r in self.run.records() if r.get("params")]
        self._seen = {r["number"] for r in records}
        state = self._state()
        self._version = state["version"]
        space = self.run.space.to_dict()
        for p in space["params"]:
            for key in ("low", "high", "default"):
                p[key] = num(p.get(key))
            if p.get("choices") is not None:
                p["choices"] = [num(c) for c in p["choices"]]
        self._health = self._health_now()
        first = {"type": "snapshot", "names": self._names, "space": space, "state": state,
                 "health": self._health}
        return paged(first, "samples", [sample(r, self._names) for r in records])

    def delta(self, batch: list[dict[str, Any]]) -> list[Message] | None:
        msg: Message = {"type": "delta"}
        samples = []
        finished = False
        for ev in batch:
            if ev.get("type") != "trial":
                continue
            rec = ev["record"]
            finished = finished or rec.get("state") == "complete"
            if rec["number"] in self._seen or not rec.get("params"):
                continue
            self._seen.add(rec["number"])
            samples.append(sample(rec, self._names))
        if any(ev.get("type") == "steering" for ev in batch):
            state = self._state()
            if state["version"] != self._version:
                self._version = state["version"]
                msg["state"] = state
        if finished or "state" in msg:
            # Each prior's evidence moves with every finished trial; sent when what the rows
            # show changed, which a trial far from every prior often leaves alone.
            health = self._health_now()
            if health != self._health:
                self._health = health
                msg["health"] = health
        if not samples:
            return [msg] if len(msg) > 1 else None
        return paged(msg, "samples", samples, follow="delta")

    def requests(self) -> dict[str, Callable[[Message], Any]]:
        return {"preview": self._preview}

    def _preview(self, content: Message) -> dict[str, Any]:
        """Where the next trials would go under an edit not yet made (on a copy of the run)."""
        op, args = op_and_args(content, PREVIEW_OPS, "not previewed here")
        n = content.get("n", 5)
        if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_N:
            raise ValueError(f"preview: n must be an integer from 1 to {MAX_N}, not {n!r}")
        return preview_points(self.run, op, n, **args)
