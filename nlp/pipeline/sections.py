"""``ccm_sections``: section detection from header rules (``nlp/data/section_rules.jsonl``).

A rule is ``{"category": "procedure", "phrase": "procedure performed"}``. A phrase
match is a header when it starts a line (after an optional list number or bullet,
"2) Procedures") or a sentence, and

* is followed by a colon on the same line (``Indication: ...``, inline fields,
  ``Original system (from ...): ...``), or
* is alone on its line (headers without colons), or
* is written in capitals (``PROCEDURE PERFORMED``), or
* is followed by spoken punctuation in speech-recognition output
  ("procedure performed colon ...", "indications new paragraph ...").

Other short capitalised "Label:" fields at line start ("Operator:", "EBL:") close
the current section as category ``other``. Text before the first header is
``unknown``. Results: ``doc.spans["sections"]`` (label = category, one span per
section), ``doc.spans["section_headers"]``, and ``Span._.section`` on every entity.
Entities lying wholly inside a rule header ("Leads:") are dropped from
``doc.ents``: a header names a field, not a device.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc, Span

from . import extensions  # noqa: F401  (registers Span._.section)
from ._io import DATA_DIR, JsonlRules, read_jsonl
from ._lookup import PhraseTrie, set_span_attr
from ._phrases import token_arrays

SPOKEN_COLON = {"colon"}
SPOKEN_PARAGRAPH = [("new", "paragraph"), ("next", "paragraph"), ("new", "line"), ("paragraph",)]
BULLET_RE_CHARS = {"#", "-", "*", "•", "·", ")", ".", "–", "—", ">", "o"}
RULES_FILE = "section_rules.jsonl"
_COLON = hash_string(":")
_COLON_ENDS = {_COLON, hash_string("):"), hash_string("]:")}  # the tokenizer keeps "):" whole
_SPOKEN_COLONS = {hash_string(w) for w in SPOKEN_COLON}
_OPENERS = {hash_string("("), hash_string("[")}
_STOPS = {hash_string("."), hash_string(";")}
_SPOKEN_ENDS = [(hash_string(w),) for w in SPOKEN_COLON] + [
    tuple(hash_string(w) for w in words) for words in SPOKEN_PARAGRAPH]


class _Lines:
    """Line geometry of one doc: line-break positions from numpy arrays, searched by bisection."""

    def __init__(self, doc: Doc) -> None:
        self.n = len(doc)
        arrays = token_arrays(doc)
        self.sent_start = doc.to_array(SENT_START).astype(np.int64) == 1
        self.lowers = arrays["lower"]
        self.doc = doc
        self.space_cum = np.concatenate([[0], np.cumsum(arrays["space"])])
        counts = arrays["newlines"]
        self.nl = np.nonzero(counts)[0]
        self._nl = self.nl.tolist()
        self.nl_set = set(self._nl)
        self._blank = np.nonzero(counts >= 2)[0].tolist()

    def at_line_start(self, i: int) -> bool:
        return i == 0 or (i - 1) in self.nl_set

    def line_end(self, i: int) -> int:
        """The first line break at or after token i (``n`` if none)."""
        k = bisect_left(self._nl, i)
        return self._nl[k] if k < len(self._nl) and i < self.n else self.n

    def paragraph_end(self, e: int, limit: int) -> int:
        if e >= self.n:
            return limit
        k = bisect_left(self._blank, e)
        b = self._blank[k] if k < len(self._blank) else self.n
        return b + 1 if b < limit else limit

    def all_space_or_punct(self, a: int, b: int) -> bool:
        return all(t.is_space or t.is_punct for t in self.doc[a:b])

    def any_non_space(self, a: int, b: int) -> bool:
        return b > a and int(self.space_cum[b] - self.space_cum[a]) < b - a


class Sectionizer(JsonlRules):
    """Finds section headers and labels every span of the note with its section."""

    rules_file = RULES_FILE

    def __init__(
        self,
        nlp: Language,
        name: str = "ccm_sections",
        *,
        max_header_tokens: int = 14,
        max_field_tokens: int = 5,
        other_category: str = "other",
        drop_header_entities: bool = False,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.max_header_tokens = max_header_tokens
        self.max_field_tokens = max_field_tokens
        self.other_category = other_category
        self.drop_header_entities = drop_header_entities
        self.item_words = {"lead", "leads", "electrode", "generator", "ipg", "icd", "pacemaker",
                           "ra", "rv", "ls", "atrial", "ventricular", "septal", "device"}
        self._item_hashes = {hash_string(w) for w in self.item_words}
        self.rules: list[dict[str, Any]] = []
        self.index = PhraseTrie()

    # -- rules -------------------------------------------------------------------
    @property
    def categories(self) -> list[str]:
        return sorted({r["category"] for r in self.rules})

    def add_rules(self, rules: Iterable[dict[str, Any]]) -> None:
        for rule in rules:
            self.rules.append(dict(rule))
            words = tuple(t.lower_ for t in self.nlp.make_doc(rule["phrase"]) if not t.is_space)
            self.index.add(rule["category"], [words])

    def clear(self) -> None:
        self.rules = []
        self.index = PhraseTrie()

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Language | None = None,
        rules_path: str | None = None,
    ) -> None:
        """Load the header rules (default: ``nlp/data/section_rules.jsonl``)."""
        self.clear()
        self.add_rules(read_jsonl(rules_path or DATA_DIR / RULES_FILE))

    # -- detection ---------------------------------------------------------------
    def _header_start(self, doc: Doc, lines: _Lines, s: int) -> int | None:
        """Token index where the header's line begins (skipping numbers/bullets)."""
        k = s
        steps = 0
        while k > 0 and steps < 3 and not lines.at_line_start(k):
            prev = doc[k - 1]
            if prev.like_num or prev.text in BULLET_RE_CHARS or (
                    len(prev.text) <= 2 and prev.text.rstrip(".)").isalpha()
                    and prev.text[-1:] in ").") or prev.text in {"[", "]", "(", "x", "X"}:
                k -= 1
                steps += 1
                continue
            break
        if lines.at_line_start(k):
            return k
        if lines.sent_start[s]:
            return s
        return None

    @staticmethod
    def _spoken_end(lowers: np.ndarray, e: int) -> int:
        """The end of spoken punctuation ("colon", "new paragraph") at token e, else 0."""
        window = tuple(lowers[e:e + 2].tolist())
        for words in _SPOKEN_ENDS:
            if window[:len(words)] == words:
                return e + len(words)
        return 0

    def find_headers(self, doc: Doc, lines: _Lines | None = None) -> list[tuple[int, int, str]]:
        """(start, end, category) of every header, sorted, non-overlapping."""
        found: list[tuple[int, int, str]] = []
        lines = lines or _Lines(doc)
        lowers = lines.lowers
        n = lines.n
        # headers start a line (after up to 4 bullet/number tokens) or a sentence
        allowed = lines.sent_start.copy()
        allowed[0] = True
        after_break = (lines.nl[:, None] + np.arange(1, 6)).ravel()
        allowed[after_break[after_break < n]] = True
        # dictated run-on text: "... cardiomyopathy procedure colon ccm device implantation"
        spoken_anywhere = not _SPOKEN_COLONS.isdisjoint(lowers.tolist())
        matches = sorted(self.index.match(lowers, allowed=None if spoken_anywhere else allowed),
                         key=lambda m: (m[1], -(m[2] - m[1])))
        for category, s, e in matches:
            k = self._header_start(doc, lines, s) if allowed[s] else None
            if k is None:
                if not (e < n and int(lowers[e]) in _SPOKEN_COLONS):
                    continue
                k = s
            line_start = lines.at_line_start(k)
            line_end = lines.line_end(e)
            nxt = int(lowers[e]) if e < n else None
            end = None
            # colon on the same line, soon after the phrase
            if nxt == _COLON:
                end = e + 1
            elif nxt is not None and line_start and (nxt in _OPENERS or doc[s].text[:1].isupper()):
                # "Original system (from ...):", "Procedure(s) Performed Today:"
                limit = self.max_header_tokens if nxt in _OPENERS else 3
                for j, h in enumerate(lowers[e:min(line_end, e + limit + 1)].tolist(), e):
                    if h in _COLON_ENDS:
                        end = j + 1
                        break
                    if h in _STOPS:
                        break
            if end is None and line_start and lines.all_space_or_punct(e, line_end):
                end = e  # alone on its line
            if end is None and line_start:
                text = doc[s:e].text
                if text.isupper() and any(c.isalpha() for c in text) and (
                        e >= n or not doc[e].text.isupper()):
                    end = e
            if end is None:
                end = self._spoken_end(lowers, e) or None
            if end is None:
                continue
            found.append((k, end, category))
        # generic "Label:" fields close the current section
        for i in np.nonzero(lowers == np.uint64(_COLON))[0].tolist():
            if i == 0:
                continue
            k = i - 1
            while k > 0 and i - k < self.max_field_tokens and not lines.at_line_start(k):
                k -= 1
            if not lines.at_line_start(k) or i - k > self.max_field_tokens:
                continue
            if lines.space_cum[i] - lines.space_cum[k]:
                continue
            if not self._item_hashes.isdisjoint(lowers[k:i].tolist()):
                continue  # "Ventricular lead 1: ..." is an item of the current section
            first = doc[k]
            while first.i < i and (first.like_num or first.text in BULLET_RE_CHARS):
                first = doc[first.i + 1]
            if first.i >= i or not (first.is_title or first.is_upper):
                continue
            if first.i > k and doc[k].text in {"-", "*", "•", "·", "–", "—", ">", "o"}:
                continue  # a bulleted "- Item: value" line belongs to the current section
            found.append((k, i + 1, self.other_category))
        found.sort(key=lambda h: (h[0], -(h[1] - h[0]), h[2] == self.other_category))
        result: list[tuple[int, int, str]] = []
        for h in found:
            if result and h[0] < result[-1][1]:
                continue
            result.append(h)
        return result

    def __call__(self, doc: Doc) -> Doc:
        lines = _Lines(doc)
        headers = self.find_headers(doc, lines)
        sections: list[tuple[int, int, str]] = []
        if headers and headers[0][0] > 0:
            sections.append((0, headers[0][0], "unknown"))
        elif not headers and len(doc):
            sections.append((0, len(doc), "unknown"))
        for idx, (s, e, cat) in enumerate(headers):
            nxt = headers[idx + 1][0] if idx + 1 < len(headers) else len(doc)
            inline = lines.any_non_space(e, lines.line_end(e))
            cut = lines.paragraph_end(e, nxt) if inline else nxt
            sections.append((s, cut, cat))
            if cut < nxt:
                sections.append((cut, nxt, "unknown"))
        header_spans = [Span(doc, s, e, label=cat) for s, e, cat in headers]
        header_starts = [s for s, _, _ in headers]
        if headers and not lines.sent_start[header_starts].all():
            # a header starts a sentence (set in one array write: Token.is_sent_start is slow)
            sent = np.where(lines.sent_start, 1, -1).astype(np.int64)
            sent[header_starts] = 1
            doc.from_array([SENT_START], sent.astype(np.uint64).reshape(-1, 1))
        doc.spans["sections"] = [Span(doc, s, e, label=cat) for s, e, cat in sections]
        doc.spans["section_headers"] = header_spans
        ents = list(doc.ents)
        if self.drop_header_entities and header_spans:
            rule_headers = [h for h in header_spans if h.label_ != self.other_category]
            keep = []
            for ent in ents:
                inside = any(h.start <= ent.start and ent.end <= h.end for h in rule_headers)
                if not inside:
                    keep.append(ent)
            if len(keep) != len(ents):
                doc.ents = keep
                ents = list(doc.ents)
        # sections are sorted and contiguous: the section of a token is the last one starting at or before it
        starts = [s for s, _, _ in sections]
        for ent in ents:
            k = bisect_right(starts, ent.start) - 1
            section = sections[k][2] if k >= 0 and ent.start < sections[k][1] else "unknown"
            set_span_attr(doc, "section", ent.start_char, ent.end_char, section)
        return doc

    # -- serialisation -------------------------------------------------------------


def section_of(doc: Doc, token_index: int) -> str:
    """Category of the section containing token ``token_index`` ("unknown" if none)."""
    if "sections" not in doc.spans:
        return "unknown"
    for span in doc.spans["sections"]:
        if span.start <= token_index < span.end:
            return span.label_
    return "unknown"


@Language.factory(
    "ccm_sections",
    default_config={
        "max_header_tokens": 14,
        "max_field_tokens": 5,
        "other_category": "other",
        "drop_header_entities": False,
    },
)
def make_sectionizer(
    nlp: Language,
    name: str,
    max_header_tokens: int,
    max_field_tokens: int,
    other_category: str,
    drop_header_entities: bool,
) -> Sectionizer:
    return Sectionizer(
        nlp, name, max_header_tokens=max_header_tokens, max_field_tokens=max_field_tokens,
        other_category=other_category, drop_header_entities=drop_header_entities,
    )
