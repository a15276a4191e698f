from __future__ import annotations

import pytest


def test_negated_lead_has_action_none(nlp, ent):
    doc = nlp("No atrial lead was placed. Two septal leads were placed in the RV.")
    atrial = ent(doc, "atrial lead")
    assert atrial._.negated and atrial._.action == "none"
    septal = ent(doc, "septal leads")
    assert not septal._.negated and septal._.action == "inserted"


def test_not_placed_after_the_target(nlp, ent):
    doc = nlp("A right atrial lead was not placed because of a small atrium.")
    e = ent(doc, "right atrial lead")
    assert e._.negated and e._.action == "none"


def test_historical_mention(nlp, ent):
    doc = nlp("Her CCM system was implanted in 2021 for NYHA class III symptoms.")
    e = ent(doc, "CCM system")
    assert e._.historical and e._.action == "none"


def test_hypothetical_mention(nlp, ent):
    doc = nlp("We plan to place two septal leads and an Optimizer generator next month.")
    leads = ent(doc, "two septal leads")
    assert leads._.hypothetical and leads._.action == "none"
    assert ent(doc, "Optimizer generator")._.hypothetical


def test_plan_section_is_hypothetical(nlp, ent):
    doc = nlp("PLAN:\nReturn in 3 months for CCM generator change when the battery is depleted.")
    e = ent(doc, "CCM generator")
    assert e._.hypothetical and e._.action == "none"


def test_abandoned_versus_extracted_versus_inserted(nlp, ent):
    doc = nlp("The old anterior septal lead was capped and abandoned. The old posterior septal lead "
              "was extracted with a locking stylet. A new septal lead was advanced to the mid septum.")
    assert ent(doc, "old anterior septal lead")._.action == "abandoned"
    assert ent(doc, "old posterior septal lead")._.action == "removed"
    assert ent(doc, "new septal lead")._.action == "inserted"


@pytest.mark.parametrize(("text", "lead"), [
    ("The fractured RV lead was left in situ, capped.", "RV lead"),
    ("The old V2 lead was not pulled out; it was capped and left in the pocket.", "old V2 lead"),
    ("old lead 2 model 7742 at mid septum cap and leave\nnew lead 2 to mid septum", "old lead 2"),
], ids=["capped and left in situ", "not pulled out but capped", "telegraphic cap and leave"])
def test_a_lead_capped_and_left_in_is_abandoned(nlp, ent, text, lead):
    assert ent(nlp(text), lead)._.action == "abandoned"


def test_retained_reconnected_lead(nlp, ent):
    doc = nlp("The existing atrial lead was reconnected to the new generator.")
    assert ent(doc, "existing atrial lead")._.action == "retained"
    assert ent(doc, "new generator")._.action == "inserted"


def test_generator_change_removed_and_inserted(nlp, ent):
    doc = nlp("The depleted Optimizer IVs generator was removed from the pocket and sent for analysis. "
              "The leads were disconnected and tested. A new Optimizer Smart IPG was connected.")
    assert ent(doc, "Optimizer IVs generator")._.action == "removed"
    assert ent(doc, "leads")._.action == "retained"
    assert ent(doc, "new Optimizer Smart IPG")._.action == "inserted"


def test_passive_verb_reaches_its_own_subject_only(nlp, ent):
    doc = nlp("The RA lead was positioned in the appendage and the two RV leads were capped.")
    assert ent(doc, "RA lead")._.action == "inserted"
    assert ent(doc, "two RV leads")._.action == "abandoned"


def test_repositioned_lead(nlp, ent):
    doc = nlp("The dislodged septal lead was repositioned to the high septum.")
    assert ent(doc, "septal lead")._.action == "repositioned"


def test_active_voice_forward_scope(nlp, ent):
    doc = nlp("We removed the old generator and implanted a CCM X11 system.")
    assert ent(doc, "old generator")._.action == "removed"
    assert ent(doc, "CCM X11 system")._.action == "inserted"


def test_procedure_title_makes_listed_components_inserted(nlp, ent):
    doc = nlp("Procedure: Implantation of an OPTIMIZER Smart CCM system with right atrial lead and "
              "two right ventricular septal leads\nOperator: Dr. B")
    assert ent(doc, "OPTIMIZER Smart CCM system")._.action == "inserted"
    assert ent(doc, "two right ventricular septal leads")._.action == "inserted"


def test_icd_untouched_during_ccm_implant(nlp, ent):
    doc = nlp("The existing left-sided ICD was not touched. Two CCM leads were placed via the right "
              "axillary vein.")
    icd = ent(doc, "ICD")
    assert icd.label_ == "OTHER_DEVICE" and icd._.action == "retained" and not icd._.negated


def test_device_clinic_visit_is_tested(nlp, ent):
    doc = nlp("Device clinic visit. The OPTIMIZER Smart Mini was interrogated; battery and lead "
              "impedances were normal. No programming changes.")
    assert ent(doc, "OPTIMIZER Smart Mini")._.action == "tested"


@pytest.mark.parametrize(
    "line, negated",
    [("[x] RV septal lead #1", False), ("[ ] RA lead", True), ("☐ Atrial lead", True),
     ("☒ Ventricular lead", False)],
)
def test_checkbox_fields(nlp, ent, line, negated):
    doc = nlp("Leads implanted today:\n" + line + "\n")
    e = ent(doc, line.split(" ", 1)[1] if not line.startswith("[") else line.split("] ", 1)[1])
    assert e._.negated is negated
    assert (e._.action == "none") is negated


def test_checkbox_scope_stops_at_next_box(nlp, ent):
    doc = nlp("Hardware placed: [x] RV lead   [ ] RA lead   [x] Generator\n")
    assert not ent(doc, "RV lead")._.negated
    assert ent(doc, "RA lead")._.negated
    assert not ent(doc, "Generator")._.negated


def test_indication_text_is_not_an_action(nlp, ent):
    doc = nlp("INDICATION:\nHeart failure; referred for cardiac contractility modulation.\n\n"
              "PROCEDURE:\nThe septal lead was screwed in.")
    assert ent(doc, "cardiac contractility modulation")._.action == "none"
    assert ent(doc, "septal lead")._.action == "inserted"


def test_speech_recognition_note_without_punctuation(nlp, ent):
    text = ("procedure performed colon ccm generator change period the old optimiser generator was "
            "removed from the pocket and the existing r v leads were reconnected to the new generater "
            "period no atrial lead was placed period")
    doc = nlp(text)
    assert ent(doc, "old optimiser generator")._.action == "removed"
    assert ent(doc, "existing r v leads")._.action == "retained"
    assert ent(doc, "new generater")._.action == "inserted"
    atrial = ent(doc, "atrial lead")
    assert atrial._.negated and atrial._.action == "none"


def test_ticked_no_option_negates_the_field(nlp, ent):
    doc = nlp("Atrial sensing lead: [ ] Yes  [x] No\nVentricular leads: [x] Yes  [ ] No\n")
    atrial = ent(doc, "Atrial sensing lead")
    assert atrial._.negated and atrial._.action == "none"
    assert not ent(doc, "Ventricular leads")._.negated


def test_unticked_option_verb_does_not_apply(nlp, ent):
    doc = nlp("RA lead: [ ] placed  [x] not placed\n")
    e = ent(doc, "RA lead")
    assert e._.negated and e._.action == "none"


def test_pronoun_subject_takes_the_previous_component(nlp, ent):
    doc = nlp("The posterior septal lead had a fractured conductor; it was capped and left in the pocket.")
    assert ent(doc, "posterior septal lead")._.action == "abandoned"


def test_elliptical_coordination_shares_the_verb(nlp, ent):
    doc = nlp("The CCM septal lead was screwed into the mid septum and the atrial CCM lead into the appendage.")
    assert ent(doc, "atrial CCM lead")._.action == "inserted"


def test_pseudo_trigger_stylet_removed(nlp, ent):
    doc = nlp("The RV septal lead was fixed in the septum and the stylet was removed from the lead.")
    assert ent(doc, "RV septal lead")._.action == "inserted"


def test_dated_implant_at_a_clinic_visit_is_tested_not_inserted(nlp, ent):
    doc = nlp("Device check today. System: OPTIMIZER Smart, implanted 3 months ago, 2 septal leads.\n"
              "Interrogation: normal sensing and impedance.")
    assert ent(doc, "OPTIMIZER Smart")._.action == "tested"


def test_field_label_actions(nlp, ent):
    doc = nlp("Explanted: OPTIMIZER IVs generator\nImplanted: new OPTIMIZER Smart generator\n"
              "Abandoned (capped): old RA lead\n")
    assert ent(doc, "OPTIMIZER IVs generator")._.action == "removed"
    assert ent(doc, "new OPTIMIZER Smart generator")._.action == "inserted"
    assert ent(doc, "old RA lead")._.action == "abandoned"


def test_ccm_d_integra_is_a_ccm_system_mention(nlp, ent):
    doc = nlp("Implantation of an OPTIMIZER Integra CCM-D system.")
    assert ent(doc, "OPTIMIZER Integra")._.action == "inserted"


def test_pocket_relocation_moves_the_generator_not_the_leads(nlp, ent):
    doc = nlp("CCM pocket revision. The generator was then reconnected to the two septal leads and "
              "placed into the new subpectoral pocket.")
    assert ent(doc, "generator")._.action == "repositioned"
    assert ent(doc, "two septal leads")._.action == "retained"


def test_negated_removal_keeps_the_hardware(nlp, ent):
    doc = nlp("CCM generator change. The septal leads were not repositioned or replaced.")
    leads = ent(doc, "septal leads")
    assert leads._.action == "retained" and not leads._.negated


# -- document-level session facts (referent convention, put-back generator, rows, aborted) --

def test_background_ccm_system_during_icd_work_is_retained(nlp, ent):
    doc = nlp("INDICATION: ICD at elective replacement. She also has an OPTIMIZER Smart system "
              "implanted in 2021.\n\nPROCEDURE: The pocket was opened under local anesthesia. The old ICD "
              "generator was removed and a new ICD generator was connected. Hemostasis was obtained.")
    e = ent(doc, "OPTIMIZER Smart system")
    assert e._.action == "retained" and not e._.historical


def test_background_leads_of_a_staged_generator_implant_are_retained(nlp, ent):
    doc = nlp("Indication: the two septal leads placed last week are capped in the pocket.\n"
              "Procedure: the pocket was reopened with sterile technique. A new OPTIMIZER Smart Mini "
              "generator was connected and placed in the pocket.")
    assert ent(doc, "two septal leads")._.action == "retained"
    assert ent(doc, "new OPTIMIZER Smart Mini generator")._.action == "inserted"


def test_background_leads_of_a_full_explant_are_removed(nlp, ent):
    doc = nlp("Indication: pocket infection of the CCM system with two septal leads.\n"
              "Procedure: under sterile technique the generator was removed. Both septal leads were "
              "extracted with a locking stylet.")
    assert ent(doc, "two septal leads")._.action == "removed"
    assert ent(doc, "CCM system")._.action == "removed"


def test_consult_background_stays_none(nlp, ent):
    doc = nlp("Indication: HFrEF. She has an ICD implanted in 2019.\nPlan: we will plan a CCM "
              "system implant next month.")
    assert ent(doc, "ICD")._.action == "none"
    assert ent(doc, "CCM system")._.action == "none"


def test_negated_background_mention_stays_none(nlp, ent):
    doc = nlp("Indication: no atrial lead was ever placed.\nProcedure: under local anesthesia the old "
              "Optimizer generator was removed and a new generator was connected to the leads.")
    assert ent(doc, "atrial lead")._.action == "none"


def test_generator_lifted_out_and_put_back_is_retained(nlp, ent):
    doc = nlp("The pocket was opened and the Optimizer generator was freed and delivered from the pocket. "
              "The old RV lead was extracted and a new RV septal lead was screwed into the septum. "
              "The leads were reconnected to the generator and it was placed back in the pocket.")
    assert ent(doc, "Optimizer generator")._.action == "retained"
    assert ent(doc, "old RV lead")._.action == "removed"


def test_generator_explant_without_put_back_stays_removed(nlp, ent):
    doc = nlp("The pocket was opened and the Optimizer generator was freed and removed. Both leads "
              "were capped and left in the pocket.")
    assert ent(doc, "Optimizer generator")._.action == "removed"


def test_table_row_status_column_sets_action(nlp, ent):
    doc = nlp("CCM lead change, pocket opened under sterile technique.\nLeads:\n"
              "Lead              Position      Impedance   Status\n"
              "old LS lead       mid septum    --          capped/abandoned\n"
              "V2 septal lead    high septum   610 ohms    new\n"
              "V1 lead           low septum    --          explanted\n")
    assert ent(doc, "old LS lead")._.action == "abandoned"
    assert ent(doc, "V2 septal lead")._.action == "inserted"
    assert ent(doc, "V1 lead")._.action == "removed"


def test_arrow_in_a_list_row_sets_action(nlp, ent):
    doc = nlp("Chronic hardware, pocket opened with sterile technique:\n"
              "[x] RV lead #1 -> capped, left in pocket\n[x] RA lead -> extracted\n")
    assert ent(doc, "RV lead #1")._.action == "abandoned"
    assert ent(doc, "RA lead")._.action == "removed"


def test_new_leads_capped_when_the_implant_is_stopped_stay_inserted(nlp, ent):
    doc = nlp("PROCEDURE: Attempted CCM system implant, aborted.\nUnder sterile technique two septal "
              "leads were placed on the septum. The generator failed telemetry and no spare was "
              "available, so the two leads were capped and coiled in the pocket.")
    assert ent(doc, "two leads")._.action == "inserted"
    assert ent(doc, "CCM system")._.action == "none"


def test_an_attempted_implantation_is_not_an_implantation(nlp, ent):
    doc = nlp("Operative procedure: Attempted implantation of CCM system (generator and two leads).")
    for text in ("CCM system", "generator", "two leads"):
        assert ent(doc, text)._.hypothetical


def test_a_step_the_procedure_stopped_before_was_not_done(nlp, ent):
    doc = nlp("Both septal leads were placed. The procedure was stopped before generator placement "
              "because a pocket hematoma formed.")
    assert ent(doc, "generator")._.negated
    assert ent(doc, "generator")._.action == "none"
    assert not ent(doc, "Both septal leads")._.negated


def test_a_device_not_interrogated_is_negated(nlp, ent):
    doc = nlp("The OPTIMIZER Smart on the left was not interrogated and not reprogrammed. "
              "The CCM generator was checked; the ICD was not interrogated.")
    assert ent(doc, "OPTIMIZER Smart")._.negated
    assert ent(doc, "ICD")._.negated
    assert not ent(doc, "CCM generator")._.negated


def test_a_step_the_team_decided_to_stop_before_was_not_done(nlp, ent):
    doc = nlp("Two septal leads were placed. Decision to stop before generator placement.")
    assert ent(doc, "generator")._.negated
    assert ent(doc, "generator")._.action == "none"


def test_a_not_placed_list_negates_what_it_lists(nlp, ent):
    doc = nlp("Placed today: RV lead and LS lead.\nNot placed: generator\n")
    assert ent(doc, "generator")._.negated
    assert not ent(doc, "RV lead")._.negated


def test_a_deferred_step_and_a_plan_to_bring_the_patient_back_are_not_done_today(nlp, ent):
    doc = nlp("Procedures: 1. Two septal leads. 2. Deferral of generator implantation.\n"
              "The plan is to bring her back in two weeks, reopen the pocket and connect the "
              "generator to the two leads placed today.")
    assert ent(doc, "generator")._.negated
    assert ent(doc, "generator", 1)._.hypothetical
    assert not ent(doc, "two leads")._.hypothetical  # placed today


def test_a_denial_after_its_own_verb_does_not_reach_back_into_the_clause_before(nlp, ent):
    doc = nlp("CCM implant attempted. Two ventricular leads placed, generator not implanted "
              "because of hypotension.")
    assert ent(doc, "generator")._.negated
    assert not ent(doc, "Two ventricular leads")._.negated
    assert ent(doc, "Two ventricular leads")._.action == "inserted"


def test_no_other_devices_and_no_icd_do_not_negate_the_ccm_system_after_them(nlp, ent):
    doc = nlp("No other implanted devices, first CCM system planned. Eighty year old, no ICD "
              "comma came for c c m implant.")
    assert not ent(doc, "first CCM system")._.negated
    assert not ent(doc, "c c m implant")._.negated
