"""``ccm_cues``: document cues for the classifier.

Cues are phrases that are not entities but change the coding: the procedure was
aborted, settings were changed (programming) or left unchanged (interrogation
only), a device-clinic visit, a CCM-D system, "CCM" meaning chronic care
management, and procedure-title phrases. Each line of ``nlp/data/cue_patterns.jsonl``
is ``{"label": ..., "pattern": [token pattern]}`` using ``LOWER``, ``IN`` and
``"OP": "?"`` only, so the patterns expand into literal phrases looked up with the
pipeline's phrase trie (:mod:`nlp.pipeline._lookup`). Matches go to
``doc.spans["cues"]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from spacy.attrs import LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import ensure_path

from ._io import DATA_DIR, read_jsonl, write_jsonl
from ._lookup import PhraseTrie
from ._phrases import expand

CUES = "ccm_cues"
PATTERNS_FILE = "cue_patterns.jsonl"
SPANS_KEY = "cues"


class DocumentCues:
    """Marks cue phrases in ``doc.spans["cues"]`` with their label."""

    def __init__(self, nlp: Language, name: str = CUES) -> None:
        self.name = name
        self.patterns: list[dict[str, Any]] = []
        self._index = PhraseTrie()

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *,
                   nlp: Language | None = None, patterns: list[dict[str, Any]] | None = None) -> None:
        self.set_patterns(patterns if patterns is not None else read_jsonl(DATA_DIR / PATTERNS_FILE))

    def set_patterns(self, patterns: list[dict[str, Any]]) -> None:
        self.patterns = [dict(p) for p in patterns]
        self._index = PhraseTrie()
        for p in self.patterns:
            self._index.add(p["label"], expand(p["pattern"]))

    def __call__(self, doc: Doc) -> Doc:
        matches = self._index.match(doc.to_array(LOWER))  # ccm_context dropped the shared token arrays
        doc.spans[SPANS_KEY] = [Span(doc, start, end, label=label) for label, start, end in matches]
        return doc

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        write_jsonl(path / PATTERNS_FILE, self.patterns)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> DocumentCues:
        self.set_patterns(read_jsonl(ensure_path(path) / PATTERNS_FILE))
        return self


@Language.factory(CUES)
def make_cues(nlp: Language, name: str) -> DocumentCues:
    return DocumentCues(nlp, name)
