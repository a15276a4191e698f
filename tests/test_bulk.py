"""nlp.bulk.run: one result per input record, in order, whatever the input or the coder does."""

from __future__ import annotations

import gzip
import io
import json
import logging
import sys

import pytest

from nlp import bulk
from nlp.bulk import CoderError, Summary, run
from nlp.reader import InputError
from nlp.writer import OutputError, ResumeMismatchError
from tests.fakes import CANARY, MODEL_INFO, FakeCoder

NOTES = [
    ("n1", "New pulse generator placed in the right pectoral pocket."),
    ("n2", "Two leads: ventricular lead one and ventricular lead two."),
    ("n3", "Interrogation only; maybe reprogram next visit."),
    ("n4", "Nothing CCM related."),
]


def write_jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def notes_jsonl(path, notes=NOTES):
    write_jsonl(path, [{"id": i, "text": t} for i, t in notes])
    return path


def read_out(path) -> list[dict]:
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), "output must end with a whole line"
    return [json.loads(line) for line in data.splitlines()]


def mixed_input(path, n=40):
    """Valid notes with invalid lines, blank lines and a duplicate id among them."""
    lines = []
    for i in range(n):
        lines.append(json.dumps({"id": f"n{i}", "text": f"note {i} generator"}))
        if i % 9 == 4:
            lines.append("{not json " + CANARY)
        if i % 11 == 7:
            lines.append("")
            lines.append(json.dumps({"id": f"n{i}", "text": "maybe a repeat"}))
        if i % 13 == 5:
            lines.append(json.dumps({"id": f"t{i}", "text": [CANARY]}))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# --------------------------------------------------------------------------- formats


def _make_source(tmp_path, fmt, monkeypatch):
    rows = [{"id": i, "text": t} for i, t in NOTES]
    if fmt == "jsonl":
        return notes_jsonl(tmp_path / "in.jsonl")
    if fmt == "jsonl.gz":
        src = tmp_path / "in.jsonl.gz"
        src.write_bytes(gzip.compress("".join(json.dumps(r) + "\n" for r in rows).encode()))
        return src
    if fmt == "csv":
        src = tmp_path / "in.csv"
        src.write_text("id,text\n" + "".join(f'{i},"{t}"\n' for i, t in NOTES), encoding="utf-8")
        return src
    if fmt == "folder":
        src = tmp_path / "notes"
        src.mkdir()
        for i, t in NOTES:
            (src / f"{i}.txt").write_text(t, encoding="utf-8")
        return src
    data = "".join(json.dumps(r) + "\n" for r in rows).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    return "-"


@pytest.mark.parametrize("fmt", ["jsonl", "jsonl.gz", "csv", "folder", "stdin"])
@pytest.mark.parametrize("out_name", ["out.jsonl", "out.csv"])
def test_every_input_format_codes_every_note_in_order(tmp_path, monkeypatch, coder, fmt, out_name):
    src = _make_source(tmp_path, fmt, monkeypatch)
    out = tmp_path / out_name
    summary = run(coder, src, out, batch_size=3)
    expected_ids = [f"{i}.txt" if fmt == "folder" else i for i, _ in NOTES]
    if out_name.endswith(".jsonl"):
        results = read_out(out)
        assert [r["id"] for r in results] == expected_ids
        assert [[c["code"] for c in r["codes"]] for r in results] == [["0414T"], ["0411T"], [], []]
        assert all(r["status"] == "ok" and r["model"] == MODEL_INFO for r in results)
    else:
        lines = out.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "id,codes,units,confidence,flags,status,error"
        assert [line.split(",")[0] for line in lines[1:]] == expected_ids
        assert lines[2].split(",")[1:3] == ["0411T", "2"]
    assert (summary.notes, summary.ok, summary.errors) == (4, 4, 0)
    assert summary.codes == {"0414T": 1, "0411T": 1}


def test_dash_output_writes_jsonl_to_stdout(tmp_path, capsys, coder):
    run(coder, notes_jsonl(tmp_path / "in.jsonl"), "-", progress=False)
    out = capsys.readouterr().out
    assert [json.loads(line)["id"] for line in out.splitlines()] == [i for i, _ in NOTES]


def test_result_objects_with_to_dict_are_accepted(tmp_path):
    class Result:  # like nlp.results.NoteResult
        def __init__(self, data):
            self.data = data

        def to_dict(self):
            return self.data

    class ObjectCoder(FakeCoder):
        def pipe(self, records, *, batch_size, n_process):
            for r in super().pipe(records, batch_size=batch_size, n_process=n_process):
                yield Result(r)

    out = tmp_path / "out.jsonl"
    summary = run(ObjectCoder(), notes_jsonl(tmp_path / "in.jsonl"), out)
    assert [r["id"] for r in read_out(out)] == [i for i, _ in NOTES]
    assert (summary.ok, summary.errors) == (4, 0)


def test_batch_size_and_n_process_reach_the_coder(tmp_path, coder):
    run(coder, notes_jsonl(tmp_path / "in.jsonl"), tmp_path / "o.jsonl", batch_size=5, n_process=2)
    assert coder.calls == [(5, 2)]  # one streaming call: workers start once


# --------------------------------------------------------------------------- never lose one


def test_invalid_records_become_error_records_in_place(tmp_path, coder):
    src = tmp_path / "in.jsonl"
    src.write_text(
        '{"id": "a", "text": "generator"}\n'
        "{broken\n"
        '{"id": "b"}\n'
        '{"id": "c", "text": 5}\n'
        '{"id": "d", "text": "  "}\n'
        '{"id": "e", "text": "fine"}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out.jsonl"
    summary = run(coder, src, out)
    results = read_out(out)
    assert [r["id"] for r in results] == ["a", "line-2", "b", "c", "d", "e"]
    assert [r["status"] for r in results] == ["ok", "error", "error", "error", "error", "ok"]
    for r in results[1:5]:
        assert r["codes"] == [] and r["flags"] == [] and r["entities"] == []
        assert r["model"] == MODEL_INFO and set(r["error"]) == {"type", "message"}
    assert [r["error"]["type"] for r in results[1:5]] == [
        "InvalidJSON",
        "MissingText",
        "InvalidText",
        "EmptyText",
    ]
    assert coder.coded == 2  # the coder never saw an invalid record
    assert (summary.notes, summary.ok, summary.errors) == (6, 2, 4)
    assert summary.error_types["InvalidJSON"] == 1


def test_duplicate_ids_are_coded_and_flagged_after_the_first(tmp_path, coder):
    src = notes_jsonl(tmp_path / "in.jsonl", [("x", "generator"), ("y", "a"), ("x", "maybe")])
    out = tmp_path / "out.jsonl"
    summary = run(coder, src, out)
    results = read_out(out)
    assert [r["id"] for r in results] == ["x", "y", "x"]
    assert [r["status"] for r in results] == ["ok", "ok", "ok"]
    assert results[0]["flags"] == [] and results[0]["codes"][0]["code"] == "0414T"
    assert results[2]["flags"] == ["low_confidence", "duplicate_id"]
    assert summary.flags["duplicate_id"] == 1


def test_non_utf8_note_is_coded_and_flagged(tmp_path, coder):
    src = tmp_path / "in.jsonl"
    src.write_bytes(b'{"id": "w", "text": "generator at 37\xb0C"}\n')
    out = tmp_path / "out.jsonl"
    run(coder, src, out)
    (r,) = read_out(out)
    assert r["status"] == "ok" and r["codes"][0]["code"] == "0414T"
    assert r["flags"] == ["invalid_utf8"]


def test_binary_and_control_characters_keep_one_line_per_record(tmp_path):
    class EchoCoder(FakeCoder):  # puts note text into the output, like evidence spans
        def code_one(self, note_id, text):
            return {**super().code_one(note_id, text), "entities": [{"text": text}]}

    text = "a\x0bb\x0cc\x1cd\x1de\x1ef\x85g\u2028h\u2029i\x00j\rk"
    src = tmp_path / "in.jsonl"
    src.write_bytes(
        json.dumps({"id": "ctl", "text": text}).encode()
        + b"\n"
        + json.dumps({"id": "bin", "text": "\x00" * 50 + "x"}).encode()
        + b"\n"
        + b'{"id": "raw", "text": "\xff\xfe\x00\x01'
        + bytes(range(0x80, 0xFF))
        + b'"}\n'
    )
    out = tmp_path / "out.jsonl"
    run(EchoCoder(), src, out)
    decoded = out.read_text(encoding="utf-8")
    assert len(decoded.splitlines()) == 3  # even for readers that split on \u2028 etc.
    results = read_out(out)
    assert results[0]["entities"][0]["text"] == text
    assert [r["status"] for r in results] == ["ok", "error", "error"]
    assert [r["error"]["type"] for r in results[1:]] == ["BinaryContent", "BinaryContent"]


def test_a_5mb_note_is_coded(tmp_path, coder):
    big = "Generator replaced. " + "x" * (5 * 1024 * 1024)
    src = notes_jsonl(tmp_path / "in.jsonl", [("big", big), ("small", "ventricular lead")])
    out = tmp_path / "out.jsonl"
    run(coder, src, out)
    assert [(r["id"], r["status"]) for r in read_out(out)] == [("big", "ok"), ("small", "ok")]


def test_order_and_count_hold_over_many_batches(tmp_path):
    notes = [
        (f"n{i:04d}", f"note {i}" + (" POISON" if i in (3, 250, 777) else "")) for i in range(1000)
    ]
    src = notes_jsonl(tmp_path / "in.jsonl", notes)
    out = tmp_path / "out.jsonl"
    summary = run(FakeCoder(fail_on="POISON"), src, out, batch_size=7)
    results = read_out(out)
    assert [r["id"] for r in results] == [i for i, _ in notes]
    assert [r["id"] for r in results if r["status"] == "error"] == ["n0003", "n0250", "n0777"]
    assert (summary.notes, summary.ok, summary.errors) == (1000, 997, 3)


# --------------------------------------------------------------------------- coder failures


def test_a_coder_raising_on_one_note_costs_only_that_note(tmp_path, capsys, caplog):
    notes = [(f"n{i}", f"note {i} generator") for i in range(10)]
    notes[6] = ("n6", f"poisoned {CANARY} note")
    src = notes_jsonl(tmp_path / "in.jsonl", notes)
    out = tmp_path / "out.jsonl"
    with caplog.at_level(logging.DEBUG):
        summary = run(FakeCoder(fail_on=CANARY), src, out, batch_size=4, progress=False)
    results = read_out(out)
    assert [r["id"] for r in results] == [i for i, _ in notes]
    assert [r["status"] for r in results] == ["ok"] * 6 + ["error"] + ["ok"] * 3
    bad = results[6]
    assert bad["error"] == {
        "type": "CoderError",
        "message": "the coder raised ValueError while coding this note",
    }
    assert bad["codes"] == [] and bad["model"] == MODEL_INFO
    assert summary.errors == 1 and summary.error_types == {"CoderError": 1}
    captured = capsys.readouterr()
    for text in (captured.out, captured.err, caplog.text, out.read_text()):
        assert CANARY not in text


class StreamingCoder(FakeCoder):
    """Yields as it goes (no batching): fails after having answered part of its input."""

    def pipe(self, records, *, batch_size, n_process):
        self.calls.append((batch_size, n_process))
        for note_id, text in records:
            yield self.code_one(note_id, text)


def test_a_coder_failing_mid_stream_loses_nothing_and_duplicates_nothing(tmp_path):
    notes = [(f"n{i}", "POISON" if i in (0, 5, 19) else f"note {i}") for i in range(20)]
    src = notes_jsonl(tmp_path / "in.jsonl", notes)
    out = tmp_path / "out.jsonl"
    run(StreamingCoder(fail_on="POISON"), src, out, batch_size=4)
    results = read_out(out)
    assert [r["id"] for r in results] == [i for i, _ in notes]
    assert [i for i, r in enumerate(results) if r["status"] == "error"] == [0, 5, 19]


class ShufflingCoder(FakeCoder):
    """Breaks the contract: answers each batch in reverse order."""

    def pipe(self, records, *, batch_size, n_process):
        results = list(super().pipe(records, batch_size=batch_size, n_process=n_process))
        for start in range(0, len(results), batch_size):
            yield from reversed(results[start : start + batch_size])


def test_results_out_of_order_are_never_written_under_the_wrong_id(tmp_path, caplog):
    notes = [(f"n{i}", "generator" if i % 2 else "nothing") for i in range(9)]
    src = notes_jsonl(tmp_path / "in.jsonl", notes)
    out = tmp_path / "out.jsonl"
    with caplog.at_level(logging.WARNING):
        run(ShufflingCoder(), src, out, batch_size=3)
    results = read_out(out)
    assert [r["id"] for r in results] == [i for i, _ in notes]
    assert all(r["status"] == "ok" for r in results)
    assert [bool(r["codes"]) for r in results] == [i % 2 == 1 for i in range(9)]
    assert "different note" in caplog.text


def test_a_coder_that_fails_on_every_note_stops_the_run_resumably(tmp_path):
    notes = [(f"n{i}", f"note {i}") for i in range(30)]
    src = notes_jsonl(tmp_path / "in.jsonl", notes)
    out = tmp_path / "out.jsonl"

    class DiesAfter(FakeCoder):  # e.g. a worker process died, or the GPU ran out of memory
        def code_one(self, note_id, text):
            if int(note_id[1:]) >= 12:
                raise MemoryError
            return super().code_one(note_id, text)

    with pytest.raises(CoderError, match="in a row"):
        run(DiesAfter(), src, out, batch_size=5)
    written = read_out(out)
    assert [r["id"] for r in written] == [f"n{i}" for i in range(12)]
    assert all(r["status"] == "ok" for r in written)  # no error lines for a broken coder

    summary = run(FakeCoder(), src, out, batch_size=5, resume=True)
    assert [r["id"] for r in read_out(out)] == [i for i, _ in notes]
    assert (summary.resumed, summary.processed, summary.errors) == (12, 18, 0)


def test_a_coder_that_cannot_start_writes_nothing(tmp_path):
    class NoModel(FakeCoder):
        def pipe(self, records, *, batch_size, n_process):
            raise OSError("model files missing")

    out = tmp_path / "out.jsonl"
    with pytest.raises(CoderError, match="before taking any note"):
        run(NoModel(), notes_jsonl(tmp_path / "in.jsonl"), out)
    assert out.read_bytes() == b""


def test_an_unwritable_result_becomes_an_error_record(tmp_path):
    class NaNCoder(FakeCoder):
        def code_one(self, note_id, text):
            r = super().code_one(note_id, text)
            if note_id == "n2":
                r["codes"] = [{"code": "0411T", "units": 1, "confidence": float("nan")}]
            return r

    out = tmp_path / "out.jsonl"
    run(NaNCoder(), notes_jsonl(tmp_path / "in.jsonl"), out)
    results = read_out(out)
    assert [r["status"] for r in results] == ["ok", "error", "ok", "ok"]
    assert results[1]["error"]["type"] == "OutputError"


# --------------------------------------------------------------------------- resume


def test_resume_after_a_torn_last_line_equals_a_clean_run(tmp_path):
    src = mixed_input(tmp_path / "in.jsonl")
    clean = tmp_path / "clean.jsonl"
    run(FakeCoder(), src, clean, batch_size=4)
    expected = clean.read_bytes()
    lines = expected.splitlines(keepends=True)
    for cut in (0, 1, 17, len(lines) - 1):
        out = tmp_path / f"crashed-{cut}.jsonl"
        torn = lines[cut][: len(lines[cut]) // 2]
        out.write_bytes(b"".join(lines[:cut]) + torn)  # kill -9 mid-write
        summary = run(FakeCoder(), src, out, batch_size=4, resume=True)
        assert out.read_bytes() == expected
        assert (summary.resumed, summary.notes) == (cut, len(lines))


def test_resume_after_an_interrupted_csv_run_equals_a_clean_run(tmp_path):
    src = mixed_input(tmp_path / "in.jsonl")
    clean = tmp_path / "clean.csv"
    run(FakeCoder(), src, clean, batch_size=4)
    out = tmp_path / "out.csv"
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C in the middle of a batch
        run(FakeCoder(fail_on="note 23 ", exc=KeyboardInterrupt), src, out, batch_size=4)
    partial = out.read_bytes()
    assert partial.endswith(b"\n") and clean.read_bytes().startswith(partial)
    with open(out, "ab") as fh:
        fh.write(b"n23,04")  # and a torn line on top
    run(FakeCoder(), src, out, batch_size=4, resume=True)
    assert out.read_bytes() == clean.read_bytes()


def test_resume_keeps_duplicate_flags_consistent(tmp_path):
    notes = [("a", "x"), ("b", "y"), ("a", "z"), ("b", "w")]
    src = notes_jsonl(tmp_path / "in.jsonl", notes)
    clean = tmp_path / "clean.jsonl"
    run(FakeCoder(), src, clean)
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"".join(clean.read_bytes().splitlines(keepends=True)[:2]))
    run(FakeCoder(), src, out, resume=True)
    assert out.read_bytes() == clean.read_bytes()
    assert [r["flags"] for r in read_out(out)] == [[], [], ["duplicate_id"], ["duplicate_id"]]


def test_resume_refuses_an_output_from_other_input_and_leaves_it_alone(tmp_path, coder):
    out = tmp_path / "out.jsonl"
    run(coder, notes_jsonl(tmp_path / "one.jsonl"), out)
    before = out.read_bytes()
    other = notes_jsonl(tmp_path / "two.jsonl", [("n1", "x"), ("zz", "y"), ("n3", "z")])
    with pytest.raises(ResumeMismatchError, match="other input"):
        run(coder, other, out, resume=True)
    shorter = notes_jsonl(tmp_path / "three.jsonl", NOTES[:2])
    with pytest.raises(ResumeMismatchError, match="input has only 2"):
        run(coder, shorter, out, resume=True)
    assert out.read_bytes() == before


def test_resume_of_a_finished_output_adds_nothing_and_summarises_all(tmp_path, coder):
    src = notes_jsonl(tmp_path / "in.jsonl")
    out = tmp_path / "out.jsonl"
    first = run(coder, src, out)
    before = out.read_bytes()
    again = run(FakeCoder(), src, out, resume=True)
    assert out.read_bytes() == before
    assert (again.notes, again.resumed, again.processed) == (4, 4, 0)
    assert (again.ok, again.codes, again.flags) == (first.ok, first.codes, first.flags)


def test_resume_picks_up_notes_appended_to_the_input(tmp_path, coder):
    src = notes_jsonl(tmp_path / "in.jsonl", NOTES[:2])
    out = tmp_path / "out.jsonl"
    run(coder, src, out)
    notes_jsonl(src, NOTES)
    summary = run(coder, src, out, resume=True)
    assert [r["id"] for r in read_out(out)] == [i for i, _ in NOTES]
    assert (summary.resumed, summary.processed) == (2, 2)


# --------------------------------------------------------------------------- safety


def test_no_note_text_in_messages_logs_progress_or_output(tmp_path, capsys, caplog):
    src = tmp_path / "in.jsonl"
    src.write_bytes(
        b'{"id": "ok1", "text": "generator"}\n'
        b'{"id": "bad1", "text": "' + CANARY.encode() + b"\n"
        b'{"id": "bad2", "text": ["' + CANARY.encode() + b'"]}\n'
        b'{"id": "bad3", "text": {"' + CANARY.encode() + b'": 1}}\n'
        b'["' + CANARY.encode() + b'"]\n'
        b'{"id": "bad4", "text": "poison ' + CANARY.encode() + b'"}\n'
        b'{"id": "bin", "text": "' + CANARY.encode() + b"\xff" * 40 + b'"}\n'
    )
    out = tmp_path / "out.jsonl"
    with caplog.at_level(logging.DEBUG):
        summary = run(FakeCoder(fail_on="poison"), src, out, batch_size=2, progress=True)
    results = read_out(out)
    assert [r["status"] for r in results] == ["ok"] + ["error"] * 6
    captured = capsys.readouterr()
    for text in (captured.out, captured.err, caplog.text, out.read_text(), summary.render()):
        assert CANARY not in text


def test_missing_input_is_an_input_error_and_creates_no_output(tmp_path, coder):
    out = tmp_path / "out.jsonl"
    with pytest.raises(InputError, match="input not found"):
        run(coder, tmp_path / "missing.jsonl", out)
    assert not out.exists()


def test_output_must_not_be_the_input(tmp_path, coder):
    src = notes_jsonl(tmp_path / "in.jsonl")
    before = src.read_bytes()
    with pytest.raises(OutputError, match="is the input file"):
        run(coder, src, src)
    assert src.read_bytes() == before


def test_bad_settings_are_refused(tmp_path, coder):
    src = notes_jsonl(tmp_path / "in.jsonl")
    with pytest.raises(ValueError, match="batch_size"):
        run(coder, src, tmp_path / "o.jsonl", batch_size=0)
    with pytest.raises(ValueError, match="n_process"):
        run(coder, src, tmp_path / "o.jsonl", n_process=0)


def test_summary_counts_and_render(tmp_path, coder):
    summary = run(coder, mixed_input(tmp_path / "in.jsonl", n=20), tmp_path / "out.jsonl")
    assert isinstance(summary, Summary)
    assert summary.notes == summary.ok + summary.errors == summary.processed
    assert summary.codes["0414T"] == 20
    assert summary.seconds > 0 and summary.notes_per_second > 0
    text = summary.render()
    assert f"{summary.notes} notes" in text and "0414T 20" in text
    assert "duplicate_id" in text and "InvalidJSON" in text


def test_error_record_shape():
    assert bulk.error_record("x", "InvalidJSON", "line 2: not valid JSON", MODEL_INFO) == {
        "id": "x",
        "status": "error",
        "codes": [],
        "flags": [],
        "entities": [],
        "error": {"type": "InvalidJSON", "message": "line 2: not valid JSON"},
        "model": MODEL_INFO,
    }
