"""Storage URLs: the password is redacted wherever a URL is shown; drivers; objective specs."""

from __future__ import annotations

import pytest

from hcautoml_widgets.__main__ import main as cli
from hcautoml_widgets.core.storage_url import connect, normalize, one_line, redact
from hcautoml_widgets.core.worker import load_objective


@pytest.mark.parametrize("url, shown", [
    ("postgresql://me:pa:ss@db:5432/hpo", "postgresql://me:***@db:5432/hpo"),
    ("postgresql+psycopg://me:p%40ss@db/hpo", "postgresql+psycopg://me:***@db/hpo"),
    ("mysql://root:x@127.0.0.1/db?charset=utf8", "mysql://root:***@127.0.0.1/db?charset=utf8"),
    ("postgresql://me@db/hpo", "postgresql://me@db/hpo"),
    ("sqlite:///tmp/x.db", "sqlite:///tmp/x.db"),
])
def test_redact(url: str, shown: str) -> None:
    assert redact(url) == shown
    assert redact(f"cannot reach {url} now") == f"cannot reach {shown} now"


def test_normalize_prefers_the_installed_driver() -> None:
    pytest.importorskip("psycopg")
    url = normalize("postgresql://me:pw@db/hpo")
    assert url.endswith("://me:pw@db/hpo")
    assert url.startswith(("postgresql+psycopg://", "postgresql://"))
    assert normalize("sqlite:///x.db") == "sqlite:///x.db"


def test_connect_refuses_what_is_not_an_rdb_url() -> None:
    with pytest.raises(ValueError, match="needs an RDB storage URL"):
        connect("journal:///tmp/x.log")
    with pytest.raises(ValueError, match="must be a database URL"):
        connect("not a url")


def test_one_line_keeps_the_root_cause() -> None:
    try:
        try:
            raise OSError("connection refused by postgresql://a:b@h/d\nsecond line\nthird")
        except OSError as inner:
            raise RuntimeError("wrapper") from inner
    except RuntimeError as exc:
        text = one_line(exc)
    assert text == "connection refused by postgresql://a:***@h/d second line"


def test_load_objective_says_what_is_wrong() -> None:
    assert load_objective("os.path:join") is __import__("os").path.join
    for spec, says in [("nocolon", "module:function"), ("no_such_mod_hcw:f", "cannot import"),
                       ("os:no_such_fn", "has no attribute"), ("os:sep", "not callable")]:
        with pytest.raises(ValueError, match=says):
            load_objective(spec)


def test_cli_worker_needs_its_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as err:
        cli(["worker", "--study", "s"])
    assert err.value.code == 2
    assert "--storage" in capsys.readouterr().err
