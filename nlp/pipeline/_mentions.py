"""Entity spans whose CCM attributes are read and written straight in ``doc.user_data``.

``span._.action`` builds an ``Underscore`` object on every access and then looks up
``doc.user_data[("._.", "action", start_char, end_char)]``. The context and action
components touch these attributes many times per entity, so they wrap each entity
once in a :class:`Mention`, whose ``action``/``negated``/... properties use the
same ``user_data`` keys directly: ``span._.x`` reads exactly what they write.
"""

from __future__ import annotations

from typing import Any

from spacy.tokens import Doc, Span

from .extensions import SPAN_EXTENSIONS


class Mention:
    """One entity span and its offsets; the span extensions as properties."""

    __slots__ = ("span", "label_", "start", "end", "start_char", "end_char", "_data")

    def __init__(self, span: Span) -> None:
        self.span = span
        self.label_ = span.label_
        self.start, self.end = span.start, span.end
        self.start_char, self.end_char = span.start_char, span.end_char
        self._data = span.doc.user_data

    def get(self, name: str) -> Any:
        return self._data.get(("._.", name, self.start_char, self.end_char), SPAN_EXTENSIONS[name])

    def set(self, name: str, value: Any) -> None:
        self._data[("._.", name, self.start_char, self.end_char)] = value


def _extension(name: str) -> property:
    default = SPAN_EXTENSIONS[name]

    def get(self: Mention) -> Any:
        return self._data.get(("._.", name, self.start_char, self.end_char), default)

    def set(self: Mention, value: Any) -> None:
        self._data[("._.", name, self.start_char, self.end_char)] = value

    return property(get, set)


for _name in SPAN_EXTENSIONS:
    setattr(Mention, _name, _extension(_name))


def mentions(doc: Doc) -> list[Mention]:
    """The doc's entities, in order."""
    return [Mention(span) for span in doc.ents]
