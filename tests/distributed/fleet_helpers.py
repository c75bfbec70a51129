"""Starting worker processes and the study they share, for the distributed tests."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import optuna
from optuna.distributions import FloatDistribution

from hcautoml_widgets.core.persistence import save_space
from hcautoml_widgets.core.space import SearchSpace

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


SPACE_DISTRIBUTIONS = {"x": FloatDistribution(0.0, 10.0), "y": FloatDistribution(-5.0, 5.0)}


def make_study(url: str, name: str) -> tuple[optuna.storages.RDBStorage, int, SearchSpace]:
    """A study that stores its space, as the notebook makes it."""
    storage = optuna.storages.RDBStorage(url, engine_kwargs={"pool_pre_ping": True})
    space = SearchSpace.from_any(SPACE_DISTRIBUTIONS)
    study = optuna.create_study(storage=storage, study_name=name)
    save_space(storage, study._study_id, space)
    return storage, study._study_id, space


def start_worker(url: str, study: str, *args: str, log_dir: Path | None = None,
                 sleep: float = 0.15) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)]),
           "HCW_FLEET_SLEEP": str(sleep), "OMP_NUM_THREADS": "1"}
    if log_dir is not None:
        env["HCW_FLEET_LOG"] = str(log_dir)
    cmd = [sys.executable, "-m", "hcautoml_widgets", "worker", "--storage", url, "--study", study,
           "--objective", "fleet_objectives:quadratic", *args]
    return subprocess.Popen(cmd, cwd=str(HERE), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def wait_for(condition: Callable[[], bool], timeout: float = 90.0, what: str = "",
             procs: list[subprocess.Popen[str]] | None = None) -> None:
    """Poll until ``condition()``; a generous timeout only guards against a hung test. A worker
    that died meanwhile fails the wait at once, with its output."""
    deadline = time.monotonic() + timeout
    while not condition():
        for p in procs or []:
            if p.poll() is not None and p.returncode != 0:
                raise AssertionError(f"a worker died ({p.returncode}) while waiting for {what}:"
                                     f"\n{p.communicate()[0][-3000:]}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def finished_count(storage: optuna.storages.BaseStorage, study_id: int) -> int:
    return sum(t.state.is_finished() for t in storage.get_all_trials(study_id, deepcopy=False))


def stop_all(procs: list[subprocess.Popen[str]], timeout: float = 60.0) -> list[str]:
    """SIGTERM every worker still running, wait, and return each one's output."""
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    outs = []
    for p in procs:
        try:
            out, _ = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
        outs.append(out)
    return outs
