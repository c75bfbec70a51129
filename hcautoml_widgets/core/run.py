"""The run: a hyperparameter search in background threads that a person can steer.

``Run`` is a thin front over the parts that do the work: :mod:`control` (the status and the
rules of pause, step and stop), :mod:`trial_loop` (the worker threads), :mod:`records` (a row a
trial), :mod:`feed` (events to the views), :mod:`steering` (the log of human edits) and
:mod:`loading` (``Run.load``). The optimiser runs in daemon threads through Optuna's ask/tell, so
the notebook's kernel stays free to run cells and to handle the widgets' messages (which it only
does between cells). Every control call is safe from any thread and in any status: one that
makes no sense now changes nothing and says so (its return value's ``ok`` is False, and a
:class:`RunStateWarning` is issued unless ``quiet=True``).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import optuna
import pandas as pd
from optuna.samplers import BaseSampler
from optuna.storages import BaseStorage

from hcautoml_widgets.core import export as export_mod
from hcautoml_widgets.core import loading
from hcautoml_widgets.core import persistence as store
from hcautoml_widgets.core.control import (
    Controller,
    Outcome,
    PreClaimHook,
    RunStateWarning,
    Status,
)
from hcautoml_widgets.core.feed import EventFeed
from hcautoml_widgets.core.objective import takes_report
from hcautoml_widgets.core.records import Records
from hcautoml_widgets.core.sampler import SteeredSampler
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering
from hcautoml_widgets.core.trial_loop import TrialLoop
from hcautoml_widgets.core.words import plural

if TYPE_CHECKING:
    from hcautoml_widgets.core.events import SteeringEvent

__all__ = ["Outcome", "Run", "RunStateWarning"]
_FINISHED = ("complete", "failed", "pruned")


class Run:
    """A steerable hyperparameter search (see the package README for a tour).

    Args:
        objective: ``objective(config)`` or ``objective(config, report)`` returning a float;
            ``config`` is a dict of plain Python scalars (active parameters only) and
            ``report(value, step)`` reports an intermediate value, raising
            ``optuna.TrialPruned`` when the pruner says the trial should stop.
        space: a ConfigSpace ``ConfigurationSpace`` or a dict of Optuna distributions.
        direction: "minimize" or "maximize".
        sampler: the base sampler to steer (TPE by default).
        storage: None (memory), an Optuna storage URL or object.
        study_name: the study's name in the storage.
        n_workers: optimiser threads.
        seed: seeds the default sampler.
        max_consecutive_failures: the run stops with status "failed" after this many failed
            trials in a row.
        pruner: an Optuna pruner for objectives that report.
        metric: what the objective's value is called ("CV error"); the views label their axes
            with it. Stored with the study, so ``Run.load`` restores it.
    """

    def __init__(self, objective: Callable[..., Any] | None, space: Any,
                 direction: str = "minimize", sampler: BaseSampler | None = None,
                 storage: str | BaseStorage | None = None, study_name: str | None = None,
                 n_workers: int = 1, seed: int | None = None, max_consecutive_failures: int = 10,
                 pruner: optuna.pruners.BasePruner | None = None, metric: str | None = None,
                 _steering: Steering | None = None) -> None:
        if direction not in ("minimize", "maximize"):
            raise ValueError(f"direction must be 'minimize' or 'maximize', got {direction!r}")
        if isinstance(n_workers, bool) or not isinstance(n_workers, int) or n_workers < 1:
            raise ValueError(f"n_workers must be a positive integer, got {n_workers!r}")
        if metric is not None and (not isinstance(metric, str) or not metric.strip()):
            raise ValueError(f"metric must be a non-empty string, got {metric!r}")
        self.objective = objective
        self.space = SearchSpace.from_any(space)
        self.direction = direction
        self.metric = metric or store.DEFAULT_METRIC
        self.n_workers = n_workers
        self.max_consecutive_failures = int(max_consecutive_failures)
        self.records_ = Records(direction)
        self.feed = EventFeed(self.status_event)
        self.control = Controller(n_workers, self.max_consecutive_failures,
                                  on_change=self._status_changed)
        self.steering = _steering or Steering(self.space)
        self.steering.bind_trials(lambda n: n in self.records_)
        self.sampler = SteeredSampler(self.steering, sampler, seed=seed)
        self._storage = store.open_storage(storage)
        with _quiet_optuna():
            self.study = optuna.create_study(
                storage=self._storage, sampler=self.sampler, study_name=study_name,
                direction=optuna.study.StudyDirection[direction.upper()], pruner=pruner,
                load_if_exists=True)
        self._study_id = self.study._study_id
        if _steering is None:
            store.save_space(self._storage, self._study_id, self.space, self.metric)
        elif metric is not None:
            store.save_metric(self._storage, self._study_id, self.metric)
        self.accepts_report = objective is not None and takes_report(objective)
        self.trials_before = 0  # trials the study held before this process claimed any
        self._done_at_start = 0
        self._loop = TrialLoop(self)
        self._dashboard: Any = None
        self.steering.bind_store(self._save_event)
        self.steering.subscribe(self._on_steering)

    def __repr__(self) -> str:
        counts = self.counts
        best = self.records_.best
        shown = ("no completed trial" if best is None else
                 f"best {self.metric} {best['value']:.6g} (trial {best['number']})")
        return (f"<hcw.Run {self.study.study_name!r}: {self.status}, "
                f"{plural(counts['total'], 'trial')} "
                f"({counts['complete']} complete, {counts['failed']} failed), {shown}>")

    # -- state --------------------------------------------------------------------------------
    @property
    def status(self) -> str:
        """ "idle" | "running" | "paused" | "stopped" | "finished" | "failed" """
        return self.control.status.value

    @property
    def status_reason(self) -> str | None:
        """Why the run is in its status ("stopped by request", "budget used up", ...)."""
        return self.control.reason

    @property
    def started_count(self) -> int:
        """Objective calls claimed by this process (each begins once, or its trial fails)."""
        return self.control.started

    @property
    def step_remaining(self) -> int | None:
        """Trials left in the step in progress (None when no step is in progress)."""
        return self.control.step_remaining

    @property
    def budget(self) -> int | None:
        """The total number of trials at which the current budget ends (None: unbounded)."""
        limit = self.control.limit
        return None if limit is None else self.trials_before + limit

    @property
    def started_at(self) -> float | None:
        return self.control.started_at

    @property
    def counts(self) -> dict[str, int]:
        return self.records_.counts()

    @property
    def best_value(self) -> float | None:
        best = self.records_.best
        return None if best is None else best["value"]

    @property
    def best_trial_number(self) -> int | None:
        best = self.records_.best
        return None if best is None else best["number"]

    def best_config(self) -> dict[str, Any]:
        """The best trial's configuration; rejected trials never count."""
        best = self.records_.best
        if best is None:
            raise ValueError("no completed trial yet (rejected trials do not count)")
        return dict(best["params"])

    def records(self) -> list[dict[str, Any]]:
        return self.records_.all()

    def record(self, number: int) -> dict[str, Any]:
        return self.records_.get(number)

    def to_dataframe(self) -> pd.DataFrame:
        return export_mod.dataframe(self.records(), self.space)

    def export(self, path: str | Path) -> Path:
        """Write best config, space, steering log and every trial (JSON, or YAML by suffix)."""
        doc = export_mod.document(self.direction, self.space, self.steering, self.records(),
                                  self.records_.best)
        return export_mod.dump(doc, Path(path))

    @staticmethod
    def from_export(path: str | Path) -> export_mod.ExportedRun:
        return export_mod.read(Path(path))

    def dashboard(self) -> Any:
        """The widgets for this run. Re-running the cell that calls this replaces the previous
        dashboard, which is closed so it stops listening to the run."""
        from hcautoml_widgets.widgets import Dashboard

        if self._dashboard is not None:
            self._dashboard.close()
        self._dashboard = Dashboard(self)
        return self._dashboard

    def status_event(self) -> dict[str, Any]:
        """The status as the views read it (see ``control_bar.py`` for the format); built on
        demand by the feed, once per batch."""
        snap = self.control.snapshot()
        counts = self.records_.counts()
        best = self.records_.best
        return {
            "type": "status", "status": snap.status, "reason": snap.reason,
            "counts": counts, "done": sum(counts[k] for k in _FINISHED),
            "budget": None if snap.limit is None else self.trials_before + snap.limit,
            "step_remaining": None if snap.pause_at is None else max(
                0, snap.pause_at - snap.started),
            "requested": snap.requested, "started_at": snap.started_at,
            "paused_total": snap.paused_total, "paused_since": snap.paused_since,
            "done_at_start": self._done_at_start,
            "best_value": None if best is None else best["value"],
            "best_trial_number": None if best is None else best["number"],
            "metric": self.metric, "direction": self.direction,
        }

    # -- control ------------------------------------------------------------------------------
    def start(self, n_trials: int | None = None, timeout: float | None = None, *,
              quiet: bool = False) -> Outcome:
        """Run ``n_trials`` more trials (None: until stopped) in the background; returns at
        once. From "stopped", "finished" or "failed" it continues the same study."""
        self._need_objective()
        if n_trials is not None and (isinstance(n_trials, bool) or not isinstance(n_trials, int)
                                     or n_trials < 0):
            raise ValueError(f"n_trials must be a non-negative integer, got {n_trials!r}")
        if timeout is not None and not timeout > 0:
            raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
        self._done_at_start = self._done()
        out, spawn = self.control.start(n_trials, timeout)
        self._loop.launch(spawn)
        return self._said(out, quiet)

    def pause(self, *, quiet: bool = False) -> Outcome:
        """Once this returns no objective call begins until ``resume()`` or ``step()``; trials
        already inside their objective finish (see :mod:`control` for the design)."""
        return self._said(self.control.pause(), quiet)

    def resume(self, *, quiet: bool = False) -> Outcome:
        """Run on after a pause; during a step, cancel the step's pause."""
        return self._said(self.control.resume(), quiet)

    def step(self, n: int = 1, *, quiet: bool = False) -> Outcome:
        """Run exactly ``n`` more trials, then pause. During a step, adds ``n`` to it; after
        the budget ended, extends it by ``n``."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"step(n): n must be a positive integer, got {n!r}")
        if self.status in ("idle", "stopped", "finished", "failed"):
            self._need_objective()
            self._done_at_start = self._done()
        out, spawn = self.control.step(n)
        self._loop.launch(spawn)
        return self._said(out, quiet)

    def stop(self, wait: bool = True, *, quiet: bool = False) -> Outcome:
        """Start no more trials (status "stopped" at once); with ``wait``, return once the
        trials inside their objective have finished."""
        out = self.control.stop()
        if wait and out.ok:
            self.control.wait()
        return self._said(out, quiet)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the workers have exited (or the run is paused with nothing running).
        Returns False on timeout."""
        return self.control.wait(timeout)

    def add_control_hook(self, hook: PreClaimHook) -> Callable[[], None]:
        """Register a pre-claim hook: ``hook(controller)`` runs in each worker before it claims
        a trial and about twice a second while paused (see :mod:`control`). Returns a remover."""
        return self.control.add_hook(hook)

    # -- loading ------------------------------------------------------------------------------
    @classmethod
    def load(cls, storage: str | BaseStorage, study_name: str,
             objective: Callable[..., Any] | None = None, fail_running: bool = True,
             **kwargs: Any) -> Run:
        """Reattach to a stored run: its trials, its steering log and state come back.

        With ``fail_running`` (after a kernel restart), trials left RUNNING by the process that
        died are marked failed with that reason. Pass ``fail_running=False`` to attach to a
        study whose trials other live processes are still running."""
        return loading.load(cls, storage, study_name, objective, fail_running, **kwargs)

    @classmethod
    def attach(cls, storage: str | BaseStorage, study_name: str, **kwargs: Any) -> Any:
        """Watch and steer a study whose trials worker processes run (see ``core.attach``)."""
        from hcautoml_widgets.core.attach import attach_run  # type: ignore[import-not-found,unused-ignore]

        return attach_run(storage, study_name, **kwargs)

    # -- internals ----------------------------------------------------------------------------
    def _need_objective(self) -> None:
        if self.objective is None:
            raise ValueError("this run has no objective (loaded for inspection); pass one to "
                             "Run.load(..., objective=f) to continue it")

    def _done(self) -> int:
        counts = self.records_.counts()
        return sum(counts[k] for k in _FINISHED)

    def _said(self, out: Outcome, quiet: bool) -> Outcome:
        if not out.ok and not quiet:
            warnings.warn(str(out), RunStateWarning, stacklevel=3)
        return out

    def _status_changed(self) -> None:
        # Once the run stops running, the views show it at once, not at their next batch.
        control = getattr(self, "control", None)  # None while the controller is being built
        self.feed.status_changed(urgent=control is not None
                                 and control.status is not Status.RUNNING)

    def _save_event(self, event: SteeringEvent) -> None:
        store.save_event(self._storage, self._study_id, event)

    def _on_steering(self, event: SteeringEvent) -> None:
        with self._loop.rows_lock:  # a row's review and its announcement go together
            changed = self.records_.set_reviews(self.steering.state.reviews)
            if self.feed.subscriber_count:
                self.feed.publish({"type": "steering", "event": event.to_dict(),
                                   "state": self.steering.state_dict()})
                for row in changed:
                    self.feed.publish({"type": "trial", "record": row})
        if changed:
            self.feed.status_changed()

    # -- explanations (core/preview.py, core/export_study.py) ---------------------------------
    def preview(self, op: str, n: int = 5, **args: Any) -> list[dict[str, Any]]:
        """The next ``n`` configurations under the edit ``op(**args)``, changing nothing."""
        from hcautoml_widgets.core.preview import preview

        return preview(self, op, n, **args)

    def prior_health(self) -> dict[str, dict[str, Any]]:
        """For every active prior, how the trials near it compare with the rest, and a sentence
        when they do worse (see :func:`~hcautoml_widgets.core.prior_health.prior_health`)."""
        from hcautoml_widgets.core.prior_health import prior_health

        return prior_health(self.records(), self.steering.state, self.space, self.direction,
                            beta=self.sampler.prior_beta,
                            evidence_fading=self.sampler.evidence_fading,
                            joint_fading=self.sampler.joint_fading)

    def export_study(self, storage: str | BaseStorage, study_name: str | None = None) -> Any:
        """Copy the study into an Optuna storage that optuna-dashboard opens as it is."""
        from hcautoml_widgets.core.export_study import export_study

        with _quiet_optuna():  # no INFO line about the study it creates under the cell
            return export_study(self, storage, study_name)


@contextmanager
def _quiet_optuna() -> Iterator[None]:
    """Optuna announces every study it creates at INFO level; in a notebook that line lands
    under the cell that made the run, before the dashboard. Warnings still come through."""
    logger = logging.getLogger("optuna")
    level = logger.level
    logger.setLevel(max(level, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(level)
