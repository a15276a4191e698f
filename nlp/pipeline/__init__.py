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
from .context import ContextComponent
from .extensions import ACTIONS, SPAN_EXTENSIONS, register_extensions
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
    "Sectionizer",
    "SentenceSegmenter",
    "build_pipeline",
    "entity_records",
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
    out: list[dict[str, Any]] = []
    for ent in doc.ents:
        if ent.label_ not in ALL_LABELS:
            continue
        out.append({
            "label": ent.label_,
            "start": ent.start_char,
            "end": ent.end_char,
            "text": ent.text,
            "action": ent._.action if ent.label_ in COMPONENT_LABELS else "none",
            "negated": bool(ent._.negated),
            "historical": bool(ent._.historical),
            "hypothetical": bool(ent._.hypothetical),
            "count": int(ent._.count),
            "section": ent._.section,
            "chamber": ent._.chamber,
        })
    return out
