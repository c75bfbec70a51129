"""The event feed: what happened in a run, delivered to subscribers in coalesced batches.

The optimiser thread only appends to each subscriber's pending list (constant time, no I/O), and
every subscriber has its own delivery thread, so a slow subscriber (a busy browser, say) delays
only itself and never the search. A batch holds only what is new since the previous one; a newer
event about the same trial, or a newer status, replaces an older one still waiting.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

Event = dict[str, Any]
Callback = Callable[[list[Event]], None]

_log = logging.getLogger(__name__)


def _key(event: Event) -> tuple[str, Any] | None:
    """Events with the same key supersede each other while they wait."""
    kind = event.get("type")
    if kind == "trial":
        return ("trial", event["record"]["number"])
    if kind == "status":
        return ("status", None)
    return None


class Subscription:
    """One subscriber's queue and delivery thread; ``close()`` ends it."""

    def __init__(self, callback: Callback, max_rate: float) -> None:
        if max_rate <= 0:
            raise ValueError(f"max_rate must be positive, got {max_rate}")
        self._callback = callback
        self._interval = 1.0 / max_rate
        self._cond = threading.Condition()
        self._pending: list[Event] = []
        self._index: dict[tuple[str, Any], int] = {}
        self._busy = False
        self._closed = False
        self.batches = 0
        self._thread = threading.Thread(target=self._loop, name="hcw-feed", daemon=True)
        self._thread.start()

    def push(self, event: Event) -> None:
        with self._cond:
            if self._closed:
                return
            was_empty = not self._pending
            key = _key(event)
            if key is not None and key in self._index:
                self._pending[self._index[key]] = event
            else:
                if key is not None:
                    self._index[key] = len(self._pending)
                self._pending.append(event)
            if was_empty:
                # Waking the delivery thread on every event only makes it fight the optimiser
                # for the GIL; it needs waking once, when there is something to deliver.
                self._cond.notify()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything pushed so far has been delivered; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._pending or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._pending.clear()
            self._index.clear()
            self._cond.notify_all()

    @property
    def closed(self) -> bool:
        return self._closed

    def _loop(self) -> None:
        last = 0.0
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                wait = last + self._interval - time.monotonic()
            if wait > 0:
                # Let more events gather: this is what keeps the rate at or under max_rate.
                time.sleep(wait)
            with self._cond:
                if self._closed:
                    return
                batch, self._pending, self._index = self._pending, [], {}
                self._busy = True
            last = time.monotonic()
            try:
                self._callback(batch)
            except Exception:  # a broken view must not end the feed for the others
                _log.exception("feed subscriber failed on a batch of %d events", len(batch))
            finally:
                with self._cond:
                    self.batches += 1
                    self._busy = False
                    self._cond.notify_all()


class EventFeed:
    """Publish events from any thread; subscribers receive coalesced batches."""

    def __init__(self) -> None:
        self._subs: list[Subscription] = []
        self._lock = threading.Lock()

    def subscribe(self, callback: Callback, max_rate: float = 20.0) -> Subscription:
        sub = Subscription(callback, max_rate)
        with self._lock:
            self._subs = [s for s in self._subs if not s.closed] + [sub]
        return sub

    def publish(self, event: Event) -> None:
        for sub in self._subs:  # a list swapped whole under the lock, so iteration is safe
            sub.push(event)

    def flush(self, timeout: float = 5.0) -> bool:
        return all(s.flush(timeout) for s in list(self._subs) if not s.closed)

    @property
    def subscriber_count(self) -> int:
        return sum(not s.closed for s in self._subs)
