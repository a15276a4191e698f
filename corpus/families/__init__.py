"""Template families: independent renderers from session facts to annotated notes.

Each module in this package defines ``FAMILY = Family(...)``. A family is one
writer's way of documenting any session (its headers, sentence order, voice and
phrase banks), so splitting the corpus by family tests generalisation to unseen
writing. ``render(facts, rng)`` returns inline markup (see :mod:`corpus.markup`).
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from collections.abc import Callable
from dataclasses import dataclass

from corpus.facts import NoteFacts


@dataclass(frozen=True)
class Family:
    name: str
    style: str          # "narrative", "ehr_template", "checkbox", "terse", "dictation", ...
    description: str
    render: Callable[[NoteFacts, random.Random], str]


Renderer = Callable[[NoteFacts, random.Random], str]


def route(facts: NoteFacts, rng: random.Random, *, non_device: Renderer, other_device: Renderer,
          ccm_d: Renderer, clinic: Renderer, consult: Renderer, aborted: Renderer,
          procedure: Renderer) -> str:
    """Pick a family's note kind for the session: the same choice in every family."""
    if facts.device_family == "none":
        return non_device(facts, rng)
    if facts.device_family == "other" or facts.scenario == "S16":
        return other_device(facts, rng)
    if facts.device_family == "ccm_d":
        return ccm_d(facts, rng)
    if facts.scenario == "S15":
        return clinic(facts, rng)
    if facts.scenario == "S24":
        return consult(facts, rng)
    if facts.stopped_early and not facts.leads_with("inserted"):
        return aborted(facts, rng)
    return procedure(facts, rng)


def all_families() -> dict[str, Family]:
    """Every family module in this package, by name."""
    found: dict[str, Family] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        family = getattr(module, "FAMILY", None)
        if isinstance(family, Family):
            found[family.name] = family
    return found
