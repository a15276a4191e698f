"""Bulk coding: notes in, exactly one result line per note out, in input order.

:func:`run` reads records with :mod:`nlp.reader`, streams the valid ones through
``coder.pipe`` (one long call, so ``n_process > 1`` starts its workers once),
turns invalid ones into error records itself, and writes every result with
:mod:`nlp.writer`, flushed per batch.

If the coder raises (or breaks its contract: a missing, extra or out-of-order
result), the notes it had taken but not yet answered are coded one by one, so
only a note that fails on its own becomes an error record; then streaming
resumes. If :data:`MAX_CONSECUTIVE_FAILURES` notes in a row fail on their own, the
coder itself is broken: the run stops with :class:`CoderError` without writing
that batch, and ``resume=True`` continues later from the first unwritten note.

Note text never appears in a log line, progress display or error message: they
name record positions, ids, field names and exception types only.
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import sys
import time
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from nlp.reader import InputError, InputRecord, count_records, iter_records
from nlp.writer import OutputError, SerializationError, WrittenRecord, open_output

log = logging.getLogger(__name__)

#: Flag on every occurrence of an id after its first.
DUPLICATE_ID = "duplicate_id"
#: ``error.type`` of a note the coder failed on.
CODER_ERROR = "CoderError"
#: ``error.type`` of a result that could not be written.
OUTPUT_ERROR = "OutputError"
#: Flush buffered lines at least this often (seconds), even mid-batch.
FLUSH_INTERVAL = 2.0
#: This many notes in a row failing on their own means the coder, not the notes,
#: is broken: stop (resumable) instead of writing an error line for every note.
MAX_CONSECUTIVE_FAILURES = 8


class Coder(Protocol):
    """What :func:`run` needs from the coder.

    ``pipe`` yields one result per ``(id, text)`` pair, in input order: a dict in the
    schema of ``shared/spec/entities.md`` or an object with ``to_dict()`` giving one
    (``nlp.results.NoteResult``). It may read its input from another thread, but
    must stop reading it once it has raised or been closed.
    """

    model_info: dict

    def pipe(
        self, records: Iterable[tuple[str, str]], *, batch_size: int, n_process: int
    ) -> Iterator[dict]: ...


class CoderError(RuntimeError):
    """The coder fails as a whole (not on one note); the run stops and can be resumed."""


@dataclass
class Summary:
    """Counts over the whole output file (resumed records included) and run speed."""

    output: str = ""
    #: Records in the output after the run.
    notes: int = 0
    #: Records written by this run (``notes - resumed``).
    processed: int = 0
    #: Records already in the output when a resumed run started.
    resumed: int = 0
    ok: int = 0
    errors: int = 0
    #: Notes carrying each code.
    codes: Counter = field(default_factory=Counter)
    #: Notes carrying each flag.
    flags: Counter = field(default_factory=Counter)
    #: Error records by ``error.type``.
    error_types: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def notes_per_second(self) -> float:
        """Records written by this run per second of run time."""
        return self.processed / self.seconds if self.seconds > 0 else 0.0

    def add(self, record: WrittenRecord, *, resumed: bool = False) -> None:
        self.notes += 1
        if resumed:
            self.resumed += 1
        else:
            self.processed += 1
        if record.status == "ok":
            self.ok += 1
        elif record.status == "error":
            self.errors += 1
            self.error_types[record.error_type or "unknown"] += 1
        self.codes.update(set(record.codes))
        self.flags.update(set(record.flags))

    def render(self) -> str:
        """The end-of-run summary, as plain text for the terminal or a log."""
        lines = [
            f"{self.notes:,} notes in {self.output or 'output'}: "
            f"{self.ok:,} ok, {self.errors:,} errors"
            + (
                f", {self.notes - self.ok - self.errors:,} other"
                if self.notes > self.ok + self.errors
                else ""
            ),
            f"coded {self.processed:,} in {self.seconds:,.1f} s "
            f"({self.notes_per_second:,.1f} notes/s)"
            + (f"; {self.resumed:,} were already in the output" if self.resumed else ""),
        ]
        if self.error_types:
            lines.append("errors: " + _counts(self.error_types))
        lines.append("codes: " + (_counts(self.codes, by_key=True) if self.codes else "none"))
        if self.flags:
            lines.append("flags: " + _counts(self.flags))
        return "\n".join(lines)


def run(
    coder: Coder,
    source: str | os.PathLike[str],
    output: str | os.PathLike[str],
    *,
    batch_size: int = 64,
    n_process: int = 1,
    resume: bool = False,
    id_field: str = "id",
    text_field: str = "text",
    progress: bool | None = None,
) -> Summary:
    """Code every record of ``source`` and write one result per record to ``output``.

    ``progress=None`` shows a progress bar only when stderr is a terminal. Raises
    :class:`~nlp.reader.InputError`, :class:`~nlp.writer.OutputError` (including
    :class:`~nlp.writer.ResumeMismatchError`) or :class:`CoderError`; whatever
    was coded before the error is in the output, and ``resume=True`` continues.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    if n_process == 0 or n_process < -1:
        raise ValueError("n_process must be at least 1 (or -1 for all CPUs)")
    started = time.perf_counter()
    _refuse_same_file(source, output)
    records = iter_records(source, id_field=id_field, text_field=text_field)
    model = dict(getattr(coder, "model_info", None) or {})
    summary = Summary(output=str(output))
    seen: set[str] = set()
    writer = open_output(output, resume=resume)
    bar = None
    try:
        if writer.dropped_bytes:
            log.warning(
                "%s: dropped an incomplete last line (%d bytes) left by an interrupted run",
                writer.path,
                writer.dropped_bytes,
            )
        if writer.skip:
            ids = [rec.id for rec in itertools.islice(records, writer.skip)]
            writer.check_resume(ids)
            seen.update(ids)
            for done in writer.existing:
                summary.add(done, resumed=True)
            log.info("resuming: %d records already in %s", writer.skip, writer.path)
        if progress is None:
            progress = _stderr_is_terminal()
        if progress:
            bar = _ProgressBar(count_records(source), completed=writer.skip)
        last_flush = time.monotonic()
        for rec, result in _code_stream(coder, records, batch_size, n_process, model):
            result = _finish(rec, result, seen, model)
            try:
                writer.add(result)
            except SerializationError as exc:
                log.warning(
                    "record %d (id %r): %s; wrote an error record", rec.index + 1, rec.id, exc
                )
                result = error_record(rec.id, OUTPUT_ERROR, str(exc), model)
                writer.add(result)
            summary.add(WrittenRecord.from_result(result))
            if bar is not None:
                bar.advance()
            now = time.monotonic()
            if writer.pending >= batch_size or now - last_flush >= FLUSH_INTERVAL:
                writer.flush()
                last_flush = now
    finally:
        try:
            writer.close()  # complete records buffered so far are kept, even on Ctrl-C
        finally:
            if bar is not None:
                bar.stop()
            summary.seconds = time.perf_counter() - started
    return summary


def error_record(rec_id: str, error_type: str, message: str, model: dict) -> dict:
    """A schema-shaped result for a note that could not be coded."""
    return {
        "id": rec_id,
        "status": "error",
        "codes": [],
        "flags": [],
        "entities": [],
        "error": {"type": error_type, "message": message},
        "model": dict(model),
    }


# --------------------------------------------------------------------------- engine


class _Broken(Exception):
    """The coder broke the pipe contract (wrong count or order of results)."""


def _code_stream(
    coder: Coder,
    records: Iterator[InputRecord],
    batch_size: int,
    n_process: int,
    model: dict,
) -> Iterator[tuple[InputRecord, dict]]:
    """(record, result) for every record in input order; results are raw coder output
    or error records. Invalid records never reach the coder.

    After a note fails on its own, its error record (and everything after it) is
    held back until a later note codes fine or the input ends, so that if the
    failures turn out to be the coder's (:data:`MAX_CONSECUTIVE_FAILURES`), none of
    them was written and a resumed run codes them again.
    """
    pending: deque[InputRecord] = deque()  # taken from the input, not yet answered
    held: list[tuple[InputRecord, dict]] = []  # answered, not yet released
    state: dict[str, Any] = {"exhausted": False, "input_error": None, "pulled": 0, "failures": 0}

    def feed() -> Iterator[tuple[str, str]]:
        while True:
            try:
                rec = next(records)
            except StopIteration:
                state["exhausted"] = True
                return
            except Exception as exc:  # noqa: BLE001 - the input failed, not the coder: stop
                state["input_error"] = exc
                state["exhausted"] = True
                return
            pending.append(rec)
            state["pulled"] += 1
            if rec.ok:
                yield rec.id, rec.text  # type: ignore[misc]

    def release() -> Iterator[tuple[InputRecord, dict]]:
        if state["failures"] == 0 and held:
            yield from held
            held.clear()

    while True:
        pulled_before = state["pulled"]
        pipe = None
        try:
            pipe = coder.pipe(feed(), batch_size=batch_size, n_process=n_process)
            for result in pipe:
                while pending and not pending[0].ok:
                    held.append(_invalid(pending.popleft(), model))
                if not pending:
                    raise _Broken("the coder returned more results than it was given notes")
                result = _as_dict(result)
                if not _answers(result, pending[0]):
                    raise _Broken("the coder returned a result for a different note")
                state["failures"] = 0
                held.append((pending.popleft(), result))
                yield from release()
            while pending and not pending[0].ok:
                held.append(_invalid(pending.popleft(), model))
            if pending:
                raise _Broken("the coder returned fewer results than it was given notes")
        except Exception as exc:  # noqa: BLE001 - a note (or the coder) failed: isolate it
            _close(pipe)
            if state["pulled"] == pulled_before:
                raise CoderError(
                    f"the coder failed before taking any note ({type(exc).__name__}); "
                    "nothing was written for the remaining notes"
                ) from None
            window = list(pending)
            pending.clear()
            if not window:
                raise CoderError(f"the coder broke its contract: {exc}") from None
            reason = str(exc) if isinstance(exc, _Broken) else f"raised {type(exc).__name__}"
            log.warning(
                "the coder %s in a batch of %d notes (records %d-%d); coding them one by one",
                reason,
                sum(r.ok for r in window),
                window[0].index + 1,
                window[-1].index + 1,
            )
            for item in _code_one_by_one(coder, window, model, state):
                held.append(item)
                yield from release()
        else:
            _close(pipe)
        if state["input_error"] is not None:
            yield from held  # everything read before the input broke is kept
            held.clear()
            raise state["input_error"]
        if state["exhausted"]:
            yield from held  # a streak of failures at the very end: real note failures
            held.clear()
            return
        if state["pulled"] == pulled_before:
            raise CoderError("coder.pipe stopped without reading its input")


def _code_one_by_one(
    coder: Coder, window: list[InputRecord], model: dict, state: dict[str, Any]
) -> Iterator[tuple[InputRecord, dict]]:
    """Code ``window`` note by note; a failing note gets an error record.

    Raises :class:`CoderError` at the :data:`MAX_CONSECUTIVE_FAILURES`-th failure
    in a row (``state["failures"]`` counts across batches).
    """
    for rec in window:
        if not rec.ok:
            yield _invalid(rec, model)
            continue
        try:
            got = [_as_dict(r) for r in coder.pipe([(rec.id, rec.text)], batch_size=1, n_process=1)]
            if len(got) != 1 or not _answers(got[0], rec):
                raise _Broken(f"returned {len(got)} results or a result for a different note")
        except Exception as exc:  # noqa: BLE001 - any failure on one note becomes its error line
            state["failures"] += 1
            if state["failures"] >= MAX_CONSECUTIVE_FAILURES:
                raise CoderError(
                    f"the coder failed on {state['failures']} notes in a row, each on its own "
                    f"(last: record {rec.index + 1}, {type(exc).__name__}), so the coder is "
                    "broken rather than the notes; stopped without writing them "
                    "(fix the coder, then resume)"
                ) from None
            what = str(exc) if isinstance(exc, _Broken) else f"raised {type(exc).__name__}"
            log.warning(
                "record %d (id %r): the coder %s; coded as an error record",
                rec.index + 1,
                rec.id,
                what,
            )
            message = (
                f"the coder {what} for this note"
                if isinstance(exc, _Broken)
                else f"the coder {what} while coding this note"
            )
            yield rec, error_record(rec.id, CODER_ERROR, message, model)
        else:
            state["failures"] = 0
            yield rec, got[0]


def _as_dict(result: Any) -> Any:
    """A result dict; result objects (``NoteResult``) are converted with ``to_dict()``."""
    if isinstance(result, dict):
        return result
    to_dict = getattr(result, "to_dict", None)
    return to_dict() if callable(to_dict) else result


def _answers(result: Any, rec: InputRecord) -> bool:
    return isinstance(result, dict) and result.get("id") == rec.id and "status" in result


def _invalid(rec: InputRecord, model: dict) -> tuple[InputRecord, dict]:
    assert rec.error is not None
    return rec, error_record(rec.id, rec.error.type, rec.error.message, model)


def _finish(rec: InputRecord, result: dict, seen: set[str], model: dict) -> dict:
    """Add the input's flags (duplicate id, invalid UTF-8) to a coded result."""
    duplicate = rec.id in seen
    seen.add(rec.id)
    if result.get("status") == "error":
        if not result.get("model"):
            result = {**result, "model": dict(model)}
        return result
    extra = list(rec.flags) + ([DUPLICATE_ID] if duplicate else [])
    if not extra:
        return result
    flags = list(result.get("flags") or ())
    flags += [f for f in extra if f not in flags]
    return {**result, "flags": flags}


def _close(pipe: object) -> None:
    close = getattr(pipe, "close", None)
    if callable(close):
        try:
            close()
        except Exception:  # noqa: BLE001 - closing a failed pipe must not hide the failure
            log.debug("closing the coder's pipe raised", exc_info=False)


def _refuse_same_file(source: str | os.PathLike[str], output: str | os.PathLike[str]) -> None:
    if source == "-" or output == "-":
        return
    try:
        same = os.path.exists(output) and os.path.samefile(source, output)
    except OSError:
        same = False
    if same:
        raise OutputError(f"output {output} is the input file; choose another output path")


def _counts(counter: Counter, *, by_key: bool = False) -> str:
    items = sorted(counter.items()) if by_key else counter.most_common()
    return ", ".join(f"{key} {value:,}" for key, value in items)


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr is not None and sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


class _ProgressBar:
    """A rich progress bar on stderr: count, notes/s and (with a known total) ETA."""

    def __init__(self, total: int | None, *, completed: int = 0) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task):  # type: ignore[override]
                speed = task.finished_speed or task.speed
                if speed is None or not math.isfinite(speed):
                    return Text("… notes/s", style="progress.data.speed")
                return Text(f"{speed:,.1f} notes/s", style="progress.data.speed")

        columns: list[Any] = [
            TextColumn("coding"),
            BarColumn(),
            MofNCompleteColumn(),
            RateColumn(),
            TimeElapsedColumn(),
        ]
        if total is not None:
            columns.append(TimeRemainingColumn())
        self._progress = Progress(*columns, console=Console(stderr=True), transient=False)
        self._task = self._progress.add_task("coding", total=total, completed=completed)
        self._progress.start()

    def advance(self) -> None:
        self._progress.advance(self._task)

    def stop(self) -> None:
        self._progress.stop()


__all__ = [
    "CODER_ERROR",
    "DUPLICATE_ID",
    "Coder",
    "CoderError",
    "InputError",
    "OutputError",
    "Summary",
    "error_record",
    "run",
]
