"""Coding-rule edits: from classifier probabilities to the final code set and flags.

The classifier proposes codes; the edits enforce what the coding policy never
allows (rules 1, 7, 8, 9 and 10 of ``shared/spec/coding-rules.md``), take units
from the extracted facts, attach evidence and raise the review flags.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Span

from nlp.classifier import SetPrediction
from nlp.coding_rules import CodingResult, apply_bundling, code_units
from nlp.facts import ExtractedFacts
from nlp.pipeline._text import doc_text
from nlp.results import CodeResult, Evidence

#: Which extracted facts support each code (keys of ``ExtractedFacts.evidence``).
EVIDENCE_KEYS: dict[str, tuple[str, ...]] = {
    "0408T": ("generator_inserted", "leads_inserted"),
    "0409T": ("generator_inserted", "leads_retained"),
    "0410T": ("leads_inserted",),
    "0411T": ("leads_inserted",),
    "0412T": ("generator_removed",),
    "0413T": ("leads_removed",),
    "0414T": ("generator_removed", "generator_inserted"),
    "0415T": ("leads_repositioned",),
    "0416T": ("pocket_relocated",),
    "0417T": ("evaluation",),
    "0418T": ("evaluation",),
}
MAX_EVIDENCE = 8
#: When the classifier says "no CCM code" but the extracted facts code a procedure,
#: keep the procedure if the classifier gives it at least this probability.
RESCUE_P = 0.02


@dataclass(frozen=True)
class Decision:
    codes: list[CodeResult]
    flags: list[str]
    confidence: float


def decide(prediction: SetPrediction, rules: CodingResult, extracted: ExtractedFacts,
           threshold: float) -> Decision:
    """Final codes (with units, confidence, evidence) and flags for one note."""
    family = extracted.facts.device_family
    flags: list[str] = []
    if family == "ccm_d":
        flags.append("ccm_d_out_of_scope")
    chosen = prediction.codes
    if not chosen and rules.codes and prediction.probability(rules.codes) >= RESCUE_P:
        chosen = frozenset(rules.codes)  # never erase a documented procedure the model finds plausible
    proposed = {c: rules.codes.get(c) or code_units(c, extracted.facts) for c in chosen}
    codes = apply_bundling(proposed) if family == "ccm" else {}

    if extracted.facts.stopped_early:
        flags.append("partial" if codes else "aborted")
    if family == "ccm" and set(codes) != set(rules.codes):
        flags.append("conflicting_documentation")
    confidence = prediction.probability(codes)
    if confidence < threshold:
        flags.append("low_confidence")
    results = [CodeResult(code, units, prediction.code_confidence.get(code, 0.0), _evidence(code, extracted))
               for code, units in sorted(codes.items())]
    return Decision(results, flags, confidence)


def _evidence(code: str, extracted: ExtractedFacts) -> list[Evidence]:
    """Each supporting mention, followed by the sentence it stands in (the first ``MAX_EVIDENCE``)."""
    spans: list[Span] = sorted({s for key in EVIDENCE_KEYS[code] for s in extracted.evidence.get(key, [])},
                               key=lambda s: s.start_char)
    out: dict[tuple[int, int], Evidence] = {}
    for span in spans:
        if len(out) >= MAX_EVIDENCE:
            break
        text = doc_text(span.doc)
        sent = span.sent
        for start, end in ((span.start_char, span.end_char), (sent.start_char, sent.end_char)):
            if (start, end) not in out:
                out[start, end] = Evidence(start, end, text[start:end])
    return list(out.values())[:MAX_EVIDENCE]
