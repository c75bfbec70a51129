from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def test_headless_demo_runs_and_exports(tmp_path: Path) -> None:
    out = tmp_path / "demo.json"
    proc = subprocess.run(
        [sys.executable, "-m", "hcautoml_widgets", "demo", "--trials", "18", "--out", str(out)],
        cwd=Path(__file__).parents[2], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "trials: 18 (18 complete" in proc.stdout
    assert "narrow {'name': 'C'" in proc.stdout and "prior {'name': 'gamma'" in proc.stdout
    doc = json.loads(out.read_text())
    assert [e["kind"] for e in doc["steering"]] == ["narrow", "prior"]
    assert len(doc["trials"]) == 18
    narrowed = [t for t in doc["trials"] if t["version"] >= 1]
    assert narrowed and all(0.1 <= t["params"]["C"] <= 100.0 for t in narrowed)
