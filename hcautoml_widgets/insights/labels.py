"""Words for steering events: one readable line for any event of the log, ``group`` included.

The wording lives in :mod:`hcautoml_widgets.core.effects` because the export (core) writes it
too; this is where views and notebooks take it from, so the cost curve's flags and history and
the timeline strip say the same thing about the same event.
"""

from __future__ import annotations

from hcautoml_widgets.core.effects import describe, label

__all__ = ["describe", "label"]
