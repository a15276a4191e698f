from __future__ import annotations

import pytest

from nlp.pipeline import COMPONENT_LABELS


@pytest.mark.parametrize(
    "text, span, label",
    [
        ("The OPTIMIZER Smart Mini was implanted.", "OPTIMIZER Smart Mini", "CCM_SYSTEM"),
        ("A cardiac contractility modulation system was placed.",
         "cardiac contractility modulation system", "CCM_SYSTEM"),
        ("The Impulse Dynamics device was interrogated.", "Impulse Dynamics device", "CCM_SYSTEM"),
        ("The CCM X11 was interrogated.", "CCM X11", "CCM_SYSTEM"),
        ("The new OPTIMIZER Smart IPG was placed in the pocket.", "new OPTIMIZER Smart IPG",
         "PULSE_GENERATOR"),
        ("The old IVs generator was removed.", "old IVs generator", "PULSE_GENERATOR"),
        ("CCM implant: the pulse-generator was secured.", "pulse-generator", "PULSE_GENERATOR"),
        ("An RA lead was fixed in the appendage.", "RA lead", "ATRIAL_LEAD"),
        ("The right atrial sensing electrode was screwed in.", "right atrial sensing electrode",
         "ATRIAL_LEAD"),
        ("Two right ventricular septal leads were advanced.", "Two right ventricular septal leads",
         "VENTRICULAR_LEAD"),
        ("The chronic RV lead was reconnected.", "chronic RV lead", "VENTRICULAR_LEAD"),
        ("The LS lead was tested.", "LS lead", "VENTRICULAR_LEAD"),
        ("CCM implant: both active-fixation leads were connected.", "both active-fixation leads",
         "LEAD"),
        ("A dual-chamber ICD is in place.", "dual-chamber ICD", "OTHER_DEVICE"),
        ("CCM check. The leads went to a dual-chamber generator.", "dual-chamber generator",
         "OTHER_DEVICE"),
        ("CCM check. The lead went back into the Medtronic generator.", "Medtronic generator",
         "OTHER_DEVICE"),
        ("The Port-A-Cath was accessed.", "Port-A-Cath", "OTHER_DEVICE"),
        ("Access was via the right axillary vein.", "right axillary vein", "VENOUS_ACCESS"),
        ("A left cephalic vein cutdown was performed.", "left cephalic vein cutdown", "VENOUS_ACCESS"),
        ("The right pectoral pocket was irrigated.", "right pectoral pocket", "POCKET"),
        ("Under fluoroscopic guidance the wire was passed.", "fluoroscopic guidance", "IMAGING"),
        ("A contrast venogram was obtained.", "contrast venogram", "IMAGING"),
        ("The lead was fixed on the RV high septum.", "RV high septum", "LEAD_POSITION"),
    ],
)
def test_labels_and_span_extent(nlp, text, span, label, ent):
    e = ent(nlp(text), span)
    assert (e.text, e.label_) == (span, label)


def test_generic_lead_keeps_label_and_gets_chamber_from_its_sentence(nlp, ent):
    doc = nlp("CCM implant. The lead was screwed into the mid septum. The other lead went to the right "
              "atrial appendage.")
    e = ent(doc, "The lead")
    assert (e.label_, e._.chamber) == ("LEAD", "ventricular")
    e = ent(doc, "other lead")
    assert (e.label_, e._.chamber) == ("LEAD", "atrial")


def test_chamber_of_placed_and_unplaced_leads(nlp, ent):
    doc = nlp("Optimizer upgrade. Both leads were fixed on the septum with the helix deployed. "
              "A new RA lead was added. The pocket was closed and the lead position was checked.")
    e = ent(doc, "Both leads")
    assert (e.label_, e._.chamber, e._.count) == ("LEAD", "ventricular", 2)
    assert ent(doc, "RA lead")._.chamber == "atrial"
    assert ent(doc, "lead", 2)._.chamber == ""
    from nlp.pipeline import entity_records
    recs = {r["text"]: r for r in entity_records(doc)}
    assert recs["Both leads"]["chamber"] == "ventricular"


def test_unplaced_lead_stays_generic(nlp, ent):
    doc = nlp("The OPTIMIZER pocket was opened and the lead was disconnected.")
    assert ent(doc, "lead").label_ == "LEAD"


@pytest.mark.parametrize(
    "text, span, count",
    [("Two septal leads were placed.", "Two septal leads", 2),
     ("Both leads were connected to the Optimizer.", "Both leads", 2),
     ("Three leads were tested.", "Three leads", 3),
     ("RV septal leads x2 were placed.", "RV septal leads x2", 2),
     ("Septal leads #1 and #2 were placed.", "Septal leads", 2),
     ("The RV lead was placed.", "RV lead", 1)],
)
def test_counts(nlp, text, span, count, ent):
    assert ent(nlp(text), span)._.count == count


def test_icd_leads_beside_ccm_leads_in_one_sentence(nlp, ent):
    doc = nlp("The ICD lead and the defibrillator coil were left alone while two CCM septal leads "
              "were placed near the RV defibrillator lead.")
    assert ent(doc, "ICD lead").label_ == "OTHER_DEVICE"
    assert ent(doc, "RV defibrillator lead").label_ == "OTHER_DEVICE"
    assert ent(doc, "two CCM septal leads").label_ == "VENTRICULAR_LEAD"


def test_parts_of_other_devices_are_other_device(nlp, ent):
    doc = nlp("The CCM generator was interrogated. The pacemaker generator and the coronary sinus lead "
              "were inspected; the ICD and its leads were not touched.")
    assert ent(doc, "pacemaker generator").label_ == "OTHER_DEVICE"
    assert ent(doc, "coronary sinus lead").label_ == "OTHER_DEVICE"
    assert ent(doc, "its leads").label_ == "OTHER_DEVICE"
    assert ent(doc, "CCM generator").label_ == "PULSE_GENERATOR"


def test_a_lead_for_another_device_is_that_device(nlp, labels):
    doc = nlp("Atrial lead for the ICD to the right atrial appendage. A lead of her pacemaker was capped. "
              "The new CCM lead was screwed in; the lead for the CCM system was tested.")
    assert [x for x in labels(doc) if x[1] != "LEAD_POSITION"] == [
        ("Atrial lead", "OTHER_DEVICE"), ("ICD", "OTHER_DEVICE"), ("lead", "OTHER_DEVICE"),
        ("pacemaker", "OTHER_DEVICE"), ("new CCM lead", "LEAD"), ("lead", "LEAD"), ("CCM system", "CCM_SYSTEM")]


def test_pacemaker_only_note_has_no_ccm_components(nlp):
    text = ("OPERATIVE PROCEDURE: Dual chamber pacemaker implantation.\nThe left subclavian vein was "
            "punctured. The ventricular lead was positioned at the apex and the atrial lead in the "
            "appendage. Both leads were attached to the generator, which was placed in the pocket.")
    doc = nlp(text)
    found = [e.label_ for e in doc.ents if e.label_ in COMPONENT_LABELS]
    assert found and set(found) == {"OTHER_DEVICE"}


def test_chronic_care_management_is_not_a_ccm_system(nlp):
    doc = nlp("Chronic care management (CCM) monthly call: 20 minutes of CCM time. Reviewed her "
              "pacemaker and medications.")
    assert all(e.label_ != "CCM_SYSTEM" for e in doc.ents)


def test_cerebral_cavernous_malformation_is_not_a_ccm_system(nlp):
    doc = nlp("MRI shows a cerebral cavernous malformation (CCM) in the left temporal lobe.")
    assert all(e.label_ != "CCM_SYSTEM" for e in doc.ents)


def test_not_device_leads(nlp):
    doc = nlp("A 12-lead ECG was normal. Poor adherence may lead to worse outcomes. No lead poisoning.")
    assert not [e for e in doc.ents if e.label_ in COMPONENT_LABELS]


def test_speech_recognition_spellings(nlp, labels):
    text = ("ccm implant period access was obtained via the right sub clavian vein under flora scopy period the r v lead "
            "was advanced and the pulse generater was placed period the left sefalic vein was used")
    got = {t: lab for t, lab in labels(nlp(text))}
    assert got.get("right sub clavian vein") == "VENOUS_ACCESS"
    assert got.get("flora scopy") == "IMAGING"
    assert got.get("r v lead") == "VENTRICULAR_LEAD"
    assert got.get("pulse generater") == "PULSE_GENERATOR"
    assert got.get("left sefalic vein") == "VENOUS_ACCESS"


def test_optimiser_and_ipg_spelled_out(nlp, ent):
    doc = nlp("the optimiser i p g was placed in the pocket")
    assert ent(doc, "i p g").label_ == "PULSE_GENERATOR"


def test_bare_leads_in_a_note_without_ccm_are_not_ccm_components(nlp):
    doc = nlp("EEG: scalp electrodes were applied. The leads were checked and the generator was off.")
    assert all(e.label_ == "OTHER_DEVICE" for e in doc.ents if e.label_ in COMPONENT_LABELS)


def test_ccm_lead_names_mark_a_note_that_never_says_ccm_as_ccm(nlp):
    # an ICD patient's "V1 lead" or two septal leads: no pacemaker or ICD has those
    for text in ("Her ICD was left alone. The V1 lead was fixed to the septum and the generator will "
                 "follow next week.",
                 "He has an ICD. We placed two septal electrodes; the second septal electrode went to "
                 "the mid septum and the generator will follow next week."):
        doc = nlp(text)
        parts = [e.label_ for e in doc.ents if e.label_ in COMPONENT_LABELS and "ICD" not in e.text]
        assert parts and "OTHER_DEVICE" not in parts, text


def test_a_ccm_channel_named_alone_is_a_ventricular_lead_only_in_a_ccm_note(nlp, labels):
    ccm = nlp("OPTIMIZER generator change. V1 was tested and kept; the old V2 was extracted.")
    assert [x for x in labels(ccm) if x[0] in ("V1", "old V2")] == [
        ("V1", "VENTRICULAR_LEAD"), ("old V2", "VENTRICULAR_LEAD")]
    ecg = nlp("CCM implant planned. ECG: RBBB with an rSR' in V1. "
              "Poor R-wave progression in leads V1-V3.")
    assert not [e for e in ecg.ents if e.text in ("V1", "V1-V3")]
    no_ccm = nlp("Pacemaker check. V1 was kept.")
    assert not [e for e in no_ccm.ents if e.label_ == "VENTRICULAR_LEAD"]


def test_a_position_in_parentheses_names_the_leads_chamber(nlp):
    doc = nlp("CCM device check. Lead 1 (upper septum): 610 ohms. Lead B (RA appendage) 480 ohms. "
              "The lead (model 5076) was tested.")
    leads = [(e.text, e.label_) for e in doc.ents if "LEAD" in e.label_]
    assert leads[0] == ("Lead 1 (upper septum):", "VENTRICULAR_LEAD")
    assert leads[1] == ("Lead B (RA appendage)", "ATRIAL_LEAD")
    assert leads[2][1] == "LEAD"


def test_parts_in_another_devices_procedure_note_are_that_devices(nlp):
    doc = nlp("Procedure: Dual-chamber pacemaker implantation\n"
              "Background: OPTIMIZER Smart Mini CCM system on the right, not touched.\n"
              "Description: The atrial lead was screwed into the right atrial appendage. "
              "The generator was placed in the pocket. The CCM leads were kept clear.")
    labels = {e.text: e.label_ for e in doc.ents}
    assert labels["atrial lead"] == "OTHER_DEVICE"
    assert labels["generator"] == "OTHER_DEVICE"
    assert labels["CCM leads"] == "LEAD"


def test_parts_in_a_ccm_procedure_note_stay_ccm(nlp):
    doc = nlp("Procedure: CCM system implant beside an existing ICD\n"
              "Description: The atrial lead was screwed into the right atrial appendage.")
    assert {e.text: e.label_ for e in doc.ents}["atrial lead"] == "ATRIAL_LEAD"


def test_ccm_words_other_than_the_name_make_a_ccm_note(nlp):
    # no "CCM"/"OPTIMIZER" anywhere, but a train delay and the Vesta charger are CCM's own
    doc = nlp("He already has a subcutaneous ICD. Today the capped septal leads were retrieved and the "
              "new device generator was connected. Therapy at 7.5 V with a train delay of 31 ms; "
              "he was shown the Vesta charger.")
    assert {e.text: e.label_ for e in doc.ents}["new device generator"] == "PULSE_GENERATOR"


def test_speech_recognition_led_for_lead(nlp):
    doc = nlp("ccm revision period we removed the old v1 led completely period this led to a delay period "
              "the led light on the programmer was green")
    leads = [(e.text, e.label_) for e in doc.ents if "LEAD" in e.label_]
    assert leads == [("old v1 led", "VENTRICULAR_LEAD")]


def component_leads(doc):
    """(text, label) of the lead components (LEAD, ATRIAL_LEAD, VENTRICULAR_LEAD), not lead positions."""
    return [(e.text, e.label_) for e in doc.ents if e.label_.endswith("LEAD")]


def test_speech_recognition_led_after_spelled_chamber_letters(nlp):
    doc = nlp("c c m implant period r v led at the upper septum comma r a led in the appendage comma "
              "two septa leds in all period a led light was on")
    assert component_leads(doc) == [("r v led", "VENTRICULAR_LEAD"), ("r a led", "ATRIAL_LEAD"),
                                     ("two septa leds", "VENTRICULAR_LEAD")]


def test_a_lead_named_only_by_its_model_is_a_lead(nlp):
    doc = nlp("CCM implant. V1 Solia high septum. A Tendril STS was screwed into the mid septum and a "
              "CapSureFix Novus into the high septum.")
    assert component_leads(doc) == [("V1 Solia", "VENTRICULAR_LEAD"), ("Tendril", "VENTRICULAR_LEAD"),
                                     ("CapSureFix", "VENTRICULAR_LEAD")]


def test_a_model_said_of_a_lead_named_in_the_same_sentence_is_not_another_lead(nlp):
    doc = nlp("CCM generator change. LS lead Medtronic 5076-52 at the posterior septum: R wave 17.7 mV. "
              "The RV lead (Tendril STS) was tested.")
    assert [text for text, _ in component_leads(doc)] == ["LS lead", "RV lead"]


def test_an_optimizer_iii_generator_is_one_generator_and_status_post_is_not_a_modifier(nlp, labels):
    doc = nlp("Indication: s/p OPTIMIZER III 2022. The old OPTIMIZER III generator was explanted.")
    assert labels(doc) == [("OPTIMIZER", "CCM_SYSTEM"), ("old OPTIMIZER III generator", "PULSE_GENERATOR")]


def test_gen_is_shorthand_for_the_generator(nlp, labels):
    doc = nlp("OPTIMIZER pocket revision. Old gen out of the pocket; gen moved to a new subpectoral pocket.")
    assert [text for text, label in labels(doc) if label == "PULSE_GENERATOR"] == ["Old gen", "gen"]


def test_the_manufacturer_and_its_staff_are_not_the_device(nlp, labels):
    doc = nlp("Measurements (Impulse Dynamics CCM specialist): R wave 8 mV. Impulse Dynamics rep present. "
              "The Impulse Dynamics OPTIMIZER was implanted.")
    assert labels(doc) == [("Impulse Dynamics OPTIMIZER", "CCM_SYSTEM")]


def test_speech_recognition_opt_miser_is_the_ccm_device(nlp, labels):
    doc = nlp("opt miser three put in twenty twenty three")
    assert labels(doc) == [("opt miser", "CCM_SYSTEM")]


def test_plain_language_wires_named_by_chamber_are_leads_and_guidewires_are_not(nlp, labels):
    doc = nlp("Two septal wires went in over a guide wire; the old V2 wire was capped. A new wire was passed.")
    assert labels(doc) == [("Two septal wires", "VENTRICULAR_LEAD"), ("old V2 wire", "VENTRICULAR_LEAD")]


def test_the_smart_mini_model_name_alone_is_the_ccm_device(nlp, labels):
    doc = nlp("we are doing the whole thing new smart mini X eleven with two new leads")
    assert labels(doc)[0] == ("new smart mini", "CCM_SYSTEM")


def test_a_battery_box_or_new_battery_is_the_generator_but_battery_status_is_not(nlp, labels):
    doc = nlp("For her CCM therapy the battery box was lifted out and a new battery was fitted. "
              "Battery OK at 6.1 years.")
    assert labels(doc) == [("battery box", "PULSE_GENERATOR"), ("new battery", "PULSE_GENERATOR")]


def test_speech_recognised_ccm_name_before_generator_is_one_generator(nlp, labels):
    doc = nlp("both leads connected to opt miser generator and the opti miser smart generator was tested")
    assert labels(doc) == [("both leads", "LEAD"), ("opt miser generator", "PULSE_GENERATOR"),
                           ("opti miser smart generator", "PULSE_GENERATOR")]


def test_ccm_therapy_after_a_modifier_is_not_the_device(nlp, labels):
    assert labels(nlp("Her previous CCM therapy was effective.")) == []


def test_dictated_c_c_m_is_part_of_the_lead(nlp, labels):
    doc = nlp("procedure performed colon insertion of new r v septal c c m lead period")
    assert labels(doc) == [("new r v septal c c m lead", "VENTRICULAR_LEAD")]


def test_dictated_i_c_d_is_another_device(nlp, labels):
    doc = nlp("i c d lead revision with c c m check period old i c d generator out period c r t d in place")
    assert labels(doc) == [("i c d lead", "OTHER_DEVICE"), ("c c m", "CCM_SYSTEM"),
                           ("old i c d generator", "OTHER_DEVICE"), ("c r t d", "OTHER_DEVICE")]


@pytest.mark.parametrize("text, expected", [
    ("optimize are 3 at E R I period old generate her out period",
     [("optimize are 3", "CCM_SYSTEM"), ("old generate her", "PULSE_GENERATOR")]),
    ("here for see CM system implant", [("see CM system implant", "CCM_SYSTEM")]),
    ("has an optimize sir IVs from 2016", [("optimize sir IVs", "CCM_SYSTEM")]),
    ("two sceptal lids to the c c m generator", [("two sceptal lids", "VENTRICULAR_LEAD"),
                                                 ("c c m generator", "PULSE_GENERATOR")]),
    ("We will optimize her diuretics.", []),
])
def test_speech_recognition_spellings_of_the_device(nlp, labels, text, expected):
    assert labels(nlp(text)) == expected
