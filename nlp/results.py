"""The per-note result: codes with units, confidence and evidence; flags; entities.

``NoteResult.to_dict()`` is exactly the JSON object of ``shared/spec/entities.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Evidence:
    """A character span of the note that supports a code."""

    start: int
    end: int
    text: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "text": self.text}


@dataclass
class CodeResult:
    code: str
    units: int
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "units": self.units, "confidence": round(self.confidence, 4),
                "evidence": [e.to_dict() for e in self.evidence]}


@dataclass
class NoteResult:
    """What the coder says about one note."""

    id: str
    status: str = "ok"
    codes: list[CodeResult] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    entities: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, str] | None = None
    model: dict[str, str] = field(default_factory=dict)
    confidence: float = 1.0

    @property
    def code_units(self) -> dict[str, int]:
        return {c.code: c.units for c in self.codes}

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "codes": [c.to_dict() for c in self.codes],
            "flags": list(self.flags),
            "entities": list(self.entities),
            "error": self.error,
            "model": dict(self.model),
        }

    @classmethod
    def failed(cls, note_id: str, error_type: str, message: str, model: dict[str, str]) -> NoteResult:
        """A record for a note that could not be coded; ``message`` must not quote the note."""
        return cls(id=note_id, status="error", error={"type": error_type, "message": message},
                   model=dict(model), confidence=0.0)
