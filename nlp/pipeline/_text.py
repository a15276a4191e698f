"""The note's text, kept once per doc.

``Doc.text`` rebuilds the string from every token on each access (about as costly
as tokenising the note). The coder stores the original text in ``doc.user_data``
when it makes the doc; components read it through :func:`doc_text`, which falls
back to building it once.
"""

from __future__ import annotations

from spacy.tokens import Doc

TEXT_KEY = "ccm_text"


def doc_text(doc: Doc) -> str:
    text = doc.user_data.get(TEXT_KEY)
    if text is None or not _matches(doc, text):
        text = doc.user_data[TEXT_KEY] = doc.text
    return text


def _matches(doc: Doc, text: str) -> bool:
    """Cheap check that ``text`` is this doc's text (same length as the tokens cover)."""
    if not len(doc):
        return text == ""
    last = doc[-1]
    return len(text) == last.idx + len(last.text_with_ws)


def make_doc(nlp, text: str) -> Doc:
    """Tokenise ``text`` and remember it on the doc."""
    doc = nlp.make_doc(text)
    doc.user_data[TEXT_KEY] = text
    return doc
