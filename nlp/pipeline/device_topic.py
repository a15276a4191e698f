"""``ccm_device_topic``: in a note about another device's procedure, bare parts are that device's.

A CCM patient's pacemaker implant says "the atrial lead was screwed into the
appendage" and "the generator was placed in the pocket"; nothing in those
sentences names the pacemaker. When the procedure section (the title or
"Procedure:" field) names only a non-CCM device (pacemaker, ICD, CRT, ...), a
lead or generator mention whose own words carry no CCM cue (CCM, OPTIMIZER,
septal, LS, ...) is relabelled ``OTHER_DEVICE``. Notes whose procedure section
names the CCM system are left alone.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc, Span

from . import extensions  # noqa: F401

DEVICE_TOPIC = "ccm_device_topic"
PARTS = {"PULSE_GENERATOR", "ATRIAL_LEAD", "VENTRICULAR_LEAD", "LEAD"}
_CCM_CUE = re.compile(r"\bc\W?c\W?m\b|optimi[sz]er|contractility|sept|\bls\b|\bv[12]\b|impulse", re.I)


class DeviceTopic:
    """Relabels bare CCM-looking parts in notes about another device's procedure."""

    def __init__(self, nlp: Language, name: str = DEVICE_TOPIC) -> None:
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        titled = [e for e in doc.ents if e._.section == "procedure"]
        if not titled or not any(e.label_ == "OTHER_DEVICE" for e in titled) \
                or any(e.label_ in PARTS | {"CCM_SYSTEM"} and _CCM_CUE.search(e.text) for e in titled) \
                or any(e.label_ == "CCM_SYSTEM" for e in titled):
            return doc
        ents = []
        for ent in doc.ents:
            if ent.label_ in PARTS and not _CCM_CUE.search(ent.text):
                relabelled = Span(doc, ent.start, ent.end, label="OTHER_DEVICE")
                for name in ("action", "negated", "historical", "hypothetical", "count", "section"):
                    setattr(relabelled._, name, getattr(ent._, name))
                ents.append(relabelled)
            else:
                ents.append(ent)
        doc.ents = ents
        return doc


@Language.factory(DEVICE_TOPIC)
def make_device_topic(nlp: Language, name: str) -> DeviceTopic:
    return DeviceTopic(nlp, name)
