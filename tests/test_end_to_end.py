"""Every coding rule through the whole path: note text -> pipeline -> classifier -> edits -> codes.

The notes are short, hand-written and in several voices; none comes from the corpus
or the dev notes.
"""

import pytest

NOTES = {
    "rule 1 new system": (
        "PROCEDURE: Implantation of a cardiac contractility modulation system.\n"
        "DESCRIPTION: The right axillary vein was accessed under fluoroscopy. Two active-fixation leads "
        "were advanced and screwed into the RV septum, one high and one mid septal, R waves 12 and 10 mV. "
        "A pocket was made in the right pectoral region and the new OPTIMIZER Smart Mini generator was "
        "connected to both leads and placed in the pocket. CCM delivered at 7.5 V without stimulation.",
        {"0408T": 1}, []),
    "rule 1 replacement, old leads capped": (
        "Procedure: removal of the old CCM generator and implantation of a new CCM system.\n"
        "The old OPTIMIZER IVs generator was explanted. Both chronic septal leads were capped and "
        "abandoned in the pocket. Two new RV septal leads were implanted via the left subclavian vein and "
        "connected to a new OPTIMIZER Smart Mini generator.",
        {"0408T": 1, "0412T": 1}, []),
    "rule 2 generator change": (
        "Indication: the OPTIMIZER Smart generator has reached its elective replacement indicator.\n"
        "Procedure: CCM generator change. The pocket was opened and the old generator was removed. "
        "The two existing ventricular leads tested normally and were connected to a new OPTIMIZER "
        "Smart Mini generator. No new leads were placed.",
        {"0414T": 1}, []),
    "rule 2 staged generator": (
        "Staged procedure. Two RV septal CCM leads were implanted three days ago and capped in the pocket "
        "because the generator was not available. Today the pocket was reopened, the existing leads were "
        "tested and connected to a new OPTIMIZER Smart Mini generator, which was placed in the pocket.",
        {"0409T": 1}, []),
    "rule 2 generator change, bullet-point brief": (
        "Procedure\nOld CCM generator explant; new generator\nTechnique\n"
        "- Pocket reopened; old OPTIMIZER IVs generator freed and explanted.\n"
        "- Chronic septal leads x2 tested; kept.\n"
        "- Leads -> new OPTIMIZER Smart IPG; set screws tight.\n"
        "- Layered closure.",
        {"0414T": 1}, []),
    "rule 3 atrial lead added": (
        "Procedure: addition of a right atrial CCM lead.\n"
        "The generator was lifted out of the pocket and left connected to the two existing ventricular "
        "leads. A new atrial lead was screwed into the right atrial appendage via the axillary vein and "
        "connected to the atrial port of the existing generator, which was returned to the pocket.",
        {"0410T": 1}, []),
    "rule 3 ventricular lead replaced, old extracted": (
        "The fractured mid septal CCM lead was extracted with a locking stylet. A new ventricular lead was "
        "positioned on the mid septum and connected to the existing generator together with the chronic "
        "high septal lead, which was retained.",
        {"0411T": 1, "0413T": 1}, []),
    "rule 4 generator change plus a new lead, old one capped": (
        "Procedure: CCM generator replacement and lead revision.\n"
        "The depleted OPTIMIZER III generator was removed from the pocket. The chronic V1 lead tested well "
        "and was kept. The old V2 lead was capped and left in the pocket. A new V2 lead was screwed into the "
        "posterior septum via the cephalic vein. Both leads were connected to a new OPTIMIZER Smart Mini "
        "generator.",
        {"0411T": 1, "0414T": 1}, []),
    "rule 5 full explant": (
        "PROCEDURE: Complete removal of an infected CCM system.\n"
        "The OPTIMIZER Smart generator was explanted and both ventricular leads were extracted intact "
        "with gentle traction. The pocket was debrided and closed.",
        {"0412T": 1, "0413T": 2}, []),
    "rule 6 repositioning": (
        "The high septal CCM lead had dislodged. The pocket was opened, the lead was disconnected, "
        "repositioned to the high septum under fluoroscopy and reconnected to the existing generator. "
        "No new hardware was implanted.",
        {"0415T": 1}, []),
    "rule 7 programming visit": (
        "CCM device clinic visit. The OPTIMIZER Smart Mini was interrogated in person. The patient feels "
        "pulsing in the chest, so the CCM amplitude was reduced from 7.5 V to 6.0 V and the train delay "
        "was adjusted from 35 to 30 ms, with repeated testing after each change.",
        {"0417T": 1}, []),
    "rule 7 interrogation visit": (
        "CCM device clinic visit. The OPTIMIZER Smart was interrogated. Both leads have stable impedance "
        "and sensing. Battery normal. No programming changes were made.",
        {"0418T": 1}, []),
    "rule 8 ICD change in a CCM patient": (
        "Procedure: ICD generator change. The patient also has an OPTIMIZER Smart CCM system on the right, "
        "which was not touched. The depleted ICD generator was removed and a new ICD generator was "
        "connected to the existing defibrillator lead.",
        {}, []),
    "rule 8 chronic care management": (
        "Chronic care management (CCM) monthly note: 20 minutes of care coordination for heart failure "
        "and diabetes; medications reconciled; follow-up in one month.",
        {}, []),
    "rule 9 CCM-D": (
        "Implantation of an OPTIMIZER Integra CCM-D system: two RV septal leads were placed via the axillary "
        "vein and connected to the new Integra generator in a left pectoral pocket.",
        {}, ["ccm_d_out_of_scope"]),
    "rule 10 partial: a lead placed, no generator": (
        "Procedure: CCM system implant, leads only (incomplete).\n"
        "Through the axillary vein we screwed a new RV lead into the high septum. A pocket haematoma began "
        "to form, so we stopped: the lead was capped and left in the pocket and no generator was implanted "
        "today.",
        {"0411T": 1}, ["partial"]),
    "rule 10 aborted": (
        "Planned CCM implant. Venogram showed an occluded subclavian vein and no venous access could be "
        "obtained. The procedure was aborted. No leads or generator were implanted.",
        {}, ["aborted"]),
}


@pytest.fixture(scope="module")
def coder():
    import nlp

    return nlp.load()


@pytest.mark.parametrize("name", list(NOTES))
def test_rule_through_the_whole_path(coder, name):
    text, codes, flags = NOTES[name]
    result = coder.code(text, id=name)
    assert result.status == "ok"
    assert result.code_units == codes, name
    for flag in flags:
        assert flag in result.flags, name


def test_every_code_has_evidence_inside_the_note(coder):
    text = NOTES["rule 1 new system"][0]
    result = coder.code(text)
    for code in result.codes:
        assert code.evidence, code.code
        for ev in code.evidence:
            assert text[ev.start:ev.end] == ev.text
        assert 0.0 <= code.confidence <= 1.0


def test_result_dict_has_the_public_schema(coder):
    result = coder.code(NOTES["rule 2 generator change"][0], id="n1").to_dict()
    assert list(result) == ["id", "status", "codes", "flags", "entities", "error", "model"]
    assert result["id"] == "n1" and result["error"] is None
    assert set(result["model"]) == {"name", "version", "sha256"}
    entity = result["entities"][0]
    assert {"label", "start", "end", "text", "action", "negated", "historical", "hypothetical",
            "count", "section"} <= set(entity)


def test_pipe_accepts_strings_pairs_and_dicts_in_order(coder):
    texts = [NOTES[n][0] for n in ("rule 2 generator change", "rule 8 chronic care management")]
    as_strings = list(coder.pipe(texts))
    as_pairs = list(coder.pipe([("a", texts[0]), ("b", texts[1])]))
    as_dicts = list(coder.pipe([{"id": "a", "text": texts[0]}, {"id": "b", "text": texts[1]}]))
    assert [r.id for r in as_strings] == ["0", "1"]
    assert [r.id for r in as_pairs] == [r.id for r in as_dicts] == ["a", "b"]
    assert [r.code_units for r in as_strings] == [r.code_units for r in as_pairs] == \
        [r.code_units for r in as_dicts]


def test_pipe_keeps_order_with_two_processes(coder):
    items = [(f"n{i}", NOTES[name][0]) for i, name in enumerate(NOTES)]
    one = [r.to_dict() for r in coder.pipe(items, batch_size=3)]
    two = [r.to_dict() for r in coder.pipe(items, batch_size=3, n_process=2)]
    assert one == two


def test_notes_without_ccm_signal_skip_the_pipeline_but_keep_their_record(coder):
    result = coder.code("Routine colonoscopy, no polyps.", id="x")
    assert result.status == "ok" and result.codes == [] and result.entities == []
