"""run.preview: the next suggestions under an edit, on copies that leave the run as it was."""

from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any

import numpy as np
import optuna
import pytest

import hcautoml_widgets as hcw
from hcautoml_widgets.core.preview import preview, preview_points
from tests.svm_toy import objective, space

optuna.logging.set_verbosity(optuna.logging.WARNING)


def ran(n: int, seed: int = 0) -> hcw.Run:
    run = hcw.Run(objective, space(), seed=seed)
    run.step(n)
    run.wait()
    return run


def rng_states(obj: Any, seen: set[int] | None = None, depth: int = 0) -> list[bytes]:
    """Every numpy random state reachable from ``obj``'s attributes, pickled."""
    seen = set() if seen is None else seen
    if id(obj) in seen or depth > 4:
        return []
    seen.add(id(obj))
    if isinstance(obj, np.random.RandomState):
        return [pickle.dumps(obj.get_state())]
    out: list[bytes] = []
    for value in getattr(obj, "__dict__", {}).values():
        if type(value).__module__.split(".")[0] in ("optuna", "hcautoml_widgets", "numpy"):
            out += rng_states(value, seen, depth + 1)
    return out


def fingerprint(run: hcw.Run) -> dict[str, Any]:
    return {
        "rng": rng_states(run.sampler),
        "trials": pickle.dumps(run.study.get_trials(deepcopy=False)),
        "log": run.steering.to_json(),
        "state": run.steering.state_dict(),
        "records": pickle.dumps(run.records()),
        "attrs": pickle.dumps(run.study._storage.get_study_system_attrs(run.study._study_id)),
    }


def test_the_first_suggestion_is_what_the_run_does_next() -> None:
    run = ran(15)
    got = run.preview("narrow", n=3, name="C", low=1.0, high=10.0)  # the public method
    assert len(got) == 3 and all(1.0 <= cfg["C"] <= 10.0 for cfg in got)
    run.steering.narrow("C", 1.0, 10.0)
    run.step(1)
    run.wait()
    assert run.record(15)["params"] == got[0]


def test_a_run_stored_in_a_database_previews_what_it_does_next(tmp_path: Path) -> None:
    # SQLite numbers its first study 1, a fresh in-memory storage 0: the copy of TPE's cached
    # search space, which remembers the study's id, refused the preview's study.
    run = hcw.Run(objective, space(), seed=0, storage=f"sqlite:///{tmp_path / 'run.db'}",
                  study_name="stored")
    run.step(15)
    run.wait()
    assert run.study._study_id != 0
    got = run.preview("narrow", n=3, name="C", low=1.0, high=10.0)
    assert len(got) == 3 and all(1.0 <= cfg["C"] <= 10.0 for cfg in got)
    run.steering.narrow("C", 1.0, 10.0)
    run.step(1)
    run.wait()
    assert run.record(15)["params"] == got[0]


def test_preview_leaves_log_study_trials_and_random_states_byte_identical() -> None:
    run = ran(14)
    run.steering.enqueue({"gamma": 0.5, "C": 2.0, "kernel": "rbf"})
    before = fingerprint(run)
    assert len(before["rng"]) >= 3  # ours, TPE's and its start-up sampler's
    got = preview(run, "prior", n=4, name="gamma", value=0.3, confidence="high")
    assert got[0] == {"gamma": 0.5, "C": 2.0, "kernel": "rbf"}  # the pending enqueue runs first
    preview(run, "reject", n=2, trial=3)
    preview(run, "undo")
    with pytest.raises(ValueError):
        preview(run, "narrow", name="C", low=500.0, high=600.0)
    assert fingerprint(run) == before
    run.step(1)
    run.wait()
    assert run.record(14)["origin"] == "enqueued"  # the copy did not consume the enqueue


def test_invalid_edits_raise_what_steering_would_and_change_nothing() -> None:
    run = ran(3)
    with pytest.raises(ValueError) as direct:
        run.steering.narrow("C", 500.0, 600.0)
    with pytest.raises(ValueError) as previewed:
        preview(run, "narrow", name="C", low=500.0, high=600.0)
    assert str(previewed.value) == str(direct.value)
    with pytest.raises(ValueError, match="unknown steering operation"):
        preview(run, "drop", name="C")
    with pytest.raises(ValueError, match="bad arguments for narrow"):
        preview(run, "narrow", name="C", lo=1.0)
    with pytest.raises(ValueError, match="n must be"):
        preview(run, "unpin", n=0, name="C")
    assert run.steering.log == [] and len(run.study.trials) == 3


def test_preview_points_are_small_json_for_ghost_markers() -> None:
    run = ran(12)
    got = preview_points(run, "pin", n=3, name="kernel", value="linear")
    assert got["names"] == ["C", "gamma", "kernel"]
    assert [p[2] for p in got["points"]] == ["linear"] * 3
    assert got["origins"] == ["model"] * 3
    assert all(type(v) in (float, str) for p in got["points"] for v in p)


def test_preview_while_the_run_is_running_leaves_it_alone() -> None:
    run = hcw.Run(objective, space(), seed=0)
    run.start(n_trials=40)
    got = [preview(run, "narrow", n=2, name="C", low=1.0, high=10.0) for _ in range(3)]
    run.wait()
    assert all(len(g) == 2 and all(1.0 <= c["C"] <= 10.0 for c in g) for g in got)
    assert run.steering.log == [] and len(run.study.trials) == 40
    assert [r["number"] for r in run.records()] == list(range(40))
