"""nlp.gold: a site's labelled notes validated row by row, and turned into training records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp import gold
from nlp.gold import GoldError, Problem, load_gold, to_training_records, validate, validate_row

ROOT = Path(__file__).resolve().parent.parent
DEV_NOTES = ROOT.parent / "shared" / "dev-notes" / "dev_notes.jsonl"
CANARY = "CANARY-PHI-7f3a9c"

TEXT = (f"Patient {CANARY}. A new OPTIMIZER Smart generator was implanted with two RV septal leads "
        "via the right axillary vein under fluoroscopy. The RV septal leads were fixed at the mid "
        "septum. The ICD was left in place.")


def row(**changes) -> dict:
    base = {
        "id": "site-1",
        "text": TEXT,
        "codes": {"0408T": 1},
        "flags": [],
        "mentions": [
            {"text": "OPTIMIZER Smart generator", "label": "PULSE_GENERATOR", "action": "inserted"},
            {"text": "two RV septal leads", "label": "VENTRICULAR_LEAD", "action": "inserted"},
            {"text": "right axillary vein", "label": "VENOUS_ACCESS"},
            {"text": "fluoroscopy", "label": "IMAGING"},
            {"text": "RV septal leads", "label": "VENTRICULAR_LEAD", "action": "inserted"},
            {"text": "mid septum", "label": "LEAD_POSITION"},
            {"text": "ICD", "label": "OTHER_DEVICE", "action": "retained"},
        ],
    }
    base.update(changes)
    return base


def problems_of(r: dict) -> list[Problem]:
    return validate_row(r, 1)


def errors_of(r: dict) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in problems_of(r) if p.severity == gold.ERROR]


def warnings_of(r: dict) -> list[tuple[str, str]]:
    return [(p.field, p.message) for p in problems_of(r) if p.severity == gold.WARNING]


def test_a_good_row_has_no_problems() -> None:
    assert problems_of(row()) == []


def test_a_row_without_mentions_or_flags_is_fine() -> None:
    r = row()
    del r["mentions"], r["flags"]
    assert problems_of(r) == []


@pytest.mark.parametrize("changes, field, fragment", [
    ({"id": ""}, "id", "non-empty"),
    ({"id": None}, "id", "non-empty"),
    ({"text": ""}, "text", "non-empty"),
    ({"text": 42}, "text", "non-empty"),
    ({"codes": ["0408T"]}, "codes", "object"),
    ({"codes": {"0419T": 1}}, "codes.0419T", "unknown code"),
    ({"codes": {"0408T": 0}}, "codes.0408T", "positive integer"),
    ({"codes": {"0408T": True}}, "codes.0408T", "positive integer"),
    ({"codes": {"0408T": "1"}}, "codes.0408T", "positive integer"),
    ({"codes": {"0408T": 2}}, "codes.0408T", "1 unit"),
    ({"flags": "partial"}, "flags", "list"),
    ({"flags": ["maybe"]}, "flags[0]", "unknown flag"),
    ({"mentions": {}}, "mentions", "list"),
    ({"mentions": ["generator"]}, "mentions[0]", "object"),
])
def test_schema_errors(changes: dict, field: str, fragment: str) -> None:
    found = errors_of(row(**changes))
    assert any(f == field and fragment in m for f, m in found), found


def test_missing_fields() -> None:
    r = row()
    del r["id"], r["text"], r["codes"]
    fields = {f for f, _ in errors_of(r)}
    assert {"id", "text", "codes"} <= fields


def test_integer_ids_are_accepted() -> None:
    assert problems_of(row(id=7)) == []


@pytest.mark.parametrize("mention, field, fragment", [
    ({"text": "OPTIMIZER Smart Mini", "label": "CCM_SYSTEM", "action": "inserted"}, ".text", "not found"),
    ({"text": "", "label": "CCM_SYSTEM", "action": "inserted"}, ".text", "non-empty"),
    ({"text": "ICD", "label": "DEFIBRILLATOR", "action": "retained"}, ".label", "unknown label"),
    ({"text": "ICD", "label": "OTHER_DEVICE", "action": "explanted"}, ".action", "unknown action"),
    ({"text": "fluoroscopy", "label": "IMAGING", "action": "inserted"}, ".action", "no action"),
    ({"text": "ICD", "label": "OTHER_DEVICE", "action": "retained", "negated": True}, ".action", "'none'"),
    ({"text": "ICD", "label": "OTHER_DEVICE", "action": "none", "negated": "yes"}, ".negated", "true or false"),
    ({"text": "ICD", "label": "OTHER_DEVICE", "action": "none", "count": 0}, ".count", "positive"),
])
def test_mention_errors(mention: dict, field: str, fragment: str) -> None:
    r = row()
    r["mentions"] = r["mentions"] + [mention]
    found = errors_of(r)
    where = f"mentions[{len(r['mentions']) - 1}]"
    assert any(f == where + field and fragment in m for f, m in found), found


def test_mention_text_must_match_exactly() -> None:
    r = row()
    r["mentions"][0] = dict(r["mentions"][0], text="optimizer smart generator")
    assert ("mentions[0].text", "not found in the note text (must be an exact substring)") in errors_of(r)


@pytest.mark.parametrize("codes", [
    {"0408T": 1, "0411T": 2},
    {"0408T": 1, "0409T": 1},
    {"0414T": 1, "0417T": 1},
    {"0417T": 1, "0418T": 1},
    {"0410T": 1, "0418T": 1},
])
def test_bundled_pairs_are_errors(codes: dict) -> None:
    found = errors_of(row(codes=codes, mentions=[]))
    assert any(f == "codes" and "bundling" in m for f, m in found), found


def test_allowed_combinations_are_not_bundling_errors() -> None:
    for codes in ({"0408T": 1, "0412T": 1, "0413T": 2}, {"0414T": 1, "0411T": 1},
                  {"0411T": 1, "0413T": 1}, {"0412T": 1, "0413T": 3}, {"0416T": 1, "0415T": 2}):
        assert errors_of(row(codes=codes, mentions=[])) == []


@pytest.mark.parametrize("codes, flags, fragment", [
    ({"0409T": 1}, ["aborted"], "'aborted' notes get no CCM code"),
    ({"0408T": 1}, ["ccm_d_out_of_scope"], "'ccm_d_out_of_scope' notes get no CCM code"),
    ({}, ["partial"], "'partial' needs the codes"),
    ({"0411T": 2}, ["partial", "aborted"], "exclude each other"),
])
def test_flags_consistent_with_codes(codes: dict, flags: list, fragment: str) -> None:
    found = errors_of(row(codes=codes, flags=flags, mentions=[]))
    assert any(f == "flags" and fragment in m for f, m in found), found


def test_flag_and_code_combinations_that_are_fine() -> None:
    for codes, flags in (({}, ["aborted"]), ({}, ["ccm_d_out_of_scope"]), ({"0411T": 2}, ["partial"]),
                         ({"0408T": 1}, ["low_confidence", "conflicting_documentation"]), ({}, [])):
        assert errors_of(row(codes=codes, flags=flags, mentions=[])) == []


def test_warnings_for_codes_without_matching_mentions() -> None:
    r = row(codes={"0411T": 1})
    r["mentions"] = [m for m in r["mentions"] if m["label"] != "VENTRICULAR_LEAD"]
    found = warnings_of(r)
    assert ("mentions", "0411T is coded but no mention is an inserted ventricular lead") in found
    assert errors_of(r) == []


def test_warning_for_component_without_action() -> None:
    r = row()
    del r["mentions"][-1]["action"]
    assert warnings_of(r) == [("mentions[6].action", "component mention without an action (read as 'none')")]
    assert errors_of(r) == []


def test_duplicate_ids_name_the_first_row() -> None:
    problems = validate([row(), row(id="site-2"), row()])
    assert [(p.row, p.id, p.field, p.message) for p in problems] == [
        (3, "site-1", "id", "duplicate id (first on row 1)")]


def test_problems_never_quote_the_note_or_a_mention() -> None:
    r = row(codes={"0408T": 1, "0411T": 1, "0499T": 1}, flags=["aborted", "maybe"])
    r["mentions"].append({"text": CANARY + " lead", "label": "LEAD", "action": "inserted"})
    r["mentions"].append({"text": CANARY, "label": "LEADS", "action": "gone"})
    r["mentions"].append({"text": "OPTIMIZER Smart generator", "label": "PULSE_GENERATOR", "action": "x"})
    problems = problems_of(r) + validate([r, r])
    assert len(problems) >= 6
    for p in problems:
        shown = json.dumps(p.to_dict()) + str(p)
        assert CANARY not in shown and "OPTIMIZER" not in shown and "axillary" not in shown


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_load_gold_reports_rows_by_line_number(tmp_path: Path) -> None:
    lines = [json.dumps(row()), "", json.dumps(row(id="site-2", codes={"0419T": 1})), "{not json",
             "[1, 2]", json.dumps(row(id="site-3"))]
    site = load_gold(write(tmp_path / "site.jsonl", lines))
    assert len(site.rows) == 3 and site.row_numbers == [1, 3, 6]
    assert [(p.row, p.field) for p in site.errors] == [(3, "codes.0419T"), (4, "(line)"), (5, "(line)")]
    assert [r["id"] for r in site.valid_rows] == ["site-1", "site-3"]
    assert not site.ok
    assert site.summary() == {"rows": 3, "valid_rows": 2, "errors": 3, "warnings": 0, "rows_with_errors": 3}
    assert gold.validate_file(tmp_path / "site.jsonl") == site.problems


def test_load_gold_of_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(GoldError):
        load_gold(tmp_path / "nope.jsonl")


@pytest.mark.skipif(not DEV_NOTES.is_file(), reason="shared dev notes not present")
def test_the_dev_notes_are_valid() -> None:
    dev = load_gold(DEV_NOTES)
    assert dev.problems == [], [str(p) for p in dev.problems[:5]]


def test_corpus_records_round_trip_through_the_gold_format(tmp_path: Path) -> None:
    corpus = ROOT / "corpus" / "data" / "val.jsonl"
    if not corpus.is_file():
        pytest.skip("corpus not built")
    records = [json.loads(line) for line in corpus.read_text(encoding="utf-8").splitlines()[:60]]
    site = load_gold(gold.write_jsonl(gold.from_records(records), tmp_path / "site.jsonl"))
    assert site.problems == []
    converted = to_training_records(site.rows)
    for original, record in zip(records, converted):
        assert record["codes"] == original["codes"] and record["flags"] == original["flags"]
        assert len(record["spans"]) == len(original["spans"])
        for span in record["spans"]:
            assert record["text"][span["start"]:span["end"]] == span["text"]


def test_to_training_records_locates_spans() -> None:
    (record,) = to_training_records([row()])
    assert set(record) >= {"id", "text", "codes", "flags", "mentions", "spans", "scenario", "family",
                           "style", "noise", "source"}
    assert record["source"] == "site" and record["codes"] == {"0408T": 1}
    spans = record["spans"]
    assert [s["start"] for s in spans] == sorted(s["start"] for s in spans)
    for s in spans:
        assert TEXT[s["start"]:s["end"]] == s["text"]
        assert set(s) == {"start", "end", "text", "label", "action", "negated", "historical",
                          "hypothetical", "count"}
    by_text = {}
    for s in spans:
        by_text.setdefault(s["text"], []).append(s)
    # "RV septal leads" occurs inside the mention "two RV septal leads" first: passed over
    assert [s["start"] for s in by_text["RV septal leads"]] == [TEXT.index("The RV septal leads") + 4]
    assert by_text["two RV septal leads"][0]["count"] == 2
    assert by_text["RV septal leads"][0]["count"] == 1
    assert by_text["fluoroscopy"][0]["action"] == "none"
    assert by_text["ICD"][0]["action"] == "retained"
    assert {m["label"] for m in record["mentions"] if "action" not in m} == {"VENOUS_ACCESS", "IMAGING",
                                                                             "LEAD_POSITION"}


def test_repeated_mentions_take_successive_occurrences() -> None:
    text = "The lead was tested. The lead was then removed. No other lead."
    r = {"id": "x", "text": text, "codes": {"0413T": 1}, "flags": [],
         "mentions": [{"text": "lead", "label": "LEAD", "action": "retained"},
                      {"text": "lead", "label": "LEAD", "action": "removed"},
                      {"text": "lead", "label": "LEAD", "action": "none", "negated": True},
                      {"text": "lead", "label": "LEAD", "action": "none"}]}
    spans = to_training_records([r])[0]["spans"]
    starts = [i for i in range(len(text)) if text.startswith("lead", i)]
    assert [s["start"] for s in spans] == starts  # the fourth has no occurrence left: dropped
    assert [s["action"] for s in spans] == ["retained", "removed", "none"]
    assert spans[2]["negated"] is True


def test_to_training_records_defaults_and_skips() -> None:
    r = row()
    r["mentions"] = [
        {"text": "OPTIMIZER Smart generator", "label": "PULSE_GENERATOR"},        # no action -> none
        {"text": "ICD", "label": "OTHER_DEVICE", "action": "retained", "hypothetical": True},  # -> none
        {"text": "not in the note", "label": "LEAD", "action": "inserted"},        # skipped
        {"text": "ICD", "label": "NOT_A_LABEL"},                                   # skipped
        {"text": "two RV septal leads", "label": "VENTRICULAR_LEAD", "action": "inserted", "count": 5},
    ]
    del r["flags"]
    record = to_training_records([r], source="site-a")[0]
    assert record["flags"] == [] and record["source"] == "site-a"
    assert [(s["label"], s["action"], s["count"]) for s in record["spans"]] == [
        ("PULSE_GENERATOR", "none", 1), ("VENTRICULAR_LEAD", "inserted", 5), ("OTHER_DEVICE", "none", 1)]


def test_training_records_feed_the_action_model() -> None:
    """The spans are what nlp.train pairs with the pipeline's mentions."""
    pytest.importorskip("spacy")
    from nlp.pipeline import build_pipeline
    from nlp.pipeline.action_model import gold_actions

    record = to_training_records([row()])[0]
    doc = build_pipeline()(record["text"])
    pairs = gold_actions(doc, record["spans"])
    assert pairs and {a for _, a in pairs} <= set(gold.ACTIONS)
