"""A worker process for the heavy insights, so they never compete with the optimiser for the GIL.

The refresher's thread only waits here: the summary (PED-ANOVA refits, a random forest, partial
dependence) and fANOVA are computed in a separate process, one per kind of job, started on first
use (spawned: forking a kernel that runs threads is unsafe), shared by every view of the kernel,
given a lower CPU priority, and shut down with the interpreter. Where processes cannot be started,
or when ``HCW_INSIGHTS_PROCESS=0``, the job runs in the calling thread instead.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import logging
import multiprocessing
import os
import pickle
import threading
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

_log = logging.getLogger(__name__)
T = TypeVar("T")

_lock = threading.Lock()
_pools: dict[str, cf.ProcessPoolExecutor] = {}
_disabled = os.environ.get("HCW_INSIGHTS_PROCESS", "1") == "0"


def _init_worker() -> None:
    with contextlib.suppress(OSError, AttributeError):
        os.nice(10)
    # A pool worker blocked on its job queue does not notice that its parent died (it holds
    # both ends of the queue's pipe itself): a killed kernel or script left it behind for good.
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_with, args=(parent,), name="hcw-parent-watch",
                         daemon=True).start()


def _exit_with(parent: Any) -> None:
    parent.join()  # returns when the parent's sentinel closes, i.e. when it has ended
    os._exit(0)


def _pool(kind: str) -> cf.ProcessPoolExecutor:
    with _lock:
        pool = _pools.get(kind)
        if pool is None:
            pool = _pools[kind] = cf.ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker)
        return pool


def call(kind: str, fn: Callable[..., T], *args: Any) -> T:
    """``fn(*args)`` in the worker process for ``kind`` (``fn`` must be importable by name);
    exceptions raised by ``fn`` come back as they are."""
    global _disabled
    if not _disabled:
        try:
            return _pool(kind).submit(fn, *args).result()
        except (BrokenProcessPool, OSError, pickle.PicklingError) as exc:
            # No worker process here (a sandbox, a dead worker): compute in this thread from now
            # on, which is slower for the optimiser but still off its thread.
            _log.warning("insights: no worker process (%s); computing in a thread", exc)
            with _lock:
                _disabled = True
                bad = _pools.pop(kind, None)
            if bad is not None:
                bad.shutdown(wait=False, cancel_futures=True)
    return fn(*args)
