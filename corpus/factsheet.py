"""Fact sheets for hand-written notes: sampled session facts plus their gold codes.

    python -m corpus.factsheet --seed 7 --per-scenario 2 > sheets.jsonl
    python -m corpus.factsheet --seed 8 --per-scenario 8 --scenarios S12,S22 > hard.jsonl

A writer turns each sheet into a note in inline markup (see ``corpus/ANNOTATION.md``)
and stores ``{"id", "writer", "scenario", "facts", "markup"}`` in
``corpus/writers/<writer>.jsonl``. The build recomputes the gold codes from the
facts, so a writer never types a code.
"""

from __future__ import annotations

import argparse
import json
import random

from corpus.facts import session_facts
from corpus.scenarios import SCENARIOS, sample
from nlp.coding_rules import assign_codes


def sheets(seed: int, per_scenario: int, scenarios: list[str] | None = None) -> list[dict]:
    """``per_scenario`` sheets for each of ``scenarios`` (default: every scenario)."""
    unknown = set(scenarios or ()) - set(SCENARIOS)
    if unknown:
        raise ValueError(f"unknown scenarios: {sorted(unknown)}")
    rng = random.Random(seed)
    out = []
    for scenario in scenarios or SCENARIOS:
        for i in range(per_scenario):
            facts = sample(scenario, rng)
            gold = assign_codes(session_facts(facts)).to_dict()
            out.append({"id": f"{scenario}-{seed}-{i}", "scenario": scenario,
                        "facts": facts.to_dict(), "gold": gold})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--per-scenario", type=int, default=2)
    parser.add_argument("--scenarios", help="comma-separated scenario ids (default: all)")
    args = parser.parse_args()
    try:
        chosen = sheets(args.seed, args.per_scenario, args.scenarios.split(",") if args.scenarios else None)
    except ValueError as error:
        parser.error(str(error))
    for sheet in chosen:
        print(json.dumps(sheet))


if __name__ == "__main__":
    main()
