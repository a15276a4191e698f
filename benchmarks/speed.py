"""The README's speed and memory tables, rebuilt by ``make bench``.

Each figure sits beside ``spacy.blank("en")`` tokenising the same notes in the same
run, so the ratios hold across machines:

1. pipeline words/s (the spaCy pipeline alone) vs the tokenizer, and for scale two
   stock spaCy pipelines on the CCM-dense notes: ``sentencizer`` alone, and
   ``span_ruler`` holding only our terminology token patterns;
2. the whole CLI, start to last record, on CCM-dense notes (corpus test split,
   repeated to 3,000+) and on a real mixed stream (the 2,376 MTSamples notes);
3. ``--n-process 2`` vs ``--n-process 1`` on 10,000+ CCM-dense notes;
4. peak RSS, and RSS at note 10,000 and note 50,000 of a long mixed stream
   (one CCM note in ten).

Inputs are written to ``out/bench/`` (never committed). Replaces the block between
``<!-- bench:start -->`` and ``<!-- bench:end -->`` in README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import spacy

from benchmarks.accuracy import update_readme_block

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "out" / "bench"
CLI = [sys.executable, "-m", "nlp"]


def read_texts(path: Path) -> list[str]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line)["text"] for line in f if line.strip()]


def write_notes(path: Path, texts: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps({"id": f"n{i}", "text": text}) + "\n" for i, text in enumerate(texts))
    return path


def repeat_to(texts: list[str], n: int) -> list[str]:
    return [texts[i % len(texts)] for i in range(n)]


def tokenizer_seconds(texts: list[str]) -> tuple[float, int]:
    nlp = spacy.blank("en")
    start = time.perf_counter()
    words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=64))
    return time.perf_counter() - start, words


@dataclass
class Run:
    seconds: float
    peak_rss_mb: float
    rss_at: dict[int, float]


def run_cli(input_path: Path, *args: str, marks: tuple[int, ...] = ()) -> Run:
    """Run ``ccm-coder code`` as a subprocess; sample its RSS and its output line count."""
    output = input_path.with_suffix(".out.jsonl")
    output.unlink(missing_ok=True)  # the watcher counts this run's lines only
    start = time.perf_counter()
    proc = subprocess.Popen([*CLI, "code", str(input_path), "-o", str(output), "--quiet", *args],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    samples = {"peak": 0.0, "at": {}}

    def watch() -> None:
        lines = offset = 0
        while proc.poll() is None:
            rss = _rss_mb(proc.pid)
            samples["peak"] = max(samples["peak"], rss)
            if marks and output.exists():
                with open(output, "rb") as f:
                    f.seek(offset)
                    chunk = f.read()
                offset += len(chunk)
                lines += chunk.count(b"\n")
                for mark in marks:
                    if lines >= mark and mark not in samples["at"]:
                        samples["at"][mark] = rss
            time.sleep(0.05)

    watcher = threading.Thread(target=watch)
    watcher.start()
    _, err = proc.communicate()
    watcher.join()
    if proc.returncode:
        raise SystemExit(f"ccm-coder failed ({proc.returncode}): {err.decode()[-300:]}")
    return Run(time.perf_counter() - start, samples["peak"], samples["at"])


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (worker processes), in MB."""
    total = 0
    pids = [pid]
    try:
        pids += [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def pipeline_words_per_second(texts: list[str]) -> float:
    import nlp as package
    from nlp.pipeline._text import make_doc

    coder = package.load()
    start = time.perf_counter()
    words = 0
    for doc in coder.nlp.pipe(make_doc(coder.nlp, t) for t in texts):
        words += len(doc)
    return words / (time.perf_counter() - start)


def stock_words_per_second(texts: list[str], component: str) -> float:
    """Words/s of ``spacy.blank("en")`` plus one stock component (``span_ruler`` gets the
    token patterns of ``nlp/data/terminology_patterns.jsonl``), measured as the tokenizer is."""
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe(component)
    if component == "span_ruler":
        with open(ROOT / "nlp" / "data" / "terminology_patterns.jsonl", encoding="utf-8") as f:
            rows = [json.loads(line) for line in f if line.strip()]
        pipe.add_patterns([{"label": row["label"], "pattern": row["pattern"]} for row in rows])
    start = time.perf_counter()
    words = sum(len(doc) for doc in nlp.pipe(texts, batch_size=64))
    return words / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--long", type=int, default=50_000, help="notes in the long stream")
    args = parser.parse_args()
    corpus = read_texts(ROOT / "corpus" / "data" / "test.jsonl")
    unique = corpus + read_texts(ROOT / "corpus" / "data" / "val.jsonl")
    real = read_texts(args.shared / "realdata" / "mtsamples_all.jsonl")
    dense = repeat_to(corpus, max(3000, len(corpus)))
    rows = []

    # 1. the spaCy pipeline alone; repeated notes let the tokenizer serve words from its cache
    for name, texts in (("CCM-dense", dense[:1500]), (f"CCM notes each seen once ({len(unique):,})", unique),
                        ("MTSamples", real)):
        tok_s, words = tokenizer_seconds(texts)
        wps = pipeline_words_per_second(texts)
        rows.append((f"pipeline words/s, {name}", f"{wps:,.0f}", f"{words / tok_s:,.0f}",
                     f"{wps / (words / tok_s):.2f}x"))
    tok_s, words = tokenizer_seconds(dense[:1500])
    for component in ("sentencizer", "span_ruler"):
        wps = stock_words_per_second(dense[:1500], component)
        patterns = " (our terminology patterns)" if component == "span_ruler" else ""
        rows.append((f"for scale: spaCy's stock `{component}`{patterns} alone, CCM-dense", f"{wps:,.0f}",
                     f"{words / tok_s:,.0f}", f"{wps / (words / tok_s):.2f}x"))

    # 2. the whole CLI
    for name, texts in ((f"CLI notes/s, CCM-dense ({len(dense):,} notes)", dense),
                        (f"CLI notes/s, MTSamples ({len(real):,} notes)", real)):
        path = write_notes(OUT / "cli.jsonl", texts)
        tok_s, _ = tokenizer_seconds(texts)
        run = run_cli(path)
        rows.append((name, f"{len(texts) / run.seconds:,.0f}", f"{len(texts) / tok_s:,.0f}",
                     f"{tok_s / run.seconds:.2f}x"))

    # 3. two processes vs one
    many = repeat_to(corpus, 10_000)
    path = write_notes(OUT / "many.jsonl", many)
    one = run_cli(path, "--n-process", "1")
    two = run_cli(path, "--n-process", "2")
    rows.append((f"CLI --n-process 2 vs 1 ({len(many):,} CCM-dense notes)",
                 f"{len(many) / two.seconds:,.0f} vs {len(many) / one.seconds:,.0f}", "",
                 f"{one.seconds / two.seconds:.2f}x"))

    # 4. memory over a long mixed stream
    long_stream = [corpus[i % len(corpus)] if i % 10 == 0 else real[i % len(real)] for i in range(args.long)]
    path = write_notes(OUT / "long.jsonl", long_stream)
    marks = (10_000, args.long - 100)
    run = run_cli(path, marks=marks)
    at_10k, at_end = run.rss_at.get(marks[0], 0.0), run.rss_at.get(marks[1], 0.0)
    growth = (at_end - at_10k) / at_10k if at_10k else float("nan")
    rows.append((f"peak RSS, {args.long:,}-note stream (MB)", f"{run.peak_rss_mb:,.0f}", "", ""))
    rows.append((f"RSS at note 10,000 -> {marks[1]:,} (MB)", f"{at_10k:,.0f} -> {at_end:,.0f}", "",
                 f"{growth:+.1%}"))

    lines = ["| measure | ccm-coder | spacy.blank tokenizer | ratio |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    lines += ["", f"Measured with `make bench` on {platform.machine()}, {os.cpu_count()} CPUs, "
              f"Python {platform.python_version()}, spaCy {spacy.__version__}."]
    block = "\n".join(lines)
    print(block)
    update_readme_block("bench", block)


if __name__ == "__main__":
    main()
