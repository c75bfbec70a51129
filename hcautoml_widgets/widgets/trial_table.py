"""TrialTable: every trial as a row; review, details, "enqueue a copy" and "use as prior".

The browser holds all rows (a compact list each, see ``_protocol.row``) and renders only the
visible ones. A row is sent when its trial starts, when it finishes and when its review changes;
the details of one trial (full configuration, provenance, error text) are fetched on demand so
they never ride along with every row. The queue of enqueued configurations is sent when it
changes. ``selected`` (a trial number, synced) is the row the person picked; the dashboard links
it with the cost curve's.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, get_args

import traitlets

from hcautoml_widgets.core.protocol import RunView
from hcautoml_widgets.insights.explain import explain
from hcautoml_widgets.insights.reviews import review_changes
from hcautoml_widgets.widgets._base import FeedWidget, Message, bundle, paged
from hcautoml_widgets.widgets._protocol import ActionOp, QueueItem, num, row_once

#: Error texts longer than this are cut in the details panel (the full text is in the run).
MAX_ERROR_CHARS = 20_000
#: The structured explanation rides along with its text only up to this size (JSON characters);
#: past it (a long steering history in force) the text alone is sent.
MAX_EXPLANATION_CHARS = 8_000
#: Operations of the "action" request (js/src/base.ts ACTION_OPS).
ACTION_OPS: tuple[ActionOp, ...] = get_args(ActionOp)


def _jsonable(x: Any) -> Any:
    return json.loads(json.dumps(x, default=str, allow_nan=False)) if x is not None else None


class TrialTable(FeedWidget):
    """A virtualized, sortable, filterable table of a run's trials."""

    _esm = bundle("trial_table")
    selected = traitlets.Int(None, allow_none=True).tag(sync=True)

    def __init__(self, run: RunView, **kwargs: Any) -> None:
        self._names: list[str] = list(run.space.names)
        self._reviews: dict[str, str] = {}
        self._queue: list[QueueItem] = []
        self._has_params: set[int] = set()  # trials whose parameters the views already have
        super().__init__(run, **kwargs)

    def _row(self, rec: dict[str, Any]) -> list[Any]:
        return row_once(rec, self._names, self._has_params)

    def _queue_of(self, state: dict[str, Any]) -> list[QueueItem]:
        return [QueueItem(id=q["id"], config={k: num(v) for k, v in q["config"].items()})
                for q in state.get("queue", [])]

    def snapshot(self) -> list[Message]:
        state = self.run.steering.state_dict()
        self._reviews = dict(state.get("reviews", {}))
        self._queue = self._queue_of(state)
        self._has_params = set()
        rows = [self._row(r) for r in self.run.records()]
        first = {"type": "snapshot", "names": self._names, "direction": self.run.direction,
                 "metric": str(getattr(self.run, "metric", None) or "value"),
                 "queue": self._queue}
        return paged(first, "rows", rows)

    def delta(self, batch: list[dict[str, Any]]) -> list[Message] | None:
        rows: dict[int, list[Any]] = {}
        queue = None

        def put(number: int, r: list[Any]) -> None:
            # A trial that started and finished within one batch: its parameters went out with
            # the first of its rows, which this one replaces, so they must ride along here.
            prev = rows.get(number)
            if r[7] is None and prev is not None:
                r[7] = prev[7]
            rows[number] = r

        for ev in batch:
            if ev.get("type") == "trial":
                rec = ev["record"]
                put(rec["number"], self._row(rec))
                if rec.get("origin") == "enqueued" and self._queue:
                    queue = self._queue_of(self.run.steering.state_dict())
            elif ev.get("type") == "steering":
                state = ev.get("state", {})
                # Reviews (and their undo) change rows that may be long finished: resend those.
                reviews = dict(state.get("reviews", {}))
                changed = review_changes(self._reviews, reviews)
                self._reviews = reviews
                for number in changed:
                    put(number, self._row(self.run.record(number)))
                queue = self._queue_of(state)
        msg: Message = {"type": "delta"}
        if queue is not None and queue != self._queue:
            self._queue = queue
            msg["queue"] = queue
        if not rows:
            return [msg] if len(msg) > 1 else None
        return paged(msg, "rows", list(rows.values()), follow="delta")

    def requests(self) -> dict[str, Callable[[Message], Any]]:
        return {"details": self._details, "action": self._action}

    def _details(self, content: Message) -> dict[str, Any]:
        rec = dict(self.run.record(int(content["n"])))
        if rec.get("error") and len(rec["error"]) > MAX_ERROR_CHARS:
            rec["error"] = rec["error"][:MAX_ERROR_CHARS] + "\n... (cut)"
        # Provenance: the steering event the trial started under says why it looked as it did.
        version = rec.get("version") or 0
        log = self.run.steering.log
        rec["steering_event"] = log[version - 1].to_dict() if 0 < version <= len(log) else None
        rec["explanation"] = self._explanation(int(content["n"]))
        return dict(_jsonable(rec))

    def _explanation(self, n: int) -> dict[str, Any]:
        """Why trial ``n`` was chosen: ``{"text", "detail"}`` (``detail`` None when large)."""
        why = explain(self.run, n)
        detail = {k: v for k, v in why.items() if k != "text"}
        small = len(json.dumps(detail, default=str)) <= MAX_EXPLANATION_CHARS
        return {"text": why["text"], "detail": detail if small else None}

    def _action(self, content: Message) -> dict[str, Any] | None:
        op = content.get("op")
        if op not in ACTION_OPS:
            raise ValueError(f"unknown action {op!r}; expected one of {', '.join(ACTION_OPS)}")
        if op == "clear_queue":
            return self._clear_queue()
        rec = self.run.record(int(content["n"]))
        params = {k: v for k, v in (rec.get("params") or {}).items() if v is not None}
        if op == "enqueue_copy":
            # The note says where the copy leaves the steering in force (it runs as given);
            # the person who clicked must see it, not only the log.
            note = self.run.steering.enqueue(params, source="widget").payload.get("note")
            out: dict[str, Any] = {"queue": len(self.run.steering.pending())}
            if note:
                out["note"] = str(note)
            return out
        # One event for the whole configuration, all or nothing, undone in one step. The
        # person is told which of their own beliefs it replaced: one click overwrites them all.
        before = self.run.steering.state.priors
        replaced = [k for k in params if k in before and before[k].value != params[k]]
        ev = self.run.steering.priors(params, "medium", source="widget")
        notes = [] if ev is None else [str(part["payload"]["note"]) for part in ev.payload["edits"]
                                       if part["payload"].get("note")]
        answer: dict[str, Any] = {}
        if replaced:
            answer["replaced"] = replaced
        if notes:
            answer["note"] = "; ".join(notes)
        return answer or None

    def _clear_queue(self) -> dict[str, Any]:
        # One event, whatever was edited after the enqueues; one undo puts the queue back.
        steering = self.run.steering
        steering.clear_queue(source="widget")
        return {"queue": len(steering.pending())}

