"""The widget layer: views of a :class:`~hcautoml_widgets.Run` that render and forward edits.

Views hold no truth: they draw what the run's feed tells them and send every edit through
``run.steering`` (see ``_base.py`` for the message protocol).
"""

from hcautoml_widgets.widgets.control_bar import ControlBar
from hcautoml_widgets.widgets.cost_curve import CostCurve
from hcautoml_widgets.widgets.dashboard import Dashboard
from hcautoml_widgets.widgets.insights import Insights
from hcautoml_widgets.widgets.space_editor import SpaceEditor
from hcautoml_widgets.widgets.timeline import TimelineStrip
from hcautoml_widgets.widgets.trial_table import TrialTable

__all__ = ["ControlBar", "CostCurve", "Dashboard", "Insights", "SpaceEditor", "TimelineStrip",
           "TrialTable"]
