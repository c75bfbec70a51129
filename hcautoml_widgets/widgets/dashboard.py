"""Dashboard: the four views of one run, composed (what ``run.dashboard()`` returns)."""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import traitlets

from hcautoml_widgets.core.protocol import RunView
from hcautoml_widgets.widgets.control_bar import ControlBar
from hcautoml_widgets.widgets.cost_curve import CostCurve
from hcautoml_widgets.widgets.space_editor import SpaceEditor
from hcautoml_widgets.widgets.trial_table import TrialTable


class Dashboard(w.VBox):
    """Control bar on top, cost curve and space editor side by side, trial table below.

    Each part is also available on its own (``hcw.ControlBar(run)`` and so on); the parts are
    attributes here so a notebook can reach them (``dash.trial_table``).
    """

    def __init__(self, run: RunView, **kwargs: Any) -> None:
        self.run = run
        self.control_bar = ControlBar(run)
        self.cost_curve = CostCurve(run, layout=w.Layout(flex="1 1 55%", min_width="360px"))
        self.space_editor = SpaceEditor(run, layout=w.Layout(flex="1 1 45%", min_width="320px"))
        self.trial_table = TrialTable(run)
        # A point clicked on the curve selects its row, and a row clicked selects its point.
        traitlets.link((self.cost_curve, "selected"), (self.trial_table, "selected"))
        middle = w.HBox([self.cost_curve, self.space_editor],
                        layout=w.Layout(width="100%", flex_flow="row wrap"))
        super().__init__([self.control_bar, middle, self.trial_table], **kwargs)
        self.add_class("hcw-dashboard")

    @property
    def parts(self) -> list[Any]:
        return [self.control_bar, self.cost_curve, self.space_editor, self.trial_table]

    def close(self) -> None:
        for part in self.parts:
            part.close()
        super().close()

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until every part has received everything the feed published so far."""
        return all(part.flush(timeout) for part in self.parts)
