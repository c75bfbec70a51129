from __future__ import annotations

import numpy as np
import pytest

from hcautoml_widgets import insights
from tests.insights.known_runs import finished, noisy, space


def test_minimum_of_a_parabola_is_found() -> None:
    run = finished(noisy(lambda c: (c["x0"] - 0.3) ** 2, 0.01), n=200)
    frame = insights.partial_dependence(run, "x0")
    assert list(frame.columns) == ["value", "mean", "std"]
    assert abs(frame.loc[frame["mean"].idxmin(), "value"] - 0.3) <= 0.05
    assert (frame["std"] >= 0).all() and frame["std"].max() > 0
    # Flat where nothing depends on the parameter: its range of means is a fraction of x0's.
    flat = insights.partial_dependence(run, "x2")
    assert np.ptp(flat["mean"]) < 0.25 * np.ptp(frame["mean"])


def test_log_integer_and_categorical_grids() -> None:
    run = finished(lambda c: abs(np.log10(c["lr"]) + 2) + (c["loss"] == "b"), n=150)
    lr = insights.partial_dependence(run, "lr")
    ratios = lr["value"].iloc[1:].to_numpy() / lr["value"].iloc[:-1].to_numpy()
    assert np.allclose(ratios, ratios[0])  # evenly spaced on the log scale
    assert 10 ** -2.6 <= lr.loc[lr["mean"].idxmin(), "value"] <= 10 ** -1.4
    depth = insights.partial_dependence(run, "depth")
    assert list(depth["value"]) == list(range(2, 17))
    loss = insights.partial_dependence(run, "loss").set_index("value")
    assert list(loss.index) == ["a", "b", "c"]
    assert loss.loc["b", "mean"] > loss.loc["a", "mean"] + 0.5


def test_interacting_pair_shows_up() -> None:
    cs = space(n_floats=4, extras=False)
    run = finished(noisy(lambda c: 4 * (c["x1"] - 0.5) * (c["x3"] - 0.5) + 0.1 * c["x0"], 0.01),
                   n=250, cs=cs)
    assert set(insights.top_pair(run)) == {"x1", "x3"}
    grid = insights.partial_dependence(run, ("x1", "x3"))
    assert list(grid.columns) == ["x1", "x3", "mean", "std"]
    assert len(grid) == 12 * 12
    # The saddle: high where both are high or both low, low on the other diagonal.
    corner = grid.set_index(["x1", "x3"])["mean"]
    assert corner[(1.0, 1.0)] > corner[(1.0, 0.0)] and corner[(0.0, 0.0)] > corner[(0.0, 1.0)]


def test_bad_input_says_what_and_why() -> None:
    run = finished(lambda c: c["x0"], n=30)
    with pytest.raises(ValueError, match="not in the search space"):
        insights.partial_dependence(run, "nope")
    with pytest.raises(ValueError, match="two different parameters"):
        insights.partial_dependence(run, ("x0", "x0"))
    few = finished(lambda c: c["x0"], n=4)
    with pytest.raises(ValueError, match="partial dependence needs at least 10 completed"):
        insights.partial_dependence(few, "x0")
