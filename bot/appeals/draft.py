"""The draft of a resident's item, saved at every step of the intake dialog."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from storage.appeals import Kind


@dataclass(slots=True)
class IntakeDraft:
    """A resident's item being written, saved at every step of the dialog."""

    kind: str = Kind.COMPLAINT.value
    category: str | None = None
    text: str | None = None
    photos: list[str] = field(default_factory=list)
    voice: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    hide_name: bool = False
    editing: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> IntakeDraft:
        """Rebuild a draft stored by :meth:`to_dict` (unknown keys are ignored)."""
        known = {name: data[name] for name in cls.__dataclass_fields__ if name in data}
        return cls(**known)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serializable copy."""
        return asdict(self)
