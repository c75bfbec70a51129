"""The prior study's judging: bootstrap intervals of a ratio of medians, and the checks' use of
them (the runs themselves are the benchmark's, not the suite's)."""

from __future__ import annotations

import numpy as np

from benchmarks import report
from benchmarks.priors import _checks


def test_interval_brackets_the_ratio_and_narrows_with_agreeing_runs() -> None:
    rng = np.random.default_rng(1)
    a = list(rng.integers(10, 30, 20))
    b = list(rng.integers(40, 90, 20))
    lo, hi = report.ratio_interval(a, b)
    assert lo < float(np.median(a)) / float(np.median(b)) < hi
    # Runs that all agree leave the median nothing to move: the interval is the point.
    assert report.ratio_interval([12] * 20, [36] * 20) == (1 / 3, 1 / 3)
    # A bimodal arm (found the basin early or never) is what makes 20 seeds uncertain.
    wide = report.ratio_interval([5] * 10 + [101] * 10, [36] * 20)
    assert wide is not None and wide[1] / wide[0] > 5


def test_interval_is_none_without_runs() -> None:
    assert report.ratio_interval([], [1, 2]) is None
    assert report.fmt_interval(None) == "–"
    assert report.fmt_interval((0.191, 0.6)) == "[0.19, 0.6]"


def _arm(ttt: list[int]) -> dict[str, object]:
    return {"runs": len(ttt), "per_seed_trials_to_target": ttt,
            "trials_to_target": report.quartiles(ttt),
            "optimiser_ms_per_trial": report.quartiles([1.0] * len(ttt))}


def test_checks_give_ratios_of_methods_an_interval() -> None:
    per_arm = {"tpe": _arm([30, 40, 50] * 4), "steered_good": _arm([10, 12, 14] * 4),
               "steered_good_high": _arm([8] * 12), "steered_good_low": _arm([16] * 12)}
    checks = {c["check"]: c for c in _checks(per_arm, 30)}
    good = checks["good prior: median trials to target / plain TPE's"]
    assert good["met"] and good["interval"][0] <= good["value"] <= good["interval"][1]
    assert checks["good prior: high confidence / low confidence median trials to target"][
        "interval"] == [0.5, 0.5]
    # An arm that did not run has neither a figure nor an interval.
    rough = checks["roughly right prior: median trials to target / plain TPE's"]
    assert rough["value"] is None and rough["interval"] is None
