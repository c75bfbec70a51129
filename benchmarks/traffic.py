"""Benchmark 2: what the dashboard sends to the browser, per trial, as a run grows.

A 10-parameter space (floats, log floats, integers, categoricals), a trivial objective and the
random sampler make trials as fast as they come, the worst case for the message rate. The full
dashboard is attached to a recording comm and its views are opened (each asks for its snapshot,
as a browser does) before the run starts; everything sent from then until the last trial has
reached every view is counted. A second snapshot at the end measures what a page reload costs.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np
import optuna
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)

from benchmarks import report
from benchmarks.recording import Message, dashboard_class, open_views, recording

# The protocol's promises (DESIGN.md): about 1 KB per trial for 10 parameters, a per-trial cost
# that does not grow with the run, and a rate far below the server's iopub limit.
BYTES_PER_TRIAL_TARGET = 1024
GROWTH_TARGET = 1.2
IOPUB_LIMIT = 1000.0


def space10() -> dict[str, BaseDistribution]:
    return {
        "lr": FloatDistribution(1e-5, 1.0, log=True),
        "weight_decay": FloatDistribution(1e-6, 1e-1, log=True),
        "dropout": FloatDistribution(0.0, 0.7),
        "momentum": FloatDistribution(0.5, 0.999),
        "warmup": FloatDistribution(0.0, 0.3),
        "label_smoothing": FloatDistribution(0.0, 0.2),
        "depth": IntDistribution(2, 16),
        "width": IntDistribution(16, 1024, log=True),
        "optimizer": CategoricalDistribution(["adam", "sgd", "rmsprop"]),
        "activation": CategoricalDistribution(["relu", "gelu", "tanh", "silu"]),
    }


def objective10(config: dict[str, Any]) -> float:
    """Trivial and deterministic: the benchmarks measure the machinery, not the model."""
    return (np.log10(config["lr"]) + 3) ** 2 + config["dropout"] + config["depth"] / 16 + (
        0.1 if config["optimizer"] == "sgd" else 0.0)


def suggest10(trial: optuna.Trial) -> dict[str, Any]:
    """The configuration of :func:`space10`, asked of ``trial`` as an Optuna user would."""
    config: dict[str, Any] = {}
    for name, dist in space10().items():
        if isinstance(dist, CategoricalDistribution):
            config[name] = trial.suggest_categorical(name, dist.choices)
        elif isinstance(dist, IntDistribution):
            config[name] = trial.suggest_int(name, dist.low, dist.high, log=dist.log)
        else:
            assert isinstance(dist, FloatDistribution)
            config[name] = trial.suggest_float(name, dist.low, dist.high, log=dist.log)
    return config


def _rate(msgs: list[Message]) -> tuple[float, int]:
    """(mean messages per second over the span, most messages in any one-second window)."""
    if not msgs:
        return 0.0, 0
    t = np.array([m.time for m in msgs])
    # Over at least a second: a run shorter than that sent all its messages within one second.
    span = max(t[-1] - t[0], 1.0)
    # Largest count in a sliding 1 s window: for each message, how many follow within 1 s.
    peak = int(np.max(np.searchsorted(t, t + 1.0, side="left") - np.arange(len(t))))
    return len(t) / span, peak


def measure(n_trials: int, seed: int = 0) -> dict[str, Any]:
    import hcautoml_widgets as hcw

    dashboard = dashboard_class()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with recording() as rec:
        run = hcw.Run(objective10, space10(), sampler=optuna.samplers.RandomSampler(seed=seed),
                      seed=seed)
        dash = dashboard(run)
        open_views(dash)
        dash.flush()
        setup = rec.since(0)
        mark = rec.mark()
        t0 = time.perf_counter()
        run.start(n_trials=n_trials)
        run.wait()
        dash.flush(timeout=30.0)
        wall = time.perf_counter() - t0
        during = rec.since(mark)
        mark = rec.mark()
        open_views(dash)  # a page reload: every view asks for a fresh snapshot
        reload_msgs = rec.since(mark)
        dash.close()
    nbytes = sum(m.nbytes for m in during)
    mean_rate, peak = _rate(during)
    kinds: dict[str, int] = {}
    for m in during:
        key = f"{m.msg_type}:{m.method}"
        kinds[key] = kinds.get(key, 0) + 1
    return {
        "n_trials": n_trials,
        "wall_s": wall,
        "trials_per_s": n_trials / wall,
        "messages": len(during),
        "bytes": nbytes,
        "messages_per_trial": len(during) / n_trials,
        "bytes_per_trial": nbytes / n_trials,
        "largest_message": max((m.nbytes for m in during), default=0),
        "mean_rate_per_s": mean_rate,
        "peak_rate_per_s": peak,
        "message_kinds": kinds,
        "setup_messages": len(setup),
        "setup_bytes": sum(m.nbytes for m in setup),
        "reload_messages": len(reload_msgs),
        "reload_bytes": sum(m.nbytes for m in reload_msgs),
        "reload_largest_message": max((m.nbytes for m in reload_msgs), default=0),
    }


def main(quick: bool = False, log: Callable[[str], None] = print) -> dict[str, Any] | None:
    command = "python -m benchmarks traffic" + (" --quick" if quick else "")
    if dashboard_class() is None:
        log("traffic: SKIPPED - hcautoml_widgets.widgets.Dashboard is not importable")
        return None
    sizes = (100, 1000) if quick else (500, 5000)
    results = []
    for n in sizes:
        r = measure(n)
        log(f"traffic: {n} trials: {r['messages_per_trial']:.2f} msgs/trial, "
            f"{r['bytes_per_trial']:.0f} B/trial, peak {r['peak_rate_per_s']} msgs/s")
        results.append(r)
    small, big = results
    growth = report.ratio(big["bytes_per_trial"], small["bytes_per_trial"])
    peak = max(r["peak_rate_per_s"] for r in results)
    checks = [
        {"check": f"bytes per trial at {big['n_trials']} trials (10 parameters)",
         "value": big["bytes_per_trial"], "target": f"<= ~{BYTES_PER_TRIAL_TARGET}",
         "met": big["bytes_per_trial"] <= BYTES_PER_TRIAL_TARGET},
        {"check": f"bytes per trial, {big['n_trials']} / {small['n_trials']} trials",
         "value": growth, "target": f"<= {GROWTH_TARGET}",
         "met": growth is not None and growth <= GROWTH_TARGET},
        {"check": "peak messages in any one second", "value": peak,
         "target": f"far below {IOPUB_LIMIT:.0f} (<= 20%)", "met": peak <= IOPUB_LIMIT / 5},
        {"check": "largest message (bytes), reload included",
         "value": max(max(r["largest_message"], r["reload_largest_message"]) for r in results),
         "target": "< 1,000,000",
         "met": all(max(r["largest_message"], r["reload_largest_message"]) < 1_000_000
                    for r in results)},
    ]
    data = {"benchmark": "traffic", "command": command, "results": results, "checks": checks,
            "environment": report.environment()}
    out = report.publish("traffic", data, markdown(data), quick)
    log(f"traffic: wrote {out / 'traffic.md'}")
    return data


def markdown(data: dict[str, Any]) -> str:
    rows = [[r["n_trials"], f"{r['trials_per_s']:.0f}", f"{r['messages_per_trial']:.2f}",
             f"{r['bytes_per_trial']:.0f}", f"{r['mean_rate_per_s']:.1f}",
             r["peak_rate_per_s"], f"{r['largest_message']:,}",
             f"{r['reload_messages']} / {r['reload_bytes']:,}"] for r in data["results"]]
    text = [
        "# Traffic: what the dashboard sends to the browser\n\n",
        f"`{data['command']}` · full dashboard (control bar, cost curve, space editor, trial "
        "table) on a recording comm, views opened before the run · 10 parameters, random "
        "sampler, trivial objective (trials as fast as they come: the worst case for the rate) "
        "· bytes = JSON content + binary buffers of each comm message.\n\n",
        report.markdown_table(
            ["trials", "trials/s", "messages/trial", "bytes/trial", "mean msgs/s",
             "peak msgs in 1 s", "largest message (B)", "reload: messages / bytes"], rows),
        "\n",
        report.markdown_table(
            ["check", "figure", "target", "verdict"],
            [[c["check"], report.fmt(c["value"], 3), c["target"], report.verdict(c["met"])]
             for c in data["checks"]]),
    ]
    return "".join(text)
