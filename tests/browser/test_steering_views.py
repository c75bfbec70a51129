"""The dashboard reads at a glance and behaves like a good tool, in a real JupyterLab.

* the cost curve's value axis shows the ticks of the active scale after each log toggle;
* several edits between two trials make one flag with a count, its tooltip lists them all, and
  the steering history (newest first) is one click away;
* a point's tooltip shows its configuration; clicking a point selects its row, and a row its
  point; the table shows the newest first, says what "enqueue a copy" did, and shows the queue;
* in the space editor a number is typed, a pin is placed where it is dropped, a slider moves
  from the keyboard, and an inline error clears once the state it is about changes.

Every check of an effect is made in the kernel (``run.steering``, the views' traits), or in the
page where the effect is what the page shows. Screenshots go to test-output/browser/.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.harness import LabServer, Notebook
from tests.browser.scenario import drag, open_scenario, param_row, wait_kernel

pytestmark = pytest.mark.browser

OpenNotebook = Callable[[str], Notebook]
STATE = "run.steering.state.to_dict()"

# (value, y in px) of each tick of the figure's vertical axis.
Y_TICKS = """(fig) => {
    for (const ax of fig.querySelectorAll('svg g.axis')) {
        const ticks = [...ax.querySelectorAll('.tick')].map(t => {
            const at = t.getAttribute('transform') || '';
            const m = /translate\\(\\s*([-\\d.e]+)[ ,]+([-\\d.e]+)\\s*\\)/.exec(at);
            return m ? [Number(m[1]), Number(m[2]), t.textContent] : null;
        }).filter(Boolean);
        if (ticks.length > 1 && ticks.every(t => t[0] === 0)) return ticks.map(t => [t[2], t[1]]);
    }
    return [];
}"""


def fit_error(ticks: list[tuple[float, float]], f: Callable[[float], float]) -> float:
    """Largest distance (px) of a tick from the best line y = a f(v) + b, over the axis length."""
    xs = [f(v) for v, _ in ticks]
    ys = [y for _, y in ticks]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    a = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    b = my - a * mx
    span = max(ys) - min(ys)
    return max(abs(a * x + b - y) for x, y in zip(xs, ys, strict=True)) / span


def y_ticks(nb: Notebook) -> list[tuple[float, float]]:
    fig = nb.panel.locator(".hcw-cost-figure").first
    return [(float(v), float(y)) for v, y in fig.evaluate(Y_TICKS)]


def wait_axis(nb: Notebook, scale: str, timeout: float = 30.0) -> list[tuple[float, float]]:
    """Wait until the value axis's ticks lie on a ``scale`` ("log" or "linear") axis."""
    deadline = time.monotonic() + timeout
    while True:
        ticks = y_ticks(nb)
        if len(ticks) >= 3:
            lin = fit_error(ticks, float)
            log = fit_error(ticks, math.log10) if all(v > 0 for v, _ in ticks) else 1.0
            if (scale == "log" and log < 0.01 < lin) or (scale == "linear" and lin < 0.01 < log):
                return ticks
        if time.monotonic() > deadline:
            raise AssertionError(f"the value axis never showed {scale} ticks: {ticks}")
        time.sleep(0.2)


def hover_text(nb: Notebook, target: Any, expect: str) -> str:
    """The figure's tooltip over ``target`` once it holds ``expect`` (the kernel fills it in on
    hover, so a placeholder may show first)."""
    target.hover()
    tip = nb.page.locator(".bqplot_tooltip_div")
    tip.wait_for(state="attached")
    nb.page.wait_for_function("([e, s]) => e.innerText.includes(s)",
                              arg=[tip.element_handle(), expect])
    return str(tip.inner_text())


# Indices of the trial points among the figure's dots: round (an arc in their path), filled.
TRIAL_DOTS = """(root) => [...root.querySelectorAll('svg .dot')].map((d, i) => [d, i])
    .filter(([d]) => (d.getAttribute('d') || '').includes('A')
                     && getComputedStyle(d).fill !== 'none')
    .map(([, i]) => i)"""


def test_curve_axis_flags_history_and_point_row_selection(
    lab_server: LabServer, open_notebook: OpenNotebook
) -> None:
    nb = open_scenario(open_notebook, lab_server, "curve", pace=0.05, n_trials=400)
    wait_kernel(nb, "run.counts['complete'] >= 25", what="25 finished trials")
    nb.kernel.exec("run.pause(); run.wait()")
    curve = nb.panel.locator(".hcw-cost-curve").first
    curve.scroll_into_view_if_needed()

    # 1. The value axis says the truth after each toggle (values span several decades here).
    lo, hi = nb.kernel.eval(
        "[min(r['value'] for r in run.records() if r['state'] == 'complete'),"
        " max(r['value'] for r in run.records() if r['state'] == 'complete')]")
    assert hi / lo > 10, (lo, hi)
    wait_axis(nb, "linear")
    toggle = curve.locator(".hcw-log-toggle button, button.hcw-log-toggle").first
    toggle.click()
    ticks = wait_axis(nb, "log")
    values = [v for v, _ in ticks]
    assert min(values) <= lo * 2 and max(values) >= hi / 2, (ticks, lo, hi)
    nb.screenshot("curve_log")
    toggle.click()
    wait_axis(nb, "linear")
    toggle.click()
    wait_axis(nb, "log")

    # 6. Three edits between the same two trials: one flag, "×3", every edit in its tooltip.
    nb.kernel.exec(
        "run.steering.narrow('x', 1.0, 8.0)\n"
        "run.steering.prior('lr', 0.01, confidence='high')\n"
        "run.steering.allow('kind', ['a', 'b'])\n"
    )
    count = curve.locator("svg text", has_text="×3")
    count.wait_for()
    flag_index = curve.evaluate(
        """(root) => {
            const label = [...root.querySelectorAll('svg text')].find(t => t.textContent === '×3');
            const box = label.getBoundingClientRect();
            let best = -1, dist = 1e9;
            [...root.querySelectorAll('svg .dot')].forEach((d, i) => {
                const b = d.getBoundingClientRect();
                // the count sits 6 px right of and above its flag
                const dx = b.x + b.width / 2 - (box.x - 6);
                const dd = Math.hypot(dx, b.y + b.height / 2 - (box.bottom + 3));
                if (dd < dist) { dist = dd; best = i; }
            });
            return best;
        }"""
    )
    flag = curve.locator("svg .dot").nth(flag_index)
    text = hover_text(nb, flag, "3 steering edits")
    for word in ("3 steering edits", "narrowed x", "prior lr", "allowed only a, b for kind"):
        assert word in text, text
    curve.locator(".hcw-history-toggle button, button.hcw-history-toggle").first.click()
    items = curve.locator(".hcw-history li")
    items.first.wait_for()
    seqs = [int(s) for s in items.evaluate_all("li => li.map(e => e.dataset.seq)")]
    assert seqs == sorted(seqs, reverse=True) and len(seqs) == 3, seqs
    nb.screenshot("curve_flags_history")

    # 7. A point's tooltip shows its configuration; a click selects its row, and back.
    dot = curve.locator("svg .dot").nth(curve.evaluate(TRIAL_DOTS)[3])
    text = hover_text(nb, dot, "x = ")
    assert text.startswith("trial "), text
    number = int(text.split()[1])
    for name in ("value = ", "origin: ", "x = ", "lr = ", "depth = ", "kind = "):
        assert name in text, text
    dot.click()
    wait_kernel(nb, "dash.trial_table.selected is not None", what="a selected row")
    assert nb.kernel.eval("dash.trial_table.selected") == number
    table = nb.panel.locator(".hcw-trial-table")
    table.locator(f'.hcw-row[data-number="{number}"][aria-selected="true"]').wait_for()
    table.locator(f'.hcw-details[data-number="{number}"]').wait_for()
    other = 2 if number != 2 else 3
    row = table.locator(f'.hcw-row[data-number="{other}"]')
    row.scroll_into_view_if_needed()
    row.locator(".hcw-c-origin").click()
    wait_kernel(nb, f"dash.cost_curve.selected == {other}", what="the point selected")
    assert nb.kernel.eval("list(map(int, dash.cost_curve.ring.x))") == [other]
    nb.screenshot("point_row_selection")

    # 7. The table: newest first; "enqueue a copy" says what it did; the queue shows, and clears.
    table.locator(f'.hcw-details[data-number="{other}"]').wait_for()
    table.locator('.hcw-details button[data-action="enqueue-copy"]').click()
    table.locator(".hcw-notice").filter(has_text="enqueued").wait_for()
    table.locator(".hcw-queue li").first.wait_for()
    assert table.locator(".hcw-queue li").count() == 1
    assert nb.kernel.eval("len(run.steering.pending())") == 1
    nb.screenshot("table_queue")
    table.locator('.hcw-queue button[data-action="clear-queue"]').click()
    table.locator(".hcw-queue").wait_for(state="hidden")
    assert nb.kernel.eval("len(run.steering.pending())") == 0
    # Selecting scrolled the table away from the newest trial; "follow live" brings it back.
    table.locator(".hcw-th[data-col='number'][data-sort='desc']").wait_for()
    newest = nb.kernel.eval("max(r['number'] for r in run.records())")
    table.locator("input.hcw-follow").check()
    nb.page.wait_for_function(
        "([e, n]) => e.querySelector('.hcw-row')?.dataset.number == n",
        arg=[table.locator(".hcw-spacer").element_handle(), newest])
    nb.assert_clean()


def test_editor_typed_values_pin_keyboard_and_errors_that_clear(
    lab_server: LabServer, open_notebook: OpenNotebook
) -> None:
    nb = open_scenario(open_notebook, lab_server, "editor", pace=0.2)
    x = param_row(nb, "x")
    x.scroll_into_view_if_needed()

    # 4. Type a bound: click the number, type, Enter.
    x.locator('button.hcw-num[data-field="high"]').click()
    box = x.locator('input.hcw-num-input[data-field="high"]')
    box.fill("6.5")
    box.press("Enter")
    assert wait_kernel(nb, f"{STATE}['ranges']['x'] if {STATE}['ranges']['x'][1] < 10 else None",
                       what="x narrowed") == [0.0, 6.5]
    x.locator(".hcw-range-text").filter(has_text="0 – 6.5").wait_for()

    # 4. Place a pin where it is dropped (depth in [1, 10]: a quarter along is 3.25 -> 3).
    depth = param_row(nb, "depth")
    drag(nb, depth.locator("path.hcw-pin-handle"), depth.locator("svg.hcw-track"), 0.25)
    pinned = wait_kernel(nb, f"{STATE}['pins'].get('depth')", what="a pin on depth")
    assert pinned == 3, pinned
    depth.locator(".hcw-pin-text").filter(has_text="pinned 3").wait_for()
    depth.locator("line.hcw-pin-marker[visibility=visible]").wait_for(state="attached")

    # 10. A slider from the keyboard: focus the high handle of lr, five steps left, Enter.
    lr = param_row(nb, "lr")
    handle = lr.locator("circle.hcw-handle-high")
    assert handle.get_attribute("role") == "slider"
    handle.focus()
    for _ in range(5):
        nb.page.keyboard.press("ArrowLeft")
    nb.page.keyboard.press("Enter")
    high = wait_kernel(nb, f"{STATE}['ranges']['lr'][1] < 1 and {STATE}['ranges']['lr'][1]",
                       what="lr narrowed from the keyboard")
    assert 0.5 < high < 0.9, high  # five hundredths of four decades down from 1

    # 5. An inline error stays until what it is about changes, here from a cell.
    before = nb.kernel.eval(STATE)
    x.locator('button.hcw-num[data-field="low"]').click()
    box = x.locator('input.hcw-num-input[data-field="low"]')
    box.fill("20")
    box.press("Enter")
    error = x.locator(".hcw-error")
    nb.page.wait_for_function("e => e.textContent.length > 0", arg=error.element_handle())
    assert nb.kernel.eval(STATE) == before
    nb.screenshot("editor_error")
    nb.kernel.exec("run.steering.narrow('depth', 2, 9)")  # another row: the error stands
    param_row(nb, "depth").locator(".hcw-range-text").filter(has_text="2 – 9").wait_for()
    assert error.text_content()
    nb.kernel.exec("run.steering.narrow('x', 1.0, 6.0)")  # its own row, from a cell
    nb.page.wait_for_function("e => e.textContent === ''", arg=error.element_handle())
    x.locator(".hcw-range-text").filter(has_text="1 – 6").wait_for()

    # And once more from the page: a refused prior, then a valid one clears the message.
    x.locator('button.hcw-num[data-field="prior"]').click()
    box = x.locator('input.hcw-num-input[data-field="prior"]')
    box.fill("50")  # outside the base range [0, 10]
    box.press("Enter")
    error.filter(has_text="outside").wait_for()
    drag(nb, x.locator("path.hcw-prior-marker"), x.locator("svg.hcw-track"), 0.3)
    wait_kernel(nb, f"{STATE}['priors'].get('x')", what="a valid prior on x")
    nb.page.wait_for_function("e => e.textContent === ''", arg=error.element_handle())
    nb.panel.locator(".hcw-space-editor").first.scroll_into_view_if_needed()
    nb.screenshot("editor_in_force")
    nb.assert_clean()


def test_editor_says_when_a_prior_looks_wrong(
    lab_server: LabServer, open_notebook: OpenNotebook
) -> None:
    nb = open_scenario(open_notebook, lab_server, "health", pace=0.02, start=False)
    # The optimum is at x = 3: a confident prior at 9 is wrong, and the trials show it.
    nb.kernel.exec("run.steering.prior('x', 9.0, 'high')")
    x = param_row(nb, "x")
    health = x.locator(".hcw-prior-health")
    health.filter(has_text="0 trials near it so far, too few to judge").wait_for()
    nb.run_cell(2)
    wrong = x.locator('.hcw-prior-health[data-state="wrong"]')
    wrong.wait_for(timeout=60_000)
    nb.kernel.exec("run.pause()")
    # Read the sentence once no trial is in flight: one ending after it was read would change
    # the counts in it, and the row would rightly show the newer sentence.
    wait_kernel(nb, "run.status == 'paused'", what="the pause")
    said = wait_kernel(nb, "run.prior_health()['x']['message']", what="the kernel's sentence")
    assert said.startswith("trials near your prior on x are worse than elsewhere"), said
    # The row shows the kernel's sentence of the moment (the counts in it move while trials end).
    nb.page.wait_for_function("([e, s]) => e.textContent.includes(s)",
                              arg=[wrong.element_handle(), said])
    text = health.text_content() or ""
    assert "near it vs" in text and "elsewhere" in text, text
    # Rows without a prior say nothing about one.
    assert param_row(nb, "lr").locator(".hcw-prior-health").is_hidden()
    x.scroll_into_view_if_needed()
    nb.screenshot("editor_prior_health")
    nb.kernel.exec("run.steering.clear_prior('x')")
    nb.page.wait_for_function("e => e.dataset.state === 'none'", arg=health.element_handle())
    nb.assert_clean()
