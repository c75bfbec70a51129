"""Python and TypeScript agree on the message protocol's names.

The TypeScript side lists its steering operations, request kinds and trial-table actions as
``const`` arrays in js/src/base.ts (the compiler holds every call site to them); here they are
read from the source and compared with what the kernel side accepts: ``_base.STEERING_OPS``, the
request handlers of every anywidget view, and the table's ``ACTION_OPS``. Every string literal a
view sends as a request kind or edit operation is checked too.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from pathlib import Path
from typing import get_args

import hcautoml_widgets.widgets as views
from hcautoml_widgets.widgets._base import STEERING_OPS, FeedWidget
from hcautoml_widgets.widgets._protocol import RequestKind, SteeringOp
from hcautoml_widgets.widgets.trial_table import ACTION_OPS, TrialTable
from tests.widgets.helpers import make_run

SRC = Path(__file__).resolve().parents[2] / "js" / "src"


def ts_const(name: str) -> set[str]:
    """The strings of ``export const NAME = [...] as const`` in base.ts."""
    text = (SRC / "base.ts").read_text()
    match = re.search(rf"export const {name} = \[(.*?)\] as const", text, re.S)
    assert match, f"{name} not found in base.ts"
    return set(re.findall(r'"([^"]+)"', match.group(1)))


def feed_widgets() -> list[type[FeedWidget]]:
    mods = [importlib.import_module(f"{views.__name__}.{m.name}")
            for m in pkgutil.iter_modules(views.__path__)]
    found = {cls for mod in mods for _, cls in inspect.getmembers(mod, inspect.isclass)
             if issubclass(cls, FeedWidget) and cls is not FeedWidget}
    return sorted(found, key=lambda c: c.__name__)


def test_steering_operations_agree() -> None:
    assert ts_const("STEERING_OPS") == set(STEERING_OPS) == set(get_args(SteeringOp))


def test_request_kinds_agree_with_the_views_handlers() -> None:
    run = make_run()
    kernel = {"edit"}
    for cls in feed_widgets():
        view = cls(run)
        kernel |= set(view.requests())
        view.close()
    assert len(feed_widgets()) >= 3
    assert ts_const("REQUEST_KINDS") == kernel == set(get_args(RequestKind))


def test_table_actions_agree() -> None:
    assert ts_const("ACTION_OPS") == set(ACTION_OPS)
    assert "details" in TrialTable(make_run()).requests()


def test_every_literal_a_view_sends_is_known() -> None:
    kinds, ops = ts_const("REQUEST_KINDS"), ts_const("STEERING_OPS")
    for path in SRC.glob("*.ts"):
        text = path.read_text()
        for kind in re.findall(r'\.request\(\s*"([^"]+)"', text):
            assert kind in kinds, (path.name, kind)
        for op in re.findall(r'\.edit\(\s*"([^"]+)"', text):
            assert op in ops, (path.name, op)
        for op in re.findall(r'request\(\s*"edit",\s*\{\s*op:\s*"([^"]+)"', text):
            assert op in ops, (path.name, op)
