from __future__ import annotations

from collections.abc import Iterator

import comm
import pytest

from tests.widgets.recording import Recorder, RecordingComm


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch) -> Iterator[Recorder]:
    rec = Recorder()
    monkeypatch.setattr(RecordingComm, "recorder", rec)
    monkeypatch.setattr(comm, "create_comm", lambda *a, **kw: RecordingComm(*a, **kw))
    yield rec
