from __future__ import annotations

import pytest

from hcautoml_widgets import insights
from hcautoml_widgets.insights import parallel
from tests.insights.known_runs import finished


@pytest.fixture(scope="module")
def run():  # type: ignore[no-untyped-def]
    return finished(lambda c: c["x0"], n=40)


def test_axes_follow_the_space_and_the_steering(run) -> None:  # type: ignore[no-untyped-def]
    run.steering.narrow("x1", 0.2, 0.4)
    run.steering.prior("lr", 0.01, "high")
    ax = {a["name"]: a for a in parallel.axes(run)}
    assert ax["lr"]["log"] and ax["lr"]["prior"] == 0.01
    assert ax["x1"]["range"] == [0.2, 0.4] and ax["x0"]["range"] == [0.0, 1.0]
    assert ax["loss"]["kind"] == "categorical" and ax["loss"]["choices"] == ["a", "b", "c"]
    frame = parallel.frame(run)
    assert len(frame) == 40 and {"number", "state", "value", "review", "depth"} <= set(frame)
    run.steering.undo()
    run.steering.undo()


def test_brushes_select_trials(run) -> None:  # type: ignore[no-untyped-def]
    picked = insights.selected(run, {"x0": (0.0, 0.5), "loss": ["a"]})
    expect = [r["number"] for r in run.records()
              if r["params"]["x0"] <= 0.5 and r["params"]["loss"] == "a"]
    assert picked == expect and picked


def test_brush_edits_are_what_steering_takes(run) -> None:  # type: ignore[no-untyped-def]
    assert insights.edit_for_brush(run, "depth", (3.2, 7.9)) == (
        "narrow", {"name": "depth", "low": 4, "high": 7})
    assert insights.edit_for_brush(run, "depth", (3.2, 3.7)) == (
        "narrow", {"name": "depth", "low": 3, "high": 3})
    assert insights.edit_for_brush(run, "loss", ["c", "a"]) == (
        "allow", {"name": "loss", "choices": ["a", "c"]})
    op, args = insights.edit_for_brush(run, "lr", (1e-3, 1e-1), "prior")
    assert op == "prior" and args["value"] == pytest.approx(1e-2)
    op, args = insights.edit_for_brush(run, "x2", (0.25, 0.5))
    getattr(run.steering, op)(**args)
    assert run.steering.state.ranges["x2"] == (0.25, 0.5)
    run.steering.undo()
    with pytest.raises(ValueError, match="holds no choice"):
        insights.edit_for_brush(run, "loss", ["zzz"])
    with pytest.raises(ValueError, match="brush action"):
        insights.edit_for_brush(run, "x0", (0, 1), "pin")
