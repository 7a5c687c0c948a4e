"""The outbox of notices to staff about items: queued at once, sent in the background."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from storage.db import Database, from_db_time, to_db_time

NEW = "new"  # a new item, or one forwarded to the staff member
REOPENED = "reopened"  # the resident says it is not solved
OUTCOMES = ("sent", "blocked", "failed")


@dataclass(frozen=True, slots=True)
class StaffNotice:
    """One pending notice: tell ``telegram_id`` of ``event`` on an item of ``village_code``."""

    id: int
    telegram_id: int
    appeal_id: int
    event: str
    village_code: str
    created_at: datetime


def _notice(row: sqlite3.Row) -> StaffNotice:
    return StaffNotice(
        id=row["id"],
        telegram_id=row["telegram_id"],
        appeal_id=row["appeal_id"],
        event=row["event"],
        village_code=row["village_code"],
        created_at=from_db_time(row["created_at"]),
    )


async def queue(
    db: Database,
    staff: Iterable[int],
    appeal_id: int,
    event: str,
    village_code: str,
    now: datetime,
) -> int:
    """Queue one notice per staff member; return how many were queued."""
    rows = [(telegram_id, appeal_id, event, village_code, to_db_time(now)) for telegram_id in staff]
    if not rows:
        return 0
    async with db.transaction() as tx:
        await tx.executemany(
            "INSERT INTO staff_notices (telegram_id, appeal_id, event, village_code, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    return len(rows)


async def pending(db: Database, limit: int = 10_000) -> list[StaffNotice]:
    """Notices not sent yet, oldest first."""
    rows = await db.fetch_all(
        "SELECT * FROM staff_notices WHERE sent_at IS NULL ORDER BY id LIMIT ?", (limit,)
    )
    return [_notice(row) for row in rows]


async def record(db: Database, ids: Sequence[int], outcome: str, now: datetime) -> None:
    """Store what became of notices: sent, blocked (the person blocked the bot) or failed."""
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    await db.execute_write(
        "UPDATE staff_notices SET sent_at = ?, outcome = ? "
        "WHERE id IN (SELECT value FROM json_each(?))",
        (to_db_time(now), outcome, json.dumps(list(ids))),
    )


async def forget_sent_before(db: Database, before: datetime) -> int:
    """Drop notices sent (or given up) before ``before``; return how many."""
    return await db.execute_write(
        "DELETE FROM staff_notices WHERE sent_at IS NOT NULL AND sent_at < ?",
        (to_db_time(before),),
    )
