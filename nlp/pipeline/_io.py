"""Small helpers shared by the components: JSONL rule files and the data folder."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import srsly
from spacy.util import ensure_path

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


class JsonlRules:
    """Serialisation for a component whose data is one list of JSONL rules.

    The component keeps its rows in ``self.rules``, names its file in
    ``rules_file`` and implements ``clear()`` and ``add_rules(rows)``.
    """

    rules_file: str
    rules: list[dict[str, Any]]

    def clear(self) -> None:  # pragma: no cover - implemented by the component
        raise NotImplementedError

    def add_rules(self, rules: Iterable[dict[str, Any]]) -> None:  # pragma: no cover
        raise NotImplementedError

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        write_jsonl(path / self.rules_file, self.rules)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()):
        self.clear()
        self.add_rules(read_jsonl(ensure_path(path) / self.rules_file))
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.json_dumps(self.rules).encode("utf8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()):
        self.clear()
        self.add_rules(srsly.json_loads(data))
        return self
