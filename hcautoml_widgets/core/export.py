"""Export: a run as one file (JSON, or YAML by suffix) that loads back for inspection."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from hcautoml_widgets.core.effects import effects
from hcautoml_widgets.core.events import SteeringEvent
from hcautoml_widgets.core.records import to_dataframe
from hcautoml_widgets.core.space import SearchSpace
from hcautoml_widgets.core.steering import Steering

FORMAT = "hcautoml-widgets/1"
_YAML = (".yaml", ".yml")


def dataframe(rows: list[dict[str, Any]], space: SearchSpace) -> pd.DataFrame:
    return to_dataframe(rows, space.names)


def document(direction: str, space: SearchSpace, steering: Steering,
             rows: list[dict[str, Any]], best: dict[str, Any] | None) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "direction": direction,
        "best": None if best is None else {"number": best["number"], "value": best["value"],
                                           "config": best["params"]},
        "space": json.loads(space.to_configspace_json()),
        "steering": [ev.to_dict() for ev in steering.log],
        "steering_state": steering.state_dict(),
        "trials": rows,
        "timeline": effects(steering.log, rows, direction, space),
    }


def dump(doc: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in _YAML:
        import yaml

        path.write_text(yaml.safe_dump(doc, sort_keys=False))
    else:
        path.write_text(json.dumps(doc, indent=1))
    return path


@dataclass
class ExportedRun:
    """A run read back from an export: everything to inspect, nothing to run."""

    direction: str
    space: SearchSpace
    steering: Steering
    trials: list[dict[str, Any]]
    best: dict[str, Any] | None

    def best_config(self) -> dict[str, Any]:
        if self.best is None:
            raise ValueError("the exported run had no completed trial")
        return dict(self.best["config"])

    def records(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self.trials]

    def to_dataframe(self) -> pd.DataFrame:
        return dataframe(self.trials, self.space)

    def export(self, path: str | Path) -> Path:
        doc = document(self.direction, self.space, self.steering, self.trials, None)
        doc["best"] = self.best
        return dump(doc, Path(path))


def read(path: Path) -> ExportedRun:
    text = path.read_text()
    if path.suffix.lower() in _YAML:
        import yaml

        doc = yaml.safe_load(text)
    else:
        doc = json.loads(text)
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path}: not an hcautoml-widgets export (format {FORMAT!r})")
    space = SearchSpace.from_configspace_json(json.dumps(doc["space"]))
    steering = Steering(space, [SteeringEvent.from_dict(d) for d in doc["steering"]])
    for row in doc["trials"]:
        if row.get("enqueued") is not None:
            steering.mark_consumed(int(row["enqueued"]), int(row["number"]))
    return ExportedRun(doc["direction"], space, steering, doc["trials"], doc["best"])
