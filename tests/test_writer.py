"""nlp.writer: whole lines, the CSV layout, and resuming after a crash."""

from __future__ import annotations

import csv
import io
import json

import pytest

from nlp.writer import (
    CSV_COLUMNS,
    OutputError,
    ResumeMismatchError,
    SerializationError,
    open_output,
)
from tests.fakes import MODEL_INFO


def result(note_id: str, codes=(), flags=(), status="ok", error=None) -> dict:
    return {
        "id": note_id,
        "status": status,
        "codes": [{"code": c, "units": u, "confidence": p, "evidence": []} for c, u, p in codes],
        "flags": list(flags),
        "entities": [],
        "error": error,
        "model": dict(MODEL_INFO),
    }


def write_all(path, results, *, resume=False):
    with open_output(path, resume=resume) as w:
        for r in results:
            w.add(r)
        w.flush()
    return w


RESULTS = [
    result("a", codes=[("0411T", 2, 0.91234), ("0408T", 1, 0.5)], flags=["partial", "aborted"]),
    result("b"),
    result("c", status="error", error={"type": "InvalidJSON", "message": "line 3: not valid"}),
]


def test_jsonl_is_one_schema_object_per_line(tmp_path):
    out = tmp_path / "out.jsonl"
    write_all(out, RESULTS)
    data = out.read_bytes()
    assert data.endswith(b"\n") and data.count(b"\n") == 3
    assert [json.loads(line) for line in data.splitlines()] == RESULTS


def test_nothing_reaches_the_file_before_flush_and_then_whole_lines(tmp_path):
    out = tmp_path / "out.jsonl"
    w = open_output(out)
    w.add(RESULTS[0])
    w.add(RESULTS[1])
    assert out.read_bytes() == b"" and w.pending == 2
    w.flush()
    assert out.read_bytes().count(b"\n") == 2 and w.pending == 0
    w.close()


def test_csv_columns_and_codes_joined_in_a_stable_order(tmp_path):
    out = tmp_path / "out.csv"
    write_all(out, RESULTS)
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert rows[0] == {
        "id": "a",
        "codes": "0408T;0411T",
        "units": "1;2",
        "confidence": "0.500;0.912",
        "flags": "aborted;partial",
        "status": "ok",
        "error": "",
    }
    assert rows[1]["codes"] == "" and rows[1]["status"] == "ok"
    assert rows[2]["status"] == "error" and rows[2]["error"] == "InvalidJSON: line 3: not valid"


def test_dash_writes_jsonl_to_stdout(capsys):
    write_all("-", RESULTS[:2])
    out = capsys.readouterr().out
    assert [json.loads(line) for line in out.splitlines()] == RESULTS[:2]


def test_numpy_like_scalars_are_written_as_numbers(tmp_path):
    class Float32:  # what predict_proba hands back; json cannot serialise it
        def __init__(self, v):
            self.v = v

        def item(self):
            return self.v

    out = tmp_path / "out.jsonl"
    write_all(out, [result("a", codes=[("0409T", 1, Float32(0.75))])])
    assert json.loads(out.read_text())["codes"][0]["confidence"] == 0.75


@pytest.mark.parametrize(
    ("suffix", "bad"),
    [
        (".jsonl", result("nan", codes=[("0409T", 1, float("nan"))])),
        (".csv", result("nan", codes=[("0409T", 1, float("nan"))])),
        (".jsonl", {**result("obj"), "entities": [object()]}),
        (".csv", {"id": "no-status"}),
    ],
)
def test_unwritable_result_raises_and_buffers_nothing(tmp_path, suffix, bad):
    with open_output(tmp_path / f"out{suffix}") as w:
        with pytest.raises(SerializationError):
            w.add(bad)
        assert w.pending == 0


def test_unsupported_output_extension(tmp_path):
    with pytest.raises(OutputError, match="expected a .jsonl or .csv"):
        open_output(tmp_path / "out.txt")


def test_output_parent_folders_are_created(tmp_path):
    write_all(tmp_path / "new" / "dir" / "out.jsonl", RESULTS[:1])
    assert (tmp_path / "new" / "dir" / "out.jsonl").exists()


# --------------------------------------------------------------------------- resume


def test_resume_on_a_missing_or_empty_output_starts_fresh(tmp_path):
    w = open_output(tmp_path / "none.jsonl", resume=True)
    assert w.skip == 0 and w.dropped_bytes == 0
    w.close()
    w = open_output(tmp_path / "none.csv", resume=True)
    w.close()
    assert (tmp_path / "none.csv").read_text() == ",".join(CSV_COLUMNS) + "\n"


def test_without_resume_an_existing_output_is_replaced(tmp_path):
    out = tmp_path / "out.jsonl"
    write_all(out, RESULTS)
    write_all(out, RESULTS[:1])
    assert out.read_bytes().count(b"\n") == 1


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_resume_drops_a_torn_last_line_and_counts_complete_records(tmp_path, suffix):
    out = tmp_path / f"out{suffix}"
    write_all(out, RESULTS)
    complete = out.read_bytes()
    with open(out, "ab") as fh:  # a kill -9 in the middle of the next line
        fh.write(b'{"id": "d", "status": "ok", "co' if suffix == ".jsonl" else b"d,0409T,1,0.")
    w = open_output(out, resume=True)
    assert w.skip == 3 and [r.id for r in w.existing] == ["a", "b", "c"]
    assert w.dropped_bytes > 0
    assert [r.status for r in w.existing] == ["ok", "ok", "error"]
    assert set(w.existing[0].codes) == {"0411T", "0408T"}
    assert w.existing[2].error_type == "InvalidJSON"
    w.close()
    assert out.read_bytes() == complete


def test_resume_then_append_gives_the_same_file_as_one_clean_write(tmp_path):
    clean = tmp_path / "clean.csv"
    write_all(clean, RESULTS)
    out = tmp_path / "out.csv"
    write_all(out, RESULTS[:1])
    with open(out, "ab") as fh:
        fh.write(b'b,"torn')  # torn inside a quoted field
    w = write_all(out, RESULTS[1:], resume=True)
    assert w.skip == 1
    assert out.read_bytes() == clean.read_bytes()


def test_resume_refuses_a_file_that_is_not_a_ccm_coder_output_and_leaves_it_alone(tmp_path):
    notes = tmp_path / "notes.jsonl"  # an input file passed as -o by mistake
    original = b'{"id": "a", "text": "note"}\n{"id": "b", "text": "no newline at end"}'
    notes.write_bytes(original)
    with pytest.raises(OutputError, match="line 1 is not a ccm-coder result"):
        open_output(notes, resume=True)
    assert notes.read_bytes() == original

    other = tmp_path / "other.csv"
    other.write_text("id,text\n1,x\n")
    with pytest.raises(OutputError, match="ccm-coder CSV header"):
        open_output(other, resume=True)
    assert other.read_text() == "id,text\n1,x\n"


def test_check_resume_refuses_output_written_for_other_input(tmp_path):
    out = tmp_path / "out.jsonl"
    write_all(out, RESULTS)
    with open_output(out, resume=True) as w:
        w.check_resume(["a", "b", "c"])  # same input: fine
        with pytest.raises(ResumeMismatchError, match="record 2 has a different id"):
            w.check_resume(["a", "x", "c"])
        with pytest.raises(ResumeMismatchError, match="holds 3 records but the input has only 2"):
            w.check_resume(["a", "b"])


def test_resume_to_stdout_is_refused():
    with pytest.raises(OutputError, match="cannot resume when writing to stdout"):
        open_output("-", resume=True)
