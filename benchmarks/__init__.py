"""Benchmarks of hcautoml-widgets: ``python -m benchmarks`` (see README.md here)."""

from __future__ import annotations

import os


def one_thread_per_process() -> None:
    """One thread per process for BLAS/OpenMP, so that runs side by side in a worker pool do not
    fight over the cores (gradient boosting's OpenMP took both cores in each of two workers) and
    every method is timed under the same conditions. Call before numpy is imported where you
    can, and before the pool starts in any case: OpenMP reads it when a worker first uses it."""
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(var, "1")
