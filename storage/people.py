"""People who wrote to the bot: residents, and staff in their resident capacity."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from storage import appeals, budget, verifications
from storage.db import Database, from_db_time, to_db_time, utcnow
from storage.models import Person, VillageCount
from storage.territory import list_villages

_COLUMNS = (
    "id, telegram_id, first_name, language, telegram_language, village_code, created_at, "
    "blocked_at, village_set_at, village_moved_at"
)


def _time(text: str | None) -> datetime | None:
    return from_db_time(text) if text else None


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
        village_set_at=_time(row["village_set_at"]),
        village_moved_at=_time(row["village_moved_at"]),
    )


async def get_by_telegram_id(db: Database, telegram_id: int) -> Person | None:
    """Return the person with this Telegram id, if they wrote to the bot before."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM people WHERE telegram_id = ?",  # noqa: S608 - constant columns
        (telegram_id,),
    )
    return _person(row) if row else None


async def ensure_person(
    db: Database, telegram_id: int, first_name: str | None, person_key: str | None = None
) -> Person:
    """Return the person, creating them on first contact and keeping their name current.

    Without ``person_key`` the row gets its key at the person's first update (the session).
    """
    person = await get_by_telegram_id(db, telegram_id)
    if person is not None and person.first_name == first_name and person_key is None:
        return person
    async with db.transaction() as tx:
        await tx.execute(
            "INSERT INTO people (telegram_id, first_name, created_at, person_key) "
            "VALUES (?, ?, ?, ?) "
            "ON CONFLICT (telegram_id) DO UPDATE SET first_name = excluded.first_name, "
            "person_key = COALESCE(people.person_key, excluded.person_key) "
            "ON CONFLICT (person_key) DO UPDATE SET telegram_id = excluded.telegram_id, "
            "first_name = excluded.first_name, deleted_at = NULL",
            (telegram_id, first_name, to_db_time(utcnow()), person_key),
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


class Binding(StrEnum):
    """What choosing a village did."""

    FIRST = "first"  # the first village: free
    SAME = "same"  # already bound there: nothing changed
    MOVED = "moved"  # moved from another village
    TOO_SOON = "too_soon"  # moved lately: nothing changed (staff of the new village may allow it)
    GONE = "gone"  # no such person (erased meanwhile)


async def bind_village(
    db: Database, person_id: int, village_code: str, now: datetime, not_moved_since: datetime | None
) -> Binding:
    """Bind the person to a village: a first choice, or a move unless they moved lately.

    ``not_moved_since``: a move is refused when the person last moved at or after it (None: a
    move staff confirmed, always allowed). A move withdraws the person's pending request.
    """
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "SELECT village_code, village_moved_at FROM people WHERE id = ?", (person_id,)
        )
        row = await cursor.fetchone()
        if row is None:
            return Binding.GONE
        current, moved_at = row[0], row[1]
        if current == village_code:
            return Binding.SAME
        limit = not_moved_since
        if current is not None and moved_at and limit and from_db_time(moved_at) >= limit:
            return Binding.TOO_SOON
        at = to_db_time(now)
        await tx.execute(
            "UPDATE people SET village_code = ?, village_set_at = ?, "
            "village_moved_at = CASE WHEN village_code IS NULL THEN village_moved_at ELSE ? END "
            "WHERE id = ?",
            (village_code, at, at, person_id),
        )
        await tx.execute(
            "UPDATE village_moves SET status = 'withdrawn', decided_at = ? "
            "WHERE person_id = ? AND status = 'pending'",
            (at, person_id),
        )
        return Binding.FIRST if current is None else Binding.MOVED


@dataclass(frozen=True, slots=True)
class VillageMove:
    """A move asked of the staff of the new village."""

    id: int
    person_id: int
    from_village: str | None
    to_village: str
    created_at: datetime
    status: str  # pending, approved, refused, withdrawn
    decided_by: int | None


def _move(row: sqlite3.Row) -> VillageMove:
    return VillageMove(
        id=row["id"],
        person_id=row["person_id"],
        from_village=row["from_village"],
        to_village=row["to_village"],
        created_at=from_db_time(row["created_at"]),
        status=row["status"],
        decided_by=row["decided_by"],
    )


async def ask_move(db: Database, person_id: int, to_village: str, now: datetime) -> VillageMove:
    """Store a request to move to ``to_village``; it replaces the person's pending one."""
    at = to_db_time(now)
    async with db.transaction() as tx:
        await tx.execute(
            "UPDATE village_moves SET status = 'withdrawn', decided_at = ? "
            "WHERE person_id = ? AND status = 'pending'",
            (at, person_id),
        )
        cursor = await tx.execute(
            "INSERT INTO village_moves (person_id, from_village, to_village, created_at) "
            "SELECT id, village_code, ?, ? FROM people WHERE id = ? RETURNING *",
            (to_village, at, person_id),
        )
        row = await cursor.fetchone()
    assert row is not None
    return _move(row)


async def get_move(db: Database, move_id: int) -> VillageMove | None:
    """One move request."""
    row = await db.fetch_one("SELECT * FROM village_moves WHERE id = ?", (move_id,))
    return _move(row) if row else None


async def pending_move(db: Database, person_id: int) -> VillageMove | None:
    """The person's request waiting for staff, if any."""
    row = await db.fetch_one(
        "SELECT * FROM village_moves WHERE person_id = ? AND status = 'pending'", (person_id,)
    )
    return _move(row) if row else None


async def decide_move(
    db: Database, move_id: int, approve: bool, by: int, now: datetime
) -> VillageMove | None:
    """Approve (the person moves now) or refuse a pending request; None if decided before."""
    at = to_db_time(now)
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE village_moves SET status = ?, decided_by = ?, decided_at = ? "
            "WHERE id = ? AND status = 'pending' RETURNING *",
            ("approved" if approve else "refused", by, at, move_id),
        )
        row = await cursor.fetchone()
        if row is None:
            return None
        if approve:
            await tx.execute(
                "UPDATE people SET village_code = ?, village_set_at = ?, "
                "village_moved_at = CASE WHEN village_code IS NULL THEN village_moved_at "
                "ELSE ? END WHERE id = ? AND village_code IS NOT ?",
                (row["to_village"], at, at, row["person_id"], row["to_village"]),
            )
    return _move(row)


async def get_by_id(db: Database, person_id: int) -> Person | None:
    """The person of a row (None when they erased their data: no id to reach them by)."""
    row = await db.fetch_one(
        f"SELECT {_COLUMNS} FROM people WHERE id = ? AND telegram_id IS NOT NULL",  # noqa: S608
        (person_id,),
    )
    return _person(row) if row else None


async def count_by_village_and_source(
    db: Database, village_codes: Sequence[str]
) -> dict[str, dict[str | None, int]]:
    """Residents of each village by the channel they joined through (None: no link)."""
    counts: dict[str, dict[str | None, int]] = {}
    if not village_codes:
        return counts
    marks = ", ".join("?" for _ in village_codes)
    where = f"deleted_at IS NULL AND village_code IN ({marks})"
    rows = await db.fetch_all(
        f"SELECT village_code, joined_via, COUNT(*) AS n FROM people WHERE {where} "  # noqa: S608
        "GROUP BY village_code, joined_via",
        tuple(village_codes),
    )
    for row in rows:
        counts.setdefault(row["village_code"], {})[row["joined_via"]] = row["n"]
    return counts


async def delete_personal_data(db: Database, telegram_id: int) -> bool:
    """Erase the person's identity, their appeals' content, their dialogs and drafts.

    What stays is keyed by the pseudonymous ``person_key`` alone: the row (village, since when,
    moves), votes, hearing answers, and the appeals as counts (category, village, dates,
    statuses, the akimat's answers), so that the same account coming back votes no second time
    and finds its limits as they were, and reports stay true.
    """
    moment = utcnow()
    now = to_db_time(moment)
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE people SET telegram_id = NULL, first_name = NULL, telegram_language = NULL, "
            "language = NULL, blocked_at = NULL, deleted_at = ? "
            "WHERE telegram_id = ? RETURNING id",
            (now, telegram_id),
        )
        row = await cursor.fetchone()
        await tx.execute(
            "DELETE FROM conversations WHERE key LIKE ? OR key LIKE ?",
            (f"{telegram_id},%", f"%,{telegram_id}"),
        )
        await tx.execute("DELETE FROM drafts WHERE telegram_id = ?", (telegram_id,))
        if row is None:
            return False
        await appeals.redact_of_person(tx, row[0], moment)
        await verifications.erase_of_person(tx, row[0], moment)
        await budget.redact_of_person(tx, row[0])
        await tx.execute(
            "UPDATE village_moves SET status = 'withdrawn', decided_at = ? "
            "WHERE person_id = ? AND status = 'pending'",
            (now, row[0]),
        )
        return True


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
