"""The headless demo: tune an SVM on scikit-learn's digits, steering it from code mid-run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ConfigSpace import Categorical, ConfigurationSpace, Float

from hcautoml_widgets.core.run import Run


def make_problem(n_samples: int = 600) -> tuple[ConfigurationSpace, Any]:
    """An SVC on a slice of digits: a trial takes a few tens of milliseconds."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import cross_val_score
    from sklearn.svm import SVC

    X, y = load_digits(return_X_y=True)
    X, y = X[:n_samples] / 16.0, y[:n_samples]
    space = ConfigurationSpace({
        "C": Float("C", (1e-3, 1e3), log=True),
        "gamma": Float("gamma", (1e-4, 10.0), log=True),
        "kernel": Categorical("kernel", ["rbf", "sigmoid"]),
    })

    def objective(config: dict[str, Any]) -> float:
        return 1.0 - float(cross_val_score(SVC(**config), X, y, cv=3).mean())

    return space, objective


def _wait_for(run: Run, n: int, timeout: float = 300.0) -> None:
    end = time.monotonic() + timeout
    while run.counts["complete"] + run.counts["failed"] < n and run.status == "running":
        if time.monotonic() > end:
            raise TimeoutError(f"demo: fewer than {n} trials after {timeout} s")
        time.sleep(0.05)


def summary(run: Run) -> list[str]:
    """What the run did, and what each steering action changed."""
    rows = [r for r in run.records() if r["state"] == "complete"]
    sign = 1 if run.direction == "minimize" else -1
    lines = [f"trials: {run.counts['total']} ({run.counts['complete']} complete, "
             f"{run.counts['failed']} failed)",
             f"best: {run.best_value:.4f} at trial {run.best_trial_number}: {run.best_config()}"]
    log = run.steering.log
    for ev in log:
        under = [r for r in rows if r["version"] >= ev.seq]
        before = [r["value"] for r in rows if r["version"] < ev.seq]
        what = f"{ev.kind} {dict(ev.payload)}"
        if not under:
            lines.append(f"- {what}: no trial has run since")
            continue
        if ev.kind == "narrow":
            lo, hi, name = ev.payload["low"], ev.payload["high"], ev.payload["name"]
            inside = sum(lo <= r["params"][name] <= hi for r in under)
            what += f": {inside}/{len(under)} trials since inside the range"
        best_under = min(sign * r["value"] for r in under) * sign
        best_before = (min(sign * v for v in before) * sign) if before else None
        origins: dict[str, int] = {}
        for r in under:
            origins[r["origin"]] = origins.get(r["origin"], 0) + 1
        change = "" if best_before is None else f" (best before it {best_before:.4f})"
        lines.append(f"- {what}; {len(under)} trials since, origins {origins}, "
                     f"best {best_under:.4f}{change}")
    return lines


def main(n_trials: int = 60, out: str = "hcw-demo.json", seed: int = 0) -> Path:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space, objective = make_problem()
    run = Run(objective, space, direction="minimize", seed=seed)
    run.start(n_trials=n_trials)
    _wait_for(run, n_trials // 3)
    # A person who knows SVMs on scaled pixels: moderate C, gamma near 1/n_features.
    run.steering.narrow("C", 0.1, 100.0)
    run.steering.prior("gamma", 0.02, confidence="medium")
    run.wait()
    for line in summary(run):
        print(line)
    path = run.export(out)
    print(f"export written to {path}")
    return path
