"""The worker fleet on a real PostgreSQL: ``python -m benchmarks.fleet [--quick]``.

1. Throughput: 3 steered workers (``hcautoml-widgets worker``) against 3 plain Optuna workers
   (``study.optimize``), same multivariate TPE and objective, same local server, arms
   interleaved; completed trials per second from the first trial's start to the last one's end
   (process start-up excluded). Target: steered >= 0.95x plain. ``HCW_FLEET_BENCH_SLEEP`` sets
   the objective's duration (0.5 s).
2. Edit propagation: 3 steered workers; the notebook's side stores a narrow every few seconds.
   For each worker and edit, the trials that worker finished after the edit was stored before
   its first one sampled under the edit. Target: at most 1 (the trial already in flight).
3. Rows read by an attached notebook's refresh (rows the database returned, counted at the
   SQLAlchemy cursor), at 100 and 5,000 trials, when 3 trials finished and 3 started since the
   previous refresh; beside it the rows a full reload reads.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import optuna
from optuna.distributions import FloatDistribution
from optuna.trial import TrialState

from benchmarks import report
from hcautoml_widgets.core.attrs import provenance_from
from hcautoml_widgets.core.local_postgres import LocalPostgres
from hcautoml_widgets.core.persistence import save_event, save_space
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering

ROOT = Path(__file__).resolve().parents[1]
SPACE = {"x": FloatDistribution(0.0, 10.0), "y": FloatDistribution(-5.0, 5.0),
         "z": FloatDistribution(0.0, 1.0)}
SLEEP = float(os.environ.get("HCW_FLEET_BENCH_SLEEP", "0.5"))
N_WORKERS = 3


def objective(config: dict[str, Any]) -> float:
    """A short 'training run' (0.5 s by default, sleeping, so that the 2 cores are left to the
    samplers and the database; a fleet is for objectives far longer than this)."""
    time.sleep(SLEEP)
    return (config["x"] - 3) ** 2 + (config["y"] - 1) ** 2 + config["z"]


def plain_objective(trial: optuna.Trial) -> float:
    trial.set_user_attr("pid", os.getpid())  # for the steady-state window only
    return objective({k: trial.suggest_float(k, d.low, d.high) for k, d in SPACE.items()})


def plain_worker(url: str, study_name: str, n_trials: int) -> None:
    """What a plain Optuna worker runs (``python -c`` in its own process)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.load_study(study_name=study_name, storage=url,
                              sampler=optuna.samplers.TPESampler(multivariate=True))
    study.optimize(plain_objective, n_trials=n_trials)


def _study(url: str, steered: bool) -> tuple[optuna.storages.RDBStorage, int, str]:
    name = f"bench-{uuid.uuid4().hex[:8]}"
    storage = optuna.storages.RDBStorage(url)
    study = optuna.create_study(storage=storage, study_name=name)
    if steered:
        save_space(storage, study._study_id, SearchSpace.from_any(SPACE))
    return storage, study._study_id, name


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1",
            "HCW_FLEET_BENCH_SLEEP": str(SLEEP)}


def _workers(url: str, name: str, steered: bool, n_trials: int) -> list[subprocess.Popen[str]]:
    if steered:
        cmd = [sys.executable, "-m", "hcautoml_widgets", "worker", "--storage", url,
               "--study", name, "--objective", "benchmarks.fleet:objective",
               "--n-trials", str(n_trials)]
    else:
        cmd = [sys.executable, "-c", "from benchmarks.fleet import plain_worker; "
               f"plain_worker({url!r}, {name!r}, {n_trials})"]
    return [subprocess.Popen(cmd, cwd=str(ROOT), env=_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True) for _ in range(N_WORKERS)]


def throughput(url: str, steered: bool, n_trials: int) -> float:
    storage, sid, name = _study(url, steered)
    procs = _workers(url, name, steered, n_trials)
    for p in procs:
        _, err = p.communicate(timeout=1800)
        if p.returncode != 0:
            raise RuntimeError(f"worker failed: {err[-2000:]}")
    trials = [t for t in storage.get_all_trials(sid) if t.state == TrialState.COMPLETE]
    # Steady state only: from the moment the last worker started its first trial to the moment
    # the first worker finished its last, so that import and start-up times do not count.
    by_worker: dict[str, list[optuna.trial.FrozenTrial]] = {}
    for t in trials:
        key = str(t.system_attrs.get("hcw:worker") or t.user_attrs.get("pid"))
        by_worker.setdefault(key, []).append(t)
    start = max(min(_ts(t.datetime_start) for t in ts) for ts in by_worker.values())
    end = min(max(_ts(t.datetime_complete) for t in ts) for ts in by_worker.values())
    inside = [t for t in trials if start <= _ts(t.datetime_start) and _ts(t.datetime_complete)
              <= end]
    return len(inside) / (end - start)


def _ts(d: Any) -> float:
    return float(d.timestamp())


def propagation(url: str, n_edits: int, gap: float) -> dict[str, Any]:
    storage, sid, name = _study(url, steered=True)
    steering = Steering(SearchSpace.from_any(SPACE))
    procs = _workers(url, name, True, 100000)
    try:
        while sum(t.state == TrialState.COMPLETE for t in storage.get_all_trials(sid)) < 15:
            time.sleep(0.2)
        edits = []
        for i in range(n_edits):
            lo = float(i % 9)
            ev = steering.narrow("x", lo, lo + 1.0)
            assert ev is not None
            save_event(storage, sid, ev)
            edits.append((ev.seq, time.time(), lo))
            time.sleep(gap)
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=120)
    trials = [t for t in storage.get_all_trials(sid) if t.state == TrialState.COMPLETE]
    per_worker: dict[str, list[optuna.trial.FrozenTrial]] = {}
    for t in trials:
        per_worker.setdefault(t.system_attrs["hcw:worker"], []).append(t)
    counts, violations = [], 0
    for seq, at, lo in edits:
        for mine in per_worker.values():
            finished_after = sorted((t for t in mine if t.datetime_complete.timestamp() > at),
                                    key=lambda t: t.datetime_complete)
            late = 0
            for t in finished_after:
                if provenance_from(t.system_attrs)["version"] >= seq:
                    break
                late += 1
                # Sampled under an older version: it must have started before the edit.
                violations += t.datetime_start.timestamp() > at
            counts.append(late)
        obeying = [t for t in trials if provenance_from(t.system_attrs)["version"] == seq]
        violations += sum(not lo <= t.params["x"] <= lo + 1.0 for t in obeying)
    return {"edits": n_edits, "workers": len(per_worker), "max_trials_late": max(counts),
            "mean_trials_late": statistics.mean(counts), "violations": violations}


def rows_per_refresh(url: str, n: int) -> dict[str, Any]:
    import sqlalchemy

    import hcautoml_widgets as hcw

    storage, sid, name = _study(url, steered=True)
    done = optuna.trial.create_trial(params={"x": 1.0, "y": 0.0, "z": 0.5}, distributions=SPACE,
                                     value=1.0, system_attrs={"hcw:worker": "bench:1"})
    for _ in range(n):
        storage.create_new_trial(sid, template_trial=done)
    run = hcw.Run.attach(url, name, refresh_interval=3600)
    running = [storage.create_new_trial(sid) for _ in range(3)]
    run.refresh()  # the three running trials are now held as unfinished
    for trial_id in running:
        storage.set_trial_state_values(trial_id, TrialState.COMPLETE, [2.0])
    for _ in range(3):
        storage.create_new_trial(sid)
    rows = [0]
    engine = run._storage.engine  # type: ignore[attr-defined]

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and cursor.rowcount > 0:
            rows[0] += cursor.rowcount

    sqlalchemy.event.listen(engine, "after_cursor_execute", count)
    t0 = time.perf_counter()
    read = run.refresh()
    refresh_ms = 1000 * (time.perf_counter() - t0)
    incremental = rows[0]
    rows[0] = 0
    run._storage.get_all_trials(sid)  # what a full reload reads
    full = rows[0]
    sqlalchemy.event.remove(engine, "after_cursor_execute", count)
    run.close()
    return {"trials": n + 6, "refresh_rows": incremental, "trials_fetched": read["trials"],
            "attr_rows": read["attrs"], "full_reload_rows": full, "refresh_ms": refresh_ms}


def main(quick: bool = False) -> dict[str, Any]:
    reps, n_trials = (1, 15) if quick else (5, 40)
    with LocalPostgres() as pg:
        plain, steered = [], []
        for _ in range(reps):
            plain.append(throughput(pg.url, False, n_trials))
            steered.append(throughput(pg.url, True, n_trials))
        prop = propagation(pg.url, 3 if quick else 8, 2.0)
        rows = [rows_per_refresh(pg.url, n) for n in (100, 5000)]
    # Arms run in pairs, one after the other: on a shared machine the load drifts between
    # pairs far more than within one, so the ratio is the median of the pairs' ratios.
    pairs = [s / p for s, p in zip(steered, plain, strict=True)]
    ratio = statistics.median(pairs)
    data = {"environment": report.environment(), "objective_seconds": SLEEP,
            "trials_per_worker": n_trials, "reps": reps,
            "throughput": {"plain": plain, "steered": steered, "pair_ratios": pairs,
                           "ratio": ratio,
                           "ratio_of_medians": statistics.median(steered) / statistics.median(
                               plain)},
            "propagation": prop, "rows_per_refresh": rows}
    table = "\n".join([
        "# Worker fleet on PostgreSQL",
        "",
        f"3 workers, objective {SLEEP:.2f} s, {n_trials} trials each; {reps} pairs of runs "
        f"(plain then steered), ratio = median of the pairs' ratios "
        f"({', '.join(f'{r:.2f}' for r in pairs)}).",
        "",
        report.markdown_table(["measure", "value", "target", "verdict"], [
            ["throughput steered / plain (median trials/s)",
             f"{ratio:.3f} ({statistics.median(steered):.2f} / {statistics.median(plain):.2f})",
             ">= 0.95", report.verdict(ratio >= 0.95)],
            ["edit propagation: trials per worker until obeying (max / mean)",
             f"{prop['max_trials_late']} / {prop['mean_trials_late']:.2f}", "<= 1",
             report.verdict(prop["max_trials_late"] <= 1)],
            ["trials started after an edit that broke it", str(prop["violations"]), "0",
             report.verdict(prop["violations"] == 0)],
        ]),
        "",
        report.markdown_table(
            ["trials in study", "rows read by a refresh", "of which trials", "full reload rows",
             "refresh ms"],
            [[r["trials"], r["refresh_rows"], r["trials_fetched"], r["full_reload_rows"],
              f"{r['refresh_ms']:.1f}"] for r in rows]),
        "",
    ])
    report.publish("fleet", data, table, quick)
    print(table)
    return data


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fleet", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    main(quick=parser.parse_args().quick)
