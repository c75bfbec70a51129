"""Preview an edit: the next configurations the sampler would propose under it, changing nothing.

Everything happens on copies: the steering log (the edit applied through the same
:class:`~hcautoml_widgets.core.steering.Steering` method a cell would call, so it is validated
exactly the same way), the steered sampler (its base sampler and random states deep-copied, so the
first suggestion is drawn from the same candidates with the same scoring as the run's next
trial), and the study's trials in a fresh in-memory storage. The run's log, study, trials and
random states are left as they were.

The n suggestions are asked one after the other without objective values (the model is not
refitted between them: each is scored against the trials that exist now), which is what the
next trials look like until new results arrive.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import optuna
from optuna.samplers import TPESampler
from optuna.storages import InMemoryStorage
from optuna.study import StudyDirection
from optuna.trial import FrozenTrial, TrialState

from hcautoml_widgets.core.objective import ask_config
from hcautoml_widgets.core.steering import Steering

#: Steering methods an edit can be previewed for (those of ``run.steering``).
OPS = ("narrow", "reset", "allow", "pin", "unpin", "prior", "clear_prior", "accept", "reject",
       "unreview", "enqueue", "undo")
#: Per-trial bookkeeping of the sampler, keyed by trial id: never carried into the copy (the
#: fresh storage numbers its trials from 0 again, and a running trial's entry would collide).
_PER_TRIAL = ("_contexts", "_provenance")
_LOCK, _RLOCK = type(threading.Lock()), type(threading.RLock())
MAX_N = 50


def _steering_copy(run: Any, op: str, args: dict[str, Any]) -> Steering:
    steering = run.steering
    clone = Steering(steering.space, steering.log)
    pending = {seq for seq, _ in steering.pending()}
    for seq, _cfg in clone.state.enqueued:
        if seq not in pending:
            clone.mark_consumed(seq, -1)  # ran already: the copy must not hand it out again
    numbers = {int(r["number"]) for r in run.records()}
    clone.bind_trials(numbers.__contains__)
    if op not in OPS:
        raise ValueError(f"preview: unknown steering operation {op!r}; one of {list(OPS)}")
    if "source" in args:
        raise ValueError("preview: 'source' is not an argument of a previewed edit")
    try:
        getattr(clone, op)(**args, source="preview")
    except TypeError as exc:  # wrong or missing argument names
        raise ValueError(f"preview: bad arguments for {op}: {exc}") from None
    return clone


def _sampler_copy(sampler: Any, steering: Steering) -> Any:
    """A copy of the steered sampler reading ``steering``; random states copied as they are."""
    for _attempt in range(3):
        try:
            return _copy_once(sampler, steering)
        except RuntimeError:
            # The run's thread grew one of the sampler's caches while it was being copied
            # ("dictionary changed size during iteration"): copy again.
            continue
    return _copy_once(sampler, steering)


def _copy_once(sampler: Any, steering: Steering) -> Any:
    clone = object.__new__(type(sampler))
    memo: dict[int, Any] = {id(sampler.steering): steering}
    for key, value in vars(sampler).items():
        if key in _PER_TRIAL:
            clone.__dict__[key] = {}
        elif isinstance(value, _LOCK):
            clone.__dict__[key] = threading.Lock()
        elif isinstance(value, _RLOCK):
            clone.__dict__[key] = threading.RLock()
        else:
            clone.__dict__[key] = copy.deepcopy(value, memo)
    return clone


class _CopyStorage(InMemoryStorage):
    """An in-memory storage that takes finished trials without deep-copying them.

    ``create_new_trial`` deep-copies its template, which at 1,000 trials was most of a preview's
    time. A shallow copy is enough: Optuna's in-memory storage never mutates a stored trial in
    place (every setter copies it first), and finished trials are never set again.
    """

    def create_study_as(self, study_id: int, directions: list[StudyDirection],
                        name: str) -> int:
        """Create the copy's study under the run's own study id: the sampler's copied caches
        (TPE's intersection search space) remember that id and refuse a study with another
        (a run stored in SQLite has id 1, a fresh in-memory storage gives 0)."""
        with self._lock:
            self._max_study_id = study_id - 1
        return self.create_new_study(directions, name)

    def adopt(self, study_id: int, trials: list[FrozenTrial]) -> None:
        with self._lock:
            info = self._studies[study_id]
            for trial in trials:
                if trial.state == TrialState.WAITING:
                    continue  # Optuna's own queue: the run enqueues through its steering log
                trial = copy.copy(trial)
                self._max_trial_id += 1
                trial._trial_id = self._max_trial_id
                trial.number = len(info.trials)
                info.trials.append(trial)
                self._trial_id_to_study_id_and_number[trial._trial_id] = (study_id, trial.number)
                for name, dist in trial.distributions.items():
                    info.param_distribution.setdefault(name, dist)
                self._update_cache(trial._trial_id, study_id)


def _memoize_estimators(tpe: TPESampler) -> None:
    """Build each Parzen estimator once per preview.

    The preview's suggestions are never told, so every ask sees the same finished trials and
    TPE would rebuild the same two estimators n times; building takes no random draw, so reusing
    them leaves every suggestion as it was. Set on the copy's instance only.
    """
    build = tpe._build_parzen_estimator
    built: dict[tuple[Any, ...], Any] = {}

    def cached(study: optuna.Study, search_space: dict[str, Any], trials: list[FrozenTrial],
               handle_below: bool) -> Any:
        key = (handle_below, tuple(search_space.items()), tuple(t.number for t in trials))
        if key not in built:
            built[key] = build(study, search_space, trials, handle_below)
        return built[key]

    tpe._build_parzen_estimator = cached  # type: ignore[method-assign]


class _NewStudyLine(logging.Filter):
    """Drops the in-memory storage's "A new study created" line, on this thread only (the run's
    threads log through the same logger, so its level is left alone)."""

    def __init__(self) -> None:
        super().__init__()
        self.thread = threading.get_ident()

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.thread == self.thread
                    and record.getMessage().startswith("A new study created"))


@contextmanager
def _no_new_study_line() -> Iterator[None]:
    logger = logging.getLogger(InMemoryStorage.__module__)
    line = _NewStudyLine()
    logger.addFilter(line)
    try:
        yield
    finally:
        logger.removeFilter(line)


def _study_copy(run: Any, sampler: Any) -> optuna.Study:
    storage = _CopyStorage()
    # A preview is no study of the user's: Optuna's INFO line about it would only confuse.
    with _no_new_study_line():
        study_id = storage.create_study_as(run.study._study_id, list(run.study.directions),
                                           "hcw-preview")
    storage.adopt(study_id, run.study._storage.get_all_trials(run.study._study_id,
                                                                deepcopy=False))
    return optuna.Study("hcw-preview", storage, sampler=sampler)


def _ask(run: Any, op: str, n: int, args: dict[str, Any]) -> list[tuple[dict[str, Any], str]]:
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_N:
        raise ValueError(f"preview: n must be an integer from 1 to {MAX_N}, got {n!r}")
    steering = _steering_copy(run, op, args)
    sampler = _sampler_copy(run.sampler, steering)
    if isinstance(getattr(sampler, "base_sampler", None), TPESampler):
        _memoize_estimators(sampler.base_sampler)
    study = _study_copy(run, sampler)
    out = []
    for _ in range(n):
        # Left running (never told): the model is not refitted on suggestions without values,
        # and the copy is thrown away.
        trial = study.ask()
        config = ask_config(trial, run.space)
        origin = sampler.provenance(trial).get("origin", "startup")
        out.append((config, str(origin)))
    return out


def preview(run: Any, op: str, n: int = 5, **args: Any) -> list[dict[str, Any]]:
    """The next ``n`` configurations the run's sampler would propose after ``op(**args)``.

    Args:
        run: the run.
        op: a ``run.steering`` method name ("narrow", "prior", "pin", ...).
        n: how many suggestions (1 to 50).
        **args: the method's arguments (``name=``, ``low=``, ``high=`` for "narrow", ...).

    Returns:
        A list of ``n`` configuration dicts, in the order they would run.

    Raises:
        ValueError: an unknown operation, bad arguments, or an edit the run would refuse (with
            the same message ``run.steering`` gives); nothing is changed.
    """
    return [config for config, _origin in _ask(run, op, n, args)]


def preview_points(run: Any, op: str, n: int = 5, **args: Any) -> dict[str, Any]:
    """The preview as small JSON for ghost markers in a view.

    Returns:
        ``{"names": [...], "points": [[value per name (None when inactive)], ...],
        "origins": [origin per point]}``, names in the space's order.
    """
    names = list(run.space.names)
    got = _ask(run, op, n, args)
    return {"names": names,
            "points": [[_plain(cfg.get(k)) for k in names] for cfg, _o in got],
            "origins": [o for _c, o in got]}


def _plain(x: Any) -> Any:
    item = getattr(x, "item", None)
    return item() if callable(item) else x
