"""Code the notes of a Spark DataFrame: the same results as on one machine, on a cluster.

    from nlp.spark import code_dataframe
    coded = code_dataframe(spark.read.parquet("s3a://lake/notes/"), model="s3a://lake/ccm-model.zip")
    coded.write.parquet("s3a://lake/coded/")

:func:`code_dataframe` is one narrow ``mapInPandas`` step: no shuffle, one output
row per input row, in the input's partition order, with these columns:

============  ======================================================================
``id``        the input id as a string (a null id stays null)
``status``    ``"ok"`` or ``"error"``
``codes``     ``array<struct<code:string, units:int, confidence:double,
              evidence:array<struct<start:int, end:int, text:string>>>>``
              (empty for an error row; ``confidence`` is rounded to 4 places, as in
              the JSON output)
``flags``     ``array<string>`` review flags (``low_confidence``, ...)
``error``     ``struct<type:string, message:string>``, null when ``status = "ok"``.
              Types: ``MissingText`` (null text), ``InvalidText`` (text column or
              JSON value not a string), ``EmptyText`` (blank), ``TooLong`` (more than
              ``max_chars`` characters), ``BinaryContent`` (mostly NUL bytes),
              ``ProcessingError`` (the coder failed on this note), and for JSONL files
              ``InvalidJSON`` / ``InvalidRecord``. Messages never quote the note.
``entities``  the entity records of ``shared/spec/entities.md`` as a JSON string
``model``     ``struct<name:string, version:string, sha256:string>``
============  ======================================================================

The model is loaded **once per Python worker** (a module-level cache keyed by the
model's location; Spark reuses Python workers, ``spark.python.worker.reuse=true``
by default) and never per row. Where it comes from (``model=``):

- ``None`` or a local model folder: verified on the driver, zipped and shipped with
  ``SparkContext.addArchive``; executors load it from their SparkFiles directory.
- a model archive (``.zip``, ``.tar.gz``, ``.tgz``, ``.tar``), local or a URI Spark
  can fetch (``hdfs://``, ``s3a://``, ``dbfs:/``, ...): shipped with ``addArchive``.
- a folder every executor already sees at the same path (NFS, ``/dbfs/...``, baked
  into the image): pass ``shared=True`` or write it as ``local:/path/to/model``;
  nothing is shipped.

Note text never appears in a log line or an error message.
"""

from __future__ import annotations

import atexit
import functools
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pyspark is the optional ``spark`` extra
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

#: ``error.type`` values produced here (the reader's names where they overlap).
MISSING_TEXT = "MissingText"
INVALID_TEXT = "InvalidText"
EMPTY_TEXT = "EmptyText"
TOO_LONG = "TooLong"
BINARY_CONTENT = "BinaryContent"
INVALID_JSON = "InvalidJSON"
INVALID_RECORD = "InvalidRecord"

#: If set on the executors (``spark.executorEnv.CCM_CODER_SPARK_LOAD_LOG``), every model
#: load appends ``<pid> <model key>`` to this file: how tests count loads per worker.
LOAD_LOG_ENV = "CCM_CODER_SPARK_LOAD_LOG"

ARCHIVE_SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_ROW_BITS = 33  # monotonically_increasing_id() = partition << 33 | row in partition

# Internal column names of the rows handed to the Python workers.
_ID, _TEXT, _ERR_TYPE, _ERR_MSG, _LINE, _ROWNO = "_ccm_id", "_ccm_text", "_ccm_et", "_ccm_em", "_ccm_line", "_ccm_m"


# --------------------------------------------------------------------------- schema

def result_schema(with_json: bool = False):
    """The StructType of :func:`code_dataframe`'s output (plus ``json`` if asked)."""
    from pyspark.sql.types import (
        ArrayType,
        DoubleType,
        IntegerType,
        StringType,
        StructField,
        StructType,
    )

    def s(*names: str) -> StructType:
        return StructType([StructField(n, StringType()) for n in names])

    evidence = StructType([StructField("start", IntegerType()), StructField("end", IntegerType()),
                           StructField("text", StringType())])
    code = StructType([StructField("code", StringType()), StructField("units", IntegerType()),
                       StructField("confidence", DoubleType()),
                       StructField("evidence", ArrayType(evidence))])
    fields = [
        StructField("id", StringType()),
        StructField("status", StringType()),
        StructField("codes", ArrayType(code)),
        StructField("flags", ArrayType(StringType())),
        StructField("error", s("type", "message")),
        StructField("entities", StringType()),
        StructField("model", s("name", "version", "sha256")),
    ]
    if with_json:
        fields.append(StructField("json", StringType()))
    return StructType(fields)


# --------------------------------------------------------------------------- model shipping

_SHIPPED: dict[tuple[str, str], str] = {}   # (application id, source) -> archive name
_ZIP_DIR: str | None = None


def _zip_dir() -> str:
    global _ZIP_DIR
    if _ZIP_DIR is None:
        _ZIP_DIR = tempfile.mkdtemp(prefix="ccm-coder-spark-")
        atexit.register(shutil.rmtree, _ZIP_DIR, True)
    return _ZIP_DIR


def _zip_model(folder: Path) -> str:
    """Zip a verified model folder (files at the archive root); name carries its hash."""
    from nlp.persistence import verify

    manifest = verify(folder)  # fail on the driver, before any task starts
    path = os.path.join(_zip_dir(), f"ccm-model-{manifest['sha256'][:16]}.zip")
    if not os.path.exists(path):
        tmp = path + ".tmp"
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in sorted(folder.rglob("*")):
                if p.is_file():
                    zf.write(p, p.relative_to(folder).as_posix())
        os.replace(tmp, path)
    return path


def _is_archive(name: str) -> bool:
    return name.lower().endswith(ARCHIVE_SUFFIXES)


def model_ref(spark: SparkSession, model: str | os.PathLike[str] | None = None, *,
              shared: bool = False) -> tuple[str, str]:
    """Make ``model`` reachable from the executors; returns what the workers load.

    ``("path", folder)`` for a folder every executor sees, ``("archive", name)`` for
    an archive shipped with ``addArchive`` (unpacked into SparkFiles as ``name``).
    """
    from nlp.coder import DEFAULT_MODEL

    source = str(model) if model is not None else str(DEFAULT_MODEL)
    if source.startswith("local:"):
        return ("path", source[len("local:"):])
    if source.startswith("file:"):
        source = re.sub(r"^file:(//)?", "", source)
    remote = bool(_SCHEME.match(source)) and not os.path.exists(source)
    if shared:
        return ("path", source if remote else os.path.abspath(source))
    if remote:
        if not _is_archive(source):
            raise ValueError("a remote model must be an archive (.zip, .tar.gz, .tgz, .tar) "
                             "or a folder every executor sees (shared=True)")
        archive = source
    else:
        path = Path(source)
        if path.is_dir():
            archive = _zip_model(path)
        elif path.is_file() and _is_archive(path.name):
            archive = str(path.resolve())
        else:
            raise FileNotFoundError(f"no model folder or archive at {source}")
    sc = spark.sparkContext
    key = (sc.applicationId, archive)
    if key not in _SHIPPED:
        sc.addArchive(archive)
        _SHIPPED[key] = archive.rstrip("/").rsplit("/", 1)[-1]
    return ("archive", _SHIPPED[key])


# --------------------------------------------------------------------------- worker side

_CODERS: dict[tuple[str, str, bool], Any] = {}   # per Python worker: (ref, prescreen) -> Coder


def _model_folder(ref: tuple[str, str]) -> Path:
    kind, value = ref
    if kind == "path":
        return Path(value)
    from pyspark import SparkFiles

    root = Path(SparkFiles.getRootDirectory()) / value
    if (root / "manifest.json").is_file():
        return root
    inner = [p for p in root.iterdir() if (p / "manifest.json").is_file()] if root.is_dir() else []
    if len(inner) == 1:  # an archive holding one top-level model folder
        return inner[0]
    raise FileNotFoundError(f"shipped model archive {value} holds no manifest.json")


def _coder_for(ref: tuple[str, str], prescreen: bool = True):
    """The worker's coder for ``ref``, loaded on first use and then reused."""
    key = (ref[0], ref[1], prescreen)
    coder = _CODERS.get(key)
    if coder is None:
        from nlp.coder import load

        coder = load(_model_folder(ref), prescreen=prescreen)
        _CODERS[key] = coder
        log = os.environ.get(LOAD_LOG_ENV)
        if log:
            with open(log, "a", encoding="utf-8") as f:
                f.write(f"{os.getpid()} {ref[0]}:{ref[1]}\n")
    return coder


def _check_text(text: Any, col: str, max_chars: int) -> tuple[str, str] | None:
    """Why ``text`` cannot be coded (error type, message), or None. Never quotes it."""
    from nlp.reader import BINARY_MIN_CHARS, BINARY_THRESHOLD

    if text is None:
        return MISSING_TEXT, f"{col!r} is null"
    if not isinstance(text, str):
        return INVALID_TEXT, f"{col!r} must be a string, got {type(text).__name__}"
    if not text.strip():
        return EMPTY_TEXT, f"{col!r} is empty"
    if len(text) > max_chars:
        return TOO_LONG, f"{col!r} has {len(text):,} characters, more than the limit of {max_chars:,}"
    bad = text.count("\x00")
    if bad >= BINARY_MIN_CHARS and bad > BINARY_THRESHOLD * len(text):
        return BINARY_CONTENT, f"{col!r} looks like binary data, not text"
    return None


def _json_type(value: Any) -> str:
    from nlp.reader import _json_type as json_type

    return json_type(value)


def _parse_line(line: str | None, lineno: int, id_field: str,
                text_field: str) -> tuple[Any, Any, tuple[str, str] | None] | None:
    """(id, text, error) of one JSONL line like ``nlp.reader``; None for a blank line."""
    if line is None:
        return None
    if lineno == 1 and line.startswith("\ufeff"):
        line = line[1:]
    if not line.strip():
        return None
    where, fallback = f"line {lineno}", f"line-{lineno}"
    try:
        obj = json.loads(line, strict=False)
    except json.JSONDecodeError as exc:
        return fallback, None, (INVALID_JSON, f"{where}: not valid JSON ({exc.msg})")
    except RecursionError:
        return fallback, None, (INVALID_JSON, f"{where}: JSON nested too deeply")
    if not isinstance(obj, dict):
        return fallback, None, (INVALID_RECORD, f"{where}: expected a JSON object, got {_json_type(obj)}")
    raw_id = obj.get(id_field)
    if isinstance(raw_id, int) and not isinstance(raw_id, bool):
        note_id = str(raw_id)
    elif isinstance(raw_id, str) and raw_id.strip():
        note_id = raw_id
    else:
        note_id = fallback
    if text_field not in obj:
        return note_id, None, (MISSING_TEXT, f"{where}: field {text_field!r} is missing")
    text = obj[text_field]
    if text is None:
        return note_id, None, (MISSING_TEXT, f"{where}: field {text_field!r} is null")
    if not isinstance(text, str):
        message = f"{where}: field {text_field!r} must be a string, got {_json_type(text)}"
        return note_id, None, (INVALID_TEXT, message)
    return note_id, text, None


def _row(result, with_json: bool) -> dict[str, Any]:
    d = result.to_dict()
    row = {
        "id": d["id"],
        "status": d["status"],
        "codes": [{"code": c["code"], "units": int(c["units"]), "confidence": float(c["confidence"]),
                   "evidence": [{"start": int(e["start"]), "end": int(e["end"]), "text": e["text"]}
                                for e in c["evidence"]]} for c in d["codes"]],
        "flags": [str(f) for f in d["flags"]],
        "error": dict(d["error"]) if d["error"] else None,
        "entities": json.dumps(d["entities"], ensure_ascii=False),
        "model": {k: str(d["model"].get(k, "")) for k in ("name", "version", "sha256")},
    }
    if with_json:
        row["json"] = json.dumps(d, ensure_ascii=False)
    return row


def _code_frames(frames: Iterator[pd.DataFrame], *, ref: tuple[str, str], text_name: str,
                 batch_size: int, max_chars: int, with_json: bool, prescreen: bool = True,
                 jsonl: dict | None = None) -> Iterator[pd.DataFrame]:
    """The ``mapInPandas`` function: code each Arrow batch, one row out per row in."""
    import pandas as pd

    from nlp.results import NoteResult

    coder = _coder_for(ref, prescreen)
    columns = list(result_schema(with_json).fieldNames())
    for pdf in frames:
        notes: list[tuple[Any, Any, tuple[str, str] | None]] = []
        if jsonl is not None:
            offsets = jsonl["offsets"]
            for line, m in zip(pdf["value"], pdf[_ROWNO]):
                m = int(m)
                lineno = offsets.get(m >> _ROW_BITS, 0) + (m & ((1 << _ROW_BITS) - 1)) + 1
                parsed = _parse_line(line, lineno, jsonl["id_field"], jsonl["text_field"])
                if parsed is not None:
                    notes.append(parsed)
        else:
            for note_id, text, et, em in zip(pdf[_ID], pdf[_TEXT], pdf[_ERR_TYPE], pdf[_ERR_MSG]):
                note_id = None if note_id is None or note_id is pd.NA else str(note_id)
                notes.append((note_id, text, (et, em) if isinstance(et, str) else None))
        rows: list[dict[str, Any]] = []
        for start in range(0, len(notes), batch_size):
            chunk = notes[start:start + batch_size]
            results: list[Any] = [None] * len(chunk)
            todo: list[tuple[int, tuple[str, str]]] = []
            for i, (note_id, text, err) in enumerate(chunk):
                err = err or _check_text(text, text_name, max_chars)
                if err is not None:
                    results[i] = NoteResult.failed(note_id, err[0], err[1], coder.model_info)
                else:
                    todo.append((i, (note_id, text)))
            if todo:
                for (i, _), result in zip(todo, coder.code_batch([p for _, p in todo])):
                    results[i] = result
            rows.extend(_row(r, with_json) for r in results)
        yield pd.DataFrame(rows, columns=columns)


# --------------------------------------------------------------------------- driver side

def code_dataframe(df: DataFrame, text_col: str = "text", id_col: str = "id",
                   model: str | os.PathLike[str] | None = None, *, shared: bool = False,
                   batch_size: int = 64, max_chars: int | None = None,
                   prescreen: bool = True, with_json: bool = False) -> DataFrame:
    """Code every row of ``df``: one output row per input row (see the module docstring).

    ``text_col`` should be a string column; a null, blank, too long (``max_chars``,
    default :data:`nlp.coder.MAX_NOTE_CHARS`) or non-string value becomes an error
    row. ``prescreen=False`` runs the pipeline even on notes without any CCM signal
    (as ``ccm-coder code --no-prescreen``). ``with_json=True`` adds ``json``: each row's result as the JSON line
    ``ccm-coder code`` writes.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType

    from nlp.coder import MAX_NOTE_CHARS

    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    for name in (text_col, id_col):
        if name not in df.columns:
            raise ValueError(f"no column {name!r} in the DataFrame (columns: {', '.join(df.columns)})")
    ref = model_ref(df.sparkSession, model, shared=shared)
    text_type = df.schema[text_col].dataType
    if isinstance(text_type, StringType):
        text = F.col(text_col)
        err_type = err_msg = F.lit(None).cast("string")
    else:
        text = F.lit(None).cast("string")
        bad = F.col(text_col).isNotNull()
        err_type = F.when(bad, F.lit(INVALID_TEXT)).otherwise(F.lit(MISSING_TEXT))
        err_msg = F.when(bad, F.lit(f"{text_col!r} must be a string, got {text_type.simpleString()}")
                         ).otherwise(F.lit(f"{text_col!r} is null"))
    inputs = df.select(F.col(id_col).cast("string").alias(_ID), text.alias(_TEXT),
                       err_type.alias(_ERR_TYPE), err_msg.alias(_ERR_MSG))
    fn = functools.partial(_code_frames, ref=ref, text_name=text_col, batch_size=batch_size,
                           max_chars=max_chars or MAX_NOTE_CHARS, with_json=with_json,
                           prescreen=prescreen)
    return inputs.mapInPandas(fn, result_schema(with_json))


def code_jsonl(spark: SparkSession, path: str, model: str | os.PathLike[str] | None = None, *,
               shared: bool = False, id_field: str = "id", text_field: str = "text",
               batch_size: int = 64, max_chars: int | None = None,
               prescreen: bool = True, with_json: bool = False) -> DataFrame:
    """Code a JSON Lines file (or folder of them, ``.gz`` too) like ``ccm-coder code``.

    Every non-blank line is one row, read as text and parsed on the workers, so a
    malformed line or a non-string ``text`` becomes an error row (not a null, nor a
    number coerced to a string); a missing id is ``line-<n>``.
    """
    from pyspark.sql import functions as F

    from nlp.coder import MAX_NOTE_CHARS

    ref = model_ref(spark, model, shared=shared)
    lines = spark.read.option("lineSep", "\n").text(path)
    lines = lines.select("value", F.monotonically_increasing_id().alias(_ROWNO))
    counts = dict(lines.groupBy(F.shiftright(F.col(_ROWNO), _ROW_BITS).alias("p")).count().collect())
    offsets, total = {}, 0
    for p in sorted(counts):
        offsets[int(p)], total = total, total + int(counts[p])
    fn = functools.partial(_code_frames, ref=ref, text_name=text_field, batch_size=batch_size,
                           max_chars=max_chars or MAX_NOTE_CHARS, with_json=with_json,
                           prescreen=prescreen, jsonl={"offsets": offsets, "id_field": id_field, "text_field": text_field})
    return lines.mapInPandas(fn, result_schema(with_json))


def session(master: str | None = None, app_name: str = "ccm-coder",
            conf: dict[str, str] | None = None) -> SparkSession:
    """A SparkSession; in local mode the workers run this interpreter."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(app_name)
    if master:
        builder = builder.master(master)
    if (master or "local").startswith("local") and "PYSPARK_PYTHON" not in os.environ:
        os.environ["PYSPARK_PYTHON"] = sys.executable
    for key, value in (conf or {}).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def file_format(path: str, given: str | None = None) -> str:
    """``parquet`` or ``jsonl``, from ``given`` or the path's extension."""
    if given:
        if given not in ("parquet", "jsonl"):
            raise ValueError(f"unknown format {given!r} (parquet or jsonl)")
        return given
    name = path.rstrip("/").lower()
    name = name.removesuffix(".gz")
    if name.endswith(".parquet"):
        return "parquet"
    if name.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    raise ValueError(f"cannot tell the format of {path} from its extension "
                     "(.parquet, .jsonl); say it with --input-format/--output-format")


def code_files(spark: SparkSession, input: str, output: str, model: str | None = None, *,
               shared: bool = False, id_field: str = "id", text_field: str = "text",
               input_format: str | None = None, output_format: str | None = None,
               batch_size: int = 64, prescreen: bool = True, overwrite: bool = False,
               single_file: bool = False) -> dict[str, int]:
    """Read notes (Parquet or JSONL), code them, write the results; returns counts by status.

    Parquet output has :func:`code_dataframe`'s columns; JSONL output has exactly the
    lines ``ccm-coder code`` writes. Spark writes a folder of part files;
    ``single_file=True`` (local JSONL output only) joins them into one file.
    """
    fin, fout = file_format(input, input_format), file_format(output, output_format)
    as_json = fout == "jsonl"
    if fin == "jsonl":
        coded = code_jsonl(spark, input, model, shared=shared, id_field=id_field,
                           text_field=text_field, batch_size=batch_size, prescreen=prescreen,
                           with_json=as_json)
    else:
        coded = code_dataframe(spark.read.parquet(input), text_field, id_field, model,
                               shared=shared, batch_size=batch_size, prescreen=prescreen,
                               with_json=as_json)
    mode = "overwrite" if overwrite else "errorifexists"
    if fout == "parquet":
        coded.write.mode(mode).parquet(output)
        written = spark.read.parquet(output)
        return {str(k): int(v) for k, v in written.groupBy("status").count().collect()}
    local = not _SCHEME.match(output) or output.startswith("file:")
    if single_file and not local:
        raise ValueError("--single-file needs a local output path")
    target = re.sub(r"^file:(//)?", "", output) if single_file else output
    if single_file and os.path.exists(target) and not overwrite:
        raise FileExistsError(f"{target} exists (use --overwrite)")
    parts = target + ".parts" if single_file else target
    coded.select("json").write.mode("overwrite" if single_file else mode).text(parts)
    from pyspark.sql import functions as F

    written = spark.read.text(parts)
    counts = written.groupBy(F.get_json_object("value", "$.status")).count().collect()
    if single_file:
        tmp = target + ".tmp"
        with open(tmp, "wb") as out:
            for part in sorted(Path(parts).glob("part-*")):
                with open(part, "rb") as f:
                    shutil.copyfileobj(f, out)
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.replace(tmp, target)
        shutil.rmtree(parts)
    return {str(k): int(v) for k, v in counts}


def main(argv: list[str] | None = None) -> None:
    """Entry point for ``spark-submit .../nlp/spark.py INPUT OUTPUT [options]``."""
    from nlp.cli import app

    app(args=["spark-code", *(sys.argv[1:] if argv is None else argv)], prog_name="ccm-coder")


if __name__ == "__main__":
    from nlp.spark import main as _main  # functions pickled by reference to nlp.spark

    _main()
