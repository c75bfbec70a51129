"""Three worker processes on a real PostgreSQL: steering edits, fleet pause and stop, SIGTERM."""

from __future__ import annotations

import signal
import time
from pathlib import Path

from fleet_helpers import finished_count, make_study, start_worker, stop_all, wait_for
from optuna.trial import TrialState

from hcautoml_widgets.core import fleet
from hcautoml_widgets.core.attrs import provenance_from
from hcautoml_widgets.core.local_postgres import LocalPostgres
from hcautoml_widgets.core.persistence import save_event
from hcautoml_widgets.core.steering import Steering
from hcautoml_widgets.core.worker import TERM_REASON

N_WORKERS = 3


def _workers(storage, study_id) -> dict:
    return fleet.Snapshot.read(storage, study_id, after=None, with_workers=True).workers


def finished_since(storage, study_id, t0: float) -> int:
    """Finished trials that started after ``t0``: counting all finished trials would also count
    those the workers had in flight when the edit was stored."""
    return sum(t.state.is_finished() and t.datetime_start.timestamp() > t0
               for t in storage.get_all_trials(study_id, deepcopy=False))


def test_edits_bind_every_trial_started_after_they_were_stored(pg: LocalPostgres,
                                                               study_name: str) -> None:
    storage, sid, space = make_study(pg.url, study_name)
    procs = [start_worker(pg.url, study_name) for _ in range(N_WORKERS)]
    try:
        wait_for(lambda: finished_count(storage, sid) >= 12, what="12 trials before the edits",
                 procs=procs)
        notebook = Steering(space)
        save_event(storage, sid, notebook.narrow("x", 2.0, 3.0))
        t_narrow = time.time()
        wait_for(lambda: finished_since(storage, sid, t_narrow) >= 10,
                 what="trials after the narrow", procs=procs)
        save_event(storage, sid, notebook.pin("y", 1.5))
        t_pin = time.time()
        wait_for(lambda: finished_since(storage, sid, t_pin) >= 10, what="trials after the pin",
                 procs=procs)
        fleet.set_control(storage, sid, "stopped")
        outs = stop_all(procs)
    finally:
        stop_all(procs)
    assert all(p.returncode == 0 for p in procs), outs
    trials = storage.get_all_trials(sid)
    assert all(t.state == TrialState.COMPLETE for t in trials)
    after_narrow = [t for t in trials if t.datetime_start.timestamp() > t_narrow]
    after_pin = [t for t in trials if t.datetime_start.timestamp() > t_pin]
    assert len(after_narrow) >= 10 and len(after_pin) >= 10
    assert [t.number for t in after_narrow if not 2.0 <= t.params["x"] <= 3.0] == []
    assert [t.number for t in after_pin if t.params["y"] != 1.5] == []
    # Before the edit the range was wide: the narrow is what confined them.
    assert any(not 2.0 <= t.params["x"] <= 3.0 for t in trials
               if t.datetime_start.timestamp() < t_narrow)
    # Each trial names its worker, and all three workers ran trials after the edit.
    ids = {t.system_attrs[fleet.ATTR_WORKER] for t in trials}
    assert len(ids) == N_WORKERS
    assert {t.system_attrs[fleet.ATTR_WORKER] for t in after_pin} == ids
    assert {provenance_from(t.system_attrs)["version"] for t in after_pin} == {2}


def test_fleet_pause_is_acknowledged_and_honoured(pg: LocalPostgres, study_name: str,
                                                  tmp_path: Path) -> None:
    storage, sid, _ = make_study(pg.url, study_name)
    procs = [start_worker(pg.url, study_name, log_dir=tmp_path) for _ in range(N_WORKERS)]

    def entries() -> list[tuple[int, float]]:
        out = []
        for f in tmp_path.glob("*.log"):
            for line in f.read_text().splitlines():
                pid, t, _ = line.split()
                out.append((int(pid), float(t)))
        return out

    try:
        wait_for(lambda: finished_count(storage, sid) >= 9, what="trials before the pause",
                 procs=procs)
        pause = fleet.set_control(storage, sid, "paused")
        wait_for(lambda: len(_workers(storage, sid)) == N_WORKERS and all(
            w["ack"] == pause.version and w["state"] == "paused"
            for w in _workers(storage, sid).values()), what="every worker's acknowledgement",
            procs=procs)
        acked = _workers(storage, sid)
        last_ack = max(w["ack_time"] for w in acked.values())
        count_at_ack = finished_count(storage, sid)
        time.sleep(2.0)  # long enough for a dozen trials, were any started
        assert not [e for e in entries() if e[1] > last_ack]
        # Objectives entered after the pause was stored were only those already past the
        # control read; none from a worker after it acknowledged.
        for wid, info in acked.items():
            pid = int(wid.rsplit(":", 1)[1])
            assert not [t for p, t in entries() if p == pid and t > info["ack_time"]]
        assert finished_count(storage, sid) == count_at_ack
        assert not storage.get_all_trials(sid, states=(TrialState.RUNNING,))

        fleet.set_control(storage, sid, "running")
        wait_for(lambda: finished_count(storage, sid) >= count_at_ack + 6, what="resumed trials",
                 procs=procs)
        stop = fleet.set_control(storage, sid, "stopped")
        for p in procs:
            p.wait(timeout=60)
    finally:
        outs = stop_all(procs)
    assert all(p.returncode == 0 for p in procs), outs
    assert all(w["state"] == "exited" for w in _workers(storage, sid).values())
    assert fleet.alive(_workers(storage, sid)) == []
    assert all(t.state == TrialState.COMPLETE for t in storage.get_all_trials(sid))
    assert stop.version == pause.version + 2


def test_sigterm_finishes_the_running_trial(pg: LocalPostgres, study_name: str) -> None:
    storage, sid, _ = make_study(pg.url, study_name)
    procs = [start_worker(pg.url, study_name, sleep=1.0) for _ in range(N_WORKERS)]
    try:
        wait_for(lambda: len(storage.get_all_trials(sid, states=(TrialState.RUNNING,)))
                 == N_WORKERS and finished_count(storage, sid) >= 3, what="trials in flight",
                 procs=procs)
        procs[0].send_signal(signal.SIGTERM)  # first: finish the trial, then exit
        procs[0].wait(timeout=30)
        procs[1].send_signal(signal.SIGTERM)  # twice: fail the trial now, then exit
        time.sleep(0.05)
        procs[1].send_signal(signal.SIGTERM)
        procs[1].wait(timeout=30)
    finally:
        outs = stop_all(procs)
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    trials = storage.get_all_trials(sid)
    assert not [t for t in trials if not t.state.is_finished()]
    failed = [t for t in trials if t.state == TrialState.FAIL]
    assert all(t.system_attrs.get("hcw:error") == TERM_REASON for t in failed)
    assert len(failed) <= 2  # the double SIGTERM's trial, and the last trial of stop_all's
