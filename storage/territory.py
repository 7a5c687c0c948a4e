"""Regions, districts, rural okrugs and villages."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass

from storage.db import Database
from storage.models import District, Names, Okrug, Region, Village


@dataclass(frozen=True, slots=True)
class TerritoryRow:
    """One village with its district and region, as imported."""

    code: str
    district_code: str
    region_code: str
    region: Names
    district: Names
    village: Names
    population: int | None = None
    okrug_code: str | None = None  # None: the village belongs to no rural okrug
    okrug: Names | None = None


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """How many regions, districts, villages and rural okrugs an import wrote."""

    regions: int
    districts: int
    villages: int
    okrugs: int = 0


_VILLAGE_SELECT = """
SELECT v.code, v.district_code, d.region_code, v.population, v.okrug_code,
       v.name_kk, v.name_ru, v.name_en,
       d.name_kk AS d_kk, d.name_ru AS d_ru, d.name_en AS d_en,
       r.name_kk AS r_kk, r.name_ru AS r_ru, r.name_en AS r_en,
       o.name_kk AS o_kk, o.name_ru AS o_ru, o.name_en AS o_en
FROM villages v
JOIN districts d ON d.code = v.district_code
JOIN regions r ON r.code = d.region_code
LEFT JOIN okrugs o ON o.code = v.okrug_code
"""
_OKRUG_SELECT = """
SELECT o.code, o.district_code, d.region_code, o.name_kk, o.name_ru, o.name_en
FROM okrugs o
JOIN districts d ON d.code = o.district_code
"""


def _names(row: sqlite3.Row, prefix: str = "") -> Names:
    return Names(kk=row[f"{prefix}kk"], ru=row[f"{prefix}ru"], en=row[f"{prefix}en"])


def _district(row: sqlite3.Row) -> District:
    return District(code=row["code"], region_code=row["region_code"], names=_names(row, "name_"))


def _village(row: sqlite3.Row) -> Village:
    return Village(
        code=row["code"],
        district_code=row["district_code"],
        region_code=row["region_code"],
        names=_names(row, "name_"),
        district_names=_names(row, "d_"),
        region_names=_names(row, "r_"),
        population=row["population"],
        okrug_code=row["okrug_code"],
        okrug_names=_names(row, "o_") if row["okrug_code"] else None,
    )


def _okrug(row: sqlite3.Row) -> Okrug:
    return Okrug(
        code=row["code"],
        district_code=row["district_code"],
        region_code=row["region_code"],
        names=_names(row, "name_"),
    )


_VILLAGE_UPSERT_KEEPING_OKRUG = (
    "INSERT INTO villages (code, district_code, name_kk, name_ru, name_en, population, "
    "okrug_code) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
    "district_code = excluded.district_code, name_kk = excluded.name_kk, "
    "name_ru = excluded.name_ru, name_en = excluded.name_en, population = excluded.population"
)
_VILLAGE_UPSERT = _VILLAGE_UPSERT_KEEPING_OKRUG + ", okrug_code = excluded.okrug_code"


async def upsert_territory(
    db: Database, rows: Sequence[TerritoryRow], *, okrugs: bool = True
) -> ImportCounts:
    """Insert or update every row in one transaction.

    With ``okrugs`` False (a file without the okrug columns) each village keeps the okrug it
    had; otherwise the rows say which okrug each village is in, or that it is in none.
    """
    regions = {row.region_code: row.region for row in rows}
    districts = {row.district_code: (row.region_code, row.district) for row in rows}
    found = {row.okrug_code: (row.district_code, row.okrug) for row in rows if okrugs}
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO regions (code, name_kk, name_ru, name_en) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (code) DO UPDATE SET name_kk = excluded.name_kk, "
            "name_ru = excluded.name_ru, name_en = excluded.name_en",
            [(code, n.kk, n.ru, n.en) for code, n in regions.items()],
        )
        await tx.executemany(
            "INSERT INTO districts (code, region_code, name_kk, name_ru, name_en) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
            "region_code = excluded.region_code, name_kk = excluded.name_kk, "
            "name_ru = excluded.name_ru, name_en = excluded.name_en",
            [(code, region, n.kk, n.ru, n.en) for code, (region, n) in districts.items()],
        )
        await tx.executemany(
            "INSERT INTO okrugs (code, district_code, name_kk, name_ru, name_en) "
            "VALUES (?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET "
            "district_code = excluded.district_code, name_kk = excluded.name_kk, "
            "name_ru = excluded.name_ru, name_en = excluded.name_en",
            [
                (code, district, n.kk, n.ru, n.en)
                for code, (district, n) in found.items()
                if code is not None and n is not None
            ],
        )
        await tx.executemany(
            _VILLAGE_UPSERT if okrugs else _VILLAGE_UPSERT_KEEPING_OKRUG,
            [
                (r.code, r.district_code, r.village.kk, r.village.ru, r.village.en,
                 r.population, r.okrug_code)
                for r in rows
            ],
        )  # fmt: skip
    return ImportCounts(
        regions=len(regions),
        districts=len(districts),
        villages=len(rows),
        okrugs=len([code for code in found if code is not None]),
    )


async def list_regions(db: Database) -> list[Region]:
    """Return every region."""
    rows = await db.fetch_all("SELECT code, name_kk, name_ru, name_en FROM regions ORDER BY code")
    return [Region(code=row["code"], names=_names(row, "name_")) for row in rows]


async def list_districts(db: Database, region_code: str | None = None) -> list[District]:
    """Return the districts of a region, or all districts."""
    sql = "SELECT code, region_code, name_kk, name_ru, name_en FROM districts"
    params: tuple[str, ...] = ()
    if region_code is not None:
        sql += " WHERE region_code = ?"
        params = (region_code,)
    rows = await db.fetch_all(sql + " ORDER BY code", params)
    return [_district(row) for row in rows]


async def get_region(db: Database, code: str) -> Region | None:
    """Return a region by code."""
    row = await db.fetch_one(
        "SELECT code, name_kk, name_ru, name_en FROM regions WHERE code = ?", (code,)
    )
    return Region(code=row["code"], names=_names(row, "name_")) if row else None


async def get_district(db: Database, code: str) -> District | None:
    """Return a district by code."""
    row = await db.fetch_one(
        "SELECT code, region_code, name_kk, name_ru, name_en FROM districts WHERE code = ?",
        (code,),
    )
    return _district(row) if row else None


async def list_okrugs(db: Database, district_code: str | None = None) -> list[Okrug]:
    """Return the rural okrugs of a district, or all of them."""
    if district_code is None:
        rows = await db.fetch_all(_OKRUG_SELECT + " ORDER BY o.code")
    else:
        rows = await db.fetch_all(
            _OKRUG_SELECT + " WHERE o.district_code = ? ORDER BY o.code", (district_code,)
        )
    return [_okrug(row) for row in rows]


async def get_okrug(db: Database, code: str) -> Okrug | None:
    """Return a rural okrug by code."""
    row = await db.fetch_one(_OKRUG_SELECT + " WHERE o.code = ?", (code,))
    return _okrug(row) if row else None


async def list_villages(
    db: Database, district_code: str | None = None, *, okrug_code: str | None = None
) -> list[Village]:
    """Return the villages of a district, of a rural okrug, or all villages."""
    if okrug_code is not None:
        rows = await db.fetch_all(
            _VILLAGE_SELECT + " WHERE v.okrug_code = ? ORDER BY v.code", (okrug_code,)
        )
    elif district_code is None:
        rows = await db.fetch_all(_VILLAGE_SELECT + " ORDER BY v.code")
    else:
        rows = await db.fetch_all(
            _VILLAGE_SELECT + " WHERE v.district_code = ? ORDER BY v.code", (district_code,)
        )
    return [_village(row) for row in rows]


async def get_village(db: Database, code: str) -> Village | None:
    """Return a village by code."""
    row = await db.fetch_one(_VILLAGE_SELECT + " WHERE v.code = ?", (code,))
    return _village(row) if row else None
