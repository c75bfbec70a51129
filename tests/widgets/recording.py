"""A recording comm: a real ``comm.base_comm.BaseComm`` whose ``publish_msg`` records every
message (type, comm, bytes of JSON plus binary buffers) instead of writing to a kernel socket.
This mirrors how ipywidgets' own tests replace the comm (``comm.create_comm``), and lets the
tests count exactly what a browser would receive."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import Any

from comm.base_comm import BaseComm


@dataclass
class Sent:
    comm_id: str
    msg_type: str  # comm_open | comm_msg | comm_close
    nbytes: int
    data: Any


@dataclass
class Recorder:
    sent: list[Sent] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, item: Sent) -> None:
        with self.lock:
            self.sent.append(item)

    def mark(self) -> int:
        with self.lock:
            return len(self.sent)

    def since(self, mark: int) -> list[Sent]:
        with self.lock:
            return list(self.sent[mark:])

    def custom(self, comm_id: str, mark: int = 0) -> list[dict[str, Any]]:
        """Custom (anywidget) messages sent to one widget's views since ``mark``."""
        return [s.data["content"] for s in self.since(mark)
                if s.comm_id == comm_id and s.msg_type == "comm_msg"
                and s.data.get("method") == "custom"]


def nbytes(data: Any, buffers: Any) -> int:
    text = json.dumps(data, separators=(",", ":"), default=str)
    return len(text.encode()) + sum(memoryview(b).nbytes for b in buffers or [])


class RecordingComm(BaseComm):
    recorder: Recorder | None = None

    def publish_msg(self, msg_type: str, data: Any = None, metadata: Any = None,
                    buffers: Any = None, **keys: Any) -> None:
        if self.recorder is not None:
            self.recorder.add(Sent(self.comm_id, msg_type, nbytes(data, buffers), data))


def from_browser(widget: Any, content: dict[str, Any]) -> None:
    """Deliver a custom message to ``widget`` as if a view had sent it."""
    widget.comm.handle_msg({"content": {"data": {"method": "custom", "content": content}},
                            "buffers": []})


def ask(recorder: Recorder, view: Any, content: dict[str, Any]) -> list[dict[str, Any]]:
    """Send a request as the browser would; return what the view answered."""
    mark = recorder.mark()
    from_browser(view, content)
    return recorder.custom(view.comm.comm_id, mark)
