"""The browser harness itself: JupyterLab serves, Chromium renders an ipywidget, the kernel answers.

If this fails, every other browser test would fail for reasons unrelated to our widgets.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.harness import LabServer, Notebook, write_notebook

pytestmark = pytest.mark.browser


def test_plain_ipywidget_renders(
    lab_server: LabServer, open_notebook: Callable[[str], Notebook]
) -> None:
    write_notebook(
        lab_server.root / "infra.ipynb",
        ["import ipywidgets as w\nx = 41\nw.IntSlider(value=7, description='seven')"],
    )
    nb = open_notebook("infra.ipynb")
    nb.run_all()
    nb.wait_idle()
    slider = nb.panel.locator(".widget-slider")
    slider.wait_for()
    assert nb.kernel.eval("x + 1") == 42
    nb.screenshot("infrastructure")
    nb.assert_clean()
