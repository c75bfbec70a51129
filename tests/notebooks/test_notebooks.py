"""Every notebook in notebooks/ runs top to bottom, headlessly, with a small trial budget.

The notebooks read ``HCW_NOTEBOOK_BUDGET`` in their first code cell; users get a real budget, the
suite a small one. Executed copies (with outputs) go to test-output/notebooks/, never over the
committed sources, which stay without outputs.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
OUTPUT = ROOT / "test-output" / "notebooks"
BUDGET = 12


@pytest.fixture
def kernel_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Environment the kernel inherits; returns the notebook's working directory."""
    # Our own Jupyter data dir hides any user-level "python3" kernelspec that would point at
    # another interpreter; the venv's spec (argv "python") then resolves to sys.executable.
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "jupyter-runtime"))
    monkeypatch.setenv("HCW_NOTEBOOK_BUDGET", str(BUDGET))
    # The notebooks sleep in their objectives so a person can follow and steer; a test need not.
    monkeypatch.setenv("HCW_NOTEBOOK_PACE", "0")
    # The kernel imports the package from the checkout even when it is not installed.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    # Numerical libraries default to one thread per core; the machine has two.
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    workdir = tmp_path / "work"
    workdir.mkdir()
    return workdir


def execute(path: Path, workdir: Path) -> nbformat.NotebookNode:
    nb = nbformat.read(str(path), as_version=4)
    client = NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        client.execute()
    finally:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, str(OUTPUT / path.name))
    return nb


def outputs_text(nb: nbformat.NotebookNode) -> str:
    parts: list[str] = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream":
                parts.append(out["text"])
            elif "data" in out:
                parts.append(str(out["data"].get("text/plain", "")))
    return "\n".join(parts)


def test_notebooks_exist() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert {"01_quickstart.ipynb", "02_expert_knowledge.ipynb"} <= names


def test_sources_have_no_outputs() -> None:
    for path in NOTEBOOKS:
        nb = nbformat.read(str(path), as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert not cell.outputs, f"{path.name} is committed with outputs"
                assert cell.execution_count is None, f"{path.name} has execution counts"


def check_quickstart(workdir: Path, nb: nbformat.NotebookNode) -> None:
    """The quickstart's export holds the steering it did: narrow, prior and reject."""
    exported = sorted(workdir.glob("*.json"))
    assert exported, "the quickstart should export the run to a JSON file"
    data: dict[str, Any] = json.loads(exported[0].read_text())
    kinds = {ev["kind"] for ev in data["steering"]}
    assert {"narrow", "prior", "reject"} <= kinds, kinds
    assert len(data["trials"]) >= BUDGET


CHECKS = {"01_quickstart": check_quickstart}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path: Path, kernel_env: Path) -> None:
    nb = execute(path, kernel_env)
    assert "Traceback" not in outputs_text(nb)
    check = CHECKS.get(path.stem)
    if check is not None:
        check(kernel_env, nb)
