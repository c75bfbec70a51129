"""The space editor tells how each prior's evidence stands, as run.prior_health() does."""

from __future__ import annotations

from hcautoml_widgets.widgets.space_editor import SpaceEditor, editor_health
from tests.widgets.helpers import finish, make_run
from tests.widgets.recording import Recorder, from_browser


def _health_messages(recorder: Recorder, editor: SpaceEditor, mark: int) -> list[dict]:
    return [m["health"] for m in recorder.custom(editor.comm.comm_id, mark) if "health" in m]


def test_a_wrong_prior_is_called_wrong_in_the_editor_and_headless(recorder: Recorder) -> None:
    run = make_run()  # sphere: the smaller depth, the better
    editor = SpaceEditor(run)
    from_browser(editor, {"type": "snapshot"})
    [snap] = [m for m in recorder.custom(editor.comm.comm_id) if m["type"] == "snapshot"]
    assert snap["health"] == {}  # no prior, nothing to say
    run.steering.prior("depth", 15, "high")
    mark = recorder.mark()
    finish(run, 40, editor)
    sent = _health_messages(recorder, editor, mark)
    assert sent, "no health was sent while trials finished under a prior"
    last = sent[-1]["depth"]
    assert last["looks_wrong"] is True
    assert "trials near your prior on depth are worse than elsewhere" in last["message"]
    assert last["n_inside"] >= 3 and last["n_outside"] >= 3
    assert last["median_inside"] > last["median_outside"]
    # The same figures headless, and nothing sent again when nothing changed.
    assert sent[-1] == editor_health(run.prior_health())
    mark = recorder.mark()
    assert editor.flush()
    assert _health_messages(recorder, editor, mark) == []
    # Clearing the prior clears what the editor says about it.
    run.steering.clear_prior("depth")
    assert editor.flush()
    assert _health_messages(recorder, editor, mark)[-1] == {}
    editor.close()


def test_a_right_prior_reads_as_supported(recorder: Recorder) -> None:
    run = make_run()
    editor = SpaceEditor(run)
    from_browser(editor, {"type": "snapshot"})
    run.steering.prior("depth", 2, "high")
    mark = recorder.mark()
    finish(run, 40, editor)
    last = _health_messages(recorder, editor, mark)[-1]["depth"]
    assert last["looks_wrong"] is False and last["message"] is None
    assert last["auc"] > 0.5
    editor.close()


def test_the_state_says_what_later_edits_do_to_a_prior(recorder: Recorder) -> None:
    run = make_run()
    editor = SpaceEditor(run)
    from_browser(editor, {"type": "snapshot"})
    run.steering.prior("depth", 12, "medium")
    run.steering.narrow("depth", 2, 8)  # from a cell: the prior now lies outside the range
    assert editor.flush()
    states = [m["state"] for m in recorder.custom(editor.comm.comm_id) if "state" in m]
    assert states[-1]["notes"] == {
        "depth": "the prior on 'depth' at 12 lies outside the current range [2, 8]: "
                 "it now acts truncated to it"}
    run.steering.pin("depth", 4)
    assert editor.flush()
    states = [m["state"] for m in recorder.custom(editor.comm.comm_id) if "state" in m]
    assert states[-1]["notes"]["depth"].endswith(
        "parameter 'depth' is pinned at 4: the prior acts once it is unpinned")
    run.steering.clear_prior("depth")
    assert editor.flush()
    states = [m["state"] for m in recorder.custom(editor.comm.comm_id) if "state" in m]
    assert states[-1]["notes"] == {}
    editor.close()
