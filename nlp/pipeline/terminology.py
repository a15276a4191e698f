"""``ccm_terminology``: device components and approach terms into ``doc.ents``.

Rule data (``nlp/data``):

* ``terminology_patterns.jsonl``: spaCy token patterns for the *head* of each term
  (``{"label": "LEAD", "pattern": [{"LOWER": {"IN": ["lead", "leads", "electrode"]}}]}``),
  written to tolerate case, hyphenation, plurals, abbreviations and common
  speech-recognition errors ("sub clavian", "flora scopy", "i p g").
* ``terminology_lexicon.jsonl``: word lists (``{"group": ..., "terms": [...]}``):
  the modifiers that extend a head to the left ("two right ventricular septal
  leads", "new OPTIMIZER Smart IPG", "right axillary vein"), chamber cues,
  non-CCM device cues, rejection contexts ("lead poisoning", "12-lead ECG",
  "may lead to"), count words.

After matching, the component

1. extends each head over adjacent modifiers (left) and counts ("x2", "#1 and #2");
2. keeps the longest non-overlapping spans (``spacy.util.filter_spans``);
3. resolves labels: a lead whose span places it becomes
   ``ATRIAL_LEAD``/``VENTRICULAR_LEAD``; a generic lead ("the lead", "both leads")
   stays ``LEAD`` and its sentence's chamber goes to ``Span._.chamber``; parts of an ICD/pacemaker/CRT/other
   stimulator, and generators of other makers, become ``OTHER_DEVICE``; in a note with no CCM cue but another
   device, every bare lead/generator is that device's (``OTHER_DEVICE``);
   "CCM" meaning chronic care management or cerebral cavernous malformation is
   dropped, and so is a CCM channel named alone ("V1") outside a CCM note or in an
   ECG's words;
4. sets ``Span._.count``.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from functools import reduce
from operator import or_
from pathlib import Path
from typing import Any

import numpy as np
import srsly
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.tokens import Doc, Span
from spacy.util import ensure_path, filter_spans

from . import extensions  # noqa: F401
from ._io import DATA_DIR, read_jsonl, write_jsonl
from ._lookup import Phrases, PhraseTrie, WordTable, longest_spans, set_span_attr
from ._phrases import Unsupported, expand, token_arrays
from ._text import doc_text

PATTERNS_FILE = "terminology_patterns.jsonl"
LEXICON_FILE = "terminology_lexicon.jsonl"

COMPONENT_LABELS: tuple[str, ...] = (
    "CCM_SYSTEM", "PULSE_GENERATOR", "ATRIAL_LEAD", "VENTRICULAR_LEAD", "LEAD", "OTHER_DEVICE",
)
APPROACH_LABELS: tuple[str, ...] = ("VENOUS_ACCESS", "POCKET", "IMAGING", "LEAD_POSITION")
ALL_LABELS: tuple[str, ...] = COMPONENT_LABELS + APPROACH_LABELS
_CCM_PART_LABELS = {"PULSE_GENERATOR", "ATRIAL_LEAD", "VENTRICULAR_LEAD", "LEAD"}
_CCM_LABELS = _CCM_PART_LABELS | {"CCM_SYSTEM"}
_COUNTED_LABELS = _CCM_PART_LABELS | {"OTHER_DEVICE"}  # "x2" after the head counts
_CHAMBER_OF = {"ATRIAL_LEAD": "atrial", "VENTRICULAR_LEAD": "ventricular"}
_LABEL_OF = {v: k for k, v in _CHAMBER_OF.items()}
_HASH_RE = re.compile(r"^#\d$")
_TIMES_RE = re.compile(r"^[x×](\d)$")
_DEFAULT_CUE_WORDS = ["ccm", "optimizer", "optimiser", "optimizers", "x11", "contractility",
                      "dynamics", "miser", "optimum", "optima", "opti"]
_CCM_SUFFIX = {"ivs", "iv", "smart", "mini", "integra", "x11", "system", "systems", "device",
               "devices", "ccm", "c-d", "ccm-d", "unit", "implant", "hardware"}

#: word classes the rules test: class -> lexicon group ...
_LEXICON_CLASSES = {
    "component_mods": "component_modifiers", "approach_mods": "approach_modifiers",
    "ventricular": "ventricular_terms", "atrial": "atrial_terms", "other": "other_device_terms",
    "ccm": "ccm_terms", "determiners": "determiners", "lead_model": "lead_model_terms",
    "lead_reject_next": "lead_reject_next", "lead_reject_prev": "lead_reject_prev",
    "lead_verb_prev": "lead_verb_prev", "electrode_reject_next": "electrode_reject_next",
    "generator_reject_prev": "generator_reject_prev", "can_prev": "can_prev",
    "can_next_ok": "can_next_ok", "ccm_not_hardware_next": "ccm_not_hardware_next",
    "other_maker": "other_maker_terms",
}
#: ... and fixed word sets
_FIXED_CLASSES = {
    "joiners": {"-", "/"},
    "to_us": {"to", "us"},
    "sides": {"right", "left"},
    "pocket_not_next": {"region", "area", "muscle", "skin", "fascia", "major", "minor"},
    "ccm_suffix": _CCM_SUFFIX,
    "ccm_dash_next": {"d", "c", "ccm"} | _CCM_SUFFIX,
    "other_dash_next": {"d", "p"},
    "other_suffix": {"system", "device", "generator", "can", "leads", "lead", "coil"},
    "lead_number": {"a", "b", "#1", "#2"},
    "place": {"septum", "septal", "appendage", "atrium", "apex", "rvot", "ra", "rv", "ls"},
    "and_comma": {"and", ",", "&"},
    "times_234": {"x2", "x3", "x4"},
    "plural_count": {"both", "two", "three", "four", "2", "3", "4", "pair"},
    "septal": {"septal", "septum", "ls", "v1", "v2"},
    "its_their": {"its", "their"},
    "possessive": {"'s", "’s"},
    "of_for": {"of", "for"},
    "ccm_cue": {"ccm", "optimizer", "optimiser"},
    "ccm_device_name": {"optimizer", "optimiser", "x11", "integra"},
    "lead_channel": {"v1", "v2"},
    "ecg_words": {"ecg", "ekg", "electrocardiogram", "qrs", "rbbb", "lbbb", "precordial", "rsr", "rsr'"},
}
_PHRASE_CLASSES = ("ventricular", "atrial", "other", "septal")
#: ... the count words, CCM cue words, first words of the head patterns, and the first
#: words of each class's phrases
_CLASSES = (*_LEXICON_CLASSES, *_FIXED_CLASSES, "count_words", "doc_cue", "pattern_first",
            *(f"{name}_phrase" for name in _PHRASE_CLASSES))
_BIT = {name: 1 << k for k, name in enumerate(_CLASSES)}
_PHRASE_BITS = {name: (_BIT[name], _BIT[f"{name}_phrase"]) for name in _PHRASE_CLASSES}
_SPACE = WordTable.SPACE
#: single words compared by id
_ID_WORDS = ("ccm", "-", "#", "(", "leads", "can", "d", "dynamics", "c", "m", "i", "r", "t")
#: device acronyms dictated letter by letter ("new r v c c m lead", "the i c d generator")
_SPELLED_CCM = ("c", "c", "m")
_SPELLED = (_SPELLED_CCM, ("i", "c", "d"), ("c", "r", "t"))


class _AnyRegex:
    """Whether any of the patterns matches the text (one search each).

    Python's ``re`` skips quickly only to a literal prefix, which a pattern starting
    with ``\\b`` lacks: it is first searched without the ``\\b`` (a necessary
    condition), then only from where that matched.
    """

    def __init__(self, patterns: Iterable[str]) -> None:
        self._items: list[tuple[re.Pattern[str] | None, re.Pattern[str]]] = []
        for p in patterns:
            pre = None
            if p.startswith(r"\b"):
                try:
                    pre = re.compile(p[2:])
                except re.error:
                    pre = None
            self._items.append((pre, re.compile(p)))

    def search(self, text: str) -> bool:
        for pre, full in self._items:
            if pre is None:
                if full.search(text):
                    return True
            else:
                m = pre.search(text)
                if m and full.search(text, m.start()):
                    return True
        return False


class _Words:
    """One doc's tokens for the rules: word ids and class codes as lists, lazily its
    sentence starts; strings and ``Token`` attributes only where a rule needs them."""

    def __init__(self, doc: Doc, table: WordTable) -> None:
        arrays = token_arrays(doc)
        ids, codes = table.lookup(arrays["lower"], arrays["space"])
        self.doc = doc
        self.table_words = table.words
        self.strings = doc.vocab.strings
        self.n = len(doc)
        self.lowers = arrays["lower"]
        self.ids: list[int] = ids.tolist()
        self.codes: list[int] = codes.tolist()
        self.any_codes = int(np.bitwise_or.reduce(codes)) if len(codes) else 0
        self.pattern_starts = np.nonzero(codes & _BIT["pattern_first"])[0]
        self._starts: list[int] | None = None

    def lower(self, i: int) -> str:
        wid = self.ids[i]
        return self.table_words[wid] if wid else self.strings[int(self.lowers[i])]

    def bits(self, s: int, e: int) -> int:
        """The classes of the words in tokens [s, e)."""
        return reduce(or_, self.codes[s:e], 0)

    def sentence(self, s: int, e: int) -> tuple[int, int]:
        """The sentence around tokens [s, e): from the last start at or before ``s``
        to the first start at or after ``e``."""
        if self._starts is None:
            self._starts = np.nonzero(self.doc.to_array(SENT_START).astype(np.int64) == 1)[0].tolist()
        starts = self._starts
        j = bisect_right(starts, s)
        k = bisect_left(starts, e)
        return (starts[j - 1] if j else 0), (starts[k] if k < len(starts) else self.n)


#: clinical abbreviations whose letters are also device modifiers ("s/p" = status post)
_SLASH_ABBREVIATIONS = frozenset({"s/p", "h/o", "c/o", "r/o"})
#: the heads of a lead named as a lead; any other LEAD head is the lead's model ("Tendril")
#: or CCM channel ("V1")
_LEAD_HEADS = frozenset({"lead", "leads", "electrode", "electrodes", "led", "leds", "lid", "lids"})


def _without_appositive_models(w: _Words, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Drop a lead named only by its model or channel in a sentence that names a lead as a
    lead: there the name is said of that lead ("LS lead Medtronic 5076-52 at the septum",
    "a second lead (V2)")."""
    def model_only(s: int, e: int, label: str) -> bool:
        return label == "LEAD" and w.lower(e - 1) not in _LEAD_HEADS

    named = {w.sentence(s, e) for s, e, label in spans if label == "LEAD" and not model_only(s, e, label)}
    return [(s, e, label) for s, e, label in spans if not (model_only(s, e, label) and w.sentence(s, e) in named)]


class _Ents:
    """A doc's first-pass spans (sorted, non-overlapping), their ends, and the cues
    found so far per sentence."""

    def __init__(self, spans: list[tuple[int, int, str]]) -> None:
        self.spans = spans
        self.ends = [e for _, e, _ in spans]
        self.sentences: dict[tuple[int, int], tuple[bool, bool, bool, set[int], bool]] = {}


class DeviceTerminology:
    """Rule-based recogniser for CCM components, other devices and approach terms."""

    def __init__(
        self,
        nlp: Language,
        name: str = "ccm_terminology",
        *,
        max_modifiers: int = 6,
        use_doc_device_cue: bool = True,
        use_sentence_device_cue: bool = True,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.max_modifiers = max_modifiers
        self.use_doc_device_cue = use_doc_device_cue
        self.use_sentence_device_cue = use_sentence_device_cue
        self.patterns: list[dict[str, Any]] = []
        self.lexicon: dict[str, list[str]] = {}
        self.index = PhraseTrie()
        self.matcher = Matcher(nlp.vocab)  # only for patterns the phrase index cannot hold
        self._n_matcher = 0
        self._pattern_words: set[str] = set()
        self._pattern_first: set[str] = set()
        self._compile()

    # -- rules -------------------------------------------------------------------
    def clear(self) -> None:
        self.patterns = []
        self.lexicon = {}
        self.index = PhraseTrie()
        self.matcher = Matcher(self.nlp.vocab)
        self._n_matcher = 0
        self._pattern_words = set()
        self._pattern_first = set()
        self._compile()

    def add_patterns(self, patterns: Iterable[dict[str, Any]]) -> None:
        for p in patterns:
            if p["label"] not in ALL_LABELS:
                raise ValueError(f"unknown label {p['label']!r} in terminology pattern")
            self.patterns.append(dict(p))
            pattern = p["pattern"]
            if isinstance(pattern, str):
                phrases = [tuple(t.lower_ for t in self.nlp.make_doc(pattern))]
            else:
                try:
                    phrases = expand(pattern)
                except Unsupported:
                    self.matcher.add(p["label"], [pattern])
                    self._n_matcher += 1
                    continue
            self.index.add(p["label"], phrases)
            self._pattern_words.update(w for words in phrases for w in words)
            self._pattern_first.update(words[0] for words in phrases)
        self._compile()

    def set_lexicon(self, rows: Iterable[dict[str, Any]]) -> None:
        self.lexicon = {r["group"]: list(r["terms"]) for r in rows}
        self._compile()

    def _compile(self) -> None:
        lex = self.lexicon
        count_words: dict[str, int] = {}
        for item in lex.get("count_words", []):
            word, _, value = item.partition("=")
            count_words[word.lower()] = int(value)
        phrases = {"ventricular": lex.get("ventricular_phrases", []),
                   "atrial": lex.get("atrial_phrases", []),
                   "other": lex.get("other_device_phrases", []), "septal": ["local sense"]}
        classes = {name: lex.get(group, []) for name, group in _LEXICON_CLASSES.items()}
        classes.update(_FIXED_CLASSES)
        classes["count_words"] = count_words
        classes["doc_cue"] = lex.get("ccm_cue_words", _DEFAULT_CUE_WORDS)
        classes["pattern_first"] = self._pattern_first
        classes.update({f"{name}_phrase": [p.split(" ")[0] for p in ps] for name, ps in phrases.items()})
        words = [w for ps in phrases.values() for p in ps for w in p.split(" ")]
        self._words = table = WordTable(classes, [*_ID_WORDS, *words, *self._pattern_words])
        self._id = {w: table.id(w) for w in _ID_WORDS}
        self._count_of = {table.id(w): v for w, v in count_words.items()}
        self._phrases = {name: Phrases(table, ps) for name, ps in phrases.items()}

        def rx(group: str) -> _AnyRegex | None:
            items = lex.get(group, [])
            return _AnyRegex(items) if items else None

        self.ccm_doc_re = rx("ccm_doc_regex")
        self.ccm_other_re = rx("ccm_other_meaning_regex")
        self.ccm_strong_re = rx("ccm_strong_regex")

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Language | None = None,
        patterns_path: str | None = None,
        lexicon_path: str | None = None,
    ) -> None:
        """Load patterns and lexicon (default: the files in ``nlp/data``)."""
        self.clear()
        self.add_patterns(read_jsonl(patterns_path or DATA_DIR / PATTERNS_FILE))
        self.set_lexicon(read_jsonl(lexicon_path or DATA_DIR / LEXICON_FILE))

    # -- matching ----------------------------------------------------------------
    def _valid_head(self, w: _Words, label: str, s: int, e: int) -> bool:
        codes, ids = w.codes, w.ids
        prev = codes[s - 1] if s > 0 else 0
        nxt = codes[e] if e < w.n else 0
        if label == "LEAD":
            if w.lower(e - 1).startswith("electrode"):
                return not nxt & _BIT["electrode_reject_next"] and not prev & _BIT["lead_reject_prev"]
            if nxt & _BIT["lead_reject_next"] or prev & _BIT["lead_reject_prev"]:
                return False  # "lead poisoning", "lead II", "EEG lead"
            if codes[e - 1] & _BIT["lead_channel"]:
                # a CCM channel named alone ("V1 was kept"), not the ECG's ("leads V1-V3")
                after = codes[e + 1] if e + 1 < w.n else 0
                return not (after & _BIT["lead_reject_next"] or s > 0 and w.lower(s - 1) in _LEAD_HEADS)
            if s > 1 and ids[s - 1] == self._id["-"] and w.doc[s - 2].like_num:
                return False  # "12-lead ECG"
            # the verb: "may lead to", "which leads to", "this led to"
            return not (nxt & _BIT["to_us"] and (prev & _BIT["lead_verb_prev"] or (
                ids[e - 1] == self._id["leads"]
                and not prev & (_BIT["component_mods"] | _BIT["determiners"]))))
        if label == "PULSE_GENERATOR" and e - s == 1 and ids[s] == self._id["can"]:
            return bool(prev & _BIT["can_prev"]) and (bool(nxt & _BIT["can_next_ok"]) or e == w.n)
        if label == "PULSE_GENERATOR":
            return not prev & _BIT["generator_reject_prev"]
        if label == "POCKET" and e - s == 2 and codes[s] & _BIT["sides"]:
            return not nxt & _BIT["pocket_not_next"]  # "right pectoral" but not "... muscle"
        return True

    def _names_hardware(self, w: _Words, s: int, e: int) -> bool:
        """False for "CCM therapy", "CCM delivery", "Impulse Dynamics (CCM) specialist":
        the therapy or the company, not the device ("OPTIMIZER IVs CCM therapy" names it)."""
        if w.ids[e - 1] not in (self._id["ccm"], self._id["dynamics"]) or w.bits(s, e) & _BIT["ccm_device_name"]:
            return True
        return not (e < w.n and w.codes[e] & _BIT["ccm_not_hardware_next"])

    def _extend(self, w: _Words, label: str, s: int, e: int) -> tuple[int, int]:
        codes, ids, n = w.codes, w.ids, w.n
        mods = _BIT["approach_mods" if label in APPROACH_LABELS else "component_mods"]
        joiners = _BIT["joiners"]
        k = s
        used = 0
        while k > 0 and used < self.max_modifiers:
            prev = codes[k - 1]
            if label not in APPROACH_LABELS and self._spelled_acronym(w, k):
                k -= 3  # dictated "new r v septal c c m lead", "i c d lead"
                used += 1
            elif prev & mods and not prev & _SPACE:
                k -= 1
                used += 1
            elif prev & joiners and k > 1 and codes[k - 2] & mods and not w.doc[k - 1].whitespace_:
                if k < e and f"{w.lower(k - 2)}/{w.lower(k)}" in _SLASH_ABBREVIATIONS:
                    k += 1  # "s/p OPTIMIZER III": status post, not a modifier "p"
                    break
                k -= 2
                used += 1
            else:
                break
        # a lone "-" or "/" at the left edge is not part of the span
        while k < s and codes[k] & joiners:
            k += 1
        end = e
        if label in _COUNTED_LABELS and end < n and _TIMES_RE.match(w.lower(end)):
            end += 1
        if label in {"LEAD", "ATRIAL_LEAD", "VENTRICULAR_LEAD"}:
            end = self._position_in_parentheses(w, end)
        dash = self._id["-"]
        if label == "CCM_SYSTEM":
            while end < n and end - e < 4 and (codes[end] & _BIT["ccm_suffix"] or (
                    ids[end] == dash and end + 1 < n and codes[end + 1] & _BIT["ccm_dash_next"])):
                end += 2 if ids[end] == dash else 1
        if label == "OTHER_DEVICE" and end < n:
            if ids[end] == dash and end + 1 < n and codes[end + 1] & _BIT["other_dash_next"]:
                end += 2
            while end < n and codes[end] & _BIT["other_suffix"]:
                end += 1
        return k, end

    def _spelled(self, w: _Words, k: int, letters: tuple[str, ...]) -> bool:
        """The tokens just before ``k`` are ``letters``: an acronym dictated letter by letter."""
        start = k - len(letters)
        return start >= 0 and all(w.ids[start + j] == self._id[letter] for j, letter in enumerate(letters))

    def _spelled_ccm(self, w: _Words, k: int) -> bool:
        return self._spelled(w, k, _SPELLED_CCM)

    def _spelled_acronym(self, w: _Words, k: int) -> bool:
        return any(self._spelled(w, k, letters) for letters in _SPELLED)

    def _position_in_parentheses(self, w: _Words, end: int, max_tokens: int = 6) -> int:
        """ "Lead 1 (upper septum)": a position in parentheses right after a lead names
        its chamber, so it belongs to the span."""
        start = end
        if start < w.n and (w.codes[start] & _BIT["lead_number"] or w.doc[start].like_num):
            start += 1  # "Lead 1 (...)", "lead B (...)"
        if start >= w.n or w.ids[start] != self._id["("]:
            return end
        for k in range(start + 1, min(w.n, start + 2 + max_tokens)):
            if w.lower(k).startswith(")"):  # ")" or "):" (one token)
                return k + 1 if w.bits(start + 1, k) & _BIT["place"] else end
            if w.codes[k] & _SPACE:
                break
        return end

    def _count(self, w: _Words, s: int, e: int) -> int:
        ids, codes = w.ids, w.codes
        count = 1
        for i in range(s, e):
            value = self._count_of.get(ids[i])
            if value is not None:
                count = max(count, value)
        m = _TIMES_RE.match(w.lower(e - 1))
        if m:
            count = max(count, int(m.group(1)))
        j = e
        hashes = 0
        while j < w.n and j - e < 8:
            if ids[j] == self._id["#"] and j + 1 < w.n and w.doc[j + 1].like_num:
                hashes += 1
                j += 2
            elif codes[j] & _BIT["and_comma"]:
                j += 1
            elif _HASH_RE.match(w.lower(j)):
                hashes += 1
                j += 1
            else:
                break
        if hashes > 1:
            count = max(count, hashes)
        if count > 1 and hashes < 2 and not codes[e - 1] & _BIT["times_234"] \
                and not w.bits(s, e) & _BIT["plural_count"] \
                and not w.doc[s:e].root.lower_.endswith("s"):
            count = 1
        return count

    # -- label resolution ----------------------------------------------------------
    def _has(self, w: _Words, s: int, e: int, name: str, found: int) -> bool:
        """A word of the class, or one of its phrases among the non-space words, in tokens
        [s, e) (whose classes are ``found``)."""
        word_bit, phrase_bit = _PHRASE_BITS[name]
        if found & word_bit:
            return True
        if not found & phrase_bit:
            return False
        codes, ids = w.codes, w.ids
        return self._phrases[name].found([ids[i] for i in range(s, e) if not codes[i] & _SPACE])

    def _is_other(self, w: _Words, s: int, e: int, label: str) -> bool:
        return label == "OTHER_DEVICE" or (
            label in _CCM_LABELS and self._has(w, s, e, "other", w.bits(s, e)))

    def _doc_cues(self, w: _Words, spans: list[tuple[int, int, str]]) -> tuple[bool, bool, bool]:
        """(ccm_device_cue, ccm_other_meaning, other_device_present)."""
        other_present = any(self._is_other(w, s, e, label) for s, e, label in spans)
        if not w.any_codes & _BIT["doc_cue"]:
            return False, False, other_present
        text = doc_text(w.doc).lower()
        if self.ccm_strong_re and self.ccm_strong_re.search(text):
            return True, False, other_present
        other_meaning = bool(self.ccm_other_re and self.ccm_other_re.search(text))
        ccm_cue = not other_meaning and bool(self.ccm_doc_re and self.ccm_doc_re.search(text))
        return ccm_cue, other_meaning, other_present

    def _sentence_cues(self, w: _Words, idx: int, ents: _Ents) -> tuple[bool, bool, bool, bool]:
        """Chamber / device cues in the sentence of ``ents[idx]`` outside other component spans.

        The words left outside component spans are the same for every span of a
        sentence (the span is one of them), so they are looked at once per sentence.
        """
        s, e, _ = ents.spans[idx]
        sentence = w.sentence(s, e)
        if sentence not in ents.sentences:
            ents.sentences[sentence] = self._sentence_words(w, *sentence, ents)
        ventricular, atrial, other_device, ccm_ents, ccm = ents.sentences[sentence]
        return ventricular, atrial, other_device, ccm or bool(ccm_ents - {idx})

    def _sentence_words(self, w: _Words, a: int, b: int, ents: _Ents
                        ) -> tuple[bool, bool, bool, set[int], bool]:
        """(ventricular, atrial, other device, the CCM spans, CCM word) of sentence [a, b)."""
        other_device = False
        ccm_ents = set()
        gaps = []  # the token ranges outside component spans
        pos = a
        first = bisect_right(ents.ends, a)  # the first span ending after a
        for j, (es, ee, label) in enumerate(ents.spans[first:], first):
            if es >= b:
                break
            if label not in COMPONENT_LABELS:
                continue
            if es > pos:
                gaps.append((pos, es))
            pos = max(pos, ee)
            if label == "OTHER_DEVICE":
                other_device = True
            elif label == "CCM_SYSTEM" or w.bits(es, ee) & _BIT["ccm"]:
                ccm_ents.add(j)
        if pos < b:
            gaps.append((pos, b))
        codes = w.codes
        found = reduce(or_, (reduce(or_, codes[lo:hi], 0) for lo, hi in gaps), 0)

        def phrase(name: str) -> bool:
            return bool(found & _BIT[f"{name}_phrase"]) and self._phrases[name].found(
                [i for lo, hi in gaps for i in w.ids[lo:hi]])

        ventricular = bool(found & _BIT["ventricular"]) or phrase("ventricular")
        atrial = bool(found & _BIT["atrial"]) or phrase("atrial")
        return ventricular, atrial, other_device, ccm_ents, bool(found & _BIT["ccm"])

    @staticmethod
    def _possessed_by_other(w: _Words, s: int, e: int, ents: list[tuple[int, int, str]]) -> bool:
        """"its leads" / "the ICD's lead" / "lead for the ICD" / "lead of her pacemaker"."""
        if s > 0 and w.codes[s - 1] & _BIT["its_their"]:
            before = [x for x in ents if x[1] <= s and x[2] in COMPONENT_LABELS]
            if before and before[-1][2] == "OTHER_DEVICE" and s - before[-1][1] <= 6:
                return True
        if s > 1 and w.codes[s - 1] & _BIT["possessive"]:
            before = [x for x in ents if x[1] == s - 1]
            return bool(before and before[-1][2] == "OTHER_DEVICE")
        if e < w.n and w.codes[e] & _BIT["of_for"]:
            k = e + 1
            while k < w.n and k <= e + 2 and w.codes[k] & (_BIT["determiners"] | _BIT["its_their"]):
                k += 1
            after = [x for x in ents if x[0] == k]
            return bool(after and after[0][2] == "OTHER_DEVICE")
        return False

    def _resolve(self, w: _Words, spans: list[tuple[int, int, str]]
                 ) -> tuple[list[tuple[int, int, str]], dict[tuple[int, int], str]]:
        """Final (start, end, label) spans, and the sentence chamber of generic leads."""
        ccm_cue, other_meaning, other_present = self._doc_cues(w, spans)
        out: list[tuple[int, int, str]] = []
        for s, e, label in spans:
            if label == "CCM_SYSTEM" and other_meaning:
                continue  # chronic care management / cavernous malformation
            if label == "LEAD" and w.codes[e - 1] & _BIT["lead_channel"] and (
                    not ccm_cue or w.bits(*w.sentence(s, e)) & _BIT["ecg_words"]):
                continue  # "V1" alone is a CCM lead only in a CCM note, and not in an ECG's words
            found = w.bits(s, e)
            if label in _CCM_LABELS and self._has(w, s, e, "other", found) and not (
                    label == "CCM_SYSTEM" and w.ids[s] != self._id["ccm"]
                    and self._id["d"] not in w.ids[s:e]):
                label = "OTHER_DEVICE"
            elif label == "PULSE_GENERATOR" and found & _BIT["other_maker"]:
                label = "OTHER_DEVICE"  # an Abbott or Medtronic generator: CCM's are Impulse Dynamics'
            elif label == "LEAD":
                ven = self._has(w, s, e, "ventricular", found)
                atr = self._has(w, s, e, "atrial", found)
                if ven and not atr:
                    label = "VENTRICULAR_LEAD"
                elif atr and not ven:
                    label = "ATRIAL_LEAD"
            out.append((s, e, label))
        # sentence-level placement and device ownership
        chambers: dict[tuple[int, int], str] = {}
        ents = _Ents(out)
        final: list[tuple[int, int, str]] = []
        for idx, (s, e, label) in enumerate(out):
            if label in _CCM_PART_LABELS:
                found = w.bits(s, e)
                has_ccm_word = bool(found & _BIT["ccm"]) or any(self._spelled_ccm(w, k) for k in range(s + 3, e + 1))
                no_ccm_note = self.use_doc_device_cue and not ccm_cue and not has_ccm_word and (
                    other_present or label in {"LEAD", "PULSE_GENERATOR"})
                if no_ccm_note or self._possessed_by_other(w, s, e, out):
                    # no CCM anywhere: a bare lead/generator is some other device's;
                    # "its leads" after an ICD are the ICD's
                    label = "OTHER_DEVICE"
                else:
                    ven, atr, other_dev, ccm = self._sentence_cues(w, idx, ents)
                    bare = label in {"LEAD", "PULSE_GENERATOR", "ATRIAL_LEAD"} or (
                        label == "VENTRICULAR_LEAD" and not has_ccm_word
                        and not self._has(w, s, e, "septal", found))
                    if self.use_sentence_device_cue and other_dev and not ccm and bare \
                            and not has_ccm_word and not found & _BIT["ccm_cue"]:
                        label = "OTHER_DEVICE"
                    elif label == "LEAD":
                        # a generic lead keeps LEAD (entities.md); the sentence's chamber
                        # goes to ``Span._.chamber``. A lead named by its model ("a Medtronic
                        # 5076-52 lead was screwed into the septum") is that chamber's lead.
                        chamber = "ventricular" if ven and not atr else "atrial" if atr and not ven else ""
                        if chamber and (found & _BIT["lead_model"] or any(
                                t.like_num and len(t.text) >= 4 for t in w.doc[s:e])):
                            label = _LABEL_OF[chamber]
                        elif chamber:
                            chambers[(s, e)] = chamber
            final.append((s, e, label))
        return final, chambers

    def __call__(self, doc: Doc) -> Doc:
        if not self.patterns:
            raise ValueError(f"{self.name}: no patterns; call nlp.initialize() or load a saved pipeline")
        w = _Words(doc, self._words)
        matches = self.index.match(w.lowers, starts=w.pattern_starts)
        if self._n_matcher:
            matches += [(self.nlp.vocab.strings[m], s, e) for m, s, e in self.matcher(doc)]
        if not matches:
            return doc
        candidates: list[tuple[int, int, str]] = []
        for label, s, e in matches:
            if not self._valid_head(w, label, s, e):
                continue
            k, end = self._extend(w, label, s, e)
            if label == "CCM_SYSTEM" and not self._names_hardware(w, k, end):
                continue
            # strip determiners at the left edge (spans are determiner-free)
            while k < s and w.codes[k] & _BIT["determiners"]:
                k += 1
            candidates.append((k, end, label))
        spans, chambers = self._resolve(w, _without_appositive_models(w, longest_spans(candidates)))
        ents = [Span(doc, s, e, label=label) for s, e, label in spans]
        existing = [e for e in doc.ents if e.label_ not in ALL_LABELS]
        if existing:
            doc.ents = filter_spans(existing + ents)
            ents = list(doc.ents)
        else:
            doc.set_ents(ents)  # what the ``doc.ents`` setter does, without copying the spans
        for ent in ents:
            label = ent.label_
            if label in ALL_LABELS:
                a, b = ent.start_char, ent.end_char
                count = self._count(w, ent.start, ent.end) if label in COMPONENT_LABELS else 1
                set_span_attr(doc, "count", a, b, count)
                if label in _CHAMBER_OF:
                    set_span_attr(doc, "chamber", a, b, _CHAMBER_OF[label])
                elif label == "LEAD":
                    set_span_attr(doc, "chamber", a, b, chambers.get((ent.start, ent.end), ""))
        return doc

    # -- serialisation -------------------------------------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        write_jsonl(path / PATTERNS_FILE, self.patterns)
        write_jsonl(path / LEXICON_FILE, [{"group": g, "terms": t} for g, t in self.lexicon.items()])

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> DeviceTerminology:
        path = ensure_path(path)
        self.clear()
        self.add_patterns(read_jsonl(path / PATTERNS_FILE))
        self.set_lexicon(read_jsonl(path / LEXICON_FILE))
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.json_dumps({"patterns": self.patterns, "lexicon": self.lexicon}).encode("utf8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> DeviceTerminology:
        msg = srsly.json_loads(data)
        self.clear()
        self.add_patterns(msg["patterns"])
        self.set_lexicon([{"group": g, "terms": t} for g, t in msg["lexicon"].items()])
        return self


@Language.factory(
    "ccm_terminology",
    default_config={"max_modifiers": 6, "use_doc_device_cue": True, "use_sentence_device_cue": True},
)
def make_terminology(
    nlp: Language, name: str, max_modifiers: int, use_doc_device_cue: bool,
    use_sentence_device_cue: bool,
) -> DeviceTerminology:
    return DeviceTerminology(
        nlp, name, max_modifiers=max_modifiers, use_doc_device_cue=use_doc_device_cue,
        use_sentence_device_cue=use_sentence_device_cue,
    )
