"""Benchmark 3: the value of expert priors.

Every (problem, method, seed) is one independent run; runs are spread over worker processes (one
run per core at a time, so every method is timed under the same conditions) and cached in
``results/cache/priors-runs.jsonl`` under a fingerprint of the code they depend on, so an
interrupted study resumes and a change to one method reruns only that method.

Trials-to-target counts the trial (1-based) at which the best value so far first reaches the
problem's target; a run that never reaches it counts as ``budget + 1``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

import numpy as np

from benchmarks import report
from benchmarks.arms import ARM_LABELS, ARMS, LATE_FRACTION, family, fingerprint, run_arm
from benchmarks.common import N_STARTUP
from benchmarks.problems import PROBLEMS, Problem

CACHE = report.RESULTS / "cache" / "priors-runs.jsonl"
PUBLISHED = report.RESULTS / "priors.json"
# Families whose published figures may be reused: the optimiser is not ours, so they change only
# when their own benchmark code, the problem or the library version does.
REUSABLE = ("smac", "optuna", "reference")
FULL_SEEDS = list(range(20))
QUICK_SEEDS = [0, 1, 2]


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------
def _key(problem: str, arm: str, seed: int, budget: int) -> str:
    return f"{problem}|{arm}|{seed}|{budget}|{fingerprint(PROBLEMS[problem], arm)}"


def _load_cache() -> dict[str, dict[str, Any]]:
    cache: dict[str, dict[str, Any]] = {}
    if CACHE.exists():
        for line in CACHE.read_text().splitlines():
            if line.strip():
                entry = json.loads(line)
                cache[entry["key"]] = entry["result"]
    return cache


def _task(problem: Problem, arm: str, seed: int, budget: int) -> dict[str, Any]:
    result = run_arm(problem, arm, seed, budget).to_dict()
    result["values"] = [float(f"{v:.10g}") for v in result["values"]]
    return result


def seeds_of(arm: str, seeds: list[int], smac_seeds: int | None) -> list[int]:
    """The seeds an invocation runs ``arm`` on: SMAC3's runs cost ~100x the others', so
    ``smac_seeds`` may cut its arms to the first few."""
    return seeds[:smac_seeds] if family(arm) == "smac" and smac_seeds else seeds


def run_study(problems: list[str], arms: list[str], seeds: list[int], budgets: dict[str, int],
              workers: int = 2, fresh: bool = False, max_minutes: float | None = None,
              smac_seeds: int | None = None, execute: bool = True,
              log: Callable[[str], None] = print) -> list[dict[str, Any]]:
    """Run (or take from the cache) every run of the study; returns one dict per run.

    With ``max_minutes``, runs not started by then are skipped (and missing from the summary,
    whose tables say how many runs each method had). With ``execute=False`` only cached runs
    are used."""
    cache = {} if fresh else _load_cache()
    wanted = [(p, a, s) for p in problems for a in arms for s in seeds_of(a, seeds, smac_seeds)]
    keys = {w: _key(w[0], w[1], w[2], budgets[w[0]]) for w in wanted}
    todo = [w for w in wanted if keys[w] not in cache] if execute else []
    # SMAC's runs cost ~100x the others: run everything else first, then SMAC; both seed by
    # seed, so that a time limit leaves every arm with the same seeds.
    todo.sort(key=lambda w: (w[1].startswith("smac"), w[2], w[0], w[1]))
    log(f"priors: {len(wanted)} runs, {len(wanted) - len(todo)} cached, {len(todo)} to run "
        f"on {workers} worker(s)")
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    with ProcessPoolExecutor(max_workers=workers) as pool, CACHE.open("a") as out:
        futures = {pool.submit(_task, PROBLEMS[p], a, s, budgets[p]): (p, a, s) for p, a, s in todo}
        deadline = None if max_minutes is None else t0 + 60 * max_minutes
        for done, fut in enumerate(as_completed(futures), start=1):
            if deadline is not None and time.time() > deadline:
                cancelled = sum(f.cancel() for f in futures)
                if cancelled:
                    log(f"  time limit: {cancelled} runs not started, left out")
                deadline = None
            if fut.cancelled():
                continue
            w = futures[fut]
            result = fut.result()
            cache[keys[w]] = result
            out.write(json.dumps({"key": keys[w], "result": result}) + "\n")
            out.flush()
            if result.get("error"):
                log(f"  {w}: ERROR {result['error']}")
            if done % 20 == 0 or done == len(todo):
                log(f"  {done}/{len(todo)} runs done, {time.time() - t0:.0f} s")
    if not execute:
        # Summarising only: a run whose code fingerprint moved since (someone edited a core
        # module the steered arms do not use, say) still counts; the latest run of each
        # (problem, arm, seed, budget) is taken.
        latest = {k.rsplit("|", 1)[0]: v for k, v in cache.items()}
        return [cache.get(keys[w]) or latest[keys[w].rsplit("|", 1)[0]] for w in wanted
                if keys[w] in cache or keys[w].rsplit("|", 1)[0] in latest]
    return [cache[keys[w]] for w in wanted if keys[w] in cache]


# ---------------------------------------------------------------------------------------------
# Summarising
# ---------------------------------------------------------------------------------------------
def trials_to_target(values: list[float], target: float, budget: int) -> int:
    for i, v in enumerate(values, start=1):
        if v <= target:
            return i
    return budget + 1


def best_so_far(values: list[float], budget: int) -> np.ndarray:
    out = np.minimum.accumulate(np.asarray(values, dtype=float))
    if len(out) < budget:  # a short run (should not happen) keeps its last best
        out = np.concatenate([out, np.full(budget - len(out), out[-1] if len(out) else np.inf)])
    return out[:budget]


def summarise(runs: list[dict[str, Any]], problems: list[str], arms: list[str],
              budgets: dict[str, int]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in problems:
        prob = PROBLEMS[name]
        budget = budgets[name]
        per_arm: dict[str, Any] = {}
        for arm in arms:
            good = [r for r in runs if r["problem"] == name and r["arm"] == arm and not r["error"]]
            errors = [r["error"] for r in runs
                      if r["problem"] == name and r["arm"] == arm and r["error"]]
            ttt = [trials_to_target(r["values"], prob.target, budget) for r in good]
            # Rounded: the SVC's error is a mean of fold scores, equal to its optimum only up to
            # floating-point noise.
            regret = [round(min(r["values"]) - prob.optimum, 9) for r in good]
            n_trials = [len(r["values"]) for r in good]
            opt_ms = [1000 * (r["wall"] - r["objective_time"]) / n
                      for r, n in zip(good, n_trials, strict=True)]
            wall_ms = [1000 * r["wall"] / n for r, n in zip(good, n_trials, strict=True)]
            curves = np.array([best_so_far(r["values"], budget) - prob.optimum for r in good])
            curve_q = (np.quantile(curves, [0.25, 0.5, 0.75], axis=0) if len(good)
                       else np.zeros((3, 0)))
            per_arm[arm] = {
                "label": ARM_LABELS[arm],
                "fingerprint": fingerprint(prob, arm),
                "runs": len(good),
                "errors": errors[:3],
                "reached": sum(t <= budget for t in ttt),
                "trials_to_target": report.quartiles(ttt),
                "final_regret": report.quartiles(regret),
                "optimiser_ms_per_trial": report.quartiles(opt_ms),
                "wall_ms_per_trial": report.quartiles(wall_ms),
                "per_seed_trials_to_target": ttt,
                "curve": {k: [float(f"{v:.5g}") for v in row]
                          for k, row in zip(("q25", "median", "q75"), curve_q, strict=True)},
            }
        out[name] = {"title": prob.title, "budget": budget, "target": prob.target,
                     "optimum": prob.optimum, "good_prior": prob.good,
                     "misleading_prior": prob.misleading, "arms": per_arm,
                     "checks": _checks(per_arm, round(LATE_FRACTION * budget))}
    return out


def _med(per_arm: dict[str, Any], arm: str, key: str = "trials_to_target") -> float | None:
    return per_arm[arm][key]["median"] if arm in per_arm and per_arm[arm]["runs"] else None


def _after(per_arm: dict[str, Any], arm: str, start: int) -> float | None:
    """Median trials to target counted from trial ``start`` on, over the seeds where neither plain
    TPE nor ``arm`` had reached it by then (the two runs are the same trial for trial until the
    prior is stated, so these are the seeds where the prior could make a difference)."""
    if arm not in per_arm or "tpe" not in per_arm:
        return None
    pairs = list(zip(per_arm["tpe"]["per_seed_trials_to_target"],
                     per_arm[arm]["per_seed_trials_to_target"], strict=False))
    left = [(t - start, a - start) for t, a in pairs if t > start and a > start]
    if not left:
        return None
    return report.ratio(float(np.median([a for _, a in left])),
                        float(np.median([t for t, _ in left])))


def _seeds(per_arm: dict[str, Any], arm: str) -> list[float]:
    return list(per_arm[arm].get("per_seed_trials_to_target") or []) if arm in per_arm else []


def _checks(per_arm: dict[str, Any], late_at: int) -> list[dict[str, Any]]:
    """The issue's targets, each as (figure, target, met, 90% bootstrap interval of the figure
    where it is a ratio of two methods' median trials to target)."""
    checks = []

    def add(what: str, value: float | None, target: str, ok: bool | None,
            between: tuple[str, str] | None = None) -> None:
        iv = (report.ratio_interval(_seeds(per_arm, between[0]), _seeds(per_arm, between[1]))
              if between else None)
        checks.append({"check": what, "value": value, "target": target, "met": ok,
                       "interval": None if iv is None else [round(iv[0], 4), round(iv[1], 4)]})

    def vs_tpe(arm: str, what: str, bound: float, shown: str) -> None:
        r = report.ratio(_med(per_arm, arm), _med(per_arm, "tpe"))
        add(f"{what}: median trials to target / plain TPE's", r, shown,
            None if r is None else r <= bound, (arm, "tpe"))

    vs_tpe("steered_good", "good prior", 1 / 3, "<= 0.333")
    vs_tpe("steered_rough", "roughly right prior", 0.5, "<= 0.5")
    vs_tpe("steered_misleading", "misleading prior", 1.5, "<= 1.5")
    vs_tpe("steered_good_at_30pct", "good prior at 30%", 0.7, "<= 0.7")
    # Where plain TPE's median is below 0.7 of it plus the 30% already spent, the check above
    # cannot be met by any sampler: half the runs are at the target before the prior arrives.
    # This one asks what the issue means, whether the prior shortens the search that is left.
    r = _after(per_arm, "steered_good_at_30pct", late_at)
    add(f"good prior at 30%: median trials still needed after trial {late_at} / plain TPE's",
        r, "<= 0.7", None if r is None else r <= 0.7)
    high, low = _med(per_arm, "steered_good_high"), _med(per_arm, "steered_good_low")
    r = report.ratio(high, low)
    add("good prior: high confidence / low confidence median trials to target", r, "< 1",
        None if r is None else r < 1, ("steered_good_high", "steered_good_low"))
    vs_tpe("steered_misleading_high", "misleading prior, high confidence", 1.5, "<= 1.5")
    for kind in ("good", "misleading"):
        r = report.ratio(_med(per_arm, f"steered_{kind}"), _med(per_arm, f"smac_pibo_{kind}"))
        add(f"{kind} prior: steered TPE / SMAC piBO median trials to target", r, "<= 1",
            None if r is None else r <= 1, (f"steered_{kind}", f"smac_pibo_{kind}"))
        t = report.ratio(_med(per_arm, f"steered_{kind}", "optimiser_ms_per_trial"),
                         _med(per_arm, f"smac_pibo_{kind}", "optimiser_ms_per_trial"))
        add(f"{kind} prior: steered TPE / SMAC piBO optimiser time per trial", t, "<= 0.05",
            None if t is None else t <= 0.05)
    return checks


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------
def markdown(summary: dict[str, Any], seeds: int, command: str,
             smac_seeds: int | None = None) -> str:
    smac = (f" (SMAC3: at most the first {smac_seeds}, its runs costing ~100× the others'; "
            "the 'reached' column gives each method's number of runs)"
            if smac_seeds and smac_seeds < seeds else "")
    parts = [
        "# Priors: what an expert's belief is worth\n\n",
        f"`{command}` · {seeds} seeds per method{smac} · medians with [25th, 75th percentile] · "
        "a run that never reaches the target counts as budget + 1 · optimiser time = wall time "
        "minus time inside the objective, per trial · ×TPE = median trials to target divided "
        "by plain TPE's · 90% interval: percentile bootstrap of a check's ratio of medians, "
        "each method's runs resampled on their own (4,000 draws); where it spans the target, "
        "these seeds cannot tell a pass from a miss.\n\n",
        f"Priors are stated at medium confidence on every parameter (normal, sd = 10% of the "
        f"range; categorical favourite 4× as likely) unless the row says high (sd 4%, 12×) or "
        f"low (sd 25%, 2×). The roughly right prior is the good one moved by 10% of each range, "
        f"alternately up and down. TPE and the steered sampler use "
        f"multivariate TPE with {N_STARTUP} start-up trials; SMAC3 piBO uses its "
        f"hyperparameter-optimisation facade (random forest, EI, decay beta = budget/10) with "
        f"{N_STARTUP} initial configurations drawn from the prior. \"At 30%\" states the good "
        f"prior after {LATE_FRACTION:.0%} of the budget.\n",
    ]
    if any(a.get("reused") for s in summary.values() for a in s["arms"].values()):
        parts.append(
            "\n† Figures reused from the previous publication (`"
            + next(a["reused"] for s in summary.values() for a in s["arms"].values()
                   if a.get("reused"))
            + "`): arms whose code, problem, seeds and library version are unchanged since, "
            "so they were not rerun (`--reuse-published`).\n")
    for s in summary.values():
        tpe = _med(s["arms"], "tpe")
        rows = []
        for a in s["arms"].values():
            if not a["runs"]:
                rows.append([a["label"], f"0 runs ({'; '.join(a['errors'])[:80]})", "", "", "",
                             "", ""])
                continue
            rows.append([
                a["label"], f"{a['reached']}/{a['runs']}", report.fmt_q(a["trials_to_target"]),
                report.fmt(report.ratio(a["trials_to_target"]["median"], tpe), 2),
                report.fmt_q(a["final_regret"], 2),
                report.fmt_q(a["optimiser_ms_per_trial"], 2),
                report.fmt(a["wall_ms_per_trial"]["median"], 3),
            ])
        parts.append(
            f"\n## {s['title']}: budget {s['budget']}, target {report.fmt(s['target'], 4)} "
            f"(optimum {report.fmt(s['optimum'], 6)})\n\n"
            f"Good prior {s['good_prior']}; misleading prior {s['misleading_prior']}.\n\n")
        parts.append(report.markdown_table(
            ["method", "reached", "trials to target", "×TPE", "final regret",
             "optimiser ms/trial", "wall ms/trial"], rows))
        parts.append("\n" + report.markdown_table(
            ["check", "figure", "90% interval", "target", "verdict"],
            [[c["check"], report.fmt(c["value"], 3), report.fmt_interval(c.get("interval")),
              c["target"], report.verdict(c["met"])] for c in s["checks"]]))
    return "".join(parts)


def published_arms(problems: list[str], budgets: dict[str, int], seeds: list[int],
                   smac_seeds: int | None,
                   families: tuple[str, ...] = REUSABLE) -> dict[tuple[str, str], dict[str, Any]]:
    """Per-arm summaries of the published study that can stand in for new runs: arms of the
    given families, on problems whose budget is unchanged. Only for code that has not changed
    since that publication (the caller vouches for it: ``--reuse-published``). An arm with fewer
    runs than this invocation would give it (:func:`seeds_of`) is run again instead; one with
    more keeps them all (its row states its run count)."""
    if not PUBLISHED.exists():
        return {}
    old = json.loads(PUBLISHED.read_text())
    out = {}
    for name in problems:
        prev = old.get("problems", {}).get(name)
        problem = PROBLEMS[name]
        # A prior moved since: the arms that read it (enqueued guess, SMAC3, the reference) are
        # stale, and the others are rerun with them so that the problem's rows share one code.
        if prev is None or prev.get("budget") != budgets[name] or prev.get(
                "target") != problem.target or prev.get("good_prior") != problem.good or prev.get(
                "misleading_prior") != problem.misleading:
            continue
        for arm, summary in prev["arms"].items():
            if arm not in ARMS or family(arm) not in families:
                continue
            if (summary.get("runs") or 0) >= max(1, len(seeds_of(arm, seeds, smac_seeds))):
                out[(name, arm)] = {**summary, "label": ARM_LABELS[arm] + " †",
                                    "reused": old.get("command", "previous publication")}
    return out


def recheck(log: Callable[[str], None] = print) -> dict[str, Any]:
    """Recompute the published study's checks and tables from its per-seed figures, running
    nothing: for a change to how the figures are judged or shown, not to the runs."""
    data = json.loads(PUBLISHED.read_text())
    for s in data["problems"].values():
        s["checks"] = _checks(s["arms"], round(data.get("late_fraction", LATE_FRACTION)
                                              * s["budget"]))
    seeds = len(data["seeds"])
    smac = len(data["smac_seeds"]) if len(data["smac_seeds"]) < seeds else None
    report.publish("priors", data, markdown(data["problems"], seeds, data["command"], smac),
                   quick=False)
    log(f"priors: rechecked {PUBLISHED} (no runs)")
    return data


def main(quick: bool = False, workers: int = 2, fresh: bool = False,
         problems: list[str] | None = None, max_minutes: float | None = None,
         smac_seeds: int | None = None, reuse_published: bool = False,
         execute: bool = True, log: Callable[[str], None] = print) -> dict[str, Any]:
    problems = problems or list(PROBLEMS)
    arms = list(ARMS)
    if quick and smac_seeds is None:
        smac_seeds = 1  # a smoke test of the SMAC runner, not a measurement
    seeds = QUICK_SEEDS if quick else FULL_SEEDS
    budgets = {p: PROBLEMS[p].quick_budget if quick else PROBLEMS[p].budget for p in problems}
    reused = (published_arms(problems, budgets, seeds, smac_seeds)
              if reuse_published and not quick else {})
    t0 = time.time()
    runs = []
    for name in problems:
        own = [a for a in arms if (name, a) not in reused]
        runs += run_study([name], own, seeds, budgets, workers=workers, fresh=fresh,
                          max_minutes=max_minutes, smac_seeds=smac_seeds, execute=execute,
                          log=log)
    summary = summarise(runs, problems, arms, budgets)
    for (name, arm), prev in reused.items():
        summary[name]["arms"][arm] = prev
    for s in summary.values():
        s["checks"] = _checks(s["arms"], round(LATE_FRACTION * s["budget"]))
    command = "python -m benchmarks priors" + (" --quick" if quick else "") + (
        f" --smac-seeds {smac_seeds}" if smac_seeds else "") + (
        " --reuse-published" if reused else "")
    out = report.out_dir(quick)
    data = {"benchmark": "priors", "command": command, "seeds": seeds,
            "smac_seeds": seeds[:smac_seeds] if smac_seeds else seeds, "budgets": budgets,
            "n_startup": N_STARTUP, "late_fraction": LATE_FRACTION,
            "elapsed_s": round(time.time() - t0, 1), "environment": report.environment(),
            "problems": summary}
    report.publish("priors", data, markdown(summary, len(seeds), command, smac_seeds), quick)
    from benchmarks.plot import plot_priors

    plot_priors(summary, out / "priors.png")
    log(f"priors: wrote {out / 'priors.md'}, priors.json, priors.png")
    return data
