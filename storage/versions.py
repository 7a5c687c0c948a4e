"""Staff-typed content in more than one language: a text's other versions, beside the first.

Hearings, polls, notices and the answers to items are typed by staff in one state language;
staff may add the other. The first version stays in its own column (reports, exports and
search read it as before); :class:`Versions` holds the others, by language and field, and is
stored as JSON. A reader gets their language's version of a field, else the first one.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Fields = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Versions:
    """Other versions of a record's texts: language → field → text (immutable, hashable)."""

    items: tuple[tuple[str, Fields], ...] = ()

    @classmethod
    def of(cls, mapping: Mapping[str, Mapping[str, str]] | None) -> Versions:
        """Versions from ``{"ru": {"topic": "..."}}`` (empty texts left out)."""
        items = []
        for language, fields in sorted((mapping or {}).items()):
            kept = tuple(sorted((name, text) for name, text in fields.items() if text))
            if kept:
                items.append((language, kept))
        return cls(tuple(items))

    @classmethod
    def from_json(cls, raw: str | None) -> Versions:
        """Versions as stored (None or malformed: none)."""
        if not raw:
            return cls()
        try:
            data: Any = json.loads(raw)
        except ValueError:
            return cls()
        if not isinstance(data, dict):
            return cls()
        return cls.of(
            {
                str(language): {str(k): str(v) for k, v in fields.items() if isinstance(v, str)}
                for language, fields in data.items()
                if isinstance(fields, dict)
            }
        )

    def to_dict(self) -> dict[str, dict[str, str]]:
        """``{"ru": {"topic": "..."}}``."""
        return {language: dict(fields) for language, fields in self.items}

    def to_json(self) -> str | None:
        """The stored form (None when there is no other version)."""
        return json.dumps(self.to_dict(), ensure_ascii=False) if self.items else None

    def __bool__(self) -> bool:
        return bool(self.items)

    @property
    def languages(self) -> tuple[str, ...]:
        """The languages with a version."""
        return tuple(language for language, _ in self.items)

    def text(self, language: str, field: str) -> str | None:
        """The ``language`` version of ``field``, if there is one."""
        for code, fields in self.items:
            if code == language:
                return dict(fields).get(field)
        return None

    def pick(self, language: str, field: str, first: str) -> str:
        """The reader's version of ``field``, else the first one."""
        return self.text(language, field) or first

    def with_field(self, language: str, field: str, text: str | None) -> Versions:
        """A copy with ``field`` of ``language`` set (None or empty: removed)."""
        data = self.to_dict()
        fields = data.setdefault(language, {})
        if text:
            fields[field] = text
        else:
            fields.pop(field, None)
        return Versions.of(data)

    def without(self, field: str) -> Versions:
        """A copy without ``field`` in any language (its first version changed)."""
        return Versions.of(
            {language: {k: v for k, v in fields if k != field} for language, fields in self.items}
        )


NONE = Versions()  # a record with its first version only (a shared, immutable default)
