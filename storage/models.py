"""Typed records that repositories return; nothing outside ``storage`` sees a row."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Role(StrEnum):
    """What a person may do beyond being a resident."""

    STAFF = "staff"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class ScopeKind(StrEnum):
    """How much of the territory a role covers."""

    ALL = "all"
    REGION = "region"
    DISTRICT = "district"
    OKRUG = "okrug"  # a rural okrug: the villages its akimat serves
    VILLAGE = "village"


# Below the district: staff of these work their villages' items, not those sent up to the district.
LOCAL_SCOPES = frozenset({ScopeKind.VILLAGE, ScopeKind.OKRUG})


@dataclass(frozen=True, slots=True)
class Names:
    """A name in the three languages."""

    kk: str
    ru: str
    en: str

    def get(self, language: str) -> str:
        """Return the name in ``language`` (Kazakh when unknown)."""
        return {"kk": self.kk, "ru": self.ru, "en": self.en}.get(language, self.kk)


@dataclass(frozen=True, slots=True)
class Region:
    """An oblast."""

    code: str
    names: Names


@dataclass(frozen=True, slots=True)
class District:
    """An audan, within a region."""

    code: str
    region_code: str
    names: Names


@dataclass(frozen=True, slots=True)
class Okrug:
    """A rural okrug (ауылдық округ / сельский округ), within a district: several villages."""

    code: str
    district_code: str
    region_code: str
    names: Names


@dataclass(frozen=True, slots=True)
class Village:
    """An aul, within a district and maybe a rural okrug; carries its parents' names."""

    code: str
    district_code: str
    region_code: str
    names: Names
    district_names: Names
    region_names: Names
    population: int | None = None  # from the territory file, when it gives one
    okrug_code: str | None = None  # None: a village of district significance, or a town
    okrug_names: Names | None = None


@dataclass(frozen=True, slots=True)
class Person:
    """Someone who wrote to the bot."""

    id: int
    telegram_id: int
    first_name: str | None
    language: str | None  # chosen in the bot; None until they choose
    village_code: str | None
    created_at: datetime
    blocked: bool = False  # blocked the bot: broadcasts skip them until they write again
    telegram_language: str | None = None  # their Telegram app's, when kk, ru or en
    village_set_at: datetime | None = None  # bound to their village (first choice or move) then
    village_moved_at: datetime | None = None  # last moved from one village to another

    @property
    def preferred_language(self) -> str | None:
        """The chosen language, else the Telegram app's; None: the default applies."""
        return self.language or self.telegram_language


@dataclass(frozen=True, slots=True)
class Scope:
    """A part of the territory: everything, or one region, district, rural okrug or village."""

    kind: ScopeKind
    code: str = ""

    def covers(self, village: Village) -> bool:
        """Whether ``village`` lies within this scope."""
        match self.kind:
            case ScopeKind.ALL:
                return True
            case ScopeKind.REGION:
                return village.region_code == self.code
            case ScopeKind.DISTRICT:
                return village.district_code == self.code
            case ScopeKind.OKRUG:
                return village.okrug_code == self.code
            case ScopeKind.VILLAGE:
                return village.code == self.code
        return False  # pragma: no cover - exhaustive match


@dataclass(frozen=True, slots=True)
class RoleGrant:
    """A role held by a Telegram user within a scope."""

    id: int
    telegram_id: int
    role: Role
    scope: Scope
    granted_at: datetime
    granted_by: str


@dataclass(frozen=True, slots=True)
class Invite:
    """A one-time deep link that grants a role."""

    token: str  # in clear only when just created: the database keeps its hash alone
    role: Role
    scope: Scope
    expires_at: datetime
    used_by: int | None
    id: int = 0
    created_at: datetime | None = None
    used_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class VillageCount:
    """Registered residents of one village, by language."""

    village: Village
    total: int
    by_language: dict[str, int]
