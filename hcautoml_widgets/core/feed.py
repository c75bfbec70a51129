"""The event feed: what happened in a run, delivered to subscribers in coalesced batches.

The optimiser thread only appends to one pending list (constant time, no I/O). One delivery
thread per feed, started with the first subscriber and ended with the last, hands each batch to
every subscriber in turn: the same list object, so an event is built once whoever reads it. One
thread, not one per subscriber, because every extra thread that wakes up fights the optimiser for
the GIL (that was most of the dashboard's cost). A subscriber's callback must therefore be quick
(the views only compute a delta and hand it to the comm, which never blocks); a stalled one
delays the other subscribers, never the run.

A batch holds only what is new since the previous one: a newer event about the same trial, or a
newer status, replaces an older one still waiting. A subscriber gets batches at its own
``max_rate`` or slower: the subscribers together may take a bounded share of the kernel's time
(:data:`COST_SHARE`), so a costly one gets them less often, merged, and all of them at once when
the run stops running.

The status event is *lazy*: the run only marks it stale (:meth:`EventFeed.status_changed`), and
the delivery thread builds it once per batch from the run's status source, so nothing is built
when nobody listens or between batches.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

Event = dict[str, Any]
Callback = Callable[[list[Event]], None]
StatusSource = Callable[[], Event]

_log = logging.getLogger(__name__)

#: The share of the kernel's time all subscribers together may take: each of n subscribers gets
#: an equal part, so one whose callback takes c seconds gets a batch at most every
#: n c / COST_SHARE seconds (a 1 ms view among six: 5 times a second). A share per subscriber
#: (it was 2% each) let a dashboard of six views take 12%; this bound holds however many views
#: are open and however fast the search runs.
COST_SHARE = 0.03

#: How often a view gets a batch while trials stream in. Ten times a second reads as live (a
#: table or curve that moves more often only blurs), and each wake-up of the delivery thread
#: takes the GIL from the optimiser: at 20 a second the feed thread took 2.2 % of the kernel's
#: CPU during a fast TPE run, at 10 about half as much. Edits and the run's end skip the wait.
VIEW_RATE = 10.0

#: Events a person caused (an edit through any view or code): delivered at once, neither held
#: for the rate nor for the cost share, so whoever made the edit sees it land without waiting.
#: They come at a human pace, so this costs nothing the bounds above exist for.
URGENT = frozenset({"steering"})


def _key(event: Event) -> tuple[str, Any] | None:
    """Events with the same key supersede each other while they wait."""
    kind = event.get("type")
    if kind == "trial":
        return ("trial", event["record"]["number"])
    if kind == "status":
        return ("status", None)
    return None


class Subscription:
    """One subscriber of a feed; ``close()`` ends it."""

    def __init__(self, feed: EventFeed, callback: Callback, max_rate: float) -> None:
        if max_rate <= 0:
            raise ValueError(f"max_rate must be positive, got {max_rate}")
        self.feed = feed
        self.callback = callback
        self.max_rate = float(max_rate)
        self.batches = 0
        self.held: list[Event] = []  # waiting for this subscriber's slower rate
        self.last = 0.0  # when it last received a batch
        self.cost = 0.0  # seconds its callback takes (moving average)
        self._closed = False

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything published so far has been delivered; False on timeout."""
        return self.feed.flush(timeout)

    def close(self) -> None:
        self._closed = True
        self.feed._remove(self)

    @property
    def closed(self) -> bool:
        return self._closed


class EventFeed:
    """Publish events from any thread; subscribers receive coalesced batches.

    Args:
        status: builds the current status event (``{"type": "status", ...}``) on demand.
    """

    def __init__(self, status: StatusSource | None = None) -> None:
        self._status = status
        self._cond = threading.Condition(threading.Lock())
        self._subs: list[Subscription] = []
        self._pending: list[Event] = []
        self._index: dict[tuple[str, Any], int] = {}
        self._stale = False
        self._urgent = False  # the pending events include an URGENT one
        self._published = 0  # events and status changes accepted so far
        self._delivered = 0  # of those, how many every subscriber has received
        self._thread: threading.Thread | None = None

    def set_status_source(self, status: StatusSource) -> None:
        self._status = status

    # -- subscribers --------------------------------------------------------------------------
    def subscribe(self, callback: Callback, max_rate: float = 20.0) -> Subscription:
        """Deliver batches to ``callback`` at most ``max_rate`` times a second (the thread runs
        at the fastest subscriber's rate; a slower one gets what gathered, merged)."""
        sub = Subscription(self, callback, max_rate)
        with self._cond:
            self._subs = [*self._subs, sub]
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="hcw-feed", daemon=True)
                self._thread.start()
        return sub

    def _remove(self, sub: Subscription) -> None:
        with self._cond:
            self._subs = [s for s in self._subs if s is not sub]
            if not self._subs:
                self._pending, self._index, self._stale, self._urgent = [], {}, False, False
                self._delivered = self._published
            self._cond.notify_all()

    @property
    def subscriber_count(self) -> int:
        return len(self._subs)

    # -- publishing ---------------------------------------------------------------------------
    def publish(self, event: Event) -> None:
        if not self._subs:  # nobody listens: a snapshot will carry it when someone does
            return
        with self._cond:
            was_idle = not self._pending and not self._stale
            key = _key(event)
            if key is not None and key in self._index:
                self._pending[self._index[key]] = event
            else:
                if key is not None:
                    self._index[key] = len(self._pending)
                self._pending.append(event)
            self._urgent = self._urgent or event.get("type") in URGENT
            self._published += 1
            if was_idle or self._urgent:
                # Wake the delivery thread once, when there is something to deliver; waking it
                # on every event only makes it fight the optimiser for the GIL.
                self._cond.notify_all()

    def status_changed(self, urgent: bool = False) -> None:
        """The run's status or counts changed: the next batch carries a fresh status event.
        ``urgent`` (the run stopped running: paused, stopped, ended) delivers it at once."""
        if not self._subs or (self._stale and (not urgent or self._urgent)):
            return
        with self._cond:
            was_idle = not self._pending and not self._stale
            if not self._stale:
                self._stale = True
                self._published += 1
            self._urgent = self._urgent or urgent
            if was_idle or urgent:
                self._cond.notify_all()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything published so far has been delivered; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            target = self._published
            while self._subs and self._delivered < target:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    # -- delivery -----------------------------------------------------------------------------
    def _loop(self) -> None:
        last = 0.0
        due: float | None = None  # when a slower subscriber's held events fall due
        while True:
            with self._cond:
                while self._subs and not self._pending and not self._stale:
                    left = None if due is None else due - time.monotonic()
                    if left is not None and left <= 0:
                        break
                    self._cond.wait(left)
                if not self._subs:
                    self._thread = None
                    return
                interval = 1.0 / max(s.max_rate for s in self._subs)
                wait = 0.0 if self._urgent else last + interval - time.monotonic()
            if wait > 0:
                # Let more events gather: this is what keeps the rate at or under max_rate. An
                # urgent event published meanwhile cuts the wait short.
                with self._cond:
                    self._cond.wait_for(lambda: self._urgent, timeout=wait)
            with self._cond:
                batch, self._pending, self._index = self._pending, [], {}
                stale, self._stale = self._stale, False
                urgent, self._urgent = self._urgent, False
                mark = self._published
                subs = self._subs
            last = time.monotonic()
            if stale and self._status is not None:
                # Built here, outside the feed's lock, once for every subscriber.
                try:
                    batch.append(self._status())
                except Exception:
                    _log.exception("feed: building the status event failed")
            due = self._deliver(subs, batch, last, urgent)
            with self._cond:
                if due is None:
                    self._delivered = max(self._delivered, mark)
                self._cond.notify_all()

    @staticmethod
    def _deliver(subs: list[Subscription], batch: list[Event], now: float,
                 urgent: bool = False) -> float | None:
        """Hand ``batch`` to every subscriber whose rate allows it now; a slower one keeps it
        with what it holds already. Returns when the earliest held events fall due."""
        # When the run stops running, everyone gets everything at once: the end shows at once;
        # so does an edit (URGENT).
        settled = urgent or any(ev.get("type") == "status" and ev.get("status") != "running"
                                for ev in batch)
        due: float | None = None
        share = COST_SHARE / max(1, sum(not sub.closed for sub in subs))
        for sub in subs:
            if sub.closed:
                continue
            if batch:
                # The same list for every subscriber that takes the batch as it is.
                sub.held = sub.held + batch if sub.held else batch
            if not sub.held:
                continue
            ready = sub.last + max(1.0 / sub.max_rate, sub.cost / share)
            if now + 1e-3 < ready and not settled:
                due = ready if due is None else min(due, ready)
                continue
            held, sub.held, sub.last = sub.held, [], now
            # CPU time of this thread: the work the view adds. Wall time would also count the
            # waits for the GIL while the optimiser holds it, and slow a view down for them.
            t0 = time.thread_time()
            try:
                sub.callback(held)
            except Exception:  # a broken view must not end the feed for the others
                _log.exception("feed subscriber failed on a batch of %d events", len(held))
            sub.cost += 0.3 * (time.thread_time() - t0 - sub.cost)
            sub.batches += 1
        return due
