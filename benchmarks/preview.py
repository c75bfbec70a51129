"""Preview speed: 5 suggestions under an edit at 1,000 finished trials of 10 parameters.

Target (issue 11): <= 300 ms, so ghost markers can follow a dragged range handle (debounced).
The history is added to the study directly (running 1,000 TPE trials first would only make the
benchmark slow); the preview then runs the steered TPE on all of it, as it would mid-run.

    nice -n 15 .venv/bin/python -m benchmarks.preview [--trials 1000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from ConfigSpace import ConfigurationSpace

import hcautoml_widgets as hcw
from hcautoml_widgets.core.attrs import ATTR_TRIAL
from hcautoml_widgets.core.preview import preview

TARGET_MS = 300.0
RESULTS = Path(__file__).resolve().parent / "results"


def filled_run(n_trials: int, n_params: int = 10, seed: int = 0) -> hcw.Run:
    space = ConfigurationSpace({f"p{i}": (0.0, 1.0) for i in range(n_params)})
    run = hcw.Run(lambda c: sum((v - 0.3) ** 2 for v in c.values()), space, seed=seed)
    rng = np.random.default_rng(seed)
    dists = run.space.distributions
    trials = []
    for _ in range(n_trials):
        params = {k: float(rng.uniform()) for k in dists}
        trials.append(optuna.trial.create_trial(
            params=params, distributions=dict(dists),
            value=sum((v - 0.3) ** 2 for v in params.values()),
            system_attrs={ATTR_TRIAL: {"version": 0}}))
    run.study.add_trials(trials)
    return run


EDITS: dict[str, dict[str, Any]] = {
    "narrow": {"op": "narrow", "name": "p0", "low": 0.1, "high": 0.5},
    "prior": {"op": "prior", "name": "p1", "value": 0.3, "confidence": "high"},
    "pin": {"op": "pin", "name": "p2", "value": 0.25},
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    run = filled_run(args.trials)
    preview(run, "narrow", n=5, name="p0", low=0.1, high=0.5)  # warm imports and caches
    out: dict[str, Any] = {"trials": args.trials, "params": 10, "n": 5, "target_ms": TARGET_MS,
                           "edits": {}}
    for label, spec in EDITS.items():
        edit = dict(spec)
        op = edit.pop("op")
        times, cpu = [], []
        for _ in range(args.repeats):
            t0, c0 = time.perf_counter(), time.process_time()
            preview(run, op, n=5, **edit)
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        med, cpu_med = statistics.median(times), statistics.median(cpu)
        # CPU time too: on a shared machine the wall clock also counts other processes' turns.
        out["edits"][label] = {"median_ms": round(med, 1), "max_ms": round(max(times), 1),
                               "cpu_median_ms": round(cpu_med, 1),
                               "ratio_to_target": round(med / TARGET_MS, 3)}
        print(f"{label:7s} median {med:7.1f} ms  max {max(times):7.1f} ms  cpu {cpu_med:7.1f} ms"
              f"  ({med / TARGET_MS:.2f} x the {TARGET_MS:.0f} ms target)")
    out["load_average"] = list(os.getloadavg())
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "preview.json").write_text(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
