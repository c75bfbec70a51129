"""Which beliefs have had their centres run: the steered sampler runs the priors' centres once
per belief (``prior_mode_first``), across restarts and workers sharing a study.

Kept apart from the sampler because it is bookkeeping over the study's history, with its own
lock and its own notion of equality, not a sampling decision.
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Mapping
from typing import Any

from optuna.study import Study
from optuna.trial import TrialState

from hcautoml_widgets.core.attrs import ran_centre_from, version_from


def same_value(a: Any, b: Any) -> bool:
    """Equality of a stored parameter value and a prior's centre: numbers within float noise
    (a centre stored and read back may differ in the last bit), anything else exactly."""
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
    return bool(a == b)


class CentreClaims:
    """The beliefs, per study, whose centres have run or are being run by this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # storage (held weakly) -> (study id, steering version of the newest prior) claimed.
        self._claimed: weakref.WeakKeyDictionary[Any, set[tuple[int, int]]] = (
            weakref.WeakKeyDictionary())

    def __deepcopy__(self, memo: dict[int, Any]) -> CentreClaims:
        # A preview copies the sampler: the copy gets its own lock and the claims made so far.
        clone = CentreClaims()
        with self._lock:
            for storage, claimed in self._claimed.items():
                clone._claimed[storage] = set(claimed)
        return clone

    def claim(self, study: Study, since: int, centres: Mapping[str, Any]) -> bool:
        """Whether the priors stated at version ``since`` (and before) have yet to have their
        ``centres`` run in ``study``; if so they count as run from now on. The study's trials
        are read once per belief and process, so that a restarted process or another worker
        that already ran them is believed. A trial that already has every centre counts too:
        a belief made from a trial ("use as prior") must not run that trial again."""
        key = (study._study_id, since)
        with self._lock:
            done = self._claimed.setdefault(study._storage, set())
            if key in done:
                return False
            done.add(key)
        for t in study._get_trials(deepcopy=False, use_cache=True):
            if ran_centre_from(t.system_attrs) and version_from(t.system_attrs) >= since:
                return False
            if t.state != TrialState.FAIL and all(
                    name in t.params and same_value(t.params[name], value)
                    for name, value in centres.items()):
                return False
        return True
