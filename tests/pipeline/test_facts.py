"""Session facts read off rule-annotated notes (the pipeline without the trained action model)."""

from __future__ import annotations

from nlp.coding_rules import assign_codes
from nlp.facts import affirmed, extract


def codes(nlp, text: str) -> dict[str, int]:
    return assign_codes(extract(nlp(text)).facts).codes


def ent_action(doc, text: str) -> str:
    return next(e for e in doc.ents if e.text == text)._.action


def test_an_explanted_system_replaced_by_a_new_one_is_a_generator_change(nlp):
    text = ("The pocket was opened and the old OPTIMIZER IVs was explanted. The three existing leads were "
            "reconnected to a new OPTIMIZER Smart Mini, which was placed in the pocket.")
    facts = extract(nlp(text)).facts
    assert facts.generator_inserted and facts.generator_removed
    assert codes(nlp, text) == {"0414T": 1}


def test_a_new_system_beside_a_removed_generator_brings_its_own_generator(nlp):
    text = ("The old generator was removed. Two new septal leads were placed and the new CCM system was "
            "implanted. The old leads were capped and abandoned.")
    assert codes(nlp, text) == {"0408T": 1, "0412T": 1}


def test_an_attempted_implant_that_placed_nothing_gets_no_code(nlp):
    text = ("Procedure: Attempted implantation of CCM system (generator and two right ventricular leads). "
            "No venous access could be obtained. No leads were placed and no generator was implanted.")
    assert codes(nlp, text) == {}


def test_a_generator_lifted_out_for_a_lead_repositioning_is_not_a_pocket_relocation(nlp):
    text = ("Repositioning of the dislodged V1 lead. The OPTIMIZER IVs generator was repositioned out of the "
            "pocket and the V1 lead was disconnected. The V1 lead was repositioned to the mid septum and "
            "reconnected.")
    assert codes(nlp, text) == {"0415T": 1}


def test_a_generator_taken_out_and_reconnected_as_the_original_is_kept(nlp):
    text = ("The OPTIMIZER III IPG was taken out and kept aside. Both old leads were removed. Two new leads "
            "were connected to the original IPG, and the generator was secured to the fascia.")
    doc = nlp(text)
    assert ent_action(doc, "original IPG") == "retained"
    assert ent_action(doc, "generator") == "inserted"
    assert codes(nlp, text) == {"0411T": 2, "0413T": 2}


def test_a_generator_moved_to_a_new_pocket_is_a_pocket_relocation(nlp):
    text = ("Pocket revision: the OPTIMIZER Smart generator was repositioned into a new subpectoral pocket. "
            "Both septal leads were left in place.")
    assert codes(nlp, text) == {"0416T": 1}


def test_a_generator_kept_during_testing_then_explanted_is_removed(nlp):
    text = ("Explant of the CCM system generator. The generator was left in place while the leads were tested. "
            "The generator was then explanted and not replaced. Both leads were capped and abandoned.")
    assert codes(nlp, text) == {"0412T": 1}


def test_a_new_named_system_is_a_new_generator_beside_a_kept_generator_mention(nlp):
    text = ("CCM system replacement. The old generator was removed and both old leads were capped and abandoned. "
            "Two new septal leads were placed. A new OPTIMIZER Smart was implanted; the leads were connected to "
            "the generator, which was kept in the pocket.")
    assert codes(nlp, text) == {"0408T": 1, "0412T": 1}


def test_a_named_lead_the_note_keeps_is_not_new_beside_a_lead_called_new(nlp):
    text = ("The old V1 lead was extracted. The existing V2 lead was left in place. A new V1 lead was "
            "implanted on the anterior septum. New V1 lead and V2 lead were connected to the generator.")
    facts = extract(nlp(text)).facts
    assert (facts.ventricular_inserted, facts.ventricular_removed, facts.ventricular_retained) == (1, 1, 1)
    assert codes(nlp, text) == {"0411T": 1, "0413T": 1}


def test_a_new_generator_with_no_kept_leads_takes_the_leads_the_model_was_unsure_of(nlp):
    doc = nlp("CCM implant, left side. Lead 1 was placed on the high septum. Lead 2 was placed "
              "on the low septum. The new OPTIMIZER Smart Mini generator was placed in the pocket.")
    leads = [e for e in doc.ents if e.label_ == "LEAD"]
    assert [e._.action for e in leads] == ["inserted", "inserted"]
    for lead in leads:  # as the trained action model might score a terse note
        lead._.action_p = 0.55
    facts = extract(doc).facts
    assert facts.generator_inserted and facts.ventricular_inserted == 2
    assert assign_codes(facts).codes == {"0408T": 1}


def test_both_leads_beside_leads_surely_kept_are_the_kept_ones(nlp):
    text = ("Implant of CCM pulse generator with connection to the existing RV septal leads. The new "
            "generator was connected to both leads and placed in the pocket.")
    doc = nlp(text)
    assert ent_action(doc, "both leads") == "inserted"
    assert codes(nlp, text) == {"0409T": 1}
    unsure = nlp(text)
    next(e for e in unsure.ents if e.text == "existing RV septal leads")._.action_p = 0.7
    assert assign_codes(extract(unsure).facts).codes == {"0408T": 1}


def test_in_a_pocket_relocation_a_lead_is_repositioned_only_where_its_sentence_moves_it(nlp):
    looped = nlp("The CCM generator was relocated to a new subpectoral pocket. It was reconnected to the "
                 "same leads, with the extra lead length looped under the muscle.")
    for lead in (e for e in looped.ents if e.label_ == "LEAD"):
        lead._.action = "repositioned"  # as the trained action model may say in a relocation note
    assert assign_codes(extract(looped).facts).codes == {"0416T": 1}
    moved = "The CCM generator was relocated to a new subpectoral pocket. The dislodged V1 lead was " \
            "repositioned to the mid septum."
    assert codes(nlp, moved) == {"0415T": 1, "0416T": 1}


def test_a_ccm_check_planned_for_a_later_visit_is_no_evaluation_today(nlp):
    planned = ("ICD generator change today. She has an OPTIMIZER Smart on the right; the CCM device will "
               "be checked at her next device clinic visit.")
    assert codes(nlp, planned) == {}
    today = "Device clinic visit. The OPTIMIZER Smart generator was interrogated; no changes were made."
    assert codes(nlp, today) == {"0418T": 1}


def test_a_ccm_device_neither_interrogated_nor_reprogrammed_has_no_evaluation(nlp):
    text = ("ICD generator change today. The OPTIMIZER Smart generator was neither interrogated nor "
            "reprogrammed during this procedure.")
    assert codes(nlp, text) == {}
    doc = nlp("I didn't interrogate the OPTIMIZER Smart. I did interrogate the ICD.")
    visits = [s for s in doc.spans["cues"] if s.label_ == "VISIT"]
    assert [affirmed(s) for s in visits] == [False, True]


def test_a_ccm_device_interrogated_with_nothing_reprogrammed_is_an_interrogation(nlp):
    text = ("ICD implant today. At the end of the case the OPTIMIZER III was interrogated with the OMNI II "
            "programmer. CCM settings were left at 7.0 V; nothing was reprogrammed.")
    assert codes(nlp, text) == {"0418T": 1}


def test_a_letter_that_checked_her_ccm_device_during_other_work_is_an_interrogation(nlp):
    text = ("A new CRT-D was implanted on the left. At the end we checked your OPTIMIZER with its programmer. "
            "We did not change any of its settings.")
    assert codes(nlp, text) == {"0418T": 1}


def test_a_partial_implant_is_flagged_partial(nlp):
    text = "Two septal leads were placed. The implant was only partly completed because of a pocket hematoma."
    result = assign_codes(extract(nlp(text)).facts)
    assert result.codes == {"0411T": 2}
    assert result.flags == ["partial"]


def test_one_new_lead_named_two_ways_beside_a_kept_lead_is_one_new_lead(nlp):
    text = ("The old OPTIMIZER Smart generator was explanted. The chronic V1 lead was tested and kept. "
            "The chronic V2 lead was capped and abandoned. The new lead was advanced to the high septum and "
            "withdrawn; the new RV septal lead was then screwed into the mid septum. "
            "A new OPTIMIZER Smart generator was implanted.")
    assert codes(nlp, text) == {"0411T": 1, "0414T": 1}


def test_a_new_lead_of_no_named_chamber_beside_two_kept_septal_leads_is_atrial(nlp):
    text = ("The pocket was opened over the OPTIMIZER generator. A new lead was passed through the "
            "axillary vein. The old atrial lead was capped. The V1 lead and the V2 lead were tested "
            "and left in place, and the generator was put back.")
    assert codes(nlp, text) == {"0410T": 1}


def test_leads_described_in_a_note_that_denies_new_leads_are_the_old_ones(nlp):
    text = ("The pocket was opened and the two capped leads were found. No new leads were needed. "
            "The RV lead was placed on the header and the LS lead was inserted into the header. "
            "A new OPTIMIZER Smart Mini generator was implanted.")
    assert codes(nlp, text) == {"0409T": 1}


def test_a_bare_lead_pointing_back_to_the_icd_lead_in_icd_work_is_the_icds(nlp):
    icd_work = ("Replacement of ICD lead. Her OPTIMIZER Smart is in the right chest. The left ICD pocket was "
                "opened and the failed ICD lead disconnected. The lead was extracted with a locking stylet. "
                "A new ICD lead was placed and connected to the ICD generator.")
    assert codes(nlp, icd_work) == {}
    ccm_work = ("New CCM system beside her ICD. The ICD was interrogated and therapies disabled. Two new "
                "septal leads were placed. The lead positions were confirmed. The new OPTIMIZER Smart "
                "generator was implanted.")
    assert codes(nlp, ccm_work) == {"0408T": 1}


def test_a_bare_lead_after_new_defibrillation_hardware_is_the_icds(nlp):
    text = ("Her OPTIMIZER Smart is on the left; V1 and V2 were left alone. The right ICD pocket was "
            "opened and the ICD generator disconnected. A new RV defibrillation lead was placed. "
            "The fractured lead was unscrewed and withdrawn.")
    assert codes(nlp, text) == {}


def test_chamber_leads_listed_after_a_new_pacemaker_are_the_pacemakers(nlp):
    pacemaker_work = ("Dual-chamber pacemaker implant. CCM therapy off for the case; CCM leads not touched.\n"
                      "Hardware implanted:\n- Medtronic dual-chamber pacemaker\n- Medtronic RA lead\n"
                      "- Medtronic RV lead\n")
    assert codes(nlp, pacemaker_work) == {}
    ccm_lead = "ICD generator change today. The ICD was replaced. A new V1 lead was added to her CCM system."
    assert codes(nlp, ccm_lead) == {"0411T": 1}


def test_a_speech_recognised_generator_change_title_is_a_generator_change_cue(nlp):
    doc = nlp("procedure generate her change for recall advisory period")
    assert [s.label_ for s in doc.spans["cues"]] == ["TITLE_GENERATOR_CHANGE"]


def test_leads_numbered_after_their_mention_are_told_apart(nlp):
    explant = ("CCM system explant. The OPTIMIZER generator was explanted. Existing RV lead #1 removed with "
               "a locking stylet, intact. Existing RV lead #2 extracted, tip intact.")
    assert codes(nlp, explant) == {"0412T": 1, "0413T": 2}
    brand_new = "CCM lead replacement. Both old leads were capped. I then put in two brand new septal leads."
    assert codes(nlp, brand_new)["0411T"] == 2


def test_a_numbered_lead_implanted_beside_kept_leads_is_new(nlp):
    text = ("CCM generator change. The OPTIMIZER IVs generator was explanted. The chronic "
            "RV lead #1 was tested and kept. The chronic RV lead #2 was capped and abandoned. Lead #3 was "
            "implanted, R wave 13 mV. A new OPTIMIZER Smart Mini generator was implanted.")
    assert codes(nlp, text) == {"0411T": 1, "0414T": 1}


def test_a_generator_named_by_its_speech_recognised_brand_is_ccm_hardware(nlp):
    text = "two new leads were placed and connected to a new opt miser generator period"
    assert codes(nlp, text) == {"0408T": 1}


def test_with_no_sure_session_work_a_lead_the_model_was_unsure_had_moved_was_moved(nlp):
    text = ("The pocket over the OPTIMIZER generator was opened. The chronic lead #1 was repositioned to "
            "the anterior mid septum. The existing RV lead #2 was tested and kept.")
    doc = nlp(text)
    next(e for e in doc.ents if e.text == "chronic lead")._.action_p = 0.5
    assert assign_codes(extract(doc).facts).codes == {"0415T": 1}


def test_lead_names_dictated_letter_by_letter_tell_leads_apart(nlp):
    text = ("c c m system period the old generator removed from the pocket period the r v lead was extracted "
            "with traction period the l s lead was also extracted period")
    assert codes(nlp, text)["0413T"] == 2
