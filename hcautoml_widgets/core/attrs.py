"""Every name under which hcautoml-widgets stores something in an Optuna study (``hcw:*``).

Study system attributes carry the run (space, metric name, steering log); trial system attributes
carry each trial's provenance and error. Kept in one module so that the run, the sampler, the
loader and workers on other machines can never disagree about a key.
"""

from __future__ import annotations

# -- study attributes -------------------------------------------------------------------------
#: The base search space, as ConfigSpace JSON.
ATTR_SPACE = "hcw:space"
#: What the objective's value is called ("CV error"), for axis labels.
ATTR_METRIC = "hcw:metric"
#: One attribute per steering event: ``hcw:steering:000012`` holds event 12 as JSON.
STEERING_PREFIX = "hcw:steering:"

# -- trial attributes -------------------------------------------------------------------------
#: Steering version the trial was sampled under.
ATTR_VERSION = "hcw:version"
#: Sequence number of the enqueue event whose configuration the trial ran.
ATTR_ENQUEUED = "hcw:enqueued"
#: The trial's origin: startup, model, prior, enqueued or pinned.
ATTR_ORIGIN = "hcw:origin"
#: Origin of each parameter.
ATTR_ORIGINS = "hcw:origins"
#: The parts of the acquisition score that picked a model-based trial.
ATTR_SCORE = "hcw:score"
#: Why the trial failed.
ATTR_ERROR = "hcw:error"


def steering_key(seq: int) -> str:
    return f"{STEERING_PREFIX}{seq:06d}"
