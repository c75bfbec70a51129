"""The JavaScript side is bundled, offline-safe, and what the wheel is told to ship."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VIEWS = ("control_bar", "insights", "space_editor", "timeline", "trial_table")


def test_each_anywidget_view_has_a_typescript_twin_and_is_ensured_in_the_wheel() -> None:
    build = (ROOT / "js" / "build.mjs").read_text()
    # (tomllib is 3.11+, the package supports 3.10: a plain look at the hook section will do)
    pyproject = (ROOT / "pyproject.toml").read_text()
    hook = pyproject.split("[tool.hatch.build.hooks.jupyter-builder]", 1)[1]
    for view in VIEWS:
        assert (ROOT / "js" / "src" / f"{view}.ts").is_file()
        assert (ROOT / "hcautoml_widgets" / "widgets" / f"{view}.py").is_file()
        assert f'"{view}"' in build
        assert f'"hcautoml_widgets/static/{view}.js"' in hook


def test_sources_import_nothing_from_the_network() -> None:
    remote = re.compile(r"""(from\s+|import\s*\(?\s*)["'](https?:)?//""")
    for path in (ROOT / "js" / "src").glob("*.ts"):
        assert not remote.search(path.read_text()), path


@pytest.mark.parametrize("view", VIEWS)
def test_built_bundle_is_self_contained(view: str) -> None:
    path = ROOT / "hcautoml_widgets" / "static" / f"{view}.js"
    if not path.is_file():
        pytest.skip("bundle not built (npm run build in js/, or pip install .)")
    text = path.read_text()
    assert "export" in text and "render" in text
    assert not re.search(r"""import\s*[^;]*["']https?://""", text)
    assert not re.search(r"""\bimport\s*["'][^./]""", text)  # no bare imports left unbundled
