"""Benchmark: one refresh of the live insights at 1,000 trials and 10 parameters, and what the
Insights view sends to the browser per trial.

``python -m benchmarks.insights [--quick]``. The refresh is what the view's background thread
computes: importance (PED-ANOVA with 4 bootstrap refits for its interval), a random forest on the
trials, the partial dependence of every parameter and the heat map of the pair that interacts
most. Target (issue 10): <= 2 s on this machine. fANOVA is timed too, for information: it runs
only on request, in its own thread. Bytes per trial: the view attached to a recording comm,
opened before the run starts, everything it sent until the run's last trial and the last summary
reached it, at two run lengths (flat means the per-trial cost does not grow with the run).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

import optuna

from benchmarks import report
from benchmarks.recording import recording
from benchmarks.traffic import objective10, space10

REFRESH_TARGET_S = 2.0
GROWTH_TARGET = 1.2
TPE_RATIO_TARGET = 1.05


def finished_run(n_trials: int, seed: int = 0) -> Any:
    import hcautoml_widgets as hcw

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    run = hcw.Run(objective10, space10(), sampler=optuna.samplers.RandomSampler(seed=seed),
                  seed=seed)
    run.start(n_trials=n_trials)
    run.wait()
    return run


def timed(fn: Callable[[], Any], repeats: int) -> tuple[list[float], Any]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return times, out


def refresh_times(n_trials: int, repeats: int, with_fanova: bool) -> dict[str, Any]:
    from hcautoml_widgets.insights import summary
    from hcautoml_widgets.insights._data import trials
    from hcautoml_widgets.insights.dependence import Surrogate
    from hcautoml_widgets.insights.importance import spread

    run = finished_run(n_trials)
    total, result = timed(lambda: summary.compute(trials(run)), repeats)
    data = trials(run)
    parts = {
        "read trials": timed(lambda: trials(run), repeats)[0],
        "importance (PED-ANOVA, 1 + 4 refits)": timed(lambda: spread(data, refits=4), repeats)[0],
        "forest fit": timed(lambda: Surrogate.fit(data), repeats)[0],
    }
    sur = Surrogate.fit(data)
    parts["partial dependence, 10 curves"] = timed(
        lambda: [sur.curve(n) for n in data.names], repeats)[0]
    out: dict[str, Any] = {
        "n_trials": n_trials, "n_params": len(data.names), "repeats": repeats,
        "refresh_s": total, "refresh_median_s": statistics.median(total),
        "parts_median_s": {k: statistics.median(v) for k, v in parts.items()},
        "pair": [result["pair"]["a"], result["pair"]["b"]] if result.get("pair") else None,
    }
    if with_fanova:
        fan, _ = timed(lambda: spread(data, "fanova", refits=0), 1)
        out["fanova_one_fit_s"] = fan[0]
    return out


def view_bytes(n_trials: int) -> dict[str, Any]:
    import hcautoml_widgets as hcw

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with recording() as rec:
        run = hcw.Run(objective10, space10(), sampler=optuna.samplers.RandomSampler(seed=0),
                      seed=0)
        view = hcw.Insights(run)
        view._on_msg(view, {"type": "snapshot"}, [])  # as a browser does on render
        mark = rec.mark()
        run.start(n_trials=n_trials)
        run.wait()
        view.wait_idle(120)
        sent = [m for m in rec.since(mark) if m.comm_id == view.comm.comm_id]
        view.close()
    total = sum(m.nbytes for m in sent)
    return {"n_trials": n_trials, "messages": len(sent), "bytes": total,
            "bytes_per_trial": total / n_trials, "largest": max(m.nbytes for m in sent)}


def _tpe(seed: int) -> optuna.samplers.BaseSampler:
    # Multivariate, as hcw.Run's default; the bare study gets the identical sampler.
    return optuna.samplers.TPESampler(seed=seed, multivariate=True)


def _bare(n_trials: int, seed: int) -> float:
    """Seconds of ``study.optimize`` on the same objective, as an Optuna user would run it."""
    from optuna.distributions import CategoricalDistribution, IntDistribution

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    space = space10()

    def objective(trial: optuna.Trial) -> float:
        config: dict[str, Any] = {}
        for name, d in space.items():
            if isinstance(d, CategoricalDistribution):
                config[name] = trial.suggest_categorical(name, d.choices)
            elif isinstance(d, IntDistribution):
                config[name] = trial.suggest_int(name, d.low, d.high, log=d.log)
            else:
                config[name] = trial.suggest_float(name, d.low, d.high, log=d.log)  # type: ignore[attr-defined]
        return objective10(config)

    study = optuna.create_study(sampler=_tpe(seed))
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=n_trials)
    return time.perf_counter() - t0


def _with_insights(n_trials: int, seed: int) -> float:
    """Seconds of a run (TPE) with the Insights view open on a recording comm: its refresher
    recomputes in its own thread while the optimiser runs."""
    import hcautoml_widgets as hcw

    with recording():
        run = hcw.Run(objective10, space10(), sampler=_tpe(seed), seed=seed)
        view = hcw.Insights(run)
        view._on_msg(view, {"type": "snapshot"}, [])
        t0 = time.perf_counter()
        run.start(n_trials=n_trials)
        run.wait()
        wall = time.perf_counter() - t0
        view.close()
    return wall


def overhead(n_trials: int, repeats: int, log: Callable[[str], None]) -> dict[str, Any]:
    """Bare Optuna TPE against ``hcw.Run`` with the Insights view open, interleaved repeats
    (as benchmarks/overhead.py does for the dashboard); the median repeat is compared."""
    import gc

    walls: dict[str, list[float]] = {"bare": [], "insights": []}
    for i in range(repeats):
        for mode in walls:
            gc.collect()
            walls[mode].append(_bare(n_trials, 0) if mode == "bare"
                               else _with_insights(n_trials, 0))
        log(f"  overhead repeat {i + 1}/{repeats}: bare {walls['bare'][-1]:.1f} s, "
            f"with insights {walls['insights'][-1]:.1f} s")
    med = {m: statistics.median(w) for m, w in walls.items()}
    return {"n_trials": n_trials, "repeats": repeats, "walls_s": walls, "median_s": med,
            "ratio": med["insights"] / med["bare"]}


def main(quick: bool = False, log: Callable[[str], None] = print) -> dict[str, Any]:
    n = 200 if quick else 1000
    log(f"refresh at {n} trials x 10 parameters")
    refresh = refresh_times(n, repeats=2 if quick else 5, with_fanova=not quick)
    log(f"  median {refresh['refresh_median_s']:.2f} s (target <= {REFRESH_TARGET_S} s)")
    small, large = (view_bytes(m) for m in ((50, 200) if quick else (100, 1000)))
    growth = large["bytes_per_trial"] / small["bytes_per_trial"]
    log(f"  view bytes/trial {small['bytes_per_trial']:.0f} -> {large['bytes_per_trial']:.0f}")
    over = overhead(200 if quick else 1000, 1 if quick else 3, log)
    data = {"environment": report.environment(), "refresh": refresh,
            "bytes": {"small": small, "large": large, "growth": growth}, "overhead": over}
    rows = [
        [f"one refresh at {n} trials x 10 params (median of {refresh['repeats']})",
         f"{refresh['refresh_median_s']:.2f} s", f"<= {REFRESH_TARGET_S} s",
         report.verdict(refresh["refresh_median_s"] <= REFRESH_TARGET_S)],
        *[[f"  of which {k}", f"{v:.3f} s", "", ""]
          for k, v in refresh["parts_median_s"].items()],
        [f"Insights view bytes/trial at {small['n_trials']} / {large['n_trials']} trials",
         f"{small['bytes_per_trial']:.0f} / {large['bytes_per_trial']:.0f}",
         f"growth <= {GROWTH_TARGET}x", report.verdict(growth <= GROWTH_TARGET)],
        ["largest message", f"{max(small['largest'], large['largest'])} B", "< 1 MB",
         report.verdict(max(small["largest"], large["largest"]) < 1_000_000)],
    ]
    rows.append([f"TPE run with the Insights view open / bare Optuna TPE, {over['n_trials']} "
                 f"trials (median of {over['repeats']})", f"{over['ratio']:.3f}x",
                 f"<= {TPE_RATIO_TARGET}x", report.verdict(over["ratio"] <= TPE_RATIO_TARGET)])
    if "fanova_one_fit_s" in refresh:
        rows.append([f"fANOVA, one fit at {n} trials (on request, background)",
                     f"{refresh['fanova_one_fit_s']:.1f} s", "–", "–"])
    table = "# Insights\n\n" + report.markdown_table(["measure", "value", "target", "verdict"],
                                                      rows)
    out = report.publish("insights", data, table, quick)
    log(table)
    log(f"written to {out}")
    return data


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m benchmarks.insights", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    main(quick=parser.parse_args().quick)
