"""The steering timeline under the cost curve stands on the curve's trial axis, in a real
browser: a mark made before trial 100 sits where the curve's axis puts 99.5, on a long run (bqplot
pads a scale's domain for its markers unless told not to, and the strip does not)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.harness import LabServer, Notebook
from tests.browser.scenario import open_scenario, wait_kernel

pytestmark = pytest.mark.browser


def test_a_timeline_mark_stands_on_the_curves_trial_axis(
    lab_server: LabServer, open_notebook: Callable[[str], Notebook]
) -> None:
    nb = open_scenario(open_notebook, lab_server, "alignment", pace=0.0, n_trials=300,
                       start=False)
    nb.kernel.exec("run.start(n_trials=100)")
    wait_kernel(nb, "run.status == 'finished'", timeout=120, what="100 trials")
    nb.kernel.exec("run.steering.narrow('x', 0.0, 8.0)")  # before trial 100
    seq = nb.kernel.eval("run.steering.log[-1].seq")
    nb.kernel.exec("run.start(n_trials=200)")
    wait_kernel(nb, "run.status == 'finished' and run.counts['complete'] == 300", timeout=180,
                what="300 trials")
    panel = nb.panel
    curve = panel.locator(".hcw-cost-curve").first
    curve.scroll_into_view_if_needed()
    mark = panel.locator(f'.hcw-timeline .hcw-tl-mark[data-seq="{seq}"]').first
    mark.wait_for()
    # The axis has grown to 300: wait until the curve's ticks and the strip have redrawn.
    nb.page.wait_for_function(
        """() => [...document.querySelectorAll('.hcw-cost-figure g.tick text')]
                   .some((t) => t.textContent.trim() === '300')""", timeout=30_000)
    nb.page.wait_for_timeout(500)
    ticks = nb.page.evaluate(
        """() => Object.fromEntries([...document.querySelectorAll('.hcw-cost-figure g.tick')]
               .map((g) => { const r = g.querySelector('line, text').getBoundingClientRect();
                             return [g.textContent.trim(), r.left + r.width / 2]; }))""")
    box = mark.bounding_box()
    assert box is not None
    at = box["x"] + box["width"] / 2
    per_trial = (ticks["200"] - ticks["100"]) / 100
    expected = ticks["100"] - 0.5 * per_trial
    assert abs(at - expected) <= max(2.0, per_trial), (at, expected, per_trial)
    nb.screenshot("timeline_alignment")
    nb.kernel.exec("run.stop()")
    nb.assert_clean()
