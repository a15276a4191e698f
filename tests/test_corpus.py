"""The synthetic corpus: deterministic, token-aligned, complete, and labelled by the coding rules."""

import json
import random

import pytest
import spacy

from corpus import build, markup
from corpus.facts import NoteFacts, session_facts
from corpus.factsheet import sheets
from corpus.families import all_families
from corpus.scenarios import SCENARIOS, sample
from nlp.coding_rules import SessionFacts, assign_codes

PER_SCENARIO = 2


@pytest.fixture(scope="module")
def splits():
    return build.build(seed=5, per_scenario=PER_SCENARIO)


@pytest.fixture(scope="module")
def tokenizer():
    return spacy.blank("en")


def all_records(splits):
    return [r for records in splits.values() for r in records]


def test_generator_is_deterministic(splits):
    again = build.build(seed=5, per_scenario=PER_SCENARIO)
    assert json.dumps(again, sort_keys=True) == json.dumps(splits, sort_keys=True)


def test_another_seed_gives_other_notes(splits):
    other = build.build(seed=6, per_scenario=1)
    texts = {r["text"] for r in all_records(splits)}
    assert sum(r["text"] in texts for r in all_records(other) if r["source"] == "family") == 0


def test_spans_are_token_aligned_and_equal_their_slice(splits, tokenizer):
    for r in all_records(splits):
        doc = tokenizer.make_doc(r["text"])
        for s in r["spans"]:
            assert r["text"][s["start"]:s["end"]] == s["text"], r["id"]
            assert doc.char_span(s["start"], s["end"]) is not None, (r["id"], s)
            assert s["label"] in markup.LABELS
            assert s["action"] in markup.ACTIONS


def test_no_markup_left_in_text(splits):
    for r in all_records(splits):
        assert "](" not in r["text"], r["id"]


def test_every_scenario_in_every_split(splits):
    for name, records in splits.items():
        assert {r["scenario"] for r in records} == set(SCENARIOS), name


def test_splits_share_no_family_or_writer(splits):
    owners = [{r["family"] for r in records} for records in splits.values()]
    assert not (owners[0] & owners[1] or owners[0] & owners[2] or owners[1] & owners[2])


def test_gold_codes_come_from_the_coding_rules(splits):
    for r in all_records(splits):
        gold = assign_codes(SessionFacts.from_dict(r["facts"]))
        assert r["codes"] == gold.codes and r["flags"] == sorted(gold.flags), r["id"]


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_every_family_renders_every_scenario(scenario):
    for name, family in all_families().items():
        rng = random.Random(f"test:{name}:{scenario}")
        facts = sample(scenario, rng)
        annotated = markup.render(markup.parse(family.render(facts, rng)))
        assert len(annotated.text) > 100, (name, scenario)
        if scenario != "S18":  # "CCM" = chronic care management may name no device at all
            assert annotated.spans, (name, scenario)


def test_facts_round_trip_and_reduce():
    facts = sample("S12", random.Random(3))
    assert NoteFacts.from_dict(facts.to_dict()) == facts
    reduced = session_facts(facts)
    assert reduced.generator_inserted and reduced.generator_removed and reduced.ventricular_inserted == 1


def test_markup_rejects_unknown_labels_and_actions():
    with pytest.raises(markup.MarkupError):
        markup.parse("[x](NOT_A_LABEL)")
    with pytest.raises(markup.MarkupError):
        markup.parse("[lead](LEAD|exploded)")
    with pytest.raises(markup.MarkupError):
        markup.parse("[lead](LEAD|inserted|negated)")


def test_markup_render_offsets():
    annotated = markup.render(markup.parse("Two [RV leads](VENTRICULAR_LEAD|inserted|count=2) via "
                                           "[axillary vein](VENOUS_ACCESS)."))
    assert annotated.text == "Two RV leads via axillary vein."
    first, second = annotated.spans
    assert (first.text, first.count, first.action) == ("RV leads", 2, "inserted")
    assert annotated.text[second.start:second.end] == "axillary vein"


def test_fact_sheets_for_chosen_scenarios_carry_the_rules_codes():
    chosen = sheets(seed=5, per_scenario=2, scenarios=["S12", "S22"])
    assert [s["scenario"] for s in chosen] == ["S12", "S12", "S22", "S22"]
    for sheet in chosen:
        assert sheet["gold"] == assign_codes(session_facts(NoteFacts.from_dict(sheet["facts"]))).to_dict()
    with pytest.raises(ValueError, match="S99"):
        sheets(seed=5, per_scenario=1, scenarios=["S99"])


@pytest.mark.parametrize("scenario", ["S4", "S5", "S8", "S9", "S10", "S12", "S13", "S22"])
def test_old_leads_implanted_together_share_their_year(scenario):
    for seed in range(20):
        facts = sample(scenario, random.Random(seed))
        years = {lead.implant_year for lead in facts.leads if lead.implant_year is not None}
        assert len(years) == 1
        assert facts.original_implant_year in (None, *years)
