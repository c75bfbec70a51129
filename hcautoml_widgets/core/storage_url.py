"""Storage URLs for a fleet: redacted for display, and connected to with a one-line error.

A ``postgresql://user:secret@host/db`` URL carries a password; :func:`redact` is what any widget,
repr, log line or export shows instead (``postgresql://user:***@host/db``).
"""

from __future__ import annotations

import importlib.util
import re
import warnings
from typing import Any

import optuna
from optuna.storages import RDBStorage

_PASSWORD = re.compile(r"(?P<head>[a-z][a-z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<tail>@)",
                       re.IGNORECASE)


class StorageUnavailable(RuntimeError):
    """The storage could not be reached or opened; the message is one line and safe to show."""


def redact(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``***``."""
    return _PASSWORD.sub(lambda m: f"{m['head']}***{m['tail']}", text)


def normalize(url: str) -> str:
    """``postgresql://`` means psycopg2 to SQLAlchemy; use psycopg 3 when only it is installed."""
    if url.startswith(("postgresql://", "postgres://")):
        rest = url.split("://", 1)[1]
        has2 = importlib.util.find_spec("psycopg2") is not None
        has3 = importlib.util.find_spec("psycopg") is not None
        if has3 and not has2:
            return f"postgresql+psycopg://{rest}"
        return f"postgresql://{rest}"
    return url


def connect(url: str, *, heartbeat_interval: int | None = None,
            grace_period: int | None = None, storage_cls: type[RDBStorage] = RDBStorage,
            **engine_kwargs: Any) -> RDBStorage:
    """An Optuna RDB storage for ``url``, checked to be reachable now.

    Pooled connections are pinged before use, so a server restart costs a reconnect, not an
    error. Raises :class:`StorageUnavailable` (one line, password redacted) when the server
    cannot be reached, and ``ValueError`` for a URL that is not an RDB URL.
    """
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(f"storage must be a database URL such as postgresql://user@host/db, "
                         f"got {redact(str(url))!r}")
    if url.startswith(("journal://", "redis://")):
        raise ValueError("a worker fleet needs an RDB storage URL (postgresql://, mysql://, "
                         f"sqlite:///), got {redact(url)!r}")
    kwargs = {"pool_pre_ping": True, **engine_kwargs}
    if url.startswith("postgresql"):
        # Fail fast instead of hanging on an unreachable host.
        kwargs.setdefault("connect_args", {"connect_timeout": 10})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return storage_cls(normalize(url), engine_kwargs=kwargs,
                               heartbeat_interval=heartbeat_interval, grace_period=grace_period)
    except ImportError as exc:
        raise StorageUnavailable(f"no database driver for {redact(url)}: {exc}; for PostgreSQL "
                                 "install psycopg[binary]") from None
    except Exception as exc:  # SQLAlchemy's and the driver's errors, raised from deep inside
        raise StorageUnavailable(f"cannot open the storage {redact(url)}: "
                                 f"{one_line(exc)}") from None


def one_line(exc: BaseException) -> str:
    """The root cause of ``exc`` on one line, without SQLAlchemy's background links."""
    root: BaseException = exc
    while root.__cause__ is not None or (root.__context__ is not None
                                         and not root.__suppress_context__):
        root = root.__cause__ or root.__context__  # type: ignore[assignment]
    text = str(getattr(root, "orig", None) or root) or type(root).__name__
    text = text.split("\n(Background on this error")[0]
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    return redact(" ".join(lines[:2]))[:300]
