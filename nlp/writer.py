"""Write one result line per note, crash-safely, and resume after a crash.

Formats (chosen from the path):

- ``*.jsonl`` / ``*.ndjson``: one JSON object per line in the per-note schema of
  ``shared/spec/entities.md`` (UTF-8, ``\\n``-terminated);
- ``*.csv``: columns :data:`CSV_COLUMNS`; a note's codes are sorted and joined with
  ``;``, ``units`` and ``confidence`` are joined in the same order;
- ``"-"``: JSON Lines on standard output.

Lines are buffered by :meth:`ResultWriter.add` and written whole by
:meth:`ResultWriter.flush` (called once per batch), so a crash or ``kill -9`` can
leave at most one torn line at the end of the file. ``open_output(path,
resume=True)`` checks that the file is a ccm-coder output, drops such a torn last
line and reports the complete records already there (:attr:`ResultWriter.existing`):
the caller skips that many input records, after checking their ids match
(:meth:`ResultWriter.check_resume`).
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Literal, Self

Format = Literal["jsonl", "csv"]

#: Columns of the CSV output, in order.
CSV_COLUMNS: tuple[str, ...] = ("id", "codes", "units", "confidence", "flags", "status", "error")
_CSV_HEADER = ",".join(CSV_COLUMNS) + "\n"


class OutputError(Exception):
    """The output cannot be written or resumed."""


class ResumeMismatchError(OutputError):
    """The existing output was written for a different input."""


class SerializationError(OutputError):
    """One result cannot be written (not JSON-serialisable, or not schema-shaped)."""


@dataclass(frozen=True, slots=True)
class WrittenRecord:
    """What the summary needs to know about a record already in the output."""

    id: str
    status: str
    codes: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    error_type: str | None = None

    @classmethod
    def from_result(cls, result: dict) -> WrittenRecord:
        error = result.get("error")
        return cls(
            id=str(result.get("id")),
            status=str(result.get("status")),
            codes=tuple(
                str(c.get("code")) for c in result.get("codes") or () if isinstance(c, dict)
            ),
            flags=tuple(str(f) for f in result.get("flags") or ()),
            error_type=str(error.get("type")) if isinstance(error, dict) else None,
        )


def output_format(path: str | os.PathLike[str]) -> Format:
    """The format written to ``path`` (``"-"`` is JSON Lines)."""
    if isinstance(path, str) and path == "-":
        return "jsonl"
    name = Path(path).name.lower()
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    raise OutputError(f"unsupported output {path}: expected a .jsonl or .csv path, or - for stdout")


def open_output(path: str | os.PathLike[str], *, resume: bool = False) -> ResultWriter:
    """Open ``path`` for results; with ``resume``, keep the complete records already there.

    Without ``resume`` an existing file is replaced. With ``resume`` a missing or
    empty file starts a fresh output, and an existing one must be a ccm-coder
    output of the same format: its torn last line (if any) is dropped and its
    complete records are listed in :attr:`ResultWriter.existing`.
    """
    fmt = output_format(path)
    if isinstance(path, str) and path == "-":
        if resume:
            raise OutputError("cannot resume when writing to stdout; write to a file with -o")
        return ResultWriter("-", fmt, sys.stdout.buffer, [], 0, is_stdout=True)
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"output {path} is a folder; give a .jsonl or .csv file path")
    existing: list[WrittenRecord] = []
    dropped = 0
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if resume and path.exists():
            existing, keep = (_scan_jsonl if fmt == "jsonl" else _scan_csv)(path)
            dropped = path.stat().st_size - keep
            if dropped:
                os.truncate(path, keep)
            fh = open(path, "ab")  # noqa: SIM115 - owned by the writer
            if fmt == "csv" and keep == 0:
                fh.write(_CSV_HEADER.encode())
                fh.flush()
        else:
            fh = open(path, "wb")  # noqa: SIM115 - owned by the writer
            if fmt == "csv":
                fh.write(_CSV_HEADER.encode())
                fh.flush()
    except OSError as exc:
        raise OutputError(
            f"cannot write output {path}: {exc.strerror or type(exc).__name__}"
        ) from None
    return ResultWriter(str(path), fmt, fh, existing, dropped)


class ResultWriter:
    """Buffers whole result lines and writes them with :meth:`flush`."""

    def __init__(
        self,
        path: str,
        fmt: Format,
        fh: BinaryIO,
        existing: list[WrittenRecord],
        dropped_bytes: int,
        *,
        is_stdout: bool = False,
    ) -> None:
        self.path = path
        self.format: Format = fmt
        #: Complete records found in the output when it was opened with ``resume``.
        self.existing = existing
        #: Bytes of a torn last line removed when resuming (0 if none).
        self.dropped_bytes = dropped_bytes
        self._fh = fh
        self._is_stdout = is_stdout
        self._buffer: list[bytes] = []
        self._closed = False

    @property
    def skip(self) -> int:
        """How many input records the output already holds."""
        return len(self.existing)

    @property
    def pending(self) -> int:
        """Records added but not yet flushed."""
        return len(self._buffer)

    def check_resume(self, input_ids: Sequence[str]) -> None:
        """Raise :class:`ResumeMismatchError` unless ``input_ids`` are the ids already written.

        ``input_ids`` are the ids of the first :attr:`skip` input records (fewer if
        the input is shorter). Ids are not quoted in the message.
        """
        if len(input_ids) < self.skip:
            raise ResumeMismatchError(
                f"{self.path} holds {self.skip} records but the input has only "
                f"{len(input_ids)}: the output was written for other input "
                "(use a new output file, or run without --resume to replace it)"
            )
        for position, (written, wanted) in enumerate(zip(self.existing, input_ids), start=1):
            if written.id != wanted:
                raise ResumeMismatchError(
                    f"{self.path}: record {position} has a different id than input record "
                    f"{position}: the output was written for other input "
                    "(use a new output file, or run without --resume to replace it)"
                )

    def add(self, result: dict) -> None:
        """Serialise one result and buffer its line; :class:`SerializationError` if impossible.

        Nothing is buffered when serialisation fails, so the caller can add an
        error record in its place.
        """
        try:
            line = _jsonl_line(result) if self.format == "jsonl" else _csv_line(result)
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
            raise SerializationError(
                f"result could not be written as {self.format} ({type(exc).__name__})"
            ) from None
        self._buffer.append(line)

    def flush(self) -> None:
        """Write the buffered lines whole and flush them to the operating system."""
        if not self._buffer:
            return
        data = b"".join(self._buffer)
        self._buffer.clear()
        try:
            self._fh.write(data)
            self._fh.flush()
        except OSError as exc:
            raise OutputError(
                f"cannot write output {self.path}: {exc.strerror or type(exc).__name__}"
            ) from None

    def close(self) -> None:
        """Flush, sync the file to disk and close it (stdout is flushed, not closed)."""
        if self._closed:
            return
        self._closed = True
        try:
            self.flush()
        finally:
            if self._is_stdout:
                try:
                    self._fh.flush()
                except (OSError, ValueError):
                    pass
            else:
                try:
                    self._fh.flush()
                    os.fsync(self._fh.fileno())
                except (OSError, ValueError):
                    pass
                self._fh.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


# --------------------------------------------------------------------------- formats


def _json_default(value: object) -> object:
    # numpy scalars and arrays (confidences from predict_proba) without importing numpy.
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if hasattr(value, "tolist") and callable(value.tolist):
        return value.tolist()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value) if isinstance(value, (set, frozenset)) else list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


#: Line breaks other than ``\n`` that json.dumps leaves raw inside strings; escaped so
#: that readers splitting on them (``str.splitlines``) still see one record per line.
_OTHER_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def _jsonl_line(result: dict) -> bytes:
    text = json.dumps(result, ensure_ascii=False, allow_nan=False, default=_json_default)
    for char, escaped in _OTHER_LINE_BREAKS.items():
        if char in text:  # only ever inside a JSON string, where the escape means the same
            text = text.replace(char, escaped)
    try:
        return text.encode("utf-8") + b"\n"
    except UnicodeEncodeError:  # lone surrogates: keep the record, escape them
        ascii_text = json.dumps(result, ensure_ascii=True, allow_nan=False, default=_json_default)
        return ascii_text.encode("ascii") + b"\n"


def _csv_line(result: dict) -> bytes:
    codes = sorted(result.get("codes") or (), key=lambda c: str(c["code"]))
    error = result.get("error")
    error_text = ""
    if isinstance(error, dict):
        error_text = f"{error.get('type', '')}: {error.get('message', '')}".strip(": ")
    row = [
        str(result["id"]),
        ";".join(str(c["code"]) for c in codes),
        ";".join(_format_units(c.get("units")) for c in codes),
        ";".join(_format_confidence(c.get("confidence")) for c in codes),
        ";".join(sorted(str(f) for f in result.get("flags") or ())),
        str(result["status"]),
        error_text,
    ]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(row)
    return out.getvalue().encode("utf-8", "backslashreplace")


def _format_units(units: object) -> str:
    if units is None:
        return ""
    return str(int(units))  # type: ignore[call-overload]


def _format_confidence(value: object) -> str:
    if value is None:
        return ""
    number = float(value)  # type: ignore[arg-type]
    if not math.isfinite(number):
        raise ValueError("confidence is not finite")
    return f"{number:.3f}"


# --------------------------------------------------------------------------- resume scans


def _scan_jsonl(path: Path) -> tuple[list[WrittenRecord], int]:
    """Complete records of a JSONL output and the byte size they end at."""
    records: list[WrittenRecord] = []
    keep = 0
    with open(path, "rb") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.endswith(b"\n"):
                break  # torn last line: a crash mid-write
            if line.strip():
                records.append(_parse_output_line(path, lineno, line))
            keep += len(line)
    return records, keep


def _parse_output_line(path: Path, lineno: int, line: bytes) -> WrittenRecord:
    try:
        obj = json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        obj = None
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or "status" not in obj:
        raise OutputError(
            f"cannot resume: {path} line {lineno} is not a ccm-coder result "
            "(is this the right output file?)"
        )
    return WrittenRecord.from_result(obj)


def _scan_csv(path: Path) -> tuple[list[WrittenRecord], int]:
    """Complete rows of a CSV output and the byte size they end at.

    A row is complete when it ends in a newline outside quotes (an even number of
    ``"`` so far, as the writer doubles quotes inside fields).
    """
    records: list[WrittenRecord] = []
    keep = 0
    pending = b""
    rowno = 0
    with open(path, "rb") as fh:
        for line in fh:
            pending += line
            if not pending.endswith(b"\n") or pending.count(b'"') % 2:
                continue
            rowno += 1
            text = pending.decode("utf-8", "replace")
            if rowno == 1:
                if text != _CSV_HEADER:
                    raise OutputError(
                        f"cannot resume: {path} does not start with the ccm-coder CSV header "
                        f"({_CSV_HEADER.strip()})"
                    )
            elif text.strip():
                row = next(csv.reader([text.rstrip("\n")]), [])
                if len(row) != len(CSV_COLUMNS):
                    raise OutputError(
                        f"cannot resume: {path} row {rowno} is not a ccm-coder result row"
                    )
                fields = dict(zip(CSV_COLUMNS, row))
                error_type = fields["error"].split(":", 1)[0] if fields["error"] else None
                records.append(
                    WrittenRecord(
                        id=fields["id"],
                        status=fields["status"],
                        codes=tuple(c for c in fields["codes"].split(";") if c),
                        flags=tuple(f for f in fields["flags"].split(";") if f),
                        error_type=error_type,
                    )
                )
            keep += len(pending)
            pending = b""
    return records, keep
