"""Corpus records as spaCy Docs (``doc.ents`` with the span attributes), in a DocBin."""

from __future__ import annotations

from collections.abc import Iterable

import spacy
from spacy.tokens import DocBin

from nlp.pipeline.extensions import SPAN_EXTENSIONS

_NLP = None


def record_to_doc(record: dict):
    """A Doc of the note's text whose entities are the gold spans (attributes set)."""
    global _NLP
    if _NLP is None:
        _NLP = spacy.blank("en")
    doc = _NLP.make_doc(record["text"])
    ents = []
    for s in record["spans"]:
        span = doc.char_span(s["start"], s["end"], label=s["label"])
        if span is None:
            raise ValueError(f"{record['id']}: span {s['start']}-{s['end']} is not token-aligned")
        ents.append((span, s))
    doc.ents = spacy.util.filter_spans([span for span, _ in ents])
    kept = {(e.start_char, e.end_char) for e in doc.ents}
    for span, s in ents:
        if (span.start_char, span.end_char) in kept:
            ent = doc.char_span(span.start_char, span.end_char, label=s["label"])
            for name in SPAN_EXTENSIONS:
                if name in s:
                    setattr(ent._, name, s[name])
    doc.user_data["id"] = record["id"]
    return doc


def to_docbin(records: Iterable[dict]) -> DocBin:
    docbin = DocBin(store_user_data=True)
    for record in records:
        docbin.add(record_to_doc(record))
    return docbin
