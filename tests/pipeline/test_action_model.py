"""The trained action model's document step: nothing is 'retained' in a note with no procedure."""

from nlp.pipeline.action_model import ActionModel


def test_consult_mentions_are_not_retained(nlp):
    doc = nlp("Consultation: she has an Abbott dual-chamber ICD. We discussed a CCM implant "
              "with two septal leads next month.")
    for ent in doc.ents:  # as the trained model might leave them
        ent._.action = "retained" if ent.label_ == "OTHER_DEVICE" else "none"
    ActionModel.resolve_referents(doc)
    assert all(e._.action != "retained" for e in doc.ents)


def test_hardware_around_a_procedure_stays_retained(nlp):
    doc = nlp("Procedure: CCM generator change. The old generator was explanted. "
              "The patient's ICD was left untouched.")
    icd = next(e for e in doc.ents if e.label_ == "OTHER_DEVICE")
    icd._.action = "retained"
    ActionModel.resolve_referents(doc)
    assert icd._.action == "retained"
