"""The committed evaluation figure: ``score.json`` beside this module (overall and per-criterion rates)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SCORE_PATH = Path(__file__).resolve().parent / "score.json"
#: How far a rate may fall below the committed figure before the evaluation test fails.
TOLERANCE = 0.05
RATES = ("overall", "named", "first", "figure", "quiet")


def rates(result: dict[str, Any]) -> dict[str, Any]:
    """The figures kept: contexts' rates (and investigate's when scored), per class for the record."""
    out: dict[str, Any] = {"contexts": {k: result["contexts"][k] for k in RATES}}
    if "investigate" in result:
        out["investigate"] = {k: result["investigate"][k] for k in RATES}
    out["per_class"] = {kind: {k: entry[k] for k in RATES} for kind, entry in result["per_class"].items()}
    return out


def write(result: dict[str, Any], seed: int, path: Path = SCORE_PATH) -> Path:
    payload = {"seed": seed, "measured_at": datetime.now(UTC).strftime("%Y-%m-%d"), **rates(result)}
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return path


def committed(path: Path = SCORE_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def drops(result: dict[str, Any], baseline: dict[str, Any], tolerance: float = TOLERANCE) -> list[str]:
    """Every overall or per-criterion rate that fell more than ``tolerance`` below the committed one."""
    now = rates(result)
    found = []
    for group in ("contexts", "investigate"):
        if group not in baseline or group not in now:
            continue
        for key in RATES:
            before, after = baseline[group].get(key), now[group].get(key)
            if before is not None and after is not None and after < before - tolerance:
                found.append(f"{group} {key}: {after:.3f} < committed {before:.3f} - {tolerance}")
    return found
