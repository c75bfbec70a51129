"""The anywidget views' kernel side, driven by a real run and a recording comm."""

from __future__ import annotations

from typing import Any

import pytest

import hcautoml_widgets as hcw
from hcautoml_widgets.widgets._base import paged
from hcautoml_widgets.widgets._protocol import size
from tests.widgets.helpers import finish, make_run
from tests.widgets.recording import Recorder, ask


def test_no_delta_before_snapshot_then_deltas_only(recorder: Recorder) -> None:
    run = make_run()
    table = hcw.TrialTable(run)
    finish(run, 5, table)
    assert recorder.custom(table.comm.comm_id) == []  # nobody rendered it yet
    snap = ask(recorder, table, {"type": "snapshot"})
    assert snap[0]["type"] == "snapshot" and snap[0]["names"] == ["depth", "loss", "lr"]
    assert sorted(r[0] for r in snap[0]["rows"]) == [0, 1, 2, 3, 4]
    mark = recorder.mark()
    finish(run, 3, table)
    deltas = recorder.custom(table.comm.comm_id, mark)
    numbers = {r[0] for d in deltas for r in d["rows"]}
    assert all(d["type"] == "delta" for d in deltas) and numbers == {5, 6, 7}
    table.close()


def test_valid_edit_is_acked_and_reaches_the_editor(recorder: Recorder) -> None:
    run = make_run()
    editor = hcw.SpaceEditor(run)
    snap = ask(recorder, editor, {"type": "snapshot"})[0]
    assert snap["state"]["ranges"]["depth"] == [2, 16]
    [ack] = ask(recorder, editor, {"type": "edit", "op": "narrow", "id": "a1",
                                   "args": {"name": "depth", "low": 4, "high": 8}})
    assert ack == {"type": "ack", "id": "a1", "ok": True, "error": None}
    assert run.steering.log[-1].source == "widget"
    mark = recorder.mark()
    run.steering.pin("loss", "log_loss")  # an edit from a cell shows up in the editor too
    assert editor.flush()
    states = [m["state"] for m in recorder.custom(editor.comm.comm_id, mark) if "state" in m]
    assert states[-1]["pins"] == {"loss": "log_loss"}
    assert states[-1]["ranges"]["depth"] == [4, 8]
    # An edit accepted against the steering in force: the ack carries the log's note.
    [ack] = ask(recorder, editor, {"type": "edit", "op": "prior", "id": "a2",
                                   "args": {"name": "depth", "value": 12, "confidence": "high"}})
    assert ack["ok"] is True and "acts truncated" in ack["result"]["note"]
    assert ack["result"]["note"] == run.steering.log[-1].payload["note"]
    editor.close()


def test_invalid_edit_changes_nothing_and_says_why(recorder: Recorder) -> None:
    run = make_run()
    editor = hcw.SpaceEditor(run)
    ask(recorder, editor, {"type": "snapshot"})
    [ack] = ask(recorder, editor, {"type": "edit", "op": "narrow", "id": 7,
                                   "args": {"name": "depth", "low": 40, "high": 80}})
    assert ack["ok"] is False and "depth" in ack["error"]
    [ack] = ask(recorder, editor, {"type": "edit", "op": "drop_table", "id": 8, "args": {}})
    assert ack["ok"] is False
    assert run.steering.log == []
    editor.close()


def test_samples_are_sent_once_per_trial(recorder: Recorder) -> None:
    run = make_run()
    editor = hcw.SpaceEditor(run)
    ask(recorder, editor, {"type": "snapshot"})
    mark = recorder.mark()
    finish(run, 20, editor)
    samples = [s for m in recorder.custom(editor.comm.comm_id, mark) for s in m.get("samples", [])]
    assert len(samples) == 20
    editor.close()


def _bar_state(recorder: Recorder, bar: Any) -> dict[str, Any]:
    """What the browser holds: the snapshot with every delta merged in."""
    last: dict[str, Any] = {}
    for m in recorder.custom(bar.comm.comm_id):
        if m["type"] in ("snapshot", "delta"):
            last.update(m)
    return last


def test_control_bar_buttons_drive_the_run(recorder: Recorder) -> None:
    run = make_run()
    bar = hcw.ControlBar(run)
    snap = ask(recorder, bar, {"type": "snapshot"})[0]
    assert snap["status"] == "idle" and snap["done"] == 0 and snap["n_trials"] is None
    [*_, ack] = ask(recorder, bar, {"type": "control", "op": "start", "id": 0, "args": {}})
    assert ack["ok"] is False and "how many trials" in ack["error"]  # no silent 100
    [*_, ack] = ask(recorder, bar, {"type": "control", "op": "start", "id": 1,
                                    "args": {"n_trials": 5}})
    assert ack["ok"], ack
    assert run.wait(timeout=30)
    assert bar.flush()
    assert run.counts["complete"] == 5
    [*_, ack] = ask(recorder, bar, {"type": "control", "op": "pause", "id": 2, "args": {}})
    assert ack["ok"] is False and "pause() does nothing" in ack["error"]  # finished: inline
    last = _bar_state(recorder, bar)
    assert last["status"] == "finished" and last["done"] == 5 and last["budget"] == 5
    assert last["reason"] == "budget used up" and bar.n_trials == 5
    # A second start from a cell: the bar shows the run's totals, not trials since the start.
    run.start(n_trials=3)
    assert run.wait(timeout=30) and bar.flush()
    last = _bar_state(recorder, bar)
    assert (last["done"], last["budget"], last["done_at_start"]) == (8, 8, 5)
    assert bar.n_trials == 3  # the field follows the run's own request
    [*_, ack] = ask(recorder, bar, {"type": "control", "op": "step", "id": 3, "args": {"n": 2}})
    assert ack["ok"] and run.wait(timeout=30) and bar.flush()
    last = _bar_state(recorder, bar)
    assert (last["status"], last["done"], last["budget"]) == ("paused", 10, 10)
    [*_, ack] = ask(recorder, bar, {"type": "control", "op": "stop", "id": 4, "args": {}})
    assert ack["ok"] and run.wait(timeout=30) and bar.flush()
    assert _bar_state(recorder, bar)["status"] == "stopped"
    bar.close()


def test_control_bar_reads_status_events_instead_of_the_run(recorder: Recorder) -> None:
    run = make_run()
    bar = hcw.ControlBar(run)
    ask(recorder, bar, {"type": "snapshot"})
    calls = []
    real = run.status_event

    def counted() -> dict[str, Any]:
        calls.append(1)
        return real()

    run.feed.set_status_source(counted)
    finish(run, 200, bar)
    # The feed builds a status event once per batch (about 20 a second), not once per trial,
    # and the bar asks the run for nothing else.
    assert 1 <= len(calls) < 100
    assert _bar_state(recorder, bar)["done"] == 200
    bar.close()


def test_table_review_details_and_actions(recorder: Recorder) -> None:
    run = make_run()
    table = hcw.TrialTable(run)
    finish(run, 4, table)
    ask(recorder, table, {"type": "snapshot"})
    mark = recorder.mark()
    [ack] = ask(recorder, table, {"type": "edit", "op": "reject", "id": 1, "args": {"trial": 2}})
    assert ack["ok"]
    assert table.flush()
    rows = [r for m in recorder.custom(table.comm.comm_id, mark) for r in m.get("rows", [])]
    assert [r[4] for r in rows if r[0] == 2][-1] == "x"
    [ack] = ask(recorder, table, {"type": "details", "id": 2, "n": 1})
    assert ack["ok"] and set(ack["result"]["params"]) == {"depth", "loss", "lr"}
    assert "origin" in ack["result"] and "steering_event" in ack["result"]
    [ack] = ask(recorder, table, {"type": "action", "op": "enqueue_copy", "id": 3, "n": 1})
    assert ack["ok"]
    assert run.steering.state_dict()["queue"][0]["config"] == run.record(1)["params"]
    [ack] = ask(recorder, table, {"type": "action", "op": "use_as_prior", "id": 4, "n": 1})
    assert ack["ok"], ack
    assert set(run.steering.state_dict()["priors"]) == {"depth", "loss", "lr"}
    table.close()


def test_failed_trial_error_is_in_details(recorder: Recorder) -> None:
    def boom(config: dict[str, Any]) -> float:
        raise RuntimeError("objective exploded")

    run = hcw.Run(boom, make_run().space.to_configspace(), seed=0)
    table = hcw.TrialTable(run)
    finish(run, 1, table)
    ask(recorder, table, {"type": "snapshot"})
    [ack] = ask(recorder, table, {"type": "details", "id": 1, "n": 0})
    assert "objective exploded" in ack["result"]["error"]
    table.close()


def test_large_snapshots_are_paged_under_1mb() -> None:
    rows = [[n, "c", 0.5, "m", None, 1, 0.1, ["x" * 50] * 10, 0] for n in range(10_000)]
    msgs = paged({"type": "snapshot"}, "rows", rows)
    assert len(msgs) > 1 and all(size(m) < 1_000_000 for m in msgs)
    assert sum(len(m["rows"]) for m in msgs) == 10_000
    assert [m["type"] for m in msgs[1:]] == ["page"] * (len(msgs) - 1)


def test_close_unsubscribes_from_the_feed(recorder: Recorder) -> None:
    run = make_run()
    dash = run.dashboard()
    assert isinstance(dash, hcw.Dashboard)
    subs = [p._sub for p in dash.parts]
    dash.close()
    assert all(s.closed for s in subs)


@pytest.mark.parametrize("reload", [False, True])
def test_reload_gets_the_full_state_again(recorder: Recorder, reload: bool) -> None:
    run = make_run()
    table = hcw.TrialTable(run)
    ask(recorder, table, {"type": "snapshot"})
    mark = recorder.mark()
    finish(run, 6, table)
    if reload:  # a reloaded page renders a new view, which asks again
        snap = ask(recorder, table, {"type": "snapshot"})[0]
        assert sorted(r[0] for r in snap["rows"]) == list(range(6))
        assert all(r[7] is not None for r in snap["rows"])  # params in full, not "unchanged"
    else:  # the open page got the six trials as deltas, and nothing asked for the history
        msgs = recorder.custom(table.comm.comm_id, mark)
        assert msgs and all(m["type"] == "delta" for m in msgs)
        finished = {r[0] for m in msgs for r in m["rows"] if r[1] == "c"}
        assert finished == set(range(6))
    table.close()


def test_a_huge_batch_is_split_under_1mb(recorder: Recorder) -> None:
    """After the kernel was busy, one feed batch may hold thousands of trials."""
    run = make_run()
    finish(run, 5)
    table = hcw.TrialTable(run)
    ask(recorder, table, {"type": "snapshot"})
    rec = run.record(0)
    fake = [{"type": "trial", "record": {**rec, "number": n, "error": "x" * 300}}
            for n in range(10, 6010)]
    mark = recorder.mark()
    table._on_batch(fake)
    msgs = recorder.custom(table.comm.comm_id, mark)
    assert len(msgs) > 1 and all(m["type"] == "delta" for m in msgs)
    assert all(s.nbytes < 1_000_000 for s in recorder.since(mark))
    assert sum(len(m["rows"]) for m in msgs) == 6000
    table.close()


def test_a_second_dashboard_replaces_and_closes_the_first() -> None:
    from ConfigSpace import ConfigurationSpace, Float

    from hcautoml_widgets import Run

    run = Run(lambda c: c["x"], ConfigurationSpace({"x": Float("x", (0.0, 1.0))}), seed=0)
    before = run.feed.subscriber_count
    first = run.dashboard()
    during = run.feed.subscriber_count
    second = run.dashboard()
    assert during > before
    assert run.feed.subscriber_count == during  # the first one stopped listening
    assert second is not first
    second.close()
