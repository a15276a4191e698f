"""The pre-screen drops no CCM note: every corpus and dev note with CCM hardware or codes passes."""

import json
from pathlib import Path

import pytest

from corpus import build
from nlp.prescreen import may_be_ccm

CCM_PARTS = {"CCM_SYSTEM", "PULSE_GENERATOR", "ATRIAL_LEAD", "VENTRICULAR_LEAD", "LEAD"}
SHARED = Path(__file__).resolve().parents[2] / "shared"


def is_ccm(record: dict, labels) -> bool:
    return bool(record["codes"] or record["flags"] or CCM_PARTS & set(labels))


def test_every_ccm_note_of_the_corpus_passes():
    splits = build.build(seed=11, per_scenario=4)
    notes = [r for records in splits.values() for r in records]
    ccm = [r for r in notes if is_ccm(r, (s["label"] for s in r["spans"]))]
    assert len(ccm) > 500
    assert [r["id"] for r in ccm if not may_be_ccm(r["text"])] == []


@pytest.mark.skipif(not (SHARED / "dev-notes").exists(), reason="shared dev notes not present")
def test_every_ccm_dev_note_passes():
    rows = [json.loads(line) for line in open(SHARED / "dev-notes" / "dev_notes.jsonl")]
    ccm = [r for r in rows if is_ccm(r, (m["label"] for m in r["mentions"]))]
    assert [r["id"] for r in ccm if not may_be_ccm(r["text"])] == []


@pytest.mark.parametrize("text", [
    "Implantation of a cardiac contractility modulation system.",
    "c c m generator change under flora scopy",
    "the opti miser smart mini was interrogated",
    "two septa leads were placed; no generater was implanted today",
    "reconnection to the existing optimize her IVs generate her",
    "the optima miser 3 was relocated; both sept all leds were capped",
    "his old opt to miser four v s was under a recall advisory",
    "no see CM comma no ICD at this time",
    "removal of optimize are 3 generate her",
    "opt miser three put in twenty twenty three",
    "he has the optimize sir 3 since 2014",
    "The V1 LEAD was capped; the Optimizer will follow next week.",
    "We placed a new V1 lead; the generator will follow.",
])
def test_ccm_wording_in_any_spelling_passes(text):
    assert may_be_ccm(text)


@pytest.mark.parametrize("text", [
    "CC: Memory loss. CBC, CMP ordered. Optimize blood pressure.",
    "Echo: normal LV size and contractility, EF 60%.",
    "Epidermal autograft on Integra to the back.",
])
def test_unrelated_notes_are_skipped(text):
    assert not may_be_ccm(text)
