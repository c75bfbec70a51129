"""TimelineStrip's kernel side: snapshot on render, only new marks after, details on request."""

from __future__ import annotations

from hcautoml_widgets.widgets._protocol import size
from hcautoml_widgets.widgets.cost_curve import CostCurve
from hcautoml_widgets.widgets.timeline import TimelineStrip
from tests.widgets.helpers import finish, make_run
from tests.widgets.recording import Recorder, ask


def test_snapshot_then_only_new_marks_and_domain_steps(recorder: Recorder) -> None:
    run = make_run()
    strip = TimelineStrip(run)
    finish(run, 5, strip)
    run.steering.narrow("depth", 4, 8)
    finish(run, 3, strip)
    assert recorder.custom(strip.comm.comm_id) == []  # nothing before a view asks
    [snap] = ask(recorder, strip, {"type": "snapshot"})
    assert snap["domain"] == [-0.5, 10.0]
    # The strip's track spans the curve's plot area: the same left and right margins.
    curve = CostCurve(run)
    figure_margin = curve.figure.fig_margin
    curve.close()
    assert snap["margin"] == {"left": figure_margin["left"], "right": figure_margin["right"]}
    # Placed just before trial 5, the first that started under it.
    assert snap["marks"] == [[1, 4.5, "narrow", "code", "#1 narrowed depth to [4, 8] [code]"]]
    mark = recorder.mark()
    run.steering.prior("lr", 0.01, confidence="high", source="widget")
    assert strip.flush()
    [delta] = recorder.custom(strip.comm.comm_id, mark)
    assert delta == {"type": "delta", "marks": [
        [2, 7.5, "prior", "widget", "#2 stated a high-confidence prior lr ≈ 0.01 [widget]"]]}
    mark = recorder.mark()
    finish(run, 1, strip)  # trial 8: still inside the domain, nothing to say
    assert recorder.custom(strip.comm.comm_id, mark) == []
    finish(run, 4, strip)  # trial 12 needs a wider axis
    deltas = recorder.custom(strip.comm.comm_id, mark)
    assert [d.get("domain") for d in deltas] == [[-0.5, 15.0]]
    assert all(size(d) < 200 for d in deltas)
    strip.close()


def test_details_carry_the_effect_and_bad_seq_is_refused(recorder: Recorder) -> None:
    run = make_run()
    strip = TimelineStrip(run, k=3)
    finish(run, 4, strip)
    run.steering.narrow("depth", 4, 8)
    finish(run, 5, strip)
    ask(recorder, strip, {"type": "snapshot"})
    [ack] = ask(recorder, strip, {"type": "details", "seq": 1, "id": "d1"})
    assert ack["ok"] is True and ack["id"] == "d1"
    effect = ack["result"]["effect"]
    assert effect["trial"] == 4 and effect["n_after"] == 3 and effect["share_inside"] == 1.0
    text = ack["result"]["text"]
    assert text.startswith("#1 narrowed depth to [4, 8] (from code)")
    assert "First trial under it: #4." in text
    assert "100% of the trials under it landed inside the new region" in text
    [ack] = ask(recorder, strip, {"type": "details", "seq": 9, "id": "d2"})
    assert ack["ok"] is False and "no steering event #9" in ack["error"]
    strip.close()
