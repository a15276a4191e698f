"""From an annotated Doc to the session facts the coding rules need.

The pipeline says, per mention, what the session did to a component; this module
decides how many distinct components that adds up to (two mentions of "the RV
lead" are one lead; "two septal leads" are two) and what kind of session it was
(device family, evaluation visit, stopped early). Its output feeds the
coding rules directly (the rules baseline) and the classifier as features.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span

from nlp.coding_rules import SessionFacts

LEAD_LABELS = {"ATRIAL_LEAD": "atrial", "VENTRICULAR_LEAD": "ventricular", "LEAD": ""}
CCM_COMPONENTS = {"CCM_SYSTEM", "PULSE_GENERATOR", *LEAD_LABELS}
SESSION_ACTIONS = {"inserted", "removed", "repositioned", "abandoned"}
#: Sections that tell the story before or after the session, not what it did.
BACKGROUND_SECTIONS = {"history", "indication", "plan"}
#: Least action-model probability for a mention to count as session work.
MIN_ACTION_P = 0.6
#: Hardware limits of CCM systems: at most one atrial and two ventricular electrodes.
MAX_LEADS = {"atrial": 1, "ventricular": 2}

_CCM_D = re.compile(r"integra|ccm[\s-]*d\b", re.IGNORECASE)
_CCM_WORDS = re.compile(r"\bc\W?c\W?m\b|optimi[sz]er|contractility|impulse dynamics|sep\W?t(?:al|um|a)\b|"
                        r"\bls\b|train delay", re.IGNORECASE)
_IDENTIFIER = re.compile(
    r"#\s*(\d)|\blead\s+(\d|[ab]|one|two)\b|\b(v1|v2|ls|rv)\b|\b(first|second)\b", re.IGNORECASE)
_POSITION_KEYS = ("high", "upper", "mid", "low", "apical", "anterior", "posterior", "inferior", "superior")
_NEW_LEAD = re.compile(r"\b(new|additional|another|second|third|replacement|fresh)\b|#|\d", re.IGNORECASE)
_NEGATED_CUE = re.compile(r"\b(not|no|without|never|nor)\b[^.;]{0,40}$", re.IGNORECASE)


@dataclass
class ExtractedFacts:
    """Session facts plus the mentions each fact rests on (for evidence)."""

    facts: SessionFacts
    evidence: dict[str, list[Span]] = field(default_factory=dict)


def session_evidence(ent: Span) -> bool:
    """A mention strong enough to say the session inserted/removed/moved/capped hardware:
    outside the background sections, and confidently decided."""
    return ent._.section not in BACKGROUND_SECTIONS and ent._.action_p >= MIN_ACTION_P


def asserted(ent: Span) -> bool:
    """The mention says this session did something to the component."""
    return ent._.action != "none" and not (ent._.negated or ent._.hypothetical)


def chamber(ent: Span) -> str:
    """'atrial', 'ventricular' or '' (unknown) for a lead mention."""
    return LEAD_LABELS.get(ent.label_) or ent._.chamber


def cue_count(doc: Doc, label: str, *, affirmed_only: bool = False) -> int:
    """How many cues of a label the note has; affirmed: not negated, not an unticked box."""
    spans = [s for s in doc.spans.get("cues", []) if s.label_ == label]
    if affirmed_only:
        spans = [s for s in spans if affirmed(s)]
    return len(spans)


def affirmed(span: Span) -> bool:
    """Not negated before it in its sentence, and not an unticked box ("[ ] Aborted")."""
    sent = span.sent
    before = sent.text[:span.start_char - sent.start_char]
    return not (re.search(r"\[\s?\]\s*$", before) or _NEGATED_CUE.search(before))


def extract(doc: Doc) -> ExtractedFacts:
    """The session facts a coder would read off this note."""
    ents = [e for e in doc.ents if e.label_ in CCM_COMPONENTS or e.label_ == "OTHER_DEVICE"]
    ccm = [e for e in ents if e.label_ in CCM_COMPONENTS]
    evidence: dict[str, list[Span]] = defaultdict(list)

    family = device_family(doc, ccm)
    if family != "ccm":
        evidence["device_family"] = [e for e in ccm if _CCM_D.search(e.text)]
        return ExtractedFacts(SessionFacts(device_family=family), dict(evidence))

    by_action: dict[str, list[Span]] = defaultdict(list)
    weak: dict[str, list[Span]] = defaultdict(list)  # session work the action model is unsure of
    for e in ccm:
        if asserted(e) and (e._.action not in SESSION_ACTIONS or session_evidence(e)):
            by_action[e._.action].append(e)
        elif asserted(e) and e._.section not in BACKGROUND_SECTIONS:
            weak[e._.action].append(e)

    if any(e.label_ in LEAD_LABELS for e in by_action["retained"]):
        # "leads -> new IPG" beside kept leads: connecting the old leads, not a new one
        by_action["inserted"] = [e for e in by_action["inserted"] if not _unnamed_lead(e)]

    generators = [e for e in ccm if e.label_ == "PULSE_GENERATOR"]
    gen_inserted = [e for e in by_action["inserted"] if e.label_ == "PULSE_GENERATOR"]
    system_inserted = [e for e in by_action["inserted"] if e.label_ == "CCM_SYSTEM"]
    if not gen_inserted and system_inserted and not any(
            (asserted(g) and g._.action in ("retained", "removed")) or g._.negated for g in generators):
        # "CCM system implant" implies a generator unless the note keeps or denies one
        gen_inserted = system_inserted
    gen_removed = [e for e in by_action["removed"] if e.label_ == "PULSE_GENERATOR"]
    if gen_removed and not gen_inserted and any(e.label_ == "PULSE_GENERATOR" for e in by_action["retained"]):
        gen_removed = []  # lifted out of the pocket and put back: the same generator was kept
    relocated = [e for e in by_action["repositioned"] if e.label_ in ("PULSE_GENERATOR", "CCM_SYSTEM")]

    leads = {action: count_leads(by_action[action], weak[action]) for action in
             ("inserted", "removed", "abandoned", "retained", "repositioned")}
    for action, (_, spans) in leads.items():
        evidence[f"leads_{action}"] = spans
    evidence["generator_inserted"] = gen_inserted
    evidence["generator_removed"] = gen_removed
    evidence["pocket_relocated"] = relocated

    procedure_done = bool(gen_inserted or gen_removed or relocated
                          or any(leads[a][0][c] for a in SESSION_ACTIONS for c in MAX_LEADS))
    evaluation, eval_spans = evaluation_kind(doc, ccm, procedure_done)
    evidence["evaluation"] = eval_spans
    stopped = cue_count(doc, "ABORTED", affirmed_only=True) > 0

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
        stopped_early=stopped,
    )
    return ExtractedFacts(facts, dict(evidence))


def _unnamed_lead(ent: Span) -> bool:
    """A lead mention with no chamber, number or word saying it is new ("the leads")."""
    return ent.label_ == "LEAD" and not chamber(ent) and ent._.count == 1 and not _NEW_LEAD.search(ent.text)


def kept_old(leads: dict[str, tuple[dict[str, int], list[Span]]], side: str) -> int:
    """Old electrodes of a chamber still in use after the session.

    "Retained" mentions include background mentions of leads that are capped or
    replaced later in the note, so the count is bounded by the hardware: a CCM
    system uses at most one atrial and two ventricular electrodes, and new ones
    take their places first.
    """
    retained = leads["retained"][0][side]
    return max(0, min(retained, MAX_LEADS[side] - leads["inserted"][0][side]))


def device_family(doc: Doc, ccm: list[Span]) -> str:
    """ccm, ccm_d (a combined CCM-defibrillator), or none (no CCM device in the note)."""
    systems = [e for e in ccm if e.label_ in ("CCM_SYSTEM", "PULSE_GENERATOR")]
    if any(_CCM_D.search(e.text) and asserted(e) for e in systems):
        return "ccm_d"
    if cue_count(doc, "CCM_D") and any(e._.action == "inserted" for e in ccm) \
            and not any(e.label_ == "CCM_SYSTEM" and not _CCM_D.search(e.text)
                        and e._.action == "inserted" for e in ccm):
        return "ccm_d"
    # a CCM device named (not only in an unticked box or a negation), or CCM hardware
    # described as such (septal leads, OPTIMIZER generator) even where "CCM" is not written
    named = [e for e in ccm if e.label_ == "CCM_SYSTEM"]
    if named:
        return "ccm" if any(not e._.negated for e in named) else "none"
    return "ccm" if any(_CCM_WORDS.search(e.sent.text) for e in ccm) else "none"


def count_leads(mentions: list[Span], weak: list[Span] = ()) -> tuple[dict[str, int], list[Span]]:
    """Distinct electrodes per chamber among mentions that share one action.

    Mentions of the same electrode repeat; a count in the phrase ("two septal
    leads"), distinct identifiers ("lead #1", "LS lead") and distinct septal
    positions tell how many there are. A lead whose chamber is unknown adds to
    the count only beyond what chamber-specific mentions explain; it goes to the
    chamber of a ``weak`` mention (same action, too uncertain to count alone:
    "the new lead" ... "we also placed an atrial electrode"), else ventricular.
    """
    lead_mentions = [m for m in mentions if m.label_ in LEAD_LABELS]
    counts = {side: _distinct([m for m in lead_mentions if chamber(m) == side]) for side in MAX_LEADS}
    unknown = [m for m in lead_mentions if not chamber(m)]
    if unknown:
        extra = max(0, _distinct(unknown) - counts["atrial"] - counts["ventricular"])
        for side in MAX_LEADS:
            hinted = [m for m in weak if m.label_ in LEAD_LABELS and chamber(m) == side]
            take = min(extra, max(0, _distinct(hinted) - counts[side]))
            counts[side] += take
            extra -= take
            lead_mentions += hinted if take else []
        counts["ventricular"] += extra
    return {k: min(v, MAX_LEADS[k]) for k, v in counts.items()}, lead_mentions


def _distinct(mentions: list[Span]) -> int:
    """How many electrodes mentions of one chamber (or of unknown chamber) name."""
    if not mentions:
        return 0
    schemes = _identities(mentions)
    return max(max(m._.count for m in mentions), *(len(ids) for ids in schemes.values()))


#: identifier words to a lead number ("V2 lead", "lead #2", "second lead", "lead B" are one naming scheme)
_NUMBERS = {"1": "1", "2": "2", "one": "1", "two": "2", "a": "1", "b": "2", "first": "1", "second": "2",
            "v1": "1", "v2": "2"}


def _identities(mentions: list[Span]) -> dict[str, set[str]]:
    """Identifiers that tell electrodes apart, per naming scheme: numbers ('#1', 'lead 2',
    'V1'), names ('RV' and 'LS') and septal positions ('high', 'mid'). Leads are counted
    within one scheme: "the RV septal lead" and "the V2 lead" may be the same electrode."""
    schemes: dict[str, set[str]] = {"number": set(), "name": set(), "position": set()}
    for m in mentions:
        words = {g.lower() for match in _IDENTIFIER.finditer(m.text) for g in match.groups() if g}
        names = words & {"ls", "rv"}
        schemes["name"] |= {"ls"} if "ls" in names else names  # "the LS RV lead" is the LS lead
        schemes["number"] |= {_NUMBERS.get(w, w) for w in words if w in _NUMBERS or w.isdigit()}
        positions = {k for pos in m.sent.ents if pos.label_ == "LEAD_POSITION"
                     for k in _POSITION_KEYS if k in pos.text.lower()}
        if len(positions) == 1:
            schemes["position"] |= positions
    return schemes


def evaluation_kind(doc: Doc, ccm: list[Span], procedure_done: bool) -> tuple[str, list[Span]]:
    """'programming', 'interrogation' or 'none' for the CCM device in this note."""
    if procedure_done:
        return "none", []
    tested = [e for e in ccm if e._.action == "tested" and asserted(e)]
    visits = [s for s in doc.spans.get("cues", []) if s.label_ == "VISIT" and affirmed(s)]
    checked_during = [e for e in ccm if e._.action == "retained"
                      and any(s.sent.start == e.sent.start for s in visits)]
    spans = tested or checked_during
    if not spans or not (cue_count(doc, "VISIT", affirmed_only=True)
                         or cue_count(doc, "PROGRAMMING", affirmed_only=True)):
        return "none", []  # "the CCM device was not interrogated"
    programming = cue_count(doc, "PROGRAMMING", affirmed_only=True)
    if programming and programming > cue_count(doc, "NO_CHANGE"):
        return "programming", spans
    return "interrogation", spans
