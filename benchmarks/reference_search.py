"""Where a problem's "good" prior comes from: a dense search, then the neighbourhood test.

``python -m benchmarks.reference_search --problem hgb_cancer``

An expert's good belief is a region where good configurations are common, not one lucky point:
a centre whose medium-confidence neighbourhood rarely reaches the target is a weak belief however
good the centre itself scored. So the candidates are the best distinct configurations of a dense
search (random search plus several long TPE runs), and each is judged by what the reference arm
would see if it were the prior: draws from the medium-confidence density around it (the density
SMAC's piBO is given too), the share of them that reach the target and their median error.

Not part of ``python -m benchmarks``: it is how the problems' priors were chosen, kept so that
the choice can be checked and redone.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import optuna

from benchmarks import one_thread_per_process, report
from benchmarks.common import base_tpe
from benchmarks.problems import PROBLEMS, Problem


def _tpe_run(problem_name: str, seed: int, n_trials: int) -> list[tuple[dict[str, Any], float]]:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    problem = PROBLEMS[problem_name]
    study = optuna.create_study(sampler=base_tpe(1000 + seed))
    study.optimize(lambda t: problem.evaluate(problem.suggest(t)), n_trials=n_trials)
    return [(dict(t.params), float(t.value)) for t in study.trials if t.value is not None]


def _random_run(problem_name: str, seed: int, n: int) -> list[tuple[dict[str, Any], float]]:
    problem = PROBLEMS[problem_name]
    space = problem.configspace(seed=2000 + seed)
    out = []
    for config in space.sample_configuration(n):
        c = dict(config)
        out.append((c, problem.evaluate(c)))
    return out


def _neighbourhood(problem_name: str, centre: dict[str, Any], draws: int) -> list[float]:
    problem = PROBLEMS[problem_name]
    space = problem.configspace(centre, seed=3000)
    return [problem.evaluate(dict(c)) for c in space.sample_configuration(draws)]


def _key(problem: Problem, config: dict[str, Any]) -> tuple[Any, ...]:
    # Numbers rounded to 2 significant digits: near-identical configurations count once.
    return tuple(float(f"{config[p.name]:.2g}") if p.choices is None else config[p.name]
                 for p in problem.params)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.reference_search")
    parser.add_argument("--problem", default="hgb_cancer")
    parser.add_argument("--random", type=int, default=1500)
    parser.add_argument("--tpe-runs", type=int, default=4)
    parser.add_argument("--tpe-trials", type=int, default=300)
    parser.add_argument("--candidates", type=int, default=12)
    parser.add_argument("--draws", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    one_thread_per_process()
    problem = PROBLEMS[args.problem]
    with ProcessPoolExecutor(args.workers) as pool:
        jobs = [pool.submit(_tpe_run, problem.name, s, args.tpe_trials)
                for s in range(args.tpe_runs)]
        jobs += [pool.submit(_random_run, problem.name, s, args.random // 2) for s in range(2)]
        seen = [pair for job in jobs for pair in job.result()]
        best: dict[tuple[Any, ...], tuple[dict[str, Any], float]] = {}
        for config, value in sorted(seen, key=lambda cv: cv[1]):
            best.setdefault(_key(problem, config), (config, value))
        candidates = list(best.values())[:args.candidates]
        hoods = list(pool.map(_neighbourhood, [problem.name] * len(candidates),
                              [c for c, _ in candidates], [args.draws] * len(candidates)))
    print(f"{len(seen)} evaluations; best {min(v for _, v in seen):.6g}; "
          f"target {problem.target:.6g}; the current good prior's neighbourhood last")
    current = _neighbourhood(problem.name, problem.good, args.draws)
    rows = []
    for (config, value), hood in [*zip(candidates, hoods, strict=True), ((problem.good, None),
                                                                         current)]:
        hits = float(np.mean(np.asarray(hood) <= problem.target))
        shown = {k: (float(f"{v:.3g}") if isinstance(v, float) else v) for k, v in config.items()}
        rows.append([str(shown), "current" if value is None else report.fmt(value, 4),
                     report.fmt(hits, 2), report.fmt(float(np.median(hood)), 4)])
    print(report.markdown_table(["centre", "its value", "neighbourhood: share at target",
                                 "neighbourhood: median"], rows))


if __name__ == "__main__":
    main()
