"""A small scenario notebook for the steering tests, and the gestures used on its dashboard.

The objective sleeps for ``PACE`` seconds so that trials arrive at a rate a test can follow and
steer, and its value is cheap and deterministic. The notebook's cells are run one at a time from
the page, so the kernel stays free between them for the widgets' edits, as for a user.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.browser.harness import LabServer, Notebook, write_notebook

SETUP = """\
import math
import time

import hcautoml_widgets as hcw
import optuna
from ConfigSpace import Categorical, ConfigurationSpace, Float, Integer

optuna.logging.set_verbosity(optuna.logging.WARNING)
space = ConfigurationSpace(
    {
        "x": Float("x", (0.0, 10.0)),
        "lr": Float("lr", (1e-4, 1.0), log=True),
        "depth": Integer("depth", (1, 10)),
        "kind": Categorical("kind", ["a", "b", "c"]),
    }
)
PACE = %(pace)r


def objective(config):
    time.sleep(PACE)
    penalty = {"a": 0.0, "b": 0.5, "c": 1.0}[config["kind"]]
    return (config["x"] - 3.0) ** 2 + (math.log10(config["lr"]) + 2.0) ** 2 \\
        + 0.1 * config["depth"] + penalty


run = hcw.Run(objective, space, direction="minimize", seed=0)
"""

# Cell indices of the scenario notebook.
CELL_SETUP, CELL_DASHBOARD, CELL_START, CELL_RESUME = range(4)

# The space editor's track geometry (js/src/space_row.ts): an SVG drawn in px, as wide as the
# row, with the base range between 10 px from either end.
TRACK_PAD = 10.0


def write_scenario(server: LabServer, name: str, pace: float, n_trials: int) -> str:
    nbname = f"scenario_{name}.ipynb"
    write_notebook(
        server.root / nbname,
        [
            SETUP % {"pace": pace},
            "dash = run.dashboard()\ndash",
            f"run.start(n_trials={n_trials})",
            "run.resume()",
        ],
    )
    return nbname


def open_scenario(
    open_notebook: Callable[[str], Notebook],
    server: LabServer,
    name: str,
    *,
    pace: float = 0.2,
    n_trials: int = 400,
    start: bool = True,
) -> Notebook:
    """Open a fresh scenario notebook, show its dashboard and (by default) start the run."""
    nb = open_notebook(write_scenario(server, name, pace, n_trials))
    nb.run_cell(CELL_SETUP)
    nb.wait_cell_done(CELL_SETUP)
    nb.run_cell(CELL_DASHBOARD)
    nb.wait_cell_done(CELL_DASHBOARD)
    nb.panel.locator('.hcw-control-bar[data-status="idle"]').wait_for()
    nb.panel.locator(".hcw-space-editor .hcw-param").first.wait_for()
    if start:
        nb.run_cell(CELL_START)
        nb.wait_cell_done(CELL_START)
    return nb


def wait_kernel(nb: Notebook, expr: str, timeout: float = 60.0, what: str = "") -> Any:
    """Poll ``expr`` in the kernel until it is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = nb.kernel.eval(expr)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or expr} (last: {value!r})")
        time.sleep(0.2)


def param_row(nb: Notebook, name: str) -> Any:
    return nb.panel.locator(f'.hcw-space-editor .hcw-param[data-param="{name}"]').first


def track_x(track_box: dict[str, float], unit: float) -> float:
    """Page x of the point at ``unit`` (0..1) along a track's base range."""
    return track_box["x"] + TRACK_PAD + unit * (track_box["width"] - 2 * TRACK_PAD)


def grab(nb: Notebook, handle: Any) -> None:
    """Press the mouse button on a space-editor handle and keep it down.

    The row says which handle it holds (``data-dragging``). If a block above moved the page
    between putting the pointer on the handle and pressing (the press then lands beside it), let
    go and take it again, as a person would.
    """
    mouse = nb.page.mouse
    for _attempt in range(4):
        handle.scroll_into_view_if_needed()
        handle.hover()
        mouse.down()
        if handle.evaluate("h => !!h.closest('.hcw-param')?.dataset.dragging"):
            return
        mouse.up()
    raise AssertionError("the handle could not be grabbed: the page kept moving under it")


def drag(nb: Notebook, handle: Any, track: Any, unit: float) -> None:
    """Press on ``handle``, move it along ``track`` to ``unit`` and release, like a user.

    ``hover`` waits until the handle stands still and puts the pointer on it; the button goes
    down at once after, so a block of the page that changes height above the editor (a line of
    the control bar wrapping as its numbers grow) cannot move the handle from under it.
    """
    grab(nb, handle)
    mouse = nb.page.mouse
    hb = handle.bounding_box()
    tb = track.bounding_box()
    assert hb is not None and tb is not None
    y0 = hb["y"] + hb["height"] / 2
    # Several steps so pointermove fires along the way as it does under a hand.
    mouse.move(track_x(tb, unit), y0, steps=8)
    mouse.up()
