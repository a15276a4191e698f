"""The ``ccm-coder`` command line: code, train, evaluate.

Errors are one line on stderr and a non-zero exit; note text never appears in
any message.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Code CCM device procedure notes to CPT 0408T-0418T.")


def _fail(message: str, code: int = 2) -> None:
    typer.echo(f"ccm-coder: {message}", err=True)
    raise typer.Exit(code)


def _load(model: Optional[Path], prescreen: bool = True):
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
    model: Optional[Path] = typer.Option(None, "--model", help="model folder (default: models/)"),
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
    model: Optional[Path] = typer.Option(None, "--model", help="model folder (default: models/)"),
    corpus: Path = typer.Option(Path("corpus/data"), "--corpus",
                                help="corpus folder whose train split trains the TF-IDF baseline"),
    json_out: Optional[Path] = typer.Option(None, "--json", help="also write the report as JSON"),
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
            evidence = next((e["text"] for c in codes for e in c.get("evidence", [])), "")
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
