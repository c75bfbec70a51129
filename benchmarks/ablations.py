"""Ablations of the steered sampler, for whoever changes it: not part of ``python -m benchmarks``.

``python -m benchmarks.ablations [--problems branin,hartmann6] [--variants ...] [--seeds 20]``

Each variant is steered TPE on a prior-study problem, changed in one way a notebook could:

* ``good`` / ``rough`` / ``misleading`` / ``none``: which prior is stated before the start;
* ``+conf=high`` / ``+conf=low``: the confidence it is stated with (default medium);
* ``+beta=X``: the steered sampler's piBO beta (default 10) set to X;
* ``+inc=X``: the incumbent's weight while a prior is active (``incumbent_beta``; 0 turns the
  refinement around the best trial off);
* ``+noevid``: priors fade by time only, not by the evidence against them;
* ``+share=X``: at most this share of TPE's start-up trials drawn from the priors;
* ``+bound=X``: the prior term's spread over the candidates bounded by X times TPE's own;
* ``+evid=I:P``: a prior's evidence is weighed from I trials inside its region on (default 3),
  its AUC shrunk towards 1/2 by P pseudo-trials (default 0), see ``core/prior_health.py``;
* ``+ptrials=X``: past the start-up, at most this share of trials drawn wholly from the priors
  while the trials confirm them (``prior_trials``, default 0.25; 0 turns it off);
* ``+nojoint``: priors do not all fade when the trials drawn from them jointly do worse than
  the rest (``joint_fading``);
* ``+noincfade``: the refinement around the incumbent does not fade with the belief as a whole
  (``incumbent_fading``; ``+incfade`` turns it on, the default);
* ``+noplateau``: the refinement around the incumbent does not fade when the trials proposed
  near it tie it (``plateau_fading``);
* ``+nomode``: the first trial after the priors are stated does not run their centres
  (``prior_mode_first``);
* ``+adapt``: the start-up's share of prior draws grows from ``startup_prior_share`` towards 1
  as the belief is confirmed (``SteeredSampler.adaptive_startup``);
* ``+near=X``: with this chance a start-up trial drawn from the priors is drawn instead near the
  best trial so far, when that trial came from the belief (``SteeredSampler.startup_refine``);
* ``+startup=N``: TPE's start-up is N trials instead of 10 (the steered sampler's only);
* ``+accept-best``: every 5 trials the best trial so far is accepted (``run.steering.accept``),
  which makes it positive evidence: candidates near it and a fading prior centred on it, i.e.
  local exploitation around the incumbent, as SMAC's local search does.

Prints median [IQR] trials to target per variant next to plain TPE's.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import optuna

from benchmarks import one_thread_per_process, report
from benchmarks.common import TimedObjective, base_tpe
from benchmarks.priors import trials_to_target
from benchmarks.problems import PROBLEMS

DEFAULT_VARIANTS = ("good", "rough", "misleading", "good+inc=0+noevid", "rough+inc=0+noevid",
                    "misleading+inc=0+noevid", "good+accept-best+inc=0+noevid")
ACCEPT_EVERY = 5


def _accept_best(run: Any) -> None:
    best = run.best_trial_number
    if best is None or str(best) in run.steering.state.to_dict()["reviews"]:
        return
    run.steering.accept(best)


def _configure(sampler: Any, parts: list[str]) -> str:
    """Apply a variant's options to a SteeredSampler; returns the confidence to state."""
    from hcautoml_widgets.core import prior_health

    confidence = "medium"
    # Module settings: set on every run, as a pool process runs several variants in turn.
    prior_health.MIN_INSIDE, prior_health.PSEUDO_TRIALS = 3, 0.0
    for part in parts:
        key, _, value = part.partition("=")
        if key == "beta":
            sampler.prior_beta = float(value)
        elif key == "inc":
            sampler.incumbent_beta = float(value)
        elif key == "noevid":
            sampler.evidence_fading = False
        elif key == "share":
            sampler.startup_prior_share = float(value)
        elif key == "bound":
            sampler.prior_bound = float(value)
        elif key == "conf":
            confidence = value
        elif key == "always":
            sampler.refine_always = True
        elif key == "evid":
            inside, pseudo = value.split(":")
            prior_health.MIN_INSIDE, prior_health.PSEUDO_TRIALS = int(inside), float(pseudo)
        elif key == "incfade":
            sampler.incumbent_fading = True
        elif key == "noincfade":
            sampler.incumbent_fading = False
        elif key == "nomode":
            sampler.prior_mode_first = False
        elif key == "nojoint":
            sampler.joint_fading = False
        elif key == "ptrials":
            sampler.prior_trials = float(value)
        elif key == "near":
            sampler.startup_refine = float(value)
        elif key == "noplateau":
            sampler.plateau_fading = False
        elif key == "adapt":
            sampler.adaptive_startup = True
        elif key == "startup":
            # TPE has no public setter: the start-up length is read from here on every trial.
            sampler.base_sampler._n_startup_trials = int(value)
        elif key == "incconf":
            sampler.incumbent_confidence = value
    return confidence


def one(problem_name: str, variant: str, seed: int) -> int:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    from hcautoml_widgets.core.objective import ask_config
    from hcautoml_widgets.core.sampler import SteeredSampler
    from hcautoml_widgets.core.space import SearchSpace
    from hcautoml_widgets.core.steering import Steering

    problem = PROBLEMS[problem_name]
    objective = TimedObjective(problem)
    parts = variant.split("+")
    if parts[0] == "tpe":
        study = optuna.create_study(sampler=base_tpe(seed))
        study.optimize(lambda t: objective(problem.suggest(t)), n_trials=problem.budget)
        return trials_to_target(objective.values, problem.target, problem.budget)
    prior = {"good": problem.good, "rough": problem.rough, "misleading": problem.misleading,
             "none": {}}[parts[0]]
    if "accept-best" in parts:
        return _accept_best_run(problem, objective, parts, prior, seed)
    # The sampler without hcw.Run's thread and feed: the same choices, at a fraction of the
    # time, which is what a sweep of variants needs.
    space = SearchSpace.from_any(problem.optuna_space())
    steering = Steering(space)
    sampler = SteeredSampler(steering, base_tpe(seed), seed=seed)
    confidence = _configure(sampler, parts[1:])
    for name, value in prior.items():
        steering.prior(name, value, confidence=confidence)
    study = optuna.create_study(sampler=sampler)
    study.optimize(lambda t: objective(ask_config(t, space)), n_trials=problem.budget)
    return trials_to_target(objective.values, problem.target, problem.budget)


def _accept_best_run(problem: Any, objective: TimedObjective, parts: list[str],
                     prior: dict[str, Any], seed: int) -> int:
    import hcautoml_widgets as hcw

    run = hcw.Run(objective, problem.optuna_space(), sampler=base_tpe(seed), seed=seed)
    confidence = _configure(run.sampler, parts[1:])
    for name, value in prior.items():
        run.steering.prior(name, value, confidence=confidence)
    done = 0
    while done < problem.budget:
        n = min(ACCEPT_EVERY, problem.budget - done)
        run.start(n_trials=n)
        run.wait()
        done += n
        _accept_best(run)
    return trials_to_target(objective.values, problem.target, problem.budget)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.ablations")
    parser.add_argument("--problems", default="branin,hartmann6")
    parser.add_argument("--variants", default=",".join(DEFAULT_VARIANTS))
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    one_thread_per_process()
    problems = args.problems.split(",")
    variants = ["tpe", *args.variants.split(",")]
    tasks = [(p, v, s) for p in problems for v in variants for s in range(args.seeds)]
    with ProcessPoolExecutor(args.workers) as pool:
        results = list(pool.map(one, *zip(*tasks, strict=True)))
    rows = []
    for p in problems:
        tpe = None
        for v in variants:
            ttt = [t for (pp, vv, _), t in zip(tasks, results, strict=True) if (pp, vv) == (p, v)]
            q = report.quartiles(ttt)
            tpe = q["median"] if v == "tpe" else tpe
            rows.append([p, v, f"{sum(t <= PROBLEMS[p].budget for t in ttt)}/{len(ttt)}",
                         report.fmt_q(q), report.fmt(report.ratio(q["median"], tpe), 2)])
    print(report.markdown_table(["problem", "variant", "reached", "trials to target", "×TPE"],
                                rows))
    print(f"seeds 0-{args.seeds - 1}; a run that never reaches the target counts as budget + 1")


if __name__ == "__main__":
    main()
