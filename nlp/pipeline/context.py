"""``ccm_context``: ConText-style assertion and session action for every entity.

After Harkema et al. (2009) and medspaCy's ``context`` module: trigger terms from
``nlp/data/context_rules.jsonl`` (``{"literal", "category", "direction",
"max_scope", "pattern"?, "verb"?, "checkbox"?}``) open a scope that runs forward,
backward or both to the sentence edge, a ``TERMINATE`` trigger or ``max_scope``
tokens. ``PSEUDO`` triggers ("no change", "stylet was removed", "left chest")
switch off the triggers they contain. Checkbox triggers ("[ ]", "☒") end each
other's scope, so a form line "[x] RV lead [ ] RA lead" negates only the RA lead.

Categories: ``NEGATED``, ``HISTORICAL``, ``HYPOTHETICAL`` (the three booleans);
``INSERTED``, ``REMOVED``, ``REPOSITIONED``, ``RETAINED``, ``ABANDONED``, ``TESTED``
(what this session did to the component: ``Span._.action``). Verb triggers
(``"verb": true``) follow voice: "the old generator was removed" reaches back to
the subject before the auxiliary; "and capped" shares the previous passive
verb's subject; "we removed the ..." reaches forward.

Decision for a component span (precedence as in ``entities.md``):

1. negated / historical / hypothetical -> action ``none``; a mention in a
   ``history`` section is historical; in ``plan`` it is hypothetical unless the
   sentence says it was done; in ``indication`` the action is ``none``;
2. status words inside the span ("new" -> inserted; "old", "chronic",
   "existing" -> retained unless a removal/abandonment/repositioning verb applies);
3. the nearest action trigger whose scope covers the span (removal, abandonment
   and repositioning win over a slightly nearer retain/insert verb);
4. otherwise the action of the previous mention with the same label, else
   ``retained`` in a procedure note and ``tested`` at a device-clinic visit.

Document-level steps after that: a table row's status column or a list row's arrow
("-> capped") sets the row's action; a generator lifted out and put back (reconnected,
returned to the pocket, no new generator) is ``retained``; new leads capped in an implant
stopped before the generator stay ``inserted`` and the system it names is ``none``; and,
with ``existing_hardware_action`` (default on), the referent convention: background
mentions (history, indication, dated) of hardware in the body take the session action of
the same component when that is unambiguous (``apply_referents``).
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from spacy.attrs import SENT_START
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.strings import hash_string
from spacy.tokens import Doc, Span, Token

from . import extensions  # noqa: F401
from ._io import DATA_DIR, JsonlRules, read_jsonl
from ._mentions import Mention, mentions
from ._patterns import TokenPatterns
from ._phrases import PhraseIndex, Unsupported, drop_token_arrays, expand, member, token_arrays
from ._text import doc_text
from .terminology import COMPONENT_LABELS

RULES_FILE = "context_rules.jsonl"
ASSERTIONS = ("NEGATED", "HISTORICAL", "HYPOTHETICAL")
ACTION_CATEGORIES = {
    "INSERTED": "inserted", "REMOVED": "removed", "REPOSITIONED": "repositioned",
    "RETAINED": "retained", "ABANDONED": "abandoned", "TESTED": "tested",
}
#: labels whose unexplained mentions follow the last explained mention of their kind
FAMILY = {"CCM_SYSTEM": "system", "PULSE_GENERATOR": "system", "ATRIAL_LEAD": "lead",
          "VENTRICULAR_LEAD": "lead", "LEAD": "lead"}
STRONG_ACTIONS = {"ABANDONED", "REMOVED", "REPOSITIONED"}
SESSION_ACTIONS = {"REMOVED", "ABANDONED", "REPOSITIONED", "RETAINED", "TESTED"}
CATEGORIES = set(ASSERTIONS) | set(ACTION_CATEGORIES) | {"PSEUDO", "TERMINATE", "AFFIRMED"}
DIRECTIONS = {"forward", "backward", "bidirectional"}
AUX = {"was", "were", "is", "are", "been", "being", "be", "got", "get", "has", "have", "had"}
ADVERBS = {"then", "also", "all", "both", "each", "not", "again", "first", "next", "now", "easily",
           "successfully", "subsequently", "carefully", "initially", "finally", "gently"}
PRONOUNS = {"it", "they", "both", "these", "this", "each"}
OBJECT_STARTS = {"the", "a", "an", "both", "two", "three", "all", "each", "his", "her", "its", "their",
                 "new", "old", "existing", "one", "another"}
SUBJECTS = {"we", "i", "he", "she", "they", "operator", "surgeon", "attending", "fellow"}
PAST_MARKERS = {"was", "were", "had", "did", "has"}
#: words that show a device check (interrogation / programming)
VISIT_WORDS = ("interrogation", "interrogated", "reprogrammed", "programming", "programmed", "reprogramming",
               "remote", "clinic", "check", "checked")
#: words that show a procedure took place (otherwise the note is a device-clinic visit)
PROCEDURE_WORDS = ("incision", "incised", "sheath", "sheaths", "sutured", "suture", "sutures", "lidocaine",
                   "anesthesia", "sedation", "prepped", "draped", "fluoroscopy", "hemostasis",
                   "steri-strips", "dermabond", "sterile", "cefazolin", "vancomycin", "ebl")

#: an implant that stopped before the generator went in
ABORT_WORDS = ("aborted", "abort", "attempted", "incomplete", "terminated", "terminate", "stopped",
               "unsuccessful", "discontinued")
NOT_IMPLANTED = ("not implanted", "not to implant", "without implanting", "no generator was implanted",
                 "generator was not", "no replacement was available", "no spare")
#: a generator taken out of its pocket and put back (lead revision, upgrade): words, then phrases
PUT_BACK_WORDS = ("reconnected", "re-connected", "reattached", "re-attached", "back", "reinserted",
                  "re-inserted", "returned", "replaced", "reconnect")
PUT_BACK_PHRASES = ("reconnected", "re-connected", "reattached", "re-attached", "placed back", "put back",
                    "back in the pocket", "back into the pocket", "back in pocket", "back into pocket",
                    "reinserted", "re-inserted", "returned to the pocket", "returned to its pocket",
                    "returned to pocket", "replaced in the pocket", "replaced into the pocket")

_ROW_PREFIX = re.compile(r"[ \t]*(?:[-*•·]|\d+[.)]|\[[ xX✓✔]?\]|[☐☑☒]|\|)?[ \t]*(?:\(?[a-z]?\)?[ \t]*)?",
                         re.IGNORECASE)
_ARROW = re.compile(r"(?:->|→|=>|-->)\s*([A-Za-z/ ,-]{3,40})")
_COLUMN_GAP = re.compile(r"\s{2,}|\t|\s\|\s")
_STATUS_WORDS = [
    (re.compile(r"\b(capped|abandoned|left in (?:place|situ|pocket)|cap(?:ped)? and (?:abandon|tie))", re.IGNORECASE),
     "abandoned"),
    (re.compile(r"\b(explanted|extracted|removed|explant|extraction)\b", re.IGNORECASE), "removed"),
    (re.compile(r"\b(repositioned|reposition|revised)\b", re.IGNORECASE), "repositioned"),
    (re.compile(r"^\W*(new|implanted|placed|inserted|added)\b", re.IGNORECASE), "inserted"),
    (re.compile(r"\b(kept|retained|reused|re-used|reconnected|existing|in use|unchanged|intact|chronic)\b",
                re.IGNORECASE), "retained"),
]


def _token_end(token: Token) -> int:
    """Character offset where the token's text (without its trailing space) ends."""
    return token.idx + len(token.text)


def _text_between(doc: Doc, text: str, start: int, end: int) -> str:
    """``doc[start:end].text`` (``start < end``), sliced from the note text."""
    return text[doc[start].idx:_token_end(doc[end - 1])]


def _status_of(cell: str) -> str | None:
    cell = cell.strip()
    if not cell or len(cell) > 40:
        return None
    for rx, action in _STATUS_WORDS:
        if rx.search(cell):
            return action
    return None


@dataclass
class Trigger:
    """One matched trigger with its scope (token offsets, end exclusive)."""

    category: str
    start: int
    end: int
    scope_start: int
    scope_end: int
    verb: bool = False
    #: used only when no other action trigger reaches the span (elliptical coordination)
    weak: bool = False
    #: entity labels the trigger may modify (rule field "labels"); empty: all
    labels: tuple[str, ...] = ()


class ContextComponent(JsonlRules):
    """Sets ``negated``/``historical``/``hypothetical``/``action`` on entity spans."""

    rules_file = RULES_FILE

    def __init__(
        self,
        nlp: Language,
        name: str = "ccm_context",
        *,
        default_max_scope: int = 10,
        passive_max_scope: int = 18,
        strong_action_slack: int = 4,
        existing_hardware_action: bool = True,
    ) -> None:
        self.nlp = nlp
        self.name = name
        self.default_max_scope = default_max_scope
        self.passive_max_scope = passive_max_scope
        self.strong_action_slack = strong_action_slack
        self.existing_hardware_action = existing_hardware_action
        self.rules: list[dict[str, Any]] = []
        self.index = PhraseIndex()
        self.patterns = TokenPatterns()  # rules with regular expressions (dates, years)
        self.matcher = Matcher(nlp.vocab)  # rules neither can hold
        self._visit_words = np.asarray(sorted(hash_string(w) for w in set(VISIT_WORDS)), dtype=np.uint64)
        self._put_back_words = np.asarray(sorted(hash_string(w) for w in set(PUT_BACK_WORDS)),
                                          dtype=np.uint64)
        self._abort_words = np.asarray(sorted(hash_string(w) for w in set(ABORT_WORDS)), dtype=np.uint64)
        self._procedure_words = np.asarray(sorted(hash_string(w) for w in set(PROCEDURE_WORDS)),
                                           dtype=np.uint64)
        self._past_markers = {hash_string(w) for w in PAST_MARKERS}
        #: words before a mention that an elliptical ("weak") verb scope reaches
        self._weak_before = {hash_string(w) for w in ("and", ",", "the", "a")}

    # -- rules -------------------------------------------------------------------
    def clear(self) -> None:
        self.rules = []
        self.index = PhraseIndex()
        self.patterns = TokenPatterns()
        self.matcher = Matcher(self.nlp.vocab)

    def add_rules(self, rules: Iterable[dict[str, Any]]) -> None:
        for rule in rules:
            rule = dict(rule)
            if rule["category"] not in CATEGORIES:
                raise ValueError(f"unknown ConText category {rule['category']!r}")
            if rule.get("direction", "bidirectional") not in DIRECTIONS:
                raise ValueError(f"unknown direction {rule['direction']!r}")
            pattern = rule.get("pattern") or [
                {"LOWER": t.lower_} for t in self.nlp.make_doc(rule["literal"]) if not t.is_space]
            key = len(self.rules)
            self.rules.append(rule)
            try:
                self.index.add(key, expand(pattern))
            except Unsupported:
                try:
                    self.patterns.add(key, pattern)
                except Unsupported:
                    self.matcher.add(str(key), [pattern])

    def initialize(
        self,
        get_examples: Callable[[], Iterable[Any]] | None = None,
        *,
        nlp: Language | None = None,
        rules_path: str | None = None,
    ) -> None:
        """Load the trigger rules (default: ``nlp/data/context_rules.jsonl``)."""
        self.clear()
        self.add_rules(read_jsonl(rules_path or DATA_DIR / RULES_FILE))

    # -- triggers and scopes -------------------------------------------------------
    def _triggers(self, doc: Doc, ranges: list[tuple[int, int]],
                  lowers: np.ndarray) -> list[tuple[dict[str, Any], int, int]]:
        found: list[tuple[dict[str, Any], int, int]] = []
        found += [(self.rules[key], s, e) for key, s, e in self.index.match_ranges(doc, lowers, ranges)]
        found += [(self.rules[key], s, e) for key, s, e in self.patterns.match_ranges(doc, lowers, ranges)]
        for a, b in ranges:
            if len(self.matcher):
                found += [(self.rules[int(self.nlp.vocab.strings[m])], a + s, a + e)
                          for m, s, e in self.matcher(doc[a:b])]
        pseudo = [(s, e) for r, s, e in found if r["category"] == "PSEUDO"]
        kept = [x for x in found if x[0]["category"] != "PSEUDO"]
        if pseudo:
            kept = [(r, s, e) for r, s, e in kept
                    if not any(ps <= s and e <= pe and (pe - ps) > (e - s) for ps, pe in pseudo)]
        kept.sort(key=lambda x: (-(x[2] - x[1]), x[1]))
        taken: set[int] = set()
        result = []
        for r, s, e in kept:
            span = range(s, e)
            if taken.isdisjoint(span):
                taken.update(span)
                result.append((r, s, e))
        result.sort(key=lambda x: x[1])
        return result

    @staticmethod
    def _sentence_bounds(doc: Doc, sent_start: np.ndarray) -> np.ndarray:
        """Sorted token indices where sentences start, plus len(doc)."""
        starts = np.nonzero(sent_start.astype(np.int64) == 1)[0]
        if not len(starts) or starts[0] != 0:
            starts = np.concatenate([[0], starts])
        return np.concatenate([starts, [len(doc)]]).astype(np.int64)

    def _scopes(self, doc: Doc, bounds: list[int], ranges: list[tuple[int, int]],
                lowers: np.ndarray, lower_list: list[int]) -> list[Trigger]:
        def sent_of(i: int) -> tuple[int, int]:
            k = bisect_right(bounds, i)
            return bounds[k - 1], bounds[k]

        def word(i: int) -> str:
            return strings[lower_list[i]]

        strings = doc.vocab.strings

        raw = self._triggers(doc, ranges, lowers)
        # options of a form line: what an unticked box offers was not done ("[ ] placed");
        # a ticked "No" negates the field it answers ("Atrial lead: [ ] Yes [x] No")
        boxes_at = sorted((s, e, r["category"]) for r, s, e in raw if r.get("checkbox"))
        unticked: list[tuple[int, int]] = []
        extra: list[Trigger] = []
        for k, (s, e, cat) in enumerate(boxes_at):
            ss, se = sent_of(s)
            nxt = min([se] + [b for b, _, _ in boxes_at[k + 1:] if b >= e])
            if cat == "NEGATED":
                unticked.append((e, nxt))
            elif e < len(doc) and word(e) in {"no", "none", "not"}:
                extra.append(Trigger("NEGATED", s, e + 1, ss, s))
        if unticked:
            raw = [(r, s, e) for r, s, e in raw if r["category"] not in ACTION_CATEGORIES
                   or not any(a <= s < b for a, b in unticked)]
        # sorted (the triggers do not overlap): the nearest one is found by bisection
        terminators = [s for r, s, e in raw if r["category"] == "TERMINATE"]
        term_ends = [e for r, s, e in raw if r["category"] == "TERMINATE"]
        boxes = [s for r, s, e in raw if r.get("checkbox")]
        n = len(doc)
        triggers: list[Trigger] = []
        last_verb_end: dict[int, int] = {}
        last_clause_end: dict[int, int] = {}  # per sentence: end of the last action verb
        last_passive: dict[int, tuple[int, int]] = {}
        for r, s, e in raw:
            cat = r["category"]
            if cat == "TERMINATE":
                continue
            ss, se = sent_of(s)
            m = int(r.get("max_scope") or self.default_max_scope)
            direction = r.get("direction", "bidirectional")
            k = bisect_left(terminators, e)
            fwd_end = min(se, e + m, terminators[k] if k < len(terminators) else n)
            if r.get("checkbox"):
                k = bisect_left(boxes, e)
                fwd_end = min(fwd_end, boxes[k] if k < len(boxes) else n)
            k = bisect_right(term_ends, s)
            bwd_start = max(ss, s - m, term_ends[k - 1] if k else 0)
            if r.get("verb"):
                # voice: find an auxiliary right before the participle
                j = s - 1
                while j >= ss and j >= s - 3 and (word(j) in ADVERBS or word(j).endswith("ly")):
                    j -= 1
                prev = word(j) if j >= ss else ""
                region_start = max(ss, last_verb_end.get(ss, ss))
                if prev in AUX or word(s) in AUX:
                    aux = j if prev in AUX else s
                    while aux - 1 >= ss and word(aux - 1) in AUX:
                        aux -= 1
                    lo = max(region_start, aux - self.passive_max_scope)
                    triggers.append(Trigger(cat, s, e, lo, aux, True))
                    last_passive[ss] = (lo, aux)
                    # "X was screwed into A and Y into B": Y shares the verb (weak)
                    triggers.append(Trigger(cat, s, e, e, min(fwd_end + 6, se), True, weak=True))
                elif prev in {"and", ",", "then", "&", "or"} and ss in last_passive:
                    lo, hi = last_passive[ss]
                    triggers.append(Trigger(cat, s, e, lo, hi, True))
                elif prev in SUBJECTS:
                    triggers.append(Trigger(cat, s, e, e, fwd_end, True))
                else:
                    # no auxiliary and no subject: telegraphic "generator removed", or
                    # "removed the generator" when a noun phrase follows at once
                    triggers.append(Trigger(cat, s, e, max(bwd_start, region_start), s, True))
                    if e < len(doc) and (word(e) in OBJECT_STARTS or doc[e].ent_iob_ == "B"):
                        triggers.append(Trigger(cat, s, e, e, fwd_end, True))
                last_verb_end[ss] = e
                if word(e - 1).endswith("ed"):  # a participle, not the noun "implant"
                    last_clause_end[ss] = e
                continue
            if cat in ACTION_CATEGORIES:
                last_verb_end[ss] = max(last_verb_end.get(ss, ss), e) if direction != "forward" \
                    else last_verb_end.get(ss, ss)
            if direction in {"forward", "bidirectional"}:
                triggers.append(Trigger(cat, s, e, e, fwd_end))
            if direction in {"backward", "bidirectional"}:
                if cat == "NEGATED" and direction == "backward":
                    # "two leads placed, generator not implanted": a clause's own verb
                    # closes it, so the denial stops at the last action verb before it
                    bwd_start = max(bwd_start, last_clause_end.get(ss, ss))
                triggers.append(Trigger(cat, s, e, bwd_start, s))
        # restrict label-specific triggers ("into the new pocket" moves a generator)
        label_rules = {(s, e): tuple(r["labels"]) for r, s, e in raw if r.get("labels")}
        if label_rules:
            for t in triggers:
                t.labels = label_rules.get((t.start, t.end), ())
        # a weak (elliptical) scope ends where the next action verb starts
        starts = sorted(t.start for t in triggers if t.category in ACTION_CATEGORIES)
        for t in triggers:
            if t.weak:
                nxt = [x for x in starts if x >= t.end]
                if nxt:
                    t.scope_end = min(t.scope_end, nxt[0])
        return triggers + extra

    # -- assertion and action ------------------------------------------------------
    @staticmethod
    def _distance(t: Trigger, ent: Mention) -> int:
        if t.end <= ent.start:
            return ent.start - t.end
        if t.start >= ent.end:
            return t.start - ent.end
        return 0

    def __call__(self, doc: Doc) -> Doc:
        ents = mentions(doc)
        if not ents:
            drop_token_arrays(doc)
            return doc
        if not self.rules:
            raise ValueError(f"{self.name}: no rules; call nlp.initialize() or load a saved pipeline")
        arrays = token_arrays(doc)
        lowers = arrays["lower"]
        lower_list = lowers.tolist()
        drop_token_arrays(doc)
        bounds = self._sentence_bounds(doc, doc.to_array(SENT_START)).tolist()
        ent_sents = []
        for ent in ents:
            k = bisect_right(bounds, ent.start)
            ent_sents.append((bounds[k - 1], bounds[k]))
        headers = [(h.start, h.end) for h in doc.spans.get("section_headers", [])]
        sections = [(sec.start, sec.end, sec.label_, sec) for sec in doc.spans["sections"]] \
            if "sections" in doc.spans else None
        ranges = sorted(set(ent_sents) | set(headers))
        triggers = self._scopes(doc, bounds, ranges, lowers, lower_list)
        procedure_note = any(e.label_ in {"VENOUS_ACCESS", "IMAGING"} for e in ents) or bool(
            member(lowers, self._procedure_words).any())
        visit_checked = bool(member(lowers, self._visit_words).any())
        previous: dict[tuple[str, str], str] = {}
        decided: list[tuple[Mention, str, bool]] = []
        header_action = self._section_actions(headers, triggers)
        checked = self._checked_lines(ents, triggers)
        pending_checked: list[Mention] = []
        existing: list[Mention] = []
        # which entity (if any) holds each trigger: a trigger inside an entity belongs to it
        ent_starts = [e.start for e in ents]
        owner: list[int] = []
        for t in triggers:
            k = bisect_right(ent_starts, t.start) - 1
            owner.append(k if k >= 0 and t.end <= ents[k].end else -1)
        by_sentence: dict[int, list[int]] = {}
        for idx, t in enumerate(triggers):
            by_sentence.setdefault(bounds[bisect_right(bounds, t.start) - 1], []).append(idx)
        section_starts = [a for a, _, _, _ in sections or ()]  # sorted, the sections do not overlap
        for ei, ent in enumerate(ents):
            if sections is None:
                section = ent.section
            else:
                k = bisect_right(section_starts, ent.start) - 1
                section = sections[k][2] if k >= 0 and ent.start < sections[k][1] else "unknown"
            ent.section = section
            applies: list[tuple[int, Trigger, bool]] = []
            for ti in by_sentence.get(ent_sents[ei][0], []):
                t = triggers[ti]
                inside = owner[ti] == ei
                if t.labels and ent.label_ not in t.labels:
                    continue
                if not inside:
                    if owner[ti] != -1:
                        continue  # a trigger inside another entity belongs to it
                    if not (t.scope_start < ent.end and t.scope_end > ent.start):
                        continue
                applies.append((0 if inside else self._distance(t, ent), t, inside))
            cats = {t.category for _, t, _ in applies}
            negated = "NEGATED" in cats
            actions = [(d, t, inside) for d, t, inside in applies
                       if t.category in ACTION_CATEGORIES and not t.weak]
            if not actions and applies and ent.start > 0 and lower_list[ent.start - 1] in self._weak_before:
                actions = [(d, t, inside) for d, t, inside in applies if t.weak]
            if "HISTORICAL" in cats:
                # "implanted 3 months ago": the implant verb belongs to the dated, past event
                actions = [a for a in actions if a[1].category != "INSERTED" or a[2]]
            hyp = [d for d, t, _ in applies if t.category == "HYPOTHETICAL"]
            hypothetical = bool(hyp) and min(hyp) <= min((d for d, _, _ in actions), default=10**6)
            if section == "plan":
                ss, se = ent_sents[ei]
                if not any(h in self._past_markers for h in lower_list[ss:se]):
                    hypothetical = True
            historical = "HISTORICAL" in cats and not any(
                t.category in SESSION_ACTIONS and not inside for _, t, inside in actions)
            if historical and not procedure_note and visit_checked and ent.label_ != "OTHER_DEVICE":
                # at a device-clinic visit "implanted in 2021" dates the hardware being checked
                historical = False
            if section == "history":
                historical = True
            ent.negated = negated
            ent.historical = historical
            ent.hypothetical = hypothetical
            if ent.label_ not in COMPONENT_LABELS:
                ent.action = "none"
                continue
            action = None
            from_trigger = False
            if negated or historical or hypothetical or section == "indication":
                action = "none"
                if not negated and not hypothetical:
                    existing.append(ent)
            else:
                action = self._choose(actions)
                from_trigger = action is not None
                if action is None:
                    action = self._section_fallback(doc, sections, ent, section, header_action, triggers)
                if action is None and ent.start in checked:
                    pending_checked.append(ent)
                if action is None:
                    action = previous.get((ent.label_, _head(ent))) if ent.label_ != "OTHER_DEVICE" \
                        else None
                if action is None:
                    if procedure_note:
                        action = "retained"
                    elif visit_checked and ent.label_ != "OTHER_DEVICE":
                        action = "tested"
                    else:
                        action = "none"
            ent.action = action
            if from_trigger:
                previous[(ent.label_, _head(ent))] = action
                if ent.label_ in FAMILY:
                    previous[FAMILY[ent.label_]] = action
            decided.append((ent, action, from_trigger))
        # "it was capped" / "they were extracted": the subject is the last component before
        for t in triggers:
            if not t.verb or t.category not in STRONG_ACTIONS or t.scope_end - t.scope_start > 4:
                continue
            region = doc[t.scope_start:t.scope_end]
            if not any(tok.lower_ in PRONOUNS for tok in region):
                continue
            if any(e.start < t.scope_end and e.end > t.scope_start for e in ents):
                continue
            before = [(e, trig) for e, a, trig in decided
                      if e.end <= t.scope_start and e.label_ in COMPONENT_LABELS]
            if not before:
                continue
            last, trig = before[-1]
            asserted = last.negated or last.historical or last.hypothetical
            if not asserted and (not trig or last.action == "retained") \
                    and t.scope_start - last.end <= 25:
                last.action = ACTION_CATEGORIES[t.category]
        # a ticked box with no verb: the session's main action ("[x] RV lead" on an implant form)
        counts: dict[str, int] = {}
        for _, a, trig in decided:
            if trig and a != "none":
                counts[a] = counts.get(a, 0) + 1
        if pending_checked and counts:
            main = max(sorted(counts), key=lambda a: counts[a])
            for ent in pending_checked:
                ent.action = main
        # programming/interrogation of a system implanted in this same session is part of the implant
        inserted_labels = {e.label_ for e, a, _ in decided if a == "inserted"}
        if inserted_labels & {"CCM_SYSTEM", "PULSE_GENERATOR"}:
            inserted_labels |= {"CCM_SYSTEM", "PULSE_GENERATOR"}
        for ent, action, trig in decided:
            if action == "tested" and ent.label_ in inserted_labels and procedure_note \
                    and ent.label_ != "OTHER_DEVICE":
                ent.action = "inserted"
            elif ent.label_ == "CCM_SYSTEM" and not trig and action == "retained" and procedure_note:
                # a whole system named without a verb: new if a generator and an electrode were new
                new_parts = {e.label_ for e, a, _ in decided if a == "inserted"}
                if "PULSE_GENERATOR" in new_parts and new_parts & {"VENTRICULAR_LEAD", "ATRIAL_LEAD", "LEAD"}:
                    ent.action = "inserted"
        self._row_status(doc, decided, arrays["newlines"].tolist(), arrays["space"].tolist())
        self._put_back(doc, lowers, decided)
        self._unfinished_implant(doc, lowers, decided)
        if self.existing_hardware_action and existing:
            background = {id(e) for e in existing}
            session = [e for e, _, _ in decided if id(e) not in background]
            apply_referents(existing, session, procedure_note, visit_checked)
        return doc

    @staticmethod
    def _row_status(doc: Doc, decided: list[tuple[Mention, str, bool]], breaks: list[int],
                    space: list[bool]) -> None:
        """Table rows and list items: a status column or an arrow sets the row's action.

        "V2 septal lead   mid septum   590 ohms   new", "[x] RV lead #1 -> capped, left in
        pocket", "old LS lead  --  capped/abandoned": the row's own status word wins.
        ``breaks``/``space``: line breaks in each token and its whitespace flag (only
        whitespace tokens hold line breaks: a token's own trailing space is one " ")."""
        n = len(doc)
        text = doc_text(doc)
        seen: set[int] = set()
        for ent, _, _ in decided:
            if ent.negated or ent.hypothetical:
                continue
            # the row starts at a line break a few tokens back
            j = ent.start - 1
            while j >= 0 and j >= ent.start - 5 and not breaks[j]:
                j -= 1
            if j >= 0 and not breaks[j]:
                continue
            ls = j + 1
            if ls in seen and ent.label_ == "OTHER_DEVICE":
                continue
            head = _text_between(doc, text, ls, ent.start) if ls < ent.start else ""
            if _ROW_PREFIX.fullmatch(head) is None:
                continue
            k = ent.end
            while k < n and k - ent.end < 40 and not breaks[k]:
                k += 1
            if k < n and not space[k]:
                k += 1  # the last token of the line (its whitespace holds the break)
            rest = text[ent.end_char:_token_end(doc[k - 1])] if k > ent.end else ""
            status = None
            m = _ARROW.search(rest)
            if m:
                status = _status_of(m.group(1))
            elif _COLUMN_GAP.search(rest):
                cells = [c for c in _COLUMN_GAP.split(rest.strip()) if c.strip()]
                if len(cells) >= 2 or (cells and _status_of(cells[-1])):
                    status = _status_of(cells[-1]) if cells else None
            if status:
                seen.add(ls)
                ent.action = status
                ent.historical = False

    def _unfinished_implant(self, doc: Doc, lowers: np.ndarray,
                            decided: list[tuple[Mention, str, bool]]) -> None:
        """An implant stopped before the generator: new leads capped in the pocket stay
        ``inserted`` (abandonment is for existing electrodes), and the system the title
        names was not implanted (``none``)."""
        ents = [e for e, _, _ in decided]
        leads = [e for e in ents if e.label_ in LEAD_LABELS]
        gens = [e for e in ents if e.label_ == "PULSE_GENERATOR"]
        if not leads or any(e.action in {"removed", "repositioned"} for e in gens + leads):
            return
        old_hw = any(({t.lower_ for t in e.span} & OLD_WORDS) for e in leads + gens)
        if old_hw or not any(e.action == "inserted" for e in leads):
            return
        if any(e.action == "inserted" for e in gens):
            return
        text = doc_text(doc).lower()
        if not (member(lowers, self._abort_words).any() or any(p in text for p in NOT_IMPLANTED)):
            return
        for e in leads:
            if e.action == "abandoned":
                e.action = "inserted"
        for e in ents:
            if e.label_ == "CCM_SYSTEM" and e.action == "inserted":
                e.action = "none"

    def _put_back(self, doc: Doc, lowers: np.ndarray, decided: list[tuple[Mention, str, bool]]) -> None:
        """A generator lifted out ("freed", "delivered from the pocket") and put back is retained.

        When no new generator goes in and the note reconnects or returns the generator, the
        "removed" of the lifting-out words was a step of a lead procedure, not an explant."""
        gens = [e for e, _, _ in decided if e.label_ == "PULSE_GENERATOR"]
        if not gens or not any(e.action == "removed" for e in gens) \
                or any(e.action == "inserted" for e in gens) \
                or any(e.action == "inserted" for e, _, _ in decided if e.label_ == "CCM_SYSTEM"):
            return
        if not member(lowers, self._put_back_words).any():
            return
        text = doc_text(doc).lower()
        if not any(p in text for p in PUT_BACK_PHRASES):
            return
        for e in gens:
            if e.action == "removed":
                e.action = "retained"

    @staticmethod
    def _section_actions(headers: list[tuple[int, int]], triggers: list[Trigger]) -> dict[int, str]:
        """Action named in a section's header ("Hardware implanted", "Leads abandoned:")."""
        out: dict[int, str] = {}
        actions = [t for t in triggers if t.category in ACTION_CATEGORIES]
        for start, end in headers:
            for t in actions:
                if start <= t.start and t.end <= end:
                    out[start] = ACTION_CATEGORIES[t.category]
                    break
        return out

    @staticmethod
    def _section_fallback(doc: Doc, sections: list[tuple[int, int, str, Span]] | None, ent: Mention,
                          section: str, header_action: dict[int, str],
                          triggers: list[Trigger]) -> str | None:
        """``sections``: (start, end, label, span) of each ``doc.spans["sections"]`` span."""
        if sections is None:
            return None
        for start, end, _, sec in sections:
            if not (start <= ent.start < end):
                continue
            if start in header_action:
                return header_action[start]
            if section == "procedure":
                # the title's verb covers every component the title line lists
                line_end = end
                nl = sec.text.find("\n")
                if nl >= 0:
                    nl += sec.start_char
                    span = doc.char_span(sec.start_char, nl, alignment_mode="contract")
                    line_end = span.end if span is not None else end
                if ent.start >= line_end:
                    return None
                inside = [t for t in triggers if t.category in ACTION_CATEGORIES
                          and start <= t.start < line_end]
                if inside:
                    best = min(inside, key=lambda t: abs(t.start - ent.start))
                    return ACTION_CATEGORIES[best.category]
            return None
        return None

    @staticmethod
    def _checked_lines(ents: list[Mention], triggers: list[Trigger]) -> set[int]:
        """Start tokens of entities governed by a ticked checkbox."""
        scopes = [(t.scope_start, t.scope_end) for t in triggers if t.category == "AFFIRMED"]
        if not scopes:
            return set()
        return {ent.start for ent in ents if any(a <= ent.start < b for a, b in scopes)}

    def _choose(self, actions: list[tuple[int, Trigger, bool]]) -> str | None:
        if not actions:
            return None
        inside = [t.category for _, t, ins in actions if ins]
        outside = sorted(((d, t) for d, t, ins in actions if not ins), key=lambda x: (
            x[0], 0 if x[1].start >= 0 else 1))
        if "INSERTED" in inside and not any(c in inside for c in STRONG_ACTIONS):
            return "inserted"
        for cat in ("ABANDONED", "REMOVED", "REPOSITIONED"):
            if cat in inside:
                return ACTION_CATEGORIES[cat]
        if "RETAINED" in inside or "TESTED" in inside:
            for _, t in outside:
                if t.category in SESSION_ACTIONS:
                    return ACTION_CATEGORIES[t.category]
            return "retained"
        if not outside:
            return None
        specific = [t for _, t in outside if t.labels]
        if specific:
            return ACTION_CATEGORIES[specific[0].category]
        best_d = outside[0][0]
        for d, t in outside:
            if t.category in STRONG_ACTIONS and d <= best_d + self.strong_action_slack:
                return ACTION_CATEGORIES[t.category]
        # equal distance: prefer a trigger after the span (passive voice), then the first seen
        cands = [t for d, t in outside if d == best_d]
        return ACTION_CATEGORIES[cands[0].category]

    # -- serialisation -------------------------------------------------------------


OLD_WORDS = {"old", "chronic", "existing", "previous", "previously", "prior", "original", "nonfunctional",
             "remaining", "abandoned", "capped", "current"}
NEW_WORDS = {"new", "replacement", "additional", "newly"}
LEAD_LABELS = ("ATRIAL_LEAD", "VENTRICULAR_LEAD", "LEAD")


def _chamber(ent: Mention) -> str:
    if ent.label_ == "ATRIAL_LEAD":
        return "atrial"
    if ent.label_ == "VENTRICULAR_LEAD":
        return "ventricular"
    return ent.chamber if ent.label_ == "LEAD" else ""


def referent_actions(session: list[Mention], procedure_note: bool, visit: bool) -> dict[str, str]:
    """label -> the action of the one pre-existing component a background mention can mean.

    ``session``: the mentions whose action the session decided (not background). The
    referent is unambiguous when the session did one thing to the old hardware of that
    kind and put in no new hardware of that kind (the gold referent convention)."""
    untouched = "retained" if procedure_note or not visit else "tested"
    acts: dict[str, list[tuple[str, Mention]]] = {}
    for e in session:
        if e.action != "none":
            acts.setdefault(e.label_, []).append((e.action, e))
    out: dict[str, str] = {}
    gen = {a for a, _ in acts.get("PULSE_GENERATOR", [])}
    if "inserted" not in gen and "inserted" not in {a for a, _ in acts.get("CCM_SYSTEM", [])}:
        old = gen - {"tested"} or {untouched}
        if len(old) == 1:
            out["PULSE_GENERATOR"] = old.pop()
        lead_acts = {a for lab in LEAD_LABELS for a, _ in acts.get(lab, [])}
        removed_all = gen == {"removed"} and lead_acts <= {"removed"}
        sys_acts = {a for a, _ in acts.get("CCM_SYSTEM", [])} - {"tested", "retained"}
        out["CCM_SYSTEM"] = "removed" if removed_all or sys_acts == {"removed"} else untouched
    inserted_chambers = {_chamber(e) for lab in LEAD_LABELS for a, e in acts.get(lab, []) if a == "inserted"}
    for label, chamber in (("ATRIAL_LEAD", "atrial"), ("VENTRICULAR_LEAD", "ventricular"), ("LEAD", None)):
        if chamber is None:
            if inserted_chambers:
                continue
            old = {a for lab in LEAD_LABELS for a, _ in acts.get(lab, [])}
        else:
            if chamber in inserted_chambers or "" in inserted_chambers:
                continue
            old = {a for a, e in acts.get(label, []) + acts.get("LEAD", []) if _chamber(e) == chamber}
        old = (old - {"tested"} if procedure_note else old) or {untouched}
        if len(old) == 1:
            out[label] = old.pop()
    other = {a for a, _ in acts.get("OTHER_DEVICE", [])}
    if not (visit and not procedure_note) and len(other) <= 1:
        out["OTHER_DEVICE"] = other.pop() if other else "retained"
    return out


def apply_referents(background: list[Mention], session: list[Mention], procedure_note: bool,
                    visit: bool) -> None:
    """Background mentions (history, indication, dated) take the session action of their referent.

    Nothing happens in a note where the session did nothing to any hardware (a consult,
    a plan): there, nothing a background mention names is in the body today."""
    if not any(e.action != "none" for e in session) and not (visit and not procedure_note):
        return
    actions = referent_actions(session, procedure_note, visit)
    for ent in background:
        if ent.action != "none" or ent.negated or ent.hypothetical:
            continue
        words = {t.lower_ for t in ent.span}
        action = actions.get(ent.label_)
        if words & NEW_WORDS:
            continue  # "the new generator" in the indication is not hardware in the body
        if action is None and ent.label_ == "PULSE_GENERATOR" and words & OLD_WORDS:
            # "the old generator" beside a new one: the generator that was replaced
            old = {e.action for e in session if e.label_ == "PULSE_GENERATOR"
                   and e.action not in {"inserted", "none"}}
            action = old.pop() if len(old) == 1 else None
        if action is None:
            continue
        ent.action = action
        ent.historical = False


def _head(ent: Mention) -> str:
    """The mention's last word, singular ("leads" -> "lead"), for matching repeated mentions."""
    word = ent.span[-1].lower_
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


@Language.factory(
    "ccm_context",
    default_config={"default_max_scope": 10, "passive_max_scope": 18, "strong_action_slack": 4,
                    "existing_hardware_action": True},
)
def make_context(
    nlp: Language, name: str, default_max_scope: int, passive_max_scope: int,
    strong_action_slack: int, existing_hardware_action: bool,
) -> ContextComponent:
    return ContextComponent(
        nlp, name, default_max_scope=default_max_scope, passive_max_scope=passive_max_scope,
        strong_action_slack=strong_action_slack, existing_hardware_action=existing_hardware_action,
    )
