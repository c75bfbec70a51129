"""Does work beside the optimiser slow TPE's own computation? `python -m benchmarks.contention`

The controlled ratio of the overhead benchmark (``tpe_clock.py``) takes TPE's own CPU to be the
same in every mode. What could break that is work running at the same time: the insights'
worker process on the other vCPU (shared caches, memory bandwidth, a shared physical core) or a
thread of ours in the same process (the feed's delivery thread evicting the optimiser's caches).
Comparing whole runs cannot show a few per cent on this host (±10-15 % from run to run), so this
compares *blocks of trials inside one run*: bare TPE, 1,000 trials, with a load switched on for
every other block of 50 trials. TPE's relative-sampling CPU per trial in a block with the load
is divided by the mean of the two neighbouring blocks without it, so the host's slow drifts and
TPE's growing cost per trial cancel. Loads:

* ``process``: a child process computing the insights (importance and partial dependence of a
  300-trial run) without a pause: the worker process at 100 % duty, its worst case;
* ``thread``: a thread of this process doing 1.5 ms of Python (JSON encoding) 10 times a second,
  as the feed's delivery thread does for a dashboard.

Prints the median and interquartile range of the per-block ratios; the worker's real duty is
its CPU per trial (overhead.md, last column) over TPE's.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import optuna
from optuna.samplers import TPESampler

from benchmarks.traffic import objective10, suggest10

BLOCK = 50
SKIP = 5  # trials at the start of a block, while the load starts or stops
ROOT = Path(__file__).resolve().parent.parent
_WORKER = """
import sys
sys.path.insert(0, {root!r})
import optuna
import hcautoml_widgets as hcw
from hcautoml_widgets import insights
from benchmarks.traffic import objective10, space10
optuna.logging.set_verbosity(optuna.logging.WARNING)
if __name__ == "__main__":
    run = hcw.Run(objective10, space10(), sampler=optuna.samplers.RandomSampler(seed=0), seed=0)
    run.start(n_trials=300)
    run.wait()
    while True:
        insights.importance(run)
        insights.partial_dependence(run, "lr")
"""


class _Load:
    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._handle: Any = None

    @property
    def on(self) -> bool:
        return self._handle is not None

    def start(self) -> None:
        if self.kind == "thread":
            stop = threading.Event()
            payload = {"rows": [{"number": i, "params": {f"p{j}": j / 10 for j in range(10)},
                                 "value": i / 2} for i in range(60)]}

            def loop() -> None:
                while not stop.is_set():
                    t0 = time.thread_time()
                    while time.thread_time() - t0 < 0.0015:
                        json.dumps(payload)
                    stop.wait(0.1)

            thread = threading.Thread(target=loop, daemon=True)
            thread.start()
            self._handle = (stop, thread)
        else:
            code = _WORKER.format(root=str(ROOT))
            self._handle = subprocess.Popen([sys.executable, "-c", code],
                                            env={"HCW_INSIGHTS_PROCESS": "0", "PATH": "/usr/bin"})
            time.sleep(1.0)  # its imports and its 300 trials, before the block is timed

    def stop(self) -> None:
        if self.kind == "thread":
            self._handle[0].set()
            self._handle[1].join()
        else:
            self._handle.kill()
            self._handle.wait()
        self._handle = None


def one_run(kind: str, seed: int, n_trials: int = 1000) -> list[float]:
    """Per-block ratios (with the load / mean of the neighbouring blocks without it)."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    per_trial: dict[int, float] = {}
    load = _Load(kind)
    original = TPESampler.sample_relative

    def timed(self: TPESampler, study: Any, trial: Any, search_space: Any) -> Any:
        t0 = time.thread_time()
        try:
            return original(self, study, trial, search_space)
        finally:
            per_trial[trial.number] = time.thread_time() - t0

    def objective(trial: optuna.Trial) -> float:
        loaded = (trial.number // BLOCK) % 2 == 1
        if loaded != load.on:
            load.start() if loaded else load.stop()
        return objective10(suggest10(trial))

    TPESampler.sample_relative = timed  # type: ignore[method-assign]
    try:
        study = optuna.create_study(sampler=TPESampler(seed=seed, multivariate=True))
        study.optimize(objective, n_trials=n_trials)
    finally:
        TPESampler.sample_relative = original  # type: ignore[method-assign]
        if load.on:
            load.stop()
    blocks = [statistics.mean(per_trial[n] for n in range(b * BLOCK + SKIP, (b + 1) * BLOCK)
                              if n in per_trial)
              for b in range(n_trials // BLOCK)]
    return [blocks[b] / ((blocks[b - 1] + blocks[b + 1]) / 2)
            for b in range(1, len(blocks) - 1, 2)]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.contention")
    parser.add_argument("--loads", default="process,thread")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    for kind in args.loads.split(","):
        ratios: list[float] = []
        for seed in range(args.runs):
            ratios += one_run(kind, seed)
        q = statistics.quantiles(ratios, n=4)
        print(f"{kind}: TPE's own CPU per trial with the load / without it: median "
              f"{statistics.median(ratios):.3f} [IQR {q[0]:.3f}-{q[2]:.3f}] over "
              f"{len(ratios)} block pairs", flush=True)


if __name__ == "__main__":
    main()
