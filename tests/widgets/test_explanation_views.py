"""Issue 11 in the views' kernel side: the explanation in a trial's details, and the space
editor's "preview" request behind the ghost markers."""

from __future__ import annotations

import hcautoml_widgets as hcw
from tests.widgets.helpers import finish, make_run
from tests.widgets.recording import Recorder, ask


def test_details_carry_the_trials_explanation(recorder: Recorder) -> None:
    run = make_run()
    table = hcw.TrialTable(run)
    run.steering.enqueue({"lr": 0.05, "depth": 8, "loss": "log_loss"})
    finish(run, 3, table)
    [ack] = ask(recorder, table, {"type": "details", "id": 1, "n": 0})
    assert ack["ok"], ack
    why = ack["result"]["explanation"]
    assert why["text"] == hcw.insights.explain(run, 0)["text"]
    assert "enqueued" in why["text"]
    assert why["detail"]["origin"] == "enqueued" and why["detail"]["enqueued"]["source"] == "code"
    assert "text" not in why["detail"]
    table.close()


def test_preview_request_answers_points_and_changes_nothing(recorder: Recorder) -> None:
    run = make_run(random=False)
    editor = hcw.SpaceEditor(run)
    finish(run, 12, editor)
    log_before = [ev.to_dict() for ev in run.steering.log]
    n_trials = len(run.study.trials)
    args = {"name": "depth", "low": 3, "high": 5}
    [ack] = ask(recorder, editor, {"type": "preview", "id": 1, "op": "narrow",
                                   "args": args, "n": 4})
    assert ack["ok"], ack
    res = ack["result"]
    assert res["names"] == list(run.space.names) and len(res["points"]) == 4
    i = res["names"].index("depth")
    assert all(3 <= pt[i] <= 5 for pt in res["points"])
    assert [ev.to_dict() for ev in run.steering.log] == log_before
    assert len(run.study.trials) == n_trials
    # A prior being placed, with its confidence.
    prior = {"name": "lr", "value": 0.01, "confidence": "high"}
    [ack] = ask(recorder, editor, {"type": "preview", "id": 2, "op": "prior", "args": prior})
    assert ack["ok"] and len(ack["result"]["points"]) == 5
    editor.close()


def test_preview_request_refuses_what_the_run_would_refuse(recorder: Recorder) -> None:
    run = make_run()
    editor = hcw.SpaceEditor(run)
    finish(run, 3, editor)
    bad = {"name": "depth", "low": 9, "high": 4}
    [ack] = ask(recorder, editor, {"type": "preview", "id": 1, "op": "narrow", "args": bad})
    assert ack["ok"] is False and "depth" in ack["error"]
    [ack] = ask(recorder, editor, {"type": "preview", "id": 2, "op": "undo", "args": {}})
    assert ack["ok"] is False and "not previewed" in ack["error"]
    good = {"name": "depth", "low": 3, "high": 5}
    [ack] = ask(recorder, editor, {"type": "preview", "id": 3, "op": "narrow",
                                   "args": good, "n": 0})
    assert ack["ok"] is False and "n must be" in ack["error"]
    assert run.steering.log == []
    editor.close()
