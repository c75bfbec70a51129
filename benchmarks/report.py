"""Small helpers shared by the benchmarks: quantiles, JSON and markdown output, the environment."""

from __future__ import annotations

import json
import platform
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def quartiles(xs: Sequence[float]) -> dict[str, float | None]:
    """Median and interquartile range (numpy's linear interpolation)."""
    if not xs:
        return {"median": None, "q25": None, "q75": None}
    q25, med, q75 = np.quantile(np.asarray(xs, dtype=float), [0.25, 0.5, 0.75])
    return {"median": float(med), "q25": float(q25), "q75": float(q75)}


def fmt(x: float | None, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not np.isfinite(x)):
        return "–"
    if abs(x) >= 100 or x == int(x):
        return f"{x:.0f}"
    return f"{x:.{digits}g}"


def fmt_q(q: dict[str, float | None], digits: int = 3) -> str:
    """``median [q25, q75]``."""
    return f"{fmt(q['median'], digits)} [{fmt(q['q25'], digits)}, {fmt(q['q75'], digits)}]"


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def ratio_interval(a: Sequence[float], b: Sequence[float], level: float = 0.9,
                   draws: int = 4000, seed: int = 0) -> tuple[float, float] | None:
    """Percentile bootstrap interval of median(a) / median(b), each side's runs resampled on its
    own (the methods' runs are independent draws, not pairs). How far 20 seeds pin a ratio of
    medians down: on a problem where a run either finds the good basin early or not at all, the
    median can move by half when a few seeds change sides."""
    if not a or not b:
        return None
    rng = np.random.default_rng(seed)
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    ma = np.median(xa[rng.integers(0, len(xa), (draws, len(xa)))], axis=1)
    mb = np.median(xb[rng.integers(0, len(xb), (draws, len(xb)))], axis=1)
    r = ma / np.where(mb == 0, np.nan, mb)
    r = r[np.isfinite(r)]
    if not len(r):
        return None
    lo, hi = np.quantile(r, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def fmt_interval(iv: Sequence[float] | None, digits: int = 2) -> str:
    return "–" if iv is None else f"[{fmt(iv[0], digits)}, {fmt(iv[1], digits)}]"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def environment() -> dict[str, Any]:
    from importlib.metadata import PackageNotFoundError, version

    libs = {}
    for lib in ("optuna", "ConfigSpace", "smac", "scikit-learn", "numpy", "ipywidgets"):
        try:
            libs[lib] = version(lib)
        except PackageNotFoundError:
            libs[lib] = None
    import os

    return {"python": platform.python_version(), "machine": platform.machine(),
            "cpus": os.cpu_count(), "libraries": libs,
            "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def out_dir(quick: bool) -> Path:
    """Full runs write to results/ (committed, shown in the README); quick smoke runs to
    results/quick/ so they never overwrite the published figures."""
    path = RESULTS / "quick" if quick else RESULTS
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, indent=1, default=_plain) + "\n")
    return path


def write_markdown(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("met" if ok else "**missed**")


def _plain(x: Any) -> Any:
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, np.ndarray):
        return x.tolist()
    raise TypeError(f"not JSON-able: {type(x).__name__}")


README = Path(__file__).resolve().parent / "README.md"


def publish(name: str, data: dict[str, Any], table: str, quick: bool) -> Path:
    """Write ``<name>.json`` and ``<name>.md`` where the run's results go; a full run also
    refreshes the benchmarks README. Returns the results folder."""
    out = out_dir(quick)
    write_json(out / f"{name}.json", data)
    write_markdown(out / f"{name}.md", table)
    if not quick:
        update_readme(name, table)
    return out


def update_readme(name: str, table: str) -> bool:
    """Put ``table`` between the ``<!-- name:start -->`` and ``<!-- name:end -->`` markers of
    benchmarks/README.md, so the README always shows the latest full run. Returns False when the
    markers are missing (the README is then left alone)."""
    if not README.exists():
        return False
    text = README.read_text()
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    i, j = text.find(start), text.find(end)
    if i < 0 or j < i:
        return False
    # The table's own title is the README's section heading already.
    body = "\n".join(line for line in table.splitlines() if not line.startswith("# "))
    README.write_text(text[: i + len(start)] + "\n" + body.strip() + "\n" + text[j:])
    return True
