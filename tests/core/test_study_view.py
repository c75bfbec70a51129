from __future__ import annotations

import weakref

import optuna

from hcautoml_widgets.core.study_view import ReviewedStudy, past_startup


def _study(n: int) -> optuna.Study:
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    study.optimize(lambda t: t.suggest_float("x", 0.0, 1.0), n_trials=n)
    return study


def test_the_view_hides_rejected_trials_and_passes_the_rest_through() -> None:
    study = _study(5)
    view = ReviewedStudy(study, frozenset({1, 3}))
    assert [t.number for t in view.trials] == [0, 2, 4]
    assert [t.number for t in view.get_trials(deepcopy=False)] == [0, 2, 4]
    assert [t.number for t in view._get_trials(deepcopy=False, use_cache=True)] == [0, 2, 4]
    assert view.direction == study.direction
    assert view._study_id == study._study_id


def test_past_startup_matches_only_the_study_it_was_recorded_for() -> None:
    study, other = _study(1), _study(1)
    known = (weakref.ref(study._storage), study._study_id)
    assert past_startup(known, study)
    assert not past_startup(known, other)
    assert not past_startup(None, study)
    # A view can fall back below the start-up when trials are rejected: never believed.
    assert not past_startup(known, ReviewedStudy(study, frozenset({0})))  # type: ignore[arg-type]
