"""Labels: the words a person reads in place of an id, in English and Danish (spec §4.1).

A `label` in the YAML is a text or a mapping by language, `{en: Social services, da:
Socialforvaltningen}`. Whoever shows an id to a person asks its `Label` for a language and gets
that language's text, else the other language's, else the id: so every human-facing output can
use labels without checking which were given. Machine outputs (csv, json) keep ids.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

LANGUAGES = ("en", "da")  # a plain-text label is the English one


@dataclass(frozen=True, slots=True)
class Label:
    """The texts of one id by language (none given: the id is all a reader sees)."""

    id: str
    texts: Mapping[str, str] = field(default_factory=dict)

    def get(self, lang: str = "en") -> str:
        """The text in `lang`, else in another language, else the id."""
        if lang in self.texts:
            return self.texts[lang]
        return next((self.texts[other] for other in LANGUAGES if other in self.texts), self.id)

    def given(self, lang: str = "en") -> str:
        """Like `get`, but "" rather than the id when no text was given."""
        return self.get(lang) if self.texts else ""

    @classmethod
    def of(cls, id: str, raw: Any) -> Label:
        """The label written as `raw` (a text, a mapping by language, or nothing), for code that
        reads a loaded scenario's plain data (the manifest's `resolved`): it was checked then,
        so whatever is not a text is left out rather than reported."""
        if isinstance(raw, str):
            raw = {"en": raw}
        if not isinstance(raw, dict):
            return cls(id)
        return cls(id, {lang: text for lang, text in raw.items()
                        if lang in LANGUAGES and isinstance(text, str) and text.strip()})


def with_label(owner: Any) -> None:
    """In `__post_init__` of a frozen type with `name` and `label`: no label given is the name's own."""
    if owner.label is None:
        object.__setattr__(owner, "label", Label(owner.name))
