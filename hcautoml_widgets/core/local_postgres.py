"""A throwaway PostgreSQL server on loopback, for the tests, the benchmark and the notebook.

It is a real server (Debian's ``postgresql`` package): ``initdb`` makes a cluster in a temporary
directory and ``pg_ctl`` runs it on a free port of 127.0.0.1, with trust authentication for local
connections only. PostgreSQL refuses to run as root, so as root the commands run as the
``postgres`` user (``runuser -u postgres --``), which owns the directory.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

DATABASE = "hcw"


def find_bindir() -> Path | None:
    """The directory holding ``initdb`` and ``pg_ctl`` (the newest installed), or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                   key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb and shutil.which("pg_ctl"):
        return Path(os.path.realpath(initdb)).parent
    return None


def available() -> bool:
    """Whether a server can be started here (binaries present and, as root, a postgres user)."""
    if find_bindir() is None:
        return False
    if os.geteuid() == 0:
        try:
            import pwd

            pwd.getpwnam("postgres")
        except KeyError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LocalPostgres:
    """Start with :meth:`start` (or as a context manager); :attr:`url` is the SQLAlchemy URL.

    Args:
        base: a directory to hold the cluster (a fresh temporary one if None).
        port: the TCP port (a free one if None).
    """

    def __init__(self, base: str | Path | None = None, port: int | None = None) -> None:
        bindir = find_bindir()
        if bindir is None:
            raise RuntimeError("PostgreSQL's server binaries (initdb, pg_ctl) are not installed; "
                               "on Debian: apt-get install postgresql")
        self.bindir = bindir
        self._own_base = base is None
        self.base = Path(base) if base is not None else Path(tempfile.mkdtemp(prefix="hcw-pg-"))
        self.datadir = self.base / "data"
        self.port = port or _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        cmd = [str(self.bindir / args[0]), *args[1:]]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True,
                              cwd=str(self.base))

    def start(self) -> LocalPostgres:
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
            os.chmod(self.base, 0o700)
        if not (self.datadir / "PG_VERSION").exists():
            self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                      "-E", "UTF8", "--no-sync")
        self._pg_ctl_start()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
                  DATABASE, check=False)
        return self

    def _pg_ctl_start(self) -> None:
        # fsync off: the cluster is thrown away, and the tests measure the worker, not the disk.
        opts = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c fsync=off "
                f"-c synchronous_commit=off -c unix_socket_directories={self.base} "
                "-c max_connections=200")
        proc = self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.base / "server.log"),
                         "-o", opts, "-w", "-t", "60", "start", check=False)
        if proc.returncode != 0:
            log = (self.base / "server.log")
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"pg_ctl start failed: {proc.stderr.strip()}\n{tail}")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server; ``mode`` is pg_ctl's: "smart", "fast" or "immediate"."""
        self._run("pg_ctl", "-D", str(self.datadir), "-m", mode, "-w", "stop", check=False)

    def restart(self, down_for: float = 0.0) -> None:
        """Stop (dropping every connection), stay down ``down_for`` seconds, start again."""
        self.stop("fast")
        if down_for > 0:
            time.sleep(down_for)
        self._pg_ctl_start()

    def close(self) -> None:
        self.stop("immediate")
        if self._own_base:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
