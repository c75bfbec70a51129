"""Make the README's picture: the quickstart's dashboard in the middle of a steered run, on a log
axis, with the best trial selected (its row and details in the table, its point ringed), down to
the end of the trial table.

Not a test; run it by hand when the views change (it uses the same harness as the browser tests):

    .venv/bin/python -m tests.browser.readme_picture notebooks/images/dashboard.png
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    ConsoleLog,
    Notebook,
    start_lab,
    stop_lab,
)

# The quickstart's cells to run, in order, found by a piece of their source: everything up to
# and including the reject, so the picture shows a narrowed range, a prior and a rejected trial.
STEPS = [
    "import hcautoml_widgets as hcw",
    "X, y = load_breast_cancer",
    "run.dashboard()",
    "run.start(n_trials=BUDGET)",
    'run.steering.narrow("C"',
    'run.steering.prior("gamma"',
    "run.steering.reject(worst",
]
TRIALS_IN_PICTURE = 45


def main(out: Path) -> None:
    source = ROOT / "notebooks" / "01_quickstart.ipynb"
    cells = nbformat.read(str(source), as_version=4).cells
    indices = [
        next(i for i, c in enumerate(cells) if c.cell_type == "code" and step in c.source)
        for step in STEPS
    ]
    os.environ["HCW_NOTEBOOK_BUDGET"] = "150"
    with tempfile.TemporaryDirectory() as tmp:
        server = start_lab(Path(tmp))
        try:
            shutil.copy(source, server.root / "quickstart.ipynb")
            from playwright.sync_api import sync_playwright

            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1500, "height": 1500})
                nb = Notebook(page, server, "quickstart.ipynb", ConsoleLog(), out.parent)
                nb.goto()
                for i in indices:
                    nb.run_cell(i)
                    nb.wait_cell_done(i)
                while nb.kernel.eval("run.counts['complete']") < TRIALS_IN_PICTURE:
                    time.sleep(0.5)
                nb.kernel.exec("run.pause(); run.wait()")
                time.sleep(1.0)  # the last deltas reach the page
                dash = nb.panel.locator(".hcw-dashboard").first
                # The values span a decade: the log axis shows them best. The best trial
                # selected: its row highlighted with its details, its point ringed.
                dash.locator("button.hcw-log-toggle").click()
                best = nb.kernel.eval("run.best_trial_number")
                # Selected from the kernel, as a click on its point does: the table scrolls to
                # the row (the newest trials come first) and opens its details.
                nb.kernel.exec(f"run._dashboard.trial_table.selected = {best}")
                dash.locator(f'.hcw-details[data-number="{best}"]').wait_for()
                time.sleep(1.0)
                dash.scroll_into_view_if_needed()
                out.parent.mkdir(parents=True, exist_ok=True)
                # From the control bar to the end of the trial table (its details included): the
                # insights below have a picture of their own.
                top = dash.bounding_box()
                table = dash.locator(".hcw-trial-table").first.bounding_box()
                assert top is not None and table is not None
                page.screenshot(path=str(out), full_page=True, clip={
                    "x": top["x"], "y": top["y"], "width": top["width"],
                    "height": table["y"] + table["height"] - top["y"]})
                nb.close_kernel_client()
                browser.close()
        finally:
            stop_lab(server)
    print(f"wrote {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "test-output/browser/dashboard.png"))
