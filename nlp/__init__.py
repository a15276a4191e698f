"""ccm-coder: codes CCM device procedure notes (CPT 0408T-0418T) and explains itself.

    import nlp
    coder = nlp.load()                 # the model in models/ (nlp.load(FOLDER) for another)
    result = coder.code(text, id="n1") # NoteResult: codes, flags, entities, to_dict()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Coder", "NoteResult", "__version__", "load"]

if TYPE_CHECKING:
    from nlp.coder import Coder, load
    from nlp.results import NoteResult


def __getattr__(name: str) -> Any:
    """Import the heavy parts (spaCy, scikit-learn) only when they are used."""
    if name in ("Coder", "load"):
        from nlp import coder

        return getattr(coder, name)
    if name == "NoteResult":
        from nlp.results import NoteResult

        return NoteResult
    raise AttributeError(f"module 'nlp' has no attribute {name!r}")
