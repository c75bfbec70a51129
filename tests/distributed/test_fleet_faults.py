"""Faults in a fleet: a worker killed outright, the server restarted, a storage not there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import optuna
from fleet_helpers import HERE, ROOT, finished_count, make_study, start_worker, stop_all, wait_for
from fleet_objectives import quadratic
from optuna.trial import TrialState

from hcautoml_widgets.core import fleet
from hcautoml_widgets.core.local_postgres import LocalPostgres
from hcautoml_widgets.core.worker import STALE_REASON, Worker


def test_kill_9_loses_only_the_killed_workers_running_trial(pg: LocalPostgres,
                                                            study_name: str) -> None:
    storage, sid, _ = make_study(pg.url, study_name)
    beat = ("--heartbeat-interval", "1", "--grace-period", "3")
    procs = [start_worker(pg.url, study_name, *beat, sleep=0.8) for _ in range(3)]
    try:
        wait_for(lambda: finished_count(storage, sid) >= 6 and len(
            storage.get_all_trials(sid, states=(TrialState.RUNNING,))) == 3,
            what="three trials in flight", procs=procs)
        victim = procs[0]
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=10)
        victim_id = next(w for w in fleet.Snapshot.read(storage, sid, None, True).workers
                         if w.endswith(f":{victim.pid}"))
        wait_for(lambda: any(t.state == TrialState.FAIL for t in storage.get_all_trials(sid)),
                 what="the killed worker's trial to be failed", procs=procs[1:])
        done_then = finished_count(storage, sid)
        wait_for(lambda: finished_count(storage, sid) >= done_then + 6,
                 what="the others to carry on", procs=procs[1:])
        fleet.set_control(storage, sid, "stopped")
        for p in procs[1:]:
            p.wait(timeout=60)
    finally:
        outs = stop_all(procs)
    assert [p.returncode for p in procs[1:]] == [0, 0], outs
    trials = storage.get_all_trials(sid)
    failed = [t for t in trials if t.state == TrialState.FAIL]
    assert len(failed) == 1
    assert failed[0].system_attrs["hcw:error"] == STALE_REASON
    assert failed[0].system_attrs[fleet.ATTR_WORKER] == victim_id
    assert all(t.state == TrialState.COMPLETE for t in trials if t not in failed)
    workers = fleet.Snapshot.read(storage, sid, None, True).workers
    assert victim_id not in fleet.alive(workers, grace=3.0)


def test_server_restart_mid_run_loses_nothing(pg: LocalPostgres, study_name: str) -> None:
    storage, sid, _ = make_study(pg.url, study_name)
    procs = [start_worker(pg.url, study_name, sleep=0.5) for _ in range(3)]
    try:
        wait_for(lambda: finished_count(storage, sid) >= 6 and len(
            storage.get_all_trials(sid, states=(TrialState.RUNNING,))) == 3,
            what="trials in flight", procs=procs)
        before = {t.number for t in storage.get_all_trials(sid) if t.state.is_finished()}
        pg.restart(down_for=3.0)  # every connection drops; nothing answers for 3 s

        def after_restart() -> set[str]:
            return {t.system_attrs.get(fleet.ATTR_WORKER, "") for t in storage.get_all_trials(
                sid, states=(TrialState.COMPLETE,)) if t.number > max(before) + 3}

        # Each worker backs off on its own schedule, so one may come back after the others have
        # done a dozen trials (a clean-clone CI saw 2 of 3 at a fixed count): wait for all three.
        wait_for(lambda: finished_count(storage, sid) >= len(before) + 12
                 and len(after_restart()) == 3,
                 what="every worker to carry on after the restart", procs=procs)
        fleet.set_control(storage, sid, "stopped")
        for p in procs:
            p.wait(timeout=60)
    finally:
        outs = stop_all(procs)
    assert [p.returncode for p in procs] == [0, 0, 0], outs
    assert any("retrying" in out for out in outs)  # they did meet the outage
    trials = storage.get_all_trials(sid)
    assert before <= {t.number for t in trials}
    assert [t.number for t in trials if t.state != TrialState.COMPLETE] == []
    # Every worker finished trials after the restart.
    assert len({t.system_attrs[fleet.ATTR_WORKER] for t in trials
                if t.number > max(before) + 3}) == 3


def test_unreachable_storage_is_one_clear_line() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    proc = subprocess.run(
        [sys.executable, "-m", "hcautoml_widgets", "worker", "--storage",
         "postgresql://me:hunter2@127.0.0.1:9/db", "--study", "s",
         "--objective", "fleet_objectives:quadratic"],
        cwd=str(HERE), env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("hcautoml-widgets worker: cannot open the storage postgresql")
    assert "me:***@127.0.0.1:9" in lines[0] and "hunter2" not in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_missing_objective_and_study_are_one_clear_line(pg: LocalPostgres) -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    base = [sys.executable, "-m", "hcautoml_widgets", "worker", "--storage", pg.url]
    for args, says in [
        (["--study", "missing", "--objective", "fleet_objectives:quadratic"],
         "no study named 'missing'"),
        (["--study", "missing", "--objective", "fleet_objectives:nothing"],
         "has no attribute 'nothing'"),
    ]:
        proc = subprocess.run([*base, *args], cwd=str(HERE), env=env, capture_output=True,
                              text=True, timeout=120)
        assert proc.returncode == 2 and says in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_an_outage_between_ask_and_the_first_suggest_is_ridden_out(pg: LocalPostgres,
                                                                   study_name: str) -> None:
    # The window a server restart once hit in CI: the trial exists, its sampling reads the
    # storage and the connection is gone. The storage error is raised on purpose, once.
    storage, sid, _ = make_study(pg.url, study_name)
    worker = Worker(pg.url, study_name, quadratic, n_trials=3, seed=0)
    real = worker.sampler.infer_relative_search_space
    calls = {"n": 0}

    def flaky(study, trial):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise optuna.exceptions.StorageInternalError("connection dropped (on purpose)")
        return real(study, trial)

    worker.sampler.infer_relative_search_space = flaky  # type: ignore[method-assign]
    assert worker.run() == 3
    trials = storage.get_all_trials(sid)
    assert [t.state for t in trials] == [TrialState.COMPLETE] * 3
    assert calls["n"] >= 4  # the second trial's sampling was asked again
