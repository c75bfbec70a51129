"""The part every anywidget view shares: snapshot on request, coalesced deltas, edits with acks.

Protocol (custom messages; the TypeScript side is js/src/base.ts):

* view -> kernel ``{"type": "snapshot"}``: the kernel replies with one ``{"type": "snapshot"}``
  message holding the full state, followed by ``{"type": "page"}`` messages when the state is too
  big for one message (pages keep every message well under 1 MB).
* kernel -> view ``{"type": "delta", ...}``: only what is new since the previous message, at most
  one per feed batch (the feed coalesces to ~20 a second).
* view -> kernel ``{"type": "edit", "op": "narrow", "args": {...}, "id": n}``: the same
  ``run.steering`` method a cell would call, with ``source="widget"``; the kernel answers
  ``{"type": "ack", "id": n, "ok": bool, "error": str | None}``. Other request types
  (``control``, ``details``, ``action``) are answered the same way by the views that know them.

Deltas are sent only once a view has asked for a snapshot: before that nothing is displayed, and
the snapshot carries everything anyway.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import anywidget

from hcautoml_widgets.core.feed import VIEW_RATE
from hcautoml_widgets.core.protocol import RunView
from hcautoml_widgets.widgets._protocol import PAGE_BYTES, pages, size

_log = logging.getLogger(__name__)

STATIC = Path(__file__).resolve().parent.parent / "static"

#: Steering methods the browser may call (all take ``source=`` and raise ValueError when invalid).
STEERING_OPS = frozenset({
    "narrow", "reset", "allow", "pin", "unpin", "prior", "clear_prior",
    "accept", "reject", "unreview", "enqueue", "undo",
})

_MISSING_BUNDLE = """
export default { render({ el }) {
  el.textContent = "hcautoml-widgets: the JavaScript bundle %s was not built " +
    "(run `npm ci && npm run build` in js/, or `pip install .`).";
} };
"""


def bundle(name: str) -> Path | str:
    """The built ES module for a view, or a stand-in that says how to build it.

    anywidget raises at class definition when an ``_esm`` path does not exist; a checkout where
    the bundle was never built should still import (the Python tests do not need the browser).
    """
    path = STATIC / f"{name}.js"
    return path if path.is_file() else _MISSING_BUNDLE % name


Message = dict[str, Any]
MAX_MESSAGE_BYTES = 1_000_000


class Bounded(dict[str, Any]):
    """A message whose size is known to be under the limit (measured by :func:`paged`, or small
    by construction): :meth:`FeedWidget._emit` does not serialise it a second time to check."""


class FeedWidget(anywidget.AnyWidget):
    """An anywidget view of a run, fed by ``run.feed``.

    Subclasses implement :meth:`snapshot` (full state, as a list of messages) and :meth:`delta`
    (one message for a feed batch, or None), and may add request handlers in :meth:`requests`.
    Every message leaves through :meth:`_emit` under one lock, so a snapshot and the deltas after
    it can never interleave, whichever thread (kernel or feed) produces them.
    """

    max_rate = VIEW_RATE

    def __init__(self, run: RunView, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.run: RunView = run
        self._lock = threading.RLock()
        self._live = False
        self.on_msg(self._on_msg)
        self._sub = run.feed.subscribe(self._on_batch, max_rate=self.max_rate)

    # -- for subclasses ---------------------------------------------------------------------
    def snapshot(self) -> list[Message]:
        raise NotImplementedError

    def delta(self, batch: list[dict[str, Any]]) -> Message | list[Message] | None:
        raise NotImplementedError

    def requests(self) -> dict[str, Callable[[Message], Any]]:
        """Extra request types; a handler's return value goes into the ack as ``result``."""
        return {}

    # -- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        self._sub.close()
        super().close()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until the feed has delivered everything so far to this view (for tests)."""
        return bool(self._sub.flush(timeout))

    # -- plumbing -----------------------------------------------------------------------------
    def _emit(self, msg: Message) -> None:
        with self._lock:
            if self.comm is None:
                return
            if not isinstance(msg, Bounded):
                n = size(msg)
                if n > MAX_MESSAGE_BYTES:  # a bug, not a state to ship: say so loudly
                    raise ValueError(f"{type(self).__name__}: message of {n} bytes")
            self.send(msg)

    def _send_snapshot(self) -> None:
        with self._lock:
            msgs = self.snapshot()
            for msg in msgs:
                self._emit(msg)
            self._live = True

    def _on_batch(self, batch: list[dict[str, Any]]) -> None:
        with self._lock:
            if not self._live or self.comm is None:
                return
            out = self.delta(batch)
            for msg in [out] if isinstance(out, dict) else out or []:
                self._emit(msg)

    def _on_msg(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if not isinstance(content, dict):
            return
        kind = content.get("type")
        if kind == "snapshot":
            self._send_snapshot()
            return
        handler = self.requests().get(str(kind))
        if kind == "edit":
            handler = self._edit
        if handler is None:
            _log.warning("%s: unknown request %r", type(self).__name__, kind)
            return
        ack: Message = {"type": "ack", "id": content.get("id"), "ok": True, "error": None}
        try:
            result = handler(content)
            if result is not None:
                ack["result"] = result
        except (ValueError, TypeError, KeyError, RuntimeError) as exc:
            # The edit changed nothing (steering validates first); the view shows why.
            ack["ok"] = False
            ack["error"] = str(exc) or type(exc).__name__
        except Exception as exc:
            # A bug, but the view must still get its answer (it waits on it to unlock buttons).
            _log.exception("%s: request %r failed", type(self).__name__, kind)
            ack["ok"] = False
            ack["error"] = f"{type(exc).__name__}: {exc}"
        self._emit(ack)

    def _edit(self, content: Message) -> Message | None:
        """Apply a steering edit; the ack carries the log's ``note`` on what was accepted
        against the steering in force (a prior outside the range acts truncated to it)."""
        op, args = op_and_args(content, STEERING_OPS, "not a steering operation")
        event = getattr(self.run.steering, op)(**args, source="widget")
        note = None if event is None else event.payload.get("note")
        return {"note": str(note)} if note else None


def op_and_args(content: Message, allowed: Collection[str], refusal: str
                ) -> tuple[str, dict[str, Any]]:
    """A request's ``op`` (one of ``allowed``) and its ``args`` object; ValueError otherwise
    (``"'undo' is <refusal>; one of [...]"``)."""
    op = content.get("op")
    if op not in allowed:
        raise ValueError(f"{op!r} is {refusal}; one of {sorted(allowed)}")
    args = content.get("args") or {}
    if not isinstance(args, dict):
        raise ValueError(f"the arguments of {op!r} must be an object")
    return str(op), args


def paged(first: Message, key: str, items: list[Any], follow: str = "page") -> list[Message]:
    """``first`` with the first page of ``items`` under ``key``, then ``follow`` messages with
    the other pages (a batch that held thousands of trials, after the kernel was busy for a
    while, is split the same way as a large snapshot).

    The items are serialised once, whole, to measure them; only a list too big for one page is
    measured item by item. The messages come back :class:`Bounded`, so they are not measured
    again before the comm serialises them."""
    if size(first) + size(items) <= PAGE_BYTES:
        return [Bounded({**first, key: items})]
    chunks = list(pages(items)) or [[]]
    out: list[Message] = [Bounded({**first, key: chunks[0]})]
    out.extend(Bounded({"type": follow, key: chunk}) for chunk in chunks[1:])
    return out
