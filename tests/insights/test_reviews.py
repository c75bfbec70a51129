"""Which trials a review change touches."""

from __future__ import annotations

import hcautoml_widgets as hcw
from hcautoml_widgets.insights.reviews import rejected, review_changes
from tests.svm_toy import objective, space


def test_changes_are_appearances_disappearances_and_flips() -> None:
    before = {"1": "accepted", "2": "rejected", "5": "rejected"}
    after = {1: "rejected", 5: "rejected", 7: "accepted"}  # int keys and str keys mean the same
    assert review_changes(before, after) == [1, 2, 7]
    assert review_changes(after, after) == [] and review_changes({}, {}) == []
    assert rejected(after) == {1, 5} and rejected({}) == set()


def test_changes_between_two_states_of_a_real_run() -> None:
    run = hcw.Run(objective, space(), seed=0)
    run.step(4)
    run.wait()
    first = run.steering.state_dict()["reviews"]
    run.steering.reject(1)
    run.steering.accept(2)
    second = run.steering.state_dict()["reviews"]
    assert review_changes(first, second) == [1, 2]
    run.steering.undo()
    assert review_changes(second, run.steering.state_dict()["reviews"]) == [2]
