"""The spaCy extraction pipeline: sentences -> device terms -> sections -> ConText -> cues.

A trained model adds ``ccm_action_model`` last (see :mod:`nlp.train`).

Importing this package registers the extension attributes and the factories, so
``spacy.load("models/pipeline")`` rebuilds a saved pipeline::

    from nlp.pipeline import build_pipeline, entity_records
    nlp = build_pipeline()
    doc = nlp(text)
    records = entity_records(doc)
"""

from __future__ import annotations

from typing import Any

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from . import (  # noqa: F401  (register factories and Span._ attributes)
    action_model,
    cues,
    device_topic,
    extensions,
)
from ._text import doc_text
from .context import ContextComponent
from .extensions import ACTIONS, SPAN_EXTENSIONS, Mention, mentions, register_extensions
from .sections import Sectionizer, section_of
from .sentences import SentenceSegmenter
from .terminology import ALL_LABELS, APPROACH_LABELS, COMPONENT_LABELS, DeviceTerminology

#: pipe names in order (each a registered factory of the same name)
PIPELINE_COMPONENTS: list[str] = ["ccm_sentences", "ccm_terminology", "ccm_sections",
                                  "ccm_device_topic", "ccm_context", "ccm_cues"]

__all__ = [
    "ACTIONS",
    "ALL_LABELS",
    "APPROACH_LABELS",
    "COMPONENT_LABELS",
    "PIPELINE_COMPONENTS",
    "SPAN_EXTENSIONS",
    "ContextComponent",
    "DeviceTerminology",
    "Mention",
    "Sectionizer",
    "SentenceSegmenter",
    "build_pipeline",
    "entity_records",
    "mentions",
    "register_extensions",
    "section_of",
]


def build_pipeline() -> Language:
    """Blank English + the CCM components, initialised from the rule files in ``nlp/data``."""
    nlp = spacy.blank("en")
    for name in PIPELINE_COMPONENTS:
        nlp.add_pipe(name)
    nlp.initialize()
    return nlp


def entity_records(doc: Doc) -> list[dict[str, Any]]:
    """Per-entity JSON records (``entities.md``): label, char offsets, text, attributes."""
    text = doc_text(doc)
    return [{
        "label": m.label,
        "start": m.start,
        "end": m.end,
        "text": text[m.start:m.end],
        "action": m.action if m.label in _COMPONENTS else "none",
        "negated": bool(m.negated),
        "historical": bool(m.historical),
        "hypothetical": bool(m.hypothetical),
        "count": int(m.count),
        "section": m.section,
        "chamber": m.chamber,
    } for m in mentions(doc, _RECORDED)]


_RECORDED = frozenset(ALL_LABELS)
_COMPONENTS = frozenset(COMPONENT_LABELS)
