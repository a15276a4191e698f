"""A site's own labelled notes (gold JSONL): load, validate row by row, turn into training records.

The gold format is the one of ``shared/dev-notes/dev_notes.jsonl``: one JSON object
per line with ``id``, ``text``, ``codes`` (code -> units), ``flags`` and ``mentions``
(``text``, ``label``, optional ``action`` and booleans). ::

    from nlp import gold
    site = gold.load_gold("site_notes.jsonl")
    for problem in site.problems:          # row, id, field, message; never the note text
        print(problem)
    records = gold.to_training_records(site.valid_rows)   # corpus-format, for a train.jsonl

Problems never quote the note or a mention (both may hold patient information):
they name the row, the id, the field (``mentions[3].text``) and what is wrong.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nlp.coding_rules import CCM_CODES, FLAGS, apply_bundling

#: The label vocabulary of ``shared/spec/entities.md``.
COMPONENT_LABELS: tuple[str, ...] = (
    "CCM_SYSTEM", "PULSE_GENERATOR", "ATRIAL_LEAD", "VENTRICULAR_LEAD", "LEAD", "OTHER_DEVICE",
)
APPROACH_LABELS: tuple[str, ...] = ("VENOUS_ACCESS", "POCKET", "IMAGING", "LEAD_POSITION")
LABELS: tuple[str, ...] = COMPONENT_LABELS + APPROACH_LABELS
ACTIONS: tuple[str, ...] = ("inserted", "removed", "repositioned", "retained", "abandoned", "tested", "none")
CONTEXT_FLAGS: tuple[str, ...] = ("negated", "historical", "hypothetical")
#: Codes the spec counts per electrode; every other code has exactly one unit.
MULTI_UNIT_CODES: frozenset[str] = frozenset({"0411T", "0413T", "0415T"})
#: Flags that say nothing was coded (rules 9 and 10).
NO_CODE_FLAGS: tuple[str, ...] = ("aborted", "ccm_d_out_of_scope")

ERROR, WARNING = "error", "warning"

_GENERATOR = {"PULSE_GENERATOR", "CCM_SYSTEM"}
_LEADS = {"ATRIAL_LEAD", "VENTRICULAR_LEAD", "LEAD"}
#: Warnings: a code whose documented work has no mention with the matching action.
#: Only checked for rows that annotate component mentions at all.
_CODE_EVIDENCE: dict[str, tuple[set[str], set[str], str]] = {
    "0408T": (_GENERATOR, {"inserted"}, "an inserted generator or CCM system"),
    "0409T": (_GENERATOR, {"inserted"}, "an inserted generator or CCM system"),
    "0410T": ({"ATRIAL_LEAD", "LEAD"}, {"inserted"}, "an inserted atrial lead"),
    "0411T": ({"VENTRICULAR_LEAD", "LEAD"}, {"inserted"}, "an inserted ventricular lead"),
    "0412T": (_GENERATOR, {"removed"}, "a removed generator or CCM system"),
    "0413T": (_LEADS | {"CCM_SYSTEM"}, {"removed"}, "a removed lead"),
    "0414T": (_GENERATOR, {"removed"}, "a removed generator"),
    "0415T": (_LEADS, {"repositioned"}, "a repositioned lead"),
    "0416T": (_GENERATOR, {"repositioned"}, "a relocated generator"),
    "0417T": (_GENERATOR | _LEADS, {"tested", "retained"}, "a tested CCM component"),
    "0418T": (_GENERATOR | _LEADS, {"tested", "retained"}, "a tested CCM component"),
}
_NUMBER_WORDS = {"two": 2, "both": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
_LEADING_WORD = re.compile(r"\s*(?:the\s+|all\s+)?(\w+)", re.IGNORECASE)


class GoldError(ValueError):
    """A gold file cannot be used (unreadable, or has rows with errors where none are allowed)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one row. ``row`` is the 1-based line of the file (or position)."""

    row: int
    id: str | None
    field: str
    message: str
    severity: str = ERROR

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        return f"row {self.row} (id {self.id}): {self.severity}: {self.field}: {self.message}"


@dataclass
class GoldSet:
    """The parsed rows of a gold file, their line numbers and every problem found."""

    path: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == WARNING]

    @property
    def ok(self) -> bool:
        """No errors (warnings allowed)."""
        return not self.errors

    @property
    def valid_rows(self) -> list[dict[str, Any]]:
        """The rows without any error: safe to train or evaluate on."""
        bad = {p.row for p in self.errors}
        return [r for r, n in zip(self.rows, self.row_numbers) if n not in bad]

    def summary(self) -> dict[str, int]:
        return {"rows": len(self.rows), "valid_rows": len(self.valid_rows),
                "errors": len(self.errors), "warnings": len(self.warnings),
                "rows_with_errors": len({p.row for p in self.errors})}


def load_gold(path: str | Path) -> GoldSet:
    """Read a gold JSONL file and validate every row; never raises for bad rows.

    A line that is not JSON, or not a JSON object, is a problem of its own row and
    is left out of ``rows``.
    """
    path = Path(path)
    if not path.is_file():
        raise GoldError(f"no such gold file: {path}")
    out = GoldSet(path=str(path))
    parse_problems: list[Problem] = []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                parse_problems.append(Problem(number, None, "(line)",
                                              f"not valid JSON (column {getattr(exc, 'colno', '?')})"))
                continue
            if not isinstance(row, dict):
                parse_problems.append(Problem(number, None, "(line)", "not a JSON object"))
                continue
            out.rows.append(row)
            out.row_numbers.append(number)
    out.problems = sorted(parse_problems + validate(out.rows, row_numbers=out.row_numbers),
                          key=lambda p: p.row)
    return out


def validate_file(path: str | Path) -> list[Problem]:
    """All problems of a gold file, in row order."""
    return load_gold(path).problems


def validate(rows: Iterable[dict[str, Any]], *, row_numbers: Iterable[int] | None = None) -> list[Problem]:
    """All problems of the given rows (``row`` is ``row_numbers[i]``, else ``i + 1``)."""
    rows = list(rows)
    numbers = list(row_numbers) if row_numbers is not None else list(range(1, len(rows) + 1))
    if len(numbers) != len(rows):
        raise ValueError("row_numbers must have one number per row")
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for number, row in zip(numbers, rows):
        problems += validate_row(row, number)
        rid = _id_of(row)
        if rid is not None:
            if rid in seen:
                problems.append(Problem(number, rid, "id", f"duplicate id (first on row {seen[rid]})"))
            else:
                seen[rid] = number
    return problems


def validate_row(row: Any, number: int = 1) -> list[Problem]:
    """The problems of one row: schema, mentions in the text, codes against the coding rules."""
    if not isinstance(row, dict):
        return [Problem(number, None, "(row)", "not a JSON object")]
    rid = _id_of(row)
    problems: list[Problem] = []

    def add(field_name: str, message: str, severity: str = ERROR) -> None:
        problems.append(Problem(number, rid, field_name, message, severity))

    if "id" not in row:
        add("id", "missing")
    elif rid is None:
        add("id", "must be a non-empty string or an integer")

    text = row.get("text")
    if "text" not in row:
        add("text", "missing")
    elif not isinstance(text, str) or not text.strip():
        add("text", "must be a non-empty string")
        text = None

    codes = _check_codes(row, add)
    flags = _check_flags(row, add)
    mentions = _check_mentions(row, text, add)

    if codes is not None:
        bundled = apply_bundling(codes)
        if bundled != codes:
            dropped = sorted(set(codes) - set(bundled))
            add("codes", f"breaks the bundling rules: {', '.join(dropped)} cannot be reported "
                         f"with {', '.join(sorted(bundled))} (coding rules 1 and 7)")
    if codes is not None and flags is not None:
        for flag in NO_CODE_FLAGS:
            if flag in flags and codes:
                add("flags", f"'{flag}' notes get no CCM code, but codes are given (rules 9-10)")
        if "partial" in flags and not codes:
            add("flags", "'partial' needs the codes of the completed work; with none it is 'aborted' (rule 10)")
        if "partial" in flags and "aborted" in flags:
            add("flags", "'partial' and 'aborted' exclude each other (rule 10)")
    if codes and mentions:
        _check_evidence(codes, mentions, add)
    return problems


def to_training_records(rows: Iterable[dict[str, Any]], *, source: str = "site") -> list[dict[str, Any]]:
    """Gold rows -> corpus-format records (``spans`` added) for a ``train.jsonl``.

    Each mention becomes a span at the first occurrence of its text in the note,
    with two refinements so that repeated and nested mentions land where they were
    meant: a mention listed again takes the next occurrence of its text, and an
    occurrence inside a longer mention already placed (the "generator" of
    "OPTIMIZER Smart generator") is passed over; whole-word occurrences are
    preferred. A mention with no occurrence left falls back to its first
    occurrence and is dropped if that span already exists; mentions not found are
    left out. Component mentions without an action get ``none``; approach terms
    always ``none``. ``count`` is the mention's own, else read from a leading number
    word ("two", "both", "3"), else 1. Validate first: rows are converted as they are.
    """
    out = []
    for row in rows:
        text = row["text"]
        listed = [(i, m) for i, m in enumerate(row.get("mentions") or [])
                  if isinstance(m, dict) and isinstance(m.get("text"), str) and m["text"]
                  and m.get("label") in LABELS]
        placed: list[tuple[int, int]] = []
        keys: set[tuple[int, int, str]] = set()
        taken: dict[str, int] = {}
        found: dict[int, tuple[int, dict[str, Any]]] = {}
        # Longest first, so a nested text skips the occurrences inside longer mentions;
        # the sort is stable, so repeats of one text keep their listed order.
        for i, m in sorted(listed, key=lambda im: -len(im[1]["text"])):
            mtext, label = m["text"], m["label"]
            start = _occurrence(text, mtext, taken.get(mtext, 0), placed)
            if start < 0:
                continue
            taken[mtext] = start + len(mtext)
            if (start, start + len(mtext), label) in keys:
                continue
            keys.add((start, start + len(mtext), label))
            placed.append((start, start + len(mtext)))
            found[i] = (start, m)
        mentions, spans = [], []
        for i in sorted(found):
            start, m = found[i]
            mtext, label = m["text"], m["label"]
            action = m.get("action") or "none"
            if label in APPROACH_LABELS or action not in ACTIONS:
                action = "none"
            context = {k: bool(m.get(k, False)) for k in CONTEXT_FLAGS}
            if any(context.values()):
                action = "none"
            count = m.get("count")
            if not isinstance(count, int) or isinstance(count, bool) or count < 1:
                count = _count_of(mtext)
            mention = {"text": mtext, "label": label}
            if label in COMPONENT_LABELS:
                mention["action"] = action
            mentions.append(mention)
            spans.append({"start": start, "end": start + len(mtext), "text": mtext, "label": label,
                          "action": action, **context, "count": count})
        spans.sort(key=lambda s: (s["start"], s["end"]))
        out.append({
            "id": str(row["id"]),
            "scenario": row.get("scenario", source),
            "text": text,
            "codes": {str(k): int(v) for k, v in (row.get("codes") or {}).items()},
            "flags": list(row.get("flags") or []),
            "mentions": mentions,
            "spans": spans,
            "facts": None,
            "source": source,
            "family": source,
            "style": row.get("style", source) if isinstance(row.get("style"), str) else source,
            "noise": "as written",
        })
    return out


def from_records(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Corpus records -> gold rows (``id, text, codes, flags, mentions``), e.g. to play a site's file."""
    return [{"id": r["id"], "text": r["text"], "codes": dict(r.get("codes") or {}),
             "flags": list(r.get("flags") or []), "mentions": [dict(m) for m in r.get("mentions") or []]}
            for r in records]


def write_jsonl(rows: Iterable[dict[str, Any]], path: str | Path) -> Path:
    """Write rows as JSON Lines (UTF-8), creating the folder."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    return path


# --------------------------------------------------------------------------- helpers


def _id_of(row: dict[str, Any]) -> str | None:
    value = row.get("id")
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value
    return None


def _show(value: Any, limit: int = 24) -> str:
    """A short repr of a label/code/flag value (never called on note or mention text)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short(key: Any, limit: int = 12) -> str:
    """A field-name-safe short form of an object key (never note or mention text)."""
    text = str(key)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _check_codes(row: dict[str, Any], add) -> dict[str, int] | None:
    if "codes" not in row:
        add("codes", "missing (use {} for a note with no CCM code)")
        return None
    codes = row["codes"]
    if not isinstance(codes, dict):
        add("codes", "must be an object of code -> units")
        return None
    ok: dict[str, int] = {}
    for code, units in codes.items():
        if code not in CCM_CODES:
            add(f"codes.{_short(code)}", "unknown code (expected one of 0408T-0418T)")
            continue
        if isinstance(units, bool) or not isinstance(units, int) or units < 1:
            add(f"codes.{code}", f"units must be a positive integer, got {_show(units)}")
            continue
        if units > 1 and code not in MULTI_UNIT_CODES:
            add(f"codes.{code}", f"{code} is reported with 1 unit, got {units}")
        ok[code] = units
    return ok if len(ok) == len(codes) else None


def _check_flags(row: dict[str, Any], add) -> list[str] | None:
    flags = row.get("flags", [])
    if not isinstance(flags, list):
        add("flags", "must be a list")
        return None
    good = True
    for i, flag in enumerate(flags):
        if flag not in FLAGS:
            add(f"flags[{i}]", f"unknown flag {_show(flag)} (expected one of {', '.join(FLAGS)})")
            good = False
    if len(set(map(str, flags))) != len(flags):
        add("flags", "repeated flag", WARNING)
    return flags if good else None


def _check_mentions(row: dict[str, Any], text: str | None, add) -> list[dict[str, Any]]:
    mentions = row.get("mentions", [])
    if not isinstance(mentions, list):
        add("mentions", "must be a list")
        return []
    good = []
    for i, m in enumerate(mentions):
        where = f"mentions[{i}]"
        if not isinstance(m, dict):
            add(where, "must be an object with text and label")
            continue
        bad = False
        mtext = m.get("text")
        if not isinstance(mtext, str) or not mtext.strip():
            add(f"{where}.text", "must be a non-empty string")
            bad = True
        elif text is not None and mtext not in text:
            add(f"{where}.text", "not found in the note text (must be an exact substring)")
            bad = True
        label = m.get("label")
        if label not in LABELS:
            add(f"{where}.label", f"unknown label {_show(label)}")
            bad = True
        action = m.get("action")
        if action is not None:
            if action not in ACTIONS:
                add(f"{where}.action", f"unknown action {_show(action)} (expected one of {', '.join(ACTIONS)})")
                bad = True
            elif label in APPROACH_LABELS and action != "none":
                add(f"{where}.action", f"approach terms ({label}) carry no action")
                bad = True
        elif label in COMPONENT_LABELS:
            add(f"{where}.action", "component mention without an action (read as 'none')", WARNING)
        for key in CONTEXT_FLAGS:
            if key in m and not isinstance(m[key], bool):
                add(f"{where}.{key}", "must be true or false")
                bad = True
        if any(m.get(k) is True for k in CONTEXT_FLAGS) and action not in (None, "none"):
            add(f"{where}.action", "a negated/historical/hypothetical mention has action 'none'")
            bad = True
        count = m.get("count")
        if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
            add(f"{where}.count", "must be a positive integer")
            bad = True
        if not bad:
            good.append(m)
    return good


def _check_evidence(codes: dict[str, int], mentions: list[dict[str, Any]], add) -> None:
    components = [(m["label"], m.get("action") or "none") for m in mentions if m["label"] in COMPONENT_LABELS]
    if not components:
        return
    for code in codes:
        labels, actions, what = _CODE_EVIDENCE[code]
        if not any(label in labels and action in actions for label, action in components):
            add("mentions", f"{code} is coded but no mention is {what}", WARNING)


def _occurrence(text: str, sub: str, after: int, placed: list[tuple[int, int]]) -> int:
    """Where a mention goes: the first whole-word occurrence from ``after`` that is not
    inside a placed span, else any such occurrence, else the first occurrence (-1: none)."""
    starts, i = [], text.find(sub)
    while i >= 0:
        starts.append(i)
        i = text.find(sub, i + 1)
    if not starts:
        return -1

    def free(s: int) -> bool:
        return not any(a <= s and s + len(sub) <= b and (a, b) != (s, s + len(sub)) for a, b in placed)

    def whole_word(s: int) -> bool:
        before = text[s - 1] if s > 0 else " "
        after_char = text[s + len(sub)] if s + len(sub) < len(text) else " "
        return not (before.isalnum() and sub[0].isalnum()) and not (after_char.isalnum() and sub[-1].isalnum())

    candidates = [s for s in starts if s >= after and free(s)]
    for s in candidates:
        if whole_word(s):
            return s
    return candidates[0] if candidates else starts[0]


def _count_of(text: str) -> int:
    match = _LEADING_WORD.match(text)
    return _NUMBER_WORDS.get(match.group(1).lower(), 1) if match else 1
