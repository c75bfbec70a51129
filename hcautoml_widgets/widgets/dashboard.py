"""Dashboard: the views of one run, composed (what ``run.dashboard()`` returns)."""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import traitlets

from hcautoml_widgets.core.protocol import RunView
from hcautoml_widgets.widgets.control_bar import ControlBar
from hcautoml_widgets.widgets.cost_curve import CostCurve
from hcautoml_widgets.widgets.insights import Insights
from hcautoml_widgets.widgets.space_editor import SpaceEditor
from hcautoml_widgets.widgets.timeline import TimelineStrip
from hcautoml_widgets.widgets.trial_table import TrialTable


class Dashboard(w.VBox):
    """Control bar on top; the cost curve with the steering timeline under it, beside the space
    editor; the trial table; then the insights (importance, partial dependence, parallel
    coordinates).

    The insights are a second row rather than a tab: a view laid out while hidden in a tab
    measures zero width, and a person steering wants the curve and what matters in one scroll.

    Each part is also available on its own (``hcw.ControlBar(run)`` and so on); the parts are
    attributes here so a notebook can reach them (``dash.trial_table``).
    """

    def __init__(self, run: RunView, **kwargs: Any) -> None:
        self.run = run
        self.control_bar = ControlBar(run)
        self.cost_curve = CostCurve(run, layout=w.Layout(width="100%"))
        # Directly under the curve, at its width: the strip shares the curve's trial axis.
        self.timeline = TimelineStrip(run, layout=w.Layout(width="100%"))
        self.space_editor = SpaceEditor(run, layout=w.Layout(flex="1 1 45%", min_width="320px"))
        self.trial_table = TrialTable(run)
        self.insights = Insights(run, layout=w.Layout(width="100%"))
        # A point clicked on the curve selects its row, and a row clicked selects its point.
        traitlets.link((self.cost_curve, "selected"), (self.trial_table, "selected"))
        curve = w.VBox([self.cost_curve, self.timeline],
                       layout=w.Layout(flex="1 1 55%", min_width="360px"))
        curve.add_class("hcw-curve-column")  # the strip measures the curve's plot area in it
        middle = w.HBox([curve, self.space_editor],
                        layout=w.Layout(width="100%", flex_flow="row wrap"))
        super().__init__([self.control_bar, middle, self.trial_table, self.insights], **kwargs)
        self.add_class("hcw-dashboard")

    @property
    def parts(self) -> list[Any]:
        return [self.control_bar, self.cost_curve, self.timeline, self.space_editor,
                self.trial_table, self.insights]

    def close(self) -> None:
        for part in self.parts:
            part.close()
        super().close()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every part has received everything the feed published so far."""
        return all(part.flush(timeout) for part in self.parts)
