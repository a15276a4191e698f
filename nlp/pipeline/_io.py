"""Small helpers shared by the components: JSONL rule files and the data folder."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

#: ``nlp/data``: the rule files shipped with the package.
DATA_DIR: Path = Path(__file__).resolve().parent.parent / "data"


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Read a JSON Lines file, skipping blank lines and ``//`` comment lines."""
    rows: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("//"):
                rows.append(json.loads(line))
    return rows


def write_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
