"""The timeline's effect columns against a case worked out by hand."""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution

from hcautoml_widgets.core.effects import describe, effects
from hcautoml_widgets.core.events import SteeringEvent
from hcautoml_widgets.core.space import SearchSpace

SPACE = SearchSpace.from_any({"x": FloatDistribution(0.0, 10.0),
                              "c": CategoricalDistribution(["a", "b"])})


def ev(seq: int, what: str, **payload: Any) -> SteeringEvent:
    return SteeringEvent(seq, 1000.0 + seq, "code", what, MappingProxyType(payload))


def row(n: int, version: int, x: float, value: float | None, state: str = "complete",
        review: str | None = None) -> dict[str, Any]:
    return {"number": n, "version": version, "params": {"x": x, "c": "a"}, "value": value,
            "state": state, "review": review}


EVENTS = [ev(1, "narrow", name="x", low=0.0, high=2.0), ev(2, "reject", trial=4),
          ev(3, "prior", name="x", value=1.0, confidence="high"),
          ev(4, "narrow", name="x", low=0.0, high=1.2)]
ROWS = [row(0, 0, 1.0, 5.0), row(1, 0, 8.0, 4.0), row(2, 0, 9.0, 6.0),
        row(3, 1, 1.5, 4.5), row(4, 1, 0.5, 3.0, review="rejected"), row(5, 1, 3.0, 3.5),
        row(6, 3, 1.1, 3.2), row(7, 3, 5.0, None, state="failed")]


def test_effect_columns_match_the_hand_computed_case() -> None:
    got = effects(EVENTS, ROWS, "minimize", SPACE, k=2)
    narrow, reject, prior, last = got
    # narrow: first run at trial 3; best before 4.0; the next two trials (3 and the rejected 4)
    # do not beat it; trial 5 (the third after it) does; 3 of the 5 trials under it are inside
    # [0, 2] against 1 of the 3 before.
    assert (narrow["trial"], narrow["best_before"], narrow["best_after"]) == (3, 4.0, 4.0)
    assert (narrow["n_after"], narrow["trials_to_improvement"]) == (2, 3)
    assert narrow["share_inside"] == pytest.approx(3 / 5)
    assert narrow["share_before"] == pytest.approx(1 / 3)
    # reject (version 2): no trial started at version 2, so it took effect at trial 6.
    assert (reject["trial"], reject["best_before"], reject["best_after"]) == (6, 3.5, 3.2)
    assert reject["trials_to_improvement"] == 1 and reject["share_inside"] is None
    # prior x ~ 1 (high: within one sd, 0.04 of the unit range = 0.4, as the prior's health line
    # counts): 1 of 2 after, 1 of 6 before (1.5 and 0.5 lie outside).
    assert prior["share_inside"] == pytest.approx(0.5)
    assert prior["share_before"] == pytest.approx(1 / 6)
    # The last edit has no trial yet.
    assert last["trial"] is None and last["best_after"] is None and last["n_after"] == 0
    assert last["trials_to_improvement"] is None and last["share_inside"] is None
    assert last["best_before"] == 3.2 and last["share_before"] == pytest.approx(3 / 8)


def test_maximize_flips_best_and_improvement() -> None:
    got = effects(EVENTS[:1], ROWS, "maximize", SPACE, k=3)[0]
    assert got["best_before"] == 6.0 and got["best_after"] == 6.0
    assert got["trials_to_improvement"] is None


def test_an_undo_ends_the_region_it_took_back() -> None:
    events = [ev(1, "pin", name="c", value="b"), ev(2, "undo", target=1, kind="pin")]
    rows = [{**row(0, 1, 1.0, 1.0), "params": {"x": 1.0, "c": "b"}}, row(1, 2, 1.0, 1.0)]
    pin = effects(events, rows, "minimize", SPACE)[0]
    assert pin["share_inside"] == 1.0  # trial 1 ran after the undo and does not count


def test_descriptions_and_bad_k() -> None:
    assert describe(EVENTS[0]) == "narrowed x to [0, 2]"
    assert describe(EVENTS[2]) == "stated a high-confidence prior x ≈ 1"
    assert describe(ev(5, "enqueue", config={"x": 0.25, "c": "b"})) == "enqueued x=0.25, c=b"
    with pytest.raises(ValueError, match="k must be"):
        effects(EVENTS, ROWS, "minimize", SPACE, k=0)
