"""Every name under which hcautoml-widgets stores something in an Optuna study (``hcw:*``).

Study system attributes carry the run (space, metric name, steering log); trial system attributes
carry each trial's provenance and error. Kept in one module so that the run, the sampler, the
loader and workers on other machines can never disagree about a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# -- study attributes -------------------------------------------------------------------------
#: The base search space, as ConfigSpace JSON.
ATTR_SPACE = "hcw:space"
#: What the objective's value is called ("CV error"), for axis labels.
ATTR_METRIC = "hcw:metric"
#: One attribute per steering event: ``hcw:steering:000012`` holds event 12 as JSON.
STEERING_PREFIX = "hcw:steering:"

# -- trial attributes -------------------------------------------------------------------------
#: The trial's provenance, one dict (see :func:`provenance_from`). One attribute, not one per
#: field: TPE reads every past trial's system attributes at every sample (looking for Optuna's
#: constraint keys), so each key a trial carries costs time that grows with the run.
ATTR_TRIAL = "hcw:trial"
#: Sequence number of the enqueue event whose configuration the trial ran. Its own key because
#: it is written when the configuration is queued, before the trial has any provenance, and
#: workers match queued trials by it.
ATTR_ENQUEUED = "hcw:enqueued"
#: Why the trial failed.
ATTR_ERROR = "hcw:error"

# Studies written before the provenance was one attribute kept each field under its own key.
_LEGACY = {"version": "hcw:version", "origin": "hcw:origin", "origins": "hcw:origins",
           "score": "hcw:score"}


def version_from(system_attrs: Mapping[str, Any]) -> int:
    """The steering version a stored trial was sampled under (0 when unknown), without copying
    the provenance: the sampler reads it for every finished trial before each new one."""
    packed = system_attrs.get(ATTR_TRIAL)
    if isinstance(packed, Mapping):
        return int(packed.get("version", 0))
    return int(system_attrs.get(_LEGACY["version"], 0))


def origin_from(system_attrs: Mapping[str, Any]) -> str:
    """A stored trial's origin ("startup" when unknown), without copying the provenance."""
    packed = system_attrs.get(ATTR_TRIAL)
    if isinstance(packed, Mapping):
        return str(packed.get("origin", "startup"))
    return str(system_attrs.get(_LEGACY["origin"], "startup"))


def ran_centre_from(system_attrs: Mapping[str, Any]) -> bool:
    """Whether a stored trial ran the priors' centres (the first trial after a belief is stated),
    without copying the provenance."""
    packed = system_attrs.get(ATTR_TRIAL)
    return isinstance(packed, Mapping) and bool(packed.get("prior_mode"))


def provenance_from(system_attrs: Mapping[str, Any]) -> dict[str, Any]:
    """A stored trial's provenance: ``version`` (the steering version it was sampled under),
    ``origin`` (startup, model, prior, enqueued or pinned), ``origins`` (each parameter's),
    ``score`` (the acquisition's parts, for a model-based trial) and ``enqueued`` (the enqueue
    event's number). Fields the trial does not have are absent."""
    packed = system_attrs.get(ATTR_TRIAL)
    out = dict(packed) if isinstance(packed, Mapping) else {
        field: system_attrs[key] for field, key in _LEGACY.items() if key in system_attrs}
    if "enqueued" not in out and ATTR_ENQUEUED in system_attrs:
        out["enqueued"] = system_attrs[ATTR_ENQUEUED]
    return out


def steering_key(seq: int) -> str:
    return f"{STEERING_PREFIX}{seq:06d}"
