"""The README's accuracy tables, rebuilt from data: ``make evaluate``.

Evaluates the model in ``models/`` (beside the rules-only and TF-IDF baselines) on
the corpus test split (template families and writers never seen in training), on
the dev notes, and counts CCM codes given to the 2,376 real MTSamples notes (all
non-CCM). Writes ``out/eval/*.json`` and replaces the block between
``<!-- accuracy:start -->`` and ``<!-- accuracy:end -->`` in README.md.
"""

from __future__ import annotations

import argparse
import json
import platform
from pathlib import Path

import nlp
from nlp.evaluate import Report, evaluate, render, write_json
from nlp.train import read_jsonl

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "out" / "eval"


def code_table(reports: dict[str, Report]) -> list[str]:
    lines = ["| notes | system | exact set | exact set + units | min F1 0408T-0411T | mention recall | action accuracy |",
             "|---|---|---|---|---|---|---|"]
    for name, report in reports.items():
        m = report.mentions
        rows = [("**model**", report.model)] + list(report.baselines.items())
        for system, scores in rows:
            mentions = (f"{m['mention_recall']:.3f} | {m['action_accuracy']:.3f}"
                        if system == "**model**" and m["mentions"] else "- | -")
            lines.append(f"| {name} ({scores.notes}) | {system} | {scores.exact_set:.3f} | "
                         f"{scores.exact_units:.3f} | {scores.core_min_f1:.3f} | {mentions} |")
    return lines


def entity_table(report: Report) -> list[str]:
    lines = ["| label | precision | recall | F1 | support |", "|---|---|---|---|---|"]
    for label, m in report.entities.items():
        if label != "actions":
            lines.append(f"| {label} | {m['precision']:.3f} | {m['recall']:.3f} | {m['f1']:.3f} | {m['support']} |")
    actions = report.entities.get("actions", {})
    lines.append(f"| action (components found) | accuracy {actions.get('accuracy', 0):.3f} | | | "
                 f"{actions.get('support', 0)} |")
    return lines


def extraction_side_by_side(coder, named: dict[str, list[dict]]) -> list[str]:
    """Mention recall / action accuracy of the rules alone beside rules + trained action model."""
    from nlp.evaluate import mention_scores
    from nlp.pipeline import entity_records
    from nlp.pipeline._text import make_doc

    lines = ["| notes | rules only: mention recall / action accuracy | rules + action model |", "|---|---|---|"]
    for name, records in named.items():
        cells = []
        for disable in (["ccm_action_model"], []):
            with coder.nlp.select_pipes(disable=disable):
                docs = coder.nlp.pipe(make_doc(coder.nlp, r["text"]) for r in records)
                m = mention_scores(records, [entity_records(d) for d in docs])
            cells.append(f"{m['mention_recall']:.3f} / {m['action_accuracy']:.3f}")
        lines.append(f"| {name} ({len(records)}) | {cells[0]} | {cells[1]} |")
    return lines


def real_notes(coder, path: Path) -> tuple[int, int]:
    rows = read_jsonl(path)
    coded = sum(1 for r in coder.pipe((str(x["id"]), x["text"]) for x in rows) if r.codes)
    return len(rows), coded


def update_readme_block(name: str, block: str) -> None:
    """Replace the text between ``<!-- name:start -->`` and ``<!-- name:end -->`` in README.md."""
    readme = ROOT / "README.md"
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = readme.read_text(encoding="utf-8")
    if start not in text:
        return
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    readme.write_text(f"{head}{start}\n{block}\n{end}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--model", type=Path, default=None)
    args = parser.parse_args()
    coder = nlp.load(args.model)
    corpus = ROOT / "corpus" / "data"
    reports = {"corpus test split": evaluate(corpus / "test.jsonl", coder, corpus=corpus)}
    dev = args.shared / "dev-notes" / "dev_notes.jsonl"
    if dev.exists():
        reports["dev notes"] = evaluate(dev, coder, corpus=corpus)
    for name, report in reports.items():
        print(f"== {name}\n{render(report)}\n")
        write_json(report, OUT / f"{name.replace(' ', '_')}.json")

    lines = code_table(reports)
    real = args.shared / "realdata" / "mtsamples_all.jsonl"
    if real.exists():
        total, coded = real_notes(coder, real)
        lines += ["", f"Real non-CCM notes (MTSamples, www.mtsamples.com): {coded} of {total:,} given a CCM code."]
        (OUT / "mtsamples.json").write_text(json.dumps({"notes": total, "with_ccm_code": coded}) + "\n")
    test = reports["corpus test split"]
    lines += ["", f"Confidence: threshold {test.threshold:.3f} (chosen on validation); on the test split "
              f"{test.above_threshold['coverage']:.1%} of notes are at or above it, "
              f"{test.above_threshold['exact_set']:.4f} of them exact; ECE {test.calibration['ece']:.3f}.",
              "", "Extraction on the corpus test split (overlap match against every gold span):", ""]
    lines += entity_table(test)
    side = {"corpus validation split": read_jsonl(corpus / "val.jsonl"),
            "corpus test split": read_jsonl(corpus / "test.jsonl")}
    if dev.exists():
        side["dev notes"] = read_jsonl(dev)
    lines += ["", "Does the trained action model help? Mentions scored as `shared/tools/score.py` does "
              "(first occurrence of each gold mention):", ""]
    lines += extraction_side_by_side(coder, side)
    lines += ["", f"Measured with `make evaluate` on {platform.machine()}, Python {platform.python_version()}."]
    block = "\n".join(lines)
    print(block)
    update_readme_block("accuracy", block)


if __name__ == "__main__":
    main()
