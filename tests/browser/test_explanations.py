"""Issue 11 in a real JupyterLab: the run explains itself in the page.

* a trial's details open with why it was chosen (the kernel's ``explain`` text);
* while a range handle is held (pressed, moved slowly, resting, not yet released) ghost markers
  show where the next trials would go, inside the range the edit would make; they vanish on
  release, and the edit then made is what the run holds;
* that edit, made in the page, gets its mark on the steering timeline.

Screenshots go to test-output/browser/.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.harness import OUTPUT, LabServer, Notebook
from tests.browser.scenario import grab, open_scenario, param_row, track_x, wait_kernel

pytestmark = pytest.mark.browser

ENQUEUED = {"x": 3.0, "lr": 0.01, "depth": 2, "kind": "a"}


def test_explanation_ghosts_and_timeline(
    lab_server: LabServer, open_notebook: Callable[[str], Notebook]
) -> None:
    nb = open_scenario(open_notebook, lab_server, "explanations", pace=0.15, n_trials=400)
    panel = nb.panel
    # Past the start-up trials, a configuration enqueued from code: a known explanation.
    wait_kernel(nb, "run.counts['complete'] >= 12", what="twelve trials")
    nb.kernel.exec(f"run.steering.enqueue({ENQUEUED!r})")
    [n] = wait_kernel(nb, "[r['number'] for r in run.records() if r['origin'] == 'enqueued' "
                          "and r['state'] == 'complete']", what="the enqueued trial")
    # A prior stated mid-run: the next trial runs its centre.
    nb.kernel.exec("run.steering.prior('x', 7.0, 'medium')")
    [c] = wait_kernel(nb, "[r['number'] for r in run.records() if r.get('prior_mode') "
                          "and r['state'] == 'complete']", what="the prior's centre")
    nb.kernel.exec("run.pause()")
    wait_kernel(nb, "run.status == 'paused'", what="the pause")

    # 1. Its details say why it ran, first thing in the panel.
    table = panel.locator(".hcw-trial-table").first
    table.scroll_into_view_if_needed()
    row = table.locator(f'.hcw-row[data-number="{n}"] .hcw-c-value').first
    row.wait_for(timeout=30_000)
    row.click()
    why = table.locator(f'.hcw-details[data-number="{n}"] .hcw-why').first
    why.wait_for(state="visible")
    expected = nb.kernel.eval(f"hcw.insights.explain(run, {n})['text']")
    assert "enqueued" in expected
    assert (why.locator(".hcw-why-text").text_content() or "").strip() == expected.strip()
    assert why.locator(".hcw-why-title").text_content() == "Why this trial"
    # A model-chosen trial is explained too (its text is the kernel's, whatever it says).
    m = nb.kernel.eval("[r['number'] for r in run.records() if r['origin'] == 'model'][-1]")
    table.locator(f'.hcw-row[data-number="{m}"] .hcw-c-value').first.click()
    model_why = table.locator(f'.hcw-details[data-number="{m}"] .hcw-why-text').first
    model_why.wait_for(state="visible")
    assert (model_why.text_content() or "").strip() == \
        nb.kernel.eval(f"hcw.insights.explain(run, {m})['text']").strip()
    # The trial that ran the prior's centre says so, in the kernel's words.
    table.locator(f'.hcw-row[data-number="{c}"] .hcw-c-value').first.click()
    centre_why = table.locator(f'.hcw-details[data-number="{c}"] .hcw-why-text').first
    centre_why.wait_for(state="visible")
    said = (centre_why.text_content() or "").strip()
    assert said.startswith(f"Trial {c} ran the centre of your prior on x"), said
    assert said == nb.kernel.eval(f"hcw.insights.explain(run, {c})['text']").strip()
    table.locator(".hcw-details").first.scroll_into_view_if_needed()
    nb.screenshot("explanations_details")

    # 2. Hold x's high handle, move it slowly to 60% of the track and rest: ghosts appear.
    x_row = param_row(nb, "x")
    track = x_row.locator("svg.hcw-track").first
    high = x_row.locator("circle.hcw-handle-high").first
    # The whole editor in view (and the page still) before the press.
    x_row.evaluate("e => e.closest('.hcw-space-editor').scrollIntoView({block: 'center'})")
    grab(nb, high)
    mouse = nb.page.mouse
    hb, tb = high.bounding_box(), track.bounding_box()
    assert hb is not None and tb is not None
    y0 = hb["y"] + hb["height"] / 2
    x0 = hb["x"] + hb["width"] / 2
    target = track_x(tb, 0.6)
    for k in range(1, 11):  # a hand: small steps, a little time between them
        mouse.move(x0 + (target - x0) * k / 10, y0)
        nb.page.wait_for_timeout(40)
    ghosts = x_row.locator("circle.hcw-ghost")
    ghosts.first.wait_for(state="attached", timeout=20_000)
    nb.page.wait_for_function(
        """() => {
            const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            return p.querySelectorAll('.hcw-param[data-param="x"] circle.hcw-ghost').length === 5;
        }""", timeout=20_000)
    held = float(high.get_attribute("aria-valuenow") or "nan")
    assert 5.0 < held < 7.0, held
    values = [float(g.get_attribute("data-value") or "nan") for g in ghosts.all()]
    # Where the next trials would go under the narrow being made: inside [0, held].
    assert len(values) == 5 and all(0.0 <= v <= held + 1e-9 for v in values), (held, values)
    assert nb.kernel.eval("run.steering.state.ranges['x']") == [0.0, 10.0]  # nothing made yet
    nb.screenshot("explanations_ghosts")
    x_row.screenshot(path=str(OUTPUT / "explanations_ghosts_row.png"))
    mouse.up()
    ghosts.first.wait_for(state="detached", timeout=5_000)
    assert ghosts.count() == 0

    # The release made the narrow, from the widget, to where the handle was held.
    low_high = wait_kernel(nb, "list(run.steering.state.ranges['x']) "
                               "if run.steering.state.ranges['x'] != (0.0, 10.0) else None",
                           what="the narrow of x")
    assert low_high[0] == 0.0 and abs(low_high[1] - held) < 0.2, (low_high, held)
    seq, kind, source = nb.kernel.eval("[run.steering.log[-1].seq, run.steering.log[-1].kind, "
                                       "run.steering.log[-1].source]")
    assert (kind, source) == ("narrow", "widget")

    # 3. The edit made in the page has its mark on the steering timeline.
    mark = panel.locator(f'.hcw-timeline .hcw-tl-mark[data-seq="{seq}"]').first
    mark.wait_for(timeout=20_000)
    assert mark.get_attribute("data-kind") == "narrow"
    mark.evaluate("e => e.closest('.hcw-timeline').scrollIntoView({block: 'center'})")
    mark.click()
    details = panel.locator(".hcw-timeline .hcw-tl-details").first
    nb.page.wait_for_function(
        """() => {
            const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const d = p && p.querySelector('.hcw-timeline .hcw-tl-details');
            return !!d && d.textContent.trim().length > 0;
        }""", timeout=20_000)
    assert "narrow" in (details.text_content() or "")
    # A second edit between the same two trials stands below the first, and can be clicked.
    nb.kernel.exec("run.steering.prior('lr', 0.01, 'low')")
    seq2 = nb.kernel.eval("run.steering.log[-1].seq")
    second = panel.locator(f'.hcw-timeline .hcw-tl-mark[data-seq="{seq2}"]').first
    second.wait_for(timeout=20_000)
    assert (mark.get_attribute("data-lane"), second.get_attribute("data-lane")) == ("0", "1")
    a, b = mark.bounding_box(), second.bounding_box()
    assert a is not None and b is not None and b["y"] >= a["y"] + a["height"] - 1, (a, b)
    second.click()
    nb.page.wait_for_function(
        """() => {
            const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const d = p && p.querySelector('.hcw-timeline .hcw-tl-details');
            return !!d && d.textContent.includes('prior');
        }""", timeout=20_000)
    nb.screenshot("explanations_timeline")
    nb.kernel.exec("run.stop()")
    nb.assert_clean()
