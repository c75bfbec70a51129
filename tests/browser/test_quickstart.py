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


def test_quickstart_renders_every_view(
    lab_server: LabServer, open_notebook: Callable[[str], Notebook]
) -> None:
    shutil.copy(ROOT / "notebooks" / "01_quickstart.ipynb", lab_server.root / "quickstart.ipynb")
    nb = open_notebook("quickstart.ipynb")
    nb.run_all()
    nb.wait_idle(timeout_ms=180_000)
    for name, selector in VIEWS.items():
        try:
            nb.panel.locator(selector).first.wait_for(state="visible", timeout=30_000)
        except Exception as exc:
            raise AssertionError(f"the {name} did not render ({selector})") from exc
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
    shutil.copy(ROOT / "notebooks" / "02_expert_knowledge.ipynb", lab_server.root / "expert.ipynb")
    nb = open_notebook("expert.ipynb")
    nb.run_all()
    nb.wait_idle(timeout_ms=240_000)
    for name, selector in VIEWS.items():
        try:
            nb.panel.locator(selector).first.wait_for(state="visible", timeout=30_000)
        except Exception as exc:
            raise AssertionError(f"the {name} did not render ({selector})") from exc
    # Two bqplot figures: the comparison of strategies and the dashboard's cost curve.
    assert nb.panel.locator(".bqplot").count() >= 2
    nb.panel.locator('.hcw-control-bar[data-status="finished"]').wait_for()
    nb.panel.locator(".hcw-dashboard").first.scroll_into_view_if_needed()
    nb.screenshot("expert_knowledge")
    nb.assert_clean()
