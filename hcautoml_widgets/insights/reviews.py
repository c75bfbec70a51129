"""Which trials a change of reviews touches, from two review mappings (the steering state's
``reviews``, before and after an event)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _by_number(reviews: Mapping[Any, str]) -> dict[int, str]:
    # The state travels through JSON, so its keys may be strings ("3") or ints (3).
    return {int(k): str(v) for k, v in reviews.items()}


def review_changes(before: Mapping[Any, str], after: Mapping[Any, str]) -> list[int]:
    """Trial numbers whose review differs between ``before`` and ``after``, ascending.

    A review that appears, disappears (unreview, or an undo of a review) or flips between
    "accepted" and "rejected" counts as a change.
    """
    old, new = _by_number(before), _by_number(after)
    return sorted(n for n in old.keys() | new.keys() if old.get(n) != new.get(n))


def rejected(reviews: Mapping[Any, str]) -> set[int]:
    """The trial numbers a review mapping rejects (they never count as best)."""
    return {n for n, review in _by_number(reviews).items() if review == "rejected"}
