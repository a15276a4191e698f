"""Inline span markup for synthetic notes.

Templates and hand-written notes mark spans inline, so the text and its
annotation are written together and cannot drift apart::

    [two new RV septal leads](VENTRICULAR_LEAD|inserted|count=2) via the
    [right axillary vein](VENOUS_ACCESS); [CCM system](CCM_SYSTEM|none|historical)

The first field is a label of ``shared/spec/entities.md``; the optional second
an action; the optional third a comma list of ``negated``, ``historical``,
``hypothetical`` and ``count=N``. A note is parsed into :class:`Segment` s
(plain text or one span each) so that noise can rewrite each piece and the
offsets are recomputed afterwards.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

COMPONENT_LABELS = (
    "CCM_SYSTEM", "PULSE_GENERATOR", "ATRIAL_LEAD", "VENTRICULAR_LEAD", "LEAD", "OTHER_DEVICE",
)
APPROACH_LABELS = ("VENOUS_ACCESS", "POCKET", "IMAGING", "LEAD_POSITION")
LABELS = COMPONENT_LABELS + APPROACH_LABELS
ACTIONS = ("inserted", "removed", "repositioned", "retained", "abandoned", "tested", "none")

_SPAN = re.compile(r"\[([^\[\]\n]+)\]\(([A-Z_]+)(?:\|([a-z]+))?(?:\|([a-z0-9=,]+))?\)")


class MarkupError(ValueError):
    """A span in a template is malformed (unknown label, action or attribute)."""


@dataclass(frozen=True)
class SpanAttrs:
    """The annotation a span carries (entities.md)."""

    label: str
    action: str = "none"
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    count: int = 1

    def __post_init__(self) -> None:
        if self.label not in LABELS:
            raise MarkupError(f"unknown label {self.label!r}")
        if self.action not in ACTIONS:
            raise MarkupError(f"unknown action {self.action!r}")
        if (self.negated or self.historical or self.hypothetical) and self.action != "none":
            raise MarkupError("a negated/historical/hypothetical span has action 'none'")


@dataclass(frozen=True)
class Segment:
    """A piece of a note: plain text (``attrs is None``) or one annotated span."""

    text: str
    attrs: SpanAttrs | None = None


@dataclass
class Span:
    start: int
    end: int
    text: str
    label: str
    action: str = "none"
    negated: bool = False
    historical: bool = False
    hypothetical: bool = False
    count: int = 1

    def to_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class AnnotatedText:
    text: str
    spans: list[Span] = field(default_factory=list)


#: A span ending in "-D" right before a period ("CRT-D.") would tokenise as "D."
_ABBREVIATION_END = re.compile(r"\[([^\[\]]*?-[A-Z])\]\(([^()]*)\)\.")


def parse(markup: str) -> list[Segment]:
    """Split markup into plain and annotated segments."""
    markup = _ABBREVIATION_END.sub(lambda g: f"[{g.group(1)} device]({g.group(2)}).", markup)
    segments: list[Segment] = []
    pos = 0
    for m in _SPAN.finditer(markup):
        if m.start() > pos:
            segments.append(Segment(markup[pos:m.start()]))
        segments.append(Segment(m.group(1), _attrs(m.group(2), m.group(3), m.group(4))))
        pos = m.end()
    if pos < len(markup):
        segments.append(Segment(markup[pos:]))
    return segments


def render(segments: list[Segment]) -> AnnotatedText:
    """Join segments into text with character-offset spans."""
    parts: list[str] = []
    spans: list[Span] = []
    pos = 0
    for seg in segments:
        if seg.attrs is not None and seg.text.strip():
            lead = len(seg.text) - len(seg.text.lstrip())
            core = seg.text.strip()
            a = seg.attrs
            spans.append(Span(pos + lead, pos + lead + len(core), core, a.label, a.action,
                              a.negated, a.historical, a.hypothetical, a.count))
        parts.append(seg.text)
        pos += len(seg.text)
    return AnnotatedText("".join(parts), spans)


def with_text(segment: Segment, text: str) -> Segment:
    return replace(segment, text=text)


def _attrs(label: str, action: str | None, extra: str | None) -> SpanAttrs:
    kwargs: dict = {"label": label, "action": action or "none"}
    for item in filter(None, (extra or "").split(",")):
        if item.startswith("count="):
            kwargs["count"] = int(item[6:])
        elif item in ("negated", "historical", "hypothetical"):
            kwargs[item] = True
        else:
            raise MarkupError(f"unknown span attribute {item!r}")
    return SpanAttrs(**kwargs)
