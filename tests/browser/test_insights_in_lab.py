"""The Insights view in a real JupyterLab: it renders without errors, follows the run, and a
brush turned into "narrow to this" reaches ``run.steering`` and the trials after it."""

from __future__ import annotations

import shutil
from collections.abc import Callable

import pytest

from tests.browser.harness import OUTPUT, ROOT, LabServer, Notebook, write_notebook
from tests.browser.scenario import SETUP, wait_kernel

pytestmark = pytest.mark.browser

# Geometry of the parallel coordinates (js/src/parallel.ts): axes run from y=276 (low) up to
# y=40 (high) in an SVG drawn at 1:1 scale.
PC_TOP, PC_BOTTOM = 40.0, 276.0
X_LOW, X_HIGH = 0.0, 10.0  # the scenario's "x" axis


def pc_y(svg_box: dict[str, float], value: float) -> float:
    return svg_box["y"] + PC_BOTTOM - (value - X_LOW) / (X_HIGH - X_LOW) * (PC_BOTTOM - PC_TOP)


def n_shown(nb: Notebook) -> int:
    return int(nb.panel.locator(".hcw-insights").first.get_attribute("data-n") or 0)


def test_insights_render_update_and_a_brush_narrows(
    lab_server: LabServer, open_notebook: Callable[[str], Notebook]
) -> None:
    name = "insights_scenario.ipynb"
    write_notebook(lab_server.root / name, [
        SETUP % {"pace": 0.15},
        "view = hcw.Insights(run, min_new=10, min_interval=1.0)\nview",
        "run.start(n_trials=600)",
    ])
    nb = open_notebook(name)
    for i in range(3):
        nb.run_cell(i)
        nb.wait_cell_done(i)
    panel = nb.panel
    panel.locator(".hcw-insights").first.wait_for(state="visible")
    # Insights appear after ten trials, then follow the run.
    nb.page.wait_for_function(
        """() => {
            const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const r = p && p.querySelector('.hcw-insights');
            return !!r && Number(r.dataset.n) >= 10;
        }""", timeout=90_000)
    first = n_shown(nb)
    nb.page.wait_for_function(
        """(n) => {
            const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            return Number(p.querySelector('.hcw-insights').dataset.n) > n;
        }""", arg=first, timeout=90_000)
    assert panel.locator(".hcw-ins-importance g.hcw-imp-row").count() == 4
    assert panel.locator(".hcw-ins-pd .hcw-pd").count() == 4
    assert panel.locator(".hcw-ins-pair rect.hcw-pair-cell").count() > 0
    lines = panel.locator("path.hcw-pc-line")
    assert lines.count() >= first
    panel.locator(".hcw-insights").first.scroll_into_view_if_needed()
    nb.screenshot("insights_live")

    # Brush x between 2 and 4 on its axis, like a hand, then "Narrow to this".
    svg = panel.locator("svg.hcw-pc-svg").first
    svg.scroll_into_view_if_needed()
    overlay = panel.locator('g.hcw-pc-axis[data-param="x"] g.hcw-pc-brush rect.overlay').first
    ob = overlay.bounding_box()
    sb = svg.bounding_box()
    assert ob is not None and sb is not None
    cx = ob["x"] + ob["width"] / 2
    mouse = nb.page.mouse
    mouse.move(cx, pc_y(sb, 4.0))
    mouse.down()
    mouse.move(cx, pc_y(sb, 2.0), steps=8)
    mouse.up()
    count = panel.locator(".hcw-pc-count").first
    assert "selected" in (count.text_content() or "")
    narrow = panel.locator('.hcw-pc-actions button[data-action="narrow"]').first
    assert "narrow x to [" in (narrow.get_attribute("title") or "")
    nb.screenshot("insights_brushed")
    narrow.click()
    panel.locator(".hcw-pc-done").first.wait_for(state="visible")
    assert "narrow x to" in (panel.locator(".hcw-pc-done").first.text_content() or "")

    # In the kernel: the edit went through run.steering, from the widget, about [2, 4].
    low, high = wait_kernel(nb, "list(run.steering.state.ranges['x']) if "
                                "run.steering.state.ranges['x'] != (0.0, 10.0) else None",
                            what="the narrowed range of x")
    assert abs(low - 2.0) < 0.15 and abs(high - 4.0) < 0.15
    last = nb.kernel.eval("[run.steering.log[-1].kind, run.steering.log[-1].source]")
    assert last == ["narrow", "widget"]
    # The next trials obey it.
    version = nb.kernel.eval("run.steering.version")
    wait_kernel(nb, f"len([r for r in run.records() if (r['version'] or 0) >= {version}]) >= 5",
                what="five trials after the edit")
    after = nb.kernel.eval(f"[r['params']['x'] for r in run.records() "
                           f"if (r['version'] or 0) >= {version}]")
    assert after and all(low <= x <= high for x in after), after
    # The view draws the new range on the axis.
    panel.locator('g.hcw-pc-axis[data-param="x"] rect.hcw-pc-range').first.wait_for()
    panel.locator('.hcw-pd[data-param="x"] rect.hcw-pd-range').first.wait_for(timeout=60_000)
    nb.screenshot("insights_narrowed")
    nb.assert_clean()


def test_insights_notebook_renders(
    lab_server: LabServer, open_notebook: Callable[[str], Notebook]
) -> None:
    """The shipped notebook, run all, with its view filled in and no error."""
    source = "03_insights.ipynb"
    shutil.copy(ROOT / "notebooks" / source, lab_server.root / source)
    nb = open_notebook(source)
    nb.run_all()
    nb.wait_idle(timeout_ms=240_000)
    nb.panel.locator(".hcw-insights").first.wait_for(state="visible")
    budget = nb.kernel.eval("run.counts['complete']")
    nb.page.wait_for_function(
        """(n) => {
            const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
            const r = p && p.querySelector('.hcw-insights');
            return !!r && Number(r.dataset.n) === n;
        }""", arg=budget, timeout=60_000)
    view = nb.panel.locator(".hcw-insights").first
    view.scroll_into_view_if_needed()
    nb.screenshot("insights_notebook")
    # The view alone, for the README (notebooks/images/insights.png is a copy of it).
    view.screenshot(path=str(OUTPUT / "insights_view.png"))
    nb.assert_clean()
