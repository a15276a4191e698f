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
   stimulator become ``OTHER_DEVICE``; in a note with no CCM cue but another
   device, every bare lead/generator is that device's (``OTHER_DEVICE``);
   "CCM" meaning chronic care management or cerebral cavernous malformation is
   dropped;
4. sets ``Span._.count``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import srsly
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.strings import hash_string
from spacy.tokens import Doc, Span
from spacy.util import ensure_path, filter_spans

from . import extensions  # noqa: F401
from ._io import DATA_DIR, read_jsonl, write_jsonl
from ._phrases import PhraseIndex, Unsupported, expand, member, token_arrays
from ._text import doc_text

PATTERNS_FILE = "terminology_patterns.jsonl"
LEXICON_FILE = "terminology_lexicon.jsonl"

COMPONENT_LABELS: tuple[str, ...] = (
    "CCM_SYSTEM", "PULSE_GENERATOR", "ATRIAL_LEAD", "VENTRICULAR_LEAD", "LEAD", "OTHER_DEVICE",
)
APPROACH_LABELS: tuple[str, ...] = ("VENOUS_ACCESS", "POCKET", "IMAGING", "LEAD_POSITION")
ALL_LABELS: tuple[str, ...] = COMPONENT_LABELS + APPROACH_LABELS
_CCM_PART_LABELS = {"PULSE_GENERATOR", "ATRIAL_LEAD", "VENTRICULAR_LEAD", "LEAD"}
_JOINERS = {"-", "/"}
_CHAMBER_OF = {"ATRIAL_LEAD": "atrial", "VENTRICULAR_LEAD": "ventricular"}
_LABEL_OF = {v: k for k, v in _CHAMBER_OF.items()}
_PLACE_WORDS = {"septum", "septal", "appendage", "atrium", "apex", "rvot", "ra", "rv", "ls"}
_HASH_RE = re.compile(r"^#\d$")
_TIMES_RE = re.compile(r"^[x×](\d)$")


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
        self.index = PhraseIndex()
        self.matcher = Matcher(nlp.vocab)  # only for patterns the phrase index cannot hold
        self._n_matcher = 0
        self._chambers: dict[tuple[int, int], str] = {}
        self._compile()

    # -- rules -------------------------------------------------------------------
    def clear(self) -> None:
        self.patterns = []
        self.lexicon = {}
        self.index = PhraseIndex()
        self.matcher = Matcher(self.nlp.vocab)
        self._n_matcher = 0
        self._compile()

    def add_patterns(self, patterns: Iterable[dict[str, Any]]) -> None:
        for p in patterns:
            if p["label"] not in ALL_LABELS:
                raise ValueError(f"unknown label {p['label']!r} in terminology pattern")
            self.patterns.append(dict(p))
            pattern = p["pattern"]
            if isinstance(pattern, str):
                self.index.add(p["label"], [tuple(t.lower_ for t in self.nlp.make_doc(pattern))])
                continue
            try:
                self.index.add(p["label"], expand(pattern))
            except Unsupported:
                self.matcher.add(p["label"], [pattern])
                self._n_matcher += 1

    def set_lexicon(self, rows: Iterable[dict[str, Any]]) -> None:
        self.lexicon = {r["group"]: list(r["terms"]) for r in rows}
        self._compile()

    def _set(self, group: str) -> frozenset[str]:
        return frozenset(t.lower() for t in self.lexicon.get(group, []))

    def _compile(self) -> None:
        self.component_mods = self._set("component_modifiers")
        self.approach_mods = self._set("approach_modifiers")
        self.ventricular_terms = self._set("ventricular_terms")
        self.atrial_terms = self._set("atrial_terms")
        self.other_terms = self._set("other_device_terms")
        self.ccm_terms = self._set("ccm_terms")
        self.ventricular_phrases = tuple(self.lexicon.get("ventricular_phrases", []))
        self.atrial_phrases = tuple(self.lexicon.get("atrial_phrases", []))
        self.other_phrases = tuple(self.lexicon.get("other_device_phrases", []))
        self.ccm_not_hardware_next = self._set("ccm_not_hardware_next")
        self.lead_reject_next = self._set("lead_reject_next")
        self.lead_reject_prev = self._set("lead_reject_prev")
        self.lead_verb_prev = self._set("lead_verb_prev")
        self.electrode_reject_next = self._set("electrode_reject_next")
        self.generator_reject_prev = self._set("generator_reject_prev")
        self.can_prev = self._set("can_prev")
        self.can_next_ok = self._set("can_next_ok")
        self.determiners = self._set("determiners")
        self.lead_model_terms = self._set("lead_model_terms")
        self.count_words: dict[str, int] = {}
        for item in self.lexicon.get("count_words", []):
            word, _, value = item.partition("=")
            self.count_words[word.lower()] = int(value)

        def rx(group: str) -> re.Pattern[str] | None:
            items = self.lexicon.get(group, [])
            return re.compile("|".join(f"(?:{r})" for r in items)) if items else None

        self.ccm_doc_re = rx("ccm_doc_regex")
        # words without which no CCM regex can match (skip building doc.text otherwise)
        self._cue_words = np.asarray(sorted(hash_string(w) for w in self.lexicon.get(
            "ccm_cue_words", ["ccm", "optimizer", "optimiser", "optimizers", "x11", "contractility",
                              "dynamics", "miser", "optimum", "optima", "opti"])), dtype=np.uint64)
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
    def _valid_head(self, doc: Doc, label: str, s: int, e: int, pid: str) -> bool:
        head = doc[e - 1].lower_
        prev = doc[s - 1].lower_ if s > 0 else ""
        nxt = doc[e].lower_ if e < len(doc) else ""
        if label == "LEAD":
            if head.startswith("electrode"):
                return nxt not in self.electrode_reject_next and prev not in self.lead_reject_prev
            if nxt in self.lead_reject_next or prev in self.lead_reject_prev:
                return False  # "lead poisoning", "lead II", "EEG lead"
            if prev == "-" and s > 1 and doc[s - 2].like_num:
                return False  # "12-lead ECG"
            # the verb: "may lead to", "which leads to", "this led to"
            return not (nxt in {"to", "us"} and (prev in self.lead_verb_prev or (
                head == "leads" and prev not in self.component_mods and prev not in self.determiners)))
        if label == "PULSE_GENERATOR" and pid == "can":
            return prev in self.can_prev and (nxt in self.can_next_ok or nxt == "")
        if label == "PULSE_GENERATOR":
            return prev not in self.generator_reject_prev
        if label == "CCM_SYSTEM" and doc[s].lower_ == "ccm" and e - s == 1:
            return nxt not in self.ccm_not_hardware_next
        if label == "POCKET" and pid == "side_pectoral":
            return nxt not in {"region", "area", "muscle", "skin", "fascia", "major", "minor"}
        return True

    def _extend(self, doc: Doc, label: str, s: int, e: int) -> tuple[int, int]:
        mods = self.approach_mods if label in APPROACH_LABELS else self.component_mods
        k = s
        used = 0
        while k > 0 and used < self.max_modifiers:
            prev = doc[k - 1]
            low = prev.lower_
            if low in mods and not prev.is_space:
                k -= 1
                used += 1
            elif low in _JOINERS and k > 1 and doc[k - 2].lower_ in mods and not prev.whitespace_:
                k -= 2
                used += 1
            else:
                break
        # a lone "-" or "/" at the left edge is not part of the span
        while k < s and doc[k].lower_ in _JOINERS:
            k += 1
        end = e
        if label in _CCM_PART_LABELS | {"OTHER_DEVICE"} and end < len(doc) \
                and _TIMES_RE.match(doc[end].lower_):
            end += 1
        if label in {"LEAD", "ATRIAL_LEAD", "VENTRICULAR_LEAD"}:
            end = self._position_in_parentheses(doc, end)
        if label == "CCM_SYSTEM":
            suffix = {"ivs", "iv", "smart", "mini", "integra", "x11", "system", "systems", "device",
                      "devices", "ccm", "c-d", "ccm-d", "unit", "implant", "hardware"}
            while end < len(doc) and end - e < 4 and (doc[end].lower_ in suffix or (
                    doc[end].lower_ == "-" and end + 1 < len(doc)
                    and doc[end + 1].lower_ in {"d", "c", "ccm"} | suffix)):
                end += 2 if doc[end].lower_ == "-" else 1
        if label == "OTHER_DEVICE" and end < len(doc):
            if doc[end].lower_ == "-" and end + 1 < len(doc) and doc[end + 1].lower_ in {"d", "p"}:
                end += 2
            while end < len(doc) and doc[end].lower_ in {"system", "device", "generator", "can",
                                                           "leads", "lead", "coil"}:
                end += 1
        return k, end

    @staticmethod
    def _position_in_parentheses(doc: Doc, end: int, max_tokens: int = 6) -> int:
        """ "Lead 1 (upper septum)": a position in parentheses right after a lead names
        its chamber, so it belongs to the span."""
        start = end
        if start < len(doc) and (doc[start].like_num or doc[start].lower_ in {"a", "b", "#1", "#2"}):
            start += 1  # "Lead 1 (...)", "lead B (...)"
        if start >= len(doc) or doc[start].text != "(":
            return end
        for k in range(start + 1, min(len(doc), start + 2 + max_tokens)):
            if doc[k].text.startswith(")"):  # ")" or "):" (one token)
                inside = {t.lower_ for t in doc[start + 1:k]}
                return k + 1 if inside & _PLACE_WORDS else end
            if doc[k].text == "\n" or doc[k].is_space:
                break
        return end

    def _count(self, doc: Doc, span: Span) -> int:
        count = 1
        for tok in span:
            if tok.lower_ in self.count_words:
                count = max(count, self.count_words[tok.lower_])
        m = _TIMES_RE.match(span[-1].lower_)
        if m:
            count = max(count, int(m.group(1)))
        e = span.end
        hashes = 0
        while e < len(doc) and e - span.end < 8:
            t = doc[e]
            if t.text == "#" and e + 1 < len(doc) and doc[e + 1].like_num:
                hashes += 1
                e += 2
            elif _HASH_RE.match(t.text):
                hashes += 1
                e += 1
            elif t.lower_ in {"and", ",", "&"}:
                e += 1
            else:
                break
        if hashes > 1:
            count = max(count, hashes)
        if count > 1 and not span.root.lower_.endswith("s") and span[-1].lower_ not in {
                "x2", "x3", "x4"} and hashes < 2 and not any(
                t.lower_ in {"both", "two", "three", "four", "2", "3", "4", "pair"} for t in span):
            count = 1
        return count

    # -- label resolution ----------------------------------------------------------
    @staticmethod
    def _norm(span: Span) -> str:
        return " " + " ".join(t.lower_ for t in span if not t.is_space) + " "

    def _has(self, span: Span, terms: frozenset[str], phrases: tuple[str, ...]) -> bool:
        if any(t.lower_ in terms for t in span):
            return True
        text = self._norm(span)
        return any(f" {p} " in text for p in phrases)

    def _doc_cues(self, doc: Doc, spans: list[Span], lowers: np.ndarray) -> tuple[bool, bool, bool]:
        """(ccm_device_cue, ccm_other_meaning, other_device_present)."""
        other_present = any(self._label_of_other(sp) for sp in spans)
        if not member(lowers, self._cue_words).any():
            return False, False, other_present
        text = doc_text(doc).lower()
        strong = bool(self.ccm_strong_re and self.ccm_strong_re.search(text))
        other_meaning = bool(self.ccm_other_re and self.ccm_other_re.search(text)) and not strong
        ccm_cue = strong or (bool(self.ccm_doc_re and self.ccm_doc_re.search(text))
                             and not other_meaning)
        return ccm_cue, other_meaning, other_present

    def _label_of_other(self, span: Span) -> bool:
        return span.label_ == "OTHER_DEVICE" or (
            span.label_ in _CCM_PART_LABELS | {"CCM_SYSTEM"}
            and self._has(span, self.other_terms, self.other_phrases))

    def _sentence_cues(self, doc: Doc, span: Span, ents: list[Span]) -> tuple[bool, bool, bool, bool]:
        """Chamber / device cues in the span's sentence outside other component spans."""
        sent_start = span.start
        while sent_start > 0 and not doc[sent_start].is_sent_start:
            sent_start -= 1
        sent_end = span.end
        while sent_end < len(doc) and not doc[sent_end].is_sent_start:
            sent_end += 1
        blocked = set(range(span.start, span.end))
        other_device = ccm = False
        for ent in ents:
            if ent.end <= sent_start or ent.start >= sent_end or ent is span:
                continue
            if ent.label_ in COMPONENT_LABELS:
                blocked.update(range(ent.start, ent.end))
                if ent.label_ == "OTHER_DEVICE":
                    other_device = True
                elif ent.label_ == "CCM_SYSTEM" or self._has(ent, self.ccm_terms, ()):
                    ccm = True
        words = [doc[i] for i in range(sent_start, sent_end) if i not in blocked]
        lows = {t.lower_ for t in words}
        text = " " + " ".join(t.lower_ for t in words) + " "
        ventricular = bool(lows & self.ventricular_terms) or any(
            f" {p} " in text for p in self.ventricular_phrases)
        atrial = bool(lows & self.atrial_terms) or any(f" {p} " in text for p in self.atrial_phrases)
        ccm = ccm or bool(lows & self.ccm_terms)
        return ventricular, atrial, other_device, ccm

    def _possessed_by_other(self, doc: Doc, span: Span, ents: list[Span]) -> bool:
        """"its leads" / "the ICD's lead" / "lead of the pacemaker"."""
        if span.start > 0 and doc[span.start - 1].lower_ in {"its", "their"}:
            before = [e for e in ents if e.end <= span.start and e.label_ in COMPONENT_LABELS]
            if before and before[-1].label_ == "OTHER_DEVICE" and span.start - before[-1].end <= 6:
                return True
        if span.start > 1 and doc[span.start - 1].lower_ in {"'s", "’s"}:
            before = [e for e in ents if e.end == span.start - 1]
            return bool(before and before[-1].label_ == "OTHER_DEVICE")
        return False

    def resolve(self, doc: Doc, spans: list[Span], lowers: np.ndarray | None = None) -> list[Span]:
        if lowers is None:
            lowers = token_arrays(doc)["lower"]
        ccm_cue, other_meaning, other_present = self._doc_cues(doc, spans, lowers)
        self._chambers = {}
        out: list[Span] = []
        for sp in spans:
            label = sp.label_
            if label == "CCM_SYSTEM" and other_meaning:
                continue  # chronic care management / cavernous malformation
            if label in _CCM_PART_LABELS | {"CCM_SYSTEM"} and self._has(
                    sp, self.other_terms, self.other_phrases) and not (
                    label == "CCM_SYSTEM" and sp[0].lower_ != "ccm" and "d" not in
                    {t.lower_ for t in sp}):
                label = "OTHER_DEVICE"
            elif label == "LEAD":
                ven = self._has(sp, self.ventricular_terms, self.ventricular_phrases)
                atr = self._has(sp, self.atrial_terms, self.atrial_phrases)
                if ven and not atr:
                    label = "VENTRICULAR_LEAD"
                elif atr and not ven:
                    label = "ATRIAL_LEAD"
            out.append(Span(doc, sp.start, sp.end, label=label))
        # sentence-level placement and device ownership
        final: list[Span] = []
        for sp in out:
            label = sp.label_
            if label in _CCM_PART_LABELS:
                has_ccm_word = self._has(sp, self.ccm_terms, ())
                no_ccm_note = self.use_doc_device_cue and not ccm_cue and not has_ccm_word and (
                    other_present or label in {"LEAD", "PULSE_GENERATOR"})
                if no_ccm_note or self._possessed_by_other(doc, sp, out):
                    # no CCM anywhere: a bare lead/generator is some other device's;
                    # "its leads" after an ICD are the ICD's
                    label = "OTHER_DEVICE"
                else:
                    ven, atr, other_dev, ccm = self._sentence_cues(doc, sp, out)
                    bare = label in {"LEAD", "PULSE_GENERATOR", "ATRIAL_LEAD"} or (
                        label == "VENTRICULAR_LEAD" and not has_ccm_word
                        and not self._has(sp, frozenset({"septal", "septum", "ls", "v1", "v2"}), (
                            "local sense",)))
                    if self.use_sentence_device_cue and other_dev and not ccm and bare \
                            and not has_ccm_word and not ccm_cue_in_span(sp):
                        label = "OTHER_DEVICE"
                    elif label == "LEAD":
                        # a generic lead keeps LEAD (entities.md); the sentence's chamber
                        # goes to ``Span._.chamber``. A lead named by its model ("a Medtronic
                        # 5076-52 lead was screwed into the septum") is that chamber's lead.
                        chamber = "ventricular" if ven and not atr else "atrial" if atr and not ven else ""
                        if chamber and any(t.lower_ in self.lead_model_terms or (
                                t.like_num and len(t.text) >= 4) for t in sp):
                            label = _LABEL_OF[chamber]
                        elif chamber:
                            self._chambers[(sp.start, sp.end)] = chamber
            final.append(Span(doc, sp.start, sp.end, label=label) if label != sp.label_ else sp)
        return final

    def __call__(self, doc: Doc) -> Doc:
        if not self.patterns:
            raise ValueError(f"{self.name}: no patterns; call nlp.initialize() or load a saved pipeline")
        lowers = token_arrays(doc)["lower"]
        matches = self.index.match(doc, lowers)
        if self._n_matcher:
            matches += [(self.nlp.vocab.strings[m], s, e) for m, s, e in self.matcher(doc)]
        if not matches:
            return doc
        candidates: list[Span] = []
        for label, s, e in matches:
            if not self._valid_head(doc, label, s, e, pid_of(doc, s, e, label)):
                continue
            k, end = self._extend(doc, label, s, e)
            # strip determiners at the left edge (spans are determiner-free)
            while k < s and doc[k].lower_ in self.determiners:
                k += 1
            candidates.append(Span(doc, k, end, label=label))
        existing = [e for e in doc.ents if e.label_ not in ALL_LABELS]
        spans = self.resolve(doc, filter_spans(candidates), lowers)
        doc.ents = filter_spans(existing + spans)
        chambers = getattr(self, "_chambers", {})
        for ent in doc.ents:
            if ent.label_ in ALL_LABELS:
                ent._.count = self._count(doc, ent) if ent.label_ in COMPONENT_LABELS else 1
                if ent.label_ in _CHAMBER_OF:
                    ent._.chamber = _CHAMBER_OF[ent.label_]
                elif ent.label_ == "LEAD":
                    ent._.chamber = chambers.get((ent.start, ent.end), "")
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


def pid_of(doc: Doc, s: int, e: int, label: str) -> str:
    """Which head pattern family matched (only "can" and "side_pectoral" need telling apart)."""
    if label == "PULSE_GENERATOR" and e - s == 1 and doc[s].lower_ == "can":
        return "can"
    if label == "POCKET" and e - s == 2 and doc[s].lower_ in {"right", "left"}:
        return "side_pectoral"
    return ""


def ccm_cue_in_span(span: Span) -> bool:
    return any(t.lower_ in {"ccm", "optimizer", "optimiser"} for t in span)


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
