"""nlp.spark in Spark local mode: same results as coder.code(), one row per input row, one load per worker.

Skipped when pyspark (the ``spark`` extra) or Java is missing. One SparkSession
(local[2]) for the module; the model is a private copy of ``models/`` so a
concurrent retrain cannot change it under the tests.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest

pytest.importorskip("pyspark", reason="pyspark is not installed (pip install -e '.[spark]')")
pytest.importorskip("pandas", reason="pandas is not installed (pip install -e '.[spark]')")
pytest.importorskip("pyarrow", reason="pyarrow is not installed (pip install -e '.[spark]')")
if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
    pytest.skip("Java is not installed (Spark needs Java 17)", allow_module_level=True)

import nlp
from nlp import spark as ccm_spark

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples" / "sample_notes.jsonl"
CANARY = "CANARY-PHI-7f3a9c"
MAX_CHARS = 50_000


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("model") / "ccm-model"
    shutil.copytree(ROOT / "models", folder)
    return folder


@pytest.fixture(scope="module")
def coder(model_dir):
    return nlp.load(model_dir)


@pytest.fixture(scope="module")
def load_log(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("spark") / "loads.txt"


@pytest.fixture(scope="module")
def spark(load_log):
    try:
        session = ccm_spark.session("local[2]", app_name="ccm-coder-tests", conf={
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            f"spark.executorEnv.{ccm_spark.LOAD_LOG_ENV}": str(load_log),
        })
    except Exception as exc:  # noqa: BLE001 - no usable JVM
        pytest.skip(f"cannot start Spark: {exc.__class__.__name__}")
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def notes() -> list[dict]:
    with open(SAMPLES, encoding="utf-8") as f:
        return [json.loads(line) for line in f][:20]


def loads(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8").split("\n")[:-1] if log.exists() else []


def bad_rows() -> list[tuple[str | None, str | None]]:
    return [
        ("bad-null", None),
        ("bad-empty", ""),
        ("bad-blank", "  \n\t "),
        ("bad-huge", "CCM generator. " + CANARY + " x" * MAX_CHARS),
        ("bad-binary", CANARY + "\x00" * 64),
        (None, "Implant of OPTIMIZER Smart Mini IPG. " + CANARY),  # null id: kept, still coded
    ]


def test_same_codes_as_coder_and_one_row_per_input_row(spark, coder, notes, model_dir, load_log):
    rows = [(n["id"], n["text"]) for n in notes]
    rows[3:3] = bad_rows()  # bad rows in the middle, not at the end
    df = spark.createDataFrame(spark.sparkContext.parallelize(rows, 4), "id string, text string")
    before = loads(load_log)

    out = ccm_spark.code_dataframe(df, model=str(model_dir), max_chars=MAX_CHARS).collect()

    assert [r.id for r in out] == [i for i, _ in rows]           # every row, in order
    new_loads = loads(load_log)[len(before):]
    assert len(new_loads) <= 2, new_loads                        # local[2]: at most 2 workers
    by_id = {r.id: r for r in out}
    for note_id, text in rows:
        if note_id is None or note_id.startswith("bad-"):
            continue
        expected = coder.code(text, id=note_id).to_dict()
        got = by_id[note_id]
        assert got.status == expected["status"] == "ok"
        assert [(c.code, c.units) for c in got.codes] == [(c["code"], c["units"]) for c in expected["codes"]]
        assert [c.confidence for c in got.codes] == pytest.approx([c["confidence"] for c in expected["codes"]])
        assert [[(e.start, e.end) for e in c.evidence] for c in got.codes] == \
               [[(e["start"], e["end"]) for e in c["evidence"]] for c in expected["codes"]]
        assert list(got.flags) == expected["flags"]
        assert json.loads(got.entities) == expected["entities"]
        assert got.error is None
        assert got.model.asDict() == coder.model_info
    assert any(r.codes for r in out)  # the sample notes do get codes

    errors = {r.id: r.error.type for r in out if r.status == "error"}
    assert errors == {"bad-null": "MissingText", "bad-empty": "EmptyText", "bad-blank": "EmptyText",
                      "bad-huge": "TooLong", "bad-binary": "BinaryContent"}
    for r in out:
        if r.status == "error":
            assert r.codes == [] and r.entities == "[]" and CANARY not in r.error.message
    null_id = out[[r.id for r in out].index(None)]
    assert null_id.status == "ok" and null_id.model.sha256 == coder.model_info["sha256"]


def test_model_loaded_once_per_worker_not_per_row(spark, model_dir, load_log, notes):
    rows = [(f"n{i}", notes[i % len(notes)]["text"]) for i in range(48)]
    df = spark.createDataFrame(spark.sparkContext.parallelize(rows, 8), "id string, text string")
    for _ in range(2):  # two jobs, 16 tasks, 96 rows
        assert ccm_spark.code_dataframe(df, model=str(model_dir)).count() == 48
    log = loads(load_log)
    pids = Counter(line.split()[0] for line in log)
    assert log, "no load was recorded"
    assert max(pids.values()) == 1, pids          # no worker loaded the same model twice
    assert len(log) <= 4                          # a few workers, not 16 tasks nor 96 rows


def test_non_string_text_column_gives_error_rows(spark, model_dir):
    df = spark.createDataFrame([("a", 7), ("b", None), ("c", 12345)], "id string, text int")
    out = ccm_spark.code_dataframe(df, model=str(model_dir)).collect()
    assert [(r.id, r.status, r.error.type) for r in out] == [
        ("a", "error", "InvalidText"), ("b", "error", "MissingText"), ("c", "error", "InvalidText")]
    assert "int" in out[0].error.message


def test_jsonl_bad_lines_are_rows_and_match_coder(spark, coder, notes, model_dir, tmp_path):
    src = tmp_path / "notes.jsonl"
    lines = [json.dumps({"id": n["id"], "text": n["text"]}) for n in notes[:5]]
    lines += [
        json.dumps({"id": "int-text", "text": 7}),
        json.dumps({"id": "null-text", "text": None}),
        json.dumps({"id": "no-text"}),
        "",  # a blank line is not a record
        '{"id": "broken", "text": "' + CANARY,
        json.dumps(["not", "an", "object"]),
        json.dumps({"text": notes[5]["text"]}),  # no id: line-<n>
    ]
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = ccm_spark.code_jsonl(spark, str(src), str(model_dir), with_json=True).collect()
    assert [r.id for r in out] == [n["id"] for n in notes[:5]] + [
        "int-text", "null-text", "no-text", "line-10", "line-11", "line-12"]
    assert [r.error.type if r.error else None for r in out[5:]] == [
        "InvalidText", "MissingText", "MissingText", "InvalidJSON", "InvalidRecord", None]
    assert all(CANARY not in r.json for r in out)
    for r, n in zip(out[:5], notes[:5]):
        assert json.loads(r.json) == coder.code(n["text"], id=n["id"]).to_dict()


def test_cli_spark_code_jsonl_and_parquet(spark, coder, notes, model_dir, tmp_path):
    from typer.testing import CliRunner

    from nlp.cli import app

    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps(n) + "\n" for n in notes[:6]), encoding="utf-8")
    runner = CliRunner()
    out_jsonl = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["spark-code", str(src), str(out_jsonl), "--master", "local[2]",
                                 "--model", str(model_dir), "--single-file"])
    assert result.exit_code == 0, result.output
    got = [json.loads(line) for line in out_jsonl.read_text(encoding="utf-8").splitlines()]
    assert got == [coder.code(n["text"], id=n["id"]).to_dict() for n in notes[:6]]

    out_parquet = tmp_path / "out.parquet"
    result = runner.invoke(app, ["spark-code", str(out_jsonl.with_name("in.jsonl")), str(out_parquet),
                                 "--model", str(model_dir)])
    assert result.exit_code == 0, result.output
    table = spark.read.parquet(str(out_parquet))
    assert table.count() == 6 and set(table.columns) >= {"id", "codes", "flags", "status", "error",
                                                         "entities"}
    assert sorted(r.id for r in table.collect()) == sorted(n["id"] for n in notes[:6])

    result = runner.invoke(app, ["spark-code", str(src), str(tmp_path / "out.csv")])
    assert result.exit_code != 0 and "extension" in result.output


def test_model_refs(spark, model_dir, tmp_path):
    assert ccm_spark.model_ref(spark, "local:/opt/models/ccm") == ("path", "/opt/models/ccm")
    assert ccm_spark.model_ref(spark, model_dir, shared=True) == ("path", str(model_dir))
    kind, name = ccm_spark.model_ref(spark, model_dir)
    assert kind == "archive" and name.startswith("ccm-model-") and name.endswith(".zip")
    assert ccm_spark.model_ref(spark, model_dir) == (kind, name)  # shipped once per application
    with pytest.raises(ValueError):
        ccm_spark.model_ref(spark, "hdfs:///models/ccm-model")   # a remote folder cannot be shipped
    with pytest.raises(FileNotFoundError):
        ccm_spark.model_ref(spark, tmp_path / "nowhere")
