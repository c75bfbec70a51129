"""CostCurve on bqplot: chunked marks, greyed rejections, failures, steering flags, log scale."""

from __future__ import annotations

from typing import Any

import bqplot as bq
import numpy as np

import hcautoml_widgets as hcw
from hcautoml_widgets.insights.labels import label
from hcautoml_widgets.insights.progress import best_so_far
from hcautoml_widgets.widgets._chunks import ChunkedSeries, segments
from hcautoml_widgets.widgets.cost_curve import (
    REJECTED,
    event_label,
    linear_format,
    log_ticks,
    nice_ceiling,
)
from hcautoml_widgets.widgets.timeline import TimelineStrip
from tests.widgets.helpers import finish, make_run
from tests.widgets.recording import Recorder


def all_points(curve: hcw.CostCurve) -> dict[int, tuple[float, int]]:
    out = {}
    for mark in curve.points.marks:
        for x, y, c in zip(mark.x, mark.y, mark.color, strict=True):
            out[int(x)] = (float(y), int(c))
    return out


def test_segments_partition_the_points() -> None:
    for n in (0, 1, 7, 8, 63, 64, 65, 511, 512, 1000, 5000):
        spans = sorted(segments(n, (8, 64, 512)).values())
        covered = [i for lo, hi in spans for i in range(lo, hi)]
        assert covered == list(range(n))


def test_chunked_series_resends_only_what_changed() -> None:
    made: list[Any] = []

    def factory(d: dict[str, Any]) -> bq.Scatter:
        made.append(bq.Scatter(**d))
        return made[-1]

    s = ChunkedSeries([("x", "float32"), ("y", "float32")], factory, lambda m: None,
                      levels=(4, 16, 64))
    for i in range(200):
        s.append((i, i * 2.0), key=i)
        s.flush()
    assert len(s.marks) == 2 + 3  # two lower levels and the blocks under 192 = 200 // 16 * 16
    assert sum(len(m.x) for m in s.marks) == 200
    block0 = s.marks[2]
    sent: list[str] = []
    for m in s.marks:
        m.observe(lambda ch, m=m: sent.append(m.model_id), names=["y"])
    s.update(5, (5, -1.0))
    s.flush()
    assert sent == [block0.model_id] and float(block0.y[5]) == -1.0


def test_curve_draws_trials_rejections_and_flags(recorder: Recorder) -> None:
    run = make_run()
    curve = hcw.CostCurve(run)
    finish(run, 40, curve)
    pts = all_points(curve)
    assert sorted(pts) == list(range(40))
    assert {c for _, c in pts.values()} <= {0, 1}  # startup / model
    best_before = [float(y) for m in curve.best.marks for y in m.y]
    best_trial = run.best_trial_number
    assert best_trial is not None
    run.steering.reject(best_trial)
    assert curve.flush()
    pts = all_points(curve)
    assert pts[best_trial][1] == REJECTED
    best_after = [float(y) for m in curve.best.marks for y in m.y]
    assert min(best_after) > min(best_before)  # the rejected trial is no longer the best
    flags = [str(n) for m in curve.flags.marks for n in m.names]
    assert any("rejected trial" in f for f in flags)
    # The best line's flat end reaches the newest trial and stops there.
    assert list(curve.best_tail.x)[-1] == 39
    curve.log_toggle.value = True
    assert isinstance(curve.points.marks[0].scales["y"], bq.LogScale)
    curve.close()


def test_failed_trials_are_marked(recorder: Recorder) -> None:
    calls = {"n": 0}

    def flaky(config: dict[str, Any]) -> float:
        calls["n"] += 1
        if calls["n"] % 3 == 0:
            raise ValueError("bad config")
        return 1.0

    run = hcw.Run(flaky, make_run().space.to_configspace(), seed=0)
    curve = hcw.CostCurve(run)
    finish(run, 9, curve)
    xs = np.concatenate([np.asarray(m.x) for m in curve.failed.marks])
    assert sorted(int(x) for x in xs) == [2, 5, 8]
    curve.close()


def test_curve_created_mid_run_shows_history(recorder: Recorder) -> None:
    run = make_run()
    finish(run, 30)
    run.steering.narrow("depth", 3, 9)
    curve = hcw.CostCurve(run)
    assert len(all_points(curve)) == 30
    assert next(str(n) for m in curve.flags.marks for n in m.names).startswith("#1 narrowed depth")
    curve.close()


def test_scales_change_in_steps_not_per_trial(recorder: Recorder) -> None:
    """A domain change redraws every point in the browser: it must be rare."""
    run = make_run()
    curve = hcw.CostCurve(run)
    changes: list[Any] = []
    curve._sx.observe(lambda ch: changes.append(ch["new"]), names=["max"])
    finish(run, 150, curve)
    assert curve._sx.max == 150 and len(changes) <= 13  # 10, 12.5, 15, 20, ... 125, 150
    assert nice_ceiling(1) == 10 and nice_ceiling(101) == 125 and nice_ceiling(5000) == 5000
    curve.close()


def test_a_rejection_resends_one_point_mark(recorder: Recorder) -> None:
    run = make_run()
    curve = hcw.CostCurve(run)
    finish(run, 150, curve)
    point_marks = {m.model_id for m in curve.points.marks}
    mark = recorder.mark()
    run.steering.reject(3)  # trial 3 lives in the first frozen block
    assert curve.flush()
    updated = {s.comm_id for s in recorder.since(mark)
               if s.msg_type == "comm_msg" and s.data.get("method") == "update"}
    assert len(updated & point_marks) == 1
    curve.close()


def test_log_toggle_gives_the_axis_the_new_scale_and_back(recorder: Recorder) -> None:
    run = make_run()
    curve = hcw.CostCurve(run)
    finish(run, 20, curve)
    first_axis = curve.figure.axes[1]
    curve.log_toggle.value = True
    ax = curve.figure.axes[1]
    assert ax is not first_axis and isinstance(ax.scale, bq.LogScale)
    assert all(m.scales["y"] is ax.scale for m in curve.points.marks)
    assert curve.tick_scale() == "log" and ax.scale.min > 0
    assert list(ax.tick_values) == log_ticks(ax.scale.min, ax.scale.max)
    assert log_ticks(0.015, 0.7) == [0.02, 0.05, 0.1, 0.2, 0.5]
    assert log_ticks(0.5, 0.9) == [0.5, 0.6, 0.7, 0.8, 0.9]
    assert log_ticks(1e-3, 1e3) == [1e-3, 1e-2, 0.1, 1, 10, 100, 1e3]
    curve.log_toggle.value = False
    ax = curve.figure.axes[1]
    assert isinstance(ax.scale, bq.LinearScale) and curve.tick_scale() == "linear"
    assert all(m.scales["y"] is ax.scale for m in curve.points.marks)
    # one format per axis, with the decimals the domain needs
    assert ax.tick_format == linear_format(ax.scale.min, ax.scale.max)
    assert linear_format(0.0235, 0.0421) == ",.3f" and linear_format(0, 35) == ",.0f"
    assert linear_format(1e-7, 3e-7) == ".2e"
    curve.close()


def test_edits_between_two_trials_share_one_flag_with_a_count(recorder: Recorder) -> None:
    run = make_run()
    curve = hcw.CostCurve(run)
    finish(run, 10, curve)
    run.steering.narrow("depth", 3, 9)
    run.steering.pin("loss", "log_loss")
    run.steering.prior("lr", 0.01, confidence="high")
    assert curve.flush()
    flags = [str(n) for m in curve.flags.marks for n in m.names]
    assert len(flags) == 1 and flags[0].startswith("3 edits")
    assert list(curve.counts.text) == ["×3"]
    mark = next(m for m in curve.flags.marks if len(m.x))
    curve._on_flag_hover(mark, {"event": "hover", "point": {"x": float(mark.x[0]), "index": 0}})
    tip = curve._flag_tip.value
    assert "3 steering edits" in tip and "narrowed depth" in tip and "prior lr" in tip
    assert curve.history_toggle.description == "history (3)"
    curve.history_toggle.value = True
    assert curve.history.value.index("prior lr") < curve.history.value.index("narrowed depth")
    finish(run, 2, curve)
    run.steering.unpin("loss")
    assert curve.flush()
    assert len([n for m in curve.flags.marks for n in m.names]) == 2
    assert list(curve.counts.text) == ["×3"]
    curve.close()


def test_flags_close_on_a_long_axis_merge_and_split_by_the_axis_not_the_trials(
        recorder: Recorder) -> None:
    run = make_run()
    curve = hcw.CostCurve(run)
    finish(run, 10, curve)
    run.steering.narrow("depth", 3, 9)
    finish(run, 2, curve)
    run.steering.pin("loss", "log_loss")
    assert curve.flush()
    names = [str(n) for m in curve.flags.marks for n in m.names]
    assert len(names) == 2 and list(curve.counts.text) == []  # 2 trials apart on a 20-trial axis
    finish(run, 1000, curve)  # the axis grows past 1,000 trials: 2 trials are a pixel or two
    names = [str(n) for m in curve.flags.marks for n in m.names]
    assert names == [f"2 edits: {event_label(run.steering.log[-1].to_dict())}"]
    assert list(curve.counts.text) == ["×2"]
    assert len([x for m in curve.rules.marks for x in m.x]) == 2  # each edit keeps its rule
    mark = next(m for m in curve.flags.marks if len(m.x))
    assert float(mark.x[0]) == 9.5
    curve._on_flag_hover(mark, {"event": "hover", "point": {"x": 9.5, "index": 0}})
    assert "2 steering edits" in curve._flag_tip.value
    assert "narrowed depth" in curve._flag_tip.value and "pinned loss" in curve._flag_tip.value
    curve.close()


def test_point_tooltip_shows_the_configuration_and_a_click_selects(recorder: Recorder) -> None:
    run = make_run()
    curve = hcw.CostCurve(run)
    finish(run, 5, curve)
    assert curve.figure.axes[1].label == (getattr(run, "metric", None) or "value")
    mark = next(m for m in curve.points.marks if len(m.x))
    x = float(mark.x[0])
    curve._on_point_hover(mark, {"event": "hover", "point": {"x": x, "y": 0.0, "index": 0}})
    assert f"trial {int(x)}" in curve._tip.value and "depth =" in curve._tip.value
    seen = []
    curve.observe(lambda ch: seen.append(ch["new"]), names="selected")
    curve._on_point_click(mark, {"event": "element_click", "data": {"index": 0}})
    assert seen == [int(x)] and list(curve.ring.x) == [int(x)]
    curve.selected = None
    assert list(curve.ring.x) == []
    curve.close()


def test_a_group_edit_has_one_flag_the_timeline_labels_alike() -> None:
    run = make_run()
    curve = hcw.CostCurve(run)
    finish(run, 6, curve)
    params = run.record(0)["params"]
    group = run.steering.priors(params, "medium", source="widget")
    assert group is not None and group.kind == "group"
    assert curve.flush()
    text = label(group)
    assert text.startswith(f"#{group.seq} stated ") and "medium-confidence priors: " in text
    assert [str(n) for m in curve.flags.marks for n in m.names] == [text]
    strip = TimelineStrip(run)
    assert [m[-1] for m in strip.snapshot()[0]["marks"]] == [text]
    strip.close()
    curve.close()


def test_the_best_line_is_the_insights_answer_after_a_rejection() -> None:
    run = make_run()
    curve = hcw.CostCurve(run)
    finish(run, 30, curve)
    run.steering.reject(run.best_trial_number)
    assert curve.flush()
    drawn = sorted({(int(x), float(y)) for m in curve.best.marks
                    for x, y in zip(m.x, m.y, strict=True)})
    expected = best_so_far(run.records(), run.direction)
    assert drawn == [(n, float(np.float32(v))) for n, v in expected]
    assert expected[-1] == (run.best_trial_number, run.best_value)
    curve.close()
