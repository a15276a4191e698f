"""From an annotated Doc to the classifier's feature dict.

Feature families (all numeric, sparse, named ``kind:...``):

- ``ent:{label}:{action}``: asserted component mentions per label and action,
  and ``count:{label}:{action}``, the sum of their ``count`` attributes;
- ``assert:{label}:{negated|historical|hypothetical}``: mentions that only talk
  about a component;
- ``sec:{section}:{action}``: where the session actions are documented;
- ``cue:{label}``: affirmed document cues (abort, programming change, visit,
  CCM-D, non-device "CCM", procedure-title phrases; not negated, not an unticked box);
- ``fact:{field}``: the extracted session facts (:mod:`nlp.facts`);
- ``rule:{code}``, ``ruleset:{codes}``, ``ruleflag:{flag}``: what the coding rules give
  for those facts (each code, the whole set, the flags);
- ``family:{device_family}``, ``other:{action}``: device family and non-CCM work.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import fields

from spacy.tokens import Doc

from nlp.coding_rules import CodingResult, SessionFacts, assign_codes
from nlp.facts import CCM_COMPONENTS, ExtractedFacts, asserted, cue_counts
from nlp.pipeline.extensions import mentions

CUE_LABELS = ("ABORTED", "PROGRAMMING", "NO_CHANGE", "VISIT", "CCM_D", "NON_DEVICE_CCM",
              "TITLE_GENERATOR_CHANGE", "TITLE_NEW_SYSTEM", "TITLE_LEAD_REVISION", "TITLE_EXPLANT",
              "TITLE_POCKET")
_LABELS = frozenset({*CCM_COMPONENTS, "OTHER_DEVICE"})
_FACT_FIELDS = tuple(f.name for f in fields(SessionFacts))


def featurize(doc: Doc, extracted: ExtractedFacts, rules: CodingResult | None = None) -> dict[str, float]:
    """The documented feature dict of one note."""
    rules = rules or assign_codes(extracted.facts)
    feats: Counter[str] = Counter()
    found = mentions(doc, _LABELS)
    for ent in found:
        if ent.label == "OTHER_DEVICE":
            feats[f"other:{ent.action}"] += 1
            continue
        if asserted(ent):
            feats[f"ent:{ent.label}:{ent.action}"] += 1
            feats[f"count:{ent.label}:{ent.action}"] += ent.count
            if ent.action != "none":
                feats[f"sec:{ent.section}:{ent.action}"] += 1
        for name, flag in (("negated", ent.negated), ("historical", ent.historical),
                           ("hypothetical", ent.hypothetical)):
            if flag:
                feats[f"assert:{ent.label}:{name}"] += 1
    cues = cue_counts(doc, affirmed_only=True)
    for label in CUE_LABELS:
        if cues[label]:
            feats[f"cue:{label}"] = cues[label]
    for name in _FACT_FIELDS:
        value = getattr(extracted.facts, name)
        if name == "device_family":
            feats[f"family:{value}"] = 1
        elif name == "evaluation":
            feats[f"fact:evaluation:{value}"] = 1
        elif value:
            feats[f"fact:{name}"] = float(value)
    feats[f"ruleset:{'+'.join(sorted(rules.codes)) or 'none'}"] = 1
    for code, units in rules.codes.items():
        feats[f"rule:{code}"] = 1
        feats[f"rule_units:{code}"] = units
    for flag in rules.flags:
        feats[f"ruleflag:{flag}"] = 1
    feats["bias:has_ccm_mention"] = float(any(e.label != "OTHER_DEVICE" for e in found))
    return dict(feats)
