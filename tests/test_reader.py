"""nlp.reader: every input format yields exactly one record per input record."""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import sys

import pytest

from nlp.reader import (
    INVALID_UTF8,
    InputError,
    InputRecord,
    count_records,
    iter_records,
)
from tests.fakes import CANARY


def write_jsonl(path, rows) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def read(path, **kw) -> list[InputRecord]:
    return list(iter_records(path, **kw))


# --------------------------------------------------------------------------- formats


def test_jsonl_yields_records_in_order_with_positions(tmp_path):
    src = tmp_path / "notes.jsonl"
    write_jsonl(src, [{"id": f"n{i}", "text": f"note {i}"} for i in range(5)])
    recs = read(src)
    assert [(r.index, r.id, r.text) for r in recs] == [(i, f"n{i}", f"note {i}") for i in range(5)]
    assert all(r.ok and r.error is None and r.flags == () for r in recs)


def test_jsonl_gz_reads_like_jsonl(tmp_path):
    rows = [{"id": "a", "text": "first"}, {"id": "b", "text": "second"}]
    plain = tmp_path / "notes.jsonl"
    write_jsonl(plain, rows)
    packed = tmp_path / "notes.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert read(packed) == read(plain)


def test_jsonl_custom_field_names_and_extra_fields(tmp_path):
    src = tmp_path / "notes.jsonl"
    write_jsonl(src, [{"note_id": "x1", "body": "hello", "mrn": "123"}])
    (rec,) = read(src, id_field="note_id", text_field="body")
    assert (rec.id, rec.text) == ("x1", "hello")


def test_csv_with_configurable_columns_and_multiline_text(tmp_path):
    src = tmp_path / "notes.csv"
    src.write_text(
        'accession,site,report\r\nA1,north,"line one\r\nline two, with ""quotes"""\r\nA2,south,short\r\n',
        encoding="utf-8",
    )
    recs = read(src, id_field="accession", text_field="report")
    assert [(r.index, r.id) for r in recs] == [(0, "A1"), (1, "A2")]
    assert recs[0].text == 'line one\r\nline two, with "quotes"'


def test_csv_without_the_text_column_fails_before_reading_rows(tmp_path):
    src = tmp_path / "notes.csv"
    src.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"no column 'text' \(columns: id, body\)"):
        iter_records(src)  # at call time, not at first next()


def test_csv_without_id_column_uses_spreadsheet_row_numbers(tmp_path, caplog):
    src = tmp_path / "notes.csv"
    src.write_text("text\nfirst\n\nsecond\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        recs = read(src)
    # Row 1 is the header; the blank row 3 is not a record but keeps its number.
    assert [r.id for r in recs] == ["row-2", "row-4"]
    assert "no column 'id'" in caplog.text


def test_csv_short_row_and_empty_cell_become_error_records(tmp_path):
    src = tmp_path / "notes.csv"
    src.write_text("id,site,text\nA1,north\nA2,south,\nA3,east,ok note\n", encoding="utf-8")
    recs = read(src)
    assert [r.id for r in recs] == ["A1", "A2", "A3"]
    assert recs[0].error.type == "MissingText" and "row 2" in recs[0].error.message
    assert recs[1].error.type == "EmptyText" and "row 3" in recs[1].error.message
    assert recs[2].ok


def test_folder_of_txt_is_recursive_sorted_and_ids_are_relative_paths(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / "z.txt").write_text("zed", encoding="utf-8")
    (tmp_path / "b" / "one.TXT").write_text("bee", encoding="utf-8")
    (tmp_path / "a" / "deep" / "n.txt").write_text("deep", encoding="utf-8")
    (tmp_path / "a" / "skip.pdf").write_bytes(b"%PDF")
    (tmp_path / ".hidden.txt").write_text("hidden", encoding="utf-8")
    (tmp_path / "._z.txt").write_bytes(b"\x00\x05\x16\x07 mac resource fork")
    recs = read(tmp_path)
    assert [(r.index, r.id, r.text) for r in recs] == [
        (0, "a/deep/n.txt", "deep"),
        (1, "b/one.TXT", "bee"),
        (2, "z.txt", "zed"),
    ]


def test_folder_without_txt_files_is_an_input_error(tmp_path):
    (tmp_path / "x.doc").write_text("x")
    with pytest.raises(InputError, match="no .txt files"):
        iter_records(tmp_path)


def test_stdin_dash_reads_jsonl(monkeypatch):
    data = b'{"id": "s1", "text": "from a pipe"}\n\n{"id": "s2", "text": "second"}\n'
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert [(r.id, r.text) for r in iter_records("-")] == [("s1", "from a pipe"), ("s2", "second")]


# --------------------------------------------------------------------------- never lose one


def test_blank_lines_are_not_records_and_line_numbers_stay_physical(tmp_path):
    src = tmp_path / "notes.jsonl"
    src.write_bytes(b'\n{"id": "a", "text": "x"}\n   \n\r\n{"text": "no id"}\n\n')
    recs = read(src)
    assert [(r.index, r.id) for r in recs] == [(0, "a"), (1, "line-5")]


def test_malformed_json_line_is_an_error_record_naming_its_line(tmp_path):
    src = tmp_path / "notes.jsonl"
    src.write_bytes(
        b'{"id": "a", "text": "fine"}\n'
        b'{"id": "b", "text": "' + CANARY.encode() + b" unterminated\n"
        b"[1, 2]\n"
        b'"just a string ' + CANARY.encode() + b'"\n'
        b'{"id": "c", "text": "fine too"}\n'
    )
    recs = read(src)
    assert [r.id for r in recs] == ["a", "line-2", "line-3", "line-4", "c"]
    bad = recs[1:4]
    assert [r.error.type for r in bad] == ["InvalidJSON", "InvalidRecord", "InvalidRecord"]
    assert [r.text for r in bad] == [None, None, None]
    assert "line 2" in bad[0].error.message
    assert "got array" in bad[1].error.message and "got string" in bad[2].error.message
    assert all(CANARY not in r.error.message for r in bad)


@pytest.mark.parametrize(
    ("row", "etype", "words"),
    [
        ({"id": "m"}, "MissingText", "field 'text' is missing"),
        ({"id": "m", "text": None}, "MissingText", "field 'text' is null"),
        ({"id": "m", "text": 42}, "InvalidText", "must be a string, got number"),
        ({"id": "m", "text": [CANARY]}, "InvalidText", "must be a string, got array"),
        ({"id": "m", "text": {"body": CANARY}}, "InvalidText", "got object"),
        ({"id": "m", "text": ""}, "EmptyText", "is empty"),
        ({"id": "m", "text": " \n\t "}, "EmptyText", "is empty"),
    ],
)
def test_missing_null_non_string_or_blank_text_is_an_error_record(tmp_path, row, etype, words):
    src = tmp_path / "notes.jsonl"
    write_jsonl(src, [{"id": "first", "text": "ok"}, row])
    recs = read(src)
    assert len(recs) == 2
    assert recs[1].id == "m" and recs[1].text is None
    assert recs[1].error.type == etype
    assert recs[1].error.message.startswith("line 2: ") and words in recs[1].error.message
    assert CANARY not in recs[1].error.message


@pytest.mark.parametrize(
    ("value", "expected"),
    [(17, "17"), ("", "line-1"), (None, "line-1"), (True, "line-1"), ([1], "line-1")],
)
def test_unusable_ids_fall_back_to_the_line_number(tmp_path, value, expected):
    src = tmp_path / "notes.jsonl"
    write_jsonl(src, [{"id": value, "text": "note"}])
    assert read(src)[0].id == expected


def test_non_utf8_bytes_are_replaced_and_flagged_not_dropped(tmp_path):
    src = tmp_path / "notes.jsonl"
    # cp1252 degree sign and a stray continuation byte, inside otherwise valid JSON.
    src.write_bytes(b'{"id": "w", "text": "temp 37\xb0C, lead \x80 placed"}\n')
    (rec,) = read(src)
    assert rec.ok and rec.flags == (INVALID_UTF8,)
    assert rec.text == "temp 37\ufffdC, lead \ufffd placed"


def test_non_utf8_csv_cell_is_replaced_and_flagged(tmp_path):
    src = tmp_path / "notes.csv"
    src.write_bytes(b"id,text\nc1,caf\xe9 generator\nc2,clean\n")
    recs = read(src)
    assert recs[0].text == "caf\ufffd generator" and recs[0].flags == (INVALID_UTF8,)
    assert recs[1].flags == ()


def test_binary_file_in_folder_is_an_error_record_and_utf16_with_bom_is_decoded(tmp_path):
    (tmp_path / "a.txt").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "b.txt").write_bytes("Pulse generator replaced.".encode("utf-16"))
    (tmp_path / "c.txt").write_bytes(b"\xef\xbb\xbfBOM note")
    (tmp_path / "d.txt").write_bytes(b"Windows note 37\xb0C")
    recs = read(tmp_path)
    assert recs[0].error.type == "BinaryContent" and recs[0].text is None
    assert recs[1].ok and recs[1].text == "Pulse generator replaced."
    assert recs[2].text == "BOM note"
    assert recs[3].ok and recs[3].flags == (INVALID_UTF8,)


def test_control_characters_are_kept_and_never_split_a_line(tmp_path):
    text = "a\x0bb\x0cc\x1cd\x1de\x1ef\x85g\u2028h\u2029i\x00j\x1b[0m\tk\rl"
    src = tmp_path / "notes.jsonl"
    # json.dumps escapes them; a raw tab inside a string is tolerated too.
    src.write_bytes(
        (json.dumps({"id": "esc", "text": text}) + "\n").encode()
        + b'{"id": "raw", "text": "tab\there\x0bvt"}\n'
    )
    recs = read(src)
    assert [r.id for r in recs] == ["esc", "raw"]
    assert recs[0].text == text
    assert recs[1].text == "tab\there\x0bvt"


def test_crlf_and_leading_bom_are_tolerated(tmp_path):
    src = tmp_path / "notes.jsonl"
    src.write_bytes(b'\xef\xbb\xbf{"id": "a", "text": "x"}\r\n{"id": "b", "text": "y"}\r\n')
    assert [(r.id, r.text) for r in read(src)] == [("a", "x"), ("b", "y")]


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "txt"])
def test_a_5mb_note_is_read_whole(tmp_path, fmt):
    note = ("Ventricular lead placed in the mid septum. " * 120_000)[: 5 * 1024 * 1024]
    if fmt == "jsonl":
        src = tmp_path / "big.jsonl"
        write_jsonl(src, [{"id": "big", "text": note}, {"id": "after", "text": "x"}])
    elif fmt == "csv":
        src = tmp_path / "big.csv"
        src.write_text(f'id,text\nbig,"{note}"\nafter,x\n', encoding="utf-8")
    else:
        src = tmp_path / "dir"
        src.mkdir()
        (src / "big.txt").write_text(note, encoding="utf-8")
        (src / "zafter.txt").write_text("x", encoding="utf-8")
    recs = read(src)
    assert len(recs) == 2 and recs[0].text == note and recs[1].ok


# --------------------------------------------------------------------------- fatal problems


def test_missing_input_raises_a_one_line_input_error(tmp_path):
    with pytest.raises(InputError) as info:
        iter_records(tmp_path / "nope.jsonl")
    assert "input not found" in str(info.value) and "\n" not in str(info.value)


def test_unsupported_extension_is_an_input_error(tmp_path):
    src = tmp_path / "notes.xlsx"
    src.write_bytes(b"PK")
    with pytest.raises(InputError, match="unsupported input"):
        iter_records(src)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read anything")
def test_unreadable_input_is_an_input_error(tmp_path):
    src = tmp_path / "notes.jsonl"
    src.write_text("{}\n")
    src.chmod(0)
    with pytest.raises(InputError, match="cannot read input"):
        iter_records(src)


def test_utf16_jsonl_is_refused_clearly(tmp_path):
    src = tmp_path / "notes.jsonl"
    src.write_bytes('{"id": "a", "text": "x"}\n'.encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16"):
        iter_records(src)


def test_truncated_gzip_raises_after_yielding_the_readable_records(tmp_path):
    plain = b"".join(
        json.dumps({"id": f"n{i}", "text": CANARY + " " + "x" * 200}).encode() + b"\n"
        for i in range(2000)
    )
    packed = gzip.compress(plain)
    src = tmp_path / "notes.jsonl.gz"
    src.write_bytes(packed[: len(packed) // 2])
    got = []
    with pytest.raises(InputError, match="corrupt or truncated after line") as info:
        for rec in iter_records(src):
            got.append(rec.id)
    assert got and got == [f"n{i}" for i in range(len(got))]
    assert CANARY not in str(info.value)


def test_count_records_matches_the_records_read(tmp_path):
    src = tmp_path / "notes.jsonl"
    src.write_bytes(b'{"id": "a", "text": "x"}\n\n{bad\n{"id": "b", "text": "y"}\n')
    assert count_records(src) == len(read(src)) == 3
    csv_src = tmp_path / "notes.csv"
    csv_src.write_text('id,text\na,"multi\nline"\n\nb,y\n', encoding="utf-8")
    assert count_records(csv_src) == len(read(csv_src)) == 2
    assert count_records("-") is None
