"""Background mentions of hardware that is in the body today take today's action.

The project's gold convention (as in the dev notes): a mention's ``action`` is what
this session did to the hardware it refers to. "Her OPTIMIZER Smart, implanted in
2021" in the indication of a generator change refers to the generator that comes
out today, so it is ``removed``; the same words in a consult are ``none``. Writers
annotate the words as they read (``none``, often ``historical``); this module
applies the convention from the facts, where the referent is unambiguous.
Negated and hypothetical mentions are left alone: they refer to nothing in the body.
"""

from __future__ import annotations

from corpus.facts import NoteFacts
from corpus.markup import Span

#: What a fate means as a mention action in a procedure note.
PROCEDURE_ACTION = {"untouched": "retained"}


def _action(fate: str, visit: bool) -> str:
    if visit and fate == "untouched":
        return "tested"
    return PROCEDURE_ACTION.get(fate, fate)


def referent_actions(facts: NoteFacts) -> dict[str, str]:
    """label -> the action of the one pre-existing component a background mention can mean."""
    visit = facts.evaluation != "none" and all(
        x.fate == "untouched" for x in [*facts.generators, *facts.other_devices])
    out: dict[str, str] = {}
    old_gens = [g for g in facts.generators if g.fate != "inserted"]
    if len(old_gens) == 1 and not facts.new_generator:
        out["PULSE_GENERATOR"] = _action(old_gens[0].fate, visit)
        removed_all = old_gens[0].fate == "removed" and all(x.fate == "removed" for x in facts.leads)
        out["CCM_SYSTEM"] = "removed" if removed_all else _action("untouched", visit)
    for label, chamber in (("ATRIAL_LEAD", "atrial"), ("VENTRICULAR_LEAD", "ventricular"), ("LEAD", None)):
        old = {x.fate for x in facts.leads if (chamber is None or x.chamber == chamber) and x.fate != "inserted"}
        if len(old) == 1 and not facts.leads_with("inserted", chamber=chamber):
            out[label] = _action(old.pop(), visit)
    if len(facts.other_devices) == 1 and not visit:
        out["OTHER_DEVICE"] = _action(facts.other_devices[0].fate, False)
    return out


def apply_convention(spans: list[Span], facts: NoteFacts) -> list[Span]:
    """Give background (action ``none``) mentions the session action of their referent."""
    if facts.device_family == "none" or facts.planned and not facts.stopped_early:
        return spans
    actions = referent_actions(facts)
    for span in spans:
        if span.action == "none" and not (span.negated or span.hypothetical) and span.label in actions:
            span.action = actions[span.label]
            span.historical = False
    return spans
