"""Trial rows: one JSON-able dict a trial, with provenance and review, and the best of them."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from typing import Any

import pandas as pd
from optuna.trial import FrozenTrial, TrialState

from hcautoml_widgets.core.attrs import ATTR_ERROR, provenance_from

__all__ = ["ATTR_ERROR", "Records", "new_row", "row_from_trial", "to_dataframe"]
_STATES = {
    TrialState.RUNNING: "running",
    TrialState.WAITING: "running",
    TrialState.COMPLETE: "complete",
    TrialState.FAIL: "failed",
    TrialState.PRUNED: "pruned",
}


def new_row(number: int, state: str, params: Mapping[str, Any], provenance: Mapping[str, Any],
            start: float | None, end: float | None = None, value: float | None = None,
            review: str | None = None, error: str | None = None) -> dict[str, Any]:
    """The one row builder: a trial's row from its facts and its provenance (the sampler's dict
    for a live trial, :func:`~hcautoml_widgets.core.attrs.provenance_from` a stored one)."""
    row = {
        "number": number,
        "state": state,
        "value": value,
        "params": dict(params),
        "origin": provenance.get("origin", "startup"),
        "version": int(provenance.get("version", 0)),
        "review": review,
        "start": start,
        "end": end,
        "duration": (end - start) if start is not None and end is not None else None,
        "error": error,
        "score": provenance.get("score"),
        "enqueued": provenance.get("enqueued"),
    }
    if "prior_trial_share" in provenance:
        # Only on trials drawn from the priors past the start-up, so that every other row, sent
        # to the views trial by trial, stays as small as it was.
        row["prior_trial_share"] = provenance["prior_trial_share"]
    if provenance.get("prior_mode"):
        row["prior_mode"] = True  # the trial that ran the priors' centres; one per belief
    if "near_best" in provenance:
        # Only on trials the model picked from near the best trial, so other rows stay small.
        row["near_best"] = int(provenance["near_best"])
    if provenance.get("near_accepted"):
        row["near_accepted"] = True  # picked from near an accepted trial
    return row


def row_from_trial(trial: FrozenTrial, review: str | None = None) -> dict[str, Any]:
    """A row from a stored trial (used after a reload, and for trials run elsewhere)."""
    start = trial.datetime_start.timestamp() if trial.datetime_start else None
    end = trial.datetime_complete.timestamp() if trial.datetime_complete else None
    value = trial.value if trial.state == TrialState.COMPLETE else None
    return new_row(trial.number, _STATES[trial.state], trial.params,
                   provenance_from(trial.system_attrs), start, end, value, review,
                   trial.system_attrs.get(ATTR_ERROR))


class Records:
    """Rows by trial number, kept current by the run; thread-safe; tracks the best row."""

    def __init__(self, direction: str) -> None:
        self._rows: dict[int, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._sign = 1.0 if direction == "minimize" else -1.0
        self._best: int | None = None
        # The steering state's reviews, applied to every row put, so a review made while a
        # trial runs cannot be overwritten by the row the trial ends with.
        self._reviews: Mapping[int, str] = {}
        # Kept up to date on every put: the status line asks for counts after every trial.
        self._counts = {"total": 0, "running": 0, "complete": 0, "failed": 0, "pruned": 0}

    def put(self, row: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            row["review"] = self._reviews.get(row["number"])
            old = self._rows.get(row["number"])
            if old is None:
                self._counts["total"] += 1
            else:
                self._counts[old["state"]] -= 1
            self._counts[row["state"]] += 1
            self._rows[row["number"]] = row
            if self._better(row, self._best):
                self._best = row["number"]
            return dict(row)

    def set_reviews(self, reviews: Mapping[int, str]) -> list[dict[str, Any]]:
        """Apply the steering state's reviews; return the rows that changed."""
        changed = []
        with self._lock:
            self._reviews = dict(reviews)
            for number, row in self._rows.items():
                review = reviews.get(number)
                if row["review"] != review:
                    row["review"] = review
                    changed.append(dict(row))
            if changed:
                self._best = None
                for row in self._rows.values():
                    if self._better(row, self._best):
                        self._best = row["number"]
        return changed

    def _better(self, row: Mapping[str, Any], than: int | None) -> bool:
        if row["state"] != "complete" or row["review"] == "rejected" or row["value"] is None:
            return False
        if than is None:
            return True
        other = self._rows[than]["value"]
        return bool(self._sign * row["value"] < self._sign * other)

    def __contains__(self, number: object) -> bool:
        return number in self._rows

    def get(self, number: int) -> dict[str, Any]:
        with self._lock:
            return dict(self._rows[number])

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(self._rows[n]) for n in sorted(self._rows)]

    @property
    def best(self) -> dict[str, Any] | None:
        with self._lock:
            return dict(self._rows[self._best]) if self._best is not None else None

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self._counts)


SCORE_COLUMNS = ("log_l", "log_g", "log_prior", "prior_term", "accepted_term", "incumbent_term",
                 "acquisition", "prior_weight")


def to_dataframe(rows: list[dict[str, Any]], names: list[str]) -> pd.DataFrame:
    """One row a trial: state, value, provenance, review, then ``params_<name>`` columns."""
    flat = []
    for r in rows:
        d = {k: v for k, v in r.items() if k not in ("params", "score")}
        for name in names:
            d[f"params_{name}"] = r["params"].get(name)
        score = r.get("score") or {}
        for part in SCORE_COLUMNS:
            d[f"score_{part}"] = score.get(part)
        flat.append(d)
    columns = ["number", "state", "value", "origin", "version", "review", "enqueued", "start",
               "end", "duration", "error"]
    if any(r.get("worker") is not None for r in rows):  # trials run by a fleet's workers
        columns.append("worker")
    columns += [f"params_{n}" for n in names]
    columns += [f"score_{p}" for p in SCORE_COLUMNS]
    return pd.DataFrame(flat, columns=columns)
