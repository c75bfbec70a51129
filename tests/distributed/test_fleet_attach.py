"""The notebook's side of a fleet: Run.attach watches, steers and controls worker processes."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import optuna
import pytest
from fleet_helpers import SPACE_DISTRIBUTIONS, start_worker, stop_all, wait_for
from optuna.trial import TrialState

import hcautoml_widgets as hcw
from hcautoml_widgets.core.attach import AttachedRun
from hcautoml_widgets.core.local_postgres import LocalPostgres
from hcautoml_widgets.core.storage_url import StorageUnavailable

SECRET = "s3cret-pw"


def _with_password(url: str) -> str:
    # The test server trusts loopback connections, so any password is accepted.
    return url.replace("postgres@", f"postgres:{SECRET}@")


def test_attached_run_shows_steers_and_controls_the_fleet(
        pg: LocalPostgres, study_name: str, tmp_path: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = _with_password(pg.url)
    run = hcw.Run.attach(url, study_name, space=SPACE_DISTRIBUTIONS, refresh_interval=0.3)
    assert isinstance(run, AttachedRun)
    batches: list[list[dict]] = []
    run.feed.subscribe(batches.append)
    procs = [start_worker(url, study_name) for _ in range(3)]
    try:
        wait_for(lambda: run.counts["complete"] >= 9 and run.workers_alive == 3,
                 what="trials seen by the notebook", procs=procs)
        narrow = run.steering.narrow("x", 2.0, 3.0)
        enq = run.steering.enqueue({"x": 2.5, "y": 0.25})
        wait_for(lambda: any(r["origin"] == "enqueued" for r in run.records())
                 and run.counts["complete"] >= 24, what="trials after the edits", procs=procs)
        assert run.status == "running"
        assert run.status_event()["workers_alive"] == 3
        assert run.pause().ok
        assert run.wait(60)
        assert run.status == "paused"
        # Nothing changes while paused: a refresh reads the control and worker rows, no trial.
        assert run.refresh() == {"attrs": 1 + 3, "trials": 0}
        run.stop()
        for p in procs:
            p.wait(timeout=60)
    finally:
        outs = stop_all(procs)
    run.refresh()
    assert run.status == "stopped" and run.workers_alive == 0
    rows = run.records()
    assert {r["state"] for r in rows} == {"complete"}
    assert len({r["worker"] for r in rows}) == 3
    frame = run.to_dataframe()
    assert frame["worker"].tolist() == [r["worker"] for r in rows]
    after = [r for r in rows if r["version"] >= narrow.seq]
    assert after and all(2.0 <= r["params"]["x"] <= 3.0 for r in after)
    enqueued = [r for r in rows if r["origin"] == "enqueued"]
    assert [r["params"] for r in enqueued] == [{"x": 2.5, "y": 0.25}]
    assert enqueued[0]["enqueued"] == enq.seq and run.steering.pending() == []
    # The views got every trial through the feed, in the local run's format.
    seen = {e["record"]["number"] for b in batches for e in b if e["type"] == "trial"}
    assert seen == {r["number"] for r in rows}
    status = [e for b in batches for e in b if e["type"] == "status"][-1]
    assert status["status"] == "stopped" and status["counts"]["complete"] == len(rows)

    # A restarted kernel attaches again and sees everything, edits included.
    again = hcw.Run.attach(url, study_name)
    assert [r["number"] for r in again.records()] == [r["number"] for r in rows]
    assert again.steering.version == run.steering.version
    assert again.status == "stopped"
    again.close()

    # The password never shows: repr, status, rows, export, logs, the workers' own output.
    run.export(tmp_path / "run.json")
    shown = [repr(run), json.dumps(run.status_event()), json.dumps(rows),
             (tmp_path / "run.json").read_text(), caplog.text, *outs,
             run.to_dataframe().to_csv()]
    assert all(SECRET not in text for text in shown)
    assert "***" in repr(run)
    run.close()


def test_refresh_reads_only_new_and_unfinished_trials(pg: LocalPostgres,
                                                      study_name: str) -> None:
    run = hcw.Run.attach(pg.url, study_name, space=SPACE_DISTRIBUTIONS, refresh_interval=30)
    storage, sid = run._storage, run._study_id
    template = optuna.trial.create_trial(
        params={"x": 1.0, "y": 0.0}, distributions=run.space.distributions, value=1.0)
    for _ in range(200):
        storage.create_new_trial(sid, template_trial=template)
    assert run.refresh()["trials"] == 200
    assert run.refresh()["trials"] == 0
    running = [storage.create_new_trial(sid) for _ in range(3)]
    for _ in range(5):
        storage.create_new_trial(sid, template_trial=template)
    assert run.refresh()["trials"] == 8
    assert run.refresh()["trials"] == 3  # only the unfinished ones again
    for trial_id in running:
        storage.set_trial_state_values(trial_id, TrialState.FAIL)
    assert run.refresh()["trials"] == 3
    assert run.refresh()["trials"] == 0
    assert run.counts == {"total": 208, "running": 0, "complete": 205, "failed": 3, "pruned": 0}
    run.close()


def test_attach_refuses_a_missing_study_and_a_dead_server(pg: LocalPostgres) -> None:
    with pytest.raises(ValueError, match="no study named 'nope'"):
        hcw.Run.attach(pg.url, "nope")
    dead = f"postgresql://u:{SECRET}@127.0.0.1:9/db"
    with pytest.raises(StorageUnavailable) as err:
        hcw.Run.attach(dead, "x")
    text = str(err.value)
    assert "cannot open the storage" in text and SECRET not in text and "\n" not in text


def test_two_notebooks_share_edits_and_queue_each_enqueue_once(pg: LocalPostgres,
                                                              study_name: str) -> None:
    a = hcw.Run.attach(pg.url, study_name, space=SPACE_DISTRIBUTIONS, refresh_interval=3600)
    b = hcw.Run.attach(pg.url, study_name, refresh_interval=3600)
    a.steering.narrow("x", 1.0, 2.0)
    a.steering.enqueue({"x": 1.5, "y": 0.0})
    b.refresh()  # from this thread, not the poller's
    assert [ev.kind for ev in b.steering.log] == ["narrow", "enqueue"]
    assert b.steering.state.ranges["x"] == (1.0, 2.0)
    waiting = a._storage.get_all_trials(a._study_id, states=(TrialState.WAITING,))
    assert len(waiting) == 1 and waiting[0].system_attrs["fixed_params"] == {"x": 1.5, "y": 0.0}
    # Undoing the enqueue before any worker ran it cancels the queued trial.
    b.steering.undo()
    a.refresh()
    assert a.steering.pending() == [] and b.steering.pending() == []
    assert not a._storage.get_all_trials(a._study_id, states=(TrialState.WAITING,))
    a.close()
    b.close()
