from __future__ import annotations


def sections(doc):
    return [(s.label_, s.text.split("\n")[0].strip()) for s in doc.spans["sections"]]


def test_all_caps_header_and_colon_headers(nlp, ent):
    text = ("OPERATIVE REPORT\n\nINDICATIONS:\nSymptomatic heart failure despite therapy.\n\n"
            "DESCRIPTION OF PROCEDURE:\nThe generator was placed in the pocket.\n\nPLAN:\nWound check in one week.")
    doc = nlp(text)
    cats = [c for c, _ in sections(doc)]
    assert cats == ["unknown", "indication", "description", "plan"]
    assert ent(doc, "generator")._.section == "description"


def test_colonless_header_on_its_own_line(nlp, ent):
    doc = nlp("Indications\nHeart failure with reduced EF.\nProcedure Details\nThe IPG was connected to the leads.")
    assert [c for c, _ in sections(doc)] == ["indication", "description"]
    assert ent(doc, "IPG")._.section == "description"


def test_inline_field_and_numbered_headers(nlp, ent):
    doc = nlp("Procedure: CCM generator change\nOperator: Dr. A\n2) Findings\nPocket clean.\n3) Plan\nHome.")
    got = sections(doc)
    assert got[0] == ("procedure", "Procedure: CCM generator change")
    assert ("findings", "2) Findings") in got
    assert ("plan", "3) Plan") in got
    assert ent(doc, "CCM")._.section == "procedure"


def test_spoken_headers_in_speech_recognition_output(nlp):
    text = ("procedure performed colon implantation of a ccm system period indications new paragraph "
            "the patient has heart failure period")
    doc = nlp(text)
    got = [c for c, _ in sections(doc)]
    assert got[:2] == ["procedure", "indication"]


def test_spoken_header_inside_a_run_on_line(nlp, ent):
    # dictation without line breaks: the header comes mid-line, after the diagnoses
    doc = nlp("diagnoses colon heart failure 2 dilated cardiomyopathy procedure colon ccm device implantation "
              "we placed the rv lead on the septum")
    assert ent(doc, "rv lead")._.section == "procedure"


def test_header_with_a_parenthesis_before_its_colon(nlp, ent):
    # the tokenizer keeps "):" as one token
    doc = nlp("EP NOTE\nPrior procedure (copied forward):\nTwo septal leads were implanted.\n"
              "Procedure today: generator insertion")
    assert ent(doc, "septal leads")._.section == "history"


def test_device_fields_are_device_sections(nlp):
    doc = nlp("Device explanted: OPTIMIZER IVs\nDevice implanted: OPTIMIZER Smart\nLeads: existing")
    assert {c for c, _ in sections(doc)} == {"device"}


def test_history_section_makes_mentions_historical(nlp, ent):
    # a consult: nothing is done today, so the history mention stays historical / none
    doc = nlp("PAST MEDICAL HISTORY:\nTwo septal leads were placed in 2020.\n\nPLAN:\nWe will discuss "
              "options at the next visit.")
    e = ent(doc, "septal leads")
    assert e._.section == "history" and e._.historical and e._.action == "none"


def test_history_mention_at_a_device_check_is_the_hardware_checked(nlp, ent):
    # referent convention: the leads in the history are the ones interrogated today
    doc = nlp("PAST MEDICAL HISTORY:\nTwo septal leads were placed in 2020.\n\nPROCEDURE:\n"
              "The Optimizer was interrogated in clinic.")
    e = ent(doc, "septal leads")
    assert e._.section == "history" and e._.action == "tested" and not e._.historical
