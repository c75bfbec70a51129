"""A real PostgreSQL 15 server on loopback for the whole session, and worker processes.

The server is started once (initdb + pg_ctl as the ``postgres`` user in a temporary directory);
each test gets a fresh study name in it. Without the server binaries the tests skip, except in
CI, where ``.ci/setup`` installs them and a skip would hide a broken setup.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import optuna
import pytest

from hcautoml_widgets.core import local_postgres

optuna.logging.set_verbosity(optuna.logging.WARNING)


@pytest.fixture(scope="session")
def pg() -> Iterator[local_postgres.LocalPostgres]:
    if not local_postgres.available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL's server binaries are missing in CI: .ci/setup installs them")
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed")
    server = local_postgres.LocalPostgres()
    server.start()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def study_name() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"
