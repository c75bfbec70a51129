"""Fleet state stored with the study: control (pause, resume, stop), worker liveness, and the
cheap incremental reads that workers and an attached notebook make.

Everything lives in Optuna's own tables, as study system attributes beside the steering log:

* ``hcw:fleet:control`` -- ``{"state": "running"|"paused"|"stopped", "version": n, "time": t}``;
  every change bumps ``version``.
* ``hcw:fleet:worker:<host:pid>`` -- one per worker: the control version it has acknowledged
  (``ack``), what it is doing (``state``), the trial it runs, and a wall-clock ``beat``. A worker
  acknowledges version ``v`` only from a point where it will not enter an objective without
  reading the control again, so "every worker acknowledged the pause" means no objective starts
  until it is lifted.
* ``hcw:worker`` on each trial -- the worker that ran it.

With an RDB storage the reads go straight to Optuna's tables through SQLAlchemy and fetch only
what is new: steering events past the one a reader holds, the control row, and trials with a
larger id or still unfinished. Other storages fall back to whole reads.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import optuna
from optuna.storages import BaseStorage, RDBStorage
from optuna.trial import FrozenTrial, TrialState

from hcautoml_widgets.core.attrs import STEERING_PREFIX, steering_key
from hcautoml_widgets.core.events import SteeringEvent
from hcautoml_widgets.core.storage_url import one_line

ATTR_CONTROL = "hcw:fleet:control"
WORKER_PREFIX = "hcw:fleet:worker:"
#: Trial attribute: ``host:pid`` of the worker that ran the trial.
ATTR_WORKER = "hcw:worker"
CONTROL_STATES = ("running", "paused", "stopped")
#: A worker whose last beat is older than this many seconds counts as gone.
ALIVE_GRACE = 15.0

_log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class Control:
    state: str = "running"
    version: int = 0
    time: float = 0.0

    @classmethod
    def parse(cls, raw: Any) -> Control:
        if raw is None:
            return cls()
        d = json.loads(raw) if isinstance(raw, str) else dict(raw)
        return cls(str(d["state"]), int(d["version"]), float(d.get("time", 0.0)))


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def set_control(storage: BaseStorage, study_id: int, state: str) -> Control:
    """Store a new fleet control state (a new version); returns it."""
    if state not in CONTROL_STATES:
        raise ValueError(f"fleet control state must be one of {CONTROL_STATES}, got {state!r}")
    old = read_control(storage, study_id)
    new = Control(state, old.version + 1, time.time())
    storage.set_study_system_attr(study_id, ATTR_CONTROL,
                                  {"state": new.state, "version": new.version, "time": new.time})
    return new


def read_control(storage: BaseStorage, study_id: int) -> Control:
    return Snapshot.read(storage, study_id, after=None).control


def write_worker(storage: BaseStorage, study_id: int, wid: str, info: dict[str, Any]) -> None:
    storage.set_study_system_attr(study_id, WORKER_PREFIX + wid, {**info, "beat": time.time()})


def alive(workers: dict[str, dict[str, Any]], now: float | None = None,
          grace: float = ALIVE_GRACE) -> list[str]:
    """Ids of the workers that beat within ``grace`` seconds and have not exited."""
    now = time.time() if now is None else now
    return sorted(w for w, info in workers.items()
                  if info.get("state") != "exited" and now - float(info.get("beat", 0)) <= grace)


@dataclass
class Snapshot:
    """What one incremental read of the study's attributes returned."""

    events: list[SteeringEvent]
    control: Control
    workers: dict[str, dict[str, Any]]
    rows_read: int

    @classmethod
    def read(cls, storage: BaseStorage, study_id: int, after: int | None,
             with_workers: bool = False, with_control: bool = True) -> Snapshot:
        """Steering events with ``seq > after`` (none when ``after`` is None), the control, and
        with ``with_workers`` every worker's record."""
        if isinstance(storage, RDBStorage):
            pairs = _rdb_attrs(storage, study_id, after, with_workers, with_control)
        else:
            pairs = [(k, v) for k, v in storage.get_study_system_attrs(study_id).items()
                     if _wanted(k, after, with_workers, with_control)]
        events, workers, control = [], {}, Control()
        for key, value in sorted(pairs, key=lambda kv: kv[0]):
            if key.startswith(STEERING_PREFIX):
                events.append(SteeringEvent.from_dict(json.loads(value)))
            elif key == ATTR_CONTROL:
                control = Control.parse(value)
            elif key.startswith(WORKER_PREFIX):
                workers[key[len(WORKER_PREFIX):]] = dict(value)
        return cls(events, control, workers, len(pairs))


def _wanted(key: str, after: int | None, with_workers: bool, with_control: bool) -> bool:
    if key == ATTR_CONTROL:
        return with_control
    if after is not None and key.startswith(STEERING_PREFIX):
        return key > steering_key(after)
    return with_workers and key.startswith(WORKER_PREFIX)


def _rdb_attrs(storage: RDBStorage, study_id: int, after: int | None,
               with_workers: bool, with_control: bool) -> list[tuple[str, Any]]:
    import sqlalchemy as sa
    from optuna.storages._rdb import models

    m = models.StudySystemAttributeModel
    wanted = [m.key == ATTR_CONTROL] if with_control else []
    if after is not None:
        # Keys are zero-padded, so string order is sequence order; only newer events are read.
        wanted.append(sa.and_(m.key.like(STEERING_PREFIX + "%"), m.key > steering_key(after)))
    if with_workers:
        wanted.append(m.key.like(WORKER_PREFIX + "%"))
    if not wanted:
        return []
    session = storage.scoped_session()
    try:
        rows = (session.query(m.key, m.value_json)
                .filter(m.study_id == study_id, sa.or_(*wanted)).all())
        session.commit()
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()
    return [(k, json.loads(v)) for k, v in rows]


def fetch_trials(storage: BaseStorage, study_id: int, after_trial_id: int,
                 unfinished: Collection[int]) -> list[FrozenTrial]:
    """Trials created after ``after_trial_id`` and those among ``unfinished`` (trial ids).

    For an RDB storage this is Optuna's own incremental query (the one its trial cache uses):
    it reads those rows only, however large the study has grown.
    """
    getter = getattr(storage, "_get_trials", None)
    if isinstance(storage, RDBStorage) and getter is not None:
        trials: list[FrozenTrial] = getter(study_id, None, set(unfinished), after_trial_id)
        return trials
    wanted = set(unfinished)
    return [t for t in storage.get_all_trials(study_id, deepcopy=False)
            if t._trial_id > after_trial_id or t._trial_id in wanted]


class FleetStorage(RDBStorage):
    """Optuna's RDB storage, holding back the system attributes of the trial this worker runs
    (``holding``) and writing them in one transaction: with the trial's heartbeat and worker
    name when it starts (:meth:`label`), and just before its final state (the provenance). A
    worker pays for every round trip on every trial; this saves four of them."""

    holding: int | None = None

    def _held(self) -> dict[int, dict[str, Any]]:
        if not hasattr(self, "_held_attrs"):
            self._held_attrs: dict[int, dict[str, Any]] = {}
        return self._held_attrs

    def set_trial_system_attr(self, trial_id: int, key: str, value: Any) -> None:
        if trial_id == self.holding:
            self._held().setdefault(trial_id, {})[key] = value
            return
        super().set_trial_system_attr(trial_id, key, value)

    def set_trial_state_values(self, trial_id: int, state: TrialState,
                               values: Any = None) -> bool:
        if state.is_finished() and self._held().get(trial_id):
            self._write(trial_id, self._held()[trial_id], heartbeat=False)
            self._held().pop(trial_id, None)
        return super().set_trial_state_values(trial_id, state, values)

    def label(self, trial_id: int, wid: str) -> None:
        """Start the heartbeat of the trial, name its worker and store what was held."""
        attrs = {**self._held().get(trial_id, {}), ATTR_WORKER: wid}
        self._write(trial_id, attrs, heartbeat=self.heartbeat_interval is not None)
        self._held().pop(trial_id, None)

    def _write(self, trial_id: int, attrs: dict[str, Any], heartbeat: bool) -> None:
        import sqlalchemy.exc as sa_exc
        from optuna.storages._rdb import models

        m = models.TrialSystemAttributeModel
        session = self.scoped_session()
        try:
            if heartbeat:
                with contextlib.suppress(sa_exc.IntegrityError), session.begin_nested():
                    # Present already when an earlier try's answer was lost.
                    session.add(models.TrialHeartbeatModel(trial_id=trial_id))
            rows = [{"trial_id": trial_id, "key": k, "value_json": json.dumps(v)}
                    for k, v in attrs.items()]
            if rows and self.engine.name in ("postgresql", "sqlite"):
                if self.engine.name == "postgresql":
                    from sqlalchemy.dialects.postgresql import insert
                else:
                    from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
                stmt = insert(m).values(rows)
                session.execute(stmt.on_conflict_do_update(
                    index_elements=[m.trial_id, m.key],
                    set_={"value_json": stmt.excluded.value_json}))
                session.commit()
            else:
                session.commit()
                for k, v in attrs.items():
                    super().set_trial_system_attr(trial_id, k, v)
        except Exception:
            session.rollback()
            raise
        finally:
            session.close()


def label_trial(storage: BaseStorage, trial_id: int, wid: str) -> None:
    """Start the trial's heartbeat and name its worker (one transaction with a FleetStorage)."""
    if isinstance(storage, FleetStorage):
        storage.label(trial_id, wid)
        return
    if isinstance(storage, RDBStorage) and storage.heartbeat_interval is not None:
        storage.record_heartbeat(trial_id)
    storage.set_trial_system_attr(trial_id, ATTR_WORKER, wid)


def cancel_waiting(storage: BaseStorage, trial_id: int, key: str, reason: str) -> bool:
    """Fail a WAITING trial, saying why in attribute ``key``, only if no worker has taken it
    yet (one conditional update, so a trial a worker just popped is never failed)."""
    if not isinstance(storage, RDBStorage):
        if storage.get_trial(trial_id).state != TrialState.WAITING:
            return False
        storage.set_trial_system_attr(trial_id, key, reason)
        storage.set_trial_state_values(trial_id, TrialState.FAIL)
        return True
    from datetime import datetime

    from optuna.storages._rdb import models

    session = storage.scoped_session()
    try:
        t = models.TrialModel
        taken = (session.query(t)
                 .filter(t.trial_id == trial_id, t.state == TrialState.WAITING)
                 .update({"state": TrialState.FAIL, "datetime_complete": datetime.now()},
                         synchronize_session=False))
        if taken:
            session.add(models.TrialSystemAttributeModel(trial_id=trial_id, key=key,
                                                         value_json=json.dumps(reason)))
        session.commit()
        return bool(taken)
    except Exception:
        session.rollback()
        raise
    finally:
        session.close()


# -- retrying through a lost connection ----------------------------------------------------------
def transient_errors() -> tuple[type[BaseException], ...]:
    import sqlalchemy.exc as sa_exc

    return (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DBAPIError,
            optuna.exceptions.StorageInternalError, ConnectionError)


def retrying(fn: Callable[[], T], what: str, *, patience: float = 300.0,
             should_stop: Callable[[], bool] | None = None,
             on_retry: Callable[[str], None] | None = None) -> T:
    """Call ``fn`` until it succeeds, backing off (0.2 s doubling to 5 s) while the storage is
    unreachable; give up after ``patience`` seconds with the last error."""
    errors = transient_errors()
    deadline = time.monotonic() + patience
    delay = 0.2
    while True:
        try:
            return fn()
        except errors as exc:
            if time.monotonic() + delay > deadline or (should_stop and should_stop()):
                raise
            msg = f"storage unreachable while {what} ({one_line(exc)}); retrying in {delay:.1f}s"
            _log.warning(msg)
            if on_retry is not None:
                on_retry(msg)
            time.sleep(delay)
            delay = min(5.0, delay * 2)


def unfinished_ids(trials: Iterable[FrozenTrial]) -> set[int]:
    return {t._trial_id for t in trials if not t.state.is_finished()}
