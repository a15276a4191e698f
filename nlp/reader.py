"""Read notes for bulk coding: one :class:`InputRecord` per input record, never fewer.

Sources (chosen from the path):

- ``*.jsonl`` / ``*.ndjson`` (optionally ``.gz``): one JSON object per line with an
  id field and a text field (names configurable);
- ``*.csv`` (optionally ``.gz``): a header row naming the id and text columns;
- a folder: every ``*.txt`` file below it (recursive, sorted by relative path,
  hidden files and folders skipped); the id is the relative path (``a/b.txt``);
- ``"-"``: JSON Lines on standard input.

A record that cannot be coded (malformed JSON, missing or non-string text, ...)
is still yielded, with ``text=None`` and an :class:`RecordError`, so the bulk layer
can write one error line for it. Blank JSONL lines and blank CSV rows are not
records. Only problems with the input as a whole (missing, unreadable, unknown
format) raise :class:`InputError`.

Bytes that are not valid UTF-8 are decoded with U+FFFD replacement and the record
is still coded, carrying the ``invalid_utf8`` flag; text that is mostly
undecodable or NUL bytes (a binary file) becomes a ``BinaryContent`` error.

Note text is protected health information: no exception, error message or log
line produced here contains any of it, only line/row numbers, field names and
type names.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import logging
import os
import re
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

#: Flag added to a record whose bytes were not valid UTF-8 (decoded with U+FFFD).
INVALID_UTF8 = "invalid_utf8"

#: ``RecordError.type`` values produced by the reader.
INVALID_JSON = "InvalidJSON"
INVALID_RECORD = "InvalidRecord"
MISSING_TEXT = "MissingText"
INVALID_TEXT = "InvalidText"
EMPTY_TEXT = "EmptyText"
BINARY_CONTENT = "BinaryContent"
UNREADABLE_FILE = "UnreadableFile"

#: A text in which more than this share of characters (and at least
#: :data:`BINARY_MIN_CHARS` of them) are U+FFFD from decoding or NUL is treated as
#: binary data (an image, a PDF, a UTF-16 file without BOM), not a note.
BINARY_THRESHOLD = 0.10
BINARY_MIN_CHARS = 8

_JSONL_SUFFIXES = (".jsonl", ".ndjson")
_CSV_SUFFIXES = (".csv",)
_SURROGATES = re.compile("[\udc80-\udcff]")


class InputError(Exception):
    """The input as a whole cannot be read (missing, unreadable, unknown format)."""


@dataclass(frozen=True, slots=True)
class RecordError:
    """Why one record cannot be coded. ``message`` never quotes the note."""

    type: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"type": self.type, "message": self.message}


@dataclass(frozen=True, slots=True)
class InputRecord:
    """One input record, valid or not.

    ``index`` is the 0-based position among all records of the source (blank
    lines are not records), ``id`` is never empty (``line-<n>``/``row-<n>`` when
    the source gives none) and exactly one of ``text`` and ``error`` is set.
    ``flags`` are review flags the input itself raises (``invalid_utf8``).
    """

    index: int
    id: str
    text: str | None
    error: RecordError | None = None
    flags: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.error is None


def iter_records(
    source: str | os.PathLike[str],
    *,
    id_field: str = "id",
    text_field: str = "text",
) -> Iterator[InputRecord]:
    """Yield one :class:`InputRecord` per record of ``source``, in input order.

    Raises :class:`InputError` at call time if the source is missing, unreadable
    or of an unknown format, and during iteration if a compressed stream turns
    out to be corrupt.
    """
    kind, path = _classify(source)
    if kind == "stdin":
        return _iter_jsonl(sys.stdin.buffer, "<stdin>", id_field, text_field, close=False)
    if kind == "folder":
        files = _list_txt_files(path)
        return _iter_folder(path, files)
    fh = _open_binary(path, gz=kind.endswith(".gz"))
    if kind.startswith("jsonl"):
        return _iter_jsonl(fh, str(path), id_field, text_field, close=True)
    return _iter_csv(fh, str(path), id_field, text_field)


def count_records(source: str | os.PathLike[str]) -> int | None:
    """The number of records in ``source`` when that is cheap to know, else ``None``.

    Cheap means a plain (uncompressed) file or a folder; stdin and gzip give
    ``None``. Used for a progress bar's total and ETA only.
    """
    try:
        kind, path = _classify(source)
        if kind == "folder":
            return len(_list_txt_files(path))
        if kind == "jsonl":
            with open(path, "rb") as fh:
                return sum(1 for line in fh if line.strip())
        if kind == "csv":
            with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
                _raise_csv_field_limit()
                rows = sum(1 for row in csv.reader(fh) if row)
                return max(rows - 1, 0)
    except (InputError, OSError, csv.Error):
        return None
    return None


# --------------------------------------------------------------------------- sources


def _classify(source: str | os.PathLike[str]) -> tuple[str, Path]:
    if isinstance(source, str) and source == "-":
        return "stdin", Path("-")
    path = Path(source)
    if path.is_dir():
        return "folder", path
    name = path.name.lower()
    gz = name.endswith(".gz")
    stem = name[:-3] if gz else name
    if stem.endswith(_JSONL_SUFFIXES):
        kind = "jsonl"
    elif stem.endswith(_CSV_SUFFIXES):
        kind = "csv"
    else:
        if not path.exists():
            raise InputError(f"input not found: {path}")
        raise InputError(
            f"unsupported input {path}: expected .jsonl, .jsonl.gz, .csv, a folder of .txt "
            "files, or - for JSON Lines on stdin"
        )
    if not path.exists():
        raise InputError(f"input not found: {path}")
    if not path.is_file():
        raise InputError(f"input is not a regular file: {path}")
    return kind + (".gz" if gz else ""), path


def _open_binary(path: Path, *, gz: bool) -> BinaryIO:
    try:
        raw = open(path, "rb")  # noqa: SIM115 - closed by the record generator
    except OSError as exc:
        raise InputError(
            f"cannot read input {path}: {exc.strerror or type(exc).__name__}"
        ) from None
    head = raw.read(4)
    raw.seek(0)
    if gz:
        if head[:2] != b"\x1f\x8b":
            raw.close()
            raise InputError(f"input {path} ends in .gz but is not a gzip file")
        return gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[return-value]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raw.close()
        raise InputError(f"input {path} is UTF-16; convert it to UTF-8")
    return raw


def _list_txt_files(root: Path) -> list[tuple[str, Path]]:
    """(id, path) for every non-hidden ``*.txt`` below ``root``, sorted by id."""
    found: list[tuple[str, Path]] = []

    def on_error(exc: OSError) -> None:
        raise InputError(f"cannot list folder {exc.filename}: {exc.strerror}")

    for dirpath, dirnames, filenames in os.walk(root, onerror=on_error):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        for name in filenames:
            if name.startswith(".") or not name.lower().endswith(".txt"):
                continue
            full = Path(dirpath) / name
            rel = full.relative_to(root).as_posix()
            # Undecodable file names come back with surrogates; make the id clean UTF-8.
            rel_id = os.fsencode(rel).decode("utf-8", "replace")
            found.append((rel_id, full))
    if not found:
        raise InputError(f"no .txt files found in folder {root}")
    found.sort(key=lambda item: item[0])
    return found


# --------------------------------------------------------------------------- readers


def _iter_jsonl(
    fh: BinaryIO, name: str, id_field: str, text_field: str, *, close: bool
) -> Iterator[InputRecord]:
    index = 0
    lineno = 0
    try:
        for raw in _lines(fh, name):
            lineno += 1
            if lineno == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            where = f"line {lineno}"
            fallback_id = f"line-{lineno}"
            line, replaced = _decode(raw)
            try:
                obj = json.loads(line, strict=False)
            except json.JSONDecodeError as exc:
                # exc.msg is one of json's fixed phrases; it never quotes the input.
                err = RecordError(INVALID_JSON, f"{where}: not valid JSON ({exc.msg})")
                yield InputRecord(index, fallback_id, None, err)
                index += 1
                continue
            except RecursionError:
                err = RecordError(INVALID_JSON, f"{where}: JSON nested too deeply")
                yield InputRecord(index, fallback_id, None, err)
                index += 1
                continue
            if not isinstance(obj, dict):
                err = RecordError(
                    INVALID_RECORD, f"{where}: expected a JSON object, got {_json_type(obj)}"
                )
                yield InputRecord(index, fallback_id, None, err)
                index += 1
                continue
            rec_id = _make_id(obj.get(id_field), fallback_id)
            yield _make_record(
                index, rec_id, obj, text_field, where, replaced, present=text_field in obj
            )
            index += 1
    finally:
        if close:
            fh.close()


def _iter_csv(fh: BinaryIO, name: str, id_field: str, text_field: str) -> Iterator[InputRecord]:
    """Read the header now (so a wrong column name fails at call time), rows lazily."""
    text = io.TextIOWrapper(fh, encoding="utf-8-sig", errors="surrogateescape", newline="")
    _raise_csv_field_limit()
    reader = csv.reader(text)
    try:
        header = _next_csv_row(reader, name, 1)
    except StopIteration:
        text.close()
        return iter(())
    except BaseException:
        text.close()
        raise
    if header is None:
        text.close()
        raise InputError(f"{name}: the header row cannot be parsed as CSV")
    header = [_clean(h)[0].strip() for h in header]
    if text_field not in header:
        text.close()
        raise InputError(
            f"{name}: no column {text_field!r} (columns: {', '.join(header)}); "
            "choose the text column with --text-field"
        )
    id_col = header.index(id_field) if id_field in header else None
    if id_col is None:
        log.warning("%s: no column %r; using row numbers as ids", name, id_field)
    return _iter_csv_rows(
        text, reader, name, len(header), header.index(text_field), id_col, text_field
    )


def _iter_csv_rows(
    text: io.TextIOWrapper,
    reader,
    name: str,
    n_columns: int,
    text_col: int,
    id_col: int | None,
    text_field: str,
) -> Iterator[InputRecord]:
    index = 0
    rowno = 1  # the header; row numbers match a spreadsheet's
    try:
        while True:
            rowno += 1
            try:
                row = _next_csv_row(reader, name, rowno)
            except StopIteration:
                return
            where = f"row {rowno}"
            fallback_id = f"row-{rowno}"
            if row is None:
                err = RecordError(INVALID_RECORD, f"{where}: cannot be parsed as CSV")
                yield InputRecord(index, fallback_id, None, err)
                index += 1
                continue
            if not any(cell.strip() for cell in row):
                continue  # a blank row is not a record
            id_replaced = False
            rec_id = fallback_id
            if id_col is not None and id_col < len(row):
                cleaned, id_replaced = _clean(row[id_col])
                rec_id = _make_id(cleaned, fallback_id)
            if text_col >= len(row):
                err = RecordError(
                    MISSING_TEXT,
                    f"{where}: no value in column {text_field!r} "
                    f"(the row has {len(row)} of {n_columns} columns)",
                )
                yield InputRecord(index, rec_id, None, err)
                index += 1
                continue
            note, text_replaced = _clean(row[text_col])
            yield _make_record(
                index,
                rec_id,
                {text_field: note},
                text_field,
                where,
                id_replaced or text_replaced,
                present=True,
            )
            index += 1
    finally:
        text.close()


def _iter_folder(root: Path, files: list[tuple[str, Path]]) -> Iterator[InputRecord]:
    for index, (rec_id, path) in enumerate(files):
        where = f"file {rec_id}"
        try:
            data = path.read_bytes()
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            err = RecordError(UNREADABLE_FILE, f"{where}: cannot be read ({reason})")
            yield InputRecord(index, rec_id, None, err)
            continue
        if data.startswith(b"\xef\xbb\xbf"):
            data = data[3:]
            note, replaced = _decode(data)
        elif data[:2] in (b"\xff\xfe", b"\xfe\xff"):
            note, replaced = _decode(data, encoding="utf-16")
        else:
            note, replaced = _decode(data)
        yield _make_record(index, rec_id, {"text": note}, "text", where, replaced, present=True)


# --------------------------------------------------------------------------- helpers


def _lines(fh: BinaryIO, name: str) -> Iterator[bytes]:
    """Physical lines split on ``\\n`` only (``\\r\\n`` tolerated), as bytes."""
    lineno = 0
    try:
        for raw in fh:
            lineno += 1
            yield raw.rstrip(b"\r\n") if raw.endswith(b"\n") else raw
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(
            f"{name}: compressed stream is corrupt or truncated after line {lineno} "
            f"({type(exc).__name__})"
        ) from None
    except OSError as exc:
        raise InputError(
            f"{name}: read failed after line {lineno} ({exc.strerror or type(exc).__name__})"
        ) from None


def _next_csv_row(reader, name: str, rowno: int) -> list[str] | None:
    """The next CSV row, ``None`` for a row the csv module rejects."""
    try:
        return next(reader)
    except csv.Error:
        return None
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise InputError(
            f"{name}: compressed stream is corrupt or truncated at row {rowno} "
            f"({type(exc).__name__})"
        ) from None


def _raise_csv_field_limit() -> None:
    # The default (128 KiB) would reject long notes; a 5 MB note is a valid note.
    if csv.field_size_limit() < 2**31 - 1:
        csv.field_size_limit(2**31 - 1)


def _decode(data: bytes, encoding: str = "utf-8") -> tuple[str, bool]:
    """Decode ``data``; invalid sequences become U+FFFD. Returns (text, replaced)."""
    try:
        return data.decode(encoding), False
    except UnicodeDecodeError:
        return data.decode(encoding, "replace"), True


def _clean(value: str) -> tuple[str, bool]:
    """Turn surrogate-escaped bytes (from the CSV reader) into U+FFFD."""
    if _SURROGATES.search(value) is None:
        return value, False
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace"), True


def _make_id(value: object, fallback: str) -> str:
    if isinstance(value, bool):
        return fallback
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return fallback


def _make_record(
    index: int,
    rec_id: str,
    obj: dict,
    text_field: str,
    where: str,
    replaced: bool,
    *,
    present: bool,
) -> InputRecord:
    flags = (INVALID_UTF8,) if replaced else ()
    note = obj.get(text_field)
    if not present or note is None:
        state = "missing" if not present else "null"
        err = RecordError(MISSING_TEXT, f"{where}: field {text_field!r} is {state}")
        return InputRecord(index, rec_id, None, err, flags)
    if not isinstance(note, str):
        err = RecordError(
            INVALID_TEXT, f"{where}: field {text_field!r} must be a string, got {_json_type(note)}"
        )
        return InputRecord(index, rec_id, None, err, flags)
    if not note.strip():
        err = RecordError(EMPTY_TEXT, f"{where}: field {text_field!r} is empty")
        return InputRecord(index, rec_id, None, err, flags)
    if _looks_binary(note, replaced):
        err = RecordError(BINARY_CONTENT, f"{where}: looks like binary data, not text")
        return InputRecord(index, rec_id, None, err, flags)
    return InputRecord(index, rec_id, note, None, flags)


def _looks_binary(text: str, replaced: bool) -> bool:
    bad = text.count("\x00")
    if replaced:
        bad += text.count("\ufffd")
    return bad >= BINARY_MIN_CHARS and bad > BINARY_THRESHOLD * len(text)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__
