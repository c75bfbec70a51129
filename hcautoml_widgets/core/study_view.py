"""What the base sampler is shown of a study: the study without the trials the person rejected.

A rejected trial stays in the storage (the record of what ran is never rewritten) but must not
inform the model until it is unreviewed, so the base sampler gets this view instead of the
study. Kept apart from the sampler because it is Optuna plumbing, not a steering decision.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from typing import Any

from optuna.study import Study
from optuna.trial import FrozenTrial, TrialState


class ReviewedStudy:
    """A view of a study without the rejected trials, handed to the base sampler."""

    def __init__(self, study: Study, hidden: frozenset[int]) -> None:
        self._study = study
        self._hidden = hidden

    def __getattr__(self, name: str) -> Any:
        return getattr(self._study, name)

    def _get_trials(self, deepcopy: bool = True, states: Sequence[TrialState] | None = None,
                    use_cache: bool = False) -> list[FrozenTrial]:
        trials = self._study._get_trials(deepcopy=deepcopy, states=states, use_cache=use_cache)
        return [t for t in trials if t.number not in self._hidden]

    def get_trials(self, deepcopy: bool = True,
                   states: Sequence[TrialState] | None = None) -> list[FrozenTrial]:
        return self._get_trials(deepcopy=deepcopy, states=states)

    @property
    def trials(self) -> list[FrozenTrial]:
        return self.get_trials()


def past_startup(known: tuple[weakref.ref[Any], int] | None, study: Study) -> bool:
    """Whether ``known`` says that this very study is past TPE's start-up. Never for a view
    that hides rejected trials: it can fall back below. The storage is held by a weak
    reference, so a dead study's storage id reused by a new one cannot match."""
    if known is None or isinstance(study, ReviewedStudy):
        return False
    return known[0]() is study._storage and known[1] == study._study_id
