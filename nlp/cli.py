"""The ``ccm-coder`` command line: code, train, evaluate.

Errors are one line on stderr and a non-zero exit; note text never appears in
any message.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Code CCM device procedure notes to CPT 0408T-0418T.")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"ccm-coder: {message}", err=True)
    raise typer.Exit(code)


def _load(model: Path | None, prescreen: bool = True):
    from nlp.coder import load
    from nlp.persistence import ModelIntegrityError

    try:
        return load(model, prescreen=prescreen)
    except ModelIntegrityError as exc:
        _fail(str(exc))
    except OSError as exc:
        _fail(f"cannot load model: {exc.__class__.__name__}: {exc.strerror or 'unreadable'}")


@app.command()
def code(
    input: str = typer.Argument(..., help=".jsonl, .jsonl.gz, .csv, a folder of .txt files, or - for stdin"),
    output: str = typer.Option(..., "-o", "--output", help=".jsonl, .csv, or - for stdout"),
    model: Path | None = typer.Option(None, "--model", help="model folder (default: models/)"),
    n_process: int = typer.Option(1, "--n-process", help="worker processes"),
    batch_size: int = typer.Option(64, "--batch-size", help="notes per batch"),
    resume: bool = typer.Option(False, "--resume", help="complete an interrupted output file"),
    prescreen: bool = typer.Option(True, "--prescreen/--no-prescreen",
                                   help="skip the pipeline for notes without any CCM signal"),
    id_field: str = typer.Option("id", "--id-field", help="id field or CSV column"),
    text_field: str = typer.Option("text", "--text-field", help="text field or CSV column"),
    quiet: bool = typer.Option(False, "--quiet", help="no summary"),
) -> None:
    """Code every note of INPUT; write exactly one result per note to OUTPUT."""
    from nlp import bulk
    from nlp.reader import InputError
    from nlp.writer import OutputError

    logging.basicConfig(level=logging.WARNING, format="ccm-coder: %(message)s", stream=sys.stderr)
    coder = _load(model, prescreen)
    try:
        summary = bulk.run(coder, input, output, batch_size=batch_size, n_process=n_process,
                           resume=resume, id_field=id_field, text_field=text_field)
    except (InputError, OutputError, bulk.CoderError, ValueError) as exc:
        _fail(str(exc))
    if not quiet:
        typer.echo(summary.render(), err=True)


@app.command()
def train(
    corpus: Path = typer.Option(Path("corpus/data"), "--corpus", help="folder with train/val JSONL"),
    out: Path = typer.Option(Path("models"), "--out", help="model folder to (re)write"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Train the classifier on the corpus and write a model folder with its manifest."""
    from nlp.train import train as run_training

    if not (corpus / "train.jsonl").exists():
        _fail(f"no train.jsonl in {corpus} (run `make corpus`)")
    manifest = run_training(corpus, out, seed=seed)
    metrics = manifest["metrics"]
    typer.echo(f"wrote {out} (validation exact set {metrics['validation_exact_set']:.4f}, "
               f"threshold {manifest['threshold']:.4f}, "
               f"ECE {metrics['validation_calibration']['ece']:.4f})", err=True)


@app.command()
def evaluate(
    gold: Path = typer.Argument(..., help="gold JSONL (id, text, codes, flags, mentions)"),
    model: Path | None = typer.Option(None, "--model", help="model folder (default: models/)"),
    corpus: Path = typer.Option(Path("corpus/data"), "--corpus",
                                help="corpus folder whose train split trains the TF-IDF baseline"),
    json_out: Path | None = typer.Option(None, "--json", help="also write the report as JSON"),
) -> None:
    """Score a model on gold notes beside the rules-only and TF-IDF baselines."""
    from nlp.evaluate import evaluate as run_evaluation
    from nlp.evaluate import render, write_json

    if not gold.is_file():
        _fail(f"no such gold file: {gold}")
    report = run_evaluation(gold, _load(model), corpus=corpus)
    typer.echo(render(report))
    if json_out is not None:
        write_json(report, json_out)


@app.command()
def show(
    results: Path = typer.Argument(..., help="a JSONL file written by `ccm-coder code`"),
    evidence_chars: int = typer.Option(70, "--evidence-chars", help="width of the evidence column"),
) -> None:
    """Print coded results as a table: id, codes, units, confidence, flags, top evidence."""
    import json

    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("id", "codes", "units", "confidence", "flags", "top evidence"):
        table.add_column(column, overflow="fold")
    with open(results, encoding="utf-8") as f:
        for line in f:
            r = json.loads(line)
            codes = r.get("codes") or []
            pieces = [e["text"] for e in (codes[0].get("evidence", []) if codes else [])]
            evidence = max(pieces[:2], key=len, default="")  # the first mention's sentence
            table.add_row(
                str(r["id"]),
                " ".join(c["code"] for c in codes) or ("error" if r["status"] == "error" else "-"),
                " ".join(str(c["units"]) for c in codes),
                " ".join(f"{c['confidence']:.2f}" for c in codes),
                " ".join(r.get("flags") or []),
                " ".join(evidence.split())[:evidence_chars],
            )
    Console(width=160).print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()


@app.command("spark-code")
def spark_code(
    input: str = typer.Argument(..., help="notes: .parquet or .jsonl (file, folder or URI)"),
    output: str = typer.Argument(..., help="results: .parquet or .jsonl (a Spark folder of parts)"),
    master: str | None = typer.Option(None, "--master",
                                         help="e.g. local[2], yarn (default: spark-submit's or local[*])"),
    model: str | None = typer.Option(None, "--model",
                                        help="model folder or archive (.zip/.tar.gz, local or URI)"),
    shared_model: bool = typer.Option(False, "--shared-model",
                                      help="--model is a folder every executor sees: do not ship it"),
    id_field: str = typer.Option("id", "--id-field", help="id field or column"),
    text_field: str = typer.Option("text", "--text-field", help="text field or column"),
    input_format: str | None = typer.Option(None, "--input-format", help="parquet or jsonl"),
    output_format: str | None = typer.Option(None, "--output-format", help="parquet or jsonl"),
    batch_size: int = typer.Option(64, "--batch-size", help="notes per spaCy batch"),
    prescreen: bool = typer.Option(True, "--prescreen/--no-prescreen",
                                   help="skip the pipeline for notes without any CCM signal"),
    overwrite: bool = typer.Option(False, "--overwrite", help="replace OUTPUT if it exists"),
    single_file: bool = typer.Option(False, "--single-file",
                                     help="JSONL to a local path: one file instead of a folder"),
    conf: list[str] = typer.Option([], "--conf", help="Spark setting KEY=VALUE (repeatable)"),
) -> None:
    """Code the notes of INPUT on Spark; write one result row per input row to OUTPUT."""
    try:
        from nlp import spark as ccm_spark
    except ImportError:
        _fail("pyspark is not installed (pip install 'ccm-coder[spark]')")
    settings = {}
    for item in conf:
        key, sep, value = item.partition("=")
        if not sep:
            _fail(f"--conf expects KEY=VALUE, got {key!r}")
        settings[key] = value
    try:
        ccm_spark.file_format(input, input_format)
        ccm_spark.file_format(output, output_format)
        session = ccm_spark.session(master, conf=settings)
        counts = ccm_spark.code_files(
            session, input, output, model, shared=shared_model, id_field=id_field,
            text_field=text_field, input_format=input_format, output_format=output_format,
            batch_size=batch_size, prescreen=prescreen, overwrite=overwrite, single_file=single_file)
    except Exception as exc:  # noqa: BLE001 - Spark's errors name paths and columns, never notes
        from nlp.persistence import ModelIntegrityError

        if isinstance(exc, (ValueError, OSError, ModelIntegrityError)):
            _fail(str(exc))
        _fail(f"Spark job failed: {exc.__class__.__name__}: {str(exc).splitlines()[0][:300]}")
    total = sum(counts.values())
    typer.echo(f"{total:,} notes: " + ", ".join(f"{n:,} {s}" for s, n in sorted(counts.items())),
               err=True)
