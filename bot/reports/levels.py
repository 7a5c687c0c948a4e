"""Totals per level of the territory: region, district, rural okrug (:data:`LEVELS`).

A level says how to find, from a village, the code and the names of the unit it belongs to at
that level; :func:`totals` adds the villages' figures up per unit and returns them in tree order
(a region, then its districts, each followed by its okrugs). A village outside any okrug (of
district significance, a town) has no code at that level and counts in no okrug total. The
summary's Totals sheet and the digest's okrug lines are both made of these totals, so each
reconciles with the village rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from bot.i18n import Translator, sort_key
from bot.reports.data import Counts, VillageFigures
from storage.models import Names, Village


@dataclass(frozen=True, slots=True)
class Level:
    """One level of the territory above the village."""

    key: str  # for the "Level" column's text: report.level.<key>
    code_of: Callable[[Village], str | None]
    names_of: Callable[[Village], Names | None]


REGION = Level("region", lambda v: v.region_code, lambda v: v.region_names)
DISTRICT = Level("district", lambda v: v.district_code, lambda v: v.district_names)
OKRUG = Level("okrug", lambda v: v.okrug_code, lambda v: v.okrug_names)
# From the top down.
LEVELS: tuple[Level, ...] = (REGION, DISTRICT, OKRUG)


@dataclass(slots=True)
class LevelTotal(Counts):
    """The figures of one unit of a level: a region, a district."""

    level: Level = field(kw_only=True)
    code: str = field(kw_only=True)
    names: Names = field(kw_only=True)
    villages: int = 0
    path: tuple[object, ...] = ()  # sort key: (name, code) of the units above it, then its own


def totals(
    tr: Translator, villages: Iterable[VillageFigures], levels: Sequence[Level] = LEVELS
) -> list[LevelTotal]:
    """Every unit of every level that holds any of ``villages``, added up, in tree order."""
    found: dict[tuple[str, str], LevelTotal] = {}
    for figures in villages:
        path: tuple[object, ...] = ()
        for level in levels:
            code, names = level.code_of(figures.village), level.names_of(figures.village)
            if code is None or names is None:
                continue
            path = (*path, (sort_key(names.get(tr.language)), code))  # a parent sorts first
            total = found.get((level.key, code))
            if total is None:
                total = found[(level.key, code)] = LevelTotal(
                    level=level, code=code, names=names, path=path
                )
            total.add(figures)
            total.villages += 1
    return sorted(found.values(), key=lambda total: total.path)
