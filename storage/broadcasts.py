"""The broadcast outbox: one row per recipient, so that a broadcast survives a restart."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from storage.db import Database, from_db_time, to_db_time, utcnow

# A broadcast reaches residents still reachable: not deleted, not blocked. Lists of values go
# in as one JSON array parameter (json_each), so that no SQL text is ever assembled.


@dataclass(frozen=True, slots=True)
class Broadcast:
    """A message to many."""

    id: int
    kind: str
    ref_id: int | None
    created_by: int
    payload: dict[str, Any]
    status: str
    report_chat_id: int | None
    report_message_id: int | None
    report_language: str | None
    created_at: datetime
    report_title: str | None = None  # above the report of a broadcast nobody sent by hand


@dataclass(frozen=True, slots=True)
class Recipient:
    """One outbox row ready to send."""

    person_id: int
    chat_id: int
    language: str | None
    attempts: int = 0  # tries recorded before this one


@dataclass(frozen=True, slots=True)
class Outcome:
    """What became of one outbox row."""

    person_id: int
    status: str  # sent, blocked, failed, or pending (to be tried again)
    text_only: bool = False  # sent without its picture or file: Telegram refused the file


@dataclass(frozen=True, slots=True)
class Tally:
    """Counts of a broadcast's rows by status."""

    total: int
    sent: int
    blocked: int
    failed: int
    skipped: int
    text_only: int = 0  # of the sent: without the picture or file

    @property
    def done(self) -> int:
        """Rows that will not be tried again."""
        return self.sent + self.blocked + self.failed + self.skipped


def _broadcast(row: sqlite3.Row) -> Broadcast:
    return Broadcast(
        id=row["id"],
        kind=row["kind"],
        ref_id=row["ref_id"],
        created_by=row["created_by"],
        payload=json.loads(row["payload"]),
        status=row["status"],
        report_chat_id=row["report_chat_id"],
        report_message_id=row["report_message_id"],
        report_language=row["report_language"],
        created_at=from_db_time(row["created_at"]),
        report_title=row["report_title"],
    )


async def count_audience(db: Database, village_codes: Sequence[str]) -> int:
    """How many reachable residents live in these villages."""
    row = await db.fetch_one(
        "SELECT COUNT(*) FROM people p WHERE p.deleted_at IS NULL AND p.blocked_at IS NULL "
        "AND p.telegram_id IS NOT NULL AND p.village_code IN (SELECT value FROM json_each(?))",
        (json.dumps(list(village_codes)),),
    )
    return int(row[0]) if row else 0


async def create(
    db: Database,
    *,
    kind: str,
    payload: dict[str, Any],
    created_by: int,
    ref_id: int | None = None,
    village_codes: Sequence[str] = (),
    person_ids: Iterable[int] = (),
) -> int:
    """Store a broadcast and its outbox (residents of villages and/or listed people)."""
    now = to_db_time(utcnow())
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "INSERT INTO broadcasts (kind, ref_id, created_by, payload, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (kind, ref_id, created_by, json.dumps(payload, ensure_ascii=False), now),
        )
        broadcast_id = cursor.lastrowid
        assert broadcast_id is not None
        await tx.execute(
            "INSERT OR IGNORE INTO outbox (broadcast_id, person_id) SELECT ?, p.id FROM people p "
            "WHERE p.deleted_at IS NULL AND p.blocked_at IS NULL AND p.telegram_id IS NOT NULL "
            "AND (p.village_code IN (SELECT value FROM json_each(?)) "
            "     OR p.id IN (SELECT value FROM json_each(?)))",
            (broadcast_id, json.dumps(list(village_codes)), json.dumps(list(person_ids))),
        )
    return broadcast_id


async def get(db: Database, broadcast_id: int) -> Broadcast | None:
    """Return one broadcast."""
    row = await db.fetch_one("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
    return _broadcast(row) if row else None


async def sending(db: Database) -> list[Broadcast]:
    """Broadcasts still going out, oldest first."""
    rows = await db.fetch_all("SELECT * FROM broadcasts WHERE status = 'sending' ORDER BY id")
    return [_broadcast(row) for row in rows]


async def set_report_message(
    db: Database,
    broadcast_id: int,
    chat_id: int,
    message_id: int,
    language: str,
    title: str | None = None,
) -> None:
    """Remember the sender's progress message, the language to write it in, its title."""
    await db.execute_write(
        "UPDATE broadcasts SET report_chat_id = ?, report_message_id = ?, report_language = ?, "
        "report_title = ? WHERE id = ?",
        (chat_id, message_id, language, title, broadcast_id),
    )


async def claim(db: Database, broadcast_id: int, limit: int, lease: timedelta) -> list[Recipient]:
    """Reserve up to ``limit`` pending rows for this worker for ``lease``.

    A row claimed by a worker that then died becomes claimable again when its lease runs out,
    so several workers (or a restarted one) never send the same row at the same time.
    """
    now = utcnow()
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE outbox SET lease_until = ? WHERE broadcast_id = ? AND person_id IN ("
            " SELECT person_id FROM outbox WHERE broadcast_id = ? AND status = 'pending'"
            " AND (lease_until IS NULL OR lease_until < ?) ORDER BY person_id LIMIT ?"
            ") RETURNING person_id",
            (to_db_time(now + lease), broadcast_id, broadcast_id, to_db_time(now), limit),
        )
        claimed = [row[0] for row in await cursor.fetchall()]
        await cursor.close()
    if not claimed:
        return []
    rows = await db.fetch_all(
        "SELECT p.id, p.telegram_id, COALESCE(p.language, p.telegram_language) AS language, "
        "o.attempts FROM people p "
        "JOIN outbox o ON o.person_id = p.id AND o.broadcast_id = ? "
        "WHERE p.deleted_at IS NULL AND p.blocked_at IS NULL AND p.telegram_id IS NOT NULL "
        "AND p.id IN (SELECT value FROM json_each(?))",
        (broadcast_id, json.dumps(claimed)),
    )
    reachable = {row["id"] for row in rows}
    gone = [person_id for person_id in claimed if person_id not in reachable]
    if gone:  # deleted their data or blocked the bot since the broadcast was made
        await record(db, broadcast_id, [Outcome(person_id, "skipped") for person_id in gone])
    return [
        Recipient(row["id"], row["telegram_id"], row["language"], row["attempts"]) for row in rows
    ]


async def record(db: Database, broadcast_id: int, outcomes: Sequence[Outcome]) -> None:
    """Store what became of sent rows; a 'pending' outcome frees the row for a new try."""
    now = to_db_time(utcnow())
    async with db.transaction() as tx:
        await tx.executemany(
            "UPDATE outbox SET status = ?, text_only = ?, attempts = attempts + 1, "
            "lease_until = NULL, updated_at = ? WHERE broadcast_id = ? AND person_id = ?",
            [(o.status, o.text_only, now, broadcast_id, o.person_id) for o in outcomes],
        )
        blocked = [(now, o.person_id) for o in outcomes if o.status == "blocked"]
        await tx.executemany("UPDATE people SET blocked_at = ? WHERE id = ?", blocked)


async def tally(db: Database, broadcast_id: int) -> Tally:
    """Count a broadcast's rows by status."""
    rows = await db.fetch_all(
        "SELECT status, COUNT(*) AS n, SUM(text_only) AS bare FROM outbox "
        "WHERE broadcast_id = ? GROUP BY status",
        (broadcast_id,),
    )
    counts = {row["status"]: row["n"] for row in rows}
    bare = {row["status"]: row["bare"] for row in rows}
    return Tally(
        total=sum(counts.values()),
        sent=counts.get("sent", 0),
        blocked=counts.get("blocked", 0),
        failed=counts.get("failed", 0),
        skipped=counts.get("skipped", 0),
        text_only=bare.get("sent", 0),
    )


async def has_pending(db: Database, broadcast_id: int) -> bool:
    """Whether any row still waits to be sent."""
    row = await db.fetch_one(
        "SELECT 1 FROM outbox WHERE broadcast_id = ? AND status = 'pending' LIMIT 1",
        (broadcast_id,),
    )
    return row is not None


async def finish(db: Database, broadcast_id: int, status: str) -> bool:
    """Close a broadcast as 'done' or 'cancelled' (skipping what was not sent); once only."""
    now = to_db_time(utcnow())
    async with db.transaction() as tx:
        cursor = await tx.execute(
            "UPDATE broadcasts SET status = ?, finished_at = ? WHERE id = ? AND status = 'sending'",
            (status, now, broadcast_id),
        )
        if cursor.rowcount == 0:
            return False
        await tx.execute(
            "UPDATE outbox SET status = 'skipped', updated_at = ? "
            "WHERE broadcast_id = ? AND status = 'pending'",
            (now, broadcast_id),
        )
    return True
