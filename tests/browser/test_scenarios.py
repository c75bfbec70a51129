"""Steering a running search from the dashboard in a real JupyterLab, checked in the kernel.

Each test opens its own scenario notebook (its own kernel and run), acts in the page as a user
would (drag, click, run a cell) and then checks what the kernel holds: ``run.steering`` and the
trials started afterwards. A screenshot of each scenario is saved under test-output/browser/.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from tests.browser.harness import LabServer, Notebook
from tests.browser.scenario import (
    CELL_RESUME,
    drag,
    open_scenario,
    param_row,
    wait_kernel,
)

pytestmark = pytest.mark.browser

OpenNotebook = Callable[[str], Notebook]

STATE = "run.steering.state.to_dict()"


def test_drag_range_handle_narrows_and_later_trials_obey(
    lab_server: LabServer, open_notebook: OpenNotebook
) -> None:
    nb = open_scenario(open_notebook, lab_server, "drag", pace=0.15)
    wait_kernel(nb, "run.counts['complete'] >= 3", what="three finished trials")
    row = param_row(nb, "x")
    track = row.locator("svg.hcw-track")
    # Drag the high handle to 60% and then the low handle to 20% of the base range [0, 10].
    drag(nb, row.locator("circle.hcw-handle-high"), track, 0.6)
    wait_kernel(nb, f"{STATE}['ranges']['x'][1] < 10", what="the high bound to move")
    drag(nb, row.locator("circle.hcw-handle-low"), track, 0.2)
    low, high = wait_kernel(
        nb,
        f"{STATE}['ranges']['x'] if {STATE}['ranges']['x'][0] > 0 else None",
        what="the low bound to move",
    )
    assert 1.5 <= low <= 2.5 and 5.5 <= high <= 6.5, (low, high)
    log = nb.kernel.eval("[e.to_dict() for e in run.steering.log]")
    assert [(e["kind"], e["source"]) for e in log] == [("narrow", "widget")] * 2
    version = nb.kernel.eval("run.steering.state.version")
    # The page shows the kernel's range, not only where the pointer left the handle.
    row.locator(".hcw-range-text").filter(has_text=f"{low:g} – {high:g}").wait_for()

    # Trials started after the edit carry its version and stay inside the new range.
    wait_kernel(
        nb,
        f"sum(r['version'] >= {version} and r['state'] == 'complete' for r in run.records()) >= 6",
        what="six trials under the new range",
    )
    records = nb.kernel.eval("run.records()")
    edit_time = log[-1]["time"]
    after = [r for r in records if r["version"] >= version]
    assert len(after) >= 6
    for r in after:
        assert low <= r["params"]["x"] <= high, r
    for r in records:
        if r["start"] is not None and r["start"] > edit_time + 0.05:
            assert r["version"] >= version, r
    nb.screenshot("drag_range")
    nb.assert_clean()


def test_prior_and_pin_from_editor_reach_steering(
    lab_server: LabServer, open_notebook: OpenNotebook
) -> None:
    nb = open_scenario(open_notebook, lab_server, "prior_pin", pace=0.15)
    lr = param_row(nb, "lr")
    # Confidence first (it is sent with the prior), then drop the marker mid-track: lr = 1e-2.
    lr.locator("select.hcw-confidence").select_option("high")
    drag(nb, lr.locator("path.hcw-prior-marker"), lr.locator("svg.hcw-track"), 0.5)
    prior = wait_kernel(nb, f"{STATE}['priors'].get('lr')", what="a prior on lr")
    assert prior["confidence"] == "high" and prior["source"] == "widget", prior
    assert 3e-3 <= prior["value"] <= 3e-2, prior
    lr.and_(nb.panel.locator('[data-prior="true"]')).wait_for()

    depth = param_row(nb, "depth")
    depth.locator("input.hcw-pin").check()
    pinned = wait_kernel(nb, f"{STATE}['pins'].get('depth')", what="a pin on depth")
    assert pinned in (5, 6), pinned  # the middle of [1, 10], where the editor pins
    depth.and_(nb.panel.locator('[data-pinned="true"]')).wait_for()
    depth.locator("line.hcw-pin-marker[visibility=visible]").wait_for(state="attached")

    log = nb.kernel.eval("[(e.kind, e.source) for e in run.steering.log]")
    assert log == [["prior", "widget"], ["pin", "widget"]], log
    version = nb.kernel.eval("run.steering.state.version")
    wait_kernel(
        nb,
        f"sum(r['version'] >= {version} and r['state'] == 'complete' for r in run.records()) >= 4",
        what="four trials after the pin",
    )
    for r in nb.kernel.eval(f"[r for r in run.records() if r['version'] >= {version}]"):
        assert r["params"]["depth"] == pinned, r
    nb.screenshot("prior_pin")
    nb.assert_clean()


def test_reject_in_table_greys_and_removes_from_best_undo_restores(
    lab_server: LabServer, open_notebook: OpenNotebook
) -> None:
    nb = open_scenario(open_notebook, lab_server, "reject", pace=0.1)
    wait_kernel(nb, "run.counts['complete'] >= 6", what="six finished trials")
    # Freeze the run so that the best cannot move for other reasons while we look.
    nb.kernel.exec("run.pause(); run.wait()")
    best = nb.kernel.eval("run.best_trial_number")
    second = nb.kernel.eval(
        f"sorted((r['value'], r['number']) for r in run.records()"
        f" if r['state'] == 'complete' and r['number'] != {best})[0][1]"
    )
    # Only the rows in the table's scrolled window exist in the DOM: sort by value, as a user
    # looking for the best would, to bring it to the top.
    nb.panel.locator('.hcw-trial-table .hcw-th[data-col="value"]').click()
    nb.panel.locator('.hcw-trial-table .hcw-th[data-col="value"][data-sort="asc"]').wait_for()
    row = nb.panel.locator(f'.hcw-trial-table .hcw-row[data-number="{best}"]')
    row.scroll_into_view_if_needed()
    row.locator('button[data-action="reject"]').click()
    row.and_(nb.panel.locator('[data-review="rejected"]')).wait_for()
    # Greyed: the rejected row's text is drawn grey and struck through.
    style = row.evaluate("e => [getComputedStyle(e).color, getComputedStyle(e).textDecorationLine]")
    assert style[1] == "line-through" and style[0] == "rgb(153, 153, 153)", style
    assert nb.kernel.eval(f"run.record({best})['review']") == "rejected"
    assert nb.kernel.eval("run.best_trial_number") == second
    nb.panel.locator(".hcw-control-bar .hcw-best").filter(has_text=f"(#{second})").wait_for()
    nb.screenshot("reject")

    row.locator('button[data-action="undo"]').click()
    row.and_(nb.panel.locator('[data-review="none"]')).wait_for()
    assert nb.kernel.eval(f"run.record({best})['review']") is None
    assert nb.kernel.eval("run.best_trial_number") == best
    nb.panel.locator(".hcw-control-bar .hcw-best").filter(has_text=f"(#{best})").wait_for()
    kinds = nb.kernel.eval("[(e.kind, e.source) for e in run.steering.log]")
    assert kinds == [["reject", "widget"], ["unreview", "widget"]], kinds
    nb.screenshot("reject_undone")
    nb.assert_clean()


def test_pause_button_stops_new_trials_resume_from_cell(
    lab_server: LabServer, open_notebook: OpenNotebook
) -> None:
    nb = open_scenario(open_notebook, lab_server, "pause", pace=0.15)
    wait_kernel(nb, "run.counts['complete'] >= 3", what="three finished trials")
    bar = nb.panel.locator(".hcw-control-bar")
    bar.locator('button[data-action="pause"]').click()
    nb.panel.locator('.hcw-control-bar[data-status="paused"]').wait_for()
    assert nb.kernel.eval("run.status") == "paused"
    # A trial under way when the button was pressed may finish; none may start after it.
    nb.kernel.exec("run.wait()")
    started = nb.kernel.eval("run.counts['total']")
    time.sleep(1.5)  # ten trials' worth of time at this pace
    assert nb.kernel.eval("run.counts['total']") == started
    assert nb.kernel.eval("run.counts['running']") == 0
    assert bar.locator('button[data-action="pause"]').is_disabled()
    assert bar.locator('button[data-action="resume"]').is_enabled()
    nb.screenshot("paused")

    nb.run_cell(CELL_RESUME)
    nb.wait_cell_done(CELL_RESUME)
    nb.panel.locator('.hcw-control-bar[data-status="running"]').wait_for()
    assert bar.locator('button[data-action="pause"]').is_enabled()
    assert bar.locator('button[data-action="resume"]').is_disabled()
    wait_kernel(nb, f"run.counts['total'] > {started}", what="new trials after resume")
    nb.screenshot("resumed")
    nb.assert_clean()


def test_reload_shows_full_state_again(lab_server: LabServer, open_notebook: OpenNotebook) -> None:
    nb = open_scenario(open_notebook, lab_server, "reload", pace=0.1)
    wait_kernel(nb, "run.counts['complete'] >= 5", what="five finished trials")
    nb.kernel.exec(
        "run.steering.narrow('x', 2.0, 7.0)\n"
        "run.steering.prior('lr', 0.01, confidence='high')\n"
        "run.steering.allow('kind', ['a', 'b'])\n"
        "run.steering.reject(1)\n"
    )
    version = nb.kernel.eval("run.steering.state.version")
    wait_kernel(
        nb, f"sum(r['version'] >= {version} for r in run.records()) >= 3", what="steered trials"
    )
    nb.kernel.exec("run.pause(); run.wait()")
    total = nb.kernel.eval("run.counts['total']")
    # Save so the reloaded page has the dashboard's output to restore the views into.
    nb.command("docmanager:save")
    nb.page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty")
    nb.reload()

    # Every view comes back from a fresh snapshot of the kernel's state.
    nb.panel.locator('.hcw-control-bar[data-status="paused"]').wait_for(timeout=60_000)
    nb.panel.locator(".hcw-trial-table .hcw-row-count").filter(
        has_text=f"{total} of {total} trials"
    ).wait_for()
    x = param_row(nb, "x")
    x.locator(".hcw-range-text").filter(has_text="2 – 7").wait_for()
    param_row(nb, "lr").and_(nb.panel.locator('[data-prior="true"]')).wait_for()
    kind = param_row(nb, "kind")
    assert kind.locator('button.hcw-choice[data-choice="c"]').get_attribute("aria-pressed") == (
        "false"
    )
    nb.panel.locator(
        '.hcw-trial-table .hcw-row[data-number="1"][data-review="rejected"]'
    ).wait_for()
    # The histogram holds every sampled trial, not only those after the reload.
    counts = x.locator("rect.hcw-hist-bar").evaluate_all(
        "bars => bars.reduce((s, b) => s + Number(b.dataset.count), 0)"
    )
    assert counts == total, (counts, total)
    nb.panel.locator(".hcw-dashboard .bqplot svg").first.wait_for()
    # The reloaded page opens at the top of the notebook; bring the dashboard into view.
    nb.panel.locator(".hcw-dashboard").first.evaluate("e => e.scrollIntoView()")
    nb.screenshot("reload")
    nb.assert_clean()


def test_invalid_edit_shows_inline_error_and_changes_nothing(
    lab_server: LabServer, open_notebook: OpenNotebook
) -> None:
    nb = open_scenario(open_notebook, lab_server, "invalid", pace=0.15)
    kind = param_row(nb, "kind")
    # Two valid edits leave one allowed choice; taking the last one away is invalid.
    kind.locator('button.hcw-choice[data-choice="b"]').click()
    wait_kernel(nb, f"{STATE}['allowed']['kind'] == ['a', 'c']", what="b disallowed")
    kind.locator('button.hcw-choice[data-choice="c"]').click()
    wait_kernel(nb, f"{STATE}['allowed']['kind'] == ['a']", what="c disallowed")
    before = nb.kernel.eval(STATE)
    n_events = nb.kernel.eval("len(run.steering.log)")

    kind.locator('button.hcw-choice[data-choice="a"]').click()
    error = kind.locator(".hcw-error")
    error.filter(has_text="empty").wait_for()
    # The button is drawn from the kernel's state again: still allowed.
    last = kind.locator('button.hcw-choice[data-choice="a"]')
    nb.page.wait_for_function(
        "e => e.getAttribute('aria-pressed') === 'true'", arg=last.element_handle()
    )
    assert nb.kernel.eval(STATE) == before
    assert nb.kernel.eval("len(run.steering.log)") == n_events
    nb.screenshot("invalid_allow")

    # A pin outside the base range [0, 10], typed into the row.
    nb.kernel.exec("run.steering.narrow('x', 4.0, 6.0)")
    x = param_row(nb, "x")
    x.locator(".hcw-range-text").filter(has_text="4 – 6").wait_for()
    before = nb.kernel.eval(STATE)
    x.locator('button.hcw-num[data-field="pin"]').click()
    box = x.locator('input.hcw-num-input[data-field="pin"]')
    box.fill("12")
    box.press("Enter")
    x.locator(".hcw-error").filter(has_text="outside").wait_for()
    assert x.get_attribute("data-pinned") == "false"
    assert nb.kernel.eval(STATE) == before
    # The next valid edit clears the message.
    drag(nb, x.locator("path.hcw-prior-marker"), x.locator("svg.hcw-track"), 0.5)
    wait_kernel(nb, f"{STATE}['priors'].get('x')", what="a valid prior on x")
    nb.page.wait_for_function(
        "e => e.textContent === ''", arg=x.locator(".hcw-error").element_handle()
    )
    nb.screenshot("invalid_prior")
    nb.assert_clean()
