"""Where the cost curve's steering flags go (the layout alone; the curve's test draws them)."""

from __future__ import annotations

from hcautoml_widgets.widgets._flags import clusters, flag_layout


def test_clusters_start_at_their_first_gap() -> None:
    assert clusters([1.5, 2.5, 3.5, 10.5], 2.0) == [[1.5, 2.5], [3.5], [10.5]]
    assert clusters([], 1.0) == []
    points, lines = flag_layout({4.5: [{"seq": 1}], 5.5: [{"seq": 2}, {"seq": 3}]}, 1000.0,
                                0.9, lambda ev: f"#{ev['seq']}")
    assert points == [(4.5, 0.9, "3 edits: #3")]
    # One flag for two gaps: each edit says before which trial it came.
    assert lines[4.5] == ["before trial 5: #1", "before trial 6: #2", "before trial 6: #3"]
    _, lines = flag_layout({4.5: [{"seq": 1}, {"seq": 2}]}, 20.0, 0.9, lambda ev: f"#{ev['seq']}")
    assert lines[4.5] == ["#1", "#2"]  # one gap: its place is the flag's
