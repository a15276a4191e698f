"""``ccm_sentences``: sentence boundaries for dictated and speech-recognised notes.

Boundaries come from, in order:

1. written sentence punctuation (``. ! ? ;``), ignoring list numbers ("2. Findings");
2. line breaks (template lines, bullets, "Field: value" lines, table rows);
3. spoken punctuation in raw speech-recognition output ("period", "full stop",
   "new paragraph", "next paragraph", "new line"), but not "refractory period",
   "5 one-hour periods" or "a period of";
4. a fallback for long unpunctuated runs: a sentence longer than ``max_tokens``
   is cut before clause cues ("then", "next", "we", ...) and, if still too long,
   before "and"/"the", so that an assertion's scope never spans a whole note.
"""

from __future__ import annotations

from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc

DEFAULT_SPOKEN_BREAKS: list[list[str]] = [
    ["period"], ["full", "stop"], ["new", "paragraph"], ["next", "paragraph"], ["new", "line"],
]
#: words before "period" that make it a time period, not a full stop
DEFAULT_PERIOD_PSEUDO: list[str] = [
    "refractory", "blanking", "the", "a", "an", "this", "that", "each", "every", "waiting",
    "recovery", "observation", "time", "postoperative", "post-operative", "perioperative",
    "follow-up", "trial", "grace", "same", "short", "long", "brief", "-", "hour", "day",
    "week", "month", "year", "menstrual", "latent", "incubation", "washout", "training",
    "monitoring", "probation", "sensing", "alert", "vulnerable", "healing", "study",
]
DEFAULT_CLAUSE_CUES: list[str] = [
    "then", "next", "subsequently", "afterwards", "afterward", "thereafter", "finally",
    "after", "following", "once", "we", "i", "there", "this", "these", "at", "using",
    "hemostasis", "attention", "however", "but",
]
DEFAULT_WEAK_CUES: list[str] = ["and", "the", "a", "with", "which", "it"]
SENT_PUNCT = {".", "!", "?", ";", "…"}


class SentenceSegmenter:
    """Rule-based sentence segmenter for clinical dictation (sets ``Token.is_sent_start``)."""

    def __init__(
        self,
        nlp: Language,
        name: str = "ccm_sentences",
        *,
        spoken_breaks: Iterable[Iterable[str]] = tuple(map(tuple, DEFAULT_SPOKEN_BREAKS)),
        period_pseudo: Iterable[str] = tuple(DEFAULT_PERIOD_PSEUDO),
        clause_cues: Iterable[str] = tuple(DEFAULT_CLAUSE_CUES),
        weak_cues: Iterable[str] = tuple(DEFAULT_WEAK_CUES),
        max_tokens: int = 40,
        min_tokens: int = 5,
    ) -> None:
        self.name = name
        self.spoken_breaks = [tuple(w.lower() for w in words) for words in spoken_breaks]
        self.period_pseudo = {w.lower() for w in period_pseudo}
        self.clause_cues = {w.lower() for w in clause_cues}
        self.weak_cues = {w.lower() for w in weak_cues}
        self.max_tokens = max_tokens
        self.min_tokens = min_tokens

    # -- helpers -----------------------------------------------------------------
    @staticmethod
    def _line_start(doc: Doc, i: int) -> bool:
        return i == 0 or (doc[i - 1].is_space and "\n" in doc[i - 1].text) or (
            "\n" in doc[i - 1].whitespace_)

    def _spoken_break_end(self, doc: Doc, i: int) -> int:
        """If a spoken punctuation phrase starts at token i, return its end index, else 0."""
        low = doc[i].lower_
        for words in self.spoken_breaks:
            if low != words[0] or i + len(words) > len(doc):
                continue
            if any(doc[i + k].lower_ != w for k, w in enumerate(words)):
                continue
            if words == ("period",):
                prev = doc[i - 1] if i > 0 else None
                nxt = doc[i + 1] if i + 1 < len(doc) else None
                if prev is None or prev.lower_ in self.period_pseudo or prev.like_num:
                    return 0
                if prev.lower_.endswith("-hour") or prev.lower_.endswith("-day"):
                    return 0
                if nxt is not None and nxt.lower_ in {"of", "was", "is", "lasting", "during"}:
                    return 0
            return i + len(words)
        return 0

    # -- main --------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        starts = [False] * (n + 1)
        starts[0] = True
        for i, tok in enumerate(doc):
            if tok.is_space:
                if "\n" in tok.text:
                    starts[i + 1] = True
                continue
            if "\n" in tok.whitespace_:
                starts[i + 1] = True
            if tok.text in SENT_PUNCT:
                # "2." / "2)" list numbers at line start are not sentence ends
                if i > 0 and doc[i - 1].like_num and self._line_start(doc, i - 1):
                    continue
                j = i + 1
                while j < n and doc[j].text in {'"', "'", ")", "]", "”", "’"}:
                    j += 1
                starts[j] = True
                continue
            end = self._spoken_break_end(doc, i)
            if end:
                starts[end] = True
        self._split_long(doc, starts)
        for i, tok in enumerate(doc):
            tok.is_sent_start = starts[i]
        return doc

    def _split_long(self, doc: Doc, starts: list[bool]) -> None:
        n = len(doc)
        bounds = [i for i in range(n) if starts[i]] + [n]
        for a, b in zip(bounds, bounds[1:]):
            if b - a <= self.max_tokens:
                continue
            last = a
            cuts: list[int] = []
            for j in range(a + 1, b):
                if doc[j].lower_ in self.clause_cues and j - last >= self.min_tokens \
                        and b - j >= self.min_tokens:
                    cuts.append(j)
                    last = j
            pieces = [a] + cuts + [b]
            for pa, pb in zip(pieces, pieces[1:]):
                if pb - pa <= self.max_tokens:
                    continue
                last = pa
                target = max(self.min_tokens, self.max_tokens // 2)
                for j in range(pa + 1, pb):
                    if doc[j].lower_ in self.weak_cues and j - last >= target \
                            and pb - j >= self.min_tokens:
                        cuts.append(j)
                        last = j
                    elif j - last >= self.max_tokens:
                        cuts.append(j)
                        last = j
            for j in cuts:
                starts[j] = True


@Language.factory(
    "ccm_sentences",
    default_config={
        "spoken_breaks": DEFAULT_SPOKEN_BREAKS,
        "period_pseudo": DEFAULT_PERIOD_PSEUDO,
        "clause_cues": DEFAULT_CLAUSE_CUES,
        "weak_cues": DEFAULT_WEAK_CUES,
        "max_tokens": 40,
        "min_tokens": 5,
    },
)
def make_sentences(
    nlp: Language,
    name: str,
    spoken_breaks: list[list[str]],
    period_pseudo: list[str],
    clause_cues: list[str],
    weak_cues: list[str],
    max_tokens: int,
    min_tokens: int,
) -> SentenceSegmenter:
    return SentenceSegmenter(
        nlp, name, spoken_breaks=spoken_breaks, period_pseudo=period_pseudo,
        clause_cues=clause_cues, weak_cues=weak_cues, max_tokens=max_tokens,
        min_tokens=min_tokens,
    )
