"""How much CPU TPE's own model spends, so that the rest (ours) can be compared without noise.

On a shared 2-vCPU machine the *same* 1,000-trial TPE run takes 20 s one minute and 28 s the
next, and a pure-Python loop varies by 15 % from second to second: the host, not us. A 5 % target
cannot be read off such wall times, nor off the process's CPU time, which the host's contention
inflates alike.

But with the same seed the three modes run the *identical* TPE computation (an unsteered run
samples exactly what plain TPE samples, tests/core/test_tpe_hooks.py checks it): the same Parzen
estimators over the same trials, the same candidates. Only what surrounds it differs. So each run
measures two parts of its process CPU: the time inside TPE's own relative sampling (excluding the
code our hooks add inside it), and everything else (Optuna's trial machinery, the objective, and
in hcw's modes the run, the feed, the views and their threads). The identical part is replaced by
its median over every run of every mode, and the ratio is taken on what is left:

    ratio = (tpe_ref + rest_mode) / (tpe_ref + rest_bare)

Host noise then only touches the small "rest" terms. The raw wall and CPU ratios are reported
beside it, with TPE's own CPU per mode, so a reader can see whether some mode slowed TPE itself
(for instance through cache pressure), which this estimate would otherwise hide.
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from optuna.samplers import TPESampler
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator

from hcautoml_widgets.core import tpe_hooks


class TpeClock:
    """Thread CPU seconds spent in TPE's relative sampling, and in our hooks inside it."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {"tpe": 0.0, "acquisition": 0.0, "log_pdf": 0.0,
                                          "augment": 0.0}
        self._lock = threading.Lock()
        self._inside = threading.local()  # .depth: inside TPE's relative sampling on a thread

    @property
    def tpe_own(self) -> float:
        """TPE's own work: its relative sampling, less the hook code (the acquisition hook
        minus the log densities it asks TPE for, and the candidate augmentation)."""
        s = self.seconds
        hooks = max(0.0, s["acquisition"] - s["log_pdf"]) + s["augment"]
        return s["tpe"] - hooks

    def _timed(self, key: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        outer = key == "tpe"

        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            # The hook timers count only inside TPE's relative sampling, the window they are
            # subtracted from (TPE's independent sampling calls them too).
            if not outer and not getattr(self._inside, "depth", 0):
                return fn(*args, **kwargs)
            if outer:
                self._inside.depth = getattr(self._inside, "depth", 0) + 1
            t0 = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                dt = time.thread_time() - t0
                if outer:
                    self._inside.depth -= 1
                with self._lock:
                    self.seconds[key] += dt

        return wrapper


@contextmanager
def tpe_clock() -> Iterator[TpeClock]:
    """Time TPE's relative sampling on every thread while inside. Samplers must be created
    inside: the acquisition hook is bound when a sampler is steered."""
    clock = TpeClock()
    saved: list[tuple[Any, str, Callable[..., Any]]] = [
             (TPESampler, "sample_relative", TPESampler.sample_relative),
             (_ParzenEstimator, "log_pdf", _ParzenEstimator.log_pdf),
             (tpe_hooks, "_acquisition", tpe_hooks._acquisition),
             (tpe_hooks, "_augment", tpe_hooks._augment)]
    keys = ["tpe", "log_pdf", "acquisition", "augment"]
    for (owner, name, fn), key in zip(saved, keys, strict=True):
        setattr(owner, name, clock._timed(key, fn))
    try:
        yield clock
    finally:
        for owner, name, fn in saved:
            setattr(owner, name, fn)


def controlled_ratio(tpe_ref: float, rest_mode: float, rest_bare: float) -> float:
    """The mode's CPU over bare's, with TPE's identical work set to the same ``tpe_ref``."""
    return (tpe_ref + rest_mode) / (tpe_ref + rest_bare)
