"""From an annotated Doc to the session facts the coding rules need.

The pipeline says, per mention, what the session did to a component; this module
decides how many distinct components that adds up to (two mentions of "the RV
lead" are one lead; "two septal leads" are two) and what kind of session it was
(device family, evaluation visit, stopped early). Its output feeds the
coding rules directly (the rules baseline) and the classifier as features.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from nlp.coding_rules import SessionFacts
from nlp.pipeline._text import doc_text
from nlp.pipeline.extensions import Mention, mentions

LEAD_LABELS = {"ATRIAL_LEAD": "atrial", "VENTRICULAR_LEAD": "ventricular", "LEAD": ""}
CCM_COMPONENTS = {"CCM_SYSTEM", "PULSE_GENERATOR", *LEAD_LABELS}
SESSION_ACTIONS = {"inserted", "removed", "repositioned", "abandoned"}
#: Sections that tell the story before or after the session, not what it did.
BACKGROUND_SECTIONS = {"history", "indication", "plan"}
#: Least action-model probability for a mention to count as session work.
MIN_ACTION_P = 0.6
#: Action-model probability at which a kept lead makes "both leads" the kept ones
SURE_P = 0.8
#: Hardware limits of CCM systems: at most one atrial and two ventricular electrodes.
MAX_LEADS = {"atrial": 1, "ventricular": 2}

_CCM_D = re.compile(r"integra|ccm[\s-]*d\b", re.IGNORECASE)
#: words that name the CCM device; with its hardware words, words that show a CCM note
_CCM_NAME_PATTERN = (r"\bc\W?c\W?m\b|optimi[sz]er|contractility|optimi[sz]e\W+(?:her|are|or|sir)\b|\bsee\W?c\W?m\b"
                     r"|\bopt(?:im(?:a|um)|i)?\W+(?:(?:to|a|i)\W+)?mi[sz]er\b")
_CCM_NAME = re.compile(_CCM_NAME_PATTERN, re.IGNORECASE)
_CCM_WORDS = re.compile(_CCM_NAME_PATTERN + r"|impulse dynamics|sep\W?t(?:al|um|a)\b|\bls\b|train delay",
                        re.IGNORECASE)
_IDENTIFIER = re.compile(r"#\s*(\d)|\blead\s+(\d|[ab]|one|two)\b|\b(v\W{0,2}(?:[12]|one|two)|l\W{0,2}s|r\W{0,2}v)\b"
                         r"|\b(first|second)\b", re.IGNORECASE)
#: an electrode's number right after its mention ("RV lead #2", "lead 1", "lead B")
_NUMBER_AFTER = re.compile(r"\s*(?:#\s*\d\b|\d\b|(?i:one|two)\b|[AB]\b)")
_POSITION_KEYS = ("high", "upper", "mid", "low", "apical", "anterior", "posterior", "inferior", "superior")
_NEW_WORDS = r"new|additional|another|replacement|fresh"
#: a lead phrase that says it is new; with a count or number, one that may be
_NEW_WORD = re.compile(rf"\b({_NEW_WORDS})\b", re.IGNORECASE)
_NEW_LEAD = re.compile(rf"\b({_NEW_WORDS}|second|third)\b|#|\d", re.IGNORECASE)
#: "both leads", "the leads": the leads already spoken of
_ALL_OF_THEM = re.compile(r"(both|all|the)\b", re.IGNORECASE)
_NEW_DEVICE = re.compile(r"\b(new|replacement)\b", re.IGNORECASE)
_SAME_DEVICE = re.compile(r"\b(original|same|existing)\b", re.IGNORECASE)
_NEGATED_CUE = re.compile(r"(?:\b(?:not|no|nothing|without|never|nor|neither)|n['’]t)\b[^.;]{0,40}$", re.IGNORECASE)
_UNTICKED_BOX = re.compile(r"\[\s?\]\s*$")
_PLANNED_CUE = re.compile(r"\b(next|will|due|scheduled|planned|upcoming|future)\b[^.;]{0,40}$", re.IGNORECASE)
#: future wording right after a visit cue ("device check already scheduled next month",
#: "device clinic visit due in 3 months")
_PLANNED_AFTER = re.compile(r"^[^.;]{0,50}?\b(?:next (?:week|month|year|visit)|in (?:\d+|one|two|three|four|six)"
                            r"\s*(?:weeks?|months?)|due (?:in|on)|as per schedule|as previously arranged)\b",
                            re.IGNORECASE)
#: wording a pocket relocation needs somewhere in the note: a generator lifted out of its
#: pocket and put back (lead repositioning, generator change) is not a relocation
_POCKET_MOVE = re.compile(r"relocat|\bnew\W+(?:\w+\W+){0,3}pocket|\bpocket\W+(?:revision|relocation)"
                          r"|\bre-?sit(?:e|ed|ing)\b|\bmov(?:e|ed|ing)\b.{0,60}\bpocket", re.IGNORECASE | re.DOTALL)
#: wording that moves a lead tip (not only the generator it is connected to)
_LEAD_MOVE = re.compile(r"re-?position|re-?fix|re-?screw|re-?advanc|re-?seat|withdrawn|pulled back|dislodg"
                        r"|\bmoved\b", re.IGNORECASE)
#: the mentions facts are read from: CCM parts, lead positions, and the devices and pockets
#: that tell whose part a bare "the lead" is
_FACT_LABELS = frozenset({*CCM_COMPONENTS, "LEAD_POSITION", "OTHER_DEVICE", "POCKET"})
#: words that tie a pocket (or a bare part) to another device
_OTHER_WORDS = re.compile(r"\b(?:i\W?c\W?d|defibrillat\w*|pacemaker|pacer|crt\w*|ppm)\b", re.IGNORECASE)
#: sentences back that a bare "the lead" / "the generator" may point to a named device
ANAPHORA_SENTENCES = 2
#: parts that may be another device's, and lead names only CCM leads take
_PART_LABELS = frozenset({"LEAD", "PULSE_GENERATOR", "ATRIAL_LEAD", "VENTRICULAR_LEAD"})
_CCM_LEAD_NAME = re.compile(r"\bv\W?[12]\b|\bv\W?(?:one|two)\b", re.IGNORECASE)


@dataclass
class ExtractedFacts:
    """Session facts plus the mentions each fact rests on (for evidence)."""

    facts: SessionFacts
    evidence: dict[str, list[Span]] = field(default_factory=dict)


def session_evidence(ent: Mention) -> bool:
    """A mention strong enough to say the session inserted/removed/moved/capped hardware:
    outside the background sections, and confidently decided."""
    return ent.section not in BACKGROUND_SECTIONS and ent.action_p >= MIN_ACTION_P


def asserted(ent: Mention) -> bool:
    """The mention says this session did something to the component."""
    return ent.action != "none" and not (ent.negated or ent.hypothetical)


def chamber(ent: Mention) -> str:
    """'atrial', 'ventricular' or '' (unknown) for a lead mention."""
    return LEAD_LABELS.get(ent.label) or ent.chamber


def cue_counts(doc: Doc, *, affirmed_only: bool = False) -> Counter[str]:
    """How many cues of each label the note has; affirmed: not negated, not an unticked box."""
    return Counter(s.label_ for s in doc.spans.get("cues", []) if not affirmed_only or affirmed(s))


def affirmed(span: Span) -> bool:
    """Not negated before it in its sentence, and not an unticked box ("[ ] Aborted")."""
    before = doc_text(span.doc)[span.sent.start_char:span.start_char]
    return not (_UNTICKED_BOX.search(before) or _NEGATED_CUE.search(before))


def planned(span: Span) -> bool:
    """Future wording around the cue in its sentence ("will be checked at", "device check
    due in 3 months")."""
    text = doc_text(span.doc)
    return _PLANNED_CUE.search(text[span.sent.start_char:span.start_char]) is not None \
        or _PLANNED_AFTER.search(text[span.end_char:span.sent.end_char]) is not None


def extract(doc: Doc) -> ExtractedFacts:
    """The session facts a coder would read off this note."""
    text = doc_text(doc)
    found = mentions(doc, _FACT_LABELS)
    ccm = [m for m in found if m.label in CCM_COMPONENTS]
    anchors = [m for m in found if m.label != "LEAD_POSITION"]
    if any(a.label == "OTHER_DEVICE" and asserted(a) and a.action in SESSION_ACTIONS
           and _OTHER_WORDS.search(text[a.start:a.end]) for a in anchors):
        # another device's procedure: a bare part that points back to that device is its part
        ccm = [m for m in ccm if not _part_of_other(text, m, anchors)]
    positions = [m for m in found if m.label == "LEAD_POSITION"]
    cues = cue_counts(doc)
    evidence: dict[str, list[Span]] = defaultdict(list)

    family = device_family(text, ccm, cues)
    if family != "ccm":
        evidence["device_family"] = [e.span for e in ccm if _CCM_D.search(text[e.start:e.end])]
        return ExtractedFacts(SessionFacts(device_family=family), dict(evidence))

    by_action: dict[str, list[Mention]] = defaultdict(list)
    weak: dict[str, list[Mention]] = defaultdict(list)  # session work the action model is unsure of
    for e in ccm:
        if asserted(e) and (e.action not in SESSION_ACTIONS or session_evidence(e)):
            by_action[e.action].append(e)
        elif asserted(e) and e.section not in BACKGROUND_SECTIONS:
            weak[e.action].append(e)
    no_new_leads = {chamber(e) for e in ccm if e.label in LEAD_LABELS and e.negated and not e.hypothetical
                    and e.section not in BACKGROUND_SECTIONS and _NEW_WORD.search(text[e.start:e.end])}
    if no_new_leads:
        # "no new leads were needed": the leads it goes on to describe are the old ones
        for grouped in (by_action, weak):
            grouped["inserted"] = [e for e in grouped["inserted"] if not _old_lead_of(text, e, no_new_leads)]
    kept_leads = [e for e in by_action["retained"] if e.label in LEAD_LABELS]
    if kept_leads:
        # "leads -> new IPG" beside kept leads: connecting the old leads, not a new one
        # ("both leads -> new IPG" only beside leads surely kept)
        plural_too = any(e.action_p >= SURE_P for e in kept_leads)
        by_action["inserted"] = [e for e in by_action["inserted"] if not _unnamed_lead(text, e, plural_too)]
        by_action["inserted"] = _without_kept_leads(text, by_action["inserted"], by_action["retained"])

    generators = [e for e in ccm if e.label == "PULSE_GENERATOR"]
    gen_inserted = [e for e in by_action["inserted"] if e.label == "PULSE_GENERATOR"]
    system_inserted = [e for e in by_action["inserted"] if e.label == "CCM_SYSTEM"]
    if not gen_inserted and system_inserted and not any(g.negated for g in generators):
        # "CCM system implant" implies a generator unless the note keeps or denies one;
        # "a new OPTIMIZER Smart" is a new generator even beside a kept-generator mention
        kept = any(asserted(g) and g.action == "retained" for g in generators)
        gen_inserted = [e for e in system_inserted if not kept or _NEW_DEVICE.search(text[e.start:e.end])]
    gen_removed = [e for e in by_action["removed"] if e.label == "PULSE_GENERATOR"]
    if gen_inserted and not gen_removed:
        # a new generator beside an old one said (unsurely) to come out, or beside an
        # explanted system ("the old OPTIMIZER IVs was explanted"): a generator change
        gen_removed = [e for e in weak["removed"] if e.label == "PULSE_GENERATOR"] + [
            e for e in by_action["removed"] if e.label == "CCM_SYSTEM"]
    if gen_removed and not gen_inserted and any(
            e.label == "PULSE_GENERATOR" and e.start > max(g.start for g in gen_removed) for e in by_action["retained"]):
        gen_removed = []  # lifted out of the pocket, then put back: the same generator was kept
    if gen_removed and gen_inserted and not any(_NEW_DEVICE.search(text[e.start:e.end]) for e in gen_inserted) \
            and any(e.label == "PULSE_GENERATOR" and e.start > max(g.start for g in gen_removed)
                    and _SAME_DEVICE.search(text[e.start:e.end]) for e in by_action["retained"]):
        # "the IPG was taken out ... connected to the original IPG ... the generator was secured":
        # the one generator went back, none was called new
        gen_removed, gen_inserted = [], []
    relocated = [e for e in by_action["repositioned"] if e.label in ("PULSE_GENERATOR", "CCM_SYSTEM")]
    if relocated and not _POCKET_MOVE.search(text):
        relocated = []  # the note-wide search runs only for notes that move a generator
    if relocated:
        # the generator moved to a new pocket: a lead moved only where its sentence moves it
        by_action["repositioned"] = [e for e in by_action["repositioned"] if e.label not in LEAD_LABELS
                                     or _LEAD_MOVE.search(e.span.sent.text)]

    leads = {action: count_leads(text, by_action[action], positions, weak[action]) for action in
             ("inserted", "removed", "abandoned", "retained", "repositioned")}
    if gen_inserted and not any(leads["inserted"][0].values()) and not any(
            e.action_p >= MIN_ACTION_P for e in kept_leads):
        # a new generator needs leads: with none surely kept, the leads the action model
        # was unsure had gone in did go in
        leads["inserted"] = count_leads(text, weak["inserted"], positions)
    if not _work_done(gen_inserted + gen_removed + relocated, leads):
        # no session work surely documented: a lead the action model was unsure had been
        # moved was moved ("chronic lead #1 repositioned to anterior mid septum")
        leads["repositioned"] = count_leads(text, weak["repositioned"], positions)
    _settle_old_leads(leads)
    _settle_new_leads(text, leads, kept_leads, positions)
    for action, (_, spans) in leads.items():
        evidence[f"leads_{action}"] = _spans(spans)
    evidence["generator_inserted"] = _spans(gen_inserted)
    evidence["generator_removed"] = _spans(gen_removed)
    evidence["pocket_relocated"] = _spans(relocated)

    affirmed_cues = cue_counts(doc, affirmed_only=True)
    procedure_done = _work_done(gen_inserted + gen_removed + relocated, leads)
    evaluation, eval_spans = evaluation_kind(doc, ccm, procedure_done, cues, affirmed_cues, anchors)
    evidence["evaluation"] = _spans(eval_spans)

    facts = SessionFacts(
        device_family="ccm",
        generator_inserted=bool(gen_inserted),
        generator_removed=bool(gen_removed),
        pocket_relocated=bool(relocated),
        atrial_inserted=leads["inserted"][0]["atrial"],
        ventricular_inserted=leads["inserted"][0]["ventricular"],
        atrial_removed=leads["removed"][0]["atrial"],
        ventricular_removed=leads["removed"][0]["ventricular"],
        atrial_abandoned=leads["abandoned"][0]["atrial"],
        ventricular_abandoned=leads["abandoned"][0]["ventricular"],
        atrial_retained=kept_old(leads, "atrial"),
        ventricular_retained=kept_old(leads, "ventricular"),
        repositioned=sum(leads["repositioned"][0].values()),
        evaluation=evaluation,
        stopped_early=affirmed_cues["ABORTED"] > 0,
    )
    return ExtractedFacts(facts, dict(evidence))


def _work_done(generator_work: list[Mention], leads: dict[str, tuple[dict[str, int], list[Mention]]]) -> bool:
    """The session did something to the hardware: generator work, or a lead counted for a session action."""
    return bool(generator_work) or any(leads[a][0][c] for a in SESSION_ACTIONS for c in MAX_LEADS)


def _spans(found: list[Mention]) -> list[Span]:
    return [m.span for m in found]


def kept_old(leads: dict[str, tuple[dict[str, int], list[Mention]]], side: str) -> int:
    """Old electrodes of a chamber still in use after the session.

    "Retained" mentions include background mentions of leads that are capped or
    replaced later in the note, so the count is bounded by the hardware: a CCM
    system uses at most one atrial and two ventricular electrodes, and new ones
    take their places first.
    """
    retained = leads["retained"][0][side]
    return max(0, min(retained, MAX_LEADS[side] - leads["inserted"][0][side]))


def device_family(text: str, ccm: list[Mention], cues: Counter[str]) -> str:
    """ccm, ccm_d (a combined CCM-defibrillator), or none (no CCM device in the note ``text``)."""
    systems = [e for e in ccm if e.label in ("CCM_SYSTEM", "PULSE_GENERATOR")]
    if any(_CCM_D.search(text[e.start:e.end]) and asserted(e) for e in systems):
        return "ccm_d"
    if cues["CCM_D"] and any(e.action == "inserted" for e in ccm) \
            and not any(e.label == "CCM_SYSTEM" and not _CCM_D.search(text[e.start:e.end])
                        and e.action == "inserted" for e in ccm):
        return "ccm_d"
    # a CCM device named (not only in an unticked box or a negation), or CCM hardware
    # described as such (septal leads, OPTIMIZER generator) even where "CCM" is not written
    named = [e for e in ccm if e.label == "CCM_SYSTEM" or _CCM_NAME.search(text[e.start:e.end])]
    if named:
        return "ccm" if any(not e.negated for e in named) else "none"
    return "ccm" if any(_CCM_WORDS.search(text[s.start_char:s.end_char]) for s in (e.span.sent for e in ccm)) \
        else "none"


def count_leads(text: str, found: list[Mention], positions: list[Mention], weak: list[Mention] = ()
                ) -> tuple[dict[str, int], list[Mention]]:
    """Distinct electrodes per chamber among mentions that share one action.

    Mentions of the same electrode repeat; a count in the phrase ("two septal
    leads"), distinct identifiers ("lead #1", "LS lead") and distinct septal
    positions (``positions``: the note's ``LEAD_POSITION`` mentions) tell how many
    there are. A lead whose chamber is unknown adds to the count only beyond what
    chamber-specific mentions explain; it goes to the chamber of a ``weak`` mention
    (same action, too uncertain to count alone: "the new lead" ... "we also placed
    an atrial electrode"), else ventricular.
    """
    lead_mentions = [m for m in found if m.label in LEAD_LABELS]
    counts = {side: _distinct(text, [m for m in lead_mentions if chamber(m) == side], positions)
              for side in MAX_LEADS}
    unknown = [m for m in lead_mentions if not chamber(m)]
    if unknown:
        extra = max(0, _distinct(text, unknown, positions) - counts["atrial"] - counts["ventricular"])
        for side in MAX_LEADS:
            hinted = [m for m in weak if m.label in LEAD_LABELS and chamber(m) == side]
            take = min(extra, max(0, _distinct(text, hinted, positions) - counts[side]))
            counts[side] += take
            extra -= take
            lead_mentions += hinted if take else []
        counts["ventricular"] += extra
    return {k: min(v, MAX_LEADS[k]) for k, v in counts.items()}, lead_mentions


def _settle_old_leads(leads: dict[str, tuple[dict[str, int], list[Mention]]]) -> None:
    """An old electrode is either removed or capped, not both: when the two together exceed
    what a CCM system holds, the action documented by fewer mentions gives way."""
    removed, abandoned = leads["removed"], leads["abandoned"]
    for side, most in MAX_LEADS.items():
        excess = removed[0][side] + abandoned[0][side] - most
        if excess <= 0:
            continue
        n_removed = sum(1 for m in removed[1] if chamber(m) in (side, ""))
        n_abandoned = sum(1 for m in abandoned[1] if chamber(m) in (side, ""))
        weaker = removed if n_removed < n_abandoned else abandoned if n_abandoned < n_removed else None
        if weaker is not None:
            weaker[0][side] = max(0, weaker[0][side] - excess)


def _settle_new_leads(text: str, leads: dict[str, tuple[dict[str, int], list[Mention]]],
                      kept: list[Mention], positions: list[Mention]) -> None:
    """New electrodes take the places of the old ones that went: where a note surely keeps
    old electrodes of a chamber and removes or caps the others, the new ones number at most
    the places left (one new lead named two ways is not two). A new lead of unnamed
    chamber that a full set of surely kept septal leads leaves no place for is the
    atrial one ("the new lead went in ... the existing V1 and V2 were left")."""
    sure = count_leads(text, [e for e in kept if e.action_p >= SURE_P], positions)[0]
    inserted, new_leads = leads["inserted"]
    gone = {side: leads["removed"][0][side] + leads["abandoned"][0][side] for side in MAX_LEADS}
    for side, most in MAX_LEADS.items():
        if sure[side] and gone[side] and sure[side] + gone[side] <= most:
            inserted[side] = min(inserted[side], most - sure[side])
    if sure["ventricular"] == MAX_LEADS["ventricular"] and not gone["ventricular"]:
        named = _distinct(text, [m for m in new_leads if chamber(m) == "ventricular"], positions)
        room = MAX_LEADS["atrial"] - inserted["atrial"] - sure["atrial"]
        moved = max(0, min(inserted["ventricular"] - named, room))
        inserted["ventricular"] -= moved
        inserted["atrial"] += moved


def _distinct(text: str, found: list[Mention], positions: list[Mention]) -> int:
    """How many electrodes mentions of one chamber (or of unknown chamber) name."""
    if not found:
        return 0
    schemes = _identities(text, found, positions)
    return max(max(m.count for m in found), *(len(ids) for ids in schemes.values()))


#: identifier words to a lead number ("V2 lead", "lead #2", "second lead", "lead B" are one naming scheme)
_NUMBERS = {"1": "1", "2": "2", "one": "1", "two": "2", "a": "1", "b": "2", "first": "1", "second": "2",
            "v1": "1", "v2": "2", "vone": "1", "vtwo": "2"}


def _identities(text: str, found: list[Mention], positions: list[Mention]) -> dict[str, set[str]]:
    """Identifiers that tell electrodes apart, per naming scheme: numbers ('#1', 'lead 2',
    'V1'), names ('RV' and 'LS') and septal positions ('high', 'mid'). Leads are counted
    within one scheme: "the RV septal lead" and "the V2 lead" may be the same electrode."""
    schemes: dict[str, set[str]] = {"number": set(), "name": set(), "position": set()}
    for m in found:
        words = _identifier_words(text, m)
        names = words & {"ls", "rv"}
        schemes["name"] |= {"ls"} if "ls" in names else names  # "the LS RV lead" is the LS lead
        schemes["number"] |= {_NUMBERS.get(w, w) for w in words if w in _NUMBERS or w.isdigit()}
        sent = m.span.sent
        named = {k for pos in positions if pos.start >= sent.start_char and pos.end <= sent.end_char
                 for k in _POSITION_KEYS if k in text[pos.start:pos.end].lower()}
        if len(named) == 1:
            schemes["position"] |= named
    return schemes


def _without_kept_leads(text: str, inserted: list[Mention], retained: list[Mention]) -> list[Mention]:
    """Inserted lead mentions minus those of a named electrode ("the V2 lead") that the
    note also keeps, where the note calls the electrodes it inserts new ("the new V1
    lead and the V2 lead were connected": V2 is the old one)."""
    leads = [e for e in inserted if e.label in LEAD_LABELS]
    called_new = {e for e in leads if _NEW_WORD.search(text[e.start:e.end])}
    if not called_new:
        return inserted
    new_ids = {key for e in called_new for key in _lead_keys(text, e)}
    kept_ids = {key for e in retained if e.label in LEAD_LABELS for key in _lead_keys(text, e)} - new_ids
    return [e for e in inserted if e in called_new or not _lead_keys(text, e) & kept_ids]


def _lead_keys(text: str, ent: Mention) -> set[tuple[str, str]]:
    """The names of one electrode in a lead mention, with its chamber: a number ("V1",
    "lead #2", "lead B") or "LS"; empty when the mention names none."""
    words = _identifier_words(text, ent)
    return {(chamber(ent), _NUMBERS.get(w, w)) for w in words if w not in ("first", "second", "rv")}


def _identifier_words(text: str, ent: Mention) -> set[str]:
    """The identifier words of a lead mention and of the number right after it."""
    return {re.sub(r"\W", "", g.lower()) for match in _IDENTIFIER.finditer(_with_number_after(text, ent))
            for g in match.groups() if g}


def _with_number_after(text: str, ent: Mention) -> str:
    """A lead mention's words with the number right after it ("RV lead #2", "lead 1")."""
    after = _NUMBER_AFTER.match(text, ent.end)
    return text[ent.start:after.end() if after else ent.end]


def _part_of_other(text: str, ent: Mention, anchors: list[Mention]) -> bool:
    """A lead or generator not named as CCM hardware ("the lead", "the new generator", "an RA
    lead") whose nearest named device before it, within ``ANAPHORA_SENTENCES`` sentences, is
    another device named as such ("the ICD lead ... The lead was extracted")."""
    words = text[ent.start:ent.end]
    if ent.label not in _PART_LABELS or _CCM_WORDS.search(words) or _CCM_LEAD_NAME.search(words):
        return False
    first_sent = ent.span.sent.start
    doc = ent.span.doc
    for _ in range(ANAPHORA_SENTENCES):
        if first_sent > 0:
            first_sent = doc[first_sent - 1].sent.start
    for a in reversed([a for a in anchors if a.end <= ent.start and a.span.start >= first_sent]):
        words = text[a.start:a.end]
        if a.label in ("OTHER_DEVICE", "POCKET") and _OTHER_WORDS.search(words):
            return True
        if a.label == "CCM_SYSTEM" or _CCM_WORDS.search(words):
            return False
    return False


def _old_lead_of(text: str, ent: Mention, denied: set[str]) -> bool:
    """A lead mention not called new, of a chamber the note denies new leads in
    (``denied``: chambers of "no new ... lead" mentions; '' for any chamber)."""
    return ent.label in LEAD_LABELS and not _NEW_WORD.search(text[ent.start:ent.end]) \
        and ("" in denied or chamber(ent) in denied)


def _unnamed_lead(text: str, ent: Mention, plural: bool = False) -> bool:
    """A lead mention with no chamber, number or word saying it is new ("the lead"; with
    ``plural``, also "both leads", "the leads"); a number right after it names it ("lead #2")."""
    words = _with_number_after(text, ent)
    return ent.label == "LEAD" and not chamber(ent) and not _NEW_LEAD.search(words) \
        and (ent.count == 1 or (plural and _ALL_OF_THEM.match(words) is not None))


def _other_device_checked(cue: Span, anchors: list[Mention]) -> bool:
    """The device named just before a check cue in its sentence is another device ("the ICD
    was interrogated with CCM running")."""
    before = [m for m in anchors if m.label != "POCKET" and cue.sent.start_char <= m.start
              and m.end <= cue.start_char]
    return bool(before) and before[-1].label == "OTHER_DEVICE"


def evaluation_kind(doc: Doc, ccm: list[Mention], procedure_done: bool, cues: Counter[str],
                    affirmed_cues: Counter[str], anchors: list[Mention]) -> tuple[str, list[Mention]]:
    """'programming', 'interrogation' or 'none' for the CCM device in this note (``anchors``:
    the device mentions, to tell whose check a cue is)."""
    if procedure_done:
        return "none", []
    tested = [e for e in ccm if e.action == "tested" and asserted(e)]
    # a visit done today: not denied, not one planned ("CCM check at her next clinic visit")
    visits = [s for s in doc.spans.get("cues", []) if s.label_ == "VISIT" and affirmed(s) and not planned(s)
              and not _other_device_checked(s, anchors)]
    visit_sents = {s.sent.start for s in visits}
    checked_during = [e for e in ccm if e.action == "retained" and asserted(e) and e.span.sent.start in visit_sents]
    spans = tested or checked_during
    programming = affirmed_cues["PROGRAMMING"]
    if not spans or not (visits or programming):
        return "none", []  # "the CCM device was not interrogated"
    if programming and programming > cues["NO_CHANGE"]:
        return "programming", spans
    return "interrogation", spans
