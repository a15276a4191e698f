"""Extension attributes the pipeline writes on spans (registered at import time).

Every value is a plain ``str``/``bool``/``int`` so docs survive pickling,
``Doc.to_bytes`` and ``nlp.pipe(n_process>1)`` unchanged.
"""

from __future__ import annotations

from spacy.tokens import Span

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


def register_extensions() -> None:
    """Register the span attributes once (idempotent)."""
    for name, default in SPAN_EXTENSIONS.items():
        if not Span.has_extension(name):
            Span.set_extension(name, default=default)


register_extensions()
