"""Extension attributes the pipeline writes on spans (registered at import time).

Every value is a plain ``str``/``bool``/``int`` so docs survive pickling,
``Doc.to_bytes`` and ``nlp.pipe(n_process>1)`` unchanged.
"""

from __future__ import annotations

from collections.abc import Collection
from itertools import repeat
from typing import NamedTuple

from spacy.tokens import Doc, Span

#: name -> default
SPAN_EXTENSIONS: dict[str, object] = {
    "action": "none",
    "negated": False,
    "historical": False,
    "hypothetical": False,
    "count": 1,
    "section": "unknown",
    #: "atrial" / "ventricular" / "": the chamber of a lead (for ``LEAD``: resolved from
    #: its sentence; the label keeps saying the phrase names no chamber)
    "chamber": "",
    #: probability of ``action`` under the trained action model (1.0 when rules decided)
    "action_p": 1.0,
}

ACTIONS: tuple[str, ...] = (
    "inserted", "removed", "repositioned", "retained", "abandoned", "tested", "none",
)


class Mention(NamedTuple):
    """An entity with its label, character offsets and extension values (see :func:`mentions`)."""

    span: Span
    label: str
    start: int
    end: int
    action: str
    negated: bool
    historical: bool
    hypothetical: bool
    count: int
    section: str
    chamber: str
    action_p: float


assert Mention._fields[4:] == tuple(SPAN_EXTENSIONS), "Mention fields follow SPAN_EXTENSIONS"
_NAMES = tuple(SPAN_EXTENSIONS)
_DEFAULTS = tuple(SPAN_EXTENSIONS.values())
_PREFIXES = ("._.",) * len(_NAMES)


def mentions(doc: Doc, labels: Collection[str] | None = None) -> list[Mention]:
    """The doc's entities (those with one of ``labels``, if given) with their extension values.

    ``span._.x`` keeps a value in ``doc.user_data`` under ``("._.", x, start_char, end_char)``
    (spaCy's ``Underscore``); reading those keys directly, with the registered
    defaults as fallback, gives the same values without building an ``Underscore``
    object per read.
    """
    get, n = doc.user_data.get, len(_NAMES)
    out = []
    for span in doc.ents:
        label = span.label_
        if labels is None or label in labels:
            start, end = span.start_char, span.end_char
            keys = zip(_PREFIXES, _NAMES, repeat(start, n), repeat(end, n))
            out.append(Mention(span, label, start, end, *map(get, keys, _DEFAULTS)))
    return out


def register_extensions() -> None:
    """Register the span attributes once (idempotent)."""
    for name, default in SPAN_EXTENSIONS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)


register_extensions()
