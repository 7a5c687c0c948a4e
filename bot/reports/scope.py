"""What part of the territory a report covers, and the villages in it."""

from __future__ import annotations

from collections.abc import Iterable

from bot.i18n import Translator
from storage import territory
from storage.db import Database
from storage.models import Names, Scope, ScopeKind, Village


def parse_scope(text: str) -> Scope:
    """Read ``all``, ``region:CODE``, ``district:CODE``, ``okrug:CODE`` or ``village:CODE``."""
    kind, _, code = text.strip().partition(":")
    try:
        scope_kind = ScopeKind(kind)
    except ValueError:
        raise ValueError(
            f"{text!r}: use all, region:CODE, district:CODE, okrug:CODE or village:CODE"
        ) from None
    if (scope_kind is ScopeKind.ALL) != (code == ""):
        raise ValueError(f"{text!r}: all takes no code, the others need one")
    return Scope(scope_kind, code)


def scope_label(scope: Scope) -> str:
    """A file-name-safe label: ``all`` or the code."""
    return "all" if scope.kind is ScopeKind.ALL else scope.code


async def scope_exists(db: Database, scope: Scope) -> bool:
    """Whether the scope's region, district, okrug or village exists."""
    lookup = {
        ScopeKind.VILLAGE: territory.get_village,
        ScopeKind.OKRUG: territory.get_okrug,
        ScopeKind.DISTRICT: territory.get_district,
        ScopeKind.REGION: territory.get_region,
    }.get(scope.kind)
    return lookup is None or await lookup(db, scope.code) is not None


async def villages_of(db: Database, scopes: Iterable[Scope]) -> list[Village]:
    """Every village any of ``scopes`` covers, by code."""
    chosen = list(scopes)
    return [v for v in await territory.list_villages(db) if any(s.covers(v) for s in chosen)]


def _names(scope: Scope, villages: Iterable[Village]) -> Names | None:
    """The names of the region, district, okrug or village ``scope`` is, from a village in it."""
    for village in villages:
        if scope.covers(village):
            return {
                ScopeKind.REGION: village.region_names,
                ScopeKind.DISTRICT: village.district_names,
                ScopeKind.OKRUG: village.okrug_names,
                ScopeKind.VILLAGE: village.names,
            }.get(scope.kind)
    return None


def scope_title(tr: Translator, scopes: Iterable[Scope], villages: Iterable[Village]) -> str:
    """What a report covers, as a reader names it: "Karaganda Region", "all regions"."""
    known = list(villages)
    titles = []
    for scope in scopes:
        if scope.kind is ScopeKind.ALL:
            return tr.t("report.area.all")
        names = _names(scope, known)
        titles.append(names.get(tr.language) if names else scope.code)
    return ", ".join(titles) or tr.t("report.area.mine")
