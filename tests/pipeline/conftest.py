"""Shared fixtures: the pipeline is built once per test session (it is read-only)."""

from __future__ import annotations

import pytest
from spacy.language import Language
from spacy.tokens import Doc, Span

from nlp.pipeline import build_pipeline


@pytest.fixture(scope="session")
def nlp() -> Language:
    return build_pipeline()


def find_ent(doc: Doc, text: str, nth: int = 0) -> Span:
    """The entity overlapping the ``nth`` occurrence of ``text`` in the doc (fails if none)."""
    start = -1
    for _ in range(nth + 1):
        start = doc.text.find(text, start + 1)
        assert start >= 0, f"{text!r} not in text"
    end = start + len(text)
    hits = [e for e in doc.ents if e.start_char < end and e.end_char > start]
    assert hits, f"no entity over {text!r}; ents: {[(e.text, e.label_) for e in doc.ents]}"
    return hits[0]


def entity_labels(doc: Doc) -> list[tuple[str, str]]:
    return [(e.text, e.label_) for e in doc.ents]


@pytest.fixture(scope="session")
def ent():
    """``ent(doc, "RV lead")``: the entity over that text (the test fails if there is none)."""
    return find_ent


@pytest.fixture(scope="session")
def labels():
    return entity_labels
