from __future__ import annotations

import json

import spacy

from nlp.pipeline import PIPELINE_COMPONENTS, entity_records

TEXTS = [
    ("PROCEDURE: CCM system implant.\nThe right axillary vein was punctured under fluoroscopy. Two RV "
    "septal leads were advanced; no atrial lead was placed. A new OPTIMIZER Smart Mini IPG was placed "
    "in the right pectoral pocket. The existing ICD was left untouched."),
    "Device clinic: the Optimizer was interrogated, CCM implanted in 2020.",
    "PLAN:\nWe will schedule a generator change.",
    "[x] RV lead #1   [ ] RA lead",
    "the old generator was removed period the leads were reconnected to the new i p g period",
]

KEYS = {"label", "start", "end", "text", "action", "negated", "historical", "hypothetical", "count",
        "section", "chamber"}


def test_records_have_the_public_keys(nlp):
    records = entity_records(nlp(TEXTS[0]))
    assert records and all(set(r) == KEYS for r in records)
    json.dumps(records)  # plain JSON values
    approach = [r for r in records if r["label"] in {"VENOUS_ACCESS", "IMAGING", "POCKET"}]
    assert approach and all(r["action"] == "none" for r in approach)
    text = TEXTS[0]
    assert all(text[r["start"]:r["end"]] == r["text"] for r in records)


def test_pipeline_components_in_order(nlp):
    # the extraction components first, in order; build_pipeline appends the cue ruler
    assert nlp.pipe_names[:len(PIPELINE_COMPONENTS)] == PIPELINE_COMPONENTS


def test_to_disk_and_spacy_load_round_trip(nlp, tmp_path):
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "ccm_terminology" / "terminology_patterns.jsonl").exists()
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.pipe_names == nlp.pipe_names
    before = [entity_records(d) for d in nlp.pipe(TEXTS)]
    after = [entity_records(d) for d in loaded.pipe(TEXTS)]
    assert before == after
    assert any(before)


def test_multiprocessing_gives_identical_output(nlp):
    single = [entity_records(d) for d in nlp.pipe(TEXTS, n_process=1)]
    multi = [entity_records(d) for d in nlp.pipe(TEXTS, n_process=2, batch_size=2)]
    assert single == multi
    assert any(r["negated"] for recs in multi for r in recs)


def test_docs_survive_bytes_round_trip(nlp):
    from spacy.tokens import Doc

    doc = nlp(TEXTS[0])
    copy = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert entity_records(copy) == entity_records(doc)
    assert "_ccm_token_arrays" not in doc.user_data
