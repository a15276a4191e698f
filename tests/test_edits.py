"""The coding-rule edits between the classifier's proposal and the final codes."""

from nlp.classifier import SetPrediction
from nlp.coding_rules import SessionFacts, assign_codes
from nlp.edits import decide
from nlp.facts import ExtractedFacts


def test_units_of_a_code_the_classifier_chose_come_from_the_facts():
    facts = SessionFacts(device_family="ccm", generator_inserted=True, ventricular_inserted=2,
                         ventricular_removed=2)
    assert assign_codes(facts).codes == {"0408T": 1, "0413T": 2}  # 0411T bundled into 0408T
    chosen = frozenset({"0411T", "0413T"})
    prediction = SetPrediction(chosen, 0.9, {chosen: 0.9}, {"0411T": 0.9, "0413T": 0.9})
    decision = decide(prediction, assign_codes(facts), ExtractedFacts(facts), threshold=0.5)
    assert {c.code: c.units for c in decision.codes} == {"0411T": 2, "0413T": 2}
    assert "conflicting_documentation" in decision.flags
