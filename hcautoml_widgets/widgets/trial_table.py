"""TrialTable: every trial as a row; review, details, "enqueue a copy" and "use as prior".

The browser holds all rows (a compact list each, see ``_protocol.row``) and renders only the
visible ones. A row is sent when its trial starts, when it finishes and when its review changes;
the details of one trial (full configuration, provenance, error text) are fetched on demand so
they never ride along with every row.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from hcautoml_widgets.widgets._base import FeedWidget, Message, bundle, paged
from hcautoml_widgets.widgets._protocol import row

#: Error texts longer than this are cut in the details panel (the full text is in the run).
MAX_ERROR_CHARS = 20_000


def _jsonable(x: Any) -> Any:
    return json.loads(json.dumps(x, default=str, allow_nan=False)) if x is not None else None


class TrialTable(FeedWidget):
    """A virtualized, sortable, filterable table of a run's trials."""

    _esm = bundle("trial_table")

    def __init__(self, run: Any, **kwargs: Any) -> None:
        self._names: list[str] = list(run.space.names)
        self._reviews: dict[str, str] = {}
        self._has_params: set[int] = set()  # trials whose parameters the views already have
        super().__init__(run, **kwargs)

    def _row(self, rec: dict[str, Any]) -> list[Any]:
        n = int(rec["number"])
        known = n in self._has_params
        if rec.get("params"):
            self._has_params.add(n)
        return row(rec, self._names, with_params=not known)

    def snapshot(self) -> list[Message]:
        self._reviews = dict(self.run.steering.state_dict().get("reviews", {}))
        self._has_params = set()
        rows = [self._row(r) for r in self.run.records()]
        first = {"type": "snapshot", "names": self._names, "direction": self.run.direction}
        return paged(first, "rows", rows)

    def delta(self, batch: list[dict[str, Any]]) -> list[Message] | None:
        rows: dict[int, list[Any]] = {}
        for ev in batch:
            if ev.get("type") == "trial":
                rec = ev["record"]
                rows[rec["number"]] = self._row(rec)
            elif ev.get("type") == "steering":
                # Reviews (and their undo) change rows that may be long finished: resend those.
                reviews = dict(ev.get("state", {}).get("reviews", {}))
                changed = {k for k in reviews.keys() | self._reviews.keys()
                           if reviews.get(k) != self._reviews.get(k)}
                self._reviews = reviews
                for key in changed:
                    number = int(key)
                    rows[number] = self._row(self.run.record(number))
        if not rows:
            return None
        return paged({"type": "delta"}, "rows", list(rows.values()), follow="delta")

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
        return dict(_jsonable(rec))

    def _action(self, content: Message) -> None:
        op = content.get("op")
        rec = self.run.record(int(content["n"]))
        params = {k: v for k, v in (rec.get("params") or {}).items() if v is not None}
        if op == "enqueue_copy":
            self.run.steering.enqueue(params, source="widget")
        elif op == "use_as_prior":
            # One prior per parameter; a pinned or constant one may refuse, the others still
            # count, and the errors are reported together.
            errors = []
            done = 0
            for name, value in params.items():
                spec = self.run.space.params.get(name)
                if spec is None or spec.kind == "constant":
                    continue
                try:
                    self.run.steering.prior(name, value, "medium", source="widget")
                    done += 1
                except ValueError as exc:
                    errors.append(str(exc))
            if errors:
                raise ValueError(f"{done} priors set; " + "; ".join(errors))
        else:
            raise ValueError(f"unknown action {op!r}")
