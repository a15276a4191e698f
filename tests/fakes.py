"""Test doubles: a deterministic fake coder with the ``coder.pipe`` contract, and a PHI canary."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator

#: Placed in bad notes; must never show up in messages, logs or captured output.
CANARY = "CANARY-PHI-7f3a9c"

MODEL_INFO = {"name": "fake-coder", "version": "0.0-test", "sha256": "0" * 64}


class FakeCoder:
    """Codes like the real coder's output schema, from keywords, spaCy-style in batches.

    ``fail_on``: a note containing this string makes the coder raise (with the
    note's text in the exception message, as careless libraries do).
    """

    def __init__(self, fail_on: str | None = None, exc: type[BaseException] = ValueError) -> None:
        self.model_info = dict(MODEL_INFO)
        self.fail_on = fail_on
        self.exc = exc
        self.calls: list[tuple[int, int]] = []
        self.coded = 0

    def code_one(self, note_id: str, text: str) -> dict:
        if self.fail_on is not None and self.fail_on in text:
            raise self.exc(f"cannot code note: {text[:200]}")
        self.coded += 1
        codes = []
        lowered = text.lower()
        if "generator" in lowered:
            codes.append({"code": "0414T", "units": 1, "confidence": 0.9, "evidence": []})
        leads = lowered.count("ventricular lead")
        if leads:
            codes.append({"code": "0411T", "units": leads, "confidence": 0.8, "evidence": []})
        return {
            "id": note_id,
            "status": "ok",
            "codes": codes,
            "flags": ["low_confidence"] if "maybe" in lowered else [],
            "entities": [],
            "error": None,
            "model": dict(self.model_info),
        }

    def pipe(
        self, records: Iterable[tuple[str, str]], *, batch_size: int, n_process: int
    ) -> Iterator[dict]:
        self.calls.append((batch_size, n_process))
        it = iter(records)
        while batch := list(itertools.islice(it, batch_size)):
            results = [self.code_one(i, t) for i, t in batch]
            yield from results
