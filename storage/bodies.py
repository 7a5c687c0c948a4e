"""The directory of other bodies per district: who handles what the akimat does not."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, to_db_time
from storage.models import Names

FIELDS = ("name", "address", "handles")  # each in kk, ru and en


@dataclass(frozen=True, slots=True)
class BodyEntry:
    """A body as the CSV file or the command line gives it."""

    district_code: str
    code: str
    names: Names
    phone: str
    addresses: Names
    handles: Names
    sample: bool = False


@dataclass(frozen=True, slots=True)
class Body:
    """A stored body of a district."""

    id: int
    district_code: str
    code: str
    names: Names
    phone: str
    addresses: Names
    handles: Names
    sample: bool
    removed: bool

    def entry(self) -> BodyEntry:
        """The body as an entry (to compare with, or to change and store again)."""
        return BodyEntry(
            self.district_code, self.code, self.names, self.phone, self.addresses,
            self.handles, self.sample,
        )  # fmt: skip


def _names(row: sqlite3.Row, field: str) -> Names:
    return Names(row[f"{field}_kk"], row[f"{field}_ru"], row[f"{field}_en"])


def _body(row: sqlite3.Row) -> Body:
    return Body(
        id=row["id"],
        district_code=row["district_code"],
        code=row["code"],
        names=_names(row, "name"),
        phone=row["phone"],
        addresses=_names(row, "address"),
        handles=_names(row, "handles"),
        sample=bool(row["sample"]),
        removed=row["removed_at"] is not None,
    )


def _values(entry: BodyEntry) -> tuple[object, ...]:
    texts = (entry.names, entry.addresses, entry.handles)
    return (
        entry.district_code, entry.code,
        *(getattr(names, lang) for names in texts for lang in ("kk", "ru", "en")),
        entry.phone, int(entry.sample),
    )  # fmt: skip


_COLUMNS = (
    "district_code, code, name_kk, name_ru, name_en, address_kk, address_ru, address_en, "
    "handles_kk, handles_ru, handles_en, phone, sample"
)


async def upsert(db: Database, entries: list[BodyEntry], now: datetime) -> tuple[int, int]:
    """Store ``entries`` in one transaction, by district and code: (added, changed).

    An entry equal to the stored body changes nothing (not even its time): importing the same
    file again is a no-op. A removed body named again comes back.
    """
    added = changed = 0
    async with db.transaction() as tx:
        for entry in entries:
            cursor = await tx.execute(
                "SELECT * FROM bodies WHERE district_code = ? AND code = ?",
                (entry.district_code, entry.code),
            )
            row = await cursor.fetchone()
            await cursor.close()
            if row is None:
                await tx.execute(
                    f"INSERT INTO bodies ({_COLUMNS}, created_at, updated_at) "  # noqa: S608
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (*_values(entry), to_db_time(now), to_db_time(now)),
                )
                added += 1
                continue
            stored = _body(row)
            if stored.entry() == entry and not stored.removed:
                continue
            await tx.execute(
                "UPDATE bodies SET name_kk = ?, name_ru = ?, name_en = ?, address_kk = ?, "
                "address_ru = ?, address_en = ?, handles_kk = ?, handles_ru = ?, handles_en = ?, "
                "phone = ?, sample = ?, updated_at = ?, removed_at = NULL WHERE id = ?",
                (*_values(entry)[2:], to_db_time(now), stored.id),
            )
            changed += 1
    return added, changed


async def get(db: Database, body_id: int) -> Body | None:
    """One body, removed or not (the history of an item still names it)."""
    row = await db.fetch_one("SELECT * FROM bodies WHERE id = ?", (body_id,))
    return _body(row) if row else None


async def find(db: Database, district_code: str, code: str) -> Body | None:
    """The body of ``district_code`` with ``code``, removed or not."""
    row = await db.fetch_one(
        "SELECT * FROM bodies WHERE district_code = ? AND code = ?", (district_code, code)
    )
    return _body(row) if row else None


async def of_district(db: Database, district_code: str) -> list[Body]:
    """The bodies of a district that are not removed, by code."""
    rows = await db.fetch_all(
        "SELECT * FROM bodies WHERE district_code = ? AND removed_at IS NULL ORDER BY code",
        (district_code,),
    )
    return [_body(row) for row in rows]


async def listed(db: Database, district_code: str | None = None) -> list[Body]:
    """Every body that is not removed (of one district), by district and code."""
    sql = "SELECT * FROM bodies WHERE removed_at IS NULL"
    params: tuple[str, ...] = ()
    if district_code is not None:
        sql += " AND district_code = ?"
        params = (district_code,)
    rows = await db.fetch_all(sql + " ORDER BY district_code, code", params)
    return [_body(row) for row in rows]


async def remove(db: Database, body_id: int, now: datetime) -> bool:
    """Take a body out of the directory (its row stays for the history); False if it was not
    there."""
    changed = await db.execute_write(
        "UPDATE bodies SET removed_at = ?, updated_at = ? WHERE id = ? AND removed_at IS NULL",
        (to_db_time(now), to_db_time(now), body_id),
    )
    return changed > 0
