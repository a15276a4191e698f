"""Table tests: every numbered rule of shared/spec/coding-rules.md, one row per case."""

import pytest

from nlp.coding_rules import (
    CodingPolicy,
    SessionFacts,
    apply_bundling,
    assign_codes,
    code_units,
)

F = SessionFacts

CASES = [
    # rule 1: full system
    ("S1 new system, 2 V leads", F(generator_inserted=True, ventricular_inserted=2), {"0408T": 1}, []),
    ("S2 new system + RA lead", F(generator_inserted=True, ventricular_inserted=2, atrial_inserted=1),
     {"0408T": 1}, []),
    ("S22 replacement, old leads capped",
     F(generator_inserted=True, generator_removed=True, ventricular_inserted=2, ventricular_abandoned=2),
     {"0408T": 1, "0412T": 1}, []),
    ("S22 replacement, old leads extracted",
     F(generator_inserted=True, generator_removed=True, ventricular_inserted=2, ventricular_removed=2),
     {"0408T": 1, "0412T": 1, "0413T": 2}, []),
    ("rule 1 excludes evaluation", F(generator_inserted=True, ventricular_inserted=2, evaluation="programming"),
     {"0408T": 1}, []),
    # rule 2: generator only
    ("S4 staged generator", F(generator_inserted=True, ventricular_retained=2), {"0409T": 1}, []),
    ("S5 generator change", F(generator_inserted=True, generator_removed=True, ventricular_retained=2,
                             atrial_retained=1), {"0414T": 1}, []),
    ("generator change + lead extracted, not replaced",
     F(generator_inserted=True, generator_removed=True, ventricular_retained=1, ventricular_removed=1),
     {"0414T": 1, "0413T": 1}, []),
    # rule 3: electrodes only
    ("S6 atrial lead added", F(atrial_inserted=1, ventricular_retained=2), {"0410T": 1}, []),
    ("S7 atrial replaced, old capped", F(atrial_inserted=1, atrial_abandoned=1, ventricular_retained=2),
     {"0410T": 1}, []),
    ("S8 V lead replaced, old extracted", F(ventricular_inserted=1, ventricular_removed=1,
                                           ventricular_retained=1), {"0411T": 1, "0413T": 1}, []),
    ("S9 V lead replaced, old capped", F(ventricular_inserted=1, ventricular_abandoned=1,
                                        ventricular_retained=1), {"0411T": 1}, []),
    ("S10 both V leads replaced", F(ventricular_inserted=2, ventricular_abandoned=2), {"0411T": 2}, []),
    ("atrial + ventricular added", F(atrial_inserted=1, ventricular_inserted=1, ventricular_retained=1),
     {"0410T": 1, "0411T": 1}, []),
    # rule 4: generator change plus new electrodes, old ones kept
    ("S12 generator change + new V lead",
     F(generator_inserted=True, generator_removed=True, ventricular_inserted=1, ventricular_retained=1,
       ventricular_abandoned=1), {"0414T": 1, "0411T": 1}, []),
    ("S12 with old lead extracted",
     F(generator_inserted=True, generator_removed=True, ventricular_inserted=1, ventricular_retained=1,
       ventricular_removed=1), {"0414T": 1, "0411T": 1, "0413T": 1}, []),
    ("rule 4 all electrodes new is rule 1",
     F(generator_inserted=True, generator_removed=True, ventricular_inserted=2, ventricular_removed=2),
     {"0408T": 1, "0412T": 1, "0413T": 2}, []),
    # rule 5: removal only
    ("S13 full explant", F(generator_removed=True, ventricular_removed=2, atrial_removed=1),
     {"0412T": 1, "0413T": 3}, []),
    ("generator removed only", F(generator_removed=True, ventricular_retained=2), {"0412T": 1}, []),
    ("one lead extracted only", F(ventricular_removed=1, ventricular_retained=1), {"0413T": 1}, []),
    # rule 6
    ("S11 repositioned", F(repositioned=1, ventricular_retained=1), {"0415T": 1}, []),
    ("two repositioned", F(repositioned=2), {"0415T": 2}, []),
    ("S14 pocket relocation", F(pocket_relocated=True, ventricular_retained=2), {"0416T": 1}, []),
    ("pocket relocation with generator change",
     F(generator_inserted=True, generator_removed=True, pocket_relocated=True, ventricular_retained=2),
     {"0414T": 1, "0416T": 1}, []),
    # rule 7
    ("S15 programming", F(evaluation="programming", ventricular_retained=2), {"0417T": 1}, []),
    ("S15 interrogation", F(evaluation="interrogation"), {"0418T": 1}, []),
    ("evaluation bundled into generator change",
     F(generator_inserted=True, generator_removed=True, evaluation="interrogation"), {"0414T": 1}, []),
    ("evaluation with lead-only work is bundled", F(ventricular_inserted=1, evaluation="programming"),
     {"0411T": 1}, []),
    ("evaluation with a repositioning is not bundled", F(repositioned=1, evaluation="interrogation"),
     {"0415T": 1, "0418T": 1}, []),
    # rule 8
    ("S16 ICD work, CCM untouched", F(device_family="ccm"), {}, []),
    ("S16 CCM interrogated during ICD work", F(evaluation="interrogation"), {"0418T": 1}, []),
    ("S17 other device", F(device_family="other", generator_inserted=True), {}, []),
    ("S18 chronic care management", F(device_family="none"), {}, []),
    # rule 9
    ("S21 CCM-D", F(device_family="ccm_d", generator_inserted=True, ventricular_inserted=2), {},
     ["ccm_d_out_of_scope"]),
    # rule 10
    ("S19 aborted", F(stopped_early=True), {}, ["aborted"]),
    ("S20 partial", F(stopped_early=True, ventricular_inserted=2), {"0411T": 2}, ["partial"]),
    ("S24 consult", F(), {}, []),
]


@pytest.mark.parametrize("facts,codes,flags", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rules_table(facts, codes, flags):
    result = assign_codes(facts)
    assert result.codes == codes
    assert sorted(result.flags) == sorted(flags)


def test_policy_units_can_be_switched_off():
    policy = CodingPolicy(ventricular_units_per_electrode=False, removal_units_per_electrode=False,
                          reposition_units_per_electrode=False)
    facts = F(ventricular_inserted=2, atrial_removed=1, ventricular_removed=1, repositioned=2)
    assert assign_codes(facts, policy).codes == {"0411T": 1, "0413T": 1, "0415T": 1}


def test_policy_generator_change_plus_leads_as_full_system():
    policy = CodingPolicy(generator_change_plus_electrodes_as_0414t=False)
    facts = F(generator_inserted=True, generator_removed=True, ventricular_inserted=1, ventricular_retained=1)
    assert assign_codes(facts, policy).codes == {"0408T": 1, "0412T": 1}


@pytest.mark.parametrize("codes,expected", [
    ({"0408T": 1, "0409T": 1, "0411T": 2, "0417T": 1}, {"0408T": 1}),
    ({"0414T": 1, "0418T": 1}, {"0414T": 1}),
    ({"0417T": 1, "0418T": 1}, {"0417T": 1}),
    ({"0412T": 1, "0413T": 2, "0418T": 1}, {"0412T": 1, "0413T": 2, "0418T": 1}),
])
def test_bundling_edits(codes, expected):
    assert apply_bundling(codes) == expected


def test_facts_validate_counts():
    with pytest.raises(ValueError):
        F(ventricular_inserted=-1)
    with pytest.raises(ValueError):
        F(evaluation="maybe")


def test_facts_round_trip_dict():
    facts = F(generator_inserted=True, ventricular_inserted=2, evaluation="programming")
    assert F.from_dict(facts.to_dict()) == facts


def test_code_units_count_electrodes_only_where_the_policy_does():
    facts = F(ventricular_inserted=2, ventricular_removed=1)
    assert (code_units("0411T", facts), code_units("0413T", facts), code_units("0415T", facts)) == (2, 1, 1)
    no_counts = CodingPolicy(ventricular_units_per_electrode=False)
    assert code_units("0411T", facts, no_counts) == 1
