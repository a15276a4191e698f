"""Build the synthetic corpus: sample facts, render, add noise, split, export.

    python -m corpus.build            # writes corpus/data/ and the samples

Deterministic by seed. Splits are by template family and by writer, so test
notes come from writing never seen in training. Outputs, per split: JSONL (the
fields of the dev notes: id, text, codes, flags, mentions; plus the full spans,
scenario, family/writer, noise profile and the session facts) and a spaCy DocBin.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from pathlib import Path

from corpus import markup, noise
from corpus.facts import NoteFacts, session_facts
from corpus.families import all_families
from corpus.referents import apply_convention
from corpus.scenarios import SCENARIOS, sample
from nlp.coding_rules import assign_codes

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "data"
WRITERS = ROOT / "writers"
SAMPLES = ROOT / "samples" / "sample_notes.jsonl"
README = ROOT / "README.md"
SPLIT_NAMES = ("train", "val", "test")

#: Which writing goes to which split. Families and writers not listed go to train.
SPLITS: dict[str, str] = {
    "surgeon_brief": "val", "nursing_device_log": "val", "dictation_attending_b": "val",
    # the third round of writers: validation in the voices of the notes that judge the product
    **dict.fromkeys(["narrative_dictation_r", "asr_raw_r", "adapted_transcript_p", "letter_writer_d",
                     "asr_raw_s", "adapted_transcript_q", "narrative_dictation_s", "asr_raw_t",
                     "adapted_transcript_r", "letter_writer_e", "narrative_dictation_t", "asr_raw_u"], "val"),
    # a later round: a formal academic note, list-command speech recognition, an
    # MTSamples-shaped transcript and a resident's brief operative note
    **dict.fromkeys(["narrative_dictation_w", "asr_raw_ab", "adapted_transcript_v", "handoff_note_a"], "val"),
    # a fifth round: NHS formal dictation, resident's phone speech recognition (hard scenarios)
    # and an MTSamples-shaped transcript
    **dict.fromkeys(["narrative_dictation_ao", "asr_raw_at", "adapted_transcript_al"], "val"),
    "academic_ep": "test", "referral_letter": "test",
    "asr_raw_b": "test", "adapted_transcript_b": "test",
}
#: Noise profile weights by family style; template-like styles are typed, not dictated.
NOISE_WEIGHTS = {
    "typed": {"clean": 0.75, "transcribed": 0.25, "asr": 0.0},
    "dictated": {"clean": 0.45, "transcribed": 0.25, "asr": 0.30},
}
TYPED_STYLES = {"ehr_template", "checkbox", "nursing_log", "terse"}


def build(seed: int = 13, per_scenario: int = 16) -> dict[str, list[dict]]:
    """Every note of the corpus, grouped by split."""
    splits: dict[str, list[dict]] = {name: [] for name in SPLIT_NAMES}
    for family in all_families().values():
        kind = "typed" if family.style in TYPED_STYLES else "dictated"
        for scenario in SCENARIOS:
            for i in range(per_scenario):
                rng = random.Random(f"{seed}:{family.name}:{scenario}:{i}")
                facts = sample(scenario, rng)
                profile = _weighted(NOISE_WEIGHTS[kind], rng)
                segments = noise.apply(markup.parse(family.render(facts, rng)), profile, rng)
                record = _record(f"{family.name}-{scenario}-{i:03d}", segments, facts)
                record.update(source="family", family=family.name, style=family.style, noise=profile)
                splits[SPLITS.get(family.name, "train")].append(record)
    for path in sorted(WRITERS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            facts = NoteFacts.from_dict(row["facts"])
            record = _record(row["id"], markup.parse(row["markup"]), facts)
            record.update(source="writer", family=row["writer"], style="hand-written", noise="as written")
            splits[SPLITS.get(row["writer"], "train")].append(record)
    return splits


def _weighted(weights: dict[str, float], rng: random.Random) -> str:
    names = [k for k, w in weights.items() if w > 0]
    return rng.choices(names, weights=[weights[k] for k in names])[0]


def _record(note_id: str, segments: list[markup.Segment], facts: NoteFacts) -> dict:
    annotated = markup.render(segments)
    spans = apply_convention(align_to_tokens(annotated), facts)
    gold = assign_codes(session_facts(facts))
    return {
        "id": note_id,
        "scenario": facts.scenario,
        "text": annotated.text,
        "codes": dict(sorted(gold.codes.items())),
        "flags": sorted(gold.flags),
        "mentions": [{"text": s.text, "label": s.label, "action": s.action}
                     if s.label in markup.COMPONENT_LABELS else {"text": s.text, "label": s.label}
                     for s in spans],
        "spans": [s.to_dict() for s in spans],
        "facts": session_facts(facts).to_dict(),
    }


_TOKENIZER = None


def align_to_tokens(annotated: markup.AnnotatedText) -> list[markup.Span]:
    """Snap spans to spaCy token boundaries (noise can glue words to punctuation)."""
    global _TOKENIZER
    if _TOKENIZER is None:
        import spacy

        _TOKENIZER = spacy.blank("en")
    doc = _TOKENIZER.make_doc(annotated.text)
    out = []
    for s in annotated.spans:
        span = doc.char_span(s.start, s.end) or doc.char_span(s.start, s.end, alignment_mode="expand")
        if span is None:
            continue
        s.start, s.end, s.text = span.start_char, span.end_char, span.text
        out.append(s)
    return out


def write(splits: dict[str, list[dict]], out_dir: Path = DATA) -> None:
    """JSONL and DocBin per split, the demo samples, and the datasheet counts."""
    from corpus.docbin import to_docbin

    out_dir.mkdir(parents=True, exist_ok=True)
    for name, records in splits.items():
        with open(out_dir / f"{name}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
        to_docbin(records).to_disk(out_dir / f"{name}.spacy")
    _write_samples(splits["test"])
    _write_stats(splits)


def _write_samples(test: list[dict]) -> None:
    """One synthetic note per scenario from the test split, for `make run`."""
    SAMPLES.parent.mkdir(parents=True, exist_ok=True)
    picked: dict[str, dict] = {}
    for r in test:
        if r["source"] == "family" and r["noise"] != "asr" and r["scenario"] not in picked:
            picked[r["scenario"]] = r
    with open(SAMPLES, "w", encoding="utf-8") as f:
        for scenario in SCENARIOS:
            if scenario in picked:
                r = picked[scenario]
                f.write(json.dumps({"id": f"SYNTHETIC-{scenario}", "synthetic": True,
                                    "scenario": scenario, "text": r["text"]}) + "\n")


def _write_stats(splits: dict[str, list[dict]]) -> None:
    lines = ["| scenario | what | " + " | ".join(SPLIT_NAMES) + " |",
             "|---|---|" + "---|" * len(SPLIT_NAMES)]
    counts = {n: Counter(r["scenario"] for r in rs) for n, rs in splits.items()}
    for s, what in SCENARIOS.items():
        lines.append(f"| {s} | {what} | " + " | ".join(str(counts[n][s]) for n in SPLIT_NAMES) + " |")
    lines.append("| all | | " + " | ".join(str(len(splits[n])) for n in SPLIT_NAMES) + " |")
    lines += ["", "| split | template families | hand-written (writers) | noise profiles |", "|---|---|---|---|"]
    for n in SPLIT_NAMES:
        fams = sorted({r["family"] for r in splits[n] if r["source"] == "family"})
        writers = sorted({r["family"] for r in splits[n] if r["source"] == "writer"})
        noises = Counter(r["noise"] for r in splits[n])
        lines.append(f"| {n} | {', '.join(fams)} | {', '.join(writers) or '-'} | "
                     + ", ".join(f"{k} {v}" for k, v in sorted(noises.items())) + " |")
    table = "\n".join(lines)
    start, end = "<!-- stats:start -->", "<!-- stats:end -->"
    text = README.read_text(encoding="utf-8") if README.exists() else f"{start}\n{end}\n"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    README.write_text(f"{head}{start}\n{table}\n{end}{tail}", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="Build the synthetic CCM corpus.")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--per-scenario", type=int, default=16,
                        help="notes per scenario per template family")
    args = parser.parse_args()
    splits = build(args.seed, args.per_scenario)
    write(splits)
    print(" ".join(f"{n}={len(r)}" for n, r in splits.items()))


if __name__ == "__main__":
    main()
