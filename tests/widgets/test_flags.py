"""Where the cost curve's steering flags go (the layout alone; the curve's test draws them)."""

from __future__ import annotations

from hcautoml_widgets.widgets._flags import clusters, flag_layout


def test_clusters_start_at_their_first_gap() -> None:
    assert clusters([1.5, 2.5, 3.5, 10.5], 2.0) == [[1.5, 2.5], [3.5], [10.5]]
    assert clusters([], 1.0) == []
    points, events = flag_layout({4.5: [{"seq": 1}], 5.5: [{"seq": 2}, {"seq": 3}]}, 1000.0,
                                 0.9, lambda ev: f"#{ev['seq']}")
    assert points == [(4.5, 0.9, "3 edits: #3")]
    assert [ev["seq"] for ev in events[4.5]] == [1, 2, 3]
