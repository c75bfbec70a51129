"""hcautoml-widgets: watch and steer a running hyperparameter search from JupyterLab."""

from typing import Any

from hcautoml_widgets.core.control import Outcome, RunStateWarning
from hcautoml_widgets.core.feed import EventFeed
from hcautoml_widgets.core.protocol import RunView
from hcautoml_widgets.core.run import Run
from hcautoml_widgets.core.sampler import SteeredSampler
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering

_WIDGETS = ("Dashboard", "ControlBar", "CostCurve", "Insights", "SpaceEditor", "TimelineStrip",
            "TrialTable")

__all__ = ["EventFeed", "Outcome", "Run", "RunStateWarning", "RunView", "SearchSpace", "Steering",
           "SteeredSampler", *_WIDGETS]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # The widgets pull in ipywidgets and bqplot; headless users (workers, CLI) never pay for that.
    if name == "insights":  # headless, but scikit-learn's import is not free either
        import importlib

        return importlib.import_module("hcautoml_widgets.insights")
    if name in _WIDGETS:
        from hcautoml_widgets import widgets

        return getattr(widgets, name)
    raise AttributeError(f"module 'hcautoml_widgets' has no attribute {name!r}")
