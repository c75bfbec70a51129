"""The protocol's promise, measured on a recording comm: bytes per trial do not grow with the run,
no message resends history or comes near 1 MB, about 1 KB or less per trial for 10 parameters."""

from __future__ import annotations

import time

import pytest

import hcautoml_widgets as hcw
from tests.widgets.helpers import finish, make_run, ten_floats
from tests.widgets.recording import Recorder, from_browser

MB = 1_000_000


def paced(config: dict[str, float]) -> float:
    # A trial of ~1 ms keeps the number of trials per feed batch (20 batches a second) about
    # the same at 100 and 2,000 trials, so the comparison is about the protocol, not about how
    # the sampler's speed changes as the history grows.
    time.sleep(0.001)
    return sum(v * v for v in config.values())


def measure(recorder: Recorder, n_trials: int) -> tuple[float, int, int]:
    """(bytes per trial, messages, largest message) sent by a dashboard while ``n_trials`` run.

    Also checks the message rate: the server drops iopub messages beyond 1000 a second."""
    run = make_run(ten_floats(), objective=paced)
    dash = hcw.Dashboard(run)
    for view in (dash.control_bar, dash.space_editor, dash.trial_table):
        from_browser(view, {"type": "snapshot"})  # as a browser does on render
    mark = recorder.mark()
    start = time.monotonic()
    finish(run, n_trials, dash)
    elapsed = time.monotonic() - start
    sent = recorder.since(mark)
    dash.close()
    if elapsed > 2:  # a rate over a fraction of a second says little
        assert len(sent) / elapsed < 250, f"{len(sent)} messages in {elapsed:.1f} s"
    total = sum(s.nbytes for s in sent)
    return total / n_trials, len(sent), max(s.nbytes for s in sent)


def test_bytes_per_trial_constant_from_100_to_2000(recorder: Recorder) -> None:
    small, n_small, max_small = measure(recorder, 100)
    large, n_large, max_large = measure(recorder, 2000)
    print(f"bytes/trial: {small:.0f} at 100 ({n_small} msgs), {large:.0f} at 2000 ({n_large} msgs)")
    assert large <= 1.2 * small
    assert max(max_small, max_large) < MB
    assert large <= 1024 and small <= 1024


@pytest.mark.parametrize("n_trials", [160])
def test_one_trial_per_batch_stays_near_1kb(recorder: Recorder, n_trials: int) -> None:
    """Worst case for coalescing: every batch carries one trial (here forced by flushing the feed
    after each step), so every per-message overhead is paid per trial."""
    run = make_run(ten_floats())
    dash = hcw.Dashboard(run)
    for view in (dash.control_bar, dash.space_editor, dash.trial_table):
        from_browser(view, {"type": "snapshot"})
    mark = recorder.mark()
    per_trial = []
    for _ in range(n_trials):
        before = recorder.mark()
        run.step(1)
        run.wait()
        assert dash.flush(10.0)
        per_trial.append(sum(s.nbytes for s in recorder.since(before)))
    dash.close()
    sent = recorder.since(mark)
    assert max(s.nbytes for s in sent) < MB
    first = sum(per_trial[:50]) / 50
    last = sum(per_trial[-50:]) / 50
    print(f"one trial per batch: {first:.0f} bytes/trial (first 50), {last:.0f} (last 50)")
    assert last <= 1.2 * first
    assert last <= 1600  # ~1 KB; start and finish may arrive in separate batches
