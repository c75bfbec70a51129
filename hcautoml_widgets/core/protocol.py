"""What the views need from a run: the type they are written against.

``Run`` satisfies it, and so must a run attached to a study that workers elsewhere run
(``Run.attach``): the views never depend on how the trials are produced.
"""

from __future__ import annotations

from typing import Any, Protocol

from hcautoml_widgets.core.feed import EventFeed
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering


class RunView(Protocol):
    """The part of :class:`~hcautoml_widgets.Run` the widgets use."""

    feed: EventFeed
    steering: Steering
    space: SearchSpace
    direction: str
    metric: str

    @property
    def status(self) -> str: ...

    @property
    def status_reason(self) -> str | None: ...

    @property
    def counts(self) -> dict[str, int]: ...

    @property
    def budget(self) -> int | None: ...

    @property
    def best_value(self) -> float | None: ...

    @property
    def best_trial_number(self) -> int | None: ...

    def prior_health(self) -> dict[str, dict[str, Any]]: ...

    def status_event(self) -> dict[str, Any]: ...

    def records(self) -> list[dict[str, Any]]: ...

    def record(self, number: int) -> dict[str, Any]: ...

    def start(self, n_trials: int | None = None, timeout: float | None = None, *,
              quiet: bool = False) -> Any: ...

    def pause(self, *, quiet: bool = False) -> Any: ...

    def resume(self, *, quiet: bool = False) -> Any: ...

    def step(self, n: int = 1, *, quiet: bool = False) -> Any: ...

    def stop(self, wait: bool = True, *, quiet: bool = False) -> Any: ...
