"""TrialTable's kernel side: the queue of enqueued configurations, actions' answers, selection."""

from __future__ import annotations

import hcautoml_widgets as hcw
from tests.widgets.helpers import finish, make_run
from tests.widgets.recording import Recorder, ask


def test_queue_is_sent_when_it_changes_and_can_be_cleared(recorder: Recorder) -> None:
    run = make_run()
    table = hcw.TrialTable(run)
    finish(run, 3, table)
    snap = ask(recorder, table, {"type": "snapshot"})[0]
    assert snap["queue"] == [] and snap["metric"] == (getattr(run, "metric", None) or "value")
    [ack] = ask(recorder, table, {"type": "action", "op": "enqueue_copy", "id": 1, "n": 1})
    assert ack["ok"] and ack["result"] == {"queue": 1}
    [ack] = ask(recorder, table, {"type": "action", "op": "enqueue_copy", "id": 2, "n": 2})
    assert ack["result"] == {"queue": 2}
    assert table.flush()
    queues = [m["queue"] for m in recorder.custom(table.comm.comm_id) if "queue" in m]
    assert len(queues[0]) == 0 and len(queues[-1]) == 2  # batches may coalesce the two
    assert queues[-1][0]["config"]["depth"] == run.record(1)["params"]["depth"]
    mark = recorder.mark()
    [ack] = ask(recorder, table, {"type": "action", "op": "clear_queue", "id": 3})
    assert ack["ok"], ack
    assert run.steering.pending() == []
    assert table.flush()
    assert [m["queue"] for m in recorder.custom(table.comm.comm_id, mark) if "queue" in m][-1] == []
    [ack] = ask(recorder, table, {"type": "action", "op": "clear_queue", "id": 4})
    assert ack["ok"] is False and "empty" in ack["error"]
    [ack] = ask(recorder, table, {"type": "action", "op": "drop", "id": 5, "n": 1})
    assert ack["ok"] is False and "unknown action" in ack["error"]
    table.close()


def test_a_copy_outside_the_steering_in_force_says_so_in_its_answer(recorder: Recorder) -> None:
    run = make_run()
    table = hcw.TrialTable(run)
    finish(run, 2, table)
    depth = run.record(1)["params"]["depth"]
    other = 2 if depth != 2 else 3
    run.steering.pin("depth", other)
    [ack] = ask(recorder, table, {"type": "action", "op": "enqueue_copy", "id": 1, "n": 1})
    assert ack["ok"] and ack["result"]["queue"] == 1
    assert ack["result"]["note"] == (f"'depth' = {depth!r} while it is pinned at {other!r}: "
                                     "it runs as given")
    assert run.steering.log[-1].payload["note"] == ack["result"]["note"]
    # "Use as prior" on that trial: the prior on the pinned parameter waits for the unpin.
    run.steering.prior("lr", 0.5)
    [ack] = ask(recorder, table, {"type": "action", "op": "use_as_prior", "id": 2, "n": 1})
    assert ack["ok"] and f"'depth' is pinned at {other!r}" in ack["result"]["note"]
    assert ack["result"]["replaced"] == ["lr"]  # the person's own belief on lr, overwritten
    assert run.steering.state.priors["lr"].value == run.record(1)["params"]["lr"]
    table.close()


def test_a_queued_configuration_leaves_the_queue_when_it_runs(recorder: Recorder) -> None:
    run = make_run()
    table = hcw.TrialTable(run)
    finish(run, 2, table)
    ask(recorder, table, {"type": "snapshot"})
    run.steering.enqueue(run.record(0)["params"])
    assert table.flush()
    finish(run, 2, table)
    queues = [m["queue"] for m in recorder.custom(table.comm.comm_id) if "queue" in m]
    assert [len(q) for q in queues][-2:] == [1, 0]
    table.close()


def test_selection_is_a_synced_trait_the_dashboard_links(recorder: Recorder) -> None:
    run = make_run()
    dash = hcw.Dashboard(run)
    finish(run, 5, dash)
    dash.trial_table.selected = 3  # a row clicked in the browser
    assert dash.cost_curve.selected == 3 and list(dash.cost_curve.ring.x) == [3]
    dash.cost_curve.selected = 1  # a point clicked
    assert dash.trial_table.selected == 1
    assert "selected" in dash.trial_table.keys
    dash.close()


def test_a_trial_started_and_finished_in_one_batch_keeps_its_parameters(
        recorder: Recorder) -> None:
    run = make_run()
    table = hcw.TrialTable(run)
    ask(recorder, table, {"type": "snapshot"})
    finish(run, 2)
    rec = run.record(1)
    running = {**rec, "state": "running", "value": None}
    mark = recorder.mark()
    table._has_params.discard(1)  # as if trial 1 had never been seen
    table._on_batch([{"type": "trial", "record": running}, {"type": "trial", "record": rec}])
    [msg] = recorder.custom(table.comm.comm_id, mark)
    [row] = [r for r in msg["rows"] if r[0] == 1]
    assert row[1] == "c" and row[7] is not None and len(row[7]) == 3
    table.close()
