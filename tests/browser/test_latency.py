"""How fast the page follows the kernel, and the kernel the page: measured, printed, never asserted.

* trial completion -> appearance: the kernel stamps each trial's end (``time.time()``); the page
  records, with ``Date.now()`` on the same machine clock, when the trial table first shows that
  trial as complete (a MutationObserver on the table, sorted newest first so every new trial is
  in the DOM).
* edit -> acknowledgement: 50 clicks on the pin box of one parameter (pin, unpin, ...). Measured
  from the click to (a) the kernel's steering event time (the edit applied in the kernel) and
  (b) the page drawing the kernel's new state (``data-pinned`` of the row flips, which only the
  kernel's reply does; the checkbox itself flips at once, locally).

p50 and p95 are printed in the terminal summary and written to test-output/latency.json. The DESIGN
forbids timed assertions in tests: only the number of samples is checked.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.browser.harness import OUTPUT, LabServer, Notebook, record_latency
from tests.browser.scenario import CELL_START, open_scenario, param_row

pytestmark = pytest.mark.browser

N_TRIALS = 100
N_EDITS = 50

OBSERVE_TABLE = """() => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const table = panel.querySelector('.hcw-trial-table .hcw-viewport');
    const seen = {};
    window.__hcwSeen = seen;
    const scan = () => {
        const now = Date.now();
        for (const row of table.querySelectorAll('.hcw-row[data-state="complete"]')) {
            const n = row.dataset.number;
            if (!(n in seen)) seen[n] = now;
        }
    };
    new MutationObserver(scan).observe(table, {childList: true, subtree: true, attributes: true});
    scan();
}"""

OBSERVE_PIN = """(name) => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    const row = panel.querySelector(`.hcw-space-editor .hcw-param[data-param="${name}"]`);
    const log = {clicks: [], flips: []};
    window.__hcwPin = log;
    // Capture phase: the time of the user's click, before the view's own handler runs.
    row.addEventListener('click', (e) => {
        if (e.target.matches('input.hcw-pin')) {
            log.clicks.push({perf: performance.now(), wall: Date.now()});
        }
    }, true);
    new MutationObserver((records) => {
        const now = performance.now();
        for (const r of records) {
            if (r.attributeName === 'data-pinned' && r.oldValue !== row.dataset.pinned) {
                log.flips.push({perf: now, value: row.dataset.pinned});
            }
        }
    }).observe(row, {attributes: true, attributeFilter: ['data-pinned'], attributeOldValue: true});
}"""


def test_latency_trial_to_page_and_edit_to_ack(
    lab_server: LabServer, open_notebook: Callable[[str], Notebook]
) -> None:
    nb = open_scenario(open_notebook, lab_server, "latency", pace=0.05, n_trials=1000, start=False)
    # Newest first (the table's default), so each new trial lands in the rendered window.
    nb.panel.locator('.hcw-trial-table .hcw-th[data-col="number"][data-sort="desc"]').wait_for()
    nb.page.evaluate(OBSERVE_TABLE)
    nb.run_cell(CELL_START)
    nb.wait_cell_done(CELL_START)
    nb.page.wait_for_function(
        f"() => Object.keys(window.__hcwSeen).length >= {N_TRIALS}", timeout=120_000
    )
    seen = {int(k): v for k, v in nb.page.evaluate("() => window.__hcwSeen").items()}
    ends = {
        int(n): e
        for n, e in nb.kernel.eval(
            "{r['number']: r['end'] for r in run.records() if r['state'] == 'complete'}"
        ).items()
    }
    trial_ms = [seen[n] - ends[n] * 1000.0 for n in sorted(seen) if n in ends]
    assert len(trial_ms) >= 50, len(trial_ms)
    # Date.now() has millisecond resolution: a trial cannot show up before it ended.
    assert min(trial_ms) > -2.0, min(trial_ms)
    summary = record_latency("trial completion -> shown in table", trial_ms)
    print(f"\ntrial completion -> page: {summary['p50_ms']} ms p50, {summary['p95_ms']} ms p95")
    # A picture of the dashboard in the middle of a run (for the README).
    nb.panel.locator(".hcw-dashboard").first.scroll_into_view_if_needed()
    nb.page.screenshot(path=str(OUTPUT / "dashboard_running.png"))

    # Edits while the run goes on.
    nb.page.evaluate(OBSERVE_PIN, "depth")
    box = param_row(nb, "depth").locator("input.hcw-pin")
    for i in range(N_EDITS):
        want = "true" if i % 2 == 0 else "false"
        box.click()
        nb.page.wait_for_function(
            "(n) => window.__hcwPin.flips.length >= n", arg=i + 1, timeout=30_000
        )
        flip = nb.page.evaluate("() => window.__hcwPin.flips.at(-1).value")
        assert flip == want, (i, flip)
    log = nb.page.evaluate("() => window.__hcwPin")
    assert len(log["clicks"]) == N_EDITS and len(log["flips"]) == N_EDITS
    page_ms = [f["perf"] - c["perf"] for c, f in zip(log["clicks"], log["flips"], strict=True)]
    events = nb.kernel.eval("[(e.kind, e.time) for e in run.steering.log if e.source == 'widget']")
    assert [k for k, _ in events] == ["pin", "unpin"] * (N_EDITS // 2)
    kernel_ms = [t * 1000.0 - c["wall"] for (_, t), c in zip(events, log["clicks"], strict=True)]
    s1 = record_latency("edit (click) -> applied in kernel", kernel_ms)
    s2 = record_latency("edit (click) -> kernel state shown in page", page_ms)
    print(f"edit -> kernel: {s1['p50_ms']} ms p50, {s1['p95_ms']} ms p95")
    print(f"edit -> page shows ack: {s2['p50_ms']} ms p50, {s2['p95_ms']} ms p95")
    nb.screenshot("latency")
    nb.assert_clean()
