"""Compact wire formats and message types shared by the Python views and their TypeScript twins
(js/src/base.ts).

Rows and samples travel as positional lists, not dicts, so a trial costs the same few hundred
bytes whatever the run's length: no key is repeated per row, and floats are cut to six
significant digits (the views only display them; actions that need the exact value, such as
"enqueue a copy", read the full record in the kernel).
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Sequence
from typing import Any, Literal, TypedDict

from hcautoml_widgets.core.protocol import RunView

# -- message types (twins of the types in js/src/base.ts; tests/widgets/test_protocol.py checks
# that both sides name the same operations and request kinds) ---------------------------------

#: Steering methods a view may call through an "edit" request (``_base.STEERING_OPS``).
SteeringOp = Literal["narrow", "reset", "allow", "pin", "unpin", "prior", "clear_prior",
                     "accept", "reject", "unreview", "enqueue", "undo"]
#: Requests a view may send; each is answered by an :class:`Ack`.
RequestKind = Literal["edit", "control", "details", "action", "fanova", "preview"]
#: Operations of the trial table's "action" request.
ActionOp = Literal["enqueue_copy", "use_as_prior", "clear_queue"]


class EditRequest(TypedDict):
    type: Literal["edit"]
    id: str
    op: SteeringOp
    args: dict[str, Any]


# (total=False subclasses rather than NotRequired, which Python 3.10 lacks)
class _ActionRequest(TypedDict):
    type: Literal["action"]
    id: str
    op: ActionOp


class ActionRequest(_ActionRequest, total=False):
    n: int  # the trial (not for "clear_queue")


class _Ack(TypedDict):
    type: Literal["ack"]
    id: str | int | None
    ok: bool
    error: str | None


class Ack(_Ack, total=False):
    result: Any


class QueueItem(TypedDict):
    id: int
    config: dict[str, Any]


#: One letter per trial state / origin / review, decoded by js/src/base.ts.
STATE_CODES = {"running": "r", "complete": "c", "failed": "f", "pruned": "p"}
ORIGIN_CODES = {"startup": "s", "model": "m", "prior": "p", "enqueued": "e", "pinned": "n"}
REVIEW_CODES = {"accepted": "a", "rejected": "x"}

#: Messages are split so that none comes near the 1 MB limit the protocol promises.
PAGE_BYTES = 256 * 1024


def num(x: Any) -> Any:
    """A JSON-safe, shortened scalar: floats to 6 significant digits, non-finite to None."""
    if isinstance(x, bool) or x is None or isinstance(x, (int, str)):
        return x
    if isinstance(x, float):
        if not math.isfinite(x):
            return None
        return float(f"{x:.6g}")
    # numpy scalars and anything else scalar-like
    item = getattr(x, "item", None)
    if callable(item):
        return num(item())
    return str(x)


def row(rec: dict[str, Any], names: Sequence[str], with_params: bool = True) -> list[Any]:
    """A trial record as ``[n, state, value, origin, review, version, duration, params, err]``.

    ``params`` is None when the view already has them (a trial's parameters never change after
    it starts, so the row sent when it finishes need not repeat them).
    """
    params = rec.get("params") or {}
    return [
        rec["number"],
        STATE_CODES.get(rec.get("state", ""), "?"),
        num(rec.get("value")),
        ORIGIN_CODES.get(rec.get("origin") or "", "?"),
        REVIEW_CODES.get(rec.get("review") or ""),
        rec.get("version"),
        num(rec.get("duration")),
        [num(params.get(name)) for name in names] if with_params else None,
        1 if rec.get("error") else 0,
    ]


def row_once(rec: dict[str, Any], names: Sequence[str], has_params: set[int]) -> list[Any]:
    """:func:`row`, with the parameters only the first time the view gets them; ``has_params``
    (the trials whose parameters the view has) is updated."""
    n = int(rec["number"])
    known = n in has_params
    if rec.get("params"):
        has_params.add(n)
    return row(rec, names, with_params=not known)


def sample(rec: dict[str, Any], names: Sequence[str]) -> list[Any]:
    """Where one trial went in the space: its parameter values in ``names`` order."""
    params = rec.get("params") or {}
    return [num(params.get(name)) for name in names]


def size(msg: Any) -> int:
    """Bytes of a message as the comm will serialise it (compact JSON)."""
    return len(json.dumps(msg, separators=(",", ":"), default=str))


def pages(items: Sequence[Any], budget: int = PAGE_BYTES) -> Iterator[list[Any]]:
    """Split ``items`` into consecutive lists whose JSON stays under ``budget`` bytes."""
    page: list[Any] = []
    used = 0
    for item in items:
        n = size(item) + 1
        if page and used + n > budget:
            yield page
            page, used = [], 0
        page.append(item)
        used += n
    if page:
        yield page


def status_of(run: RunView) -> dict[str, Any]:
    """What the control bar needs, read from the run (used for snapshots)."""
    return {
        "status": run.status,
        "reason": run.status_reason,
        "counts": dict(run.counts),
        "budget": run.budget,
        "best_value": num(run.best_value),
        "best_trial_number": run.best_trial_number,
    }
