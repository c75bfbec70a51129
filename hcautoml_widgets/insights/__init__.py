"""Headless insights: what a run's trials say, as plain data (dicts, DataFrames).

In the style of ``optuna.importance``::

    hcw.insights.importance(run)                  # {name: share}, most important first
    hcw.insights.partial_dependence(run, "C")     # DataFrame: value, mean, std
    hcw.insights.partial_dependence(run, ("C", "gamma"))   # the pair's grid

Everything here reads a run through its public surface (``records()``, ``space``,
``steering.state``, ``direction``, ``feed``) and imports only ``core``; the views in
``hcautoml_widgets.widgets`` draw what these functions return.
"""

from hcautoml_widgets.insights.dependence import partial_dependence, top_pair
from hcautoml_widgets.insights.explain import explain
from hcautoml_widgets.insights.importance import (
    importance,
    importance_history,
    importance_interval,
)
from hcautoml_widgets.insights.labels import describe, label
from hcautoml_widgets.insights.parallel import edit_for_brush, selected
from hcautoml_widgets.insights.progress import BestSoFar, best_so_far, progress
from hcautoml_widgets.insights.refresh import Refresher
from hcautoml_widgets.insights.reviews import review_changes
from hcautoml_widgets.insights.timeline import timeline

# One line per module: new analyses (explain, timeline, ...) add their names here.
__all__ = [
    "BestSoFar",
    "Refresher",
    "best_so_far",
    "describe",
    "edit_for_brush",
    "explain",
    "importance",
    "importance_history",
    "importance_interval",
    "label",
    "partial_dependence",
    "progress",
    "review_changes",
    "selected",
    "timeline",
    "top_pair",
]
