"""One line per steering event, whatever its kind, ``group`` included (tests/widgets checks that
the cost curve and the timeline strip show these same lines)."""

from __future__ import annotations

import numpy as np
import pytest

from hcautoml_widgets.core.effects import describe as core_describe
from hcautoml_widgets.insights.labels import describe, label


def ev(kind_: str, seq: int = 1, source: str = "code", **payload: object
       ) -> dict[str, object]:
    return {"seq": seq, "time": 0.0, "source": source, "kind": kind_, "payload": payload}


@pytest.mark.parametrize(("event", "text"), [
    (ev("narrow", name="C", low=0.1, high=np.float64(10.0)), "narrowed C to [0.1, 10]"),
    (ev("reset", name="C"), "reset C to its full range"),
    (ev("allow", name="kernel", choices=["rbf", "poly"]), "allowed only rbf, poly for kernel"),
    (ev("pin", name="kernel", value="rbf"), "pinned kernel = rbf"),
    (ev("unpin", name="kernel"), "unpinned kernel"),
    (ev("prior", name="C", value=1.23456, confidence="low"),
     "stated a low-confidence prior C ≈ 1.235"),
    (ev("clear_prior", name="C"), "cleared the prior on C"),
    (ev("accept", trial=3), "accepted trial 3"),
    (ev("reject", trial=4), "rejected trial 4"),
    (ev("unreview", trial=4), "took back the review of trial 4"),
    (ev("enqueue", config={"C": 5.0, "kernel": "rbf"}), "enqueued C=5, kernel=rbf"),
    (ev("undo", target=2, kind="group"), "undid #2 (group)"),
    (ev("narrow", name="C"), "narrowed C to [?, ?]"),  # a partial payload still reads
])
def test_each_kind_reads_as_one_phrase(event: dict[str, object], text: str) -> None:
    assert describe(event) == text
    assert describe is core_describe  # one wording, re-exported


def test_a_group_of_priors_reads_as_one_action() -> None:
    parts = [{"kind": "prior", "payload": {"name": "C", "value": 2.0, "confidence": "medium"}},
             {"kind": "prior", "payload": {"name": "kernel", "value": "rbf",
                                           "confidence": "medium"}}]
    assert (describe(ev("group", edits=parts))
            == "stated 2 medium-confidence priors: C ≈ 2, kernel ≈ rbf")
    mixed = [{"kind": "narrow", "payload": {"name": "C", "low": 1, "high": 2}}, parts[0]]
    assert (describe(ev("group", edits=mixed))
            == "2 edits at once: narrowed C to [1, 2]; stated a medium-confidence prior C ≈ 2")
    assert describe(ev("group", edits=[])) == "made no edit"


def test_label_adds_seq_and_source_and_is_cut() -> None:
    event = ev("pin", seq=7, source="widget", name="kernel", value="rbf")
    assert label(event) == "#7 pinned kernel = rbf [widget]"
    long = ev("enqueue", config={f"p{i}": float(i) for i in range(100)})
    assert len(label(long)) == 200 and len(label(long, limit=40)) == 40
