"""A cheap pre-screen: does a note say anything that could be a CCM device?

Notes without any CCM signal skip the spaCy pipeline and the classifier (they
still get their record, with no codes). The pattern is deliberately broad
(speech-recognition spellings included): a note passes if it could name a CCM
system, because the coding rules give no CCM code without a CCM system mention.
"""

from __future__ import annotations

import re

CCM_SIGNAL = re.compile(
    r"c\W{0,2}c\W{0,2}m|contractility|optimi[sz]|opti\W?mi[sz]|impulse\W{0,2}dynamics|integra\b|x\W?11\b"
    r"|\bsee\W?see\W?em\b",
    re.IGNORECASE,
)


def may_be_ccm(text: str) -> bool:
    """True when the note mentions anything that could be a CCM device."""
    return CCM_SIGNAL.search(text) is not None
