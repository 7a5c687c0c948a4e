"""People who wrote to the bot: residents, and staff in their resident capacity."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.models import Person, VillageCount
from storage.territory import list_villages

_COLUMNS = (
    "id, telegram_id, first_name, language, telegram_language, village_code, created_at, blocked_at"
)


def _person(row: sqlite3.Row) -> Person:
    return Person(
        id=row["id"],
        telegram_id=row["telegram_id"],
        first_name=row["first_name"],
        language=row["language"],
        village_code=row["village_code"],
        created_at=from_db_time(row["created_at"]),
        blocked=row["blocked_at"] is not None,
        telegram_language=row["telegram_language"],
    )


async def get_by_telegram_id(db: Database, telegram_id: int) -> Person | None:
    """Return the person with this Telegram id, if they wrote to the bot before."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM people WHERE telegram_id = ?",  # noqa: S608 - constant columns
        (telegram_id,),
    )
    return _person(row) if row else None


async def ensure_person(db: Database, telegram_id: int, first_name: str | None) -> Person:
    """Return the person, creating them on first contact and keeping their name current."""
    person = await get_by_telegram_id(db, telegram_id)
    if person is not None and person.first_name == first_name:
        return person
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO people (telegram_id, first_name, created_at) VALUES (?, ?, ?) "
            "ON CONFLICT (telegram_id) DO UPDATE SET first_name = excluded.first_name",
            (telegram_id, first_name, to_db_time(utcnow())),
        )
    created = await get_by_telegram_id(db, telegram_id)
    assert created is not None
    return created


async def mark_blocked(db: Database, person_id: int) -> None:
    """The person blocked the bot: broadcasts skip them until they come back."""
    await db.execute_write(
        "UPDATE people SET blocked_at = ? WHERE id = ? AND blocked_at IS NULL",
        (to_db_time(utcnow()), person_id),
    )


async def unblock(db: Database, person_id: int) -> None:
    """Someone who blocked the bot wrote again: reach them again."""
    await db.execute_write("UPDATE people SET blocked_at = NULL WHERE id = ?", (person_id,))


async def set_language(db: Database, telegram_id: int, language: str) -> None:
    """Store the person's chosen language."""
    await db.execute_write(
        "UPDATE people SET language = ? WHERE telegram_id = ?", (language, telegram_id)
    )


async def set_village(db: Database, telegram_id: int, village_code: str) -> None:
    """Bind the person to a village (a resident belongs to one village at a time)."""
    await db.execute_write(
        "UPDATE people SET village_code = ?, village_set_at = ? WHERE telegram_id = ?",
        (village_code, to_db_time(utcnow()), telegram_id),
    )


async def note_source(db: Database, telegram_id: int, source: str) -> None:
    """Remember the channel of a resident's first village link (a later link changes nothing)."""
    await db.execute_write(
        "UPDATE people SET joined_via = ? "
        "WHERE telegram_id = ? AND joined_via IS NULL AND village_code IS NULL",
        (source, telegram_id),
    )


async def count_by_source(db: Database, village_codes: Sequence[str]) -> dict[str | None, int]:
    """Residents of these villages by the channel they joined through (None: no link)."""
    if not village_codes:
        return {}
    marks = ", ".join("?" for _ in village_codes)
    where = f"deleted_at IS NULL AND village_code IN ({marks})"
    rows = await db.fetch_all(
        f"SELECT joined_via, COUNT(*) AS n FROM people WHERE {where} GROUP BY joined_via",  # noqa: S608
        tuple(village_codes),
    )
    return {row["joined_via"]: row["n"] for row in rows}


async def delete_personal_data(db: Database, telegram_id: int) -> bool:
    """Erase the person's identity; the anonymous row stays so that aggregates stay true."""
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE people SET telegram_id = NULL, first_name = NULL, telegram_language = NULL, "
            "deleted_at = ? "
            "WHERE telegram_id = ?",
            (to_db_time(utcnow()), telegram_id),
        )
        await tx.execute(
            "DELETE FROM conversations WHERE key LIKE ? OR key LIKE ?",
            (f"{telegram_id},%", f"%,{telegram_id}"),
        )
        await tx.execute("DELETE FROM drafts WHERE telegram_id = ?", (telegram_id,))
        return cursor.rowcount > 0


async def count_by_village(db: Database, district_code: str | None = None) -> list[VillageCount]:
    """Count registered residents of each village (of one district, or everywhere).

    Read beside the writer (a whole region's residents: no write waits for it).
    """
    rows = await db.read_all(
        "SELECT village_code, COALESCE(language, '') AS language, COUNT(*) AS n FROM people "
        "WHERE deleted_at IS NULL AND village_code IS NOT NULL "
        "GROUP BY village_code, language"
    )
    tally: dict[str, dict[str, int]] = {}
    for row in rows:
        tally.setdefault(row["village_code"], {})[row["language"]] = row["n"]
    return [
        VillageCount(
            village=village,
            total=sum(tally.get(village.code, {}).values()),
            by_language=tally.get(village.code, {}),
        )
        for village in await list_villages(db, district_code)
    ]
