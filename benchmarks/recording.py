"""A comm that records what would go to the browser instead of sending it.

Widgets are created with ``comm.create_comm``; while :func:`recording` is active it returns a
:class:`RecordingComm`, whose ``publish_msg`` (the one place where a comm hands a message to the
kernel's iopub socket) notes the time, kind and size of every message: its JSON content and its
binary buffers, which is what the wire carries besides the fixed Jupyter envelope.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import comm
from comm.base_comm import BaseComm


@dataclass(frozen=True)
class Message:
    time: float  # perf_counter seconds
    comm_id: str
    msg_type: str  # comm_open | comm_msg | comm_close
    method: str | None  # "update" (traitlets), "custom" (anywidget), ...
    nbytes: int


@dataclass
class Recorder:
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, msg: Message) -> None:
        with self.lock:
            self.messages.append(msg)

    def mark(self) -> int:
        with self.lock:
            return len(self.messages)

    def since(self, mark: int) -> list[Message]:
        with self.lock:
            return list(self.messages[mark:])


class RecordingComm(BaseComm):
    recorder: Recorder | None = None

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None,
                    buffers: Any = None, **keys: Any) -> None:
        rec = RecordingComm.recorder
        if rec is None:
            return
        text = json.dumps(data, separators=(",", ":"), default=str)
        size = len(text.encode()) + sum(memoryview(b).nbytes for b in buffers or [])
        method = data.get("method") if isinstance(data, dict) else None
        rec.add(Message(time.perf_counter(), self.comm_id, msg_type, method, size))


@contextmanager
def recording() -> Iterator[Recorder]:
    """Record every widget message created inside the block."""
    rec = Recorder()
    previous = comm.create_comm
    RecordingComm.recorder = rec
    comm.create_comm = lambda *a, **kw: RecordingComm(*a, **kw)
    try:
        yield rec
    finally:
        comm.create_comm = previous
        RecordingComm.recorder = None


def open_views(dashboard: Any) -> None:
    """Do what a browser does when it renders the dashboard: every view asks for its snapshot
    (views receive deltas only after that)."""
    for part in dashboard.parts:
        if getattr(part, "comm", None) is not None and hasattr(part, "_send_snapshot"):
            part.comm.handle_msg({"content": {"data": {"method": "custom",
                                                        "content": {"type": "snapshot"}}},
                                  "buffers": []})


def dashboard_class() -> Any:
    """The dashboard, or None when the widgets are not importable (yet)."""
    try:
        from hcautoml_widgets.widgets import Dashboard
    except ImportError:
        return None
    return Dashboard
