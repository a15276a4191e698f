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

import itertools
from collections.abc import Iterable

import numpy as np
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc

from ._phrases import WordClasses, token_arrays

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
SENT_PUNCT = (".", "!", "?", ";", "…")
CLOSERS = {'"', "'", ")", "]", "”", "’"}


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
        self._classes = WordClasses({
            "punct": SENT_PUNCT,
            "closers": CLOSERS,
            "spoken": [words[0] for words in self.spoken_breaks],
            "cue": self.clause_cues,
            "weak": self.weak_cues,
            "aux": ["was", "were", "is", "are", "has", "have", "had"],
            "det": ["the", "a", "an", "both", "two", "three", "all", "this", "these"],
            "prep": ["from", "to", "into", "in", "of", "with", "on", "onto", "over", "under",
                     "through", "via", "by", "at", "for", "and", "was", "were", "is", "are",
                     "that", "which", "than", "then", "all", "both"],
        })
        self._bits = {name: self._classes.bit(name) for name in self._classes.names}
        self._and = hash_string("and")
        self._break_hashes = [tuple(hash_string(w) for w in words) for words in self.spoken_breaks]
        self._longest_break = max((len(words) for words in self.spoken_breaks), default=0)

    # -- helpers -----------------------------------------------------------------
    def _spoken_break_end(self, doc: Doc, lowers: np.ndarray, i: int) -> int:
        """If a spoken punctuation phrase starts at token i, return its end index, else 0."""
        window = tuple(lowers[i:i + self._longest_break].tolist())
        for words, hashes in zip(self.spoken_breaks, self._break_hashes):
            if window[:len(hashes)] != hashes:
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
        arrays = token_arrays(doc)
        lowers = arrays["lower"]
        nl = arrays["newlines"] > 0
        line_start = np.concatenate([[True], nl[:-1]])
        starts = np.zeros(n + 1, dtype=bool)
        starts[0] = True
        starts[1:][nl] = True
        codes = self._classes.classify(lowers)
        bits = self._bits
        closers = np.zeros(n + 1, dtype=bool)  # (no closer after the last token)
        closers[:n] = (codes & bits["closers"]) != 0
        punct = np.nonzero(codes & bits["punct"])[0]
        if len(punct):
            # "2." / "2)" list numbers at line start are not sentence ends
            after_start = punct[punct > 0]
            after_start = after_start[line_start[after_start - 1]].tolist()
            numbers = [i for i in after_start if doc[i - 1].like_num]
            if numbers:
                keep = np.ones(n, dtype=bool)
                keep[numbers] = False
                punct = punct[keep[punct]]
            nxt = punct + 1
            closed = closers[nxt]
            starts[nxt[~closed]] = True
            for j in nxt[closed].tolist():  # '." ...' : the quote/bracket stays with its sentence
                while j < n and closers[j]:
                    j += 1
                starts[j] = True
        for i in np.nonzero(codes & bits["spoken"])[0].tolist():
            end = self._spoken_break_end(doc, lowers, i)
            if end:
                starts[end] = True
        self._split_long(doc, starts, lowers, codes)
        sent = np.full((n, 1), 2**64 - 1, dtype=np.uint64)  # -1: not a sentence start
        sent[starts[:n]] = 1
        doc.from_array([SENT_START], sent)
        return doc

    def _split_long(self, doc: Doc, starts: np.ndarray, lowers: np.ndarray,
                    codes: np.ndarray) -> None:
        n = len(doc)
        bounds = np.append(np.nonzero(starts[:n])[0], n)
        long_idx = np.nonzero(np.diff(bounds) > self.max_tokens)[0]
        if not len(long_idx):
            return
        long_ = list(zip(bounds[long_idx].tolist(), bounds[long_idx + 1].tolist()))
        bits = self._bits
        cue = (codes & bits["cue"]) != 0
        weak = (codes & bits["weak"]) != 0
        # a new clause: "... the old generator was removed": determiner + auxiliary soon after
        aux = (codes & bits["aux"]) != 0
        det = (codes & bits["det"]) != 0
        prep = (codes & bits["prep"]) != 0
        aux_cum = np.concatenate([[0], np.cumsum(aux)])
        j = np.nonzero(det)[0]
        j = j[j > 0]
        ahead = aux_cum[np.minimum(j + 8, n)] - aux_cum[j + 1] > 0
        j = j[ahead & ~prep[j - 1] & ~det[j - 1]]
        cue[np.where(lowers[j - 1] == self._and, j - 1, j)] = True
        for a, b in long_:
            last = a
            cuts: list[int] = []
            for j in (np.nonzero(cue[a + 1:b])[0] + a + 1).tolist():
                if j + 1 < n and len(doc[j + 1]) == 1:
                    continue  # spelled-out abbreviations ("i p g", "r v") are never cut
                if j - last >= self.min_tokens and b - j >= self.min_tokens:
                    cuts.append(j)
                    last = j
            pieces = [a] + cuts + [b]
            target = max(self.min_tokens, self.max_tokens // 2)
            for pa, pb in itertools.pairwise(pieces):
                if pb - pa <= self.max_tokens:
                    continue
                last = pa
                for j, is_weak in enumerate(weak[pa + 1:pb].tolist(), pa + 1):
                    if is_weak and j - last >= target and pb - j >= self.min_tokens or j - last >= self.max_tokens:
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
