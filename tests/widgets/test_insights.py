"""The Insights view's kernel side, driven by a real run and a recording comm."""

from __future__ import annotations

import time
from typing import Any

import hcautoml_widgets as hcw
from tests.widgets.helpers import finish, make_run, ten_floats
from tests.widgets.recording import Recorder, ask, from_browser


def insights_of(recorder: Recorder, view: Any, mark: int = 0, kind: str = "summary"
                ) -> list[dict[str, Any]]:
    return [m for m in recorder.custom(view.comm.comm_id, mark)
            if m["type"] == "insight" and m["kind"] == kind]


def test_snapshot_rows_deltas_and_summaries(recorder: Recorder) -> None:
    run = make_run()
    view = hcw.Insights(run, min_new=10, min_interval=0.1)
    snap = ask(recorder, view, {"type": "snapshot"})[0]
    assert snap["type"] == "snapshot" and snap["rows"] == []
    assert snap["metric"] == run.metric  # the name the cost curve's axis gives the objective
    assert [a["name"] for a in snap["axes"]] == ["depth", "loss", "lr"]
    lr = next(a for a in snap["axes"] if a["name"] == "lr")
    assert lr["log"] is True and lr["range"] == [0.0001, 1.0]
    mark = recorder.mark()
    finish(run, 30, view)
    assert view.wait_idle(30)
    sent = recorder.custom(view.comm.comm_id, mark)
    numbers = {r[0] for m in sent if m["type"] == "delta" for r in m.get("rows", [])}
    assert numbers == set(range(30))
    last = insights_of(recorder, view, mark)[-1]
    assert last["summary"]["n"] == 30
    assert {s["name"] for s in last["summary"]["importance"]} == {"depth", "loss", "lr"}
    assert last["history"]["n"] == 30
    # A fresh render gets everything in its snapshot, history included.
    again = ask(recorder, view, {"type": "snapshot"})[0]
    assert again["summary"]["n"] == 30 and again["history"][-1]["n"] == 30
    assert len(again["rows"]) == 30 and all(r[7] is not None for r in again["rows"])
    view.close()


def test_brush_edits_go_through_steering(recorder: Recorder) -> None:
    run = make_run()
    view = hcw.Insights(run)
    ask(recorder, view, {"type": "snapshot"})
    finish(run, 12, view)
    mark = recorder.mark()
    [ack] = ask(recorder, view, {"type": "edit", "op": "narrow", "id": "b1",
                                 "args": {"name": "depth", "low": 4, "high": 7}})
    assert ack == {"type": "ack", "id": "b1", "ok": True, "error": None}
    assert run.steering.state.ranges["depth"] == (4, 7)
    assert run.steering.log[-1].source == "widget"
    assert view.flush()
    states = [m["state"] for m in recorder.custom(view.comm.comm_id, mark) if "state" in m]
    assert states[-1]["ranges"]["depth"] == [4, 7]
    # The next trials obey it.
    finish(run, 8, view)
    assert all(4 <= r["params"]["depth"] <= 7 for r in run.records()[12:])
    version = run.steering.version
    [bad] = ask(recorder, view, {"type": "edit", "op": "narrow", "id": "b2",
                                 "args": {"name": "depth", "low": 1, "high": 40}})
    assert bad["ok"] is False and "outside the base range" in bad["error"]
    assert run.steering.version == version
    view.close()


def test_fanova_on_request(recorder: Recorder) -> None:
    run = make_run()
    view = hcw.Insights(run)
    ask(recorder, view, {"type": "snapshot"})
    # (the first refresh's "too few trials" summary may arrive beside the answer)
    [early] = [m for m in ask(recorder, view, {"type": "fanova", "id": "f0"})
               if m["type"] == "ack"]
    assert early["ok"] is False and "at least 10" in early["error"]
    finish(run, 30, view)
    [ack] = ask(recorder, view, {"type": "fanova", "id": "f1"})
    assert ack["ok"] and ack["result"] == {"started": True}
    assert view.refresher.wait_fanova(120)
    assert view.flush()
    progress = insights_of(recorder, view, kind="progress")
    assert progress[-1]["done"] == progress[-1]["total"]
    [result] = insights_of(recorder, view, kind="fanova")
    assert result["n"] == 30 and len(result["importance"]) == 3
    view.close()


def paced(config: dict[str, float]) -> float:
    time.sleep(0.001)
    return sum(v * v for v in config.values())


def measure(recorder: Recorder, n: int) -> float:
    run = make_run(ten_floats(), objective=paced)
    view = hcw.Insights(run)
    from_browser(view, {"type": "snapshot"})
    mark = recorder.mark()
    finish(run, n, view)
    assert view.wait_idle(60)
    total = sum(s.nbytes for s in recorder.since(mark) if s.comm_id == view.comm.comm_id)
    assert max(s.nbytes for s in recorder.since(mark)) < 1_000_000
    view.close()
    return total / n


def test_bytes_per_trial_stay_flat(recorder: Recorder) -> None:
    small, large = measure(recorder, 100), measure(recorder, 1000)
    print(f"insights bytes/trial: {small:.0f} at 100, {large:.0f} at 1000")
    assert large <= 1.2 * small


def test_nothing_is_computed_until_a_browser_renders(recorder: Recorder) -> None:
    run = make_run()
    view = hcw.Insights(run)
    finish(run, 15, view)
    assert view._refresher is None  # no thread, no work for a view nobody sees
    assert recorder.custom(view.comm.comm_id) == []
    from_browser(view, {"type": "snapshot"})
    assert view.wait_idle(30)
    [summary] = insights_of(recorder, view)
    assert summary["summary"]["n"] == 15
    view.close()
