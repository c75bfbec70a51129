"""The quickstart notebook, run in a real JupyterLab: every view renders, nothing errs."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest

from tests.browser.harness import ROOT, LabServer, Notebook

pytestmark = pytest.mark.browser

# One selector per view of the dashboard; the cost curve is a bqplot figure.
VIEWS = {
    "control bar": ".hcw-control-bar",
    "space editor": ".hcw-space-editor .hcw-param",
    "trial table": ".hcw-trial-table .hcw-row",
    "cost curve": ".hcw-dashboard .bqplot svg",
}


def _run_and_see_views(lab_server: LabServer, open_notebook: Callable[[str], Notebook],
                       source: str, timeout_ms: int) -> Notebook:
    """Copy a shipped notebook into the server's root, run it all, and wait for every view."""
    shutil.copy(ROOT / "notebooks" / source, lab_server.root / source)
    nb = open_notebook(source)
    nb.run_all()
    nb.wait_idle(timeout_ms=timeout_ms)
    for name, selector in VIEWS.items():
        try:
            nb.panel.locator(selector).first.wait_for(state="visible", timeout=30_000)
        except Exception as exc:
            raise AssertionError(f"the {name} did not render ({selector})") from exc
    return nb


def test_quickstart_renders_every_view(
    lab_server: LabServer, open_notebook: Callable[[str], Notebook]
) -> None:
    nb = _run_and_see_views(lab_server, open_notebook, "01_quickstart.ipynb", 180_000)
    # The run finished within the cell that waits; the bar and the table show all of it.
    budget = nb.kernel.eval("run.counts['total']")
    nb.panel.locator('.hcw-control-bar[data-status="finished"]').wait_for()
    nb.page.wait_for_function(
        """(n) => {
            const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const c = p && p.querySelector('.hcw-row-count');
            return !!c && c.textContent.startsWith(n + ' of ' + n);
        }""",
        arg=budget,
    )
    # The quickstart rejected its worst trial: the table greys it.
    rejected = nb.kernel.eval("[r['number'] for r in run.records() if r['review'] == 'rejected']")
    assert len(rejected) == 1
    nb.panel.locator(".hcw-dashboard").first.scroll_into_view_if_needed()
    nb.screenshot("quickstart")
    nb.assert_clean()


def test_expert_knowledge_notebook_renders(
    lab_server: LabServer, open_notebook: Callable[[str], Notebook]
) -> None:
    """The second notebook too: its comparison chart and its live dashboard, without errors."""
    nb = _run_and_see_views(lab_server, open_notebook, "02_expert_knowledge.ipynb", 240_000)
    # Two bqplot figures: the comparison of strategies and the dashboard's cost curve.
    assert nb.panel.locator(".bqplot").count() >= 2
    # The comparison draws each strategy in its own colour, so its legend tells them apart.
    chart = nb.panel.locator(".bqplot").first
    chart.scroll_into_view_if_needed()
    colours = chart.locator("svg path.line").evaluate_all(
        "ps => ps.map(p => getComputedStyle(p).stroke)")
    assert len(set(colours)) == 4, colours  # each line and its legend entry
    legend = chart.locator("svg text.legendtext").all_text_contents()
    assert {"no steering", "constraints", "priors", "constraints + priors"} <= set(legend), legend
    chart.screenshot(path=str(nb.output_dir / "expert_knowledge_comparison.png"))
    nb.panel.locator('.hcw-control-bar[data-status="finished"]').wait_for()
    nb.panel.locator(".hcw-dashboard").first.scroll_into_view_if_needed()
    nb.screenshot("expert_knowledge")
    nb.assert_clean()
