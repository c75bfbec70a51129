"""Objectives the worker processes of the distributed tests import (``fleet_objectives:NAME``).

Each call appends ``<pid> <time> <x>`` to ``$HCW_FLEET_LOG/<pid>.log`` when that variable is set,
so a test can tell when every objective was entered, by which process.
"""

from __future__ import annotations

import os
import time
from typing import Any

SPACE = {"x": (0.0, 10.0), "y": (-5.0, 5.0)}


def _log(config: dict[str, Any]) -> None:
    folder = os.environ.get("HCW_FLEET_LOG")
    if folder:
        with open(os.path.join(folder, f"{os.getpid()}.log"), "a") as fh:
            fh.write(f"{os.getpid()} {time.time():.6f} {config['x']!r}\n")


def quadratic(config: dict[str, Any]) -> float:
    """About 0.15 s of 'training', so several workers overlap."""
    _log(config)
    time.sleep(float(os.environ.get("HCW_FLEET_SLEEP", "0.15")))
    return (config["x"] - 3.0) ** 2 + (config["y"] - 1.0) ** 2
